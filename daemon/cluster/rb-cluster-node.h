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

#ifndef __RB_CLUSTER_NODE_H__
#define __RB_CLUSTER_NODE_H__

#include <glib.h>
#include "rb-config.h"

G_BEGIN_DECLS

/**
 * RbClusterNode:
 *
 * This node's part in a cluster ([cluster] in the config): a thread keeps
 * its camera leases (rb-camera-leases.h), and the main context learns
 * which cameras the node may run.
 *
 * Since: 0.1.0
 */
typedef struct _RbClusterNode RbClusterNode;

/**
 * RbClusterCameraFunc:
 * @camera: a camera of the config
 * @epoch: start: the lease's epoch; stop: -1
 * @why: (nullable): stop: why the node may no longer run it
 * @user_data: the data given to rb_cluster_node_new()
 *
 * Called in the main context when the node may start a camera (its lease
 * was acquired, or renewed again after it stopped it) or must stop one
 * (lost, or its lease could not be renewed in time: stop it at once).
 */
typedef void (*RbClusterCameraFunc) (const gchar * camera,
                                     gint64 epoch,
                                     const gchar * why,
                                     gpointer user_data);

gboolean rb_cluster_connect_and_migrate (const RbConfig * config,
                                         gboolean migrate,
                                         guint * out_from,
                                         guint * out_to,
                                         GError ** error);

RbClusterNode *rb_cluster_node_new (const RbConfig * config,
                                    RbClusterCameraFunc start,
                                    RbClusterCameraFunc stop,
                                    gpointer user_data,
                                    GError ** error);
void rb_cluster_node_drain (RbClusterNode * node);
void rb_cluster_node_camera_stopped (RbClusterNode * node,
                                     const gchar * camera);
gboolean rb_cluster_set_draining (const RbConfig * config,
                                  const gchar * node,
                                  gboolean draining,
                                  gboolean * out_alive,
                                  GError ** error);
void rb_cluster_node_free (RbClusterNode * node,
                           gboolean release);
void rb_cluster_node_collect (RbClusterNode * node,
                              GString * out);
guint rb_cluster_node_get_running (RbClusterNode * node);

G_END_DECLS

#endif /* __RB_CLUSTER_NODE_H__ */
