/* rtsp-blur
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * live-cost: CPU cost of one camera's live path, as the launcher runs it:
 *
 *   [H.264 WxH@fps, paced in real time by clocksync]
 *     ! safedec (--decoder) ! videoconvert ! FILTER ! videoconvert
 *     ! x264enc tune=zerolatency speed-preset=ultrafast threads=1
 *         bitrate=2048 key-int-max=30
 *     ! video/x-h264,profile=constrained-baseline ! h264parse ! fakesink
 *
 * The input is prepared first (untimed) from the test clip: decoded, scaled,
 * encoded to H.264 and stored as Matroska in a temporary directory.  Then
 * the timed run reads it in real time and the process CPU time (getrusage,
 * plus a per-thread split from /proc/self/task) is measured between
 * PLAYING and EOS.
 *
 * --segment measures offline anonymisation of a recorded segment instead:
 *   filesrc ! matroskademux ! h264parse ! safedec ! videoconvert ! FILTER
 *     ! videoconvert ! x264enc speed-preset=P ! h264parse ! matroskamux
 *     ! filesink
 * as fast as possible, and prints the speed as a multiple of real time.
 * With --sidecar, the segment first gets (untimed) the detections sidecar
 * the launcher's live path would write: the same input through the
 * launcher's live headblur (RB_LIVE_HEADBLUR_PROPS, daemon/rb-pipelines.h:
 * the detector on every fifth frame) into SEGMENT.mkv.detections
 * (gst-libs/rtsp-blur/rb-detections.c, lib/rb-sidecar); the timed run then does what a worker does with it:
 * loads and smooths it (timed too), puts its boxes before the filter's
 * headblur and sets upstream-detections=true, so the detector runs only
 * on frames the sidecar does not cover. --quantizer Q encodes as the
 * workers do (pass=qual quantizer=Q) instead of at --bitrate.
 *
 * A benchmark, not a test: it prints figures and exits 0, or exits non-zero
 * (sysexits) when a pipeline cannot be built or fails.
 */

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rb-bench-sidecar.h"
#include "rb-pipelines.h"

#define LC_EX_USAGE 64
#define LC_EX_NOINPUT 66
#define LC_EX_UNAVAILABLE 69
#define LC_EX_SOFTWARE 70

#define DEFAULT_CLIP "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
#define DEFAULT_FILTER "headblur"
#define DEFAULT_FPS 15
#define DEFAULT_SECONDS 20
#define DEFAULT_SEGMENT_SECONDS 10
#define DEFAULT_SPEED_PRESET "ultrafast"
#define DEFAULT_BITRATE 2048
#define DEFAULT_DECODER "safedec"

/* Option targets. */
static gint opt_width = 0;
static gint opt_height = 0;
static gint opt_fps = DEFAULT_FPS;
static gint opt_seconds = 0;
static gchar *opt_filter = NULL;
static gchar *opt_clip = NULL;
static gboolean opt_segment = FALSE;
static gchar *opt_speed_preset = NULL;
static gint opt_threads = 1;
static gint opt_bitrate = DEFAULT_BITRATE;
static gboolean opt_threads_report = FALSE;
static gboolean opt_sidecar = FALSE;
static gint opt_quantizer = 0;
static gchar *opt_decoder = NULL;

/* *INDENT-OFF* */
static GOptionEntry entries[] = {
  {"width", 0, 0, G_OPTION_ARG_INT, &opt_width,
      "Frame width (default: run 1920x1080 then 1280x720)", "W"},
  {"height", 0, 0, G_OPTION_ARG_INT, &opt_height,
      "Frame height (with --width)", "H"},
  {"fps", 0, 0, G_OPTION_ARG_INT, &opt_fps,
      "Frame rate of the input stream (default 15)", "FPS"},
  {"seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds,
      "Length of the input (default 20 live, 10 with --segment)", "S"},
  {"filter", 0, 0, G_OPTION_ARG_STRING, &opt_filter,
      "Filter as a gst-launch bin description (default \"headblur\")",
      "DESC"},
  {"clip", 0, 0, G_OPTION_ARG_FILENAME, &opt_clip,
      "Clip the input is made from (default " DEFAULT_CLIP ")", "FILE"},
  {"segment", 0, 0, G_OPTION_ARG_NONE, &opt_segment,
      "Measure offline segment anonymisation speed instead", NULL},
  {"speed-preset", 0, 0, G_OPTION_ARG_STRING, &opt_speed_preset,
      "x264enc speed-preset with --segment (default ultrafast)", "P"},
  {"threads", 0, 0, G_OPTION_ARG_INT, &opt_threads,
      "x264enc threads with --segment, 0 = auto (default 1)", "N"},
  {"bitrate", 0, 0, G_OPTION_ARG_INT, &opt_bitrate,
      "Output x264enc bitrate in kbit/s (default 2048)", "KBPS"},
  {"sidecar", 0, 0, G_OPTION_ARG_NONE, &opt_sidecar,
      "With --segment: reuse the live path's detections (sidecar)", NULL},
  {"quantizer", 0, 0, G_OPTION_ARG_INT, &opt_quantizer,
      "With --segment: pass=qual quantizer=Q (the workers' setting) "
      "instead of --bitrate", "Q"},
  {"decoder", 0, 0, G_OPTION_ARG_STRING, &opt_decoder,
      "H.264 decoder (default " DEFAULT_DECODER ", the launcher's; "
      "avdec_h264 to compare)", "NAME"},
  {"per-thread", 0, 0, G_OPTION_ARG_NONE, &opt_threads_report,
      "Also print CPU seconds per thread name", NULL},
  {NULL}
};
/* *INDENT-ON* */

