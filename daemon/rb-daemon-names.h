/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_DAEMON_NAMES_H__
#define __RB_DAEMON_NAMES_H__

#include <glib.h>

G_BEGIN_DECLS

/* The names the daemon shows outside and reads back, each written once:
 * camera states, the states the operator page shows, the metrics (names,
 * label names, fixed label values). The queue's states are the journal's
 * (rb_journal_item_state_name(), lib/rb-journal.h): they are its
 * directories too. The reasons a write error pauses a writer are
 * rb_write_reason_name() (rb-write-pause.h). */

/* A camera's state, as rb_camera_get_stats() reports it, the
 * rtsp_blur_camera_state metric's state label shows it and `rtsp-blur
 * status` prints it. */
typedef enum {
  RB_CAMERA_STATUS_CONNECTING,  /* "connecting": running, no frame yet */
  RB_CAMERA_STATUS_RECEIVING,   /* "receiving": a frame within 2 s */
  RB_CAMERA_STATUS_STALLED,     /* "stalled": frames, but none within 2 s */
  RB_CAMERA_STATUS_RECONNECTING,        /* "reconnecting": waiting to
                                         * rebuild the pipeline */
  RB_CAMERA_STATUS_RESTARTING,  /* "restarting": rebuilding it */
  RB_CAMERA_STATUS_STOPPING,    /* "stopping": finalizing its segment */
  RB_CAMERA_STATUS_STOPPED,     /* "stopped": not started, or stopped */
} RbCameraStatus;

#define RB_CAMERA_N_STATUSES (RB_CAMERA_STATUS_STOPPED + 1)

const gchar *rb_camera_status_name (RbCameraStatus status);

/* A camera's state on the operator page: the "state" of /api/cameras,
 * which web/app.js shows (and tests/e2e/browser.py reads). */
typedef enum {
  RB_WEB_CAMERA_LIVE,           /* "live": frames now */
  RB_WEB_CAMERA_RECONNECTING,   /* "reconnecting": none now, but lately (or
                                 * since start) */
  RB_WEB_CAMERA_OFFLINE,        /* "offline": none for longer, or the
                                 * camera is stopped */
} RbWebCameraState;

const gchar *rb_web_camera_state_name (RbWebCameraState state);

/* The daemon's metrics (rb-daemon-metrics.c writes them, rb-status.c reads
 * some back; the browser side's and the management listener's own are
 * written where they are counted: rb-web.c, rb-metrics.c). */
#define RB_METRIC_UP "rtsp_blur_up"
#define RB_METRIC_CAMERA_UP "rtsp_blur_camera_up"
#define RB_METRIC_CAMERA_STATE "rtsp_blur_camera_state"
#define RB_METRIC_CAMERA_RECORDING "rtsp_blur_camera_recording"
#define RB_METRIC_CAMERA_RECORDING_PAUSED "rtsp_blur_camera_recording_paused"
#define RB_METRIC_CAMERA_RECORDING_PAUSES \
  "rtsp_blur_camera_recording_pauses_total"
#define RB_METRIC_CAMERA_FRAMES_RECEIVED \
  "rtsp_blur_camera_frames_received_total"
#define RB_METRIC_CAMERA_FRAMES_PUBLISHED \
  "rtsp_blur_camera_frames_published_total"
#define RB_METRIC_CAMERA_RECONNECTS "rtsp_blur_camera_reconnects_total"
#define RB_METRIC_CAMERA_UNSUPPORTED_CODEC \
  "rtsp_blur_camera_unsupported_codec_total"
#define RB_METRIC_CAMERA_ABANDONED_PIPELINES \
  "rtsp_blur_camera_abandoned_pipelines_total"
#define RB_METRIC_CAMERA_LAST_FRAME_AGE \
  "rtsp_blur_camera_last_frame_age_seconds"
