/* rtsp-blur: headblur element, face and person boxes to head boxes
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-fuse.h"

#include <math.h>
#include <string.h>

RbBox
gst_head_blur_head_from_face (const RbBox * face)
{
  RbBox h = *face;
  gdouble cx = face->x + face->width / 2.0;
  gdouble cy = face->y + face->height / 2.0 -
      GST_HEAD_BLUR_HEAD_FROM_FACE_UP * face->height;

  h.width = face->width * GST_HEAD_BLUR_HEAD_FROM_FACE_W;
  h.height = face->height * GST_HEAD_BLUR_HEAD_FROM_FACE_H;
  h.x = cx - h.width / 2;
  h.y = cy - h.height / 2;
  return h;
}

RbBox
gst_head_blur_head_from_person (const RbBox * person)
{
  RbBox h = *person;
  gdouble cx = person->x + person->width / 2;

  h.width = GST_HEAD_BLUR_HEAD_FROM_PERSON_W * person->width;
  h.height = MIN (GST_HEAD_BLUR_HEAD_FROM_PERSON_H * person->width,
      person->height);
  h.x = cx - h.width / 2;
  h.y = person->y + GST_HEAD_BLUR_HEAD_FROM_PERSON_TOP * person->width;
  return h;
}

/* Pads @head by @padding of its size on every side, rounds it outwards,
 * clips it to the frame and appends it to @heads (unless nothing is
 * left). */
static void
append_head (GArray * heads, const RbBox * head, gdouble padding, gint width,
    gint height)
{
  gdouble w = head->width * (1.0 + 2.0 * padding);
  gdouble h = head->height * (1.0 + 2.0 * padding);
  gdouble cx = head->x + head->width / 2, cy = head->y + head->height / 2;
  RbBox box = *head;

  if (rb_box_clip_edges (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2,
          width, height, &box))
    g_array_append_val (heads, box);
}

static gdouble
area (const RbBox * b)
{
  return b->width * b->height;
}

/* Whether person-derived head @p is the head of face-derived head @f. */
static gboolean
same_head (const RbBox * p, const RbBox * f)
{
  gdouble inter = rb_box_overlap_area (p, f);

  return inter >= GST_HEAD_BLUR_FUSE_COVER * area (p)
      || rb_box_iou (p, f) > GST_HEAD_BLUR_FUSE_IOU;
}

guint
gst_head_blur_fuse_heads (const RbBox * faces, guint n_faces,
    const RbBox * persons, guint n_persons, gdouble padding, gint width,
    gint height, GArray * heads)
{
  return gst_head_blur_fuse_heads_full (faces, n_faces, NULL, 0, persons,
      n_persons, padding, width, height, heads);
}

guint
gst_head_blur_fuse_heads_full (const RbBox * faces, guint n_faces_only,
    const RbBox * found, guint n_found, const RbBox * persons,
    guint n_persons, gdouble padding, gint width, gint height, GArray * heads)
{
  /* the faces' heads, then the heads found as they are: both are compared
   * with the persons' heads alike */
  guint n_faces = n_faces_only + n_found;
  RbBox *face_heads = g_new (RbBox, MAX (n_faces, 1));
  RbBox *merged = g_new (RbBox, MAX (n_faces, 1));
  RbBox *person_heads = g_new (RbBox, MAX (n_persons, 1));
  guint n_person_heads = 0;

  for (guint i = 0; i < n_faces_only; i++)
    merged[i] = face_heads[i] = gst_head_blur_head_from_face (&faces[i]);
  for (guint i = 0; i < n_found; i++)
    merged[n_faces_only + i] = face_heads[n_faces_only + i] = found[i];

  for (guint k = 0; k < n_persons; k++) {
    RbBox r = gst_head_blur_head_from_person (&persons[k]);
    gboolean dup = FALSE;

    /* compared with the face-derived boxes as found, not as merged */
    for (guint i = 0; i < n_faces && !dup; i++) {
      if (!same_head (&r, &face_heads[i]))
        continue;
      if (area (&r) <= GST_HEAD_BLUR_FUSE_MAX_RATIO * area (&face_heads[i]))
        rb_box_unite (&merged[i], &r);
      dup = TRUE;
    }
    if (!dup)
      person_heads[n_person_heads++] = r;
  }

  for (guint i = 0; i < n_faces; i++)
    append_head (heads, &merged[i], padding, width, height);
  for (guint k = 0; k < n_person_heads; k++)
    append_head (heads, &person_heads[k], padding, width, height);

  g_free (face_heads);
  g_free (merged);
  g_free (person_heads);
  return n_persons - n_person_heads;
}

GByteArray *
gst_head_blur_parse_classes (const gchar * spec, GError ** error)
{
  static const gchar *const names[] = { NULL, "head", "face", "person" };
  GByteArray *kinds = g_byte_array_new ();
  gchar **items = g_strsplit (spec ? spec : "", ",", -1);
  gboolean ok = TRUE;

  for (guint i = 0; ok && items[i] != NULL; i++) {
    gchar *item = g_strstrip (items[i]);
    gchar *colon = strchr (item, ':');
    gchar *end = NULL;
    guint64 id = 0;
    guint kind = GST_HEAD_BLUR_CLASS_NONE;

    if (colon != NULL) {
      *colon = '\0';
      g_strstrip (item);
      if (g_ascii_isdigit (item[0]))
        id = g_ascii_strtoull (item, &end, 10);
      for (guint k = GST_HEAD_BLUR_CLASS_HEAD; k < G_N_ELEMENTS (names); k++)
        if (g_strcmp0 (g_strstrip (colon + 1), names[k]) == 0)
          kind = k;
    }
    if (colon == NULL || end == NULL || *end != '\0'
        || id > GST_HEAD_BLUR_MAX_CLASS_ID
        || kind == GST_HEAD_BLUR_CLASS_NONE) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "class map item %u \"%s%s%s\" is not ID:head, ID:face or "
          "ID:person with ID 0 to %d", i + 1, item, colon ? ":" : "",
          colon ? colon + 1 : "", GST_HEAD_BLUR_MAX_CLASS_ID);
      ok = FALSE;
      break;
    }
    if (id < kinds->len && kinds->data[id] != GST_HEAD_BLUR_CLASS_NONE) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "class id %u is given twice in the class map", (guint) id);
      ok = FALSE;
      break;
    }
    if (id >= kinds->len) {
      guint old = kinds->len;

      g_byte_array_set_size (kinds, id + 1);
      memset (kinds->data + old, GST_HEAD_BLUR_CLASS_NONE, id + 1 - old);
    }
    kinds->data[id] = kind;
  }
  if (ok && kinds->len == 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "the class map is empty");
    ok = FALSE;
  }
  g_strfreev (items);
  if (!ok)
    g_clear_pointer (&kinds, g_byte_array_unref);
  return kinds;
}
