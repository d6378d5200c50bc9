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

/* Tests of daemon/cluster/rb-db-migrate: from an empty database, again
 * (nothing to do), a newer schema refused, a failed migration rolled
 * back, several processes migrating at once. Run under with-postgres. */

#include <glib.h>
#include <string.h>

#include "rb-db-migrate.h"
#include "rb-test-pg.h"

static const gchar *tables[] = { "schema_version", "nodes", "node_addresses",
  "camera_leases", "queue_items", "recordings", "chat_messages"
};

static gint
count_tables (RbDb * db)
{
  gint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++) {
    g_autofree gchar *sql = g_strdup_printf ("SELECT (to_regclass('%s') "
        "IS NOT NULL)::int", tables[i]);
    n += rb_test_pg_int (db, sql);
  }
  return n;
}

static void
test_from_empty (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = rb_test_pg_new_database ();
  g_autoptr (RbDb) db = rb_test_pg_connect (conninfo);
  guint from = 99, to = 99, version = 99;

  g_assert_true (rb_db_get_schema_version (db, &version, &err));
  g_assert_cmpuint (version, ==, 0);
  g_assert_false (rb_db_check_schema (db, &version, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_SCHEMA_TOO_OLD);
  g_clear_error (&err);
  g_assert_cmpint (count_tables (db), ==, 0);

  g_assert_true (rb_db_migrate (db, &from, &to, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (from, ==, 0);
  g_assert_cmpuint (to, ==, RB_DB_SCHEMA_VERSION);
  g_assert_cmpint (count_tables (db), ==, G_N_ELEMENTS (tables));
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM "
          "schema_version"), ==, RB_DB_SCHEMA_VERSION);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM schema_version "
          "WHERE applied_by LIKE 'rtsp-blur %'"), ==, RB_DB_SCHEMA_VERSION);
  g_assert_true (rb_db_check_schema (db, &version, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (version, ==, RB_DB_SCHEMA_VERSION);
  /* the session lock is released */
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM pg_locks "
          "WHERE locktype = 'advisory'"), ==, 0);
}

static void
test_rerun_is_noop (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (NULL);
  gint64 applied = rb_test_pg_int (db, "SELECT (extract(epoch FROM "
      "max(applied_at)) * 1e6)::bigint FROM schema_version");
  guint from = 99, to = 99;

  for (guint i = 0; i < 2; i++) {
    g_assert_true (rb_db_migrate (db, &from, &to, &err));
    g_assert_no_error (err);
    g_assert_cmpuint (from, ==, RB_DB_SCHEMA_VERSION);
    g_assert_cmpuint (to, ==, RB_DB_SCHEMA_VERSION);
  }
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM "
          "schema_version"), ==, RB_DB_SCHEMA_VERSION);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT (extract(epoch FROM "
          "max(applied_at)) * 1e6)::bigint FROM schema_version"), ==, applied);
}

static void
test_newer_refused (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (NULL);
  g_autofree gchar *expect = NULL;
  guint from = 0, to = 0;

  rb_test_pg_exec (db, "INSERT INTO schema_version (version, description) "
      "VALUES (99, 'from the future')");
  g_assert_false (rb_db_migrate (db, &from, &to, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_SCHEMA_TOO_NEW);
  expect = g_strdup_printf ("schema version 99 is newer than this "
      "rtsp-blur (%u)", RB_DB_SCHEMA_VERSION);
  g_assert_nonnull (strstr (err->message, expect));
  g_assert_nonnull (strstr (err->message, rb_db_describe (db)));
  g_assert_cmpuint (from, ==, 99);
  g_assert_cmpuint (to, ==, 99);
  g_clear_error (&err);
  g_assert_false (rb_db_check_schema (db, NULL, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_SCHEMA_TOO_NEW);
  g_clear_error (&err);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM "
          "schema_version"), ==, RB_DB_SCHEMA_VERSION + 1);
}

