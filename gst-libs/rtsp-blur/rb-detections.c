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

/* See rb-detections.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-detections.h"

#include <gst/video/video.h>
#include <string.h>

#include "rb-roi.h"
#include "rb-sidecar.h"
#include "rb-tracks.h"

#define FALLBACK_FRAME_DURATION (GST_SECOND / 15)

/* ---- live: headblur's metas into the recorder's sidecars ------------- */

/**
 * rb_detections_format:
 * @buffer: a frame out of headblur (attach-meta=true)
 * @running_time: its running time, ns
 *
 * Returns: (transfer full) (nullable): the frame's sidecar line from
 * headblur's metas, or %NULL when it has none.
 */
gchar *
rb_detections_format (GstBuffer * buffer, guint64 running_time)
{
  GQuark head = g_quark_from_static_string (RB_ROI_HEAD);
  GQuark marker = g_quark_from_static_string (RB_ROI_FRAME);
  g_autoptr (GArray) boxes = g_array_new (FALSE, FALSE, sizeof (RbBox));
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  gboolean found = FALSE;
  guint flags = 0, interval = 1;

  while ((roi = (GstVideoRegionOfInterestMeta *)
          gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (roi->roi_type == head) {
      GstStructure *st = gst_video_region_of_interest_meta_get_param (roi,
          "headblur-box");
      RbBox b = { roi->x, roi->y, roi->w, roi->h, 0, RB_BOX_DETECTION };
      const gchar *source = st ? gst_structure_get_string (st, "source") :
          NULL;
      gdouble score = 0;

      if (g_strcmp0 (source, "track") == 0)
        b.source = RB_BOX_TRACK;
      else if (g_strcmp0 (source, "face") == 0)
        b.source = RB_BOX_FACE;
      else if (g_strcmp0 (source, "person") == 0)
        b.source = RB_BOX_PERSON;
      if (st && gst_structure_get_double (st, "score", &score))
        b.score = score;
      g_array_append_val (boxes, b);
    } else if (roi->roi_type == marker) {
      GstStructure *st = gst_video_region_of_interest_meta_get_param (roi,
          RB_ROI_FRAME);
      gboolean v = FALSE;

      found = TRUE;
      if (st && gst_structure_get_boolean (st, "detected", &v) && v)
        flags |= RB_SIDECAR_FRAME_DETECTED;
      if (st && gst_structure_get_boolean (st, "overload", &v) && v)
        flags |= RB_SIDECAR_FRAME_OVERLOAD;
      if (st)
        gst_structure_get_uint (st, "detection-interval", &interval);
    }
  }
  if (!found)
    return NULL;
  return rb_sidecar_format_frame (running_time, flags, interval,
      (const RbBox *) boxes->data, boxes->len);
}

/* The losses the recording branch saw (the first buffer after
 * missing data), waiting until the live path's frame lines reach their
 * running time, so that the sidecar's lines keep increasing. */
typedef struct {
  GstElement *pipeline;         /* not owned */
  GMutex lock;
  GArray *pending;              /* guint64 running times, increasing */
  gboolean seen_first;          /* a buffer without DISCONT came; streaming
                                 * thread of the parser only */
  gboolean gap;                 /* idem: missing data before the next */
  RbWallclock *clock;           /* the frames' wall-clock time */
  guint64 last_clock_rt;        /* of the last `w` line, or NONE; streaming
                                 * thread of headblur's src only */
} RbLosses;

static void
rb_losses_free (gpointer data)
{
  RbLosses *l = data;

  g_array_unref (l->pending);
  rb_wallclock_free (l->clock);
  g_mutex_clear (&l->lock);
  g_free (l);
}

/* Adds the pending losses up to @until (all with G_MAXUINT64) to the
 * recorder's sidecars. */
static void
rb_losses_emit (RbLosses * l, guint64 until)
{
  GstElement *recorder = NULL;

  g_mutex_lock (&l->lock);
  while (l->pending->len > 0 && g_array_index (l->pending, guint64, 0) <=
      until) {
    guint64 rt = g_array_index (l->pending, guint64, 0);
    g_autofree gchar *line = rb_sidecar_format_loss (rt);

    g_array_remove_index (l->pending, 0);
    if (recorder == NULL)
      recorder = gst_bin_get_by_name (GST_BIN (l->pipeline), "recorder");
    if (recorder != NULL)
      g_signal_emit_by_name (recorder, "add-detections", rt, line);
  }
  g_mutex_unlock (&l->lock);
  if (recorder != NULL)
    gst_object_unref (recorder);
}

/* On the parser's output (what is recorded): a buffer flagged DISCONT
 * (rtph264depay's mark after missing RTP packets; not those that open the
 * stream) or the first after a missing-data GAP event is a loss. */
static GstPadProbeReturn
rb_losses_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbLosses *l = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    gboolean loss = l->gap || (l->seen_first && GST_BUFFER_IS_DISCONT
        (buffer));
    GstEvent *ev;

    /* the DISCONT buffers that open the stream are no loss (safedec does
     * not count them either) */
    if (!GST_BUFFER_IS_DISCONT (buffer))
      l->seen_first = TRUE;
    l->gap = FALSE;
    if (!loss)
      return GST_PAD_PROBE_OK;
    ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
    if (ev != NULL) {
      const GstSegment *segment;
      guint64 rt;

      gst_event_parse_segment (ev, &segment);
      rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
          GST_BUFFER_PTS (buffer));
      gst_event_unref (ev);
      if (GST_CLOCK_TIME_IS_VALID (rt)) {
        g_mutex_lock (&l->lock);
        if (l->pending->len == 0 || g_array_index (l->pending, guint64,
                l->pending->len - 1) < rt)
          g_array_append_val (l->pending, rt);
        g_mutex_unlock (&l->lock);
      }
    }
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    GstGapFlags flags = 0;

    if (GST_EVENT_TYPE (event) == GST_EVENT_GAP) {
      gst_event_parse_gap_flags (event, &flags);
      if (flags & GST_GAP_FLAG_MISSING_DATA)
        l->gap = TRUE;
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
rb_detections_record_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer data)
{
  RbLosses *losses = data;
  GstElement *pipeline = losses->pipeline;
  GstElement *recorder;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
    guint64 rt = GST_CLOCK_TIME_NONE;
    g_autofree gchar *line = NULL;

    if (ev != NULL) {
      const GstSegment *segment;

      gst_event_parse_segment (ev, &segment);
      rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
          GST_BUFFER_PTS (buffer));
      gst_event_unref (ev);
    }
    if (GST_CLOCK_TIME_IS_VALID (rt)) {
      rb_losses_emit (losses, rt);
      line = rb_detections_format (buffer, rt);
    }
    if (line != NULL) {
      g_autofree gchar *clock_line = NULL;
      gint64 unix_ns;

      /* the frames' time, about once a second, for the overlay on the
       * recordings */
      if ((losses->last_clock_rt == GST_CLOCK_TIME_NONE
              || rt >= losses->last_clock_rt + GST_SECOND
              || rt < losses->last_clock_rt)
          && rb_wallclock_lookup (losses->clock, rt, &unix_ns)
          && unix_ns > 0) {
        clock_line = rb_sidecar_format_clock (rt, unix_ns);
        losses->last_clock_rt = rt;
      }
      recorder = gst_bin_get_by_name (GST_BIN (pipeline), "recorder");
      if (recorder != NULL) {
        g_signal_emit_by_name (recorder, "add-detections", rt, line);
        if (clock_line != NULL)
          g_signal_emit_by_name (recorder, "add-detections", rt, clock_line);
        gst_object_unref (recorder);
      }
    }
    /* the metas are for the sidecar only, not for the encoder */
    buffer = gst_buffer_make_writable (buffer);
    gst_buffer_foreach_meta (buffer, rb_roi_remove_headblur, NULL);
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
      rb_losses_emit (losses, G_MAXUINT64);
      recorder = gst_bin_get_by_name (GST_BIN (pipeline), "recorder");
      if (recorder != NULL) {
        g_signal_emit_by_name (recorder, "end-detections");
        gst_object_unref (recorder);
      }
    }
  }
  return GST_PAD_PROBE_OK;
}

