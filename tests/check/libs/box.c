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

/* Tests of lib/rb-box, the box geometry both trackers and headblur's masks
 * share: IoU and overlap, centre distance, moving and growing about the
 * centre, union (an empty box adds nothing), clipping rounded outwards to
 * whole pixels inside the frame. */

#include <gst/check/gstcheck.h>
#include <math.h>

#include "rb-box.h"

static RbBox
box (gdouble x, gdouble y, gdouble w, gdouble h)
{
  RbBox b = { x, y, w, h, 0.5f, RB_BOX_FACE };

  return b;
}

GST_START_TEST (test_iou)
{
  RbBox a = box (0, 0, 10, 10), b = box (5, 0, 10, 10);
  RbBox far = box (20, 20, 5, 5), inside = box (2, 2, 5, 5);

  /* 50 px² shared of 150 */
  fail_unless (fabs (rb_box_overlap_area (&a, &b) - 50) < 1e-9);
  fail_unless (fabs (rb_box_iou (&a, &b) - 50.0 / 150.0) < 1e-9);
  fail_unless (fabs (rb_box_iou (&b, &a) - rb_box_iou (&a, &b)) < 1e-12);
  fail_unless (fabs (rb_box_iou (&a, &a) - 1.0) < 1e-12);
  fail_unless_equals_float (rb_box_iou (&a, &far), 0.0);
  fail_unless_equals_float (rb_box_overlap_area (&a, &far), 0.0);
  /* touching edges share nothing */
  b = box (10, 0, 10, 10);
  fail_unless_equals_float (rb_box_iou (&a, &b), 0.0);
  /* a box inside another: its whole area over the larger one's */
  fail_unless (fabs (rb_box_iou (&a, &inside) - 25.0 / 100.0) < 1e-9);
}

GST_END_TEST;

GST_START_TEST (test_centre_and_move)
{
  RbBox a = box (0, 0, 10, 10), b = box (30, 40, 10, 10), m;

  fail_unless (fabs (rb_box_centre_distance (&a, &b) - 50) < 1e-9);
  /* moved by (3, 4) and doubled about the moved centre (8, 9) */
  m = rb_box_moved (&a, 3, 4, 2.0);
  fail_unless_equals_float (m.x, -2);
  fail_unless_equals_float (m.y, -1);
  fail_unless_equals_float (m.width, 20);
  fail_unless_equals_float (m.height, 20);
  fail_unless_equals_float (m.score, 0.5f);
  fail_unless_equals_int (m.source, RB_BOX_FACE);
}

GST_END_TEST;

GST_START_TEST (test_unite)
{
  RbBox a = box (0, 0, 10, 10), b = box (20, 5, 10, 20);
  RbBox empty = box (100, 100, 0, 10);

  rb_box_unite (&a, &b);
  fail_unless_equals_float (a.x, 0);
  fail_unless_equals_float (a.y, 0);
  fail_unless_equals_float (a.width, 30);
  fail_unless_equals_float (a.height, 25);
  /* an empty box adds nothing, and is replaced by what it is united with */
  rb_box_unite (&a, &empty);
  fail_unless_equals_float (a.width, 30);
  fail_unless_equals_float (a.height, 25);
  rb_box_unite (&empty, &b);
  fail_unless_equals_float (empty.x, 20);
  fail_unless_equals_float (empty.width, 10);
}

GST_END_TEST;

GST_START_TEST (test_clip)
{
  RbBox in = box (10.2, 20.7, 5.1, 5.1), out = box (-1, -1, -1, -1);

  /* rounded outwards: 10.2..15.3 -> 10..16, 20.7..25.8 -> 20..26 */
  fail_unless (rb_box_clip (&in, 100, 100, &out));
  fail_unless_equals_float (out.x, 10);
  fail_unless_equals_float (out.y, 20);
  fail_unless_equals_float (out.width, 6);
  fail_unless_equals_float (out.height, 6);
  fail_unless_equals_float (out.score, 0.5f);
  /* clipped to the frame on every side */
  in = box (-5.5, 90.5, 20, 20);
  fail_unless (rb_box_clip (&in, 100, 100, &out));
  fail_unless_equals_float (out.x, 0);
  fail_unless_equals_float (out.y, 90);
  fail_unless_equals_float (out.width, 15);
  fail_unless_equals_float (out.height, 10);
  /* nothing left inside: FALSE, @out untouched */
  in = box (100, 0, 10, 10);
  fail_if (rb_box_clip (&in, 100, 100, &out));
  fail_unless_equals_float (out.x, 0);
  in = box (-20, -20, 10, 10);
  fail_if (rb_box_clip (&in, 100, 100, &out));
  /* from edges */
  fail_unless (rb_box_clip_edges (-3.5, 1.5, 7.2, 99.9, 50, 60, &out));
  fail_unless_equals_float (out.x, 0);
  fail_unless_equals_float (out.y, 1);
  fail_unless_equals_float (out.width, 8);
  fail_unless_equals_float (out.height, 59);
}

GST_END_TEST;

GST_START_TEST (test_source_names)
{
  fail_unless_equals_string (rb_box_source_to_string (RB_BOX_DETECTION), "det");
  fail_unless_equals_string (rb_box_source_to_string (RB_BOX_FACE), "face");
  fail_unless_equals_string (rb_box_source_to_string (RB_BOX_PERSON), "person");
  fail_unless_equals_string (rb_box_source_to_string (RB_BOX_TRACK), "track");
}

GST_END_TEST;

static Suite *
box_suite (void)
{
  Suite *s = suite_create ("box");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_iou);
  tcase_add_test (tc, test_centre_and_move);
  tcase_add_test (tc, test_unite);
  tcase_add_test (tc, test_clip);
  tcase_add_test (tc, test_source_names);
  return s;
}

GST_CHECK_MAIN (box);
