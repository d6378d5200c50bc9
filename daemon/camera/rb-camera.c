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

#include "rb-camera.h"
#include "rb-detections.h"
#include "rb-pipelines.h"
#include "rb-retention.h"
#include "rb-teardown.h"
#include "rb-write-pause.h"

#include <gst/rtsp/rtsp.h>
#include <string.h>

/* Backoff between two attempts: doubles from the first to the cap
 * (reconnect-max-interval), and falls back to the first once a camera has
 * delivered data for a while. */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_RESET_AFTER_US (10 * G_USEC_PER_SEC)
/* How long the first stream's data waits for the camera's other selected
 * stream (audio and video pads come with their first packets) before the
 * pipeline is built with what is there. */
#define STREAMS_WAIT_MS 1500
/* Video times that go back more than this restart the recording. */
#define TIME_JUMP_BACK (2 * GST_SECOND)
/* A camera that sent nothing for this long is restarted (rtspsrc itself
 * takes about 26 s to notice a frozen server). */
#define STALL_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* How long a camera may take from start to its first buffer. */
#define CONNECT_TIMEOUT_US (20 * G_USEC_PER_SEC)
#define EOS_TIMEOUT_MS 10000
#define WATCHDOG_INTERVAL_MS 1000
/* How long a pipeline may take to reach NULL before it is abandoned (GStreamer
 * 1.22's rtspsrc can deadlock in its own threads when an RTCP BYE and the
 * close of the RTSP connection arrive together: both send EOS to the same
 * udpsrc). The main loop, and every other camera, must not wait forever. */
#define TEARDOWN_TIMEOUT_US (5 * G_USEC_PER_SEC)
/* While a camera's server does not even accept a connection (down,
 * rebooting), a TCP connect to its host and port is tried this often; the
 * first that succeeds after one was refused starts an attempt at once,
 * whatever the backoff, so a camera is back within about this time of its
 * server's return. A server that accepts but refuses the stream (wrong
 * credentials or path) is left to the backoff. */
#define PROBE_INTERVAL_MS 1000

typedef enum {
  RB_CAMERA_IDLE,               /* not started, or stopped */
  RB_CAMERA_RUNNING,            /* pipeline up (connecting or receiving) */
  RB_CAMERA_WAITING,            /* between two attempts */
  RB_CAMERA_STOPPING,           /* EOS sent, waiting for it */
  RB_CAMERA_RENEWING,           /* EOS sent to close the segment before a
                                 * rebuild (the stream changed) */
} RbCameraState;

struct _RbCamera {
  /* configuration, read-only after creation */
  gchar *name;
  gchar *url;
  gchar *url_redacted;
  gchar *password;              /* scrubbed from every message, or NULL */
  RbTransport transport;
  guint latency_ms;
  guint backoff_max_ms;
  gboolean live_audio;          /* audio=keep */
  gchar *raw_dir;
  gchar *queue_dir;
  guint64 segment_ns;
  guint live_bitrate_kbps;
  guint live_lookahead;         /* frames */
  gchar *overlay;               /* rb_pipeline_overlay(), or NULL */
  guint substream_width, substream_height; /* 0: none */
  guint live_key_interval_s;
  const RbConfig *config;        /* [headblur]; owned by the daemon */
  gchar *privacy_zones;         /* [headblur] and this camera's, or NULL */
  RbLiveFeed *feed;
  RbCameraCallbacks callbacks;
  gpointer user_data;

  /* main context only */
  RbCameraState state;
  GstElement *pipeline;
  guint bus_watch;
  guint retry_source;
  guint watchdog_source;
  guint eos_timeout_source;
  guint backoff_ms;
  gboolean use_udp;             /* transport=auto: current choice */
  gint answered;                /* this attempt got an SDP, atomic */
  guint probe_source;           /* reachability probe timer, or 0 */
  gboolean probe_saw_down;      /* a probe was refused since it started */
  GCancellable *probe_cancellable;      /* the probe in flight, or NULL */
  GSocketClient *probe_client;
  gchar *probe_host;            /* the camera's host and port */
  guint16 probe_port;
  gint64 started_us;
  guint restarts;
  gchar *unsupported_codec;     /* the one last reported, or NULL */
  guint64 unsupported_attempts; /* attempts refused for their codec */
  guint abandoned;              /* pipelines that never reached NULL */
  gint linked;                  /* the branches are built, atomic */
  gint started_on_key;          /* the first key frame passed, atomic */
  gint renewing;                /* the stream changed: drop until rebuilt */
  gint record_resumed;          /* a resumed recording got its key frame */
  GstCaps *stream_caps;         /* streaming thread: what is being recorded */
  gint64 max_pts;               /* streaming thread: latest video time */

  /* statistics: frames passed by the data probe (atomic); the headblur of
   * the current pipeline and the totals of those before (main context) */
  guint64 frames_received;
  GstElement *headblur;
  guint64 hb_frames, hb_detections, hb_skipped, hb_overload, hb_corrupt;

  /* recording paused after a write error (rb-write-pause.h): main
   * context. The write state outlives the pipelines (a camera that
   * reconnects while the disk is read-only stays paused, quietly); the cut
   * branch is the current pipeline's. */
  RbWritePause write;
  guint resume_source;          /* the writability check, while paused */
  GCancellable *write_probe;    /* the probe in flight, or NULL */
  gboolean space_low;           /* the last check found too little space */
  gchar *probe_dirs[3];         /* raw_dir and the queue's tmp/ */
  gboolean recording_paused;    /* this pipeline's recording is cut */
  GstPad *record_tee_pad;       /* tee's pad to the recording, while paused */
  GstPad *audio_record_tee_pad;
  gulong record_drop;           /* the drop probes on those pads */
  gulong audio_record_drop;
  guint64 min_free_bytes;       /* free space needed to record again */
  guint streams_wait_source;

  /* the streams of this attempt: selected from the SDP in rtspsrc's
   * thread, their pads added from streaming threads, the branches built on
   * the main context; protected by streams_lock */
  GMutex streams_lock;
  gchar *video_encoding;        /* selected video, or NULL */
  gchar *audio_encoding;        /* selected audio, or NULL */
  gchar *rejected_video;        /* a video encoding we cannot take */
  gboolean codec_refused;       /* this attempt failed on rejected_video */
  GstPad *video_pad;            /* rtspsrc pads waiting (blocked), or NULL */
  GstPad *audio_pad;
  gulong video_block;
  gulong audio_block;
  gboolean audio_linked;
  guint ready_source;           /* rb_camera_on_stream_ready() pending */

  /* written from the streaming thread */
  GMutex data_lock;
  gint64 last_data_us;          /* protected by data_lock, 0 = none yet */
  gint64 first_data_us;         /* protected by data_lock, 0 = none yet */
};

static void
rb_camera_get_data_times (RbCamera * camera, gint64 * first, gint64 * last)
{
  g_mutex_lock (&camera->data_lock);
  *first = camera->first_data_us;
  *last = camera->last_data_us;
  g_mutex_unlock (&camera->data_lock);
}

static void
rb_camera_reset_data_times (RbCamera * camera)
{
  g_mutex_lock (&camera->data_lock);
  camera->first_data_us = camera->last_data_us = 0;
  g_mutex_unlock (&camera->data_lock);
}

static void rb_camera_schedule_restart (RbCamera * camera, const gchar * why);
static void rb_camera_teardown (RbCamera * camera);
static gboolean rb_camera_link_stream (RbCamera * camera, GstElement * bin,
    GstPad * src_pad, const gchar * element);
static gboolean rb_camera_on_eos_timeout (gpointer data);
static void rb_camera_forget_recording_pause (RbCamera * camera);
static void rb_camera_stop_write_check (RbCamera * camera);
static void rb_camera_cut_recording (RbCamera * camera);
static void rb_camera_start_write_check (RbCamera * camera);

static gboolean rb_camera_attempt (gpointer data);
static void rb_camera_stop_probe (RbCamera * camera);

