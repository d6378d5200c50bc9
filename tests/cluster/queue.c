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

/* Tests of daemon/cluster/rb-cluster-queue, the node's side of the
 * cluster's segment queue behind the workers' interface (RbSegmentQueue):
 * the spool forwarder (segments move from the local journal into the
 * database once, even when added twice; they wait in the spool while the
 * database is down and are queued once it is back), the catalog row of
 * each segment and its states (recorded, anonymized with the worker's
 * counts, quarantined, evicted), and a lost database reported as
 * UNAVAILABLE rather than an error. Run under with-postgres. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-cluster-queue.h"
#include "rb-pg-journal.h"
#include "rb-test-pg.h"

#define SECOND_NS G_GUINT64_CONSTANT (1000000000)

typedef struct {
  gchar *dir;                   /* the storage and the spool */
  gchar *conninfo;
  RbDb *db;                     /* the test's own connection */
  RbConfig config;
  RbJournal *spool;
  RbClusterQueue *cq;
  gint wakes;                   /* atomic */
} Fixture;

static void
on_wake (gpointer data)
{
  Fixture *f = data;

  g_atomic_int_inc (&f->wakes);
}

static void
fixture_setup (Fixture * f)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *spool = NULL;

  f->dir = g_dir_make_tmp ("rb-cluster-queue-XXXXXX", &err);
  g_assert_no_error (err);
  f->db = rb_test_pg_new_migrated (&f->conninfo);
  f->config.cluster = TRUE;
  f->config.cluster_database = f->conninfo;
  f->config.cluster_node = (gchar *) "node-a";
  f->config.cluster_storage_dir = f->dir;
  spool = g_build_filename (f->dir, "spool", NULL);
  f->spool = rb_journal_open (spool, &err);
  g_assert_no_error (err);
  f->cq = rb_cluster_queue_new (&f->config, f->spool);
}

static void
fixture_teardown (Fixture * f)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  rb_cluster_queue_free (f->cq);
  rb_journal_free (f->spool);
  rb_db_free (f->db);
  g_free (f->conninfo);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

/* A segment file of @bytes bytes named as the recorder names them. */
static gchar *
segment (Fixture * f, const gchar * camera, guint n, gsize bytes)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *dir = g_build_filename (f->dir, "raw", camera, NULL);
  g_autofree gchar *name = g_strdup_printf ("%s-20261205T1000%02u.000000Z-%u"
      ".mkv", camera, n, n);
  g_autofree gchar *data = g_malloc0 (bytes);
  gchar *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0750), ==, 0);
  g_assert_true (g_file_set_contents (path, data, bytes, &err));
  g_assert_no_error (err);
  return path;
}

static void
spool_add (Fixture * f, const gchar * path, const gchar * camera)
{
  g_autoptr (GError) err = NULL;

  g_assert_true (rb_journal_enqueue (f->spool, path, camera, 10 * SECOND_NS,
          NULL, &err));
  g_assert_no_error (err);
}

static gint64
sql_int (Fixture * f, const gchar * sql)
{
  return rb_test_pg_int (f->db, sql);
}

