/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The heartbeats between nodes (rb-cluster-peers.h): the quorum rule, and
 * real UDP heartbeats between instances on loopback. No database. */

#include "rb-cluster-peers.h"

#define WAIT_US (5 * G_USEC_PER_SEC)

static void
test_quorum (void)
{
  /* a majority, with or without the database */
  g_assert_true (rb_cluster_quorum (2, 3, FALSE));
  g_assert_true (rb_cluster_quorum (3, 3, FALSE));
  g_assert_true (rb_cluster_quorum (1, 1, FALSE));
  g_assert_true (rb_cluster_quorum (3, 4, FALSE));
  /* a minority never */
  g_assert_false (rb_cluster_quorum (1, 3, TRUE));
  g_assert_false (rb_cluster_quorum (1, 3, FALSE));
  /* half: only with the database on this side */
  g_assert_true (rb_cluster_quorum (1, 2, TRUE));
  g_assert_false (rb_cluster_quorum (1, 2, FALSE));
  g_assert_true (rb_cluster_quorum (2, 4, TRUE));
  g_assert_false (rb_cluster_quorum (2, 4, FALSE));
  /* nonsense */
  g_assert_false (rb_cluster_quorum (0, 0, TRUE));
  g_assert_false (rb_cluster_quorum (4, 3, TRUE));
}

static void
test_may_keep (void)
{
  RbClusterPeersState st = { 3, 3, 0 };

  /* the database down for all three */
  g_assert_true (rb_cluster_may_keep_without_db (&st));
  st.connected = 2;
  g_assert_true (rb_cluster_may_keep_without_db (&st));
  /* cut off: alone of three, or half of two */
  st.connected = 1;
  g_assert_false (rb_cluster_may_keep_without_db (&st));
  st.members = 2;
  g_assert_false (rb_cluster_may_keep_without_db (&st));
  /* a connected node reaches the database (for long enough) */
  st.members = 3;
  st.connected = 3;
  st.peer_db_ms = RB_CLUSTER_DB_GRACE_MS - 1;
  g_assert_true (rb_cluster_may_keep_without_db (&st));
  st.peer_db_ms = RB_CLUSTER_DB_GRACE_MS;
  g_assert_false (rb_cluster_may_keep_without_db (&st));
}

static RbClusterPeers *
new_peers (const gchar * name)
{
  g_autoptr (GError) err = NULL;
  RbClusterPeers *p = rb_cluster_peers_new (name, "127.0.0.1", 0, &err);

  g_assert_no_error (err);
  g_assert_nonnull (p);
  return p;
}

/* Tells @p the members @names (ports from @all, NULL-terminated pairs). */
static void
set_members (RbClusterPeers * p, RbClusterPeers ** all,
    const gchar ** names, guint n)
{
  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func
      ((GDestroyNotify) rb_cluster_peer_free);

  for (guint i = 0; i < n; i++) {
    RbClusterPeer *m = g_new0 (RbClusterPeer, 1);

    m->name = g_strdup (names[i]);
    m->address = g_strdup ("127.0.0.1");
    m->port = all[i] ? rb_cluster_peers_get_port (all[i]) : 1;
    g_ptr_array_add (members, m);
  }
  rb_cluster_peers_set_members (p, members);
}

static gboolean
wait_state (RbClusterPeers * p, guint connected, gboolean db)
{
  gint64 end = g_get_monotonic_time () + WAIT_US;
  RbClusterPeersState st;

  do {
    rb_cluster_peers_get_state (p, &st);
    if (st.connected == connected && (st.peer_db_ms > 0) == db)
      return TRUE;
    g_usleep (50 * 1000);
  } while (g_get_monotonic_time () < end);
  g_test_message ("state: %u of %u connected, peer db %" G_GINT64_FORMAT
      " ms", st.connected, st.members, st.peer_db_ms);
  return FALSE;
}

static void
test_heartbeats (void)
{
  const gchar *names[] = { "a", "b", "c" };
  RbClusterPeers *p[3];
  RbClusterPeersState st;
  gint64 now;

  for (guint i = 0; i < 3; i++)
    p[i] = new_peers (names[i]);
  for (guint i = 0; i < 3; i++)
    set_members (p[i], p, names, 3);
  for (guint i = 0; i < 3; i++) {
    g_assert_true (wait_state (p[i], 3, FALSE));
    rb_cluster_peers_get_state (p[i], &st);
    g_assert_cmpuint (st.members, ==, 3);
    g_assert_true (rb_cluster_may_keep_without_db (&st));
  }

  /* a reaches the database: b and c learn it, and for how long */
  now = g_get_monotonic_time ();
  rb_cluster_peers_set_db (p[0], now - 3 * G_USEC_PER_SEC, now);
  g_assert_true (wait_state (p[1], 3, TRUE));
  g_assert_true (wait_state (p[2], 3, TRUE));
  rb_cluster_peers_get_state (p[1], &st);
  g_assert_cmpint (st.peer_db_ms, >=, 3000);
  g_assert_false (rb_cluster_may_keep_without_db (&st));
  /* and loses it */
  rb_cluster_peers_set_db (p[0], 0, 0);
  g_assert_true (wait_state (p[1], 3, FALSE));

  /* c dies: a and b, two of three, still have a quorum */
  rb_cluster_peers_free (p[2]);
  p[2] = NULL;
  g_assert_true (wait_state (p[0], 2, FALSE));
  rb_cluster_peers_get_state (p[0], &st);
  g_assert_cmpuint (st.members, ==, 3);
  g_assert_true (rb_cluster_may_keep_without_db (&st));

  /* b sends to a wrong port for a: b still hears a, a no longer hears
   * b; neither counts the other (a link that works one way does not) */
  {
    const gchar *ab[] = { "a", "b" };
    RbClusterPeers *wrong_a[] = { NULL, p[1] };

    set_members (p[1], wrong_a, ab, 2);
  }
  g_assert_true (wait_state (p[0], 1, FALSE));
  g_assert_true (wait_state (p[1], 1, FALSE));
  rb_cluster_peers_get_state (p[1], &st);
  g_assert_false (rb_cluster_may_keep_without_db (&st));

  rb_cluster_peers_free (p[0]);
  rb_cluster_peers_free (p[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/peers/quorum", test_quorum);
  g_test_add_func ("/cluster/peers/may-keep", test_may_keep);
  g_test_add_func ("/cluster/peers/heartbeats", test_heartbeats);
  return g_test_run ();
}