RbCamera *
rb_camera_new (const RbConfig * config, const RbCameraConfig * cam,
    RbLiveFeed * feed, const RbCameraCallbacks * callbacks,
    gpointer user_data)
{
  RbCamera *camera = g_new0 (RbCamera, 1);

  camera->name = g_strdup (cam->name);
  camera->url = g_strdup (cam->url);
  camera->url_redacted = rb_config_redact_url (cam->url);
  g_uri_split_with_user (cam->url, G_URI_FLAGS_HAS_PASSWORD, NULL, NULL,
      &camera->password, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  camera->transport = cam->transport;
  camera->latency_ms = cam->latency_ms;
  camera->raw_dir = g_build_filename (rb_config_media_dir (config), "raw",
      cam->name, NULL);
  camera->queue_dir = g_build_filename (config->state_dir, "queue", NULL);
  camera->segment_ns = (guint64) config->segment_duration_s * GST_SECOND;
  camera->live_bitrate_kbps = config->live_bitrate_kbps;
  camera->live_lookahead = config->live_lookahead;
  camera->live_key_interval_s = config->live_key_interval_s;
  camera->config = config;
  camera->privacy_zones = rb_config_camera_zones (config, cam);
  camera->overlay = rb_pipeline_overlay (cam);
  /* the feed has its sub-stream's feed when the camera has one */
  if (rb_live_feed_get_sub (feed) != NULL) {
    camera->substream_width = cam->substream_width;
    camera->substream_height = cam->substream_height;
  }
  camera->feed = rb_live_feed_ref (feed);
  if (callbacks != NULL)
    camera->callbacks = *callbacks;
  camera->user_data = user_data;
  camera->backoff_ms = BACKOFF_FIRST_MS;
  camera->backoff_max_ms = config->reconnect_max_interval_s * 1000;
  camera->live_audio = cam->audio == RB_AUDIO_KEEP;
  camera->min_free_bytes = rb_write_min_free (config->min_free_space_bytes);
  /* the recording writes the segments and their sidecars (raw_dir) and
   * the queue's items (written in its tmp/, then renamed) */
  camera->probe_dirs[0] = g_strdup (camera->raw_dir);
  camera->probe_dirs[1] = g_build_filename (camera->queue_dir, "tmp", NULL);
  rb_write_pause_init (&camera->write, RB_WRITE_RETRY_FIRST_MS,
      camera->backoff_max_ms);
  camera->use_udp = cam->transport == RB_TRANSPORT_UDP;
  {
    GstRTSPUrl *url = NULL;
    guint16 port = 0;

    if (gst_rtsp_url_parse (cam->url, &url) == GST_RTSP_OK && url->host) {
      /* bracketed when IPv6, as g_socket_client_connect_to_host() reads */
      camera->probe_host = strchr (url->host, ':') ?
          g_strdup_printf ("[%s]", url->host) : g_strdup (url->host);
      if (gst_rtsp_url_get_port (url, &port) != GST_RTSP_OK || port == 0)
        port = g_str_has_prefix (cam->url, "rtsps") ? 322 : 554;
      camera->probe_port = port;
    }
    gst_rtsp_url_free (url);
  }
  g_mutex_init (&camera->data_lock);
  g_mutex_init (&camera->streams_lock);
  return camera;
}

void
rb_camera_free (RbCamera * camera)
{
  if (camera == NULL)
    return;
  rb_camera_teardown (camera);
  rb_camera_stop_probe (camera);
  rb_camera_stop_write_check (camera);
  g_clear_object (&camera->probe_client);
  g_free (camera->probe_host);
  if (camera->retry_source)
    g_source_remove (camera->retry_source);
  if (camera->watchdog_source)
    g_source_remove (camera->watchdog_source);
  rb_live_feed_unref (camera->feed);
  g_free (camera->privacy_zones);
  g_free (camera->overlay);
  g_free (camera->unsupported_codec);
  g_free (camera->name);
  g_free (camera->url);
  g_free (camera->url_redacted);
  g_free (camera->password);
  g_free (camera->raw_dir);
  g_free (camera->queue_dir);
  g_free (camera->probe_dirs[0]);
  g_free (camera->probe_dirs[1]);
  gst_clear_caps (&camera->stream_caps);
  g_mutex_clear (&camera->data_lock);
  g_mutex_clear (&camera->streams_lock);
  g_free (camera);
}

const gchar *
rb_camera_get_name (RbCamera * camera)
{
  return camera->name;
}

gboolean
rb_camera_is_receiving (RbCamera * camera)
{
  gint64 first, last;

  rb_camera_get_data_times (camera, &first, &last);
  return camera->state == RB_CAMERA_RUNNING && last != 0 &&
      g_get_monotonic_time () - last < STALL_TIMEOUT_US;
}

guint
rb_camera_get_restarts (RbCamera * camera)
{
  return camera->restarts;
}

/* The totals so far of the headblur counters into @stats. */
static void
rb_camera_read_headblur (RbCamera * camera, RbCameraStats * stats)
{
  GstStructure *s = NULL;
  guint64 v;

  stats->headblur_frames = camera->hb_frames;
  stats->detections = camera->hb_detections;
  stats->skipped_detections = camera->hb_skipped;
  stats->overload_frames = camera->hb_overload;
  stats->corrupt_frames = camera->hb_corrupt;
  if (camera->headblur == NULL)
    return;
  g_object_get (camera->headblur, "stats", &s, NULL);
  if (s == NULL)
    return;
  if (gst_structure_get_uint64 (s, "frames", &v))
    stats->headblur_frames += v;
  if (gst_structure_get_uint64 (s, "detections", &v))
    stats->detections += v;
  if (gst_structure_get_uint64 (s, "skipped-detections", &v))
    stats->skipped_detections += v;
  if (gst_structure_get_uint64 (s, "overload-frames", &v))
    stats->overload_frames += v;
  if (gst_structure_get_uint64 (s, "corrupt-frames", &v))
    stats->corrupt_frames += v;
  gst_structure_free (s);
}

void
rb_camera_get_stats (RbCamera * camera, RbCameraStats * stats)
{
  gint64 first, last, now = g_get_monotonic_time ();

  memset (stats, 0, sizeof *stats);
  rb_camera_get_data_times (camera, &first, &last);
  switch (camera->state) {
    case RB_CAMERA_IDLE:
      stats->status = RB_CAMERA_STATUS_STOPPED;
      break;
    case RB_CAMERA_WAITING:
      stats->status = RB_CAMERA_STATUS_RECONNECTING;
      break;
    case RB_CAMERA_STOPPING:
      stats->status = RB_CAMERA_STATUS_STOPPING;
      break;
    case RB_CAMERA_RENEWING:
      stats->status = RB_CAMERA_STATUS_RESTARTING;
      break;
    case RB_CAMERA_RUNNING:
      stats->status = last == 0 ? RB_CAMERA_STATUS_CONNECTING :
          (now - last < 2 * G_USEC_PER_SEC ? RB_CAMERA_STATUS_RECEIVING :
          RB_CAMERA_STATUS_STALLED);
      break;
  }
  stats->receiving = stats->status == RB_CAMERA_STATUS_RECEIVING;
  stats->recording = stats->receiving && !camera->recording_paused;
  stats->recording_paused = rb_write_pause_is_paused (&camera->write);
  stats->write_reason = stats->recording_paused ? camera->write.reason :
      RB_WRITE_REASON_NONE;
  stats->recording_pauses = camera->write.pauses;
  stats->frames_received = (guint64) g_atomic_pointer_get
      (&camera->frames_received);
  stats->reconnects = camera->restarts;
  stats->unsupported_codec_attempts = camera->unsupported_attempts;
  stats->abandoned_pipelines = camera->abandoned;
  stats->last_frame_age_s = last ? (now - last) / 1e6 : -1.0;
  rb_camera_read_headblur (camera, stats);
}

/* ---- pipeline construction (streaming thread of rtspsrc) ---- */

/* On the parsed video, before the recorder and the live path: nothing
 * passes before the first key frame (a camera joined mid-GOP sends frames
 * that cannot be decoded: recordings start on a key frame), nor with a time
 * that wrapped below zero (the frames reordered before the first packet of
 * a B-frame stream), and every frame feeds the stall watchdog. */
static gboolean
rb_camera_keep_field (GQuark field, GValue * value, gpointer keep)
{
  return g_strv_contains (keep, g_quark_to_string (field));
}

/* The caps fields that the recording's format depends on. */
static GstCaps *
rb_camera_stream_key (GstCaps * caps)
{
  GstStructure *s = gst_structure_copy (gst_caps_get_structure (caps, 0));
  const gchar *keep[] = { "width", "height", "profile", "chroma-format",
    "bit-depth-luma", "interlace-mode", NULL
  };

  gst_structure_filter_and_map_in_place (s, rb_camera_keep_field, keep);
  return gst_caps_new_full (s, NULL);
}


/* The camera changed its picture size or codec parameters mid-stream (a new
 * SPS): the segment is closed with EOS and the pipeline rebuilt, so the new
 * stream starts a new segment and the live path renegotiates. */
static gboolean
rb_camera_renew (gpointer data)
{
  RbCamera *camera = data;

  if (camera->state != RB_CAMERA_RUNNING)
    return G_SOURCE_REMOVE;
  camera->state = RB_CAMERA_RENEWING;
  camera->eos_timeout_source = g_timeout_add (EOS_TIMEOUT_MS,
      rb_camera_on_eos_timeout, camera);
  gst_element_send_event (camera->pipeline, gst_event_new_eos ());
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
rb_camera_data_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbCamera *camera = data;
  GstBuffer *buffer;
  gint64 now = g_get_monotonic_time ();
  GstClockTime pts;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    GstCaps *caps, *key;

    if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
      return GST_PAD_PROBE_OK;
    if (g_atomic_int_get (&camera->renewing))
      return GST_PAD_PROBE_DROP;
    gst_event_parse_caps (event, &caps);
    key = rb_camera_stream_key (caps);
    if (camera->stream_caps != NULL && !gst_caps_is_equal (key,
            camera->stream_caps)) {
      g_autofree gchar *was = gst_caps_to_string (camera->stream_caps);
      g_autofree gchar *now_caps = gst_caps_to_string (key);

      g_message ("camera %s: the stream changed (%s, was %s): closing the "
          "segment and starting again", camera->name, now_caps, was);
      gst_caps_unref (key);
      g_atomic_int_set (&camera->renewing, TRUE);
      g_idle_add (rb_camera_renew, camera);
      return GST_PAD_PROBE_DROP;
    }
    gst_caps_replace (&camera->stream_caps, key);
    gst_caps_unref (key);
    return GST_PAD_PROBE_OK;
  }

  buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  pts = GST_BUFFER_PTS (buffer);
  if (g_atomic_int_get (&camera->renewing))
    return GST_PAD_PROBE_DROP;

  if (!g_atomic_int_get (&camera->started_on_key)) {
    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT)
        || !GST_CLOCK_TIME_IS_VALID (pts) || (gint64) pts < 0)
      return GST_PAD_PROBE_DROP;
    g_atomic_int_set (&camera->started_on_key, TRUE);
    camera->max_pts = pts;
  } else if (GST_CLOCK_TIME_IS_VALID (pts)) {
    gint64 spts = (gint64) pts;     /* times reordered before 0 wrap */

    if (spts < camera->max_pts - TIME_JUMP_BACK) {
      /* the camera (or a relay) restarted its RTP timestamps: the
       * recording would go back in time; close it and start again */
      g_message ("camera %s: its timestamps jumped back by %.1f s: closing "
          "the segment and starting again", camera->name,
          (camera->max_pts - spts) / 1e9);
      g_atomic_int_set (&camera->renewing, TRUE);
      g_idle_add (rb_camera_renew, camera);
      return GST_PAD_PROBE_DROP;
    }
    if (spts < 0)
      return GST_PAD_PROBE_DROP;        /* a B-frame from before the start */
    camera->max_pts = MAX (camera->max_pts, spts);
  }

  g_atomic_pointer_add (&camera->frames_received, 1);
  g_mutex_lock (&camera->data_lock);
  camera->last_data_us = now;
  if (camera->first_data_us == 0)
    camera->first_data_us = now;
  g_mutex_unlock (&camera->data_lock);
  return GST_PAD_PROBE_OK;
}

