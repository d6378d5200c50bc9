/* rtsp-blur: headblur evaluation on the annotated development sets
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

/* headblur-eval: runs the headblur element (mode=fill) and GStreamer's own
 * faceblur over the annotated sets in ${RTSP_BLUR_EVAL_DIR:-../shared/eval}
 * at native size and prints, per set, with the definitions of the eval
 * README:
 *
 *  - head coverage: share of labelled boxes of which >= 70 % of the area is
 *    masked, overall and by size (sqrt(w*h) < 24, 24-64, > 64 px);
 *  - over-masking: share of frame pixels masked outside every labelled box
 *    (each enlarged 1.5x about its centre), averaged over images;
 *  - cost: ms per 1920x1080 frame with 1 and 2 OpenCV threads.
 *
 * How "masked" is measured:
 *  - headblur: the image is decoded to I420 and run through
 *    `headblur mode=fill fill-color=0xff00ff00` (pure green, which JPEG
 *    photos practically never contain exactly); a pixel is masked when its
 *    Y, U and V all equal the fill colour's.
 *  - faceblur blurs instead of filling, so it is measured by comparing its
 *    RGB output with its input: the changed pixels are grouped into 8-connected
 *    regions (after joining gaps of up to 2 px) and the bounding rectangle of
 *    each region counts as masked. faceblur blurs whole rectangles, so this
 *    recovers them even where the blur left flat areas unchanged. faceblur's
 *    OpenCV base class ignores the row stride, so images whose width is not a
 *    multiple of 4 are cropped on the right to one (at most 3 columns, which
 *    then count as unmasked). Its cascade is set explicitly
 *    (Debian's default profile path is broken).
 *
 * Each image is a first frame: the headblur pipeline goes back to READY and
 * to PLAYING between images (models are reloaded, nothing learnt from the
 * previous image survives), so detection always runs. The cost is that of
 * one detection per frame: if the element has a `detection-interval`
 * property it is set to 1 for the timing. --person-model, --person-threshold
 * and --person-inference-width pass the person detector's knobs
 * (--person-model "" measures faces only).
 *
 * OpenCV's thread count is process-global: for the cost of faceblur with N
 * threads, a headblur with threads=N runs first in the same process and
 * leaves cv::setNumThreads(N) in force.
 *
 * This is a program, not a test: it prints figures and never fails on them.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include "rb-eval-data.h"
#include <gst/video/video.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FILL_COLOR 0xff00ff00
#define FACEBLUR_PROFILE \
  "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
#define COVER_FRACTION 0.7
#define CONTEXT_SCALE 1.5

typedef struct
{
  const gchar *key;
  const gchar *title;
  const gchar *dir;
  const gchar *ann;
  const gchar *img;
} EvalSet;

/* *INDENT-OFF* */
static const EvalSet eval_sets[] = {
  {"PartA", "SCUT-HEAD PartA", "scut-head-dev/PartA", "Annotations", "JPEGImages"},
  {"PartB", "SCUT-HEAD PartB", "scut-head-dev/PartB", "Annotations", "JPEGImages"},
  {"face-mask", "face-mask", "face-mask", "annotations", "images"},
};
/* *INDENT-ON* */

/* options */
static gchar *opt_set = NULL;
static gint opt_limit = 0;
static gchar *opt_threads = NULL;
static gdouble opt_threshold = -1;
static gint opt_inference_width = 0;
static gdouble opt_padding = -1;
static gchar *opt_person_model = NULL;
static gchar *opt_props = NULL;
static gdouble opt_person_threshold = -1;
static gint opt_person_inference_width = -1;
static gboolean opt_no_faceblur = FALSE;
static gboolean opt_no_timing = FALSE;
static gboolean opt_verbose = FALSE;

/* ------------------------------------------------------------------ */

typedef RbEvalBox Box;

static GArray *
load_voc (const gchar * path, GError ** error)
{
  return rb_eval_load_voc (path, error);
}

/* ------------------------------------------------------------------ */
/* Pipelines                                                           */

