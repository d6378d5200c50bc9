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

/* Unit and crash tests of lib/rb-journal, the durable segment queue
 * (GLib only). */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rb-journal.h"

static gchar *tmpdir = NULL;
static gchar *qdir = NULL;
static gchar *segdir = NULL;

static void
tempdir_setup (void)
{
  tmpdir = g_build_filename (g_get_tmp_dir (), "journal-test-XXXXXX", NULL);
  fail_unless (g_mkdtemp (tmpdir) != NULL);
  qdir = g_build_filename (tmpdir, "queue", NULL);
  segdir = g_build_filename (tmpdir, "segments", NULL);
  fail_unless (g_mkdir (segdir, 0755) == 0);
}

static void
tempdir_cleanup (void)
{
  gchar *argv[] = { (gchar *) "rm", (gchar *) "-rf", tmpdir, NULL };
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, NULL, NULL, NULL, NULL));
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&qdir, g_free);
  g_clear_pointer (&segdir, g_free);
}

static gchar *
make_segment (const gchar * name)
{
  gchar *path = g_build_filename (segdir, name, NULL);
  fail_unless (g_file_set_contents (path, "data", -1, NULL));
  return path;
}

static guint
count_files (const gchar * sub)
{
  gchar *d = g_build_filename (qdir, sub, NULL);
  GDir *dir = g_dir_open (d, 0, NULL);
  guint n = 0;

  fail_unless (dir != NULL);
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  g_free (d);
  return n;
}

static RbJournal *
open_journal (void)
{
  GError *err = NULL;
  RbJournal *j = rb_journal_open (qdir, &err);
  fail_unless (j != NULL, "open failed: %s", err ? err->message : "?");
  return j;
}

static gchar *
enqueue (RbJournal * j, const gchar * name, guint64 duration)
{
  GError *err = NULL;
  gchar *loc = make_segment (name);
  gchar *id = NULL;

  fail_unless (rb_journal_enqueue (j, loc, "cam", duration,
          &id, &err), "enqueue: %s", err ? err->message : "?");
  fail_unless (id != NULL);
  g_free (loc);
  return id;
}

GST_START_TEST (test_round_trip)
{
  RbJournal *j = open_journal ();
  GError *err = NULL;
  RbJournalItem *item;
  gchar *id1, *id2, *id3, *loc1;
  GList *list;

  id1 = enqueue (j, "a.mkv", 1000);
  id2 = enqueue (j, "b.mkv", G_MAXUINT64);
  id3 = enqueue (j, "c.mkv", 3000);
  fail_unless (strcmp (id1, id2) < 0 && strcmp (id2, id3) < 0);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 3);

  loc1 = g_build_filename (segdir, "a.mkv", NULL);
  fail_unless (rb_journal_contains (j, loc1));
  fail_if (rb_journal_enqueue (j, loc1, "cam", 1, NULL, &err));
  fail_unless (g_error_matches (err, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_EXISTS));
  g_clear_error (&err);
  {
    gchar *other = g_build_filename (segdir, "nope.mkv", NULL);
    fail_if (rb_journal_contains (j, other));
    g_free (other);
  }

  list = rb_journal_list (j, RB_JOURNAL_ITEM_PENDING);
  fail_unless_equals_int (g_list_length (list), 3);
  fail_unless_equals_string (((RbJournalItem *) list->data)->id, id1);
  g_list_free_full (list, (GDestroyNotify) rb_journal_item_free);

  /* oldest first, with all fields */
  item = rb_journal_claim (j, 60, &err);
  fail_unless (item != NULL);
  fail_unless_equals_string (item->id, id1);
  fail_unless_equals_string (item->location, loc1);
  fail_unless_equals_string (item->source, "cam");
  fail_unless_equals_uint64 (item->duration, 1000);
  fail_unless_equals_int (item->attempts, 0);
  fail_unless (item->enqueued_us > 0);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_CLAIMED), 1);
  fail_unless (rb_journal_renew (j, item->id, 120, &err));
  fail_unless (rb_journal_complete (j, item->id, &err));
  fail_unless (rb_journal_contains (j, loc1));  /* in done/ */
  /* complete twice: not claimed any more */
  fail_if (rb_journal_complete (j, item->id, &err));
  fail_unless (g_error_matches (err, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_NOT_FOUND));
  g_clear_error (&err);
  rb_journal_item_free (item);

  /* fail: back to pending with attempts + 1; without a retry pause it is
   * still first in line (test_retry_backoff has the pause) */
  rb_journal_set_retry_backoff (j, 0, 0);
  item = rb_journal_claim (j, 60, &err);
  fail_unless_equals_string (item->id, id2);
  fail_unless_equals_uint64 (item->duration, G_MAXUINT64);
  fail_unless (rb_journal_fail (j, item->id, "net down",
          &err));
  rb_journal_item_free (item);
  item = rb_journal_claim (j, 60, &err);
  fail_unless_equals_string (item->id, id2);
  fail_unless_equals_int (item->attempts, 1);
  /* release: pending without counting */
  fail_unless (rb_journal_release (j, item->id, &err));
  rb_journal_item_free (item);
  item = rb_journal_claim (j, 60, &err);
  fail_unless_equals_string (item->id, id2);
  fail_unless_equals_int (item->attempts, 1);
  fail_unless (rb_journal_complete (j, item->id, &err));
  rb_journal_item_free (item);

  item = rb_journal_claim (j, 60, &err);
  fail_unless_equals_string (item->id, id3);
  fail_unless (rb_journal_complete (j, item->id, &err));
  rb_journal_item_free (item);

  /* empty: NULL without error */
  item = rb_journal_claim (j, 60, &err);
  fail_unless (item == NULL);
  fail_unless (err == NULL);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_DONE), 3);
  fail_unless_equals_int (count_files ("tmp"), 0);

  /* renew/release of unknown ids */
  fail_if (rb_journal_renew (j, "nope", 10, &err));
  fail_unless (g_error_matches (err, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_NOT_FOUND));
  g_clear_error (&err);

  g_free (id1);
  g_free (id2);
  g_free (id3);
  g_free (loc1);
  rb_journal_free (j);
}

