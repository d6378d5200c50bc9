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

/**
 * SECTION:rb-tracks
 * @title: Track smoothing
 * @short_description: link detections into tracks over a whole segment,
 * fill the gaps both ways
 *
 * Detections are added in time order. Each is matched to the track whose
 * box, moved to the detection's time along the track's velocity, overlaps
 * it most (IoU >= min_iou) or whose centre is nearest (within
 * max_centre_dist times the box size, plus max_speed box sizes per second
 * since the track was last seen), among the tracks last seen no more
 * than max_gap earlier; the pairs are taken greedily, best first.
 * Unmatched detections start tracks. A track is then a list of timed
 * boxes: between two of them it is interpolated linearly, before the first
 * and after the last it moves on with its velocity (measured over up to
 * 0.5 s at that end) for hold_time; away from a detection its box grows by
 * growth_per_s per second of distance to the nearest detection, up to
 * max_growth. Every box is then scaled by scale about its centre.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-tracks.h"

#define VELOCITY_SPAN_NS (G_GUINT64_CONSTANT (500000000))

typedef struct {
  guint64 pts;
  RbBox box;
} RbTrackPoint;

typedef struct {
  GArray *points;               /* RbTrackPoint, increasing pts */
  gfloat score;                 /* best detection score */
} RbTrack;

struct _RbTracks {
  RbTracksParams params;
  GPtrArray *tracks;            /* RbTrack */
};

void
rb_tracks_params_init (RbTracksParams * params, guint64 hold_time)
{
  params->hold_time = hold_time;
  params->max_gap = G_GUINT64_CONSTANT (1000000000);
  params->min_iou = RB_BOX_MATCH_MIN_IOU;
  params->max_centre_dist = RB_BOX_MATCH_MAX_CENTRE_DIST;
  params->max_speed = 2.0;
  params->growth_per_s = 0.5;
  params->max_growth = 2.0;
  params->scale = 1.35;
}

static void
rb_track_free (RbTrack * t)
{
  g_array_unref (t->points);
  g_free (t);
}

RbTracks *
rb_tracks_new (const RbTracksParams * params)
{
  RbTracks *tracks = g_new0 (RbTracks, 1);

  tracks->params = *params;
  tracks->tracks = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_track_free);
  return tracks;
}

void
rb_tracks_free (RbTracks * tracks)
{
  if (tracks == NULL)
    return;
  g_ptr_array_unref (tracks->tracks);
  g_free (tracks);
}

guint
rb_tracks_n_tracks (RbTracks * tracks)
{
  return tracks->tracks->len;
}

/* velocity (px/ns) at the start (@at_end FALSE) or the end of @t */
static void
rb_track_velocity (const RbTrack * t, gboolean at_end, gdouble * vx,
    gdouble * vy)
{
  guint n = t->points->len;
  const RbTrackPoint *a, *b = NULL;

  *vx = *vy = 0;
  if (n < 2)
    return;
  if (at_end) {
    a = &g_array_index (t->points, RbTrackPoint, n - 1);
    for (gint i = n - 2; i >= 0; i--) {
      const RbTrackPoint *p = &g_array_index (t->points, RbTrackPoint, i);

      if (b != NULL && a->pts - p->pts > VELOCITY_SPAN_NS)
        break;
      b = p;
    }
  } else {
    a = &g_array_index (t->points, RbTrackPoint, 0);
    for (guint i = 1; i < n; i++) {
      const RbTrackPoint *p = &g_array_index (t->points, RbTrackPoint, i);

      if (b != NULL && p->pts - a->pts > VELOCITY_SPAN_NS)
        break;
      b = p;
    }
  }
  if (b == NULL || a->pts == b->pts)
    return;
  {
    gdouble dt = (gdouble) a->pts - (gdouble) b->pts;
    gdouble dx = (a->box.x + a->box.width / 2) - (b->box.x + b->box.width / 2);
    gdouble dy = (a->box.y + a->box.height / 2) -
        (b->box.y + b->box.height / 2);

    *vx = dx / dt;
    *vy = dy / dt;
  }
}

