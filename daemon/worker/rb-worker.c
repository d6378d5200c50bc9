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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-worker.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gst/pbutils/pbutils.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "rb-detections.h"
#include "rb-durable.h"
#include "rb-journal.h"
#include "rb-pipelines.h"
#include "rb-retention.h"
#include "rb-roi.h"
#include "rb-segment-queue.h"
#include "rb-sidecar.h"
#include "rb-verify.h"

/* A claim is leased for this long and renewed while the work goes on, so a
 * crashed worker's segment returns to the queue. */
#define LEASE_S 120
#define RENEW_INTERVAL_US (30 * G_USEC_PER_SEC)
#define IDLE_WAIT_US (2 * G_USEC_PER_SEC)
#define POLL_NS (200 * GST_MSECOND)
/* Claims whose lease expired (a worker that could not write its result)
 * are returned to the queue this often while running. */
#define RECOVER_INTERVAL_US (30 * G_USEC_PER_SEC)
/* A detections sidecar still being written (the live path lags the
 * recording by up to about a second, and finishes a sidecar 1.5 s past its
 * segment's end) is waited for this long while it keeps changing. */
#define SIDECAR_WAIT_US (5 * G_USEC_PER_SEC)
#define SIDECAR_FRESH_S 3
/* An answer to the queue that cannot be given (its database is down) is
 * tried again this often, while the claim's lease lasts. */
#define ANSWER_RETRY_US (G_USEC_PER_SEC)
/* With a shared storage-dir, leftovers (unfinished outputs, raw segments
 * not queued) are another node's work in progress until this old. */
#define SHARED_LEFTOVER_AGE_S (LEASE_S + 60)


struct _RbWorkers {
  gchar *state_dir;             /* where raw/ and anonymized/ are */
  gboolean shared;              /* on [cluster] storage-dir */
  guint segment_s;
  gchar *queue_dir;             /* the queue, for the log */
  gboolean keep_raw;
  guint n_threads;
  const RbConfig *config;        /* [headblur]; owned by the daemon */
  guint lookahead;              /* frames */
  GHashTable *zones;            /* camera name → privacy zones */
  GHashTable *keep_audio;       /* names of the cameras with audio=keep */
  GHashTable *overlays;         /* camera name → rb_pipeline_overlay() */
  RbSegmentQueue *journal;      /* owned by the daemon */
  RbRetention *retention;       /* owned by the daemon, or NULL */
  RbDeletions *deletions;       /* owned by the daemon, or NULL */
  guint64 min_free_bytes;       /* a full disk pauses the workers until */
  gchar *probe_dirs[3];         /* anonymized/ and the queue's tmp/ */

  GMutex lock;
  GCond cond;
  gboolean stopping;            /* protected by lock */
  guint wakeups;                /* protected by lock */
  RbWorkerStats stats;          /* protected by lock */
  gint64 last_recover_us;       /* protected by lock */
  /* writing paused after a write error (rb-write-pause.h), for every
   * worker: protected by lock */
  RbWritePause write;
  gboolean probing;             /* a worker runs the test write */
  gboolean space_low;           /* the last check found too little space */
  GPtrArray *threads;
};


RbWorkers *
rb_workers_new (const RbConfig * config, RbSegmentQueue * journal,
    RbRetention * retention)
{
  RbWorkers *workers;

  workers = g_new0 (RbWorkers, 1);
  workers->state_dir = g_strdup (rb_config_media_dir (config));
  workers->shared = config->cluster_storage_dir != NULL;
  workers->segment_s = config->segment_duration_s;
  workers->queue_dir = g_strdup (rb_segment_queue_describe (journal));
  workers->retention = retention;
  workers->min_free_bytes = rb_write_min_free (config->min_free_space_bytes);
  workers->probe_dirs[0] = g_build_filename (workers->state_dir, "anonymized",
      NULL);
  if (rb_segment_queue_get_dir (journal) != NULL)
    workers->probe_dirs[1] =
        g_build_filename (rb_segment_queue_get_dir (journal), "tmp", NULL);
  rb_write_pause_init (&workers->write, RB_WRITE_RETRY_FIRST_MS,
      config->reconnect_max_interval_s * 1000);
  workers->keep_raw = config->keep_raw;
  workers->n_threads = config->workers;
  workers->config = config;
  workers->lookahead = config->segment_lookahead;
  workers->zones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  for (guint i = 0; i < config->cameras->len; i++) {
    const RbCameraConfig *cam = g_ptr_array_index (config->cameras, i);
    gchar *zones = rb_config_camera_zones (config, cam);

    if (zones != NULL)
      g_hash_table_insert (workers->zones, g_strdup (cam->name), zones);
  }
  workers->journal = journal;
  workers->keep_audio = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  for (guint i = 0; i < config->cameras->len; i++) {
    const RbCameraConfig *cam = g_ptr_array_index (config->cameras, i);

    if (cam->audio == RB_AUDIO_KEEP)
      g_hash_table_add (workers->keep_audio, g_strdup (cam->name));
  }
  workers->overlays = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  for (guint i = 0; i < config->cameras->len; i++) {
    const RbCameraConfig *cam = g_ptr_array_index (config->cameras, i);
    gchar *overlay = rb_pipeline_overlay (cam);

    if (overlay != NULL)
      g_hash_table_insert (workers->overlays, g_strdup (cam->name), overlay);
  }
  g_mutex_init (&workers->lock);
  g_cond_init (&workers->cond);
  workers->threads = g_ptr_array_new ();
  return workers;
}

void
rb_workers_free (RbWorkers * workers)
{
  if (workers == NULL)
    return;
  rb_workers_stop (workers);
  g_ptr_array_unref (workers->threads);
  g_mutex_clear (&workers->lock);
  g_cond_clear (&workers->cond);
  g_hash_table_unref (workers->zones);
  g_hash_table_unref (workers->keep_audio);
  g_hash_table_unref (workers->overlays);
  g_free (workers->state_dir);
  g_free (workers->queue_dir);
  g_free (workers->probe_dirs[0]);
  g_free (workers->probe_dirs[1]);
  g_free (workers);
}

void
rb_workers_set_deletions (RbWorkers * workers, RbDeletions * deletions)
{
  workers->deletions = deletions;
}

