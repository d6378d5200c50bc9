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

/* Tests of headblur's face/person -> head fusion (gstheadblur-fuse.c, plain
 * C): boxes in, head boxes out. A face box becomes a wider, taller head box
 * moved up; a person box gives the band at its top; a person-derived head
 * that is the same head as a face-derived one (covered by half, or IoU over
 * 0.3) is merged into their bounding box, or dropped when over 3x larger;
 * one that merely contains a smaller face head is kept; padding and
 * clipping to the frame round outwards. */

#include <gst/check/gstcheck.h>
#include <math.h>

#include "gstheadblur-fuse.h"

#define W 1920
#define H 1080

static RbBox
box (gdouble x, gdouble y, gdouble w, gdouble h, gfloat score,
    RbBoxSource source)
{
  RbBox b = { x, y, w, h, score, source };

  return b;
}

#define assert_box(b, X, Y, WIDTH, HEIGHT) G_STMT_START {               \
  const RbBox *_b = (b);                                                \
  fail_unless (_b->x == (X) && _b->y == (Y) && _b->width == (WIDTH)     \
      && _b->height == (HEIGHT), "box %g,%g %gx%g, expected %g,%g %gx%g", \
      _b->x, _b->y, _b->width, _b->height, (gdouble) (X), (gdouble) (Y),  \
      (gdouble) (WIDTH), (gdouble) (HEIGHT));                            \
} G_STMT_END

static GArray *
fuse (const RbBox * faces, guint n_faces, const RbBox * persons,
    guint n_persons, gdouble padding, guint * merged)
{
  GArray *heads = g_array_new (FALSE, FALSE, sizeof (RbBox));
  guint m = gst_head_blur_fuse_heads (faces, n_faces, persons, n_persons,
      padding, W, H, heads);

  if (merged)
    *merged = m;
  return heads;
}

/* @face and @person fused: they must give one head; returns it */
static RbBox
fused_one (const RbBox * face, const RbBox * person)
{
  guint merged;
  g_autoptr (GArray) heads = fuse (face, 1, person, 1, 0.0, &merged);

  fail_unless_equals_int (merged, 1);
  fail_unless_equals_int (heads->len, 1);
  return g_array_index (heads, RbBox, 0);
}

/* what the face- and person-derived boxes must satisfy to be one head */
static gdouble
cover (const RbBox * person_head, const RbBox * face_head)
{
  return rb_box_overlap_area (person_head, face_head) /
      (person_head->width * person_head->height);
}

GST_START_TEST (test_face_expansion)
{
  RbBox face = box (100, 100, 40, 40, 0.9f, RB_BOX_FACE);
  RbBox h = gst_head_blur_head_from_face (&face);
  g_autoptr (GArray) heads = NULL;
  const RbBox *out;

  /* width x1.6, height x1.55, centre moved up 0.2 face heights:
   * centre (120, 112), 64 x 62 */
  assert_box (&h, 88, 81, 64, 62);
  fail_unless_equals_float (h.score, 0.9f);
  fail_unless_equals_int (h.source, RB_BOX_FACE);

  heads = fuse (&face, 1, NULL, 0, 0.0, NULL);
  fail_unless_equals_int (heads->len, 1);
  out = &g_array_index (heads, RbBox, 0);
  assert_box (out, 88, 81, 64, 62);
  fail_unless_equals_float (out->score, 0.9f);
  fail_unless_equals_int (out->source, RB_BOX_FACE);
  g_array_unref (g_steal_pointer (&heads));

  /* padding 0.25 on every side: 96 x 93 about the centre, rounded
   * outwards: 72..168, 65.5..158.5 -> 65..159 */
  heads = fuse (&face, 1, NULL, 0, 0.25, NULL);
  fail_unless_equals_int (heads->len, 1);
  assert_box (&g_array_index (heads, RbBox, 0), 72, 65, 96, 94);
}

GST_END_TEST;