static volatile gboolean interrupted = FALSE;   /* main thread only */

/* ------------------------------------------------------------------------ */
/* CPU accounting                                                           */

typedef struct
{
  gint64 wall_us;
  gdouble cpu_s;                /* getrusage RUSAGE_SELF user + sys */
  GHashTable *threads;          /* tid -> LcThread */
} LcSnapshot;

typedef struct
{
  gchar *name;
  guint64 ticks;                /* utime + stime */
} LcThread;

static void
lc_thread_free (gpointer p)
{
  LcThread *t = p;

  g_free (t->name);
  g_free (t);
}

static GHashTable *
lc_read_threads (void)
{
  GHashTable *h = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
      lc_thread_free);
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *ent;

  if (!dir)
    return h;
  while ((ent = g_dir_read_name (dir))) {
    gchar *path = g_strdup_printf ("/proc/self/task/%s/stat", ent);
    gchar *text = NULL;

    if (g_file_get_contents (path, &text, NULL, NULL)) {
      gchar *open = strchr (text, '(');
      gchar *close = strrchr (text, ')');

      if (open && close && close > open) {
        gchar **f = g_strsplit (close + 2, " ", 0);

        /* after "pid (comm) ": state is f[0]; utime f[11], stime f[12] */
        if (g_strv_length (f) > 12) {
          LcThread *t = g_new0 (LcThread, 1);

          t->name = g_strndup (open + 1, close - open - 1);
          t->ticks = g_ascii_strtoull (f[11], NULL, 10) +
              g_ascii_strtoull (f[12], NULL, 10);
          g_hash_table_insert (h, GINT_TO_POINTER (atoi (ent)), t);
        }
        g_strfreev (f);
      }
    }
    g_free (text);
    g_free (path);
  }
  g_dir_close (dir);
  return h;
}

static void
lc_snapshot_take (LcSnapshot * s)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  s->cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  s->threads = opt_threads_report ? lc_read_threads () : NULL;
  s->wall_us = g_get_monotonic_time ();
}

static void
lc_snapshot_clear (LcSnapshot * s)
{
  g_clear_pointer (&s->threads, g_hash_table_unref);
}

static void
lc_print_threads (const LcSnapshot * a, const LcSnapshot * b)
{
  GHashTable *by_name;
  GHashTableIter it;
  gpointer key, value;
  gdouble hz = sysconf (_SC_CLK_TCK);
  gdouble wall = (b->wall_us - a->wall_us) / 1e6;

  if (!a->threads || !b->threads)
    return;
  by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&it, b->threads);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    LcThread *tb = value, *ta = g_hash_table_lookup (a->threads, key);
    guint64 d = tb->ticks - (ta ? ta->ticks : 0);
    guint64 *sum = g_hash_table_lookup (by_name, tb->name);

    if (!sum) {
      sum = g_new0 (guint64, 1);
      g_hash_table_insert (by_name, g_strdup (tb->name), sum);
    }
    *sum += d;
  }
  g_hash_table_iter_init (&it, by_name);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    guint64 ticks = *(guint64 *) value;

    if (ticks > 0)
      printf ("    thread %-24s %7.2f s CPU  %5.3f cores\n", (gchar *) key,
          ticks / hz, ticks / hz / wall);
  }
  printf ("    (threads that exited during the run are not listed)\n");
  g_hash_table_unref (by_name);
}