static gboolean
rb_workers_is_stopping (RbWorkers * workers)
{
  gboolean stopping;

  g_mutex_lock (&workers->lock);
  stopping = workers->stopping;
  g_mutex_unlock (&workers->lock);
  return stopping;
}

/* Deletes @path (an unfinished output); retried later if it cannot be. */
static void
rb_worker_unlink (RbWorkers * workers, const gchar * path)
{
  if (workers->deletions != NULL)
    rb_deletions_unlink (workers->deletions, "worker", path, NULL, NULL);
  else
    g_unlink (path);
}

static GstPadProbeReturn
rb_count_frames (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  rb_frame_count_add (data, GST_BUFFER_PTS (buffer),
      GST_BUFFER_DURATION (buffer));
  return GST_PAD_PROBE_OK;
}

/* A RESOURCE error of an element writing a file (filesink: it has a
 * location) becomes an RB_WRITE_ERROR naming the file: the output could not
 * be written, which is not the segment's fault. */
static void
rb_worker_parse_error (GstMessage * msg, GError ** error)
{
  GstObject *src = GST_MESSAGE_SRC (msg);
  g_autofree gchar *debug = NULL, *location = NULL;
  gboolean no_space;

  gst_message_parse_error (msg, error, &debug);
  if (error == NULL || *error == NULL || (*error)->domain != GST_RESOURCE_ERROR)
    return;
  switch ((*error)->code) {
    case GST_RESOURCE_ERROR_OPEN_WRITE:
    case GST_RESOURCE_ERROR_OPEN_READ_WRITE:
    case GST_RESOURCE_ERROR_WRITE:
    case GST_RESOURCE_ERROR_NO_SPACE_LEFT:
    case GST_RESOURCE_ERROR_CLOSE:
    case GST_RESOURCE_ERROR_SYNC:
      break;
    default:
      return;
  }
  if (src == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (src),
          "location") == NULL)
    return;
  g_object_get (src, "location", &location, NULL);
  if (location == NULL)
    return;
  no_space = (*error)->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT;
  rb_write_error_wrap (error, location, debug);
  if (no_space)
    (*error)->code = RB_WRITE_REASON_NO_SPACE;
}

/* Runs @pipeline to EOS. Returns FALSE with @error on an error, on a
 * timeout or when the workers stop (then @aborted is set). A failure to
 * write the output is an RB_WRITE_ERROR. */
static gboolean
rb_worker_run (RbWorkers * workers, GstElement * pipeline,
    const gchar * item_id, gint64 timeout_us, gboolean * aborted,
    GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 start = g_get_monotonic_time (), last_renew = start;
  gboolean ok = FALSE;

  *aborted = FALSE;
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (msg != NULL) {
      rb_worker_parse_error (msg, error);
      gst_message_unref (msg);
    } else {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
          "the pipeline failed to start");
    }
    goto done;
  }
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, POLL_NS,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    gint64 now = g_get_monotonic_time ();

    if (msg != NULL) {
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
        rb_worker_parse_error (msg, error);
      } else {
        ok = TRUE;
      }
      gst_message_unref (msg);
      break;
    }
    if (rb_workers_is_stopping (workers)) {
      *aborted = TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopping");
      break;
    }
    if (now - start > timeout_us) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
          "no EOS after %" G_GINT64_FORMAT " s", timeout_us / G_USEC_PER_SEC);
      break;
    }
    if (item_id != NULL && now - last_renew > RENEW_INTERVAL_US) {
      GError *err = NULL;

      if (!rb_segment_queue_renew (workers->journal, item_id,
              LEASE_S, &err)) {
        g_warning ("worker: cannot renew the lease of %s: %s", item_id,
            err->message);
        g_clear_error (&err);
      }
      last_renew = now;
    }
  }
done:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

/* Counts the heads headblur masked on each frame (its region-of-interest
 * metas of type head). */
static GstPadProbeReturn
rb_count_heads (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GQuark head = g_quark_from_static_string (RB_ROI_HEAD);
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) != NULL)
    if (((GstVideoRegionOfInterestMeta *) meta)->roi_type == head)
      (*(guint64 *) data)++;
  return GST_PAD_PROBE_OK;
}

static void
rb_watch_pad (GstElement * pipeline, const gchar * element, const gchar * pad,
    RbFrameCount * count)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstPad *p = gst_element_get_static_pad (e, pad);

  gst_pad_add_probe (p, GST_PAD_PROBE_TYPE_BUFFER, rb_count_frames, count,
      NULL);
  gst_object_unref (p);
  gst_object_unref (e);
}

/* Whether the Matroska file @path has an audio track, from its headers. */
static gboolean
rb_worker_has_audio (const gchar * path)
{
  g_autoptr (GstDiscoverer) discoverer = gst_discoverer_new (10 * GST_SECOND,
      NULL);
  g_autofree gchar *uri = gst_filename_to_uri (path, NULL);
  g_autoptr (GstDiscovererInfo) info = NULL;
  GList *audio;
  gboolean has;

  if (discoverer == NULL || uri == NULL)
    return FALSE;
  info = gst_discoverer_discover_uri (discoverer, uri, NULL);
  if (info == NULL)
    return FALSE;
  audio = gst_discoverer_info_get_audio_streams (info);
  has = audio != NULL;
  gst_discoverer_stream_info_list_free (audio);
  return has;
}

/* Decodes @path and checks it holds what the anonymizing pipeline fed its
 * encoder (rb_verify_output(): like with like) and the audio track when
 * one was copied. */
static gboolean
rb_worker_verify (RbWorkers * workers, const gchar * path,
    const RbFrameCount * expected, gboolean audio, gboolean * aborted,
    GError ** error)
{
  GstElement *pipeline;
  RbFrameCount got = RB_FRAME_COUNT_INIT;
  g_autofree gchar *description = rb_pipeline_verify (path);
  gboolean ok;

  pipeline = gst_parse_launch (description, error);
  if (pipeline == NULL)
    return FALSE;
  rb_watch_pad (pipeline, "sink", "sink", &got);
  ok = rb_worker_run (workers, pipeline, NULL, 120 * G_USEC_PER_SEC, aborted,
      error);
  gst_object_unref (pipeline);
  if (!ok)
    return FALSE;

  if (!rb_verify_output (expected, &got, error))
    return FALSE;
  if (audio && !rb_worker_has_audio (path)) {
    g_set_error (error, RB_VERIFY_ERROR, RB_VERIFY_ERROR_MISMATCH,
        "verification failed: the audio track is missing");
    return FALSE;
  }
  return TRUE;
}

