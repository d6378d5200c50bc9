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

/* Live publishing: the encoded, anonymized stream of each camera leaves its
 * camera pipeline through an appsink and enters one shared RTSP media per
 * network through an appsrc. Encoding happens once per camera; each network
 * payloads it once, however many viewers it has.
 *
 * A media that joins waits for a key unit (and asks the encoder for one), so
 * a viewer never starts on a delta frame. Buffers are re-stamped with the
 * running time of the media pipeline at arrival, since the camera and media
 * pipelines have different base times. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-publisher.h"
#include "rb-pipelines.h"

#include <gst/app/app.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <gst/video/video.h>

/* Seconds between two key-unit requests to one encoder. */
#define KEY_UNIT_REQUEST_INTERVAL_US (1 * G_USEC_PER_SEC)
/* Listen backlog: the default of 5 overflows when many viewers connect at
 * once (PLATFORM.md). */
#define LISTEN_BACKLOG 128

typedef struct {
  GstElement *appsrc;
  gboolean need_key_unit;
  gboolean caps_set;
} RbFeedSink;

struct _RbLiveFeed {
  gatomicrefcount refcount;
  gchar *camera;

  GMutex lock;
  GstElement *appsink;          /* protected by lock */
  GList *sinks;                 /* of RbFeedSink *, protected by lock */
  GstCaps *caps;                /* protected by lock */
  gint64 last_key_request_us;   /* protected by lock */
  guint64 samples;              /* protected by lock */
};

RbLiveFeed *
rb_live_feed_new (const gchar * camera)
{
  RbLiveFeed *feed = g_new0 (RbLiveFeed, 1);

  g_atomic_ref_count_init (&feed->refcount);
  g_mutex_init (&feed->lock);
  feed->camera = g_strdup (camera);
  return feed;
}

RbLiveFeed *
rb_live_feed_ref (RbLiveFeed * feed)
{
  g_atomic_ref_count_inc (&feed->refcount);
  return feed;
}

static void
rb_feed_sink_free (RbFeedSink * sink)
{
  gst_object_unref (sink->appsrc);
  g_free (sink);
}

void
rb_live_feed_unref (RbLiveFeed * feed)
{
  if (!g_atomic_ref_count_dec (&feed->refcount))
    return;
  rb_live_feed_clear_appsink (feed);
  g_list_free_full (feed->sinks, (GDestroyNotify) rb_feed_sink_free);
  gst_clear_caps (&feed->caps);
  g_mutex_clear (&feed->lock);
  g_free (feed->camera);
  g_free (feed);
}

guint64
rb_live_feed_get_samples (RbLiveFeed * feed)
{
  guint64 samples;

  g_mutex_lock (&feed->lock);
  samples = feed->samples;
  g_mutex_unlock (&feed->lock);
  return samples;
}

/* Called with the lock held; returns the appsink to send the request to
 * (a new reference), or NULL when a request was sent recently. */
static GstElement *
rb_live_feed_want_key_unit_locked (RbLiveFeed * feed)
{
  gint64 now = g_get_monotonic_time ();

  if (feed->appsink == NULL ||
      now - feed->last_key_request_us < KEY_UNIT_REQUEST_INTERVAL_US)
    return NULL;
  feed->last_key_request_us = now;
  return gst_object_ref (feed->appsink);
}

/* The upstream event travels from the appsink to the encoder. */
static void
rb_live_feed_request_key_unit (GstElement * appsink)
{
  gst_element_send_event (appsink,
      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE,
          0));
}

/* Pushes @buffer to one media's appsrc, re-stamped with that pipeline's
 * running time. Returns FALSE when the media cannot take it yet. */
static gboolean
rb_feed_sink_push (RbFeedSink * sink, GstCaps * caps, GstBuffer * buffer)
{
  GstClock *clock;
  GstClockTime now, base_time;
  GstBuffer *copy;

  clock = gst_element_get_clock (sink->appsrc);
  if (clock == NULL)
    return FALSE;               /* not PLAYING yet */
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  base_time = gst_element_get_base_time (sink->appsrc);
  if (now < base_time)
    return FALSE;

  if (!sink->caps_set) {
    gst_app_src_set_caps (GST_APP_SRC (sink->appsrc), caps);
    sink->caps_set = TRUE;
  }
  copy = gst_buffer_copy (buffer);      /* shares the memory */
  GST_BUFFER_PTS (copy) = now - base_time;
  GST_BUFFER_DTS (copy) = now - base_time;
  gst_app_src_push_buffer (GST_APP_SRC (sink->appsrc), copy);
  return TRUE;
}

