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

/* The segment workers' verification rules (daemon/worker/rb-verify.c). */

#include <gst/check/gstcheck.h>

#include "rb-verify.h"

#define FRAME (GST_SECOND / 15)

/* @n frames at 15 fps from @first_frame on */
static RbFrameCount
frames (guint first_frame, guint n)
{
  RbFrameCount c = RB_FRAME_COUNT_INIT;

  for (guint i = 0; i < n; i++)
    rb_frame_count_add (&c, (first_frame + i) * FRAME, FRAME);
  return c;
}

GST_START_TEST (test_count)
{
  RbFrameCount c = RB_FRAME_COUNT_INIT;

  fail_unless_equals_uint64 (rb_frame_count_duration (&c), 0);
  /* decode order with B-frames: out of order, duration still first..end */
  rb_frame_count_add (&c, 3 * FRAME, FRAME);
  rb_frame_count_add (&c, 1 * FRAME, FRAME);
  rb_frame_count_add (&c, 2 * FRAME, FRAME);
  rb_frame_count_add (&c, G_MAXUINT64, G_MAXUINT64);
  fail_unless_equals_uint64 (c.frames, 4);
  fail_unless_equals_uint64 (rb_frame_count_duration (&c), 3 * FRAME);
}

GST_END_TEST;

/* A segment that starts on an open GOP: the decoder drops the leading
 * frames that refer to the previous segment. The output matches what was
 * decoded, which is what counts. */
GST_START_TEST (test_open_gop)
{
  RbFrameCount fed = frames (2, 148);   /* 150 in the file, 2 undecodable */
  RbFrameCount out = frames (2, 148);
  GError *err = NULL;

  fail_unless (rb_verify_input (&fed, 150 * FRAME, &err));
  fail_unless (rb_verify_output (&fed, &out, &err));
  fail_unless (err == NULL);
}

GST_END_TEST;

GST_START_TEST (test_truncated_output)
{
  RbFrameCount fed = frames (0, 150);
  RbFrameCount half = frames (0, 75);
  RbFrameCount one_less = frames (0, 149);
  RbFrameCount shifted = frames (10, 150);
  RbFrameCount stretched = RB_FRAME_COUNT_INIT;
  GError *err = NULL;

  fail_if (rb_verify_output (&fed, &half, &err));
  fail_unless (g_error_matches (err, RB_VERIFY_ERROR,
          RB_VERIFY_ERROR_MISMATCH));
  assert_equals_string (err->message, "verification failed: 75 frames over "
      "5.000 s decoded, expected 150 frames over 10.000 s");
  g_clear_error (&err);
  fail_if (rb_verify_output (&fed, &one_less, &err));
  g_clear_error (&err);
  /* the same count over another time span is fine, it is a duration */
  fail_unless (rb_verify_output (&fed, &shifted, &err));
  /* the right count over a longer duration is not */
  for (guint i = 0; i < 150; i++)
    rb_frame_count_add (&stretched, i * FRAME * 11 / 10, FRAME);
  fail_if (rb_verify_output (&fed, &stretched, &err));
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_damaged_input)
{
  RbFrameCount whole = frames (0, 150);
  RbFrameCount cut = frames (0, 12);
  RbFrameCount none = RB_FRAME_COUNT_INIT;
  RbFrameCount nearly = frames (0, 138);
  GError *err = NULL;

  /* 10 s queued, decodes to 0.8 s: damaged */
  fail_if (rb_verify_input (&cut, 150 * FRAME, &err));
  fail_unless (g_error_matches (err, RB_VERIFY_ERROR,
          RB_VERIFY_ERROR_DAMAGED));
  assert_equals_string (err->message, "the raw segment is damaged: it "
      "decodes to 0.80 s of the 10.00 s recorded");
  g_clear_error (&err);
  fail_if (rb_verify_input (&none, 150 * FRAME, &err));
  assert_equals_string (err->message, "the raw segment holds no video frame "
      "that decodes");
  g_clear_error (&err);
  /* within the slack (1 s, or 10 %): a key frame's worth short is fine */
  fail_unless (rb_verify_input (&nearly, 150 * FRAME, &err));
  fail_unless (rb_verify_input (&whole, 150 * FRAME, &err));
  /* unknown duration (recovered after a crash): only "some frames" */
  fail_unless (rb_verify_input (&cut, G_MAXUINT64, &err));
  fail_unless (err == NULL);
}

GST_END_TEST;

static Suite *
verify_suite (void)
{
  Suite *s = suite_create ("verify");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_count);
  tcase_add_test (tc, test_open_gop);
  tcase_add_test (tc, test_truncated_output);
  tcase_add_test (tc, test_damaged_input);
  return s;
}

GST_CHECK_MAIN (verify);