/* The hold time of the [headblur] settings, for the tracks of the
 * sidecar. */
static guint64
rb_workers_hold_time (RbWorkers * workers)
{
  GstElement *hb = gst_element_factory_make ("headblur", NULL);
  guint64 hold = GST_SECOND;

  if (hb != NULL) {
    rb_config_apply_headblur (workers->config, G_OBJECT (hb));
    g_object_get (hb, "hold-time", &hold, NULL);
    gst_object_unref (hb);
  }
  return hold;
}

/* The detections sidecar of @raw, or NULL (logged) when it is missing or
 * unusable: then every frame is detected. An incomplete sidecar that is
 * still being written is waited for a few seconds. */
static RbDetections *
rb_worker_load_detections (const gchar * raw, guint64 hold_time)
{
  g_autofree gchar *path = rb_sidecar_path (raw);
  gint64 deadline = g_get_monotonic_time () + SIDECAR_WAIT_US;

  for (;;) {
    GError *err = NULL;
    RbDetections *d = rb_detections_load (raw, hold_time, &err);
    GStatBuf st;

    if (d == NULL) {
      if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_message ("worker: %s has no detections sidecar: detecting on "
            "every frame", raw);
      else
        g_warning ("worker: %s: detecting on every frame: %s", raw,
            err->message);
      g_error_free (err);
      return NULL;
    }
    if (rb_detections_is_complete (d) || g_get_monotonic_time () > deadline
        || g_stat (path, &st) < 0
        || g_get_real_time () / G_USEC_PER_SEC - st.st_mtime > SIDECAR_FRESH_S)
      return d;
    rb_detections_free (d);
    g_usleep (200 * 1000);
  }
}

/* Whether the video of the Matroska file @path is H.264, from its
 * headers. */
static gboolean
rb_worker_video_is_h264 (const gchar * path)
{
  g_autoptr (GstDiscoverer) discoverer = gst_discoverer_new (10 * GST_SECOND,
      NULL);
  g_autofree gchar *uri = gst_filename_to_uri (path, NULL);
  g_autoptr (GstDiscovererInfo) info = NULL;
  GList *video;
  gboolean h264 = FALSE;

  if (discoverer == NULL || uri == NULL)
    return FALSE;
  info = gst_discoverer_discover_uri (discoverer, uri, NULL);
  if (info == NULL)
    return FALSE;
  video = gst_discoverer_info_get_video_streams (info);
  if (video != NULL && g_list_next (video) == NULL) {
    GstCaps *caps = gst_discoverer_stream_info_get_caps (video->data);

    h264 = caps != NULL && gst_structure_has_name (gst_caps_get_structure
        (caps, 0), "video/x-h264");
    gst_clear_caps (&caps);
  }
  gst_discoverer_stream_info_list_free (video);
  return h264;
}

typedef struct {
  RbDetections *detections;
  RbFrameCount *count;
  gboolean all_covered;
  guint corrupt;                /* frames safedec flagged corrupted */
} RbRemuxCheck;

static GstPadProbeReturn
rb_remux_check_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbRemuxCheck *check = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  rb_frame_count_add (check->count, GST_BUFFER_PTS (buffer),
      GST_BUFFER_DURATION (buffer));
  if (!GST_BUFFER_PTS_IS_VALID (buffer)
      || !rb_detections_covers (check->detections, GST_BUFFER_PTS (buffer)))
    check->all_covered = FALSE;
  /* a damaged frame is not copied as it is: anonymized, it is masked */
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_CORRUPTED))
    check->corrupt++;
  return GST_PAD_PROBE_OK;
}

/* The timeout of a pipeline run on @item: ten times the segment's
 * duration, and at least a minute. */
static gint64
rb_worker_timeout (const RbJournalItem * item)
{
  gint64 timeout_us = 60 * G_USEC_PER_SEC;

  if (item->duration != G_MAXUINT64)
    timeout_us = MAX (timeout_us, (gint64) (item->duration / 100));
  return timeout_us;
}

/* A stream error of a pipeline reading the raw segment: the segment is
 * damaged. */
static void
rb_worker_mark_damaged (gboolean ok, gboolean aborted, GError ** error)
{
  if (!ok && !aborted && error && *error
      && (*error)->domain == GST_STREAM_ERROR) {
    /* the demuxer or decoder choked on the raw segment */
    GError *err = g_steal_pointer (error);

    g_set_error (error, RB_VERIFY_ERROR, RB_VERIFY_ERROR_DAMAGED,
        "the raw segment is damaged: %s", err->message);
    g_error_free (err);
  }
}

/* Remuxes @item (its sidecar @detections says nothing was ever detected)
 * into @partial if the sidecar covers every frame the raw segment decodes
 * to, which go into @in. Returns 1 when remuxed, 0 when a frame is not
 * covered (anonymize it as usual), -1 on error. */
static gint
rb_worker_remux (RbWorkers * workers, RbJournalItem * item,
    RbDetections * detections, const gchar * partial, gboolean audio,
    RbFrameCount * in, gboolean * aborted, GError ** error)
{
  g_autofree gchar *decode = rb_pipeline_verify (item->location);
  g_autofree gchar *remux = rb_pipeline_remux (item->location, partial,
      audio);
  RbRemuxCheck check = { detections, in, TRUE, 0 };
  GstElement *pipeline, *sink;
  GstPad *pad;
  gboolean ok;

  /* decode the raw segment: its frames, each covered by the sidecar */
  pipeline = gst_parse_launch (decode, error);
  if (pipeline == NULL)
    return -1;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, rb_remux_check_probe,
      &check, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  ok = rb_worker_run (workers, pipeline, item->id, rb_worker_timeout (item),
      aborted, error);
  gst_object_unref (pipeline);
  rb_worker_mark_damaged (ok, *aborted, error);
  if (!ok || !rb_verify_input (in, item->duration, error))
    return -1;
  if (check.corrupt > 0)
    g_message ("worker: %s has %u damaged frames: anonymized, not remuxed",
        item->location, check.corrupt);
  if (!check.all_covered || check.corrupt > 0 || in->frames == 0)
    return 0;

  pipeline = gst_parse_launch (remux, error);
  if (pipeline == NULL)
    return -1;
  ok = rb_worker_run (workers, pipeline, item->id, rb_worker_timeout (item),
      aborted, error);
  gst_object_unref (pipeline);
  rb_worker_mark_damaged (ok, *aborted, error);
  return ok ? 1 : -1;
}

