/* rtsp-blur: unit tests of the headblur tracker (GLib only)
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Library General Public License for more details.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <math.h>
#include "gstheadblur-track.h"

#define MS 1000000ULL

static RbBox
box (gdouble x, gdouble y, gdouble w, gdouble h)
{
  RbBox b = { x, y, w, h };
  return b;
}

static gboolean
contains (const RbBox * outer, const RbBox * in)
{
  return outer->x <= in->x + 1e-6 && outer->y <= in->y + 1e-6
      && outer->x + outer->width >= in->x + in->width - 1e-6
      && outer->y + outer->height >= in->y + in->height - 1e-6;
}

GST_START_TEST (test_associate_and_move)
{
  GstHeadBlurTracker *t = gst_head_blur_tracker_new (1000 * MS);
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurTrackHit));
  GArray *out = g_array_new (FALSE, FALSE, sizeof (RbBox));
  RbBox a = box (100, 100, 50, 50), b = box (110, 100, 50, 50);
  RbBox moved = box (125, 100, 50, 50);   /* first speed is halved by smoothing */
  RbBox both = box (105, 100, 55, 50);
  GstHeadBlurTrackHit *h;
  guint id;

  gst_head_blur_tracker_update (t, &a, 1, 0, hits);
  fail_unless_equals_int (hits->len, 1);
  h = &g_array_index (hits, GstHeadBlurTrackHit, 0);
  fail_unless (h->prev_hit == G_MAXUINT64);
  id = h->id;

  g_array_set_size (hits, 0);
  gst_head_blur_tracker_update (t, &b, 1, 100 * MS, hits);
  h = &g_array_index (hits, GstHeadBlurTrackHit, 0);
  fail_unless_equals_int (h->id, id);   /* same track (IoU 0.67) */
  fail_unless_equals_uint64 (h->prev_hit, 0);
  fail_unless (h->vx > 0.0);
  fail_unless_equals_int (gst_head_blur_tracker_n_tracks (t), 1);

  /* at the detection time the prediction is the detection united with the
   * previous detection moved along the (smoothed) velocity: 50 px/s, so 5 px
   * in 100 ms */
  gst_head_blur_tracker_predict (t, 100 * MS, FALSE, out);
  fail_unless_equals_int (out->len, 1);
  fail_unless (contains (&g_array_index (out, RbBox, 0), &b));
  fail_unless (contains (&g_array_index (out, RbBox, 0),
          &both));
  fail_unless (contains (&both, &g_array_index (out, RbBox,
              0)));

  /* later: moved right, grown, still covering where it was */
  g_array_set_size (out, 0);
  gst_head_blur_tracker_predict (t, 400 * MS, FALSE, out);
  fail_unless_equals_int (out->len, 1);
  fail_unless (contains (&g_array_index (out, RbBox, 0), &b));
  fail_unless (contains (&g_array_index (out, RbBox, 0),
          &moved));

  /* dropped after the hold time, unless kept */
  g_array_set_size (out, 0);
  gst_head_blur_tracker_predict (t, 1100 * MS, FALSE, out);
  fail_unless_equals_int (out->len, 1);
  g_array_set_size (out, 0);
  fail_unless_equals_int (gst_head_blur_tracker_predict (t, 1101 * MS, TRUE,
          out), 1);
  g_array_set_size (out, 0);
  fail_unless_equals_int (gst_head_blur_tracker_predict (t, 1101 * MS, FALSE,
          out), 0);
  fail_unless_equals_int (gst_head_blur_tracker_n_tracks (t), 0);

  g_array_unref (out);
  g_array_unref (hits);
  gst_head_blur_tracker_free (t);
}

GST_END_TEST;

