/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WORKER_H__
#define __RB_WORKER_H__

#include <gst/gst.h>
#include "rb-config.h"
#include "rb-journal.h"
#include "rb-segment-queue.h"
#include "rb-retention.h"
#include "rb-deletions.h"
#include "rb-write-pause.h"

G_BEGIN_DECLS

/* RbWorkers: `workers` threads that take recorded segments from the queue
 * (state-dir/queue), anonymize each into state-dir/anonymized/CAMERA/
 * (with the raw audio track copied when audio=keep), verify the result (it
 * decodes to the frames and duration the raw segment decoded to), and only
 * then complete the queue item and delete the raw segment (unless
 * keep-raw). A damaged raw segment (it decodes to much less than its queued
 * duration, or the demuxer or decoder fails on it) is quarantined at once;
 * another failure is tried again after 30 s and 60 s, other segments going
 * first, then quarantined: queue/quarantine/ with the reason, raw kept.
 *
 * A failure to write (the output in anonymized/, or the queue: a full
 * disk, a read-only file system, EACCES, a vanished directory, EIO) is not
 * the segment's fault: the segment goes back to the queue (no attempt
 * counted) and every worker pauses until a test write in anonymized/ and
 * the queue passes, with back-off, one log line per transition
 * (rb-write-pause.h). A raw segment that cannot be deleted is retried
 * later (rb-deletions.h). */
typedef struct _RbWorkers RbWorkers;

/* @queue: where the segments come from (not owned): the file journal, or
 * the cluster's queue (then the segments and the outputs are in [cluster]
 * storage-dir, shared with the other nodes' workers). */
RbWorkers *rb_workers_new (const RbConfig * config, RbSegmentQueue * queue,
                           RbRetention * retention);
/* Where the raw segments and sidecars that cannot be deleted at once go to
 * be retried (not owned; set before reconcile and start). */
void rb_workers_set_deletions (RbWorkers * workers, RbDeletions * deletions);
/* Makes state-dir whole after a crash (see rb-worker.c); before start. */
void rb_workers_reconcile (RbWorkers * workers);
void rb_workers_free (RbWorkers * workers);

void rb_workers_start (RbWorkers * workers);
/* Wakes idle workers: a segment was queued. */
void rb_workers_wake (RbWorkers * workers);
/* Aborts the segments being worked on (they go back to pending) and joins
 * the threads. */
void rb_workers_stop (RbWorkers * workers);

/* What the workers did since start. */
typedef struct {
  guint completed;              /* segments anonymized and verified */
  guint remuxed;                /* of those, remuxed rather than re-encoded */
  guint failed;                 /* failed attempts */
  guint quarantined;            /* segments quarantined */
  guint64 corrupt_frames;       /* frames masked whole (or dropped): safedec
                                 * flagged them corrupted */
} RbWorkerStats;

void rb_workers_get_stats (RbWorkers * workers, RbWorkerStats * stats);
/* Whether writing is paused (and why), and how many times it paused. */
void rb_workers_get_write_state (RbWorkers * workers, gboolean * paused,
                                 RbWriteReason * reason, guint64 * pauses);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbWorkers, rb_workers_free)

G_END_DECLS

#endif /* __RB_WORKER_H__ */