/* Anonymizes @item into @partial (decode, headblur, encode); the frames fed
 * to the encoder go into @in, the frames headblur masked whole (or
 * dropped) because safedec flagged them corrupted into @corrupt. With
 * @detections, headblur masks the sidecar's smoothed tracks and detects
 * only on the frames it does not cover. */
static gboolean
rb_worker_anonymize (RbWorkers * workers, RbJournalItem * item,
    RbDetections * detections, const gchar * partial, gboolean audio,
    RbFrameCount * in, guint64 * corrupt, RbSegmentResult * result,
    gboolean * aborted, GError ** error)
{
  const gchar *overlay = item->source ? g_hash_table_lookup
      (workers->overlays, item->source) : NULL;
  g_autofree gchar *description = rb_pipeline_segment (item->location,
      partial, audio, overlay);
  RbWallclock *clock = NULL;
  GstElement *pipeline, *blur;
  gboolean ok;

  pipeline = gst_parse_launch (description, error);
  if (pipeline == NULL)
    return FALSE;
  if (overlay != NULL) {
    /* the frames' time as the live path saw it (the sidecar's `w` lines),
     * else the segment's start (its name) */
    GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline),
        "overlay");
    GstPad *pad = gst_element_get_static_pad (element, "video_sink");
    gint64 start_us;

    clock = rb_wallclock_new ();
    if ((detections == NULL || rb_detections_add_clocks (detections,
                clock) == 0)
        && rb_journal_segment_time (item->location, &start_us))
      rb_wallclock_set_first (clock, start_us * 1000);
    rb_wallclock_setup_overlay (element);
    rb_wallclock_stamp (clock, pad, TRUE);
    gst_object_unref (pad);
    gst_object_unref (element);
  }
  blur = gst_bin_get_by_name (GST_BIN (pipeline), "blur");
  rb_config_apply_headblur (workers->config, G_OBJECT (blur));
  /* after [headblur], which holds the live path's detection-interval:
   * latency does not matter for recordings, so detect on every frame and
   * look ahead; a head first seen at frame t is hidden in the frames
   * before */
  g_object_set (blur, "detection-interval", 1, "lookahead", workers->lookahead,
      "threads", 1, NULL);
  if (item->source != NULL && g_hash_table_contains (workers->zones,
          item->source))
    g_object_set (blur, "privacy-zones", g_hash_table_lookup (workers->zones,
            item->source), NULL);
  if (detections != NULL) {
    GstElement *decoder = gst_bin_get_by_name (GST_BIN (pipeline),
        "decoder");

    g_object_set (blur, "upstream-detections", TRUE, NULL);
    rb_detections_feed (detections, blur);
    /* the losses the live path saw, which the raw segment does not show:
     * the frames after them are masked whole as they were live */
    rb_detections_mark_losses (detections, decoder);
    gst_object_unref (decoder);
  }
  rb_watch_pad (pipeline, "blur", "src", in);
  {
    GstPad *src = gst_element_get_static_pad (blur, "src");

    result->heads_masked = 0;
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, rb_count_heads,
        &result->heads_masked, NULL);
    gst_object_unref (src);
  }

  ok = rb_worker_run (workers, pipeline, item->id, rb_worker_timeout (item),
      aborted, error);
  {
    GstStructure *stats = NULL;

    g_object_get (blur, "stats", &stats, NULL);
    if (stats == NULL
        || !gst_structure_get_uint64 (stats, "corrupt-frames", corrupt))
      *corrupt = 0;
    if (stats == NULL || !gst_structure_get_uint64 (stats, "overload-frames",
            &result->overload_frames))
      result->overload_frames = 0;
    if (stats != NULL)
      gst_structure_free (stats);
  }
  gst_object_unref (blur);
  gst_object_unref (pipeline);
  rb_wallclock_free (clock);
  rb_worker_mark_damaged (ok, *aborted, error);
  return ok && rb_verify_input (in, item->duration, error);
}

/* Anonymizes one claimed segment. Returns FALSE with @error on failure
 * (RB_VERIFY_ERROR_DAMAGED: the raw segment cannot be anonymized, retrying
 * is useless); @aborted is set when the workers are stopping. @how says
 * how (for the log), @remuxed whether it was remuxed. */