static void
test_newer_untouched (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = rb_test_pg_new_database ();
  g_autoptr (RbDb) db = rb_test_pg_connect (conninfo);

  /* a database made by a future rtsp-blur that has other tables */
  rb_test_pg_exec (db, "CREATE TABLE schema_version (version integer "
      "PRIMARY KEY, description text NOT NULL, applied_at timestamptz "
      "NOT NULL DEFAULT now(), applied_by text)");
  rb_test_pg_exec (db, "INSERT INTO schema_version (version, description) "
      "VALUES (7, 'seven')");
  g_assert_false (rb_db_migrate (db, NULL, NULL, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_SCHEMA_TOO_NEW);
  g_assert_nonnull (strstr (err->message, "schema version 7 is newer"));
  g_assert_cmpint (count_tables (db), ==, 1);
}

static void
test_failed_migration_rolled_back (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = rb_test_pg_new_database ();
  g_autoptr (RbDb) db = rb_test_pg_connect (conninfo);
  guint version = 99;

  /* in the way of migration 1 */
  rb_test_pg_exec (db, "CREATE TABLE recordings (x int)");
  g_assert_false (rb_db_migrate (db, NULL, NULL, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_QUERY);
  g_assert_nonnull (strstr (err->message, "migration to schema version 1"));
  g_assert_nonnull (strstr (err->message, "\"recordings\" already exists"));
  g_clear_error (&err);
  /* nothing of it stayed: neither its tables nor its version */
  g_assert_true (rb_db_get_schema_version (db, &version, &err));
  g_assert_cmpuint (version, ==, 0);
  g_assert_cmpint (count_tables (db), ==, 2);   /* schema_version, ours */
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM pg_locks "
          "WHERE locktype = 'advisory'"), ==, 0);

  /* once the way is clear it goes through */
  rb_test_pg_exec (db, "DROP TABLE recordings");
  g_assert_true (rb_db_migrate (db, NULL, NULL, &err));
  g_assert_no_error (err);
  g_assert_cmpint (count_tables (db), ==, G_N_ELEMENTS (tables));
}

#define N_MIGRATORS 6

typedef struct
{
  const gchar *conninfo;
  gint *ready;
  guint from;
  gboolean ok;
  gchar *error;
} Migrator;

static gpointer
migrate_thread (gpointer data)
{
  Migrator *m = data;
  GError *err = NULL;
  RbDb *db = rb_test_pg_connect (m->conninfo);

  /* start together */
  g_atomic_int_inc (m->ready);
  while (g_atomic_int_get (m->ready) < N_MIGRATORS)
    g_usleep (1000);
  m->ok = rb_db_migrate (db, &m->from, NULL, &err);
  if (err) {
    m->error = g_strdup (err->message);
    g_error_free (err);
  }
  rb_db_free (db);
  return NULL;
}

static void
test_concurrent (void)
{
  g_autofree gchar *conninfo = rb_test_pg_new_database ();
  g_autoptr (RbDb) db = NULL;
  Migrator m[N_MIGRATORS];
  GThread *threads[N_MIGRATORS];
  gint ready = 0;
  guint from_empty = 0;

  for (guint i = 0; i < N_MIGRATORS; i++) {
    memset (&m[i], 0, sizeof m[i]);
    m[i].conninfo = conninfo;
    m[i].ready = &ready;
    threads[i] = g_thread_new ("migrate", migrate_thread, &m[i]);
  }
  for (guint i = 0; i < N_MIGRATORS; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < N_MIGRATORS; i++) {
    g_assert_cmpstr (m[i].error, ==, NULL);
    g_assert_true (m[i].ok);
    if (m[i].from == 0)
      from_empty++;
    else
      g_assert_cmpuint (m[i].from, ==, RB_DB_SCHEMA_VERSION);
  }
  /* exactly one of them did the work */
  g_assert_cmpuint (from_empty, ==, 1);
  db = rb_test_pg_connect (conninfo);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM "
          "schema_version"), ==, RB_DB_SCHEMA_VERSION);
  g_assert_cmpint (count_tables (db), ==, G_N_ELEMENTS (tables));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/migrate/from-empty", test_from_empty);
  g_test_add_func ("/cluster/migrate/rerun-is-noop", test_rerun_is_noop);
  g_test_add_func ("/cluster/migrate/newer-refused", test_newer_refused);
  g_test_add_func ("/cluster/migrate/newer-untouched", test_newer_untouched);
  g_test_add_func ("/cluster/migrate/failed-migration-rolled-back",
      test_failed_migration_rolled_back);
  g_test_add_func ("/cluster/migrate/concurrent", test_concurrent);
  return g_test_run ();
}
