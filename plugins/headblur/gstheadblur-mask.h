/* rtsp-blur: headblur element, masking (OpenCV, C API)
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_MASK_H__
#define __GST_HEAD_BLUR_MASK_H__

#include <glib.h>

#include "gstheadblur-image.h"
#include "rb-box.h"

G_BEGIN_DECLS

/**
 * GstHeadBlurMode:
 * @GST_HEAD_BLUR_MODE_BLUR: blur each head region (strength scales with the
 *   region, details finer than about 1/16 of the head are gone)
 * @GST_HEAD_BLUR_MODE_PIXELATE: replace each head region with about 8 blocks
 *   across (blocks at least 4 pixels), each the average of its pixels
 * @GST_HEAD_BLUR_MODE_FILL: paint each head region with #GstHeadBlur:fill-color
 *
 * How headblur hides a head.
 *
 * Since: 0.1.0
 */
typedef enum
{
  GST_HEAD_BLUR_MODE_BLUR,
  GST_HEAD_BLUR_MODE_PIXELATE,
  GST_HEAD_BLUR_MODE_FILL,
} GstHeadBlurMode;

/* Masks @image in place, in every plane, with @mode (@fill: the fill
 * colour as three bytes in plane or channel order, Y,U,V or R,G,B): the
 * whole frame when @full_frame; else the @n_boxes @boxes (whole pixels
 * inside the frame, as rb_box_clip() gives them), then the inside of each
 * polygon of @zones (NULL for none: a GPtrArray of GArrays of gdouble x, y
 * pairs normalised to the frame, 0 to 1, at least 3 points each; a polygon
 * may extend past the frame). Blur strength and pixelate block size scale
 * with each box (a polygon's bounding box). Errors:
 * GST_HEAD_BLUR_CV_ERROR_ARGS (an invalid image, a polygon of fewer than 3
 * points), GST_HEAD_BLUR_CV_ERROR_MASK (OpenCV failed). */
gboolean gst_head_blur_mask_frame (const GstHeadBlurImage * image,
                                   gboolean full_frame,
                                   const RbBox * boxes, guint n_boxes,
                                   const GPtrArray * zones,
                                   GstHeadBlurMode mode,
                                   const guint8 fill[3], GError ** error);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_MASK_H__ */
