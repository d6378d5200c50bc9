/* rtsp-blur: tests for headblur over time (tracks, hold, lookahead,
 * privacy zones, overload)
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Library General Public License for more details.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A real image from RB_EVAL_DIR in which the detector finds faces and a
 * flat grey frame of the same size in which it finds none are pushed
 * through headblur (mode=fill, green) with GstHarness. The "head region"
 * is what the element fills in the face image on its own; the grey frames
 * must show that region filled (or not) as the temporal properties say. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "gstheadblur-track.h"
#include "rb-eval-data.h"
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#define FACE_IMAGE "face-mask", "images", "maksssksksss186.jpg"
#define FILL_COLOR 0xff00ff00   /* green */
#define FRAME_DUR (100 * GST_MSECOND)   /* 10 fps */
/* faces only: these tests are about what happens between detections */
#define PROPS "mode=fill fill-color=0xff00ff00 threshold=0.5 person-model=\"\" "

static GstCaps *caps;           /* I420 at 10/1 */
static GstBuffer *face;         /* the decoded image */
static GstBuffer *grey;         /* same size, Y=U=V=128 */
static GstVideoInfo info;
static guint8 fill[3];          /* FILL_COLOR as Y,U,V */
static guint8 *ref_mask;        /* pixels headblur fills in @face */
static guint ref_count;

/* Decodes a JPEG file into one raw I420 frame. */
static GstSample *
decode_jpeg (const gchar * path)
{
  GError *err = NULL;
  GstSample *sample = rb_eval_decode_jpeg (path, "video/x-raw,format=I420",
      &err);

  fail_unless (sample != NULL, "%s", err ? err->message : path);
  return sample;
}

/* FILL_COLOR as the element computes it (BT.601, range of the caps). */
static void
fill_bytes (const GstVideoInfo * vi, guint argb, guint8 out[3])
{
  gdouble r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
  gdouble y = 0.299 * r + 0.587 * g + 0.114 * b;
  gdouble u = (b - y) / 1.772, v = (r - y) / 1.402;

  if (vi->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255) {
    u += 128.0;
    v += 128.0;
  } else {
    y = 16.0 + y * 219.0 / 255.0;
    u = 128.0 + u * 224.0 / 255.0;
    v = 128.0 + v * 224.0 / 255.0;
  }
  out[0] = CLAMP (lround (y), 0, 255);
  out[1] = CLAMP (lround (u), 0, 255);
  out[2] = CLAMP (lround (v), 0, 255);
}

