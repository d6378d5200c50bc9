/* rtsp-blur: tests of headblur's head-model slot
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The head-model slot with tiny models built at build time by
 * tests/check/models/make-tiny-models.py: each outputs a constant tensor
 * that encodes the same boxes (a head, a face, a person, and a head below
 * the threshold) in one layout (YOLOv5, YOLOv8, raw YOLOX ONNX; Darknet
 * with a YOLO layer). headblur runs with each on a flat grey frame, where
 * the face and person detectors find nothing, in fill mode without
 * padding: exactly the head box, the face's head box and the person's head
 * band must be filled, nothing else. A model of another layout, a class map
 * naming a class the model lacks and a bad class map must fail the start
 * with an error naming the file and the shapes. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <string.h>

#define W 320
#define H 240
#define MODEL(name) RB_TINY_MODELS_DIR "/" name
/* fill colour, and what it is in RGB */
#define FILL 0xff00ff00
#define IS_FILL(p) ((p)[0] == 0 && (p)[1] == 255 && (p)[2] == 0)

typedef struct
{
  gdouble x, y, w, h;
} Rect;

/* The boxes of make-tiny-models.py (BOXES) as headblur must mask them with
 * padding=0: the head as it is; the face 40x40 at 200,40 widened x1.6,
 * x1.55 and moved up 0.2 face heights; the person 80x110 at 120,120 gives
 * a 0.6 x its width square band from 0.06 x its width above its top. */
static const Rect head = { 40, 40, 60, 60 };
static const Rect face_head = { 188, 21, 64, 62 };
static const Rect person_head = { 136, 115.2, 48, 48 };

static gboolean
inside (const Rect * r, gdouble x, gdouble y, gdouble margin)
{
  return x >= r->x - margin && x < r->x + r->w + margin
      && y >= r->y - margin && y < r->y + r->h + margin;
}

/* Pushes a grey RGB frame through "headblur @props" (fill mode, no
 * padding, person detector off) and checks that exactly @n_rects are
 * filled: every pixel 1 px or more inside one is filled, every pixel 1 px
 * or more outside all of them is not. */
static void
check_masked (const gchar * props, const Rect * rects, guint n_rects)
{
  gchar *desc = g_strdup_printf ("headblur mode=fill fill-color=%u "
      "padding=0 person-model=\"\" %s", FILL, props);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *in, *out;
  GstVideoInfo info;
  GstVideoFrame frame;
  guint n_filled = 0;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=320,"
      "height=240,framerate=15/1");
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, W, H);
  in = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (in, 0, 128, GST_VIDEO_INFO_SIZE (&info));
  GST_BUFFER_PTS (in) = 0;
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL, "no output with %s", desc);
  fail_unless (gst_video_frame_map (&frame, &info, out, GST_MAP_READ));
  for (gint y = 0; y < H; y++) {
    const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

    for (gint x = 0; x < W; x++) {
      gboolean filled = IS_FILL (row + 3 * x);
      gboolean must = FALSE, may = FALSE;

      for (guint i = 0; i < n_rects; i++) {
        /* the pixel's centre */
        must |= inside (&rects[i], x + 0.5, y + 0.5, -1);
        may |= inside (&rects[i], x + 0.5, y + 0.5, 1);
      }
      n_filled += filled;
      fail_unless (!must || filled, "%s: pixel %d,%d not masked", desc, x, y);
      fail_unless (may || !filled, "%s: pixel %d,%d masked", desc, x, y);
    }
  }
  fail_unless (n_rects == 0 || n_filled > 0);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  g_free (desc);
}

static void
check_format (const gchar * format, const gchar * model)
{
  const Rect all[] = { head, face_head, person_head };
  gchar *props = g_strdup_printf ("head-model=%s head-model-format=%s "
      "head-input-size=160 head-threshold=0.5 "
      "head-classes=\"0:head,1:face,2:person\"", model, format);

  check_masked (props, all, G_N_ELEMENTS (all));
  g_free (props);
}

GST_START_TEST (test_yolov5_onnx)
{
  check_format ("yolov5-onnx", MODEL ("tiny-yolov5.onnx"));
}

GST_END_TEST;

GST_START_TEST (test_yolov8_onnx)
{
  check_format ("yolov8-onnx", MODEL ("tiny-yolov8.onnx"));
}

GST_END_TEST;