typedef struct {
  guint track;
  guint det;
  gdouble cost;
} RbPair;

static gint
rb_pair_cmp (gconstpointer a, gconstpointer b)
{
  const RbPair *pa = a, *pb = b;

  return pa->cost < pb->cost ? -1 : pa->cost > pb->cost;
}

/**
 * rb_tracks_add:
 * @tracks: the tracks
 * @pts: the frame's time, ns, not before the previous call's
 * @boxes: (array length=n_boxes): the heads detected in it
 * @n_boxes: their number
 *
 * Links the detections of one frame into the tracks.
 */
void
rb_tracks_add (RbTracks * tracks, guint64 pts, const RbBox * boxes,
    guint n_boxes)
{
  const RbTracksParams *p = &tracks->params;
  g_autoptr (GArray) pairs = g_array_new (FALSE, FALSE, sizeof (RbPair));
  gboolean *det_used = g_newa (gboolean, MAX (n_boxes, 1));
  guint n_tracks = tracks->tracks->len;
  gboolean *track_used = g_newa (gboolean, MAX (n_tracks, 1));

  if (n_boxes == 0)
    return;
  for (guint t = 0; t < n_tracks; t++) {
    RbTrack *track = g_ptr_array_index (tracks->tracks, t);
    const RbTrackPoint *last = &g_array_index (track->points, RbTrackPoint,
        track->points->len - 1);
    gdouble vx, vy, dt;
    RbBox pred;

    track_used[t] = FALSE;
    if (last->pts >= pts || pts - last->pts > p->max_gap)
      continue;
    rb_track_velocity (track, TRUE, &vx, &vy);
    dt = (gdouble) (pts - last->pts);
    pred = rb_box_moved (&last->box, vx * dt, vy * dt, 1.0);
    for (guint d = 0; d < n_boxes; d++) {
      const RbBox *b = &boxes[d];
      gdouble iou = rb_box_iou (&pred, b);
      gdouble size = MAX (MAX (pred.width, pred.height), MAX (b->width,
              b->height));
      gdouble dist = rb_box_centre_distance (&pred, b) / MAX (size, 1);
      RbPair pair = { t, d, 0 };

      if (iou >= p->min_iou)
        pair.cost = 1.0 - iou;
      else if (dist <= p->max_centre_dist + p->max_speed * dt / 1e9)
        pair.cost = 1.0 + dist;
      else
        continue;
      g_array_append_val (pairs, pair);
    }
  }
  g_array_sort (pairs, rb_pair_cmp);
  for (guint d = 0; d < n_boxes; d++)
    det_used[d] = FALSE;
  for (guint i = 0; i < pairs->len; i++) {
    const RbPair *pair = &g_array_index (pairs, RbPair, i);
    RbTrack *track;
    RbTrackPoint pt;

    if (track_used[pair->track] || det_used[pair->det])
      continue;
    track_used[pair->track] = det_used[pair->det] = TRUE;
    track = g_ptr_array_index (tracks->tracks, pair->track);
    pt.pts = pts;
    pt.box = boxes[pair->det];
    g_array_append_val (track->points, pt);
    track->score = MAX (track->score, pt.box.score);
  }
  for (guint d = 0; d < n_boxes; d++) {
    RbTrack *track;
    RbTrackPoint pt;

    if (det_used[d])
      continue;
    track = g_new0 (RbTrack, 1);
    track->points = g_array_new (FALSE, FALSE, sizeof (RbTrackPoint));
    pt.pts = pts;
    pt.box = boxes[d];
    g_array_append_val (track->points, pt);
    track->score = pt.box.score;
    g_ptr_array_add (tracks->tracks, track);
  }
}

/**
 * rb_tracks_add_sidecar:
 * @tracks: the tracks
 * @sidecar: a loaded sidecar
 *
 * Adds the detections (sources det, face and person) of every frame of
 * @sidecar the detector ran on.
 */
