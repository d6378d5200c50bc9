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

/* Detect once, use twice (gst-libs/rtsp-blur/rb-detections.c with the real
 * headblur, mode=fill): headblur attach-meta puts its detections on its
 * output; a worker fed a valid sidecar masks the sidecar's boxes
 * (interpolated between detections) on frames where the detector never runs;
 * a sidecar whose lines are corrupt, one torn after a few frames and a
 * missing one leave the frames they do not cover to the detector, so a real
 * face from ../shared/eval that the sidecar claims is not there is still
 * masked. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-detections.h"
#include "rb-eval-data.h"
#include "rb-sidecar.h"

#define FACE_IMAGE "face-mask", "images", "maksssksksss186.jpg"
#define FRAME_DUR (100 * GST_MSECOND)
#define N_FRAMES 10
#define PROPS "headblur mode=fill fill-color=0xff00ff00 threshold=0.5 " \
  "person-model=\"\" detection-interval=1 "

static GstCaps *caps;
static GstBuffer *face, *grey;
static GstVideoInfo info;
static guint8 fill_y;           /* luma of the fill colour */
static gchar *tmpdir, *segment;

static void
setup (void)
{
  g_autofree gchar *path = g_build_filename (RB_EVAL_DIR, FACE_IMAGE, NULL);
  GError *err = NULL;
  GstSample *s = rb_eval_decode_jpeg (path, "video/x-raw,format=I420", &err);
  GstHarness *h;
  GstBuffer *out;
  GstVideoFrame f;

  fail_unless (s != NULL, "%s", err ? err->message : path);
  caps = gst_caps_copy (gst_sample_get_caps (s));
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 10, 1, NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  face = gst_buffer_copy_deep (gst_sample_get_buffer (s));
  grey = gst_buffer_copy_deep (face);
  gst_buffer_memset (grey, 0, 128, gst_buffer_get_size (grey));
  gst_sample_unref (s);
  /* the fill colour's luma, as the element paints it on a grey frame */
  h = gst_harness_new_parse ("headblur mode=fill fill-color=0xff00ff00 "
      "person-model=\"\" privacy-zones=\"0,0 0.1,0 0.1,0.1 0,0.1\"");
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (grey));
  fail_unless (gst_video_frame_map (&f, &info, out, GST_MAP_READ));
  fill_y = ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0))[2];
  fail_if (fill_y == 128);
  gst_video_frame_unmap (&f);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  tmpdir = g_dir_make_tmp ("detections-test-XXXXXX", NULL);
  segment = g_build_filename (tmpdir, "cam-0.mkv", NULL);
}

static void
teardown (void)
{
  g_autofree gchar *sc = rb_sidecar_path (segment);

  g_remove (sc);
  g_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&segment, g_free);
  gst_caps_unref (caps);
  gst_buffer_unref (face);
  gst_buffer_unref (grey);
}

/* Share of luma pixels of [x0,x1) x [y0,y1) with the fill colour. */
static gdouble
filled_share (GstBuffer * buf, gint x0, gint y0, gint x1, gint y1)
{
  GstVideoFrame f;
  guint n = 0, all = 0;

  fail_unless (gst_video_frame_map (&f, &info, buf, GST_MAP_READ));
  for (gint y = y0; y < y1; y++)
    for (gint x = x0; x < x1; x++) {
      guint8 *p = GST_VIDEO_FRAME_PLANE_DATA (&f, 0);

      n += p[y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0) + x] == fill_y;
      all++;
    }
  gst_video_frame_unmap (&f);
  return all ? (gdouble) n / all : 0;
}

static guint64
get_stat (GstHarness * h, const gchar * field)
{
  GstElement *e = gst_harness_find_element (h, "headblur");
  GstStructure *st = NULL;
  guint64 v = G_MAXUINT64;

  g_object_get (e, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, field, &v), "no %s", field);
  gst_structure_free (st);
  gst_object_unref (e);
  return v;
}

/* Writes the sidecar of `segment`: frames 0..N_FRAMES-1, all detected,
 * @box on the frames in @with_box (a -1 terminated list), then `end`;
 * @corrupt: every frame line's seal broken; @torn_after: frames after it
 * are cut (the last one halfway), -1 for none. */
