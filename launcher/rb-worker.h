/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WORKER_H__
#define __RB_WORKER_H__

#include <gst/gst.h>
#include "rb-config.h"

G_BEGIN_DECLS

/* RbWorkers: `workers` threads that take recorded segments from the queue
 * (state-dir/queue), anonymize each into state-dir/anonymized/CAMERA/,
 * verify the result (it decodes; same frame count and duration as the raw
 * segment), and only then complete the queue item and delete the raw
 * segment (unless keep-raw). A failed segment goes back to the queue, and
 * after three failures to queue/failed/, keeping its raw file. */
typedef struct _RbWorkers RbWorkers;

RbWorkers *rb_workers_new (const RbConfig * config, GError ** error);
void rb_workers_free (RbWorkers * workers);

void rb_workers_start (RbWorkers * workers);
/* Wakes idle workers: a segment was queued. */
void rb_workers_wake (RbWorkers * workers);
/* Aborts the segments being worked on (they go back to pending) and joins
 * the threads. */
void rb_workers_stop (RbWorkers * workers);

guint rb_workers_get_completed (RbWorkers * workers);
guint rb_workers_get_failed (RbWorkers * workers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbWorkers, rb_workers_free)

G_END_DECLS

#endif /* __RB_WORKER_H__ */
