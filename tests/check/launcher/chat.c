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

/* The operator page's chat rooms (launcher/rb-chat.c) over a real
 * WebSocket pair on a socketpair, and the htdigest users files
 * (launcher/rb-users.c). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rb-chat.h"
#include "rb-users.h"

static gchar *tmpdir;

static void
tempdir_setup (void)
{
  tmpdir = g_dir_make_tmp ("rb-chat-test-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
}

static void
tempdir_cleanup (void)
{
  g_autoptr (GDir) d = g_dir_open (tmpdir, 0, NULL);
  const gchar *n;

  while (d && (n = g_dir_read_name (d)) != NULL) {
    g_autofree gchar *p = g_build_filename (tmpdir, n, NULL);
    g_unlink (p);
  }
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static gchar *
write_file (const gchar * name, const gchar * text)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* ---- a WebSocket pair: server side for the room, client side for us */

typedef struct {
  SoupWebsocketConnection *server;
  SoupWebsocketConnection *client;
  GPtrArray *frames;            /* of gchar *, received by the client */
} WsPair;

static void
on_client_message (SoupWebsocketConnection * c, gint type, GBytes * m,
    WsPair * p)
{
  gsize n;
  const gchar *d = g_bytes_get_data (m, &n);

  g_ptr_array_add (p->frames, g_strndup (d, n));
}

static GIOStream *
socket_stream (int fd)
{
  g_autoptr (GSocket) s = g_socket_new_from_fd (fd, NULL);

  fail_unless (s != NULL);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (s));
}

static WsPair *
ws_pair_new (void)
{
  WsPair *p = g_new0 (WsPair, 1);
  int sv[2];
  g_autoptr (GUri) uri = g_uri_parse ("ws://127.0.0.1/chat",
      G_URI_FLAGS_NONE, NULL);
  g_autoptr (GIOStream) a = NULL, b = NULL;

  fail_unless (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  a = socket_stream (sv[0]);
  b = socket_stream (sv[1]);
  p->server = soup_websocket_connection_new (a, uri,
      SOUP_WEBSOCKET_CONNECTION_SERVER, NULL, NULL, NULL);
  p->client = soup_websocket_connection_new (b, uri,
      SOUP_WEBSOCKET_CONNECTION_CLIENT, NULL, NULL, NULL);
  p->frames = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (p->client, "message", G_CALLBACK (on_client_message), p);
  return p;
}

static void
ws_pair_free (WsPair * p)
{
  g_signal_handlers_disconnect_by_data (p->client, p);
  g_object_unref (p->client);
  g_object_unref (p->server);
  g_ptr_array_unref (p->frames);
  g_free (p);
}

/* Iterates the main context until @p received @n frames (at most 5 s). */
static gboolean
wait_frames (WsPair * p, guint n)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (p->frames->len < n && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  return p->frames->len >= n;
}

static JsonObject *
parse_object (JsonParser * parser, const gchar * text)
{
  fail_unless (json_parser_load_from_data (parser, text, -1, NULL), "%s",
      text);
  return json_node_get_object (json_parser_get_root (parser));
}

static guint
count_lines (const gchar * path)
{
  g_autofree gchar *t = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &t, NULL, NULL))
    return 0;
  for (const gchar * c = t; *c; c++)
    n += *c == '\n';
  return n;
}