static void
wait_done (RbJournal * spool, guint want, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (rb_journal_count (spool, RB_JOURNAL_ITEM_DONE) != want
      && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_cmpuint (rb_journal_count (spool, RB_JOURNAL_ITEM_DONE), ==, want);
}

#define wait_spool_done(f, want, timeout_s) \
  wait_done ((f)->spool, want, timeout_s)

/* Each spool item reaches the database once, with its catalog row, and
 * leaves the spool only then; the workers are woken. */
static void
test_forward (void)
{
  Fixture f = { 0 };
  g_autofree gchar *a = NULL, *b = NULL;

  fixture_setup (&f);
  a = segment (&f, "cam1", 1, 1000);
  b = segment (&f, "cam2", 2, 2000);
  spool_add (&f, a, "cam1");
  spool_add (&f, b, "cam2");
  rb_cluster_queue_start (f.cq, on_wake, &f);
  wait_spool_done (&f, 2, 20);
  g_assert_cmpuint (rb_journal_count (f.spool, RB_JOURNAL_ITEM_PENDING), ==,
      0);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM queue_items "
          "WHERE state = 'pending'"), ==, 2);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM recordings "
          "WHERE state = 'recorded' AND node = 'node-a'"), ==, 2);
  g_assert_cmpint (sql_int (&f, "SELECT bytes FROM recordings "
          "WHERE camera = 'cam2'"), ==, 2000);
  /* the times: from the name, and its duration */
  g_assert_cmpint (sql_int (&f, "SELECT extract(epoch FROM ended_at - "
              "started_at) FROM recordings WHERE camera = 'cam1'"), ==, 10);
  g_assert_cmpint (sql_int (&f, "SELECT extract(epoch FROM started_at - "
              "'2026-12-05T10:00:01Z'::timestamptz) FROM recordings "
              "WHERE camera = 'cam1'"), ==, 0);
  g_assert_cmpuint (rb_cluster_queue_get_forwarded (f.cq), ==, 2);
  g_assert_cmpint (g_atomic_int_get (&f.wakes), >=, 1);

  /* the same segment from another spool (another node's camera found it
   * after a failover): nothing added */
  {
    g_autoptr (GError) err = NULL;
    g_autofree gchar *dir2 = g_build_filename (f.dir, "spool2", NULL);
    RbJournal *spool2 = rb_journal_open (dir2, &err);
    RbConfig config2 = f.config;
    RbClusterQueue *cq2;

    g_assert_no_error (err);
    config2.cluster_node = (gchar *) "node-b";
    cq2 = rb_cluster_queue_new (&config2, spool2);
    g_assert_true (rb_journal_enqueue (spool2, a, "cam1", 10 * SECOND_NS,
            NULL, &err));
    rb_cluster_queue_start (cq2, NULL, NULL);
    wait_done (spool2, 1, 20);
    rb_cluster_queue_free (cq2);
    rb_journal_free (spool2);
  }
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM queue_items"), ==, 2);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM recordings"), ==, 2);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM recordings "
          "WHERE node = 'node-b'"), ==, 0);
  fixture_teardown (&f);
}

static gint lost_warnings;

/* The loss of the database is a warning, once per connection. */
static gboolean
on_fatal_log (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  if (strstr (message, "cluster queue: ") != NULL
      && strstr (message, "lost the connection") != NULL) {
    g_atomic_int_inc (&lost_warnings);
    return FALSE;
  }
  return TRUE;
}

/* With the database down, segments wait in the spool and the workers'
 * operations say UNAVAILABLE; once it is back they are queued, none lost
 * and none twice. */
