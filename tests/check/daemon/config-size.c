/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The size type of the config (daemon/config/rb-size.c): bytes with a
 * binary suffix, or a percentage of the file system. */

#include <gst/check/gstcheck.h>

#include "rb-size.h"

#define K 1024.0

static const gchar *const rule = "must be a size in bytes with an optional "
    "K, M, G or T suffix, or a percentage of the file system such as 10%";

static void
check_bytes (const gchar * text, guint64 bytes)
{
  GError *err = NULL;
  RbSize size = { 1, 1 };

  fail_unless (rb_size_parse (text, &size, &err), "'%s': %s", text,
      err ? err->message : "");
  fail_unless (err == NULL);
  fail_unless (size.bytes == bytes, "'%s': %" G_GUINT64_FORMAT " bytes, "
      "not %" G_GUINT64_FORMAT, text, size.bytes, bytes);
  fail_unless (size.percent == 0, "'%s'", text);
}

static void
check_percent (const gchar * text, gdouble percent)
{
  GError *err = NULL;
  RbSize size = { 1, 1 };

  fail_unless (rb_size_parse (text, &size, &err), "'%s': %s", text,
      err ? err->message : "");
  fail_unless (size.percent == percent, "'%s': %g%%", text, size.percent);
  fail_unless (size.bytes == 0, "'%s'", text);
}

static void
check_invalid (const gchar * text)
{
  GError *err = NULL;
  RbSize size = { 1, 1 };

  fail_if (rb_size_parse (text, &size, &err), "'%s' was accepted", text);
  fail_unless (g_error_matches (err, RB_SIZE_ERROR, RB_SIZE_ERROR_INVALID),
      "'%s'", text);
  assert_equals_string (err->message, rule);
  fail_unless (size.bytes == 0 && size.percent == 0, "'%s'", text);
  g_error_free (err);
}

GST_START_TEST (test_bytes)
{
  check_bytes ("0", 0);
  check_bytes ("1", 1);
  check_bytes ("123456789", 123456789);
  check_bytes ("1K", 1024);
  check_bytes ("1k", 1024);
  check_bytes ("1KB", 1024);
  check_bytes ("1KiB", 1024);
  check_bytes ("512M", 512 * K * K);
  check_bytes ("512MiB", 512 * K * K);
  check_bytes ("2G", 2 * K * K * K);
  check_bytes ("2gB", 2 * K * K * K);
  check_bytes ("1.5G", 1.5 * K * K * K);
  check_bytes ("3T", 3 * K * K * K * K);
}

GST_END_TEST;

GST_START_TEST (test_percent)
{
  check_percent ("10%", 10);
  check_percent ("99.5%", 99.5);
  check_percent ("0%", 0);
  check_percent ("100%", 100);
}

GST_END_TEST;

GST_START_TEST (test_edges)
{
  /* fractions of a byte are dropped */
  check_bytes ("0.9", 0);
  check_bytes ("1.5", 1);
  /* the largest below 1.8e19 bytes */
  check_bytes ("16000000T", 16000000 * K * K * K * K);
  check_invalid ("17000000T");
  check_invalid ("100.1%");
  check_invalid ("-0%");
}

GST_END_TEST;

GST_START_TEST (test_invalid)
{
  /* a lowercase b would be bits */
  const gchar *const bad[] = { "", "K", "%", "-1", "+1", "-1K", "1X", "1KB2",
    "1Kb", "1Kib", "2gb", "1 K", " 1K", "10 %", "1%%", "1K%", "nan", "inf",
    "1e3", "1e400", "ten", "1,5G", "0x10", "1..5G", ".",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    check_invalid (bad[i]);
}

GST_END_TEST;

static Suite *
config_size_suite (void)
{
  Suite *s = suite_create ("config-size");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_bytes);
  tcase_add_test (tc, test_percent);
  tcase_add_test (tc, test_edges);
  tcase_add_test (tc, test_invalid);
  return s;
}

GST_CHECK_MAIN (config_size);
