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

/* Tests of daemon/cluster/rb-camera-leases: cameras shared by capacity and
 * load, a silent node's cameras taken over after the TTL (and never
 * before), the epoch, release, and the self-fencing rule with and without
 * a database. Run under with-postgres. */

#include <glib.h>
#include <string.h>

#include "rb-camera-leases.h"
#include "rb-test-pg.h"

#define TTL_MS 1500
#define MARGIN_MS 400

static const gchar *six[] = { "cam1", "cam2", "cam3", "cam4", "cam5",
  "cam6", NULL
};

static const gchar *none[] = { NULL };

static RbCameraLeases *
new_node (const gchar * conninfo, const gchar * name, guint capacity,
    guint ttl_ms, guint margin_ms)
{
  return rb_camera_leases_new (rb_test_pg_connect (conninfo), name,
      capacity, ttl_ms, margin_ms);
}

/* Acquires from @cameras; returns how many were taken. */
static guint
acquire (RbCameraLeases * l, const gchar * const *cameras)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) got = NULL;

  g_assert_true (rb_camera_leases_acquire (l, cameras, &got, &err));
  g_assert_no_error (err);
  return got->len;
}

static guint
renew_lost (RbCameraLeases * l)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) lost = NULL;

  g_assert_true (rb_camera_leases_renew (l, &lost, &err));
  g_assert_no_error (err);
  return lost->len;
}

static guint
n_held (RbCameraLeases * l)
{
  g_autoptr (GPtrArray) held = rb_camera_leases_get_held (l);

  return held->len;
}

/* node of @camera in the table ("" when free), and its epoch */
static gchar *
owner_of (RbDb * db, const gchar * camera, gint64 * epoch)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) rows = rb_camera_leases_list (db, &err);

  g_assert_no_error (err);
  for (guint i = 0; i < rows->len; i++) {
    RbCameraLease *l = g_ptr_array_index (rows, i);

    if (g_str_equal (l->camera, camera)) {
      if (epoch)
        *epoch = l->epoch;
      return g_strdup (l->node ? l->node : "");
    }
  }
  g_assert_not_reached ();
  return NULL;
}

static void
test_is_safe (void)
{
  const gint64 t = 1000 * G_USEC_PER_SEC;

  /* safe from the sending of the renewal for TTL − margin */
  g_assert_true (rb_camera_lease_is_safe (t, 5000, 1500, t));
  g_assert_true (rb_camera_lease_is_safe (t, 5000, 1500, t + 3499999));
  g_assert_false (rb_camera_lease_is_safe (t, 5000, 1500, t + 3500000));
  g_assert_false (rb_camera_lease_is_safe (t, 5000, 1500, t + 5000000));
  g_assert_false (rb_camera_lease_is_safe (t, 5000, 1500, G_MAXINT64 / 2));
  /* a time before the renewal is not trusted */
  g_assert_false (rb_camera_lease_is_safe (t, 5000, 1500, t - 1));
  /* no margin left: never safe */
  g_assert_false (rb_camera_lease_is_safe (t, 5000, 5000, t));
  g_assert_false (rb_camera_lease_is_safe (t, 5000, 6000, t));
  g_assert_true (rb_camera_lease_is_safe (0, 1, 0, 999));
  g_assert_false (rb_camera_lease_is_safe (0, 1, 0, 1000));
  g_assert_true (rb_camera_lease_is_safe (0, G_MAXUINT, 0,
          (gint64) G_MAXUINT * 1000 - 1));
}

