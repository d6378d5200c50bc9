/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_DAEMON_H__
#define __RB_DAEMON_H__

#include <glib.h>
#include "rb-config.h"

G_BEGIN_DECLS

/* sysexits(3) values, as WirePlumber uses them */
typedef enum {
  RB_EXIT_OK = 0,
  RB_EXIT_USAGE = 64,           /* bad command line */
  RB_EXIT_NOINPUT = 66,         /* a model or the config cannot be read */
  RB_EXIT_UNAVAILABLE = 69,     /* a GStreamer element is missing */
  RB_EXIT_SOFTWARE = 70,        /* internal error */
  RB_EXIT_CANTCREAT = 73,       /* state-dir not writable */
  RB_EXIT_CONFIG = 78,          /* invalid config */
} RbExitCode;

/* RbDaemon: every camera, the segment queue and its workers, retention,
 * one RTSP listener per network, the browser side and the management
 * listener, from one config, on the default main context.
 *
 * rb_daemon_start() opens the queue (state-dir/queue) and starts
 * retention, the workers, the listeners (one whose address is not on this
 * machine yet is retried, and stops neither the cameras nor the other
 * listeners), the cameras and the metrics listener. It returns RB_EXIT_OK,
 * or the exit code of what failed (logged).
 *
 * rb_daemon_stop() (SIGINT, SIGTERM) finalizes the open segments: every
 * camera is stopped, then the workers, then @loop quits. A second call
 * quits @loop at once, and the exit code becomes RB_EXIT_SOFTWARE.
 * rb_daemon_finish(), once @loop has returned, stops serving and tears
 * the cameras down, and returns the exit code.
 *
 * rb_daemon_log_status() (SIGHUP) logs each camera's state and the
 * workers' counts. rb_daemon_refresh() (SIGHUP too) looks again for the
 * interface of each network's address: a WS-Discovery responder whose
 * address moved re-joins on the new interface and announces its device
 * again (Hello). */
typedef struct _RbDaemon RbDaemon;

/* @config and @loop must outlive the daemon. */
RbDaemon *rb_daemon_new (const RbConfig * config, GMainLoop * loop);
void rb_daemon_free (RbDaemon * daemon);

RbExitCode rb_daemon_start (RbDaemon * daemon);
void rb_daemon_stop (RbDaemon * daemon);
RbExitCode rb_daemon_finish (RbDaemon * daemon);
void rb_daemon_log_status (RbDaemon * daemon);
void rb_daemon_refresh (RbDaemon * daemon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbDaemon, rb_daemon_free)

G_END_DECLS

#endif /* __RB_DAEMON_H__ */
