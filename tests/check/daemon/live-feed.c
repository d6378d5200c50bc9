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

/* The live feed's timing (daemon/live/rb-live-feed.c): a camera pipeline
 * (appsrcs into the feed's appsinks) feeds a media pipeline (the feed's
 * appsrcs into appsinks), both on the system clock, as in the daemon. A
 * media that starts while the camera's frames arrive later than the feed's
 * delay (a backlog under load) must take them at once, its audio in step;
 * frames on time keep the delay. */

#include <gst/check/gstcheck.h>
#include <gst/app/app.h>

#include "rb-live-feed.h"

#define LATENCY_MS 200
/* the feed's delay: the camera's latency and its processing margin */
#define DELAY (LATENCY_MS * GST_MSECOND + 500 * GST_MSECOND)
#define FRAME (66 * GST_MSECOND)

typedef struct {
  GstElement *camera, *media;
  GstElement *video_in, *audio_in;      /* the camera's appsrcs */
  GstElement *video_got, *audio_got;    /* the media's appsinks */
  RbLiveFeed *feed;
} Fixture;

static GstElement *
by_name (GstElement * pipeline, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  fail_unless (e != NULL, "no %s", name);
  return e;
}

static GstElement *
playing (const gchar * description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstClock *clock = gst_system_clock_obtain ();

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  gst_pipeline_use_clock (GST_PIPELINE (pipeline), clock);
  gst_object_unref (clock);
  return pipeline;
}

static void
wait_playing (GstElement * pipeline)
{
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_get_state (pipeline, NULL, NULL, 5 * GST_SECOND) ==
      GST_STATE_CHANGE_FAILURE);
}

static void
fixture_setup (Fixture * f)
{
  GstElement *video_out, *audio_out, *src, *audio_src;
  GstClock *clock = gst_system_clock_obtain ();
  GstClockTime now = gst_clock_get_time (clock);

  gst_object_unref (clock);
  f->feed = rb_live_feed_new ("cam");

  /* the camera pipeline has run for 60 s: its running time is 60 s */
  f->camera = playing ("appsrc name=vin is-live=true format=time "
      "caps=video/x-h264,stream-format=byte-stream,alignment=au "
      "! appsink name=vout sync=false async=false "
      "appsrc name=ain is-live=true format=time "
      "caps=audio/x-mulaw,rate=8000,channels=1 "
      "! appsink name=aout sync=false async=false");
  gst_element_set_start_time (f->camera, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time (f->camera, now - 60 * GST_SECOND);
  f->video_in = by_name (f->camera, "vin");
  f->audio_in = by_name (f->camera, "ain");
  video_out = by_name (f->camera, "vout");
  audio_out = by_name (f->camera, "aout");
  rb_live_feed_set_appsink (f->feed, video_out, LATENCY_MS);
  rb_live_feed_set_audio_appsink (f->feed, audio_out);
  gst_object_unref (video_out);
  gst_object_unref (audio_out);
  wait_playing (f->camera);

  /* the media starts now */
  f->media = playing ("appsrc name=src is-live=true format=time "
      "! appsink name=vgot sync=false async=false "
      "appsrc name=audio-src is-live=true format=time "
      "! appsink name=agot sync=false async=false");
  wait_playing (f->media);
  f->video_got = by_name (f->media, "vgot");
  f->audio_got = by_name (f->media, "agot");
  src = by_name (f->media, "src");
  audio_src = by_name (f->media, "audio-src");
  rb_live_feed_add_appsrc (f->feed, src, audio_src);
  gst_object_unref (src);
  gst_object_unref (audio_src);
}

static void
fixture_teardown (Fixture * f)
{
  rb_live_feed_clear_appsink (f->feed);
  gst_element_set_state (f->camera, GST_STATE_NULL);
  gst_element_set_state (f->media, GST_STATE_NULL);
  gst_object_unref (f->video_in);
  gst_object_unref (f->audio_in);
  gst_object_unref (f->video_got);
  gst_object_unref (f->audio_got);
  gst_object_unref (f->camera);
  gst_object_unref (f->media);
  rb_live_feed_unref (f->feed);
}

/* @pipeline's running time now */
static GstClockTime
running_time (GstElement * pipeline)
{
  GstClock *clock = gst_system_clock_obtain ();
  GstClockTime t = gst_clock_get_time (clock) -
      gst_element_get_base_time (pipeline);

  gst_object_unref (clock);
  return t;
}

static void
push (GstElement * appsrc, GstClockTime pts, gboolean delta)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, 16, NULL);

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = FRAME;
  if (delta)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc),
          buffer), GST_FLOW_OK);
}