/**
 * rb_detections_record:
 * @pipeline: a camera pipeline with a segmentqueue named "recorder"
 *   (detections=true) and the parser before it named "parse"
 * @headblur: its live headblur (attach-meta=true)
 *
 * Records @headblur's detections of every frame, and the losses the
 * recording saw, into the sidecars of the segments @pipeline records (see
 * rb-detections.h).
 */
void
rb_detections_record (GstElement * pipeline, GstElement * headblur)
{
  GstPad *pad = gst_element_get_static_pad (headblur, "src");
  GstElement *parse = gst_bin_get_by_name (GST_BIN (pipeline), "parse");
  RbLosses *losses = g_new0 (RbLosses, 1);

  losses->pipeline = pipeline;
  g_mutex_init (&losses->lock);
  losses->pending = g_array_new (FALSE, FALSE, sizeof (guint64));
  losses->clock = rb_wallclock_new ();
  losses->last_clock_rt = GST_CLOCK_TIME_NONE;
  /* freed with the pipeline, after both probes */
  g_object_set_data_full (G_OBJECT (pipeline), "rb-losses", losses,
      rb_losses_free);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, rb_detections_record_probe,
      losses, NULL);
  gst_object_unref (pad);
  if (parse != NULL) {
    pad = gst_element_get_static_pad (parse, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, rb_losses_probe, losses, NULL);
    rb_wallclock_learn (losses->clock, pad);
    gst_object_unref (pad);
    gst_object_unref (parse);
  }
}