/* Sets the encoder's key-unit interval from the stream's frame rate, before
 * the encoder sees the caps. */
static GstPadProbeReturn
rb_camera_encoder_caps_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer data)
{
  RbCamera *camera = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  gint num = 0, den = 1;
  guint interval;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  gst_structure_get_fraction (gst_caps_get_structure (caps, 0), "framerate",
      &num, &den);
  if (num <= 0 || den <= 0) {
    num = 30;
    den = 1;
  }
  interval = MAX (1, camera->live_key_interval_s * num / den);
  g_object_set (GST_PAD_PARENT (pad), "key-int-max", interval, NULL);
  return GST_PAD_PROBE_OK;
}

/* The static pad @pad of the element called @element in @bin. */
static GstPad *
rb_camera_get_pad (GstElement * bin, const gchar * element, const gchar * pad)
{
  g_autoptr (GstElement) e = gst_bin_get_by_name (GST_BIN (bin), element);

  return gst_element_get_static_pad (e, pad);
}

/* Builds the branches after rtspsrc from rb_pipeline_camera() for the
 * streams whose pads are there, and links them. Main context, with the
 * pads blocked; called once per attempt. */
static void
rb_camera_build_branches (RbCamera * camera)
{
  g_autofree gchar *video_encoding = NULL, *audio_encoding = NULL;
  g_autofree gchar *description = NULL;
  g_autoptr (GError) err = NULL;
  GstPad *video_pad, *audio_pad, *pad;
  gulong video_block, audio_block;
  GstElement *bin, *element;
  RbCameraPipelineParams params = { 0, };

  g_mutex_lock (&camera->streams_lock);
  video_pad = g_steal_pointer (&camera->video_pad);
  audio_pad = g_steal_pointer (&camera->audio_pad);
  video_block = camera->video_block;
  audio_block = camera->audio_block;
  camera->video_block = camera->audio_block = 0;
  video_encoding = g_strdup (camera->video_encoding);
  if (audio_pad != NULL)
    audio_encoding = g_strdup (camera->audio_encoding);
  camera->audio_linked = audio_pad != NULL;
  g_mutex_unlock (&camera->streams_lock);

  if (video_pad == NULL) {
    /* audio only so far: nothing to record without video */
    if (audio_pad != NULL) {
      gst_pad_remove_probe (audio_pad, audio_block);
      gst_object_unref (audio_pad);
    }
    return;
  }

  params.encoding_name = video_encoding;
  params.audio_encoding_name = audio_encoding;
  params.live_audio = camera->live_audio;
  params.raw_dir = camera->raw_dir;
  params.queue_dir = camera->queue_dir;
  params.segment_ns = camera->segment_ns;
  params.source_name = camera->name;
  params.bitrate_kbps = camera->live_bitrate_kbps;
  params.lookahead = camera->live_lookahead;
  params.overlay = camera->overlay;
  params.substream_width = camera->substream_width;
  params.substream_height = camera->substream_height;
  /* the main stream's bit rate for as many pixels, scaled from 1080p */
  params.substream_bitrate_kbps = CLAMP ((guint64) camera->live_bitrate_kbps
      * camera->substream_width * camera->substream_height / (1920 * 1080),
      128, camera->live_bitrate_kbps);
  description = rb_pipeline_camera (&params);
  bin = gst_parse_bin_from_description_full (description, FALSE, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (bin == NULL) {
    GST_ELEMENT_ERROR (camera->pipeline, CORE, MISSING_PLUGIN,
        ("camera %s: cannot build the pipeline: %s", camera->name,
            err->message), ("%s", description));
    goto out;
  }
  gst_object_set_name (GST_OBJECT (bin), "camera");

  element = gst_bin_get_by_name (GST_BIN (bin), "headblur");
  rb_config_apply_headblur (camera->config, G_OBJECT (element));
  if (camera->privacy_zones != NULL)
    g_object_set (element, "privacy-zones", camera->privacy_zones, NULL);
  gst_object_replace ((GstObject **) & camera->headblur, GST_OBJECT (element));
  /* its detections into the segments' sidecars, for the workers */
  rb_detections_record (bin, element);
  gst_object_unref (element);
  element = gst_bin_get_by_name (GST_BIN (bin), "overlay");
  if (element != NULL) {
    /* the frames' wall-clock time, which the sidecars carry too */
    pad = gst_element_get_static_pad (element, "video_sink");
    rb_wallclock_setup_overlay (element);
    rb_wallclock_stamp (rb_detections_wallclock (bin), pad, FALSE);
    gst_object_unref (pad);
    gst_object_unref (element);
  }

  pad = rb_camera_get_pad (bin, "parse", "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, rb_camera_data_probe, camera,
      NULL);
  gst_object_unref (pad);
  pad = rb_camera_get_pad (bin, "encoder", "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      rb_camera_encoder_caps_probe, camera, NULL);
  /* the snapshots: anonymized frames only (after headblur and overlay) */
  rb_live_feed_watch_pictures (camera->feed, pad);
  gst_object_unref (pad);

  element = gst_bin_get_by_name (GST_BIN (bin), "live-sink");
  rb_live_feed_set_appsink (camera->feed, element, camera->latency_ms);
  gst_object_unref (element);
  element = gst_bin_get_by_name (GST_BIN (bin), "sub-sink");
  if (element != NULL) {
    rb_live_feed_set_appsink (rb_live_feed_get_sub (camera->feed), element,
        camera->latency_ms);
    gst_object_unref (element);
    pad = rb_camera_get_pad (bin, "sub-encoder", "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        rb_camera_encoder_caps_probe, camera, NULL);
    gst_object_unref (pad);
  }
  element = gst_bin_get_by_name (GST_BIN (bin), "live-audio-sink");
  rb_live_feed_set_audio_appsink (camera->feed, element);
  gst_clear_object (&element);

  gst_bin_add (GST_BIN (camera->pipeline), bin);
  if (!rb_camera_link_stream (camera, bin, video_pad, "depay")
      || (audio_pad && !rb_camera_link_stream (camera, bin, audio_pad,
              "audio-depay")))
    goto out;
  /* a write error paused the recording (before this pipeline): it stays
   * paused, quietly, until a test write passes */
  if (rb_write_pause_is_paused (&camera->write)) {
    rb_camera_cut_recording (camera);
    rb_camera_start_write_check (camera);
  }
  gst_element_sync_state_with_parent (bin);
  g_atomic_int_set (&camera->linked, TRUE);
  g_message ("camera %s: receiving %s video%s%s%s", camera->name,
      video_encoding, audio_encoding ? " and " : "",
      audio_encoding ? audio_encoding : "", audio_encoding ? " audio" :
      " (no audio)");

out:
  gst_pad_remove_probe (video_pad, video_block);
  gst_object_unref (video_pad);
  if (audio_pad != NULL) {
    gst_pad_remove_probe (audio_pad, audio_block);
    gst_object_unref (audio_pad);
  }
}

/* Links rtspsrc's @src_pad to @element in @bin through a ghost pad. */
static gboolean
rb_camera_link_stream (RbCamera * camera, GstElement * bin, GstPad * src_pad,
    const gchar * element)
{
  GstPad *target = rb_camera_get_pad (bin, element, "sink");
  GstPad *ghost = gst_ghost_pad_new (element, target);

  gst_object_unref (target);
  gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (bin, ghost);
  if (gst_pad_link (src_pad, ghost) != GST_PAD_LINK_OK) {
    GST_ELEMENT_ERROR (camera->pipeline, CORE, NEGOTIATION,
        ("camera %s: cannot link the RTSP stream to %s", camera->name,
            element), (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
rb_camera_build_now (gpointer data)
{
  RbCamera *camera = data;

  camera->streams_wait_source = 0;
  if (camera->state == RB_CAMERA_RUNNING
      && !g_atomic_int_get (&camera->linked))
    rb_camera_build_branches (camera);
  return G_SOURCE_REMOVE;
}

/* Main context: builds at once when every selected stream has its pad,
 * else after STREAMS_WAIT_MS. */
static gboolean
rb_camera_on_stream_ready (gpointer data)
{
  RbCamera *camera = data;
  gboolean all;

  g_mutex_lock (&camera->streams_lock);
  camera->ready_source = 0;
  g_mutex_unlock (&camera->streams_lock);
  if (camera->state != RB_CAMERA_RUNNING
      || g_atomic_int_get (&camera->linked))
    return G_SOURCE_REMOVE;
  g_mutex_lock (&camera->streams_lock);
  all = camera->video_pad != NULL
      && (camera->audio_encoding == NULL || camera->audio_pad != NULL);
  g_mutex_unlock (&camera->streams_lock);
  if (all) {
    if (camera->streams_wait_source) {
      g_source_remove (camera->streams_wait_source);
      camera->streams_wait_source = 0;
    }
    rb_camera_build_branches (camera);
  } else if (camera->streams_wait_source == 0) {
    camera->streams_wait_source = g_timeout_add (STREAMS_WAIT_MS,
        rb_camera_build_now, camera);
  }
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
rb_camera_block_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
rb_camera_drop_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return GST_PAD_PROBE_DROP;
}

/* rtspsrc asks, per stream of the SDP, whether to set it up: the first
 * H.264, H.265 or Motion JPEG video and the first audio we can record. Metadata and
 * other streams are not set up. rtspsrc's thread. */
static gboolean
rb_camera_on_select_stream (GstElement * src, guint num, GstCaps * caps,
    RbCamera * camera)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *media = gst_structure_get_string (s, "media");
  const gchar *encoding = gst_structure_get_string (s, "encoding-name");
  gboolean take = FALSE;

  /* the server answered DESCRIBE */
  g_atomic_int_set (&camera->answered, TRUE);
  g_mutex_lock (&camera->streams_lock);
  if (g_strcmp0 (media, "video") == 0 && camera->video_encoding == NULL
      && encoding && (g_ascii_strcasecmp (encoding, "H264") == 0
          || g_ascii_strcasecmp (encoding, "H265") == 0
          || g_ascii_strcasecmp (encoding, "JPEG") == 0)) {
    camera->video_encoding = g_ascii_strup (encoding, -1);
    take = TRUE;
  } else if (g_strcmp0 (media, "audio") == 0
      && camera->audio_encoding == NULL
      && rb_pipeline_audio_supported (encoding)) {
    camera->audio_encoding = g_ascii_strup (encoding, -1);
    take = TRUE;
  } else if (g_strcmp0 (media, "video") == 0 && camera->video_encoding == NULL
      && camera->rejected_video == NULL) {
    camera->rejected_video = g_strdup (encoding ? encoding : "unknown");
  }
  g_mutex_unlock (&camera->streams_lock);
  GST_INFO ("camera %s: stream %u %s %s: %s", camera->name, num,
      GST_STR_NULL (media), GST_STR_NULL (encoding), take ? "set up" :
      "ignored");
  return take;
}

/* A stream's first packets came: its pad waits, blocked, until the
 * branches are built on the main context. Streaming thread. */
static void
rb_camera_on_pad_added (GstElement * src, GstPad * pad, RbCamera * camera)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const GstStructure *s;
  const gchar *media;
  gboolean wait = FALSE;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);
  media = gst_structure_get_string (s, "media");

  g_mutex_lock (&camera->streams_lock);
  if (g_atomic_int_get (&camera->linked)) {
    /* too late for the recording: the segments were started without it */
  } else if (g_strcmp0 (media, "video") == 0 && camera->video_pad == NULL) {
    camera->video_pad = gst_object_ref (pad);
    camera->video_block = gst_pad_add_probe (pad,
        GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, rb_camera_block_probe, NULL,
        NULL);
    wait = TRUE;
  } else if (g_strcmp0 (media, "audio") == 0 && camera->audio_pad == NULL) {
    camera->audio_pad = gst_object_ref (pad);
    camera->audio_block = gst_pad_add_probe (pad,
        GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, rb_camera_block_probe, NULL,
        NULL);
    wait = TRUE;
  }
  if (wait && camera->ready_source == 0)
    camera->ready_source = g_idle_add (rb_camera_on_stream_ready, camera);
  g_mutex_unlock (&camera->streams_lock);

  if (!wait) {
    GST_INFO ("camera %s: dropping the data of a late %s stream",
        camera->name, GST_STR_NULL (media));
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_BUFFER_LIST, rb_camera_drop_probe, NULL, NULL);
  }
  gst_caps_unref (caps);
}

/* ---- supervisor (main context) ---- */


static void
rb_camera_teardown (RbCamera * camera)
{
  if (camera->eos_timeout_source) {
    g_source_remove (camera->eos_timeout_source);
    camera->eos_timeout_source = 0;
  }
  if (camera->streams_wait_source) {
    g_source_remove (camera->streams_wait_source);
    camera->streams_wait_source = 0;
  }
  rb_camera_forget_recording_pause (camera);
  if (camera->headblur != NULL) {
    RbCameraStats now;

    /* the totals survive the pipeline */
    rb_camera_read_headblur (camera, &now);
    camera->hb_frames = now.headblur_frames;
    camera->hb_detections = now.detections;
    camera->hb_skipped = now.skipped_detections;
    camera->hb_overload = now.overload_frames;
    camera->hb_corrupt = now.corrupt_frames;
    gst_clear_object (&camera->headblur);
  }
  if (camera->pipeline == NULL)
    return;
  rb_live_feed_clear_appsink (camera->feed);
  if (!rb_teardown_set_null (camera->pipeline, TEARDOWN_TIMEOUT_US)) {
    camera->abandoned++;
    g_warning ("camera %s: its pipeline did not stop within %d s (stuck in "
        "GStreamer); it is abandoned and a new one is built", camera->name,
        (gint) (TEARDOWN_TIMEOUT_US / G_USEC_PER_SEC));
  }
  /* forget this attempt's streams (the pads go with the pipeline) */
  g_mutex_lock (&camera->streams_lock);
  if (camera->ready_source) {
    g_source_remove (camera->ready_source);
    camera->ready_source = 0;
  }
  if (camera->video_pad)
    gst_pad_remove_probe (camera->video_pad, camera->video_block);
  if (camera->audio_pad)
    gst_pad_remove_probe (camera->audio_pad, camera->audio_block);
  gst_clear_object (&camera->video_pad);
  gst_clear_object (&camera->audio_pad);
  camera->video_block = camera->audio_block = 0;
  g_clear_pointer (&camera->video_encoding, g_free);
  g_clear_pointer (&camera->audio_encoding, g_free);
  g_clear_pointer (&camera->rejected_video, g_free);
  camera->audio_linked = FALSE;
  g_mutex_unlock (&camera->streams_lock);
  if (camera->bus_watch) {
    g_source_remove (camera->bus_watch);
    camera->bus_watch = 0;
  }
  gst_clear_object (&camera->pipeline);
}

static void
rb_camera_finish_stop (RbCamera * camera)
{
  rb_camera_teardown (camera);
  camera->state = RB_CAMERA_IDLE;
  if (camera->callbacks.stopped)
    camera->callbacks.stopped (camera, camera->user_data);
}

static void
rb_camera_handle_element_message (RbCamera * camera, GstMessage * message)
{
  const GstStructure *s = gst_message_get_structure (message);

  if (gst_structure_has_name (s, "segmentqueue-segment-queued")) {
    const gchar *location = gst_structure_get_string (s, "location");
    gboolean recovered = FALSE;

    gst_structure_get_boolean (s, "recovered", &recovered);
    g_message ("camera %s: %s segment %s queued", camera->name,
        recovered ? "recovered" : "recorded", location);
    /* a segment recorded since the recording resumed: it works */
    if (!recovered && rb_write_pause_written (&camera->write) ==
        RB_WRITE_LOG_RESUMED)
      g_message ("camera %s: recording again: a segment was written (%.0f s "
          "after the pause, %u test writes failed)", camera->name,
          (g_get_monotonic_time () - camera->write.since_us) / 1e6,
          camera->write.failed_probes);
    if (camera->callbacks.segment_queued)
      camera->callbacks.segment_queued (camera, location, recovered,
          camera->user_data);
  } else if (gst_structure_has_name (s, "headblur-overload")) {
    guint64 frames = 0, skipped = 0;

    gst_structure_get_uint64 (s, "overload-frames", &frames);
    gst_structure_get_uint64 (s, "skipped-detections", &skipped);
    g_warning ("camera %s: anonymization falls behind: %" G_GUINT64_FORMAT
        " frames masked by the overload policy, %" G_GUINT64_FORMAT
        " detections skipped so far", camera->name, frames, skipped);
  } else if (gst_structure_has_name (s, "GstRTSPSrcTimeout")) {
    rb_camera_schedule_restart (camera, "the camera stopped sending (timeout)");
  }
}

/* "what (detail, from element)": the last line of the debug text often
 * says what really happened (e.g. "Failed to connect."); any password is
 * scrubbed from it. */
static gchar *
rb_camera_describe_error (RbCamera * camera, GstMessage * message,
    GError * err, const gchar * debug)
{
  const gchar *detail = NULL;
  gchar *text, **lines = NULL;

  if (debug != NULL) {
    guint n;

    lines = g_strsplit (debug, "\n", -1);
    n = g_strv_length (lines);
    if (n > 0 && !g_str_has_prefix (lines[n - 1], "../") &&
        strchr (lines[n - 1], '/') == NULL)
      detail = lines[n - 1];
  }
  text = g_strdup_printf ("%s%s%s (from %s)", err->message,
      detail ? " " : "", detail ? detail : "",
      GST_OBJECT_NAME (GST_MESSAGE_SRC (message)));
  g_strfreev (lines);
  if (camera->password != NULL && camera->password[0] != '\0' &&
      strstr (text, camera->password) != NULL) {
    gchar **parts = g_strsplit (text, camera->password, -1);

    g_free (text);
    text = g_strjoinv ("***", parts);
    g_strfreev (parts);
  }
  return text;
}

/* ---- recording paused on a write error (main context) ---- */

static GstPadProbeReturn
rb_camera_drop_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return GST_PAD_PROBE_DROP;
}

/* Until the first key frame: a resumed recording starts on one. */
static GstPadProbeReturn
rb_camera_resume_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbCamera *camera = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  g_atomic_int_set (&camera->record_resumed, TRUE);
  return GST_PAD_PROBE_REMOVE;
}

/* The audio waits for the video's key frame. */
static GstPadProbeReturn
rb_camera_audio_resume_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer data)
{
  RbCamera *camera = data;

  return g_atomic_int_get (&camera->record_resumed) ? GST_PAD_PROBE_REMOVE :
      GST_PAD_PROBE_DROP;
}

