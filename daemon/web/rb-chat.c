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

/* The operator page's chat rooms (see rb-chat.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-chat.h"
#include "rb-durable.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

/* A member told it is over the rate limit is not told again sooner. */
#define NOTICE_INTERVAL_US (1 * G_USEC_PER_SEC)

typedef struct {
  RbChatRoom *room;
  SoupWebsocketConnection *conn;
  gchar *user;
  gchar *network;
  gint64 notice_us;             /* monotonic time of the last notice */
} RbChatMember;

/* A token bucket: @tokens messages may go now, refilled at the rate up to
 * the burst. */
typedef struct {
  gdouble tokens;
  gint64 last_us;
} RbChatBucket;

struct _RbChatRoom {
  gchar *name;
  gchar *path;
  GQueue history;               /* of gchar * JSON objects, oldest first */
  guint lines_in_file;
  gboolean torn;                /* the file ends without a newline */
  GList *members;               /* of RbChatMember * */
  /* rate limits: "u NETWORK USER" and "n NETWORK" → RbChatBucket * (as
   * many as users in the users files, and networks) */
  GHashTable *buckets;
  gdouble user_rate, network_rate;
  guint user_burst, network_burst;
  guint64 rate_limited;
  RbChatRelayFunc relay;        /* [cluster], or NULL: the file */
  gpointer relay_data;
};

static void
rb_chat_member_free (RbChatMember * m)
{
  g_signal_handlers_disconnect_by_data (m->conn, m);
  g_object_unref (m->conn);
  g_free (m->user);
  g_free (m->network);
  g_free (m);
}

/* Whether @member of @o is a string (or, with @optional, absent). */
static gboolean
rb_chat_member_is_string (JsonObject * o, const gchar * member,
    gboolean optional)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL)
    return optional;
  return JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_STRING;
}

/* A line of the room's file as the message it holds, written anew (one
 * JSON object, nothing else), or NULL when it holds none: user, time and
 * text strings, network a string when there is one. json-glib accepts a
 * line with more after the object ("{...}[]", a line torn and glued by a
 * crash): sent as it is, it would break every member's history
 * (tests/fuzz/regressions/chat/history-line-with-trailing-json). */
