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
 * SECTION:rb-cluster-peers
 * @title: RbClusterPeers
 * @short_description: the nodes' heartbeats to each other, without the
 *   database
 *
 * Every #RB_CLUSTER_PEER_INTERVAL_MS each node sends every other member
 * (as the database last listed them: `nodes.peer_address`, `peer_port`) a
 * UDP datagram:
 *
 * |[
 * rb-peer 1 NAME DB_MS RELAY_MS HEARD,HEARD,...
 * ]|
 *
 * DB_MS: how long the sender has reached the database without a break (0:
 * it does not now); RELAY_MS: the largest DB_MS of the nodes it is
 * connected to; HEARD: the members it heard within
 * #RB_CLUSTER_PEER_TIMEOUT_MS ("-": none). Two nodes are *connected* when
 * each heard the other lately and lists it: links that work one way only
 * do not count.
 *
 * With these a node that cannot renew its leases tells "the database is
 * down" (it is connected to a majority of the members and none of them,
 * nor any node connected to them, reaches it: rb_cluster_may_keep_without_db())
 * from "I am cut off" (it is not, or some of them do). See
 * rb-cluster-node.c for the whole rule.
 *
 * The datagrams are not authenticated: the peer port must be reachable by
 * the cluster's nodes only (a firewall, or a network of their own).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-cluster-peers.h"

#include <stdlib.h>
#include <string.h>

/* the database counts as reached while renewals succeed this recently */
#define DB_FRESH_US (2500 * 1000)
#define MAX_DATAGRAM 8192

typedef struct
{
  gchar *name;
  GSocketAddress *address;
  gint64 heard_us;              /* monotonic, 0: never */
  gboolean hears_me;
  gint64 db_ms;
  gint64 relay_ms;
} Peer;

struct _RbClusterPeers
{
  gchar *node;
  GSocket *socket;
  guint port;
  GCancellable *cancel;
  GThread *thread;

  GMutex lock;
  GHashTable *peers;            /* name → Peer; under lock */
  gint64 db_ok_since_us;        /* under lock */
  gint64 db_last_ok_us;         /* under lock */
};

/**
 * rb_cluster_peer_free:
 * @peer: (transfer full) (nullable): a member
 */
void
rb_cluster_peer_free (RbClusterPeer * peer)
{
  if (peer == NULL)
    return;
  g_free (peer->name);
  g_free (peer->address);
  g_free (peer);
}

static void
peer_free (Peer * p)
{
  g_free (p->name);
  g_clear_object (&p->address);
  g_free (p);
}

/**
 * rb_cluster_quorum:
 * @connected: members connected, this node included
 * @members: members in all, this node included
 * @have_db: whether this node reaches the database
 *
 * A majority of the members, or exactly half of them with the database
 * on this side (the database breaks ties, so that one of two nodes can
 * take the other's cameras when it dies). Two sides of a cut never both
 * have a quorum: two majorities would share a member, and two halves
 * cannot both reach the database when one of them does not.
 *
 * Returns: whether @connected is a quorum.
 */
gboolean
rb_cluster_quorum (guint connected, guint members, gboolean have_db)
{
  if (members == 0 || connected > members)
    return FALSE;
  return 2 * connected > members || (have_db && 2 * connected == members);
}

/**
 * rb_cluster_may_keep_without_db:
 * @state: the heartbeats' state
 *
 * Whether a node that cannot renew its leases may keep running its
 * cameras past them: it is connected to a majority of the members (without
 * the database's vote) and no node of its side has reached the database
 * for #RB_CLUSTER_DB_GRACE_MS. Then the database is down for everyone
 * that matters: nobody can take the cameras, and no side without this
 * node can have a quorum to take them once it is back
 * (#RB_CLUSTER_REJOIN_MS).
 *
 * Returns: %TRUE to keep the cameras.
 */
gboolean
rb_cluster_may_keep_without_db (const RbClusterPeersState * state)
{
  return rb_cluster_quorum (state->connected, state->members, FALSE)
      && state->peer_db_ms < RB_CLUSTER_DB_GRACE_MS;
}

static gint64
db_ms_locked (RbClusterPeers * p, gint64 now)
{
  if (p->db_last_ok_us == 0 || now - p->db_last_ok_us > DB_FRESH_US)
    return 0;
  return MAX (1, (now - p->db_ok_since_us) / 1000);
}