static void
test_capacity (void)
{
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbCameraLeases) a = new_node (conninfo, "node-a", 3, TTL_MS,
      MARGIN_MS);
  g_autoptr (RbCameraLeases) b = new_node (conninfo, "node-b", 3, TTL_MS,
      MARGIN_MS);
  gint64 now = g_get_monotonic_time ();
  guint on_a = 0, on_b = 0;

  g_assert_cmpuint (acquire (a, six), ==, 3);
  g_assert_cmpuint (acquire (b, six), ==, 3);
  /* full: nothing more for anyone */
  g_assert_cmpuint (acquire (a, six), ==, 0);
  g_assert_cmpuint (acquire (b, six), ==, 0);
  g_assert_cmpuint (n_held (a), ==, 3);
  g_assert_cmpuint (n_held (b), ==, 3);

  now = g_get_monotonic_time ();
  for (guint i = 0; six[i]; i++) {
    gint64 epoch = 0, local_epoch = 0;
    g_autofree gchar *owner = owner_of (db, six[i], &epoch);
    gboolean ha = rb_camera_leases_holds (a, six[i], now, &local_epoch);
    gboolean hb = rb_camera_leases_holds (b, six[i], now, NULL);

    /* each camera on exactly one node, which knows it */
    g_assert_true (ha != hb);
    g_assert_cmpstr (owner, ==, ha ? "node-a" : "node-b");
    g_assert_cmpint (epoch, ==, 1);
    if (ha)
      g_assert_cmpint (local_epoch, ==, 1);
    on_a += ha;
    on_b += hb;
  }
  g_assert_cmpuint (on_a, ==, 3);
  g_assert_cmpuint (on_b, ==, 3);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM nodes"), ==, 2);
}

static void
test_spread_by_load (void)
{
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbCameraLeases) a = new_node (conninfo, "node-a", 10, 10000, 1000);
  g_autoptr (RbCameraLeases) b = new_node (conninfo, "node-b", 10, 10000, 1000);
  g_autoptr (RbCameraLeases) c = new_node (conninfo, "node-c", 10, 10000, 1000);
  g_autoptr (RbCameraLeases) d = new_node (conninfo, "node-d", 10, 10000, 1000);

  /* all four live; node-d is draining: it takes nothing */
  g_assert_cmpuint (acquire (a, none), ==, 0);
  g_assert_cmpuint (acquire (b, none), ==, 0);
  g_assert_cmpuint (acquire (c, none), ==, 0);
  g_assert_cmpuint (acquire (d, none), ==, 0);
  rb_test_pg_exec (db, "UPDATE nodes SET draining = true "
      "WHERE name = 'node-d'");
  g_assert_cmpuint (acquire (d, six), ==, 0);

  /* each live node takes its share, whoever comes first: 2/2/2 */
  g_assert_cmpuint (acquire (b, six), ==, 2);
  g_assert_cmpuint (acquire (a, six), ==, 2);
  g_assert_cmpuint (acquire (c, six), ==, 2);
  g_assert_cmpuint (acquire (a, six), ==, 0);
  g_assert_cmpuint (acquire (d, six), ==, 0);

  /* node-c leaves cleanly: its two go one to node-a, one to node-b */
  {
    g_autoptr (GError) err = NULL;
    g_assert_true (rb_camera_leases_release (c, NULL, &err));
    g_assert_no_error (err);
  }
  rb_test_pg_exec (db, "UPDATE nodes SET alive_until = now() "
      "WHERE name = 'node-c'");
  g_assert_cmpuint (acquire (a, six), ==, 1);
  g_assert_cmpuint (acquire (b, six), ==, 1);
  g_assert_cmpuint (n_held (a), ==, 3);
  g_assert_cmpuint (n_held (b), ==, 3);
  g_assert_cmpuint (n_held (c), ==, 0);

  /* capacities weigh: with node-a at capacity 1, node-b takes the rest */
  rb_test_pg_exec (db, "UPDATE camera_leases SET node = NULL, "
      "expires_at = NULL");
  {
    g_autoptr (RbCameraLeases) small = new_node (conninfo, "node-a", 1,
        10000, 1000);
    g_assert_cmpuint (acquire (small, six), ==, 1);
    g_assert_cmpuint (acquire (b, six), ==, 5);
  }
}

static gchar *
lighter (RbCameraLeases * l)
{
  g_autoptr (GError) err = NULL;
  gchar *to = NULL;

  g_assert_true (rb_camera_leases_find_lighter (l, &to, &err));
  g_assert_no_error (err);
  return to;
}

/* rebalancing: a node looks for one that would still be lighter after
 * taking one of its cameras (so a move never calls for the move back) */
