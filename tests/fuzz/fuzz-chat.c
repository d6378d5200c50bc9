/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target chat: a chat room (launcher/rb-chat.c) fed a history file
 * from disk and WebSocket frames from a member, over a real WebSocket pair
 * on a socketpair, as tests/check/launcher/chat.c runs it.
 *
 * Input: two bytes (little endian) giving the length of the history file,
 * the file, then frames, each one byte of type (bit 0 set: binary, else
 * text), two bytes of length and the payload; at most 8 frames, written to
 * the socket as a client would (text that is not UTF-8 included). A last
 * text frame "sentinel" follows them so that the harness knows when the
 * room has handled every frame (or closed the connection). Checks: every
 * frame the member receives is a JSON object of type history, message or
 * notice, every message's fields are strings (a history line of the file
 * that is not such a message is skipped, not sent) and a new message's
 * text is not longer than RB_CHAT_MAX_TEXT; every line the room wrote to
 * its file is such a message. */

#include "rb-fuzz.h"
#include "rb-chat.h"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_FRAMES 8
#define SENTINEL "sentinel"

static gchar *room_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  room_path = g_build_filename (rb_fuzz_tmpdir (), "chat", "A.jsonl", NULL);
  return 0;
}

typedef struct {
  guint received;
  gboolean sentinel;
  gboolean closed;
} Client;

static JsonObject *
parse_object (JsonParser * parser, const gchar * text, gsize length)
{
  JsonNode *root;
  GError *err = NULL;

  if (!json_parser_load_from_data (parser, text, length, &err)) {
    g_printerr ("not JSON (%s): %.*s\n", err->message,
        (int) MIN (length, 4000), text);
    rb_fuzz_assert (FALSE, "JSON");
  }
  root = json_parser_get_root (parser);
  rb_fuzz_assert (root != NULL && JSON_NODE_HOLDS_OBJECT (root), "object");
  return json_node_get_object (root);
}

/* user, time and text are strings; network too, when there is one (lines
 * of older files have none) */
static void
check_message (JsonObject * m)
{
  static const gchar *const fields[] = { "user", "time", "text", "network" };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
    JsonNode *n = json_object_get_member (m, fields[i]);

    if (n == NULL && g_str_equal (fields[i], "network"))
      continue;
    rb_fuzz_assert (n != NULL && JSON_NODE_HOLDS_VALUE (n)
        && json_node_get_value_type (n) == G_TYPE_STRING, fields[i]);
  }
}

static void
on_client_message (SoupWebsocketConnection * conn, gint type,
    GBytes * message, Client * c)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize length;
  const gchar *text = g_bytes_get_data (message, &length);
  JsonObject *o = parse_object (parser, text, length);
  const gchar *kind = json_object_get_string_member_with_default (o, "type",
      "");

  c->received++;
  if (g_str_equal (kind, "notice")) {
    rb_fuzz_assert (json_object_get_string_member_with_default (o, "text",
            NULL) != NULL, "notice text");
  } else if (g_str_equal (kind, "history")) {
    JsonArray *a = json_object_get_array_member (o, "messages");

    rb_fuzz_assert (c->received == 1, "history first");
    for (guint i = 0; i < json_array_get_length (a); i++)
      check_message (json_array_get_object_element (a, i));
  } else {
    JsonObject *m;

    rb_fuzz_assert (g_str_equal (kind, "message"), kind);
    m = json_object_get_object_member (o, "message");
    check_message (m);
    rb_fuzz_assert (strlen (json_object_get_string_member (m, "text")) <=
        RB_CHAT_MAX_TEXT, "text length");
    if (g_str_equal (json_object_get_string_member (m, "text"), SENTINEL))
      c->sentinel = TRUE;
  }
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
on_client_closed (SoupWebsocketConnection * conn, Client * c)
{
  c->closed = TRUE;
}

static SoupWebsocketConnection *
websocket (GSocket * s, SoupWebsocketConnectionType type)
{
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GUri) uri = g_uri_parse ("ws://127.0.0.1/chat",
      G_URI_FLAGS_NONE, NULL);

  stream = G_IO_STREAM (g_socket_connection_factory_create_connection (s));
  return soup_websocket_connection_new (stream, uri, type, NULL, NULL, NULL);
}

/* Writes one client frame (FIN, @opcode, masked with a zero key) straight
 * to the socket: libsoup's client would refuse to send text that is not
 * UTF-8, and what a hostile client sends is what is fuzzed. */
