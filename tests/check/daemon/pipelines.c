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

/* The launcher's pipelines (daemon/rb-pipelines.c) are what
 * pipelines/ *.txt show, and they parse with the elements installed. */

#include <gst/check/gstcheck.h>
#include <string.h>

#include "rb-config.h"
#include "rb-pipelines.h"
#include "rb-wallclock.h"

#define PIPELINES_DIR GST_TEST_FILES_PATH "/../../pipelines"

/* The text of pipelines/@name with comments dropped, line continuations
 * joined and white space collapsed. */
static gchar *
read_normalized (const gchar * name)
{
  g_autofree gchar *dir = g_canonicalize_filename (PIPELINES_DIR, NULL);
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  GString *out = g_string_new (NULL);

  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "%s", path);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    gchar *l = g_strstrip (lines[i]);
    gsize n = strlen (l);

    if (l[0] == '#')
      continue;
    if (n > 0 && l[n - 1] == '\\')
      l[n - 1] = ' ';
    g_string_append_printf (out, "%s ", l);
  }
  return g_string_free (out, FALSE);
}

static gchar *
collapse (const gchar * text)
{
  g_auto (GStrv) words = g_strsplit_set (text, " \t\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i]; i++)
    if (words[i][0] != '\0')
      g_string_append_printf (out, "%s%s", out->len ? " " : "", words[i]);
  return g_string_free (out, FALSE);
}

static void
assert_shown_in (const gchar * file, const gchar * description)
{
  g_autofree gchar *raw = read_normalized (file);
  g_autofree gchar *txt = collapse (raw);
  g_autofree gchar *want = collapse (description);

  fail_unless (strstr (txt, want) != NULL,
      "pipelines/%s does not show what the launcher runs:\n%s\n--- %s:\n%s",
      file, want, file, txt);
}

static void
assert_parses (const gchar * description, gboolean as_bin)
{
  GError *err = NULL;
  GstElement *e = as_bin ?
      gst_parse_bin_from_description_full (description, TRUE, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err) :
      gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS,
      &err);

  fail_unless (e != NULL && err == NULL, "%s: %s", description,
      err ? err->message : "");
  gst_object_unref (e);
}

