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
 * SECTION:rb-cluster-node
 * @title: RbClusterNode
 * @short_description: which cameras this node runs, kept by a thread
 *
 * libpq's calls block, so the leases (rb-camera-leases.h) are kept by a
 * thread of their own: every #RB_CAMERA_LEASE_RENEW_INTERVAL_MS it renews
 * the leases the node holds, then takes its share of the free cameras
 * (unless the node is draining). Nothing is marshalled back: the main
 * context looks every #TICK_MS at rb_camera_leases_holds(), which says
 * from the node's own monotonic clock whether a lease is still safe to
 * use, and calls @start for a camera that became safe and @stop for one
 * that no longer is (lost to another node, or not renewed for TTL −
 * margin, the database being down or unreachable). So a node cut off from
 * the database stops its cameras before their leases can expire and
 * another node take them, whatever its thread is blocked on.
 *
 * Rebalancing: when, for `rebalance-after` seconds in a row, another live
 * node with room would still be less loaded than this one after taking
 * one of its cameras (rb_camera_leases_find_lighter()), the thread asks
 * the main context to hand one camera over: it is stopped (its open
 * segment finalized) and its lease released, as in a drain, and the
 * lighter node takes it at its next acquire (the free cameras go to the
 * least loaded). The observation then starts over, so a node that joins
 * or comes back gets its share one camera at a time, and a node that
 * flaps gets none.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-cluster-node.h"
#include "rb-camera-leases.h"
#include "rb-cluster-peers.h"
#include "rb-db-migrate.h"

#include <string.h>

/* How often the main context compares the leases with the cameras it
 * runs: a small part of the margin, so a camera stops well before its
 * lease could expire. */
#define TICK_MS 100

struct _RbClusterNode
{
  gchar *node;
  GStrv cameras;
  RbCameraLeases *leases;
  RbClusterCameraFunc start, stop;
  gpointer user_data;

  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean quit;                /* these four under lock */
  gboolean draining;
  gboolean release;
  gchar *rebalance_to;          /* hand a camera over to balance the load,
                                 * for this node; or NULL */
  gint64 rebalance_after_us;    /* 0: never */
  GHashTable *lost_why;         /* camera → why the thread saw it lost */
  GPtrArray *to_release;        /* cameras handed over, stopped: release */
  gchar *db_error;              /* the last renewal's error, or NULL */
  gint renew_failures;          /* atomic */
  gint db_up;                   /* atomic */
  RbClusterPeers *peers;        /* NULL: no heartbeats (peer-port=0) */
  gint peers_connected;         /* atomic, for the metrics */

  /* main context */
  GHashTable *running;          /* camera → epoch (gint64 *) */
  guint tick_source;
  gboolean keeping;             /* running cameras past their leases */
  GHashTable *handing_over;     /* cameras stopping for a drain */
  GHashTable *given_away;       /* handed over to balance the load, not
                                 * started again while this node holds
                                 * their lease */
  gint keeping_count;
};

/**
 * rb_cluster_connect_and_migrate:
 * @config: a config with [cluster]
 * @migrate: migrate the schema to this version (in a transaction), or
 *   only check it
 * @out_from: (out) (optional): the schema version found
 * @out_to: (out) (optional): the version it is at now
 * @error: return location for a #GError, or %NULL
 *
 * Connects to the cluster's database, then migrates or checks its schema:
 * `rtsp-blur db migrate` and `--check-config`.
 *
 * Returns: %TRUE when the database is reachable and at this rtsp-blur's
 *   schema version; else %FALSE with an #RB_DB_ERROR naming the database
 *   and its host.
 */
gboolean
rb_cluster_connect_and_migrate (const RbConfig * config, gboolean migrate,
    guint * out_from, guint * out_to, GError ** error)
{
  g_autoptr (RbDb) db = NULL;
  guint version = 0;

  g_return_val_if_fail (config != NULL && config->cluster, FALSE);

  db = rb_db_connect (config->cluster_database,
      config->cluster_password_file, error);
  if (db == NULL)
    return FALSE;
  if (migrate)
    return rb_db_migrate (db, out_from, out_to, error);
  if (!rb_db_check_schema (db, &version, error))
    return FALSE;
  if (out_from)
    *out_from = version;
  if (out_to)
    *out_to = version;
  return TRUE;
}