/* the pts of the next buffer the media sends on @appsink, within 2 s */
static GstClockTime
next_pts (GstElement * appsink)
{
  GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (appsink),
      2 * GST_SECOND);
  GstClockTime pts;

  fail_unless (sample != NULL, "the media got no buffer within 2 s");
  pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  fail_unless (GST_CLOCK_TIME_IS_VALID (pts));
  return pts;
}

/* Frames 3 s old (more than the 0.7 s delay) when the media starts: the
 * media takes the first at once, at its start, and the next ones and the
 * audio follow with the camera's spacing. */
GST_START_TEST (test_late_frames_start_at_once)
{
  Fixture f;
  GstClockTime t, start, pts;

  fixture_setup (&f);
  t = running_time (f.camera) - 3 * GST_SECOND;
  push (f.video_in, t, FALSE);
  start = next_pts (f.video_got);
  fail_unless (start <= running_time (f.media), "the first frame is at %"
      GST_TIME_FORMAT ", after the media's time %" GST_TIME_FORMAT,
      GST_TIME_ARGS (start), GST_TIME_ARGS (running_time (f.media)));

  push (f.video_in, t + FRAME, TRUE);
  pts = next_pts (f.video_got);
  fail_unless_equals_uint64 (pts, start + FRAME);

  push (f.audio_in, t + FRAME + 10 * GST_MSECOND, FALSE);
  pts = next_pts (f.audio_got);
  fail_unless_equals_uint64 (pts, start + FRAME + 10 * GST_MSECOND);
  fixture_teardown (&f);
}

GST_END_TEST;

/* Frames on time: the media sends them the delay after they were taken. */
GST_START_TEST (test_on_time_frames_keep_the_delay)
{
  Fixture f;
  GstClockTime t, pts, now;

  fixture_setup (&f);
  t = running_time (f.camera);
  now = running_time (f.media);
  push (f.video_in, t, FALSE);
  pts = next_pts (f.video_got);
  fail_unless (pts >= now + DELAY - 50 * GST_MSECOND &&
      pts <= running_time (f.media) + DELAY, "the frame is at %" GST_TIME_FORMAT
      ", not the delay after the media's %" GST_TIME_FORMAT,
      GST_TIME_ARGS (pts), GST_TIME_ARGS (now));
  fixture_teardown (&f);
}

GST_END_TEST;

/* The audio caps a new media is made with are this camera session's: a
 * session without audio (the camera reconnected without it) makes medias
 * without audio, which do not wait for audio that never comes. */
GST_START_TEST (test_audio_caps_are_the_sessions)
{
  Fixture f;
  gchar *caps;

  fixture_setup (&f);
  fail_unless (rb_live_feed_get_audio_caps (f.feed) == NULL);
  push (f.video_in, running_time (f.camera), FALSE);
  fail_unless (GST_CLOCK_TIME_IS_VALID (next_pts (f.video_got)));
  push (f.audio_in, running_time (f.camera), FALSE);
  fail_unless (GST_CLOCK_TIME_IS_VALID (next_pts (f.audio_got)));
  caps = rb_live_feed_get_audio_caps (f.feed);
  fail_unless (caps != NULL && g_str_has_prefix (caps, "audio/x-mulaw"));
  g_free (caps);
  /* the next session has no audio */
  rb_live_feed_set_audio_appsink (f.feed, NULL);
  fail_unless (rb_live_feed_get_audio_caps (f.feed) == NULL);
  fixture_teardown (&f);
}

GST_END_TEST;

/* A delta frame first: nothing until a key frame. */
GST_START_TEST (test_starts_on_a_key_frame)
{
  Fixture f;
  GstClockTime t;
  GstSample *sample;

  fixture_setup (&f);
  t = running_time (f.camera);
  push (f.video_in, t, TRUE);
  push (f.audio_in, t, FALSE);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (f.video_got),
      300 * GST_MSECOND);
  fail_unless (sample == NULL, "a delta frame started the media");
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (f.audio_got),
      10 * GST_MSECOND);
  fail_unless (sample == NULL, "audio before the first picture");
  push (f.video_in, t + FRAME, FALSE);
  fail_unless (GST_CLOCK_TIME_IS_VALID (next_pts (f.video_got)));
  fixture_teardown (&f);
}

GST_END_TEST;

static Suite *
live_feed_suite (void)
{
  Suite *s = suite_create ("live-feed");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_late_frames_start_at_once);
  tcase_add_test (tc, test_on_time_frames_keep_the_delay);
  tcase_add_test (tc, test_starts_on_a_key_frame);
  tcase_add_test (tc, test_audio_caps_are_the_sessions);
  return s;
}

GST_CHECK_MAIN (live_feed);
