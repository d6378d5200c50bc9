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

/* Tests of lib/rb-durable: durable writes, renames and their errors; a
 * writer killed with SIGKILL in a loop of replacements leaves the old or
 * the new content, never a mix or a temporary file under the real name. */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rb-durable.h"

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("durable-test-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
}

static void
rm_rf (const gchar * path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (d != NULL) {
    while ((name = g_dir_read_name (d)) != NULL) {
      g_autofree gchar *p = g_build_filename (path, name, NULL);

      rm_rf (p);
    }
    g_dir_close (d);
  }
  g_remove (path);
}

static void
teardown (void)
{
  rm_rf (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static guint
count_entries (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  fail_unless (d != NULL);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

GST_START_TEST (test_write_and_replace)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "state.txt", NULL);
  g_autofree gchar *contents = NULL;
  GError *err = NULL;

  fail_unless (rb_durable_write (path, NULL, "first", 5, &err));
  fail_unless (err == NULL);
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  assert_equals_string (contents, "first");
  g_clear_pointer (&contents, g_free);

  fail_unless (rb_durable_write (path, NULL, "second and longer", 17, &err));
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  assert_equals_string (contents, "second and longer");
  /* no temporary file is left beside it */
  assert_equals_int (count_entries (tmpdir), 1);
}

GST_END_TEST;

GST_START_TEST (test_write_new_and_rename)
{
  g_autofree gchar *sub = g_build_filename (tmpdir, "sub", NULL);
  g_autofree gchar *created = NULL;
  g_autofree gchar *dest = g_build_filename (sub, "moved", NULL);
  GError *err = NULL;

  g_mkdir (sub, 0755);
  created = rb_durable_write_new (tmpdir, "new", "abc", 3, &err);
  fail_unless (created != NULL && err == NULL);
  /* it refuses to replace */
  fail_unless (rb_durable_write_new (tmpdir, "new", "x", 1, &err) == NULL);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_EXISTS));
  fail_unless (strstr (err->message, created) != NULL, "%s", err->message);
  g_clear_error (&err);

  fail_unless (rb_durable_rename (created, dest, &err));
  fail_unless (g_file_test (dest, G_FILE_TEST_IS_REGULAR));
  fail_if (g_file_test (created, G_FILE_TEST_EXISTS));

  /* renaming what is not there names the file */
  fail_if (rb_durable_rename (created, dest, &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  fail_unless (strstr (err->message, created) != NULL, "%s", err->message);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_errors_name_the_file)
{
  g_autofree gchar *missing = g_build_filename (tmpdir, "no", "such", NULL);
  g_autofree gchar *ro = g_build_filename (tmpdir, "ro", NULL);
  g_autofree gchar *in_ro = g_build_filename (ro, "file", NULL);
  GError *err = NULL;

  fail_if (rb_durable_fsync (missing, &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  fail_unless (strstr (err->message, missing) != NULL, "%s", err->message);
  g_clear_error (&err);

  fail_if (rb_durable_write (missing, NULL, "x", 1, &err));
  fail_unless (err != NULL && err->domain == G_IO_ERROR);
  g_clear_error (&err);

  /* a directory we may not write to (root may write anyway: then the
   * write must succeed and leave exactly one file) */
  g_mkdir (ro, 0555);
  if (rb_durable_write (in_ro, NULL, "x", 1, &err)) {
    fail_unless (getuid () == 0);
    assert_equals_int (count_entries (ro), 1);
  } else {
    fail_unless (g_error_matches (err, G_IO_ERROR,
            G_IO_ERROR_PERMISSION_DENIED), "%s", err->message);
    assert_equals_int (count_entries (ro), 0);
    g_clear_error (&err);
  }
  g_chmod (ro, 0755);
}

GST_END_TEST;

/* A child replaces the file in a loop with "A...A" or "B...B" (64 KiB) and
 * is killed at a random moment; the file must hold one of the two whole. */
GST_START_TEST (test_kill_during_replace)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "value", NULL);
  gsize size = 64 * 1024;

  for (guint round = 0; round < 10; round++) {
    pid_t pid;
    int status, ready[2];
    g_autofree gchar *contents = NULL;
    gsize len;
    gchar byte;

    /* the child says when its first write is done: killed before it, it
     * would leave no file at all (slow disks, the sanitizer build) */
    fail_unless (pipe (ready) == 0);
    pid = fork ();
    fail_unless (pid >= 0);
    if (pid == 0) {
      gchar *a = g_malloc (size), *b = g_malloc (size);

      close (ready[0]);
      memset (a, 'A', size);
      memset (b, 'B', size);
      for (guint i = 0;; i++) {
        if (!rb_durable_write (path, NULL, (i & 1) ? b : a, size, NULL))
          _exit (1);
        if (i == 0 && (write (ready[1], "1", 1) != 1 || close (ready[1])))
          _exit (1);
      }
    }
    close (ready[1]);
    fail_unless (read (ready[0], &byte, 1) == 1);
    close (ready[0]);
    g_usleep (g_random_int_range (20000, 80000));
    kill (pid, SIGKILL);
    waitpid (pid, &status, 0);
    fail_unless (WIFSIGNALED (status));

    fail_unless (g_file_get_contents (path, &contents, &len, NULL));
    assert_equals_uint64 (len, size);
    for (gsize i = 1; i < len; i++)
      fail_unless (contents[i] == contents[0], "mixed content at %"
          G_GSIZE_FORMAT, i);
  }
}

GST_END_TEST;

static Suite *
durable_suite (void)
{
  Suite *s = suite_create ("durable");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_write_and_replace);
  tcase_add_test (tc, test_write_new_and_rename);
  tcase_add_test (tc, test_errors_name_the_file);
  tcase_add_test (tc, test_kill_during_replace);
  return s;
}

GST_CHECK_MAIN (durable);
