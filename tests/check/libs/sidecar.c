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

/* Tests of lib/rb-sidecar: the line format round trip, the seal (a torn
 * last line and a corrupt line are ignored), coverage (detection
 * intervals, gaps, overload), the writer's routing of frames to segments
 * with context across the cut and its end line, and a writer killed with
 * SIGKILL mid-line leaves a sidecar whose whole lines all load. */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rb-sidecar.h"

#define FRAME (G_GUINT64_CONSTANT (66666667))

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("sidecar-test-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
}

static void
teardown (void)
{
  GDir *d = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree gchar *p = g_build_filename (tmpdir, name, NULL);

    g_remove (p);
  }
  if (d)
    g_dir_close (d);
  g_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
frame_line (guint64 pts, guint flags, guint interval, guint n_boxes)
{
  RbBox boxes[2] = {
    {100, 50, 40, 48, 0.87f, RB_BOX_FACE},
    {300, 60, 30, 30, 0.0f, RB_BOX_TRACK},
  };
  g_autofree gchar *body = rb_sidecar_format_frame (pts, flags, interval,
      boxes, n_boxes);

  return rb_sidecar_seal (body);
}

static GString *
header (void)
{
  GString *s = g_string_new (NULL);
  g_autofree gchar *h = rb_sidecar_seal ("rb-detections 1");

  g_string_append (s, h);
  return s;
}