static GstSample *
decode_jpeg (const gchar * path, const gchar * caps)
{
  GError *err = NULL;
  GstSample *sample = rb_eval_decode_jpeg (path, caps, &err);

  if (sample == NULL) {
    g_printerr ("decode %s: %s\n", path, err ? err->message : "failed");
    g_clear_error (&err);
  }
  return sample;
}

/* appsrc ! <filter> ! appsink, fed one frame at a time. */
typedef struct
{
  GstElement *pipeline, *src, *sink, *filter;
} Runner;

static gboolean
runner_init (Runner * r, const gchar * filter)
{
  GError *err = NULL;
  gchar *desc = g_strdup_printf ("appsrc name=src format=time ! %s name=f ! "
      "appsink name=sink sync=false", filter);

  r->pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (r->pipeline == NULL) {
    g_printerr ("%s: %s\n", filter, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  r->src = gst_bin_get_by_name (GST_BIN (r->pipeline), "src");
  r->sink = gst_bin_get_by_name (GST_BIN (r->pipeline), "sink");
  r->filter = gst_bin_get_by_name (GST_BIN (r->pipeline), "f");
  if (gst_element_set_state (r->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("%s: cannot start\n", filter);
    return FALSE;
  }
  return TRUE;
}

static void
runner_clear (Runner * r)
{
  if (r->pipeline) {
    gst_element_set_state (r->pipeline, GST_STATE_NULL);
    gst_clear_object (&r->src);
    gst_clear_object (&r->sink);
    gst_clear_object (&r->filter);
    gst_clear_object (&r->pipeline);
  }
}

/* Back to READY and to PLAYING again: the element forgets everything it
 * learnt from earlier frames (tracks, detection schedule), so the next
 * frame is a first frame and always runs detection. */
static gboolean
runner_reset (Runner * r)
{
  gst_element_set_state (r->pipeline, GST_STATE_READY);
  return gst_element_set_state (r->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE;
}

/* Sets an integer property if the element has it (properties that other
 * branches add, e.g. detection-interval). */
static void
set_int_if_exists (GstElement * e, const gchar * name, gint value)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), name))
    g_object_set (e, name, value, NULL);
}

static gdouble
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Pushes @buf, returns the output; @ms: wall time, @cpu: CPU time of the
 * whole process (all threads) meanwhile, both in ms. */
static GstSample *
runner_run (Runner * r, GstCaps * caps, GstBuffer * buf, gdouble * ms,
    gdouble * cpu)
{
  GstSample *out;
  gint64 t0;
  gdouble c0;

  gst_app_src_set_caps (GST_APP_SRC (r->src), caps);
  t0 = g_get_monotonic_time ();
  c0 = cpu_ms ();
  gst_app_src_push_buffer (GST_APP_SRC (r->src), buf);
  out = gst_app_sink_try_pull_sample (GST_APP_SINK (r->sink),
      120 * GST_SECOND);
  if (ms)
    *ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (cpu)
    *cpu = cpu_ms () - c0;
  if (out == NULL) {
    GstBus *bus = gst_element_get_bus (r->pipeline);
    GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (m) {
      GError *err;
      gst_message_parse_error (m, &err, NULL);
      g_printerr ("error: %s\n", err->message);
      g_clear_error (&err);
      gst_message_unref (m);
    }
    gst_object_unref (bus);
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* Masks and scores                                                    */

static void
fill_yuv (const GstVideoInfo * info, guint8 out[3])
{
  gdouble r = (FILL_COLOR >> 16) & 0xff, g = (FILL_COLOR >> 8) & 0xff,
      b = FILL_COLOR & 0xff;
  gdouble y = 0.299 * r + 0.587 * g + 0.114 * b;
  gdouble u = (b - y) / 1.772, v = (r - y) / 1.402;

  if (info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255) {
    u += 128;
    v += 128;
  } else {
    y = 16 + y * 219 / 255;
    u = 128 + u * 224 / 255;
    v = 128 + v * 224 / 255;
  }
  out[0] = CLAMP (lround (y), 0, 255);
  out[1] = CLAMP (lround (u), 0, 255);
  out[2] = CLAMP (lround (v), 0, 255);
}

/* headblur: pixels at the fill colour in all of Y, U and V. */
static guint8 *
mask_from_fill (GstSample * out)
{
  GstVideoInfo info;
  GstVideoFrame f;
  guint8 fill[3], *mask;
  gint x, y;

  gst_video_info_from_caps (&info, gst_sample_get_caps (out));
  fill_yuv (&info, fill);
  gst_video_frame_map (&f, &info, gst_sample_get_buffer (out), GST_MAP_READ);
  mask = g_malloc0 ((gsize) info.width * info.height);
  for (y = 0; y < info.height; y++) {
    const guint8 *yp = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);
    const guint8 *up = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 1) +
        (y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 1);
    const guint8 *vp = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 2) +
        (y / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 2);
    for (x = 0; x < info.width; x++)
      mask[y * info.width + x] = yp[x] == fill[0] && up[x / 2] == fill[1]
          && vp[x / 2] == fill[2];
  }
  gst_video_frame_unmap (&f);
  return mask;
}