/**
 * rb_cluster_set_draining:
 * @config: a config with [cluster]
 * @node: a node's name
 * @draining: drain it (it hands its cameras over one by one, each after
 *   finalizing its open segment, and takes none), or let it take cameras
 *   again
 * @out_alive: (out) (optional): whether the node is running
 * @error: return location for a #GError, or %NULL
 *
 * `rtsp-blur cluster drain NODE` and `cluster undrain NODE`.
 *
 * Returns: %TRUE on success.
 */
gboolean
rb_cluster_set_draining (const RbConfig * config, const gchar * node,
    gboolean draining, gboolean * out_alive, GError ** error)
{
  g_autoptr (RbDb) db = NULL;

  g_return_val_if_fail (config != NULL && config->cluster, FALSE);

  db = rb_db_connect (config->cluster_database,
      config->cluster_password_file, error);
  if (db == NULL || !rb_db_check_schema (db, NULL, error))
    return FALSE;
  return rb_camera_leases_set_draining (db, node, draining, out_alive, error);
}

static void
wait_until (RbClusterNode * n, gint64 until_us)
{
  g_mutex_lock (&n->lock);
  while (!n->quit && n->to_release->len == 0
      && g_get_monotonic_time () < until_us)
    g_cond_wait_until (&n->cond, &n->lock, until_us);
  g_mutex_unlock (&n->lock);
}

/* Frees the leases of the cameras handed over (drain) once they stopped:
 * the other nodes take them at their next acquire. */
static void
release_handed_over (RbClusterNode * n)
{
  g_autoptr (GPtrArray) cameras = NULL;

  g_mutex_lock (&n->lock);
  cameras = g_steal_pointer (&n->to_release);
  n->to_release = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&n->lock);
  for (guint i = 0; i < cameras->len; i++) {
    const gchar *camera = g_ptr_array_index (cameras, i);
    g_autoptr (GError) err = NULL;

    if (rb_camera_leases_release (n->leases, camera, &err))
      g_message ("cluster: node %s handed camera %s over", n->node, camera);
    else
      g_warning ("cluster: node %s could not release camera %s (its lease "
          "expires): %s", n->node, camera, err->message);
  }
}

/* The members (rb-cluster-peers.h): the live nodes, and the nodes that
 * hold a lease, expired or not (they may be running cameras without the
 * database). Failures are left for the next renewal. */
static void
refresh_members (RbClusterNode * n)
{
  g_autoptr (PGresult) res = NULL;
  g_autoptr (GPtrArray) members = NULL;
  g_autoptr (GError) err = NULL;

  res = rb_db_query (rb_camera_leases_get_db (n->leases),
      "SELECT name, peer_address, peer_port FROM nodes "
      "WHERE alive_until > now() OR name IN (SELECT node FROM "
      "  camera_leases WHERE node IS NOT NULL)", 0, NULL, &err);
  if (res == NULL) {
    g_debug ("cluster: node %s: members: %s", n->node, err->message);
    return;
  }
  members = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_cluster_peer_free);
  for (gint i = 0; i < PQntuples (res); i++) {
    RbClusterPeer *m = g_new0 (RbClusterPeer, 1);

    m->name = g_strdup (PQgetvalue (res, i, 0));
    m->address = g_strdup (rb_db_get_string (res, i, 1));
    m->port = (guint) rb_db_get_int64 (res, i, 2, 0);
    g_ptr_array_add (members, m);
  }
  rb_cluster_peers_set_members (n->peers, members);
}

/* In the lease thread: whether another node has stayed lighter than this
 * one (rb_camera_leases_find_lighter()) for rebalance-after; then asks the
 * main context to hand one camera over. Returns the new @heavier_since. */
