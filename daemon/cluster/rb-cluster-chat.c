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

/**
 * SECTION:rb-cluster-chat
 * @title: RbClusterChat
 * @short_description: the chat rooms in the cluster's database
 *
 * With [cluster], a message sent on any node's operator page is stored in
 * `chat_messages` (its network, user, the node, the database's time), and
 * every node shows every message of its networks' rooms. libpq blocks, so
 * a thread of its own, on a connection of its own, does the database
 * part: it inserts the messages posted by the main context (queued, so a
 * database that is down loses none of the last #MAX_PENDING, they are
 * stored once it is back), and reads the new rows whenever the insert of
 * any node notifies `rb_chat` (LISTEN/NOTIFY), or every #POLL_MS at the
 * latest. The rows read reach the main context through a queue it drains
 * every #DRAIN_MS: a message is on every node's page well within a
 * second. Row ids come from a sequence, and two nodes' inserts may commit
 * out of id order: the rows are read again from a margin below the last
 * id seen, and those already delivered are skipped. The table keeps the
 * last #RB_CLUSTER_CHAT_KEEP messages per network.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-cluster-chat.h"
#include "rb-db.h"

#include <string.h>

#define POLL_MS 250
#define DRAIN_MS 100
#define RECONNECT_MS 2000
#define TRIM_INTERVAL_US (60 * G_USEC_PER_SEC)
/* rows committed out of id order within this many ids are not missed */
#define ID_MARGIN 200
#define MAX_PENDING 1000

typedef struct
{
  gchar *network, *user, *time, *text;
  gint64 id;
} ChatRow;

struct _RbClusterChat
{
  gchar *conninfo;
  gchar *password_file;
  gchar *node;
  guint history;
  RbClusterChatFunc func;
  gpointer user_data;

  GThread *thread;
  GMutex lock;
  gboolean quit;                /* under lock */
  GQueue outgoing;              /* of ChatRow *, under lock */
  GQueue incoming;              /* of ChatRow *, under lock */
  guint64 dropped;              /* under lock */
  guint drain_source;           /* main context */
};

static void
chat_row_free (ChatRow * row)
{
  g_free (row->network);
  g_free (row->user);
  g_free (row->time);
  g_free (row->text);
  g_free (row);
}

static gboolean
chat_quitting (RbClusterChat * chat)
{
  gboolean quit;

  g_mutex_lock (&chat->lock);
  quit = chat->quit;
  g_mutex_unlock (&chat->lock);
  return quit;
}

/* Stores the queued messages; FALSE with @error when the database
 * refused (the message stays queued). */
static gboolean
chat_insert_pending (RbClusterChat * chat, RbDb * db, GError ** error)
{
  for (;;) {
    ChatRow *row;
    g_autoptr (PGresult) res = NULL;

    g_mutex_lock (&chat->lock);
    row = g_queue_peek_head (&chat->outgoing);
    g_mutex_unlock (&chat->lock);
    if (row == NULL)
      return TRUE;
    {
      const gchar *params[] = { row->network, chat->node, row->user,
        row->text
      };
      res = rb_db_query (db, "WITH m AS (INSERT INTO chat_messages "
          "(network, node, username, body) VALUES ($1, $2, $3, $4) "
          "RETURNING id) SELECT pg_notify('rb_chat', ''), id FROM m", 4,
          params, error);
    }
    if (res == NULL)
      return FALSE;
    g_mutex_lock (&chat->lock);
    chat_row_free (g_queue_pop_head (&chat->outgoing));
    g_mutex_unlock (&chat->lock);
  }
}

#define ROW_COLUMNS "id, network, username, to_char(sent_at AT TIME ZONE " \
  "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), body"

/* Queues the rows of @res not delivered yet for the main context. */
static void
chat_take_rows (RbClusterChat * chat, PGresult * res, GHashTable * seen,
    gint64 * last_id)
{
  g_mutex_lock (&chat->lock);
  for (gint i = 0; i < PQntuples (res); i++) {
    gint64 id = rb_db_get_int64 (res, i, 0, 0);
    ChatRow *row;

    if (g_hash_table_contains (seen, &id))
      continue;
    row = g_new0 (ChatRow, 1);
    row->id = id;
    row->network = g_strdup (PQgetvalue (res, i, 1));
    row->user = g_strdup (PQgetvalue (res, i, 2));
    row->time = g_strdup (PQgetvalue (res, i, 3));
    row->text = g_strdup (PQgetvalue (res, i, 4));
    g_queue_push_tail (&chat->incoming, row);
    g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
    *last_id = MAX (*last_id, id);
  }
  g_mutex_unlock (&chat->lock);
}

