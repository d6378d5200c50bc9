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

/* The media factory of one camera on one network (see rb-media-factory.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-media-factory.h"
#include "rb-pipelines.h"

struct _RbMediaFactory {
  GstRTSPMediaFactory parent;
  RbLiveFeed *feed;
};

G_DEFINE_TYPE (RbMediaFactory, rb_media_factory,
    GST_TYPE_RTSP_MEDIA_FACTORY);

static GstElement *
rb_media_factory_create_element (GstRTSPMediaFactory * factory,
    const GstRTSPUrl * url)
{
  RbMediaFactory *self = RB_MEDIA_FACTORY (factory);
  g_autofree gchar *audio_caps = rb_live_feed_get_audio_caps (self->feed);
  g_autofree gchar *launch = rb_pipeline_publish (audio_caps);

  gst_rtsp_media_factory_set_launch (factory, launch);
  return GST_RTSP_MEDIA_FACTORY_CLASS (rb_media_factory_parent_class)->
      create_element (factory, url);
}

static void
rb_media_factory_finalize (GObject * object)
{
  RbMediaFactory *self = RB_MEDIA_FACTORY (object);

  rb_live_feed_unref (self->feed);
  G_OBJECT_CLASS (rb_media_factory_parent_class)->finalize (object);
}

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
rb_media_factory_on_unprepared (GstRTSPMedia * media, RbMediaLink * link)
{
  if (link->appsrc != NULL) {
    rb_live_feed_remove_appsrc (link->feed, link->appsrc);
    gst_clear_object (&link->appsrc);
  }
}

/* The media's rtpbin maps RTP to NTP time in its sender reports from the
 * buffers' times (the camera's timing, carried through), not from when they
 * were sent: sending follows processing, which varies with the load, and a
 * viewer that syncs its streams by the reports (ffmpeg with audio and video)
 * would otherwise see its video times step back. */
static void
rb_media_factory_on_element_added (GstBin * pipeline, GstElement * element,
    gpointer data)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f != NULL && g_strcmp0 (GST_OBJECT_NAME (f), "rtpbin") == 0)
    g_object_set (element, "rtcp-sync-send-time", FALSE, NULL);
}

/* Each new media of the factory takes the feed from the next key unit on,
 * until it is unprepared. */
static void
rb_media_factory_media_configure (GstRTSPMediaFactory * factory,
    GstRTSPMedia * media)
{
  RbLiveFeed *feed = RB_MEDIA_FACTORY (factory)->feed;
  GstElement *bin = gst_rtsp_media_get_element (media);
  GstElement *appsrc = gst_bin_get_by_name (GST_BIN (bin), "src");
  GstElement *audio_appsrc = gst_bin_get_by_name (GST_BIN (bin), "audio-src");
  GstObject *pipeline = gst_object_get_parent (GST_OBJECT (bin));
  RbMediaLink *link;

  if (pipeline != NULL) {
    g_signal_connect (pipeline, "element-added",
        G_CALLBACK (rb_media_factory_on_element_added), NULL);
    gst_object_unref (pipeline);
  }
  gst_object_unref (bin);
  g_return_if_fail (appsrc != NULL);

  link = g_new0 (RbMediaLink, 1);
  link->feed = rb_live_feed_ref (feed);
  link->appsrc = appsrc;
  rb_live_feed_add_appsrc (feed, appsrc, audio_appsrc);
  gst_clear_object (&audio_appsrc);
  g_signal_connect_data (media, "unprepared",
      G_CALLBACK (rb_media_factory_on_unprepared), link, rb_media_link_free,
      0);
}

static void
rb_media_factory_class_init (RbMediaFactoryClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = rb_media_factory_finalize;
  GST_RTSP_MEDIA_FACTORY_CLASS (klass)->create_element =
      rb_media_factory_create_element;
  GST_RTSP_MEDIA_FACTORY_CLASS (klass)->media_configure =
      rb_media_factory_media_configure;
}

static void
rb_media_factory_init (RbMediaFactory * self)
{
}

/**
 * rb_media_factory_new:
 * @feed: the camera's live feed
 *
 * Returns: (transfer full): a factory whose media take @feed
 */
GstRTSPMediaFactory *
rb_media_factory_new (RbLiveFeed * feed)
{
  RbMediaFactory *self = g_object_new (RB_TYPE_MEDIA_FACTORY, NULL);

  self->feed = rb_live_feed_ref (feed);
  return GST_RTSP_MEDIA_FACTORY (self);
}

/**
 * rb_media_factory_get_feed:
 * @factory: a camera's factory
 *
 * Returns: (transfer none): the camera's live feed
 */
RbLiveFeed *
rb_media_factory_get_feed (RbMediaFactory * factory)
{
  return factory->feed;
}