static gint64
look_for_lighter (RbClusterNode * n, gint64 heavier_since)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *to = NULL;
  gint64 now = g_get_monotonic_time ();

  if (!rb_camera_leases_find_lighter (n->leases, &to, &err)) {
    g_debug ("cluster: node %s: load: %s", n->node, err->message);
    return 0;
  }
  if (to == NULL)
    return 0;
  if (heavier_since == 0)
    return now;
  if (now - heavier_since < n->rebalance_after_us)
    return heavier_since;
  g_mutex_lock (&n->lock);
  if (n->rebalance_to == NULL)
    n->rebalance_to = g_steal_pointer (&to);
  g_mutex_unlock (&n->lock);
  return 0;
}

static gpointer
lease_thread (gpointer data)
{
  RbClusterNode *n = data;
  const gchar *none[] = { NULL };
  gint64 next = g_get_monotonic_time ();
  gboolean registered = FALSE;

  gint64 db_ok_since = 0, last_ok = 0, quorum_since = 0;
  gint64 heavier_since = 0;     /* a lighter node seen since, 0: not */

  for (;;) {
    g_autoptr (GError) err = NULL;
    g_autoptr (GPtrArray) lost = NULL;
    gboolean draining, quit;
    gint64 sent = g_get_monotonic_time ();

    g_mutex_lock (&n->lock);
    quit = n->quit;
    draining = n->draining;
    g_mutex_unlock (&n->lock);
    if (quit)
      break;

    release_handed_over (n);
    if (!rb_camera_leases_renew (n->leases, &lost, &err)) {
      db_ok_since = last_ok = quorum_since = 0;
      if (n->peers)
        rb_cluster_peers_set_db (n->peers, 0, 0);
      g_atomic_int_inc (&n->renew_failures);
      if (g_atomic_int_compare_and_exchange (&n->db_up, TRUE, FALSE))
        g_warning ("cluster: node %s cannot renew its leases: %s", n->node,
            err->message);
      g_mutex_lock (&n->lock);
      g_free (n->db_error);
      n->db_error = g_strdup (err->message);
      g_mutex_unlock (&n->lock);
      g_clear_error (&err);
      /* bounded by the connection's connect_timeout */
      if (!rb_db_reconnect (rb_camera_leases_get_db (n->leases), &err))
        g_debug ("cluster: %s", err->message);
      g_clear_error (&err);
    } else {
      if (g_atomic_int_compare_and_exchange (&n->db_up, FALSE, TRUE))
        g_message ("cluster: node %s renews its leases again", n->node);
      g_mutex_lock (&n->lock);
      g_clear_pointer (&n->db_error, g_free);
      for (guint i = 0; i < lost->len; i++)
        g_hash_table_replace (n->lost_why,
            g_strdup (g_ptr_array_index (lost, i)),
            g_strdup ("its lease expired and another node took it"));
      g_mutex_unlock (&n->lock);

      if (db_ok_since == 0)
        db_ok_since = sent;
      last_ok = sent;
      if (n->peers) {
        RbClusterPeersState st;
        gint64 now = g_get_monotonic_time ();

        rb_cluster_peers_set_db (n->peers, db_ok_since, last_ok);
        refresh_members (n);
        rb_cluster_peers_get_state (n->peers, &st);
        g_atomic_int_set (&n->peers_connected, st.connected);
        if (!rb_cluster_quorum (st.connected, st.members, TRUE))
          quorum_since = 0;
        else if (quorum_since == 0)
          quorum_since = now;
        /* another node's expired lease only with a settled view: see
         * the rule above */
        rb_camera_leases_set_take_expired (n->leases, quorum_since != 0
            && now - quorum_since >= RB_CLUSTER_REJOIN_MS * 1000
            && now - db_ok_since >= RB_CLUSTER_REJOIN_MS * 1000);
      }
      /* the first acquire only registers the node, so that the nodes
       * starting together share the cameras out */
      if (!draining && !rb_camera_leases_acquire (n->leases, registered ?
              (const gchar * const *) n->cameras : none, NULL, &err)) {
        g_debug ("cluster: node %s: acquire: %s", n->node, err->message);
        g_clear_error (&err);
      } else {
        registered = TRUE;
        if (!draining && n->rebalance_after_us > 0)
          heavier_since = look_for_lighter (n, heavier_since);
      }
    }

    next += RB_CAMERA_LEASE_RENEW_INTERVAL_MS * 1000;
    if (next < g_get_monotonic_time ())
      next = g_get_monotonic_time ();
    wait_until (n, next);
  }

  g_mutex_lock (&n->lock);
  if (n->release) {
    g_autoptr (GError) err = NULL;

    g_mutex_unlock (&n->lock);
    if (rb_camera_leases_release (n->leases, NULL, &err))
      g_message ("cluster: node %s released its leases", n->node);
    else
      g_warning ("cluster: node %s could not release its leases (they "
          "expire): %s", n->node, err->message);
  } else {
    g_mutex_unlock (&n->lock);
  }
  return NULL;
}

