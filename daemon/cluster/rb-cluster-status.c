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

/**
 * SECTION:rb-cluster-status
 * @short_description: the cluster's part of `rtsp-blur status`
 *
 * Reads the cluster's database (never a node's metrics): the nodes (alive
 * while they renew, draining, capacity), which node holds each camera's
 * lease (rb_camera_leases_list()), and the cluster-wide queue depth.
 * GLib and libpq only.
 */

#include "rb-cluster-status.h"
#include "rb-camera-leases.h"
#include "rb-db-migrate.h"

/* node name → GPtrArray of the camera names it holds a live lease on */
static GHashTable *
cameras_by_node (GPtrArray * leases)
{
  GHashTable *by_node = g_hash_table_new_full (g_str_hash, g_str_equal,
      NULL, (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < leases->len; i++) {
    RbCameraLease *l = g_ptr_array_index (leases, i);
    GPtrArray *cams;

    if (l->node == NULL || l->expires_in_ms <= 0)
      continue;
    cams = g_hash_table_lookup (by_node, l->node);
    if (cams == NULL) {
      cams = g_ptr_array_new ();
      g_hash_table_insert (by_node, l->node, cams);
    }
    g_ptr_array_add (cams, l->camera);
  }
  return by_node;
}

/**
 * rb_cluster_status_print:
 * @db: a connection to the cluster's database (schema checked)
 * @out: where to print
 * @error: return location for a #GError, or %NULL
 *
 * Prints the cluster: one line per node (alive or not, draining, capacity
 * and the cameras it holds), one per camera (its lease's node and expiry,
 * or "free"), and the queue's depth by state.
 *
 * Returns: %TRUE when every query succeeded.
 */
gboolean
rb_cluster_status_print (RbDb * db, FILE * out, GError ** error)
{
  g_autoptr (PGresult) nodes = NULL;
  g_autoptr (PGresult) queue = NULL;
  g_autoptr (GPtrArray) leases = NULL;
  g_autoptr (GHashTable) by_node = NULL;
  guint held = 0;

  g_return_val_if_fail (db != NULL && out != NULL, FALSE);

  nodes = rb_db_query (db, "SELECT name, capacity, draining, "
      "  alive_until > now(), "
      "  (extract(epoch FROM now() - last_seen) * 1000)::bigint "
      "FROM nodes ORDER BY name", 0, NULL, error);
  if (nodes == NULL)
    return FALSE;
  leases = rb_camera_leases_list (db, error);
  if (leases == NULL)
    return FALSE;
  queue = rb_db_query (db, "SELECT state, count(*) FROM queue_items "
      "WHERE state IN ('pending', 'claimed', 'quarantined') "
      "GROUP BY state ORDER BY state", 0, NULL, error);
  if (queue == NULL)
    return FALSE;

  by_node = cameras_by_node (leases);
  for (guint i = 0; i < leases->len; i++) {
    RbCameraLease *l = g_ptr_array_index (leases, i);

    if (l->node != NULL && l->expires_in_ms > 0)
      held++;
  }
  fprintf (out, "cluster (%s): %d nodes, %u cameras, %u held\n",
      rb_db_describe (db), PQntuples (nodes), leases->len, held);
  for (gint i = 0; i < PQntuples (nodes); i++) {
    const gchar *name = PQgetvalue (nodes, i, 0);
    gboolean draining = g_str_equal (PQgetvalue (nodes, i, 2), "t");
    gboolean alive = g_str_equal (PQgetvalue (nodes, i, 3), "t");
    GPtrArray *cams = g_hash_table_lookup (by_node, name);
    g_autoptr (GString) list = g_string_new (NULL);

    for (guint j = 0; cams != NULL && j < cams->len; j++)
      g_string_append_printf (list, " %s",
          (const gchar *) g_ptr_array_index (cams, j));
    fprintf (out, "  node %s: %s%s, capacity %" G_GINT64_FORMAT
        ", runs %u camera%s%s%s\n", name,
        alive ? "alive" : "not alive", draining ? ", draining" : "",
        rb_db_get_int64 (nodes, i, 1, 0), cams ? cams->len : 0,
        cams && cams->len == 1 ? "" : "s", cams ? ":" : "", list->str);
    if (!alive)
      fprintf (out, "    last seen %.1f s ago\n",
          rb_db_get_int64 (nodes, i, 4, 0) / 1000.0);
  }
  for (guint i = 0; i < leases->len; i++) {
    RbCameraLease *l = g_ptr_array_index (leases, i);

    if (l->node == NULL)
      fprintf (out, "  camera %s: free\n", l->camera);
    else if (l->expires_in_ms <= 0)
      fprintf (out, "  camera %s: free (the lease of node %s expired "
          "%.1f s ago)\n", l->camera, l->node, -l->expires_in_ms / 1000.0);
    else
      fprintf (out, "  camera %s: node %s (epoch %" G_GINT64_FORMAT
          ", expires in %.1f s)\n", l->camera, l->node, l->epoch,
          l->expires_in_ms / 1000.0);
  }
  fprintf (out, "  queue:");
  if (PQntuples (queue) == 0)
    fprintf (out, " empty");
  for (gint i = 0; i < PQntuples (queue); i++)
    fprintf (out, "%s %" G_GINT64_FORMAT " %s", i ? "," : "",
        rb_db_get_int64 (queue, i, 1, 0), PQgetvalue (queue, i, 0));
  fprintf (out, "\n");
  return TRUE;
}

/**
 * rb_cluster_status_print_config:
 * @config: a config with [cluster]
 * @out: where to print
 * @error: return location for a #GError, or %NULL
 *
 * Connects to @config's cluster database, checks its schema version and
 * prints the cluster (rb_cluster_status_print()).
 *
 * Returns: %TRUE on success.
 */
gboolean
rb_cluster_status_print_config (const RbConfig * config, FILE * out,
    GError ** error)
{
  g_autoptr (RbDb) db = NULL;

  g_return_val_if_fail (config != NULL && config->cluster, FALSE);

  db = rb_db_connect (config->cluster_database,
      config->cluster_password_file, error);
  if (db == NULL || !rb_db_check_schema (db, NULL, error))
    return FALSE;
  return rb_cluster_status_print (db, out, error);
}
