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
 * SECTION:rb-cluster-view
 * @title: RbClusterView
 * @short_description: which node runs each camera, as every node sees it
 *
 * Every node serves every network's mount points and pages; a viewer of a
 * camera that another node runs is sent there (RTSP 302, HTTP 302). What
 * that needs is kept here: each node publishes where it serves each
 * network (`node_addresses`: address, RTSP and HTTP port, TLS) once its
 * row of `nodes` exists, and a thread of its own (libpq blocks; the main
 * context never waits for the database) reads every
 * #RB_CLUSTER_VIEW_REFRESH_MS which live node (`nodes.alive_until` in the
 * future) holds a live lease on each camera, and where it serves each
 * network. Readers take the last copy under a mutex: while the database
 * is unreachable they keep the last one they had (the nodes keep running
 * their cameras meanwhile).
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-cluster-view.h"

#include <gio/gio.h>
#include <string.h>

/**
 * RB_CLUSTER_VIEW_REFRESH_MS:
 *
 * How often the view is read again from the database.
 */
#define RB_CLUSTER_VIEW_REFRESH_MS 1000

struct _RbClusterView
{
  gchar *node;
  GMutex lock;
  GHashTable *owners;           /* camera → node, under lock */
  GHashTable *addresses;        /* node → GPtrArray of RbNodeAddress */
  gint64 updated_us;            /* monotonic, 0: never; under lock */

  /* the refresher */
  GThread *thread;
  GCond cond;
  gboolean quit;                /* under lock */
  gchar *conninfo;
  gchar *password_file;
  GPtrArray *mine;              /* of RbNodeAddress: this node's */
};

/**
 * rb_node_address_new:
 * @network: the network's name
 * @address: the node's address on it
 * @rtsp_port: its RTSP port
 * @http_port: its HTTP port, 0: none
 * @tls: whether it speaks TLS
 *
 * Returns: (transfer full): a new #RbNodeAddress
 */
RbNodeAddress *
rb_node_address_new (const gchar * network, const gchar * address,
    guint rtsp_port, guint http_port, gboolean tls)
{
  RbNodeAddress *a = g_new0 (RbNodeAddress, 1);

  a->network = g_strdup (network);
  a->address = g_strdup (address);
  a->rtsp_port = rtsp_port;
  a->http_port = http_port;
  a->tls = tls;
  return a;
}

/**
 * rb_node_address_copy:
 * @address: an address
 *
 * Returns: (transfer full): a copy of @address
 */
RbNodeAddress *
rb_node_address_copy (const RbNodeAddress * address)
{
  return rb_node_address_new (address->network, address->address,
      address->rtsp_port, address->http_port, address->tls);
}

/**
 * rb_node_address_free:
 * @address: (transfer full) (nullable): an address
 */
void
rb_node_address_free (RbNodeAddress * address)
{
  if (address == NULL)
    return;
  g_free (address->network);
  g_free (address->address);
  g_free (address);
}

/**
 * rb_cluster_url:
 * @address: where a node serves a network
 * @http: the HTTP URL (http://, https://) rather than RTSP (rtsp://,
 *   rtsps://)
 * @path: the absolute path (and query) on it, starting with '/'
 *
 * Builds the URL of @path on @address: an IPv6 address goes in brackets.
 *
 * Returns: (transfer full) (nullable): the URL, or %NULL when @address
 *   cannot be reached from elsewhere (a wildcard address such as 0.0.0.0
 *   or ::, or no port for that protocol)
 */
gchar *
rb_cluster_url (const RbNodeAddress * address, gboolean http,
    const gchar * path)
{
  g_autoptr (GInetAddress) inet = NULL;
  guint port = http ? address->http_port : address->rtsp_port;
  gboolean v6 = strchr (address->address, ':') != NULL;
  const gchar *scheme;

  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);

  inet = g_inet_address_new_from_string (address->address);
  if (port == 0 || address->address[0] == '\0'
      || (inet != NULL && g_inet_address_get_is_any (inet)))
    return NULL;
  if (http)
    scheme = address->tls ? "https" : "http";
  else
    scheme = address->tls ? "rtsps" : "rtsp";
  return g_strdup_printf ("%s://%s%s%s:%u%s", scheme, v6 ? "[" : "",
      address->address, v6 ? "]" : "", port, path);
}

