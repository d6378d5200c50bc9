/* rtsp-blur: headblur element, head tracker (GLib only)
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

#include "gstheadblur-track.h"

#include <math.h>

#define NS_PER_S 1e9
/* Weight of the newest velocity measurement. */
#define VELOCITY_ALPHA 0.5
/* Speeds are capped at this many box sizes per second. */
#define MAX_SPEED_BOXES_PER_S 3.0

typedef struct
{
  guint id;
  RbBox box;                    /* last detection */
  guint64 last_hit;             /* ns */
  gdouble vx, vy;               /* px/ns */
  guint hits;                   /* detections so far */
  RbBox prev_box;               /* the detection before the last one */
  guint64 prev_hit;             /* its time, ns (valid when hits >= 2) */
  gboolean matched;             /* scratch for update() */
} Track;

struct _GstHeadBlurTracker
{
  GArray *tracks;               /* Track */
  guint64 hold_time;
  guint next_id;
};

GstHeadBlurTracker *
gst_head_blur_tracker_new (guint64 hold_time)
{
  GstHeadBlurTracker *t = g_new0 (GstHeadBlurTracker, 1);

  t->tracks = g_array_new (FALSE, FALSE, sizeof (Track));
  t->hold_time = hold_time;
  t->next_id = 1;
  return t;
}

void
gst_head_blur_tracker_free (GstHeadBlurTracker * tracker)
{
  if (tracker == NULL)
    return;
  g_array_unref (tracker->tracks);
  g_free (tracker);
}

void
gst_head_blur_tracker_reset (GstHeadBlurTracker * tracker)
{
  g_array_set_size (tracker->tracks, 0);
}

void
gst_head_blur_tracker_set_hold_time (GstHeadBlurTracker * tracker,
    guint64 hold_time)
{
  tracker->hold_time = hold_time;
}

guint
gst_head_blur_tracker_n_tracks (const GstHeadBlurTracker * tracker)
{
  return tracker->tracks->len;
}

/* Centre distance in units of the mean box size. */
static gdouble
centre_dist (const RbBox * a, const RbBox * b)
{
  gdouble size = (a->width + a->height + b->width + b->height) / 4.0;

  if (size <= 0.0)
    return G_MAXDOUBLE;
  return rb_box_centre_distance (a, b) / size;
}

/* 1 + @rate x the time between @a and @b in s, at most @cap. */
static gdouble
growth_rate (guint64 a, guint64 b, gdouble rate, gdouble cap)
{
  gdouble dt = (a > b ? a - b : b - a) / NS_PER_S;

  return MIN (1.0 + rate * dt, cap);
}

static void
project_rate (const GstHeadBlurTrackHit * hit, guint64 pts, gdouble rate,
    gdouble cap, RbBox * out)
{
  gdouble dt = (gdouble) pts - (gdouble) hit->pts;
  gdouble g = growth_rate (pts, hit->pts, rate, cap);
  RbBox still = rb_box_moved (&hit->box, 0.0, 0.0, g);

  *out = rb_box_moved (&hit->box, hit->vx * dt, hit->vy * dt, g);
  /* a wrong velocity must not uncover the head: keep the grown box where
   * it was detected as well */
  rb_box_unite (out, &still);
}

void
gst_head_blur_track_project (const GstHeadBlurTrackHit * hit, guint64 pts,
    RbBox * out)
{
  project_rate (hit, pts, GST_HEAD_BLUR_TRACK_GROWTH_PER_S,
      GST_HEAD_BLUR_TRACK_MAX_GROWTH, out);
}

static void
cap_speed (Track * t)
{
  gdouble size = MAX (t->box.width, t->box.height);
  gdouble max = MAX_SPEED_BOXES_PER_S * size / NS_PER_S;
  gdouble speed = sqrt (t->vx * t->vx + t->vy * t->vy);

  if (speed > max && speed > 0.0) {
    t->vx *= max / speed;
    t->vy *= max / speed;
  }
}

