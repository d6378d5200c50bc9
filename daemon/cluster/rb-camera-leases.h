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

#ifndef __RB_CAMERA_LEASES_H__
#define __RB_CAMERA_LEASES_H__

#include "rb-db.h"

G_BEGIN_DECLS

/**
 * RbCameraLeases:
 *
 * One node's side of camera ownership: which cameras this node runs,
 * under leases kept in the database.
 *
 * Since: 0.1.0
 */
typedef struct _RbCameraLeases RbCameraLeases;

/**
 * RB_CAMERA_LEASE_DEFAULT_TTL_MS:
 *
 * A lease's default time to live: a dead node's cameras are taken over
 * this long after its last renewal (plus up to one acquire interval).
 *
 * Since: 0.1.0
 */
#define RB_CAMERA_LEASE_DEFAULT_TTL_MS 5000

/**
 * RB_CAMERA_LEASE_DEFAULT_MARGIN_MS:
 *
 * How long before its lease could expire a node stops using a camera it
 * could not renew (rb_camera_lease_is_safe()).
 *
 * Since: 0.1.0
 */
#define RB_CAMERA_LEASE_DEFAULT_MARGIN_MS 1500

/**
 * RB_CAMERA_LEASE_RENEW_INTERVAL_MS:
 *
 * How often a node renews its leases: several renewals fit in the time
 * a lease is safe to use, so one lost renewal costs nothing.
 *
 * Since: 0.1.0
 */
#define RB_CAMERA_LEASE_RENEW_INTERVAL_MS 500

/**
 * RbCameraLease:
 * @camera: the camera's name
 * @node: (nullable): the node holding it, %NULL when free
 * @epoch: the fencing token: grows by one at each change of owner
 * @expires_in_ms: time left before the lease expires, on the database's
 *   clock when it was read (≤ 0: expired)
 *
 * A row of the lease table, from rb_camera_leases_list().
 *
 * Since: 0.1.0
 */
typedef struct {
  gchar *camera;
  gchar *node;
  gint64 epoch;
  gint64 expires_in_ms;
} RbCameraLease;

void rb_camera_lease_free (RbCameraLease * lease);

gboolean rb_camera_lease_is_safe (gint64 renewal_sent_us,
                                  guint ttl_ms,
                                  guint margin_ms,
                                  gint64 now_us);

RbCameraLeases *rb_camera_leases_new (RbDb * db,
                                      const gchar * node,
                                      guint capacity,
                                      guint ttl_ms,
                                      guint margin_ms);
void rb_camera_leases_free (RbCameraLeases * leases);
RbDb *rb_camera_leases_get_db (RbCameraLeases * leases);
void rb_camera_leases_set_peer (RbCameraLeases * leases,
                                const gchar * address,
                                guint port);
void rb_camera_leases_set_take_expired (RbCameraLeases * leases,
                                        gboolean take);
gboolean rb_camera_leases_is_draining (RbCameraLeases * leases);
gboolean rb_camera_leases_set_draining (RbDb * db,
                                        const gchar * node,
                                        gboolean draining,
                                        gboolean * out_alive,
                                        GError ** error);
gboolean rb_camera_leases_is_held (RbCameraLeases * leases,
                                   const gchar * camera,
                                   gint64 * out_epoch);

gboolean rb_camera_leases_acquire (RbCameraLeases * leases,
                                   const gchar * const *cameras,
                                   GPtrArray ** out_acquired,
                                   GError ** error);
gboolean rb_camera_leases_renew (RbCameraLeases * leases,
                                 GPtrArray ** out_lost,
                                 GError ** error);
gboolean rb_camera_leases_release (RbCameraLeases * leases,
                                   const gchar * camera,
                                   GError ** error);

gboolean rb_camera_leases_holds (RbCameraLeases * leases,
                                 const gchar * camera,
                                 gint64 now_us,
                                 gint64 * out_epoch);
GPtrArray *rb_camera_leases_get_held (RbCameraLeases * leases);

GPtrArray *rb_camera_leases_list (RbDb * db,
                                  GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbCameraLeases, rb_camera_leases_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbCameraLease, rb_camera_lease_free)

gboolean rb_camera_leases_find_lighter (RbCameraLeases * leases,
    gchar ** out_node, GError ** error);

G_END_DECLS

#endif /* __RB_CAMERA_LEASES_H__ */