/* Takes @queue out of @bin and returns the tee pad that fed it, dropping
 * what it gets. */
static GstPad *
rb_camera_cut_branch (RbCamera * camera, GstBin * bin, const gchar * queue,
    gulong * probe)
{
  g_autoptr (GstElement) q = gst_bin_get_by_name (bin, queue);
  g_autoptr (GstPad) sink = NULL;
  GstPad *tee_pad;

  if (q == NULL)
    return NULL;
  sink = gst_element_get_static_pad (q, "sink");
  tee_pad = gst_pad_get_peer (sink);
  if (tee_pad != NULL) {
    *probe = gst_pad_add_probe (tee_pad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_BUFFER_LIST, rb_camera_drop_buffers, NULL, NULL);
    gst_pad_unlink (tee_pad, sink);
  }
  gst_element_set_state (q, GST_STATE_NULL);
  gst_bin_remove (bin, q);
  return tee_pad;
}

/* One element from its description, added to @bin. */
static GstElement *
rb_camera_add_element (GstBin * bin, gchar * description, GError ** error)
{
  GstElement *e = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, error);

  g_free (description);
  if (e != NULL)
    gst_bin_add (bin, e);
  return e;
}

/* Takes the recording branch out of the current pipeline: its tee pads
 * drop what they get until rb_camera_reattach_recording(). */