/* Why the node may no longer run @camera. */
static gchar *
lost_reason (RbClusterNode * n, const gchar * camera)
{
  gchar *why = NULL;

  g_mutex_lock (&n->lock);
  if (g_hash_table_steal_extended (n->lost_why, camera, NULL,
          (gpointer *) & why)) {
    g_mutex_unlock (&n->lock);
    return why;
  }
  why = g_strdup_printf ("its lease could not be renewed in time "
      "(stopped %u ms before it could expire)%s%s",
      RB_CAMERA_LEASE_DEFAULT_MARGIN_MS, n->db_error ? ": " : "",
      n->db_error ? n->db_error : "");
  g_mutex_unlock (&n->lock);
  return why;
}

/* Hands one running camera over to balance the load (the last by name):
 * stopped now, its lease released once its segment is finalized
 * (rb_cluster_node_camera_stopped()), then free for @to. */
static void
give_one_away (RbClusterNode * n, const gchar * to)
{
  const gchar *camera = NULL;

  for (guint i = 0; n->cameras[i]; i++)
    if (g_hash_table_contains (n->running, n->cameras[i]))
      camera = n->cameras[i];
  if (camera == NULL)
    return;
  g_message ("cluster: node %s hands camera %s over to balance the load "
      "(node %s runs fewer; its open segment is finalized, then its lease "
      "released)", n->node, camera, to);
  g_hash_table_remove (n->running, camera);
  g_hash_table_add (n->handing_over, g_strdup (camera));
  g_hash_table_add (n->given_away, g_strdup (camera));
  n->stop (camera, -1, "handed over to balance the load", n->user_data);
}

