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
 * SECTION:rb-camera-leases
 * @title: RbCameraLeases
 * @short_description: which node runs which camera, by lease
 *
 * The table `camera_leases` has one row per camera: the node holding it,
 * until when (`expires_at`), and its epoch. A node:
 *
 * - **acquires** (rb_camera_leases_acquire(), every few seconds) cameras
 *   that are free or whose lease expired, up to its capacity, and only its
 *   share of them: under the advisory lock #RB_DB_LOCK_LEASES it hands the
 *   free cameras out one by one to the least loaded live node (cameras
 *   held / capacity; ties to the node with fewer, then by name) and takes
 *   those that fell to it. The others take theirs at their next acquire,
 *   so six cameras on three nodes end up 2/2/2. A node is live while it
 *   renews (`nodes.alive_until`) and is not draining. A camera left free
 *   for a whole TTL (the node whose share it was did not take it) goes to
 *   any node with room, so none stays unowned while capacity remains.
 *   Nodes joining later get cameras only as they become free: there is
 *   no rebalancing (start every node, let it register with an empty
 *   acquire, and wait a renewal interval before the first real one).
 * - **renews** (rb_camera_leases_renew(), every
 *   #RB_CAMERA_LEASE_RENEW_INTERVAL_MS) the leases it holds, learning
 *   which it lost;
 * - **releases** a camera it stopped (rb_camera_leases_release()), which
 *   another node can take at once.
 *
 * Every change of owner adds one to the camera's epoch: the fencing token
 * a recorder can attach to what it writes.
 *
 * **Clocks.** Expiry is decided on the database's clock only: a lease
 * expires at the server's now() + TTL of its last renewal, and other nodes
 * compare it with the server's now(). A node's own rule uses its monotonic
 * clock only: a lease is safe to use until TTL − margin after the renewal
 * was *sent* (rb_camera_lease_is_safe()), which is never later than the
 * server's expiry since the server stamped it after the sending. So a
 * node that cannot reach the database stops using its cameras before
 * anyone else may take them, without any clock synchronisation; the
 * margin covers clock rate differences and the time to stop.
 *
 * Database calls are made by one thread; rb_camera_leases_holds() and
 * rb_camera_leases_get_held() may be called from any thread.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-camera-leases.h"

#include <string.h>

/* SQL: since when a camera_leases row that can be acquired is free */
#define FREE_AT "(CASE WHEN node IS NULL THEN free_since ELSE expires_at END)"

typedef struct
{
  gint64 epoch;
  gint64 renewal_sent_us;       /* monotonic */
} Held;

struct _RbCameraLeases
{
  RbDb *db;
  gchar *node;
  guint capacity;
  guint ttl_ms;
  guint margin_ms;
  gchar *ttl;                   /* ttl_ms as a query parameter */
  gchar *peer_address;          /* NULL: no heartbeats */
  guint peer_port;
  gint take_expired;            /* atomic */
  gint draining;                /* atomic: nodes.draining at the last acquire */
  GMutex lock;
  GHashTable *held;             /* camera → Held; protected by lock */
};

/**
 * rb_camera_lease_free:
 * @lease: (transfer full) (nullable): a lease row
 *
 * Since: 0.1.0
 */
void
rb_camera_lease_free (RbCameraLease * lease)
{
  if (lease == NULL)
    return;
  g_free (lease->camera);
  g_free (lease->node);
  g_free (lease);
}

/**
 * rb_camera_lease_is_safe:
 * @renewal_sent_us: monotonic time (g_get_monotonic_time()) at which the
 *   last successful renewal (or the acquisition) of the lease was sent
 * @ttl_ms: the lease's time to live
 * @margin_ms: safety margin (< @ttl_ms)
 * @now_us: the monotonic time now
 *
 * The self-fencing rule, a pure function: may a node still use a lease it
 * could not renew since @renewal_sent_us? The server set the expiry to
 * its now() + @ttl_ms when it ran the renewal, after it was sent: so the
 * lease lasts at least @ttl_ms from @renewal_sent_us, measured on any
 * clock that runs at the server's rate. The node stops @margin_ms before
 * that, for the difference of clock rates and the time stopping takes,
 * whether or not the database can be reached.
 *
 * Returns: %TRUE while @now_us is within [@renewal_sent_us,
 *   @renewal_sent_us + @ttl_ms − @margin_ms).
 *
 * Since: 0.1.0
 */
gboolean
rb_camera_lease_is_safe (gint64 renewal_sent_us, guint ttl_ms,
    guint margin_ms, gint64 now_us)
{
  if (margin_ms >= ttl_ms || now_us < renewal_sent_us)
    return FALSE;
  return now_us - renewal_sent_us < (gint64) (ttl_ms - margin_ms) * 1000;
}

/**
 * rb_camera_leases_new:
 * @db: (transfer full): a connection to a database at
 *   #RB_DB_SCHEMA_VERSION, used by the leases only (renewals must not wait
 *   behind other queries)
 * @node: this node's name
 * @capacity: how many cameras it may run
 * @ttl_ms: lease time to live (e.g. #RB_CAMERA_LEASE_DEFAULT_TTL_MS)
 * @margin_ms: self-fencing margin, < @ttl_ms (e.g.
 *   #RB_CAMERA_LEASE_DEFAULT_MARGIN_MS)
 *
 * Returns: (transfer full): the node's leases, none held yet.
 *
 * Since: 0.1.0
 */
RbCameraLeases *
rb_camera_leases_new (RbDb * db, const gchar * node, guint capacity,
    guint ttl_ms, guint margin_ms)
{
  RbCameraLeases *l;

  g_return_val_if_fail (db != NULL && node != NULL && *node != '\0', NULL);
  g_return_val_if_fail (margin_ms < ttl_ms, NULL);

  l = g_new0 (RbCameraLeases, 1);
  l->db = db;
  l->node = g_strdup (node);
  l->capacity = capacity;
  l->ttl_ms = ttl_ms;
  l->margin_ms = margin_ms;
  l->ttl = g_strdup_printf ("%u", ttl_ms);
  l->take_expired = TRUE;
  g_mutex_init (&l->lock);
  l->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return l;
}

/**
 * rb_camera_leases_free:
 * @leases: (transfer full) (nullable): a node's leases
 *
 * Closes the connection. Leases still held are not released: they expire
 * (call rb_camera_leases_release() first to hand them over at once).
 *
 * Since: 0.1.0
 */
void
rb_camera_leases_free (RbCameraLeases * leases)
{
  if (leases == NULL)
    return;
  rb_db_free (leases->db);
  g_free (leases->node);
  g_free (leases->ttl);
  g_free (leases->peer_address);
  g_hash_table_unref (leases->held);
  g_mutex_clear (&leases->lock);
  g_free (leases);
}

/**
 * rb_camera_leases_get_db:
 * @leases: a node's leases
 *
 * Returns: (transfer none): its connection.
 *
 * Since: 0.1.0
 */
RbDb *
rb_camera_leases_get_db (RbCameraLeases * leases)
{
  g_return_val_if_fail (leases != NULL, NULL);
  return leases->db;
}

/* SQL: a camera_leases row that can be acquired: free, or expired (only
 * this node's own, $@node_param, unless it may take expired leases). */
static gchar *
free_sql (RbCameraLeases * l, gint node_param)
{
  return g_strdup_printf ("(node IS NULL OR (expires_at <= now() AND "
      "(%s OR node = $%d)))", g_atomic_int_get (&l->take_expired) ?
      "true" : "false", node_param);
}

/**
 * rb_camera_leases_set_peer:
 * @leases: a node's leases
 * @address: (nullable): where the node receives the other nodes'
 *   heartbeats, %NULL for nowhere
 * @port: its UDP port
 *
 * Registered with the node at its next acquire (`nodes.peer_address`,
 * `peer_port`), for the other nodes' heartbeats (rb-cluster-peers.h).
 */
void
rb_camera_leases_set_peer (RbCameraLeases * leases, const gchar * address,
    guint port)
{
  g_free (leases->peer_address);
  leases->peer_address = address && port ? g_strdup (address) : NULL;
  leases->peer_port = address ? port : 0;
}

/**
 * rb_camera_leases_set_take_expired:
 * @leases: a node's leases
 * @take: whether rb_camera_leases_acquire() may take another node's
 *   expired lease (default %TRUE)
 *
 * Without, it takes only free cameras and this node's own expired leases:
 * while its view of the cluster is not yet settled, an expired lease may
 * belong to a node that kept its cameras through a database outage and
 * has not renewed yet.
 */
void
rb_camera_leases_set_take_expired (RbCameraLeases * leases, gboolean take)
{
  g_atomic_int_set (&leases->take_expired, take);
}

/**
 * rb_camera_leases_is_draining:
 * @leases: a node's leases
 *
 * Returns: whether the database said, at the last acquire, that the node
 *   is draining (`rtsp-blur cluster drain NODE`): it takes no camera and
 *   should hand its cameras over.
 */
gboolean
rb_camera_leases_is_draining (RbCameraLeases * leases)
{
  return g_atomic_int_get (&leases->draining);
}

/**
 * rb_camera_leases_set_draining:
 * @db: a connection
 * @node: a node's name
 * @draining: drain it, or let it take cameras again
 * @out_alive: (out) (optional): whether the node is alive (renewing)
 * @error: return location for a #GError, or %NULL
 *
 * `rtsp-blur cluster drain NODE` and `undrain`: the node learns it at its
 * next acquire (within a second).
 *
 * Returns: %TRUE on success; %FALSE with #RB_DB_ERROR_INVALID when the
 *   cluster has no such node.
 */
gboolean
rb_camera_leases_set_draining (RbDb * db, const gchar * node,
    gboolean draining, gboolean * out_alive, GError ** error)
{
  const gchar *params[] = { node, draining ? "true" : "false" };
  g_autoptr (PGresult) res = NULL;

  g_return_val_if_fail (db != NULL && node != NULL, FALSE);

  res = rb_db_query (db, "UPDATE nodes SET draining = $2::boolean "
      "WHERE name = $1 RETURNING alive_until > now()", 2, params, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0) {
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_INVALID,
        "the cluster has no node %s (it registers at its first start)",
        node);
    return FALSE;
  }
  if (out_alive)
    *out_alive = g_str_equal (PQgetvalue (res, 0, 0), "t");
  return TRUE;
}

