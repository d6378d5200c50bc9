/* rtsp-blur: headblur element, look-ahead queue
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* With lookahead N, headblur analyses each frame as it comes in and holds
 * it back N frames before masking it. Each track's current run of
 * detections is remembered: the queued frames older than the run's start
 * (and younger than the end of the track's previous run, if any) never saw
 * that head detected, and every detection of the run gives them the head's
 * box projected back along the track's velocity and grown with the distance
 * in time. A head first seen with an unknown velocity is projected again
 * once its motion is known: the boxes add up (privacy first: a queued frame
 * is masked with all of them). The element's side of it (its
 * submit_input_buffer and generate_output with lookahead > 0) is at the
 * end. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-internal.h"

#define GST_CAT_DEFAULT gst_head_blur_debug

/* The current run of detections of one track. */
typedef struct {
  guint64 start;
  guint64 gap_start;            /* end of the previous run, or G_MAXUINT64 */
} GstHeadBlurRun;

/* A frame held back, with what to mask in it. */
typedef struct {
  GstBuffer *buffer;            /* writable */
  GstClockTime pts;             /* stream time used for tracking */
  GArray *boxes;                /* RbBox, whole pixels */
  gboolean full_frame;
} GstHeadBlurQueued;

struct _GstHeadBlurLookahead {
  GQueue queue;                 /* GstHeadBlurQueued, oldest first */
  GHashTable *runs;             /* track id → GstHeadBlurRun */
};

GstHeadBlurLookahead *
gst_head_blur_lookahead_new (void)
{
  GstHeadBlurLookahead *la = g_new0 (GstHeadBlurLookahead, 1);

  g_queue_init (&la->queue);
  la->runs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  return la;
}

static void
gst_head_blur_queued_free (GstHeadBlurQueued * q)
{
  gst_buffer_unref (q->buffer);
  g_array_unref (q->boxes);
  g_free (q);
}

void
gst_head_blur_lookahead_clear (GstHeadBlurLookahead * la)
{
  g_queue_clear_full (&la->queue, (GDestroyNotify) gst_head_blur_queued_free);
  g_hash_table_remove_all (la->runs);
}

void
gst_head_blur_lookahead_free (GstHeadBlurLookahead * la)
{
  if (la == NULL)
    return;
  gst_head_blur_lookahead_clear (la);
  g_hash_table_unref (la->runs);
  g_free (la);
}

guint
gst_head_blur_lookahead_length (const GstHeadBlurLookahead * la)
{
  return la->queue.length;
}

void
gst_head_blur_lookahead_push (GstHeadBlurLookahead * la, GstBuffer * buffer,
    GstClockTime pts, const GArray * boxes, gboolean full_frame)
{
  GstHeadBlurQueued *q = g_new0 (GstHeadBlurQueued, 1);

  q->buffer = buffer;
  q->pts = pts;
  q->boxes = g_array_copy ((GArray *) boxes);
  q->full_frame = full_frame;
  g_queue_push_tail (&la->queue, q);
}

guint
gst_head_blur_lookahead_mark_whole (GstHeadBlurLookahead * la)
{
  guint n = 0;

  for (GList * l = la->queue.head; l; l = l->next) {
    GstHeadBlurQueued *q = l->data;

    if (!q->full_frame)
      n++;
    q->full_frame = TRUE;
  }
  return n;
}

guint
gst_head_blur_lookahead_drop_all (GstHeadBlurLookahead * la)
{
  guint n = la->queue.length;

  g_queue_clear_full (&la->queue, (GDestroyNotify) gst_head_blur_queued_free);
  return n;
}

GstBuffer *
gst_head_blur_lookahead_pop (GstHeadBlurLookahead * la, GArray ** boxes,
    gboolean * full_frame)
{
  GstHeadBlurQueued *q = g_queue_pop_head (&la->queue);
  GstBuffer *buffer;

  *boxes = NULL;
  *full_frame = FALSE;
  if (q == NULL)
    return NULL;
  buffer = q->buffer;
  *boxes = q->boxes;
  *full_frame = q->full_frame;
  g_free (q);
  return buffer;
}

void
gst_head_blur_lookahead_backproject (GstHeadBlurLookahead * la,
    const GArray * hits, GstClockTime gap, gint width, gint height)
{
  for (guint i = 0; i < hits->len; i++) {
    const GstHeadBlurTrackHit *hit =
        &g_array_index (hits, GstHeadBlurTrackHit, i);
    gboolean is_new = hit->prev_hit == G_MAXUINT64;
    GstHeadBlurRun *run = g_hash_table_lookup (la->runs,
        GUINT_TO_POINTER (hit->id));

    if (run == NULL) {
      run = g_new0 (GstHeadBlurRun, 1);
      g_hash_table_insert (la->runs, GUINT_TO_POINTER (hit->id), run);
      is_new = TRUE;
    }
    if (is_new) {
      run->start = hit->pts;
      run->gap_start = G_MAXUINT64;
    } else if (hit->pts > hit->prev_hit + gap) {
      run->start = hit->pts;    /* re-acquired after a gap */
      run->gap_start = hit->prev_hit;
    }

    for (GList * l = la->queue.head; l; l = l->next) {
      GstHeadBlurQueued *q = l->data;
      RbBox box;

      if (q->full_frame || q->pts >= run->start ||
          (run->gap_start != G_MAXUINT64 && q->pts <= run->gap_start))
        continue;
      gst_head_blur_track_project (hit, q->pts, &box);
      if (rb_box_clip (&box, width, height, &box)) {
        GST_LOG ("track %u back to %" GST_TIME_FORMAT ": %.0f,%.0f %.0fx%.0f",
            hit->id, GST_TIME_ARGS (q->pts), box.x, box.y, box.width,
            box.height);
        g_array_append_val (q->boxes, box);
      }
    }
  }
}