static void
test_find_lighter (void)
{
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbCameraLeases) a = new_node (conninfo, "node-a", 6, 10000, 1000);
  g_autoptr (RbCameraLeases) b = new_node (conninfo, "node-b", 6, 10000, 1000);
  g_autoptr (RbCameraLeases) c = new_node (conninfo, "node-c", 6, 10000, 1000);
  g_autoptr (GError) err = NULL;
  gchar *to;

  /* node-a alone runs all six */
  g_assert_cmpuint (acquire (a, six), ==, 6);
  g_assert_null (lighter (a));
  /* node-b comes: 6 against 0 */
  g_assert_cmpuint (acquire (b, none), ==, 0);
  to = lighter (a);
  g_assert_cmpstr (to, ==, "node-b");
  g_free (to);
  g_assert_null (lighter (b));
  /* a camera handed over: node-b takes it; 5 against 1, then 4 against 2:
   * still one more to move; 3 against 3: none */
  g_assert_true (rb_camera_leases_release (a, "cam6", &err));
  g_assert_cmpuint (acquire (b, six), ==, 1);
  to = lighter (a);
  g_assert_cmpstr (to, ==, "node-b");
  g_free (to);
  g_assert_true (rb_camera_leases_release (a, "cam5", &err));
  g_assert_cmpuint (acquire (b, six), ==, 1);
  to = lighter (a);
  g_assert_cmpstr (to, ==, "node-b");
  g_free (to);
  g_assert_true (rb_camera_leases_release (a, "cam4", &err));
  g_assert_cmpuint (acquire (b, six), ==, 1);
  g_assert_null (lighter (a));
  g_assert_null (lighter (b));
  /* 3/3/0 with node-c: both see node-c; a draining node-c is none's */
  g_assert_cmpuint (acquire (c, none), ==, 0);
  to = lighter (b);
  g_assert_cmpstr (to, ==, "node-c");
  g_free (to);
  rb_test_pg_exec (db, "UPDATE nodes SET draining = true "
      "WHERE name = 'node-c'");
  g_assert_null (lighter (a));
  /* nor a node at its capacity: node-c with capacity 0 */
  rb_test_pg_exec (db, "UPDATE nodes SET draining = false, capacity = 0 "
      "WHERE name = 'node-c'");
  g_assert_null (lighter (a));
  /* capacities weigh (node-a out): node-c with capacity 12 and 3
   * cameras is lighter than node-b with capacity 6 and 3 (4/12 < 3/6),
   * not the reverse */
  rb_test_pg_exec (db, "UPDATE nodes SET capacity = 12 "
      "WHERE name = 'node-c'");
  rb_test_pg_exec (db, "UPDATE nodes SET draining = true "
      "WHERE name = 'node-a'");
  rb_test_pg_exec (db, "UPDATE camera_leases SET node = 'node-c' "
      "WHERE camera IN ('cam1', 'cam2', 'cam3')");
  to = lighter (b);
  g_assert_cmpstr (to, ==, "node-c");
  g_free (to);
  g_assert_null (lighter (c));
}

