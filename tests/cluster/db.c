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

/* Tests of daemon/cluster/rb-db: connecting with a password file (never
 * shown), errors, LISTEN/NOTIFY on a GMainContext and from a thread, a
 * lost connection. Run under with-postgres. */

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "rb-db.h"
#include "rb-test-pg.h"

#define PASSWORD "S3cret-pw-7f1c"
#define WRONG_PASSWORD "Wr0ng-pw-91ab"
#define INLINE_PASSWORD "Inl1ne-pw-c4d2"

/* every message logged during the tests, to look for passwords in */
static GString *logged = NULL;

static GLogWriterOutput
record_log (GLogLevelFlags level, const GLogField * fields, gsize n_fields,
    gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0) {
      g_string_append (logged, fields[i].value);
      g_string_append_c (logged, '\n');
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gchar *
write_file (const gchar * contents)
{
  g_autoptr (GError) err = NULL;
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("rb-db-test-XXXXXX", &path, &err);

  g_assert_no_error (err);
  close (fd);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

static void
assert_no_password (const gchar * text)
{
  g_assert_null (strstr (text, PASSWORD));
  g_assert_null (strstr (text, WRONG_PASSWORD));
  g_assert_null (strstr (text, INLINE_PASSWORD));
}

static void
test_connect (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) db = rb_db_connect ("", NULL, &err);
  g_autofree gchar *expect = NULL;

  g_assert_no_error (err);
  expect = g_strdup_printf ("database 'postgres' on %s port %s",
      g_getenv ("PGHOST"), g_getenv ("PGPORT"));
  g_assert_cmpstr (rb_db_describe (db), ==, expect);
  /* the defaults this layer adds */
  g_assert_cmpstr (PQparameterStatus (rb_db_get_conn (db),
          "application_name"), ==, "rtsp-blur");
  g_assert_cmpint (rb_test_pg_int (db, "SELECT 6 * 7"), ==, 42);
}

static void
test_password_file (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) admin = rb_test_pg_connect ("");
  g_autofree gchar *good = write_file (PASSWORD "\n");
  g_autofree gchar *wrong = write_file (WRONG_PASSWORD);
  RbDb *db;

  rb_test_pg_exec (admin, "DROP ROLE IF EXISTS rb_password");
  rb_test_pg_exec (admin, "CREATE ROLE rb_password LOGIN PASSWORD '"
      PASSWORD "'");

  /* the right password, its line end stripped */
  db = rb_db_connect ("user=rb_password dbname=postgres", good, &err);
  g_assert_no_error (err);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT 1"), ==, 1);
  assert_no_password (rb_db_describe (db));
  rb_db_free (db);

  /* a wrong one: refused, the message names the database, not the
   * password */
  db = rb_db_connect ("user=rb_password dbname=postgres", wrong, &err);
  g_assert_null (db);
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_CONNECT);
  g_assert_nonnull (strstr (err->message, "database 'postgres' on "));
  g_assert_nonnull (strstr (err->message, g_getenv ("PGHOST")));
  g_assert_nonnull (strstr (err->message, "password authentication failed"));
  assert_no_password (err->message);
  g_clear_error (&err);

  /* none at all */
  db = rb_db_connect ("user=rb_password dbname=postgres", NULL, &err);
  g_assert_null (db);
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_CONNECT);
  g_clear_error (&err);

  g_unlink (good);
  g_unlink (wrong);
  assert_no_password (logged->str);
}

static void
test_password_refused_in_conninfo (void)
{
  const gchar *strings[] = {
    "user=rb dbname=postgres password=" INLINE_PASSWORD,
    "postgresql://rb:" INLINE_PASSWORD "@/postgres",
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (RbDb) db = rb_db_connect (strings[i], NULL, &err);

    g_assert_null (db);
    g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_INVALID);
    g_assert_nonnull (strstr (err->message, "password file"));
    assert_no_password (err->message);
  }
  assert_no_password (logged->str);
}

static void
test_bad_password_file (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *empty = write_file ("\n");
  RbDb *db;

  db = rb_db_connect ("", "/nonexistent/rb-password", &err);
  g_assert_null (db);
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_INVALID);
  g_assert_nonnull (strstr (err->message, "/nonexistent/rb-password"));
  g_clear_error (&err);

  db = rb_db_connect ("", empty, &err);
  g_assert_null (db);
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_INVALID);
  g_assert_nonnull (strstr (err->message, "is empty"));
  g_unlink (empty);
}