static gboolean
chat_prune_seen (gpointer key, gpointer value, gpointer data)
{
  return *(gint64 *) key < *(gint64 *) data;
}

static gpointer
chat_thread (gpointer data)
{
  RbClusterChat *chat = data;
  g_autoptr (RbDb) db = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash,
      g_int64_equal, g_free, NULL);
  gint64 last_id = -1, next_trim = 0;
  gint64 floor = 0;             /* the last id of the history at start */
  gboolean warned = FALSE;

  while (!chat_quitting (chat)) {
    g_autoptr (GError) err = NULL;
    g_autoptr (PGresult) res = NULL;

    if (db == NULL) {
      db = rb_db_connect (chat->conninfo, chat->password_file, &err);
      if (db != NULL && !rb_db_listen (db, "rb_chat", &err))
        g_clear_pointer (&db, rb_db_free);
    } else if (PQstatus (rb_db_get_conn (db)) != CONNECTION_OK) {
      rb_db_reconnect (db, &err);
    }
    if (err == NULL && last_id < 0) {
      /* the last messages of each network, oldest first */
      g_autofree gchar *n = g_strdup_printf ("%u", chat->history);
      const gchar *params[] = { n };

      res = rb_db_query (db, "SELECT " ROW_COLUMNS " FROM (SELECT *, "
          "row_number () OVER (PARTITION BY network ORDER BY id DESC) r "
          "FROM chat_messages) m WHERE r <= $1::int ORDER BY id", 1, params,
          &err);
      if (res != NULL) {
        last_id = 0;
        chat_take_rows (chat, res, seen, &last_id);
        /* older rows not in the history are not news */
        floor = last_id;
        g_clear_pointer (&res, PQclear);
      }
    }
    if (err == NULL)
      chat_insert_pending (chat, db, &err);
    if (err == NULL) {
      g_autofree gchar *from = g_strdup_printf ("%" G_GINT64_FORMAT,
          MAX (last_id - ID_MARGIN, floor));
      const gchar *params[] = { from };

      res = rb_db_query (db, "SELECT " ROW_COLUMNS " FROM chat_messages "
          "WHERE id > $1::bigint ORDER BY id", 1, params, &err);
      if (res != NULL) {
        gint64 below = last_id - 2 * ID_MARGIN;

        chat_take_rows (chat, res, seen, &last_id);
        g_hash_table_foreach_remove (seen, chat_prune_seen, &below);
      }
    }
    if (err == NULL && g_get_monotonic_time () >= next_trim) {
      g_autofree gchar *keep = g_strdup_printf ("%u", RB_CLUSTER_CHAT_KEEP);
      const gchar *params[] = { keep };
      g_autoptr (PGresult) trimmed = rb_db_query (db,
          "DELETE FROM chat_messages c USING (SELECT id, row_number () OVER "
          "(PARTITION BY network ORDER BY id DESC) r FROM chat_messages) o "
          "WHERE c.id = o.id AND o.r > $1::int", 1, params, &err);

      if (trimmed != NULL)
        next_trim = g_get_monotonic_time () + TRIM_INTERVAL_US;
    }
    if (err != NULL) {
      if (!warned)
        g_warning ("cluster: chat: %s (messages are kept until it is back)",
            err->message);
      warned = TRUE;
      g_usleep (RECONNECT_MS * 1000);
      continue;
    }
    if (warned)
      g_message ("cluster: chat: the database is back");
    warned = FALSE;
    /* woken by any node's insert; a lost connection shows at the next
     * query */
    rb_db_wait_notify (db, POLL_MS, NULL);
  }
  return NULL;
}

