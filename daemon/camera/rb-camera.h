/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CAMERA_H__
#define __RB_CAMERA_H__

#include <gst/gst.h>
#include "rb-config.h"
#include "rb-daemon-names.h"
#include "rb-live-feed.h"
#include "rb-write-pause.h"

G_BEGIN_DECLS

/* RbCamera: one camera's pipeline and its supervisor.
 *
 *   rtspsrc ! depay ! parse ! tee
 *     tee. ! queue ! segmentqueue                      (raw segments)
 *     tee. ! queue ! decoder ! queue leaky ! videoconvert ! headblur
 *          ! x264enc ! appsink                          (live, to RbLiveFeed)
 *
 * The supervisor rebuilds the pipeline on an error, on EOS from the camera
 * and when no data came for a while, with a capped backoff, so outages,
 * camera restarts and cameras down at boot are survived. One camera's
 * failure never touches another camera. All callbacks run on the default
 * main context. */
typedef struct _RbCamera RbCamera;

typedef struct {
  /* a segment was closed, made durable and queued (or recovered) */
  void (*segment_queued) (RbCamera * camera, const gchar * location,
                          gboolean recovered, gpointer user_data);
  /* rb_camera_stop() has finished: the last segment is queued */
  void (*stopped) (RbCamera * camera, gpointer user_data);
} RbCameraCallbacks;

RbCamera *rb_camera_new (const RbConfig * config,
                         const RbCameraConfig * camera,
                         RbLiveFeed * feed,
                         const RbCameraCallbacks * callbacks,
                         gpointer user_data);
void rb_camera_free (RbCamera * camera);

void rb_camera_start (RbCamera * camera);
/* Sends EOS so the open segment is finalized and queued, waits for it (at
 * most 10 s), then stops; calls the stopped callback. */
void rb_camera_stop (RbCamera * camera);

/* What the metrics and the status show of a camera. */
typedef struct {
  RbCameraStatus status;
  gboolean receiving;
  gboolean recording;             /* receiving and not paused (disk full) */
  gboolean recording_paused;      /* by a write error, until a test write
                                   * passes (rb-write-pause.h) */
  RbWriteReason write_reason;     /* why, while paused; else NONE */
  guint64 recording_pauses;       /* times a write error paused it */
  guint64 frames_received;        /* video frames from the camera */
  guint reconnects;
  guint64 unsupported_codec_attempts; /* refused for their video codec */
  guint abandoned_pipelines;      /* pipelines stuck in GStreamer, left */
  gdouble last_frame_age_s;       /* -1: none in this connection */
  guint64 headblur_frames;        /* totals over every connection */
  guint64 detections;
  guint64 skipped_detections;
  guint64 overload_frames;
  guint64 corrupt_frames;         /* masked whole or dropped: decoded with
                                   * errors or after a loss */
} RbCameraStats;

void rb_camera_get_stats (RbCamera * camera, RbCameraStats * stats);

const gchar *rb_camera_get_name (RbCamera * camera);
gboolean rb_camera_is_receiving (RbCamera * camera);
guint rb_camera_get_restarts (RbCamera * camera);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbCamera, rb_camera_free)

G_END_DECLS

#endif /* __RB_CAMERA_H__ */