GST_START_TEST (test_chat_message_round_trip)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "A.jsonl", NULL);
  g_autoptr (RbChatRoom) room = rb_chat_room_new ("A", path, NULL);
  WsPair *alice, *bob;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o, *m;

  fail_unless (room != NULL);
  alice = ws_pair_new ();
  bob = ws_pair_new ();
  rb_chat_room_join (room, alice->server, "alice", "A");
  rb_chat_room_join (room, bob->server, "bob", "A");
  assert_equals_int (rb_chat_room_get_members (room), 2);
  fail_unless (wait_frames (alice, 1) && wait_frames (bob, 1));
  o = parse_object (parser, g_ptr_array_index (alice->frames, 0));
  assert_equals_string (json_object_get_string_member (o, "type"),
      "history");
  assert_equals_int (json_array_get_length (json_object_get_array_member (o,
              "messages")), 0);

  soup_websocket_connection_send_text (alice->client, "  who takes gate?  ");
  soup_websocket_connection_send_text (alice->client, "   ");   /* ignored */
  fail_unless (wait_frames (alice, 2) && wait_frames (bob, 2));
  o = parse_object (parser, g_ptr_array_index (bob->frames, 1));
  assert_equals_string (json_object_get_string_member (o, "type"),
      "message");
  m = json_object_get_object_member (o, "message");
  assert_equals_string (json_object_get_string_member (m, "user"), "alice");
  assert_equals_string (json_object_get_string_member (m, "network"), "A");
  assert_equals_string (json_object_get_string_member (m, "text"),
      "who takes gate?");
  fail_unless (g_str_has_suffix (json_object_get_string_member (m, "time"),
          "Z"));
  /* durable before it is sent */
  assert_equals_int (count_lines (path), 1);

  /* a newcomer gets the history */
  {
    WsPair *carol = ws_pair_new ();

    rb_chat_room_join (room, carol->server, "carol", "A");
    fail_unless (wait_frames (carol, 1));
    o = parse_object (parser, g_ptr_array_index (carol->frames, 0));
    assert_equals_int (json_array_get_length (json_object_get_array_member
            (o, "messages")), 1);
    ws_pair_free (carol);
  }

  /* a member that closes (bob) or goes away (carol's client was dropped)
   * leaves the room */
  soup_websocket_connection_close (bob->client, SOUP_WEBSOCKET_CLOSE_NORMAL,
      NULL);
  {
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (rb_chat_room_get_members (room) > 1
        && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE);
  }
  assert_equals_int (rb_chat_room_get_members (room), 1);
  ws_pair_free (alice);
  ws_pair_free (bob);
}

GST_END_TEST;

GST_START_TEST (test_chat_history_reload)
{
  GString *s = g_string_new (NULL);
  g_autofree gchar *path = NULL;
  g_autoptr (RbChatRoom) room = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  WsPair *p;
  JsonObject *o;
  JsonArray *a;

  for (guint i = 0; i < 700; i++)
    g_string_append_printf (s, "{\"user\":\"u\",\"network\":\"A\","
        "\"time\":\"2026-01-01T00:00:00.000Z\",\"text\":\"m%u\"}\n", i);
  g_string_append (s, "{\"user\":\"u\",\"ti");        /* torn by a crash */
  path = write_file ("A.jsonl", s->str);
  g_string_free (s, TRUE);

  room = rb_chat_room_new ("A", path, NULL);
  fail_unless (room != NULL);
  p = ws_pair_new ();
  rb_chat_room_join (room, p->server, "alice", "A");
  fail_unless (wait_frames (p, 1));
  o = parse_object (parser, g_ptr_array_index (p->frames, 0));
  a = json_object_get_array_member (o, "messages");
  assert_equals_int (json_array_get_length (a), RB_CHAT_HISTORY);
  assert_equals_string (json_object_get_string_member
      (json_array_get_object_element (a, 0), "text"), "m200");
  assert_equals_string (json_object_get_string_member
      (json_array_get_object_element (a, RB_CHAT_HISTORY - 1), "text"),
      "m699");

  /* 701 lines (the torn one counts) and 299 more: at 1000 lines the file
   * is rewritten down to the history (no rate limit for this) */
  rb_chat_room_set_rate_limits (room, 1e6, 1000, 1e6, 1000);
  for (guint i = 0; i < 299; i++)
    soup_websocket_connection_send_text (p->client, "more");
  fail_unless (wait_frames (p, 300));
  assert_equals_int (count_lines (path), RB_CHAT_HISTORY);
  ws_pair_free (p);

  /* and a reload gives the same last message */
  {
    g_autoptr (RbChatRoom) again = rb_chat_room_new ("A", path, NULL);
    WsPair *q = ws_pair_new ();

    rb_chat_room_join (again, q->server, "bob", "A");
    fail_unless (wait_frames (q, 1));
    o = parse_object (parser, g_ptr_array_index (q->frames, 0));
    a = json_object_get_array_member (o, "messages");
    assert_equals_int (json_array_get_length (a), RB_CHAT_HISTORY);
    assert_equals_string (json_object_get_string_member
        (json_array_get_object_element (a, RB_CHAT_HISTORY - 1), "user"),
        "alice");
    ws_pair_free (q);
  }
}

GST_END_TEST;

/* issue 16 (found by the chat fuzzer): after a crash tore the last line,
 * the next message was appended to the torn line and lost at the next
 * start. */