void
rb_tracks_add_sidecar (RbTracks * tracks, const RbSidecar * sidecar)
{
  g_autoptr (GArray) dets = g_array_new (FALSE, FALSE, sizeof (RbBox));

  for (guint i = 0; i < sidecar->frames->len; i++) {
    const RbSidecarFrame *f = &g_array_index (sidecar->frames,
        RbSidecarFrame, i);

    if (!(f->flags & RB_SIDECAR_FRAME_DETECTED))
      continue;
    g_array_set_size (dets, 0);
    for (guint j = 0; j < f->boxes->len; j++) {
      const RbBox *b = &g_array_index (f->boxes, RbBox, j);

      if (b->source != RB_BOX_TRACK)
        g_array_append_val (dets, *b);
    }
    rb_tracks_add (tracks, f->pts, (const RbBox *) dets->data, dets->len);
  }
}

/* the box's scale @distance ns from the nearest detection */
static gdouble
rb_tracks_growth (const RbTracksParams * p, guint64 distance)
{
  return MIN (1.0 + p->growth_per_s * distance / 1e9, p->max_growth) *
      p->scale;
}

/**
 * rb_tracks_boxes_at:
 * @tracks: the tracks
 * @pts: a time, ns
 * @out: GArray of #RbBox to append to
 *
 * Appends the box of every track alive at @pts (source RB_BOX_TRACK, score
 * the track's best).
 */
void
rb_tracks_boxes_at (RbTracks * tracks, guint64 pts, GArray * out)
{
  const RbTracksParams *p = &tracks->params;

  for (guint t = 0; t < tracks->tracks->len; t++) {
    RbTrack *track = g_ptr_array_index (tracks->tracks, t);
    guint n = track->points->len;
    const RbTrackPoint *first = &g_array_index (track->points,
        RbTrackPoint, 0);
    const RbTrackPoint *last = &g_array_index (track->points,
        RbTrackPoint, n - 1);
    RbBox b;
    gdouble vx, vy, dt;

    if (pts < first->pts) {
      if (first->pts - pts > p->hold_time)
        continue;
      rb_track_velocity (track, FALSE, &vx, &vy);
      dt = -(gdouble) (first->pts - pts);
      b = rb_box_moved (&first->box, vx * dt, vy * dt, rb_tracks_growth (p,
              first->pts - pts));
    } else if (pts > last->pts) {
      if (pts - last->pts > p->hold_time)
        continue;
      rb_track_velocity (track, TRUE, &vx, &vy);
      dt = (gdouble) (pts - last->pts);
      b = rb_box_moved (&last->box, vx * dt, vy * dt, rb_tracks_growth (p,
              pts - last->pts));
    } else {
      guint lo = 0, hi = n - 1;
      const RbTrackPoint *a, *c;
      gdouble f;
      RbBox mid;

      /* the last point at or before pts */
      while (lo < hi) {
        guint m = (lo + hi + 1) / 2;

        if (g_array_index (track->points, RbTrackPoint, m).pts <= pts)
          lo = m;
        else
          hi = m - 1;
      }
      a = &g_array_index (track->points, RbTrackPoint, lo);
      if (a->pts == pts || lo + 1 >= n) {
        b = rb_box_moved (&a->box, 0, 0, rb_tracks_growth (p, 0));
      } else {
        c = &g_array_index (track->points, RbTrackPoint, lo + 1);
        f = (gdouble) (pts - a->pts) / (gdouble) (c->pts - a->pts);
        mid.x = a->box.x + f * (c->box.x - a->box.x);
        mid.y = a->box.y + f * (c->box.y - a->box.y);
        mid.width = a->box.width + f * (c->box.width - a->box.width);
        mid.height = a->box.height + f * (c->box.height - a->box.height);
        b = rb_box_moved (&mid, 0, 0, rb_tracks_growth (p,
                MIN (pts - a->pts, c->pts - pts)));
      }
    }
    b.source = RB_BOX_TRACK;
    b.score = track->score;
    g_array_append_val (out, b);
  }
}