void
gst_head_blur_tracker_update (GstHeadBlurTracker * tracker,
    const RbBox * dets, guint n_dets, guint64 pts, GArray * hits)
{
  GArray *tracks = tracker->tracks;
  gint *det_track = g_newa (gint, MAX (n_dets, 1));
  guint i, j;

  for (i = 0; i < tracks->len; i++)
    g_array_index (tracks, Track, i).matched = FALSE;
  for (j = 0; j < n_dets; j++)
    det_track[j] = -1;

  /* Greedy: repeatedly take the best remaining pair, first by IoU, then by
   * centre distance for boxes too small or fast to overlap. */
  for (;;) {
    gdouble best = RB_BOX_MATCH_MIN_IOU;
    gint bi = -1, bj = -1;

    for (i = 0; i < tracks->len; i++) {
      Track *t = &g_array_index (tracks, Track, i);

      if (t->matched)
        continue;
      for (j = 0; j < n_dets; j++) {
        gdouble v;

        if (det_track[j] >= 0)
          continue;
        v = rb_box_iou (&t->box, &dets[j]);
        if (v >= best) {
          best = v;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi < 0) {
      gdouble best_d = RB_BOX_MATCH_MAX_CENTRE_DIST;

      for (i = 0; i < tracks->len; i++) {
        Track *t = &g_array_index (tracks, Track, i);

        if (t->matched)
          continue;
        for (j = 0; j < n_dets; j++) {
          gdouble d;

          if (det_track[j] >= 0)
            continue;
          d = centre_dist (&t->box, &dets[j]);
          if (d < best_d) {
            best_d = d;
            bi = i;
            bj = j;
          }
        }
      }
    }
    if (bi < 0)
      break;
    g_array_index (tracks, Track, bi).matched = TRUE;
    det_track[bj] = bi;
  }

  for (j = 0; j < n_dets; j++) {
    GstHeadBlurTrackHit hit;
    Track *t;

    if (det_track[j] >= 0) {
      t = &g_array_index (tracks, Track, det_track[j]);
      hit.prev_hit = t->last_hit;
      if (pts > t->last_hit) {
        gdouble dt = (gdouble) (pts - t->last_hit);
        gdouble vx = ((dets[j].x + dets[j].width / 2.0) -
            (t->box.x + t->box.width / 2.0)) / dt;
        gdouble vy = ((dets[j].y + dets[j].height / 2.0) -
            (t->box.y + t->box.height / 2.0)) / dt;

        t->vx = VELOCITY_ALPHA * vx + (1.0 - VELOCITY_ALPHA) * t->vx;
        t->vy = VELOCITY_ALPHA * vy + (1.0 - VELOCITY_ALPHA) * t->vy;
      }
      t->prev_box = t->box;
      t->prev_hit = t->last_hit;
      t->box = dets[j];
      t->last_hit = pts;
      t->hits++;
      cap_speed (t);
    } else {
      Track nt = { 0, };

      nt.id = tracker->next_id++;
      nt.box = dets[j];
      nt.last_hit = pts;
      nt.hits = 1;
      nt.matched = TRUE;
      g_array_append_val (tracks, nt);
      t = &g_array_index (tracks, Track, tracks->len - 1);
      hit.prev_hit = G_MAXUINT64;
    }
    if (hits) {
      hit.id = t->id;
      hit.box = t->box;
      hit.vx = t->vx;
      hit.vy = t->vy;
      hit.pts = pts;
      g_array_append_val (hits, hit);
    }
  }
}

guint
gst_head_blur_tracker_predict (GstHeadBlurTracker * tracker, guint64 pts,
    gboolean keep_expired, GArray * boxes)
{
  GArray *tracks = tracker->tracks;
  guint i, n = 0;

  for (i = 0; i < tracks->len;) {
    Track *t = &g_array_index (tracks, Track, i);
    GstHeadBlurTrackHit hit;
    RbBox b;

    if (!keep_expired && pts > t->last_hit
        && pts - t->last_hit > tracker->hold_time) {
      g_array_remove_index (tracks, i);
      continue;
    }
    hit.box = t->box;
    hit.vx = t->vx;
    hit.vy = t->vy;
    hit.pts = t->last_hit;
    if (pts < t->last_hit)      /* stream went backwards: no motion */
      hit.pts = pts;
    /* a head seen once has no velocity yet: its box grows faster */
    project_rate (&hit, pts, t->hits <= 1 ?
        GST_HEAD_BLUR_TRACK_NEW_GROWTH_PER_S :
        GST_HEAD_BLUR_TRACK_GROWTH_PER_S,
        GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH, &b);
    /* the detector's box of one head jitters from run to run (face- or
     * person-derived, shifted by a few pixels): the previous detection,
     * moved along the track's velocity to @pts and grown like the last
     * one, is masked too */
    if (t->hits >= 2 && pts >= t->last_hit) {
      gdouble dt = (gdouble) pts - (gdouble) t->prev_hit;
      RbBox pb = rb_box_moved (&t->prev_box, t->vx * dt, t->vy * dt,
          growth_rate (pts, t->last_hit, GST_HEAD_BLUR_TRACK_GROWTH_PER_S,
              GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH));

      rb_box_unite (&b, &pb);
    }
    g_array_append_val (boxes, b);
    n++;
    i++;
  }
  return n;
}
