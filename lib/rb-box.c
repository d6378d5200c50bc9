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
 * SECTION:rb-box
 * @title: Boxes
 * @short_description: the box type of detections, tracks and masks, and
 * the geometry on it
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-box.h"

#include <math.h>

const gchar *
rb_box_source_to_string (RbBoxSource source)
{
  switch (source) {
    case RB_BOX_FACE:
      return "face";
    case RB_BOX_PERSON:
      return "person";
    case RB_BOX_TRACK:
      return "track";
    case RB_BOX_DETECTION:
    default:
      return "det";
  }
}

gdouble
rb_box_overlap_area (const RbBox * a, const RbBox * b)
{
  gdouble x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  gdouble x1 = MIN (a->x + a->width, b->x + b->width);
  gdouble y1 = MIN (a->y + a->height, b->y + b->height);

  if (x1 <= x0 || y1 <= y0)
    return 0;
  return (x1 - x0) * (y1 - y0);
}

gdouble
rb_box_iou (const RbBox * a, const RbBox * b)
{
  gdouble inter = rb_box_overlap_area (a, b), uni;

  if (inter <= 0)
    return 0;
  uni = a->width * a->height + b->width * b->height - inter;
  return uni > 0 ? inter / uni : 0;
}

gdouble
rb_box_centre_distance (const RbBox * a, const RbBox * b)
{
  gdouble dx = (a->x + a->width / 2) - (b->x + b->width / 2);
  gdouble dy = (a->y + a->height / 2) - (b->y + b->height / 2);

  return sqrt (dx * dx + dy * dy);
}

RbBox
rb_box_moved (const RbBox * box, gdouble dx, gdouble dy, gdouble grow)
{
  RbBox b = *box;
  gdouble cx = box->x + box->width / 2 + dx;
  gdouble cy = box->y + box->height / 2 + dy;

  b.width = box->width * grow;
  b.height = box->height * grow;
  b.x = cx - b.width / 2;
  b.y = cy - b.height / 2;
  return b;
}

static gboolean
rb_box_empty (const RbBox * b)
{
  return b->width <= 0 || b->height <= 0;
}

void
rb_box_unite (RbBox * a, const RbBox * b)
{
  gdouble x0, y0, x1, y1;

  if (rb_box_empty (a)) {
    *a = *b;
    return;
  }
  if (rb_box_empty (b))
    return;
  x0 = MIN (a->x, b->x);
  y0 = MIN (a->y, b->y);
  x1 = MAX (a->x + a->width, b->x + b->width);
  y1 = MAX (a->y + a->height, b->y + b->height);
  a->x = x0;
  a->y = y0;
  a->width = x1 - x0;
  a->height = y1 - y0;
}

gboolean
rb_box_clip_edges (gdouble x0, gdouble y0, gdouble x1, gdouble y1,
    gint width, gint height, RbBox * out)
{
  gint l = (gint) CLAMP (floor (x0), 0, width);
  gint t = (gint) CLAMP (floor (y0), 0, height);
  gint r = (gint) CLAMP (ceil (x1), 0, width);
  gint b = (gint) CLAMP (ceil (y1), 0, height);

  if (r <= l || b <= t)
    return FALSE;
  out->x = l;
  out->y = t;
  out->width = r - l;
  out->height = b - t;
  return TRUE;
}

gboolean
rb_box_clip (const RbBox * box, gint width, gint height, RbBox * out)
{
  RbBox b = *box;

  if (!rb_box_clip_edges (box->x, box->y, box->x + box->width,
          box->y + box->height, width, height, &b))
    return FALSE;
  *out = b;
  return TRUE;
}
