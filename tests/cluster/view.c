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

/* Tests of daemon/cluster/rb-cluster-view: the owner's URLs (IPv4, IPv6,
 * TLS, wildcard addresses), the cached view, a node's addresses published
 * once it is registered, and the refresh (only live nodes' live leases,
 * with their addresses). Run under with-postgres. */

#include <glib.h>

#include "rb-cluster-view.h"
#include "rb-test-pg.h"

static void
test_url (void)
{
  g_autoptr (RbNodeAddress) v4 = rb_node_address_new ("B", "10.0.1.5", 8554,
      8080, FALSE);
  g_autoptr (RbNodeAddress) v6 = rb_node_address_new ("B", "fd00::5", 8554,
      8443, TRUE);
  g_autoptr (RbNodeAddress) any4 = rb_node_address_new ("B", "0.0.0.0",
      8554, 8080, FALSE);
  g_autoptr (RbNodeAddress) any6 = rb_node_address_new ("B", "::", 8554,
      8080, FALSE);
  g_autoptr (RbNodeAddress) no_http = rb_node_address_new ("B", "10.0.1.5",
      8554, 0, FALSE);
  g_autofree gchar *a = rb_cluster_url (v4, FALSE, "/lobby");
  g_autofree gchar *b = rb_cluster_url (v4, TRUE, "/hls/lobby/index.m3u8");
  g_autofree gchar *c = rb_cluster_url (v6, FALSE, "/lobby/stream=0?x=1");
  g_autofree gchar *d = rb_cluster_url (v6, TRUE, "/");

  g_assert_cmpstr (a, ==, "rtsp://10.0.1.5:8554/lobby");
  g_assert_cmpstr (b, ==, "http://10.0.1.5:8080/hls/lobby/index.m3u8");
  g_assert_cmpstr (c, ==, "rtsps://[fd00::5]:8554/lobby/stream=0?x=1");
  g_assert_cmpstr (d, ==, "https://[fd00::5]:8443/");
  /* not reachable from another machine: no redirect there */
  g_assert_null (rb_cluster_url (any4, FALSE, "/lobby"));
  g_assert_null (rb_cluster_url (any6, TRUE, "/lobby"));
  g_assert_null (rb_cluster_url (no_http, TRUE, "/hls/lobby/index.m3u8"));
}

static GHashTable *
owners_new (const gchar * camera, const gchar * node)
{
  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);

  g_hash_table_insert (t, g_strdup (camera), g_strdup (node));
  return t;
}

static void
test_lookup (void)
{
  g_autoptr (RbClusterView) view = rb_cluster_view_new ("n1");
  GHashTable *addresses = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *n2 = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_node_address_free);
  g_autofree gchar *node = NULL;
  g_autoptr (RbNodeAddress) a = NULL;

  g_assert_cmpint (rb_cluster_view_get_age_us (view), ==, -1);
  g_assert_false (rb_cluster_view_lookup (view, "lobby", "B", &node, &a));
  g_assert_null (node);

  g_ptr_array_add (n2, rb_node_address_new ("B", "10.0.1.6", 9554, 0, FALSE));
  g_hash_table_insert (addresses, g_strdup ("n2"), n2);
  rb_cluster_view_replace (view, owners_new ("lobby", "n2"), addresses);
  g_assert_cmpint (rb_cluster_view_get_age_us (view), >=, 0);

  g_assert_true (rb_cluster_view_lookup (view, "lobby", "B", &node, &a));
  g_assert_cmpstr (node, ==, "n2");
  g_assert_nonnull (a);
  g_assert_cmpstr (a->address, ==, "10.0.1.6");
  g_assert_cmpuint (a->rtsp_port, ==, 9554);
  g_clear_pointer (&node, g_free);
  g_clear_pointer (&a, rb_node_address_free);
  /* the owner serves no network A: known owner, no address */
  g_assert_true (rb_cluster_view_lookup (view, "lobby", "A", &node, &a));
  g_assert_cmpstr (node, ==, "n2");
  g_assert_null (a);
  g_clear_pointer (&node, g_free);
  g_assert_false (rb_cluster_view_lookup (view, "gate", "B", &node, &a));

  /* a refresh replaces it all */
  rb_cluster_view_replace (view, owners_new ("gate", "n3"),
      g_hash_table_new (g_str_hash, g_str_equal));
  g_assert_false (rb_cluster_view_lookup (view, "lobby", "B", NULL, NULL));
  g_assert_true (rb_cluster_view_lookup (view, "gate", "B", NULL, &a));
  g_assert_null (a);
}