/**
 * rb_detections_wallclock:
 * @pipeline: a pipeline given to rb_detections_record()
 *
 * Returns: (transfer none) (nullable): the wall clock of its frames,
 * learnt from its parser's output; it lives as long as @pipeline.
 */
RbWallclock *
rb_detections_wallclock (GstElement * pipeline)
{
  RbLosses *losses = g_object_get_data (G_OBJECT (pipeline), "rb-losses");

  return losses ? losses->clock : NULL;
}

/* ---- workers: the sidecar, smoothed, before headblur ----------------- */

struct _RbDetections {
  RbSidecar *sidecar;
  RbTracks *tracks;
  guint64 frame_duration;       /* ns */
  guint heads;                  /* det/face/person boxes */
  guint track_boxes;
  guint overload;
  gint frames_seen;             /* atomic */
  gint frames_covered;          /* atomic */
};

static gint
rb_cmp_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/**
 * rb_detections_load:
 * @segment: a raw segment
 * @hold_time: ns a track is extended before and after its detections
 * @error: return location for an error
 *
 * Loads @segment's sidecar and smooths its detections into tracks.
 *
 * Returns: (transfer full): the detections, or %NULL with @error.
 */
RbDetections *
rb_detections_load (const gchar * segment, guint64 hold_time,
    GError ** error)
{
  g_autofree gchar *path = rb_sidecar_path (segment);
  RbSidecar *sc = rb_sidecar_load (path, error);
  RbDetections *d;
  RbTracksParams params;
  g_autoptr (GArray) deltas = g_array_new (FALSE, FALSE, sizeof (guint64));

  if (sc == NULL)
    return NULL;
  d = g_new0 (RbDetections, 1);
  d->sidecar = sc;
  rb_tracks_params_init (&params, hold_time);
  d->tracks = rb_tracks_new (&params);
  rb_tracks_add_sidecar (d->tracks, sc);
  for (guint i = 0; i < sc->frames->len; i++) {
    const RbSidecarFrame *f = &g_array_index (sc->frames, RbSidecarFrame, i);

    for (guint j = 0; j < f->boxes->len; j++) {
      if (g_array_index (f->boxes, RbBox, j).source == RB_BOX_TRACK)
        d->track_boxes++;
      else
        d->heads++;
    }
    if (f->flags & RB_SIDECAR_FRAME_OVERLOAD)
      d->overload++;
    if (i > 0) {
      guint64 delta = f->pts - g_array_index (sc->frames, RbSidecarFrame,
          i - 1).pts;

      g_array_append_val (deltas, delta);
    }
  }
  /* the median spacing of the frames: the frame duration */
  d->frame_duration = FALLBACK_FRAME_DURATION;
  if (deltas->len > 0) {
    g_array_sort (deltas, rb_cmp_u64);
    d->frame_duration = MAX (g_array_index (deltas, guint64,
            deltas->len / 2), GST_MSECOND);
  }
  return d;
}

void
rb_detections_free (RbDetections * detections)
{
  if (detections == NULL)
    return;
  rb_sidecar_free (detections->sidecar);
  rb_tracks_free (detections->tracks);
  g_free (detections);
}

gchar *
rb_detections_describe (const RbDetections * d)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u frames, %u heads, %u tracks",
      d->sidecar->frames->len, d->heads,
      rb_tracks_n_tracks (d->tracks));
  g_string_append (s, d->sidecar->complete ? ", complete" : ", incomplete");
  if (d->sidecar->torn)
    g_string_append (s, ", torn last line");
  if (d->sidecar->bad_lines)
    g_string_append_printf (s, ", %u corrupt lines", d->sidecar->bad_lines);
  if (d->sidecar->losses->len)
    g_string_append_printf (s, ", %u losses", d->sidecar->losses->len);
  return g_string_free (s, FALSE);
}

