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

/* HLS packaging in memory (see rb-hls.h).
 *
 * hlssink2 asks for a GOutputStream per segment (get-fragment-stream) and
 * per playlist update (get-playlist-stream), and says when a segment leaves
 * the window (delete-fragment). It writes the playlist right after a
 * segment is closed, so every segment a playlist lists is complete: when a
 * playlist stream is released (hlssink2 drops it once written), the
 * segments it lists are frozen into GBytes and the playlist becomes the one
 * served. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-hls.h"
#include "rb-pipelines.h"

#include <gio/gio.h>
#include <string.h>

/* Segments kept beyond those the playlist lists. */
#define EXTRA_SEGMENTS 3
#define RESTART_DELAY_MS 1000
/* A longer pause between two frames (the camera was away) is closed up in
 * the HLS timeline, so no segment claims the outage as its duration. */
#define GAP_MAX (1 * GST_SECOND)
#define GAP_STEP (40 * GST_MSECOND)

typedef struct {
  GOutputStream *stream;        /* being written, or NULL */
  GBytes *bytes;                /* complete, or NULL */
} RbHlsSegment;

struct _RbHls {
  gchar *camera;
  RbLiveFeed *feed;
  guint target_duration_s;

  GstElement *pipeline;         /* main context */
  GstElement *appsrc;           /* main context */
  guint bus_watch;
  guint restart_source;

  /* appsrc's streaming thread */
  GstClockTime last_ts;         /* last buffer's (shifted) time, or NONE */
  GstClockTime shift;           /* taken off every time since the gaps */

  GMutex lock;
  GHashTable *segments;         /* name → RbHlsSegment*, protected by lock */
  GBytes *playlist;             /* protected by lock */
  guint64 completed;            /* protected by lock */
};

static void
rb_hls_segment_free (RbHlsSegment * seg)
{
  g_clear_object (&seg->stream);
  g_clear_pointer (&seg->bytes, g_bytes_unref);
  g_free (seg);
}

static GBytes *
rb_hls_stream_bytes (GOutputStream * stream)
{
  GMemoryOutputStream *m = G_MEMORY_OUTPUT_STREAM (stream);

  return g_bytes_new (g_memory_output_stream_get_data (m),
      g_memory_output_stream_get_data_size (m));
}

static GOutputStream *
rb_hls_on_get_fragment_stream (GstElement * sink, const gchar * location,
    RbHls * hls)
{
  GOutputStream *stream = g_memory_output_stream_new_resizable ();
  RbHlsSegment *seg = g_new0 (RbHlsSegment, 1);
  g_autofree gchar *name = g_path_get_basename (location);

  seg->stream = g_object_ref (stream);
  g_mutex_lock (&hls->lock);
  g_hash_table_replace (hls->segments, g_steal_pointer (&name), seg);
  g_mutex_unlock (&hls->lock);
  return stream;                /* hlssink2 takes this reference */
}

/* The playlist stream was written and released by hlssink2 (a weak
 * notify: the stream is being disposed and its data is still there). */
static void
rb_hls_on_playlist_written (gpointer data, GObject * where_it_was)
{
  RbHls *hls = data;
  GBytes *playlist = rb_hls_stream_bytes (G_OUTPUT_STREAM (where_it_was));
  gsize size;
  const gchar *text = g_bytes_get_data (playlist, &size);
  g_autofree gchar *copy = g_strndup (text, size);
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);

  g_mutex_lock (&hls->lock);
  for (guint i = 0; lines[i]; i++) {
    RbHlsSegment *seg;

    if (lines[i][0] == '#' || lines[i][0] == '\0')
      continue;
    seg = g_hash_table_lookup (hls->segments, g_strstrip (lines[i]));
    if (seg != NULL && seg->stream != NULL) {
      seg->bytes = rb_hls_stream_bytes (seg->stream);
      g_clear_object (&seg->stream);
      hls->completed++;
    }
  }
  g_clear_pointer (&hls->playlist, g_bytes_unref);
  hls->playlist = playlist;
  g_mutex_unlock (&hls->lock);
}

