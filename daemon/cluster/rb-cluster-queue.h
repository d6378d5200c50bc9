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

#ifndef __RB_CLUSTER_QUEUE_H__
#define __RB_CLUSTER_QUEUE_H__

#include "rb-config.h"
#include "rb-journal.h"
#include "rb-segment-queue.h"

G_BEGIN_DECLS

/**
 * RbClusterQueue:
 *
 * The segment queue of a node whose segments are on the shared
 * [cluster] storage-dir (GLib and libpq only):
 *
 * - an #RbSegmentQueue backed by the cluster's queue in PostgreSQL
 *   (#RbPgJournal) that also keeps the catalog (table `recordings`): a
 *   row per segment when it is queued, updated when it is anonymized,
 *   quarantined or evicted;
 * - a forwarder thread that moves each finished segment from the node's
 *   local journal (state-dir/queue, where the segmentqueue elements put
 *   them: the durable spool) into the database, and only then completes
 *   it locally. Adding is idempotent (the location is unique), so a crash
 *   between the two forwards it again harmlessly. While the database is
 *   down the segments wait in the spool, and are forwarded once it is
 *   back; nothing is lost;
 * - idle workers are woken by the database's NOTIFY on
 *   #RB_PG_JOURNAL_CHANNEL (any node queued or released a segment).
 *
 * The database being unreachable is never fatal: operations fail with
 * %RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE, the connection is tried again at
 * most every second, and the loss and the return are logged once each.
 *
 * Since: 0.1.0
 */
typedef struct _RbClusterQueue RbClusterQueue;

/* Called from the forwarder thread when segments may be claimable. */
typedef void (*RbClusterQueueWake) (gpointer user_data);

/* Never fails: the database is connected to when first needed. @spool
 * (not owned) is the node's local journal. */
RbClusterQueue *rb_cluster_queue_new (const RbConfig * config,
                                      RbJournal * spool);
void rb_cluster_queue_free (RbClusterQueue * cq);

/* The queue the workers use (owned by @cq). */
RbSegmentQueue *rb_cluster_queue_get_queue (RbClusterQueue * cq);

/* Starts the forwarder thread; @wake (nullable) is called when segments
 * may be claimable. */
void rb_cluster_queue_start (RbClusterQueue * cq,
                             RbClusterQueueWake wake,
                             gpointer user_data);
/* A segment went into the spool: forward it now. */
void rb_cluster_queue_kick (RbClusterQueue * cq);
/* Stops the forwarder (what it has not forwarded stays in the spool). */
void rb_cluster_queue_stop (RbClusterQueue * cq);

/* What the forwarder did since start. */
guint64 rb_cluster_queue_get_forwarded (RbClusterQueue * cq);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbClusterQueue, rb_cluster_queue_free)

G_END_DECLS

#endif /* __RB_CLUSTER_QUEUE_H__ */
