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

/* Tests of daemon/cluster/rb-cluster-retention: the retention rules of
 * RbRetention (age, disk budget, raw before anonymized, a claimed raw
 * segment skipped) over the shared storage, from the catalog, run by one
 * node at a time (the advisory lock moves to another node when its holder
 * goes), each eviction marked in the catalog. Run under with-postgres. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-cluster-queue.h"
#include "rb-cluster-retention.h"
#include "rb-test-pg.h"

#define SECOND_NS G_GUINT64_CONSTANT (1000000000)

typedef struct {
  RbConfig config;
  RbJournal *spool;
  RbClusterQueue *cq;
  RbRetention *retention;
  RbClusterRetention *cr;
} Node;

static void
node_init (Node * n, const gchar * name, const gchar * dir,
    const gchar * conninfo, guint64 budget, guint64 keep_anonymized_s)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *spool = g_strdup_printf ("%s/spool-%s", dir, name);

  n->config.state_dir = (gchar *) dir;
  n->config.cluster = TRUE;
  n->config.cluster_database = (gchar *) conninfo;
  n->config.cluster_node = (gchar *) name;
  n->config.cluster_storage_dir = (gchar *) dir;
  n->config.max_disk_usage_bytes = budget;
  n->config.retention_anonymized_s = keep_anonymized_s;
  n->spool = rb_journal_open (spool, &err);
  g_assert_no_error (err);
  n->cq = rb_cluster_queue_new (&n->config, n->spool);
  n->retention = rb_retention_new (&n->config,
      rb_cluster_queue_get_queue (n->cq));
  n->cr = rb_cluster_retention_new (&n->config, n->retention);
}

static void
node_clear (Node * n)
{
  g_clear_pointer (&n->cr, rb_cluster_retention_free);
  g_clear_pointer (&n->retention, rb_retention_free);
  g_clear_pointer (&n->cq, rb_cluster_queue_free);
  g_clear_pointer (&n->spool, rb_journal_free);
}

/* A file of @bytes bytes at @dir/@kind/cam1/NAME, its catalog row in
 * @state, recorded @age_s ago; returns its path. */
static gchar *
add_segment (RbDb * db, const gchar * dir, const gchar * kind, guint i,
    const gchar * state, guint age_s, gsize bytes)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *sub = g_build_filename (dir, kind, "cam1", NULL);
  g_autofree gchar *name = g_strdup_printf ("cam1-%u.mkv", i);
  g_autofree gchar *data = g_malloc0 (bytes);
  g_autofree gchar *raw = g_strdup_printf ("%s/raw/cam1/cam1-%u.mkv", dir, i);
  g_autofree gchar *sql = NULL;
  gchar *path = g_build_filename (sub, name, NULL);
  gboolean anonymized = g_str_equal (state, "anonymized");

  g_assert_cmpint (g_mkdir_with_parents (sub, 0750), ==, 0);
  g_assert_true (g_file_set_contents (path, data, bytes, &err));
  sql = g_strdup_printf ("INSERT INTO recordings (camera, node, started_at, "
      "ended_at, bytes, state, raw_path, anonymized_path, anonymized_bytes) "
      "VALUES ('cam1', 'n1', now() - interval '%u s', "
      "now() - interval '%u s', %" G_GSIZE_FORMAT ", '%s', '%s', %s%s%s, %s)",
      age_s, age_s > 5 ? age_s - 5 : 0, bytes, state, raw,
      anonymized ? "'" : "", anonymized ? path : "NULL",
      anonymized ? "'" : "", anonymized ? "1000" : "NULL");
  rb_test_pg_exec (db, sql);
  return path;
}

static gint64
evicted_rows (RbDb * db)
{
  return rb_test_pg_int (db, "SELECT count(*) FROM recordings "
      "WHERE state = 'evicted'");
}

