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

/* Tests of daemon/cluster/rb-cluster-chat: the last messages of each
 * network delivered at start in order, a message posted on one node
 * delivered on both (stored with its node, the database's time), the
 * table trimmed to RB_CLUSTER_CHAT_KEEP per network, and a message posted
 * while the server is down stored and delivered once it is back. Run
 * under with-postgres. */

#include <glib.h>

#include "rb-cluster-chat.h"
#include "rb-test-pg.h"

/* "network user text" of each message delivered */
static void
on_message (const gchar * network, const gchar * user, const gchar * time,
    const gchar * text, gpointer data)
{
  GPtrArray *got = data;

  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:"
          "\\d\\d\\.\\d{3}Z$", time, 0, 0));
  g_ptr_array_add (got, g_strdup_printf ("%s %s %s", network, user, text));
}

static gboolean
has (GPtrArray * got, const gchar * line)
{
  for (guint i = 0; i < got->len; i++)
    if (g_str_equal (g_ptr_array_index (got, i), line))
      return TRUE;
  return FALSE;
}

/* Runs the main context until @got has @line, for @timeout_s at most. */
static gboolean
wait_for (GPtrArray * got, const gchar * line, guint timeout_s)
{
  gint64 end = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (!has (got, line) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  return has (got, line);
}

static void
test_rooms (void)
{
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (GPtrArray) got1 = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) got2 = g_ptr_array_new_with_free_func (g_free);
  RbClusterChat *n1, *n2;

  rb_test_pg_exec (db, "INSERT INTO chat_messages (network, username, body) "
      "VALUES ('B', 'u', 'b1'), ('A', 'u', 'a1'), ('B', 'u', 'b2'), "
      "('B', 'u', 'b3')");
  /* more than kept: trimmed at start */
  rb_test_pg_exec (db, "INSERT INTO chat_messages (network, username, body) "
      "SELECT 'C', 'u', 'c' || i FROM generate_series (1, 2100) i");

  n1 = rb_cluster_chat_new (conninfo, NULL, "n1", 2, on_message, got1);
  n2 = rb_cluster_chat_new (conninfo, NULL, "n2", 2, on_message, got2);
  g_assert_true (wait_for (got1, "C u c2100", 10));
  g_assert_true (wait_for (got2, "C u c2100", 10));
  /* the last two of each network, in the database's order */
  g_assert_cmpuint (got1->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (got1, 0), ==, "A u a1");
  g_assert_cmpstr (g_ptr_array_index (got1, 1), ==, "B u b2");
  g_assert_cmpstr (g_ptr_array_index (got1, 2), ==, "B u b3");
  g_assert_cmpstr (g_ptr_array_index (got1, 3), ==, "C u c2099");

  rb_cluster_chat_post (n1, "B", "alice", "hello");
  g_assert_true (wait_for (got2, "B alice hello", 5));
  g_assert_true (wait_for (got1, "B alice hello", 5));
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM chat_messages "
          "WHERE node = 'n1' AND username = 'alice' AND body = 'hello' "
          "AND network = 'B'"), ==, 1);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM chat_messages "
          "WHERE network = 'C'"), ==, RB_CLUSTER_CHAT_KEEP);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM chat_messages "
          "WHERE body = 'c100'"), ==, 0);
  /* delivered once */
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (600 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    continue;
  {
    guint n = 0;

    for (guint i = 0; i < got2->len; i++)
      n += g_str_equal (g_ptr_array_index (got2, i), "B alice hello");
    g_assert_cmpuint (n, ==, 1);
  }

  /* the server down: the message waits, and is not lost */
  rb_test_pg_stop_server ();
  rb_cluster_chat_post (n2, "A", "bob", "while down");
  g_usleep (1500 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    continue;
  g_assert_false (has (got1, "A bob while down"));
  rb_test_pg_start_server ();
  g_assert_true (wait_for (got1, "A bob while down", 20));
  g_assert_true (wait_for (got2, "A bob while down", 5));

  rb_cluster_chat_free (n1);
  rb_cluster_chat_free (n2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the chat warns while the server is down (from its thread): expected
   * here; criticals stay fatal */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/cluster/chat/rooms", test_rooms);
  return g_test_run ();
}