static void
write_sidecar (const RbBox * box, const gint * with_box, gboolean corrupt,
    gint torn_after)
{
  g_autofree gchar *path = rb_sidecar_path (segment);
  g_autofree gchar *header = rb_sidecar_seal ("rb-detections 1");
  GString *s = g_string_new (header);

  for (gint i = 0; i < N_FRAMES; i++) {
    gboolean has = FALSE;
    g_autofree gchar *body = NULL, *line = NULL;

    for (const gint * w = with_box; w && *w >= 0; w++)
      has = has || *w == i;
    body = rb_sidecar_format_frame (i * FRAME_DUR, RB_SIDECAR_FRAME_DETECTED,
        1, box, has ? 1 : 0);
    line = rb_sidecar_seal (body);
    if (corrupt)
      line[strlen (line) - 2] = line[strlen (line) - 2] == '0' ? '1' : '0';
    if (torn_after >= 0 && i > torn_after) {
      g_string_append_len (s, line, strlen (line) / 2);
      break;
    }
    g_string_append (s, line);
  }
  if (torn_after < 0)
    g_string_append (s, "end *00fc33b1\n");
  fail_unless (g_file_set_contents (path, s->str, s->len, NULL));
  g_string_free (s, TRUE);
}

/* Runs N_FRAMES copies of @src through a worker's headblur (with the
 * properties @extra too) fed with the sidecar; returns the output
 * buffers. */
static GPtrArray *
run_worker_with (GstBuffer * src, RbDetections * det, const gchar * extra,
    GstHarness ** h_out)
{
  g_autofree gchar *launch = g_strdup_printf ("%s upstream-detections=true "
      "%s", PROPS, extra);
  GstHarness *h = gst_harness_new_parse (launch);
  GstElement *e = gst_harness_find_element (h, "headblur");
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);

  if (det)
    rb_detections_feed (det, e);
  gst_object_unref (e);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (gint i = 0; i < N_FRAMES; i++) {
    GstBuffer *b = gst_buffer_copy_deep (src);

    GST_BUFFER_PTS (b) = i * FRAME_DUR;
    GST_BUFFER_DURATION (b) = FRAME_DUR;
    g_ptr_array_add (out, gst_harness_push_and_pull (h, b));
  }
  *h_out = h;
  return out;
}

static GPtrArray *
run_worker (GstBuffer * src, RbDetections * det, GstHarness ** h_out)
{
  return run_worker_with (src, det, "", h_out);
}

