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

/* Write errors (daemon/camera/rb-write-pause.c): the reasons, the pause and
 * resume with back-off and its log decisions, and the test write. */

#include <gst/check/gstcheck.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-write-pause.h"

#define S (G_USEC_PER_SEC)

GST_START_TEST (test_reasons)
{
  g_autoptr (GError) e = NULL;

  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (ENOSPC)), "no-space");
  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (EDQUOT)), "no-space");
  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (EROFS)), "read-only");
  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (EACCES)), "permission");
  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (EPERM)), "permission");
  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (ENOENT)), "missing");
  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (EIO)), "io");
  fail_unless_equals_string (rb_write_reason_name (rb_write_reason_from_errno
          (EMFILE)), "other");

  /* GIO codes (rb-durable's errors) */
  e = g_error_new (G_IO_ERROR, G_IO_ERROR_READ_ONLY, "cannot create 'x'");
  fail_unless_equals_int (rb_write_reason_from_error (e, NULL),
      RB_WRITE_REASON_READ_ONLY);
  g_clear_error (&e);
  /* GStreamer's elements: the system error is in the debug text */
  e = g_error_new (g_quark_from_static_string ("gst-resource-error-quark"),
      6, "Could not open file \"/x/y.mkv\" for writing.");
  fail_unless_equals_int (rb_write_reason_from_error (e,
          "gstfilesink.c(1): /GstPipeline:p/GstFileSink:sink:\n"
          "system error: Permission denied"), RB_WRITE_REASON_PERMISSION);
  fail_unless_equals_int (rb_write_reason_from_error (e, NULL),
      RB_WRITE_REASON_OTHER);

  /* wrapped: the domain says it is a write error, the code why */
  rb_write_error_wrap (&e, "/x/y.mkv", "gstfilesink.c(1): gst_file_sink_"
      "open_file (): /GstPipeline:p/GstFileSink:sink:\nsystem error: "
      "Read-only file system");
  fail_unless (g_error_matches (e, RB_WRITE_ERROR, RB_WRITE_REASON_READ_ONLY));
  fail_unless_equals_string (e->message, "Could not open file \"/x/y.mkv\" "
      "for writing. (Read-only file system)");
  fail_unless_equals_int (rb_write_reason_from_error (e, NULL),
      RB_WRITE_REASON_READ_ONLY);
  g_clear_error (&e);
  e = g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "No space left");
  rb_write_error_wrap (&e, "/x/y.mkv", NULL);
  fail_unless (g_error_matches (e, RB_WRITE_ERROR, RB_WRITE_REASON_NO_SPACE));
  fail_unless_equals_string (e->message, "cannot write /x/y.mkv: No space "
      "left");

  fail_unless_equals_uint64 (rb_write_min_free (0), RB_WRITE_MIN_FREE);
  fail_unless_equals_uint64 (rb_write_min_free (1ull << 30), 1ull << 30);
}

GST_END_TEST;

/* A read-only disk for a while: one pause, the probe backs off 1, 2, 4,
 * 8, 8... s (cap 8 s), one resume, nothing more once a write works. */
GST_START_TEST (test_pause_backoff_resume)
{
  RbWritePause p;
  gint64 t = 1000 * S;
  gint64 expect[] = { 1, 2, 4, 8, 8, 8 };

  rb_write_pause_init (&p, 1000, 8000);
  fail_if (rb_write_pause_is_paused (&p));
  fail_unless (rb_write_pause_wait_us (&p, t) == G_MAXINT64);
  /* a success while writing changes nothing */
  fail_unless_equals_int (rb_write_pause_written (&p), RB_WRITE_LOG_NONE);

  fail_unless_equals_int (rb_write_pause_failed (&p,
          RB_WRITE_REASON_READ_ONLY, t), RB_WRITE_LOG_PAUSED);
  fail_unless (rb_write_pause_is_paused (&p));
  fail_unless_equals_uint64 (p.pauses, 1);
  /* more failures of the same writer while paused: the same pause */
  fail_unless_equals_int (rb_write_pause_failed (&p,
          RB_WRITE_REASON_READ_ONLY, t + 1), RB_WRITE_LOG_NONE);
  fail_unless_equals_uint64 (p.pauses, 1);

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++) {
    gint64 wait = rb_write_pause_wait_us (&p, t);

    fail_unless (wait == expect[i] * S, "probe %u: waits %" G_GINT64_FORMAT
        " us, expected %" G_GINT64_FORMAT " s", i, wait, expect[i]);
    fail_if (rb_write_pause_is_due (&p, t + wait - 1));
    t += wait;
    fail_unless (rb_write_pause_is_due (&p, t));
    rb_write_pause_probe_failed (&p, RB_WRITE_REASON_READ_ONLY, t);
  }
  fail_unless_equals_int (p.failed_probes, G_N_ELEMENTS (expect));
  t += rb_write_pause_wait_us (&p, t);
  fail_unless_equals_int (rb_write_pause_probe_passed (&p, t),
      RB_WRITE_LOG_RESUMED);
  fail_if (rb_write_pause_is_paused (&p));
  fail_unless_equals_int (p.state, RB_WRITE_RESUMED);
  /* the first segment written: nothing more to say */
  fail_unless_equals_int (rb_write_pause_written (&p), RB_WRITE_LOG_NONE);
  fail_unless_equals_int (p.state, RB_WRITE_WRITING);
  fail_unless_equals_int (p.reason, RB_WRITE_REASON_NONE);

  /* a new pause later starts from the first delay again */
  fail_unless_equals_int (rb_write_pause_failed (&p, RB_WRITE_REASON_IO,
          t + 100 * S), RB_WRITE_LOG_PAUSED);
  fail_unless (rb_write_pause_wait_us (&p, t + 100 * S) == 1 * S);
  fail_unless_equals_uint64 (p.pauses, 2);
}

