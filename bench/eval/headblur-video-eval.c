/* rtsp-blur: headblur evaluation on panning clips made from the annotated
 * development sets
 * Copyright (C) 2026 rtsp-blur contributors
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

/* headblur-video-eval: runs the headblur element (mode=fill) over short
 * 1920x1080 clips made from the annotated images of
 * ${RTSP_BLUR_EVAL_DIR:-../shared/eval} (SCUT-HEAD PartA and PartB), in
 * which every labelled head moves with a known box, and prints per setting
 * and set, with the definitions of the eval README applied per frame:
 *
 *  - frame coverage: share of (head, frame) pairs in which >= 70 % of the
 *    head's visible box is masked;
 *  - exposed: share of heads that are not covered in at least one frame of
 *    their clip (one unmasked frame identifies a person);
 *  - never masked: share of heads covered in none of their frames (a miss
 *    no tracking can mend);
 *  - over-masking: share of frame pixels masked outside every labelled box
 *    (each enlarged 1.5x about its centre, partly visible ones included),
 *    averaged over frames;
 *  - cost: process CPU time per frame while the clip runs through the
 *    pipeline (all threads; frames are prepared beforehand).
 *
 * Clips. Each image is decoded to I420 and scaled (videoscale, aspect kept)
 * by s = max (2280 / width, 1080 / height), the smallest scale at which a
 * 1920x1080 window fits with 360 px to spare across (SCUT-HEAD PartA
 * frames, about 1000x570, are scaled about 2.3x: their heads, mostly under
 * 30 px at native size, are 30-70 px in the clip, as in a 1080p classroom
 * camera). The window is centred vertically and pans horizontally from the
 * left edge at speed v px/s for --frames frames at --fps (default 45 frames
 * at 15 fps, 3 s), so every head moves at -v px/s in the clip: speeds
 * default to 0 (a static clip), 30, 60, 90 and 120 px/s, i.e. 0, 2, 4, 6
 * and 8 px per frame (even steps keep the I420 chroma aligned). Each
 * labelled box is scaled by s and moved with the window.
 *
 * Heads at the border: a head counts in a frame when at least 50 % of its
 * box is inside the frame, and is then scored on its visible part; heads
 * less visible than that are not scored in that frame (their pixels still
 * count as labelled for over-masking). A head is in a clip when it counts
 * in at least one of its frames.
 *
 * Settings: "live" is the launcher's live path: the element with
 * detection-interval=5 lookahead=5 (RB_LIVE_DETECTION_INTERVAL and
 * RB_LIVE_LOOKAHEAD, daemon/rb-pipelines.h: what the launcher sets, with
 * live-lookahead's default), then --props and --live-props (pass
 * --live-props "detection-interval=3 lookahead=0" for the element's own
 * defaults); "recordings" is the element's defaults plus
 * detection-interval=1 lookahead=15 (the workers' headblur properties,
 * detecting on every frame, without the sidecar). "workers" is the path
 * the segment workers ship ("Detect once, use twice"), in two passes over
 * the same clip: pass 1 runs the live path's headblur
 * (RB_LIVE_HEADBLUR_PROPS: threads=1 attach-meta=true detection-interval=5
 * lookahead=5, plus --props and --live-props) and writes the sidecar
 * lines exactly as the launcher does (gst-libs/rtsp-blur/rb-detections.c
 * into lib/rb-sidecar's writer, through bench/common/rb-bench-sidecar);
 * pass 2 is the worker's headblur (daemon/worker/rb-worker.c,
 * daemon/rb-pipelines.c: --props as its [headblur] keys, then
 * detection-interval=1 lookahead=15 threads=1, then --workers-props) fed,
 * as the worker feeds it, with the
 * sidecar loaded and smoothed over the whole clip in both directions
 * (lib/rb-tracks, the hold-time of that headblur) as region-of-interest
 * metas, upstream-detections=true: it detects only on the frames the
 * sidecar does not cover, and on one covered frame in
 * upstream-check-interval (32). Pass 2's output is scored, and its CPU
 * time (loading and smoothing included) is the cost printed; pass 1's is
 * printed below the table. All run in a non-live pipeline (appsrc, not
 * live), so the element never skips a detection for being late: the live
 * path's CPU cost is measured separately by bench/live/live-cost. Each
 * clip runs in a new pipeline, so it starts from a fresh element (no
 * tracks).
 *
 * Masked pixels are found as in headblur-eval: `mode=fill
 * fill-color=0xff00ff00` and Y, U and V all equal to the fill colour.
 *
 * This is a program, not a test: it prints figures and never fails on them.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "rb-bench-sidecar.h"
#include "rb-eval-data.h"
#include "rb-pipelines.h"
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FILL_COLOR 0xff00ff00
#define COVER_FRACTION 0.7
#define CONTEXT_SCALE 1.5
#define MIN_VISIBLE 0.5
#define OUT_W 1920
#define OUT_H 1080
#define MAX_SPEED_SPARE 360     /* px of pan the scale leaves room for */
#define MAX_SETTINGS 3
/* the workers' segment-lookahead default (daemon/rb-pipelines.h) */
#define WORKER_LOOKAHEAD RB_SEGMENT_LOOKAHEAD
/* what the launcher's live path sets before the [headblur] keys
 * (daemon/rb-pipelines.h, with live-lookahead's default) */