/* faceblur: bounding rectangles of the regions of changed pixels. The
 * output may be narrower than the input (see the header comment). */
static guint8 *
mask_from_diff (GstSample * in, GstSample * out, gint width, gint height)
{
  GstVideoInfo ii, oi;
  GstVideoFrame fi, fo;
  guint8 *changed, *mask;
  gint *stack, x, y, w, h;

  gst_video_info_from_caps (&ii, gst_sample_get_caps (in));
  gst_video_info_from_caps (&oi, gst_sample_get_caps (out));
  w = oi.width;
  h = oi.height;
  gst_video_frame_map (&fi, &ii, gst_sample_get_buffer (in), GST_MAP_READ);
  gst_video_frame_map (&fo, &oi, gst_sample_get_buffer (out), GST_MAP_READ);
  changed = g_malloc0 ((gsize) w * h);
  for (y = 0; y < h; y++) {
    const guint8 *a = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fi, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&fi, 0);
    const guint8 *b = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fo, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&fo, 0);
    for (x = 0; x < w; x++)
      if (memcmp (a + 3 * x, b + 3 * x, 3) != 0) {
        /* join gaps of up to 2 px: mark a 5x5 neighbourhood */
        gint dx, dy;
        for (dy = -2; dy <= 2; dy++)
          for (dx = -2; dx <= 2; dx++)
            if (y + dy >= 0 && y + dy < h && x + dx >= 0 && x + dx < w)
              changed[(y + dy) * w + x + dx] |= 1;
        changed[y * w + x] |= 2;        /* really changed */
      }
  }
  gst_video_frame_unmap (&fi);
  gst_video_frame_unmap (&fo);

  mask = g_malloc0 ((gsize) width * height);
  stack = g_new (gint, (gsize) w * h);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      gint n = 0, bx0 = w, by0 = h, bx1 = -1, by1 = -1, yy, xx;

      if (!(changed[y * w + x] & 1))
        continue;
      changed[y * w + x] &= ~1;
      stack[n++] = y * w + x;
      while (n > 0) {
        gint p = stack[--n], px = p % w, py = p / w, dx, dy;
        if (changed[p] & 2) {
          bx0 = MIN (bx0, px);
          by0 = MIN (by0, py);
          bx1 = MAX (bx1, px);
          by1 = MAX (by1, py);
        }
        for (dy = -1; dy <= 1; dy++)
          for (dx = -1; dx <= 1; dx++) {
            gint qx = px + dx, qy = py + dy;
            if (qx >= 0 && qx < w && qy >= 0 && qy < h
                && (changed[qy * w + qx] & 1)) {
              changed[qy * w + qx] &= ~1;
              stack[n++] = qy * w + qx;
            }
          }
      }
      for (yy = by0; yy <= by1; yy++)
        for (xx = bx0; xx <= bx1; xx++)
          mask[yy * width + xx] = 1;
    }
  g_free (stack);
  g_free (changed);
  return mask;
}

typedef struct
{
  guint boxes[4];               /* all, < 24, 24-64, > 64 px */
  guint covered[4];
  gdouble over_sum;
  guint n_images;
  guint n_failed;
} Stats;

static gint
size_bin (const Box * b)
{
  gdouble s = sqrt ((gdouble) (b->x1 - b->x0) * (b->y1 - b->y0));

  return s < 24 ? 1 : s <= 64 ? 2 : 3;
}

