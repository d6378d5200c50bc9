/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Linked into every test of tests/check. The libraries of the daemon
 * (daemon/, gst-libs/rtsp-blur/) log in their own domain, RB_LOG_DOMAIN
 * (the top-level meson.build); gstcheck watches only the default domain and
 * GLib's and GStreamer's. This makes the domain count as the default one
 * does: an unexpected warning or critical fails the test, ASSERT_WARNING
 * and ASSERT_CRITICAL see the expected ones, and messages are printed only
 * with GST_TEST_DEBUG. A test that counts the lines logged installs its own
 * handler for RB_LOG_DOMAIN, which takes precedence. */

#include <gst/check/gstcheck.h>

static void
rb_check_log_func (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer user_data)
{
  if (level & G_LOG_LEVEL_MESSAGE) {
    if (g_getenv ("GST_TEST_DEBUG") != NULL)
      g_print ("%s\n", message);
    return;
  }
  if (!_gst_check_expecting_log)
    fail ("Unexpected critical/warning: %s", message);
  if (level & G_LOG_LEVEL_CRITICAL)
    _gst_check_raised_critical = TRUE;
  if (level & G_LOG_LEVEL_WARNING)
    _gst_check_raised_warning = TRUE;
}

static void __attribute__ ((constructor))
rb_check_log_init (void)
{
  g_log_set_handler (RB_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING
      | G_LOG_LEVEL_MESSAGE, rb_check_log_func, NULL);
}
