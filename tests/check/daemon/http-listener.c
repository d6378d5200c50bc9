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

/* The HTTP listeners' bounds (daemon/web/rb-http-listener.c): a
 * SoupServer behind an RbHttpListener on 127.0.0.1, and clients with plain
 * blocking sockets in a thread while the test's main context serves. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rb-http-listener.h"

#define BIG (64 * 1024 * 1024)

typedef struct {
  SoupServer *server;
  RbHttpListener *listener;
  guint port;
  guint handled;                /* requests the handler saw */
} Fixture;

static void
handle (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  Fixture *f = data;

  f->handled++;
  if (g_str_has_prefix (path, "/onvif/")) {
    /* echoes the body it was given */
    g_autoptr (GBytes) body = soup_message_body_flatten
        (soup_server_message_get_request_body (msg));
    gchar *text = g_strdup_printf ("got %.*s",
        (int) g_bytes_get_size (body), (const gchar *) g_bytes_get_data (body,
            NULL));

    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE,
        text, strlen (text));
  } else if (g_str_equal (path, "/big")) {
    gchar *big = g_malloc0 (BIG);

    soup_server_message_set_response (msg, "application/octet-stream",
        SOUP_MEMORY_TAKE, big, BIG);
  } else {
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
        "hello\n", 6);
  }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static gboolean
auth_cb (SoupAuthDomain * domain, SoupServerMessage * msg,
    const char *user, const char *password, gpointer data)
{
  return g_str_equal (user, "u") && g_str_equal (password, "p");
}

static Fixture *
fixture_new (guint per_client, gboolean with_auth)
{
  Fixture *f = g_new0 (Fixture, 1);
  RbHttpLimits limits = { 6, per_client, 1, 1, RB_HTTP_LISTEN_BACKLOG };
  g_autoptr (GInetAddress) inet = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (inet, 0);
  GError *err = NULL;

  f->server = soup_server_new ("server-header", "test", NULL);
  soup_server_add_handler (f->server, NULL, handle, f, NULL);
  if (with_auth) {
    SoupAuthDomain *auth = soup_auth_domain_basic_new ("realm", "test",
        NULL);

    soup_auth_domain_basic_set_auth_callback (auth, auth_cb, NULL, NULL);
    soup_auth_domain_add_path (auth, "/private");
    soup_server_add_auth_domain (f->server, auth);
    g_object_unref (auth);
  }
  f->listener = rb_http_listener_new (f->server, "test", &limits, NULL);
  fail_unless (rb_http_listener_listen (f->listener, sa, &err), "%s",
      err ? err->message : "");
  f->port = rb_http_listener_get_port (f->listener);
  fail_unless (f->port != 0);
  return f;
}

static void
fixture_free (Fixture * f)
{
  rb_http_listener_free (f->listener);
  soup_server_disconnect (f->server);
  g_object_unref (f->server);
  g_free (f);
}

static RbHttpListenerStats
stats (Fixture * f)
{
  RbHttpListenerStats st;

  rb_http_listener_get_stats (f->listener, &st);
  return st;
}

/* ---- clients, in a thread ---- */

typedef struct {
  Fixture *f;
  gpointer (*func) (gpointer);
  gint done;
} Client;

static gpointer
client_main (gpointer data)
{
  Client *c = data;
  gpointer ret = c->func (c->f);

  g_atomic_int_set (&c->done, 1);
  return ret;
}

/* Runs @func (@f) in a thread while the main context serves; its result. */
static gpointer
run_client (Fixture * f, gpointer (*func) (gpointer))
{
  Client c = { f, func, 0 };
  GThread *t = g_thread_new ("client", client_main, &c);

  while (!g_atomic_int_get (&c.done))
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return g_thread_join (t);
}

/* Iterates the main context for @ms. */
static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* A connection to @port; with @rcvbuf set first, when not 0. */
static int
connect_with (guint port, int rcvbuf)
{
  struct sockaddr_in sin = { 0, };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  struct timeval tv = { 5, 0 };

  if (rcvbuf != 0)
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sin.sin_family = AF_INET;
  sin.sin_port = htons (port);
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect (fd, (struct sockaddr *) &sin, sizeof sin) < 0) {
    close (fd);
    return -1;
  }
  return fd;
}

static int
connect_to (guint port)
{
  return connect_with (port, 0);
}

static void
send_text (int fd, const gchar * text)
{
  gsize off = 0, len = strlen (text);

  while (off < len) {
    ssize_t n = send (fd, text + off, len - off, MSG_NOSIGNAL);

    if (n <= 0)
      return;
    off += n;
  }
}

/* Everything until the server closes (or 5 s of silence). */
static gchar *
read_all (int fd)
{
  GString *s = g_string_new (NULL);
  gchar buf[4096];
  ssize_t n;

  while ((n = recv (fd, buf, sizeof buf, 0)) > 0)
    g_string_append_len (s, buf, n);
  return g_string_free (s, FALSE);
}

/* A keep-alive request: answered, Connection: close, then closed by the
 * server (the client does not close first). */