static void
score (Stats * st, const guint8 * mask, gint w, gint h, GArray * boxes,
    guint * covered_out)
{
  guint8 *context = g_malloc0 ((gsize) w * h);
  guint64 over = 0;
  guint i, covered = 0;
  gint x, y;

  for (i = 0; i < boxes->len; i++) {
    const Box *b = &g_array_index (boxes, Box, i);
    guint64 n = 0, m = 0;
    gdouble cx = (b->x0 + b->x1) / 2.0, cy = (b->y0 + b->y1) / 2.0;
    gdouble hw = (b->x1 - b->x0) * CONTEXT_SCALE / 2;
    gdouble hh = (b->y1 - b->y0) * CONTEXT_SCALE / 2;
    gint bin = size_bin (b);

    for (y = MAX (b->y0, 0); y < MIN (b->y1, h); y++)
      for (x = MAX (b->x0, 0); x < MIN (b->x1, w); x++) {
        n++;
        m += mask[y * w + x];
      }
    st->boxes[0]++;
    st->boxes[bin]++;
    if (n > 0 && m >= COVER_FRACTION * n) {
      st->covered[0]++;
      st->covered[bin]++;
      covered++;
    }
    for (y = MAX ((gint) floor (cy - hh), 0); y < MIN ((gint) ceil (cy + hh),
            h); y++)
      for (x = MAX ((gint) floor (cx - hw), 0);
          x < MIN ((gint) ceil (cx + hw), w); x++)
        context[y * w + x] = 1;
  }
  for (i = 0; i < (guint) (w * h); i++)
    over += mask[i] && !context[i];
  st->over_sum += (gdouble) over / ((gdouble) w * h);
  st->n_images++;
  g_free (context);
  if (covered_out)
    *covered_out = covered;
}

/* ------------------------------------------------------------------ */

static gchar *
headblur_desc (const gchar * mode, gint threads)
{
  GString *s = g_string_new ("headblur");

  g_string_append_printf (s, " mode=%s fill-color=0x%x", mode, FILL_COLOR);
  if (threads >= 0)
    g_string_append_printf (s, " threads=%d", threads);
  if (opt_threshold >= 0)
    g_string_append_printf (s, " threshold=%g", opt_threshold);
  if (opt_inference_width > 0)
    g_string_append_printf (s, " inference-width=%d", opt_inference_width);
  if (opt_padding >= 0)
    g_string_append_printf (s, " padding=%g", opt_padding);
  if (opt_person_model)
    g_string_append_printf (s, " person-model=\"%s\"", opt_person_model);
  if (opt_person_threshold >= 0)
    g_string_append_printf (s, " person-threshold=%g", opt_person_threshold);
  if (opt_person_inference_width >= 0)
    g_string_append_printf (s, " person-inference-width=%d",
        opt_person_inference_width);
  /* any other headblur properties, last, e.g. a head-model slot */
  if (opt_props)
    g_string_append_printf (s, " %s", opt_props);
  return g_string_free (s, FALSE);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar **) a, *(const gchar **) b);
}