GST_START_TEST (test_small_boxes_by_centre)
{
  GstHeadBlurTracker *t = gst_head_blur_tracker_new (1000 * MS);
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurTrackHit));
  /* 8x8 boxes 5 px apart: no overlap worth 0.2, centres 0.6 box apart */
  RbBox a = box (10, 10, 8, 8), b = box (15, 10, 8, 8);
  RbBox far = box (100, 100, 8, 8);
  guint id;

  gst_head_blur_tracker_update (t, &a, 1, 0, hits);
  id = g_array_index (hits, GstHeadBlurTrackHit, 0).id;
  g_array_set_size (hits, 0);
  gst_head_blur_tracker_update (t, &b, 1, 66 * MS, hits);
  fail_unless_equals_int (g_array_index (hits, GstHeadBlurTrackHit, 0).id,
      id);
  g_array_set_size (hits, 0);
  gst_head_blur_tracker_update (t, &far, 1, 133 * MS, hits);
  fail_unless (g_array_index (hits, GstHeadBlurTrackHit, 0).id != id);
  fail_unless_equals_int (gst_head_blur_tracker_n_tracks (t), 2);

  g_array_unref (hits);
  gst_head_blur_tracker_free (t);
}

GST_END_TEST;

GST_START_TEST (test_two_heads_greedy)
{
  GstHeadBlurTracker *t = gst_head_blur_tracker_new (1000 * MS);
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurTrackHit));
  RbBox first[2] = { box (0, 0, 40, 40), box (60, 0, 40, 40) };
  /* both moved right by 10, given in the other order */
  RbBox second[2] = { box (70, 0, 40, 40), box (10, 0, 40, 40) };
  guint id0, id1;

  gst_head_blur_tracker_update (t, first, 2, 0, hits);
  id0 = g_array_index (hits, GstHeadBlurTrackHit, 0).id;
  id1 = g_array_index (hits, GstHeadBlurTrackHit, 1).id;
  g_array_set_size (hits, 0);
  gst_head_blur_tracker_update (t, second, 2, 100 * MS, hits);
  fail_unless_equals_int (g_array_index (hits, GstHeadBlurTrackHit, 0).id,
      id1);
  fail_unless_equals_int (g_array_index (hits, GstHeadBlurTrackHit, 1).id,
      id0);
  fail_unless_equals_int (gst_head_blur_tracker_n_tracks (t), 2);

  g_array_unref (hits);
  gst_head_blur_tracker_free (t);
}

GST_END_TEST;

GST_START_TEST (test_project_back)
{
  GstHeadBlurTrackHit hit = { 1, {100, 100, 40, 40}, 0.0, 0.0, 1000 * MS,
    G_MAXUINT64
  };
  RbBox b;

  gst_head_blur_track_project (&hit, 500 * MS, &b);
  /* grown by half a second's growth around the same centre */
  fail_unless (contains (&b, &hit.box));
  fail_unless (fabs (b.width - 40 * (1.0 + GST_HEAD_BLUR_TRACK_GROWTH_PER_S *
              0.5)) < 0.1, "width %f", b.width);

  /* a moving head is projected along its motion, and the detected place
   * stays covered */
  hit.vx = 100.0 / 1e9;         /* 100 px/s */
  gst_head_blur_track_project (&hit, 500 * MS, &b);
  fail_unless (b.x <= 100 - 50 - 5 + 1e-6);
  fail_unless (contains (&b, &hit.box));

  /* growth is capped */
  gst_head_blur_track_project (&hit, 100000 * MS, &b);
  fail_unless (b.height <= 40 * GST_HEAD_BLUR_TRACK_MAX_GROWTH + 1e-6);
}

GST_END_TEST;