/* Property @name of the element "headblur" in the camera bin @description. */
static guint
headblur_uint (const gchar * description, const gchar * name)
{
  GError *err = NULL;
  GstElement *bin = gst_parse_bin_from_description_full (description, TRUE,
      NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  GstElement *blur;
  guint v = G_MAXUINT;

  fail_unless (bin != NULL, "%s", err ? err->message : "");
  blur = gst_bin_get_by_name (GST_BIN (bin), "headblur");
  fail_unless (blur != NULL);
  g_object_get (blur, name, &v, NULL);
  gst_object_unref (blur);
  gst_object_unref (bin);
  return v;
}

GST_START_TEST (test_camera)
{
  RbCameraPipelineParams p = { 0, };
  g_autofree gchar *shown = NULL, *h265 = NULL, *alaw = NULL, *mulaw = NULL;
  g_autofree gchar *latm = NULL, *jpeg = NULL;

  /* as pipelines/camera.txt shows it: H.264 and AAC, audio=drop */
  p.encoding_name = "H264";
  p.audio_encoding_name = "MPEG4-GENERIC";
  p.raw_dir = "/tmp/rb/raw/camera";
  p.queue_dir = "/tmp/rb/queue";
  p.segment_ns = 10 * GST_SECOND;
  p.source_name = "camera";
  p.bitrate_kbps = 2048;
  p.lookahead = RB_LIVE_LOOKAHEAD;
  shown = rb_pipeline_camera (&p);
  {
    /* the file links rtspsrc's pads by hand between the video and the
     * audio part: each is shown as it is */
    gchar *audio_part = strstr (shown, "rtpmp4gdepay name=audio-depay");
    g_autofree gchar *video_part = NULL;

    fail_unless (audio_part != NULL);
    video_part = g_strndup (shown, audio_part - shown);
    assert_shown_in ("camera.txt", video_part);
    assert_shown_in ("camera.txt", audio_part);
  }
  assert_parses (shown, TRUE);
  fail_if (strstr (shown, "live-audio-sink"));
  /* the live headblur looks ahead live-lookahead frames and detects on
   * every fifth ([headblur] detection-interval is applied after) */
  assert_equals_int (headblur_uint (shown, "lookahead"), 5);
  assert_equals_int (headblur_uint (shown, "detection-interval"), 5);

  p.encoding_name = "H265";
  p.audio_encoding_name = NULL;
  p.lookahead = 0;
  h265 = rb_pipeline_camera (&p);
  assert_equals_int (headblur_uint (h265, "lookahead"), 0);
  fail_unless (strstr (h265, "rtph265depay") && strstr (h265, "h265parse")
      && strstr (h265, "safedec"));
  fail_if (strstr (h265, "audio"));
  assert_parses (h265, TRUE);

  /* Motion JPEG: depayloaded, parsed and decoded by safedec */
  p.encoding_name = "JPEG";
  jpeg = rb_pipeline_camera (&p);
  fail_unless (strstr (jpeg, "rtpjpegdepay name=depay ! jpegparse "
          "name=parse ! tee") && strstr (jpeg, "safedec"));
  assert_parses (jpeg, TRUE);

  /* a sub-stream: a second encode of the anonymized frames, scaled */
  {
    g_autofree gchar *sub = NULL;

    p.encoding_name = "H264";
    p.substream_width = 320;
    p.substream_height = 180;
    p.substream_bitrate_kbps = 256;
    sub = rb_pipeline_camera (&p);
    fail_unless (strstr (sub, "! tee name=sub-tee ! x264enc name=encoder"));
    fail_unless (strstr (sub, "sub-tee. ! queue name=sub-queue"));
    fail_unless (strstr (sub, "video/x-raw,width=320,height=180"));
    fail_unless (strstr (sub, "x264enc name=sub-encoder"));
    fail_unless (strstr (sub, "bitrate=256"));
    fail_unless (strstr (sub, "appsink name=sub-sink sync=false async=false"));
    assert_parses (sub, TRUE);
    p.substream_width = p.substream_height = 0;
  }

  /* audio=keep: the audio also goes to its live appsink */
  p.encoding_name = "H264";
  p.audio_encoding_name = "PCMA";
  p.live_audio = TRUE;
  alaw = rb_pipeline_camera (&p);
  fail_unless (strstr (alaw, "rtppcmadepay") && strstr (alaw,
          "live-audio-sink"));
  assert_parses (alaw, TRUE);
  p.audio_encoding_name = "PCMU";
  mulaw = rb_pipeline_camera (&p);
  assert_parses (mulaw, TRUE);
  p.audio_encoding_name = "MP4A-LATM";
  latm = rb_pipeline_camera (&p);
  assert_parses (latm, TRUE);

  fail_unless (rb_pipeline_audio_supported ("mpeg4-generic"));
  fail_unless (rb_pipeline_audio_supported ("PCMU"));
  fail_if (rb_pipeline_audio_supported ("G726-32"));
  fail_if (rb_pipeline_audio_supported (NULL));
}

GST_END_TEST;

GST_START_TEST (test_segment)
{
  g_autofree gchar *segment =
      rb_pipeline_segment ("state/raw/camera/SEGMENT.mkv",
      "state/anonymized/camera/SEGMENT.mkv.partial", FALSE, NULL);
  g_autofree gchar *with_audio =
      rb_pipeline_segment ("state/raw/camera/SEGMENT.mkv",
      "state/anonymized/camera/SEGMENT.mkv.partial", TRUE, NULL);
  g_autofree gchar *verify =
      rb_pipeline_verify ("state/anonymized/camera/SEGMENT.mkv.partial");

  g_autofree gchar *remux =
      rb_pipeline_remux ("state/raw/camera/SEGMENT.mkv",
      "state/anonymized/camera/SEGMENT.mkv.partial", FALSE);

  assert_shown_in ("segment.txt", segment);
  assert_shown_in ("segment.txt", verify);
  assert_shown_in ("segment.txt", remux);
  assert_parses (remux, FALSE);
  assert_parses (segment, FALSE);
  assert_parses (with_audio, FALSE);
  fail_unless (strstr (with_audio, "demux.audio_0 ! queue max-size-buffers=0 "
          "max-size-time=0 max-size-bytes=0 ! mux.audio_0"));
  assert_parses (verify, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_publish)
{
  g_autofree gchar *publish = rb_pipeline_publish (NULL);
  const gchar *audio[] = {
    "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw",
    "audio/x-alaw, rate=(int)8000, channels=(int)1",
    "audio/x-mulaw, rate=(int)8000, channels=(int)1",
  };

  assert_shown_in ("publish.txt", publish);
  assert_parses (publish, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (audio); i++) {
    g_autofree gchar *d = rb_pipeline_publish (audio[i]);

    fail_unless (strstr (d, "pay1") && strstr (d, "audio-src"));
    assert_parses (d, TRUE);
  }
}

GST_END_TEST;

/* overlay=: none adds nothing; the others parse, in the live and the
 * worker's pipelines, with the camera's name and the position asked */
GST_START_TEST (test_overlay)
{
  RbCameraConfig cam = { 0, };
  const RbOverlay kinds[] = { RB_OVERLAY_NAME, RB_OVERLAY_TIME,
    RB_OVERLAY_NAME_TIME
  };

  cam.name = (gchar *) "lobby-2";
  cam.overlay = RB_OVERLAY_NONE;
  fail_unless (rb_pipeline_overlay (&cam) == NULL);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    g_autofree gchar *overlay = NULL, *segment = NULL;
    GstElement *pipeline, *element;
    gchar *text = NULL;
    gint halign = -1, valign = -1;

    cam.overlay = kinds[i];
    cam.overlay_position = RB_OVERLAY_BOTTOM_RIGHT;
    overlay = rb_pipeline_overlay (&cam);
    segment = rb_pipeline_segment ("state/raw/lobby-2/SEGMENT.mkv",
        "state/anonymized/lobby-2/SEGMENT.mkv.partial", FALSE, overlay);
    pipeline = gst_parse_launch (segment, NULL);
    fail_unless (pipeline != NULL, "%s", segment);
    element = gst_bin_get_by_name (GST_BIN (pipeline), "overlay");
    fail_unless (element != NULL);
    rb_wallclock_setup_overlay (element);
    g_object_get (element, "text", &text, "halignment", &halign,
        "valignment", &valign, NULL);
    fail_unless_equals_string (text, kinds[i] == RB_OVERLAY_TIME ? "" :
        "lobby-2");
    fail_unless_equals_int (halign, 2);        /* right */
    fail_unless_equals_int (valign, 1);        /* bottom */
    if (kinds[i] != RB_OVERLAY_NAME) {
      GDateTime *epoch = NULL;
      gint mode = -1;
      gboolean dates = FALSE;

      g_object_get (element, "time-mode", &mode, "show-times-as-dates",
          &dates, "datetime-epoch", &epoch, NULL);
      fail_unless_equals_int (mode, 5);        /* reference-timestamp */
      fail_unless (dates);
      fail_unless (epoch != NULL);
      fail_unless_equals_int64 (g_date_time_to_unix (epoch),
          -(gint64) RB_WALLCLOCK_NTP_UNIX_S);
      g_date_time_unref (epoch);
    }
    g_free (text);
    gst_object_unref (element);
    gst_object_unref (pipeline);
  }
}

GST_END_TEST;

/* the HLS packager */
GST_START_TEST (test_hls)
{
  g_autofree gchar *hls = rb_pipeline_hls (2, 5, 8);

  assert_shown_in ("hls.txt", hls);
  assert_parses (hls, FALSE);
}

GST_END_TEST;

/* Paths with blanks, quotes and backslashes reach the element unchanged. */
GST_START_TEST (test_quoting)
{
  const gchar *paths[] = { "/plain/path-1.mkv", "/with space/x.mkv",
    "/q\"uote/and\\back slash", "/tab\there", "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    g_autofree gchar *d = rb_pipeline_verify (paths[i]);
    GstElement *pipeline = gst_parse_launch (d, NULL);
    GstElement *src;
    g_autofree gchar *location = NULL;

    fail_unless (pipeline != NULL, "%s", d);
    src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    g_object_get (src, "location", &location, NULL);
    assert_equals_string (location, paths[i]);
    gst_object_unref (src);
    gst_object_unref (pipeline);
  }
}

GST_END_TEST;

/* The live path's headblur settings are named once (rb-pipelines.h): the
 * camera pipeline sets them (as pipelines/camera.txt shows, test_camera),
 * the benchmarks' RB_LIVE_HEADBLUR_PROPS is what the pipeline has, and
 * live-lookahead's default is RB_LIVE_LOOKAHEAD. */
GST_START_TEST (test_live_settings)
{
  static const gchar conf[] = "[rtsp-blur]\nstate-dir=/srv/state\n"
      "[camera:lobby]\nurl=rtsp://10.0.0.10/stream1\n"
      "[network:A]\nauth=none\naddress=10.0.1.5\n";
  g_autoptr (RbConfig) c = NULL;
  g_autofree gchar *shown = NULL;
  RbCameraPipelineParams p = { "H264", NULL, FALSE, "/tmp/rb/raw/camera",
    "/tmp/rb/queue", 10 * GST_SECOND, "camera", 2048, 0
  };
  GError *err = NULL;

  c = rb_config_load_from_data (conf, -1, "test.conf", NULL, &err);
  fail_unless (c != NULL, "%s", err ? err->message : "");
  assert_equals_int (c->live_lookahead, RB_LIVE_LOOKAHEAD);
  p.lookahead = c->live_lookahead;
  shown = rb_pipeline_camera (&p);
  fail_unless (strstr (shown, "headblur name=headblur "
          RB_LIVE_HEADBLUR_PROPS " ") != NULL, "%s", shown);
  assert_equals_int (headblur_uint (shown, "detection-interval"),
      RB_LIVE_DETECTION_INTERVAL);
  assert_equals_int (headblur_uint (shown, "lookahead"), RB_LIVE_LOOKAHEAD);
}

GST_END_TEST;

static Suite *
pipelines_suite (void)
{
  Suite *s = suite_create ("pipelines");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_camera);
  tcase_add_test (tc, test_live_settings);
  tcase_add_test (tc, test_segment);
  tcase_add_test (tc, test_publish);
  tcase_add_test (tc, test_hls);
  tcase_add_test (tc, test_overlay);
  tcase_add_test (tc, test_quoting);
  return s;
}

GST_CHECK_MAIN (pipelines);
