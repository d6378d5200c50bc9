/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Unit tests of daemon/rb-notify.c (sd_notify without libsystemd),
 * linked from rtsp-blur-daemon-glib: the datagram reaches a socket
 * named by a path and by an abstract name ('@'), and nothing is sent (FALSE)
 * without NOTIFY_SOCKET or with a name that is neither. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rb-notify.h"

/* a datagram socket bound to @name ('@': abstract) */
static int
bind_socket (const gchar * name)
{
  struct sockaddr_un sa = { 0, };
  gsize len = strlen (name);
  int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  fail_unless (fd >= 0);
  sa.sun_family = AF_UNIX;
  memcpy (sa.sun_path, name, len);
  if (name[0] == '@')
    sa.sun_path[0] = '\0';
  fail_unless (bind (fd, (struct sockaddr *) &sa,
          offsetof (struct sockaddr_un, sun_path) + len) == 0);
  return fd;
}

static gchar *
receive (int fd)
{
  gchar buf[256];
  ssize_t n = recv (fd, buf, sizeof (buf) - 1, MSG_DONTWAIT);

  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return g_strdup (buf);
}

GST_START_TEST (test_path_socket)
{
  g_autofree gchar *dir = g_dir_make_tmp ("rb-notify-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "notify", NULL);
  g_autofree gchar *got = NULL;
  int fd = bind_socket (path);

  g_setenv ("NOTIFY_SOCKET", path, TRUE);
  fail_unless (rb_notify ("READY=1"));
  got = receive (fd);
  fail_unless_equals_string (got, "READY=1");
  close (fd);
  g_unlink (path);
  g_rmdir (dir);
}

GST_END_TEST;

GST_START_TEST (test_abstract_socket)
{
  g_autofree gchar *name = g_strdup_printf ("@rb-notify-test-%d", getpid ());
  g_autofree gchar *got = NULL;
  int fd = bind_socket (name);

  g_setenv ("NOTIFY_SOCKET", name, TRUE);
  fail_unless (rb_notify ("READY=1\nSTATUS=running"));
  got = receive (fd);
  fail_unless_equals_string (got, "READY=1\nSTATUS=running");
  close (fd);
}

GST_END_TEST;

GST_START_TEST (test_no_manager)
{
  g_unsetenv ("NOTIFY_SOCKET");
  fail_if (rb_notify ("READY=1"));
  g_setenv ("NOTIFY_SOCKET", "relative/name", TRUE);
  fail_if (rb_notify ("READY=1"));
  g_setenv ("NOTIFY_SOCKET", "/nonexistent/rb-notify", TRUE);
  fail_if (rb_notify ("READY=1"));
}

GST_END_TEST;

static Suite *
notify_suite (void)
{
  Suite *s = suite_create ("daemon-notify");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_path_socket);
  tcase_add_test (tc, test_abstract_socket);
  tcase_add_test (tc, test_no_manager);
  return s;
}

GST_CHECK_MAIN (notify);