GST_END_TEST;

/* The probe passes but the real writes fail at once, again and again (a
 * flapping disk): the pause, the first resume, the first relapse are
 * logged; then nothing, however long it lasts, while the back-off keeps
 * growing to its cap; then one line when a segment is finally written. */
GST_START_TEST (test_flapping)
{
  RbWritePause p;
  gint64 t = 0;
  guint lines = 0, last_wait = 0;

  rb_write_pause_init (&p, 1000, 30000);
  fail_unless_equals_int (rb_write_pause_failed (&p, RB_WRITE_REASON_IO, t),
      RB_WRITE_LOG_PAUSED);
  lines++;
  for (guint i = 0; i < 200; i++) {
    RbWriteLog log;
    gint64 wait = rb_write_pause_wait_us (&p, t);

    fail_unless (wait >= last_wait, "the back-off shrank");
    last_wait = wait;
    t += wait;
    fail_unless (rb_write_pause_is_due (&p, t));
    log = rb_write_pause_probe_passed (&p, t);
    fail_unless (log == (i == 0 ? RB_WRITE_LOG_RESUMED : RB_WRITE_LOG_NONE));
    lines += log != RB_WRITE_LOG_NONE;
    /* the recorder fails 100 ms later */
    t += S / 10;
    log = rb_write_pause_failed (&p, RB_WRITE_REASON_IO, t);
    fail_unless (log == (i == 0 ? RB_WRITE_LOG_RELAPSE : RB_WRITE_LOG_NONE));
    lines += log != RB_WRITE_LOG_NONE;
  }
  fail_unless_equals_int (lines, 3);
  fail_unless (last_wait == 30 * S);
  fail_unless_equals_uint64 (p.pauses, 201);
  /* another reason in the quiet stretch is news */
  t += rb_write_pause_wait_us (&p, t);
  fail_unless_equals_int (rb_write_pause_probe_passed (&p, t),
      RB_WRITE_LOG_NONE);
  fail_unless_equals_int (rb_write_pause_failed (&p,
          RB_WRITE_REASON_NO_SPACE, t), RB_WRITE_LOG_RELAPSE);
  /* and it is over once a segment is written */
  t += rb_write_pause_wait_us (&p, t);
  fail_unless_equals_int (rb_write_pause_probe_passed (&p, t),
      RB_WRITE_LOG_NONE);
  fail_unless_equals_int (rb_write_pause_written (&p), RB_WRITE_LOG_RESUMED);
  fail_unless_equals_int (p.state, RB_WRITE_WRITING);
  /* the back-off starts from the first delay at the next pause */
  fail_unless_equals_int (rb_write_pause_failed (&p, RB_WRITE_REASON_IO, t),
      RB_WRITE_LOG_PAUSED);
  fail_unless (rb_write_pause_wait_us (&p, t) == 1 * S);
}

GST_END_TEST;

