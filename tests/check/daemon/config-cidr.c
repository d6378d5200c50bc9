/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The CIDR type of the config (daemon/config/rb-cidr.c): one allow= entry,
 * and whether a client address is in a list of them. */

#include <gst/check/gstcheck.h>

#include "rb-cidr.h"

static const gchar *const rule = "must be an IPv4 or IPv6 address or "
    "ADDRESS/PREFIX with no bits set after the prefix (10.0.1.0/24, "
    "2001:db8::/32)";

/* @text parses to a mask of @length bits */
static void
check_valid (const gchar * text, guint length)
{
  GError *err = NULL;
  GInetAddressMask *mask = rb_cidr_parse (text, &err);

  fail_unless (mask != NULL, "'%s': %s", text, err ? err->message : "");
  fail_unless (err == NULL);
  assert_equals_int (g_inet_address_mask_get_length (mask), length);
  g_object_unref (mask);
}

static void
check_invalid (const gchar * text)
{
  GError *err = NULL;

  fail_unless (rb_cidr_parse (text, &err) == NULL, "'%s' was accepted", text);
  fail_unless (g_error_matches (err, RB_CIDR_ERROR, RB_CIDR_ERROR_INVALID),
      "'%s'", text);
  assert_equals_string (err->message, rule);
  g_error_free (err);
}

/* A list of the masks of @texts (NULL-terminated). */
static GPtrArray *
list_of (const gchar * first, ...)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  va_list args;

  va_start (args, first);
  for (const gchar * t = first; t != NULL;) {
    g_ptr_array_add (list, rb_cidr_parse (t, NULL));
    t = va_arg (args, const gchar *);
  }
  va_end (args);
  return list;
}

GST_START_TEST (test_valid)
{
  check_valid ("10.0.1.0/24", 24);
  check_valid ("192.168.5.7", 32);
  check_valid ("2001:db8::/32", 32);
  check_valid ("2001:db8::5", 128);
  check_valid ("::1", 128);
}

GST_END_TEST;

GST_START_TEST (test_edges)
{
  check_valid ("0.0.0.0/0", 0);
  check_valid ("::/0", 0);
  check_valid ("10.0.1.5/32", 32);
  check_valid ("::1/128", 128);
  check_invalid ("10.0.1.0/33");
  /* GLib's own parser made these ::/0 and 0.0.0.0/0 (a warning, and every
   * client let in) */
  check_invalid ("::/129");
  check_invalid ("0.0.0.0/129");
  check_invalid ("::/4294967296");
  /* a host bit after the prefix: a typo for one of two meanings */
  check_invalid ("10.0.1.5/24");
  check_invalid ("2001:db8::1/32");
}

GST_END_TEST;

GST_START_TEST (test_invalid)
{
  const gchar *const bad[] = { "", "10.0.2", "10.0.1.0/", "10.0.1.0/-1",
    "/24", "localhost", "10.0.1.0 /24", "10.0.1.0/24;10.0.2.0/24",
    "300.0.0.1", "2001:db8:::1", "10.0.1.0/24#lan", "10.0.1.0/+24",
    "10.0.1.0/ 24", "10.0.1.0/24/8",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    check_invalid (bad[i]);
}

GST_END_TEST;

GST_START_TEST (test_matches)
{
  g_autoptr (GPtrArray) v4 = list_of ("10.0.1.0/24", "192.168.5.7", NULL);
  g_autoptr (GPtrArray) v6 = list_of ("2001:db8::/32", NULL);
  g_autoptr (GPtrArray) none = g_ptr_array_new ();

  /* no list: everyone, even what does not parse */
  fail_unless (rb_cidr_list_matches (NULL, "10.9.9.9"));
  fail_unless (rb_cidr_list_matches (NULL, NULL));

  fail_unless (rb_cidr_list_matches (v4, "10.0.1.0"));
  fail_unless (rb_cidr_list_matches (v4, "10.0.1.255"));
  fail_unless (rb_cidr_list_matches (v4, "192.168.5.7"));
  fail_if (rb_cidr_list_matches (v4, "10.0.2.1"));
  fail_if (rb_cidr_list_matches (v4, "192.168.5.8"));
  /* a dual-stack listener's IPv4-mapped address counts as IPv4 */
  fail_unless (rb_cidr_list_matches (v4, "::ffff:10.0.1.7"));
  fail_if (rb_cidr_list_matches (v4, "::ffff:10.0.2.7"));
  fail_if (rb_cidr_list_matches (v4, "2001:db8::5"));
  fail_if (rb_cidr_list_matches (v4, "not an address"));
  fail_if (rb_cidr_list_matches (v4, NULL));

  fail_unless (rb_cidr_list_matches (v6, "2001:db8::5"));
  fail_unless (rb_cidr_list_matches (v6, "2001:db8:ffff::1"));
  fail_if (rb_cidr_list_matches (v6, "2001:db9::1"));
  fail_if (rb_cidr_list_matches (v6, "10.0.1.7"));

  /* an empty list lets nobody in */
  fail_if (rb_cidr_list_matches (none, "10.0.1.7"));
}

GST_END_TEST;

static Suite *
config_cidr_suite (void)
{
  Suite *s = suite_create ("config-cidr");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_valid);
  tcase_add_test (tc, test_edges);
  tcase_add_test (tc, test_invalid);
  tcase_add_test (tc, test_matches);
  return s;
}

GST_CHECK_MAIN (config_cidr);
