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

/* Live publishing: the encoded, anonymized stream of each camera (and its
 * audio, with audio=keep, as the camera sent it) leaves its camera
 * pipeline through appsinks and enters one shared RTSP media per network
 * through appsrcs. Encoding happens once per camera; each network payloads
 * it once, however many viewers it has.
 *
 * A media that joins waits for a key unit (and asks the encoder for one), so
 * a viewer never starts on a delta frame.
 *
 * Timing is the camera's: a buffer's running time in the camera pipeline
 * plus that pipeline's base time is its absolute time on the system clock,
 * which the media pipelines share; minus the media's base time, plus a
 * constant delay (the camera's jitter-buffer latency and a processing
 * margin), it is the buffer's time in the media. Frame spacing follows the
 * camera, not processing, audio and video stay in sync, and times keep
 * increasing across camera reconnections (the absolute clock does). The
 * camera's timestamps follow the camera's clock (rtspsrc buffer-mode=none):
 * when frames keep arriving more than a second too old or too new for the
 * delay for 10 s, the mapping is re-anchored once (a jump, logged). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-publisher.h"
#include "rb-access.h"
#include "rb-digest.h"
#include "rb-pipelines.h"
#include "rb-users.h"

#include <gst/app/app.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <gst/video/video.h>
#include <string.h>
#ifdef __linux__
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#endif

/* Seconds between two key-unit requests to one encoder. */
#define KEY_UNIT_REQUEST_INTERVAL_US (1 * G_USEC_PER_SEC)
/* Listen backlog: the default of 5 overflows when many viewers connect at
 * once (PLATFORM.md). */
#define LISTEN_BACKLOG 128
/* Added to the camera's latency: what decoding, anonymizing and encoding
 * may take before a frame reaches the media. */
#define PROCESSING_MARGIN (500 * GST_MSECOND)
/* A viewer is dropped when, for SLOW_VIEWER_S in a row, its connection
 * holds more than SLOW_VIEWER_QUEUE_BYTES not yet taken by the client (it
 * is seconds behind live), or holds data while the client acknowledges
 * nothing (it stopped reading). It never stalls the others meanwhile: the
 * media is shared, and gst-rtsp-server queues each TCP viewer's data in
 * its own backlog and drops the viewer's transport when that is full. */
#define SLOW_VIEWER_QUEUE_BYTES (1024 * 1024)
#define SLOW_VIEWER_S 10
/* How long frames must keep arriving too old or too new before the live
 * timing is re-anchored (a camera clock drifts by ppm, slowly). */
#define DRIFT_PERSISTENCE_US (10 * G_USEC_PER_SEC)

/* One stream (video or audio) of one media. */
typedef struct {
  GstElement *appsrc;
  gboolean caps_set;
  GstClockTime last_pts;        /* last time pushed, media time, or NONE */
  GstClockTime offset;          /* added after a jump back, see push() */
} RbFeedStream;

typedef struct {
  RbFeedStream video;
  RbFeedStream audio;           /* appsrc NULL: the media has no audio */
  gboolean need_key_unit;
} RbFeedSink;

struct _RbLiveFeed {
  gatomicrefcount refcount;
  gchar *camera;

  GMutex lock;
  GstElement *appsink;          /* protected by lock */
  GstElement *audio_appsink;    /* protected by lock */
  GstClockTime delay;           /* protected by lock */
  GstClockTimeDiff correction;  /* protected by lock: added to camera times */
  gint64 drift_since_us;        /* protected by lock: out of range since, 0 */
  GList *sinks;                 /* of RbFeedSink *, protected by lock */
  GstCaps *caps;                /* protected by lock */
  GstCaps *audio_caps;          /* protected by lock; NULL: no audio */
  gint64 last_key_request_us;   /* protected by lock */
  guint64 samples;              /* protected by lock */
  gint64 last_sample_us;        /* protected by lock, wall clock, 0 = none */
};