static void
test_database_down (void)
{
  Fixture f = { 0 };
  RbSegmentQueue *q;
  g_autoptr (GError) err = NULL;
  g_autoptr (RbJournalItem) item = NULL;
  gchar *paths[4];

  fixture_setup (&f);
  q = rb_cluster_queue_get_queue (f.cq);
  paths[0] = segment (&f, "cam1", 1, 100);
  spool_add (&f, paths[0], "cam1");
  rb_cluster_queue_start (f.cq, on_wake, &f);
  wait_spool_done (&f, 1, 20);
  /* the workers' connection is made */
  item = rb_segment_queue_claim (q, 60, &err);
  g_assert_no_error (err);
  g_assert_nonnull (item);

  g_test_log_set_fatal_handler (on_fatal_log, NULL);
  rb_db_free (f.db);
  f.db = NULL;
  rb_test_pg_stop_server ();
  for (guint i = 1; i < 4; i++) {
    paths[i] = segment (&f, "cam1", i + 1, 100);
    spool_add (&f, paths[i], "cam1");
  }
  rb_cluster_queue_kick (f.cq);
  g_usleep (2 * G_USEC_PER_SEC);
  /* still in the spool */
  g_assert_cmpuint (rb_journal_count (f.spool, RB_JOURNAL_ITEM_DONE), ==, 1);
  g_assert_cmpuint (rb_journal_count (f.spool, RB_JOURNAL_ITEM_PENDING) +
      rb_journal_count (f.spool, RB_JOURNAL_ITEM_CLAIMED), ==, 3);
  /* the workers' answers wait */
  {
    RbSegmentResult result = { "/x.mkv", 7, 0, 0 };

    g_assert_false (rb_segment_queue_complete (q, item, &result, &err));
    g_assert_error (err, RB_SEGMENT_QUEUE_ERROR,
        RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE);
    g_clear_error (&err);
    g_assert_null (rb_segment_queue_claim (q, 60, &err));
    g_assert_error (err, RB_SEGMENT_QUEUE_ERROR,
        RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE);
    g_clear_error (&err);
  }

  rb_test_pg_start_server ();
  f.db = rb_test_pg_connect (f.conninfo);
  wait_spool_done (&f, 4, 30);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM queue_items"), ==, 4);
  g_assert_cmpint (sql_int (&f, "SELECT count(DISTINCT raw_path) FROM "
          "recordings"), ==, 4);
  /* the claim made before the outage is still the worker's: completed
   * once, with its counts */
  {
    RbSegmentResult result = { "/x.mkv", 7, 0, 0 };
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    gboolean ok;

    while (!(ok = rb_segment_queue_complete (q, item, &result, &err))
        && g_error_matches (err, RB_SEGMENT_QUEUE_ERROR,
            RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE)
        && g_get_monotonic_time () < deadline) {
      g_clear_error (&err);
      g_usleep (200 * 1000);
    }
    g_assert_no_error (err);
    g_assert_true (ok);
  }
  g_assert_cmpint (sql_int (&f, "SELECT heads_masked FROM recordings "
          "WHERE state = 'anonymized'"), ==, 7);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM queue_items "
          "WHERE state = 'done'"), ==, 1);
  /* one warning per connection (the forwarder's, the workers'), however
   * long it lasted */
  g_assert_cmpint (g_atomic_int_get (&lost_warnings), >=, 1);
  g_assert_cmpint (g_atomic_int_get (&lost_warnings), <=, 2);
  for (guint i = 0; i < 4; i++)
    g_free (paths[i]);
  fixture_teardown (&f);
}

/* The interface over the database: the catalog follows the queue. */
static void
test_catalog_states (void)
{
  Fixture f = { 0 };
  RbSegmentQueue *q;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *a = NULL, *b = NULL, *c = NULL;
  RbSegmentResult result = { NULL, 42, 3, 5000 };
  RbJournalItem *item;
  RbJournalItemState state;
  guint n = 9;

  fixture_setup (&f);
  q = rb_cluster_queue_get_queue (f.cq);
  a = segment (&f, "cam1", 1, 10);
  b = segment (&f, "cam1", 2, 10);
  c = segment (&f, "cam1", 3, 10);
  g_assert_true (rb_segment_queue_add (q, a, "cam1", 10 * SECOND_NS, &err));
  g_assert_true (rb_segment_queue_add (q, b, "cam1", 10 * SECOND_NS, &err));
  g_assert_true (rb_segment_queue_add (q, c, "cam1", 10 * SECOND_NS, &err));
  /* twice: a no-op */
  g_assert_true (rb_segment_queue_add (q, a, "cam1", 10 * SECOND_NS, &err));
  g_assert_no_error (err);
  g_assert_true (rb_segment_queue_count (q, RB_JOURNAL_ITEM_PENDING, &n,
          &err));
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (rb_segment_queue_contains (q, a));

  item = rb_segment_queue_claim (q, 60, &err);
  g_assert_cmpstr (item->location, ==, a);
  result.anonymized = "/s/anonymized/cam1/a.mkv";
  g_assert_true (rb_segment_queue_complete (q, item, &result, &err));
  /* again: idempotent */
  g_assert_true (rb_segment_queue_complete (q, item, &result, &err));
  g_assert_no_error (err);
  rb_journal_item_free (item);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM recordings WHERE "
          "state = 'anonymized' AND anonymized_path = "
          "'/s/anonymized/cam1/a.mkv' AND heads_masked = 42 "
          "AND overload_frames = 3 AND anonymized_bytes = 5000"), ==, 1);

  item = rb_segment_queue_claim (q, 60, &err);
  g_assert_cmpstr (item->location, ==, b);
  g_assert_true (rb_segment_queue_fail (q, item, "damaged", TRUE, &err));
  g_assert_no_error (err);
  rb_journal_item_free (item);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM recordings WHERE "
          "state = 'quarantined'"), ==, 1);

  g_assert_true (rb_segment_queue_evict (q, c, "too old", &state, &err));
  g_assert_no_error (err);
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_PENDING);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM recordings WHERE "
          "state = 'evicted'"), ==, 1);
  fixture_teardown (&f);
}