/* ---- the element with lookahead > 0 ---------------------------------- */

/* lookahead > 0, a frame flagged corrupted: dropped, or queued to be masked
 * whole when it leaves the queue. */
static void
gst_head_blur_queue_corrupt (GstHeadBlur * self, GstBuffer * input,
    const GstHeadBlurSettings * s)
{
  GstClockTime caps_duration = gst_head_blur_caps_duration (self), pts;

  if (s->corrupt_mode == GST_HEAD_BLUR_CORRUPT_MODE_DROP) {
    gst_buffer_unref (input);
    return;
  }
  input = gst_buffer_make_writable (input);
  gst_head_blur_skip_frame (self, input);
  GST_OBJECT_LOCK (self);
  pts = gst_head_blur_sched_frame_time (&self->sched, GST_BUFFER_PTS (input),
      caps_duration);
  GST_OBJECT_UNLOCK (self);
  if (s->attach_meta)
    gst_head_blur_attach_meta (self, input, s, TRUE, TRUE);
  gst_head_blur_lookahead_push (self->queue, input, pts, self->boxes, TRUE);
}

/* Analyses the frame now, queues it and back-projects new detections into
 * the frames already queued. */
GstFlowReturn
gst_head_blur_submit_delayed (GstHeadBlur * self, GstBuffer * input)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstHeadBlurSettings s;
  GstHeadBlurImage image = { 0, };
  GstVideoFrame frame;
  GstClockTime pts;
  gboolean ok, full_frame;

  if (!filter->negotiated) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("buffer before caps"));
    gst_buffer_unref (input);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  self->frame_start_us = g_get_monotonic_time ();
  gst_head_blur_settings_copy (self, &s);
  if (!gst_head_blur_check_ready (self, &s)) {
    gst_head_blur_settings_clear (&s);
    gst_buffer_unref (input);
    return GST_FLOW_ERROR;
  }

  if (gst_head_blur_check_corrupt (self, input, s.corrupt_mode)) {
    gst_head_blur_queue_corrupt (self, input, &s);
    gst_head_blur_settings_clear (&s);
    return GST_FLOW_OK;
  }

  /* the frame is masked later, when it leaves the queue */
  input = gst_buffer_make_writable (input);
  if (!gst_video_frame_map (&frame, &filter->in_info, input, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("cannot map the input frame"));
    gst_head_blur_settings_clear (&s);
    gst_buffer_unref (input);
    return GST_FLOW_ERROR;
  }
  ok = gst_head_blur_map_image (self, &frame, &image)
      && gst_head_blur_analyse (self, &image, input, &s, &pts, &full_frame);
  gst_video_frame_unmap (&frame);
  if (!ok) {
    gst_head_blur_settings_clear (&s);
    gst_buffer_unref (input);
    return GST_FLOW_ERROR;
  }
  if (s.attach_meta)
    gst_head_blur_attach_meta (self, input, &s, full_frame, FALSE);
  gst_head_blur_lookahead_push (self->queue, input, pts, self->boxes,
      full_frame);
  /* a track seen again after more than 1.5 detection intervals starts a
   * new run */
  gst_head_blur_lookahead_backproject (self->queue, self->hits,
      gst_head_blur_frame_duration (self) * s.detection_interval * 3 / 2,
      image.width, image.height);
  gst_head_blur_settings_clear (&s);
  return GST_FLOW_OK;
}

/* Masks the oldest queued frame and hands it out. */
static GstFlowReturn
gst_head_blur_pop_masked (GstHeadBlur * self, GstBuffer ** outbuf)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstHeadBlurSettings s;
  GstHeadBlurImage image = { 0, };
  GstVideoFrame frame;
  GArray *boxes;
  gboolean ok, full_frame;
  GstBuffer *buffer;

  *outbuf = NULL;
  buffer = gst_head_blur_lookahead_pop (self->queue, &boxes, &full_frame);
  if (!gst_video_frame_map (&frame, &filter->in_info, buffer,
          GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("cannot map a queued frame"));
    ok = FALSE;
  } else {
    gst_head_blur_settings_copy (self, &s);
    ok = gst_head_blur_check_ready (self, &s)
        && gst_head_blur_map_image (self, &frame, &image)
        && gst_head_blur_apply (self, &image, &frame.info, &s, boxes,
        full_frame);
    gst_head_blur_settings_clear (&s);
    gst_video_frame_unmap (&frame);
  }
  g_array_unref (boxes);
  if (!ok) {
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  *outbuf = buffer;
  return GST_FLOW_OK;
}

GstFlowReturn
gst_head_blur_generate_delayed (GstHeadBlur * self, GstBuffer ** outbuf)
{
  GstFlowReturn ret;

  *outbuf = NULL;
  if (gst_head_blur_lookahead_length (self->queue) <= self->lookahead)
    ret = GST_FLOW_OK;
  else
    ret = gst_head_blur_pop_masked (self, outbuf);
  gst_head_blur_frame_done (self);
  return ret;
}

/* Masks and pushes every queued frame (EOS, caps or segment change). */
GstFlowReturn
gst_head_blur_drain (GstHeadBlur * self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  GST_DEBUG_OBJECT (self, "draining %u queued frames",
      gst_head_blur_lookahead_length (self->queue));
  while (gst_head_blur_lookahead_length (self->queue) > 0) {
    GstBuffer *out;

    ret = gst_head_blur_pop_masked (self, &out);
    if (ret != GST_FLOW_OK)
      break;
    ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), out);
    if (ret != GST_FLOW_OK)
      break;
  }
  /* whatever could not be masked or pushed is dropped, never passed */
  gst_head_blur_lookahead_clear (self->queue);
  return ret;
}