/**
 * rb_cluster_view_new:
 * @node: this node's name
 *
 * Returns: (transfer full): an empty view: no camera has an owner yet
 */
RbClusterView *
rb_cluster_view_new (const gchar * node)
{
  RbClusterView *view = g_new0 (RbClusterView, 1);

  view->node = g_strdup (node);
  g_mutex_init (&view->lock);
  g_cond_init (&view->cond);
  view->owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  view->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  return view;
}

/**
 * rb_cluster_view_free:
 * @view: (transfer full) (nullable): a view
 *
 * Stops its thread (waiting for its current database call) and frees it.
 * This node's rows of `node_addresses` stay: they describe the node,
 * dead or alive, and are only read for a live one.
 */
void
rb_cluster_view_free (RbClusterView * view)
{
  if (view == NULL)
    return;
  if (view->thread != NULL) {
    g_mutex_lock (&view->lock);
    view->quit = TRUE;
    g_cond_broadcast (&view->cond);
    g_mutex_unlock (&view->lock);
    g_thread_join (view->thread);
  }
  g_hash_table_unref (view->owners);
  g_hash_table_unref (view->addresses);
  g_clear_pointer (&view->mine, g_ptr_array_unref);
  g_free (view->conninfo);
  g_free (view->password_file);
  g_free (view->node);
  g_mutex_clear (&view->lock);
  g_cond_clear (&view->cond);
  g_free (view);
}

/**
 * rb_cluster_view_replace:
 * @view: a view
 * @owners: (transfer full): camera → name of the live node that runs it
 * @addresses: (transfer full): node name → #GPtrArray of #RbNodeAddress
 *
 * Replaces what @view says (what its thread does at every refresh).
 */
void
rb_cluster_view_replace (RbClusterView * view, GHashTable * owners,
    GHashTable * addresses)
{
  GHashTable *old_owners, *old_addresses;

  g_mutex_lock (&view->lock);
  old_owners = view->owners;
  old_addresses = view->addresses;
  view->owners = owners;
  view->addresses = addresses;
  view->updated_us = g_get_monotonic_time ();
  g_mutex_unlock (&view->lock);
  g_hash_table_unref (old_owners);
  g_hash_table_unref (old_addresses);
}

/**
 * rb_cluster_view_lookup:
 * @view: a view
 * @camera: a camera's name
 * @network: (nullable): a network's name
 * @out_node: (out) (optional) (transfer full): the node that runs @camera
 * @out_address: (out) (optional) (transfer full) (nullable): where that
 *   node serves @network, %NULL when it published no address for it
 *
 * Returns: whether a live node runs @camera (as of the last refresh)
 */
gboolean
rb_cluster_view_lookup (RbClusterView * view, const gchar * camera,
    const gchar * network, gchar ** out_node, RbNodeAddress ** out_address)
{
  const gchar *node;
  GPtrArray *addrs;

  if (out_node)
    *out_node = NULL;
  if (out_address)
    *out_address = NULL;
  g_mutex_lock (&view->lock);
  node = g_hash_table_lookup (view->owners, camera);
  if (node == NULL) {
    g_mutex_unlock (&view->lock);
    return FALSE;
  }
  if (out_node)
    *out_node = g_strdup (node);
  addrs = g_hash_table_lookup (view->addresses, node);
  for (guint i = 0; out_address && network && addrs && i < addrs->len; i++) {
    RbNodeAddress *a = g_ptr_array_index (addrs, i);

    if (g_str_equal (a->network, network)) {
      *out_address = rb_node_address_copy (a);
      break;
    }
  }
  g_mutex_unlock (&view->lock);
  return TRUE;
}

/**
 * rb_cluster_view_get_age_us:
 * @view: a view
 *
 * Returns: how long ago (µs, monotonic) it was last refreshed, or -1 when
 *   it never was
 */
gint64
rb_cluster_view_get_age_us (RbClusterView * view)
{
  gint64 updated;

  g_mutex_lock (&view->lock);
  updated = view->updated_us;
  g_mutex_unlock (&view->lock);
  return updated == 0 ? -1 : g_get_monotonic_time () - updated;
}

