/* rtsp-blur: headblur element, the frame as the OpenCV helpers see it
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_IMAGE_H__
#define __GST_HEAD_BLUR_IMAGE_H__

#include <gst/video/video.h>

#include "gstheadblur-internal.h"

G_BEGIN_DECLS

/* The planes of mapped @frame into @image; FALSE when its format is not
 * one headblur takes (I420, NV12, BGR, RGB, BGRx, RGBx). */
gboolean gst_head_blur_image_from_frame (const GstVideoFrame * frame,
                                         GstHeadBlurImage * image);

/* @argb (0xAARRGGBB, alpha ignored) as the three bytes the masks take, in
 * the plane or channel order of @info's format: Y, U, V for YUV formats
 * (BT.601 matrix, in the range of @info's colorimetry), else R, G, B. */
void     gst_head_blur_image_fill_colour (const GstVideoInfo * info,
                                          guint argb, guint8 out[3]);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_IMAGE_H__ */