static GOutputStream *
rb_hls_on_get_playlist_stream (GstElement * sink, const gchar * location,
    RbHls * hls)
{
  GOutputStream *stream = g_memory_output_stream_new_resizable ();

  g_object_weak_ref (G_OBJECT (stream), rb_hls_on_playlist_written, hls);
  return stream;
}

static void
rb_hls_on_delete_fragment (GstElement * sink, const gchar * location,
    RbHls * hls)
{
  g_autofree gchar *name = g_path_get_basename (location);

  g_mutex_lock (&hls->lock);
  g_hash_table_remove (hls->segments, name);
  g_mutex_unlock (&hls->lock);
}

/* Keeps the packager's timeline continuous across camera outages: a gap
 * over GAP_MAX is taken out of every later timestamp (the feed keeps the
 * wall-clock timing the RTSP medias need). */
static GstPadProbeReturn
rb_hls_on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbHls *hls = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf), dts = GST_BUFFER_DTS (buf);
  GstClockTime t = GST_CLOCK_TIME_IS_VALID (dts) ? dts : pts;

  if (!GST_CLOCK_TIME_IS_VALID (t) || t < hls->shift)
    return GST_PAD_PROBE_OK;
  t -= hls->shift;
  if (GST_CLOCK_TIME_IS_VALID (hls->last_ts) && t > hls->last_ts + GAP_MAX) {
    GstClockTime gap = t - hls->last_ts - GAP_STEP;

    GST_INFO ("camera %s: HLS closes a gap of %" GST_TIME_FORMAT,
        hls->camera, GST_TIME_ARGS (gap));
    hls->shift += gap;
    t -= gap;
  }
  hls->last_ts = t;
  if (hls->shift > 0) {
    buf = gst_buffer_make_writable (buf);
    if (GST_CLOCK_TIME_IS_VALID (pts))
      GST_BUFFER_PTS (buf) = pts > hls->shift ? pts - hls->shift : 0;
    if (GST_CLOCK_TIME_IS_VALID (dts))
      GST_BUFFER_DTS (buf) = dts > hls->shift ? dts - hls->shift : 0;
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  return GST_PAD_PROBE_OK;
}

static void rb_hls_stop (RbHls * hls);
static gboolean rb_hls_start (RbHls * hls, GError ** error);

static gboolean
rb_hls_on_restart (gpointer data)
{
  RbHls *hls = data;
  GError *err = NULL;

  hls->restart_source = 0;
  if (!rb_hls_start (hls, &err)) {
    g_warning ("camera %s: HLS: %s", hls->camera, err->message);
    g_clear_error (&err);
    hls->restart_source = g_timeout_add (RESTART_DELAY_MS,
        rb_hls_on_restart, hls);
  }
  return G_SOURCE_REMOVE;
}

static gboolean
rb_hls_on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  RbHls *hls = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    g_autofree gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    g_warning ("camera %s: HLS packager error, restarting it: %s (%s)",
        hls->camera, err->message, debug ? debug : "");
    g_clear_error (&err);
    hls->bus_watch = 0;         /* removed by returning G_SOURCE_REMOVE */
    rb_hls_stop (hls);
    if (hls->restart_source == 0)
      hls->restart_source = g_timeout_add (RESTART_DELAY_MS,
          rb_hls_on_restart, hls);
    return G_SOURCE_REMOVE;     /* the watch went with the pipeline */
  }
  return G_SOURCE_CONTINUE;
}

static void
rb_hls_stop (RbHls * hls)
{
  if (hls->pipeline == NULL)
    return;
  if (hls->appsrc != NULL) {
    rb_live_feed_remove_appsrc (hls->feed, hls->appsrc);
    gst_clear_object (&hls->appsrc);
  }
  if (hls->bus_watch) {
    g_source_remove (hls->bus_watch);
    hls->bus_watch = 0;
  }
  gst_element_set_state (hls->pipeline, GST_STATE_NULL);
  gst_clear_object (&hls->pipeline);
  g_mutex_lock (&hls->lock);
  g_hash_table_remove_all (hls->segments);
  g_clear_pointer (&hls->playlist, g_bytes_unref);
  g_mutex_unlock (&hls->lock);
}