static gboolean
connected (Peer * peer, gint64 now)
{
  return peer->heard_us != 0 && peer->hears_me
      && now - peer->heard_us < RB_CLUSTER_PEER_TIMEOUT_MS * 1000;
}

static void
send_heartbeats (RbClusterPeers * p)
{
  GString *msg = g_string_new (NULL);
  GPtrArray *to = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = g_get_monotonic_time (), relay = 0;
  GHashTableIter it;
  Peer *peer;
  guint heard = 0;

  g_mutex_lock (&p->lock);
  g_hash_table_iter_init (&it, p->peers);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) & peer))
    if (connected (peer, now))
      relay = MAX (relay, peer->db_ms);
  g_string_printf (msg, "rb-peer 1 %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
      " ", p->node, db_ms_locked (p, now), relay);
  g_hash_table_iter_init (&it, p->peers);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) & peer)) {
    if (peer->heard_us != 0
        && now - peer->heard_us < RB_CLUSTER_PEER_TIMEOUT_MS * 1000) {
      g_string_append_printf (msg, "%s%s", heard ? "," : "", peer->name);
      heard++;
    }
    if (peer->address)
      g_ptr_array_add (to, g_object_ref (peer->address));
  }
  g_mutex_unlock (&p->lock);
  if (heard == 0)
    g_string_append_c (msg, '-');

  for (guint i = 0; i < to->len; i++) {
    g_autoptr (GError) err = NULL;

    /* a member that is down or cut off: nothing to do, it is not heard */
    if (g_socket_send_to (p->socket, g_ptr_array_index (to, i), msg->str,
            msg->len, NULL, &err) < 0)
      g_debug ("cluster peers: send: %s", err->message);
  }
  g_ptr_array_unref (to);
  g_string_free (msg, TRUE);
}

static void
receive_one (RbClusterPeers * p, const gchar * data)
{
  g_auto (GStrv) f = g_strsplit (data, " ", 0);
  g_auto (GStrv) heard = NULL;
  Peer *peer;

  if (g_strv_length (f) != 6 || !g_str_equal (f[0], "rb-peer")
      || !g_str_equal (f[1], "1"))
    return;
  heard = g_strsplit (f[5], ",", 0);
  g_mutex_lock (&p->lock);
  /* not a member (yet): ignored */
  peer = g_hash_table_lookup (p->peers, f[2]);
  if (peer != NULL) {
    peer->heard_us = g_get_monotonic_time ();
    peer->db_ms = g_ascii_strtoll (f[3], NULL, 10);
    peer->relay_ms = g_ascii_strtoll (f[4], NULL, 10);
    peer->hears_me = g_strv_contains ((const gchar * const *) heard,
        p->node);
  }
  g_mutex_unlock (&p->lock);
}

static gpointer
peers_thread (gpointer data)
{
  RbClusterPeers *p = data;
  gint64 next = g_get_monotonic_time ();
  gchar buf[MAX_DATAGRAM + 1];

  while (!g_cancellable_is_cancelled (p->cancel)) {
    gint64 now = g_get_monotonic_time ();

    if (now >= next) {
      send_heartbeats (p);
      next += RB_CLUSTER_PEER_INTERVAL_MS * 1000;
      if (next < now)
        next = now + RB_CLUSTER_PEER_INTERVAL_MS * 1000;
    }
    if (!g_socket_condition_timed_wait (p->socket, G_IO_IN,
            MAX (next - g_get_monotonic_time (), 0), p->cancel, NULL))
      continue;
    for (;;) {
      gssize n = g_socket_receive_with_blocking (p->socket, buf,
          MAX_DATAGRAM, FALSE, NULL, NULL);

      if (n <= 0)
        break;
      buf[n] = '\0';
      g_strchomp (buf);
      receive_one (p, buf);
    }
  }
  return NULL;
}

/**
 * rb_cluster_peers_new:
 * @node: this node's name
 * @address: the address (IP literal) to receive heartbeats on
 * @port: the UDP port, 0 for any (tests: rb_cluster_peers_get_port())
 * @error: return location for a #GError, or %NULL
 *
 * Starts sending and receiving heartbeats, in a thread of their own; no
 * member is known until rb_cluster_peers_set_members().
 *
 * Returns: (transfer full) (nullable): the heartbeats, or %NULL with
 *   @error set (the address cannot be bound).
 */