/**
 * rb_cluster_view_refresh:
 * @view: a view
 * @db: a connection to the cluster's database (of the calling thread)
 * @error: return location for a #GError, or %NULL
 *
 * Reads which live node holds a live lease on each camera, and the
 * addresses of the live nodes, into @view.
 *
 * Returns: %TRUE on success; else %FALSE with an #RB_DB_ERROR, @view
 *   unchanged
 */
gboolean
rb_cluster_view_refresh (RbClusterView * view, RbDb * db, GError ** error)
{
  g_autoptr (PGresult) leases = NULL;
  g_autoptr (PGresult) addrs = NULL;
  GHashTable *owners, *addresses;

  leases = rb_db_query (db, "SELECT l.camera, l.node FROM camera_leases l "
      "JOIN nodes n ON n.name = l.node "
      "WHERE l.expires_at > now() AND n.alive_until > now()", 0, NULL, error);
  if (leases == NULL)
    return FALSE;
  addrs = rb_db_query (db, "SELECT a.node, a.network, a.address, "
      "a.rtsp_port, a.http_port, a.tls FROM node_addresses a "
      "JOIN nodes n ON n.name = a.node WHERE n.alive_until > now()", 0,
      NULL, error);
  if (addrs == NULL)
    return FALSE;

  owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (gint i = 0; i < PQntuples (leases); i++)
    g_hash_table_replace (owners, g_strdup (PQgetvalue (leases, i, 0)),
        g_strdup (PQgetvalue (leases, i, 1)));
  addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  for (gint i = 0; i < PQntuples (addrs); i++) {
    const gchar *node = PQgetvalue (addrs, i, 0);
    GPtrArray *list = g_hash_table_lookup (addresses, node);

    if (list == NULL) {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify)
          rb_node_address_free);
      g_hash_table_insert (addresses, g_strdup (node), list);
    }
    g_ptr_array_add (list, rb_node_address_new (PQgetvalue (addrs, i, 1),
            PQgetvalue (addrs, i, 2), (guint) rb_db_get_int64 (addrs, i, 3,
                0), (guint) rb_db_get_int64 (addrs, i, 4, 0),
            g_str_equal (PQgetvalue (addrs, i, 5), "t")));
  }
  rb_cluster_view_replace (view, owners, addresses);
  return TRUE;
}

/**
 * rb_cluster_view_publish:
 * @view: a view (its node's name)
 * @db: a connection to the cluster's database (of the calling thread)
 * @addresses: (element-type RbNodeAddress): where this node serves each
 *   network
 * @error: return location for a #GError, or %NULL
 *
 * Writes @addresses as this node's rows of `node_addresses`, in one
 * transaction, and removes its rows of networks no longer in the list.
 * The node's row of `nodes` must exist (written by its first lease
 * acquire): until it does, nothing is written.
 *
 * Returns: %TRUE when the rows are written; %FALSE when the node is not
 *   registered yet (without an error) or with an #RB_DB_ERROR
 */
gboolean
rb_cluster_view_publish (RbClusterView * view, RbDb * db,
    GPtrArray * addresses, GError ** error)
{
  g_autoptr (GString) names = g_string_new ("{");

  if (!rb_db_begin (db, error))
    return FALSE;
  {
    const gchar *params[] = { view->node };
    g_autoptr (PGresult) res = rb_db_query (db, "SELECT 1 FROM nodes "
        "WHERE name = $1 FOR SHARE", 1, params, error);

    if (res == NULL)
      goto fail;
    if (PQntuples (res) == 0) {
      rb_db_rollback (db);
      return FALSE;
    }
  }
  for (guint i = 0; i < addresses->len; i++) {
    RbNodeAddress *a = g_ptr_array_index (addresses, i);
    g_autofree gchar *rtsp = g_strdup_printf ("%u", a->rtsp_port);
    g_autofree gchar *http = a->http_port ? g_strdup_printf ("%u",
        a->http_port) : NULL;
    const gchar *params[] = { view->node, a->network, a->address, rtsp,
      http, a->tls ? "t" : "f"
    };
    g_autoptr (PGresult) res = rb_db_query (db,
        "INSERT INTO node_addresses (node, network, address, rtsp_port, "
        "  http_port, tls) VALUES ($1, $2, $3, $4::int, $5::int, $6::bool) "
        "ON CONFLICT (node, network) DO UPDATE SET "
        "  address = EXCLUDED.address, rtsp_port = EXCLUDED.rtsp_port, "
        "  http_port = EXCLUDED.http_port, tls = EXCLUDED.tls", 6, params,
        error);

    if (res == NULL)
      goto fail;
    /* network names are config group names: no quote nor comma */
    g_string_append_printf (names, "%s\"%s\"", i ? "," : "", a->network);
  }
  g_string_append_c (names, '}');
  {
    const gchar *params[] = { view->node, names->str };
    g_autoptr (PGresult) res = rb_db_query (db,
        "DELETE FROM node_addresses WHERE node = $1 "
        "AND NOT network = ANY ($2::text[])", 2, params, error);

    if (res == NULL)
      goto fail;
  }
  return rb_db_commit (db, error);

fail:
  rb_db_rollback (db);
  return FALSE;
}