GST_START_TEST (test_chat_message_after_torn_line_kept)
{
  g_autofree gchar *path = write_file ("A.jsonl",
      "{\"user\":\"u\",\"network\":\"A\",\"time\":\"t\",\"text\":\"m0\"}\n"
      "{\"user\":\"u\",\"ti");
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *a;
  WsPair *p;

  {
    g_autoptr (RbChatRoom) room = rb_chat_room_new ("A", path, NULL);

    p = ws_pair_new ();
    rb_chat_room_join (room, p->server, "alice", "A");
    soup_websocket_connection_send_text (p->client, "after the crash");
    fail_unless (wait_frames (p, 2));
    ws_pair_free (p);
  }
  /* the restart */
  {
    g_autoptr (RbChatRoom) again = rb_chat_room_new ("A", path, NULL);

    p = ws_pair_new ();
    rb_chat_room_join (again, p->server, "bob", "A");
    fail_unless (wait_frames (p, 1));
    a = json_object_get_array_member (parse_object (parser,
            g_ptr_array_index (p->frames, 0)), "messages");
    assert_equals_int (json_array_get_length (a), 2);
    assert_equals_string (json_object_get_string_member
        (json_array_get_object_element (a, 1), "text"), "after the crash");
    ws_pair_free (p);
  }
}

GST_END_TEST;

/* issue 16 (found by the chat fuzzer): NUL bytes in the file (left by a
 * file system after a crash) hid every line after them, and a message was
 * glued to them. */
