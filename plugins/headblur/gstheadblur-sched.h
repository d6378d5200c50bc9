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

#ifndef __GST_HEAD_BLUR_SCHED_H__
#define __GST_HEAD_BLUR_SCHED_H__

#include <glib.h>

G_BEGIN_DECLS

/* Which frames get a detection, headblur's own backlog, and the
 * fail-closed decisions that follow from them, without GStreamer so that
 * they can be unit tested. Times are in nanoseconds; GST_HEAD_BLUR_TIME_NONE
 * (the value of GST_CLOCK_TIME_NONE) is "unknown". Not thread-safe: the
 * element makes every call under its object lock, which also guards
 * @stats. */

#define GST_HEAD_BLUR_TIME_NONE G_MAXUINT64
/* frame duration assumed when neither buffers nor caps give one */
#define GST_HEAD_BLUR_FALLBACK_FRAME_DURATION (G_GUINT64_CONSTANT (1000000000) / 15)

/* The settings the decisions depend on. */
typedef struct
{
  guint detection_interval;     /* detector on every k-th frame, >= 1 */
  guint upstream_check_interval;        /* on covered frames: one in this
                                         * many, 0 = never */
  guint64 max_detection_age;    /* ns */
} GstHeadBlurSchedParams;

/* What is done with one frame. */
typedef struct
{
  guint64 pts;                  /* the frame's time for tracking, ns */
  guint64 duration;             /* frame duration, ns */
  gboolean covered;             /* upstream detections cover the frame */
  gboolean due;                 /* a detection is due on it */
  gboolean late;                /* the element is behind */
  gboolean detect;              /* the detector runs on it */
  gboolean overload;            /* detection skipped and the last one too
                                 * old: mask per overload-mode */
} GstHeadBlurSchedFrame;

/* The counters of the element's stats property. */
typedef struct
{
  guint64 frames;
  guint64 detections;
  guint64 detection_time;       /* ns, total */
  guint64 skipped;              /* due detections skipped (late) */
  guint64 overload;             /* frames masked per overload-mode */
  guint64 upstream;             /* frames covered by upstream detections */
  guint64 corrupt;              /* frames masked whole or dropped for
                                 * corruption */
  guint64 backlog;              /* ns, after the last frame */
  guint64 processing_latency;   /* ns, what the latency query adds */
} GstHeadBlurSchedStats;

typedef struct
{
  gboolean detected_once;       /* a detection ran since start or flush */
  guint frames_since_detection;
  guint64 last_detection_pts;
  guint64 last_pts;
  guint64 frame_duration;       /* last one a buffer gave, or NONE */
  guint64 last_processing;      /* wall time spent on the previous frame */
  guint64 backlog_pts;          /* pts of the previous frame, or NONE */
  gboolean in_corruption;       /* the last frame was flagged corrupted */
  gint64 last_overload_msg;     /* monotonic us, 0 = never */
  GstHeadBlurSchedStats stats;
} GstHeadBlurSched;

/* Everything back to its state at start: counters zeroed, no detection
 * yet. */
void     gst_head_blur_sched_start (GstHeadBlurSched * sched);

/* A flush: the next frame runs the detector and has no previous time. */
void     gst_head_blur_sched_flush (GstHeadBlurSched * sched);

/* The frame duration: the last one a buffer gave, else @caps_duration
 * (NONE when the caps have no frame rate), else
 * GST_HEAD_BLUR_FALLBACK_FRAME_DURATION. */
guint64  gst_head_blur_sched_frame_duration (const GstHeadBlurSched * sched,
                                             guint64 caps_duration);

/* The time of a frame for tracking, remembered as the last one: @pts, or
 * when it is NONE the last one plus a frame duration (0 for the first). */
guint64  gst_head_blur_sched_frame_time (GstHeadBlurSched * sched,
                                         guint64 pts, guint64 caps_duration);

/* Decides what to do with the frame at @pts (NONE if unknown) lasting
 * @buffer_duration (NONE if unknown), @covered by upstream detections or
 * not, in a @live pipeline or not, into @frame (pts, duration, due, late,
 * detect). The detector is due on the first frame after a start or flush
 * and then on every detection_interval-th frame, and on a covered frame
 * only on every upstream_check_interval-th. The element is late when it is
 * @live and its backlog is over two frame durations; a due detection is
 * then skipped, except on the first frame (it gives the tracks).
 *
 * The backlog is a fluid queue: frames come in at the pace of their
 * timestamps and each takes the wall time the element spent on it,
 *
 *   backlog = max (0, backlog + time spent on the previous frame
 *                     - pts of this frame + pts of the previous one)
 *
 * so it grows only when the element itself spends more time on its frames
 * than the stream gives it, not when upstream delivers late or in bursts
 * (a decoder's B-frame reordering, a jitter buffer releasing several
 * packets, an RTCP clock jump), since those do not change the timestamps.
 * A pts that goes back counts as 0; a gap drains the backlog. A non-live
 * pipeline, such as a recording run as fast as possible, is never late. */
void     gst_head_blur_sched_begin (GstHeadBlurSched * sched,
                                    const GstHeadBlurSchedParams * params,
                                    guint64 pts, guint64 buffer_duration,
                                    guint64 caps_duration, gboolean covered,
                                    gboolean live,
                                    GstHeadBlurSchedFrame * frame);

/* The frame decided by begin() was analysed: the detector ran when
 * @frame->detect, taking @detect_time ns. Sets @frame->overload (late, no
 * detection, and the last one older than max_detection_age; a covered
 * frame counts as detected) and counts the frame. */
void     gst_head_blur_sched_end (GstHeadBlurSched * sched,
                                  const GstHeadBlurSchedParams * params,
                                  GstHeadBlurSchedFrame * frame,
                                  guint64 detect_time);

/* Whether a frame @flagged corrupted starts a run of such frames (the
 * previous one was not flagged): then the frames held back before it are
 * to be masked whole too. Remembers @flagged for the next frame. */
gboolean gst_head_blur_sched_corrupt_starts (GstHeadBlurSched * sched,
                                             gboolean flagged);

/* Counts a frame flagged corrupted and @earlier frames held back before it
 * that were masked whole (or dropped) for it. */
void     gst_head_blur_sched_count_corrupt (GstHeadBlurSched * sched,
                                            guint earlier);

/* A frame took @spent ns of wall time: remembered for the backlog, and
 * when it is more than the processing latency reported so far (the first
 * frame, which pays for the networks' warm-up, aside), that latency grows
 * to @spent rounded up to the next 10 ms. Returns TRUE when it grew. */
gboolean gst_head_blur_sched_frame_done (GstHeadBlurSched * sched,
                                         guint64 spent);

/* Whether to post an overload message at monotonic time @now_us: at most
 * once per second. */
gboolean gst_head_blur_sched_overload_message_due (GstHeadBlurSched * sched,
                                                   gint64 now_us);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_SCHED_H__ */