static gboolean
on_tick (gpointer data)
{
  RbClusterNode *n = data;
  gint64 now = g_get_monotonic_time ();
  gboolean draining, drain, keep = FALSE;
  guint kept = 0;
  gchar peers_why[128] = "";
  g_autofree gchar *rebalance_to = NULL;

  g_mutex_lock (&n->lock);
  draining = n->draining;
  rebalance_to = g_steal_pointer (&n->rebalance_to);
  g_mutex_unlock (&n->lock);
  /* `rtsp-blur cluster drain`: hand every camera over (a SIGTERM stops
   * them all at once, by the daemon) */
  drain = !draining && rb_camera_leases_is_draining (n->leases);
  if (rebalance_to != NULL && !draining && !drain)
    give_one_away (n, rebalance_to);

  if (n->peers != NULL) {
    RbClusterPeersState st;

    rb_cluster_peers_get_state (n->peers, &st);
    g_atomic_int_set (&n->peers_connected, st.connected);
    keep = rb_cluster_may_keep_without_db (&st);
    if (!keep)
      g_snprintf (peers_why, sizeof (peers_why), "; %u of %u nodes "
          "connected%s", st.connected, st.members,
          st.peer_db_ms >= RB_CLUSTER_DB_GRACE_MS ?
          ", and one of them reaches the database" : "");
  }

  for (guint i = 0; n->cameras[i]; i++) {
    const gchar *camera = n->cameras[i];
    gint64 epoch = -1;
    gint64 *running = g_hash_table_lookup (n->running, camera);
    gboolean holds = rb_camera_leases_holds (n->leases, camera, now, &epoch);

    /* the database is down for the nodes that matter: keep running what
     * this node held (the others cannot take it) */
    if (!holds && keep && running != NULL
        && rb_camera_leases_is_held (n->leases, camera, &epoch)) {
      holds = TRUE;
      kept++;
    }

    if (running != NULL && (!holds || *running != epoch)) {
      g_autofree gchar *why = holds ? g_strdup ("its lease changed hands") :
          lost_reason (n, camera);

      g_warning ("cluster: camera %s lost: %s%s", camera, why,
          holds ? "" : peers_why);
      g_hash_table_remove (n->running, camera);
      running = NULL;
      n->stop (camera, -1, why, n->user_data);
    }
    if (running != NULL && drain) {
      g_message ("cluster: node %s is draining: handing camera %s over "
          "(its open segment is finalized, then its lease released)",
          n->node, camera);
      g_hash_table_remove (n->running, camera);
      running = NULL;
      g_hash_table_add (n->handing_over, g_strdup (camera));
      n->stop (camera, -1, "the node is draining", n->user_data);
      continue;
    }
    if (!holds)
      g_hash_table_remove (n->given_away, camera);
    if (running == NULL && holds && !draining && !drain
        && !g_hash_table_contains (n->handing_over, camera)
        && !g_hash_table_contains (n->given_away, camera)) {
      gint64 *e = g_new (gint64, 1);

      *e = epoch;
      g_hash_table_insert (n->running, g_strdup (camera), e);
      g_message ("cluster: node %s runs camera %s (epoch %" G_GINT64_FORMAT
          ")", n->node, camera, epoch);
      n->start (camera, epoch, NULL, n->user_data);
    }
  }
  if (kept > 0 && !n->keeping)
    g_warning ("cluster: node %s cannot renew its leases but keeps its %u "
        "camera(s): a majority of the nodes is connected and none reaches "
        "the database", n->node, kept);
  else if (kept == 0 && n->keeping)
    g_message ("cluster: node %s no longer runs cameras past their leases",
        n->node);
  n->keeping = kept > 0;
  n->keeping_count = kept;
  return G_SOURCE_CONTINUE;
}

/* The heartbeats between nodes, on peer-address (default: the first
 * network's address) and peer-port; none when the port is 0 or the
 * address cannot be used (the node then stops its cameras when it cannot
 * renew their leases, whatever the others see). */
static void
start_peers (RbClusterNode * n, const RbConfig * config)
{
  const gchar *address = config->cluster_peer_address;
  g_autoptr (GError) err = NULL;
  g_autoptr (GInetAddress) inet = NULL;

  if (config->cluster_peer_port == 0)
    return;
  if (address == NULL && config->networks->len > 0)
    address = ((RbNetworkConfig *) g_ptr_array_index (config->networks,
            0))->address;
  inet = address ? g_inet_address_new_from_string (address) : NULL;
  if (inet == NULL || g_inet_address_get_is_any (inet)) {
    g_warning ("%s: [cluster] peer-address: %s is not an address the "
        "other nodes can reach: no heartbeats, so this node stops its "
        "cameras whenever it cannot reach the database", config->path,
        address ? address : "none");
    return;
  }
  n->peers = rb_cluster_peers_new (n->node, address,
      config->cluster_peer_port, &err);
  if (n->peers == NULL) {
    g_warning ("%s: [cluster] peer-port: %s: no heartbeats, so this node "
        "stops its cameras whenever it cannot reach the database",
        config->path, err->message);
    return;
  }
  rb_camera_leases_set_peer (n->leases, address, config->cluster_peer_port);
  g_message ("cluster: node %s: heartbeats on %s UDP port %u", n->node,
      address, config->cluster_peer_port);
}

