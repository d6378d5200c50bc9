/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Unit tests of daemon/access/rb-access.c, the access decisions of the RTSP
 * and HTTP listeners, on a clock the test moves: the allow list lets in
 * the addresses it holds (IPv4-mapped IPv6 too) and refuses the others,
 * counted; a refused address is logged once a minute, whatever the reason;
 * wrong credentials are counted and logged apart; the table of addresses
 * remembered for the log stays within RB_ACCESS_LOG_MAX however many
 * addresses are refused, and gives the room back once their minute is
 * over. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gio/gio.h>

#include "rb-access.h"

static gint64 fake_now = 1000 * G_USEC_PER_SEC;
static GPtrArray *lines;        /* of gchar *: "W message" or "M message" */

static gint64
test_now (gpointer data)
{
  return fake_now;
}

static void
record_log (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  g_ptr_array_add (lines, g_strdup_printf ("%c %s",
          (level & G_LOG_LEVEL_WARNING) ? 'W' : 'M', message));
}

static guint log_handler;

static void
setup (void)
{
  fake_now = 1000 * G_USEC_PER_SEC;
  lines = g_ptr_array_new_with_free_func (g_free);
  log_handler = g_log_set_handler (RB_LOG_DOMAIN, G_LOG_LEVEL_WARNING
      | G_LOG_LEVEL_MESSAGE, record_log, NULL);
}

static void
teardown (void)
{
  g_log_remove_handler (RB_LOG_DOMAIN, log_handler);
  g_ptr_array_unref (lines);
}

/* Lines recorded that start with @prefix. */
static guint
count_lines (const gchar * prefix)
{
  guint n = 0;

  for (guint i = 0; i < lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (lines, i), prefix))
      n++;
  return n;
}

static GPtrArray *
allow_list (const gchar * first, ...)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  const gchar *cidr = first;
  va_list ap;

  va_start (ap, first);
  for (; cidr != NULL; cidr = va_arg (ap, const gchar *)) {
    GInetAddressMask *mask = g_inet_address_mask_new_from_string (cidr, NULL);

    fail_unless (mask != NULL, "%s", cidr);
    g_ptr_array_add (list, mask);
  }
  va_end (ap);
  return list;
}

static guint64
refused (RbAccess * access)
{
  guint64 n;

  rb_access_get_counts (access, &n, NULL);
  return n;
}

static guint64
auth_failures (RbAccess * access)
{
  guint64 n;

  rb_access_get_counts (access, NULL, &n);
  return n;
}

static RbAccess *
make_access (const gchar * what, GPtrArray * allow)
{
  RbAccess *access = rb_access_new ("network A", what, allow);

  rb_access_set_clock (access, test_now, NULL);
  return access;
}

GST_START_TEST (test_allow_list)
{
  g_autoptr (GPtrArray) allow = allow_list ("10.0.0.0/8", "fd00::/8", NULL);
  g_autoptr (RbAccess) access = make_access ("connections", allow);
  g_autoptr (RbAccess) open = make_access ("connections", NULL);

  fail_unless (rb_access_admit (access, "10.1.2.3"));
  fail_unless (rb_access_admit (access, "::ffff:10.1.2.3"));
  fail_unless (rb_access_admit (access, "fd00::5"));
  fail_unless_equals_int (lines->len, 0);
  fail_unless_equals_uint64 (refused (access), 0);

  fail_if (rb_access_admit (access, "192.168.1.1"));
  fail_if (rb_access_admit (access, "fe80::1"));
  fail_if (rb_access_admit (access, "not an address"));
  fail_if (rb_access_admit (access, NULL));
  fail_unless_equals_uint64 (refused (access), 4);
  fail_unless_equals_int (lines->len, 4);
  fail_unless_equals_string (g_ptr_array_index (lines, 0), "W network A: "
      "refusing connections from 192.168.1.1: not in the network's allow "
      "list");
  fail_unless_equals_string (g_ptr_array_index (lines, 3), "W network A: "
      "refusing connections from unknown: not in the network's allow list");

  /* no allow list: everyone */
  fail_unless (rb_access_admit (open, "192.168.1.1"));
  fail_unless (rb_access_admit (open, "fe80::1"));
  fail_unless_equals_uint64 (refused (open), 0);
  fail_unless_equals_int (lines->len, 4);
}

GST_END_TEST;

