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

/* Tests of lib/rb-escape: foreign text made safe to print (issue 16). */

#include <gst/check/gstcheck.h>

#include "rb-escape.h"

static void
check_escape (const gchar * text, gssize length, const gchar * expected)
{
  g_autofree gchar *got = rb_escape_text (text, length);

  assert_equals_string (got, expected);
}

GST_START_TEST (test_plain_text_unchanged)
{
  check_escape ("", -1, "");
  check_escape ("rtsp://h/a b\\c 'x' \"y\" #z", -1,
      "rtsp://h/a b\\c 'x' \"y\" #z");
  /* printable non-ASCII stays: names may be in any script */
  check_escape ("caf\303\251 \344\270\255 \360\237\223\267", -1,
      "caf\303\251 \344\270\255 \360\237\223\267");
  fail_unless (rb_escape_is_safe ("caf\303\251"));
  fail_unless (rb_escape_text (NULL, -1) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_controls_escaped)
{
  /* C0, DEL */
  check_escape ("a\033[2Jb\tc\r\nd\177", -1,
      "a\\x1b[2Jb\\x09c\\x0d\\x0ad\\x7f");
  /* C1 CSI U+009B, and NEL U+0085 */
  check_escape ("\302\233" "31m\302\205", -1, "\\xc2\\x9b31m\\xc2\\x85");
  /* bidirectional controls and the line separator */
  check_escape ("a\342\200\256b\342\201\246c\342\200\250", -1,
      "a\\xe2\\x80\\xaeb\\xe2\\x81\\xa6c\\xe2\\x80\\xa8");
  fail_if (rb_escape_is_safe ("a\033b"));
  /* a NUL inside @length */
  check_escape ("a\0b", 3, "a\\x00b");
}

GST_END_TEST;

GST_START_TEST (test_invalid_utf8_escaped)
{
  /* stray bytes, an overlong '/', a surrogate, a sequence cut short at
   * the end and one cut short by an ASCII byte */
  check_escape ("\377\376x", -1, "\\xff\\xfex");
  check_escape ("\300\257", -1, "\\xc0\\xaf");
  check_escape ("\355\240\200", -1, "\\xed\\xa0\\x80");
  check_escape ("ab\342\202", -1, "ab\\xe2\\x82");
  check_escape ("\342(x", -1, "\\xe2(x");
  /* @length cuts a valid sequence */
  check_escape ("\303\251", 1, "\\xc3");
}

GST_END_TEST;

static Suite *
escape_suite (void)
{
  Suite *s = suite_create ("escape");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_plain_text_unchanged);
  tcase_add_test (tc, test_controls_escaped);
  tcase_add_test (tc, test_invalid_utf8_escaped);
  return s;
}

GST_CHECK_MAIN (escape);