GST_START_TEST (test_person_band)
{
  RbBox person = box (200, 100, 100, 300, 0.7f, RB_BOX_PERSON);
  RbBox crouched = box (500, 500, 100, 40, 0.6f, RB_BOX_PERSON);
  RbBox h = gst_head_blur_head_from_person (&person);
  g_autoptr (GArray) heads = NULL;

  /* centred, 0.6 x 0.6 box widths, its top 0.06 widths above the box */
  assert_box (&h, 220, 94, 60, 60);
  fail_unless_equals_int (h.source, RB_BOX_PERSON);
  /* the height is capped at the person box's own */
  h = gst_head_blur_head_from_person (&crouched);
  assert_box (&h, 520, 494, 60, 40);

  heads = fuse (NULL, 0, &person, 1, 0.0, NULL);
  fail_unless_equals_int (heads->len, 1);
  assert_box (&g_array_index (heads, RbBox, 0), 220, 94, 60, 60);
  fail_unless_equals_float (g_array_index (heads, RbBox, 0).score, 0.7f);
}

GST_END_TEST;

/* a person-derived head that the face-derived head covers by half or more
 * is the same head: one box, their union, with the face's score */
GST_START_TEST (test_merge_covered)
{
  RbBox face = box (226, 100, 40, 40, 0.9f, RB_BOX_FACE);
  RbBox person = box (200, 100, 100, 300, 0.7f, RB_BOX_PERSON);
  RbBox fh = gst_head_blur_head_from_face (&face);
  RbBox ph = gst_head_blur_head_from_person (&person);
  RbBox out;

  assert_box (&fh, 214, 81, 64, 62);
  assert_box (&ph, 220, 94, 60, 60);
  fail_unless (cover (&ph, &fh) >= 0.5);
  out = fused_one (&face, &person);
  /* x 214..280, y 81..154 */
  assert_box (&out, 214, 81, 66, 73);
  fail_unless_equals_float (out.score, 0.9f);
  fail_unless_equals_int (out.source, RB_BOX_FACE);

  /* a person head 60 % inside a much larger face head: an IoU under 0.3,
   * but covered by more than half */
  face = box (300, 300, 100, 100, 0.9f, RB_BOX_FACE);
  person = box (374, 306, 100, 300, 0.7f, RB_BOX_PERSON);
  fh = gst_head_blur_head_from_face (&face);
  ph = gst_head_blur_head_from_person (&person);
  /* face head x 270..430, y 252.5..407.5; person head x 394..454,
   * y 300..360 */
  fail_unless (fabs (cover (&ph, &fh) - 0.6) < 1e-9, "cover %f",
      cover (&ph, &fh));
  fail_unless (rb_box_iou (&ph, &fh) <= 0.3);
  out = fused_one (&face, &person);
  assert_box (&out, 270, 252, 184, 156);
}

GST_END_TEST;

/* covered by less than half, but an IoU over 0.3: the same head */
GST_START_TEST (test_merge_by_iou)
{
  /* person head: x 440..560, y 100..220 (120 x 120) */
  RbBox person = box (400, 112, 200, 400, 0.7f, RB_BOX_PERSON);
  /* face head 96 x 93: x 492..588, y 110..203 */
  RbBox face = box (510, 138.5, 60, 60, 0.8f, RB_BOX_FACE);
  RbBox fh = gst_head_blur_head_from_face (&face);
  RbBox ph = gst_head_blur_head_from_person (&person);
  RbBox out;

  fail_unless (cover (&ph, &fh) < 0.5, "cover %f", cover (&ph, &fh));
  fail_unless (rb_box_iou (&ph, &fh) > 0.3, "iou %f", rb_box_iou (&ph, &fh));
  out = fused_one (&face, &person);
  /* their union, rounded outwards: x 440..588, y 100..220 */
  assert_box (&out, 440, 100, 148, 120);
}

GST_END_TEST;

/* the same head, but the person-derived box is over 3x the face-derived
 * one's area: dropped, the face's head kept as it is */
