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

/* Deletions retried with back-off (daemon/storage/rb-deletions.c), on real
 * files. The tests run as root, which ignores permission bits: a file that
 * cannot be deleted is made by putting a non-empty directory where it was
 * (unlink fails with EISDIR), and deleting works again once a file is back
 * in its place. */

#include <gst/check/gstcheck.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-deletions.h"

#define S (G_USEC_PER_SEC)

static gchar *tmp;
static guint warnings, messages;
static GString *logged;

/* Counts the lines logged (in place of gstcheck's handler, which fails a
 * test on any warning). */
static void
count_log (const gchar * domain, GLogLevelFlags level, const gchar * message,
    gpointer data)
{
  static GMutex lock;

  g_mutex_lock (&lock);
  g_string_append_printf (logged, "%s\n", message);
  if (level & G_LOG_LEVEL_WARNING)
    warnings++;
  else if (level & G_LOG_LEVEL_MESSAGE)
    messages++;
  g_mutex_unlock (&lock);
}

static void
setup (void)
{
  tmp = g_dir_make_tmp ("deletions-test-XXXXXX", NULL);
  fail_unless (tmp != NULL);
  warnings = messages = 0;
  logged = g_string_new (NULL);
}

static void
teardown (void)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", tmp);

  fail_unless (system (cmd) == 0);
  g_clear_pointer (&tmp, g_free);
  g_string_free (logged, TRUE);
}

/* @path becomes a directory holding a file: unlink() fails. */
static void
make_undeletable (const gchar * path)
{
  g_autofree gchar *inside = g_build_filename (path, "x", NULL);

  g_unlink (path);
  fail_unless (g_mkdir (path, 0700) == 0);
  fail_unless (g_file_set_contents (inside, "x", 1, NULL));
}

/* ... and deletable again: a file once more. */
static void
make_deletable (const gchar * path)
{
  g_autofree gchar *inside = g_build_filename (path, "x", NULL);

  fail_unless (g_unlink (inside) == 0);
  fail_unless (g_rmdir (path) == 0);
  fail_unless (g_file_set_contents (path, "y", 1, NULL));
}

static guint done_calls;
static gchar *done_path;

static void
on_done (const gchar * path, gpointer data)
{
  fail_unless (data == &done_calls);
  done_calls++;
  g_free (done_path);
  done_path = g_strdup (path);
}

GST_START_TEST (test_deleted_at_once)
{
  g_autoptr (RbDeletions) d = rb_deletions_new (1000, 8000);
  g_autofree gchar *f = g_build_filename (tmp, "seg.mkv", NULL);
  g_autofree gchar *gone = g_build_filename (tmp, "gone.mkv", NULL);

  fail_unless (g_file_set_contents (f, "x", 1, NULL));
  fail_unless (rb_deletions_unlink (d, "worker", f, on_done, &done_calls));
  fail_if (g_file_test (f, G_FILE_TEST_EXISTS));
  /* already gone is as good as deleted */
  fail_unless (rb_deletions_unlink (d, "worker", gone, on_done, &done_calls));
  fail_unless_equals_int (rb_deletions_get_pending (d), 0);
  fail_unless_equals_uint64 (rb_deletions_get_deferred (d), 0);
  fail_unless_equals_int (done_calls, 0);
  fail_unless_equals_int (warnings + messages, 0);
}

GST_END_TEST;

/* Cannot be deleted: logged once, tried again with back-off (1, 2, 4, 8,
 * 8 s), quietly; deleted once it can be: logged once (the end of the
 * episode), @done called once, forgotten. */
GST_START_TEST (test_retried_with_backoff)
{
  g_autoptr (RbDeletions) d = rb_deletions_new (1000, 8000);
  g_autofree gchar *f = g_build_filename (tmp, "seg.mkv", NULL);
  gint64 t;
  gint64 waits[] = { 1, 2, 4, 8, 8, 8 };

  done_calls = 0;
  make_undeletable (f);
  fail_if (rb_deletions_unlink (d, "worker", f, on_done, &done_calls));
  fail_unless_equals_int (errno, EISDIR);
  /* its first retry is due at most 1 s from now */
  t = g_get_monotonic_time ();
  fail_unless_equals_int (warnings, 1);
  fail_unless (strstr (logged->str, "worker: cannot delete ") != NULL);
  fail_unless (strstr (logged->str, f) != NULL);
  fail_unless (rb_deletions_contains (d, f));
  fail_unless_equals_int (rb_deletions_get_pending (d), 1);
  fail_unless_equals_uint64 (rb_deletions_get_deferred (d), 1);
  /* handed over again (e.g. by a rescan): not twice, not logged again */
  fail_if (rb_deletions_unlink (d, "retention", f, on_done, &done_calls));
  fail_unless_equals_int (rb_deletions_get_pending (d), 1);
  fail_unless_equals_int (warnings, 1);

  for (guint i = 0; i < G_N_ELEMENTS (waits); i++) {
    /* not before its time */
    fail_unless_equals_int (rb_deletions_run (d, t + waits[i] * S - S / 10), 0);
    t += waits[i] * S;
    fail_unless_equals_int (rb_deletions_run (d, t), 0);
    fail_unless (g_file_test (f, G_FILE_TEST_IS_DIR), "tried too early");
  }
  fail_unless_equals_int (warnings, 1);
  fail_unless_equals_int (messages, 0);

  /* deletable now, but the next try is 8 s (the cap) after the last: a
   * back-off that did not double, or was not capped, fails here */
  make_deletable (f);
  fail_unless_equals_int (rb_deletions_run (d, t + 8 * S - 1), 0);
  fail_unless (g_file_test (f, G_FILE_TEST_EXISTS), "tried too early");
  fail_unless_equals_int (rb_deletions_run (d, t + 8 * S), 1);
  fail_if (g_file_test (f, G_FILE_TEST_EXISTS));
  fail_unless_equals_int (done_calls, 1);
  fail_unless_equals_string (done_path, f);
  fail_unless_equals_int (messages, 1);
  fail_unless (strstr (logged->str, "worker: deleting works again: the 1 "
          "files") != NULL, "%s", logged->str);
  fail_unless_equals_int (rb_deletions_get_pending (d), 0);
  fail_unless_equals_int (rb_deletions_run (d, t + 100 * S), 0);
  fail_unless_equals_int (done_calls, 1);
  fail_unless_equals_int (warnings, 1);
  g_clear_pointer (&done_path, g_free);
}

