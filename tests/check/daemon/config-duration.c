/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The duration type of the config (daemon/config/rb-duration.c): seconds,
 * or a number with s, m, h or d. */

#include <gst/check/gstcheck.h>

#include "rb-duration.h"

static const gchar *const rule = "must be a duration: seconds, or a number "
    "with s, m, h or d such as 30d";

static void
check_seconds (const gchar * text, guint64 seconds)
{
  GError *err = NULL;
  guint64 s = 1;

  fail_unless (rb_duration_parse (text, &s, &err), "'%s': %s", text,
      err ? err->message : "");
  fail_unless (err == NULL);
  fail_unless (s == seconds, "'%s': %" G_GUINT64_FORMAT " s, not %"
      G_GUINT64_FORMAT, text, s, seconds);
}

static void
check_invalid (const gchar * text)
{
  GError *err = NULL;
  guint64 s = 1;

  fail_if (rb_duration_parse (text, &s, &err), "'%s' was accepted", text);
  fail_unless (g_error_matches (err, RB_DURATION_ERROR,
          RB_DURATION_ERROR_INVALID), "'%s'", text);
  assert_equals_string (err->message, rule);
  fail_unless (s == 0, "'%s'", text);
  g_error_free (err);
}

GST_START_TEST (test_units)
{
  check_seconds ("0", 0);
  check_seconds ("90", 90);
  check_seconds ("90s", 90);
  check_seconds ("2m", 120);
  check_seconds ("12h", 12 * 3600);
  check_seconds ("1.5h", 5400);
  check_seconds ("30d", 30 * 86400);
  check_seconds ("0d", 0);
}

GST_END_TEST;

GST_START_TEST (test_edges)
{
  /* rounded to the nearest second */
  check_seconds ("0.4", 0);
  check_seconds ("0.5", 1);
  check_seconds ("0.01m", 1);
  /* at most 1e12 s */
  check_seconds ("1000000000000", 1000000000000);
  check_seconds ("11574074d", G_GUINT64_CONSTANT (11574074) * 86400);
  check_invalid ("1000000000001");
  check_invalid ("11574075d");
}

GST_END_TEST;

GST_START_TEST (test_invalid)
{
  const gchar *const bad[] = { "", "s", "d", "-1", "+1", "-0", "1w", "1D",
    "1 d", "1dd", "1ms", "1sec", "nan", "inf", "thirty", "1,5h", "30d ",
    " 30d", "1e3", "0x10", ".", "1.2.3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    check_invalid (bad[i]);
}

GST_END_TEST;

static Suite *
config_duration_suite (void)
{
  Suite *s = suite_create ("config-duration");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_units);
  tcase_add_test (tc, test_edges);
  tcase_add_test (tc, test_invalid);
  return s;
}

GST_CHECK_MAIN (config_duration);