GST_START_TEST (test_round_trip)
{
  GString *s = header ();
  g_autoptr (RbSidecar) sc = NULL;
  const RbSidecarFrame *f;
  const RbBox *b;
  GError *err = NULL;

  for (guint i = 0; i < 10; i++) {
    g_autofree gchar *l = frame_line (i * FRAME, i % 3 == 0 ?
        RB_SIDECAR_FRAME_DETECTED : 0, 3, 2);

    g_string_append (s, l);
  }
  {
    g_autofree gchar *end = rb_sidecar_seal ("end");

    g_string_append (s, end);
  }
  sc = rb_sidecar_parse (s->str, s->len, "x", &err);
  fail_unless (sc != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (sc->frames->len, 10);
  fail_unless (sc->complete);
  fail_if (sc->torn);
  fail_unless_equals_int (sc->bad_lines, 0);
  f = rb_sidecar_lookup (sc, 3 * FRAME + 1000000, FRAME / 2);
  fail_unless (f != NULL);
  fail_unless_equals_uint64 (f->pts, 3 * FRAME);
  fail_unless (f->flags & RB_SIDECAR_FRAME_DETECTED);
  fail_unless_equals_int (f->interval, 3);
  fail_unless_equals_int (f->boxes->len, 2);
  b = &g_array_index (f->boxes, RbBox, 0);
  fail_unless (b->x == 100 && b->y == 50 && b->width == 40 && b->height == 48);
  fail_unless_equals_int (b->source, RB_BOX_FACE);
  fail_unless (fabs (b->score - 0.87) < 1e-3);
  fail_unless_equals_int (g_array_index (f->boxes, RbBox, 1).source,
      RB_BOX_TRACK);
  fail_unless (rb_sidecar_lookup (sc, 20 * FRAME, FRAME / 2) == NULL);
  g_string_free (s, TRUE);
}

GST_END_TEST;

/* `w` lines: the frames' wall-clock time, sorted by running time; a
 * malformed one (no time, time 0, a third field) is a bad line and changes
 * nothing else */
GST_START_TEST (test_clocks)
{
  GString *s = header ();
  g_autoptr (RbSidecar) sc = NULL;
  const gchar *bad[] = { "w 5", "w 5 0", "w 5 6 7", "w x 6", "w 5 -6" };
  GError *err = NULL;

  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *f = frame_line (i * FRAME, 0, 1, 0);
    /* written out of order */
    g_autofree gchar *w = rb_sidecar_format_clock ((2 - i) * GST_SECOND,
        G_GINT64_CONSTANT (1796477668862328221) + (2 - i) * GST_SECOND);
    g_autofree gchar *sealed = rb_sidecar_seal (w);

    g_string_append (s, f);
    g_string_append (s, sealed);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *sealed = rb_sidecar_seal (bad[i]);

    g_string_append (s, sealed);
  }
  sc = rb_sidecar_parse (s->str, s->len, "x", &err);
  fail_unless (sc != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (sc->frames->len, 3);
  fail_unless_equals_int (sc->bad_lines, G_N_ELEMENTS (bad));
  fail_unless_equals_int (sc->clocks->len, 3);
  for (guint i = 0; i < 3; i++) {
    const RbSidecarClock *c = &g_array_index (sc->clocks, RbSidecarClock, i);

    fail_unless_equals_uint64 (c->pts, i * GST_SECOND);
    fail_unless_equals_int64 (c->unix_ns,
        G_GINT64_CONSTANT (1796477668862328221) + i * GST_SECOND);
  }
}

GST_END_TEST;

GST_START_TEST (test_torn_and_corrupt)
{
  GString *s = header ();
  g_autoptr (RbSidecar) sc = NULL;
  g_autoptr (RbSidecar) bad = NULL;
  GError *err = NULL;
  gsize at = 0;

  for (guint i = 0; i < 6; i++) {
    g_autofree gchar *l = frame_line (i * FRAME, RB_SIDECAR_FRAME_DETECTED,
        1, 1);

    if (i == 2)
      at = s->len + 8;          /* a digit of the pts of frame 2 */
    g_string_append (s, l);
  }
  /* frame 2 damaged on disk, a torn frame 6 */
  s->str[at] = s->str[at] == '1' ? '2' : '1';
  {
    g_autofree gchar *l = frame_line (6 * FRAME, RB_SIDECAR_FRAME_DETECTED,
        1, 1);

    g_string_append_len (s, l, strlen (l) / 2);
  }
  sc = rb_sidecar_parse (s->str, s->len, "x", &err);
  fail_unless (sc != NULL);
  fail_unless_equals_int (sc->frames->len, 5);
  fail_unless (sc->torn);
  fail_unless_equals_int (sc->bad_lines, 1);
  fail_if (sc->complete);
  fail_unless (rb_sidecar_lookup (sc, 2 * FRAME, FRAME / 2) == NULL);
  fail_unless (rb_sidecar_lookup (sc, 6 * FRAME, FRAME / 2) == NULL);
  fail_if (rb_sidecar_covered (sc, 2 * FRAME, FRAME));
  fail_unless (rb_sidecar_covered (sc, 3 * FRAME, FRAME));

  /* a damaged header: the whole file is refused */
  s->str[3] = 'X';
  bad = rb_sidecar_parse (s->str, s->len, "/x/y.detections", &err);
  fail_unless (bad == NULL);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  fail_unless (strstr (err->message, "/x/y.detections") != NULL);
  g_clear_error (&err);
  g_string_free (s, TRUE);
}

GST_END_TEST;

/* Loss lines (the recorded frames that came after missing
 * data) round-trip, sorted and unique, between frame lines; a damaged one
 * is a bad line; they are found within a tolerance. */
GST_START_TEST (test_losses)
{
  GString *s = header ();
  g_autoptr (RbSidecar) sc = NULL;
  const guint64 losses[] = { 7 * FRAME, 2 * FRAME, 7 * FRAME };
  gsize at = 0;

  for (guint i = 0; i < 10; i++) {
    g_autofree gchar *l = frame_line (i * FRAME, 0, 1, 0);

    g_string_append (s, l);
    if (i == 2 || i == 5 || i == 8) {
      g_autofree gchar *body = rb_sidecar_format_loss (losses[i / 3]);
      g_autofree gchar *loss = rb_sidecar_seal (body);

      g_string_append (s, loss);
    }
    if (i == 8) {
      g_autofree gchar *body = rb_sidecar_format_loss (9 * FRAME);
      g_autofree gchar *loss = rb_sidecar_seal (body);

      at = s->len + 3;          /* a digit of its pts */
      g_string_append (s, loss);
    }
  }
  {
    g_autofree gchar *body = rb_sidecar_format_loss (12);

    fail_unless_equals_string (body, "l 12");
  }
  s->str[at] = s->str[at] == '1' ? '2' : '1';
  sc = rb_sidecar_parse (s->str, s->len, "x", NULL);
  fail_unless (sc != NULL);
  fail_unless_equals_int (sc->frames->len, 10);
  fail_unless_equals_int (sc->bad_lines, 1);
  fail_unless_equals_int (sc->losses->len, 2);
  fail_unless_equals_uint64 (g_array_index (sc->losses, guint64, 0),
      2 * FRAME);
  fail_unless_equals_uint64 (g_array_index (sc->losses, guint64, 1),
      7 * FRAME);
  /* the raw segment stores its times rounded to the millisecond */
  fail_unless (rb_sidecar_has_loss (sc, 2 * FRAME + 400000, FRAME / 2));
  fail_unless (rb_sidecar_has_loss (sc, 7 * FRAME - 400000, FRAME / 2));
  fail_if (rb_sidecar_has_loss (sc, 3 * FRAME, FRAME / 2));
  fail_if (rb_sidecar_has_loss (sc, 9 * FRAME, FRAME / 2));
  fail_if (rb_sidecar_has_loss (sc, 0, FRAME / 2));
  g_string_free (s, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_coverage)
{
  GString *s = header ();
  g_autoptr (RbSidecar) sc = NULL;

  /* interval 3: detections at 0, 3, 6; frames 7-8 missing (dropped live);
   * detection at 9 and 12; 13 overload; detection skipped until 20 */
  for (guint i = 0; i <= 20; i++) {
    guint flags = 0;
    g_autofree gchar *l = NULL;

    if (i == 7 || i == 8)
      continue;
    if (i % 3 == 0 && i <= 12)
      flags = RB_SIDECAR_FRAME_DETECTED;
    if (i == 20)
      flags = RB_SIDECAR_FRAME_DETECTED;
    if (i == 13)
      flags = RB_SIDECAR_FRAME_OVERLOAD;
    l = frame_line (i * FRAME, flags, 3, 0);
    g_string_append (s, l);
  }
  sc = rb_sidecar_parse (s->str, s->len, "x", NULL);
  fail_unless (sc != NULL);
  for (guint i = 0; i <= 6; i++)
    fail_unless (rb_sidecar_covered (sc, i * FRAME, FRAME), "frame %u", i);
  fail_if (rb_sidecar_covered (sc, 7 * FRAME, FRAME));
  fail_if (rb_sidecar_covered (sc, 8 * FRAME, FRAME));
  fail_unless (rb_sidecar_covered (sc, 9 * FRAME, FRAME));
  fail_unless (rb_sidecar_covered (sc, 10 * FRAME, FRAME));
  fail_unless (rb_sidecar_covered (sc, 12 * FRAME, FRAME));
  fail_if (rb_sidecar_covered (sc, 13 * FRAME, FRAME));
  for (guint i = 14; i < 20; i++)
    fail_if (rb_sidecar_covered (sc, i * FRAME, FRAME), "frame %u", i);
  fail_unless (rb_sidecar_covered (sc, 20 * FRAME, FRAME));
  /* a timestamp off by a millisecond (Matroska) still finds its frame */
  fail_unless (rb_sidecar_covered (sc, 9 * FRAME + 1000000, FRAME));
  g_string_free (s, TRUE);
}

GST_END_TEST;

static void
add_frames (RbSidecarWriter * w, guint from, guint to)
{
  for (guint i = from; i < to; i++) {
    RbBox b = { i, 10, 20, 20, 0.5f, RB_BOX_DETECTION };
    g_autofree gchar *body = rb_sidecar_format_frame (i * FRAME,
        RB_SIDECAR_FRAME_DETECTED, 1, &b, 1);

    rb_sidecar_writer_add (w, i * FRAME, body);
  }
}

GST_START_TEST (test_writer_routing)
{
  RbSidecarWriter *w = rb_sidecar_writer_new ();
  g_autofree gchar *seg0 = g_build_filename (tmpdir, "a-0.mkv", NULL);
  g_autofree gchar *seg1 = g_build_filename (tmpdir, "a-1.mkv", NULL);
  g_autofree gchar *p0 = rb_sidecar_path (seg0);
  g_autofree gchar *p1 = rb_sidecar_path (seg1);
  g_autoptr (RbSidecar) s0 = NULL;
  g_autoptr (RbSidecar) s1 = NULL;
  GError *err = NULL;

  fail_unless (g_str_has_suffix (p0, "a-0.mkv.detections"));
  fail_unless (rb_sidecar_writer_open (w, seg0, 0, &err));
  add_frames (w, 0, 45);
  /* segment 1 starts at frame 30, but the recorder opens it (and closes
   * segment 0) only once it has its first GOP: the live path is at 45 */
  fail_unless (rb_sidecar_writer_open (w, seg1, 30 * FRAME, &err));
  rb_sidecar_writer_segment_closed (w, seg0, 30 * FRAME);
  add_frames (w, 45, 50);
  /* still collecting the context of segment 0 */
  s0 = rb_sidecar_load (p0, &err);
  fail_unless (s0 != NULL, "%s", err ? err->message : "");
  fail_if (s0->complete);
  g_clear_pointer (&s0, rb_sidecar_free);
  add_frames (w, 50, 90);
  rb_sidecar_writer_flush (w);
  s0 = rb_sidecar_load (p0, &err);
  fail_unless (s0 != NULL);
  fail_unless (s0->complete);
  /* its own 30 frames and 1.5 s (23 frames) of the next */
  fail_unless_equals_int (s0->frames->len, 30 + 23);
  fail_unless_equals_uint64 (g_array_index (s0->frames, RbSidecarFrame,
          0).pts, 0);
  rb_sidecar_writer_finish (w, FALSE);
  s1 = rb_sidecar_load (p1, &err);
  fail_unless (s1 != NULL);
  fail_if (s1->complete);
  /* from 1.5 s before its start, replayed from memory, and its own */
  fail_unless_equals_uint64 (g_array_index (s1->frames, RbSidecarFrame,
          0).pts, 8 * FRAME);
  fail_unless_equals_int (s1->frames->len, 90 - 8);
  g_clear_pointer (&s1, rb_sidecar_free);

  /* the live path's EOS came first; the recorder opens its last segment
   * at its own EOS, later: finished at once with the frames in memory */
  {
    g_autofree gchar *seg2 = g_build_filename (tmpdir, "a-2.mkv", NULL);
    g_autofree gchar *p2 = rb_sidecar_path (seg2);
    g_autoptr (RbSidecar) s2 = NULL;

    add_frames (w, 90, 100);
    rb_sidecar_writer_finish (w, TRUE);
    fail_unless (rb_sidecar_writer_open (w, seg2, 95 * FRAME, &err));
    s2 = rb_sidecar_load (p2, &err);
    fail_unless (s2 != NULL);
    fail_unless (s2->complete);
    fail_unless_equals_uint64 (g_array_index (s2->frames, RbSidecarFrame,
            s2->frames->len - 1).pts, 99 * FRAME);
    g_remove (p2);
  }
  rb_sidecar_writer_free (w);

  /* an unwritable directory: an error naming the file */
  {
    RbSidecarWriter *w2 = rb_sidecar_writer_new ();

    fail_if (rb_sidecar_writer_open (w2, "/nonexistent/dir/x.mkv", 0, &err));
    fail_unless (strstr (err->message, "/nonexistent/dir/x.mkv.detections")
        != NULL, "%s", err->message);
    g_clear_error (&err);
    rb_sidecar_writer_free (w2);
  }
}

GST_END_TEST;

GST_START_TEST (test_kill_mid_write)
{
  g_autofree gchar *seg = g_build_filename (tmpdir, "k-0.mkv", NULL);
  g_autofree gchar *path = rb_sidecar_path (seg);

  for (guint round = 0; round < 5; round++) {
    g_remove (path);
    g_autoptr (RbSidecar) sc = NULL;
    GError *err = NULL;
    int status;
    pid_t pid = fork ();

    fail_if (pid < 0);
    if (pid == 0) {
      RbSidecarWriter *w = rb_sidecar_writer_new ();

      if (!rb_sidecar_writer_open (w, seg, 0, NULL))
        _exit (1);
      for (guint i = 0;; i++) {
        RbBox b[8];
        g_autofree gchar *body = NULL;

        for (guint k = 0; k < 8; k++)
          b[k] = (RbBox) {
          i % 1000, k * 50, 40, 40, 0.5f, RB_BOX_PERSON};
        body = rb_sidecar_format_frame (i * FRAME, RB_SIDECAR_FRAME_DETECTED,
            1, b, 8);
        rb_sidecar_writer_add (w, i * FRAME, body);
      }
    }
    /* until it has written a few lines, then a little longer */
    for (gint i = 0; i < 1000; i++) {
      GStatBuf st;

      if (g_stat (path, &st) == 0 && st.st_size > 4096)
        break;
      g_usleep (10000);
    }
    g_usleep (round * 7000);
    kill (pid, SIGKILL);
    waitpid (pid, &status, 0);
    sc = rb_sidecar_load (path, &err);
    fail_unless (sc != NULL, "%s", err ? err->message : "");
    fail_unless (sc->frames->len > 0);
    fail_unless_equals_int (sc->bad_lines, 0);
    /* every frame line that loads is whole: 8 boxes each, in sequence */
    for (guint i = 0; i < sc->frames->len; i++) {
      const RbSidecarFrame *f = &g_array_index (sc->frames, RbSidecarFrame,
          i);

      fail_unless_equals_uint64 (f->pts, i * FRAME);
      fail_unless_equals_int (f->boxes->len, 8);
    }
  }
}

GST_END_TEST;

static Suite *
sidecar_suite (void)
{
  Suite *s = suite_create ("sidecar");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_clocks);
  tcase_add_test (tc, test_torn_and_corrupt);
  tcase_add_test (tc, test_losses);
  tcase_add_test (tc, test_coverage);
  tcase_add_test (tc, test_writer_routing);
  tcase_add_test (tc, test_kill_mid_write);
  return s;
}

GST_CHECK_MAIN (sidecar);