/* A failure counted short of the maximum keeps the row recorded; the last
 * one quarantines it. */
static void
test_fail_then_quarantine (void)
{
  Fixture f = { 0 };
  RbSegmentQueue *q;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *a = NULL;

  fixture_setup (&f);
  q = rb_cluster_queue_get_queue (f.cq);
  a = segment (&f, "cam1", 1, 10);
  g_assert_true (rb_segment_queue_add (q, a, "cam1", 10 * SECOND_NS, &err));
  for (guint i = 0; i < RB_JOURNAL_MAX_ATTEMPTS; i++) {
    RbJournalItem *item;

    /* no back-off wait in the test */
    rb_test_pg_exec (f.db, "UPDATE queue_items SET not_before = NULL");
    item = rb_segment_queue_claim (q, 60, &err);
    g_assert_no_error (err);
    g_assert_nonnull (item);
    g_assert_true (rb_segment_queue_fail (q, item, "timeout", FALSE, &err));
    g_assert_no_error (err);
    rb_journal_item_free (item);
    g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM recordings WHERE "
            "state = 'quarantined'"), ==, i + 1 == RB_JOURNAL_MAX_ATTEMPTS);
  }
  fixture_teardown (&f);
}

/* Claims of a dead worker are recovered without waiting for their lease:
 * an earlier process of this node at once, a node that is no longer alive
 * once this node has been connected for a while; a live node's stay. */
static void
test_dead_claims (void)
{
  Fixture f = { 0 };
  RbSegmentQueue *q;
  g_autoptr (GError) err = NULL;
  const gchar *owners[] = { "node-a/1/workers", "node-x/2/workers",
    "node-y/3/workers"
  };
  RbPgJournal *holders[3];
  guint n;

  fixture_setup (&f);
  q = rb_cluster_queue_get_queue (f.cq);
  rb_test_pg_exec (f.db, "INSERT INTO nodes (name, capacity, alive_until) "
      "VALUES ('node-x', 1, now() - interval '1 minute'), "
      "('node-y', 1, now() + interval '1 hour')");
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *path = segment (&f, "cam1", i + 1, 10);
    g_autoptr (RbJournalItem) item = NULL;

    g_assert_true (rb_segment_queue_add (q, path, "cam1", SECOND_NS, &err));
    holders[i] = rb_pg_journal_new (rb_test_pg_connect (f.conninfo),
        owners[i]);
    item = rb_pg_journal_claim (holders[i], 600, &err);
    g_assert_no_error (err);
    g_assert_cmpstr (item->location, ==, path);
  }
  /* this node's earlier process: at once */
  n = rb_segment_queue_recover (q, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM queue_items "
          "WHERE state = 'pending' AND claimed_by = 'node-a/1/workers'"),
      ==, 1);
  /* the dead node's: after the grace */
  g_usleep (11 * G_USEC_PER_SEC);
  n = rb_segment_queue_recover (q, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM queue_items "
          "WHERE state = 'claimed'"), ==, 1);
  g_assert_cmpint (sql_int (&f, "SELECT count(*) FROM queue_items "
          "WHERE state = 'claimed' AND claimed_by = 'node-y/3/workers'"),
      ==, 1);
  for (guint i = 0; i < 3; i++)
    rb_pg_journal_free (holders[i]);
  fixture_teardown (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/queue/forward", test_forward);
  g_test_add_func ("/cluster/queue/catalog-states", test_catalog_states);
  g_test_add_func ("/cluster/queue/fail-then-quarantine",
      test_fail_then_quarantine);
  g_test_add_func ("/cluster/queue/dead-claims", test_dead_claims);
  g_test_add_func ("/cluster/queue/database-down", test_database_down);
  return g_test_run ();
}
