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

#ifndef __RB_BOX_H__
#define __RB_BOX_H__

#include <glib.h>

G_BEGIN_DECLS

/* The one box type of the project, GLib only: a head (or face, person,
 * track) in frame pixels, as headblur detects, tracks and masks it and as
 * the detections sidecar and the workers' tracks store it. Boxes that
 * address pixels (to mask, or in metas) hold whole numbers, rounded
 * outwards by rb_box_clip(). */

typedef enum {
  RB_BOX_DETECTION = 0,         /* "det": detector output, source unknown */
  RB_BOX_FACE,
  RB_BOX_PERSON,
  RB_BOX_TRACK,                 /* predicted from a track, not detected */
} RbBoxSource;

typedef struct {
  gdouble x;                    /* left edge, px */
  gdouble y;                    /* top edge, px */
  gdouble width;                /* px; <= 0: the box is empty */
  gdouble height;               /* px; <= 0: the box is empty */
  gfloat score;                 /* detector score 0-1; 0 for tracks */
  RbBoxSource source;
} RbBox;

/* Associating a detection with a track, in both trackers (headblur's
 * causal one and the workers' rb-tracks): the pair matches when their IoU
 * is at least RB_BOX_MATCH_MIN_IOU, or else when their centres are closer
 * than RB_BOX_MATCH_MAX_CENTRE_DIST box sizes. */
#define RB_BOX_MATCH_MIN_IOU 0.2
#define RB_BOX_MATCH_MAX_CENTRE_DIST 0.75

/* "det", "face", "person" or "track": the name of @source in the
 * detections sidecar and in headblur's region-of-interest metas. */
const gchar *rb_box_source_to_string (RbBoxSource source);

/* Area of the intersection of @a and @b, px² (0 when they do not meet). */
gdouble rb_box_overlap_area (const RbBox * a, const RbBox * b);
/* Intersection over union of @a and @b, 0-1 (0 when the union is empty). */
gdouble rb_box_iou (const RbBox * a, const RbBox * b);
/* Distance between the centres of @a and @b, px. */
gdouble rb_box_centre_distance (const RbBox * a, const RbBox * b);

/* @box moved by (@dx, @dy) px and scaled by @grow about its centre; score
 * and source are kept. */
RbBox rb_box_moved (const RbBox * box, gdouble dx, gdouble dy, gdouble grow);

/* Grows @a to the bounding box of @a and @b. An empty box adds nothing: an
 * empty @a becomes @b. Score and source of @a are kept (@b's when @a was
 * empty). */
void rb_box_unite (RbBox * a, const RbBox * b);

/* The pixel box from the edges @x0, @y0 (left, top) to @x1, @y1 (right,
 * bottom), rounded outwards to whole pixels and clipped to a @width x
 * @height frame, into @out (score and source not set). FALSE, and @out
 * untouched, when nothing of it is inside the frame. */
gboolean rb_box_clip_edges (gdouble x0, gdouble y0, gdouble x1, gdouble y1,
                            gint width, gint height, RbBox * out);
/* @box rounded outwards to whole pixels and clipped to a @width x @height
 * frame, into @out (score and source kept); FALSE when nothing is left. */
gboolean rb_box_clip (const RbBox * box, gint width, gint height, RbBox * out);

G_END_DECLS

#endif /* __RB_BOX_H__ */