RbLiveFeed *
rb_live_feed_new (const gchar * camera)
{
  RbLiveFeed *feed = g_new0 (RbLiveFeed, 1);

  g_atomic_ref_count_init (&feed->refcount);
  g_mutex_init (&feed->lock);
  feed->camera = g_strdup (camera);
  feed->delay = PROCESSING_MARGIN;
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
  gst_clear_object (&sink->video.appsrc);
  gst_clear_object (&sink->audio.appsrc);
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
  gst_clear_caps (&feed->audio_caps);
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

gint64
rb_live_feed_get_last_sample_time (RbLiveFeed * feed)
{
  gint64 t;

  g_mutex_lock (&feed->lock);
  t = feed->last_sample_us;
  g_mutex_unlock (&feed->lock);
  return t;
}

gchar *
rb_live_feed_get_audio_caps (RbLiveFeed * feed)
{
  gchar *caps;

  g_mutex_lock (&feed->lock);
  caps = feed->audio_caps ? gst_caps_to_string (feed->audio_caps) : NULL;
  g_mutex_unlock (&feed->lock);
  return caps;
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

/* The time of @sample's buffer on the system clock: its running time in
 * the camera pipeline of @appsink plus that pipeline's base time. */
static GstClockTime
rb_sample_abs_time (GstSample * sample, GstElement * appsink,
    GstClockTime ts)
{
  GstSegment *segment = gst_sample_get_segment (sample);
  GstClockTime rt;

  if (!GST_CLOCK_TIME_IS_VALID (ts) || segment == NULL
      || segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts);
  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_CLOCK_TIME_NONE;
  return rt + gst_element_get_base_time (appsink);
}

/* Pushes @buffer (absolute time @abs, @abs_dts) to one stream of a media,
 * in that media's time. Returns FALSE when the media cannot take it yet (not
 * PLAYING) or the buffer is older than the media. */
static gboolean
rb_feed_stream_push (RbFeedStream * stream, GstCaps * caps,
    GstBuffer * buffer, GstClockTime abs, GstClockTime abs_dts,
    GstClockTime delay)
{
  GstClock *clock;
  GstClockTime base_time, pts, dts;
  GstBuffer *copy;

  clock = gst_element_get_clock (stream->appsrc);
  if (clock == NULL)
    return FALSE;               /* not PLAYING yet */
  gst_object_unref (clock);
  base_time = gst_element_get_base_time (stream->appsrc);
  if (!GST_CLOCK_TIME_IS_VALID (abs) || abs + delay <= base_time)
    return FALSE;
  pts = abs + delay - base_time;
  dts = GST_CLOCK_TIME_IS_VALID (abs_dts) && abs_dts + delay > base_time ?
      abs_dts + delay - base_time : pts;
  /* never backwards (a camera reconnected, a clock jump): from then on
   * everything is shifted to continue just after the last buffer */
  pts += stream->offset;
  dts += stream->offset;
  if (GST_CLOCK_TIME_IS_VALID (stream->last_pts) && dts <= stream->last_pts) {
    GstClockTime step = GST_BUFFER_DURATION_IS_VALID (buffer) ?
        GST_BUFFER_DURATION (buffer) : 10 * GST_MSECOND;
    GstClockTime shift = stream->last_pts + step - dts;

    stream->offset += shift;
    dts += shift;
    pts += shift;
  }
  stream->last_pts = dts;

  if (!stream->caps_set) {
    gst_app_src_set_caps (GST_APP_SRC (stream->appsrc), caps);
    stream->caps_set = TRUE;
  }
  copy = gst_buffer_copy (buffer);      /* shares the memory */
  GST_BUFFER_PTS (copy) = pts;
  GST_BUFFER_DTS (copy) = dts;
  gst_app_src_push_buffer (GST_APP_SRC (stream->appsrc), copy);
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
  GstClockTime abs, abs_dts;
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
  abs = rb_sample_abs_time (sample, GST_ELEMENT (appsink),
      GST_BUFFER_PTS (buffer));
  abs_dts = rb_sample_abs_time (sample, GST_ELEMENT (appsink),
      GST_BUFFER_DTS (buffer));

  g_mutex_lock (&feed->lock);
  feed->samples++;
  feed->last_sample_us = g_get_real_time ();
  if (GST_CLOCK_TIME_IS_VALID (abs)) {
    GstClock *clock = gst_element_get_clock (GST_ELEMENT (appsink));

    if (clock != NULL) {
      GstClockTimeDiff age = GST_CLOCK_DIFF (abs + feed->correction,
          gst_clock_get_time (clock));

      /* a backlog (start-up, a burst) passes; a drift stays */
      if (age >= -GST_SECOND && age <= (GstClockTimeDiff) feed->delay +
          GST_SECOND) {
        feed->drift_since_us = 0;
      } else if (feed->drift_since_us == 0) {
        feed->drift_since_us = g_get_monotonic_time ();
      } else if (g_get_monotonic_time () - feed->drift_since_us >
          DRIFT_PERSISTENCE_US) {
        GstClockTimeDiff shift = age - (GstClockTimeDiff) feed->delay / 2;

        feed->correction += shift;
        feed->drift_since_us = 0;
        g_message ("camera %s: its clock drifted; live timing re-anchored "
            "by %+.0f ms", feed->camera, shift / 1e6);
      }
      gst_object_unref (clock);
    }
    abs += feed->correction;
    if (GST_CLOCK_TIME_IS_VALID (abs_dts))
      abs_dts += feed->correction;
  }
  if (feed->caps == NULL || !gst_caps_is_equal (feed->caps, caps)) {
    if (feed->caps != NULL) {
      g_autofree gchar *text = gst_caps_to_string (caps);

      g_message ("camera %s: the live stream is now %s", feed->camera, text);
    }
    gst_caps_replace (&feed->caps, caps);
    for (l = feed->sinks; l != NULL; l = l->next)
      ((RbFeedSink *) l->data)->video.caps_set = FALSE;
  }
  for (l = feed->sinks; l != NULL; l = l->next) {
    RbFeedSink *sink = l->data;

    if (sink->need_key_unit && is_delta) {
      if (key_unit_from == NULL)
        key_unit_from = rb_live_feed_want_key_unit_locked (feed);
      continue;
    }
    sink->need_key_unit = !rb_feed_stream_push (&sink->video, caps, buffer,
        abs, abs_dts, feed->delay);
  }
  g_mutex_unlock (&feed->lock);

  if (key_unit_from != NULL) {
    rb_live_feed_request_key_unit (key_unit_from);
    gst_object_unref (key_unit_from);
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* Audio, as the camera sent it: to the medias that carry audio and have
 * started their video (so a viewer's first audio is not before its first
 * picture). */
static GstFlowReturn
rb_live_feed_on_new_audio (GstAppSink * appsink, gpointer user_data)
{
  RbLiveFeed *feed = user_data;
  GstSample *sample = gst_app_sink_pull_sample (appsink);
  GstBuffer *buffer;
  GstCaps *caps;
  GstClockTime abs;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  if (buffer == NULL || caps == NULL) {
    gst_sample_unref (sample);
    return GST_FLOW_OK;
  }
  abs = rb_sample_abs_time (sample, GST_ELEMENT (appsink),
      GST_BUFFER_PTS (buffer));
  g_mutex_lock (&feed->lock);
  if (GST_CLOCK_TIME_IS_VALID (abs))
    abs += feed->correction;
  if (feed->audio_caps == NULL || !gst_caps_is_equal (feed->audio_caps,
          caps)) {
    gst_caps_replace (&feed->audio_caps, caps);
    for (GList * l = feed->sinks; l != NULL; l = l->next)
      ((RbFeedSink *) l->data)->audio.caps_set = FALSE;
  }
  for (GList * l = feed->sinks; l != NULL; l = l->next) {
    RbFeedSink *sink = l->data;

    if (sink->audio.appsrc != NULL && !sink->need_key_unit)
      rb_feed_stream_push (&sink->audio, caps, buffer, abs,
          GST_CLOCK_TIME_NONE, feed->delay);
  }
  g_mutex_unlock (&feed->lock);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static void
rb_live_feed_connect (RbLiveFeed * feed, GstElement * appsink,
    GstFlowReturn (*on_sample) (GstAppSink *, gpointer))
{
  GstAppSinkCallbacks callbacks = { NULL, };

  callbacks.new_sample = on_sample;
  g_object_set (appsink, "emit-signals", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks,
      rb_live_feed_ref (feed), (GDestroyNotify) rb_live_feed_unref);
}

void
rb_live_feed_set_appsink (RbLiveFeed * feed, GstElement * appsink,
    guint latency_ms)
{
  rb_live_feed_connect (feed, appsink, rb_live_feed_on_new_sample);
  g_mutex_lock (&feed->lock);
  gst_object_replace ((GstObject **) & feed->appsink, GST_OBJECT (appsink));
  feed->delay = latency_ms * GST_MSECOND + PROCESSING_MARGIN;
  feed->correction = 0;         /* a new camera session */
  feed->drift_since_us = 0;
  feed->last_key_request_us = 0;
  for (GList * l = feed->sinks; l != NULL; l = l->next)
    ((RbFeedSink *) l->data)->need_key_unit = TRUE;
  g_mutex_unlock (&feed->lock);
}

void
rb_live_feed_set_audio_appsink (RbLiveFeed * feed, GstElement * appsink)
{
  if (appsink != NULL)
    rb_live_feed_connect (feed, appsink, rb_live_feed_on_new_audio);
  g_mutex_lock (&feed->lock);
  gst_object_replace ((GstObject **) & feed->audio_appsink,
      (GstObject *) appsink);
  g_mutex_unlock (&feed->lock);
}

static void
rb_live_feed_disconnect (GstElement * appsink)
{
  GstAppSinkCallbacks callbacks = { NULL, };

  /* drops the reference the callbacks held on the feed */
  gst_app_sink_set_callbacks (GST_APP_SINK (appsink), &callbacks, NULL, NULL);
  gst_object_unref (appsink);
}

void
rb_live_feed_clear_appsink (RbLiveFeed * feed)
{
  GstElement *appsink, *audio_appsink;

  g_mutex_lock (&feed->lock);
  appsink = g_steal_pointer (&feed->appsink);
  audio_appsink = g_steal_pointer (&feed->audio_appsink);
  g_mutex_unlock (&feed->lock);
  if (appsink != NULL)
    rb_live_feed_disconnect (appsink);
  if (audio_appsink != NULL)
    rb_live_feed_disconnect (audio_appsink);
}

static void
rb_live_feed_add_media (RbLiveFeed * feed, GstElement * appsrc,
    GstElement * audio_appsrc)
{
  RbFeedSink *sink = g_new0 (RbFeedSink, 1);
  GstElement *key_unit_from;

  sink->video.appsrc = gst_object_ref (appsrc);
  sink->video.last_pts = GST_CLOCK_TIME_NONE;
  if (audio_appsrc != NULL)
    sink->audio.appsrc = gst_object_ref (audio_appsrc);
  sink->audio.last_pts = GST_CLOCK_TIME_NONE;
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
rb_live_feed_remove_media (RbLiveFeed * feed, GstElement * appsrc)
{
  g_mutex_lock (&feed->lock);
  for (GList * l = feed->sinks; l != NULL; l = l->next) {
    RbFeedSink *sink = l->data;

    if (sink->video.appsrc == appsrc) {
      feed->sinks = g_list_delete_link (feed->sinks, l);
      rb_feed_sink_free (sink);
      break;
    }
  }
  g_mutex_unlock (&feed->lock);
}

/* Issue 8: other consumers than RTSP medias (HLS packagers). */
void
rb_live_feed_add_appsrc (RbLiveFeed * feed, GstElement * appsrc)
{
  rb_live_feed_add_media (feed, appsrc, NULL);
}

void
rb_live_feed_remove_appsrc (RbLiveFeed * feed, GstElement * appsrc)
{
  rb_live_feed_remove_media (feed, appsrc);
}

/* ---- publisher ---- */

struct _RbPublisher {
  gchar *name;
  gchar *address;
  guint port;
  guint max_connections;
  guint max_per_client;
  guint idle_timeout_s;
  GstRTSPServer *server;
  GSource *source;
  gboolean tls;                 /* rtsps:// */
  gchar **cameras;              /* served cameras, NULL: all */
  guint max_viewers;            /* 0: no limit of its own */
  GstRTSPLowerTrans protocols;  /* what viewers may use */
  GstRTSPAddressPool *pool;     /* udp-ports, NULL without UDP */
  guint slow_check_source;

  /* main context */
  guint connections;
  GHashTable *per_client;       /* client address → count (guint) */
  RbAccess *access;             /* allow=, refusals, wrong credentials */
  guint64 dropped_slow;         /* viewers dropped for being too slow */
  guint viewers;                /* connections that asked for a stream */
};

/* One client connection, for the limits. */
typedef struct {
  RbPublisher *publisher;
  gchar *address;
  guint idle_source;
  gboolean active;              /* sent a request */
  gboolean viewing;             /* set up a stream */
  gint64 behind_since_us;       /* monotonic; 0: keeping up */
  guint64 acked;                /* bytes the client acknowledged */
} RbClientInfo;

/* The media factory of one camera on one network: its media carry the
 * camera's audio when the feed has some (audio=keep and the camera sends
 * audio), else video only. */
#define RB_TYPE_MEDIA_FACTORY (rb_media_factory_get_type ())
G_DECLARE_FINAL_TYPE (RbMediaFactory, rb_media_factory, RB, MEDIA_FACTORY,
    GstRTSPMediaFactory);

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

static void
rb_media_factory_class_init (RbMediaFactoryClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = rb_media_factory_finalize;
  GST_RTSP_MEDIA_FACTORY_CLASS (klass)->create_element =
      rb_media_factory_create_element;
}

static void
rb_media_factory_init (RbMediaFactory * self)
{
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
rb_publisher_on_unprepared (GstRTSPMedia * media, RbMediaLink * link)
{
  if (link->appsrc != NULL) {
    rb_live_feed_remove_media (link->feed, link->appsrc);
    gst_clear_object (&link->appsrc);
  }
}

/* The media's rtpbin maps RTP to NTP time in its sender reports from the
 * buffers' times (the camera's timing, carried through), not from when they
 * were sent: sending follows processing, which varies with the load, and a
 * viewer that syncs its streams by the reports (ffmpeg with audio and video)
 * would otherwise see its video times step back. */
static void
rb_publisher_on_media_element_added (GstBin * pipeline, GstElement * element,
    gpointer data)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f != NULL && g_strcmp0 (GST_OBJECT_NAME (f), "rtpbin") == 0)
    g_object_set (element, "rtcp-sync-send-time", FALSE, NULL);
}

static void
rb_publisher_on_media_configure (GstRTSPMediaFactory * factory,
    GstRTSPMedia * media, RbLiveFeed * feed)
{
  GstElement *bin = gst_rtsp_media_get_element (media);
  GstElement *appsrc = gst_bin_get_by_name (GST_BIN (bin), "src");
  GstElement *audio_appsrc = gst_bin_get_by_name (GST_BIN (bin), "audio-src");
  GstObject *pipeline = gst_object_get_parent (GST_OBJECT (bin));
  RbMediaLink *link;

  if (pipeline != NULL) {
    g_signal_connect (pipeline, "element-added",
        G_CALLBACK (rb_publisher_on_media_element_added), NULL);
    gst_object_unref (pipeline);
  }
  gst_object_unref (bin);
  g_return_if_fail (appsrc != NULL);

  link = g_new0 (RbMediaLink, 1);
  link->feed = rb_live_feed_ref (feed);
  link->appsrc = appsrc;
  rb_live_feed_add_media (feed, appsrc, audio_appsrc);
  gst_clear_object (&audio_appsrc);
  g_signal_connect_data (media, "unprepared",
      G_CALLBACK (rb_publisher_on_unprepared), link, rb_media_link_free, 0);
}

static void
rb_client_info_free (RbClientInfo * info)
{
  RbPublisher *p = info->publisher;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (p->per_client,
          info->address));

  if (info->idle_source)
    g_source_remove (info->idle_source);
  if (n > 1)
    g_hash_table_insert (p->per_client, g_strdup (info->address),
        GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_remove (p->per_client, info->address);
  p->connections--;
  if (info->viewing)
    p->viewers--;
  g_free (info->address);
  g_free (info);
}

static void
rb_publisher_on_client_closed (GstRTSPClient * client, RbClientInfo * info)
{
  g_object_set_data (G_OBJECT (client), "rb-client-info", NULL);
}

/* A connection that sent no request within idle-timeout is closed: idle
 * connections must not eat the file descriptors. */
static gboolean
rb_publisher_on_idle_client (gpointer data)
{
  GstRTSPClient *client = data;
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  if (info != NULL) {
    info->idle_source = 0;
    if (!info->active) {
      GST_INFO ("network %s: closing idle connection from %s",
          info->publisher->name, info->address);
      gst_rtsp_client_close (client);
    }
  }
  return G_SOURCE_REMOVE;
}

static void
rb_publisher_on_request (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  if (info != NULL)
    info->active = TRUE;
}

static void
rb_publisher_on_setup (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  if (info != NULL) {
    info->active = TRUE;
    if (!info->viewing) {
      info->viewing = TRUE;
      info->publisher->viewers++;
    }
  }
}

/* max-viewers: a client that sets up its first stream beyond it is
 * answered 503 (before anything is set up for it). */
static GstRTSPStatusCode
rb_publisher_on_pre_setup (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  if (info == NULL || info->viewing || info->publisher->max_viewers == 0
      || info->publisher->viewers < info->publisher->max_viewers)
    return GST_RTSP_STS_OK;
  rb_access_refuse (info->publisher->access, info->address,
      "max-viewers reached");
  return GST_RTSP_STS_SERVICE_UNAVAILABLE;
}

/* Whether a new connection from @address is let in: checked by the server
 * before it creates a client for it (GST_RTSP_AUTH_CHECK_CONNECT), so a
 * refused connection costs nothing but its accept. */
static gboolean
rb_publisher_may_connect (RbPublisher * p, const gchar * address)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (p->per_client, address));

  if (!rb_access_admit (p->access, address))
    return FALSE;
  if (p->connections >= p->max_connections) {
    rb_access_refuse (p->access, address, "max-connections reached");
    return FALSE;
  }
  if (n >= p->max_per_client) {
    rb_access_refuse (p->access, address, "max-connections-per-client "
        "reached");
    return FALSE;
  }
  return TRUE;
}

/* The authorization of a network's listener: the allow list and the
 * connection limits at connect time (then TLS, by GstRTSPAuth), and users
 * for every request unless auth=none.
 *
 * GstRTSPAuth's own digest needs clear-text passwords (or its own htdigest
 * reader); the credentials are checked by rb-digest.c instead, the same
 * check as the HTTP listener's (rb-http-auth.c): against the HA1 of the
 * users file, replay-safe (nonces remembered per listener, with a short
 * lifetime, nc tracked with qop, the nonce bound to its connection without
 * qop, the digest's uri compared with the request line's). Each
 * GstRTSPClient (one connection) gets a connection id of rb-digest's. The
 * challenge offers qop="auth"; answers without qop are accepted (RFC 2069
 * clients: rtspsrc). Basic (auth=basic, TLS only) is accepted too then. */
#define RB_TYPE_RTSP_AUTH (rb_rtsp_auth_get_type ())
G_DECLARE_FINAL_TYPE (RbRtspAuth, rb_rtsp_auth, RB, RTSP_AUTH, GstRTSPAuth);

struct _RbRtspAuth {
  GstRTSPAuth parent;
  RbPublisher *publisher;       /* not owned: the publisher owns us */
  RbNetworkAuth mode;
  RbDigest *digest;             /* NULL with auth=none */
  GstRTSPToken *token;          /* given to authenticated requests */
};

G_DEFINE_TYPE (RbRtspAuth, rb_rtsp_auth, GST_TYPE_RTSP_AUTH);

/* Sends 401 with our challenges. */
static void
rb_rtsp_auth_send_unauthorized (RbRtspAuth * self, GstRTSPContext * ctx,
    guint64 connection, gboolean stale)
{
  g_autofree gchar *digest = rb_digest_challenge (self->digest, connection,
      stale);

  gst_rtsp_message_init_response (ctx->response, GST_RTSP_STS_UNAUTHORIZED,
      gst_rtsp_status_as_text (GST_RTSP_STS_UNAUTHORIZED), ctx->request);
  gst_rtsp_message_add_header (ctx->response, GST_RTSP_HDR_WWW_AUTHENTICATE,
      digest);
  if (self->mode == RB_NETWORK_AUTH_BASIC) {
    g_autofree gchar *basic = rb_digest_basic_challenge (self->digest);

    gst_rtsp_message_add_header (ctx->response,
        GST_RTSP_HDR_WWW_AUTHENTICATE, basic);
  }
  gst_rtsp_client_send_message (ctx->client, ctx->session, ctx->response);
}

/* Authenticates the request of @ctx, or answers 401 and returns FALSE. */
static gboolean
rb_rtsp_auth_ensure (RbRtspAuth * self, GstRTSPContext * ctx)
{
  const gchar *ip = ctx->conn ? gst_rtsp_connection_get_ip (ctx->conn) : NULL;
  const gchar *uri = NULL;
  g_autoptr (GPtrArray) authorizations = g_ptr_array_new ();
  g_autofree gchar *who = NULL;
  RbDigestResult r;
  gchar *value;

  if (ctx->token != NULL)
    return TRUE;
  if (ctx->request && ctx->request->type == GST_RTSP_MESSAGE_REQUEST)
    uri = ctx->request->type_data.request.uri;
  for (gint i = 0; ctx->request && gst_rtsp_message_get_header (ctx->request,
          GST_RTSP_HDR_AUTHORIZATION, &value, i) == GST_RTSP_OK; i++)
    g_ptr_array_add (authorizations, value);
  g_ptr_array_add (authorizations, NULL);
  r = rb_digest_check_request (self->digest,
      (const gchar * const *) authorizations->pdata,
      gst_rtsp_method_as_text (ctx->method), uri, G_OBJECT (ctx->client),
      &who);
  if (r == RB_DIGEST_OK) {
    ctx->token = self->token;   /* borrowed, as GstRTSPAuth does */
    return TRUE;
  }
  if (r == RB_DIGEST_DENIED)
    rb_access_refuse_credentials (self->publisher->access, ip, who);
  rb_rtsp_auth_send_unauthorized (self, ctx,
      rb_digest_connection_of (self->digest, G_OBJECT (ctx->client)),
      r == RB_DIGEST_STALE);
  return FALSE;
}

static gboolean
rb_rtsp_auth_check (GstRTSPAuth * auth, GstRTSPContext * ctx,
    const gchar * check)
{
  RbRtspAuth *self = RB_RTSP_AUTH (auth);

  if (g_str_equal (check, GST_RTSP_AUTH_CHECK_CONNECT)) {
    const gchar *ip = ctx->conn ? gst_rtsp_connection_get_ip (ctx->conn) :
        NULL;

    if (!rb_publisher_may_connect (self->publisher, ip ? ip : "unknown"))
      return FALSE;
    /* GstRTSPAuth sets up TLS on the connection */
    return GST_RTSP_AUTH_CLASS (rb_rtsp_auth_parent_class)->check (auth, ctx,
        check);
  }
  /* viewers never choose where the server sends media (GstRTSPAuth's
   * default without a token that allows it) */
  if (g_str_equal (check, GST_RTSP_AUTH_CHECK_TRANSPORT_CLIENT_SETTINGS))
    return FALSE;
  if (self->mode == RB_NETWORK_AUTH_NONE)
    return TRUE;
  /* the URL check comes first for every request; the media checks follow
   * with the token it left */
  return rb_rtsp_auth_ensure (self, ctx);
}

static void
rb_rtsp_auth_finalize (GObject * object)
{
  RbRtspAuth *self = RB_RTSP_AUTH (object);

  g_clear_pointer (&self->digest, rb_digest_unref);
  gst_rtsp_token_unref (self->token);
  G_OBJECT_CLASS (rb_rtsp_auth_parent_class)->finalize (object);
}

static void
rb_rtsp_auth_class_init (RbRtspAuthClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = rb_rtsp_auth_finalize;
  GST_RTSP_AUTH_CLASS (klass)->check = rb_rtsp_auth_check;
}

static void
rb_rtsp_auth_init (RbRtspAuth * self)
{
  self->token = gst_rtsp_token_new_empty ();
}

static void
rb_publisher_on_client_connected (GstRTSPServer * server,
    GstRTSPClient * client, RbPublisher * p)
{
  GstRTSPConnection *conn = gst_rtsp_client_get_connection (client);
  const gchar *ip = conn ? gst_rtsp_connection_get_ip (conn) : NULL;
  g_autofree gchar *address = g_strdup (ip ? ip : "unknown");
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (p->per_client, address));
  RbClientInfo *info;

  info = g_new0 (RbClientInfo, 1);
  info->publisher = p;
  info->address = g_steal_pointer (&address);
  p->connections++;
  g_hash_table_insert (p->per_client, g_strdup (info->address),
      GUINT_TO_POINTER (n + 1));
  g_object_set_data_full (G_OBJECT (client), "rb-client-info", info,
      (GDestroyNotify) rb_client_info_free);
  info->idle_source = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT,
      p->idle_timeout_s, rb_publisher_on_idle_client,
      g_object_ref (client), g_object_unref);
  g_signal_connect (client, "closed",
      G_CALLBACK (rb_publisher_on_client_closed), info);
  g_signal_connect (client, "options-request",
      G_CALLBACK (rb_publisher_on_request), NULL);
  g_signal_connect (client, "describe-request",
      G_CALLBACK (rb_publisher_on_request), NULL);
  g_signal_connect (client, "get-parameter-request",
      G_CALLBACK (rb_publisher_on_request), NULL);
  g_signal_connect (client, "pre-setup-request",
      G_CALLBACK (rb_publisher_on_pre_setup), NULL);
  g_signal_connect (client, "setup-request",
      G_CALLBACK (rb_publisher_on_setup), NULL);
}

/**
 * rb_publisher_new:
 * @network: the network's configuration
 * @error: return location for an error
 *
 * Builds (does not start) the RTSP server of @network: its users file and
 * TLS certificate are read now.
 *
 * Returns: (transfer full) (nullable): the publisher, or %NULL with @error
 * naming the network and file when the users file or the certificate
 * cannot be read (they were checked when the config was loaded).
 */
RbPublisher *
rb_publisher_new (const RbNetworkConfig * network, GError ** error)
{
  g_autoptr (RbPublisher) publisher = g_new0 (RbPublisher, 1);
  g_autoptr (RbUsers) users = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *label = NULL;
  RbRtspAuth *auth;
  gchar *service;

  if (network->users_file != NULL
      && (users = rb_users_load (network->users_file, &err)) == NULL) {
    g_set_error (error, err->domain, err->code, "network %s: users: %s",
        network->name, err->message);
    return NULL;
  }
  if (network->tls_certificate != NULL && (certificate =
          g_tls_certificate_new_from_files (network->tls_certificate,
              network->tls_key, &err)) == NULL) {
    g_set_error (error, err->domain, err->code, "network %s: "
        "tls-certificate %s, tls-key %s: %s", network->name,
        network->tls_certificate, network->tls_key, err->message);
    return NULL;
  }

  publisher->name = g_strdup (network->name);
  publisher->address = g_strdup (network->address);
  publisher->port = network->port;
  publisher->max_connections = network->max_connections;
  publisher->max_per_client = network->max_connections_per_client;
  publisher->idle_timeout_s = network->idle_timeout_s;
  publisher->cameras = g_strdupv (network->cameras);
  publisher->max_viewers = network->max_viewers;
  publisher->tls = certificate != NULL;
  publisher->protocols = 0;
  if (network->rtsp_transport & RB_RTSP_TRANSPORT_TCP)
    publisher->protocols |= GST_RTSP_LOWER_TRANS_TCP;
  if (network->rtsp_transport & RB_RTSP_TRANSPORT_UDP) {
    gboolean v6 = strchr (network->address, ':') != NULL;

    publisher->protocols |= GST_RTSP_LOWER_TRANS_UDP;
    publisher->pool = gst_rtsp_address_pool_new ();
    gst_rtsp_address_pool_add_range (publisher->pool,
        v6 ? GST_RTSP_ADDRESS_POOL_ANY_IPV6 : GST_RTSP_ADDRESS_POOL_ANY_IPV4,
        v6 ? GST_RTSP_ADDRESS_POOL_ANY_IPV6 : GST_RTSP_ADDRESS_POOL_ANY_IPV4,
        network->udp_port_min, network->udp_port_max, 0);
  }
  publisher->per_client = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  label = g_strdup_printf ("network %s", network->name);
  publisher->access = rb_access_new (label, "connections", network->allow);
  publisher->server = gst_rtsp_server_new ();
  g_signal_connect (publisher->server, "client-connected",
      G_CALLBACK (rb_publisher_on_client_connected), publisher);

  auth = g_object_new (RB_TYPE_RTSP_AUTH, NULL);
  auth->publisher = publisher;
  auth->mode = network->auth;
  if (users != NULL)
    auth->digest = rb_digest_new (g_steal_pointer (&users),
        RB_DIGEST_SCHEME_DIGEST | (network->auth == RB_NETWORK_AUTH_BASIC ?
            RB_DIGEST_SCHEME_BASIC : 0));
  if (certificate != NULL)
    gst_rtsp_auth_set_tls_certificate (GST_RTSP_AUTH (auth), certificate);
  gst_rtsp_server_set_auth (publisher->server, GST_RTSP_AUTH (auth));
  g_object_unref (auth);

  service = g_strdup_printf ("%u", network->port);
  gst_rtsp_server_set_address (publisher->server, network->address);
  gst_rtsp_server_set_service (publisher->server, service);
  gst_rtsp_server_set_backlog (publisher->server, LISTEN_BACKLOG);
  g_free (service);
  return g_steal_pointer (&publisher);
}

static GstRTSPFilterResult
rb_publisher_drop_client (GstRTSPServer * server, GstRTSPClient * client,
    gpointer data)
{
  g_object_set_data (G_OBJECT (client), "rb-client-info", NULL);
  return GST_RTSP_FILTER_REMOVE;
}

void
rb_publisher_free (RbPublisher * publisher)
{
  if (publisher == NULL)
    return;
  /* the client counts live here: the clients go first */
  if (publisher->server != NULL)
    gst_rtsp_server_client_filter (publisher->server,
        rb_publisher_drop_client, NULL);
  if (publisher->slow_check_source)
    g_source_remove (publisher->slow_check_source);
  if (publisher->source != NULL) {
    g_source_destroy (publisher->source);
    g_source_unref (publisher->source);
  }
  gst_clear_object (&publisher->server);
  gst_clear_object (&publisher->pool);
  g_strfreev (publisher->cameras);
  g_clear_pointer (&publisher->per_client, g_hash_table_unref);
  g_clear_pointer (&publisher->access, rb_access_free);
  g_free (publisher->name);
  g_free (publisher->address);
  g_free (publisher);
}

/* Mounts @camera as /CAMERA, when the network serves it (cameras=);
 * returns whether it did. Cameras not mounted answer 404. */
gboolean
rb_publisher_add_camera (RbPublisher * publisher, const gchar * camera,
    RbLiveFeed * feed)
{
  GstRTSPMountPoints *mounts;
  RbMediaFactory *rb_factory;
  GstRTSPMediaFactory *factory;
  gchar *path;

  if (publisher->cameras != NULL
      && !g_strv_contains ((const gchar * const *) publisher->cameras,
          camera))
    return FALSE;
  rb_factory = g_object_new (RB_TYPE_MEDIA_FACTORY, NULL);
  rb_factory->feed = rb_live_feed_ref (feed);
  factory = GST_RTSP_MEDIA_FACTORY (rb_factory);
  gst_rtsp_media_factory_set_shared (factory, TRUE);
  gst_rtsp_media_factory_set_protocols (factory, publisher->protocols);
  if (publisher->pool != NULL)
    gst_rtsp_media_factory_set_address_pool (factory, publisher->pool);
  g_signal_connect_data (factory, "media-configure",
      G_CALLBACK (rb_publisher_on_media_configure), rb_live_feed_ref (feed),
      (GClosureNotify) (void (*)(void)) rb_live_feed_unref, 0);

  mounts = gst_rtsp_server_get_mount_points (publisher->server);
  path = g_strdup_printf ("/%s", camera);
  gst_rtsp_mount_points_add_factory (mounts, path, factory);
  g_free (path);
  g_object_unref (mounts);
  return TRUE;
}

/* Bytes in @client's socket not yet taken by the peer (-1: unknown), and
 * the bytes it acknowledged so far. */
static gint
rb_client_pending_bytes (GstRTSPClient * client, guint64 * acked)
{
#if defined (SIOCOUTQ) && defined (TCP_INFO)
  GstRTSPConnection *conn = gst_rtsp_client_get_connection (client);
  GSocket *socket = conn ? gst_rtsp_connection_get_write_socket (conn) :
      NULL;
  struct tcp_info ti;
  socklen_t len = sizeof (ti);
  int pending = 0;

  *acked = 0;
  if (socket == NULL || ioctl (g_socket_get_fd (socket), SIOCOUTQ,
          &pending) != 0)
    return -1;
  memset (&ti, 0, sizeof (ti));
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &ti,
          &len) == 0)
    *acked = ti.tcpi_bytes_acked;
  return pending;
