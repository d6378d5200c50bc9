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
#include "rb-pipelines.h"

#include <gst/rtsp/rtsp.h>
#include <string.h>

/* Backoff between two attempts: doubles from the first to the cap, and
 * falls back to the first once a camera has delivered data for a while. */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
#define BACKOFF_RESET_AFTER_US (10 * G_USEC_PER_SEC)
/* A camera that sent nothing for this long is restarted (rtspsrc itself
 * takes about 26 s to notice a frozen server, PLATFORM.md). */
#define STALL_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* How long a camera may take from start to its first buffer. */
#define CONNECT_TIMEOUT_US (20 * G_USEC_PER_SEC)
#define EOS_TIMEOUT_MS 10000
#define WATCHDOG_INTERVAL_MS 1000

typedef enum {
  RB_CAMERA_IDLE,               /* not started, or stopped */
  RB_CAMERA_RUNNING,            /* pipeline up (connecting or receiving) */
  RB_CAMERA_WAITING,            /* between two attempts */
  RB_CAMERA_STOPPING,           /* EOS sent, waiting for it */
} RbCameraState;

struct _RbCamera {
  /* configuration, read-only after creation */
  gchar *name;
  gchar *url;
  gchar *url_redacted;
  gchar *password;              /* scrubbed from every message, or NULL */
  RbTransport transport;
  guint latency_ms;
  gchar *raw_dir;
  gchar *queue_dir;
  guint64 segment_ns;
  guint live_bitrate_kbps;
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
  gint64 started_us;
  guint restarts;
  gint linked;                  /* set from the streaming thread, atomic */

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
  camera->raw_dir = g_build_filename (config->state_dir, "raw", cam->name,
      NULL);
  camera->queue_dir = g_build_filename (config->state_dir, "queue", NULL);
  camera->segment_ns = (guint64) config->segment_duration_s * GST_SECOND;
  camera->live_bitrate_kbps = config->live_bitrate_kbps;
  camera->live_key_interval_s = config->live_key_interval_s;
  camera->config = config;
  camera->privacy_zones = rb_config_camera_zones (config, cam);
  camera->feed = rb_live_feed_ref (feed);
  if (callbacks != NULL)
    camera->callbacks = *callbacks;
  camera->user_data = user_data;
  camera->backoff_ms = BACKOFF_FIRST_MS;
  camera->use_udp = cam->transport == RB_TRANSPORT_UDP;
  g_mutex_init (&camera->data_lock);
  return camera;
}