static GPtrArray *
list_images (const gchar * eval_dir, const EvalSet * set)
{
  gchar *dir = g_build_filename (eval_dir, set->dir, set->ann, NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const gchar *n;

  while (d && (n = g_dir_read_name (d)))
    if (g_str_has_suffix (n, ".xml"))
      g_ptr_array_add (names, g_strndup (n, strlen (n) - 4));
  if (d)
    g_dir_close (d);
  g_free (dir);
  g_ptr_array_sort (names, compare_names);
  if (opt_limit > 0 && names->len > (guint) opt_limit)
    g_ptr_array_set_size (names, opt_limit);
  return names;
}

static void
eval_set (const gchar * eval_dir, const EvalSet * set, Stats * hb,
    Stats * fb)
{
  GPtrArray *names = list_images (eval_dir, set);
  Runner rh = { 0, }, rf = { 0, };
  gchar *desc = headblur_desc ("fill", -1);
  guint i;

  if (!runner_init (&rh, desc))
    g_error ("cannot run %s", desc);
  g_free (desc);
  if (!opt_no_faceblur && !runner_init (&rf, "faceblur profile="
          FACEBLUR_PROFILE))
    g_error ("cannot run faceblur");

  for (i = 0; i < names->len; i++) {
    const gchar *name = g_ptr_array_index (names, i);
    gchar *file = g_strconcat (name, ".xml", NULL);
    gchar *xml = g_build_filename (eval_dir, set->dir, set->ann, file, NULL);
    gchar *jpg;
    GError *err = NULL;
    GArray *boxes;
    GstSample *in, *out;
    GstVideoInfo info;
    guint8 *mask;
    guint cov_h = 0, cov_f = 0;

    g_free (file);
    file = g_strconcat (name, ".jpg", NULL);
    jpg = g_build_filename (eval_dir, set->dir, set->img, file, NULL);
    g_free (file);
    boxes = load_voc (xml, &err);
    if (boxes == NULL) {
      g_printerr ("%s: %s\n", xml, err->message);
      g_clear_error (&err);
      goto next;
    }

    /* headblur, I420 at native size */
    in = decode_jpeg (jpg, "video/x-raw,format=I420");
    if (in == NULL) {
      hb->n_failed++;
      goto next_boxes;
    }
    gst_video_info_from_caps (&info, gst_sample_get_caps (in));
    if (i > 0 && !runner_reset (&rh))
      g_error ("cannot restart headblur");
    out = runner_run (&rh, gst_sample_get_caps (in),
        gst_buffer_ref (gst_sample_get_buffer (in)), NULL, NULL);
    if (out) {
      mask = mask_from_fill (out);
      score (hb, mask, info.width, info.height, boxes, &cov_h);
      g_free (mask);
      gst_sample_unref (out);
    } else {
      hb->n_failed++;
    }
    gst_sample_unref (in);

    /* faceblur, RGB, width cropped to a multiple of 4 */
    if (!opt_no_faceblur) {
      gchar *caps = g_strdup_printf ("video/x-raw,format=RGB,width=%d,"
          "height=%d", info.width, info.height);
      GstSample *rgb = decode_jpeg (jpg, caps);
      g_free (caps);
      if (rgb) {
        GstVideoInfo ri;
        GstBuffer *buf;
        GstCaps *c;
        gint cw = info.width & ~3;

        gst_video_info_set_format (&ri, GST_VIDEO_FORMAT_RGB, cw,
            info.height);
        c = gst_video_info_to_caps (&ri);
        /* copy into a tightly packed frame (stride = 3 * width) */
        buf = gst_buffer_new_allocate (NULL, ri.size, NULL);
        {
          GstVideoFrame src, dst;
          GstVideoInfo si;
          gint y;
          gst_video_info_from_caps (&si, gst_sample_get_caps (rgb));
          gst_video_frame_map (&src, &si, gst_sample_get_buffer (rgb),
              GST_MAP_READ);
          gst_video_frame_map (&dst, &ri, buf, GST_MAP_WRITE);
          for (y = 0; y < ri.height; y++)
            memcpy ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&dst, 0) +
                y * GST_VIDEO_FRAME_PLANE_STRIDE (&dst, 0),
                (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&src, 0) +
                y * GST_VIDEO_FRAME_PLANE_STRIDE (&src, 0), 3 * cw);
          gst_video_frame_unmap (&src);
          gst_video_frame_unmap (&dst);
        }
        {
          GstSample *ins = gst_sample_new (buf, c, NULL, NULL);
          out = runner_run (&rf, c, gst_buffer_copy_deep (buf), NULL, NULL);
          if (out) {
            mask = mask_from_diff (ins, out, info.width, info.height);
            score (fb, mask, info.width, info.height, boxes, &cov_f);
            g_free (mask);
            gst_sample_unref (out);
          } else {
            fb->n_failed++;
          }
          gst_sample_unref (ins);
        }
        gst_buffer_unref (buf);
        gst_caps_unref (c);
        gst_sample_unref (rgb);
      } else {
        fb->n_failed++;
      }
    }
    if (opt_verbose)
      g_printerr ("%s %s %dx%d: %u boxes, headblur %u, faceblur %u\n",
          set->key, name, info.width, info.height, boxes->len, cov_h, cov_f);
  next_boxes:
    g_array_unref (boxes);
  next:
    g_free (xml);
    g_free (jpg);
  }
  runner_clear (&rh);
  runner_clear (&rf);
  g_ptr_array_unref (names);
}

