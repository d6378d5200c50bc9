/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_DAEMON_METRICS_H__
#define __RB_DAEMON_METRICS_H__

#include <glib.h>

#include "rb-deletions.h"
#include "rb-journal.h"
#include "rb-retention.h"
#include "rb-web.h"
#include "rb-worker.h"
#include "rb-ws-discovery.h"

G_BEGIN_DECLS

/* The daemon's components that a scrape of /metrics reads, owned by the
 * daemon (rb-daemon.c); @cameras, @feeds and @publishers may be emptied
 * and @web cleared while the daemon stops. */
typedef struct {
  GPtrArray *cameras;           /* of RbCamera *, as config->cameras */
  GPtrArray *feeds;             /* of RbLiveFeed *, as config->cameras */
  GPtrArray *publishers;        /* of RbPublisher *, as config->networks */
  RbJournal *journal;           /* the segment queue (with [cluster]
                                 * storage-dir: the node's spool) */
  RbSegmentQueue *queue;        /* what the workers take from */
  RbWorkers *workers;           /* or NULL: workers=0 */
  RbRetention *retention;
  RbDeletions *deletions;
  RbWeb *web;                   /* or NULL: no network has http-port */
  GPtrArray *discovery;         /* of RbWsDiscovery *, the networks with
                                 * ONVIF only */
} RbDaemonParts;

/* An RbMetricsCollect (rb-metrics.h) for the management listener:
 * @user_data is the daemon's RbDaemonParts. Writes rtsp_blur_up, the
 * cameras' (rtsp_blur_camera_*, rtsp_blur_headblur_*), the queue's, the
 * workers', the disk's and the networks' metrics, then the browser side's
 * (rb_web_collect()). */
void rb_daemon_metrics_collect (GString * out, gpointer user_data);

G_END_DECLS

#endif /* __RB_DAEMON_METRICS_H__ */
