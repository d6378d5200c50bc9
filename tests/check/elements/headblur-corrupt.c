/* rtsp-blur: tests for headblur on corrupt input
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Frames flagged GST_BUFFER_FLAG_CORRUPTED go through headblur with
 * GstHarness (mode=fill, black): each must come out masked whole, or not
 * at all with corrupt-mode=drop, with the frames held back by lookahead
 * before it; the others unchanged; the stats count them. Then the chain
 * the launcher runs: H.264 from x264enc through safedec and headblur, with
 * a loss (DISCONT) in a GOP: every frame from the loss to the next key
 * frame comes out black, every other one as decoded. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

#include "rb-roi.h"

#define WIDTH 320
#define HEIGHT 240
#define FRAME_DUR (GST_SECOND / 15)
#define PROPS "mode=fill fill-color=0xff000000 "

static GstVideoInfo info;

static void
setup (void)
{
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, WIDTH, HEIGHT);
  info.fps_n = 15;
  info.fps_d = 1;
}

/* A frame with nobody in it: a horizontal luma ramp, grey chroma. */
static GstBuffer *
scene (guint i, gboolean corrupted)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, info.size, NULL);
  GstVideoFrame f;

  fail_unless (gst_video_frame_map (&f, &info, b, GST_MAP_WRITE));
  for (gint y = 0; y < HEIGHT; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);

    for (gint x = 0; x < WIDTH; x++)
      row[x] = 40 + x * 160 / WIDTH;
  }
  for (guint p = 1; p < 3; p++)
    for (gint y = 0; y < HEIGHT / 2; y++)
      memset ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, p) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, p), 128, WIDTH / 2);
  gst_video_frame_unmap (&f);
  GST_BUFFER_PTS (b) = i * FRAME_DUR;
  GST_BUFFER_DURATION (b) = FRAME_DUR;
  if (corrupted)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_CORRUPTED);
  return b;
}

/* Every pixel of @b black (limited range I420: Y 16, U V 128). */
static gboolean
is_black (GstBuffer * b, const GstVideoInfo * vi)
{
  GstVideoFrame f;
  gboolean black = TRUE;

  fail_unless (gst_video_frame_map (&f, vi, b, GST_MAP_READ));
  for (guint p = 0; p < 3 && black; p++) {
    gint w = GST_VIDEO_FRAME_COMP_WIDTH (&f, p);
    gint h = GST_VIDEO_FRAME_COMP_HEIGHT (&f, p);

    for (gint y = 0; y < h && black; y++) {
      const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f,
          p) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, p);

      for (gint x = 0; x < w && black; x++)
        black = row[x] == (p == 0 ? 16 : 128);
    }
  }
  gst_video_frame_unmap (&f);
  return black;
}

/* @b as scene() made it. */
static gboolean
is_scene (GstBuffer * b)
{
  GstBuffer *ref = scene (0, FALSE);
  gboolean same;
  GstMapInfo map;

  fail_unless (gst_buffer_map (ref, &map, GST_MAP_READ));
  same = gst_buffer_get_size (b) == map.size
      && gst_buffer_memcmp (b, 0, map.data, map.size) == 0;
  gst_buffer_unmap (ref, &map);
  gst_buffer_unref (ref);
  return same;
}

static guint64
stat (GstElement * e, const gchar * field)
{
  GstStructure *s;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "%s", field);
  gst_structure_free (s);
  return v;
}

static GstHarness *
new_harness (const gchar * props, GstElement ** hb)
{
  gchar *desc = g_strconcat ("headblur name=hb ", PROPS, props, NULL);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));
  *hb = gst_bin_get_by_name (GST_BIN (h->element), "hb");
  return h;
}

/* Pushes scene frames 0 to @n - 1, those in @corrupted (-1 terminated)
 * flagged, then EOS; returns the output frames' indices (from their pts)
 * in @idx and whether each is black in @black. */