static gboolean
is_filled (GstVideoFrame * f, gint x, gint y)
{
  guint8 *yp = GST_VIDEO_FRAME_PLANE_DATA (f, 0);
  guint8 *up = GST_VIDEO_FRAME_PLANE_DATA (f, 1);
  guint8 *vp = GST_VIDEO_FRAME_PLANE_DATA (f, 2);

  return yp[y * GST_VIDEO_FRAME_PLANE_STRIDE (f, 0) + x] == fill[0]
      && up[(y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (f, 1) + x / 2] == fill[1]
      && vp[(y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (f, 2) + x / 2] == fill[2];
}

/* Of the reference head pixels, how many are filled in @buf; and how many
 * pixels are filled in all. */
static void
count_filled (GstBuffer * buf, guint * n_ref, guint * n_all)
{
  GstVideoFrame f;
  gint x, y;

  *n_ref = *n_all = 0;
  fail_unless (gst_video_frame_map (&f, &info, buf, GST_MAP_READ));
  for (y = 0; y < info.height; y++)
    for (x = 0; x < info.width; x++)
      if (is_filled (&f, x, y)) {
        (*n_all)++;
        if (ref_mask && ref_mask[y * info.width + x])
          (*n_ref)++;
      }
  gst_video_frame_unmap (&f);
}

static gboolean
pixel_filled (GstBuffer * buf, gdouble fx, gdouble fy)
{
  GstVideoFrame f;
  gboolean r;

  fail_unless (gst_video_frame_map (&f, &info, buf, GST_MAP_READ));
  r = is_filled (&f, (gint) (fx * info.width), (gint) (fy * info.height));
  gst_video_frame_unmap (&f);
  return r;
}

static GstBuffer *
stamp (GstBuffer * src, GstClockTime pts)
{
  GstBuffer *b = gst_buffer_copy_deep (src);

  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DURATION (b) = FRAME_DUR;
  return b;
}

/* Frames 0.1 ms apart: any detector run takes longer than that, so the
 * element's own backlog grows past two frame durations. */
#define FAST_DUR (100 * GST_USECOND)

static GstBuffer *
stamp_fast (GstBuffer * src, guint n)
{
  GstBuffer *b = gst_buffer_copy_deep (src);

  GST_BUFFER_PTS (b) = n * FAST_DUR;
  GST_BUFFER_DURATION (b) = FAST_DUR;
  return b;
}

static GstHarness *
new_harness (const gchar * props)
{
  gchar *desc = g_strdup_printf ("headblur " PROPS "%s", props);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  return h;
}

static GstStructure *
get_stats (GstHarness * h)
{
  GstElement *e = gst_harness_find_element (h, "headblur");
  GstStructure *st = NULL;

  fail_unless (e != NULL);
  g_object_get (e, "stats", &st, NULL);
  gst_object_unref (e);
  fail_unless (st != NULL);
  fail_unless (gst_structure_has_name (st, "headblur-stats"));
  return st;
}

static guint64
get_stat (GstHarness * h, const gchar * field)
{
  GstStructure *st = get_stats (h);
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (st, field, &v), "no %s", field);
  gst_structure_free (st);
  return v;
}

/* Every reference head pixel filled in @buf (a few pixels of slack). */
static void
assert_heads_filled (GstBuffer * buf, const gchar * what)
{
  guint n_ref, n_all;

  count_filled (buf, &n_ref, &n_all);
  fail_unless (n_ref >= ref_count * 99 / 100,
      "%s: %u of %u head pixels filled", what, n_ref, ref_count);
}

static void
assert_nothing_filled (GstBuffer * buf, const gchar * what)
{
  guint n_ref, n_all;

  count_filled (buf, &n_ref, &n_all);
  fail_unless_equals_int (n_all, 0);
  (void) what;
}

static void
setup (void)
{
  gchar *path = g_build_filename (RB_EVAL_DIR, FACE_IMAGE, NULL);
  GstSample *s = decode_jpeg (path);
  GstHarness *h;
  GstBuffer *out;
  GstVideoFrame fi, fo;
  gint x, y;

  g_free (path);
  caps = gst_caps_copy (gst_sample_get_caps (s));
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 10, 1, NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fill_bytes (&info, FILL_COLOR, fill);
  face = gst_buffer_copy_deep (gst_sample_get_buffer (s));
  grey = gst_buffer_copy_deep (face);
  gst_buffer_memset (grey, 0, 128, gst_buffer_get_size (grey));
  gst_sample_unref (s);

  /* the reference: what a single frame gets filled */
  ref_mask = NULL;
  h = new_harness ("");
  out = gst_harness_push_and_pull (h, stamp (face, 0));
  fail_unless (out != NULL);
  ref_mask = g_malloc0 (info.width * info.height);
  ref_count = 0;
  fail_unless (gst_video_frame_map (&fi, &info, face, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fo, &info, out, GST_MAP_READ));
  for (y = 0; y < info.height; y++)
    for (x = 0; x < info.width; x++)
      if (is_filled (&fo, x, y) && !is_filled (&fi, x, y)) {
        ref_mask[y * info.width + x] = 1;
        ref_count++;
      }
  gst_video_frame_unmap (&fi);
  gst_video_frame_unmap (&fo);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  GST_INFO ("%dx%d, %u head pixels in the reference", info.width,
      info.height, ref_count);
  /* the detector must find heads there, and none in grey */
  fail_unless (ref_count > 500, "only %u head pixels", ref_count);

  h = new_harness ("");
  out = gst_harness_push_and_pull (h, stamp (grey, 0));
  assert_nothing_filled (out, "grey");
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
teardown (void)
{
  gst_caps_unref (caps);
  gst_buffer_unref (face);
  gst_buffer_unref (grey);
  g_clear_pointer (&ref_mask, g_free);
}

/* 1. A head detected at t=0 stays masked for hold-time in grey frames. */
GST_START_TEST (test_hold)
{
  GstHarness *h = new_harness ("hold-time=1000000000");
  GstBuffer *out;
  guint k;

  out = gst_harness_push_and_pull (h, stamp (face, 0));
  assert_heads_filled (out, "face frame");
  gst_buffer_unref (out);
  for (k = 1; k <= 20; k++) {
    gchar *what = g_strdup_printf ("grey frame at %u ms", k * 100);

    out = gst_harness_push_and_pull (h, stamp (grey, k * FRAME_DUR));
    fail_unless (out != NULL);
    if (k * FRAME_DUR <= GST_SECOND)
      assert_heads_filled (out, what);
    else
      assert_nothing_filled (out, what);
    gst_buffer_unref (out);
    g_free (what);
  }
  fail_unless_equals_uint64 (get_stat (h, "frames"), 21);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A held box grows by at most x1.25 in width and height (area x1.5625,
 * GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH), which a head seen once reaches
 * after 0.25 s (1.0 per s, GST_HEAD_BLUR_TRACK_NEW_GROWTH_PER_S): from
 * then on the box keeps its size and keeps the head masked until the hold
 * time ends. (Until the cap existed, a box grew to x3, area x9.) */
GST_START_TEST (test_hold_growth_capped)
{
  GstHarness *h = new_harness ("hold-time=1000000000");
  GstBuffer *out;
  guint n_ref, n0, n_all, n_capped = 0, k;
  const gdouble cap = 1.25 * 1.25;
  const guint capped_at = 3;    /* frames (100 ms each) */

  out = gst_harness_push_and_pull (h, stamp (face, 0));
  count_filled (out, &n_ref, &n0);
  gst_buffer_unref (out);
  fail_unless (n0 > 500);
  for (k = 1; k <= 10; k++) {
    gchar *what = g_strdup_printf ("grey frame at %u ms", k * 100);

    out = gst_harness_push_and_pull (h, stamp (grey, k * FRAME_DUR));
    fail_unless (out != NULL);
    assert_heads_filled (out, what);
    count_filled (out, &n_ref, &n_all);
    GST_INFO ("%s: %u pixels filled (%u at 0 ms)", what, n_all, n0);
    /* boxes are rounded outwards to whole pixels: a little slack */
    fail_unless (n_all <= n0 * cap * 1.1, "%s: %u pixels filled, %u at "
        "0 ms", what, n_all, n0);
    fail_unless (n_all >= n0, "%s: the held box shrank", what);
    if (k == capped_at)
      n_capped = n_all;
    else if (k > capped_at)
      fail_unless_equals_int (n_all, n_capped);
    gst_buffer_unref (out);
    g_free (what);
  }
  fail_unless (n_capped > n0, "the held box never grew");
  gst_harness_teardown (h);
}

GST_END_TEST;

/* hold-time=0: only the detected frame is masked */
GST_START_TEST (test_hold_zero)
{
  GstHarness *h = new_harness ("hold-time=0 detection-interval=1");
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, stamp (face, 0));
  assert_heads_filled (out, "face frame");
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, stamp (grey, FRAME_DUR));
  assert_nothing_filled (out, "grey frame");
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* 2. detection-interval=3: frames 1 and 2 are masked by the tracks. */
GST_START_TEST (test_detection_interval)
{
  GstHarness *h = new_harness ("detection-interval=3");
  GstStructure *st;
  GstBuffer *out;
  guint k;

  for (k = 0; k < 3; k++) {
    out = gst_harness_push_and_pull (h, stamp (face, k * FRAME_DUR));
    assert_heads_filled (out, "face frame");
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (get_stat (h, "detections"), 1);
  fail_unless_equals_uint64 (get_stat (h, "frames"), 3);
  /* also with grey frames: only the tracks can fill them */
  for (k = 3; k < 6; k++) {
    out = gst_harness_push_and_pull (h, stamp (k == 3 ? face : grey,
            k * FRAME_DUR));
    assert_heads_filled (out, "frame after a detection");
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (get_stat (h, "detections"), 2);
  st = get_stats (h);
  {
    guint tracks = 0;
    guint64 avg = 0;

    fail_unless (gst_structure_get_uint (st, "tracks", &tracks));
    fail_unless (tracks >= 1);
    fail_unless (gst_structure_get_uint64 (st, "detection-time-avg", &avg));
    fail_unless (avg > 0);
  }
  gst_structure_free (st);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* 3. lookahead=5: grey frames before the first detection get the head. */
GST_START_TEST (test_lookahead)
{
  GstHarness *h = new_harness ("lookahead=5 detection-interval=1");
  GstBuffer *out;
  guint k;

  fail_unless_equals_uint64 (gst_harness_query_latency (h), 5 * FRAME_DUR);

  for (k = 0; k < 5; k++) {
    fail_unless_equals_int (gst_harness_push (h, stamp (grey, k * FRAME_DUR)),
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  }
  fail_unless_equals_int (gst_harness_push (h, stamp (face, 5 * FRAME_DUR)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  /* EOS drains the queue */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_buffers_received (h), 6);

  for (k = 0; k < 6; k++) {
    gchar *what = g_strdup_printf ("frame %u", k);

    out = gst_harness_pull (h);
    fail_unless (out != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), k * FRAME_DUR);
    assert_heads_filled (out, what);
    gst_buffer_unref (out);
    g_free (what);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* lookahead: grey frames stay clean when no head shows up, and a flush
 * drops the queue */
/* @face shifted right by @dx pixels (even), the uncovered part grey. */
static GstBuffer *
shifted_face (gint dx)
{
  GstBuffer *b = gst_buffer_copy_deep (grey);
  GstVideoFrame fi, fo;
  guint p;

  fail_unless (gst_video_frame_map (&fi, &info, face, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fo, &info, b, GST_MAP_WRITE));
  for (p = 0; p < GST_VIDEO_FRAME_N_PLANES (&fi); p++) {
    gint w = GST_VIDEO_FRAME_COMP_WIDTH (&fi, p);
    gint h = GST_VIDEO_FRAME_COMP_HEIGHT (&fi, p);
    gint d = p == 0 ? dx : dx / 2, x, y;

    for (y = 0; y < h; y++) {
      guint8 *in = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fi, p) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&fi, p);
      guint8 *out = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fo, p) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&fo, p);

      for (x = 0; x < w; x++)
        if (x - d >= 0 && x - d < w)
          out[x] = in[x - d];
    }
  }
  gst_video_frame_unmap (&fo);
  gst_video_frame_unmap (&fi);
  return b;
}

/* A head that moves at constant speed, first detected at frame 5: the grey
 * frames before it are masked where the head would have been along its
 * motion (projected again once the velocity is known), not only around the
 * first detection. */
GST_START_TEST (test_lookahead_moving)
{
  GstHarness *h = new_harness ("lookahead=9 detection-interval=1");
  gint x0 = info.width, x1 = -1, y0 = info.height, y1 = -1, x, y;
  gint w, step, sign;
  gdouble cx, cy, px;
  GstBuffer *out;
  guint k;

  /* the reference head's box */
  for (y = 0; y < info.height; y++)
    for (x = 0; x < info.width; x++)
      if (ref_mask[y * info.width + x]) {
        x0 = MIN (x0, x);
        x1 = MAX (x1, x);
        y0 = MIN (y0, y);
        y1 = MAX (y1, y);
      }
  w = x1 - x0 + 1;
  cx = (x0 + x1) / 2.0;
  cy = (y0 + y1) / 2.0;
  /* a quarter of a head per frame, away from the nearer border so that the
   * place the head came from stays in the frame */
  sign = cx < info.width / 2.0 ? -1 : 1;
  step = sign * MAX (2, (w / 4) & ~1);
  /* where the head was at frame 0: 5 steps before its first detection */
  px = cx - 5 * step;
  GST_INFO ("head %d px wide at %.0f,%.0f, step %d, frame 0 at %.0f", w, cx,
      cy, step, px);
  fail_unless (px >= 0 && px < info.width);
  /* farther than a zero-velocity projection grown over 0.5 s reaches */
  fail_unless (ABS (px - cx) > w / 2.0 * (1.0 +
          GST_HEAD_BLUR_TRACK_GROWTH_PER_S * 0.5));

  for (k = 0; k < 5; k++)
    fail_unless_equals_int (gst_harness_push (h, stamp (grey, k * FRAME_DUR)),
        GST_FLOW_OK);
  for (k = 5; k < 10; k++) {
    GstBuffer *b = shifted_face ((k - 5) * step);

    fail_unless_equals_int (gst_harness_push (h, stamp (b, k * FRAME_DUR)),
        GST_FLOW_OK);
    gst_buffer_unref (b);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 0);
  fail_unless (pixel_filled (out, px / info.width, cy / info.height),
      "frame 0 not masked where the head came from (%.0f,%.0f)", px, cy);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_lookahead_no_head_and_flush)
{
  GstHarness *h = new_harness ("lookahead=3 detection-interval=1");
  GstBuffer *out;
  guint k;

  for (k = 0; k < 5; k++)
    fail_unless_equals_int (gst_harness_push (h, stamp (grey, k * FRAME_DUR)),
        GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 2);
  for (k = 0; k < 2; k++) {
    out = gst_harness_pull (h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), k * FRAME_DUR);
    assert_nothing_filled (out, "grey");
    gst_buffer_unref (out);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_buffers_received (h), 2);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* 4. privacy zones are always masked */
GST_START_TEST (test_privacy_zones)
{
  /* a triangle with its right angle at the top left, and a square */
  GstHarness *h = new_harness ("privacy-zones=\"0.1,0.1 0.5,0.1 0.1,0.5;"
      "0.7,0.7 0.9,0.7 0.9,0.9 0.7,0.9\"");
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, stamp (grey, 0));
  fail_unless (pixel_filled (out, 0.2, 0.2));
  fail_unless (pixel_filled (out, 0.12, 0.45));
  fail_unless (pixel_filled (out, 0.45, 0.12));
  /* inside the triangle's bounding box, outside the triangle */
  fail_unless (!pixel_filled (out, 0.45, 0.45));
  fail_unless (!pixel_filled (out, 0.35, 0.35));
  fail_unless (pixel_filled (out, 0.8, 0.8));
  fail_unless (!pixel_filled (out, 0.6, 0.6));
  fail_unless (!pixel_filled (out, 0.05, 0.05));
  fail_unless (!pixel_filled (out, 0.95, 0.95));
  gst_buffer_unref (out);

  /* also on top of the heads, with blur and pixelate */
  out = gst_harness_push_and_pull (h, stamp (face, FRAME_DUR));
  fail_unless (pixel_filled (out, 0.2, 0.2));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
assert_settings_error (GstBus * bus, GstElement * blur)
{
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no ERROR posted");
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (blur));
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "unexpected error %s", err->message);
  fail_unless (strstr (err->message, "0.1,0.1 0.5") != NULL,
      "error does not name the string: %s", err->message);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
}

GST_START_TEST (test_privacy_zones_invalid)
{
  const gchar *bad[] = { "0.1,0.1 0.5", "0.1,0.1 0.5,0.1", "a,b c,d e,f",
    "0.1,0.1 0.5,0.1 0.1,1.5", "0.1,0.1 0.5,0.1 0.1,0.5;;0.2,0.2 0.3,0.3",
  };
  GstElement *blur;
  GstHarness *h;
  GstBus *bus;
  GstFlowReturn ret;
  guint i;

  /* each invalid string makes READY->PAUSED fail */
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *val = g_strdup (bad[i]);
    gchar *got = NULL;

    blur = gst_element_factory_make ("headblur", NULL);
    bus = gst_bus_new ();
    gst_element_set_bus (blur, bus);
    g_object_set (blur, "privacy-zones", val, NULL);
    g_object_get (blur, "privacy-zones", &got, NULL);
    fail_unless_equals_string (got, val);
    fail_unless_equals_int (gst_element_set_state (blur, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    if (i == 0)
      assert_settings_error (bus, blur);
    gst_element_set_state (blur, GST_STATE_NULL);
    gst_element_set_bus (blur, NULL);
    gst_object_unref (bus);
    gst_object_unref (blur);
    g_free (got);
    g_free (val);
  }

  /* set while playing: the next frame fails, nothing comes out */
  h = new_harness ("");
  blur = gst_harness_find_element (h, "headblur");
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  g_object_set (blur, "privacy-zones", "0.1,0.1 0.5", NULL);
  ret = gst_harness_push (h, stamp (grey, 0));
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  assert_settings_error (bus, blur);
  /* a valid value again and frames flow */
  g_object_set (blur, "privacy-zones", "", NULL);
  fail_unless_equals_int (gst_harness_push (h, stamp (grey, FRAME_DUR)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_object_unref (blur);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Runs 6 face frames stamped 0.1 ms apart (the detector takes much longer
 * per frame than that) through a real pipeline; returns the element's
 * stats. */
static GstStructure *
run_lagging_pipeline (gboolean live)
{
  gchar *desc = g_strdup_printf ("appsrc name=src format=time is-live=%s ! "
      "headblur name=blur " PROPS "detection-interval=1 "
      "overload-mode=full-frame max-detection-age=0 ! "
      "appsink name=sink sync=false", live ? "true" : "false");
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstElement *blur = gst_bin_get_by_name (GST_BIN (pipeline), "blur");
  GstStructure *stats = NULL;
  guint k;

  g_free (desc);
  g_object_set (src, "caps", caps, NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* a live pipeline distributes its latency (so headblur knows it is
   * live) while going to PLAYING, before data flows */
  for (k = 0; k < 6; k++) {
    GstSample *sample;

    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
            stamp_fast (face, k)), GST_FLOW_OK);
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        10 * GST_SECOND);
    fail_unless (sample != NULL);
    gst_sample_unref (sample);
  }
  g_object_get (blur, "stats", &stats, NULL);
  GST_INFO ("live=%d: %" GST_PTR_FORMAT, live, stats);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (blur);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  return stats;
}

/* A non-live pipeline, such as a recorded segment run as fast as possible,
 * is never behind however slowly it runs: every due detection runs and no
 * frame is masked by the overload policy. A live one whose frames cost the
 * element more than their timestamps give skips detections. */
GST_START_TEST (test_late_only_when_live)
{
  GstStructure *stats = run_lagging_pipeline (FALSE);
  guint64 v;

  fail_unless (gst_structure_get_uint64 (stats, "detections", &v));
  fail_unless_equals_uint64 (v, 6);
  fail_unless (gst_structure_get_uint64 (stats, "skipped-detections", &v));
  fail_unless_equals_uint64 (v, 0);
  fail_unless (gst_structure_get_uint64 (stats, "overload-frames", &v));
  fail_unless_equals_uint64 (v, 0);
  /* the backlog is counted all the same */
  fail_unless (gst_structure_get_uint64 (stats, "backlog", &v));
  fail_unless (v > 2 * FAST_DUR);
  gst_structure_free (stats);

  stats = run_lagging_pipeline (TRUE);
  fail_unless (gst_structure_get_uint64 (stats, "skipped-detections", &v));
  fail_unless (v > 0, "a live pipeline lagging behind skipped nothing");
  fail_unless (gst_structure_get_uint64 (stats, "overload-frames", &v));
  fail_unless (v > 0);
  gst_structure_free (stats);
}

GST_END_TEST;

/* Upstream timing is not the element's lag: frames at their pace, but
 * delivered in bursts and long after their running time (a decoder's
 * reordering, a jitter buffer releasing late packets), in a live
 * pipeline whose clock is far ahead: no detection is skipped. */
GST_START_TEST (test_upstream_lateness_is_not_overload)
{
  GstHarness *h = new_harness ("detection-interval=1 max-detection-age=0");
  GstBuffer *out;
  guint k;

  /* the harness is live; its clock far ahead of the frames */
  fail_unless (gst_harness_set_time (h, 100 * GST_SECOND));
  for (k = 0; k < 6; k++) {
    out = gst_harness_push_and_pull (h, stamp (k % 2 ? grey : face,
            k * FRAME_DUR));
    if (k % 2 == 0)
      assert_heads_filled (out, "face frame");
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (get_stat (h, "detections"), 6);
  fail_unless_equals_uint64 (get_stat (h, "skipped-detections"), 0);
  fail_unless_equals_uint64 (get_stat (h, "overload-frames"), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* 5. overload: an element behind skips detection and masks anyway. */
GST_START_TEST (test_overload_full_frame)
{
  GstHarness *h = new_harness ("overload-mode=full-frame detection-interval=2 "
      "max-detection-age=0");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GstBuffer *out;
  guint n_ref, n_all;
  guint64 v;

  gst_element_set_bus (h->element, bus);
  out = gst_harness_push_and_pull (h, stamp_fast (face, 0));
  assert_heads_filled (out, "face frame");
  gst_buffer_unref (out);

  /* the harness is live; frames 0.1 ms apart cost the element far more
   * than that: it is behind */
  out = gst_harness_push_and_pull (h, stamp_fast (grey, 1));
  count_filled (out, &n_ref, &n_all);
  fail_unless_equals_int (n_all, info.width * info.height);
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, stamp_fast (face, 2));
  count_filled (out, &n_ref, &n_all);
  fail_unless_equals_int (n_all, info.width * info.height);
  gst_buffer_unref (out);

  fail_unless_equals_uint64 (get_stat (h, "overload-frames"), 2);
  fail_unless_equals_uint64 (get_stat (h, "skipped-detections"), 1);
  fail_unless_equals_uint64 (get_stat (h, "detections"), 1);
  fail_unless (get_stat (h, "backlog") > 2 * FAST_DUR);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL, "no headblur-overload message");
  fail_unless (gst_structure_has_name (gst_message_get_structure (msg),
          "headblur-overload"));
  fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
          "overload-frames", &v));
  fail_unless_equals_uint64 (v, 1);
  fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
          "skipped-detections", &v));
  gst_message_unref (msg);
  /* at most one per second */
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);

  /* caught up (the next frame comes a second later): detection, no
   * overload */
  out = gst_harness_push_and_pull (h, stamp (grey, GST_SECOND));
  count_filled (out, &n_ref, &n_all);
  fail_unless (n_all < (guint) (info.width * info.height));
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (get_stat (h, "overload-frames"), 2);
  fail_unless_equals_uint64 (get_stat (h, "detections"), 2);
  fail_unless_equals_uint64 (get_stat (h, "backlog"), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* behind, but the last detection is recent: the tracks mask, no overload */
GST_START_TEST (test_late_recent_detection)
{
  GstHarness *h = new_harness ("detection-interval=2");
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, stamp_fast (face, 0));
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, stamp_fast (grey, 1));
  assert_heads_filled (out, "tracked frame");
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, stamp_fast (grey, 2));
  assert_heads_filled (out, "skipped frame");
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (get_stat (h, "skipped-detections"), 1);
  fail_unless_equals_uint64 (get_stat (h, "overload-frames"), 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_overload_enlarge)
{
  const gchar *props = "overload-mode=enlarge detection-interval=2 "
      "max-detection-age=0";
  GstHarness *h = new_harness (props);
  GstBuffer *out, *normal;
  guint n_ref, n_all, n_normal, n_detected;

  /* the harness is live: a frame a frame duration after the detection is
   * not behind, and gets the held tracks */
  out = gst_harness_push_and_pull (h, stamp (face, 0));
  gst_buffer_unref (out);
  normal = gst_harness_push_and_pull (h, stamp (grey, FRAME_DUR));
  count_filled (normal, &n_ref, &n_normal);
  gst_buffer_unref (normal);
  fail_unless_equals_uint64 (get_stat (h, "overload-frames"), 0);
  gst_harness_teardown (h);

  /* one 0.1 ms after it is behind: the same tracks, enlarged x2 against
   * what the detection frame masked (the tracks' own growth in 0.1 ms is
   * nil), and more than a frame duration's growth gives */
  h = new_harness (props);
  out = gst_harness_push_and_pull (h, stamp_fast (face, 0));
  count_filled (out, &n_ref, &n_detected);
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, stamp_fast (grey, 1));
  assert_heads_filled (out, "enlarged");
  count_filled (out, &n_ref, &n_all);
  /* enlarged x2, but not the whole frame */
  fail_unless (n_all > 2 * n_detected, "%u filled, %u when detected", n_all,
      n_detected);
  fail_unless (n_all > n_normal, "%u filled, %u when not behind", n_all,
      n_normal);
  fail_unless (n_all < (guint) (info.width * info.height));
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (get_stat (h, "overload-frames"), 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* while overloaded the last tracks are used even past the hold time */
GST_START_TEST (test_overload_enlarge_after_hold)
{
  GstHarness *h = new_harness ("overload-mode=enlarge detection-interval=2 "
      "max-detection-age=0 hold-time=0");
  GstBuffer *out;

  out = gst_harness_push_and_pull (h, stamp_fast (face, 0));
  gst_buffer_unref (out);
  out = gst_harness_push_and_pull (h, stamp_fast (grey, 1));
  assert_heads_filled (out, "enlarged after hold");
  gst_buffer_unref (out);
  fail_unless_equals_uint64 (get_stat (h, "overload-frames"), 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The latency query adds the element's own processing time once frames
 * have been processed (and lookahead, see test_lookahead). */
GST_START_TEST (test_processing_latency)
{
  GstHarness *h = new_harness ("detection-interval=1");
  GstClockTime before, after;
  guint k;

  gst_harness_set_upstream_latency (h, 0);
  before = gst_harness_query_latency (h);
  for (k = 0; k < 3; k++)
    gst_buffer_unref (gst_harness_push_and_pull (h, stamp (face,
                k * FRAME_DUR)));
  after = gst_harness_query_latency (h);
  fail_unless (after > before, "%" GST_TIME_FORMAT " then %" GST_TIME_FORMAT,
      GST_TIME_ARGS (before), GST_TIME_ARGS (after));
  fail_unless_equals_uint64 (after, get_stat (h, "processing-latency"));
  fail_unless (after % (10 * GST_MSECOND) == 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("headblur", NULL);
  guint64 hold, age;
  guint interval, lookahead;
  gchar *zones;
  gint mode;

  g_object_get (e, "hold-time", &hold, "detection-interval", &interval,
      "lookahead", &lookahead, "privacy-zones", &zones, "overload-mode",
      &mode, "max-detection-age", &age, NULL);
  fail_unless_equals_uint64 (hold, GST_SECOND);
  fail_unless_equals_int (interval, 3);
  fail_unless_equals_int (lookahead, 0);
  fail_unless_equals_string (zones, "");
  fail_unless_equals_int (mode, 0);
  fail_unless_equals_uint64 (age, 500 * GST_MSECOND);
  g_free (zones);
  gst_util_set_object_arg (G_OBJECT (e), "overload-mode", "enlarge");
  g_object_get (e, "overload-mode", &mode, NULL);
  fail_unless_equals_int (mode, 1);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
headblur_temporal_suite (void)
{
  Suite *s = suite_create ("headblur-temporal");
  TCase *tc = tcase_create ("general");
  TCase *tp = tcase_create ("properties");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_hold);
  tcase_add_test (tc, test_hold_zero);
  tcase_add_test (tc, test_hold_growth_capped);
  tcase_add_test (tc, test_detection_interval);
  tcase_add_test (tc, test_lookahead);
  tcase_add_test (tc, test_lookahead_moving);
  tcase_add_test (tc, test_lookahead_no_head_and_flush);
  tcase_add_test (tc, test_privacy_zones);
  tcase_add_test (tc, test_privacy_zones_invalid);
  tcase_add_test (tc, test_overload_full_frame);
  tcase_add_test (tc, test_late_only_when_live);
  tcase_add_test (tc, test_upstream_lateness_is_not_overload);
  tcase_add_test (tc, test_overload_enlarge_after_hold);
  tcase_add_test (tc, test_processing_latency);
  tcase_add_test (tc, test_late_recent_detection);
  tcase_add_test (tc, test_overload_enlarge);
  suite_add_tcase (s, tc);
  tcase_add_test (tp, test_properties);
  suite_add_tcase (s, tp);
  return s;
}

GST_CHECK_MAIN (headblur_temporal);