static gboolean
rb_worker_process (RbWorkers * workers, RbJournalItem * item,
    gchar ** out_location, gchar ** how, gboolean * remuxed,
    RbSegmentResult * result, gboolean * aborted, GError ** error)
{
  RbFrameCount in = RB_FRAME_COUNT_INIT;
  g_autofree gchar *basename = g_path_get_basename (item->location);
  g_autofree gchar *out_dir = g_build_filename (workers->state_dir,
      "anonymized", item->source ? item->source : "unknown", NULL);
  g_autofree gchar *final = g_build_filename (out_dir, basename, NULL);
  /* on the shared storage, a worker of another node may have the same
   * segment (its claim expired while it went on): each its own output */
  g_autofree gchar *partial = workers->shared ?
      g_strdup_printf ("%s.%s-%d.partial", final, g_get_host_name (),
      (int) getpid ()) : g_strconcat (final, ".partial", NULL);
  g_autoptr (RbDetections) detections = NULL;
  gboolean audio, zoned, ok;
  guint64 corrupt = 0;
  gint r = 0;

  *aborted = FALSE;
  *remuxed = FALSE;
  if (!g_file_test (item->location, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, RB_VERIFY_ERROR, RB_VERIFY_ERROR_DAMAGED,
        "the raw segment is missing");
    return FALSE;
  }
  if (g_mkdir_with_parents (out_dir, 0750) < 0) {
    rb_durable_set_error (error, "create", out_dir, errno);
    rb_write_error_wrap (error, out_dir, NULL);
    return FALSE;
  }

  /* a failed attempt's output waiting to be deleted has this name */
  if (workers->deletions != NULL)
    rb_deletions_cancel (workers->deletions, partial);

  audio = item->source != NULL && g_hash_table_contains (workers->keep_audio,
      item->source) && rb_worker_has_audio (item->location);
  zoned = item->source != NULL && g_hash_table_contains (workers->zones,
      item->source);
  detections = rb_worker_load_detections (item->location,
      rb_workers_hold_time (workers));

  /* nothing detected live on any frame, no privacy zone, no overlay: the
   * raw video as it is (H.264 only: the anonymized segments are H.264) */
  if (detections != NULL && !zoned && !g_hash_table_contains
      (workers->overlays, item->source ? item->source : "")
      && rb_detections_nothing_detected (detections)
      && rb_worker_video_is_h264 (item->location)) {
    r = rb_worker_remux (workers, item, detections, partial, audio, &in,
        aborted, error);
    if (r < 0) {
      rb_worker_unlink (workers, partial);
      return FALSE;
    }
    if (r == 0)
      in = (RbFrameCount) RB_FRAME_COUNT_INIT;
  }
  if (r > 0) {
    *remuxed = TRUE;
    *how = g_strdup ("remuxed: nothing detected on any frame");
    ok = TRUE;
  } else {
    ok = rb_worker_anonymize (workers, item, detections, partial, audio, &in,
        &corrupt, result, aborted, error);
    if (detections != NULL) {
      g_autofree gchar *what = rb_detections_describe (detections);
      guint frames, covered;

      rb_detections_get_counts (detections, &frames, &covered);
      *how = g_strdup_printf ("%u of %u frames covered by the live "
          "detections (%s)", covered, frames, what);
    } else {
      *how = g_strdup ("no detections sidecar: detected on every frame");
    }
    if (corrupt > 0) {
      gchar *more = g_strdup_printf ("%s; %" G_GUINT64_FORMAT " damaged "
          "frames masked whole", *how, corrupt);

      g_free (*how);
      *how = more;
    }
  }
  if (ok && !rb_durable_fsync (partial, error)) {
    rb_write_error_wrap (error, partial, NULL);
    ok = FALSE;
  }
  ok = ok && rb_worker_verify (workers, partial, &in, audio, aborted, error);
  if (ok && !rb_durable_rename (partial, final, error)) {
    rb_write_error_wrap (error, final, NULL);
    ok = FALSE;
  }
  if (!ok) {
    rb_worker_unlink (workers, partial);
    return FALSE;
  }
  g_mutex_lock (&workers->lock);
  workers->stats.corrupt_frames += corrupt;
  g_mutex_unlock (&workers->lock);
  *out_location = g_steal_pointer (&final);
  return TRUE;
}

/* A raw segment deleted late (rb-deletions.h): out of the disk index. */
static void
rb_worker_raw_deleted (const gchar * path, gpointer data)
{
  RbRetention *retention = data;

  if (retention != NULL)
    rb_retention_remove (retention, path);
}

/* Deletes the raw segment @path and its detections sidecar; what cannot
 * be deleted now is retried later (logged once). Returns whether the raw
 * segment is gone now. */
static gboolean
rb_worker_delete_raw (RbWorkers * workers, const gchar * path)
{
  g_autofree gchar *sidecar = rb_sidecar_path (path);
  gboolean gone;

  if (workers->deletions == NULL) {
    gone = g_unlink (path) == 0 || errno == ENOENT;
    if (!gone)
      g_warning ("worker: cannot delete the raw segment %s: %s", path,
          g_strerror (errno));
    else if (g_unlink (sidecar) < 0 && errno != ENOENT)
      g_warning ("worker: cannot delete %s: %s", sidecar, g_strerror (errno));
    return gone;
  }
  gone = rb_deletions_unlink (workers->deletions, "worker", path,
      rb_worker_raw_deleted, workers->retention);
  rb_deletions_unlink (workers->deletions, "worker", sidecar, NULL, NULL);
  return gone;
}

/* ---- writing paused after a write error ---- */

/* A write failed (@err, an RB_WRITE_ERROR or a queue's G_IO_ERROR): every
 * worker pauses; logged once per transition. @segment went back to the
 * queue, or NULL. */
static void
rb_workers_write_failed (RbWorkers * workers, const GError * err,
    const gchar * segment)
{
  RbWriteReason reason = rb_write_reason_from_error (err, NULL);
  RbWriteLog log;
  guint delay_ms, max_ms;

  g_mutex_lock (&workers->lock);
  log = rb_write_pause_failed (&workers->write, reason,
      g_get_monotonic_time ());
  delay_ms = workers->write.delay_ms;
  max_ms = workers->write.max_ms;
  g_mutex_unlock (&workers->lock);
  if (log == RB_WRITE_LOG_PAUSED)
    g_warning ("worker: writing paused (%s): %s; %s%sthe workers try a "
        "test write in %.0f s, then less often (up to every %.0f s), and go "
        "on when it passes", rb_write_reason_name (reason), err->message,
        segment ? segment : "", segment ? " goes back to the queue; " : "",
        delay_ms / 1000.0, max_ms / 1000.0);
  else if (log == RB_WRITE_LOG_RELAPSE)
    g_warning ("worker: writing failed again right after it resumed (%s): "
        "%s; %s%stried again less and less often (up to every %.0f s), and "
        "logged again once a segment is anonymized",
        rb_write_reason_name (reason), err->message, segment ? segment : "",
        segment ? " goes back to the queue; " : "", max_ms / 1000.0);
  else
    g_debug ("worker: writing failed again: %s", err->message);
}

/* Something was written for real (a segment anonymized and completed). */
static void
rb_workers_written (RbWorkers * workers)
{
  RbWriteLog log;
  gint64 since;
  guint failed;

  g_mutex_lock (&workers->lock);
  since = workers->write.since_us;
  failed = workers->write.failed_probes;
  log = rb_write_pause_written (&workers->write);
  g_mutex_unlock (&workers->lock);
  if (log == RB_WRITE_LOG_RESUMED)
    g_message ("worker: writing again: a segment was anonymized (%.0f s "
        "after the pause, %u test writes failed)",
        (g_get_monotonic_time () - since) / 1e6, failed);
}