static void
rb_camera_cut_recording (RbCamera * camera)
{
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GstElement) recorder = NULL;

  if (camera->recording_paused || camera->pipeline == NULL)
    return;
  bin = gst_bin_get_by_name (GST_BIN (camera->pipeline), "camera");
  if (bin == NULL)
    return;
  camera->recording_paused = TRUE;
  camera->record_tee_pad = rb_camera_cut_branch (camera, GST_BIN (bin),
      "record-queue", &camera->record_drop);
  camera->audio_record_tee_pad = rb_camera_cut_branch (camera, GST_BIN (bin),
      "audio-record-queue", &camera->audio_record_drop);
  recorder = gst_bin_get_by_name (GST_BIN (bin), "recorder");
  if (recorder != NULL) {
    gst_element_set_state (recorder, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (bin), recorder);
  }
}

static gboolean rb_camera_check_writable (gpointer data);

/* While the write state is paused: the check every RB_WRITE_SPACE_CHECK_MS
 * (it outlives the pipelines). */
static void
rb_camera_start_write_check (RbCamera * camera)
{
  if (camera->resume_source == 0)
    camera->resume_source = g_timeout_add (RB_WRITE_SPACE_CHECK_MS,
        rb_camera_check_writable, camera);
}

static void
rb_camera_stop_write_check (RbCamera * camera)
{
  if (camera->resume_source) {
    g_source_remove (camera->resume_source);
    camera->resume_source = 0;
  }
  if (camera->write_probe) {
    g_cancellable_cancel (camera->write_probe);
    g_clear_object (&camera->write_probe);
  }
}

