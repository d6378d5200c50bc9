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

/* Tests of headblur's scheduling (gstheadblur-sched.c, plain C): the
 * detector runs on the first frame and every k-th after it, on covered
 * frames only for the checks; the backlog grows only with the element's
 * own time per frame beyond what the timestamps give, never in a non-live
 * pipeline; a late element skips due detections (not the first) and masks
 * per overload-mode once the last detection is too old; the reported
 * latency grows in steps of 10 ms; runs of corrupted frames; frame times
 * for buffers without one. */

#include <gst/check/gstcheck.h>

#include "gstheadblur-sched.h"

#define MS G_GUINT64_CONSTANT (1000000)
#define FRAME (G_GUINT64_CONSTANT (1000000000) / 15)
#define NONE GST_HEAD_BLUR_TIME_NONE

static const GstHeadBlurSchedParams every_third = {
  .detection_interval = 3,
  .upstream_check_interval = 4,
  .max_detection_age = 500 * MS,
};

/* One frame through begin() and end(), which took @spent ns. */
static GstHeadBlurSchedFrame
run (GstHeadBlurSched * s, const GstHeadBlurSchedParams * p, guint64 pts,
    gboolean covered, gboolean live, guint64 spent)
{
  GstHeadBlurSchedFrame f;

  gst_head_blur_sched_begin (s, p, pts, FRAME, NONE, covered, live, &f);
  gst_head_blur_sched_end (s, p, &f, f.detect ? spent : 0);
  gst_head_blur_sched_frame_done (s, spent);
  return f;
}

/* Frames @from to @to - 1 through run(), 5 ms each: 'd' for each the
 * detector runs on, '-' for the others. */
static gchar *
pattern (GstHeadBlurSched * s, const GstHeadBlurSchedParams * p, guint from,
    guint to, gboolean covered)
{
  GString *seen = g_string_new (NULL);

  for (guint i = from; i < to; i++)
    g_string_append_c (seen, run (s, p, i * FRAME, covered, FALSE,
            5 * MS).detect ? 'd' : '-');
  return g_string_free (seen, FALSE);
}

GST_START_TEST (test_cadence)
{
  GstHeadBlurSched s;
  g_autofree gchar *seen = NULL, *after_flush = NULL;

  gst_head_blur_sched_start (&s);
  seen = pattern (&s, &every_third, 0, 9, FALSE);
  fail_unless_equals_string (seen, "d--d--d--");
  fail_unless_equals_uint64 (s.stats.frames, 9);
  fail_unless_equals_uint64 (s.stats.detections, 3);
  fail_unless_equals_uint64 (s.stats.detection_time, 15 * MS);

  /* a flush: the next frame detects, and the count starts again */
  gst_head_blur_sched_flush (&s);
  after_flush = pattern (&s, &every_third, 9, 14, FALSE);
  fail_unless_equals_string (after_flush, "d--d-");
}

GST_END_TEST;

/* frames covered by upstream detections: the detector only checks one in
 * upstream-check-interval, counted since its last run; 0 never */
GST_START_TEST (test_covered)
{
  GstHeadBlurSchedParams never = every_third;
  GstHeadBlurSched s;
  g_autofree gchar *seen = NULL, *none = NULL;

  gst_head_blur_sched_start (&s);
  seen = pattern (&s, &every_third, 0, 10, TRUE);
  fail_unless_equals_string (seen, "---d---d--");
  fail_unless_equals_uint64 (s.stats.upstream, 10);
  /* an uncovered frame then counts from the last run */
  fail_unless (run (&s, &every_third, 10 * FRAME, FALSE, FALSE, 0).detect);

  never.upstream_check_interval = 0;
  gst_head_blur_sched_start (&s);
  none = pattern (&s, &never, 0, 40, TRUE);
  fail_unless_equals_string (none, "----------------------------------------");
  fail_unless_equals_uint64 (s.stats.detections, 0);
}

GST_END_TEST;