static gpointer
client_keepalive (gpointer data)
{
  Fixture *f = data;
  int fd = connect_to (f->port);
  gchar *text;

  send_text (fd, "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
      "\r\n");
  text = read_all (fd);
  close (fd);
  return text;
}

/* 2000 keep-alive requests, each client closing after the response, as
 * curl or a browser does; the number answered 200. */
static gpointer
client_many (gpointer data)
{
  Fixture *f = data;
  guint ok = 0;

  for (guint i = 0; i < 2000; i++) {
    int fd = connect_to (f->port);
    gchar buf[512];
    ssize_t n;

    send_text (fd, "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
        "\r\n");
    n = recv (fd, buf, sizeof buf - 1, 0);
    if (n > 0) {
      buf[n] = '\0';
      ok += g_str_has_prefix (buf, "HTTP/1.1 200");
    }
    close (fd);
  }
  return GUINT_TO_POINTER (ok);
}

static guint
count_fds (void)
{
  g_autoptr (GDir) d = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  return n;
}

GST_START_TEST (test_one_request_per_connection)
{
  Fixture *f = fixture_new (4, FALSE);
  g_autofree gchar *text = run_client (f, client_keepalive);
  guint fds;

  fail_unless (g_str_has_prefix (text, "HTTP/1.1 200"), "%s", text);
  fail_unless (strstr (text, "Connection: close\r\n") != NULL, "%s", text);
  fail_unless (g_str_has_suffix (text, "\r\n\r\nhello\n"), "%s", text);
  iterate (100);
  assert_equals_int (stats (f).connections, 0);

  /* no connection stays behind: neither counted nor an open fd */
  fds = count_fds ();
  assert_equals_int (GPOINTER_TO_UINT (run_client (f, client_many)), 2000);
  iterate (200);
  assert_equals_int (stats (f).connections, 0);
  assert_equals_uint64 (stats (f).accepted, 2001);
  fail_unless (count_fds () <= fds + 2, "%u fds, %u before", count_fds (),
      fds);
  fixture_free (f);
}

GST_END_TEST;

static gpointer
client_body (gpointer data)
{
  Fixture *f = data;
  int fd = connect_to (f->port);
  gchar *text;

  send_text (fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
      "\r\nsome of the body");
  text = read_all (fd);
  close (fd);
  return text;
}

static gpointer
client_body_chunked_unauthorized (gpointer data)
{
  Fixture *f = data;
  int fd = connect_to (f->port);
  gchar *text;

  send_text (fd, "POST /private HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n10\r\n0123456789abcdef\r\n");
  text = read_all (fd);
  close (fd);
  return text;
}

static gpointer
client_body_authorized (gpointer data)
{
  Fixture *f = data;
  int fd = connect_to (f->port);
  gchar *text;

  /* u:p */
  send_text (fd, "POST /private HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
      "dTpw\r\nContent-Length: 5\r\n\r\nhello");
  text = read_all (fd);
  close (fd);
  return text;
}

GST_START_TEST (test_body_answered_on_headers)
{
  Fixture *f = fixture_new (4, TRUE);
  g_autofree gchar *a = run_client (f, client_body);
  g_autofree gchar *b = run_client (f, client_body_chunked_unauthorized);
  g_autofree gchar *c = run_client (f, client_body_authorized);

  fail_unless (g_str_has_prefix (a, "HTTP/1.1 413 "), "%s", a);
  fail_unless (strstr (a, "Connection: close\r\n") != NULL, "%s", a);
  /* the auth domain decided first: 401 and its challenge */
  fail_unless (g_str_has_prefix (b, "HTTP/1.1 401 "), "%s", b);
  fail_unless (strstr (b, "WWW-Authenticate: Basic realm=") != NULL,
      "%s", b);
  fail_unless (g_str_has_prefix (c, "HTTP/1.1 413 "), "%s", c);
  /* no handler saw them */
  assert_equals_int (f->handled, 0);
  assert_equals_uint64 (stats (f).bodies_refused, 3);
  iterate (100);
  assert_equals_int (stats (f).connections, 0);
  fixture_free (f);
}

GST_END_TEST;

static gchar *
request (Fixture * f, const gchar * text)
{
  int fd = connect_to (f->port);
  gchar *answer;

  send_text (fd, text);
  answer = read_all (fd);
  close (fd);
  return answer;
}

static const gchar *body_requests[] = {
  /* accepted: POST under the prefix, Content-Length within the bound */
  "POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "\r\nhello",
  /* over the bound, chunked, another path, another method: 413 */
  "POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n"
      "\r\nhello",
  "POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
  "PUT /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "\r\nhello",
};

static gpointer
client_bodies (gpointer data)
{
  Fixture *f = data;
  GPtrArray *answers = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (body_requests); i++)
    g_ptr_array_add (answers, request (f, body_requests[i]));
  return answers;
}

/* rb_http_listener_accept_bodies(): bodies of POST under a prefix, up to a
 * size, reach the handler; the others are still answered on their
 * headers. */
