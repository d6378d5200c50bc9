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

/* queue-claims: throughput of the segment queue in PostgreSQL
 * (daemon/cluster/rb-pg-journal). Creates a database of its own on the
 * server libpq's environment names (PGHOST, ...; or --conninfo), enqueues
 * --items segments, then --workers threads, each with its own connection
 * (as workers on several nodes have), claim and complete them until the
 * queue is empty. Prints claims per second (one claim + one completion
 * each), with the enqueue rate and per-claim latencies. A benchmark, not
 * a test: see README.md. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <unistd.h>

#include "rb-db-migrate.h"
#include "rb-pg-journal.h"

static gint n_workers = 8;
static gint n_items = 20000;
static gchar *conninfo_base = NULL;

static GOptionEntry entries[] = {
  {"workers", 'w', 0, G_OPTION_ARG_INT, &n_workers,
      "claiming threads, each with its own connection (default 8)", "N"},
  {"items", 'n', 0, G_OPTION_ARG_INT, &n_items,
      "segments to enqueue and claim (default 20000)", "N"},
  {"conninfo", 'c', 0, G_OPTION_ARG_STRING, &conninfo_base,
      "libpq connection string of the server (default: the environment); "
        "a database rb_bench_PID is created and dropped there", "STRING"},
  {NULL}
};

typedef struct
{
  const gchar *conninfo;
  gint *ready;
  gint *go;
  guint claimed;
  GArray *latencies_us;         /* of gint64: claim + complete */
} Worker;

static RbDb *
connect_or_die (const gchar * conninfo)
{
  GError *err = NULL;
  RbDb *db = rb_db_connect (conninfo, NULL, &err);

  if (db == NULL) {
    g_printerr ("queue-claims: %s\n", err->message);
    exit (69);
  }
  return db;
}

static void
exec_or_die (RbDb * db, const gchar * sql)
{
  GError *err = NULL;

  if (!rb_db_exec (db, sql, &err)) {
    g_printerr ("queue-claims: %s\n", err->message);
    exit (70);
  }
}

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  g_autofree gchar *owner = g_strdup_printf ("bench/%d/%p", (int) getpid (),
      w);
  RbPgJournal *j = rb_pg_journal_new (connect_or_die (w->conninfo), owner);

  g_atomic_int_inc (w->ready);
  while (!g_atomic_int_get (w->go))
    g_usleep (100);
  for (;;) {
    GError *err = NULL;
    gint64 start = g_get_monotonic_time (), took;
    RbJournalItem *item = rb_pg_journal_claim (j, 60, &err);

    if (item == NULL) {
      if (err) {
        g_printerr ("queue-claims: claim: %s\n", err->message);
        exit (70);
      }
      break;
    }
    if (!rb_pg_journal_complete (j, item->id, &err)) {
      g_printerr ("queue-claims: complete: %s\n", err->message);
      exit (70);
    }
    took = g_get_monotonic_time () - start;
    g_array_append_val (w->latencies_us, took);
    w->claimed++;
    rb_journal_item_free (item);
  }
  rb_pg_journal_free (j);
  return NULL;
}

static gint
compare_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("");
  GError *err = NULL;
  g_autofree gchar *dbname = NULL, *sql = NULL, *conninfo = NULL;
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  Worker *w;
  GThread **threads;
  RbDb *admin, *db;
  RbPgJournal *j;
  gint ready = 0, go = 0;
  gint64 t0, t1;
  guint total = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, "Claims per second of the cluster's "
      "segment queue in PostgreSQL.");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("queue-claims: %s\n", err->message);
    return 64;
  }
  if (n_workers < 1 || n_items < 1) {
    g_printerr ("queue-claims: --workers and --items must be >= 1\n");
    return 64;
  }

  admin = connect_or_die (conninfo_base ? conninfo_base : "");
  dbname = g_strdup_printf ("rb_bench_%d", (int) getpid ());
  sql = g_strdup_printf ("CREATE DATABASE %s TEMPLATE template0", dbname);
  exec_or_die (admin, sql);
  conninfo = g_strdup_printf ("%s dbname=%s",
      conninfo_base ? conninfo_base : "", dbname);
  db = connect_or_die (conninfo);
  if (!rb_db_migrate (db, NULL, NULL, &err)) {
    g_printerr ("queue-claims: %s\n", err->message);
    return 70;
  }

  /* enqueue through the API, one commit each, from one connection */
  j = rb_pg_journal_new (db, "bench-enqueue");
  t0 = g_get_monotonic_time ();
  for (gint i = 0; i < n_items; i++) {
    g_autofree gchar *loc = g_strdup_printf ("/storage/cam%d/%08d.mkv",
        i % 40, i);

    if (!rb_pg_journal_enqueue (j, loc, "cam", G_GUINT64_CONSTANT (10) *
            1000000000, NULL, NULL, &err)) {
      g_printerr ("queue-claims: enqueue: %s\n", err->message);
      return 70;
    }
  }
  t1 = g_get_monotonic_time ();
  g_print ("server: PostgreSQL %s\n", PQparameterStatus (rb_db_get_conn
          (admin), "server_version"));
  {
    g_autoptr (PGresult) res = rb_db_query (db, "SELECT "
        "current_setting('fsync'), current_setting('synchronous_commit')",
        0, NULL, &err);
    if (res)
      g_print ("server settings: fsync=%s synchronous_commit=%s\n",
          PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1));
  }
  g_print ("enqueue: %d items in %.2f s, %.0f/s (1 connection)\n", n_items,
      (t1 - t0) / 1e6, n_items / ((t1 - t0) / 1e6));

  w = g_new0 (Worker, n_workers);
  threads = g_new0 (GThread *, n_workers);
  for (gint i = 0; i < n_workers; i++) {
    w[i].conninfo = conninfo;
    w[i].ready = &ready;
    w[i].go = &go;
    w[i].latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
    threads[i] = g_thread_new ("worker", worker_thread, &w[i]);
  }
  while (g_atomic_int_get (&ready) < n_workers)
    g_usleep (1000);
  t0 = g_get_monotonic_time ();
  g_atomic_int_set (&go, 1);
  for (gint i = 0; i < n_workers; i++)
    g_thread_join (threads[i]);
  t1 = g_get_monotonic_time ();

  for (gint i = 0; i < n_workers; i++) {
    total += w[i].claimed;
    g_array_append_vals (all, w[i].latencies_us->data, w[i].latencies_us->len);
    g_array_unref (w[i].latencies_us);
  }
  g_array_sort (all, compare_int64);
  g_print ("claim+complete: %u items, %d workers, %.2f s: %.0f claims/s\n",
      total, n_workers, (t1 - t0) / 1e6, total / ((t1 - t0) / 1e6));
  if (all->len > 0)
    g_print ("latency per claim+complete: median %.2f ms, p99 %.2f ms, "
        "max %.2f ms\n", g_array_index (all, gint64, all->len / 2) / 1e3,
        g_array_index (all, gint64, all->len * 99 / 100) / 1e3,
        g_array_index (all, gint64, all->len - 1) / 1e3);
  if ((gint) total != n_items) {
    g_printerr ("queue-claims: %u items claimed, %d enqueued\n", total,
        n_items);
    return 70;
  }

  rb_pg_journal_free (j);
  g_free (sql);
  sql = g_strdup_printf ("DROP DATABASE %s", dbname);
  exec_or_die (admin, sql);
  rb_db_free (admin);
  g_free (w);
  g_free (threads);
  return 0;
}