static gchar *
rb_chat_line_parse (const gchar * line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *o;

  if (!json_parser_load_from_data (parser, line, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  o = json_node_get_object (root);
  if (!rb_chat_member_is_string (o, "user", FALSE)
      || !rb_chat_member_is_string (o, "time", FALSE)
      || !rb_chat_member_is_string (o, "text", FALSE)
      || !rb_chat_member_is_string (o, "network", TRUE))
    return NULL;
  return json_to_string (root, FALSE);
}

static void
rb_chat_room_keep (RbChatRoom * room, gchar * line)
{
  g_queue_push_tail (&room->history, line);
  while (room->history.length > RB_CHAT_HISTORY)
    g_free (g_queue_pop_head (&room->history));
}

RbChatRoom *
rb_chat_room_new (const gchar * name, const gchar * path, GError ** error)
{
  g_autoptr (RbChatRoom) room = g_new0 (RbChatRoom, 1);
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *data = NULL;
  gsize length;
  GError *err = NULL;
  guint skipped = 0;

  room->name = g_strdup (name);
  room->path = g_strdup (path);
  g_queue_init (&room->history);
  room->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  rb_chat_room_set_rate_limits (room, RB_CHAT_USER_RATE, RB_CHAT_USER_BURST,
      RB_CHAT_NETWORK_RATE, RB_CHAT_NETWORK_BURST);
  if (g_mkdir_with_parents (dir, 0750) < 0) {
    rb_durable_set_error (error, "create", dir, errno);
    return NULL;
  }
  if (!g_file_get_contents (path, &data, &length, &err)) {
    if (!g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_propagate_error (error, err);
      return NULL;
    }
    g_clear_error (&err);
  } else {
    const gchar *p = data, *end = data + length;

    /* a crash in the middle of an append: the next line starts on a line
     * of its own, not glued to the torn one; a line holding NUL bytes (a
     * file system may leave them after a crash) is skipped, not the rest
     * of the file with it (tests/fuzz: corpus/chat/torn-history,
     * regressions/chat/nul-bytes-then-message) */
    room->torn = length > 0 && data[length - 1] != '\n';
    while (p < end) {
      const gchar *nl = memchr (p, '\n', end - p);
      gsize len = (nl ? nl : end) - p;

      if (len > 0) {
        g_autofree gchar *line = g_strndup (p, len);
        gchar *message = strlen (line) == len ? rb_chat_line_parse (line) :
            NULL;

        room->lines_in_file++;
        if (message != NULL)
          rb_chat_room_keep (room, message);
        else
          skipped++;
      }
      p += len + 1;
    }
    if (skipped > 0)
      g_message ("chat %s: %u unreadable lines of %s skipped (torn by a "
          "crash?)", name, skipped, path);
  }
  return g_steal_pointer (&room);
}

void
rb_chat_room_free (RbChatRoom * room)
{
  if (room == NULL)
    return;
  g_list_free_full (room->members, (GDestroyNotify) rb_chat_member_free);
  g_queue_clear_full (&room->history, g_free);
  g_clear_pointer (&room->buckets, g_hash_table_unref);
  g_free (room->name);
  g_free (room->path);
  g_free (room);
}

guint
rb_chat_room_get_members (RbChatRoom * room)
{
  return g_list_length (room->members);
}

void
rb_chat_room_set_rate_limits (RbChatRoom * room, gdouble user_rate,
    guint user_burst, gdouble network_rate, guint network_burst)
{
  room->user_rate = user_rate;
  room->user_burst = MAX (user_burst, 1);
  room->network_rate = network_rate;
  room->network_burst = MAX (network_burst, 1);
  g_hash_table_remove_all (room->buckets);
}

guint64
rb_chat_room_get_rate_limited (RbChatRoom * room)
{
  return room->rate_limited;
}

/* The bucket @key, refilled to @now; a new one is full. */
static RbChatBucket *
rb_chat_room_bucket (RbChatRoom * room, gchar * key, gdouble rate,
    guint burst, gint64 now)
{
  RbChatBucket *b = g_hash_table_lookup (room->buckets, key);

  if (b == NULL) {
    b = g_new0 (RbChatBucket, 1);
    b->tokens = burst;
    g_hash_table_insert (room->buckets, key, b);
  } else {
    b->tokens = MIN ((gdouble) burst, b->tokens + rate * (now - b->last_us)
        / G_USEC_PER_SEC);
    g_free (key);
  }
  b->last_us = now;
  return b;
}

/* Whether @m may send a message now: a token of its user's bucket and one
 * of its network's, both taken when both have one. Else the reason. */
static const gchar *
rb_chat_room_admit (RbChatRoom * room, RbChatMember * m)
{
  gint64 now = g_get_monotonic_time ();
  RbChatBucket *user = rb_chat_room_bucket (room, g_strdup_printf ("u %s %s",
          m->network, m->user), room->user_rate, room->user_burst, now);
  RbChatBucket *net = rb_chat_room_bucket (room, g_strdup_printf ("n %s",
          m->network), room->network_rate, room->network_burst, now);

  if (user->tokens < 1)
    return "you are sending messages too fast";
  if (net->tokens < 1)
    return "too many messages on your network just now";
  user->tokens -= 1;
  net->tokens -= 1;
  return NULL;
}

/* Appends @line and a newline to the file, fsync'ed; a new file's
 * directory entry is made durable too. */
static gboolean
rb_chat_room_append (RbChatRoom * room, const gchar * line, GError ** error)
{
  g_autofree gchar *text = g_strconcat (room->torn ? "\n" : "", line, "\n",
      NULL);
  gsize len = strlen (text), off = 0;
  gboolean created = !g_file_test (room->path, G_FILE_TEST_EXISTS);
  int fd = open (room->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
      0640);

  if (fd < 0) {
    rb_durable_set_error (error, "open", room->path, errno);
    return FALSE;
  }
  while (off < len) {
    ssize_t n = write (fd, text + off, len - off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      rb_durable_set_error (error, "write", room->path, errno);
      close (fd);
      return FALSE;
    }
    off += n;
  }
  if (fsync (fd) < 0) {
    rb_durable_set_error (error, "fsync", room->path, errno);
    close (fd);
    return FALSE;
  }
  close (fd);
  room->lines_in_file++;
  room->torn = FALSE;
  return !created || rb_durable_fsync_parent (room->path, error);
}

/* The file down to the history, replaced atomically. */
static gboolean
rb_chat_room_compact (RbChatRoom * room, GError ** error)
{
  GString *s = g_string_new (NULL);
  gboolean ok;

  for (GList * l = room->history.head; l != NULL; l = l->next)
    g_string_append_printf (s, "%s\n", (const gchar *) l->data);
  ok = rb_durable_write (room->path, NULL, s->str, s->len, error);
  if (ok) {
    room->lines_in_file = room->history.length;
    room->torn = FALSE;
  }
  g_string_free (s, TRUE);
  return ok;
}

static gchar *
rb_chat_now_iso (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *base = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base,
      g_date_time_get_microsecond (now) / 1000);
}

static gchar *
rb_chat_message_build (const gchar * user, const gchar * network,
    const gchar * time, const gchar * text)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "user");
  json_builder_add_string_value (b, user);
  json_builder_set_member_name (b, "network");
  json_builder_add_string_value (b, network);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static gchar *
