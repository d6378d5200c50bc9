/* rtsp-blur: headblur element, one frame: what to mask in it, masking it
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The path of one frame through the element: its upstream metas read, the
 * scheduling decision (gstheadblur-sched.c: detect or not, late,
 * overloaded), the detectors run and the tracks fed, the boxes to mask
 * collected, the fail-closed paths (a corrupted frame, an overloaded one)
 * taken, the metas attached, the frame masked. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-internal.h"
#include "gstheadblur-meta.h"

#define GST_CAT_DEFAULT gst_head_blur_debug

/* enlarge factor of the tracks in overload-mode=enlarge */
#define OVERLOAD_ENLARGE 2.0

GstClockTime
gst_head_blur_caps_duration (GstHeadBlur * self)
{
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;

  if (info->fps_n > 0 && info->fps_d > 0)
    return gst_util_uint64_scale_int (GST_SECOND, info->fps_d, info->fps_n);
  return GST_CLOCK_TIME_NONE;
}

GstClockTime
gst_head_blur_frame_duration (GstHeadBlur * self)
{
  GstClockTime caps = gst_head_blur_caps_duration (self), d;

  GST_OBJECT_LOCK (self);
  d = gst_head_blur_sched_frame_duration (&self->sched, caps);
  GST_OBJECT_UNLOCK (self);
  return d;
}

/* The frame that came in at self->frame_start_us is done: the wall time
 * spent on it counts for the backlog and the latency the element reports;
 * a larger latency posts a LATENCY message so that the pipeline asks
 * again. */
void
gst_head_blur_frame_done (GstHeadBlur * self)
{
  GstClockTime spent, reported;
  gboolean more;

  if (self->frame_start_us == 0)
    return;
  spent = (g_get_monotonic_time () - self->frame_start_us) * GST_USECOND;
  self->frame_start_us = 0;

  GST_OBJECT_LOCK (self);
  more = gst_head_blur_sched_frame_done (&self->sched, spent);
  reported = self->sched.stats.processing_latency;
  GST_OBJECT_UNLOCK (self);
  if (more) {
    GST_DEBUG_OBJECT (self, "processing latency now %" GST_TIME_FORMAT,
        GST_TIME_ARGS (reported));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  }
}

/* Whether @buffer is flagged CORRUPTED (a decoder output it with errors or
 * after a loss). Counts it; at the start of a run of flagged frames, also
 * masks whole (or drops, per @mode) the frames held back by the
 * look-ahead, where the damage may have begun unnoticed, and counts
 * them. */
gboolean
gst_head_blur_check_corrupt (GstHeadBlur * self, GstBuffer * buffer,
    GstHeadBlurCorruptMode mode)
{
  gboolean flagged = GST_BUFFER_FLAG_IS_SET (buffer,
      GST_BUFFER_FLAG_CORRUPTED);
  gboolean starts;
  guint earlier = 0;

  GST_OBJECT_LOCK (self);
  starts = gst_head_blur_sched_corrupt_starts (&self->sched, flagged);
  GST_OBJECT_UNLOCK (self);
  if (G_LIKELY (!flagged))
    return FALSE;
  if (starts && self->queue != NULL)
    earlier = mode == GST_HEAD_BLUR_CORRUPT_MODE_DROP ?
        gst_head_blur_lookahead_drop_all (self->queue) :
        gst_head_blur_lookahead_mark_whole (self->queue);
  GST_LOG_OBJECT (self, "frame %" GST_TIME_FORMAT " flagged corrupted: %s%s",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)),
      mode == GST_HEAD_BLUR_CORRUPT_MODE_DROP ? "dropped" : "masked whole",
      earlier ? ", with the frames held back before it" : "");
  if (starts)
    GST_DEBUG_OBJECT (self, "corrupted frames from %" GST_TIME_FORMAT
        " on (%u held back before it too)",
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), earlier);
  GST_OBJECT_LOCK (self);
  gst_head_blur_sched_count_corrupt (&self->sched, earlier);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

void
gst_head_blur_skip_frame (GstHeadBlur * self, GstBuffer * buffer)
{
  g_array_set_size (self->boxes, 0);
  g_array_set_size (self->det_boxes, 0);
  self->frame_detected = FALSE;
  gst_head_blur_meta_remove (buffer);
}