/* the backlog grows by what each frame costs beyond its frame duration */
GST_START_TEST (test_backlog)
{
  GstHeadBlurSched s;
  GstHeadBlurSchedFrame f;
  guint64 backlog;
  guint late_at = 0;

  gst_head_blur_sched_start (&s);
  /* 110 ms per 66.7 ms frame: 43.3 ms more each frame; late once over
   * two frame durations (133.3 ms), from the fifth frame on */
  for (guint i = 0; i < 8; i++) {
    gst_head_blur_sched_begin (&s, &every_third, i * FRAME, FRAME, NONE,
        FALSE, TRUE, &f);
    if (f.late && late_at == 0)
      late_at = i;
    gst_head_blur_sched_end (&s, &every_third, &f, 0);
    gst_head_blur_sched_frame_done (&s, 110 * MS);
  }
  fail_unless_equals_uint64 (late_at, 4);
  fail_unless (s.stats.backlog > 7 * 43 * MS && s.stats.backlog < 7 * 44 * MS,
      "backlog %" G_GUINT64_FORMAT, s.stats.backlog);

  /* only the timestamps and the time spent count, not when frames come
   * in: a frame done within its duration drains the backlog */
  gst_head_blur_sched_begin (&s, &every_third, 8 * FRAME, FRAME, NONE, FALSE,
      TRUE, &f);
  backlog = s.stats.backlog;
  gst_head_blur_sched_frame_done (&s, 10 * MS);
  gst_head_blur_sched_begin (&s, &every_third, 9 * FRAME, FRAME, NONE, FALSE,
      TRUE, &f);
  fail_unless_equals_uint64 (s.stats.backlog, backlog + 10 * MS - FRAME);
  /* a gap in the timestamps (frames dropped upstream) drains it */
  gst_head_blur_sched_begin (&s, &every_third, 30 * FRAME, FRAME, NONE, FALSE,
      TRUE, &f);
  fail_unless_equals_uint64 (s.stats.backlog, 0);
  fail_if (f.late);
  /* a timestamp going back counts as no time at all */
  gst_head_blur_sched_frame_done (&s, 50 * MS);
  gst_head_blur_sched_begin (&s, &every_third, 20 * FRAME, FRAME, NONE, FALSE,
      TRUE, &f);
  fail_unless_equals_uint64 (s.stats.backlog, 50 * MS);

  /* the same costs in a non-live pipeline are never late */
  gst_head_blur_sched_start (&s);
  for (guint i = 0; i < 20; i++) {
    f = run (&s, &every_third, i * FRAME, FALSE, FALSE, 500 * MS);
    fail_if (f.late);
    fail_unless_equals_uint64 (f.detect, i % 3 == 0);
  }
  fail_unless_equals_uint64 (s.stats.skipped, 0);
}

GST_END_TEST;

/* late: due detections are skipped, except the first; once the last
 * detection is older than max-detection-age the frame is overloaded */
GST_START_TEST (test_overload)
{
  GstHeadBlurSchedParams p = every_third;
  GstHeadBlurSched s;
  GstHeadBlurSchedFrame f;
  guint i;

  p.detection_interval = 1;
  gst_head_blur_sched_start (&s);
  /* the element spends 1 s on every frame from the start */
  s.last_processing = G_GUINT64_CONSTANT (1000000000);
  s.stats.backlog = G_GUINT64_CONSTANT (1000000000);
  f = run (&s, &p, 0, FALSE, TRUE, G_GUINT64_CONSTANT (1000000000));
  fail_unless (f.late && f.detect, "the first frame always detects");
  fail_if (f.overload);
  /* skipped, the last detection 66.7 .. 466.7 ms old: not overloaded */
  for (i = 1; i <= 7; i++) {
    f = run (&s, &p, i * FRAME, FALSE, TRUE, G_GUINT64_CONSTANT (1000000000));
    fail_unless (f.late && f.due && !f.detect);
    fail_if (f.overload, "frame %u", i);
  }
  /* 533 ms: overloaded, and from then on */
  for (; i < 12; i++) {
    f = run (&s, &p, i * FRAME, FALSE, TRUE, G_GUINT64_CONSTANT (1000000000));
    fail_unless (f.overload, "frame %u", i);
  }
  fail_unless_equals_uint64 (s.stats.skipped, 11);
  fail_unless_equals_uint64 (s.stats.overload, 4);
  fail_unless_equals_uint64 (s.stats.detections, 1);

  /* covered frames count as detected: never overloaded */
  f = run (&s, &p, 12 * FRAME, TRUE, TRUE, G_GUINT64_CONSTANT (1000000000));
  fail_if (f.overload);
  f = run (&s, &p, 13 * FRAME, TRUE, TRUE, G_GUINT64_CONSTANT (1000000000));
  fail_if (f.overload);
}