#else
  *acked = 0;
  return -1;
#endif
}

static GstRTSPFilterResult
rb_publisher_find_slow (GstRTSPServer * server, GstRTSPClient * client,
    gpointer data)
{
  GList **slow = data;
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");
  gint pending;
  guint64 acked;
  gboolean behind, stuck;
  gint64 now = g_get_monotonic_time ();

  if (info == NULL || !info->viewing)
    return GST_RTSP_FILTER_KEEP;
  pending = rb_client_pending_bytes (client, &acked);
  behind = pending >= SLOW_VIEWER_QUEUE_BYTES;
  stuck = pending > 0 && acked != 0 && acked == info->acked;
  info->acked = acked;
  if (!behind && !stuck) {
    info->behind_since_us = 0;
  } else if (info->behind_since_us == 0) {
    info->behind_since_us = now;
  } else if (now - info->behind_since_us >= SLOW_VIEWER_S * G_USEC_PER_SEC) {
    g_message ("network %s: dropping the viewer at %s: %s for %d s "
        "(%d KiB waiting)", info->publisher->name, info->address,
        stuck ? "it takes nothing" : "far behind live", SLOW_VIEWER_S,
        pending / 1024);
    info->publisher->dropped_slow++;
    info->behind_since_us = 0;
    *slow = g_list_prepend (*slow, g_object_ref (client));
  }
  return GST_RTSP_FILTER_KEEP;
}

