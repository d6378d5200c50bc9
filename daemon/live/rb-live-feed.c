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
 * delay for 10 s, the mapping is re-anchored once (a jump, logged). A media
 * that starts while the camera's frames arrive later than the delay (a
 * backlog under load) takes them at once: its times are shifted so that
 * its first frame is at its start, audio and video alike. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-live-feed.h"

#include <gst/app/app.h>
#include <gst/video/video.h>

/* Time between two key-unit requests to one encoder: viewers joining
 * within it share one key frame (a wall of monitors opening at once costs
 * a few key frames, not one each), and a new media waits at most this long
 * beyond the encoder's latency for its first frame, while its DESCRIBE
 * holds the network's client thread (rb-publisher.c). */
#define KEY_UNIT_REQUEST_INTERVAL_US (300 * G_TIME_SPAN_MILLISECOND)
/* Added to the camera's latency: what decoding, anonymizing and encoding
 * may take before a frame reaches the media. */
#define PROCESSING_MARGIN (500 * GST_MSECOND)
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
  gboolean anchored;            /* shift is set (the first video buffer) */
  GstClockTime shift;           /* added to the times of both streams */
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
  GstSample *picture;           /* protected by lock: the last anonymized
                                 * frame, raw, or NULL */
  gint64 picture_us;            /* protected by lock: when it was taken */
  RbLiveFeed *sub;              /* the sub-stream's feed, or NULL; set
                                 * before any use */
  gint64 last_sample_mono_us;   /* protected by lock, monotonic, 0 = none */
  gint64 appsink_set_mono_us;   /* protected by lock, monotonic */
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
  g_clear_pointer (&feed->sub, rb_live_feed_unref);
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

gboolean
rb_live_feed_is_sending (RbLiveFeed * feed, gint64 max_age_us)
{
  gboolean sending;

  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&feed->lock);
  sending = feed->appsink != NULL && feed->last_sample_mono_us != 0
      && feed->last_sample_mono_us >= feed->appsink_set_mono_us
      && now - feed->last_sample_mono_us <= max_age_us;
  g_mutex_unlock (&feed->lock);
  return sending;
}