void
gst_head_blur_attach_meta (GstHeadBlur * self, GstBuffer * buffer,
    const GstHeadBlurSettings * s, gboolean full_frame, gboolean corrupt)
{
  GstHeadBlurFrameMeta frame = {
    .detected = self->frame_detected,
    .overload = full_frame,
    .corrupt = corrupt,
    .detection_interval = s->detection_interval,
  };

  gst_head_blur_meta_attach (buffer, self->det_boxes,
      full_frame ? NULL : self->boxes, &frame);
}

/* Runs the detectors on @image and feeds the heads to the tracker. */
static gboolean
gst_head_blur_detect (GstHeadBlur * self, const GstHeadBlurImage * image,
    const GstHeadBlurSettings * s, GstClockTime pts, guint64 * detect_time)
{
  GstHeadBlurDetectParams params = {
    .inference_width = s->inference_width,
    .threshold = s->threshold,
    .person_inference_width = s->person_inference_width,
    .person_threshold = s->person_threshold,
    .padding = s->padding,
  };
  gint64 t0 = g_get_monotonic_time ();
  GError *err = NULL;

  /* the head-model slot runs once head-detection-interval frames have
   * passed since it last ran (head_since counts this frame too) */
  if (self->head_detector != NULL
      && self->head_since >= s->head_detection_interval) {
    params.head_model = self->head_detector;
    params.head_threshold = s->head_threshold;
    self->head_since = 0;
  }

  if (!gst_head_blur_detector_detect_heads (self->detector, image, &params,
          self->det_boxes, &err)) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
        ("Detection failed; dropping the stream rather than passing "
            "frames through unmasked."), ("%s", err->message));
    g_clear_error (&err);
    return FALSE;
  }
  *detect_time = (g_get_monotonic_time () - t0) * GST_USECOND;
  self->frame_detected = TRUE;
  gst_head_blur_tracker_update (self->tracker,
      (const RbBox *) self->det_boxes->data, self->det_boxes->len, pts,
      self->hits);
  return TRUE;
}

/* Fills self->boxes with the tracks predicted to @pts (kept past the hold
 * time and enlarged when @overload) and the upstream boxes. */
static void
gst_head_blur_collect_boxes (GstHeadBlur * self,
    const GstHeadBlurImage * image, GstClockTime pts, gboolean overload)
{
  gst_head_blur_tracker_predict (self->tracker, pts, overload,
      self->track_boxes);
  for (guint i = 0; i < self->track_boxes->len; i++) {
    RbBox b = g_array_index (self->track_boxes, RbBox, i);

    if (overload)
      b = rb_box_moved (&b, 0, 0, OVERLOAD_ENLARGE);
    if (rb_box_clip (&b, image->width, image->height, &b))
      g_array_append_val (self->boxes, b);
  }
  g_array_append_vals (self->boxes, self->upstream_boxes->data,
      self->upstream_boxes->len);
}

/* Posts the headblur-overload message, at most once per second. */
static void
gst_head_blur_post_overload (GstHeadBlur * self)
{
  GstStructure *st = NULL;

  GST_OBJECT_LOCK (self);
  if (gst_head_blur_sched_overload_message_due (&self->sched,
          g_get_monotonic_time ()))
    st = gst_structure_new ("headblur-overload",
        "overload-frames", G_TYPE_UINT64, self->sched.stats.overload,
        "skipped-detections", G_TYPE_UINT64, self->sched.stats.skipped, NULL);
  GST_OBJECT_UNLOCK (self);
  if (st) {
    GST_INFO_OBJECT (self, "overload: %" GST_PTR_FORMAT, st);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), st));
  }
}

/* Decides what to mask in the frame @image (@buffer): runs the detector
 * when it is due and the element is not late (gstheadblur-sched.h),
 * updates the tracks, and fills self->boxes with the heads to mask (or sets
 * *@full_frame). New and re-acquired tracks are put in self->hits. */
