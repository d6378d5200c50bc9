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

/* Tests of lib/rb-zones, the privacy-zones parser of headblur and the
 * launcher's config. */

#include <gst/check/gstcheck.h>

#include "rb-zones.h"

static gdouble
coord (GPtrArray * zones, guint polygon, guint i)
{
  return g_array_index ((GArray *) g_ptr_array_index (zones, polygon),
      gdouble, i);
}

GST_START_TEST (test_valid)
{
  GError *err = NULL;
  g_autoptr (GPtrArray) z = NULL;

  z = rb_zones_parse ("0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1 0.8,1", &err);
  fail_unless (z != NULL && err == NULL);
  assert_equals_int (z->len, 2);
  assert_equals_int (((GArray *) g_ptr_array_index (z, 0))->len, 6);
  assert_equals_int (((GArray *) g_ptr_array_index (z, 1))->len, 8);
  fail_unless (coord (z, 0, 2) == 0.2 && coord (z, 1, 7) == 1.0);
  g_clear_pointer (&z, g_ptr_array_unref);

  /* tabs, extra blanks and one trailing ';' */
  z = rb_zones_parse ("  0,0\t1,0   1,1 ;", &err);
  fail_unless (z != NULL && err == NULL);
  assert_equals_int (z->len, 1);
  g_clear_pointer (&z, g_ptr_array_unref);

  /* nothing: no zone */
  z = rb_zones_parse (NULL, &err);
  fail_unless (z != NULL && z->len == 0);
  g_clear_pointer (&z, g_ptr_array_unref);
  z = rb_zones_parse (" \t", &err);
  fail_unless (z != NULL && z->len == 0);
}

GST_END_TEST;

static void
check_invalid (const gchar * zones, const gchar * message)
{
  GError *err = NULL;
  GPtrArray *z = rb_zones_parse (zones, &err);

  fail_unless (z == NULL, "'%s' accepted", zones);
  fail_unless (g_error_matches (err, RB_ZONES_ERROR, RB_ZONES_ERROR_INVALID));
  assert_equals_string (err->message, message);
  g_error_free (err);
}

GST_START_TEST (test_invalid)
{
  check_invalid ("0,0 1,0", "polygon 1 has 2 points, needs at least 3");
  check_invalid ("0,0 1,0 1,1;;0,0 1,0 1,1",
      "polygon 2 has 0 points, needs at least 3");
  check_invalid ("0,0 1,0 1,1; 0,0 1.5,0 1,1",
      "polygon 2: \"1.5\" is not a number from 0 to 1");
  check_invalid ("0,0 1 1,1", "polygon 1: point \"1\" is not x,y");
  check_invalid ("0,0 nan,0 1,1", "polygon 1: \"nan\" is not a number "
      "from 0 to 1");
  check_invalid ("0,0 1,0 x,1", "polygon 1: \"x\" is not a number from 0 "
      "to 1");
  check_invalid ("0,0 1,0,1 1,1", "polygon 1: point \"1,0,1\" is not x,y");
}

GST_END_TEST;

static Suite *
zones_suite (void)
{
  Suite *s = suite_create ("zones");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_valid);
  tcase_add_test (tc, test_invalid);
  return s;
}

GST_CHECK_MAIN (zones);