/* ms per frame for @filter on @frame: @warm frames, then the medians of
 * @n wall and process CPU times. */
static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static gboolean
time_filter (const gchar * filter, GstSample * frame, guint warm, guint n,
    gdouble * wall_med, gdouble * cpu_med)
{
  Runner r = { 0, };
  gdouble *wall = g_new0 (gdouble, n), *cpu = g_new0 (gdouble, n);
  guint i;

  if (!runner_init (&r, filter))
    return FALSE;
  /* the cost of one detection run: detect on every frame */
  set_int_if_exists (r.filter, "detection-interval", 1);
  for (i = 0; i < warm + n; i++) {
    gdouble w, c;
    GstSample *out = runner_run (&r, gst_sample_get_caps (frame),
        gst_buffer_copy_deep (gst_sample_get_buffer (frame)), &w, &c);
    if (out == NULL) {
      runner_clear (&r);
      g_free (wall);
      g_free (cpu);
      return FALSE;
    }
    gst_sample_unref (out);
    if (i >= warm) {
      wall[i - warm] = w;
      cpu[i - warm] = c;
    }
  }
  runner_clear (&r);
  qsort (wall, n, sizeof (gdouble), compare_double);
  qsort (cpu, n, sizeof (gdouble), compare_double);
  *wall_med = wall[n / 2];
  *cpu_med = cpu[n / 2];
  g_free (wall);
  g_free (cpu);
  return TRUE;
}