GST_END_TEST;

GST_START_TEST (test_persistence)
{
  RbJournal *j = open_journal ();
  RbJournalItem *item;
  gchar *id = enqueue (j, "p.mkv", 42);

  rb_journal_free (j);
  j = open_journal ();
  item = rb_journal_claim (j, 60, NULL);
  fail_unless (item != NULL);
  fail_unless_equals_string (item->id, id);
  fail_unless_equals_uint64 (item->duration, 42);
  rb_journal_item_free (item);
  rb_journal_free (j);
  g_free (id);
}

GST_END_TEST;

/* A failed item waits for its retry while the others are claimed; then it
 * comes back. */
GST_START_TEST (test_retry_backoff)
{
  RbJournal *j = open_journal ();
  RbJournalItem *item;
  gchar *bad = enqueue (j, "bad.mkv", 1);
  gchar *good = enqueue (j, "good.mkv", 1);
  gchar *later = NULL;

  rb_journal_set_retry_backoff (j, 1, 4);
  item = rb_journal_claim (j, 60, NULL);
  fail_unless_equals_string (item->id, bad);
  fail_unless (rb_journal_fail (j, item->id, "decoder error", NULL));
  rb_journal_item_free (item);

  /* the next claim takes the other one, not the one that just failed */
  item = rb_journal_claim (j, 60, NULL);
  fail_unless_equals_string (item->id, good);
  fail_unless (rb_journal_complete (j, item->id, NULL));
  rb_journal_item_free (item);
  later = enqueue (j, "later.mkv", 1);
  item = rb_journal_claim (j, 60, NULL);
  fail_unless_equals_string (item->id, later);
  fail_unless (rb_journal_complete (j, item->id, NULL));
  rb_journal_item_free (item);
  fail_unless (rb_journal_claim (j, 60, NULL) == NULL);

  /* the wait is in the item file: another journal sees it too */
  {
    RbJournal *j2 = open_journal ();
    GList *pending = rb_journal_list (j2, RB_JOURNAL_ITEM_PENDING);

    fail_unless_equals_int (g_list_length (pending), 1);
    fail_unless (((RbJournalItem *) pending->data)->not_before_us >
        g_get_real_time ());
    fail_unless_equals_string (((RbJournalItem *) pending->data)->last_failure,
        "decoder error");
    fail_unless (rb_journal_claim (j2, 60, NULL) == NULL);
    g_list_free_full (pending, (GDestroyNotify) rb_journal_item_free);
    rb_journal_free (j2);
  }

  g_usleep (1100 * 1000);
  item = rb_journal_claim (j, 60, NULL);
  fail_unless (item != NULL);
  fail_unless_equals_string (item->id, bad);
  fail_unless_equals_int (item->attempts, 1);
  rb_journal_item_free (item);
  g_free (bad);
  g_free (good);
  g_free (later);
  rb_journal_free (j);
}