GST_START_TEST (test_chat_nul_bytes_skipped)
{
  const gchar content[] =
      "{\"user\":\"u\",\"network\":\"A\",\"time\":\"t\",\"text\":\"m0\"}\n"
      "\0\0\0\0\n"
      "{\"user\":\"u\",\"network\":\"A\",\"time\":\"t\",\"text\":\"m1\"}\n"
      "\0\0";
  g_autofree gchar *path = g_build_filename (tmpdir, "A.jsonl", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *a;
  WsPair *p;

  fail_unless (g_file_set_contents (path, content, sizeof content - 1, NULL));
  {
    g_autoptr (RbChatRoom) room = rb_chat_room_new ("A", path, NULL);

    p = ws_pair_new ();
    rb_chat_room_join (room, p->server, "alice", "A");
    fail_unless (wait_frames (p, 1));
    a = json_object_get_array_member (parse_object (parser,
            g_ptr_array_index (p->frames, 0)), "messages");
    assert_equals_int (json_array_get_length (a), 2);
    soup_websocket_connection_send_text (p->client, "m2");
    fail_unless (wait_frames (p, 2));
    ws_pair_free (p);
  }
  {
    g_autoptr (RbChatRoom) again = rb_chat_room_new ("A", path, NULL);

    p = ws_pair_new ();
    rb_chat_room_join (again, p->server, "bob", "A");
    fail_unless (wait_frames (p, 1));
    a = json_object_get_array_member (parse_object (parser,
            g_ptr_array_index (p->frames, 0)), "messages");
    assert_equals_int (json_array_get_length (a), 3);
    assert_equals_string (json_object_get_string_member
        (json_array_get_object_element (a, 2), "text"), "m2");
    ws_pair_free (p);
  }
}

GST_END_TEST;

/* issue 16 (found by the chat fuzzer): a history line json-glib accepts
 * with more after the object was sent as it was, and the history frame was
 * no longer JSON for any member; a line whose text is not a string was
 * sent too. Members get each message as one object of strings. */
GST_START_TEST (test_chat_history_only_messages)
{
  g_autofree gchar *path = write_file ("A.jsonl",
      "{\"user\":\"u\",\"network\":\"A\",\"time\":\"t\",\"text\":\"m0\"}\n"
      "{\"user\":\"u\",\"network\":\"A\",\"time\":\"t\",\"text\":\"m1\"}[]\n"
      "{\"user\":\"u\",\"time\":\"t\",\"text\":5}\n"
      "{\"user\":\"u\",\"network\":7,\"time\":\"t\",\"text\":\"x\"}\n"
      "{\"user\":\"u\",\"time\":\"t\",\"text\":\"m2\"}\n");
  g_autoptr (RbChatRoom) room = rb_chat_room_new ("A", path, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  WsPair *p = ws_pair_new ();
  JsonArray *a;

  rb_chat_room_join (room, p->server, "alice", "A");
  fail_unless (wait_frames (p, 1));
  a = json_object_get_array_member (parse_object (parser,
          g_ptr_array_index (p->frames, 0)), "messages");
  assert_equals_int (json_array_get_length (a), 3);
  assert_equals_string (json_object_get_string_member
      (json_array_get_object_element (a, 1), "text"), "m1");
  assert_equals_string (json_object_get_string_member
      (json_array_get_object_element (a, 2), "text"), "m2");
  ws_pair_free (p);
}

GST_END_TEST;

GST_START_TEST (test_chat_too_long_closes)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "A.jsonl", NULL);
  g_autoptr (RbChatRoom) room = rb_chat_room_new ("A", path, NULL);
  WsPair *p = ws_pair_new ();
  gchar *big = g_strnfill (RB_CHAT_MAX_TEXT + 1, 'x');
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  rb_chat_room_join (room, p->server, "alice", "A");
  soup_websocket_connection_send_text (p->client, big);
  while (soup_websocket_connection_get_state (p->client) !=
      SOUP_WEBSOCKET_STATE_CLOSED && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  assert_equals_int (soup_websocket_connection_get_close_code (p->client),
      SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  assert_equals_int (count_lines (path), 0);
  g_free (big);
  ws_pair_free (p);
}

GST_END_TEST;

/* The frames of @p of @type ("message", "notice") from @from on. */
static guint
count_frames (WsPair * p, guint from, const gchar * type)
{
  g_autofree gchar *prefix = g_strdup_printf ("{\"type\":\"%s\"", type);
  guint n = 0;

  for (guint i = from; i < p->frames->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (p->frames, i), prefix);
  return n;
}

/* Iterates the main context for @ms. */
static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/* issue 16: a flood from one user is cut by the user's limit, without
 * pushing the history out; the others still talk until their network's
 * limit; the senders of what was cut are told, not every time. */
GST_START_TEST (test_chat_rate_limit)
{
  GString *s = g_string_new (NULL);
  g_autofree gchar *path = NULL;
  g_autoptr (RbChatRoom) room = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  WsPair *alice, *bob, *carol, *dave;
  JsonObject *o;
  JsonArray *a;
  guint i;

  for (i = 0; i < RB_CHAT_HISTORY; i++)
    g_string_append_printf (s, "{\"user\":\"u\",\"network\":\"A\","
        "\"time\":\"2026-01-01T00:00:00.000Z\",\"text\":\"m%u\"}\n", i);
  path = write_file ("A.jsonl", s->str);
  g_string_free (s, TRUE);
  room = rb_chat_room_new ("A", path, NULL);
  fail_unless (room != NULL);
  /* the defaults are a few a second; slower here, so that no token comes
   * back while the test runs on a loaded machine */
  rb_chat_room_set_rate_limits (room, 0.05, 5, 0.05, 8);
  alice = ws_pair_new ();
  bob = ws_pair_new ();
  carol = ws_pair_new ();
  rb_chat_room_join (room, alice->server, "alice", "A");
  rb_chat_room_join (room, bob->server, "bob", "A");
  rb_chat_room_join (room, carol->server, "carol", "A");
  fail_unless (wait_frames (alice, 1) && wait_frames (bob, 1)
      && wait_frames (carol, 1));

  /* alice floods: her first 5 go, the other 45 neither go nor stay */
  for (i = 0; i < 50; i++) {
    g_autofree gchar *t = g_strdup_printf ("flood %u", i);

    soup_websocket_connection_send_text (alice->client, t);
  }
  fail_unless (wait_frames (bob, 1 + 5));
  iterate (500);
  assert_equals_int (count_frames (bob, 1, "message"), 5);
  assert_equals_int (count_frames (alice, 1, "message"), 5);
  /* told once (at most once a second), and no one else is told */
  assert_equals_int (count_frames (alice, 1, "notice"), 1);
  assert_equals_int (count_frames (bob, 1, "notice"), 0);
  o = parse_object (parser, g_ptr_array_index (alice->frames,
          alice->frames->len - 1));
  fail_unless (g_str_has_prefix (json_object_get_string_member (o, "text"),
          "message not sent: you are sending messages too fast"));
  assert_equals_int (rb_chat_room_get_rate_limited (room), 45);
  assert_equals_int (count_lines (path), RB_CHAT_HISTORY + 5);

  /* bob is still heard; then carol, until the network's 8 are used */
  soup_websocket_connection_send_text (bob->client, "bob here");
  fail_unless (wait_frames (alice, 1 + 5 + 1 + 1));
  o = parse_object (parser, g_ptr_array_index (alice->frames,
          alice->frames->len - 1));
  assert_equals_string (json_object_get_string_member
      (json_object_get_object_member (o, "message"), "text"), "bob here");
  for (i = 0; i < 4; i++)
    soup_websocket_connection_send_text (carol->client, "carol here");
  iterate (500);
  assert_equals_int (count_frames (bob, 1, "message"), 5 + 1 + 2);
  assert_equals_int (count_frames (carol, 1, "notice"), 1);
  o = parse_object (parser, g_ptr_array_index (carol->frames,
          carol->frames->len - 1));
  fail_unless (g_str_has_prefix (json_object_get_string_member (o, "text"),
          "message not sent: too many messages on your network"));
  assert_equals_int (rb_chat_room_get_rate_limited (room), 45 + 2);

  /* the history lost only the 8 oldest to what was sent */
  dave = ws_pair_new ();
  rb_chat_room_join (room, dave->server, "dave", "A");
  fail_unless (wait_frames (dave, 1));
  o = parse_object (parser, g_ptr_array_index (dave->frames, 0));
  a = json_object_get_array_member (o, "messages");
  assert_equals_int (json_array_get_length (a), RB_CHAT_HISTORY);
  assert_equals_string (json_object_get_string_member
      (json_array_get_object_element (a, 0), "text"), "m8");
  ws_pair_free (alice);
  ws_pair_free (bob);
  ws_pair_free (carol);
  ws_pair_free (dave);
}

GST_END_TEST;

/* The tokens come back at the rate. */
GST_START_TEST (test_chat_rate_limit_refills)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "A.jsonl", NULL);
  g_autoptr (RbChatRoom) room = rb_chat_room_new ("A", path, NULL);
  WsPair *p = ws_pair_new ();

  rb_chat_room_set_rate_limits (room, 2, 1, 1000, 1000);
  rb_chat_room_join (room, p->server, "alice", "A");
  fail_unless (wait_frames (p, 1));
  soup_websocket_connection_send_text (p->client, "one");
  soup_websocket_connection_send_text (p->client, "two");       /* cut */
  fail_unless (wait_frames (p, 3));
  assert_equals_int (count_frames (p, 1, "message"), 1);
  assert_equals_int (count_frames (p, 1, "notice"), 1);
  iterate (700);                /* 2 a second: a token is back */
  soup_websocket_connection_send_text (p->client, "three");
  fail_unless (wait_frames (p, 4));
  assert_equals_int (count_frames (p, 1, "message"), 2);
  assert_equals_int (count_lines (path), 2);
  ws_pair_free (p);
}