#define LIVE_PATH_PROPS " detection-interval=" \
  G_STRINGIFY (RB_LIVE_DETECTION_INTERVAL) \
  " lookahead=" G_STRINGIFY (RB_LIVE_LOOKAHEAD)

typedef struct
{
  const gchar *key;
  const gchar *title;
  const gchar *dir;
} EvalSet;

/* *INDENT-OFF* */
static const EvalSet eval_sets[] = {
  {"PartA", "SCUT-HEAD PartA", "scut-head-dev/PartA"},
  {"PartB", "SCUT-HEAD PartB", "scut-head-dev/PartB"},
};
/* *INDENT-ON* */

/* options */
static gchar *opt_set = NULL;
static gint opt_limit = 12;
static gchar *opt_speeds = NULL;
static gchar *opt_settings = NULL;
static gchar *opt_props = NULL;
static gchar *opt_live_props = NULL;
static gchar *opt_rec_props = NULL;
static gchar *opt_workers_props = NULL;
static gint opt_frames = 45;
static gint opt_fps = 15;
static gboolean opt_verbose = FALSE;
static gboolean opt_exposures = FALSE;

typedef RbEvalBox Box;

typedef struct
{
  guint64 pairs, covered_pairs;
  guint heads, exposed, never;
  gdouble over_sum;
  guint64 n_frames;
  gdouble cpu_ms;
  gdouble pass1_cpu_ms;         /* workers: the live pass */
  guint64 sidecar_frames, sidecar_covered;      /* workers */
  guint n_clips;
} Stats;

static gdouble
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

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

/* ------------------------------------------------------------------ */
/* Clips                                                               */

/* The scaled image (I420, tightly packed planes). */
typedef struct
{
  gint w, h;
  guint8 *y, *u, *v;            /* strides w, w / 2, w / 2 */
  gdouble scale;
} Canvas;

static gboolean
canvas_load (Canvas * c, const gchar * jpg, gint iw, gint ih)
{
  gdouble s = MAX ((gdouble) (OUT_W + MAX_SPEED_SPARE) / iw,
      (gdouble) OUT_H / ih);
  gint w = ((gint) ceil (iw * s) + 1) & ~1, h = ((gint) ceil (ih * s) + 1) & ~1;
  gchar *caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,"
      "pixel-aspect-ratio=1/1", w, h);
  GError *err = NULL;
  GstSample *smp = rb_eval_decode_jpeg (jpg, caps, &err);
  GstVideoInfo info;
  GstVideoFrame f;
  gint p, row;

  g_free (caps);
  if (smp == NULL) {
    g_printerr ("%s: %s\n", jpg, err ? err->message : "cannot decode");
    g_clear_error (&err);
    return FALSE;
  }
  gst_video_info_from_caps (&info, gst_sample_get_caps (smp));
  c->w = w;
  c->h = h;
  /* the boxes scale with the picture as videoscale scaled it */
  c->scale = (gdouble) w / iw;
  c->y = g_malloc ((gsize) w * h);
  c->u = g_malloc ((gsize) w * h / 4);
  c->v = g_malloc ((gsize) w * h / 4);
  gst_video_frame_map (&f, &info, gst_sample_get_buffer (smp), GST_MAP_READ);
  for (p = 0; p < 3; p++) {
    gint pw = p ? w / 2 : w, ph = p ? h / 2 : h;
    guint8 *dst = p == 0 ? c->y : p == 1 ? c->u : c->v;
    for (row = 0; row < ph; row++)
      memcpy (dst + (gsize) row * pw,
          (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, p) +
          (gsize) row * GST_VIDEO_FRAME_PLANE_STRIDE (&f, p), pw);
  }
  gst_video_frame_unmap (&f);
  gst_sample_unref (smp);
  return TRUE;
}