gboolean
gst_head_blur_analyse (GstHeadBlur * self, GstHeadBlurImage * image,
    GstBuffer * buffer, const GstHeadBlurSettings * s, GstClockTime * pts_out,
    gboolean * full_frame)
{
  GstHeadBlurSchedParams params = {
    .detection_interval = s->detection_interval,
    .upstream_check_interval = s->upstream_check_interval,
    .max_detection_age = s->max_detection_age,
  };
  GstClockTime caps_duration = gst_head_blur_caps_duration (self), backlog;
  GstHeadBlurSchedFrame f;
  guint64 detect_time = 0;
  gboolean covered;
  GError *err = NULL;

  *full_frame = FALSE;
  g_array_set_size (self->boxes, 0);
  g_array_set_size (self->track_boxes, 0);
  g_array_set_size (self->hits, 0);
  g_array_set_size (self->det_boxes, 0);
  g_array_set_size (self->upstream_boxes, 0);
  self->frame_detected = FALSE;
  covered = s->upstream_detections
      && gst_head_blur_meta_read_upstream (buffer, image->width,
      image->height, self->upstream_boxes);

  if (s->threads != self->applied_threads) {
    if (!gst_head_blur_cv_set_threads (s->threads, &err)) {
      GST_WARNING_OBJECT (self, "%s", err->message);
      g_clear_error (&err);
    }
    self->applied_threads = s->threads;
  }
  gst_head_blur_tracker_set_hold_time (self->tracker, s->hold_time);
  if (self->head_since < G_MAXUINT)
    self->head_since++;

  GST_OBJECT_LOCK (self);
  gst_head_blur_sched_begin (&self->sched, &params, GST_BUFFER_PTS (buffer),
      GST_BUFFER_DURATION (buffer), caps_duration, covered, self->live, &f);
  backlog = self->sched.stats.backlog;
  GST_OBJECT_UNLOCK (self);
  *pts_out = f.pts;
  if (f.late)
    GST_LOG_OBJECT (self, "behind by %" GST_TIME_FORMAT,
        GST_TIME_ARGS (backlog));

  if (f.detect && !gst_head_blur_detect (self, image, s, f.pts, &detect_time))
    return FALSE;

  GST_OBJECT_LOCK (self);
  gst_head_blur_sched_end (&self->sched, &params, &f, detect_time);
  GST_OBJECT_UNLOCK (self);

  if (f.overload && s->overload_mode == GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME)
    *full_frame = TRUE;
  else
    gst_head_blur_collect_boxes (self, image, f.pts, f.overload);

  GST_LOG_OBJECT (self, "frame %" GST_TIME_FORMAT ": %s, %u boxes%s",
      GST_TIME_ARGS (f.pts), f.detect ? "detected" : (f.due ?
          "detection skipped" : "tracked"), self->boxes->len,
      f.overload ? ", overload" : "");

  GST_OBJECT_LOCK (self);
  self->stat_tracks = gst_head_blur_tracker_n_tracks (self->tracker);
  GST_OBJECT_UNLOCK (self);
  if (f.overload)
    gst_head_blur_post_overload (self);
  return TRUE;
}

/* Masks @boxes (or the whole frame) and the privacy zones in @image. */
gboolean
gst_head_blur_apply (GstHeadBlur * self, GstHeadBlurImage * image,
    const GstVideoInfo * info, const GstHeadBlurSettings * s,
    const GArray * boxes, gboolean full_frame)
{
  GError *err = NULL;
  guint8 fill[3];

  gst_head_blur_image_fill_colour (info, s->fill_color, fill);
  if (gst_head_blur_mask_frame (image, full_frame,
          (const RbBox *) boxes->data, boxes->len, s->zones, s->mode, fill,
          &err))
    return TRUE;
  GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (NULL), ("%s", err->message));
  g_clear_error (&err);
  return FALSE;
}

/* Checks what every frame needs before it can be masked. */
gboolean
gst_head_blur_check_ready (GstHeadBlur * self, const GstHeadBlurSettings * s)
{
  if (G_UNLIKELY (self->detector == NULL || self->tracker == NULL)) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (NULL),
        ("no face detector loaded"));
    return FALSE;
  }
  if (G_UNLIKELY (s->zones_error != NULL)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid privacy-zones \"%s\".", GST_STR_NULL (s->privacy_zones)),
        ("%s", s->zones_error));
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_head_blur_map_image (GstHeadBlur * self, GstVideoFrame * frame,
    GstHeadBlurImage * image)
{
  if (!gst_head_blur_image_from_frame (frame, image)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("unsupported format %s",
            gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame))));
    return FALSE;
  }
  return TRUE;
}