/* The budget, from the catalog, on one node only; the lock moves. */
static void
test_budget_one_node (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autofree gchar *dir = g_dir_make_tmp ("rb-cluster-retention-XXXXXX",
      &err);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  Node a = { 0 }, b = { 0 };
  gchar *paths[5];
  guint n;

  /* 5 segments of 1000 bytes, the oldest first; a budget of 2500 */
  for (guint i = 0; i < 4; i++)
    paths[i] = add_segment (db, dir, "anonymized", i, "anonymized",
        100 - i * 10, 1000);
  paths[4] = add_segment (db, dir, "raw", 4, "recorded", 50, 1000);
  node_init (&a, "n1", dir, conninfo, 2500, 0);
  node_init (&b, "n2", dir, conninfo, 2500, 0);

  n = rb_retention_run (a.retention);
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (rb_cluster_retention_is_active (a.cr));
  /* the three oldest went; 2000 bytes are left */
  for (guint i = 0; i < 3; i++)
    g_assert_false (g_file_test (paths[i], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (paths[3], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (paths[4], G_FILE_TEST_EXISTS));
  g_assert_cmpint (evicted_rows (db), ==, 3);

  /* the other node does nothing while the first holds the lock */
  g_free (paths[0]);
  paths[0] = add_segment (db, dir, "anonymized", 10, "anonymized", 200,
      1000);
  g_assert_cmpuint (rb_retention_run (b.retention), ==, 0);
  g_assert_false (rb_cluster_retention_is_active (b.cr));
  g_assert_true (g_file_test (paths[0], G_FILE_TEST_EXISTS));

  /* the first goes: the second takes over (it tries every 5 s) */
  node_clear (&a);
  g_usleep (5100 * 1000);
  g_assert_cmpuint (rb_retention_run (b.retention), ==, 1);
  g_assert_true (rb_cluster_retention_is_active (b.cr));
  g_assert_false (g_file_test (paths[0], G_FILE_TEST_EXISTS));
  g_assert_cmpint (evicted_rows (db), ==, 4);

  node_clear (&b);
  for (guint i = 0; i < 5; i++)
    g_free (paths[i]);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* Age: an anonymized segment older than retention-anonymized goes; a
 * queued raw segment goes through the queue (evicted there too), a
 * claimed one stays. */
static void
test_age_and_queue (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autofree gchar *dir = g_dir_make_tmp ("rb-cluster-retention-XXXXXX",
      &err);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree gchar *old = NULL, *young = NULL, *raw1 = NULL, *raw2 = NULL;
  RbSegmentQueue *q;
  RbJournalItem *claimed;
  Node a = { 0 };

  node_init (&a, "n1", dir, conninfo, 1500, 3600);
  q = rb_cluster_queue_get_queue (a.cq);
  old = add_segment (db, dir, "anonymized", 1, "anonymized", 7200, 100);
  young = add_segment (db, dir, "anonymized", 2, "anonymized", 60, 100);
  g_assert_cmpuint (rb_retention_run (a.retention), ==, 1);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (young, G_FILE_TEST_EXISTS));

  /* two raw segments through the queue, over the budget; one claimed */
  rb_test_pg_exec (db, "DELETE FROM recordings");
  raw1 = g_build_filename (dir, "raw", "cam1", "cam1-20261205T100001."
      "000000Z-1.mkv", NULL);
  raw2 = g_build_filename (dir, "raw", "cam1", "cam1-20261205T100005."
      "000000Z-2.mkv", NULL);
  {
    g_autofree gchar *sub = g_path_get_dirname (raw1);
    g_autofree gchar *data = g_malloc0 (1000);

    g_assert_cmpint (g_mkdir_with_parents (sub, 0750), ==, 0);
    g_assert_true (g_file_set_contents (raw1, data, 1000, &err));
    g_assert_true (g_file_set_contents (raw2, data, 1000, &err));
  }
  g_assert_true (rb_segment_queue_add (q, raw1, "cam1", SECOND_NS, &err));
  g_assert_true (rb_segment_queue_add (q, raw2, "cam1", SECOND_NS, &err));
  g_assert_no_error (err);
  claimed = rb_segment_queue_claim (q, 60, &err);
  g_assert_cmpstr (claimed->location, ==, raw1);
  /* raw1 (oldest) is claimed: skipped; raw2 takes the budget back */
  g_assert_cmpuint (rb_retention_run (a.retention), ==, 1);
  g_assert_true (g_file_test (raw1, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (raw2, G_FILE_TEST_EXISTS));
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM queue_items "
          "WHERE state = 'evicted'"), ==, 1);
  g_assert_cmpint (evicted_rows (db), ==, 1);
  rb_journal_item_free (claimed);
  node_clear (&a);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* keep-raw: an anonymized row's raw segment (its queue item done) counts
 * against the budget, and goes before anonymized segments as young as it;
 * its row stays anonymized, without raw_path, and is not listed again.
 * Without keep-raw it is not counted (the workers deleted it). */
static void
test_keep_raw (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autofree gchar *dir = g_dir_make_tmp ("rb-cluster-retention-XXXXXX",
      &err);
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree gchar *raw_dir = g_build_filename (dir, "raw", "cam1", NULL);
  g_autofree gchar *data = g_malloc0 (1000);
  gchar *anonymized[3], *raw[3];
  RbSegmentQueue *q;
  Node a = { 0 };

  /* 3 anonymized segments of 1000 bytes, each row's raw segment (1000
   * bytes) kept, its queue item done */
  g_assert_cmpint (g_mkdir_with_parents (raw_dir, 0750), ==, 0);
  node_init (&a, "n1", dir, conninfo, 5500, 0);
  q = rb_cluster_queue_get_queue (a.cq);
  for (guint i = 0; i < 3; i++) {
    anonymized[i] = add_segment (db, dir, "anonymized", i, "anonymized",
        100 - i * 10, 1000);
    raw[i] = g_strdup_printf ("%s/cam1-%u.mkv", raw_dir, i);
    g_assert_true (g_file_set_contents (raw[i], data, 1000, &err));
    g_assert_true (rb_segment_queue_add (q, raw[i], "cam1", SECOND_NS,
            &err));
  }
  for (guint i = 0; i < 3; i++) {
    g_autoptr (RbJournalItem) item = rb_segment_queue_claim (q, 60, &err);

    g_assert_nonnull (item);
    g_assert_true (rb_segment_queue_complete (q, item, NULL, &err));
  }
  g_assert_no_error (err);

  /* without keep-raw, 3000 bytes: within 5500 */
  g_assert_cmpuint (rb_retention_run (a.retention), ==, 0);
  node_clear (&a);

  /* with keep-raw, 6000: the oldest raw segment goes, nothing else */
  a.config.keep_raw = TRUE;
  node_init (&a, "n1", dir, conninfo, 5500, 0);
  g_assert_cmpuint (rb_retention_run (a.retention), ==, 1);
  g_assert_false (g_file_test (raw[0], G_FILE_TEST_EXISTS));
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_file_test (anonymized[i], G_FILE_TEST_EXISTS));
  for (guint i = 1; i < 3; i++)
    g_assert_true (g_file_test (raw[i], G_FILE_TEST_EXISTS));
  g_assert_cmpint (evicted_rows (db), ==, 0);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM recordings "
          "WHERE state = 'anonymized' AND raw_path IS NULL"), ==, 1);
  /* 5000 bytes are left, the evicted raw segment counted no more */
  g_assert_cmpuint (rb_retention_run (a.retention), ==, 0);
  node_clear (&a);
  for (guint i = 0; i < 3; i++) {
    g_free (anonymized[i]);
    g_free (raw[i]);
  }
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/retention/budget-one-node",
      test_budget_one_node);
  g_test_add_func ("/cluster/retention/age-and-queue", test_age_and_queue);
  g_test_add_func ("/cluster/retention/keep-raw", test_keep_raw);
  return g_test_run ();
}
