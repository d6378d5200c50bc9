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

/* The daemon's metrics in the Prometheus text format: see
 * rb-daemon-metrics.h; their names are in rb-daemon-names.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-daemon-metrics.h"

#include <math.h>

#include "rb-camera.h"
#include "rb-daemon-names.h"
#include "rb-metrics.h"
#include "rb-publisher.h"

void
rb_daemon_metrics_collect (GString * out, gpointer user_data)
{
  const RbDaemonParts *d = user_data;
  guint n = d->cameras->len, i;
  RbCameraStats *st = g_new0 (RbCameraStats, MAX (n, 1));
  gchar **label = g_new0 (gchar *, n + 1);
  RbDiskUsage disk;
  GList *pending;
  gint64 oldest = 0;
  RbWorkerStats ws = { 0 };

  for (i = 0; i < n; i++) {
    RbCamera *camera = g_ptr_array_index (d->cameras, i);
    g_autofree gchar *name = rb_metrics_escape (rb_camera_get_name (camera));

    rb_camera_get_stats (camera, &st[i]);
    label[i] = g_strdup_printf (RB_METRIC_LABEL_CAMERA "=\"%s\"", name);
  }

  rb_metrics_add (out, RB_METRIC_UP, "gauge",
      "1 while rtsp-blur runs", "", 1);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_UP, "gauge", i ? NULL :
        "Whether the camera's video is being received (1) or not (0)",
        label[i], st[i].receiving);
  for (i = 0; i < n; i++) {
    for (RbCameraStatus k = 0; k < RB_CAMERA_N_STATUSES; k++) {
      g_autofree gchar *l = g_strdup_printf ("%s," RB_METRIC_LABEL_STATE
          "=\"%s\"", label[i], rb_camera_status_name (k));

      rb_metrics_add (out, RB_METRIC_CAMERA_STATE, "gauge",
          i || k ? NULL : "The camera's state (1 for the current one)", l,
          st[i].status == k);
    }
  }
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_RECORDING, "gauge", i ? NULL :
        "Whether the camera is being recorded (0 while a write error pauses "
        "it or the camera is down)", label[i], st[i].recording);
  /* write errors */
  for (i = 0; i < n; i++) {
    for (guint k = RB_WRITE_REASON_NONE + 1; k < RB_WRITE_N_REASONS; k++) {
      g_autofree gchar *l = g_strdup_printf ("%s," RB_METRIC_LABEL_REASON
          "=\"%s\"", label[i],
          rb_write_reason_name (k));

      rb_metrics_add (out, RB_METRIC_CAMERA_RECORDING_PAUSED, "gauge",
          i || k > RB_WRITE_REASON_NONE + 1 ? NULL : "Whether a write error "
          "paused the camera's recording (1 for the reason of the current "
          "pause: no-space, read-only, permission, missing, io, other)", l,
          st[i].recording_paused && st[i].write_reason == k);
    }
  }
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_RECORDING_PAUSES,
        "counter", i ? NULL : "Times a write error paused the camera's "
        "recording (including a failure right after a resume)", label[i],
        st[i].recording_pauses);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_FRAMES_RECEIVED,
        "counter", i ? NULL : "Video frames received from the camera",
        label[i], st[i].frames_received);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_FRAMES_PUBLISHED,
        "counter", i ? NULL : "Anonymized frames sent to the live streams",
        label[i], rb_live_feed_get_samples (g_ptr_array_index (d->feeds, i)));
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_RECONNECTS, "counter",
        i ? NULL : "Times the camera's pipeline was rebuilt", label[i],
        st[i].reconnects);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_UNSUPPORTED_CODEC, "counter",
        i ? NULL : "Connections to the camera given up because its video "
        "codec is not supported (retried every reconnect-max-interval)",
        label[i], st[i].unsupported_codec_attempts);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_ABANDONED_PIPELINES,
        "counter", i ? NULL : "Camera pipelines that did not stop within 5 s "
        "(stuck in GStreamer) and were left behind", label[i],
        st[i].abandoned_pipelines);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_CAMERA_LAST_FRAME_AGE, "gauge",
        i ? NULL : "Seconds since the camera's last video frame (NaN: none "
        "in this connection)", label[i], st[i].last_frame_age_s < 0 ? NAN :
        st[i].last_frame_age_s);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_HEADBLUR_FRAMES, "counter",
        i ? NULL : "Frames anonymized on the live path", label[i],
        st[i].headblur_frames);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_HEADBLUR_DETECTIONS, "counter",
        i ? NULL : "Detector runs on the live path", label[i],
        st[i].detections);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_HEADBLUR_SKIPPED_DETECTIONS,
        "counter", i ? NULL : "Detector runs skipped because headblur was "
        "behind", label[i], st[i].skipped_detections);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_HEADBLUR_OVERLOAD_FRAMES,
        "counter", i ? NULL : "Live frames masked by the overload policy "
        "(whole or enlarged)", label[i], st[i].overload_frames);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, RB_METRIC_HEADBLUR_CORRUPT_FRAMES,
        "counter", i ? NULL : "Live frames masked whole (or dropped, "
        "corrupt-mode) because they were decoded with errors or after a "
        "loss, before the next clean key frame", label[i],
        st[i].corrupt_frames);

  for (RbJournalItemState k = 0; k < RB_JOURNAL_N_ITEM_STATES; k++) {
    g_autofree gchar *l = g_strdup_printf (RB_METRIC_LABEL_STATE "=\"%s\"",
        rb_journal_item_state_name (k));

    rb_metrics_add (out, RB_METRIC_QUEUE_SEGMENTS, "gauge",
        k ? NULL : "Segments in the queue, by state", l,
        rb_journal_count (d->journal, k));
  }
  pending = rb_journal_list (d->journal, RB_JOURNAL_ITEM_PENDING);
  for (GList * l = pending; l != NULL; l = l->next) {
    RbJournalItem *item = l->data;

    if (oldest == 0 || item->enqueued_us < oldest)
      oldest = item->enqueued_us;
  }
  g_list_free_full (pending, (GDestroyNotify) rb_journal_item_free);
  rb_metrics_add (out, RB_METRIC_QUEUE_OLDEST_PENDING_AGE,
      "gauge", "Age of the oldest segment waiting to be anonymized (0: none)",
      "", oldest ? (g_get_real_time () - oldest) / 1e6 : 0);
  if (d->workers != NULL)
    rb_workers_get_stats (d->workers, &ws);
  rb_metrics_add (out, RB_METRIC_SEGMENTS_ANONYMIZED, "counter",
      "Segments anonymized and verified since start", "",
      ws.completed);
  rb_metrics_add (out, RB_METRIC_SEGMENTS_REMUXED, "counter",
      "Of those, segments remuxed unchanged (nothing detected, no zone)", "",
      ws.remuxed);
  rb_metrics_add (out, RB_METRIC_SEGMENTS_FAILED_ATTEMPTS, "counter",
      "Attempts to anonymize a segment that failed since start", "",
      ws.failed);
  rb_metrics_add (out, RB_METRIC_SEGMENTS_CORRUPT_FRAMES, "counter",
      "Frames of the segments anonymized since start masked whole (or "
      "dropped) because they were decoded with errors or after a loss", "",
      ws.corrupt_frames);
  rb_metrics_add (out, RB_METRIC_SEGMENTS_QUARANTINED, "counter",
      "Segments quarantined since start (raw kept, reason in the queue)", "",
      ws.quarantined);
  {
    gboolean paused = FALSE;
    RbWriteReason reason = RB_WRITE_REASON_NONE;
    guint64 pauses = 0;

    if (d->workers != NULL)
      rb_workers_get_write_state (d->workers, &paused, &reason, &pauses);
    for (guint k = RB_WRITE_REASON_NONE + 1; k < RB_WRITE_N_REASONS; k++) {
      g_autofree gchar *l = g_strdup_printf (RB_METRIC_LABEL_REASON "=\"%s\"",
          rb_write_reason_name (k));

      rb_metrics_add (out, RB_METRIC_WORKERS_PAUSED, "gauge",
          k > RB_WRITE_REASON_NONE + 1 ? NULL : "Whether a write error "
          "paused the segment workers (1 for the reason of the current "
          "pause)", l, paused && reason == k);
    }
    rb_metrics_add (out, RB_METRIC_WORKERS_PAUSES, "counter",
        "Times a write error paused the segment workers", "", pauses);
  }
  rb_metrics_add (out, RB_METRIC_DELETIONS_PENDING, "gauge",
      "Files the daemon must delete but could not yet (retried with "
      "back-off)", "", rb_deletions_get_pending (d->deletions));
  rb_metrics_add (out, RB_METRIC_DELETIONS_DEFERRED, "counter",
      "Files that could not be deleted at the first attempt since start", "",
      rb_deletions_get_deferred (d->deletions));
  rb_retention_get_usage (d->retention, &disk);
  rb_metrics_add (out, RB_METRIC_SEGMENTS_EVICTED, "counter",
      "Segments deleted by retention or the disk budget since start", "",
      disk.evicted);
  rb_metrics_add (out, RB_METRIC_DISK_USED, "gauge",
      "Bytes taken by the segments", RB_METRIC_LABEL_KIND "=\""
      RB_METRIC_KIND_RAW "\"", disk.raw_bytes);
  rb_metrics_add (out, RB_METRIC_DISK_USED, "gauge", NULL,
      RB_METRIC_LABEL_KIND "=\"" RB_METRIC_KIND_ANONYMIZED "\"",
      disk.anonymized_bytes);
  rb_metrics_add (out, RB_METRIC_DISK_FREE, "gauge",
      "Free bytes on the state directory's file system", "",
      disk.free_bytes == G_MAXUINT64 ? NAN : disk.free_bytes);
  rb_metrics_add (out, RB_METRIC_DISK_BUDGET, "gauge",
      "max-disk-usage in bytes (0: none)", "", disk.budget_bytes);

  for (i = 0; i < d->publishers->len; i++) {
    RbPublisher *pub = g_ptr_array_index (d->publishers, i);
    g_autofree gchar *name = rb_metrics_escape (rb_publisher_get_name (pub));
    g_autofree gchar *l = g_strdup_printf (RB_METRIC_LABEL_NETWORK "=\"%s\"",
        name);
    guint connections, viewers;
    guint64 refused;

    rb_publisher_get_counts (pub, &connections, &viewers, &refused);
    rb_metrics_add (out, RB_METRIC_NETWORK_VIEWERS, "gauge", i ? NULL :
        "RTSP clients of the network that set up a stream", l, viewers);
    rb_metrics_add (out, RB_METRIC_NETWORK_CONNECTIONS, "gauge", i ? NULL :
        "RTSP connections open on the network", l, connections);
    rb_metrics_add (out, RB_METRIC_NETWORK_REFUSED_CONNECTIONS,
        "counter", i ? NULL : "Connections refused by allow, max-connections "
        "and max-connections-per-client, and stream set-ups refused by "
        "max-viewers", l, refused);
    {
      guint64 auth_failures, dropped_slow;

      rb_publisher_get_access_counts (pub, &auth_failures, &dropped_slow);
      rb_metrics_add (out, RB_METRIC_NETWORK_AUTH_FAILURES,
          "counter", i ? NULL : "RTSP requests with wrong credentials", l,
          auth_failures);
      rb_metrics_add (out, RB_METRIC_NETWORK_SLOW_VIEWERS_DROPPED,
          "counter", i ? NULL : "Viewers dropped for taking nothing or "
          "falling far behind live", l, dropped_slow);
    }
    rb_metrics_add (out, RB_METRIC_NETWORK_SERVING, "gauge", i ? NULL :
        "Whether the network's listener is bound", l,
        rb_publisher_is_serving (pub));
  }
  for (i = 0; d->discovery != NULL && i < d->discovery->len; i++) {
    RbWsDiscovery *wsd = g_ptr_array_index (d->discovery, i);
    g_autofree gchar *name =
        rb_metrics_escape (rb_ws_discovery_get_network (wsd));
    g_autofree gchar *l = g_strdup_printf (RB_METRIC_LABEL_NETWORK "=\"%s\"",
        name);
    RbWsDiscoveryStats ws;

    rb_ws_discovery_get_stats (wsd, &ws);
    rb_metrics_add (out, RB_METRIC_NETWORK_WSD_PROBES, "counter", i ? NULL :
        "WS-Discovery Probes read on the network's interface", l, ws.probes);
    rb_metrics_add (out, RB_METRIC_NETWORK_WSD_ANSWERS, "counter", i ? NULL :
        "WS-Discovery ProbeMatches sent", l, ws.answered);
    rb_metrics_add (out, RB_METRIC_NETWORK_WSD_RATE_LIMITED, "counter",
        i ? NULL : "Matching WS-Discovery Probes not answered: over the "
        "rate limit", l, ws.limited);
  }
  rb_web_collect (d->web, out); /* the browser side */
  g_strfreev (label);
  g_free (st);
}