/**
 * rb_cluster_node_new:
 * @config: a config with [cluster]; must outlive the node
 * @start: called when the node may run a camera
 * @stop: called when it must stop one
 * @user_data: for @start and @stop
 * @error: return location for a #GError, or %NULL
 *
 * Connects to the database, migrates its schema when this rtsp-blur is
 * newer, and starts keeping the node's leases. @start and @stop are
 * called in the thread-default main context of the caller.
 *
 * Returns: (transfer full) (nullable): the node, or %NULL with an
 *   #RB_DB_ERROR naming the database.
 */
RbClusterNode *
rb_cluster_node_new (const RbConfig * config, RbClusterCameraFunc start,
    RbClusterCameraFunc stop, gpointer user_data, GError ** error)
{
  RbClusterNode *n;
  RbDb *db;
  guint from = 0, to = 0, capacity;
  GSource *tick;

  g_return_val_if_fail (config != NULL && config->cluster, NULL);

  db = rb_db_connect (config->cluster_database,
      config->cluster_password_file, error);
  if (db == NULL)
    return NULL;
  if (!rb_db_migrate (db, &from, &to, error)) {
    rb_db_free (db);
    return NULL;
  }
  if (from != to)
    g_message ("cluster: %s: schema migrated from version %u to %u",
        rb_db_describe (db), from, to);

  n = g_new0 (RbClusterNode, 1);
  n->node = g_strdup (config->cluster_node);
  n->cameras = g_new0 (gchar *, config->cameras->len + 1);
  for (guint i = 0; i < config->cameras->len; i++)
    n->cameras[i] = g_strdup (((RbCameraConfig *)
            g_ptr_array_index (config->cameras, i))->name);
  capacity = config->cluster_capacity ? config->cluster_capacity :
      config->cameras->len;
  g_message ("cluster: node %s on %s, capacity %u cameras", n->node,
      rb_db_describe (db), capacity);
  n->leases = rb_camera_leases_new (db, n->node, capacity,
      RB_CAMERA_LEASE_DEFAULT_TTL_MS, RB_CAMERA_LEASE_DEFAULT_MARGIN_MS);
  n->start = start;
  n->stop = stop;
  n->user_data = user_data;
  g_mutex_init (&n->lock);
  g_cond_init (&n->cond);
  n->lost_why = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  n->running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  n->db_up = TRUE;
  n->to_release = g_ptr_array_new_with_free_func (g_free);
  n->handing_over = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  n->given_away = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  n->rebalance_after_us = (gint64) config->cluster_rebalance_after_s *
      G_USEC_PER_SEC;
  start_peers (n, config);
  n->thread = g_thread_new ("rb-cluster", lease_thread, n);

  tick = g_timeout_source_new (TICK_MS);
  g_source_set_callback (tick, on_tick, n, NULL);
  n->tick_source = g_source_attach (tick, g_main_context_get_thread_default
      ());
  g_source_unref (tick);
  return n;
}

/**
 * rb_cluster_node_drain:
 * @node: a node
 *
 * The node takes no more cameras, nor starts again those it stopped: it
 * is about to stop. The cameras it runs are stopped by the caller.
 */
void
rb_cluster_node_drain (RbClusterNode * node)
{
  g_mutex_lock (&node->lock);
  node->draining = TRUE;
  g_mutex_unlock (&node->lock);
}

/**
 * rb_cluster_node_camera_stopped:
 * @node: a node
 * @camera: a camera the daemon finished stopping (its segment finalized)
 *
 * A camera handed over for a drain is released now, so that another node
 * takes it at once.
 */
void
rb_cluster_node_camera_stopped (RbClusterNode * node, const gchar * camera)
{
  if (!g_hash_table_remove (node->handing_over, camera))
    return;
  g_mutex_lock (&node->lock);
  g_ptr_array_add (node->to_release, g_strdup (camera));
  g_cond_broadcast (&node->cond);
  g_mutex_unlock (&node->lock);
}

/**
 * rb_cluster_node_free:
 * @node: (transfer full) (nullable): a node
 * @release: free its leases in the database (its cameras are stopped), so
 *   that the other nodes take them at once, instead of letting them expire
 *
 * Stops the lease thread (waiting for its current database call).
 */