/* While writing is paused: waits, and runs the test write (one worker at
 * a time) when the back-off is due or the free space came back. Returns
 * FALSE when the workers stop. */
static gboolean
rb_workers_wait_writable (RbWorkers * workers)
{
  g_mutex_lock (&workers->lock);
  while (!workers->stopping && rb_write_pause_is_paused (&workers->write)) {
    gint64 now = g_get_monotonic_time ();
    gint64 check = now + RB_WRITE_SPACE_CHECK_MS * 1000;
    GError *err = NULL;
    guint64 free_bytes;
    gboolean ok = TRUE;

    if (workers->probing) {
      g_cond_wait_until (&workers->cond, &workers->lock, check);
      continue;
    }
    g_mutex_unlock (&workers->lock);
    free_bytes = rb_fs_free_bytes (workers->state_dir, NULL);
    g_mutex_lock (&workers->lock);
    if (free_bytes != G_MAXUINT64 && free_bytes < workers->min_free_bytes) {
      workers->space_low = TRUE;
      g_cond_wait_until (&workers->cond, &workers->lock, check);
      continue;
    }
    if (workers->space_low) {
      /* the space is back: no need to wait for the back-off */
      workers->space_low = FALSE;
      rb_write_pause_hurry (&workers->write, now);
    }
    if (!rb_write_pause_is_due (&workers->write, now)) {
      g_cond_wait_until (&workers->cond, &workers->lock, MIN (check,
              now + rb_write_pause_wait_us (&workers->write, now)));
      continue;
    }
    workers->probing = TRUE;
    g_mutex_unlock (&workers->lock);
    for (guint i = 0; ok && workers->probe_dirs[i] != NULL; i++)
      ok = rb_write_probe (workers->probe_dirs[i], workers->min_free_bytes,
          &err);
    g_mutex_lock (&workers->lock);
    workers->probing = FALSE;
    now = g_get_monotonic_time ();
    if (!ok) {
      rb_write_pause_probe_failed (&workers->write,
          rb_write_reason_from_error (err, NULL), now);
      g_debug ("worker: cannot write yet: %s; next try in %u ms",
          err->message, workers->write.delay_ms);
      g_error_free (err);
    } else if (rb_write_pause_probe_passed (&workers->write, now) ==
        RB_WRITE_LOG_RESUMED) {
      g_message ("worker: writing again: %s%s%s %s writable again "
          "after %.0f s", workers->probe_dirs[0], workers->probe_dirs[1] ?
          " and " : "", workers->probe_dirs[1] ? workers->probe_dirs[1] : "",
          workers->probe_dirs[1] ? "are" : "is",
          (now - workers->write.since_us) / 1e6);
      /* the claims that could not be released while paused are returned
       * as soon as their lease expires */
      workers->last_recover_us = 0;
    }
    g_cond_broadcast (&workers->cond);
  }
  g_mutex_unlock (&workers->lock);
  return !rb_workers_is_stopping (workers);
}

/* Every RECOVER_INTERVAL_US: claims whose lease expired (this process
 * could not write their result, e.g. on a full disk) go back to pending. */
static void
rb_workers_maybe_recover (RbWorkers * workers)
{
  gint64 now = g_get_monotonic_time ();
  GError *err = NULL;
  guint n;

  g_mutex_lock (&workers->lock);
  if (now - workers->last_recover_us < RECOVER_INTERVAL_US) {
    g_mutex_unlock (&workers->lock);
    return;
  }
  workers->last_recover_us = now;
  g_mutex_unlock (&workers->lock);
  n = rb_segment_queue_recover (workers->journal, &err);
  if (g_error_matches (err, RB_SEGMENT_QUEUE_ERROR,
          RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE)) {
    g_clear_error (&err);
  } else if (err != NULL) {
    g_warning ("worker: cannot recover claims in %s: %s", workers->queue_dir,
        err->message);
    g_error_free (err);
  } else if (n > 0) {
    g_message ("worker: %u abandoned claims returned to the queue", n);
  }
}

/* The answers a worker gives the queue about its claim. */
typedef enum {
  ANSWER_COMPLETE,
  ANSWER_FAIL,
  ANSWER_QUARANTINE,
  ANSWER_RELEASE,
} RbAnswer;

/* Gives the queue @what about @item. While the queue is unavailable (its
 * database is down) the answer is tried again every second, as long as
 * the claim surely lasts and the workers do not stop: a segment
 * anonymized while the database was down is completed once it is back,
 * never done again. */
static gboolean
rb_worker_answer (RbWorkers * workers, RbJournalItem * item, RbAnswer what,
    const gchar * reason, const RbSegmentResult * result, GError ** error)
{
  /* the last renewal was at most RENEW_INTERVAL_US ago, then verification
   * (at most a minute) */
  gint64 deadline = g_get_monotonic_time () + (LEASE_S * G_USEC_PER_SEC -
      RENEW_INTERVAL_US) / 2;
  gboolean waited = FALSE;

  for (;;) {
    GError *err = NULL;
    gboolean ok = FALSE;

    switch (what) {
      case ANSWER_COMPLETE:
        ok = rb_segment_queue_complete (workers->journal, item, result, &err);
        break;
      case ANSWER_FAIL:
      case ANSWER_QUARANTINE:
        ok = rb_segment_queue_fail (workers->journal, item, reason,
            what == ANSWER_QUARANTINE, &err);
        break;
      case ANSWER_RELEASE:
        ok = rb_segment_queue_release (workers->journal, item->id, &err);
        break;
    }
    if (ok) {
      if (waited)
        g_message ("worker: the queue has the answer about %s again",
            item->location);
      return TRUE;
    }
    if (!g_error_matches (err, RB_SEGMENT_QUEUE_ERROR,
            RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE)
        || g_get_monotonic_time () > deadline
        || rb_workers_is_stopping (workers)) {
      g_propagate_error (error, err);
      return FALSE;
    }
    if (!waited)
      g_message ("worker: cannot tell the queue about %s yet (%s): trying "
          "again every second", item->location, err->message);
    waited = TRUE;
    g_error_free (err);
    g_mutex_lock (&workers->lock);
    if (!workers->stopping)
      g_cond_wait_until (&workers->cond, &workers->lock,
          g_get_monotonic_time () + ANSWER_RETRY_US);
    g_mutex_unlock (&workers->lock);
  }
}

