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

/* Deletions retried with back-off: see rb-deletions.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-deletions.h"

#include <errno.h>
#include <glib/gstdio.h>

typedef struct {
  gchar *path;
  gchar *who;
  RbDeletedFunc done;
  gpointer user_data;
  guint delay_ms;
  gint64 next_try_us;
  guint attempts;
} Pending;

struct _RbDeletions {
  guint first_ms;
  guint max_ms;
  GMutex lock;
  GHashTable *pending;          /* path → Pending, protected by lock */
  guint64 deferred;             /* protected by lock */
  /* the episode: from a first failure to the moment nothing is pending;
   * protected by lock */
  gchar *first;                 /* its first file, or NULL: none */
  gchar *first_who;
  guint episode_files;
};

static void
pending_free (Pending * p)
{
  g_free (p->path);
  g_free (p->who);
  g_free (p);
}

RbDeletions *
rb_deletions_new (guint first_ms, guint max_ms)
{
  RbDeletions *d = g_new0 (RbDeletions, 1);

  d->first_ms = MAX (first_ms, 1);
  d->max_ms = MAX (max_ms, d->first_ms);
  g_mutex_init (&d->lock);
  d->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) pending_free);
  return d;
}

void
rb_deletions_free (RbDeletions * d)
{
  if (d == NULL)
    return;
  g_hash_table_unref (d->pending);
  g_free (d->first);
  g_free (d->first_who);
  g_mutex_clear (&d->lock);
  g_free (d);
}

/* Nothing is pending: the episode is over. Its end is logged (by the
 * caller, without the lock) with what this fills in. */
static gboolean
end_episode_locked (RbDeletions * d, gchar ** first, gchar ** who,
    guint * files)
{
  if (g_hash_table_size (d->pending) > 0 || d->first == NULL)
    return FALSE;
  *first = g_steal_pointer (&d->first);
  *who = g_steal_pointer (&d->first_who);
  *files = d->episode_files;
  d->episode_files = 0;
  return TRUE;
}

static void
log_episode_end (const gchar * who, guint files, const gchar * first)
{
  g_message ("%s: deleting works again: the %u files that could not be "
      "deleted (the first: %s) are gone", who, files, first);
}

/* 0 when @path is gone, else errno. */
static int
try_unlink (const gchar * path)
{
  if (g_unlink (path) == 0 || errno == ENOENT)
    return 0;
  return errno;
}

gboolean
rb_deletions_unlink (RbDeletions * d, const gchar * who, const gchar * path,
    RbDeletedFunc done, gpointer user_data)
{
  int errsv = try_unlink (path);
  Pending *p;

  if (errsv == 0)
    return TRUE;
  g_mutex_lock (&d->lock);
  if (!g_hash_table_contains (d->pending, path)) {
    p = g_new0 (Pending, 1);
    p->path = g_strdup (path);
    p->who = g_strdup (who);
    p->done = done;
    p->user_data = user_data;
    p->delay_ms = d->first_ms;
    p->next_try_us = g_get_monotonic_time () + (gint64) p->delay_ms * 1000;
    p->attempts = 1;
    g_hash_table_insert (d->pending, p->path, p);
    d->deferred++;
    d->episode_files++;
    if (d->first == NULL) {
      /* the first of an episode: the others are debug lines */
      d->first = g_strdup (path);
      d->first_who = g_strdup (who);
      g_warning ("%s: cannot delete %s: %s; it is tried again in %.0f s, "
          "then less often (up to every %.0f s), and so is any other file "
          "that cannot be deleted until then", who, path, g_strerror (errsv),
          d->first_ms / 1000.0, d->max_ms / 1000.0);
    } else {
      g_debug ("%s: cannot delete %s either: %s; tried again later", who,
          path, g_strerror (errsv));
    }
  }
  g_mutex_unlock (&d->lock);
  errno = errsv;
  return FALSE;
}

guint
rb_deletions_run (RbDeletions * d, gint64 now_us)
{
  GHashTableIter it;
  Pending *p;
  GPtrArray *gone = g_ptr_array_new_with_free_func ((GDestroyNotify)
      pending_free);
  g_autofree gchar *first = NULL, *first_who = NULL;
  guint files = 0;

  g_mutex_lock (&d->lock);
  g_hash_table_iter_init (&it, d->pending);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) & p)) {
    int errsv;

    if (now_us < p->next_try_us)
      continue;
    p->attempts++;
    errsv = try_unlink (p->path);
    if (errsv != 0) {
      p->delay_ms = MIN ((guint64) p->delay_ms * 2, d->max_ms);
      p->next_try_us = now_us + (gint64) p->delay_ms * 1000;
      g_debug ("%s: still cannot delete %s: %s (attempt %u)", p->who,
          p->path, g_strerror (errsv), p->attempts);
      continue;
    }
    g_hash_table_iter_steal (&it);
    g_ptr_array_add (gone, p);
  }
  end_episode_locked (d, &first, &first_who, &files);
  g_mutex_unlock (&d->lock);

  for (guint i = 0; i < gone->len; i++) {
    p = g_ptr_array_index (gone, i);
    g_debug ("%s: deleted %s, which could not be deleted before (attempt "
        "%u)", p->who, p->path, p->attempts);
    if (p->done)
      p->done (p->path, p->user_data);
  }
  if (first != NULL)
    log_episode_end (first_who, files, first);
  {
    guint n = gone->len;

    g_ptr_array_unref (gone);
    return n;
  }
}

guint
rb_deletions_get_pending (RbDeletions * d)
{
  guint n;

  g_mutex_lock (&d->lock);
  n = g_hash_table_size (d->pending);
  g_mutex_unlock (&d->lock);
  return n;
}

guint64
rb_deletions_get_deferred (RbDeletions * d)
{
  guint64 n;

  g_mutex_lock (&d->lock);
  n = d->deferred;
  g_mutex_unlock (&d->lock);
  return n;
}

gboolean
rb_deletions_cancel (RbDeletions * d, const gchar * path)
{
  g_autofree gchar *first = NULL, *who = NULL;
  guint files = 0;
  gboolean had;

  g_mutex_lock (&d->lock);
  had = g_hash_table_remove (d->pending, path);
  if (had)
    g_debug ("no longer deleting %s: it is written again", path);
  end_episode_locked (d, &first, &who, &files);
  g_mutex_unlock (&d->lock);
  if (first != NULL)
    log_episode_end (who, files, first);
  return had;
}

gboolean
rb_deletions_contains (RbDeletions * d, const gchar * path)
{
  gboolean has;

  g_mutex_lock (&d->lock);
  has = g_hash_table_contains (d->pending, path);
  g_mutex_unlock (&d->lock);
  return has;
}
