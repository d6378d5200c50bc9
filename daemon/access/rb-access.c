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

/* The access decisions of one listener and its refusal log (see
 * rb-access.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-access.h"
#include "rb-config.h"

struct _RbAccess {
  gchar *label;
  gchar *what;
  GPtrArray *allow;             /* of GInetAddressMask *, NULL: everyone */
  gint64 (*now) (gpointer);
  gpointer now_data;

  GMutex lock;
  guint64 refused;              /* protected by lock */
  guint64 auth_failures;        /* protected by lock */
  GHashTable *logged;           /* key → second of its last log (gint), lock */
  gint64 pruned_s;              /* last prune of logged, protected by lock */
};

static gint64
rb_access_default_now (gpointer data)
{
  return g_get_monotonic_time ();
}

/**
 * rb_access_new:
 * @label: names the listener in log lines ("network A")
 * @what: what it refuses, in log lines ("connections", "HTTP requests")
 * @allow: (nullable): the allow list (of #GInetAddressMask), %NULL for
 *   everyone; a reference is taken
 *
 * Returns: (transfer full): the listener's access decisions
 */
RbAccess *
rb_access_new (const gchar * label, const gchar * what, GPtrArray * allow)
{
  RbAccess *access = g_new0 (RbAccess, 1);

  access->label = g_strdup (label);
  access->what = g_strdup (what);
  access->allow = allow ? g_ptr_array_ref (allow) : NULL;
  access->now = rb_access_default_now;
  g_mutex_init (&access->lock);
  access->logged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  return access;
}

void
rb_access_free (RbAccess * access)
{
  if (access == NULL)
    return;
  g_hash_table_unref (access->logged);
  g_mutex_clear (&access->lock);
  g_clear_pointer (&access->allow, g_ptr_array_unref);
  g_free (access->label);
  g_free (access->what);
  g_free (access);
}

/* Forgets the logs older than the interval. Called with the lock held. */
static void
rb_access_prune_locked (RbAccess * access, gint64 now_s)
{
  GHashTableIter iter;
  gpointer value;

  access->pruned_s = now_s;
  g_hash_table_iter_init (&iter, access->logged);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now_s - GPOINTER_TO_INT (value) >= RB_ACCESS_LOG_INTERVAL_S)
      g_hash_table_iter_remove (&iter);
}

/* Whether a line about @key is due now: none was logged within the
 * interval, and @key is remembered (the table has room). Called with the
 * lock held. */
static gboolean
rb_access_log_due_locked (RbAccess * access, const gchar * key)
{
  gint64 now_s = access->now (access->now_data) / G_USEC_PER_SEC;
  gpointer last;

  /* the table holds the last interval or two, not all that ever came */
  if (now_s - access->pruned_s >= RB_ACCESS_LOG_INTERVAL_S)
    rb_access_prune_locked (access, now_s);
  if (g_hash_table_lookup_extended (access->logged, key, NULL, &last)) {
    if (now_s - GPOINTER_TO_INT (last) < RB_ACCESS_LOG_INTERVAL_S)
      return FALSE;
  } else if (g_hash_table_size (access->logged) >= RB_ACCESS_LOG_MAX) {
    /* a prune within the same second would find nothing more to drop */
    if (access->pruned_s != now_s)
      rb_access_prune_locked (access, now_s);
    if (g_hash_table_size (access->logged) >= RB_ACCESS_LOG_MAX)
      return FALSE;
  }
  g_hash_table_insert (access->logged, g_strdup (key),
      GINT_TO_POINTER ((gint) now_s));
  return TRUE;
}

gboolean
rb_access_refuse (RbAccess * access, const gchar * address,
    const gchar * why)
{
  gboolean log;

  if (address == NULL)
    address = "unknown";
  g_mutex_lock (&access->lock);
  access->refused++;
  log = rb_access_log_due_locked (access, address);
  g_mutex_unlock (&access->lock);
  if (log)
    g_warning ("%s: refusing %s from %s: %s", access->label, access->what,
        address, why);
  return log;
}

gboolean
rb_access_admit (RbAccess * access, const gchar * address)
{
  if (rb_network_allow_matches (access->allow, address))
    return TRUE;
  rb_access_refuse (access, address, "not in the network's allow list");
  return FALSE;
}

gboolean
rb_access_refuse_credentials (RbAccess * access, const gchar * address,
    const gchar * user)
{
  g_autofree gchar *key = NULL;
  gboolean log;

  if (address == NULL)
    address = "unknown";
  /* apart from the address's other refusals, in the same table */
  key = g_strconcat ("auth ", address, NULL);
  g_mutex_lock (&access->lock);
  access->auth_failures++;
  log = rb_access_log_due_locked (access, key);
  g_mutex_unlock (&access->lock);
  if (log)
    g_message ("%s: wrong credentials from %s (user '%s')", access->label,
        address, user ? user : "");
  return log;
}

void
rb_access_get_counts (RbAccess * access, guint64 * refused,
    guint64 * auth_failures)
{
  g_mutex_lock (&access->lock);
  if (refused)
    *refused = access->refused;
  if (auth_failures)
    *auth_failures = access->auth_failures;
  g_mutex_unlock (&access->lock);
}

void
rb_access_set_clock (RbAccess * access, gint64 (*now) (gpointer),
    gpointer data)
{
  access->now = now ? now : rb_access_default_now;
  access->now_data = data;
}

guint
rb_access_get_n_remembered (RbAccess * access)
{
  guint n;

  g_mutex_lock (&access->lock);
  n = g_hash_table_size (access->logged);
  g_mutex_unlock (&access->lock);
  return n;
}