static void
test_bad_conninfo (void)
{
  g_autoptr (GError) err = NULL;
  RbDb *db;

  db = rb_db_connect ("host", NULL, &err);
  g_assert_null (db);
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_INVALID);
  g_clear_error (&err);

  /* no server there: fails at once, naming what it tried */
  db = rb_db_connect ("host=/nonexistent-rb-dir dbname=site", NULL, &err);
  g_assert_null (db);
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_CONNECT);
  g_assert_nonnull (strstr (err->message,
          "cannot connect to database 'site' on /nonexistent-rb-dir port"));
}

static void
test_query_errors (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) db = rb_test_pg_connect ("");
  PGresult *res;

  res = rb_db_query (db, "SELEKT 1", 0, NULL, &err);
  g_assert_null (res);
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_QUERY);
  g_assert_nonnull (strstr (err->message, "SQLSTATE 42601"));
  g_assert_nonnull (strstr (err->message, "database 'postgres'"));
  g_clear_error (&err);

  /* parameters */
  {
    const gchar *params[] = { "20", NULL };
    g_autoptr (PGresult) r = rb_db_query (db,
        "SELECT $1::int + 1, $2::text IS NULL", 2, params, &err);
    g_assert_no_error (err);
    g_assert_cmpint (rb_db_get_int64 (r, 0, 0, 0), ==, 21);
    g_assert_cmpstr (rb_db_get_string (r, 0, 1), ==, "t");
  }

  /* a failed statement inside a transaction: COMMIT rolls it back */
  g_assert_true (rb_db_begin (db, &err));
  rb_test_pg_exec (db, "CREATE TABLE t_rolled_back (x int)");
  g_assert_false (rb_db_exec (db, "SELECT 1/0", &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_QUERY);
  g_clear_error (&err);
  g_assert_false (rb_db_commit (db, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_QUERY);
  g_assert_nonnull (strstr (err->message, "rolled back"));
  g_clear_error (&err);
  g_assert_cmpint (rb_test_pg_int (db,
          "SELECT count(*) FROM pg_class WHERE relname = 't_rolled_back'"),
      ==, 0);
}

typedef struct
{
  GMainLoop *loop;
  GPtrArray *got;               /* "channel:payload", or "(lost)" */
} NotifyData;

static gboolean
on_notify (const gchar * channel, const gchar * payload, gpointer user_data)
{
  NotifyData *d = user_data;

  g_ptr_array_add (d->got, channel ? g_strdup_printf ("%s:%s", channel,
          payload) : g_strdup ("(lost)"));
  g_main_loop_quit (d->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("no notification within 10 s");
  return G_SOURCE_REMOVE;
}

/* Runs @ctx until on_notify() was called @n times (at most 10 s). */
static void
run_until (NotifyData * d, guint n)
{
  GSource *t = g_timeout_source_new_seconds (10);

  g_source_set_callback (t, on_timeout, NULL, NULL);
  g_source_attach (t, g_main_loop_get_context (d->loop));
  while (d->got->len < n)
    g_main_loop_run (d->loop);
  g_source_destroy (t);
  g_source_unref (t);
}

static void
test_notify_source (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) listener = rb_test_pg_connect ("");
  g_autoptr (RbDb) sender = rb_test_pg_connect ("");
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  NotifyData d;
  GSource *src;
  g_autofree gchar *kill = NULL;

  d.loop = g_main_loop_new (ctx, FALSE);
  d.got = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (rb_db_listen (listener, "rb_test", &err));
  g_assert_no_error (err);
  src = rb_db_notify_source_new (listener);
  g_source_set_callback (src, G_SOURCE_FUNC (on_notify), &d, NULL);
  g_source_attach (src, ctx);

  /* one from another connection, arriving while the loop waits */
  rb_test_pg_exec (sender, "NOTIFY rb_test, 'one'");
  run_until (&d, 1);
  g_assert_cmpstr (g_ptr_array_index (d.got, 0), ==, "rb_test:one");

  /* one arriving while the listener runs a query: kept for the source */
  rb_test_pg_exec (sender, "NOTIFY rb_test, 'two'");
  g_usleep (200 * 1000);
  g_assert_cmpint (rb_test_pg_int (listener, "SELECT 1"), ==, 1);
  run_until (&d, 2);
  g_assert_cmpstr (g_ptr_array_index (d.got, 1), ==, "rb_test:two");

  /* other channels are not heard */
  rb_test_pg_exec (sender, "NOTIFY rb_other, 'x'");
  rb_test_pg_exec (sender, "NOTIFY rb_test, 'three'");
  run_until (&d, 3);
  g_assert_cmpstr (g_ptr_array_index (d.got, 2), ==, "rb_test:three");

  /* the connection is lost: the callback hears it, the source ends */
  kill = g_strdup_printf ("SELECT pg_terminate_backend(%d)",
      PQbackendPID (rb_db_get_conn (listener)));
  rb_test_pg_exec (sender, kill);
  run_until (&d, 4);
  g_assert_cmpstr (g_ptr_array_index (d.got, 3), ==, "(lost)");
  g_assert_true (g_source_is_destroyed (src));
  g_source_unref (src);

  /* reconnected, it listens again */
  g_assert_true (rb_db_reconnect (listener, &err));
  g_assert_no_error (err);
  src = rb_db_notify_source_new (listener);
  g_source_set_callback (src, G_SOURCE_FUNC (on_notify), &d, NULL);
  g_source_attach (src, ctx);
  rb_test_pg_exec (sender, "NOTIFY rb_test, 'four'");
  run_until (&d, 5);
  g_assert_cmpstr (g_ptr_array_index (d.got, 4), ==, "rb_test:four");
  g_source_destroy (src);
  g_source_unref (src);

  g_main_loop_unref (d.loop);
  g_ptr_array_unref (d.got);
}

static gpointer
notify_later (gpointer data)
{
  RbDb *sender = data;

  g_usleep (300 * 1000);
  rb_test_pg_exec (sender, "NOTIFY rb_test");
  return NULL;
}

static void
test_wait_notify (void)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbDb) listener = rb_test_pg_connect ("");
  g_autoptr (RbDb) sender = rb_test_pg_connect ("");
  g_autofree gchar *kill = NULL;
  GThread *t;
  gint64 start;

  g_assert_true (rb_db_listen (listener, "rb_test", &err));

  /* nothing: times out, no error */
  start = g_get_monotonic_time ();
  g_assert_false (rb_db_wait_notify (listener, 300, &err));
  g_assert_no_error (err);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);

  /* woken by a notification sent while it waits, long before the
   * timeout */
  t = g_thread_new ("notify", notify_later, sender);
  start = g_get_monotonic_time ();
  g_assert_true (rb_db_wait_notify (listener, 20000, &err));
  g_assert_no_error (err);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_thread_join (t);

  /* one sent before the wait is not missed */
  rb_test_pg_exec (sender, "NOTIFY rb_test");
  g_usleep (200 * 1000);
  g_assert_true (rb_db_wait_notify (listener, 5000, &err));
  /* consumed */
  g_assert_false (rb_db_wait_notify (listener, 100, &err));
  g_assert_no_error (err);

  /* a lost connection is an error, not a timeout */
  kill = g_strdup_printf ("SELECT pg_terminate_backend(%d)",
      PQbackendPID (rb_db_get_conn (listener)));
  rb_test_pg_exec (sender, kill);
  g_assert_false (rb_db_wait_notify (listener, 5000, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_CONNECT);
  g_assert_nonnull (strstr (err->message, "lost the connection to "
          "database 'postgres'"));
  g_clear_error (&err);
  g_assert_null (rb_db_query (listener, "SELECT 1", 0, NULL, &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_CONNECT);
}

int
main (int argc, char **argv)
{
  int ret;

  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  logged = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/db/connect", test_connect);
  g_test_add_func ("/cluster/db/password-file", test_password_file);
  g_test_add_func ("/cluster/db/password-refused-in-conninfo",
      test_password_refused_in_conninfo);
  g_test_add_func ("/cluster/db/bad-password-file", test_bad_password_file);
  g_test_add_func ("/cluster/db/bad-conninfo", test_bad_conninfo);
  g_test_add_func ("/cluster/db/query-errors", test_query_errors);
  g_test_add_func ("/cluster/db/notify-source", test_notify_source);
  g_test_add_func ("/cluster/db/wait-notify", test_wait_notify);
  ret = g_test_run ();
  g_string_free (logged, TRUE);
  return ret;
}
