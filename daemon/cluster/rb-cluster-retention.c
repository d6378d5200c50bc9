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

/* The cluster's retention, from the catalog: see rb-cluster-retention.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-cluster-retention.h"

#include "rb-db.h"

/* The database is tried again at most this often while it is down. */
#define RETRY_US (5 * G_USEC_PER_SEC)

struct _RbClusterRetention
{
  gchar *conninfo;
  gchar *password_file;
  gchar *node;
  gboolean keep_raw;            /* anonymized rows keep their raw segment */
  RbRetention *retention;       /* not owned */

  /* used by the retention's caller only (its lock is held) */
  RbDb *db;
  gboolean held;                /* this connection holds the lock */
  gboolean down;                /* the loss was logged */
  gint64 next_try_us;

  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean stopping;            /* protected by lock */
  guint interval_ms;
  gint active;                  /* atomic: held */
};

static void
lost (RbClusterRetention * cr, GError * err)
{
  if (!cr->down)
    g_warning ("retention: the cluster's retention: %s%s", err->message,
        cr->held ? "; another node takes it over" : "");
  cr->down = TRUE;
  if (cr->held)
    g_message ("retention: node %s no longer runs the cluster's retention",
        cr->node);
  cr->held = FALSE;
  g_atomic_int_set (&cr->active, FALSE);
  g_error_free (err);
}

static gboolean
may_run (gpointer data)
{
  RbClusterRetention *cr = data;
  g_autoptr (PGresult) res = NULL;
  GError *err = NULL;
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *key = g_strdup_printf ("%d", RB_DB_LOCK_RETENTION);
  const gchar *params[] = { key };

  if (cr->db != NULL && PQstatus (rb_db_get_conn (cr->db)) != CONNECTION_OK) {
    /* the session, and the lock with it, are gone */
    cr->held = FALSE;
    g_atomic_int_set (&cr->active, FALSE);
  }
  if (cr->held)
    return TRUE;
  if (now < cr->next_try_us)
    return FALSE;
  cr->next_try_us = now + RETRY_US;
  if (cr->db == NULL)
    cr->db = rb_db_connect (cr->conninfo, cr->password_file, &err);
  else if (PQstatus (rb_db_get_conn (cr->db)) != CONNECTION_OK)
    rb_db_reconnect (cr->db, &err);
  if (err == NULL)
    res = rb_db_query (cr->db, "SELECT pg_try_advisory_lock ($1::bigint)",
        1, params, &err);
  if (res == NULL) {
    lost (cr, err);
    return FALSE;
  }
  if (cr->down)
    g_message ("retention: the cluster's retention reaches the database "
        "again");
  cr->down = FALSE;
  cr->held = g_str_equal (PQgetvalue (res, 0, 0), "t");
  if (cr->held) {
    g_message ("retention: node %s runs the cluster's retention and disk "
        "budget (from the catalog)", cr->node);
    g_atomic_int_set (&cr->active, TRUE);
  }
  return cr->held;
}

static gboolean
list (gpointer data, RbRetentionAddFunc add, gpointer add_data)
{
  RbClusterRetention *cr = data;
  g_autoptr (PGresult) res = NULL;
  GError *err = NULL;

  res = rb_db_query (cr->db,
      "SELECT state, raw_path, anonymized_path, "
      "  (extract(epoch FROM started_at) * 1000000)::bigint, bytes, "
      "  anonymized_bytes "
      "FROM recordings WHERE state <> 'evicted' ORDER BY started_at",
      0, NULL, &err);
  if (res == NULL) {
    lost (cr, err);
    return FALSE;
  }
  for (gint i = 0; i < PQntuples (res); i++) {
    const gchar *state = PQgetvalue (res, i, 0);
    const gchar *raw = rb_db_get_string (res, i, 1);
    const gchar *anonymized = rb_db_get_string (res, i, 2);
    gint64 time_us = rb_db_get_int64 (res, i, 3, 0);
    gint64 bytes = rb_db_get_int64 (res, i, 4, 0);
    gint64 anonymized_bytes = rb_db_get_int64 (res, i, 5, bytes);

    if (g_str_equal (state, "anonymized") && anonymized != NULL) {
      add (add_data, anonymized, time_us, anonymized_bytes, FALSE);
      if (cr->keep_raw && raw != NULL)
        add (add_data, raw, time_us, bytes, TRUE);
    } else if (!g_str_equal (state, "anonymized") && raw != NULL)
      add (add_data, raw, time_us, bytes, TRUE);
  }
  return TRUE;
}

