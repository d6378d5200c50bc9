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

#ifndef __RB_SEGMENT_QUEUE_H__
#define __RB_SEGMENT_QUEUE_H__

#include <glib.h>

#include "rb-journal.h"

G_BEGIN_DECLS

/**
 * RbSegmentQueue:
 *
 * The queue the segment workers take their segments from, GLib only: one
 * interface, two backends with the same states and guarantees (those of
 * #RbJournal: pending, claimed with a lease, done, failed with back-off
 * and quarantine, evicted):
 *
 * - the file journal in state-dir/queue (rb_segment_queue_new_journal()),
 *   without [cluster] storage-dir;
 * - the cluster's queue in PostgreSQL (rb_pg_segment_queue_new() in
 *   daemon/cluster), with it: every node's workers share it.
 *
 * The workers, the reconciliation after a crash and retention use only
 * this interface. Item ids are the backend's.
 *
 * Since: 0.1.0
 */
typedef struct _RbSegmentQueue RbSegmentQueue;

/**
 * RbSegmentResult:
 * @anonymized: the anonymized segment
 * @heads_masked: heads masked, summed over the frames (one head on 15
 *   frames counts 15)
 * @overload_frames: frames the detector could not keep up with (masked
 *   whole)
 * @anonymized_bytes: the size of @anonymized
 *
 * What a worker made of a segment, for the catalog.
 *
 * Since: 0.1.0
 */
typedef struct {
  const gchar *anonymized;
  guint64 heads_masked;
  guint64 overload_frames;
  guint64 anonymized_bytes;
} RbSegmentResult;

/**
 * RB_SEGMENT_QUEUE_ERROR:
 *
 * Error domain of the interface; #RbSegmentQueueError.
 */
#define RB_SEGMENT_QUEUE_ERROR (rb_segment_queue_error_quark ())

/**
 * RbSegmentQueueError:
 * @RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE: the queue's store cannot be reached
 *   now (the database is down): nothing changed, try again later
 *
 * Since: 0.1.0
 */
typedef enum {
  RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE,
} RbSegmentQueueError;

GQuark rb_segment_queue_error_quark (void);

/**
 * RbSegmentQueueClass:
 *
 * A backend's operations; see the functions of the same names. Every one
 * is called from any thread (workers, main loop).
 */
typedef struct {
  const gchar *name;
  gboolean (*add) (RbSegmentQueue * q, const gchar * location,
      const gchar * source, guint64 duration, GError ** error);
  gboolean (*contains) (RbSegmentQueue * q, const gchar * location);
  RbJournalItem *(*claim) (RbSegmentQueue * q, guint lease_s,
      GError ** error);
  gboolean (*renew) (RbSegmentQueue * q, const gchar * id, guint lease_s,
      GError ** error);
  gboolean (*complete) (RbSegmentQueue * q, const RbJournalItem * item,
      const RbSegmentResult * result, GError ** error);
  gboolean (*fail) (RbSegmentQueue * q, const RbJournalItem * item,
      const gchar * reason, gboolean quarantine, GError ** error);
  gboolean (*release) (RbSegmentQueue * q, const gchar * id,
      GError ** error);
  guint (*recover) (RbSegmentQueue * q, GError ** error);
  gboolean (*evict) (RbSegmentQueue * q, const gchar * location,
      const gchar * reason, RbJournalItemState * out_state, GError ** error);
  RbJournalItem *(*lookup) (RbSegmentQueue * q, const gchar * location,
      RbJournalItemState * out_state, GError ** error);
  GList *(*list) (RbSegmentQueue * q, RbJournalItemState state,
      GError ** error);
  gboolean (*count) (RbSegmentQueue * q, RbJournalItemState state,
      guint * out_count, GError ** error);
  void (*finalize) (RbSegmentQueue * q);
} RbSegmentQueueClass;

struct _RbSegmentQueue {
  const RbSegmentQueueClass *klass;
  gchar *description;           /* for the log: where the queue is */
  gchar *dir;                   /* a directory the queue writes, or NULL */
};

/* For backends: sets up the parent part of a queue allocated with
 * g_malloc0 (the backend's struct starts with an RbSegmentQueue). */
void rb_segment_queue_init (RbSegmentQueue * q,
                            const RbSegmentQueueClass * klass,
                            const gchar * description,
                            const gchar * dir);

/* The file journal (not owned: it must outlive the queue). */
RbSegmentQueue *rb_segment_queue_new_journal (RbJournal * journal);

void rb_segment_queue_free (RbSegmentQueue * q);
const gchar *rb_segment_queue_describe (RbSegmentQueue * q);
/* A directory the queue writes (the journal's), for the workers' test
 * write; NULL when the queue is not in a file system. */
const gchar *rb_segment_queue_get_dir (RbSegmentQueue * q);

/* Adds @location (an existing, fsync()ed segment file) once: adding one
 * already queued (in any state) is no error and adds nothing. */
gboolean rb_segment_queue_add (RbSegmentQueue * q,
                               const gchar * location,
                               const gchar * source,
                               guint64 duration,
                               GError ** error);
gboolean rb_segment_queue_contains (RbSegmentQueue * q,
                                    const gchar * location);
/* NULL with no error when nothing is claimable (or, for a queue that is
 * unavailable, with RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE). */
RbJournalItem *rb_segment_queue_claim (RbSegmentQueue * q,
                                       guint lease_s,
                                       GError ** error);
gboolean rb_segment_queue_renew (RbSegmentQueue * q,
                                 const gchar * id,
                                 guint lease_s,
                                 GError ** error);
/* Claimed → done; @result (nullable) goes to the catalog. */
gboolean rb_segment_queue_complete (RbSegmentQueue * q,
                                    const RbJournalItem * item,
                                    const RbSegmentResult * result,
                                    GError ** error);
/* Claimed → pending with one more attempt (or quarantined at the
 * maximum); with @quarantine, quarantined at once. */
gboolean rb_segment_queue_fail (RbSegmentQueue * q,
                                const RbJournalItem * item,
                                const gchar * reason,
                                gboolean quarantine,
                                GError ** error);
/* Claimed → pending, no attempt counted. */
gboolean rb_segment_queue_release (RbSegmentQueue * q,
                                   const gchar * id,
                                   GError ** error);
guint rb_segment_queue_recover (RbSegmentQueue * q,
                                GError ** error);
gboolean rb_segment_queue_evict (RbSegmentQueue * q,
                                 const gchar * location,
                                 const gchar * reason,
                                 RbJournalItemState * out_state,
                                 GError ** error);
/* The item of @location and its state; NULL (no error) when unknown. */
RbJournalItem *rb_segment_queue_lookup (RbSegmentQueue * q,
                                        const gchar * location,
                                        RbJournalItemState * out_state,
                                        GError ** error);
GList *rb_segment_queue_list (RbSegmentQueue * q,
                              RbJournalItemState state,
                              GError ** error);
gboolean rb_segment_queue_count (RbSegmentQueue * q,
                                 RbJournalItemState state,
                                 guint * out_count,
                                 GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbSegmentQueue, rb_segment_queue_free)

G_END_DECLS

#endif /* __RB_SEGMENT_QUEUE_H__ */