static GstFlowReturn
rb_live_feed_on_new_sample (GstAppSink * appsink, gpointer user_data)
{
  RbLiveFeed *feed = user_data;
  GstSample *sample;
  GstBuffer *buffer;
  GstCaps *caps;
  GstElement *key_unit_from = NULL;
  gboolean is_delta;
  GList *l;

  sample = gst_app_sink_pull_sample (appsink);
  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  if (buffer == NULL || caps == NULL) {
    gst_sample_unref (sample);
    return GST_FLOW_OK;
  }
  is_delta = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);

  g_mutex_lock (&feed->lock);
  feed->samples++;
  if (feed->caps == NULL || !gst_caps_is_equal (feed->caps, caps)) {
    gst_caps_replace (&feed->caps, caps);
    for (l = feed->sinks; l != NULL; l = l->next)
      ((RbFeedSink *) l->data)->caps_set = FALSE;
  }
  for (l = feed->sinks; l != NULL; l = l->next) {
    RbFeedSink *sink = l->data;

    if (sink->need_key_unit && is_delta) {
      if (key_unit_from == NULL)
        key_unit_from = rb_live_feed_want_key_unit_locked (feed);
      continue;
    }
    if (rb_feed_sink_push (sink, caps, buffer))
      sink->need_key_unit = FALSE;
    else
      sink->need_key_unit = TRUE;
  }
  g_mutex_unlock (&feed->lock);

  if (key_unit_from != NULL) {
    rb_live_feed_request_key_unit (key_unit_from);
    gst_object_unref (key_unit_from);
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

void
rb_live_feed_set_appsink (RbLiveFeed * feed, GstElement * appsink)
{
  GstAppSinkCallbacks callbacks = { NULL, };

  callbacks.new_sample = rb_live_feed_on_new_sample;
  g_object_set (appsink, "emit-signals", FALSE, "sync", FALSE,
      "max-buffers", 4, "drop", TRUE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks,
      rb_live_feed_ref (feed), (GDestroyNotify) rb_live_feed_unref);

  g_mutex_lock (&feed->lock);
  gst_object_replace ((GstObject **) & feed->appsink, GST_OBJECT (appsink));
  feed->last_key_request_us = 0;
  for (GList * l = feed->sinks; l != NULL; l = l->next)
    ((RbFeedSink *) l->data)->need_key_unit = TRUE;
  g_mutex_unlock (&feed->lock);
}

void
rb_live_feed_clear_appsink (RbLiveFeed * feed)
{
  GstElement *appsink;

  g_mutex_lock (&feed->lock);
  appsink = g_steal_pointer (&feed->appsink);
  g_mutex_unlock (&feed->lock);
  if (appsink != NULL) {
    GstAppSinkCallbacks callbacks = { NULL, };
    /* drops the reference the callbacks held on the feed */
    gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, NULL,
        NULL);
    gst_object_unref (appsink);
  }
}

static void
rb_live_feed_add_appsrc (RbLiveFeed * feed, GstElement * appsrc)
{
  RbFeedSink *sink = g_new0 (RbFeedSink, 1);
  GstElement *key_unit_from;

  sink->appsrc = gst_object_ref (appsrc);
  sink->need_key_unit = TRUE;
  g_mutex_lock (&feed->lock);
  feed->sinks = g_list_prepend (feed->sinks, sink);
  key_unit_from = rb_live_feed_want_key_unit_locked (feed);
  g_mutex_unlock (&feed->lock);
  if (key_unit_from != NULL) {
    rb_live_feed_request_key_unit (key_unit_from);
    gst_object_unref (key_unit_from);
  }
}

static void
rb_live_feed_remove_appsrc (RbLiveFeed * feed, GstElement * appsrc)
{
  g_mutex_lock (&feed->lock);
  for (GList * l = feed->sinks; l != NULL; l = l->next) {
    RbFeedSink *sink = l->data;

    if (sink->appsrc == appsrc) {
      feed->sinks = g_list_delete_link (feed->sinks, l);
      rb_feed_sink_free (sink);
      break;
    }
  }
  g_mutex_unlock (&feed->lock);
}

/* ---- publisher ---- */

struct _RbPublisher {
  gchar *name;
  gchar *address;
  guint port;
  GstRTSPServer *server;
  GSource *source;
};

typedef struct {
  RbLiveFeed *feed;
  GstElement *appsrc;
} RbMediaLink;