GST_END_TEST;

/* Gone by other means meanwhile: done as well. Two files: each on its
 * own back-off; one episode: the second failure is not logged, the end
 * is, when both are gone. A new failure starts a new episode. */
GST_START_TEST (test_gone_meanwhile)
{
  g_autoptr (RbDeletions) d = rb_deletions_new (1000, 60000);
  g_autofree gchar *a = g_build_filename (tmp, "a.mkv", NULL);
  g_autofree gchar *b = g_build_filename (tmp, "b.mkv", NULL);
  g_autofree gchar *inside = g_build_filename (a, "x", NULL);
  gint64 t = g_get_monotonic_time ();

  done_calls = 0;
  make_undeletable (a);
  fail_if (rb_deletions_unlink (d, "retention", a, on_done, &done_calls));
  make_undeletable (b);
  fail_if (rb_deletions_unlink (d, "retention", b, NULL, NULL));
  fail_unless_equals_int (warnings, 1);
  fail_unless_equals_int (rb_deletions_get_pending (d), 2);
  g_unlink (inside);
  g_rmdir (a);
  fail_unless_equals_int (rb_deletions_run (d, t + 2 * S), 1);
  fail_unless_equals_int (done_calls, 1);
  fail_unless_equals_int (rb_deletions_get_pending (d), 1);
  fail_unless (rb_deletions_contains (d, b));
  fail_unless_equals_int (messages, 0);
  make_deletable (b);
  fail_unless_equals_int (rb_deletions_run (d, t + 100 * S), 1);
  fail_unless_equals_int (messages, 1);
  fail_unless (strstr (logged->str, "retention: deleting works again: the "
          "2 files") != NULL, "%s", logged->str);
  fail_unless (strstr (logged->str, a) != NULL);

  make_undeletable (b);
  fail_if (rb_deletions_unlink (d, "worker", b, NULL, NULL));
  fail_unless_equals_int (warnings, 2);
}

GST_END_TEST;

/* A file waiting to be deleted is written again (a worker's retry reuses
 * its output's name): it is left alone. */
GST_START_TEST (test_cancel)
{
  g_autoptr (RbDeletions) d = rb_deletions_new (1000, 8000);
  g_autofree gchar *f = g_build_filename (tmp, "seg.mkv.partial", NULL);

  make_undeletable (f);
  fail_if (rb_deletions_unlink (d, "worker", f, NULL, NULL));
  fail_unless (rb_deletions_cancel (d, f));
  fail_if (rb_deletions_cancel (d, f));
  make_deletable (f);
  fail_unless_equals_int (rb_deletions_run (d, G_MAXINT64), 0);
  fail_unless (g_file_test (f, G_FILE_TEST_EXISTS));
  fail_unless_equals_int (rb_deletions_get_pending (d), 0);
}

GST_END_TEST;

/* Worker threads hand files over while the main loop retries. */
#define PER_THREAD 50

static gpointer
hand_over (gpointer data)
{
  RbDeletions *d = data;

  for (guint i = 0; i < PER_THREAD; i++) {
    g_autofree gchar *name = g_strdup_printf ("t%p-%u", g_thread_self (), i);
    g_autofree gchar *p = g_build_filename (tmp, name, NULL);

    make_undeletable (p);
    rb_deletions_unlink (d, "worker", p, on_done, &done_calls);
  }
  return NULL;
}

GST_START_TEST (test_threads)
{
  g_autoptr (RbDeletions) d = rb_deletions_new (1, 1);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'/t*", tmp);
  GThread *threads[4];

  done_calls = 0;
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("hand-over", hand_over, d);
  for (guint i = 0; i < 200; i++)
    rb_deletions_run (d, g_get_monotonic_time ());
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  fail_unless_equals_int (rb_deletions_get_pending (d),
      G_N_ELEMENTS (threads) * PER_THREAD);
  fail_unless_equals_int (warnings, 1);
  fail_unless (system (cmd) == 0);
  fail_unless_equals_int (rb_deletions_run (d, G_MAXINT64),
      G_N_ELEMENTS (threads) * PER_THREAD);
  fail_unless_equals_int (rb_deletions_get_pending (d), 0);
  fail_unless_equals_int (done_calls, G_N_ELEMENTS (threads) * PER_THREAD);
  g_clear_pointer (&done_path, g_free);
}

GST_END_TEST;

static Suite *
deletions_suite (void)
{
  Suite *s = suite_create ("deletions");
  TCase *tc = tcase_create ("general");

  g_log_set_handler (RB_LOG_DOMAIN, G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
      G_LOG_FLAG_RECURSION, count_log, NULL);
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_deleted_at_once);
  tcase_add_test (tc, test_retried_with_backoff);
  tcase_add_test (tc, test_gone_meanwhile);
  tcase_add_test (tc, test_cancel);
  tcase_add_test (tc, test_threads);
  return s;
}

GST_CHECK_MAIN (deletions);
