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

/* Tests of lib/rb-tracks, the workers' bidirectional smoothing: a head
 * detected at frames 10 and 20 is masked at 11-19 by interpolation, and
 * before 10 and after 20 along its motion for the hold time, not after;
 * two heads stay two tracks; a gap longer than max-gap is not bridged;
 * tracks from a sidecar use detections only; every box is scaled by the
 * scale parameter about its centre. */

#include <gst/check/gstcheck.h>
#include <math.h>

#include "rb-tracks.h"

#define FRAME (G_GUINT64_CONSTANT (66666667))
#define HOLD (G_GUINT64_CONSTANT (1000000000))

/* centre of the head at frame @i: moves 6 px per frame to the right */
static RbBox
head_at (guint i)
{
  RbBox b = { 100 + 6.0 * i, 200, 40, 40, 0.9f, RB_BOX_FACE };

  return b;
}

static gboolean
box_contains (const RbBox * outer, const RbBox * inner)
{
  return outer->x <= inner->x + 0.5 && outer->y <= inner->y + 0.5
      && outer->x + outer->width >= inner->x + inner->width - 0.5
      && outer->y + outer->height >= inner->y + inner->height - 0.5;
}

GST_START_TEST (test_gap_filling_both_ways)
{
  RbTracksParams p;
  g_autoptr (RbTracks) t = NULL;
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (RbBox));
  RbBox b10 = head_at (10), b20 = head_at (20);

  rb_tracks_params_init (&p, HOLD);
  t = rb_tracks_new (&p);
  /* the detector ran on every frame 0-40, the head was seen at 10 and 20 */
  for (guint i = 0; i <= 40; i++) {
    if (i == 10)
      rb_tracks_add (t, i * FRAME, &b10, 1);
    else if (i == 20)
      rb_tracks_add (t, i * FRAME, &b20, 1);
    else
      rb_tracks_add (t, i * FRAME, NULL, 0);
  }
  fail_unless_equals_int (rb_tracks_n_tracks (t), 1);

  /* 11-19: interpolated, the true head inside the mask, not much larger */
  for (guint i = 10; i <= 20; i++) {
    RbBox truth = head_at (i);
    const RbBox *m;

    g_array_set_size (out, 0);
    rb_tracks_boxes_at (t, i * FRAME, out);
    fail_unless_equals_int (out->len, 1);
    m = &g_array_index (out, RbBox, 0);
    fail_unless (box_contains (m, &truth), "frame %u: %.1f,%.1f %.1fx%.1f", i,
        m->x, m->y, m->width, m->height);
    fail_unless (m->width <= 40 * p.scale * 1.2, "frame %u too wide: %.1f",
        i, m->width);
    fail_unless_equals_int (m->source, RB_BOX_TRACK);
  }
  /* before 10 and after 20, along its motion (6 px/frame), for the hold
   * time (15 frames) */
  for (guint i = 0; i <= 35; i++) {
    RbBox truth = head_at (i);
    gint64 dt = (gint64) i - (i < 10 ? 10 : 20);

    if (i >= 10 && i <= 20)
      continue;
    g_array_set_size (out, 0);
    rb_tracks_boxes_at (t, i * FRAME, out);
    if (ABS (dt) * FRAME <= HOLD) {
      const RbBox *m;

      fail_unless_equals_int (out->len, 1);
      m = &g_array_index (out, RbBox, 0);
      fail_unless (box_contains (m, &truth), "frame %u: %.1f,%.1f %.1fx%.1f",
          i, m->x, m->y, m->width, m->height);
    } else {
      fail_unless_equals_int (out->len, 0);
    }
  }
  /* before the hold time: nothing (frame 10 - 16), nor after (20 + 16) */
  g_array_set_size (out, 0);
  rb_tracks_boxes_at (t, 36 * FRAME, out);
  fail_unless_equals_int (out->len, 0);
  {
    RbTracksParams p2;
    g_autoptr (RbTracks) t2 = NULL;
    RbBox b = head_at (30);

    rb_tracks_params_init (&p2, HOLD);
    t2 = rb_tracks_new (&p2);
    rb_tracks_add (t2, 30 * FRAME, &b, 1);
    g_array_set_size (out, 0);
    rb_tracks_boxes_at (t2, 14 * FRAME, out);
    fail_unless_equals_int (out->len, 0);
    g_array_set_size (out, 0);
    rb_tracks_boxes_at (t2, 16 * FRAME, out);
    fail_unless_equals_int (out->len, 1);
  }
}

GST_END_TEST;