GST_START_TEST (test_yolox_onnx)
{
  check_format ("yolox-onnx", MODEL ("tiny-yolox.onnx"));
}

GST_END_TEST;

GST_START_TEST (test_darknet)
{
  check_format ("darknet", MODEL ("tiny-yolo.weights"));
}

GST_END_TEST;

/* Only the classes of the map count: class 0 alone gives the head alone;
 * class 2 mapped to head gives the person's box as it is. */
GST_START_TEST (test_class_map)
{
  const Rect person = { 120, 120, 80, 110 };

  check_masked ("head-model=" MODEL ("tiny-yolov8.onnx")
      " head-model-format=yolov8-onnx head-input-size=160 "
      "head-threshold=0.5 head-classes=0:head", &head, 1);
  check_masked ("head-model=" MODEL ("tiny-yolov8.onnx")
      " head-model-format=yolov8-onnx head-input-size=160 "
      "head-threshold=0.5 head-classes=2:head", &person, 1);
}

GST_END_TEST;

/* The threshold applies: at 0.05 the fourth box (score 0.1) is masked
 * too. */
GST_START_TEST (test_threshold)
{
  const Rect low = { 260, 170, 40, 40 };
  const Rect both[] = { head, low };

  check_masked ("head-model=" MODEL ("tiny-yolov5.onnx")
      " head-model-format=yolov5-onnx head-input-size=160 "
      "head-threshold=0.05 head-classes=0:head", both, 2);
}

GST_END_TEST;

/* "headblur @props" must fail to reach PAUSED with an ERROR of
 * @domain/@code whose message or debug text holds every string of
 * @names. */
static void
assert_fails_to_start (const gchar * props, GQuark domain, gint code,
    const gchar * const *names)
{
  gchar *desc = g_strdup_printf ("appsrc caps=video/x-raw,format=RGB,"
      "width=320,height=240,framerate=15/1 ! headblur person-model=\"\" %s ! "
      "fakesink", props);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL, *text;

  fail_unless (pipeline != NULL, "%s", desc);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error with %s", desc);
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, domain, code),
      "unexpected error %s/%d: %s", g_quark_to_string (err->domain),
      err->code, err->message);
  text = g_strdup_printf ("%s %s", err->message, GST_STR_NULL (debug));
  for (guint i = 0; names[i] != NULL; i++)
    fail_unless (strstr (text, names[i]) != NULL, "error does not say %s: %s",
        names[i], text);
  GST_INFO ("%s", text);
  g_free (text);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
}

/* A model of another layout fails at start, naming the file, the shapes
 * expected and the shapes found (525 cells of a 160 input: 400 + 100 +
 * 25; YOLOv5 has 3 anchors per cell). */
GST_START_TEST (test_layout_mismatch_fails)
{
  const gchar *v8_as_v5[] = { MODEL ("tiny-yolov8.onnx"), "yolov5-onnx",
    "[1,1575,5+C]", "found [1,7,525]", NULL
  };
  const gchar *v5_as_v8[] = { MODEL ("tiny-yolov5.onnx"), "yolov8-onnx",
    "[1,4+C,525]", "found [1,1575,8]", NULL
  };
  const gchar *v5_as_yolox[] = { MODEL ("tiny-yolov5.onnx"), "yolox-onnx",
    "[1,525,5+C]", "found [1,1575,8]", NULL
  };
  const gchar *wrong_size[] = { MODEL ("tiny-yolox.onnx"), "[1,2100,5+C]",
    "320x320", "found [1,525,8]", NULL
  };
  const gchar *onnx_as_darknet[] = { MODEL ("tiny-yolox.onnx"), NULL };

  assert_fails_to_start ("head-model=" MODEL ("tiny-yolov8.onnx")
      " head-model-format=yolov5-onnx head-input-size=160",
      GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT, v8_as_v5);
  assert_fails_to_start ("head-model=" MODEL ("tiny-yolov5.onnx")
      " head-model-format=yolov8-onnx head-input-size=160",
      GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT, v5_as_v8);
  assert_fails_to_start ("head-model=" MODEL ("tiny-yolov5.onnx")
      " head-model-format=yolox-onnx head-input-size=160",
      GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT, v5_as_yolox);
  assert_fails_to_start ("head-model=" MODEL ("tiny-yolox.onnx")
      " head-model-format=yolox-onnx head-input-size=320",
      GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT, wrong_size);
  assert_fails_to_start ("head-model=" MODEL ("tiny-yolox.onnx")
      " head-model-format=darknet head-model-config="
      MODEL ("tiny-yolo.cfg") " head-input-size=160",
      GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT, onnx_as_darknet);
}