static void
rb_media_link_free (gpointer data, GClosure * closure)
{
  RbMediaLink *link = data;

  rb_live_feed_unref (link->feed);
  gst_clear_object (&link->appsrc);
  g_free (link);
}

static void
rb_publisher_on_unprepared (GstRTSPMedia * media, RbMediaLink * link)
{
  if (link->appsrc != NULL) {
    rb_live_feed_remove_appsrc (link->feed, link->appsrc);
    gst_clear_object (&link->appsrc);
  }
}

static void
rb_publisher_on_media_configure (GstRTSPMediaFactory * factory,
    GstRTSPMedia * media, RbLiveFeed * feed)
{
  GstElement *bin = gst_rtsp_media_get_element (media);
  GstElement *appsrc = gst_bin_get_by_name (GST_BIN (bin), "src");
  RbMediaLink *link;

  gst_object_unref (bin);
  g_return_if_fail (appsrc != NULL);

  link = g_new0 (RbMediaLink, 1);
  link->feed = rb_live_feed_ref (feed);
  link->appsrc = appsrc;
  rb_live_feed_add_appsrc (feed, appsrc);
  g_signal_connect_data (media, "unprepared",
      G_CALLBACK (rb_publisher_on_unprepared), link, rb_media_link_free, 0);
}

RbPublisher *
rb_publisher_new (const RbNetworkConfig * network)
{
  RbPublisher *publisher = g_new0 (RbPublisher, 1);
  gchar *service;

  publisher->name = g_strdup (network->name);
  publisher->address = g_strdup (network->address);
  publisher->port = network->port;
  publisher->server = gst_rtsp_server_new ();
  service = g_strdup_printf ("%u", network->port);
  gst_rtsp_server_set_address (publisher->server, network->address);
  gst_rtsp_server_set_service (publisher->server, service);
  gst_rtsp_server_set_backlog (publisher->server, LISTEN_BACKLOG);
  g_free (service);
  return publisher;
}

void
rb_publisher_free (RbPublisher * publisher)
{
  if (publisher == NULL)
    return;
  if (publisher->source != NULL) {
    g_source_destroy (publisher->source);
    g_source_unref (publisher->source);
  }
  gst_clear_object (&publisher->server);
  g_free (publisher->name);
  g_free (publisher->address);
  g_free (publisher);
}

void
rb_publisher_add_camera (RbPublisher * publisher, const gchar * camera,
    RbLiveFeed * feed)
{
  GstRTSPMountPoints *mounts;
  GstRTSPMediaFactory *factory;
  gchar *path, *launch;

  factory = gst_rtsp_media_factory_new ();
  launch = rb_pipeline_publish ();
  gst_rtsp_media_factory_set_launch (factory, launch);
  g_free (launch);
  gst_rtsp_media_factory_set_shared (factory, TRUE);
  g_signal_connect_data (factory, "media-configure",
      G_CALLBACK (rb_publisher_on_media_configure), rb_live_feed_ref (feed),
      (GClosureNotify) (void (*)(void)) rb_live_feed_unref, 0);

  mounts = gst_rtsp_server_get_mount_points (publisher->server);
  path = g_strdup_printf ("/%s", camera);
  gst_rtsp_mount_points_add_factory (mounts, path, factory);
  g_free (path);
  g_object_unref (mounts);
}

gboolean
rb_publisher_start (RbPublisher * publisher, GError ** error)
{
  GError *err = NULL;
  GSource *source;

  if (publisher->source != NULL)
    return TRUE;
  source = gst_rtsp_server_create_source (publisher->server, NULL, &err);
  if (source == NULL) {
    g_set_error (error, G_IO_ERROR, err ? err->code : G_IO_ERROR_FAILED,
        "network %s: cannot listen on %s port %u: %s", publisher->name,
        publisher->address, publisher->port,
        err ? err->message : "unknown error");
    g_clear_error (&err);
    return FALSE;
  }
  g_source_attach (source, NULL);
  publisher->source = source;
  return TRUE;
}

gboolean
rb_publisher_is_serving (RbPublisher * publisher)
{
  return publisher->source != NULL;
}

const gchar *
rb_publisher_get_name (RbPublisher * publisher)
{
  return publisher->name;
}

guint
rb_publisher_get_bound_port (RbPublisher * publisher)
{
  gint port = gst_rtsp_server_get_bound_port (publisher->server);

  return port > 0 ? (guint) port : 0;
}