GST_END_TEST;

/* quarantine() takes a claimed item out at once, with its reason; evict()
 * moves pending, done or quarantined items, never a claimed one. */
GST_START_TEST (test_quarantine_and_evict)
{
  RbJournal *j = open_journal ();
  RbJournalItem *item;
  RbJournalItemState state;
  gchar *damaged = enqueue (j, "damaged.mkv", 1);
  gchar *old = enqueue (j, "old.mkv", 1);
  gchar *loc_damaged = g_build_filename (segdir, "damaged.mkv", NULL);
  gchar *loc_old = g_build_filename (segdir, "old.mkv", NULL);
  gchar *loc_busy = NULL;
  GError *err = NULL;

  item = rb_journal_claim (j, 60, NULL);
  fail_unless (rb_journal_quarantine (j, item->id, "truncated: 0.8 s of 10 s",
          NULL));
  rb_journal_item_free (item);
  fail_unless_equals_int (rb_journal_count (j, RB_JOURNAL_ITEM_QUARANTINED),
      1);
  item = rb_journal_lookup (j, loc_damaged, &state);
  fail_unless (item != NULL);
  fail_unless_equals_int (state, RB_JOURNAL_ITEM_QUARANTINED);
  fail_unless_equals_string (item->last_failure, "truncated: 0.8 s of 10 s");
  fail_unless_equals_int (item->attempts, 0);
  rb_journal_item_free (item);

  /* evict the pending one and the quarantined one */
  fail_unless (rb_journal_evict (j, loc_old, "retention-raw", &state, &err));
  fail_unless_equals_int (state, RB_JOURNAL_ITEM_PENDING);
  fail_unless (rb_journal_evict (j, loc_damaged, "max-disk-usage", &state,
          &err));
  fail_unless_equals_int (state, RB_JOURNAL_ITEM_QUARANTINED);
  fail_unless_equals_int (rb_journal_count (j, RB_JOURNAL_ITEM_EVICTED), 2);
  fail_unless_equals_int (rb_journal_count (j, RB_JOURNAL_ITEM_PENDING), 0);
  /* evicting twice is fine */
  fail_unless (rb_journal_evict (j, loc_old, "again", &state, &err));
  fail_unless_equals_int (state, RB_JOURNAL_ITEM_EVICTED);

  /* a claimed item is not evicted; an unknown one is not found */
  g_free (enqueue (j, "busy.mkv", 1));
  loc_busy = g_build_filename (segdir, "busy.mkv", NULL);
  item = rb_journal_claim (j, 60, NULL);
  fail_if (rb_journal_evict (j, loc_busy, "x", NULL, &err));
  fail_unless (g_error_matches (err, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_CLAIMED));
  g_clear_error (&err);
  rb_journal_item_free (item);
  fail_if (rb_journal_evict (j, "/nowhere.mkv", "x", NULL, &err));
  fail_unless (g_error_matches (err, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_NOT_FOUND));
  g_clear_error (&err);
  /* still known to contains() */
  fail_unless (rb_journal_contains (j, loc_old));

  g_free (loc_damaged);
  g_free (loc_old);
  g_free (loc_busy);
  g_free (damaged);
  g_free (old);
  rb_journal_free (j);
}

GST_END_TEST;

/* Queues of 0.1 kept quarantined items in failed/: opening moves them. */
GST_START_TEST (test_migrate_failed_dir)
{
  gchar *failed = g_build_filename (qdir, "failed", NULL);
  gchar *file = g_build_filename (failed, "0000000000000001-00000-x.mkv",
      NULL);
  gchar *loc = make_segment ("x.mkv");
  gchar *contents = g_strdup_printf ("[item]\nlocation=%s\nattempts=3\n",
      loc);
  RbJournal *j;

  fail_unless (g_mkdir_with_parents (failed, 0755) == 0);
  fail_unless (g_file_set_contents (file, contents, -1, NULL));
  j = open_journal ();
  fail_unless_equals_int (rb_journal_count (j, RB_JOURNAL_ITEM_QUARANTINED),
      1);
  fail_if (g_file_test (failed, G_FILE_TEST_EXISTS));
  fail_unless (rb_journal_contains (j, loc));
  rb_journal_free (j);
  g_free (failed);
  g_free (file);
  g_free (loc);
  g_free (contents);
}