GST_END_TEST;

GST_START_TEST (test_latency)
{
  GstHeadBlurSched s;

  gst_head_blur_sched_start (&s);
  /* the first frame pays for the warm-up: not a latency */
  run (&s, &every_third, 0, FALSE, FALSE, 0);
  fail_if (gst_head_blur_sched_frame_done (&s, 300 * MS));
  fail_unless_equals_uint64 (s.stats.processing_latency, 0);
  run (&s, &every_third, FRAME, FALSE, FALSE, 0);
  /* rounded up to the next 10 ms */
  fail_unless (gst_head_blur_sched_frame_done (&s, 12 * MS));
  fail_unless_equals_uint64 (s.stats.processing_latency, 20 * MS);
  fail_if (gst_head_blur_sched_frame_done (&s, 15 * MS));
  fail_if (gst_head_blur_sched_frame_done (&s, 20 * MS));
  fail_unless (gst_head_blur_sched_frame_done (&s, 20 * MS + 1));
  fail_unless_equals_uint64 (s.stats.processing_latency, 30 * MS);
}

GST_END_TEST;

GST_START_TEST (test_corrupt_and_messages)
{
  GstHeadBlurSched s;

  gst_head_blur_sched_start (&s);
  fail_if (gst_head_blur_sched_corrupt_starts (&s, FALSE));
  fail_unless (gst_head_blur_sched_corrupt_starts (&s, TRUE));
  fail_if (gst_head_blur_sched_corrupt_starts (&s, TRUE));
  fail_if (gst_head_blur_sched_corrupt_starts (&s, FALSE));
  fail_unless (gst_head_blur_sched_corrupt_starts (&s, TRUE));
  gst_head_blur_sched_count_corrupt (&s, 3);
  gst_head_blur_sched_count_corrupt (&s, 0);
  fail_unless_equals_uint64 (s.stats.corrupt, 5);
  fail_unless_equals_uint64 (s.stats.frames, 2);

  /* overload messages: at most one per second */
  fail_unless (gst_head_blur_sched_overload_message_due (&s,
          5 * G_USEC_PER_SEC));
  fail_if (gst_head_blur_sched_overload_message_due (&s,
          5 * G_USEC_PER_SEC + G_USEC_PER_SEC / 2));
  fail_unless (gst_head_blur_sched_overload_message_due (&s,
          6 * G_USEC_PER_SEC));
}

GST_END_TEST;

/* a buffer without a timestamp is placed a frame after the previous one;
 * the frame duration comes from the buffers, else the caps, else 1/15 s */
GST_START_TEST (test_frame_time)
{
  GstHeadBlurSched s;
  GstHeadBlurSchedFrame f;

  gst_head_blur_sched_start (&s);
  fail_unless_equals_uint64 (gst_head_blur_sched_frame_duration (&s, NONE),
      GST_HEAD_BLUR_FALLBACK_FRAME_DURATION);
  fail_unless_equals_uint64 (gst_head_blur_sched_frame_duration (&s, 40 * MS),
      40 * MS);
  fail_unless_equals_uint64 (gst_head_blur_sched_frame_time (&s, NONE, 40 * MS),
      0);
  fail_unless_equals_uint64 (gst_head_blur_sched_frame_time (&s, NONE, 40 * MS),
      40 * MS);
  gst_head_blur_sched_begin (&s, &every_third, NONE, 20 * MS, 40 * MS, FALSE,
      FALSE, &f);
  fail_unless_equals_uint64 (f.duration, 20 * MS);
  fail_unless_equals_uint64 (f.pts, 60 * MS);
  fail_unless_equals_uint64 (gst_head_blur_sched_frame_time (&s, 1000 * MS,
          NONE), 1000 * MS);
  /* a flush forgets the previous time */
  gst_head_blur_sched_flush (&s);
  fail_unless_equals_uint64 (gst_head_blur_sched_frame_time (&s, NONE, NONE),
      0);
}

GST_END_TEST;

static Suite *
headblur_sched_suite (void)
{
  Suite *s = suite_create ("headblur-sched");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_cadence);
  tcase_add_test (tc, test_covered);
  tcase_add_test (tc, test_backlog);
  tcase_add_test (tc, test_overload);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_corrupt_and_messages);
  tcase_add_test (tc, test_frame_time);
  return s;
}

GST_CHECK_MAIN (headblur_sched);