gboolean
rb_detections_nothing_detected (const RbDetections * d)
{
  return d->sidecar->complete && !d->sidecar->torn
      && d->sidecar->bad_lines == 0 && d->heads == 0 && d->track_boxes == 0
      && d->overload == 0 && d->sidecar->losses->len == 0;
}

guint
rb_detections_n_losses (const RbDetections * d)
{
  return d->sidecar->losses->len;
}

/**
 * rb_detections_add_clocks:
 * @detections: a sidecar loaded with rb_detections_load()
 * @clock: a wall clock
 *
 * Gives @clock the sidecar's `w` lines (the frames' wall-clock time as the
 * live path saw it).
 *
 * Returns: how many.
 */
guint
rb_detections_add_clocks (const RbDetections * d, RbWallclock * clock)
{
  for (guint i = 0; i < d->sidecar->clocks->len; i++) {
    const RbSidecarClock *c = &g_array_index (d->sidecar->clocks,
        RbSidecarClock, i);

    rb_wallclock_add_anchor (clock, c->pts, c->unix_ns);
  }
  return d->sidecar->clocks->len;
}

/* Before the worker's decoder: the recorded frame the live path got after
 * missing data (DISCONT, live) is flagged CORRUPTED, so that the decoder
 * (safedec) flags it and the frames after it up to the next clean key
 * frame, as live, and headblur masks them whole. (Not DISCONT: a parser
 * marks the first buffers of a file so, which safedec does not count.) */
static GstPadProbeReturn
rb_detections_loss_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer data)
{
  RbDetections *d = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  if (!GST_CLOCK_TIME_IS_VALID (pts)
      || !rb_sidecar_has_loss (d->sidecar, pts, d->frame_duration / 2))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_CORRUPTED);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

void
rb_detections_mark_losses (RbDetections * detections, GstElement * decoder)
{
  GstPad *pad = gst_element_get_static_pad (decoder, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      rb_detections_loss_probe, detections, NULL);
  gst_object_unref (pad);
}

gboolean
rb_detections_is_complete (const RbDetections * d)
{
  return d->sidecar->complete;
}

gboolean
rb_detections_covers (const RbDetections * d, guint64 pts)
{
  return rb_sidecar_covered (d->sidecar, pts, d->frame_duration);
}

void
rb_detections_get_counts (RbDetections * d, guint * frames, guint * covered)
{
  *frames = g_atomic_int_get (&d->frames_seen);
  *covered = g_atomic_int_get (&d->frames_covered);
}

static GstPadProbeReturn
rb_detections_feed_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer data)
{
  RbDetections *d = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GArray) boxes = g_array_new (FALSE, FALSE, sizeof (RbBox));
  GstVideoRegionOfInterestMeta *roi;
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  gboolean covered;

  /* without a time the frame cannot be matched: detected as usual */
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;
  covered = rb_detections_covers (d, pts);
  rb_tracks_boxes_at (d->tracks, pts, boxes);
  g_atomic_int_inc (&d->frames_seen);
  if (covered)
    g_atomic_int_inc (&d->frames_covered);

  buffer = gst_buffer_make_writable (buffer);
  for (guint i = 0; i < boxes->len; i++) {
    const RbBox *b = &g_array_index (boxes, RbBox, i);
    gint x = (gint) MAX (b->x, 0), y = (gint) MAX (b->y, 0);
    gint w = (gint) (b->x + b->width + 0.5) - x;
    gint h = (gint) (b->y + b->height + 0.5) - y;

    if (w > 0 && h > 0)
      gst_buffer_add_video_region_of_interest_meta (buffer, RB_ROI_HEAD, x, y,
          w, h);
  }
  roi = gst_buffer_add_video_region_of_interest_meta (buffer, RB_ROI_FRAME, 0,
      0, 0, 0);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new (RB_ROI_FRAME, "covered", G_TYPE_BOOLEAN, covered,
          NULL));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/**
 * rb_detections_feed:
 * @detections: a segment's detections
 * @headblur: the worker's headblur (upstream-detections=true)
 *
 * Before @headblur, puts the tracks' boxes on every frame as "head"
 * region-of-interest metas and a "headblur-frame" meta with `covered`.
 */
void
rb_detections_feed (RbDetections * detections, GstElement * headblur)
{
  GstPad *pad = gst_element_get_static_pad (headblur, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      rb_detections_feed_probe, detections, NULL);
  gst_object_unref (pad);
}