GST_END_TEST;

GST_START_TEST (test_max_attempts)
{
  RbJournal *j = open_journal ();
  RbJournalItem *item;
  GList *failed;
  gchar *id = enqueue (j, "x.mkv", 1);
  guint i;

  rb_journal_set_max_attempts (j, 2);
  rb_journal_set_retry_backoff (j, 0, 0);
  for (i = 0; i < 2; i++) {
    item = rb_journal_claim (j, 60, NULL);
    fail_unless (item != NULL);
    fail_unless_equals_int (item->attempts, i);
    fail_unless (rb_journal_fail (j, item->id, "HTTP 500",
            NULL));
    rb_journal_item_free (item);
  }
  fail_unless (rb_journal_claim (j, 60, NULL) == NULL);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_QUARANTINED), 1);
  failed = rb_journal_list (j, RB_JOURNAL_ITEM_QUARANTINED);
  fail_unless_equals_string (((RbJournalItem *) failed->data)->id, id);
  fail_unless_equals_int (((RbJournalItem *) failed->data)->attempts, 2);
  g_list_free_full (failed, (GDestroyNotify) rb_journal_item_free);
  {
    gchar *path = g_build_filename (qdir, "quarantine", id, NULL);
    gchar *contents = NULL;
    fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
    fail_unless (strstr (contents, "last-failure=HTTP 500") != NULL);
    g_free (contents);
    g_free (path);
  }
  g_free (id);
  rb_journal_free (j);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GHashTable *seen;
  guint dups;
} ClaimCtx;

static gpointer
claimer (gpointer data)
{
  ClaimCtx *ctx = data;
  /* one journal per thread: no shared mutex, only rename(2) arbitrates */
  RbJournal *j = open_journal ();
  RbJournalItem *item;

  while ((item = rb_journal_claim (j, 60, NULL))) {
    g_mutex_lock (&ctx->lock);
    if (!g_hash_table_add (ctx->seen, g_strdup (item->id)))
      ctx->dups++;
    g_mutex_unlock (&ctx->lock);
    rb_journal_complete (j, item->id, NULL);
    rb_journal_item_free (item);
  }
  rb_journal_free (j);
  return NULL;
}

GST_START_TEST (test_concurrent_claims)
{
  RbJournal *j = open_journal ();
  ClaimCtx ctx;
  GThread *threads[4];
  guint i, n = 120;

  g_mutex_init (&ctx.lock);
  ctx.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ctx.dups = 0;
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("s%03u.mkv", i);
    g_free (enqueue (j, name, i));
    g_free (name);
  }
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("claimer", claimer, &ctx);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  fail_unless_equals_int (ctx.dups, 0);
  fail_unless_equals_int (g_hash_table_size (ctx.seen), n);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_DONE), n);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 0);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_CLAIMED), 0);
  g_hash_table_unref (ctx.seen);
  g_mutex_clear (&ctx.lock);
  rb_journal_free (j);
}

GST_END_TEST;

static gpointer
shared_journal_claimer (gpointer data)
{
  gpointer *args = data;
  RbJournal *j = args[0];
  ClaimCtx *ctx = args[1];
  RbJournalItem *item;

  while ((item = rb_journal_claim (j, 60, NULL))) {
    g_mutex_lock (&ctx->lock);
    if (!g_hash_table_add (ctx->seen, g_strdup (item->id)))
      ctx->dups++;
    g_mutex_unlock (&ctx->lock);
    rb_journal_complete (j, item->id, NULL);
    rb_journal_item_free (item);
  }
  return NULL;
}

GST_START_TEST (test_concurrent_claims_shared_handle)
{
  RbJournal *j = open_journal ();
  ClaimCtx ctx;
  GThread *threads[4];
  gpointer args[2] = { j, &ctx };
  guint i, n = 80;

  g_mutex_init (&ctx.lock);
  ctx.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ctx.dups = 0;
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("t%03u.mkv", i);
    g_free (enqueue (j, name, i));
    g_free (name);
  }
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("claimer", shared_journal_claimer, args);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  fail_unless_equals_int (ctx.dups, 0);
  fail_unless_equals_int (g_hash_table_size (ctx.seen), n);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_DONE), n);
  g_hash_table_unref (ctx.seen);
  g_mutex_clear (&ctx.lock);
  rb_journal_free (j);
}