GST_START_TEST (test_two_heads_and_long_gap)
{
  RbTracksParams p;
  g_autoptr (RbTracks) t = NULL;
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (RbBox));

  rb_tracks_params_init (&p, 200 * GST_MSECOND);
  t = rb_tracks_new (&p);
  for (guint i = 0; i < 10; i += 3) {
    RbBox two[2] = { head_at (i), head_at (i) };

    two[1].x += 500;
    rb_tracks_add (t, i * FRAME, two, 2);
  }
  fail_unless_equals_int (rb_tracks_n_tracks (t), 2);
  /* seen again 3 s later at the same place: a new track, the gap not
   * bridged (max-gap 1 s, hold 200 ms) */
  {
    RbBox b = head_at (9);

    rb_tracks_add (t, 54 * FRAME, &b, 1);
  }
  fail_unless_equals_int (rb_tracks_n_tracks (t), 3);
  rb_tracks_boxes_at (t, 30 * FRAME, out);
  fail_unless_equals_int (out->len, 0);
  rb_tracks_boxes_at (t, 4 * FRAME, out);
  fail_unless_equals_int (out->len, 2);
}

GST_END_TEST;

GST_START_TEST (test_from_sidecar)
{
  GString *s = g_string_new (NULL);
  g_autofree gchar *h = rb_sidecar_seal ("rb-detections 1");
  g_autoptr (RbSidecar) sc = NULL;
  RbTracksParams p;
  g_autoptr (RbTracks) t = NULL;
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (RbBox));

  g_string_append (s, h);
  for (guint i = 0; i <= 20; i++) {
    RbBox boxes[2] = { head_at (i), {900, 900, 50, 50, 0, RB_BOX_TRACK} };
    gboolean det = i == 10 || i == 20;
    g_autofree gchar *body = rb_sidecar_format_frame (i * FRAME,
        i % 5 == 0 ? RB_SIDECAR_FRAME_DETECTED : 0, 5, det ? boxes : boxes + 1,
        1);
    g_autofree gchar *line = rb_sidecar_seal (body);

    g_string_append (s, line);
  }
  sc = rb_sidecar_parse (s->str, s->len, "x", NULL);
  fail_unless (sc != NULL);
  rb_tracks_params_init (&p, HOLD);
  t = rb_tracks_new (&p);
  rb_tracks_add_sidecar (t, sc);
  /* the live path's track boxes are not detections */
  fail_unless_equals_int (rb_tracks_n_tracks (t), 1);
  rb_tracks_boxes_at (t, 15 * FRAME, out);
  fail_unless_equals_int (out->len, 1);
  g_string_free (s, TRUE);
}

GST_END_TEST;

/* Every box is the track's scaled by `scale` about its centre: at a
 * detection exactly the detection, scaled; scale 1 gives it back as it
 * is. */
GST_START_TEST (test_scale)
{
  RbBox b10 = head_at (10), b20 = head_at (20);

  for (guint k = 0; k < 2; k++) {
    RbTracksParams p;
    g_autoptr (RbTracks) t = NULL;
    g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (RbBox));
    const RbBox *m;

    rb_tracks_params_init (&p, HOLD);
    fail_unless (p.scale > 1.0);
    if (k == 1)
      p.scale = 1.0;
    t = rb_tracks_new (&p);
    rb_tracks_add (t, 10 * FRAME, &b10, 1);
    rb_tracks_add (t, 20 * FRAME, &b20, 1);
    rb_tracks_boxes_at (t, 10 * FRAME, out);
    fail_unless_equals_int (out->len, 1);
    m = &g_array_index (out, RbBox, 0);
    fail_unless (fabs (m->width - 40 * p.scale) < 1e-6, "width %.2f",
        m->width);
    fail_unless (fabs (m->height - 40 * p.scale) < 1e-6, "height %.2f",
        m->height);
    /* the same centre */
    fail_unless (fabs (m->x + m->width / 2 - (b10.x + 20)) < 1e-6);
    fail_unless (fabs (m->y + m->height / 2 - (b10.y + 20)) < 1e-6);
    /* the last detection too */
    g_array_set_size (out, 0);
    rb_tracks_boxes_at (t, 20 * FRAME, out);
    m = &g_array_index (out, RbBox, 0);
    fail_unless (fabs (m->width - 40 * p.scale) < 1e-6, "width %.2f",
        m->width);
  }
}

GST_END_TEST;

static Suite *
tracks_suite (void)
{
  Suite *s = suite_create ("tracks");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_gap_filling_both_ways);
  tcase_add_test (tc, test_two_heads_and_long_gap);
  tcase_add_test (tc, test_from_sidecar);
  tcase_add_test (tc, test_scale);
  return s;
}

GST_CHECK_MAIN (tracks);