GST_START_TEST (test_drop_much_larger)
{
  /* person head: x 440..540, y 100..200 (100 x 100) */
  RbBox person = box (406.6666666666667, 110, 166.66666666666666, 400, 0.7f,
      RB_BOX_PERSON);
  /* face head 64 x 50 = 3200 px² (0.32 of the person head), inside it */
  RbBox face = box (470, 130, 40, 50 / 1.55, 0.8f, RB_BOX_FACE);
  RbBox fh = gst_head_blur_head_from_face (&face);
  RbBox ph = gst_head_blur_head_from_person (&person);
  RbBox out;

  fail_unless (rb_box_iou (&ph, &fh) > 0.3, "iou %f", rb_box_iou (&ph, &fh));
  fail_unless (ph.width * ph.height > 3 * fh.width * fh.height);
  out = fused_one (&face, &person);
  /* the face-derived head alone: x 458..522 */
  fail_unless_equals_float (out.x, 458);
  fail_unless_equals_float (out.width, 64);
  fail_unless_equals_int (out.source, RB_BOX_FACE);
}

GST_END_TEST;

/* a person head that merely contains a smaller face head, and one far from
 * every face, are heads of their own, after the faces' */
GST_START_TEST (test_separate_heads)
{
  /* person head: x 250..550, y 100..400 (300 x 300); the face head
   * (96 x 93) inside it is about a tenth of it */
  RbBox persons[2] = {
    box (150, 130, 500, 1000, 0.6f, RB_BOX_PERSON),
    box (1500, 100, 100, 300, 0.5f, RB_BOX_PERSON),
  };
  RbBox face = box (370, 200, 60, 60, 0.8f, RB_BOX_FACE);
  RbBox fh = gst_head_blur_head_from_face (&face);
  RbBox ph = gst_head_blur_head_from_person (&persons[0]);
  g_autoptr (GArray) heads = NULL;
  guint merged;

  fail_unless (cover (&ph, &fh) < 0.5 && rb_box_iou (&ph, &fh) <= 0.3);

  heads = fuse (&face, 1, persons, 2, 0.0, &merged);
  fail_unless_equals_int (merged, 0);
  fail_unless_equals_int (heads->len, 3);
  fail_unless_equals_int (g_array_index (heads, RbBox, 0).source, RB_BOX_FACE);
  assert_box (&g_array_index (heads, RbBox, 1), 250, 100, 300, 300);
  fail_unless_equals_float (g_array_index (heads, RbBox, 1).score, 0.6f);
  assert_box (&g_array_index (heads, RbBox, 2), 1520, 94, 60, 60);
}

GST_END_TEST;

/* head boxes are clipped to the frame; one left with nothing inside it is
 * not given */
GST_START_TEST (test_edges)
{
  RbBox faces[3] = {
    /* head x -12..52, y -19..43 */
    box (0, 0, 40, 40, 0.9f, RB_BOX_FACE),
    /* head x 1900..1964, y 1040..1102 */
    box (1912, 1059, 40, 40, 0.8f, RB_BOX_FACE),
    /* head entirely left of the frame */
    box (-200, 500, 40, 40, 0.7f, RB_BOX_FACE),
  };
  RbBox person = box (-30, -100, 100, 300, 0.5f, RB_BOX_PERSON);
  g_autoptr (GArray) heads = NULL;

  /* the third face's head and the person's head (x -10..50, y -106..-46,
   * merged with no face) have nothing inside the frame */
  heads = fuse (faces, 3, &person, 1, 0.0, NULL);
  fail_unless_equals_int (heads->len, 2);
  assert_box (&g_array_index (heads, RbBox, 0), 0, 0, 52, 43);
  assert_box (&g_array_index (heads, RbBox, 1), 1900, 1040, 20, 40);
  g_array_unref (g_steal_pointer (&heads));

  /* with padding the same face head reaches further, still clipped */
  heads = fuse (faces, 1, NULL, 0, 1.0, NULL);
  fail_unless_equals_int (heads->len, 1);
  /* 192 x 186 about (20, 12): x -76..116, y -81..105 */
  assert_box (&g_array_index (heads, RbBox, 0), 0, 0, 116, 105);
}