static void
canvas_clear (Canvas * c)
{
  g_free (c->y);
  g_free (c->u);
  g_free (c->v);
}

/* The 1920x1080 window at (@ox, @oy) (even) as an I420 buffer. */
static GstBuffer *
canvas_crop (const Canvas * c, const GstVideoInfo * info, gint ox, gint oy)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstVideoFrame f;
  gint p, row;

  gst_video_frame_map (&f, info, buf, GST_MAP_WRITE);
  for (p = 0; p < 3; p++) {
    gint cw = p ? c->w / 2 : c->w, sh = p ? 1 : 0;
    const guint8 *src = p == 0 ? c->y : p == 1 ? c->u : c->v;
    gint ow = OUT_W >> sh, oh = OUT_H >> sh;
    for (row = 0; row < oh; row++)
      memcpy ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, p) +
          (gsize) row * GST_VIDEO_FRAME_PLANE_STRIDE (&f, p),
          src + (gsize) ((oy >> sh) + row) * cw + (ox >> sh), ow);
  }
  gst_video_frame_unmap (&f);
  return buf;
}

/* ------------------------------------------------------------------ */
/* Pipeline                                                            */

typedef struct
{
  GstElement *pipeline, *src, *sink;
} Runner;

static gboolean
runner_init (Runner * r, const gchar * filter, GstCaps * caps)
{
  GError *err = NULL;
  gchar *desc = g_strdup_printf ("appsrc name=src format=time "
      "max-bytes=0 block=false ! %s ! appsink name=sink sync=false "
      "max-buffers=0", filter);

  r->pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (r->pipeline == NULL) {
    g_printerr ("%s: %s\n", filter, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  r->src = gst_bin_get_by_name (GST_BIN (r->pipeline), "src");
  r->sink = gst_bin_get_by_name (GST_BIN (r->pipeline), "sink");
  gst_app_src_set_caps (GST_APP_SRC (r->src), caps);
  return TRUE;
}

static void
runner_clear (Runner * r)
{
  if (r->pipeline) {
    gst_element_set_state (r->pipeline, GST_STATE_NULL);
    gst_clear_object (&r->src);
    gst_clear_object (&r->sink);
    gst_clear_object (&r->pipeline);
  }
}

static void
print_bus_error (Runner * r)
{
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

/* Runs @frames through the pipeline (started here; use a new one per
 * clip, so every clip starts from a fresh element); returns the output
 * samples in order (NULL on error); *@cpu: process CPU time meanwhile. */
static GPtrArray *
runner_run_clip (Runner * r, GPtrArray * frames, gdouble * cpu)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
  gdouble c0;
  guint i;

  if (gst_element_set_state (r->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    print_bus_error (r);
    g_ptr_array_unref (out);
    return NULL;
  }
  c0 = cpu_ms ();
  for (i = 0; i < frames->len; i++)
    gst_app_src_push_buffer (GST_APP_SRC (r->src),
        gst_buffer_ref (g_ptr_array_index (frames, i)));
  gst_app_src_end_of_stream (GST_APP_SRC (r->src));
  for (i = 0; i < frames->len; i++) {
    GstSample *s = gst_app_sink_try_pull_sample (GST_APP_SINK (r->sink),
        120 * GST_SECOND);
    if (s == NULL)
      break;
    g_ptr_array_add (out, s);
  }
  *cpu = cpu_ms () - c0;
  if (out->len != frames->len) {
    g_printerr ("clip: %u of %u frames out\n", out->len, frames->len);
    print_bus_error (r);
    g_ptr_array_unref (out);
    out = NULL;
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* Scores                                                              */

/* Scores one output frame: boxes @boxes (canvas pixels, scaled) seen
 * through the window at (@ox, @oy). @present[i] is set for each counted
 * head, @covered[i] or @exposed[i] as it is covered or not. */
static void
score_frame (Stats * st, GstSample * smp, const guint8 fill[3],
    const GArray * boxes, gdouble scale, gint ox, gint oy, guint8 * context,
    gboolean * present, gboolean * exposed, gboolean * covered)
{
  GstVideoInfo info;
  GstVideoFrame f;
  const guint8 *yp, *up, *vp;
  gint ys, us, vs, x, y;
  guint i;
  guint64 over = 0;

  gst_video_info_from_caps (&info, gst_sample_get_caps (smp));
  gst_video_frame_map (&f, &info, gst_sample_get_buffer (smp), GST_MAP_READ);
  yp = GST_VIDEO_FRAME_PLANE_DATA (&f, 0);
  up = GST_VIDEO_FRAME_PLANE_DATA (&f, 1);
  vp = GST_VIDEO_FRAME_PLANE_DATA (&f, 2);
  ys = GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);
  us = GST_VIDEO_FRAME_PLANE_STRIDE (&f, 1);
  vs = GST_VIDEO_FRAME_PLANE_STRIDE (&f, 2);
#define MASKED(X, Y) (yp[(Y) * ys + (X)] == fill[0] && \
    up[((Y) / 2) * us + (X) / 2] == fill[1] && \
    vp[((Y) / 2) * vs + (X) / 2] == fill[2])

  memset (context, 0, (gsize) OUT_W * OUT_H);
  for (i = 0; i < boxes->len; i++) {
    const Box *b = &g_array_index (boxes, Box, i);
    gdouble bx0 = b->x0 * scale - ox, by0 = b->y0 * scale - oy;
    gdouble bx1 = b->x1 * scale - ox, by1 = b->y1 * scale - oy;
    gdouble cx = (bx0 + bx1) / 2, cy = (by0 + by1) / 2;
    gdouble hw = (bx1 - bx0) * CONTEXT_SCALE / 2;
    gdouble hh = (by1 - by0) * CONTEXT_SCALE / 2;
    gint x0 = (gint) lround (bx0), y0 = (gint) lround (by0);
    gint x1 = (gint) lround (bx1), y1 = (gint) lround (by1);
    gint vx0 = MAX (x0, 0), vy0 = MAX (y0, 0);
    gint vx1 = MIN (x1, OUT_W), vy1 = MIN (y1, OUT_H);
    gdouble full = (gdouble) (x1 - x0) * (y1 - y0);

    for (y = MAX ((gint) floor (cy - hh), 0);
        y < MIN ((gint) ceil (cy + hh), OUT_H); y++)
      for (x = MAX ((gint) floor (cx - hw), 0);
          x < MIN ((gint) ceil (cx + hw), OUT_W); x++)
        context[y * OUT_W + x] = 1;

    if (vx1 <= vx0 || vy1 <= vy0 || full <= 0
        || (gdouble) (vx1 - vx0) * (vy1 - vy0) < MIN_VISIBLE * full)
      continue;
    {
      guint64 n = 0, m = 0;
      for (y = vy0; y < vy1; y++)
        for (x = vx0; x < vx1; x++) {
          n++;
          m += MASKED (x, y);
        }
      present[i] = TRUE;
      st->pairs++;
      if (m >= COVER_FRACTION * n) {
        st->covered_pairs++;
        covered[i] = TRUE;
      } else {
        exposed[i] = TRUE;
        if (opt_exposures)
          g_printerr ("  exposed: head %u %dx%d at %d,%d, %.0f %% visible, "
              "%.0f %% masked\n", i, x1 - x0, y1 - y0, x0, y0,
              100.0 * (vx1 - vx0) * (vy1 - vy0) / full, 100.0 * m / n);
      }
    }
  }
  for (y = 0; y < OUT_H; y++)
    for (x = 0; x < OUT_W; x++)
      over += !context[y * OUT_W + x] && MASKED (x, y);
#undef MASKED
  gst_video_frame_unmap (&f);
  st->over_sum += (gdouble) over / ((gdouble) OUT_W * OUT_H);
  st->n_frames++;
}

/* ------------------------------------------------------------------ */

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar **) a, *(const gchar **) b);
}