#define RB_METRIC_HEADBLUR_FRAMES "rtsp_blur_headblur_frames_total"
#define RB_METRIC_HEADBLUR_DETECTIONS "rtsp_blur_headblur_detections_total"
#define RB_METRIC_HEADBLUR_SKIPPED_DETECTIONS \
  "rtsp_blur_headblur_skipped_detections_total"
#define RB_METRIC_HEADBLUR_OVERLOAD_FRAMES \
  "rtsp_blur_headblur_overload_frames_total"
#define RB_METRIC_HEADBLUR_CORRUPT_FRAMES \
  "rtsp_blur_headblur_corrupt_frames_total"
#define RB_METRIC_QUEUE_SEGMENTS "rtsp_blur_queue_segments"
#define RB_METRIC_QUEUE_OLDEST_PENDING_AGE \
  "rtsp_blur_queue_oldest_pending_age_seconds"
#define RB_METRIC_SEGMENTS_ANONYMIZED "rtsp_blur_segments_anonymized_total"
#define RB_METRIC_SEGMENTS_REMUXED "rtsp_blur_segments_remuxed_total"
#define RB_METRIC_SEGMENTS_FAILED_ATTEMPTS \
  "rtsp_blur_segments_failed_attempts_total"
#define RB_METRIC_SEGMENTS_CORRUPT_FRAMES \
  "rtsp_blur_segments_corrupt_frames_total"
#define RB_METRIC_SEGMENTS_QUARANTINED "rtsp_blur_segments_quarantined_total"
#define RB_METRIC_SEGMENTS_EVICTED "rtsp_blur_segments_evicted_total"
#define RB_METRIC_WORKERS_PAUSED "rtsp_blur_workers_paused"
#define RB_METRIC_WORKERS_PAUSES "rtsp_blur_workers_pauses_total"
#define RB_METRIC_DELETIONS_PENDING "rtsp_blur_deletions_pending"
#define RB_METRIC_DELETIONS_DEFERRED "rtsp_blur_deletions_deferred_total"
#define RB_METRIC_DISK_USED "rtsp_blur_disk_used_bytes"
#define RB_METRIC_DISK_FREE "rtsp_blur_disk_free_bytes"
#define RB_METRIC_DISK_BUDGET "rtsp_blur_disk_budget_bytes"
#define RB_METRIC_NETWORK_VIEWERS "rtsp_blur_network_viewers"
#define RB_METRIC_NETWORK_CONNECTIONS "rtsp_blur_network_connections"
#define RB_METRIC_NETWORK_REFUSED_CONNECTIONS \
  "rtsp_blur_network_refused_connections_total"
#define RB_METRIC_NETWORK_AUTH_FAILURES "rtsp_blur_network_auth_failures_total"
#define RB_METRIC_NETWORK_SLOW_VIEWERS_DROPPED \
  "rtsp_blur_network_slow_viewers_dropped_total"
#define RB_METRIC_NETWORK_SERVING "rtsp_blur_network_serving"
#define RB_METRIC_NETWORK_WSD_PROBES \
  "rtsp_blur_network_ws_discovery_probes_total"
#define RB_METRIC_NETWORK_WSD_ANSWERS \
  "rtsp_blur_network_ws_discovery_answers_total"
#define RB_METRIC_NETWORK_WSD_RATE_LIMITED \
  "rtsp_blur_network_ws_discovery_rate_limited_total"

/* label names, and the values of kind (RB_METRIC_DISK_USED) */
#define RB_METRIC_LABEL_CAMERA "camera"
#define RB_METRIC_LABEL_NETWORK "network"
#define RB_METRIC_LABEL_STATE "state"
#define RB_METRIC_LABEL_REASON "reason"
#define RB_METRIC_LABEL_KIND "kind"
#define RB_METRIC_KIND_RAW "raw"
#define RB_METRIC_KIND_ANONYMIZED "anonymized"

G_END_DECLS

#endif /* __RB_DAEMON_NAMES_H__ */