/* A segment that could not be anonymized: damaged ones are quarantined at
 * once; others are tried again later (the queue backs off) and
 * quarantined after RB_JOURNAL_MAX_ATTEMPTS (the journal's retry policy).
 * A quarantine is logged once, with why. */
static void
rb_worker_failed (RbWorkers * workers, RbJournalItem * item, GError * err)
{
  GError *jerr = NULL;
  gboolean damaged = g_error_matches (err, RB_VERIFY_ERROR,
      RB_VERIFY_ERROR_DAMAGED);
  gboolean last = damaged || item->attempts + 1 >= RB_JOURNAL_MAX_ATTEMPTS;
  gboolean ok;

  ok = rb_worker_answer (workers, item, damaged ? ANSWER_QUARANTINE :
      ANSWER_FAIL, err->message, NULL, &jerr);
  if (!ok) {
    /* the claim stays; its lease expires and it is recovered */
    g_warning ("worker: cannot record the failure of %s: %s", item->id,
        jerr->message);
    g_clear_error (&jerr);
  }
  g_mutex_lock (&workers->lock);
  workers->stats.failed++;
  if (last && ok)
    workers->stats.quarantined++;
  g_mutex_unlock (&workers->lock);
  if (last)
    g_warning ("worker: segment %s quarantined (raw kept) after %u "
        "attempt%s: %s", item->location, item->attempts + 1,
        item->attempts ? "s" : "", err->message);
  else
    g_warning ("worker: cannot anonymize %s (attempt %u of %u, retrying "
        "later): %s", item->location, item->attempts + 1,
        RB_JOURNAL_MAX_ATTEMPTS,
        err->message);
}

static gpointer
rb_worker_thread (gpointer data)
{
  RbWorkers *workers = data;

  while (rb_workers_wait_writable (workers)) {
    GError *err = NULL;
    RbJournalItem *item;
    RbSegmentResult result = { NULL, 0, 0, 0 };
    gchar *out = NULL, *how = NULL;
    gboolean aborted = FALSE, remuxed = FALSE;
    gint64 started;

    rb_workers_maybe_recover (workers);
    item = rb_segment_queue_claim (workers->journal, LEASE_S, &err);
    if (item == NULL) {
      if (err != NULL && err->domain == G_IO_ERROR) {
        /* the queue cannot be written */
        rb_workers_write_failed (workers, err, NULL);
        g_clear_error (&err);
        continue;
      } else if (g_error_matches (err, RB_SEGMENT_QUEUE_ERROR,
              RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE)) {
        /* logged by the queue, once */
        g_clear_error (&err);
      } else if (err != NULL) {
        g_warning ("worker: cannot claim from queue %s: %s",
            workers->queue_dir, err->message);
        g_clear_error (&err);
      }
      g_mutex_lock (&workers->lock);
      if (!workers->stopping && workers->wakeups == 0)
        g_cond_wait_until (&workers->cond, &workers->lock,
            g_get_monotonic_time () + IDLE_WAIT_US);
      if (workers->wakeups > 0)
        workers->wakeups--;
      g_mutex_unlock (&workers->lock);
      continue;
    }

    started = g_get_monotonic_time ();
    if (rb_worker_process (workers, item, &out, &how, &remuxed, &result,
            &aborted, &err)) {
      GError *jerr = NULL;

      result.anonymized = out;
      {
        GStatBuf st;

        if (g_stat (out, &st) == 0)
          result.anonymized_bytes = st.st_size;
      }
      if (!rb_worker_answer (workers, item, ANSWER_COMPLETE, NULL, &result,
              &jerr)) {
        if (jerr->domain == G_IO_ERROR) {
          /* the claim stays: its lease expires and it is done again */
          rb_workers_write_failed (workers, jerr, NULL);
        } else {
          g_warning ("worker: cannot complete %s: %s", item->id, jerr->message);
        }
        g_clear_error (&jerr);
      } else {
        g_message ("worker: anonymized %s into %s in %.1f s (%s)",
            item->location, out, (g_get_monotonic_time () - started) / 1e6,
            how);
        rb_workers_written (workers);
        if (workers->retention)
          rb_retention_add (workers->retention, out);
        if (!workers->keep_raw && rb_worker_delete_raw (workers,
                item->location) && workers->retention)
          rb_retention_remove (workers->retention, item->location);
        g_mutex_lock (&workers->lock);
        workers->stats.completed++;
        if (remuxed)
          workers->stats.remuxed++;
        g_mutex_unlock (&workers->lock);
      }
      g_free (out);
    } else if (aborted || err->domain == RB_WRITE_ERROR) {
      GError *write_err = aborted ? NULL : g_steal_pointer (&err);

      g_clear_error (&err);
      /* back to the queue: not the segment's fault, no attempt counted */
      if (!rb_worker_answer (workers, item, ANSWER_RELEASE, NULL, NULL,
              &err)) {
        /* its lease expires and it is recovered */
        if (write_err == NULL)
          g_warning ("worker: cannot release %s: %s", item->id, err->message);
        else
          g_debug ("worker: cannot release %s: %s", item->id, err->message);
        g_clear_error (&err);
      }
      if (write_err != NULL) {
        rb_workers_write_failed (workers, write_err, item->location);
        g_error_free (write_err);
      }
    } else {
      rb_worker_failed (workers, item, err);
      g_clear_error (&err);
    }
    g_free (how);
    rb_journal_item_free (item);
  }
  return NULL;
}

void
rb_workers_start (RbWorkers * workers)
{
  guint i;

  for (i = 0; i < workers->n_threads; i++) {
    gchar *name = g_strdup_printf ("rb-worker-%u", i);

    g_ptr_array_add (workers->threads, g_thread_new (name, rb_worker_thread,
            workers));
    g_free (name);
  }
}

