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

#ifndef __RB_CLUSTER_PEERS_H__
#define __RB_CLUSTER_PEERS_H__

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * RB_CLUSTER_PEER_INTERVAL_MS:
 *
 * How often a node sends its heartbeat to every other node.
 */
#define RB_CLUSTER_PEER_INTERVAL_MS 400

/**
 * RB_CLUSTER_PEER_TIMEOUT_MS:
 *
 * A peer not heard for this long is not connected.
 */
#define RB_CLUSTER_PEER_TIMEOUT_MS 1500

/**
 * RB_CLUSTER_DB_GRACE_MS:
 *
 * A node that cannot reach the database stops the cameras it kept through
 * an outage once a connected node (or a node connected to one) has reached
 * the database for this long: the database is back, for the others.
 */
#define RB_CLUSTER_DB_GRACE_MS 2000

/**
 * RB_CLUSTER_REJOIN_MS:
 *
 * A node takes another node's expired lease only after reaching the
 * database and a quorum of the nodes without a break for this long: time
 * for an owner that kept its cameras through an outage to renew them, or
 * to stop (#RB_CLUSTER_DB_GRACE_MS plus two heartbeat hops, well within).
 */
#define RB_CLUSTER_REJOIN_MS 6000

typedef struct _RbClusterPeers RbClusterPeers;

/**
 * RbClusterPeer:
 * @name: the node's name
 * @address: its peer address (IP literal)
 * @port: its peer port (UDP)
 *
 * Another member of the cluster, as the database lists it.
 */
typedef struct {
  gchar *name;
  gchar *address;
  guint port;
} RbClusterPeer;

/**
 * RbClusterPeersState:
 * @members: the cluster's members, this node included
 * @connected: the members this node exchanges heartbeats with both ways,
 *   this node included
 * @peer_db_ms: the longest time a connected node, or a node connected to
 *   one, has reached the database without a break (0: none does)
 *
 * What the heartbeats say now.
 */
typedef struct {
  guint members;
  guint connected;
  gint64 peer_db_ms;
} RbClusterPeersState;

void rb_cluster_peer_free (RbClusterPeer * peer);

gboolean rb_cluster_quorum (guint connected,
                            guint members,
                            gboolean have_db);
gboolean rb_cluster_may_keep_without_db (const RbClusterPeersState * state);

RbClusterPeers *rb_cluster_peers_new (const gchar * node,
                                      const gchar * address,
                                      guint port,
                                      GError ** error);
void rb_cluster_peers_free (RbClusterPeers * peers);
guint rb_cluster_peers_get_port (RbClusterPeers * peers);
void rb_cluster_peers_set_members (RbClusterPeers * peers,
                                   GPtrArray * members);
void rb_cluster_peers_set_db (RbClusterPeers * peers,
                              gint64 ok_since_us,
                              gint64 last_ok_us);
void rb_cluster_peers_get_state (RbClusterPeers * peers,
                                 RbClusterPeersState * state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbClusterPeers, rb_cluster_peers_free)

G_END_DECLS

#endif /* __RB_CLUSTER_PEERS_H__ */