gboolean
rb_live_feed_get_video_size (RbLiveFeed * feed, guint * width,
    guint * height)
{
  gint w = 0, h = 0;

  g_mutex_lock (&feed->lock);
  if (feed->caps != NULL && gst_caps_get_size (feed->caps) > 0) {
    GstStructure *st = gst_caps_get_structure (feed->caps, 0);

    gst_structure_get_int (st, "width", &w);
    gst_structure_get_int (st, "height", &h);
  }
  g_mutex_unlock (&feed->lock);
  *width = MAX (w, 0);
  *height = MAX (h, 0);
  return w > 0 && h > 0;
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

void
rb_live_feed_want_key_unit (RbLiveFeed * feed)
{
  GstElement *key_unit_from;

  g_mutex_lock (&feed->lock);
  key_unit_from = rb_live_feed_want_key_unit_locked (feed);
  g_mutex_unlock (&feed->lock);
  if (key_unit_from != NULL) {
    rb_live_feed_request_key_unit (key_unit_from);
    gst_object_unref (key_unit_from);
  }
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
  if (!GST_CLOCK_TIME_IS_VALID (abs) || abs + delay < base_time)
    return FALSE;
  pts = abs + delay - base_time;
  dts = GST_CLOCK_TIME_IS_VALID (abs_dts) && abs_dts + delay >= base_time ?
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

/* Sets @sink's shift from its first video buffer (absolute time @abs):
 * none when the buffer is on time for the media, else what puts it at the
 * media's start. Returns FALSE when the media cannot take buffers yet (not
 * PLAYING), or @abs is not known. */
static gboolean
rb_feed_sink_anchor (RbFeedSink * sink, GstClockTime abs, GstClockTime delay)
{
  GstClock *clock;
  GstClockTime base_time;

  if (sink->anchored)
    return TRUE;
  if (!GST_CLOCK_TIME_IS_VALID (abs))
    return FALSE;
  clock = gst_element_get_clock (sink->video.appsrc);
  if (clock == NULL)
    return FALSE;
  gst_object_unref (clock);
  base_time = gst_element_get_base_time (sink->video.appsrc);
  sink->shift = abs + delay > base_time ? 0 : base_time - (abs + delay);
  sink->anchored = TRUE;
  return TRUE;
}

static GstClockTime
rb_shifted (GstClockTime t, GstClockTime shift)
{
  return GST_CLOCK_TIME_IS_VALID (t) ? t + shift : GST_CLOCK_TIME_NONE;
}

/* The next sample of @appsink, with its buffer and caps; NULL when there
 * is nothing to push, *@ret being what the callback returns then: EOS at
 * the end, OK for a sample without buffer or caps (dropped). */
static GstSample *
rb_live_feed_pull (GstAppSink * appsink, GstBuffer ** buffer,
    GstCaps ** caps, GstFlowReturn * ret)
{
  GstSample *sample = gst_app_sink_pull_sample (appsink);

  *ret = sample ? GST_FLOW_OK : GST_FLOW_EOS;
  if (sample == NULL)
    return NULL;
  *buffer = gst_sample_get_buffer (sample);
  *caps = gst_sample_get_caps (sample);
  if (*buffer == NULL || *caps == NULL) {
    gst_sample_unref (sample);
    return NULL;
  }
  return sample;
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
  GstFlowReturn ret;
  gboolean is_delta;
  GList *l;

  sample = rb_live_feed_pull (appsink, &buffer, &caps, &ret);
  if (sample == NULL)
    return ret;
  is_delta = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  abs = rb_sample_abs_time (sample, GST_ELEMENT (appsink),
      GST_BUFFER_PTS (buffer));
  abs_dts = rb_sample_abs_time (sample, GST_ELEMENT (appsink),
      GST_BUFFER_DTS (buffer));

  g_mutex_lock (&feed->lock);
  feed->samples++;
  feed->last_sample_us = g_get_real_time ();
  feed->last_sample_mono_us = g_get_monotonic_time ();
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
    sink->need_key_unit = !rb_feed_sink_anchor (sink, abs, feed->delay) ||
        !rb_feed_stream_push (&sink->video, caps, buffer,
        rb_shifted (abs, sink->shift), rb_shifted (abs_dts, sink->shift),
        feed->delay);
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
  GstBuffer *buffer;
  GstCaps *caps;
  GstClockTime abs;
  GstFlowReturn ret;
  GstSample *sample = rb_live_feed_pull (appsink, &buffer, &caps, &ret);

  if (sample == NULL)
    return ret;
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
      rb_feed_stream_push (&sink->audio, caps, buffer,
          rb_shifted (abs, sink->shift), GST_CLOCK_TIME_NONE, feed->delay);
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
  feed->last_sample_mono_us = 0;
  feed->appsink_set_mono_us = g_get_monotonic_time ();
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
  /* a new camera session: its audio, if any, sets them again at its first
   * sample. Until then a new media carries no audio: one that waited for
   * audio that does not come (a camera that reconnected without it) would
   * hold its DESCRIBE, and the network's other clients, for 20 s. */
  gst_clear_caps (&feed->audio_caps);
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
  gst_clear_caps (&feed->audio_caps);
  /* the camera's stream is over: no snapshot of it */
  g_clear_pointer (&feed->picture, gst_sample_unref);
  g_mutex_unlock (&feed->lock);
  if (feed->sub != NULL)
    rb_live_feed_clear_appsink (feed->sub);
  if (appsink != NULL)
    rb_live_feed_disconnect (appsink);
  if (audio_appsink != NULL)
    rb_live_feed_disconnect (audio_appsink);
}

void
rb_live_feed_add_appsrc (RbLiveFeed * feed, GstElement * appsrc,
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

void
rb_live_feed_remove_appsrc (RbLiveFeed * feed, GstElement * appsrc)
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

/* ---- the last anonymized frame, for snapshots ---- */

static GstPadProbeReturn
rb_live_feed_picture_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer data)
{
  RbLiveFeed *feed = data;
  gint64 now = g_get_monotonic_time ();
  GstCaps *caps;
  GstBuffer *copy;
  GstSample *sample;

  g_mutex_lock (&feed->lock);
  if (feed->picture != NULL && now - feed->picture_us <
      RB_LIVE_FEED_PICTURE_INTERVAL_US) {
    g_mutex_unlock (&feed->lock);
    return GST_PAD_PROBE_OK;
  }
  feed->picture_us = now;
  g_mutex_unlock (&feed->lock);
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    return GST_PAD_PROBE_OK;
  /* a copy: a frame of the upstream pool held here would starve it */
  copy = gst_buffer_copy_deep (GST_PAD_PROBE_INFO_BUFFER (info));
  sample = gst_sample_new (copy, caps, NULL, NULL);
  gst_buffer_unref (copy);
  gst_caps_unref (caps);
  g_mutex_lock (&feed->lock);
  g_clear_pointer (&feed->picture, gst_sample_unref);
  feed->picture = sample;
  g_mutex_unlock (&feed->lock);
  return GST_PAD_PROBE_OK;
}

/**
 * rb_live_feed_watch_pictures:
 * @feed: a feed
 * @pad: where the camera's anonymized frames pass, raw (the encoder's sink
 *   pad: after headblur and the overlay, never before)
 *
 * Keeps a copy of a frame through @pad, one every
 * RB_LIVE_FEED_PICTURE_INTERVAL_US, for rb_live_feed_get_picture(), until
 * rb_live_feed_clear_appsink().
 */
void
rb_live_feed_watch_pictures (RbLiveFeed * feed, GstPad * pad)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      rb_live_feed_picture_probe, rb_live_feed_ref (feed),
      (GDestroyNotify) rb_live_feed_unref);
}

/**
 * rb_live_feed_get_picture:
 * @feed: a feed
 *
 * Returns: (transfer full) (nullable): the camera's last anonymized frame
 * (raw video), or %NULL when its stream has none (not started, or over).
 */
GstSample *
rb_live_feed_get_picture (RbLiveFeed * feed)
{
  GstSample *sample;

  g_mutex_lock (&feed->lock);
  sample = feed->picture ? gst_sample_ref (feed->picture) : NULL;
  g_mutex_unlock (&feed->lock);
  return sample;
}

/**
 * rb_live_feed_add_sub:
 * @feed: a camera's feed, before any use
 *
 * Gives @feed a second feed, for the camera's sub-stream (the same
 * anonymized frames, smaller: rb_pipeline_camera()'s sub-sink). It is
 * cleared with @feed.
 *
 * Returns: (transfer none): the sub-stream's feed
 */
RbLiveFeed *
rb_live_feed_add_sub (RbLiveFeed * feed)
{
  g_autofree gchar *name = g_strdup_printf ("%s/sub", feed->camera);

  g_return_val_if_fail (feed->sub == NULL, feed->sub);
  feed->sub = rb_live_feed_new (name);
  return feed->sub;
}

/**
 * rb_live_feed_get_sub:
 * @feed: a camera's feed
 *
 * Returns: (transfer none) (nullable): its sub-stream's feed, or %NULL
 */
RbLiveFeed *
rb_live_feed_get_sub (RbLiveFeed * feed)
{
  return feed->sub;
}