GST_END_TEST;

/* Heads a head detector found are kept as they are, after the faces'
 * heads; a person-derived head of the same head is merged into one, and
 * a person elsewhere still gives its band. */
GST_START_TEST (test_found_heads)
{
  RbBox face = box (100, 100, 40, 40, 0.9f, RB_BOX_FACE);
  RbBox found = box (500, 200, 50, 60, 0.8f, RB_BOX_DETECTION);
  /* band 0.6 x 80 = 48 wide, 48 high, from 500 + 40 - 24 = 516 and
   * 210 - 4.8: inside the found head, so merged into it */
  RbBox persons[] = { box (500, 210, 80, 200, 0.7f, RB_BOX_PERSON),
    box (1000, 500, 100, 300, 0.7f, RB_BOX_PERSON)
  };
  g_autoptr (GArray) heads = g_array_new (FALSE, FALSE, sizeof (RbBox));
  guint merged = gst_head_blur_fuse_heads_full (&face, 1, &found, 1, persons,
      2, 0.0, W, H, heads);
  RbBox r;

  fail_unless_equals_int (merged, 1);
  fail_unless_equals_int (heads->len, 3);
  r = g_array_index (heads, RbBox, 0);
  fail_unless_equals_int (r.source, RB_BOX_FACE);
  /* the found head united with the band (516,205.2 48x48) */
  r = g_array_index (heads, RbBox, 1);
  assert_box (&r, 500, 200, 64, 60);
  fail_unless_equals_int (r.source, RB_BOX_DETECTION);
  fail_unless (r.score == 0.8f);
  r = g_array_index (heads, RbBox, 2);
  assert_box (&r, 1020, 494, 60, 60);
  fail_unless_equals_int (r.source, RB_BOX_PERSON);
}

GST_END_TEST;

GST_START_TEST (test_parse_classes)
{
  GError *err = NULL;
  GByteArray *k = gst_head_blur_parse_classes (" 2:person, 0:head ,5:face",
      &err);
  const gchar *bad[] = { "", "0", "x:head", "0:hat", "-1:head", "1000:head",
    "0:head,0:face", "0:head,", "1.5:head", NULL
  };

  fail_unless (k != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (k->len, 6);
  fail_unless_equals_int (k->data[0], GST_HEAD_BLUR_CLASS_HEAD);
  fail_unless_equals_int (k->data[1], GST_HEAD_BLUR_CLASS_NONE);
  fail_unless_equals_int (k->data[2], GST_HEAD_BLUR_CLASS_PERSON);
  fail_unless_equals_int (k->data[5], GST_HEAD_BLUR_CLASS_FACE);
  g_byte_array_unref (k);

  for (guint i = 0; bad[i] != NULL; i++) {
    k = gst_head_blur_parse_classes (bad[i], &err);
    fail_unless (k == NULL, "\"%s\" accepted", bad[i]);
    fail_unless (g_error_matches (err, G_OPTION_ERROR,
            G_OPTION_ERROR_BAD_VALUE));
    g_clear_error (&err);
  }
}

GST_END_TEST;

static Suite *
headblur_fuse_suite (void)
{
  Suite *s = suite_create ("headblur-fuse");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_face_expansion);
  tcase_add_test (tc, test_person_band);
  tcase_add_test (tc, test_merge_covered);
  tcase_add_test (tc, test_merge_by_iou);
  tcase_add_test (tc, test_drop_much_larger);
  tcase_add_test (tc, test_separate_heads);
  tcase_add_test (tc, test_edges);
  tcase_add_test (tc, test_found_heads);
  tcase_add_test (tc, test_parse_classes);
  return s;
}

GST_CHECK_MAIN (headblur_fuse);