static void
evicted (gpointer data, const gchar * path, gboolean raw)
{
  RbClusterRetention *cr = data;
  g_autoptr (PGresult) res = NULL;
  const gchar *params[] = { path };
  GError *err = NULL;

  /* the raw segment of an anonymized row (keep-raw): the row stays, the
   * anonymized segment is still there */
  res = rb_db_query (cr->db, raw ?
      "UPDATE recordings SET "
      "  state = CASE WHEN state = 'anonymized' THEN state "
      "    ELSE 'evicted' END, "
      "  raw_path = CASE WHEN state = 'anonymized' THEN NULL "
      "    ELSE raw_path END, "
      "  updated_at = now() "
      "WHERE raw_path = $1 AND state IN ('recording', 'recorded', "
      "  'quarantined', 'anonymized')" :
      "UPDATE recordings SET state = 'evicted', updated_at = now() "
      "WHERE anonymized_path = $1 AND state = 'anonymized'", 1, params, &err);
  if (res == NULL) {
    /* the row stays: listed again, its file is gone (ENOENT is no error)
     * and it is marked then */
    g_warning ("retention: cannot mark %s evicted in the catalog: %s", path,
        err->message);
    g_error_free (err);
  }
}

static const RbRetentionCatalog catalog = { may_run, list, evicted };

RbClusterRetention *
rb_cluster_retention_new (const RbConfig * config, RbRetention * retention)
{
  RbClusterRetention *cr = g_new0 (RbClusterRetention, 1);

  cr->conninfo = g_strdup (config->cluster_database);
  cr->password_file = g_strdup (config->cluster_password_file);
  cr->node = g_strdup (config->cluster_node);
  cr->keep_raw = config->keep_raw;
  cr->retention = retention;
  g_mutex_init (&cr->lock);
  g_cond_init (&cr->cond);
  rb_retention_set_catalog (retention, &catalog, cr);
  return cr;
}

void
rb_cluster_retention_free (RbClusterRetention * cr)
{
  if (cr == NULL)
    return;
  rb_cluster_retention_stop (cr);
  rb_retention_set_catalog (cr->retention, NULL, NULL);
  rb_db_free (cr->db);
  g_mutex_clear (&cr->lock);
  g_cond_clear (&cr->cond);
  g_free (cr->conninfo);
  g_free (cr->password_file);
  g_free (cr->node);
  g_free (cr);
}

static gpointer
retention_thread (gpointer data)
{
  RbClusterRetention *cr = data;

  g_mutex_lock (&cr->lock);
  while (!cr->stopping) {
    g_mutex_unlock (&cr->lock);
    rb_retention_run (cr->retention);
    g_mutex_lock (&cr->lock);
    if (!cr->stopping)
      g_cond_wait_until (&cr->cond, &cr->lock, g_get_monotonic_time () +
          (gint64) cr->interval_ms * 1000);
  }
  g_mutex_unlock (&cr->lock);
  return NULL;
}

void
rb_cluster_retention_start (RbClusterRetention * cr, guint interval_ms)
{
  g_return_if_fail (cr->thread == NULL);

  cr->interval_ms = interval_ms;
  cr->stopping = FALSE;
  cr->thread = g_thread_new ("rb-retention", retention_thread, cr);
}

void
rb_cluster_retention_stop (RbClusterRetention * cr)
{
  if (cr->thread == NULL)
    return;
  g_mutex_lock (&cr->lock);
  cr->stopping = TRUE;
  g_cond_broadcast (&cr->cond);
  g_mutex_unlock (&cr->lock);
  g_thread_join (cr->thread);
  cr->thread = NULL;
}

gboolean
rb_cluster_retention_is_active (RbClusterRetention * cr)
{
  return g_atomic_int_get (&cr->active);
}