/* The file a failed element of the recording was writing (its location),
 * else the camera's segment directory. */
static gchar *
rb_camera_failed_path (RbCamera * camera, GstObject * src)
{
  gchar *location = NULL;

  if (src != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (src),
          "location") != NULL)
    g_object_get (src, "location", &location, NULL);
  if (location == NULL || *location == '\0') {
    g_free (location);
    location = g_strdup (camera->raw_dir);
  }
  return location;
}

/* The recording failed to write (a full disk, a read-only file system,
 * EACCES, a vanished directory, an I/O error): it stops for this camera,
 * the live path goes on, and it starts again, on a key frame, once a test
 * write in its directories passes (rb-write-pause.h: with back-off, one
 * log line per transition). What was recorded stays: the interrupted
 * segment is queued (recovered) when the recording starts again. */
static void
rb_camera_pause_recording (RbCamera * camera, GstMessage * message,
    const GError * err, const gchar * debug, const gchar * why)
{
  g_autofree gchar *path = rb_camera_failed_path (camera,
      GST_MESSAGE_SRC (message));
  gint64 now = g_get_monotonic_time ();
  RbWriteReason reason;
  RbWriteLog log;

  if (camera->recording_paused || camera->pipeline == NULL)
    return;
  if (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    reason = RB_WRITE_REASON_NO_SPACE;
  else
    reason = rb_write_reason_from_error (err, debug);
  log = rb_write_pause_failed (&camera->write, reason, now);
  rb_camera_cut_recording (camera);
  if (log == RB_WRITE_LOG_PAUSED)
    g_warning ("camera %s: recording paused: cannot write %s (%s): %s; the "
        "live stream goes on; a test write is tried in %.0f s, then less "
        "often (up to every %.0f s), and recording starts again when it "
        "passes", camera->name, path, rb_write_reason_name (reason), why,
        camera->write.delay_ms / 1000.0, camera->write.max_ms / 1000.0);
  else if (log == RB_WRITE_LOG_RELAPSE)
    g_warning ("camera %s: recording failed again right after it resumed: "
        "cannot write %s (%s): %s; tried again less and less often (up to "
        "every %.0f s), and logged again once a segment is written",
        camera->name, path, rb_write_reason_name (reason), why,
        camera->write.max_ms / 1000.0);
  else
    g_debug ("camera %s: recording failed again: %s: %s", camera->name,
        path, why);
  rb_camera_start_write_check (camera);
}

static void
rb_camera_forget_recording_pause (RbCamera * camera)
{
  gst_clear_object (&camera->record_tee_pad);
  gst_clear_object (&camera->audio_record_tee_pad);
  camera->recording_paused = FALSE;
}

/* Builds the recording branch again and links it to the tee pads that
 * fed the one taken out. */
static gboolean
rb_camera_reattach_recording (RbCamera * camera, GError ** error)
{
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GError) err = NULL;
  GstElement *queue = NULL, *recorder = NULL, *audio_queue = NULL;
  GstPad *sink;

  bin = gst_bin_get_by_name (GST_BIN (camera->pipeline), "camera");
  if (bin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "the pipeline has no camera bin");
    return FALSE;
  }

  /* the same recording branch as rb_pipeline_camera() builds */
  queue = rb_camera_add_element (GST_BIN (bin), rb_pipeline_record_queue (),
      &err);
  recorder = queue ? rb_camera_add_element (GST_BIN (bin),
      rb_pipeline_recorder (camera->raw_dir, camera->queue_dir,
          camera->segment_ns, camera->name), &err) : NULL;
  if (recorder != NULL && camera->audio_record_tee_pad != NULL) {
    audio_queue = rb_camera_add_element (GST_BIN (bin),
        rb_pipeline_audio_record_queue (), &err);
    if (audio_queue && !gst_element_link_pads (audio_queue, "src", recorder,
            "audio_%u"))
      g_set_error (&err, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
          "cannot link the audio to the recorder");
  }
  /* added to a running pipeline: the recorder completes its own state
   * change to PLAYING (its sinks preroll asynchronously) */
  if (recorder != NULL)
    g_object_set (recorder, "async-handling", TRUE, NULL);
  if (err == NULL && !gst_element_link (queue, recorder))
    g_set_error (&err, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "cannot link the recorder");
  if (err != NULL) {
    GstElement *made[] = { queue, recorder, audio_queue };

    for (guint i = 0; i < G_N_ELEMENTS (made); i++) {
      if (made[i] != NULL) {
        gst_element_set_state (made[i], GST_STATE_NULL);
        gst_bin_remove (GST_BIN (bin), made[i]);
      }
    }
    g_propagate_error (error, g_steal_pointer (&err));
    return FALSE;
  }
  g_atomic_int_set (&camera->record_resumed, FALSE);
  /* running before they are linked: the tee sends its sticky events to a
   * new peer with the next buffer, before any probe, and a queue still
   * flushing would answer FLUSHING, which stops the camera's streaming
   * task silently (no error: the stall watchdog restarted the camera) */
  gst_element_sync_state_with_parent (recorder);
  gst_element_sync_state_with_parent (queue);
  if (audio_queue != NULL)
    gst_element_sync_state_with_parent (audio_queue);
  sink = gst_element_get_static_pad (queue, "sink");
  gst_pad_link (camera->record_tee_pad, sink);
  gst_object_unref (sink);
  if (audio_queue != NULL) {
    sink = gst_element_get_static_pad (audio_queue, "sink");
    gst_pad_link (camera->audio_record_tee_pad, sink);
    gst_object_unref (sink);
  }

  /* from the next key frame on */
  gst_pad_add_probe (camera->record_tee_pad, GST_PAD_PROBE_TYPE_BUFFER,
      rb_camera_resume_probe, camera, NULL);
  gst_pad_remove_probe (camera->record_tee_pad, camera->record_drop);
  if (camera->audio_record_tee_pad != NULL) {
    gst_pad_add_probe (camera->audio_record_tee_pad,
        GST_PAD_PROBE_TYPE_BUFFER, rb_camera_audio_resume_probe, camera,
        NULL);
    gst_pad_remove_probe (camera->audio_record_tee_pad,
        camera->audio_record_drop);
  }
  rb_camera_forget_recording_pause (camera);
  return TRUE;
}