GST_START_TEST (test_once_a_minute)
{
  g_autoptr (GPtrArray) allow = allow_list ("10.0.0.0/8", NULL);
  g_autoptr (RbAccess) access = make_access ("HTTP requests", allow);
  const gchar *line = "W network A: refusing HTTP requests from 192.168.1.1";

  fail_if (rb_access_admit (access, "192.168.1.1"));
  fail_unless_equals_int (count_lines (line), 1);
  /* within the minute: counted, not logged, whatever the reason */
  for (guint s = 0; s < RB_ACCESS_LOG_INTERVAL_S; s += 5) {
    fake_now = (1000 + s) * G_USEC_PER_SEC;
    fail_if (rb_access_admit (access, "192.168.1.1"));
    fail_if (rb_access_refuse (access, "192.168.1.1", "max-viewers reached"));
  }
  fail_unless_equals_int (count_lines (line), 1);
  fail_unless_equals_uint64 (refused (access),
      1 + 2 * RB_ACCESS_LOG_INTERVAL_S / 5);
  /* another address is another line */
  fail_if (rb_access_admit (access, "192.168.1.2"));
  fail_unless_equals_int (lines->len, 2);
  /* a minute after the first line: the next one */
  fake_now = (1000 + RB_ACCESS_LOG_INTERVAL_S) * G_USEC_PER_SEC;
  fail_unless (rb_access_refuse (access, "192.168.1.1",
          "max-connections reached"));
  fail_unless_equals_string (g_ptr_array_index (lines, 2), "W network A: "
      "refusing HTTP requests from 192.168.1.1: max-connections reached");
  fail_unless_equals_int (lines->len, 3);
}

GST_END_TEST;

GST_START_TEST (test_wrong_credentials)
{
  g_autoptr (RbAccess) access = make_access ("connections", NULL);

  fail_unless (rb_access_refuse_credentials (access, "10.0.0.9", "alice"));
  fail_unless_equals_string (g_ptr_array_index (lines, 0), "M network A: "
      "wrong credentials from 10.0.0.9 (user 'alice')");
  fake_now += 30 * G_USEC_PER_SEC;
  fail_if (rb_access_refuse_credentials (access, "10.0.0.9", "bob"));
  /* a refusal of the same address is logged apart */
  fail_unless (rb_access_refuse (access, "10.0.0.9", "max-connections "
          "reached"));
  fail_unless (rb_access_refuse_credentials (access, NULL, NULL));
  fail_unless_equals_string (g_ptr_array_index (lines, 2), "M network A: "
      "wrong credentials from unknown (user '')");
  fail_unless_equals_int (lines->len, 3);
  fail_unless_equals_uint64 (auth_failures (access), 3);
  fail_unless_equals_uint64 (refused (access), 1);
  fake_now += RB_ACCESS_LOG_INTERVAL_S * G_USEC_PER_SEC;
  fail_unless (rb_access_refuse_credentials (access, "10.0.0.9", "bob"));
}

GST_END_TEST;

static gchar *
address (guint i)
{
  return g_strdup_printf ("192.%u.%u.%u", (i >> 16) & 0xff, (i >> 8) & 0xff,
      i & 0xff);
}

GST_START_TEST (test_bounded)
{
  g_autoptr (GPtrArray) allow = allow_list ("10.0.0.0/8", NULL);
  g_autoptr (RbAccess) access = make_access ("connections", allow);
  const guint n = 3 * RB_ACCESS_LOG_MAX;
  guint logged = 0;

  /* many addresses within one minute: all counted, the table and the log
   * stop at the bound */
  for (guint i = 0; i < n; i++) {
    g_autofree gchar *a = address (i);

    fake_now = 1000 * G_USEC_PER_SEC + i * (10 * G_USEC_PER_SEC) / n;
    fail_if (rb_access_admit (access, a));
    fail_unless (rb_access_get_n_remembered (access) <= RB_ACCESS_LOG_MAX,
        "%u addresses remembered after %u", rb_access_get_n_remembered
        (access), i + 1);
  }
  fail_unless_equals_uint64 (refused (access), n);
  fail_unless_equals_int (rb_access_get_n_remembered (access),
      RB_ACCESS_LOG_MAX);
  fail_unless_equals_int (lines->len, RB_ACCESS_LOG_MAX);
  /* those logged are not logged again within their minute; those not
   * logged stay so while the table is full of recent ones */
  fail_if (rb_access_admit (access, "192.0.0.0"));
  fail_if (rb_access_refuse (access, "192.1.0.0", "max-connections reached"));
  fail_unless_equals_int (lines->len, RB_ACCESS_LOG_MAX);

  /* a minute after the first lines, their room is for others */
  fake_now = (1000 + RB_ACCESS_LOG_INTERVAL_S) * G_USEC_PER_SEC;
  for (guint i = 0; i < n; i++) {
    g_autofree gchar *a = address (n + i);

    if (rb_access_refuse (access, a, "max-connections reached"))
      logged++;
    fail_unless (rb_access_get_n_remembered (access) <= RB_ACCESS_LOG_MAX);
  }
  fail_unless (logged > 0 && logged <= RB_ACCESS_LOG_MAX, "%u", logged);
  fail_unless_equals_uint64 (refused (access), 2 * n + 2);

  /* two quiet minutes later the table is empty but for the newest */
  fake_now = (1000 + 3 * RB_ACCESS_LOG_INTERVAL_S) * G_USEC_PER_SEC;
  fail_unless (rb_access_refuse (access, "192.0.0.0", "max-viewers reached"));
  fail_unless_equals_int (rb_access_get_n_remembered (access), 1);
}

GST_END_TEST;

static Suite *
access_suite (void)
{
  Suite *s = suite_create ("access");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_allow_list);
  tcase_add_test (tc, test_once_a_minute);
  tcase_add_test (tc, test_wrong_credentials);
  tcase_add_test (tc, test_bounded);
  return s;
}

GST_CHECK_MAIN (access);