static void
test_failover (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbCameraLeases) a = new_node (conninfo, "node-a", 6, TTL_MS,
      MARGIN_MS);
  g_autoptr (RbCameraLeases) b = new_node (conninfo, "node-b", 6, TTL_MS,
      MARGIN_MS);
  g_autoptr (GPtrArray) a_cams = NULL, lost = NULL;
  gint64 a_renew_start, a_renew_end, deadline, taken_end = 0;
  guint on_b = 0;

  g_assert_cmpuint (acquire (a, none), ==, 0);
  g_assert_cmpuint (acquire (b, none), ==, 0);
  g_assert_cmpuint (acquire (a, six), ==, 3);
  g_assert_cmpuint (acquire (b, six), ==, 3);
  on_b = 3;
  a_cams = rb_camera_leases_get_held (a);

  /* node-a's last renewal; then it falls silent */
  a_renew_start = g_get_monotonic_time ();
  g_assert_cmpuint (renew_lost (a), ==, 0);
  a_renew_end = g_get_monotonic_time ();

  /* node-b keeps renewing and acquiring, as the daemon does */
  deadline = a_renew_end + (TTL_MS + 5000) * 1000;
  while (on_b < 6 && g_get_monotonic_time () < deadline) {
    gint64 start = g_get_monotonic_time (), end;
    guint got;

    g_assert_cmpuint (renew_lost (b), ==, 0);
    got = acquire (b, six);
    end = g_get_monotonic_time ();
    if (got > 0) {
      /* never before node-a's lease expired: it was renewed after
       * a_renew_start, on the server, for TTL_MS */
      g_assert_cmpint (end, >=, a_renew_start + TTL_MS * 1000);
      /* node-a had stopped using them by then: self-fenced */
      for (guint i = 0; i < a_cams->len; i++)
        g_assert_false (rb_camera_leases_holds (a,
                g_ptr_array_index (a_cams, i), end, NULL));
      taken_end = end;
    }
    on_b += got;
    g_usleep (100 * 1000);
    (void) start;
  }
  g_assert_cmpuint (on_b, ==, 6);
  g_assert_cmpuint (n_held (b), ==, 6);
  g_assert_cmpint (taken_end - a_renew_end, <, (TTL_MS + 5000) * 1000);

  /* each moved camera changed hands once more: epoch 2; the others 1 */
  for (guint i = 0; six[i]; i++) {
    gint64 epoch = 0;
    g_autofree gchar *owner = owner_of (db, six[i], &epoch);
    gboolean moved = g_ptr_array_find_with_equal_func (a_cams, six[i],
        g_str_equal, NULL);

    g_assert_cmpstr (owner, ==, "node-b");
    g_assert_cmpint (epoch, ==, moved ? 2 : 1);
  }

  /* node-a comes back: its renewal reports all three lost */
  g_assert_true (rb_camera_leases_renew (a, &lost, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (lost->len, ==, 3);
  g_assert_cmpuint (n_held (a), ==, 0);
  g_assert_cmpuint (acquire (a, six), ==, 0);
}

static void
test_release_and_epoch (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbCameraLeases) a = new_node (conninfo, "node-a", 1, TTL_MS,
      MARGIN_MS);
  g_autoptr (RbCameraLeases) b = new_node (conninfo, "node-b", 1, TTL_MS,
      MARGIN_MS);
  const gchar *one[] = { "cam1", NULL };
  gint64 epoch = 0, released;
  g_autofree gchar *owner = NULL;

  g_assert_cmpuint (acquire (b, none), ==, 0);
  g_assert_cmpuint (acquire (a, one), ==, 1);
  g_assert_cmpuint (acquire (b, one), ==, 0);
  /* renewing does not change the epoch */
  g_assert_cmpuint (renew_lost (a), ==, 0);
  g_assert_cmpuint (renew_lost (a), ==, 0);
  g_free (owner_of (db, "cam1", &epoch));
  g_assert_cmpint (epoch, ==, 1);

  /* hand-off: node-a drains and releases; it stops at once, and node-b
   * takes the camera without waiting for the TTL */
  rb_test_pg_exec (db, "UPDATE nodes SET draining = true "
      "WHERE name = 'node-a'");
  g_assert_true (rb_camera_leases_release (a, "cam1", &err));
  g_assert_no_error (err);
  g_assert_false (rb_camera_leases_holds (a, "cam1",
          g_get_monotonic_time (), NULL));
  g_assert_cmpuint (acquire (a, one), ==, 0);
  g_assert_cmpuint (acquire (b, one), ==, 1);
  owner = owner_of (db, "cam1", &epoch);
  g_assert_cmpstr (owner, ==, "node-b");
  g_assert_cmpint (epoch, ==, 2);
  g_clear_pointer (&owner, g_free);

  /* back to node-a: 3 (its share: equal load, first by name) */
  rb_test_pg_exec (db, "UPDATE nodes SET draining = false");
  g_assert_true (rb_camera_leases_release (b, NULL, &err));
  g_assert_cmpuint (renew_lost (b), ==, 0);
  g_assert_cmpuint (acquire (b, one), ==, 0);
  g_assert_cmpuint (acquire (a, one), ==, 1);
  owner = owner_of (db, "cam1", &epoch);
  g_assert_cmpstr (owner, ==, "node-a");
  g_assert_cmpint (epoch, ==, 3);
  g_clear_pointer (&owner, g_free);
  g_assert_cmpuint (n_held (b), ==, 0);

  /* released by node-a, which then never takes it back: node-b defers to
   * node-a's share for a TTL, then takes it */
  g_assert_true (rb_camera_leases_release (a, "cam1", &err));
  released = g_get_monotonic_time ();
  g_assert_cmpuint (acquire (b, one), ==, 0);
  while (g_get_monotonic_time () < released + (TTL_MS + 5000) * 1000) {
    g_assert_cmpuint (renew_lost (a), ==, 0);
    if (acquire (b, one) == 1)
      break;
    g_usleep (100 * 1000);
  }
  g_assert_cmpint (g_get_monotonic_time () - released, >=, TTL_MS * 1000);
  owner = owner_of (db, "cam1", &epoch);
  g_assert_cmpstr (owner, ==, "node-b");
  g_assert_cmpint (epoch, ==, 4);
  g_clear_pointer (&owner, g_free);

  /* node-a leaves (releases all, as at SIGTERM): it is no longer alive,
   * so node-b takes the camera at once, where it deferred to node-a's
   * share (first by name) above */
  g_assert_true (rb_camera_leases_release (b, "cam1", &err));
  g_assert_cmpuint (acquire (a, one), ==, 1);
  g_assert_true (rb_camera_leases_release (a, NULL, &err));
  g_assert_cmpuint (acquire (b, one), ==, 1);
  owner = owner_of (db, "cam1", &epoch);
  g_assert_cmpstr (owner, ==, "node-b");
  g_assert_cmpint (epoch, ==, 6);
}

