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

/* The disk budget and retention (daemon/storage/rb-retention.c) on real files
 * and a real queue. */

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-config.h"
#include "rb-journal.h"
#include "rb-retention.h"
#include "rb-deletions.h"

static gchar *state;

static void
setup (void)
{
  state = g_dir_make_tmp ("retention-test-XXXXXX", NULL);
  fail_unless (state != NULL);
}

static void
rm_rf (const gchar * path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree gchar *p = g_build_filename (path, name, NULL);

    rm_rf (p);
  }
  if (d != NULL)
    g_dir_close (d);
  g_remove (path);
}

static void
teardown (void)
{
  rm_rf (state);
  g_clear_pointer (&state, g_free);
}

static RbConfig *
config (const gchar * extra)
{
  g_autofree gchar *text = g_strdup_printf ("[rtsp-blur]\nstate-dir=%s\n%s"
      "[camera:cam]\nurl=rtsp://h/x\n[network:A]\naddress=127.0.0.1\n"
      "auth=none\n",
      state, extra);
  GError *err = NULL;
  RbConfig *c = rb_config_load_from_data (text, -1, "t.conf", NULL, &err);

  fail_unless (c != NULL, "%s", err ? err->message : "");
  return c;
}

/* A segment file recorded @minutes_ago, of @kb KiB, in raw/ or
 * anonymized/; raw ones are queued (pending). */
static gchar *
segment (RbJournal * j, const gchar * kind, gint minutes_ago, guint kb)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) t = g_date_time_add_minutes (now, -minutes_ago);
  g_autofree gchar *stamp = g_date_time_format (t, "%Y%m%dT%H%M%S.000000Z");
  g_autofree gchar *dir = g_build_filename (state, kind, "cam", NULL);
  g_autofree gchar *name = g_strdup_printf ("cam-%s-0.mkv", stamp);
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *data = g_malloc0 (kb * 1024);

  g_mkdir_with_parents (dir, 0755);
  fail_unless (g_file_set_contents (path, data, kb * 1024, NULL));
  g_free (data);
  if (g_str_equal (kind, "raw"))
    fail_unless (rb_journal_enqueue (j, path, "cam", 60 * GST_SECOND, NULL,
            NULL));
  return path;
}

static RbJournal *
journal (void)
{
  g_autofree gchar *q = g_build_filename (state, "queue", NULL);

  return rb_journal_open (q, NULL);
}