/* The test write in the recording's directories is done. */
static void
rb_camera_on_write_probe (GObject * source, GAsyncResult * result,
    gpointer data)
{
  g_autoptr (GError) err = NULL;
  gboolean ok = rb_write_probe_finish (result, &err);
  RbCamera *camera;
  gint64 now = g_get_monotonic_time ();

  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;                     /* freed, or stopped: @data may be gone */
  camera = data;
  g_clear_object (&camera->write_probe);
  if (!rb_write_pause_is_paused (&camera->write))
    return;
  if (ok && camera->recording_paused && camera->pipeline != NULL
      && !rb_camera_reattach_recording (camera, &err))
    ok = FALSE;
  if (!ok) {
    rb_write_pause_probe_failed (&camera->write,
        rb_write_reason_from_error (err, NULL), now);
    g_debug ("camera %s: cannot record yet: %s; next try in %u ms",
        camera->name, err->message, camera->write.delay_ms);
    return;
  }
  if (rb_write_pause_probe_passed (&camera->write, now) == RB_WRITE_LOG_RESUMED)
    g_message ("camera %s: recording again: %s is writable again after "
        "%.0f s", camera->name, camera->raw_dir,
        (now - camera->write.since_us) / 1e6);
  else
    g_debug ("camera %s: trying to record again", camera->name);
}

/* Every RB_WRITE_SPACE_CHECK_MS while the write state is paused: the free
 * space (cheap), then, when the back-off is due or the space just came
 * back, a test write in a thread. */
static gboolean
rb_camera_check_writable (gpointer data)
{
  RbCamera *camera = data;
  gint64 now = g_get_monotonic_time ();
  guint64 free_bytes;

  if (!rb_write_pause_is_paused (&camera->write)) {
    camera->resume_source = 0;
    return G_SOURCE_REMOVE;
  }
  if (camera->write_probe != NULL)
    return G_SOURCE_CONTINUE;
  free_bytes = rb_fs_free_bytes (camera->queue_dir, NULL);
  if (free_bytes != G_MAXUINT64 && free_bytes < camera->min_free_bytes) {
    camera->space_low = TRUE;
    return G_SOURCE_CONTINUE;
  }
  if (camera->space_low) {
    /* the space is back: no need to wait for the back-off */
    camera->space_low = FALSE;
    rb_write_pause_hurry (&camera->write, now);
  }
  if (!rb_write_pause_is_due (&camera->write, now))
    return G_SOURCE_CONTINUE;
  camera->write_probe = g_cancellable_new ();
  rb_write_probe_async ((const gchar * const *) camera->probe_dirs,
      camera->min_free_bytes, camera->write_probe, rb_camera_on_write_probe,
      camera);
  return G_SOURCE_CONTINUE;
}

/* Is @object still in @camera's pipeline? */
static gboolean
rb_camera_in_pipeline (RbCamera * camera, GstObject * object)
{
  GstObject *o;

  for (o = object; o != NULL && GST_OBJECT_PARENT (o) != NULL;
      o = GST_OBJECT_PARENT (o));
  return o == GST_OBJECT (camera->pipeline);
}

/* Is @object the recording branch of @camera's pipeline, or inside it? */
static gboolean
rb_camera_is_recording (RbCamera * camera, GstObject * object)
{
  for (GstObject * o = object; o != NULL; o = GST_OBJECT_PARENT (o)) {
    const gchar *name = GST_OBJECT_NAME (o);

    if (g_strcmp0 (name, "recorder") == 0
        || g_strcmp0 (name, "record-queue") == 0
        || g_strcmp0 (name, "audio-record-queue") == 0)
      return TRUE;
    if (GST_IS_PIPELINE (o))
      break;
  }
  return FALSE;
}

/* The segment is closed after a change of the stream: rebuild now. */
static void
rb_camera_renewed (RbCamera * camera)
{
  rb_camera_teardown (camera);
  camera->state = RB_CAMERA_WAITING;
  camera->restarts++;
  camera->backoff_ms = BACKOFF_FIRST_MS;
  camera->retry_source = g_idle_add (rb_camera_attempt, camera);
}

static gboolean
rb_camera_on_bus (GstBus * bus, GstMessage * message, gpointer data)
{
  RbCamera *camera = data;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gchar *debug = NULL, *why;

      gst_message_parse_error (message, &err, &debug);
      why = rb_camera_describe_error (camera, message, err, debug);
      g_mutex_lock (&camera->streams_lock);
      if (camera->video_encoding == NULL && camera->rejected_video != NULL) {
        /* rtspsrc says "no supported stream": say which and why */
        g_free (why);
        why = g_strdup_printf ("video encoding '%s' is not supported (H264, "
            "H265 or JPEG)", camera->rejected_video);
        camera->codec_refused = TRUE;
      }
      g_mutex_unlock (&camera->streams_lock);
      if (!rb_camera_in_pipeline (camera, GST_MESSAGE_SRC (message))) {
        /* from the recording taken out after a write error (splitmuxsink
         * finalizes fragments on its own) */
        GST_INFO ("camera %s: ignoring an error from a removed element: %s",
            camera->name, why);
      } else if (camera->state == RB_CAMERA_RUNNING
          && rb_camera_is_recording (camera, GST_MESSAGE_SRC (message))) {
        rb_camera_pause_recording (camera, message, err, debug, why);
      } else if (camera->state == RB_CAMERA_STOPPING) {
        g_warning ("camera %s: error while stopping: %s", camera->name, why);
        rb_camera_finish_stop (camera);
      } else if (camera->state == RB_CAMERA_RENEWING) {
        rb_camera_renewed (camera);
      } else {
        rb_camera_schedule_restart (camera, why);
      }
      g_free (why);
      g_free (debug);
      g_error_free (err);
      break;
    }
    case GST_MESSAGE_WARNING:{
      GError *err = NULL;

      gst_message_parse_warning (message, &err, NULL);
      g_warning ("camera %s: %s (from %s)", camera->name, err->message,
          GST_OBJECT_NAME (GST_MESSAGE_SRC (message)));
      g_error_free (err);
      break;
    }
    case GST_MESSAGE_EOS:
      if (camera->state == RB_CAMERA_STOPPING)
        rb_camera_finish_stop (camera);
      else if (camera->state == RB_CAMERA_RENEWING)
        rb_camera_renewed (camera);
      else
        rb_camera_schedule_restart (camera, "the camera ended the stream");
      break;
    case GST_MESSAGE_ELEMENT:
      rb_camera_handle_element_message (camera, message);
      break;
    default:
      break;
  }
  /* the watch may have been removed by a teardown above */
  return camera->bus_watch != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