/* --limit images spread evenly over the set (sorted by name). */
static GPtrArray *
list_images (const gchar * eval_dir, const EvalSet * set)
{
  gchar *dir = g_build_filename (eval_dir, set->dir, "Annotations", NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  GPtrArray *all = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const gchar *n;
  guint i;

  while (d && (n = g_dir_read_name (d)))
    if (g_str_has_suffix (n, ".xml"))
      g_ptr_array_add (all, g_strndup (n, strlen (n) - 4));
  if (d)
    g_dir_close (d);
  g_free (dir);
  g_ptr_array_sort (all, compare_names);
  if (opt_limit <= 0 || all->len <= (guint) opt_limit) {
    for (i = 0; i < all->len; i++)
      g_ptr_array_add (names, g_strdup (g_ptr_array_index (all, i)));
  } else {
    for (i = 0; i < (guint) opt_limit; i++)
      g_ptr_array_add (names, g_strdup (g_ptr_array_index (all,
                  (guint) ((guint64) i * all->len / opt_limit))));
  }
  g_ptr_array_unref (all);
  return names;
}

/* Size of the JPEG @path, decoded (cheap enough for a benchmark). */
static gboolean
image_size (const gchar * jpg, gint * w, gint * h)
{
  GError *err = NULL;
  GstSample *s = rb_eval_decode_jpeg (jpg, "video/x-raw,format=I420", &err);
  GstVideoInfo info;

  if (s == NULL) {
    g_printerr ("%s: %s\n", jpg, err ? err->message : "cannot decode");
    g_clear_error (&err);
    return FALSE;
  }
  gst_video_info_from_caps (&info, gst_sample_get_caps (s));
  *w = info.width;
  *h = info.height;
  gst_sample_unref (s);
  return TRUE;
}

typedef struct
{
  const gchar *name;
  gchar *filter;                /* the pipeline scored (workers: pass 2) */
  gchar *live_filter;           /* workers: pass 1; NULL otherwise */
} Setting;

/* The workers' two passes over @frames (see the top of the file): the
 * sidecar of the live pass at @segment (removed after), then the worker's
 * pass, whose output is returned as runner_run_clip() does; *@cpu: pass 2
 * with the sidecar's loading, *@cpu_live: pass 1. */
static GPtrArray *
run_workers (const Setting * s, GPtrArray * frames, GstCaps * caps,
    const gchar * segment, gdouble * cpu, gdouble * cpu_live, Stats * st)
{
  g_autofree gchar *path = rb_sidecar_path (segment);
  RbSidecarWriter *w = rb_sidecar_writer_new ();
  RbDetections *det;
  Runner r = { 0, };
  GstElement *hb;
  GPtrArray *out;
  GError *err = NULL;
  gdouble c0, load;
  guint seen, covered;

  if (!rb_sidecar_writer_open (w, segment, 0, &err))
    g_error ("%s", err->message);
  if (!runner_init (&r, s->live_filter, caps))
    g_error ("cannot run %s", s->live_filter);
  hb = gst_bin_get_by_name (GST_BIN (r.pipeline), "hb");
  rb_bench_sidecar_record (hb, w);
  gst_object_unref (hb);
  out = runner_run_clip (&r, frames, cpu_live);
  runner_clear (&r);
  /* the live path went past the clip's end: the sidecar is complete */
  rb_sidecar_writer_finish (w, TRUE);
  rb_sidecar_writer_free (w);
  if (out == NULL)
    g_error ("%s: clip failed", s->live_filter);
  g_ptr_array_unref (out);

  if (!runner_init (&r, s->filter, caps))
    g_error ("cannot run %s", s->filter);
  hb = gst_bin_get_by_name (GST_BIN (r.pipeline), "hb");
  c0 = cpu_ms ();
  det = rb_bench_sidecar_feed (hb, segment, &err);
  load = cpu_ms () - c0;
  gst_object_unref (hb);
  if (det == NULL)
    g_error ("%s: %s", path, err->message);
  out = runner_run_clip (&r, frames, cpu);
  runner_clear (&r);
  *cpu += load;
  rb_detections_get_counts (det, &seen, &covered);
  st->sidecar_frames += seen;
  st->sidecar_covered += covered;
  if (opt_verbose) {
    g_autofree gchar *what = rb_detections_describe (det);

    g_printerr ("  sidecar: %s; %u of %u frames covered\n", what, covered,
        seen);
  }
  rb_detections_free (det);
  g_unlink (path);
  return out;
}

static void
eval_set (const gchar * eval_dir, const EvalSet * set, const gint * speeds,
    guint n_speeds, Setting * settings, guint n_settings, Stats * stats,
    const gchar * segment)
{
  GPtrArray *names = list_images (eval_dir, set);
  GstVideoInfo info;
  GstCaps *caps;
  guint8 fill[3], *context = g_malloc ((gsize) OUT_W * OUT_H);
  guint i, k, si;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, OUT_W, OUT_H);
  info.fps_n = opt_fps;
  info.fps_d = 1;
  caps = gst_video_info_to_caps (&info);
  gst_video_info_from_caps (&info, caps);
  fill_yuv (&info, fill);

  for (i = 0; i < names->len; i++) {
    const gchar *name = g_ptr_array_index (names, i);
    gchar *file = g_strconcat (name, ".xml", NULL);
    gchar *xml = g_build_filename (eval_dir, set->dir, "Annotations", file,
        NULL);
    gchar *jpg;
    GError *err = NULL;
    GArray *boxes;
    Canvas cv = { 0, };
    gint iw, ih;

    g_free (file);
    file = g_strconcat (name, ".jpg", NULL);
    jpg = g_build_filename (eval_dir, set->dir, "JPEGImages", file, NULL);
    g_free (file);
    boxes = rb_eval_load_voc (xml, &err);
    if (boxes == NULL) {
      g_printerr ("%s: %s\n", xml, err->message);
      g_clear_error (&err);
      goto next;
    }
    if (!image_size (jpg, &iw, &ih) || !canvas_load (&cv, jpg, iw, ih))
      goto next_boxes;

    for (k = 0; k < n_speeds; k++) {
      GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
          gst_buffer_unref);
      gint step = speeds[k] / opt_fps, f;
      gint oy = ((cv.h - OUT_H) / 2) & ~1;
      gint *ox = g_new (gint, opt_frames);

      for (f = 0; f < opt_frames; f++) {
        GstBuffer *b;

        ox[f] = MIN (step * f, (cv.w - OUT_W) & ~1) & ~1;
        b = canvas_crop (&cv, &info, ox[f], oy);
        GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (f, GST_SECOND,
            opt_fps);
        GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int (1, GST_SECOND,
            opt_fps);
        g_ptr_array_add (frames, b);
      }
      for (si = 0; si < n_settings; si++) {
        gdouble cpu = 0, cpu_live = 0;
        Runner r = { 0, };
        GPtrArray *out;
        gboolean *present = g_new0 (gboolean, MAX (boxes->len, 1));
        gboolean *exposed = g_new0 (gboolean, MAX (boxes->len, 1));
        gboolean *covered = g_new0 (gboolean, MAX (boxes->len, 1));
        Stats *st = &stats[si];
        guint heads = 0, exp = 0, never = 0, j;
        guint64 p0 = st->pairs, c0 = st->covered_pairs;

        if (settings[si].live_filter != NULL) {
          out = run_workers (&settings[si], frames, caps, segment, &cpu,
              &cpu_live, st);
        } else {
          if (!runner_init (&r, settings[si].filter, caps))
            g_error ("cannot run %s", settings[si].filter);
          out = runner_run_clip (&r, frames, &cpu);
          runner_clear (&r);
        }
        if (out == NULL)
          g_error ("%s: clip failed", settings[si].filter);
        for (f = 0; f < opt_frames; f++) {
          if (opt_exposures)
            g_printerr (" %s %s %s %d px/s frame %d\n", settings[si].name,
                set->key, name, speeds[k], f);
          score_frame (st, g_ptr_array_index (out, f), fill, boxes, cv.scale,
              ox[f], oy, context, present, exposed, covered);
        }
        for (j = 0; j < boxes->len; j++) {
          heads += present[j];
          exp += present[j] && exposed[j];
          never += present[j] && !covered[j];
        }
        st->heads += heads;
        st->exposed += exp;
        st->never += never;
        st->cpu_ms += cpu;
        st->pass1_cpu_ms += cpu_live;
        st->n_clips++;
        if (opt_verbose)
          g_printerr ("%s %s %s %d px/s: %u heads, %u exposed (%u never "
              "masked), frame coverage %.1f %%, %.1f ms CPU per frame\n",
              settings[si].name, set->key, name, speeds[k], heads, exp, never,
              st->pairs > p0 ? 100.0 * (st->covered_pairs - c0) /
              (st->pairs - p0) : 0.0, cpu / opt_frames);
        g_free (present);
        g_free (exposed);
        g_free (covered);
        g_ptr_array_unref (out);
      }
      g_free (ox);
      g_ptr_array_unref (frames);
    }
    canvas_clear (&cv);
  next_boxes:
    g_array_unref (boxes);
  next:
    g_free (xml);
    g_free (jpg);
  }
  g_free (context);
  gst_caps_unref (caps);
  g_ptr_array_unref (names);
}