GST_END_TEST;

GST_START_TEST (test_corrupt_item)
{
  RbJournal *j = open_journal ();
  RbJournalItem *item;
  GLogLevelFlags old = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  gchar *bad = g_build_filename (qdir, "pending", "0000000000000000-00000-bad",
      NULL);
  gchar *noloc = g_build_filename (qdir, "pending",
      "0000000000000001-00000-noloc", NULL);
  gchar *id;

  fail_unless (g_file_set_contents (bad, "\x01garbage\n[[[", -1, NULL));
  fail_unless (g_file_set_contents (noloc, "[item]\nsource=x\n", -1, NULL));
  id = enqueue (j, "good.mkv", 5);
  item = rb_journal_claim (j, 60, NULL);
  fail_unless (item != NULL);
  fail_unless_equals_string (item->id, id);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_QUARANTINED), 2);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 0);
  fail_unless (rb_journal_complete (j, item->id, NULL));
  rb_journal_item_free (item);

  /* and still usable */
  g_free (id);
  id = enqueue (j, "after.mkv", 5);
  item = rb_journal_claim (j, 60, NULL);
  fail_unless_equals_string (item->id, id);
  rb_journal_item_free (item);

  g_log_set_always_fatal (old);
  g_free (id);
  g_free (bad);
  g_free (noloc);
  rb_journal_free (j);
}

GST_END_TEST;

GST_START_TEST (test_open_errors)
{
  GError *err = NULL;
  gchar *file = make_segment ("plainfile");
  gchar *bad = g_build_filename (file, "queue", NULL);
  gchar *rel = g_build_filename (segdir, "rel.mkv", NULL);
  RbJournal *j;

  j = rb_journal_open (bad, &err);
  fail_unless (j == NULL);
  fail_unless (err != NULL && err->domain == G_IO_ERROR, "%s",
      err ? err->message : "no error");
  fail_unless (strstr (err->message, file) != NULL, "%s", err->message);
  g_clear_error (&err);

  j = open_journal ();
  /* relative and missing files are refused */
  fail_if (rb_journal_enqueue (j, "rel.mkv", NULL, 1, NULL,
          &err));
  g_clear_error (&err);
  fail_if (rb_journal_enqueue (j, rel, NULL, 1, NULL, &err));
  fail_unless (strstr (err->message, rel) != NULL, "%s", err->message);
  g_clear_error (&err);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 0);
  rb_journal_free (j);
  g_free (file);
  g_free (bad);
  g_free (rel);
}

GST_END_TEST;

/* ---- crash tests: a forked child exits or is killed (SIGKILL) holding a
 * claim or in the middle of an enqueue; the parent reopens the queue ---- */

static void
wait_child (pid_t pid)
{
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR);
}

GST_START_TEST (test_crash_claim_exit)
{
  RbJournal *j = open_journal ();
  gchar *id = enqueue (j, "c.mkv", 1);
  pid_t pid;

  rb_journal_free (j);
  pid = fork ();
  fail_unless (pid >= 0);
  if (pid == 0) {
    RbJournal *cj = rb_journal_open (qdir, NULL);
    RbJournalItem *item = cj ?
        rb_journal_claim (cj, 3600, NULL) : NULL;
    _exit (item ? 0 : 1);
  }
  wait_child (pid);
  fail_unless_equals_int (count_files ("claimed"), 1);

  j = open_journal ();
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_CLAIMED), 0);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 1);
  {
    RbJournalItem *item = rb_journal_claim (j, 60, NULL);
    fail_unless_equals_string (item->id, id);
    fail_unless_equals_int (item->attempts, 0);
    rb_journal_item_free (item);
  }
  g_free (id);
  rb_journal_free (j);
}

GST_END_TEST;

/* Child claims, tells the parent through a pipe, then waits to be killed. */
static pid_t
spawn_claimer (guint lease_s)
{
  int fds[2];
  pid_t pid;
  char c = 0;

  fail_unless (pipe (fds) == 0);
  pid = fork ();
  fail_unless (pid >= 0);
  if (pid == 0) {
    RbJournal *cj = rb_journal_open (qdir, NULL);
    RbJournalItem *item = cj ?
        rb_journal_claim (cj, lease_s, NULL) : NULL;
    char ok = item ? 'y' : 'n';
    close (fds[0]);
    if (write (fds[1], &ok, 1) != 1)
      _exit (2);
    for (;;)
      pause ();
  }
  close (fds[1]);
  fail_unless (read (fds[0], &c, 1) == 1);
  close (fds[0]);
  fail_unless (c == 'y');
  return pid;
}