rb_camera_attempt (gpointer data)
{
  RbCamera *camera = data;
  GstElement *src;
  GstBus *bus;
  GstRTSPLowerTrans protocols;

  camera->retry_source = 0;
  camera->codec_refused = FALSE;
  rb_camera_stop_probe (camera);
  g_atomic_int_set (&camera->answered, FALSE);
  camera->pipeline = gst_pipeline_new (camera->name);
  src = gst_element_factory_make ("rtspsrc", "src");
  protocols = camera->use_udp ?
      (GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_UDP_MCAST) :
      GST_RTSP_LOWER_TRANS_TCP;
  /* buffer-mode=none: timestamps from the RTP timestamps only. The
   * default (slave) derives them from arrival times, which for cameras
   * with B-frames (RTP timestamps not in sending order) gives frames 0 to
   * 200 ms apart at 15 fps: jerky recordings and live streams. Nothing in
   * the camera pipeline syncs to the clock; the live feed re-anchors its
   * timing if the camera's clock drifts (rb-live-feed.c). */
  /* add-reference-timestamp-meta: the NTP time of the camera's RTCP sender
   * reports on each frame (rb-wallclock.h) */
  g_object_set (src, "location", camera->url, "latency", camera->latency_ms,
      "protocols", protocols, "add-reference-timestamp-meta", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "buffer-mode", "none");
  g_signal_connect (src, "select-stream",
      G_CALLBACK (rb_camera_on_select_stream), camera);
  g_signal_connect (src, "pad-added", G_CALLBACK (rb_camera_on_pad_added),
      camera);
  gst_bin_add (GST_BIN (camera->pipeline), src);

  bus = gst_element_get_bus (camera->pipeline);
  camera->bus_watch = gst_bus_add_watch (bus, rb_camera_on_bus, camera);
  gst_object_unref (bus);

  g_atomic_int_set (&camera->linked, FALSE);
  g_atomic_int_set (&camera->started_on_key, FALSE);
  g_atomic_int_set (&camera->renewing, FALSE);
  gst_clear_caps (&camera->stream_caps);
  rb_camera_reset_data_times (camera);
  camera->started_us = g_get_monotonic_time ();
  camera->state = RB_CAMERA_RUNNING;
  g_message ("camera %s: connecting to %s over %s", camera->name,
      camera->url_redacted, camera->use_udp ? "UDP" : "TCP");
  if (gst_element_set_state (camera->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE && camera->state == RB_CAMERA_RUNNING)
    rb_camera_schedule_restart (camera, "the pipeline failed to start");
  return G_SOURCE_REMOVE;
}

static void
rb_camera_stop_probe (RbCamera * camera)
{
  if (camera->probe_source) {
    g_source_remove (camera->probe_source);
    camera->probe_source = 0;
  }
  if (camera->probe_cancellable) {
    g_cancellable_cancel (camera->probe_cancellable);
    g_clear_object (&camera->probe_cancellable);
  }
}

static void
rb_camera_on_probe_done (GObject * source, GAsyncResult * result,
    gpointer data)
{
  GSocketConnection *connection;
  GError *error = NULL;
  RbCamera *camera;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT
      (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    /* stopped, or replaced: @data may be gone */
    g_error_free (error);
    return;
  }
  camera = data;
  g_clear_object (&camera->probe_cancellable);
  if (connection == NULL) {
    GST_DEBUG ("camera %s: %s:%u unreachable: %s", camera->name,
        camera->probe_host, camera->probe_port, error->message);
    camera->probe_saw_down = TRUE;
    g_error_free (error);
    return;
  }
  g_object_unref (connection);
  if (camera->state != RB_CAMERA_WAITING)
    return;
  if (!camera->probe_saw_down) {
    /* the server is up and refused the stream (credentials, path): the
     * backoff decides, not the probe */
    rb_camera_stop_probe (camera);
    return;
  }
  g_message ("camera %s: %s:%u accepts connections again; connecting now",
      camera->name, camera->probe_host, camera->probe_port);
  if (camera->retry_source)
    g_source_remove (camera->retry_source);
  camera->backoff_ms = BACKOFF_FIRST_MS;
  camera->retry_source = g_idle_add (rb_camera_attempt, camera);
}

static gboolean
rb_camera_probe (gpointer data)
{
  RbCamera *camera = data;

  /* one in flight at a time: a connect still pending after an interval is
   * as good as refused */
  if (camera->probe_cancellable) {
    g_cancellable_cancel (camera->probe_cancellable);
    g_clear_object (&camera->probe_cancellable);
  }
  if (camera->probe_client == NULL) {
    camera->probe_client = g_socket_client_new ();
    g_socket_client_set_timeout (camera->probe_client,
        PROBE_INTERVAL_MS / 1000);
  }
  camera->probe_cancellable = g_cancellable_new ();
  g_socket_client_connect_to_host_async (camera->probe_client,
      camera->probe_host, camera->probe_port, camera->probe_cancellable,
      rb_camera_on_probe_done, camera);
  return G_SOURCE_CONTINUE;
}

static void
rb_camera_schedule_restart (RbCamera * camera, const gchar * why)
{
  gint64 first, last;
  gboolean answered = g_atomic_int_get (&camera->answered);

  if (camera->state != RB_CAMERA_RUNNING)
    return;
  rb_camera_get_data_times (camera, &first, &last);
  rb_camera_teardown (camera);

  if (first != 0 && last - first >= BACKOFF_RESET_AFTER_US)
    camera->backoff_ms = BACKOFF_FIRST_MS;
  camera->backoff_ms = MIN (camera->backoff_ms, camera->backoff_max_ms);
  if (camera->codec_refused) {
    /* the answer cannot change until the camera is reconfigured: asked
     * again only every reconnect-max-interval, over the same transport,
     * and said once */
    gboolean again = g_strcmp0 (camera->unsupported_codec, why) == 0;

    camera->codec_refused = FALSE;
    camera->unsupported_attempts++;
    g_free (camera->unsupported_codec);
    camera->unsupported_codec = g_strdup (why);
    if (again)
      GST_INFO ("camera %s: %s, again", camera->name, why);
    else
      g_warning ("camera %s (%s): %s; asking again every %.1f s",
          camera->name, camera->url_redacted, why,
          camera->backoff_max_ms / 1000.0);
    camera->state = RB_CAMERA_WAITING;
    camera->restarts++;
    camera->backoff_ms = camera->backoff_max_ms;
    camera->retry_source = g_timeout_add (camera->backoff_ms,
        rb_camera_attempt, camera);
    return;
  }
  g_clear_pointer (&camera->unsupported_codec, g_free);
  /* transport=auto prefers TCP; a camera that answered but gave nothing
   * over one is tried over the other next (some refuse interleaved TCP with
   * 461). One that did not answer at all (down) keeps the transport that
   * worked last. */
  if (camera->transport == RB_TRANSPORT_AUTO && first == 0 && answered)
    camera->use_udp = !camera->use_udp;
  /* a server that did not answer is watched for its return */
  if (!answered && camera->probe_host != NULL) {
    camera->probe_saw_down = FALSE;
    camera->probe_source = g_timeout_add (PROBE_INTERVAL_MS,
        rb_camera_probe, camera);
  }

  g_warning ("camera %s (%s): %s; retrying in %.1f s", camera->name,
      camera->url_redacted, why, camera->backoff_ms / 1000.0);
  camera->state = RB_CAMERA_WAITING;
  camera->restarts++;
  camera->retry_source = g_timeout_add (camera->backoff_ms,
      rb_camera_attempt, camera);
  camera->backoff_ms = MIN (camera->backoff_ms * 2, camera->backoff_max_ms);
}

static gboolean
rb_camera_watchdog (gpointer data)
{
  RbCamera *camera = data;
  gint64 now = g_get_monotonic_time ();
  gint64 first, last;

  if (camera->state != RB_CAMERA_RUNNING)
    return G_SOURCE_CONTINUE;
  rb_camera_get_data_times (camera, &first, &last);
  if (last == 0 && now - camera->started_us > CONNECT_TIMEOUT_US)
    rb_camera_schedule_restart (camera, "no video from the camera");
  else if (last != 0 && now - last > STALL_TIMEOUT_US)
    rb_camera_schedule_restart (camera, "the camera stopped sending video");
  return G_SOURCE_CONTINUE;
}

void
rb_camera_start (RbCamera * camera)
{
  g_return_if_fail (camera->state == RB_CAMERA_IDLE);
  if (camera->watchdog_source == 0)
    camera->watchdog_source = g_timeout_add (WATCHDOG_INTERVAL_MS,
        rb_camera_watchdog, camera);
  rb_camera_attempt (camera);
}

static gboolean
rb_camera_on_eos_timeout (gpointer data)
{
  RbCamera *camera = data;

  camera->eos_timeout_source = 0;
  g_warning ("camera %s: no EOS within %d s; the open segment is "
      "recovered at the next start", camera->name, EOS_TIMEOUT_MS / 1000);
  if (camera->state == RB_CAMERA_RENEWING)
    rb_camera_renewed (camera);
  else
    rb_camera_finish_stop (camera);
  return G_SOURCE_REMOVE;
}

void
rb_camera_stop (RbCamera * camera)
{
  if (camera->watchdog_source) {
    g_source_remove (camera->watchdog_source);
    camera->watchdog_source = 0;
  }
  if (camera->retry_source) {
    g_source_remove (camera->retry_source);
    camera->retry_source = 0;
  }
  rb_camera_stop_probe (camera);
  if (camera->state == RB_CAMERA_STOPPING)
    return;
  if (camera->state == RB_CAMERA_RENEWING) {
    /* its EOS is on the way */
    camera->state = RB_CAMERA_STOPPING;
    return;
  }
  if (camera->state != RB_CAMERA_RUNNING || !g_atomic_int_get (&camera->linked)) {
    /* nothing recorded in this attempt: nothing to finalize */
    rb_camera_finish_stop (camera);
    return;
  }
  camera->state = RB_CAMERA_STOPPING;
  camera->eos_timeout_source = g_timeout_add (EOS_TIMEOUT_MS,
      rb_camera_on_eos_timeout, camera);
  gst_element_send_event (camera->pipeline, gst_event_new_eos ());
}
