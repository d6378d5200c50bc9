/* rtsp-blur: headblur element, scheduling and overload (GLib only)
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

#include "gstheadblur-sched.h"

#include <string.h>

#define NS_PER_MS G_GUINT64_CONSTANT (1000000)
/* the latency reported is rounded up to this */
#define LATENCY_STEP (10 * NS_PER_MS)

void
gst_head_blur_sched_start (GstHeadBlurSched * sched)
{
  memset (sched, 0, sizeof (*sched));
  sched->last_detection_pts = GST_HEAD_BLUR_TIME_NONE;
  sched->last_pts = GST_HEAD_BLUR_TIME_NONE;
  sched->frame_duration = GST_HEAD_BLUR_TIME_NONE;
  sched->backlog_pts = GST_HEAD_BLUR_TIME_NONE;
}

void
gst_head_blur_sched_flush (GstHeadBlurSched * sched)
{
  sched->detected_once = FALSE;
  sched->frames_since_detection = 0;
  sched->last_pts = GST_HEAD_BLUR_TIME_NONE;
}

guint64
gst_head_blur_sched_frame_duration (const GstHeadBlurSched * sched,
    guint64 caps_duration)
{
  if (sched->frame_duration != GST_HEAD_BLUR_TIME_NONE)
    return sched->frame_duration;
  if (caps_duration != GST_HEAD_BLUR_TIME_NONE)
    return caps_duration;
  return GST_HEAD_BLUR_FALLBACK_FRAME_DURATION;
}

guint64
gst_head_blur_sched_frame_time (GstHeadBlurSched * sched, guint64 pts,
    guint64 caps_duration)
{
  if (pts == GST_HEAD_BLUR_TIME_NONE)   /* tracking needs a time */
    pts = sched->last_pts != GST_HEAD_BLUR_TIME_NONE ? sched->last_pts +
        gst_head_blur_sched_frame_duration (sched, caps_duration) : 0;
  sched->last_pts = pts;
  return pts;
}

/* Updates the backlog with the frame at @pts; TRUE when the element is
 * behind. See gst_head_blur_sched_begin(). */
static gboolean
update_backlog (GstHeadBlurSched * sched, guint64 pts, guint64 duration,
    gboolean live)
{
  guint64 delta = 0, backlog;

  if (pts != GST_HEAD_BLUR_TIME_NONE
      && sched->backlog_pts != GST_HEAD_BLUR_TIME_NONE
      && pts > sched->backlog_pts)
    delta = pts - sched->backlog_pts;
  if (pts != GST_HEAD_BLUR_TIME_NONE)
    sched->backlog_pts = pts;

  backlog = sched->stats.backlog + sched->last_processing;
  backlog = backlog > delta ? backlog - delta : 0;
  sched->stats.backlog = backlog;
  return live && backlog > 2 * duration;
}

void
gst_head_blur_sched_begin (GstHeadBlurSched * sched,
    const GstHeadBlurSchedParams * params, guint64 pts,
    guint64 buffer_duration, guint64 caps_duration, gboolean covered,
    gboolean live, GstHeadBlurSchedFrame * frame)
{
  if (buffer_duration != GST_HEAD_BLUR_TIME_NONE)
    sched->frame_duration = buffer_duration;
  frame->duration = gst_head_blur_sched_frame_duration (sched, caps_duration);
  frame->pts = gst_head_blur_sched_frame_time (sched, pts, caps_duration);
  frame->covered = covered;

  /* a frame the upstream detections cover is due only for a check */
  if (covered)
    frame->due = params->upstream_check_interval > 0
        && sched->frames_since_detection + 1 >= params->upstream_check_interval;
  else
    frame->due = !sched->detected_once
        || sched->frames_since_detection + 1 >= params->detection_interval;
  frame->late = update_backlog (sched, pts, frame->duration, live);
  /* the first frame always runs the detector: it gives the tracks */
  frame->detect = frame->due && (!frame->late || !sched->detected_once);
  frame->overload = FALSE;
}

void
gst_head_blur_sched_end (GstHeadBlurSched * sched,
    const GstHeadBlurSchedParams * params, GstHeadBlurSchedFrame * frame,
    guint64 detect_time)
{
  GstHeadBlurSchedStats *st = &sched->stats;

  if (frame->detect) {
    sched->detected_once = TRUE;
    sched->frames_since_detection = 0;
    sched->last_detection_pts = frame->pts;
  } else {
    sched->frames_since_detection++;
    if (frame->covered)
      sched->last_detection_pts = frame->pts;
  }

  if (frame->late && !frame->detect) {
    guint64 age = frame->pts > sched->last_detection_pts ?
        frame->pts - sched->last_detection_pts :
        sched->last_detection_pts - frame->pts;

    frame->overload = age > params->max_detection_age;
  }

  st->frames++;
  if (frame->detect) {
    st->detections++;
    st->detection_time += detect_time;
  } else if (frame->due && frame->late) {
    st->skipped++;
  }
  if (frame->overload)
    st->overload++;
  if (frame->covered)
    st->upstream++;
}

gboolean
gst_head_blur_sched_corrupt_starts (GstHeadBlurSched * sched, gboolean flagged)
{
  gboolean starts = flagged && !sched->in_corruption;

  sched->in_corruption = flagged;
  return starts;
}

void
gst_head_blur_sched_count_corrupt (GstHeadBlurSched * sched, guint earlier)
{
  sched->stats.frames++;
  sched->stats.corrupt += 1 + earlier;
}

gboolean
gst_head_blur_sched_frame_done (GstHeadBlurSched * sched, guint64 spent)
{
  sched->last_processing = spent;
  if (spent <= sched->stats.processing_latency || sched->stats.frames <= 1)
    return FALSE;
  sched->stats.processing_latency = (spent / LATENCY_STEP + 1) * LATENCY_STEP;
  return TRUE;
}

gboolean
gst_head_blur_sched_overload_message_due (GstHeadBlurSched * sched,
    gint64 now_us)
{
  if (sched->last_overload_msg != 0
      && now_us - sched->last_overload_msg < G_USEC_PER_SEC)
    return FALSE;
  sched->last_overload_msg = now_us;
  return TRUE;
}