static GPtrArray *
addresses_of (const gchar * a_address, guint a_port, const gchar * b_address,
    guint b_port)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_node_address_free);

  g_ptr_array_add (list, rb_node_address_new ("A", a_address, a_port, 8080,
          FALSE));
  if (b_address)
    g_ptr_array_add (list, rb_node_address_new ("B", b_address, b_port, 0,
            TRUE));
  return list;
}

static void
test_database (void)
{
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbClusterView) n1 = rb_cluster_view_new ("n1");
  g_autoptr (RbClusterView) n2 = rb_cluster_view_new ("n2");
  g_autoptr (GPtrArray) a1 = addresses_of ("10.0.0.1", 8554, "10.0.1.1", 9554);
  g_autoptr (GPtrArray) a2 = addresses_of ("10.0.0.2", 8554, "10.0.1.2", 9554);
  g_autoptr (GPtrArray) a1_only = addresses_of ("10.0.0.9", 7554, NULL, 0);
  g_autoptr (GError) err = NULL;
  g_autoptr (RbNodeAddress) a = NULL;
  g_autofree gchar *node = NULL;

  /* not registered yet (no row in nodes): nothing written, no error */
  g_assert_false (rb_cluster_view_publish (n1, db, a1, &err));
  g_assert_no_error (err);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM "
          "node_addresses"), ==, 0);

  rb_test_pg_exec (db, "INSERT INTO nodes (name, capacity, alive_until) "
      "VALUES ('n1', 4, now() + interval '1 hour'), "
      "('n2', 4, now() + interval '1 hour'), "
      "('dead', 4, now() - interval '1 second')");
  g_assert_true (rb_cluster_view_publish (n1, db, a1, &err));
  g_assert_no_error (err);
  g_assert_true (rb_cluster_view_publish (n2, db, a2, &err));
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM node_addresses "
          "WHERE node = 'n1' AND network = 'B' AND address = '10.0.1.1' "
          "AND rtsp_port = 9554 AND http_port IS NULL AND tls"), ==, 1);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM node_addresses "
          "WHERE node = 'n2' AND network = 'A' AND http_port = 8080 "
          "AND NOT tls"), ==, 1);

  rb_test_pg_exec (db, "INSERT INTO camera_leases (camera, node, epoch, "
      "expires_at) VALUES ('lobby', 'n2', 1, now() + interval '1 hour'), "
      "('gate', 'n1', 1, now() + interval '1 hour'), "
      "('yard', 'n2', 1, now() - interval '1 second'), "
      "('door', 'dead', 1, now() + interval '1 hour')");
  rb_test_pg_exec (db, "INSERT INTO camera_leases (camera) VALUES ('free')");
  g_assert_true (rb_cluster_view_refresh (n1, db, &err));
  g_assert_no_error (err);

  g_assert_true (rb_cluster_view_lookup (n1, "lobby", "B", &node, &a));
  g_assert_cmpstr (node, ==, "n2");
  g_assert_cmpstr (a->address, ==, "10.0.1.2");
  g_assert_true (a->tls);
  g_clear_pointer (&node, g_free);
  g_clear_pointer (&a, rb_node_address_free);
  g_assert_true (rb_cluster_view_lookup (n1, "gate", "A", &node, NULL));
  g_assert_cmpstr (node, ==, "n1");
  /* an expired lease, a dead node's lease, a free camera: nobody */
  g_assert_false (rb_cluster_view_lookup (n1, "yard", "B", NULL, NULL));
  g_assert_false (rb_cluster_view_lookup (n1, "door", "B", NULL, NULL));
  g_assert_false (rb_cluster_view_lookup (n1, "free", "B", NULL, NULL));

  /* published again with one network less: B's row goes */
  g_assert_true (rb_cluster_view_publish (n1, db, a1_only, &err));
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM node_addresses "
          "WHERE node = 'n1'"), ==, 1);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT rtsp_port FROM "
          "node_addresses WHERE node = 'n1' AND network = 'A'"), ==, 7554);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/view/url", test_url);
  g_test_add_func ("/cluster/view/lookup", test_lookup);
  g_test_add_func ("/cluster/view/database", test_database);
  return g_test_run ();
}