GST_END_TEST;

/* issue 16 (found by the chat fuzzer): the frames that arrive with one
 * that closes the connection were still messages (saved, sent to all),
 * and a second bad one closed the connection twice (a libsoup critical). */
GST_START_TEST (test_chat_nothing_after_close)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "A.jsonl", NULL);
  g_autoptr (RbChatRoom) room = rb_chat_room_new ("A", path, NULL);
  WsPair *p = ws_pair_new ();
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  GIOStream *io = soup_websocket_connection_get_io_stream (p->client);
  int fd = g_socket_get_fd (g_socket_connection_get_socket
      (G_SOCKET_CONNECTION (io)));
  /* two text frames holding NUL bytes (UTF-8 to libsoup, not text to the
   * room) and a good one, in one write: masked client frames, zero key */
  static const guint8 frames[] = {
    0x81, 0x82, 0, 0, 0, 0, 'a', 0,
    0x81, 0x81, 0, 0, 0, 0, 0,
    0x81, 0x82, 0, 0, 0, 0, 'o', 'k',
  };

  rb_chat_room_join (room, p->server, "alice", "A");
  fail_unless (wait_frames (p, 1));
  fail_unless (write (fd, frames, sizeof frames) == sizeof frames);
  while (soup_websocket_connection_get_state (p->client) !=
      SOUP_WEBSOCKET_STATE_CLOSED && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  assert_equals_int (soup_websocket_connection_get_close_code (p->client),
      SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  assert_equals_string (soup_websocket_connection_get_close_data (p->client),
      "not text");
  /* "ok" came after the violation: neither saved nor sent */
  assert_equals_int (count_lines (path), 0);
  assert_equals_int (p->frames->len, 1);
  ws_pair_free (p);
}

GST_END_TEST;

static Suite *
chat_suite (void)
{
  Suite *s = suite_create ("chat");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, tempdir_setup, tempdir_cleanup);
  tcase_add_test (tc, test_chat_message_round_trip);
  tcase_add_test (tc, test_chat_history_reload);
  tcase_add_test (tc, test_chat_message_after_torn_line_kept);
  tcase_add_test (tc, test_chat_nul_bytes_skipped);
  tcase_add_test (tc, test_chat_history_only_messages);
  tcase_add_test (tc, test_chat_too_long_closes);
  tcase_add_test (tc, test_chat_rate_limit);
  tcase_add_test (tc, test_chat_rate_limit_refills);
  tcase_add_test (tc, test_chat_nothing_after_close);
  return s;
}

GST_CHECK_MAIN (chat);
