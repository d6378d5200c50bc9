/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_RETENTION_H__
#define __RB_RETENTION_H__

#include <glib.h>

#include "rb-config.h"
#include "rb-journal.h"
#include "rb-segment-queue.h"
#include "rb-deletions.h"

G_BEGIN_DECLS

/* RbRetention: the disk budget and retention of state-dir (GLib only).
 *
 * It keeps an index of the segment files under raw/ and anonymized/ (their
 * size and time, from the UTC time in their name, else their mtime), built
 * by one scan at start and kept up to date by rb_retention_add() and
 * rb_retention_remove(), and re-scanned every 10 minutes. rb_retention_run()
 * evicts whole segments, oldest first and raw before anonymized of the same
 * time, until:
 *   - no raw segment is older than retention-raw, no anonymized one older
 *     than retention-anonymized;
 *   - the segments take at most max-disk-usage bytes, less room for the
 *     segment being recorded (the size of the last raw segment added by
 *     rb_retention_add()), so that with it they take at most the budget
 *     plus one segment;
 *   - the file system keeps min-free-space bytes free.
 * A raw segment waiting in the queue (pending or quarantined) leaves it as
 * evicted (rb_journal_evict()); one a worker is processing is skipped.
 * Every eviction is logged and counted. */
typedef struct _RbRetention RbRetention;

typedef struct {
  guint64 raw_bytes;              /* raw segments, bytes */
  guint64 anonymized_bytes;       /* anonymized segments, bytes */
  guint raw_segments;
  guint anonymized_segments;
  guint64 free_bytes;             /* free on state-dir's file system */
  guint64 total_bytes;            /* size of that file system */
  guint64 evicted;                /* segments evicted since start */
  guint64 budget_bytes;           /* max-disk-usage now, 0 = none */
} RbDiskUsage;

RbRetention *rb_retention_new (const RbConfig * config,
                               RbSegmentQueue * queue);
void rb_retention_free (RbRetention * retention);

/* A segment that cannot be deleted at once is handed to @deletions
 * (retried with back-off, logged once) and skipped until it is gone; not
 * owned, may be NULL (then the failure is logged and retried at the next
 * run). */
void rb_retention_set_deletions (RbRetention * retention,
                                 RbDeletions * deletions);
/* For rb_retention_set_catalog(): indexes one segment. */
typedef void (*RbRetentionAddFunc) (gpointer add_data, const gchar * path,
                                    gint64 time_us, guint64 size,
                                    gboolean raw);

/**
 * RbRetentionCatalog:
 * @may_run: whether this process runs retention now (in a cluster, one
 *   node at a time); when FALSE, rb_retention_run() does nothing
 * @list: indexes every segment on the storage (calls @add for each),
 *   instead of the scan of the directories; FALSE on an error (nothing is
 *   evicted then)
 * @evicted: a segment was evicted (deleted)
 *
 * Where the segments are known from when they are shared by several
 * processes (the cluster's catalog, daemon/cluster/rb-cluster-retention):
 * the rules (ages, budget, free space, raw before anonymized, claimed
 * segments skipped) stay rb_retention_run()'s.
 */
typedef struct {
  gboolean (*may_run) (gpointer data);
  gboolean (*list) (gpointer data, RbRetentionAddFunc add,
                    gpointer add_data);
  void (*evicted) (gpointer data, const gchar * path, gboolean raw);
} RbRetentionCatalog;

/* @catalog (static) and @data (not owned) replace the directory scan:
 * the index is listed anew at every rb_retention_run(). */
void rb_retention_set_catalog (RbRetention * retention,
                               const RbRetentionCatalog * catalog,
                               gpointer data);

/* Index a new segment file, or forget one (deleted by a worker). */
void rb_retention_add (RbRetention * retention, const gchar * path);
void rb_retention_remove (RbRetention * retention, const gchar * path);

/* Evicts what the budget and retention require; returns how many. */
guint rb_retention_run (RbRetention * retention);

void rb_retention_get_usage (RbRetention * retention, RbDiskUsage * usage);

/* The free bytes of the file system holding @path, or G_MAXUINT64. */
guint64 rb_fs_free_bytes (const gchar * path, guint64 * total);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbRetention, rb_retention_free)

G_END_DECLS

#endif /* __RB_RETENTION_H__ */