static void
view_wait (RbClusterView * view, gint64 until_us)
{
  g_mutex_lock (&view->lock);
  while (!view->quit && g_get_monotonic_time () < until_us)
    g_cond_wait_until (&view->cond, &view->lock, until_us);
  g_mutex_unlock (&view->lock);
}

static gboolean
view_quitting (RbClusterView * view)
{
  gboolean quit;

  g_mutex_lock (&view->lock);
  quit = view->quit;
  g_mutex_unlock (&view->lock);
  return quit;
}

static gpointer
view_thread (gpointer data)
{
  RbClusterView *view = data;
  g_autoptr (RbDb) db = NULL;
  gboolean published = FALSE, warned = FALSE;
  gint64 next = g_get_monotonic_time ();

  while (!view_quitting (view)) {
    g_autoptr (GError) err = NULL;

    if (db == NULL) {
      /* bounded by the connection's connect_timeout */
      db = rb_db_connect (view->conninfo, view->password_file, &err);
      published = FALSE;
    } else if (PQstatus (rb_db_get_conn (db)) != CONNECTION_OK
        && rb_db_reconnect (db, &err)) {
      published = FALSE;        /* it may have been lost with the node */
    }
    if (db != NULL && err == NULL && !published) {
      if (rb_cluster_view_publish (view, db, view->mine, &err)) {
        published = TRUE;
        g_message ("cluster: node %s published its addresses", view->node);
      } else if (err == NULL) {
        g_debug ("cluster: node %s not registered yet: its addresses wait",
            view->node);
      }
    }
    if (db != NULL && err == NULL)
      rb_cluster_view_refresh (view, db, &err);
    if (err != NULL && !warned) {
      g_warning ("cluster: node %s cannot read where the cameras run "
          "(viewers of other nodes' cameras get the last known owner): %s",
          view->node, err->message);
      warned = TRUE;
    } else if (err == NULL && warned) {
      g_message ("cluster: node %s reads where the cameras run again",
          view->node);
      warned = FALSE;
    }
    next += RB_CLUSTER_VIEW_REFRESH_MS * 1000;
    if (next < g_get_monotonic_time ())
      next = g_get_monotonic_time ();
    view_wait (view, next);
  }
  return NULL;
}

/**
 * rb_cluster_view_start:
 * @view: a view without a thread yet
 * @conninfo: the database's connection string ([cluster] database)
 * @password_file: (nullable): its password file
 * @addresses: (element-type RbNodeAddress) (transfer none): where this
 *   node serves each network (copied)
 * @error: return location for a #GError, or %NULL
 *
 * Starts the thread that publishes @addresses (once the node is
 * registered, and again after a lost connection) and refreshes @view
 * every #RB_CLUSTER_VIEW_REFRESH_MS on a connection of its own; it
 * connects in the thread, retrying, so this never blocks.
 *
 * Returns: %TRUE
 */
gboolean
rb_cluster_view_start (RbClusterView * view, const gchar * conninfo,
    const gchar * password_file, GPtrArray * addresses, GError ** error)
{
  g_return_val_if_fail (view->thread == NULL, FALSE);

  view->conninfo = g_strdup (conninfo);
  view->password_file = g_strdup (password_file);
  view->mine = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_node_address_free);
  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (view->mine,
        rb_node_address_copy (g_ptr_array_index (addresses, i)));
  view->thread = g_thread_new ("rb-cluster-view", view_thread, view);
  return TRUE;
}