static gboolean
rb_publisher_check_slow (gpointer data)
{
  RbPublisher *p = data;
  GList *slow = NULL;

  gst_rtsp_server_client_filter (p->server, rb_publisher_find_slow, &slow);
  for (GList * l = slow; l != NULL; l = l->next)
    gst_rtsp_client_close (l->data);
  g_list_free_full (slow, g_object_unref);
  return G_SOURCE_CONTINUE;
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
  publisher->slow_check_source = g_timeout_add_seconds (1,
      rb_publisher_check_slow, publisher);
  return TRUE;
}

/* Whether the listener speaks TLS (rtsps://). */
gboolean
rb_publisher_is_tls (RbPublisher * publisher)
{
  return publisher->tls;
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

/* Connections open now, viewers among them, and connections refused by
 * allow= and the limits (and set-ups refused by max-viewers) since start. */
void
rb_publisher_get_counts (RbPublisher * publisher, guint * connections,
    guint * viewers, guint64 * refused)
{
  *connections = publisher->connections;
  *viewers = publisher->viewers;
  rb_access_get_counts (publisher->access, refused, NULL);
}

void
rb_publisher_get_access_counts (RbPublisher * publisher,
    guint64 * auth_failures, guint64 * dropped_slow)
{
  rb_access_get_counts (publisher->access, NULL, auth_failures);
  *dropped_slow = publisher->dropped_slow;
}
