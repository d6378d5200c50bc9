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

#ifndef __RB_CLUSTER_RETENTION_H__
#define __RB_CLUSTER_RETENTION_H__

#include "rb-config.h"
#include "rb-retention.h"

G_BEGIN_DECLS

/**
 * RbClusterRetention:
 *
 * Retention and the disk budget of a cluster's shared storage-dir, run by
 * one node at a time: the node holding the session advisory lock
 * #RB_DB_LOCK_RETENTION (taken with pg_try_advisory_lock() on a connection
 * of its own; a node that dies or loses the database loses it, and another
 * takes it). The rules are #RbRetention's ([rtsp-blur] retention-raw,
 * retention-anonymized, max-disk-usage, min-free-space); the segments come
 * from the catalog (table `recordings`) instead of a directory scan, and
 * each eviction marks its row evicted. With keep-raw, the raw segment an
 * anonymized row keeps is listed too (as raw, so it goes first); its
 * eviction clears the row's raw_path and leaves the row anonymized. It
 * runs in a thread of its own
 * every few seconds, so a slow database never holds up the main loop.
 *
 * Since: 0.1.0
 */
typedef struct _RbClusterRetention RbClusterRetention;

/* Hooks @retention (not owned, must outlive it) to the catalog. */
RbClusterRetention *rb_cluster_retention_new (const RbConfig * config,
                                              RbRetention * retention);
void rb_cluster_retention_free (RbClusterRetention * cr);

/* Starts or stops the thread running rb_retention_run() every
 * @interval_ms. */
void rb_cluster_retention_start (RbClusterRetention * cr,
                                 guint interval_ms);
void rb_cluster_retention_stop (RbClusterRetention * cr);

/* Whether this node runs the retention now. */
gboolean rb_cluster_retention_is_active (RbClusterRetention * cr);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbClusterRetention, rb_cluster_retention_free)

G_END_DECLS

#endif /* __RB_CLUSTER_RETENTION_H__ */