RbClusterPeers *
rb_cluster_peers_new (const gchar * node, const gchar * address, guint port,
    GError ** error)
{
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  RbClusterPeers *p;

  g_return_val_if_fail (node != NULL && address != NULL, NULL);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "peer address %s is not an IP address", address);
    return NULL;
  }
  socket = g_socket_new (g_inet_address_get_family (inet),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  sa = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (socket, sa, TRUE, error)) {
    g_prefix_error (error, "cannot listen on %s UDP port %u: ", address,
        port);
    return NULL;
  }
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);

  p = g_new0 (RbClusterPeers, 1);
  p->node = g_strdup (node);
  p->socket = g_steal_pointer (&socket);
  p->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  p->cancel = g_cancellable_new ();
  g_mutex_init (&p->lock);
  p->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) peer_free);
  p->thread = g_thread_new ("rb-peers", peers_thread, p);
  return p;
}

/**
 * rb_cluster_peers_free:
 * @peers: (transfer full) (nullable): the heartbeats
 */
void
rb_cluster_peers_free (RbClusterPeers * peers)
{
  if (peers == NULL)
    return;
  g_cancellable_cancel (peers->cancel);
  g_thread_join (peers->thread);
  g_object_unref (peers->cancel);
  g_socket_close (peers->socket, NULL);
  g_object_unref (peers->socket);
  g_hash_table_unref (peers->peers);
  g_mutex_clear (&peers->lock);
  g_free (peers->node);
  g_free (peers);
}

/**
 * rb_cluster_peers_get_port:
 * @peers: the heartbeats
 *
 * Returns: the UDP port they are received on.
 */
guint
rb_cluster_peers_get_port (RbClusterPeers * peers)
{
  return peers->port;
}

/**
 * rb_cluster_peers_set_members:
 * @peers: the heartbeats
 * @members: (element-type RbClusterPeer): the other members, as the
 *   database lists them now; a member without address counts, but is
 *   never heard
 *
 * Replaces the members (what was heard of those that stay is kept).
 */
void
rb_cluster_peers_set_members (RbClusterPeers * peers, GPtrArray * members)
{
  GHashTable *next = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) peer_free);

  g_mutex_lock (&peers->lock);
  for (guint i = 0; i < members->len; i++) {
    RbClusterPeer *m = g_ptr_array_index (members, i);
    Peer *old = NULL, *peer;
    g_autoptr (GInetAddress) inet = NULL;

    if (g_str_equal (m->name, peers->node)
        || g_hash_table_contains (next, m->name))
      continue;
    g_hash_table_steal_extended (peers->peers, m->name, NULL,
        (gpointer *) & old);
    peer = old ? old : g_new0 (Peer, 1);
    if (old == NULL)
      peer->name = g_strdup (m->name);
    g_clear_object (&peer->address);
    inet = m->address ? g_inet_address_new_from_string (m->address) : NULL;
    if (inet != NULL && m->port > 0 && m->port < 65536)
      peer->address = g_inet_socket_address_new (inet, m->port);
    g_hash_table_insert (next, peer->name, peer);
  }
  g_hash_table_unref (peers->peers);
  peers->peers = next;
  g_mutex_unlock (&peers->lock);
}

/**
 * rb_cluster_peers_set_db:
 * @peers: the heartbeats
 * @ok_since_us: monotonic time since which this node reaches the database
 *   without a break
 * @last_ok_us: monotonic time of its last successful renewal (0: none)
 *
 * What this node's heartbeats say of its database.
 */
void
rb_cluster_peers_set_db (RbClusterPeers * peers, gint64 ok_since_us,
    gint64 last_ok_us)
{
  g_mutex_lock (&peers->lock);
  peers->db_ok_since_us = ok_since_us;
  peers->db_last_ok_us = last_ok_us;
  g_mutex_unlock (&peers->lock);
}

/**
 * rb_cluster_peers_get_state:
 * @peers: the heartbeats
 * @state: (out caller-allocates): what they say now
 */
void
rb_cluster_peers_get_state (RbClusterPeers * peers,
    RbClusterPeersState * state)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  Peer *peer;

  g_mutex_lock (&peers->lock);
  state->members = 1 + g_hash_table_size (peers->peers);
  state->connected = 1;
  state->peer_db_ms = 0;
  g_hash_table_iter_init (&it, peers->peers);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) & peer)) {
    if (!connected (peer, now))
      continue;
    state->connected++;
    state->peer_db_ms = MAX (state->peer_db_ms, MAX (peer->db_ms,
            peer->relay_ms));
  }
  g_mutex_unlock (&peers->lock);
}