void
rb_camera_free (RbCamera * camera)
{
  if (camera == NULL)
    return;
  rb_camera_teardown (camera);
  if (camera->retry_source)
    g_source_remove (camera->retry_source);
  if (camera->watchdog_source)
    g_source_remove (camera->watchdog_source);
  rb_live_feed_unref (camera->feed);
  g_free (camera->privacy_zones);
  g_free (camera->name);
  g_free (camera->url);
  g_free (camera->url_redacted);
  g_free (camera->password);
  g_free (camera->raw_dir);
  g_free (camera->queue_dir);
  g_mutex_clear (&camera->data_lock);
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

/* ---- pipeline construction (streaming thread of rtspsrc) ---- */

static GstPadProbeReturn
rb_camera_data_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbCamera *camera = data;
  gint64 now = g_get_monotonic_time ();

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

/* Builds the branches after rtspsrc from rb_pipeline_camera() and links
 * @src_pad to them. Streaming thread of rtspsrc. */
static gboolean
rb_camera_build_branches (RbCamera * camera, GstPad * src_pad,
    const gchar * encoding)
{
  RbCameraPipelineParams params = {
    encoding, camera->raw_dir, camera->queue_dir, camera->segment_ns,
    camera->name, camera->live_bitrate_kbps
  };
  g_autofree gchar *description = rb_pipeline_camera (&params);
  g_autoptr (GError) err = NULL;
  GstElement *bin, *blur, *appsink;
  GstPad *pad;

  bin = gst_parse_bin_from_description_full (description, TRUE, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (bin == NULL) {
    GST_ELEMENT_ERROR (camera->pipeline, CORE, MISSING_PLUGIN,
        ("camera %s: cannot build the pipeline: %s", camera->name,
            err->message), ("%s", description));
    return FALSE;
  }
  gst_object_set_name (GST_OBJECT (bin), "camera");

  blur = gst_bin_get_by_name (GST_BIN (bin), "headblur");
  rb_config_apply_headblur (camera->config, G_OBJECT (blur));
  if (camera->privacy_zones != NULL)
    g_object_set (blur, "privacy-zones", camera->privacy_zones, NULL);
  gst_object_unref (blur);

  pad = rb_camera_get_pad (bin, "parse", "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, rb_camera_data_probe,
      camera, NULL);
  gst_object_unref (pad);
  pad = rb_camera_get_pad (bin, "encoder", "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      rb_camera_encoder_caps_probe, camera, NULL);
  gst_object_unref (pad);

  appsink = gst_bin_get_by_name (GST_BIN (bin), "live-sink");
  rb_live_feed_set_appsink (camera->feed, appsink);
  gst_object_unref (appsink);

  gst_bin_add (GST_BIN (camera->pipeline), bin);
  gst_element_sync_state_with_parent (bin);

  pad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (src_pad, pad) != GST_PAD_LINK_OK) {
    gst_object_unref (pad);
    GST_ELEMENT_ERROR (camera->pipeline, CORE, NEGOTIATION,
        ("camera %s: cannot link the RTSP stream", camera->name), (NULL));
    return FALSE;
  }
  gst_object_unref (pad);
  return TRUE;
}

static void
rb_camera_on_pad_added (GstElement * src, GstPad * pad, RbCamera * camera)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const GstStructure *s;
  const gchar *media, *encoding;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);
  media = gst_structure_get_string (s, "media");
  encoding = gst_structure_get_string (s, "encoding-name");

  if (g_strcmp0 (media, "video") != 0) {
    GST_INFO ("camera %s: ignoring %s stream", camera->name,
        media ? media : "unknown");
  } else if (g_atomic_int_get (&camera->linked)) {
    GST_INFO ("camera %s: ignoring a second video stream", camera->name);
  } else if (encoding == NULL || (g_ascii_strcasecmp (encoding, "H264") != 0
          && g_ascii_strcasecmp (encoding, "H265") != 0)) {
    GST_ELEMENT_ERROR (camera->pipeline, STREAM, CODEC_NOT_FOUND,
        ("camera %s: video encoding '%s' is not supported (H264 or H265)",
            camera->name, encoding ? encoding : "unknown"), (NULL));
  } else if (rb_camera_build_branches (camera, pad, encoding)) {
    g_atomic_int_set (&camera->linked, TRUE);
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
  if (camera->pipeline == NULL)
    return;
  rb_live_feed_clear_appsink (camera->feed);
  gst_element_set_state (camera->pipeline, GST_STATE_NULL);
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
      if (camera->state == RB_CAMERA_STOPPING) {
        g_warning ("camera %s: error while stopping: %s", camera->name, why);
        rb_camera_finish_stop (camera);
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
  camera->pipeline = gst_pipeline_new (camera->name);
  src = gst_element_factory_make ("rtspsrc", "src");
  protocols = camera->use_udp ?
      (GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_UDP_MCAST) :
      GST_RTSP_LOWER_TRANS_TCP;
  g_object_set (src, "location", camera->url, "latency", camera->latency_ms,
      "protocols", protocols, NULL);
  g_signal_connect (src, "pad-added", G_CALLBACK (rb_camera_on_pad_added),
      camera);
  gst_bin_add (GST_BIN (camera->pipeline), src);

  bus = gst_element_get_bus (camera->pipeline);
  camera->bus_watch = gst_bus_add_watch (bus, rb_camera_on_bus, camera);
  gst_object_unref (bus);

  g_atomic_int_set (&camera->linked, FALSE);
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
rb_camera_schedule_restart (RbCamera * camera, const gchar * why)
{
  gint64 first, last;

  if (camera->state != RB_CAMERA_RUNNING)
    return;
  rb_camera_get_data_times (camera, &first, &last);
  rb_camera_teardown (camera);

  if (first != 0 && last - first >= BACKOFF_RESET_AFTER_US)
    camera->backoff_ms = BACKOFF_FIRST_MS;
  /* transport=auto prefers TCP; a camera that gave nothing over one is
   * tried over the other next (some refuse interleaved TCP with 461) */
  if (camera->transport == RB_TRANSPORT_AUTO && first == 0)
    camera->use_udp = !camera->use_udp;

  g_warning ("camera %s (%s): %s; retrying in %.1f s", camera->name,
      camera->url_redacted, why, camera->backoff_ms / 1000.0);
  camera->state = RB_CAMERA_WAITING;
  camera->restarts++;
  camera->retry_source = g_timeout_add (camera->backoff_ms,
      rb_camera_attempt, camera);
  camera->backoff_ms = MIN (camera->backoff_ms * 2, BACKOFF_MAX_MS);
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
  g_warning ("camera %s: no EOS within %d s while stopping; the open "
      "segment is recovered at the next start", camera->name,
      EOS_TIMEOUT_MS / 1000);
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
  if (camera->state == RB_CAMERA_STOPPING)
    return;
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