/* a track seen once (velocity unknown) grows faster than one seen twice */
GST_START_TEST (test_new_track_grows_faster)
{
  GstHeadBlurTracker *t = gst_head_blur_tracker_new (1000 * MS);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (RbBox));
  RbBox a = box (100, 100, 40, 40);
  RbBox *p;

  gst_head_blur_tracker_update (t, &a, 1, 0, NULL);
  gst_head_blur_tracker_predict (t, 200 * MS, FALSE, out);
  fail_unless_equals_int (out->len, 1);
  p = &g_array_index (out, RbBox, 0);
  fail_unless (fabs (p->width - 40 * (1.0 +
              GST_HEAD_BLUR_TRACK_NEW_GROWTH_PER_S * 0.2)) < 0.1, "width %f",
      p->width);
  fail_unless (contains (p, &a));

  /* seen again at the same place: normal growth from then on */
  gst_head_blur_tracker_update (t, &a, 1, 200 * MS, NULL);
  g_array_set_size (out, 0);
  gst_head_blur_tracker_predict (t, 400 * MS, FALSE, out);
  fail_unless_equals_int (out->len, 1);
  p = &g_array_index (out, RbBox, 0);
  fail_unless (fabs (p->width - 40 * (1.0 +
              GST_HEAD_BLUR_TRACK_GROWTH_PER_S * 0.2)) < 0.1, "width %f",
      p->width);
  fail_unless (contains (p, &a));
  fail_unless (GST_HEAD_BLUR_TRACK_NEW_GROWTH_PER_S >
      GST_HEAD_BLUR_TRACK_GROWTH_PER_S);

  g_array_unref (out);
  gst_head_blur_tracker_free (t);
}

GST_END_TEST;

/* a held box grows at most x GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH, while a
 * box projected back by the look-ahead may grow to
 * GST_HEAD_BLUR_TRACK_MAX_GROWTH */
GST_START_TEST (test_hold_growth_capped)
{
  GstHeadBlurTracker *t = gst_head_blur_tracker_new (5000 * MS);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (RbBox));
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurTrackHit));
  RbBox a = box (100, 100, 40, 40);
  RbBox b, *p;

  gst_head_blur_tracker_update (t, &a, 1, 0, NULL);
  gst_head_blur_tracker_update (t, &a, 1, 100 * MS, hits);
  /* 2 s later: 1 + 0.5 x 2 = x2 uncapped */
  gst_head_blur_tracker_predict (t, 2100 * MS, FALSE, out);
  fail_unless_equals_int (out->len, 1);
  p = &g_array_index (out, RbBox, 0);
  fail_unless (fabs (p->width - 40 * GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH) <
      0.1, "width %f", p->width);
  fail_unless (fabs (p->height - 40 * GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH) <
      0.1, "height %f", p->height);
  fail_unless (contains (p, &a));

  /* a track seen once: capped alike */
  gst_head_blur_tracker_reset (t);
  gst_head_blur_tracker_update (t, &a, 1, 0, NULL);
  g_array_set_size (out, 0);
  gst_head_blur_tracker_predict (t, 1000 * MS, FALSE, out);
  fail_unless_equals_int (out->len, 1);
  p = &g_array_index (out, RbBox, 0);
  fail_unless (p->width <= 40 * GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH + 1e-6,
      "width %f", p->width);

  /* the look-ahead's projection of the same hit 2 s back: x2 */
  fail_unless_equals_int (hits->len, 1);
  g_array_index (hits, GstHeadBlurTrackHit, 0).pts = 2100 * MS;
  gst_head_blur_track_project (&g_array_index (hits, GstHeadBlurTrackHit, 0),
      100 * MS, &b);
  fail_unless (fabs (b.width - 40 * (1.0 + GST_HEAD_BLUR_TRACK_GROWTH_PER_S *
              2.0)) < 0.1, "width %f", b.width);
  fail_unless (GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH <
      GST_HEAD_BLUR_TRACK_MAX_GROWTH);

  g_array_unref (hits);
  g_array_unref (out);
  gst_head_blur_tracker_free (t);
}

GST_END_TEST;

static Suite *
headblur_track_suite (void)
{
  Suite *s = suite_create ("headblur-track");
  TCase *tc = tcase_create ("general");

  tcase_add_test (tc, test_associate_and_move);
  tcase_add_test (tc, test_small_boxes_by_centre);
  tcase_add_test (tc, test_two_heads_greedy);
  tcase_add_test (tc, test_project_back);
  tcase_add_test (tc, test_new_track_grows_faster);
  tcase_add_test (tc, test_hold_growth_capped);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (headblur_track);