void
rb_cluster_node_free (RbClusterNode * node, gboolean release)
{
  if (node == NULL)
    return;
  if (node->tick_source) {
    GSource *s = g_main_context_find_source_by_id
        (g_main_context_get_thread_default (), node->tick_source);

    if (s)
      g_source_destroy (s);
  }
  g_mutex_lock (&node->lock);
  node->quit = TRUE;
  node->release = release;
  g_cond_broadcast (&node->cond);
  g_mutex_unlock (&node->lock);
  g_thread_join (node->thread);
  rb_cluster_peers_free (node->peers);
  rb_camera_leases_free (node->leases);
  g_hash_table_unref (node->lost_why);
  g_ptr_array_unref (node->to_release);
  g_hash_table_unref (node->handing_over);
  g_hash_table_unref (node->given_away);
  g_free (node->rebalance_to);
  g_hash_table_unref (node->running);
  g_free (node->db_error);
  g_mutex_clear (&node->lock);
  g_cond_clear (&node->cond);
  g_strfreev (node->cameras);
  g_free (node->node);
  g_free (node);
}

/**
 * rb_cluster_node_get_running:
 * @node: a node
 *
 * Returns: how many cameras the node runs under a lease now.
 */
guint
rb_cluster_node_get_running (RbClusterNode * node)
{
  return g_hash_table_size (node->running);
}

/**
 * rb_cluster_node_collect:
 * @node: a node
 * @out: the metrics text being written
 *
 * Appends the node's metrics (Prometheus text format).
 */
void
rb_cluster_node_collect (RbClusterNode * node, GString * out)
{
  g_string_append_printf (out,
      "# HELP rtsp_blur_cluster_cameras_held Cameras this node runs under "
      "a lease\n"
      "# TYPE rtsp_blur_cluster_cameras_held gauge\n"
      "rtsp_blur_cluster_cameras_held{node=\"%s\"} %u\n"
      "# HELP rtsp_blur_cluster_lease_renew_failures_total Lease renewals "
      "that failed (database unreachable or refusing)\n"
      "# TYPE rtsp_blur_cluster_lease_renew_failures_total counter\n"
      "rtsp_blur_cluster_lease_renew_failures_total{node=\"%s\"} %d\n"
      "# HELP rtsp_blur_cluster_database_up Whether the last lease renewal "
      "succeeded\n"
      "# TYPE rtsp_blur_cluster_database_up gauge\n"
      "rtsp_blur_cluster_database_up{node=\"%s\"} %d\n"
      "# HELP rtsp_blur_cluster_peers_connected Nodes this node exchanges "
      "heartbeats with, itself included (0: no heartbeats)\n"
      "# TYPE rtsp_blur_cluster_peers_connected gauge\n"
      "rtsp_blur_cluster_peers_connected{node=\"%s\"} %d\n"
      "# HELP rtsp_blur_cluster_cameras_kept Cameras this node runs past "
      "their leases, the database being down for a majority of the nodes\n"
      "# TYPE rtsp_blur_cluster_cameras_kept gauge\n"
      "rtsp_blur_cluster_cameras_kept{node=\"%s\"} %d\n",
      node->node, g_hash_table_size (node->running), node->node,
      g_atomic_int_get (&node->renew_failures), node->node,
      g_atomic_int_get (&node->db_up) ? 1 : 0, node->node,
      node->peers ? g_atomic_int_get (&node->peers_connected) : 0,
      node->node, node->keeping_count);
  for (guint i = 0; node->cameras[i]; i++) {
    if (i == 0)
      g_string_append (out, "# HELP rtsp_blur_cluster_camera_running "
          "Whether this node runs the camera under a lease\n"
          "# TYPE rtsp_blur_cluster_camera_running gauge\n");
    g_string_append_printf (out,
        "rtsp_blur_cluster_camera_running{camera=\"%s\"} %d\n",
        node->cameras[i], g_hash_table_contains (node->running,
            node->cameras[i]) ? 1 : 0);
  }
}