/* ------------------------------------------------------------------------ */
/* Pipeline helpers                                                         */

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  gboolean eos;
  gboolean error;
  LcSnapshot *end;              /* taken on EOS if set */
} LcRun;

static gboolean
lc_bus_cb (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  LcRun *run = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      if (run->end)
        lc_snapshot_take (run->end);
      run->eos = TRUE;
      g_main_loop_quit (run->loop);
      break;
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gchar *dbg = NULL;

      gst_message_parse_error (msg, &err, &dbg);
      g_printerr ("live-cost: error from %s: %s\n  %s\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
          dbg ? dbg : "");
      g_clear_error (&err);
      g_free (dbg);
      run->error = TRUE;
      g_main_loop_quit (run->loop);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
lc_on_signal (gpointer user_data)
{
  LcRun **current = user_data;

  interrupted = TRUE;
  if (*current)
    g_main_loop_quit ((*current)->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
lc_on_deadline (gpointer user_data)
{
  LcRun *run = user_data;

  if (run->end)
    lc_snapshot_take (run->end);
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

static LcRun *current_run = NULL;

/* Runs the pipeline until EOS/error/deadline (0 = none). TRUE on EOS. */
static gboolean
lc_run (LcRun * run, guint deadline_ms, gboolean * hit_deadline)
{
  GstBus *bus = gst_element_get_bus (run->pipeline);
  guint watch = gst_bus_add_watch (bus, lc_bus_cb, run);
  guint timer = 0;

  gst_object_unref (bus);
  current_run = run;
  if (deadline_ms)
    timer = g_timeout_add (deadline_ms, lc_on_deadline, run);
  if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("live-cost: pipeline failed to start\n");
    run->error = TRUE;
  } else if (!interrupted) {
    g_main_loop_run (run->loop);
  }
  if (hit_deadline)
    *hit_deadline = !run->eos && !run->error && !interrupted;
  if (timer && (run->eos || run->error || interrupted))
    g_source_remove (timer);
  g_source_remove (watch);
  current_run = NULL;
  return run->eos && !run->error;
}

static GstElement *
lc_add (GstElement * pipeline, const gchar * factory, const gchar * name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (!e) {
    g_printerr ("live-cost: missing GStreamer element '%s'\n", factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (pipeline), e);
  return e;
}

static void
lc_link_dynamic (GstElement * src, GstPad * pad, gpointer sinkpad_ptr)
{
  GstPad *sinkpad = sinkpad_ptr;
  GstCaps *caps = gst_pad_query_caps (pad, NULL);
  const gchar *name = gst_structure_get_name (gst_caps_get_structure (caps,
          0));

  if (g_str_has_prefix (name, "video/") && !gst_pad_is_linked (sinkpad))
    gst_pad_link (pad, sinkpad);
  gst_caps_unref (caps);
}

static GstElement *
lc_parse_filter (void)
{
  GError *err = NULL;
  GstElement *bin = gst_parse_bin_from_description (opt_filter, TRUE, &err);

  if (!bin) {
    g_printerr ("live-cost: cannot build filter \"%s\": %s\n", opt_filter,
        err ? err->message : "unknown error");
    if (strstr (opt_filter, "headblur"))
      g_printerr ("live-cost: is headblur on GST_PLUGIN_PATH? "
          "(GST_PLUGIN_PATH=build/plugins)\n");
    g_clear_error (&err);
    return NULL;
  }
  if (err) {
    /* recoverable parse warning (e.g. an unknown property) */
    g_printerr ("live-cost: filter \"%s\": %s\n", opt_filter, err->message);
    g_clear_error (&err);
    gst_object_unref (bin);
    return NULL;
  }
  return bin;
}

static GstClockTime
lc_clip_duration (const gchar * clip)
{
  GError *err = NULL;
  gchar *uri = gst_filename_to_uri (clip, &err);
  GstDiscoverer *d = uri ? gst_discoverer_new (15 * GST_SECOND, &err) : NULL;
  GstDiscovererInfo *info = d ? gst_discoverer_discover_uri (d, uri, &err) :
      NULL;
  GstClockTime dur = GST_CLOCK_TIME_NONE;

  if (info && gst_discoverer_info_get_result (info) == GST_DISCOVERER_OK)
    dur = gst_discoverer_info_get_duration (info);
  else
    g_printerr ("live-cost: cannot read clip '%s': %s\n", clip,
        err ? err->message : "unknown error");
  g_clear_error (&err);
  if (info)
    gst_discoverer_info_unref (info);
  if (d)
    g_object_unref (d);
  g_free (uri);
  return dur;
}

typedef struct
{
  gint left;                    /* streaming thread only */
} LcLimit;

/* Lets `left` buffers through, then answers EOS upstream so each remaining
 * piece stops after one frame; concat sends EOS after the last piece. */
static GstPadProbeReturn
lc_limit_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  LcLimit *l = user_data;

  if (l->left > 0) {
    l->left--;
    return GST_PAD_PROBE_OK;
  }
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_EOS;
  return GST_PAD_PROBE_DROP;
}

/* Untimed: clip (repeated as needed) -> WxH@fps H.264 -> Matroska file. */
static gboolean
lc_prepare (const gchar * out, gint w, gint h, gint fps, gint seconds,
    GstClockTime clip_dur)
{
  GstElement *p = gst_pipeline_new ("prepare");
  GstElement *concat, *conv, *scale, *rate, *caps, *limit, *enc, *h264caps,
      *parse, *mux, *sink;
  GstCaps *c;
  guint n_pieces, i;
  gboolean ok;
  LcRun run = { 0 };
  LcLimit limit_state = { 0 };
  GstPad *pad;

  n_pieces = (guint) ceil ((gdouble) seconds * GST_SECOND / clip_dur) + 1;
  concat = lc_add (p, "concat", NULL);
  conv = lc_add (p, "videoconvert", NULL);
  scale = lc_add (p, "videoscale", NULL);
  rate = lc_add (p, "videorate", NULL);
  caps = lc_add (p, "capsfilter", NULL);
  limit = lc_add (p, "identity", NULL);
  enc = lc_add (p, "x264enc", NULL);
  h264caps = lc_add (p, "capsfilter", NULL);
  parse = lc_add (p, "h264parse", NULL);
  mux = lc_add (p, "matroskamux", NULL);
  sink = lc_add (p, "filesink", NULL);
  if (!concat || !conv || !scale || !rate || !caps || !limit || !enc
      || !h264caps || !parse || !mux || !sink)
    goto fail;

  c = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, w, "height", G_TYPE_INT, h, "framerate",
      GST_TYPE_FRACTION, fps, 1, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1,
      1, NULL);
  g_object_set (caps, "caps", c, NULL);
  gst_caps_unref (c);
  /* identity eos-after would not do: concat moves on to the next piece */
  limit_state.left = seconds * fps;
  pad = gst_element_get_static_pad (limit, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, lc_limit_probe,
      &limit_state, NULL);
  gst_object_unref (pad);
  /* The camera's own encoder: ~4 Mbit/s at 1080p15, scaled by pixel rate. */
  gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
  g_object_set (enc, "threads", 1, "key-int-max", 2 * fps, "bitrate",
      (guint) CLAMP ((gint64) w * h * fps / 7600, 256, 20000), NULL);
  c = gst_caps_from_string ("video/x-h264,profile=constrained-baseline");
  g_object_set (h264caps, "caps", c, NULL);
  gst_caps_unref (c);
  g_object_set (sink, "location", out, NULL);
  if (!gst_element_link_many (concat, conv, scale, rate, caps, limit, enc,
          h264caps, parse, mux, sink, NULL))
    goto fail;

  for (i = 0; i < n_pieces; i++) {
    GstElement *src = lc_add (p, "filesrc", NULL);
    GstElement *dec = lc_add (p, "decodebin", NULL);
    GstPad *cpad;

    if (!src || !dec)
      goto fail;
    g_object_set (src, "location", opt_clip, NULL);
    gst_element_link (src, dec);
    cpad = gst_element_request_pad_simple (concat, "sink_%u");
    /* the pad stays alive as long as concat: drop our ref after use */
    g_signal_connect_data (dec, "pad-added", G_CALLBACK (lc_link_dynamic),
        cpad, (GClosureNotify) (void (*)(void)) gst_object_unref, 0);
  }

  run.loop = g_main_loop_new (NULL, FALSE);
  run.pipeline = p;
  ok = lc_run (&run, 0, NULL);
  gst_element_set_state (p, GST_STATE_NULL);
  g_main_loop_unref (run.loop);
  gst_object_unref (p);
  return ok;

fail:
  g_printerr ("live-cost: cannot build the preparation pipeline\n");
  gst_object_unref (p);
  return FALSE;
}

static GstPadProbeReturn
lc_count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

/* Builds filesrc ! matroskademux ! h264parse [! clocksync] ! DECODER
 * ! videoconvert ! FILTER ! videoconvert ! x264enc ! caps ! h264parse,
 * returns the last element. */
static GstElement *
lc_build_path (GstElement * p, const gchar * in, gboolean live,
    const gchar * speed_preset, gint threads, gint key_int_max)
{
  GstElement *src, *demux, *parse, *sync = NULL, *dec, *conv1, *filter,
      *conv2, *enc, *h264caps, *parse2;
  GstPad *sinkpad;
  GstCaps *c;

  filter = lc_parse_filter ();
  if (!filter)
    return NULL;
  src = lc_add (p, "filesrc", NULL);
  demux = lc_add (p, "matroskademux", NULL);
  parse = lc_add (p, "h264parse", NULL);
  if (live)
    sync = lc_add (p, "clocksync", NULL);
  dec = lc_add (p, opt_decoder, NULL);
  conv1 = lc_add (p, "videoconvert", NULL);
  gst_bin_add (GST_BIN (p), filter);
  conv2 = lc_add (p, "videoconvert", NULL);
  enc = lc_add (p, "x264enc", NULL);
  h264caps = lc_add (p, "capsfilter", NULL);
  parse2 = lc_add (p, "h264parse", NULL);
  if (!src || !demux || !parse || (live && !sync) || !dec || !conv1
      || !conv2 || !enc || !h264caps || !parse2)
    return NULL;

  g_object_set (src, "location", in, NULL);
  if (live) {
    g_object_set (sync, "sync", TRUE, NULL);
    gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
  }
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", speed_preset);
  g_object_set (enc, "threads", threads, "bitrate", opt_bitrate,
      "key-int-max", key_int_max, NULL);
  if (!live && opt_quantizer > 0) {
    gst_util_set_object_arg (G_OBJECT (enc), "pass", "qual");
    g_object_set (enc, "quantizer", opt_quantizer, NULL);
  }
  c = gst_caps_from_string ("video/x-h264,profile=constrained-baseline");
  g_object_set (h264caps, "caps", c, NULL);
  gst_caps_unref (c);

  if (!gst_element_link (src, demux))
    return NULL;
  if (live ? !gst_element_link_many (parse, sync, dec, conv1, filter, conv2,
          enc, h264caps, parse2, NULL)
      : !gst_element_link_many (parse, dec, conv1, filter, conv2, enc,
          h264caps, parse2, NULL)) {
    g_printerr ("live-cost: cannot link the path (does the filter accept "
        "and produce raw video?)\n");
    return NULL;
  }
  sinkpad = gst_element_get_static_pad (parse, "sink");
  g_signal_connect_data (demux, "pad-added", G_CALLBACK (lc_link_dynamic),
      sinkpad, (GClosureNotify) (void (*)(void)) gst_object_unref, 0);
  return parse2;
}

static void
lc_print_figures (const gchar * label, gint w, gint h, guint frames,
    const LcSnapshot * a, const LcSnapshot * b)
{
  gdouble wall = (b->wall_us - a->wall_us) / 1e6;
  gdouble cpu = b->cpu_s - a->cpu_s;

  printf ("  %-11s %dx%d\n", "resolution", w, h);
  printf ("  %-11s %u frames in %.2f s wall\n", label, frames, wall);
  printf ("  %-11s %.2f\n", "fps", frames / wall);
  printf ("  %-11s %.2f s = %.3f cores (CPU s / wall s)\n", "cpu", cpu,
      cpu / wall);
  printf ("  %-11s %.2f ms CPU per frame\n", "per frame",
      frames ? cpu * 1000.0 / frames : 0.0);
}

/* Timed: real-time feed for `seconds`. Returns an exit code. */
static gint
lc_measure_live (const gchar * in, gint w, gint h, gint fps, gint seconds)
{
  GstElement *p = gst_pipeline_new ("live");
  GstElement *last, *sink;
  GstPad *pad;
  LcSnapshot a = { 0 }, b = { 0 };
  LcRun run = { 0 };
  gint frames = 0, ret = 0;
  gboolean late = FALSE;

  last = lc_build_path (p, in, TRUE, "ultrafast", 1, 30);
  sink = last ? lc_add (p, "fakesink", NULL) : NULL;
  if (!sink || !gst_element_link (last, sink)) {
    gst_object_unref (p);
    return LC_EX_UNAVAILABLE;
  }
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, lc_count_probe, &frames,
      NULL);
  gst_object_unref (pad);

  /* Element start() (model loading, encoder set-up) happens here, untimed;
   * the live pipeline does not preroll. */
  if (gst_element_set_state (p, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("live-cost: pipeline failed to pause (filter start?)\n");
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (p);
    return LC_EX_UNAVAILABLE;
  }
  gst_element_get_state (p, NULL, NULL, 10 * GST_SECOND);

  run.loop = g_main_loop_new (NULL, FALSE);
  run.pipeline = p;
  run.end = &b;
  lc_snapshot_take (&a);
  /* A path that cannot keep up is cut 2 s after the input's length. */
  lc_run (&run, (seconds + 2) * 1000, &late);
  if (!b.wall_us)
    lc_snapshot_take (&b);
  gst_element_set_state (p, GST_STATE_NULL);

  if (run.error || interrupted) {
    ret = run.error ? LC_EX_SOFTWARE : 130;
  } else {
    lc_print_figures ("live", w, h, (guint) g_atomic_int_get (&frames), &a,
        &b);
    if (late)
      printf ("  NOTE: did not keep up: stopped at %d s + 2 s, %d of %d "
          "frames done\n", seconds, g_atomic_int_get (&frames),
          seconds * fps);
    lc_print_threads (&a, &b);
  }
  lc_snapshot_clear (&a);
  lc_snapshot_clear (&b);
  g_main_loop_unref (run.loop);
  gst_object_unref (p);
  return ret;
}

/* Untimed: the sidecar the live path would write for @in. */
static gboolean
lc_make_sidecar (const gchar * in)
{
  g_autofree gchar *desc = g_strdup_printf ("filesrc location=\"%s\" "
      "! matroskademux ! h264parse ! %s ! videoconvert "
      "! headblur name=hb " RB_LIVE_HEADBLUR_PROPS " ! fakesink", in,
      opt_decoder);
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err), *hb;
  RbSidecarWriter *w;
  GstMessage *msg;
  gboolean ok;

  if (p == NULL) {
    g_printerr ("live-cost: %s\n", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  w = rb_sidecar_writer_new ();
  if (!rb_sidecar_writer_open (w, in, 0, &err)) {
    g_printerr ("live-cost: %s\n", err->message);
    g_clear_error (&err);
    rb_sidecar_writer_free (w);
    gst_object_unref (p);
    return FALSE;
  }
  hb = gst_bin_get_by_name (GST_BIN (p), "hb");
  rb_bench_sidecar_record (hb, w);
  gst_object_unref (hb);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (p), GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  gst_clear_message (&msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  rb_sidecar_writer_finish (w, TRUE);
  rb_sidecar_writer_free (w);
  return ok;
}

/* Timed: a recorded segment as fast as possible. Returns an exit code. */
static gint
lc_measure_segment (const gchar * in, const gchar * out, gint w, gint h,
    gint fps, gint seconds)
{
  GstElement *p = gst_pipeline_new ("segment");
  GstElement *last, *mux = NULL, *sink = NULL, *enc_sink;
  GstPad *pad;
  LcSnapshot a = { 0 }, b = { 0 }, s = { 0 };
  LcRun run = { 0 };
  gint frames = 0, ret = 0;
  RbDetections *det = NULL;
  gdouble load_s = 0;

  last = lc_build_path (p, in, FALSE, opt_speed_preset, opt_threads, 2 * fps);
  if (last) {
    mux = lc_add (p, "matroskamux", NULL);
    sink = lc_add (p, "filesink", NULL);
  }
  if (!mux || !sink || !gst_element_link_many (last, mux, sink, NULL)) {
    gst_object_unref (p);
    return LC_EX_UNAVAILABLE;
  }
  g_object_set (sink, "location", out, NULL);
  enc_sink = last;
  pad = gst_element_get_static_pad (enc_sink, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, lc_count_probe, &frames,
      NULL);
  gst_object_unref (pad);

  if (opt_sidecar) {
    GstElement *hb = rb_bench_find_headblur (p);
    GError *err = NULL;
    gint64 t0 = g_get_monotonic_time ();

    /* what a worker does before its pipeline runs (the time is printed);
     * fed from the first frame on, preroll included */
    det = hb ? rb_bench_sidecar_feed (hb, in, &err) : NULL;
    if (det == NULL) {
      g_printerr ("live-cost: --sidecar: %s\n", hb ? err->message :
          "the filter has no headblur");
      g_clear_error (&err);
      gst_clear_object (&hb);
      gst_element_set_state (p, GST_STATE_NULL);
      gst_object_unref (p);
      return LC_EX_SOFTWARE;
    }
    load_s = (g_get_monotonic_time () - t0) / 1e6;
    gst_object_unref (hb);
  }
  /* Set-up and preroll (one frame) are timed separately. */
  lc_snapshot_take (&s);
  if (gst_element_set_state (p, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE
      || gst_element_get_state (p, NULL, NULL, 60 * GST_SECOND) !=
      GST_STATE_CHANGE_SUCCESS) {
    g_printerr ("live-cost: segment pipeline failed to preroll\n");
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (p);
    return LC_EX_SOFTWARE;
  }

  run.loop = g_main_loop_new (NULL, FALSE);
  run.pipeline = p;
  run.end = &b;
  lc_snapshot_take (&a);
  lc_run (&run, 0, NULL);
  gst_element_set_state (p, GST_STATE_NULL);

  if (run.error || interrupted || !run.eos) {
    ret = run.error ? LC_EX_SOFTWARE : 130;
  } else {
    gdouble wall = (b.wall_us - a.wall_us) / 1e6;
    gdouble cpu = b.cpu_s - a.cpu_s;
    guint n = (guint) g_atomic_int_get (&frames);
    gdouble content = (gdouble) n / fps;

    printf ("  %-11s %.2f s wall, %.2f s CPU (NULL->PAUSED, first frame)\n",
        "set-up", (a.wall_us - s.wall_us) / 1e6, a.cpu_s - s.cpu_s);
    lc_print_figures ("segment", w, h, n, &a, &b);
    printf ("  %-11s %.2f x realtime (%.1f s of video in %.2f s wall)\n",
        "speed", content / wall, content, wall);
    printf ("  %-11s %.2f x realtime per core used (content s / CPU s)\n",
        "per core", cpu > 0 ? content / cpu : 0.0);
    if (det != NULL) {
      g_autofree gchar *what = rb_detections_describe (det);
      guint seen, covered;

      rb_detections_get_counts (det, &seen, &covered);
      printf ("  %-11s %u of %u frames covered (%s), loaded and smoothed "
          "in %.3f s\n", "sidecar", covered, seen, what, load_s);
    }
    lc_print_threads (&a, &b);
  }
  lc_snapshot_clear (&a);
  lc_snapshot_clear (&b);
  lc_snapshot_clear (&s);
  g_main_loop_unref (run.loop);
  gst_object_unref (p);
  g_clear_pointer (&det, rb_detections_free);
  return ret;
}

static void
lc_remove_dir (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *ent;

  if (d) {
    while ((ent = g_dir_read_name (d))) {
      gchar *path = g_build_filename (dir, ent, NULL);

      g_unlink (path);
      g_free (path);
    }
    g_dir_close (d);
  }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx;
  GError *err = NULL;
  GstElement *probe;
  GstClockTime clip_dur;
  gint sizes[2][2] = { {1920, 1080}, {1280, 720} };
  gint n_sizes = 2, i, ret = 0;
  gchar *tmpdir;
  guint sigint, sigterm;

  ctx = g_option_context_new ("- CPU cost of one camera's live path");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("live-cost: %s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return LC_EX_USAGE;
  }
  g_option_context_free (ctx);
  if (argc > 1) {
    g_printerr ("live-cost: unexpected argument '%s'\n", argv[1]);
    return LC_EX_USAGE;
  }
  if (!opt_filter)
    opt_filter = g_strdup (DEFAULT_FILTER);
  if (!opt_decoder)
    opt_decoder = g_strdup (DEFAULT_DECODER);
  if (!opt_clip)
    opt_clip = g_strdup (DEFAULT_CLIP);
  if (!opt_speed_preset)
    opt_speed_preset = g_strdup (DEFAULT_SPEED_PRESET);
  if (opt_seconds == 0)
    opt_seconds = opt_segment ? DEFAULT_SEGMENT_SECONDS : DEFAULT_SECONDS;
  if ((opt_width == 0) != (opt_height == 0) || opt_width < 0
      || opt_height < 0 || (opt_width & 1) || (opt_height & 1)
      || opt_fps <= 0 || opt_fps > 240 || opt_seconds < 1
      || opt_seconds > 3600 || opt_threads < 0 || opt_bitrate <= 0) {
    g_printerr ("live-cost: give --width and --height together (even), "
        "--fps 1..240, --seconds 1..3600, --threads >= 0, --bitrate > 0\n");
    return LC_EX_USAGE;
  }
  if (opt_width) {
    sizes[0][0] = opt_width;
    sizes[0][1] = opt_height;
    n_sizes = 1;
  }
  if (!g_file_test (opt_clip, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("live-cost: clip '%s' not found\n", opt_clip);
    return LC_EX_NOINPUT;
  }
  /* Fail early on a filter that cannot be built. */
  probe = lc_parse_filter ();
  if (!probe)
    return LC_EX_UNAVAILABLE;
  gst_object_unref (probe);
  clip_dur = lc_clip_duration (opt_clip);
  if (!GST_CLOCK_TIME_IS_VALID (clip_dur) || clip_dur < GST_SECOND)
    return LC_EX_NOINPUT;

  tmpdir = g_dir_make_tmp ("rb-live-cost-XXXXXX", &err);
  if (!tmpdir) {
    g_printerr ("live-cost: %s\n", err->message);
    g_clear_error (&err);
    return LC_EX_SOFTWARE;
  }
  sigint = g_unix_signal_add (SIGINT, lc_on_signal, &current_run);
  sigterm = g_unix_signal_add (SIGTERM, lc_on_signal, &current_run);

  printf ("live-cost: %s, filter \"%s\", %d s of %d fps input from %s\n",
      opt_segment ? "offline segment" : "live path", opt_filter,
      opt_seconds, opt_fps, opt_clip);
  if (!opt_segment)
    printf ("  path: matroskademux ! h264parse ! clocksync ! %s ! "
        "videoconvert ! %s ! videoconvert ! x264enc tune=zerolatency "
        "speed-preset=ultrafast threads=1 bitrate=%d key-int-max=30 ! "
        "h264parse ! fakesink\n", opt_decoder, opt_filter, opt_bitrate);
  else {
    g_autofree gchar *rate = opt_quantizer > 0 ?
        g_strdup_printf ("pass=qual quantizer=%d", opt_quantizer) :
        g_strdup_printf ("bitrate=%d", opt_bitrate);

    printf ("  path: filesrc ! matroskademux ! h264parse ! %s ! "
        "videoconvert ! %s ! videoconvert ! x264enc speed-preset=%s "
        "threads=%d %s ! h264parse ! matroskamux ! filesink%s\n",
        opt_decoder, opt_filter, opt_speed_preset, opt_threads, rate,
        opt_sidecar ?
        " (headblur upstream-detections=true fed from the sidecar)" : "");
  }
  fflush (stdout);

  for (i = 0; i < n_sizes && ret == 0 && !interrupted; i++) {
    gint w = sizes[i][0], h = sizes[i][1];
    gchar *in = g_strdup_printf ("%s/in-%dx%d.mkv", tmpdir, w, h);
    gchar *out = g_strdup_printf ("%s/out-%dx%d.mkv", tmpdir, w, h);
    gint64 t0 = g_get_monotonic_time ();

    printf ("%dx%d@%d:\n", w, h, opt_fps);
    fflush (stdout);
    if (!lc_prepare (in, w, h, opt_fps, opt_seconds, clip_dur)) {
      if (!interrupted)
        g_printerr ("live-cost: preparing the %dx%d input failed\n", w, h);
      ret = interrupted ? 130 : LC_EX_SOFTWARE;
    } else {
      printf ("  %-11s %.1f s (untimed)\n", "prepared in",
          (g_get_monotonic_time () - t0) / 1e6);
      fflush (stdout);
      if (opt_segment && opt_sidecar) {
        t0 = g_get_monotonic_time ();
        if (!lc_make_sidecar (in)) {
          ret = LC_EX_SOFTWARE;
          g_free (in);
          g_free (out);
          break;
        }
        printf ("  %-11s %.1f s (untimed, live path with attach-meta)\n",
            "sidecar in", (g_get_monotonic_time () - t0) / 1e6);
        fflush (stdout);
      }
      ret = opt_segment ?
          lc_measure_segment (in, out, w, h, opt_fps, opt_seconds) :
          lc_measure_live (in, w, h, opt_fps, opt_seconds);
    }
    fflush (stdout);
    g_free (in);
    g_free (out);
  }

  g_source_remove (sigint);
  g_source_remove (sigterm);
  lc_remove_dir (tmpdir);
  g_free (tmpdir);
  if (interrupted)
    g_printerr ("live-cost: interrupted\n");
  return ret;
}