static void
send_frame (GSocket * s, guint8 opcode, const gchar * payload, gsize len)
{
  guint8 header[14];
  gsize n = 0;

  header[n++] = 0x80 | opcode;
  if (len < 126) {
    header[n++] = 0x80 | len;
  } else {
    header[n++] = 0x80 | 126;
    header[n++] = len >> 8;
    header[n++] = len & 0xff;
  }
  memset (header + n, 0, 4);
  n += 4;
  rb_fuzz_assert (g_socket_send (s, (const gchar *) header, n, NULL, NULL)
      == (gssize) n, "send");
  if (len > 0)
    rb_fuzz_assert (g_socket_send (s, payload, len, NULL, NULL) ==
        (gssize) len, "send");
}

/* Every line of the room's file that holds a byte the room wrote (after
 * the @history_length bytes of history it was given; all of them once it
 * rewrote the file) is a message: a torn line of the history is never
 * glued to a new message. */
static void
check_file (const gchar * history, gsize history_length)
{
  g_autofree gchar *text = NULL;
  gsize length, given = 0;

  if (!g_file_get_contents (room_path, &text, &length, NULL))
    return;
  if (length >= history_length && memcmp (text, history, history_length) == 0)
    given = history_length;
  for (gsize start = 0; start < length;) {
    const gchar *nl = memchr (text + start, '\n', length - start);
    gsize end = nl ? (gsize) (nl - text) : length;

    if (end > given && end > start) {
      g_autoptr (JsonParser) parser = json_parser_new ();

      check_message (parse_object (parser, text + start, end - start));
    }
    start = end + 1;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (RbChatRoom) room = NULL;
  g_autoptr (SoupWebsocketConnection) server = NULL, client = NULL;
  g_autoptr (GSocket) server_socket = NULL, client_socket = NULL;
  Client c = { 0, };
  gsize history, off;
  guint frames = 0, timeout;
  gboolean timed_out = FALSE;
  int sv[2];

  if (size < 2)
    return 0;
  history = MIN ((gsize) (data[0] | data[1] << 8), size - 2);
  rb_fuzz_empty_dir (rb_fuzz_tmpdir ());
  if (g_mkdir_with_parents (rb_fuzz_tmpdir (), 0700) < 0)
    abort ();
  {
    g_autofree gchar *dir = g_path_get_dirname (room_path);

    if (g_mkdir_with_parents (dir, 0700) < 0
        || !g_file_set_contents (room_path, (const gchar *) data + 2, history,
            NULL))
      abort ();
  }
  room = rb_chat_room_new ("A", room_path, NULL);
  rb_fuzz_assert (room != NULL, "a room opens whatever its file holds");
  /* the rate limits at their rates, with a burst that lets every frame of
   * one input through: a cut sentinel would leave the harness waiting
   * (cutting is tests/check/launcher/chat.c's) */
  rb_chat_room_set_rate_limits (room, RB_CHAT_USER_RATE, MAX_FRAMES + 1,
      RB_CHAT_NETWORK_RATE, MAX_FRAMES + 1);

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    abort ();
  server_socket = g_socket_new_from_fd (sv[0], NULL);
  client_socket = g_socket_new_from_fd (sv[1], NULL);
  rb_fuzz_assert (server_socket && client_socket, "sockets");
  server = websocket (server_socket, SOUP_WEBSOCKET_CONNECTION_SERVER);
  client = websocket (client_socket, SOUP_WEBSOCKET_CONNECTION_CLIENT);
  g_signal_connect (client, "message", G_CALLBACK (on_client_message), &c);
  g_signal_connect (client, "closed", G_CALLBACK (on_client_closed), &c);
  rb_chat_room_join (room, server, "fuzz\"user\\", "A");

  off = 2 + history;
  while (off + 3 <= size && frames < MAX_FRAMES) {
    guint8 type = data[off];
    gsize len = MIN ((gsize) (data[off + 1] | data[off + 2] << 8),
        size - off - 3);
    const gchar *payload = (const gchar *) data + off + 3;

    send_frame (client_socket, (type & 1) ? 0x2 : 0x1, payload, len);
    off += 3 + len;
    frames++;
  }
  send_frame (client_socket, 0x1, SENTINEL, strlen (SENTINEL));

  timeout = g_timeout_add_seconds (10, on_timeout, &timed_out);
  while (!c.sentinel && !c.closed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  rb_fuzz_assert (c.sentinel || c.closed, "the room answers within 10 s");
  if (!timed_out)
    g_source_remove (timeout);
  check_file ((const gchar *) data + 2, history);

  g_signal_handlers_disconnect_by_data (client, &c);
  if (soup_websocket_connection_get_state (client) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (client, SOUP_WEBSOCKET_CLOSE_NORMAL,
        NULL);
  g_clear_object (&client);
  g_clear_pointer (&room, rb_chat_room_free);
  g_clear_object (&server);
  /* let the closed connections go */
  while (g_main_context_iteration (NULL, FALSE));
  return 0;
}