static gboolean
rb_hls_start (RbHls * hls, GError ** error)
{
  g_autofree gchar *launch = NULL;
  GstElement *sink;
  g_autoptr (GstBus) bus = NULL;

  launch = rb_pipeline_hls (hls->target_duration_s, RB_HLS_PLAYLIST_LENGTH,
      RB_HLS_PLAYLIST_LENGTH + EXTRA_SEGMENTS);
  hls->pipeline = gst_parse_launch (launch, error);
  if (hls->pipeline == NULL)
    return FALSE;
  hls->appsrc = gst_bin_get_by_name (GST_BIN (hls->pipeline), "src");
  hls->last_ts = GST_CLOCK_TIME_NONE;
  hls->shift = 0;
  {
    GstPad *pad = gst_element_get_static_pad (hls->appsrc, "src");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, rb_hls_on_buffer, hls,
        NULL);
    gst_object_unref (pad);
  }
  sink = gst_bin_get_by_name (GST_BIN (hls->pipeline), "sink");
  g_signal_connect (sink, "get-fragment-stream",
      G_CALLBACK (rb_hls_on_get_fragment_stream), hls);
  g_signal_connect (sink, "get-playlist-stream",
      G_CALLBACK (rb_hls_on_get_playlist_stream), hls);
  g_signal_connect (sink, "delete-fragment",
      G_CALLBACK (rb_hls_on_delete_fragment), hls);
  gst_object_unref (sink);
  bus = gst_element_get_bus (hls->pipeline);
  hls->bus_watch = gst_bus_add_watch (bus, rb_hls_on_bus, hls);
  if (gst_element_set_state (hls->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "the HLS packager does not start");
    rb_hls_stop (hls);
    return FALSE;
  }
  rb_live_feed_add_appsrc (hls->feed, hls->appsrc, NULL);
  return TRUE;
}

RbHls *
rb_hls_new (const gchar * camera, RbLiveFeed * feed, guint target_duration_s,
    GError ** error)
{
  RbHls *hls = g_new0 (RbHls, 1);

  hls->camera = g_strdup (camera);
  hls->feed = rb_live_feed_ref (feed);
  hls->target_duration_s = MAX (target_duration_s, 1);
  g_mutex_init (&hls->lock);
  hls->segments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) rb_hls_segment_free);
  if (!rb_hls_start (hls, error)) {
    rb_hls_free (hls);
    return NULL;
  }
  return hls;
}

void
rb_hls_free (RbHls * hls)
{
  if (hls == NULL)
    return;
  if (hls->restart_source)
    g_source_remove (hls->restart_source);
  rb_hls_stop (hls);
  g_hash_table_unref (hls->segments);
  g_clear_pointer (&hls->playlist, g_bytes_unref);
  g_mutex_clear (&hls->lock);
  rb_live_feed_unref (hls->feed);
  g_free (hls->camera);
  g_free (hls);
}

GBytes *
rb_hls_get_playlist (RbHls * hls)
{
  GBytes *b;

  g_mutex_lock (&hls->lock);
  b = hls->playlist ? g_bytes_ref (hls->playlist) : NULL;
  g_mutex_unlock (&hls->lock);
  return b;
}

GBytes *
rb_hls_get_segment (RbHls * hls, const gchar * name)
{
  RbHlsSegment *seg;
  GBytes *b = NULL;

  g_mutex_lock (&hls->lock);
  seg = g_hash_table_lookup (hls->segments, name);
  if (seg != NULL && seg->bytes != NULL)
    b = g_bytes_ref (seg->bytes);
  g_mutex_unlock (&hls->lock);
  return b;
}

guint64
rb_hls_get_segments (RbHls * hls)
{
  guint64 n;

  g_mutex_lock (&hls->lock);
  n = hls->completed;
  g_mutex_unlock (&hls->lock);
  return n;
}