GST_END_TEST;

/* A class map naming a class the model does not have (it has 3), or one
 * that does not parse, fails at start; so does a missing file. */
GST_START_TEST (test_class_map_errors_fail)
{
  const gchar *too_many[] = { MODEL ("tiny-yolov8.onnx"), "class 5",
    "3 classes", NULL
  };
  const gchar *bad[] = { "head-classes", "0:hat", NULL };
  const gchar *missing[] = { "/nonexistent/head.onnx", NULL };
  const gchar *missing_cfg[] = { "/nonexistent/head.cfg", NULL };

  assert_fails_to_start ("head-model=" MODEL ("tiny-yolov8.onnx")
      " head-model-format=yolov8-onnx head-input-size=160 "
      "head-classes=\"0:head,5:person\"", GST_LIBRARY_ERROR,
      GST_LIBRARY_ERROR_INIT, too_many);
  assert_fails_to_start ("head-model=" MODEL ("tiny-yolov8.onnx")
      " head-model-format=yolov8-onnx head-classes=\"0:hat\"",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, bad);
  assert_fails_to_start ("head-model=/nonexistent/head.onnx",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, missing);
  assert_fails_to_start ("head-model=" MODEL ("tiny-yolo.weights")
      " head-model-format=darknet head-model-config=/nonexistent/head.cfg",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, missing_cfg);
}

GST_END_TEST;

/* Unset, the slot changes nothing: the grey frame comes out untouched. */
GST_START_TEST (test_unset_masks_nothing)
{
  check_masked ("", NULL, 0);
}

GST_END_TEST;

/* The number of "head" metas on @buf whose source is @source. */
static guint
count_heads (GstBuffer * buf, const gchar * source)
{
  gpointer state = NULL;
  GstMeta *meta;
  guint n = 0;

  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    GstStructure *p = gst_video_region_of_interest_meta_get_param (roi,
        "headblur-box");

    if (roi->roi_type == g_quark_from_static_string ("head") && p
        && g_strcmp0 (gst_structure_get_string (p, "source"), source) == 0)
      n++;
  }
  return n;
}

/* head-detection-interval=3 with detection on every frame: the head model
 * runs on frames 0, 3 and 6 only (its head is detected there), while its
 * track keeps the head masked on every frame. */
GST_START_TEST (test_head_detection_interval)
{
  GstHarness *h = gst_harness_new_parse ("headblur mode=fill padding=0 "
      "person-model=\"\" attach-meta=true detection-interval=1 "
      "head-model=" MODEL ("tiny-yolov8.onnx") " head-model-format=yolov8-onnx "
      "head-input-size=160 head-threshold=0.5 head-classes=0:head "
      "head-detection-interval=3");
  gsize size = W * H * 3;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=320,"
      "height=240,framerate=15/1");
  for (guint i = 0; i < 7; i++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, size, NULL), *out;

    gst_buffer_memset (in, 0, 128, size);
    GST_BUFFER_PTS (in) = i * GST_SECOND / 15;
    GST_BUFFER_DURATION (in) = GST_SECOND / 15;
    out = gst_harness_push_and_pull (h, in);
    fail_unless (out != NULL);
    fail_unless_equals_int (count_heads (out, "det"), i % 3 == 0 ? 1 : 0);
    fail_unless_equals_int (count_heads (out, "track"), 1);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
headblur_byod_suite (void)
{
  Suite *s = suite_create ("headblur-byod");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_yolov5_onnx);
  tcase_add_test (tc, test_yolov8_onnx);
  tcase_add_test (tc, test_yolox_onnx);
  tcase_add_test (tc, test_darknet);
  tcase_add_test (tc, test_class_map);
  tcase_add_test (tc, test_threshold);
  tcase_add_test (tc, test_layout_mismatch_fails);
  tcase_add_test (tc, test_class_map_errors_fail);
  tcase_add_test (tc, test_unset_masks_nothing);
  tcase_add_test (tc, test_head_detection_interval);
  return s;
}

GST_CHECK_MAIN (headblur_byod);
