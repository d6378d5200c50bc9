/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* headblur's detections as GstVideoRegionOfInterestMetas: the contract
 * between the element (attach-meta, upstream-detections) and the launcher
 * (the sidecar written from them, fed back to the workers). Header only:
 * librb itself stays GLib-only; who includes this links gstreamer-video. */

#ifndef __RB_ROI_H__
#define __RB_ROI_H__

#include <gst/video/video.h>

G_BEGIN_DECLS

/* one per head: param "headblur-box" (source, score) */
#define RB_ROI_HEAD "head"
/* one per frame: param "headblur-frame" (detected, overload, covered, ...) */
#define RB_ROI_FRAME "headblur-frame"

/* gst_buffer_foreach_meta() callback: removes headblur's metas (both
 * types) and keeps any other. */
static inline gboolean
rb_roi_remove_headblur (GstBuffer * buffer, GstMeta ** meta, gpointer data)
{
  if ((*meta)->info->api == GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) {
    GstVideoRegionOfInterestMeta *roi =
        (GstVideoRegionOfInterestMeta *) * meta;

    if (roi->roi_type == g_quark_from_static_string (RB_ROI_HEAD)
        || roi->roi_type == g_quark_from_static_string (RB_ROI_FRAME))
      *meta = NULL;
  }
  return TRUE;
}

G_END_DECLS

#endif /* __RB_ROI_H__ */