rb_chat_message_new (const gchar * user, const gchar * network,
    const gchar * text)
{
  g_autofree gchar *time = rb_chat_now_iso ();

  return rb_chat_message_build (user, network, time, text);
}

/* {"type":"notice","text":...}: to the sender of a message not sent */
static gchar *
rb_chat_notice_new (const gchar * why)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = g_strdup_printf ("message not sent: %s", why);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "notice");
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static void
rb_chat_member_send (RbChatMember * m, const gchar * frame)
{
  if (soup_websocket_connection_get_state (m->conn) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (m->conn, frame);
}

static void
rb_chat_on_message (SoupWebsocketConnection * conn, gint type,
    GBytes * message, RbChatMember * m)
{
  RbChatRoom *room = m->room;
  gsize len;
  const gchar *data = g_bytes_get_data (message, &len);
  g_autofree gchar *text = NULL, *line = NULL, *frame = NULL;
  const gchar *why;
  GError *err = NULL;

  /* frames read with one that closed the connection are not messages
   * (and closing twice is a critical: tests/fuzz/regressions/chat/
   * nul-frames-close-twice) */
  if (soup_websocket_connection_get_state (conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (type != SOUP_WEBSOCKET_DATA_TEXT || len == 0)
    return;
  if (len > RB_CHAT_MAX_TEXT || !g_utf8_validate (data, len, NULL)) {
    soup_websocket_connection_close (conn,
        SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, len > RB_CHAT_MAX_TEXT ?
        "message too long" : "not text");
    return;
  }
  text = g_strstrip (g_strndup (data, len));
  if (*text == '\0')
    return;
  if ((why = rb_chat_room_admit (room, m)) != NULL) {
    gint64 now = g_get_monotonic_time ();

    room->rate_limited++;
    if (m->notice_us == 0 || now - m->notice_us >= NOTICE_INTERVAL_US) {
      m->notice_us = now;
      frame = rb_chat_notice_new (why);
      rb_chat_member_send (m, frame);
    }
    return;
  }
  if (room->relay != NULL) {
    room->relay (room, m->network, m->user, text, room->relay_data);
    return;
  }
  line = rb_chat_message_new (m->user, m->network, text);
  if (!rb_chat_room_append (room, line, &err)) {
    g_warning ("chat %s: message from %s not saved: %s", room->name,
        m->user, err->message);
    g_clear_error (&err);
  }
  rb_chat_room_keep (room, g_strdup (line));
  if (room->lines_in_file >= 2 * RB_CHAT_HISTORY
      && !rb_chat_room_compact (room, &err)) {
    g_warning ("chat %s: %s", room->name, err->message);
    g_clear_error (&err);
  }
  frame = g_strdup_printf ("{\"type\":\"message\",\"message\":%s}", line);
  for (GList * l = room->members; l != NULL; l = l->next)
    rb_chat_member_send (l->data, frame);
}

static void
rb_chat_on_closed (SoupWebsocketConnection * conn, RbChatMember * m)
{
  RbChatRoom *room = m->room;

  room->members = g_list_remove (room->members, m);
  rb_chat_member_free (m);
}

void
rb_chat_room_join (RbChatRoom * room, SoupWebsocketConnection * conn,
    const gchar * user, const gchar * network)
{
  RbChatMember *m = g_new0 (RbChatMember, 1);
  GString *frame = g_string_new ("{\"type\":\"history\",\"messages\":[");

  m->room = room;
  m->conn = g_object_ref (conn);
  m->user = g_strdup (user);
  m->network = g_strdup (network);
  room->members = g_list_prepend (room->members, m);
  g_signal_connect (conn, "message", G_CALLBACK (rb_chat_on_message), m);
  g_signal_connect (conn, "closed", G_CALLBACK (rb_chat_on_closed), m);
  /* browsers close idle connections less often when pinged */
  soup_websocket_connection_set_keepalive_interval (conn, 30);
  for (GList * l = room->history.head; l != NULL; l = l->next)
    g_string_append_printf (frame, "%s%s", l->prev ? "," : "",
        (const gchar *) l->data);
  g_string_append (frame, "]}");
  rb_chat_member_send (m, frame->str);
  g_string_free (frame, TRUE);
}

void
rb_chat_room_set_relay (RbChatRoom * room, RbChatRelayFunc relay, gpointer data)
{
  room->relay = relay;
  room->relay_data = data;
  g_queue_clear_full (&room->history, g_free);
}

void
rb_chat_room_deliver (RbChatRoom * room, const gchar * network,
    const gchar * user, const gchar * time, const gchar * text)
{
  gchar *line = rb_chat_message_build (user, network, time, text);
  g_autofree gchar *frame = g_strdup_printf ("{\"type\":\"message\","
      "\"message\":%s}", line);

  rb_chat_room_keep (room, line);
  for (GList * l = room->members; l != NULL; l = l->next)
    rb_chat_member_send (l->data, frame);
}