GST_START_TEST (test_crash_claim_sigkill)
{
  RbJournal *j = open_journal ();
  gchar *id = enqueue (j, "k.mkv", 1);
  pid_t pid;

  rb_journal_free (j);
  pid = spawn_claimer (3600);
  kill (pid, SIGKILL);
  wait_child (pid);

  j = open_journal ();
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 1);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_CLAIMED), 0);
  g_free (id);
  rb_journal_free (j);
}

GST_END_TEST;

GST_START_TEST (test_live_claim_not_recovered)
{
  RbJournal *j = open_journal ();
  RbJournal *j2;
  GError *err = NULL;
  gchar *id = enqueue (j, "live.mkv", 1);
  pid_t pid;

  pid = spawn_claimer (3600);
  /* reopening and recovering leave the live owner's claim alone */
  j2 = open_journal ();
  fail_unless_equals_int (rb_journal_count (j2,
          RB_JOURNAL_ITEM_CLAIMED), 1);
  fail_unless_equals_int (rb_journal_recover (j2, &err), 0);
  fail_unless (err == NULL);
  fail_unless (rb_journal_claim (j2, 60, NULL) == NULL);
  /* nor can this process complete it */
  fail_if (rb_journal_complete (j2, id, &err));
  fail_unless (g_error_matches (err, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_NOT_FOUND));
  g_clear_error (&err);

  kill (pid, SIGKILL);
  wait_child (pid);
  fail_unless_equals_int (rb_journal_recover (j2, &err), 1);
  fail_unless_equals_int (rb_journal_count (j2,
          RB_JOURNAL_ITEM_PENDING), 1);
  g_free (id);
  rb_journal_free (j2);
  rb_journal_free (j);
}

GST_END_TEST;

GST_START_TEST (test_expired_lease)
{
  RbJournal *j = open_journal ();
  RbJournal *j2;
  RbJournalItem *item;
  GError *err = NULL;
  gchar *id = enqueue (j, "lease.mkv", 1);

  item = rb_journal_claim (j, 1, NULL);
  fail_unless (item != NULL);
  j2 = open_journal ();
  fail_unless_equals_int (rb_journal_count (j2,
          RB_JOURNAL_ITEM_CLAIMED), 1);
  g_usleep (2100 * 1000);
  fail_unless_equals_int (rb_journal_recover (j2, NULL), 1);
  /* the late worker finds out */
  fail_if (rb_journal_complete (j, item->id, &err));
  g_clear_error (&err);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 1);
  rb_journal_item_free (item);
  g_free (id);
  rb_journal_free (j2);
  rb_journal_free (j);
}

GST_END_TEST;

GST_START_TEST (test_ownerless_claim_recovered)
{
  /* a crash between rename(pending → claimed) and the owner rewrite */
  RbJournal *j = open_journal ();
  gchar *id = enqueue (j, "half.mkv", 1);
  gchar *from = g_build_filename (qdir, "pending", id, NULL);
  gchar *to = g_build_filename (qdir, "claimed", id, NULL);

  fail_unless (g_rename (from, to) == 0);
  /* young: might be a claim in progress in another process */
  fail_unless_equals_int (rb_journal_recover (j, NULL), 0);
  g_usleep (6 * G_USEC_PER_SEC);
  fail_unless_equals_int (rb_journal_recover (j, NULL), 1);
  fail_unless (g_file_test (from, G_FILE_TEST_EXISTS));
  fail_unless_equals_int (count_files ("claimed"), 0);
  g_free (from);
  g_free (to);
  g_free (id);
  rb_journal_free (j);
}

GST_END_TEST;