/* The database stops: renewals fail, and the node stops using its lease
 * TTL − margin after the last renewal it sent, on its own clock. When the
 * database is back and nobody took the lease, it is renewed (same epoch). */
static void
test_database_down (void)
{
  const guint ttl = 4000, margin = 1000;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbCameraLeases) a = new_node (conninfo, "node-a", 1, ttl, margin);
  const gchar *one[] = { "cam1", NULL };
  gint64 t0, t1, epoch = 0;
  guint failures = 0;

  g_assert_cmpuint (acquire (a, one), ==, 1);
  g_clear_pointer (&db, rb_db_free);
  t0 = g_get_monotonic_time ();
  g_assert_cmpuint (renew_lost (a), ==, 0);
  t1 = g_get_monotonic_time ();
  /* safe right after the renewal, not after TTL − margin from its sending
   * (at the latest t1) */
  g_assert_true (rb_camera_leases_holds (a, "cam1", t1, &epoch));
  g_assert_cmpint (epoch, ==, 1);
  g_assert_false (rb_camera_leases_holds (a, "cam1",
          t1 + (ttl - margin) * 1000, NULL));
  g_assert_true (rb_camera_leases_holds (a, "cam1",
          t0 + (ttl - margin) * 1000 - 1, NULL));

  rb_test_pg_stop_server ();
  /* renewals fail; the lease turns unsafe on time all the same */
  while (g_get_monotonic_time () < t1 + (ttl - margin) * 1000) {
    g_assert_false (rb_camera_leases_renew (a, NULL, &err));
    g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_CONNECT);
    g_clear_error (&err);
    failures++;
    g_usleep (200 * 1000);
  }
  g_assert_cmpuint (failures, >, 0);
  g_assert_false (rb_camera_leases_holds (a, "cam1",
          g_get_monotonic_time (), NULL));
  /* still acquired (not lost to anyone), only unsafe */
  g_assert_cmpuint (n_held (a), ==, 1);

  rb_test_pg_start_server ();
  g_assert_true (rb_db_reconnect (rb_camera_leases_get_db (a), &err));
  g_assert_no_error (err);
  /* expired meanwhile, but nobody took it: renewed, usable again */
  g_assert_cmpuint (renew_lost (a), ==, 0);
  g_assert_true (rb_camera_leases_holds (a, "cam1", g_get_monotonic_time (),
          &epoch));
  g_assert_cmpint (epoch, ==, 1);
}