static void
print_row (const gchar * set, const gchar * who, const Stats * st)
{
  gchar cells[4][32];
  gint i;

  for (i = 0; i < 4; i++) {
    if (st->boxes[i] == 0)
      g_snprintf (cells[i], sizeof (cells[i]), "-");
    else
      g_snprintf (cells[i], sizeof (cells[i]), "%.1f %% (%u/%u)",
          100.0 * st->covered[i] / st->boxes[i], st->covered[i],
          st->boxes[i]);
  }
  g_print ("| %s | %s | %u | %s | %s | %s | %s | %.2f %% |\n", set, who,
      st->n_images, cells[0], cells[1], cells[2], cells[3],
      st->n_images ? 100.0 * st->over_sum / st->n_images : 0.0);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"set", 's', 0, G_OPTION_ARG_STRING, &opt_set,
        "Evaluate only this set: PartA, PartB or face-mask", "SET"},
    {"limit", 'n', 0, G_OPTION_ARG_INT, &opt_limit,
        "Use only the first N images of each set (0 = all)", "N"},
    {"threads", 't', 0, G_OPTION_ARG_STRING, &opt_threads,
        "Comma-separated OpenCV thread counts for the cost (default 1,2)",
        "LIST"},
    {"threshold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_threshold,
        "headblur threshold (default: the element's)", "T"},
    {"inference-width", 0, 0, G_OPTION_ARG_INT, &opt_inference_width,
        "headblur inference-width (default: the element's)", "W"},
    {"padding", 0, 0, G_OPTION_ARG_DOUBLE, &opt_padding,
        "headblur padding (default: the element's)", "P"},
    {"person-model", 0, 0, G_OPTION_ARG_STRING, &opt_person_model,
        "headblur person-model (\"\" disables the person detector)", "PATH"},
    {"person-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_person_threshold,
        "headblur person-threshold (default: the element's)", "T"},
    {"person-inference-width", 0, 0, G_OPTION_ARG_INT,
          &opt_person_inference_width,
        "headblur person-inference-width (default: the element's)", "W"},
    {"props", 'p', 0, G_OPTION_ARG_STRING, &opt_props,
          "More headblur properties, in gst-launch syntax, applied last "
          "(e.g. \"head-model=m.onnx head-model-format=yolov8-onnx "
          "head-classes=0:head\")", "PROPS"},
    {"no-faceblur", 0, 0, G_OPTION_ARG_NONE, &opt_no_faceblur,
        "Do not run GStreamer's faceblur for comparison", NULL},
    {"no-timing", 0, 0, G_OPTION_ARG_NONE, &opt_no_timing,
        "Do not measure the cost per 1080p frame", NULL},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
        "Print per-image results on stderr", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- evaluate headblur");
  GError *err = NULL;
  const gchar *env = g_getenv ("RTSP_BLUR_EVAL_DIR");
  gchar *eval_dir = g_strdup (env ? env : "../shared/eval");
  gchar **threads;
  gchar *hb_desc;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 64;                  /* EX_USAGE */
  }
  g_option_context_free (ctx);
  if (!g_file_test (eval_dir, G_FILE_TEST_IS_DIR)) {
    g_printerr ("evaluation data not found in %s (set RTSP_BLUR_EVAL_DIR)\n",
        eval_dir);
    return 66;                  /* EX_NOINPUT */
  }

  hb_desc = headblur_desc ("fill", -1);
  g_print ("# headblur evaluation (%s)\n\n", eval_dir);
  g_print ("headblur: `%s`; faceblur: `faceblur profile=%s` (defaults "
      "otherwise). Coverage: labelled boxes with >= %.0f %% of their area "
      "masked; over-masking: masked share of the frame outside every "
      "labelled box enlarged %.1fx, mean over images.\n\n", hb_desc,
      FACEBLUR_PROFILE, COVER_FRACTION * 100, CONTEXT_SCALE);
  g_free (hb_desc);
  g_print ("| set | element | images | coverage | < 24 px | 24-64 px | "
      "> 64 px | over-masking |\n");
  g_print ("|---|---|---|---|---|---|---|---|\n");

  for (i = 0; i < G_N_ELEMENTS (eval_sets); i++) {
    Stats hb = { {0,}, }, fb = { {0,}, };

    if (opt_set && g_ascii_strcasecmp (opt_set, eval_sets[i].key) != 0)
      continue;
    eval_set (eval_dir, &eval_sets[i], &hb, &fb);
    print_row (eval_sets[i].title, "headblur", &hb);
    if (!opt_no_faceblur)
      print_row (eval_sets[i].title, "faceblur", &fb);
    if (hb.n_failed || fb.n_failed)
      g_printerr ("%s: %u headblur and %u faceblur images failed\n",
          eval_sets[i].key, hb.n_failed, fb.n_failed);
  }

  if (!opt_no_timing) {
    /* a classroom CCTV frame scaled to 1080p */
    gchar *jpg = g_build_filename (eval_dir, "scut-head-dev", "PartA",
        "JPEGImages", "PartA_00445.jpg", NULL);
    GstSample *i420 = decode_jpeg (jpg,
        "video/x-raw,format=I420,width=1920,height=1080");
    GstSample *rgb = decode_jpeg (jpg,
        "video/x-raw,format=RGB,width=1920,height=1080");

    g_print ("\nCost per 1920x1080 frame (PartA_00445 scaled to 1080p), "
        "medians in ms: wall time / CPU time of the process (all threads). "
        "The machine is shared, so wall times vary with its load.\n\n"
        "| threads | headblur (I420, mode=blur) | faceblur (RGB) |\n"
        "|---|---|---|\n");
    threads = g_strsplit (opt_threads ? opt_threads : "1,2", ",", -1);
    for (i = 0; threads[i]; i++) {
      gint n = atoi (threads[i]);
      gchar *desc = headblur_desc ("blur", n);
      gchar hs[64] = "-", fs[64] = "-";
      gdouble w, c;

      if (time_filter (desc, i420, 5, 30, &w, &c))
        g_snprintf (hs, sizeof (hs), "%.1f / %.1f", w, c);
      /* headblur left cv::setNumThreads(n) in force for faceblur */
      if (!opt_no_faceblur && time_filter ("faceblur profile="
              FACEBLUR_PROFILE, rgb, 2, 7, &w, &c))
        g_snprintf (fs, sizeof (fs), "%.1f / %.1f", w, c);
      g_print ("| %d | %s | %s |\n", n, hs, fs);
      g_free (desc);
    }
    g_strfreev (threads);
    gst_sample_unref (i420);
    gst_sample_unref (rgb);
    g_free (jpg);
  }
  g_free (eval_dir);
  return 0;
}