GST_START_TEST (test_crash_during_enqueue)
{
  guint round;

  g_random_set_seed (getpid ());
  for (round = 0; round < 6; round++) {
    RbJournal *j;
    GHashTable *ids;
    RbJournalItem *item;
    guint s, total = 0, claimed = 0, n_files = 0, this_round = 0;
    gchar *prefix = g_strdup_printf ("r%u-", round);
    gint ready[2];
    gchar byte;
    pid_t pid;

    fail_unless (pipe (ready) == 0);
    pid = fork ();
    fail_unless (pid >= 0);
    if (pid == 0) {
      RbJournal *cj = rb_journal_open (qdir, NULL);
      guint i;
      if (!cj)
        _exit (1);
      for (i = 0;; i++) {
        gchar *name = g_strdup_printf ("r%u-%06u.mkv", round, i);
        gchar *loc = g_build_filename (segdir, name, NULL);
        g_file_set_contents (loc, "x", -1, NULL);
        rb_journal_enqueue (cj, loc, "cam", i, NULL, NULL);
        if (i == 0 && write (ready[1], "r", 1) != 1)
          _exit (1);
        g_free (loc);
        g_free (name);
      }
    }
    /* killed at a random moment once it has enqueued one item (a loaded
     * machine may not run the child at all within a fixed delay) */
    close (ready[1]);
    fail_unless (read (ready[0], &byte, 1) == 1, "round %u: the child did "
        "not enqueue", round);
    close (ready[0]);
    g_usleep (g_random_int_range (0, 230) * 1000);
    kill (pid, SIGKILL);
    wait_child (pid);

    j = open_journal ();
    /* every item in exactly one state */
    ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    for (s = RB_JOURNAL_ITEM_PENDING; s <= RB_JOURNAL_ITEM_EVICTED; s++) {
      GList *l, *list = rb_journal_list (j, s);
      fail_unless_equals_int (g_list_length (list),
          rb_journal_count (j, s));
      for (l = list; l; l = l->next) {
        RbJournalItem *it = l->data;
        gchar *base = g_path_get_basename (it->location);
        fail_unless (g_hash_table_add (ids, g_strdup (it->id)));
        if (g_str_has_prefix (base, prefix))
          this_round++;
        g_free (base);
      }
      total += g_list_length (list);
      g_list_free_full (list, (GDestroyNotify) rb_journal_item_free);
    }
    fail_unless_equals_int (rb_journal_count (j,
            RB_JOURNAL_ITEM_QUARANTINED), 0);
    {
      GDir *d = g_dir_open (segdir, 0, NULL);
      const gchar *name;
      while ((name = g_dir_read_name (d)))
        if (g_str_has_prefix (name, prefix))
          n_files++;
      g_dir_close (d);
    }
    /* at most the one being written when killed is missing */
    fail_unless (this_round <= n_files && this_round + 1 >= n_files,
        "round %u: %u items for %u files", round, this_round, n_files);
    fail_unless (this_round > 0, "round %u: nothing enqueued", round);
    fail_unless (total >= this_round);
    g_free (prefix);

    /* still usable: claim everything, the ids are those listed */
    while ((item = rb_journal_claim (j, 60, NULL))) {
      fail_unless (g_hash_table_contains (ids, item->id));
      fail_unless (g_file_test (item->location, G_FILE_TEST_IS_REGULAR));
      fail_unless (rb_journal_complete (j, item->id, NULL));
      rb_journal_item_free (item);
      claimed++;
    }
    fail_unless_equals_int (rb_journal_count (j,
            RB_JOURNAL_ITEM_PENDING), 0);
    g_hash_table_unref (ids);
    rb_journal_free (j);
  }
}

GST_END_TEST;

static Suite *
journal_suite (void)
{
  Suite *s = suite_create ("segmentqueue-journal");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, tempdir_setup, tempdir_cleanup);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_persistence);
  tcase_add_test (tc, test_max_attempts);
  tcase_add_test (tc, test_retry_backoff);
  tcase_add_test (tc, test_quarantine_and_evict);
  tcase_add_test (tc, test_migrate_failed_dir);
  tcase_add_test (tc, test_concurrent_claims);
  tcase_add_test (tc, test_concurrent_claims_shared_handle);
  tcase_add_test (tc, test_corrupt_item);
  tcase_add_test (tc, test_open_errors);
  tcase_add_test (tc, test_crash_claim_exit);
  tcase_add_test (tc, test_crash_claim_sigkill);
  tcase_add_test (tc, test_live_claim_not_recovered);
  tcase_add_test (tc, test_expired_lease);
  tcase_add_test (tc, test_ownerless_claim_recovered);
  tcase_add_test (tc, test_crash_during_enqueue);
  return s;
}

GST_CHECK_MAIN (journal);