/* Main context: the rows read, to the rooms. */
static gboolean
chat_drain (gpointer data)
{
  RbClusterChat *chat = data;
  GQueue rows = G_QUEUE_INIT;

  g_mutex_lock (&chat->lock);
  rows = chat->incoming;
  g_queue_init (&chat->incoming);
  g_mutex_unlock (&chat->lock);
  for (GList * l = rows.head; l != NULL; l = l->next) {
    ChatRow *row = l->data;

    chat->func (row->network, row->user, row->time, row->text, chat->user_data);
  }
  g_queue_clear_full (&rows, (GDestroyNotify) chat_row_free);
  return G_SOURCE_CONTINUE;
}

/**
 * rb_cluster_chat_new:
 * @conninfo: the database's connection string ([cluster] database)
 * @password_file: (nullable): its password file
 * @node: this node's name (stored with its messages)
 * @history: how many of the last messages of each network to deliver at
 *   start
 * @func: called with every message, in the calling thread's main context
 * @user_data: for @func
 *
 * Starts the chat's thread; it connects there (retrying), so this never
 * blocks.
 *
 * Returns: (transfer full): the chat
 */
RbClusterChat *
rb_cluster_chat_new (const gchar * conninfo, const gchar * password_file,
    const gchar * node, guint history, RbClusterChatFunc func,
    gpointer user_data)
{
  RbClusterChat *chat = g_new0 (RbClusterChat, 1);
  GSource *drain;

  chat->conninfo = g_strdup (conninfo);
  chat->password_file = g_strdup (password_file);
  chat->node = g_strdup (node);
  chat->history = history;
  chat->func = func;
  chat->user_data = user_data;
  g_mutex_init (&chat->lock);
  g_queue_init (&chat->outgoing);
  g_queue_init (&chat->incoming);
  drain = g_timeout_source_new (DRAIN_MS);
  g_source_set_callback (drain, chat_drain, chat, NULL);
  chat->drain_source = g_source_attach (drain,
      g_main_context_get_thread_default ());
  g_source_unref (drain);
  chat->thread = g_thread_new ("rb-cluster-chat", chat_thread, chat);
  return chat;
}

/**
 * rb_cluster_chat_post:
 * @chat: a chat
 * @network: the network it was sent on
 * @user: who sent it
 * @text: the message (checked and rate-limited by the room)
 *
 * Queues a message for the database, without blocking: it reaches the
 * rooms (here too) once stored. While the database is down, the last
 * #MAX_PENDING messages wait.
 */
void
rb_cluster_chat_post (RbClusterChat * chat, const gchar * network,
    const gchar * user, const gchar * text)
{
  ChatRow *row = g_new0 (ChatRow, 1);

  row->network = g_strdup (network);
  row->user = g_strdup (user);
  row->text = g_strdup (text);
  g_mutex_lock (&chat->lock);
  g_queue_push_tail (&chat->outgoing, row);
  while (chat->outgoing.length > MAX_PENDING) {
    chat_row_free (g_queue_pop_head (&chat->outgoing));
    if (chat->dropped++ == 0)
      g_warning ("cluster: chat: more than %d messages wait for the "
          "database: the oldest are dropped", MAX_PENDING);
  }
  g_mutex_unlock (&chat->lock);
}

/**
 * rb_cluster_chat_free:
 * @chat: (transfer full) (nullable): a chat
 *
 * Stops its thread (after its current database call); messages not
 * stored yet are lost.
 */
void
rb_cluster_chat_free (RbClusterChat * chat)
{
  GSource *s;

  if (chat == NULL)
    return;
  s = g_main_context_find_source_by_id (g_main_context_get_thread_default
      (), chat->drain_source);
  if (s != NULL)
    g_source_destroy (s);
  g_mutex_lock (&chat->lock);
  chat->quit = TRUE;
  g_mutex_unlock (&chat->lock);
  g_thread_join (chat->thread);
  g_queue_clear_full (&chat->outgoing, (GDestroyNotify) chat_row_free);
  g_queue_clear_full (&chat->incoming, (GDestroyNotify) chat_row_free);
  g_mutex_clear (&chat->lock);
  g_free (chat->conninfo);
  g_free (chat->password_file);
  g_free (chat->node);
  g_free (chat);
}