/* " @props" after @d, when given. */
static void
append_props (GString * d, const gchar * props)
{
  if (props != NULL)
    g_string_append_printf (d, " %s", props);
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"set", 's', 0, G_OPTION_ARG_STRING, &opt_set,
        "Evaluate only this set: PartA or PartB", "SET"},
    {"limit", 'n', 0, G_OPTION_ARG_INT, &opt_limit,
        "Images per set, spread evenly over it (default 12, 0 = all)", "N"},
    {"speeds", 0, 0, G_OPTION_ARG_STRING, &opt_speeds,
        "Comma-separated pan speeds in px/s, multiples of 2 x fps "
          "(default 0,30,60,90,120)", "LIST"},
    {"settings", 0, 0, G_OPTION_ARG_STRING, &opt_settings,
        "Comma-separated settings: live, recordings, workers (default "
          "all three)", "LIST"},
    {"props", 'p', 0, G_OPTION_ARG_STRING, &opt_props,
        "Extra headblur properties for every setting, e.g. "
          "\"threshold=0.15\"", "PROPS"},
    {"live-props", 0, 0, G_OPTION_ARG_STRING, &opt_live_props,
        "Extra headblur properties for the live setting", "PROPS"},
    {"recordings-props", 0, 0, G_OPTION_ARG_STRING, &opt_rec_props,
        "Extra headblur properties for the recordings setting", "PROPS"},
    {"workers-props", 0, 0, G_OPTION_ARG_STRING, &opt_workers_props,
        "Extra headblur properties for the workers setting's worker pass "
          "(pass 2)", "PROPS"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &opt_frames,
        "Frames per clip (default 45)", "N"},
    {"fps", 0, 0, G_OPTION_ARG_INT, &opt_fps,
        "Frame rate of the clips (default 15)", "N"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
        "Print per-clip results on stderr", NULL},
    {"exposures", 0, 0, G_OPTION_ARG_NONE, &opt_exposures,
        "Print every exposed (head, frame) on stderr", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- evaluate headblur on "
      "panning clips");
  GError *err = NULL;
  const gchar *env = g_getenv ("RTSP_BLUR_EVAL_DIR");
  gchar *eval_dir = g_strdup (env ? env : "../shared/eval");
  gchar **sp, **se;
  gint speeds[16];
  guint n_speeds = 0, n_settings = 0, i, si;
  Setting settings[MAX_SETTINGS] = { {0,}, };
  gchar *tmpdir, *segment;
  GString *notes = g_string_new (NULL);

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
  if (opt_frames < 1 || opt_fps < 1) {
    g_printerr ("--frames and --fps must be positive\n");
    return 64;
  }

  sp = g_strsplit (opt_speeds ? opt_speeds : "0,30,60,90,120", ",", -1);
  for (i = 0; sp[i] && n_speeds < G_N_ELEMENTS (speeds); i++) {
    gint v = atoi (sp[i]);
    if (v < 0 || v % (2 * opt_fps) != 0) {
      g_printerr ("speed %s: must be a multiple of %d px/s (2 px per "
          "frame)\n", sp[i], 2 * opt_fps);
      return 64;
    }
    speeds[n_speeds++] = v;
  }
  g_strfreev (sp);

  se = g_strsplit (opt_settings ? opt_settings : "live,recordings,workers",
      ",", -1);
  for (i = 0; se[i] && n_settings < MAX_SETTINGS; i++) {
    GString *d = g_string_new (NULL);

    g_string_append_printf (d, "headblur name=hb mode=fill fill-color=0x%x",
        FILL_COLOR);
    if (g_strcmp0 (se[i], "live") == 0) {
      settings[n_settings].name = "live";
      g_string_append (d, LIVE_PATH_PROPS);
      append_props (d, opt_props);
      append_props (d, opt_live_props);
    } else if (g_strcmp0 (se[i], "recordings") == 0) {
      settings[n_settings].name = "recordings";
      g_string_append_printf (d, " detection-interval=1 lookahead=%d",
          WORKER_LOOKAHEAD);
      append_props (d, opt_props);
      append_props (d, opt_rec_props);
    } else if (g_strcmp0 (se[i], "workers") == 0) {
      GString *l = g_string_new (d->str);

      settings[n_settings].name = "workers";
      /* pass 1: the launcher's live headblur (rb-pipelines.c) */
      g_string_append (l, " " RB_LIVE_HEADBLUR_PROPS);
      append_props (l, opt_props);
      append_props (l, opt_live_props);
      settings[n_settings].live_filter = g_string_free (l, FALSE);
      /* pass 2: [headblur], then what the worker sets (rb-worker.c);
       * upstream-detections=true is set with the sidecar's feed */
      append_props (d, opt_props);
      g_string_append_printf (d, " detection-interval=1 lookahead=%d "
          "threads=1", WORKER_LOOKAHEAD);
      append_props (d, opt_workers_props);
    } else {
      g_printerr ("unknown setting '%s' (live, recordings, workers)\n",
          se[i]);
      return 64;
    }
    settings[n_settings++].filter = g_string_free (d, FALSE);
  }
  g_strfreev (se);

  g_print ("# headblur video evaluation (%s)\n\n", eval_dir);
  g_print ("Clips: %d frames at %d fps, 1920x1080, a window panning over "
      "each image scaled by max(2280/w, 1080/h), speeds", opt_frames,
      opt_fps);
  for (i = 0; i < n_speeds; i++)
    g_print ("%s %d", i ? "," : "", speeds[i]);
  g_print (" px/s; %d images per set. Non-live pipeline (every detection "
      "runs).\n\n", opt_limit);

  for (si = 0; si < n_settings; si++) {
    if (settings[si].live_filter != NULL)
      g_print ("Setting %s: pass 1 `%s` (sidecar), pass 2 `%s` "
          "upstream-detections=true fed with the smoothed sidecar\n\n",
          settings[si].name, settings[si].live_filter, settings[si].filter);
    else
      g_print ("Setting %s: `%s`\n\n", settings[si].name,
          settings[si].filter);
  }
  tmpdir = g_dir_make_tmp ("rb-video-eval-XXXXXX", &err);
  if (tmpdir == NULL) {
    g_printerr ("%s\n", err->message);
    return 73;                  /* EX_CANTCREAT */
  }
  segment = g_build_filename (tmpdir, "clip.mkv", NULL);
  g_print ("| setting | set | clips | heads | exposed in >= 1 frame | "
      "never masked | frame coverage | over-masking | CPU ms per frame |\n");
  g_print ("|---|---|---|---|---|---|---|---|---|\n");

  for (i = 0; i < G_N_ELEMENTS (eval_sets); i++) {
    Stats stats[MAX_SETTINGS];

    if (opt_set && g_ascii_strcasecmp (opt_set, eval_sets[i].key) != 0)
      continue;
    memset (stats, 0, sizeof (stats));
    eval_set (eval_dir, &eval_sets[i], speeds, n_speeds, settings,
        n_settings, stats, segment);
    for (si = 0; si < n_settings; si++) {
      const Stats *st = &stats[si];
      g_print ("| %s | %s | %u | %u | %.1f %% (%u) | %.1f %% | %.1f %% | "
          "%.2f %% | %.1f |\n", settings[si].name, eval_sets[i].title,
          st->n_clips, st->heads,
          st->heads ? 100.0 * st->exposed / st->heads : 0.0, st->exposed,
          st->heads ? 100.0 * st->never / st->heads : 0.0, st->pairs ? 100.0 * st->covered_pairs / st->pairs :
          0.0, st->n_frames ? 100.0 * st->over_sum / st->n_frames : 0.0,
          st->n_frames ? st->cpu_ms / st->n_frames : 0.0);
      if (settings[si].live_filter != NULL)
        g_string_append_printf (notes, "%s %s: pass 1 (live, not in the "
            "table) %.1f ms CPU per frame; sidecar covered %.1f %% of the "
            "worker's frames\n", settings[si].name, eval_sets[i].title,
            st->n_frames ? st->pass1_cpu_ms / st->n_frames : 0.0,
            st->sidecar_frames ? 100.0 * st->sidecar_covered /
            st->sidecar_frames : 0.0);
    }
  }
  if (notes->len > 0)
    g_print ("\n%s", notes->str);
  g_string_free (notes, TRUE);
  g_rmdir (tmpdir);
  g_free (segment);
  g_free (tmpdir);
  for (si = 0; si < n_settings; si++) {
    g_free (settings[si].filter);
    g_free (settings[si].live_filter);
  }
  g_free (eval_dir);
  return 0;
}