static guint
run (GstHarness * h, guint n, const gint * corrupted, gint * idx,
    gboolean * black)
{
  GstBuffer *b;
  guint out = 0;

  for (guint i = 0; i < n; i++) {
    gboolean c = FALSE;

    for (const gint * k = corrupted; *k >= 0; k++)
      c |= (guint) * k == i;
    fail_unless_equals_int (gst_harness_push (h, scene (i, c)), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((b = gst_harness_try_pull (h)) != NULL) {
    fail_unless (out < n);
    idx[out] = GST_BUFFER_PTS (b) / FRAME_DUR;
    black[out] = is_black (b, &info);
    /* never the scene with a flag: either masked whole or left alone */
    fail_unless (black[out] || is_scene (b), "frame %d neither black nor "
        "the scene", idx[out]);
    out++;
    gst_buffer_unref (b);
  }
  return out;
}

/* A flagged frame comes out masked whole; the frames around it as they
 * were; each counted once. */
GST_START_TEST (test_corrupted_frame_masked_whole)
{
  GstElement *hb;
  GstHarness *h = new_harness ("", &hb);
  const gint corrupted[] = { 1, 3, 4, -1 };
  gint idx[6];
  gboolean black[6];

  fail_unless_equals_int (run (h, 6, corrupted, idx, black), 6);
  for (gint i = 0; i < 6; i++) {
    fail_unless_equals_int (idx[i], i);
    fail_unless (black[i] == (i == 1 || i == 3 || i == 4), "frame %d %s", i,
        black[i] ? "masked" : "not masked");
  }
  fail_unless_equals_uint64 (stat (hb, "corrupt-frames"), 3);
  fail_unless_equals_uint64 (stat (hb, "frames"), 6);
  /* the detector never ran on a flagged frame */
  fail_unless_equals_uint64 (stat (hb, "overload-frames"), 0);
  gst_object_unref (hb);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_corrupted_frame_dropped)
{
  GstElement *hb;
  GstHarness *h = new_harness ("corrupt-mode=drop", &hb);
  const gint corrupted[] = { 1, 3, 4, -1 };
  gint idx[6];
  gboolean black[6];

  fail_unless_equals_int (run (h, 6, corrupted, idx, black), 3);
  fail_unless_equals_int (idx[0], 0);
  fail_unless_equals_int (idx[1], 2);
  fail_unless_equals_int (idx[2], 5);
  fail_if (black[0] || black[1] || black[2]);
  fail_unless_equals_uint64 (stat (hb, "corrupt-frames"), 3);
  gst_object_unref (hb);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* lookahead=3: when frame 6 is flagged, frames 3 to 5 are still held back
 * (the damage may have begun there unnoticed): masked whole too; frame 7
 * (flagged, in the same run) adds no more. */
GST_START_TEST (test_lookahead_masks_frames_before)
{
  GstElement *hb;
  GstHarness *h = new_harness ("lookahead=3", &hb);
  const gint corrupted[] = { 6, 7, -1 };
  gint idx[11];
  gboolean black[11];

  fail_unless_equals_int (run (h, 11, corrupted, idx, black), 11);
  for (gint i = 0; i < 11; i++) {
    fail_unless_equals_int (idx[i], i);
    fail_unless (black[i] == (i >= 3 && i <= 7), "frame %d %s", i,
        black[i] ? "masked" : "not masked");
  }
  fail_unless_equals_uint64 (stat (hb, "corrupt-frames"), 5);
  gst_object_unref (hb);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_lookahead_drops_frames_before)
{
  GstElement *hb;
  GstHarness *h = new_harness ("lookahead=3 corrupt-mode=drop", &hb);
  const gint corrupted[] = { 6, 7, -1 };
  const gint expected[] = { 0, 1, 2, 8, 9, 10 };
  gint idx[11];
  gboolean black[11];

  fail_unless_equals_int (run (h, 11, corrupted, idx, black), 6);
  for (gint i = 0; i < 6; i++) {
    fail_unless_equals_int (idx[i], expected[i]);
    fail_if (black[i]);
  }
  fail_unless_equals_uint64 (stat (hb, "corrupt-frames"), 5);
  gst_object_unref (hb);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The sidecar's view (attach-meta): a frame masked for corruption says
 * overload and corrupt. */
GST_START_TEST (test_attach_meta_says_corrupt)
{
  GstElement *hb;
  GstHarness *h = new_harness ("attach-meta=true", &hb);

  for (guint i = 0; i < 2; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, scene (i, i == 1));
    GstVideoRegionOfInterestMeta *roi;
    gpointer state = NULL;
    gboolean found = FALSE;

    while ((roi = (GstVideoRegionOfInterestMeta *)
            gst_buffer_iterate_meta_filtered (out, &state,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstStructure *s;
      gboolean overload, corrupt;

      if (roi->roi_type != g_quark_from_static_string (RB_ROI_FRAME))
        continue;
      s = gst_video_region_of_interest_meta_get_param (roi, RB_ROI_FRAME);
      fail_unless (s != NULL);
      fail_unless (gst_structure_get_boolean (s, "overload", &overload));
      fail_unless (gst_structure_get_boolean (s, "corrupt", &corrupt));
      fail_unless_equals_int (overload, i == 1);
      fail_unless_equals_int (corrupt, i == 1);
      found = TRUE;
    }
    fail_unless (found);
    gst_buffer_unref (out);
  }
  gst_object_unref (hb);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* The launcher's chain: safedec ! headblur                            */

#define GOP 10
#define N_FRAMES 40
#define LOSS (GOP + GOP / 2)

/* N_FRAMES of a moving pattern, H.264 constrained baseline as the test
 * camera sends it, key frame every GOP frames; byte-stream AUs. */
static GPtrArray *
encode (GstCaps ** caps)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=40 "
      "pattern=smpte horizontal-speed=3 ! video/x-raw,format=I420,"
      "width=320,height=240,framerate=15/1 ! x264enc tune=zerolatency "
      "speed-preset=ultrafast threads=1 bitrate=400 key-int-max=10 "
      "! video/x-h264,profile=constrained-baseline ! h264parse "
      "! video/x-h264,stream-format=byte-stream,alignment=au "
      "! appsink name=sink sync=false", &err);
  GPtrArray *buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstElement *sink;
  GstSample *sample;

  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL) {
    if (*caps == NULL)
      *caps = gst_caps_copy (gst_sample_get_caps (sample));
    g_ptr_array_add (buffers, gst_buffer_ref (gst_sample_get_buffer
            (sample)));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  fail_unless_equals_int (buffers->len, N_FRAMES);
  return buffers;
}

/* rtph264depay marks the first buffer after lost RTP packets DISCONT; the
 * frames decoded from there to the next key frame show garbage (here:
 * intact data, so any key frame clears them): every one of them comes out
 * black, with or without look-ahead. */
GST_START_TEST (test_frames_after_loss_masked_until_key_frame)
{
  const gchar *props[] = { "", "lookahead=3" };
  GstCaps *caps = NULL;
  GPtrArray *encoded = encode (&caps);
  guint key = LOSS;

  fail_unless (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (encoded, LOSS),
          GST_BUFFER_FLAG_DELTA_UNIT));
  while (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (encoded, key),
          GST_BUFFER_FLAG_DELTA_UNIT))
    key++;
  fail_unless (key < N_FRAMES);

  for (guint k = 0; k < G_N_ELEMENTS (props); k++) {
    gchar *desc = g_strconcat ("safedec ! headblur name=hb " PROPS, props[k],
        NULL);
    GstHarness *h = gst_harness_new_parse (desc);
    GstElement *hb = gst_bin_get_by_name (GST_BIN (h->element), "hb");
    GstVideoInfo out_info;
    GstCaps *out_caps;
    GstBuffer *b;
    guint n = 0, black = 0;

    gst_harness_set_src_caps (h, gst_caps_ref (caps));
    for (guint i = 0; i < N_FRAMES; i++) {
      b = gst_buffer_copy_deep (g_ptr_array_index (encoded, i));
      if (i == LOSS)
        GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
      fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
    }
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    out_caps = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_video_info_from_caps (&out_info, out_caps));
    gst_caps_unref (out_caps);
    while ((b = gst_harness_try_pull (h)) != NULL) {
      guint i = (GST_BUFFER_PTS (b) - GST_BUFFER_PTS (g_ptr_array_index
              (encoded, 0)) + FRAME_DUR / 2) / FRAME_DUR;
      /* lookahead: the frames held back before the loss too */
      guint from = LOSS - (k == 1 ? 3 : 0);
      gboolean expected = i >= from && i < key;

      fail_unless (is_black (b, &out_info) == expected, "[%s] frame %u %s",
          props[k], i, expected ? "not masked" : "masked");
      black += expected;
      n++;
      gst_buffer_unref (b);
    }
    fail_unless_equals_int (n, N_FRAMES);
    fail_unless_equals_uint64 (stat (hb, "corrupt-frames"), black);
    gst_object_unref (hb);
    gst_harness_teardown (h);
    g_free (desc);
  }
  gst_caps_unref (caps);
  g_ptr_array_unref (encoded);
}

GST_END_TEST;

static Suite *
headblur_corrupt_suite (void)
{
  Suite *s = suite_create ("headblur-corrupt");
  TCase *tc = tcase_create ("corrupt");

  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_corrupted_frame_masked_whole);
  tcase_add_test (tc, test_corrupted_frame_dropped);
  tcase_add_test (tc, test_lookahead_masks_frames_before);
  tcase_add_test (tc, test_lookahead_drops_frames_before);
  tcase_add_test (tc, test_attach_meta_says_corrupt);
  tcase_add_test (tc, test_frames_after_loss_masked_until_key_frame);
  return s;
}

GST_CHECK_MAIN (headblur_corrupt);