void
rb_workers_wake (RbWorkers * workers)
{
  g_mutex_lock (&workers->lock);
  workers->wakeups++;
  g_cond_broadcast (&workers->cond);
  g_mutex_unlock (&workers->lock);
}

void
rb_workers_stop (RbWorkers * workers)
{
  guint i;

  g_mutex_lock (&workers->lock);
  workers->stopping = TRUE;
  g_cond_broadcast (&workers->cond);
  g_mutex_unlock (&workers->lock);
  for (i = 0; i < workers->threads->len; i++)
    g_thread_join (g_ptr_array_index (workers->threads, i));
  g_ptr_array_set_size (workers->threads, 0);
}

void
rb_workers_get_stats (RbWorkers * workers, RbWorkerStats * stats)
{
  g_mutex_lock (&workers->lock);
  *stats = workers->stats;
  g_mutex_unlock (&workers->lock);
}

void
rb_workers_get_write_state (RbWorkers * workers, gboolean * paused,
    RbWriteReason * reason, guint64 * pauses)
{
  g_mutex_lock (&workers->lock);
  *paused = rb_write_pause_is_paused (&workers->write);
  *reason = *paused ? workers->write.reason : RB_WRITE_REASON_NONE;
  *pauses = workers->write.pauses;
  g_mutex_unlock (&workers->lock);
}

/* Whether @path was last changed more than @age_s ago. */
static gboolean
rb_worker_is_stale (const gchar * path, guint age_s)
{
  GStatBuf st;

  return g_stat (path, &st) == 0
      && g_get_real_time () / G_USEC_PER_SEC - st.st_mtime > (gint64) age_s;
}

/* The state after a crash, made whole again (before the cameras start):
 * - `.partial` files in anonymized/ are the output of an interrupted
 *   worker: deleted (the segment is still in the queue);
 * - a completed segment whose raw file is still there (a kill between
 *   completing the queue item and deleting the raw file): the raw file is
 *   deleted, unless keep-raw;
 * - a raw segment the queue does not know (a recording killed before its
 *   segment was queued): queued, its duration unknown (its detections
 *   sidecar, torn or not, is used as it is);
 * - a detections sidecar whose raw segment is gone: deleted.
 * On a shared storage-dir ([cluster]), what another node may be working
 * on is left alone: unfinished outputs and unqueued raw segments are
 * leftovers only once they have not changed for a few minutes. */
void
rb_workers_reconcile (RbWorkers * workers)
{
  g_autofree gchar *anon_dir = g_build_filename (workers->state_dir,
      "anonymized", NULL);
  g_autofree gchar *raw_dir = g_build_filename (workers->state_dir, "raw",
      NULL);
  guint partials = 0, deleted = 0, queued = 0, sidecars = 0;
  GList *done, *l;
  GDir *top;
  const gchar *camera;

  top = g_dir_open (anon_dir, 0, NULL);
  while (top != NULL && (camera = g_dir_read_name (top)) != NULL) {
    g_autofree gchar *sub = g_build_filename (anon_dir, camera, NULL);
    GDir *d = g_dir_open (sub, 0, NULL);
    const gchar *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
      g_autofree gchar *path = g_build_filename (sub, name, NULL);

      if (g_str_has_suffix (name, ".partial") && (!workers->shared
              || rb_worker_is_stale (path, SHARED_LEFTOVER_AGE_S))
          && g_unlink (path) == 0)
        partials++;
    }
    if (d != NULL)
      g_dir_close (d);
  }
  if (top != NULL)
    g_dir_close (top);

  done = rb_segment_queue_list (workers->journal, RB_JOURNAL_ITEM_DONE,
      NULL);
  for (l = done; l != NULL && !workers->keep_raw; l = l->next) {
    RbJournalItem *item = l->data;

    if (g_file_test (item->location, G_FILE_TEST_EXISTS)
        && rb_worker_delete_raw (workers, item->location)) {
      deleted++;
      if (workers->retention)
        rb_retention_remove (workers->retention, item->location);
    }
  }
  g_list_free_full (done, (GDestroyNotify) rb_journal_item_free);

  top = g_dir_open (raw_dir, 0, NULL);
  while (top != NULL && (camera = g_dir_read_name (top)) != NULL) {
    g_autofree gchar *sub = g_build_filename (raw_dir, camera, NULL);
    GDir *d = g_dir_open (sub, 0, NULL);
    const gchar *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
      g_autofree gchar *path = g_build_filename (sub, name, NULL);
      GError *err = NULL;
      GStatBuf st;

      if (g_str_has_suffix (name, RB_SIDECAR_SUFFIX)) {
        g_autofree gchar *raw = g_strndup (path, strlen (path) -
            strlen (RB_SIDECAR_SUFFIX));

        /* the sidecar of a segment deleted (or never written): useless */
        if (!g_file_test (raw, G_FILE_TEST_EXISTS) && (!workers->shared
                || rb_worker_is_stale (path, SHARED_LEFTOVER_AGE_S))
            && g_unlink (path) == 0)
          sidecars++;
        continue;
      }
      if (!g_str_has_suffix (name, ".mkv") && !g_str_has_suffix (name, ".ts"))
        continue;
      if (rb_segment_queue_contains (workers->journal, path))
        continue;
      /* on the shared storage: maybe another node's recording, or a
       * segment still in its node's spool */
      if (workers->shared && !rb_worker_is_stale (path,
              SHARED_LEFTOVER_AGE_S + 2 * workers->segment_s))
        continue;
      if (g_stat (path, &st) == 0 && st.st_size == 0) {
        g_unlink (path);
        continue;
      }
      if (rb_segment_queue_add (workers->journal, path, camera, G_MAXUINT64,
              &err))
        queued++;
      else
        g_warning ("worker: cannot queue the leftover segment %s: %s", path,
            err->message);
      g_clear_error (&err);
    }
    if (d != NULL)
      g_dir_close (d);
  }
  if (top != NULL)
    g_dir_close (top);

  if (partials || deleted || queued || sidecars)
    g_message ("worker: after the last run: %u unfinished outputs deleted, "
        "%u raw segments of completed items deleted, %u leftover raw "
        "segments queued, %u detections sidecars without a segment deleted",
        partials, deleted, queued, sidecars);
}