/* The face region the detector finds in @face on its own. */
static void
face_region (gint * x0, gint * y0, gint * x1, gint * y1)
{
  GstHarness *h = gst_harness_new_parse (PROPS "attach-meta=true");
  GstBuffer *out;
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  gboolean found = FALSE;

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (face));
  while ((roi = (GstVideoRegionOfInterestMeta *)
          gst_buffer_iterate_meta_filtered (out, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstStructure *st = gst_video_region_of_interest_meta_get_param (roi,
        "headblur-box");

    if (roi->roi_type != g_quark_from_string ("head") || st == NULL
        || g_strcmp0 (gst_structure_get_string (st, "source"), "det") != 0)
      continue;
    /* the middle half of the first detected head */
    *x0 = roi->x + roi->w / 4;
    *y0 = roi->y + roi->h / 4;
    *x1 = roi->x + roi->w * 3 / 4;
    *y1 = roi->y + roi->h * 3 / 4;
    found = TRUE;
    break;
  }
  fail_unless (found, "no head detected in the face image");
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_START_TEST (test_attach_meta)
{
  GstHarness *h = gst_harness_new_parse ("headblur mode=fill threshold=0.5 "
      "person-model=\"\" detection-interval=3 attach-meta=true");
  GQuark head = g_quark_from_string ("head");
  GQuark marker = g_quark_from_string ("headblur-frame");

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (gint i = 0; i < 3; i++) {
    GstBuffer *b = gst_buffer_copy_deep (face), *out;
    GstVideoRegionOfInterestMeta *roi;
    gpointer state = NULL;
    guint dets = 0, tracks = 0, markers = 0;
    gboolean detected = FALSE;
    guint interval = 0;

    GST_BUFFER_PTS (b) = i * FRAME_DUR;
    out = gst_harness_push_and_pull (h, b);
    while ((roi = (GstVideoRegionOfInterestMeta *)
            gst_buffer_iterate_meta_filtered (out, &state,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstStructure *st;

      if (roi->roi_type == head) {
        gdouble score = -1;

        st = gst_video_region_of_interest_meta_get_param (roi,
            "headblur-box");
        fail_unless (st != NULL);
        fail_unless (gst_structure_get_double (st, "score", &score));
        if (g_strcmp0 (gst_structure_get_string (st, "source"), "det") == 0) {
          dets++;
          fail_unless (score >= 0.5 && score <= 1, "score %f", score);
        } else {
          fail_unless_equals_string (gst_structure_get_string (st,
                  "source"), "track");
          tracks++;
        }
        fail_unless (roi->w > 0 && roi->h > 0);
      } else if (roi->roi_type == marker) {
        st = gst_video_region_of_interest_meta_get_param (roi,
            "headblur-frame");
        fail_unless (st != NULL);
        fail_unless (gst_structure_get_boolean (st, "detected", &detected));
        fail_unless (gst_structure_get_uint (st, "detection-interval",
                &interval));
        markers++;
      }
    }
    fail_unless_equals_int (markers, 1);
    fail_unless_equals_int (interval, 3);
    fail_unless (tracks > 0);
    /* the detector runs on the first frame of three */
    if (i == 0) {
      fail_unless (detected);
      fail_unless (dets > 0);
    } else {
      fail_if (detected);
      fail_unless_equals_int (dets, 0);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A valid sidecar: its boxes are masked, interpolated between detections,
 * on frames where the detector is never run. */
GST_START_TEST (test_valid_sidecar_masks_without_detector)
{
  RbBox box = { 100, 100, 80, 80, 0.9f, RB_BOX_FACE };
  const gint with_box[] = { 0, 9, -1 };
  g_autoptr (RbDetections) det = NULL;
  GError *err = NULL;
  GstHarness *h;
  GPtrArray *out;
  guint frames, covered;

  write_sidecar (&box, with_box, FALSE, -1);
  det = rb_detections_load (segment, GST_SECOND, &err);
  fail_unless (det != NULL, "%s", err ? err->message : "");
  fail_unless (rb_detections_is_complete (det));
  fail_if (rb_detections_nothing_detected (det));
  out = run_worker (grey, det, &h);
  for (guint i = 0; i < out->len; i++)
    fail_unless (filled_share (g_ptr_array_index (out, i), 105, 105, 175,
            175) > 0.99, "frame %u not masked", i);
  /* and nothing else */
  fail_unless (filled_share (g_ptr_array_index (out, 4), 100, 250, 200,
          350) == 0);
  fail_unless_equals_uint64 (get_stat (h, "detections"), 0);
  fail_unless_equals_uint64 (get_stat (h, "upstream-frames"), N_FRAMES);
  rb_detections_get_counts (det, &frames, &covered);
  fail_unless_equals_int (frames, N_FRAMES);
  fail_unless_equals_int (covered, N_FRAMES);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A sidecar that claims no heads on frames with a real face: trusted when
 * valid (the live detector ran there), but when its lines are corrupt
 * every frame goes to the detector and the face is masked. */
GST_START_TEST (test_corrupt_sidecar_falls_back)
{
  g_autoptr (RbDetections) trusted = NULL;
  g_autoptr (RbDetections) det = NULL;
  gint x0, y0, x1, y1;
  GstHarness *h;
  GPtrArray *out;
  guint frames, covered;

  face_region (&x0, &y0, &x1, &y1);

  write_sidecar (NULL, NULL, FALSE, -1);
  trusted = rb_detections_load (segment, GST_SECOND, NULL);
  fail_unless (trusted != NULL);
  fail_unless (rb_detections_nothing_detected (trusted));
  out = run_worker (face, trusted, &h);
  fail_unless_equals_uint64 (get_stat (h, "detections"), 0);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);

  write_sidecar (NULL, NULL, TRUE, -1);
  det = rb_detections_load (segment, GST_SECOND, NULL);
  fail_unless (det != NULL);
  fail_if (rb_detections_nothing_detected (det));
  out = run_worker (face, det, &h);
  for (guint i = 0; i < out->len; i++)
    fail_unless (filled_share (g_ptr_array_index (out, i), x0, y0, x1,
            y1) > 0.95, "frame %u: the face is not masked", i);
  fail_unless_equals_uint64 (get_stat (h, "detections"), N_FRAMES);
  fail_unless_equals_uint64 (get_stat (h, "upstream-frames"), 0);
  rb_detections_get_counts (det, &frames, &covered);
  fail_unless_equals_int (covered, 0);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A valid sidecar that missed a real face: with upstream-check-interval 4
 * the detector still looks at covered frames 3 and 7 (one in four since its
 * last run), finds the face and masks it from then on; with 0 it never
 * runs. */
GST_START_TEST (test_check_interval_catches_misses)
{
  g_autoptr (RbDetections) det = NULL;
  gint x0, y0, x1, y1;
  GstHarness *h;
  GPtrArray *out;

  face_region (&x0, &y0, &x1, &y1);
  write_sidecar (NULL, NULL, FALSE, -1);
  det = rb_detections_load (segment, GST_SECOND, NULL);
  fail_unless (det != NULL && rb_detections_is_complete (det));

  out = run_worker_with (face, det, "upstream-check-interval=4", &h);
  fail_unless_equals_uint64 (get_stat (h, "detections"), 2);
  fail_unless_equals_uint64 (get_stat (h, "upstream-frames"), N_FRAMES);
  fail_unless (filled_share (g_ptr_array_index (out, 2), x0, y0, x1,
          y1) < 0.5, "the face is masked before the first check");
  for (guint i = 3; i < out->len; i++)
    fail_unless (filled_share (g_ptr_array_index (out, i), x0, y0, x1,
            y1) > 0.95, "frame %u: the face is not masked", i);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);

  out = run_worker_with (face, det, "upstream-check-interval=0", &h);
  fail_unless_equals_uint64 (get_stat (h, "detections"), 0);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Torn after frame 4 (a kill -9): frames 0-4 trusted, 5-9 detected. */
GST_START_TEST (test_torn_sidecar_detects_the_rest)
{
  g_autoptr (RbDetections) det = NULL;
  gint x0, y0, x1, y1;
  GstHarness *h;
  GPtrArray *out;

  face_region (&x0, &y0, &x1, &y1);
  write_sidecar (NULL, NULL, FALSE, 4);
  det = rb_detections_load (segment, GST_SECOND, NULL);
  fail_unless (det != NULL);
  fail_if (rb_detections_is_complete (det));
  fail_if (rb_detections_nothing_detected (det));
  out = run_worker (face, det, &h);
  for (guint i = 5; i < out->len; i++)
    fail_unless (filled_share (g_ptr_array_index (out, i), x0, y0, x1,
            y1) > 0.95, "frame %u: the face is not masked", i);
  fail_unless_equals_uint64 (get_stat (h, "detections"), 5);
  fail_unless_equals_uint64 (get_stat (h, "upstream-frames"), 5);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* No sidecar: an error the worker logs, and headblur detects everything. */
GST_START_TEST (test_missing_sidecar)
{
  GError *err = NULL;
  g_autofree gchar *path = rb_sidecar_path (segment);
  RbDetections *det;

  g_remove (path);
  det = rb_detections_load (segment, GST_SECOND, &err);
  fail_unless (det == NULL);
  fail_unless (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
  g_clear_error (&err);
  /* a file that is not a sidecar */
  fail_unless (g_file_set_contents (path, "garbage\n", -1, NULL));
  det = rb_detections_load (segment, GST_SECOND, &err);
  fail_unless (det == NULL);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  g_clear_error (&err);
}

GST_END_TEST;

static Suite *
detections_suite (void)
{
  Suite *s = suite_create ("detections");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_attach_meta);
  tcase_add_test (tc, test_valid_sidecar_masks_without_detector);
  tcase_add_test (tc, test_corrupt_sidecar_falls_back);
  tcase_add_test (tc, test_check_interval_catches_misses);
  tcase_add_test (tc, test_torn_sidecar_detects_the_rest);
  tcase_add_test (tc, test_missing_sidecar);
  return s;
}

GST_CHECK_MAIN (detections);
