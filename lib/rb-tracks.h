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

#ifndef __RB_TRACKS_H__
#define __RB_TRACKS_H__

#include <glib.h>

#include "rb-box.h"
#include "rb-sidecar.h"

G_BEGIN_DECLS

/* Bidirectional track smoothing over a whole recording, GLib only: the
 * detections of every frame are linked into tracks (by overlap, or centre
 * distance, with the track's motion), then each track masks every time
 * between its detections (linear interpolation) and extends before its
 * first and after its last detection along its motion for hold_time, its
 * box growing with the uncertainty. Times in ns, boxes in frame pixels.
 * Used by the segment workers (a head is masked before it is first seen
 * too) and by benchmarks. */

typedef struct {
  guint64 hold_time;            /* ns, extension before/after a track */
  guint64 max_gap;              /* ns, longest gap bridged within a track */
  gdouble min_iou;              /* association: IoU at least this, or */
  gdouble max_centre_dist;      /* centres closer than this x box size */
  gdouble max_speed;            /* ... plus this x box size per second of
                                 * gap (a head's motion between detections) */
  gdouble growth_per_s;         /* box growth per second from a detection */
  gdouble max_growth;           /* cap of the growth factor */
  gdouble scale;                /* every box, about its centre, x this */
} RbTracksParams;

/* Fills @params with the defaults: @hold_time, max_gap 1 s, min_iou
 * RB_BOX_MATCH_MIN_IOU, max_centre_dist RB_BOX_MATCH_MAX_CENTRE_DIST,
 * max_speed 2 box sizes per second, growth 0.5 per second up to x2, scale
 * 1.35 (the detector's boxes often fall short of a head; the measurements
 * behind it are in bench/eval/README.md, "The shipped worker path"). */
void rb_tracks_params_init (RbTracksParams * params, guint64 hold_time);

typedef struct _RbTracks RbTracks;

RbTracks *rb_tracks_new (const RbTracksParams * params);
void rb_tracks_free (RbTracks * tracks);
/* The detections of one frame the detector ran on, in pts order. */
void rb_tracks_add (RbTracks * tracks, guint64 pts, const RbBox * boxes,
                    guint n_boxes);
/* Every RB_SIDECAR_FRAME_DETECTED frame of @sidecar, det/face/person boxes. */
void rb_tracks_add_sidecar (RbTracks * tracks, const RbSidecar * sidecar);
guint rb_tracks_n_tracks (RbTracks * tracks);
/* Appends to @out (RbBox, source RB_BOX_TRACK) every track's box at @pts. */
void rb_tracks_boxes_at (RbTracks * tracks, guint64 pts, GArray * out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbTracks, rb_tracks_free)

G_END_DECLS

#endif /* __RB_TRACKS_H__ */