/**
 * rb_camera_leases_is_held:
 * @leases: a node's leases
 * @camera: a camera
 * @out_epoch: (out) (optional): the lease's epoch
 *
 * Whether this node acquired @camera and has neither lost nor released
 * it, however long ago it last renewed it (compare
 * rb_camera_leases_holds()).
 *
 * Returns: %TRUE if held.
 */
gboolean
rb_camera_leases_is_held (RbCameraLeases * leases, const gchar * camera,
    gint64 * out_epoch)
{
  Held *h;

  g_mutex_lock (&leases->lock);
  h = g_hash_table_lookup (leases->held, camera);
  if (h != NULL && out_epoch)
    *out_epoch = h->epoch;
  g_mutex_unlock (&leases->lock);
  return h != NULL;
}

/* A PostgreSQL text[] literal of @strv. */
static gchar *
text_array (const gchar * const *strv)
{
  GString *s = g_string_new ("{");

  for (guint i = 0; strv && strv[i]; i++) {
    if (i > 0)
      g_string_append_c (s, ',');
    g_string_append_c (s, '"');
    for (const gchar * p = strv[i]; *p; p++) {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
    g_string_append_c (s, '"');
  }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

typedef struct
{
  const gchar *name;
  gint64 capacity;
  gint64 held;
} Load;

/* Hands @n_free cameras out one by one to the least loaded node with room
 * (held / capacity, then fewer held, then the order of @loads: by name)
 * and returns how many fall to loads[@me]. */
static guint
share_of_free (Load * loads, guint n_loads, guint me, guint n_free)
{
  guint mine = 0;

  for (guint k = 0; k < n_free; k++) {
    gint best = -1;

    for (guint i = 0; i < n_loads; i++) {
      Load *c = &loads[i], *b;

      if (c->held >= c->capacity)
        continue;
      if (best < 0) {
        best = i;
        continue;
      }
      b = &loads[best];
      /* c->held / c->capacity < b->held / b->capacity */
      if (c->held * b->capacity < b->held * c->capacity
          || (c->held * b->capacity == b->held * c->capacity
              && c->held < b->held))
        best = i;
    }
    if (best < 0)
      break;
    loads[best].held++;
    if ((guint) best == me)
      mine++;
  }
  return mine;
}

/* The live nodes that are not draining, by name, each with its capacity
 * and the leases it holds: the returned array points into *@out_res (keep
 * it while using them); *@out_me gets this node's index, or -1. */
static Load *
query_loads (RbCameraLeases * l, PGresult ** out_res, gint * out_n,
    gint * out_me, GError ** error)
{
  PGresult *res;
  Load *loads;
  gint n;

  res = rb_db_query (l->db,
      "SELECT n.name, n.capacity, (SELECT count(*) FROM camera_leases c "
      "    WHERE c.node = n.name AND c.expires_at > now()) "
      "FROM nodes n WHERE n.alive_until > now() AND NOT n.draining "
      "ORDER BY n.name", 0, NULL, error);
  if (res == NULL)
    return NULL;
  n = PQntuples (res);
  loads = g_new0 (Load, MAX (n, 1));
  *out_me = -1;
  for (gint i = 0; i < n; i++) {
    loads[i].name = PQgetvalue (res, i, 0);
    loads[i].capacity = rb_db_get_int64 (res, i, 1, 0);
    loads[i].held = rb_db_get_int64 (res, i, 2, 0);
    if (g_str_equal (loads[i].name, l->node))
      *out_me = i;
  }
  *out_res = res;
  *out_n = n;
  return loads;
}

/* In the acquire transaction: how many of the @n_free free cameras are
 * this node's share. */
static gboolean
compute_share (RbCameraLeases * l, guint n_free, guint * out_share,
    GError ** error)
{
  g_autoptr (PGresult) res = NULL;
  g_autofree Load *loads = NULL;
  gint n, me;

  loads = query_loads (l, &res, &n, &me, error);
  if (loads == NULL)
    return FALSE;
  /* not live: draining */
  *out_share = me < 0 ? 0 : share_of_free (loads, n, me, n_free);
  return TRUE;
}

/* Whether loads[@me] should hand one camera over to balance the load:
 * some other node with room would, after taking it, still be less loaded
 * than loads[@me] is now ((held + 1) / capacity < mine / my capacity: with
 * equal capacities, two cameras fewer), so a move never calls for the move
 * back. *@out_to gets that node's index (the least loaded). */
static gboolean
lighter_node (const Load * loads, guint n_loads, guint me, guint * out_to)
{
  const Load *m = &loads[me];
  gint best = -1;

  for (guint i = 0; i < n_loads; i++) {
    const Load *c = &loads[i];

    if (i == me || c->held >= c->capacity
        || (c->held + 1) * m->capacity >= m->held * c->capacity)
      continue;
    if (best < 0 || c->held * loads[best].capacity
        < loads[best].held * c->capacity)
      best = i;
  }
  if (best >= 0)
    *out_to = best;
  return best >= 0;
}

/**
 * rb_camera_leases_find_lighter:
 * @leases: a node's leases
 * @out_node: (out) (transfer full) (nullable): the lighter node, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Looks, on the database, for a live node (not draining) that would still
 * be less loaded than this one after taking one of its cameras (see
 * #RbClusterNode's rebalancing): loads are held leases over capacity.
 *
 * Returns: %TRUE when the query ran (*@out_node set or %NULL).
 *
 * Since: 0.1.0
 */
gboolean
rb_camera_leases_find_lighter (RbCameraLeases * leases, gchar ** out_node,
    GError ** error)
{
  g_autoptr (PGresult) res = NULL;
  g_autofree Load *loads = NULL;
  gint n, me;
  guint to;

  *out_node = NULL;
  loads = query_loads (leases, &res, &n, &me, error);
  if (loads == NULL)
    return FALSE;
  for (gint i = 0; i < n; i++)
    loads[i].capacity = MAX (loads[i].capacity, 1);
  if (me >= 0 && lighter_node (loads, n, me, &to))
    *out_node = g_strdup (loads[to].name);
  return TRUE;
}

static void
set_held (RbCameraLeases * l, const gchar * camera, gint64 epoch,
    gint64 sent_us)
{
  Held *h = g_new (Held, 1);

  h->epoch = epoch;
  h->renewal_sent_us = sent_us;
  g_hash_table_replace (l->held, g_strdup (camera), h);
}

/**
 * rb_camera_leases_acquire:
 * @leases: a node's leases
 * @cameras: (array zero-terminated=1): the cameras of the configuration
 *   (every node has the same); rows are created for new ones
 * @out_acquired: (out) (optional) (transfer full) (element-type utf8): the
 *   cameras acquired by this call, sorted
 * @error: return location for a #GError, or %NULL
 *
 * Registers the node as live (and its capacity), then takes its share of
 * the free cameras of @cameras: those without owner or whose lease has
 * expired on the database's clock, including this node's own expired
 * ones; and, up to its capacity, those free for longer than the TTL. A
 * draining node takes none. Each acquired camera's epoch grows by one.
 * One transaction, under #RB_DB_LOCK_LEASES.
 *
 * Returns: %TRUE on success (also when nothing was taken).
 *
 * Since: 0.1.0
 */
gboolean
rb_camera_leases_acquire (RbCameraLeases * leases,
    const gchar * const *cameras, GPtrArray ** out_acquired, GError ** error)
{
  RbCameraLeases *l = leases;
  g_autofree gchar *array = NULL, *capacity = NULL, *lock = NULL;
  g_autofree gchar *share_s = NULL, *sql = NULL;
  g_autofree gchar *free1 = NULL, *free3 = NULL;
  g_autoptr (PGresult) res = NULL;
  GPtrArray *acquired = g_ptr_array_new_with_free_func (g_free);
  gint64 sent = g_get_monotonic_time ();
  guint share = 0, n_free, n_stale, n_mine;
  gboolean draining = FALSE;

  g_return_val_if_fail (leases != NULL && cameras != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  array = text_array (cameras);
  /* this node's name is $1 in one query, $3 in the other */
  free1 = free_sql (l, 1);
  free3 = free_sql (l, 3);
  capacity = g_strdup_printf ("%u", l->capacity);
  lock = g_strdup_printf ("SELECT pg_advisory_xact_lock(%d)",
      RB_DB_LOCK_LEASES);

  if (!rb_db_begin (l->db, error))
    goto fail;
  if (!rb_db_exec (l->db, lock, error))
    goto fail;
  {
    g_autofree gchar *port = l->peer_port ? g_strdup_printf ("%u",
        l->peer_port) : NULL;
    const gchar *params[] = { l->node, capacity, l->ttl, VERSION,
      l->peer_address, port
    };
    res = rb_db_query (l->db,
        "INSERT INTO nodes (name, capacity, alive_until, version, "
        "  peer_address, peer_port) "
        "VALUES ($1, $2::int, "
        "  now() + make_interval(secs => $3::float8 / 1000), $4, $5, "
        "  $6::int) "
        "ON CONFLICT (name) DO UPDATE SET capacity = EXCLUDED.capacity, "
        "  alive_until = EXCLUDED.alive_until, last_seen = now(), "
        "  version = EXCLUDED.version, "
        "  peer_address = EXCLUDED.peer_address, "
        "  peer_port = EXCLUDED.peer_port RETURNING draining", 6, params,
        error);
    if (res == NULL)
      goto fail;
    draining = g_str_equal (PQgetvalue (res, 0, 0), "t");
    g_atomic_int_set (&l->draining, draining);
    g_clear_pointer (&res, PQclear);
  }
  {
    const gchar *params[] = { array };
    res = rb_db_query (l->db, "INSERT INTO camera_leases (camera) "
        "SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", 1, params, error);
    if (res == NULL)
      goto fail;
    g_clear_pointer (&res, PQclear);
  }
  {
    const gchar *params[] = { array, l->ttl, l->node };
    g_autofree gchar *count_sql = g_strdup_printf ("SELECT "
        "  count(*) FILTER (WHERE camera = ANY ($1::text[]) AND %s), "
        "  count(*) FILTER (WHERE camera = ANY ($1::text[]) AND %s"
        "    AND " FREE_AT " <= now() "
        "    - make_interval(secs => $2::float8 / 1000)), "
        "  count(*) FILTER (WHERE node = $3 AND expires_at > now()) "
        "FROM camera_leases", free3, free3);

    res = rb_db_query (l->db, count_sql, 3, params, error);
    if (res == NULL)
      goto fail;
    n_free = (guint) rb_db_get_int64 (res, 0, 0, 0);
    n_stale = (guint) rb_db_get_int64 (res, 0, 1, 0);
    n_mine = (guint) rb_db_get_int64 (res, 0, 2, 0);
    g_clear_pointer (&res, PQclear);
  }
  if (n_free > 0 && !compute_share (l, n_free, &share, error))
    goto fail;
  /* cameras nobody took for a TTL: anyone with room takes them */
  if (share < n_stale && !draining)
    share = MIN (n_stale, l->capacity > n_mine ? l->capacity - n_mine : 0);
  if (share > 0) {
    const gchar *params[4] = { l->node, array, l->ttl, NULL };

    share_s = g_strdup_printf ("%u", share);
    params[3] = share_s;
    sql = g_strdup_printf ("WITH f AS (SELECT camera FROM camera_leases "
        "  WHERE camera = ANY ($2::text[]) AND %s "
        "  ORDER BY " FREE_AT ", camera LIMIT $4::int FOR UPDATE) "
        "UPDATE camera_leases c SET node = $1, epoch = c.epoch + 1, "
        "  expires_at = now() + make_interval(secs => $3::float8 / 1000), "
        "  acquired_at = now(), renewed_at = now() "
        "FROM f WHERE c.camera = f.camera "
        "RETURNING c.camera, c.epoch", free1);
    res = rb_db_query (l->db, sql, 4, params, error);
    if (res == NULL)
      goto fail;
  }
  if (!rb_db_commit (l->db, error))
    goto fail;

  g_mutex_lock (&l->lock);
  for (gint i = 0; res && i < PQntuples (res); i++) {
    const gchar *camera = PQgetvalue (res, i, 0);

    set_held (l, camera, rb_db_get_int64 (res, i, 1, 0), sent);
    g_ptr_array_add (acquired, g_strdup (camera));
  }
  g_mutex_unlock (&l->lock);
  g_ptr_array_sort (acquired, compare_strings);
  if (acquired->len > 0)
    g_debug ("node %s acquired %u camera(s)", l->node, acquired->len);
  if (out_acquired)
    *out_acquired = acquired;
  else
    g_ptr_array_unref (acquired);
  return TRUE;

fail:
  rb_db_rollback (l->db);
  g_ptr_array_unref (acquired);
  return FALSE;
}

/* The cameras held locally, sorted; the lock is held. */
static GPtrArray *
held_names_locked (RbCameraLeases * l)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, l->held);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (names, g_strdup (key));
  g_ptr_array_sort (names, compare_strings);
  return names;
}

/**
 * rb_camera_leases_renew:
 * @leases: a node's leases
 * @out_lost: (out) (optional) (transfer full) (element-type utf8): the
 *   cameras this node held and lost (taken by another node after the
 *   lease expired), sorted
 * @error: return location for a #GError, or %NULL
 *
 * Extends the node's liveness and every lease it still holds by the TTL
 * from the server's now(). A lease that expired but that nobody took is
 * extended too (the node can use it again: nobody else did meanwhile). A
 * lease another node took is lost: forget the camera at once. On error
 * nothing changes: rb_camera_leases_holds() turns %FALSE on its own when
 * renewals keep failing.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1.0
 */
gboolean
rb_camera_leases_renew (RbCameraLeases * leases, GPtrArray ** out_lost,
    GError ** error)
{
  RbCameraLeases *l = leases;
  g_autoptr (GPtrArray) names = NULL;
  g_autofree gchar *array = NULL;
  g_autoptr (PGresult) res = NULL;
  GPtrArray *lost;
  GHashTable *renewed;
  gint64 sent;

  g_return_val_if_fail (leases != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&l->lock);
  names = held_names_locked (l);
  g_mutex_unlock (&l->lock);
  g_ptr_array_add (names, NULL);
  array = text_array ((const gchar * const *) names->pdata);
  g_ptr_array_remove_index (names, names->len - 1);

  sent = g_get_monotonic_time ();
  {
    const gchar *params[] = { l->node, array, l->ttl };
    res = rb_db_query (l->db,
        "WITH n AS (UPDATE nodes SET last_seen = now(), "
        "    alive_until = now() + make_interval(secs => $3::float8 / 1000) "
        "    WHERE name = $1), "
        "r AS (SELECT camera FROM camera_leases "
        "  WHERE node = $1 AND camera = ANY ($2::text[]) "
        "  ORDER BY camera FOR UPDATE) "
        "UPDATE camera_leases c SET renewed_at = now(), "
        "  expires_at = now() + make_interval(secs => $3::float8 / 1000) "
        "FROM r WHERE c.camera = r.camera "
        "RETURNING c.camera, c.epoch", 3, params, error);
  }
  if (res == NULL)
    return FALSE;

  renewed = g_hash_table_new (g_str_hash, g_str_equal);
  lost = g_ptr_array_new_with_free_func (g_free);
  g_mutex_lock (&l->lock);
  for (gint i = 0; i < PQntuples (res); i++) {
    const gchar *camera = PQgetvalue (res, i, 0);
    Held *h = g_hash_table_lookup (l->held, camera);

    /* another epoch: the camera changed hands meanwhile */
    if (h != NULL && h->epoch == rb_db_get_int64 (res, i, 1, -1)) {
      h->renewal_sent_us = sent;
      g_hash_table_add (renewed, (gpointer) camera);
    }
  }
  for (guint i = 0; i < names->len; i++) {
    const gchar *camera = g_ptr_array_index (names, i);

    if (!g_hash_table_contains (renewed, camera)) {
      g_hash_table_remove (l->held, camera);
      g_ptr_array_add (lost, g_strdup (camera));
    }
  }
  g_mutex_unlock (&l->lock);
  g_hash_table_unref (renewed);
  if (lost->len > 0)
    g_message ("node %s lost the lease of %u camera(s)", l->node, lost->len);
  if (out_lost)
    *out_lost = lost;
  else
    g_ptr_array_unref (lost);
  return TRUE;
}

/**
 * rb_camera_leases_release:
 * @leases: a node's leases
 * @camera: (nullable): a camera this node stopped, or %NULL for all of the
 *   node's leases (also those of an earlier run under the same name): the
 *   node leaves
 * @error: return location for a #GError, or %NULL
 *
 * Forgets the lease(s) at once, then frees them in the database so that
 * another node can take them without waiting for the TTL. Stop using the
 * camera first. With %NULL the node is also no longer alive for the
 * others (until its next rb_camera_leases_acquire()): none counts it in
 * the share of free cameras or hands it a camera to balance the load.
 *
 * Returns: %TRUE on success; on failure the lease is forgotten all the
 *   same and expires.
 *
 * Since: 0.1.0
 */
gboolean
rb_camera_leases_release (RbCameraLeases * leases, const gchar * camera,
    GError ** error)
{
  const gchar *params[2];
  g_autoptr (PGresult) res = NULL;

  g_return_val_if_fail (leases != NULL, FALSE);

  g_mutex_lock (&leases->lock);
  if (camera)
    g_hash_table_remove (leases->held, camera);
  else
    g_hash_table_remove_all (leases->held);
  g_mutex_unlock (&leases->lock);

  params[0] = leases->node;
  params[1] = camera;
  res = rb_db_query (leases->db,
      "WITH left_node AS (UPDATE nodes SET alive_until = now() "
      "  WHERE name = $1 AND $2::text IS NULL) "
      "UPDATE camera_leases SET node = NULL, expires_at = NULL, "
      "  free_since = now() "
      "WHERE node = $1 AND ($2::text IS NULL OR camera = $2)", 2, params,
      error);
  return res != NULL;
}

/**
 * rb_camera_leases_holds:
 * @leases: a node's leases
 * @camera: a camera
 * @now_us: g_get_monotonic_time()
 * @out_epoch: (out) (optional): the lease's epoch
 *
 * Whether this node may use @camera now: it acquired it, has not lost it
 * at a renewal, and the last successful renewal is recent enough
 * (rb_camera_lease_is_safe()), which needs no database.
 *
 * Returns: %TRUE if the camera may be used.
 *
 * Since: 0.1.0
 */
gboolean
rb_camera_leases_holds (RbCameraLeases * leases, const gchar * camera,
    gint64 now_us, gint64 * out_epoch)
{
  Held *h;
  gboolean safe = FALSE;

  g_return_val_if_fail (leases != NULL && camera != NULL, FALSE);

  g_mutex_lock (&leases->lock);
  h = g_hash_table_lookup (leases->held, camera);
  if (h != NULL) {
    safe = rb_camera_lease_is_safe (h->renewal_sent_us, leases->ttl_ms,
        leases->margin_ms, now_us);
    if (out_epoch)
      *out_epoch = h->epoch;
  }
  g_mutex_unlock (&leases->lock);
  return safe;
}

/**
 * rb_camera_leases_get_held:
 * @leases: a node's leases
 *
 * Returns: (transfer full) (element-type utf8): the cameras this node
 *   acquired and has not lost or released, sorted (whether each is still
 *   safe to use is rb_camera_leases_holds()).
 *
 * Since: 0.1.0
 */
GPtrArray *
rb_camera_leases_get_held (RbCameraLeases * leases)
{
  GPtrArray *names;

  g_return_val_if_fail (leases != NULL, NULL);

  g_mutex_lock (&leases->lock);
  names = held_names_locked (leases);
  g_mutex_unlock (&leases->lock);
  return names;
}

/**
 * rb_camera_leases_list:
 * @db: a connection
 * @error: return location for a #GError, or %NULL
 *
 * Reads the whole lease table (for `rtsp-blur status`).
 *
 * Returns: (transfer full) (element-type RbCameraLease) (nullable): the
 *   rows by camera name, or %NULL with @error set.
 *
 * Since: 0.1.0
 */
GPtrArray *
rb_camera_leases_list (RbDb * db, GError ** error)
{
  g_autoptr (PGresult) res = NULL;
  GPtrArray *rows;

  g_return_val_if_fail (db != NULL, NULL);

  res = rb_db_query (db, "SELECT camera, node, epoch, "
      "  (extract(epoch FROM expires_at - now()) * 1000)::bigint "
      "FROM camera_leases ORDER BY camera", 0, NULL, error);
  if (res == NULL)
    return NULL;
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_camera_lease_free);
  for (gint i = 0; i < PQntuples (res); i++) {
    RbCameraLease *lease = g_new0 (RbCameraLease, 1);

    lease->camera = g_strdup (PQgetvalue (res, i, 0));
    lease->node = g_strdup (rb_db_get_string (res, i, 1));
    lease->epoch = rb_db_get_int64 (res, i, 2, 0);
    lease->expires_in_ms = rb_db_get_int64 (res, i, 3, 0);
    g_ptr_array_add (rows, lease);
  }
  return rows;
}