GST_START_TEST (test_body_accepted_under_prefix)
{
  Fixture *f = fixture_new (4, FALSE);
  g_autoptr (GPtrArray) a = NULL;

  rb_http_listener_accept_bodies (f->listener, "/onvif/", 64);
  a = run_client (f, client_bodies);
  fail_unless (g_str_has_prefix (g_ptr_array_index (a, 0),
          "HTTP/1.1 200 "), "%s", (gchar *) g_ptr_array_index (a, 0));
  fail_unless (g_str_has_suffix (g_ptr_array_index (a, 0), "\r\n\r\ngot "
          "hello"), "%s", (gchar *) g_ptr_array_index (a, 0));
  for (guint i = 1; i < a->len; i++)
    fail_unless (g_str_has_prefix (g_ptr_array_index (a, i),
            "HTTP/1.1 413 "), "%u: %s", i, (gchar *) g_ptr_array_index (a,
            i));
  assert_equals_int (f->handled, 1);
  assert_equals_uint64 (stats (f).bodies_refused, 4);
  iterate (100);
  assert_equals_int (stats (f).connections, 0);
  fixture_free (f);
}

GST_END_TEST;

/* The timeouts: 1 s for headers and idle. */
static gpointer
client_silent (gpointer data)
{
  Fixture *f = data;
  int silent = connect_to (f->port), slow = connect_to (f->port);
  gint64 t0 = g_get_monotonic_time ();
  const gchar *headers = "GET / HTTP/1.1\r\nHost: x\r\nX: aaaaaaaaaaaa";
  gint64 *took = g_new0 (gint64, 2);
  gchar buf[64];

  /* a byte every 100 ms, for longer than the timeout */
  for (const gchar * p = headers; *p; p++) {
    if (send (slow, p, 1, MSG_NOSIGNAL) < 0)
      break;
    g_usleep (100 * 1000);
  }
  /* closed: no answer, end of stream (or a reset) */
  took[0] = recv (slow, buf, sizeof buf, 0) <= 0 ?
      g_get_monotonic_time () - t0 : -1;
  took[1] = recv (silent, buf, sizeof buf, 0) <= 0 ?
      g_get_monotonic_time () - t0 : -1;
  close (silent);
  close (slow);
  return took;
}

/* A response of BIG bytes that the client does not read for 3 s. */
static gpointer
client_stalled (gpointer data)
{
  Fixture *f = data;
  int fd = connect_with (f->port, 4096);

  send_text (fd, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  g_usleep (3 * G_USEC_PER_SEC);
  close (fd);
  return NULL;
}

GST_START_TEST (test_timeouts)
{
  Fixture *f = fixture_new (4, FALSE);
  g_autofree gint64 *took = run_client (f, client_silent);

  /* closed after the timeout (1 s, checked every second), not before */
  fail_unless (took[0] >= 900000 && took[0] < 3500000, "%" G_GINT64_FORMAT,
      took[0]);
  fail_unless (took[1] >= 900000 && took[1] < 3500000, "%"
      G_GINT64_FORMAT, took[1]);
  assert_equals_uint64 (stats (f).header_timeouts, 2);

  /* the server let the connection go while the client still held it */
  run_client (f, client_stalled);
  assert_equals_uint64 (stats (f).idle_timeouts, 1);
  assert_equals_int (stats (f).connections, 0);
  fixture_free (f);
}

GST_END_TEST;

static gpointer
client_caps (gpointer data)
{
  Fixture *f = data;
  int held[2];
  gchar *text;
  int fd;

  for (guint i = 0; i < 2; i++)
    held[i] = connect_to (f->port);
  g_usleep (200 * 1000);
  fd = connect_to (f->port);
  send_text (fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  text = read_all (fd);
  close (fd);
  for (guint i = 0; i < 2; i++)
    close (held[i]);
  return text;
}

GST_START_TEST (test_per_client_cap)
{
  Fixture *f = fixture_new (2, FALSE);
  g_autofree gchar *text = NULL;

  /* logged: "test: refusing HTTP connections from 127.0.0.1: ..." */
  ASSERT_WARNING (text = run_client (f, client_caps));

  /* the third from one address is refused at once; the two held ones
   * count until they are closed */
  fail_unless (text[0] == '\0' || g_str_has_prefix (text, "HTTP/1.1 503 "),
      "%s", text);
  assert_equals_uint64 (stats (f).refused, 1);
  assert_equals_int (f->handled, 0);
  iterate (200);
  assert_equals_int (stats (f).connections, 0);
  fixture_free (f);
}

GST_END_TEST;

static Suite *
http_listener_suite (void)
{
  Suite *s = suite_create ("http-listener");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_one_request_per_connection);
  tcase_add_test (tc, test_body_answered_on_headers);
  tcase_add_test (tc, test_body_accepted_under_prefix);
  tcase_add_test (tc, test_timeouts);
  tcase_add_test (tc, test_per_client_cap);
  return s;
}

GST_CHECK_MAIN (http_listener);
