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

#include "rb-test-pg.h"
#include "rb-db-migrate.h"

#include <unistd.h>

gchar *
rb_test_pg_new_database (void)
{
  static gint counter = 0;
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) admin = rb_db_connect ("dbname=postgres", NULL, &err);
  g_autofree gchar *name = NULL, *sql = NULL;

  g_assert_no_error (err);
  name = g_strdup_printf ("t%d_%d", (int) getpid (),
      g_atomic_int_add (&counter, 1));
  sql = g_strdup_printf ("CREATE DATABASE %s TEMPLATE template0", name);
  rb_test_pg_exec (admin, sql);
  return g_strdup_printf ("dbname=%s", name);
}

RbDb *
rb_test_pg_connect (const gchar * conninfo)
{
  g_autoptr (GError) err = NULL;
  RbDb *db = rb_db_connect (conninfo, NULL, &err);

  g_assert_no_error (err);
  g_assert_nonnull (db);
  return db;
}

RbDb *
rb_test_pg_new_migrated (gchar ** out_conninfo)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = rb_test_pg_new_database ();
  RbDb *db = rb_test_pg_connect (conninfo);

  g_assert_true (rb_db_migrate (db, NULL, NULL, &err));
  g_assert_no_error (err);
  if (out_conninfo)
    *out_conninfo = g_steal_pointer (&conninfo);
  return db;
}

void
rb_test_pg_exec (RbDb * db, const gchar * sql)
{
  g_autoptr (GError) err = NULL;

  rb_db_exec (db, sql, &err);
  g_assert_no_error (err);
}

gint64
rb_test_pg_int (RbDb * db, const gchar * sql)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (PGresult) res = rb_db_query (db, sql, 0, NULL, &err);

  g_assert_no_error (err);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return rb_db_get_int64 (res, 0, 0, -1);
}

static void
pg_ctl (const gchar * action)
{
  const gchar *pg_ctl = g_getenv ("RB_TEST_PGCTL");
  const gchar *data = g_getenv ("RB_TEST_PGDATA");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) err = NULL;
  g_autofree gchar *out = NULL, *errout = NULL, *log = NULL;
  gint status = 0;

  g_assert_nonnull (pg_ctl);
  g_assert_nonnull (data);
  log = g_build_filename (data, "..", "server.log", NULL);
  if (getuid () == 0) {
    g_ptr_array_add (argv, (gpointer) "runuser");
    g_ptr_array_add (argv, (gpointer) "-u");
    g_ptr_array_add (argv, (gpointer) "postgres");
    g_ptr_array_add (argv, (gpointer) "--");
  }
  g_ptr_array_add (argv, (gpointer) "timeout");
  g_ptr_array_add (argv, (gpointer) "60");
  g_ptr_array_add (argv, (gpointer) pg_ctl);
  g_ptr_array_add (argv, (gpointer) "-D");
  g_ptr_array_add (argv, (gpointer) data);
  g_ptr_array_add (argv, (gpointer) "-w");
  if (g_str_equal (action, "stop")) {
    g_ptr_array_add (argv, (gpointer) "-m");
    g_ptr_array_add (argv, (gpointer) "immediate");
  } else {
    g_ptr_array_add (argv, (gpointer) "-l");
    g_ptr_array_add (argv, log);
  }
  g_ptr_array_add (argv, (gpointer) action);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
      G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out,
      &errout, &status, &err);
  g_assert_no_error (err);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("pg_ctl %s failed: %s%s", action, out, errout);
}

void
rb_test_pg_stop_server (void)
{
  pg_ctl ("stop");
}

void
rb_test_pg_start_server (void)
{
  pg_ctl ("start");
}