/* The free space is back: the next probe is due at once. */
GST_START_TEST (test_hurry)
{
  RbWritePause p;

  rb_write_pause_init (&p, 1000, 60000);
  rb_write_pause_hurry (&p, 0);
  fail_if (rb_write_pause_is_due (&p, 0));
  rb_write_pause_failed (&p, RB_WRITE_REASON_NO_SPACE, 0);
  for (guint i = 0; i < 5; i++)
    rb_write_pause_probe_failed (&p, RB_WRITE_REASON_NO_SPACE, 0);
  fail_unless (rb_write_pause_wait_us (&p, 0) == 32 * S);
  rb_write_pause_hurry (&p, 3 * S);
  fail_unless (rb_write_pause_is_due (&p, 3 * S));
}

GST_END_TEST;

static gchar *tmp;

static void
setup (void)
{
  tmp = g_dir_make_tmp ("write-pause-test-XXXXXX", NULL);
  fail_unless (tmp != NULL);
}

static void
teardown (void)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", tmp);

  fail_unless (system (cmd) == 0);
  g_clear_pointer (&tmp, g_free);
}

static guint
count_files (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  if (d != NULL)
    g_dir_close (d);
  return n;
}

GST_START_TEST (test_probe)
{
  g_autofree gchar *dir = g_build_filename (tmp, "raw", "cam", NULL);
  g_autofree gchar *file = g_build_filename (tmp, "file", NULL);
  g_autofree gchar *below = g_build_filename (file, "cam", NULL);
  GError *err = NULL;

  /* a vanished directory is made again; the probe file does not stay */
  fail_unless (rb_write_probe (dir, 0, &err), "%s", err ? err->message : "");
  fail_unless (g_file_test (dir, G_FILE_TEST_IS_DIR));
  fail_unless_equals_int (count_files (dir), 0);

  /* more free space than any disk has: no-space */
  fail_if (rb_write_probe (dir, G_MAXUINT64 / 2, &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NO_SPACE));
  fail_unless (strstr (err->message, dir) != NULL, "%s", err->message);
  fail_unless_equals_int (rb_write_reason_from_error (err, NULL),
      RB_WRITE_REASON_NO_SPACE);
  fail_unless_equals_int (count_files (dir), 0);
  g_clear_error (&err);

  /* a file where the directory should be (root ignores permission bits,
   * so that is the failure a unit test can make) */
  fail_unless (g_file_set_contents (file, "x", 1, NULL));
  fail_if (rb_write_probe (below, 0, &err));
  fail_unless (strstr (err->message, below) != NULL, "%s", err->message);
  fail_unless_equals_int (rb_write_reason_from_error (err, NULL),
      RB_WRITE_REASON_MISSING);
  g_clear_error (&err);
}

GST_END_TEST;

static GMainLoop *loop;
static gboolean probe_ok;
static GError *probe_err;

static void
on_probe (GObject * source, GAsyncResult * result, gpointer data)
{
  probe_ok = rb_write_probe_finish (result, &probe_err);
  g_main_loop_quit (loop);
}

GST_START_TEST (test_probe_async)
{
  g_autofree gchar *a = g_build_filename (tmp, "a", NULL);
  g_autofree gchar *file = g_build_filename (tmp, "file", NULL);
  g_autofree gchar *b = g_build_filename (file, "b", NULL);
  const gchar *dirs[] = { a, NULL, NULL };

  loop = g_main_loop_new (NULL, FALSE);
  rb_write_probe_async (dirs, 0, NULL, on_probe, NULL);
  g_main_loop_run (loop);
  fail_unless (probe_ok, "%s", probe_err ? probe_err->message : "");

  /* the second directory fails */
  fail_unless (g_file_set_contents (file, "x", 1, NULL));
  dirs[1] = b;
  rb_write_probe_async (dirs, 0, NULL, on_probe, NULL);
  g_main_loop_run (loop);
  fail_if (probe_ok);
  fail_unless (strstr (probe_err->message, b) != NULL);
  g_clear_error (&probe_err);

  /* cancelled: says so, whatever it found */
  {
    GCancellable *c = g_cancellable_new ();

    dirs[1] = NULL;
    g_cancellable_cancel (c);
    rb_write_probe_async (dirs, 0, c, on_probe, NULL);
    g_main_loop_run (loop);
    fail_unless (g_error_matches (probe_err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    g_clear_error (&probe_err);
    g_object_unref (c);
  }
  g_main_loop_unref (loop);
}

GST_END_TEST;

static Suite *
write_pause_suite (void)
{
  Suite *s = suite_create ("write-pause");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_reasons);
  tcase_add_test (tc, test_pause_backoff_resume);
  tcase_add_test (tc, test_flapping);
  tcase_add_test (tc, test_hurry);
  tcase_add_test (tc, test_probe);
  tcase_add_test (tc, test_probe_async);
  return s;
}

GST_CHECK_MAIN (write_pause);
