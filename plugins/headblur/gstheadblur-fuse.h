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

#ifndef __GST_HEAD_BLUR_FUSE_H__
#define __GST_HEAD_BLUR_FUSE_H__

#include <glib.h>

#include "rb-box.h"

G_BEGIN_DECLS

/* Turns what the detectors found (face boxes, person boxes, frame pixels)
 * into the head boxes headblur masks. Plain C (GLib only), so that it can
 * be unit tested without GStreamer or OpenCV. The geometry was fitted on
 * SCUT-HEAD matches (models/README.md); the measurements behind the fusion
 * rules are in bench/eval/README.md ("Second round"). */

/* Face box to head box: width x1.6, height x1.55, the centre moved up by
 * 0.2 face heights. */
#define GST_HEAD_BLUR_HEAD_FROM_FACE_W 1.6
#define GST_HEAD_BLUR_HEAD_FROM_FACE_H 1.55
#define GST_HEAD_BLUR_HEAD_FROM_FACE_UP 0.2

/* Person box to head box: centred on the person box, width and height
 * fixed fractions of the person box's width (its height varies with how
 * much of the body is visible, its width hardly), its top that fraction of
 * the width below the box's top (negative: above); the height is capped at
 * the person box's own height. */
#define GST_HEAD_BLUR_HEAD_FROM_PERSON_W 0.6
#define GST_HEAD_BLUR_HEAD_FROM_PERSON_H 0.6
#define GST_HEAD_BLUR_HEAD_FROM_PERSON_TOP -0.06

/* A person-derived head box is the same head as a face-derived one when
 * the face-derived box covers at least GST_HEAD_BLUR_FUSE_COVER of it, or
 * their IoU exceeds GST_HEAD_BLUR_FUSE_IOU: the two are then merged into
 * their bounding box (face-derived boxes often cover only part of a turned
 * or large head), unless the person-derived box's area is more than
 * GST_HEAD_BLUR_FUSE_MAX_RATIO times the face-derived one's (it spans more
 * than the head): then it is dropped. A person-derived box that merely
 * contains a smaller face-derived one is kept as it is. */
#define GST_HEAD_BLUR_FUSE_COVER 0.5
#define GST_HEAD_BLUR_FUSE_IOU 0.3
#define GST_HEAD_BLUR_FUSE_MAX_RATIO 3.0

/* The head box of face box @face (score and source kept). */
RbBox    gst_head_blur_head_from_face (const RbBox * face);

/* The head box at the top of person box @person (score and source
 * kept). */
RbBox    gst_head_blur_head_from_person (const RbBox * person);

/* Appends to @heads (RbBox) the head boxes of @n_faces face boxes and
 * @n_persons person boxes found in a @width x @height frame: first one per
 * face (merged with the person-derived boxes of the same head, see
 * GST_HEAD_BLUR_FUSE_COVER), in the order of @faces, then one per person
 * that no face explains, in the order of @persons. Each is padded by
 * @padding (a fraction of its width on the left and right, of its height
 * at the top and bottom), rounded outwards to whole pixels and clipped to
 * the frame, with the score and source of the face or person it came from;
 * a box with nothing left inside the frame is not appended. Returns the
 * number of person boxes merged into (or dropped for) a face's head. */
guint    gst_head_blur_fuse_heads (const RbBox * faces, guint n_faces,
                                   const RbBox * persons, guint n_persons,
                                   gdouble padding, gint width, gint height,
                                   GArray * heads);

/* As gst_head_blur_fuse_heads(), with @n_found head boxes @found that a
 * head detector gave: each is used as it is, in the place of a
 * face-derived head (a person-derived head of the same head is merged
 * into it or dropped alike), appended after the faces' heads and before
 * the persons' ones. */
guint    gst_head_blur_fuse_heads_full (const RbBox * faces, guint n_faces,
                                        const RbBox * found, guint n_found,
                                        const RbBox * persons,
                                        guint n_persons, gdouble padding,
                                        gint width, gint height,
                                        GArray * heads);

/* What a class id of a head detector stands for, and so how its boxes
 * become head boxes. */
typedef enum
{
  GST_HEAD_BLUR_CLASS_NONE = 0, /* not used */
  GST_HEAD_BLUR_CLASS_HEAD,     /* a head box, used as it is */
  GST_HEAD_BLUR_CLASS_FACE,     /* widened as a face box */
  GST_HEAD_BLUR_CLASS_PERSON,   /* the head band at its top */
} GstHeadBlurClassKind;

/* The highest class id gst_head_blur_parse_classes() takes. */
#define GST_HEAD_BLUR_MAX_CLASS_ID 999

/* Parses a class map "ID:KIND[,ID:KIND...]" (KIND: head, face or person;
 * ID: 0 to GST_HEAD_BLUR_MAX_CLASS_ID; spaces around items allowed) into a
 * byte array indexed by class id (length: the highest id + 1) of
 * GstHeadBlurClassKind. NULL with G_OPTION_ERROR_BAD_VALUE, naming the
 * faulty item, for an empty map, a bad item or an id given twice. */
GByteArray *gst_head_blur_parse_classes (const gchar * spec, GError ** error);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_FUSE_H__ */