/* After an outage: a node that may not take expired leases (its view of
 * the cluster is not settled) leaves another node's expired lease alone,
 * so that its owner, which kept the camera, renews it with the same
 * epoch; a drained node takes none and learns it is draining. */
static void
test_no_take_expired_and_drain (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbCameraLeases) a = new_node (conninfo, "node-a", 6, TTL_MS,
      MARGIN_MS);
  g_autoptr (RbCameraLeases) b = new_node (conninfo, "node-b", 6, TTL_MS,
      MARGIN_MS);
  g_autoptr (GPtrArray) lost = NULL;
  gboolean alive = FALSE;
  gint64 epoch = 0;
  const gchar *one[] = { "cam1", NULL };

  g_assert_cmpuint (acquire (a, none), ==, 0);
  g_assert_cmpuint (acquire (b, none), ==, 0);
  g_assert_cmpuint (acquire (a, one), ==, 1);
  g_assert_true (rb_camera_leases_is_held (a, "cam1", &epoch));
  g_assert_cmpint (epoch, ==, 1);

  /* node-a's lease expires (the database "down" for it) */
  g_usleep ((TTL_MS + 300) * 1000);
  g_assert_false (rb_camera_leases_holds (a, "cam1", g_get_monotonic_time (),
          NULL));
  g_assert_true (rb_camera_leases_is_held (a, "cam1", NULL));

  /* node-b may not take it yet, even once it is stale */
  rb_camera_leases_set_take_expired (b, FALSE);
  g_assert_cmpuint (acquire (b, one), ==, 0);
  g_usleep ((TTL_MS + 300) * 1000);
  g_assert_cmpuint (acquire (b, one), ==, 0);
  g_free (owner_of (db, "cam1", &epoch));
  g_assert_cmpint (epoch, ==, 1);

  /* node-a renews its expired lease: kept, the same epoch */
  g_assert_true (rb_camera_leases_renew (a, &lost, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (lost->len, ==, 0);
  g_assert_true (rb_camera_leases_holds (a, "cam1", g_get_monotonic_time (),
          &epoch));
  g_assert_cmpint (epoch, ==, 1);

  /* with take-expired (the default) node-b takes it once expired */
  rb_camera_leases_set_take_expired (b, TRUE);
  g_usleep ((TTL_MS + 300) * 1000);
  g_assert_cmpuint (acquire (b, one), ==, 1);
  {
    g_autofree gchar *owner = owner_of (db, "cam1", &epoch);

    g_assert_cmpstr (owner, ==, "node-b");
    g_assert_cmpint (epoch, ==, 2);
  }

  /* drain node-b: it learns it at its next acquire and takes nothing */
  g_assert_true (rb_camera_leases_set_draining (db, "node-b", TRUE, &alive,
          &err));
  g_assert_no_error (err);
  g_assert_true (alive);
  g_assert_false (rb_camera_leases_is_draining (b));
  g_assert_true (rb_camera_leases_release (b, "cam1", &err));
  g_assert_cmpuint (acquire (b, one), ==, 0);
  g_assert_true (rb_camera_leases_is_draining (b));
  g_assert_true (rb_camera_leases_set_draining (db, "node-b", FALSE, NULL,
          &err));
  g_assert_cmpuint (acquire (b, one), ==, 1);
  g_assert_false (rb_camera_leases_is_draining (b));
  /* an unknown node */
  g_assert_false (rb_camera_leases_set_draining (db, "node-z", TRUE, NULL,
          &err));
  g_assert_error (err, RB_DB_ERROR, RB_DB_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/leases/is-safe", test_is_safe);
  g_test_add_func ("/cluster/leases/capacity", test_capacity);
  g_test_add_func ("/cluster/leases/spread-by-load", test_spread_by_load);
  g_test_add_func ("/cluster/leases/failover", test_failover);
  g_test_add_func ("/cluster/leases/find-lighter", test_find_lighter);
  g_test_add_func ("/cluster/leases/release-and-epoch", test_release_and_epoch);
  g_test_add_func ("/cluster/leases/database-down", test_database_down);
  g_test_add_func ("/cluster/leases/no-take-expired-and-drain",
      test_no_take_expired_and_drain);
  return g_test_run ();
}
