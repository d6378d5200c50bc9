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

#ifndef __GST_HEAD_BLUR_TRACK_H__
#define __GST_HEAD_BLUR_TRACK_H__

#include <glib.h>

#include "rb-box.h"

G_BEGIN_DECLS

/* Tracks of head boxes over time, without GStreamer so that it can be unit
 * tested. Times are in nanoseconds (stream time of the frames), boxes in
 * frame pixels. Not thread-safe. */
typedef struct _GstHeadBlurTracker GstHeadBlurTracker;

/* A detection that started a track or re-acquired one, as update() reports
 * it: enough to project the head back in time (look-ahead). */
typedef struct {
  guint id;                     /* track id, unique per tracker */
  RbBox box;                    /* the detection */
  gdouble vx;                   /* velocity, px/ns (0 for a new track) */
  gdouble vy;
  guint64 pts;                  /* time of the detection, ns */
  guint64 prev_hit;             /* previous detection of the track, ns,
                                 * G_MAXUINT64 for a new track */
} GstHeadBlurTrackHit;

/* A detection is associated with a track as rb-box.h says
 * (RB_BOX_MATCH_MIN_IOU, else RB_BOX_MATCH_MAX_CENTRE_DIST in units of the
 * mean of the two boxes' sides). The values below were chosen on the
 * panning clips of bench/eval/headblur-video-eval; the measurements are in
 * bench/eval/README.md ("Second round"). */

/* Growth of a predicted box per second since its detection, and the cap of
 * a box projected back by the look-ahead. */
#define GST_HEAD_BLUR_TRACK_GROWTH_PER_S 0.5
#define GST_HEAD_BLUR_TRACK_MAX_GROWTH 3.0
/* The cap of the growth of a held box (predict()): a head the detector
 * keeps missing stays where it was or moves with its track, and a box
 * growing for the whole hold time would mostly mask background. */
#define GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH 1.25
/* Growth per second of the box of a track detected only once (its
 * velocity is not known yet). */
#define GST_HEAD_BLUR_TRACK_NEW_GROWTH_PER_S 1.0

GstHeadBlurTracker * gst_head_blur_tracker_new (guint64 hold_time);
void     gst_head_blur_tracker_free (GstHeadBlurTracker * tracker);
void     gst_head_blur_tracker_reset (GstHeadBlurTracker * tracker);
void     gst_head_blur_tracker_set_hold_time (GstHeadBlurTracker * tracker,
                                              guint64 hold_time);
guint    gst_head_blur_tracker_n_tracks (const GstHeadBlurTracker * tracker);

/* Associates @n_dets detections made at @pts with the tracks (greedy by
 * IoU, then by centre distance), updates their velocity and starts tracks
 * for the unmatched ones. Appends a GstHeadBlurTrackHit for every
 * detection to @hits if not NULL. */
void     gst_head_blur_tracker_update (GstHeadBlurTracker * tracker,
                                       const RbBox * dets,
                                       guint n_dets, guint64 pts,
                                       GArray * hits);

/* Appends to @boxes (RbBox) the box of every live track at
 * @pts: the last detection moved by the track's velocity and grown with
 * the time since it (GST_HEAD_BLUR_TRACK_NEW_GROWTH_PER_S while the track
 * has a single detection, else GST_HEAD_BLUR_TRACK_GROWTH_PER_S, at most
 * GST_HEAD_BLUR_TRACK_HOLD_MAX_GROWTH), united
 * with the grown last detection and with the previous detection moved
 * along the velocity to @pts and grown alike. Tracks not
 * detected for longer than the hold time are dropped first, unless
 * @keep_expired. Returns the number of boxes appended. */
guint    gst_head_blur_tracker_predict (GstHeadBlurTracker * tracker,
                                        guint64 pts, gboolean keep_expired,
                                        GArray * boxes);

/* The box of @hit projected to @pts (before or after it): moved along its
 * velocity and grown with the distance in time. */
void     gst_head_blur_track_project (const GstHeadBlurTrackHit * hit,
                                      guint64 pts,
                                      RbBox * out);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_TRACK_H__ */
