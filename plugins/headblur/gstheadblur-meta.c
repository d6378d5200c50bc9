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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-meta.h"

#include "rb-box.h"
#include "rb-roi.h"

gboolean
gst_head_blur_meta_read_upstream (GstBuffer * buffer, gint width,
    gint height, GArray * boxes)
{
  GQuark head = g_quark_from_static_string (RB_ROI_HEAD);
  GQuark marker = g_quark_from_static_string (RB_ROI_FRAME);
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  gboolean covered = FALSE;

  while ((roi = (GstVideoRegionOfInterestMeta *)
          gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (roi->roi_type == head) {
      RbBox b = { roi->x, roi->y, roi->w, roi->h, 0.0f, RB_BOX_DETECTION };

      if (rb_box_clip (&b, width, height, &b))
        g_array_append_val (boxes, b);
    } else if (roi->roi_type == marker) {
      GstStructure *st = gst_video_region_of_interest_meta_get_param (roi,
          RB_ROI_FRAME);
      gboolean c = FALSE;

      if (st && gst_structure_get_boolean (st, "covered", &c) && c)
        covered = TRUE;
    }
  }
  gst_head_blur_meta_remove (buffer);
  return covered;
}

void
gst_head_blur_meta_remove (GstBuffer * buffer)
{
  if (gst_buffer_is_writable (buffer))
    gst_buffer_foreach_meta (buffer, rb_roi_remove_headblur, NULL);
}

static void
add_head (GstBuffer * buffer, const RbBox * b, RbBoxSource source,
    gdouble score)
{
  GstVideoRegionOfInterestMeta *roi;

  /* whole pixels inside the frame (rb_box_clip()) */
  roi = gst_buffer_add_video_region_of_interest_meta (buffer, RB_ROI_HEAD,
      (guint) b->x, (guint) b->y, (guint) b->width, (guint) b->height);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("headblur-box", "source", G_TYPE_STRING,
          rb_box_source_to_string (source), "score", G_TYPE_DOUBLE, score,
          NULL));
}

void
gst_head_blur_meta_attach (GstBuffer * buffer, const GArray * detections,
    const GArray * masked, const GstHeadBlurFrameMeta * frame)
{
  GstVideoRegionOfInterestMeta *roi;

  for (guint i = 0; i < detections->len; i++) {
    const RbBox *b = &g_array_index (detections, RbBox, i);

    add_head (buffer, b, RB_BOX_DETECTION, b->score);
  }
  for (guint i = 0; masked != NULL && i < masked->len; i++)
    add_head (buffer, &g_array_index (masked, RbBox, i), RB_BOX_TRACK, 0);
  roi = gst_buffer_add_video_region_of_interest_meta (buffer, RB_ROI_FRAME, 0,
      0, 0, 0);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new (RB_ROI_FRAME, "detected", G_TYPE_BOOLEAN,
          frame->detected, "overload", G_TYPE_BOOLEAN, frame->overload,
          "corrupt", G_TYPE_BOOLEAN, frame->corrupt,
          "detection-interval", G_TYPE_UINT, frame->detection_interval, NULL));
}