GST_START_TEST (test_budget_oldest_first_raw_first)
{
  g_autoptr (RbConfig) c = config ("max-disk-usage=250K\n");
  RbJournal *j = journal ();
  RbSegmentQueue *q = rb_segment_queue_new_journal (j);
  gchar *old_anon = segment (j, "anonymized", 30, 100);
  gchar *old_raw = segment (j, "raw", 30, 100);
  gchar *new_raw = segment (j, "raw", 10, 100);
  g_autofree gchar *old_sidecar = g_strconcat (old_raw, ".detections", NULL);
  g_autofree gchar *new_sidecar = g_strconcat (new_raw, ".detections", NULL);
  RbRetention *r;
  RbDiskUsage u;
  RbJournalItemState st;
  g_autoptr (RbJournalItem) item = NULL;

  /* the detections sidecars beside the raw segments */
  fail_unless (g_file_set_contents (old_sidecar, "x", 1, NULL));
  fail_unless (g_file_set_contents (new_sidecar, "x", 1, NULL));
  r = rb_retention_new (c, q);

  rb_retention_get_usage (r, &u);
  fail_unless_equals_uint64 (u.raw_bytes + u.anonymized_bytes, 300 * 1024);
  fail_unless_equals_uint64 (u.budget_bytes, 250 * 1024);
  /* over by 50 K: the oldest goes, raw before anonymized of its time */
  assert_equals_int (rb_retention_run (r), 1);
  fail_if (g_file_test (old_raw, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (old_anon, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (new_raw, G_FILE_TEST_EXISTS));
  /* the sidecar goes with its segment, not counted as one */
  fail_if (g_file_test (old_sidecar, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (new_sidecar, G_FILE_TEST_EXISTS));
  item = rb_journal_lookup (j, old_raw, &st);
  fail_unless (item != NULL);
  assert_equals_int (st, RB_JOURNAL_ITEM_EVICTED);
  rb_retention_get_usage (r, &u);
  fail_unless_equals_uint64 (u.evicted, 1);
  fail_unless (u.raw_bytes + u.anonymized_bytes <= 250 * 1024);
  /* within the budget: nothing more */
  assert_equals_int (rb_retention_run (r), 0);

  rb_retention_free (r);
  rb_segment_queue_free (q);
  rb_journal_free (j);
  g_free (old_anon);
  g_free (old_raw);
  g_free (new_raw);
}

GST_END_TEST;

/* Room for the segment being recorded is kept: the size of the last raw
 * segment added. Within the budget alone, a full segment on disk and the
 * next one being written took more than the budget plus one segment. */
GST_START_TEST (test_budget_keeps_room_for_next)
{
  g_autoptr (RbConfig) c = config ("max-disk-usage=250K\n");
  RbJournal *j = journal ();
  RbSegmentQueue *q = rb_segment_queue_new_journal (j);
  gchar *old_raw = segment (j, "raw", 30, 100);
  gchar *new_raw = segment (j, "raw", 10, 100);
  RbRetention *r = rb_retention_new (c, q);

  /* 200 K of 250 K */
  assert_equals_int (rb_retention_run (r), 0);
  /* a 100 K segment is added: the next needs about as much */
  rb_retention_add (r, new_raw);
  assert_equals_int (rb_retention_run (r), 1);
  fail_if (g_file_test (old_raw, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (new_raw, G_FILE_TEST_EXISTS));

  rb_retention_free (r);
  rb_segment_queue_free (q);
  rb_journal_free (j);
  g_free (old_raw);
  g_free (new_raw);
}

GST_END_TEST;

/* A raw segment a worker is processing is never evicted; the next one is. */
GST_START_TEST (test_claimed_skipped)
{
  g_autoptr (RbConfig) c = config ("max-disk-usage=150K\n");
  RbJournal *j = journal ();
  RbSegmentQueue *q = rb_segment_queue_new_journal (j);
  gchar *busy = segment (j, "raw", 30, 100);
  gchar *next = segment (j, "raw", 20, 100);
  g_autoptr (RbJournalItem) claimed = rb_journal_claim (j, 60, NULL);
  RbRetention *r = rb_retention_new (c, q);

  fail_unless (claimed != NULL);
  fail_unless_equals_string (claimed->location, busy);
  assert_equals_int (rb_retention_run (r), 1);
  fail_unless (g_file_test (busy, G_FILE_TEST_EXISTS));
  fail_if (g_file_test (next, G_FILE_TEST_EXISTS));
  rb_retention_free (r);
  rb_segment_queue_free (q);
  rb_journal_free (j);
  g_free (busy);
  g_free (next);
}

GST_END_TEST;

GST_START_TEST (test_retention_by_age)
{
  g_autoptr (RbConfig) c = config ("retention-raw=1h\n"
      "retention-anonymized=2h\n");
  RbJournal *j = journal ();
  RbSegmentQueue *q = rb_segment_queue_new_journal (j);
  gchar *raw_old = segment (j, "raw", 90, 10);
  gchar *raw_new = segment (j, "raw", 30, 10);
  gchar *anon_old = segment (j, "anonymized", 150, 10);
  gchar *anon_mid = segment (j, "anonymized", 90, 10);
  RbRetention *r = rb_retention_new (c, q);

  assert_equals_int (rb_retention_run (r), 2);
  fail_if (g_file_test (raw_old, G_FILE_TEST_EXISTS));
  fail_if (g_file_test (anon_old, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (raw_new, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (anon_mid, G_FILE_TEST_EXISTS));
  assert_equals_int (rb_journal_count (j, RB_JOURNAL_ITEM_EVICTED), 1);
  rb_retention_free (r);
  rb_segment_queue_free (q);
  rb_journal_free (j);
  g_free (raw_old);
  g_free (raw_new);
  g_free (anon_old);
  g_free (anon_mid);
}

GST_END_TEST;

/* Files added and removed after the scan are counted; a raw file that the
 * queue does not know (being recorded) is never evicted. */
GST_START_TEST (test_index_updates)
{
  g_autoptr (RbConfig) c = config ("max-disk-usage=100K\n");
  RbJournal *j = journal ();
  RbSegmentQueue *q = rb_segment_queue_new_journal (j);
  RbRetention *r = rb_retention_new (c, q);
  g_autofree gchar *dir = g_build_filename (state, "raw", "cam", NULL);
  g_autofree gchar *open_file = g_build_filename (dir,
      "cam-20200101T000000.000000Z-0.mkv", NULL);
  gchar *a, *data = g_malloc0 (80 * 1024);
  RbDiskUsage u;

  g_mkdir_with_parents (dir, 0755);
  fail_unless (g_file_set_contents (open_file, data, 80 * 1024, NULL));
  rb_retention_add (r, open_file);
  a = segment (j, "anonymized", 5, 80);
  rb_retention_add (r, a);
  rb_retention_get_usage (r, &u);
  fail_unless_equals_uint64 (u.raw_bytes, 80 * 1024);
  fail_unless_equals_uint64 (u.anonymized_bytes, 80 * 1024);
  /* over budget: the unqueued raw file is older, but stays */
  assert_equals_int (rb_retention_run (r), 1);
  fail_unless (g_file_test (open_file, G_FILE_TEST_EXISTS));
  fail_if (g_file_test (a, G_FILE_TEST_EXISTS));
  rb_retention_remove (r, open_file);
  rb_retention_get_usage (r, &u);
  fail_unless_equals_uint64 (u.raw_bytes + u.anonymized_bytes, 0);
  rb_retention_free (r);
  rb_segment_queue_free (q);
  rb_journal_free (j);
  g_free (a);
  g_free (data);
}

GST_END_TEST;

static guint warnings;

/* Counts warnings (in place of gstcheck's handler, which fails a test on
 * any). */
static void
count_warnings (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  if (level & G_LOG_LEVEL_WARNING)
    warnings++;
}

/* An evicted segment that cannot be deleted (root ignores
 * permission bits: a non-empty directory is put in its place) is handed to
 * RbDeletions, logged once, skipped by the next runs (not logged again),
 * and leaves the index, counted as evicted, once it is deleted (not at
 * the next restart). */
GST_START_TEST (test_undeletable_retried)
{
  g_autoptr (RbConfig) c = config ("retention-raw=1h\n");
  g_autoptr (RbDeletions) d = rb_deletions_new (1000, 4000);
  RbJournal *j = journal ();
  RbSegmentQueue *q = rb_segment_queue_new_journal (j);
  gchar *old = segment (j, "raw", 90, 10);
  g_autofree gchar *inside = g_build_filename (old, "x", NULL);
  RbRetention *r;
  RbDiskUsage u;
  guint handler;

  handler = g_log_set_handler (RB_LOG_DOMAIN, G_LOG_LEVEL_WARNING, count_warnings,
      NULL);
  warnings = 0;
  r = rb_retention_new (c, q);
  rb_retention_set_deletions (r, d);
  /* indexed as a file, then it cannot be deleted */
  fail_unless (g_unlink (old) == 0);
  fail_unless (g_mkdir (old, 0700) == 0);
  fail_unless (g_file_set_contents (inside, "x", 1, NULL));

  assert_equals_int (rb_retention_run (r), 0);
  fail_unless_equals_int (warnings, 1);
  fail_unless (rb_deletions_contains (d, old));
  for (guint i = 0; i < 5; i++)
    assert_equals_int (rb_retention_run (r), 0);
  fail_unless_equals_int (warnings, 1);
  rb_retention_get_usage (r, &u);
  fail_unless_equals_int (u.raw_segments, 1);
  fail_unless_equals_uint64 (u.evicted, 0);

  /* deletable again: gone at the next retry, out of the index */
  fail_unless (g_unlink (inside) == 0);
  fail_unless (g_rmdir (old) == 0);
  fail_unless (g_file_set_contents (old, "y", 1, NULL));
  assert_equals_int (rb_deletions_run (d, G_MAXINT64), 1);
  fail_if (g_file_test (old, G_FILE_TEST_EXISTS));
  rb_retention_get_usage (r, &u);
  fail_unless_equals_int (u.raw_segments, 0);
  fail_unless_equals_uint64 (u.evicted, 1);
  fail_unless_equals_int (warnings, 1);

  g_log_remove_handler (RB_LOG_DOMAIN, handler);
  rb_retention_free (r);
  rb_segment_queue_free (q);
  rb_journal_free (j);
  g_free (old);
}

GST_END_TEST;

static Suite *
retention_suite (void)
{
  Suite *s = suite_create ("retention");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_budget_oldest_first_raw_first);
  tcase_add_test (tc, test_budget_keeps_room_for_next);
  tcase_add_test (tc, test_claimed_skipped);
  tcase_add_test (tc, test_retention_by_age);
  tcase_add_test (tc, test_index_updates);
  tcase_add_test (tc, test_undeletable_retried);
  return s;
}

GST_CHECK_MAIN (retention);
