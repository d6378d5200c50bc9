/* rtsp-blur: headblur element, detections as metas
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_META_H__
#define __GST_HEAD_BLUR_META_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* headblur's detections as GstVideoRegionOfInterestMetas (rb-roi.h): the
 * ones it takes from upstream (upstream-detections) and the ones it
 * attaches (attach-meta). */

/* What headblur did with one frame, for its "headblur-frame" meta. */
typedef struct
{
  gboolean detected;            /* the detector ran on the frame */
  gboolean overload;            /* masked whole */
  gboolean corrupt;             /* masked whole for corruption */
  guint detection_interval;
} GstHeadBlurFrameMeta;

/* Appends the "head" region-of-interest metas of @buffer, rounded
 * outwards and clipped to a @width x @height frame, to @boxes (RbBox);
 * then, when @buffer is writable, removes headblur's metas from it.
 * Returns TRUE when a "headblur-frame" meta says `covered=true` (the
 * frame's detections are complete). */
gboolean gst_head_blur_meta_read_upstream (GstBuffer * buffer, gint width,
                                           gint height, GArray * boxes);

/* Removes headblur's metas from @buffer when it is writable. */
void     gst_head_blur_meta_remove (GstBuffer * buffer);

/* Attaches to @buffer (writable) one "head" meta per box of @detections
 * (source "det", their score) and of @masked (source "track", score 0;
 * NULL when the frame is masked whole), then the "headblur-frame" meta
 * @frame describes. */
void     gst_head_blur_meta_attach (GstBuffer * buffer,
                                    const GArray * detections,
                                    const GArray * masked,
                                    const GstHeadBlurFrameMeta * frame);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_META_H__ */
