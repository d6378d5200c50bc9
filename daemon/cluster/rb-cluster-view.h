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

#ifndef __RB_CLUSTER_VIEW_H__
#define __RB_CLUSTER_VIEW_H__

#include <glib.h>
#include "rb-db.h"

G_BEGIN_DECLS

/**
 * RbNodeAddress:
 * @network: the network's name ([network:NAME])
 * @address: where the node serves it (its `address`)
 * @rtsp_port: its RTSP port
 * @http_port: its HTTP port, 0 when it serves no HTTP there
 * @tls: whether both speak TLS (rtsps://, https://)
 *
 * Where one node serves one network: a row of `node_addresses`.
 *
 * Since: 0.1.0
 */
typedef struct {
  gchar *network;
  gchar *address;
  guint rtsp_port;
  guint http_port;
  gboolean tls;
} RbNodeAddress;

RbNodeAddress *rb_node_address_new (const gchar * network,
                                    const gchar * address,
                                    guint rtsp_port,
                                    guint http_port,
                                    gboolean tls);
RbNodeAddress *rb_node_address_copy (const RbNodeAddress * address);
void rb_node_address_free (RbNodeAddress * address);

gchar *rb_cluster_url (const RbNodeAddress * address,
                       gboolean http,
                       const gchar * path);

/**
 * RbClusterView:
 *
 * Which live node runs each camera, and where each node serves each
 * network: a cached copy of the database, read without blocking from any
 * thread (the main context's redirects), refreshed by a thread of its own
 * (rb_cluster_view_start()) or by rb_cluster_view_replace().
 *
 * Since: 0.1.0
 */
typedef struct _RbClusterView RbClusterView;

RbClusterView *rb_cluster_view_new (const gchar * node);
void rb_cluster_view_free (RbClusterView * view);

void rb_cluster_view_replace (RbClusterView * view,
                              GHashTable * owners,
                              GHashTable * addresses);
gboolean rb_cluster_view_lookup (RbClusterView * view,
                                 const gchar * camera,
                                 const gchar * network,
                                 gchar ** out_node,
                                 RbNodeAddress ** out_address);
gint64 rb_cluster_view_get_age_us (RbClusterView * view);

gboolean rb_cluster_view_refresh (RbClusterView * view,
                                  RbDb * db,
                                  GError ** error);
gboolean rb_cluster_view_publish (RbClusterView * view,
                                  RbDb * db,
                                  GPtrArray * addresses,
                                  GError ** error);

gboolean rb_cluster_view_start (RbClusterView * view,
                                const gchar * conninfo,
                                const gchar * password_file,
                                GPtrArray * addresses,
                                GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbNodeAddress, rb_node_address_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbClusterView, rb_cluster_view_free)

G_END_DECLS

#endif /* __RB_CLUSTER_VIEW_H__ */
