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

/* The disk budget and retention of state-dir: see rb-retention.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-retention.h"
#include "rb-deletions.h"
#include "rb-sidecar.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/statvfs.h>

/* A full re-scan corrects the index from what is really on disk. */
#define RESCAN_INTERVAL_US (600 * G_USEC_PER_SEC)

typedef enum {
  KIND_RAW,
  KIND_ANONYMIZED,
} Kind;

typedef struct {
  gchar *path;
  gint64 time_us;               /* when it was recorded, wall clock */
  guint64 size;
  Kind kind;
  gboolean deleting;            /* could not be deleted: in RbDeletions */
  GSequenceIter *iter;
} Entry;

struct _RbRetention {
  gchar *state_dir;
  gchar *dirs[2];               /* raw/, anonymized/, by Kind */
  RbSegmentQueue *journal;      /* not owned */
  RbDeletions *deletions;       /* not owned, or NULL */
  guint64 max_usage;            /* bytes, 0 = none */
  gdouble max_usage_percent;    /* of the file system, 0 = none */
  guint64 min_free;             /* bytes, 0 = none */
  gdouble min_free_percent;
  guint64 retention_us[2];      /* by Kind, 0 = none */

  GMutex lock;
  GHashTable *entries;          /* path → Entry, protected by lock */
  GSequence *by_age;            /* of Entry, oldest first, protected by lock */
  guint64 bytes[2];             /* by Kind, protected by lock */
  guint64 evicted;              /* protected by lock */
  gint64 last_scan_us;          /* protected by lock */
  guint64 headroom;             /* bytes: the last raw segment added,
                                 * protected by lock */
  const RbRetentionCatalog *catalog;    /* or NULL: the scan */
  gpointer catalog_data;
};

static void
entry_free (Entry * e)
{
  g_free (e->path);
  g_free (e);
}

static gint
compare_entries (gconstpointer a, gconstpointer b, gpointer unused)
{
  const Entry *x = a, *y = b;

  if (x->time_us != y->time_us)
    return x->time_us < y->time_us ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind == KIND_RAW ? -1 : 1;        /* raw goes first */
  return strcmp (x->path, y->path);
}

/* "cam-20261124T103106.920206Z-1.mkv" → that time; else the mtime. */
static gint64
segment_time (const gchar * path, const GStatBuf * st)
{
  gint64 us;

  if (rb_journal_segment_time (path, &us))
    return us;
  return (gint64) st->st_mtime * G_USEC_PER_SEC;
}

static Entry *
add_locked (RbRetention * r, const gchar * path)
{
  GStatBuf st;
  Entry *e;
  Kind kind;

  if (g_str_has_prefix (path, r->dirs[KIND_RAW]))
    kind = KIND_RAW;
  else if (g_str_has_prefix (path, r->dirs[KIND_ANONYMIZED]))
    kind = KIND_ANONYMIZED;
  else
    return NULL;
  if (!g_str_has_suffix (path, ".mkv") && !g_str_has_suffix (path, ".ts"))
    return NULL;
  if (g_stat (path, &st) < 0 || !S_ISREG (st.st_mode))
    return NULL;
  e = g_hash_table_lookup (r->entries, path);
  if (e != NULL) {
    r->bytes[e->kind] -= e->size;
    e->size = st.st_size;
    r->bytes[e->kind] += e->size;
    return e;
  }
  e = g_new0 (Entry, 1);
  e->path = g_strdup (path);
  e->kind = kind;
  e->size = st.st_size;
  e->time_us = segment_time (path, &st);
  e->iter = g_sequence_insert_sorted (r->by_age, e, compare_entries, NULL);
  g_hash_table_insert (r->entries, e->path, e);
  r->bytes[kind] += e->size;
  return e;
}

static void
remove_locked (RbRetention * r, const gchar * path)
{
  Entry *e = g_hash_table_lookup (r->entries, path);

  if (e == NULL)
    return;
  r->bytes[e->kind] -= e->size;
  g_sequence_remove (e->iter);
  g_hash_table_remove (r->entries, path);
}

static void
clear_locked (RbRetention * r)
{
  g_hash_table_remove_all (r->entries);
  g_sequence_remove_range (g_sequence_get_begin_iter (r->by_age),
      g_sequence_get_end_iter (r->by_age));
  r->bytes[KIND_RAW] = r->bytes[KIND_ANONYMIZED] = 0;
}

/* An RbRetentionAddFunc: a segment of the catalog, not stat()ed. */
static void
add_listed (gpointer data, const gchar * path, gint64 time_us, guint64 size,
    gboolean raw)
{
  RbRetention *r = data;
  Kind kind = raw ? KIND_RAW : KIND_ANONYMIZED;
  Entry *e;

  if (g_hash_table_contains (r->entries, path))
    return;
  e = g_new0 (Entry, 1);
  e->path = g_strdup (path);
  e->kind = kind;
  e->size = size;
  e->time_us = time_us;
  e->iter = g_sequence_insert_sorted (r->by_age, e, compare_entries, NULL);
  g_hash_table_insert (r->entries, e->path, e);
  r->bytes[kind] += e->size;
}

/* The index from the catalog; FALSE when it cannot be read. */
static gboolean
list_locked (RbRetention * r)
{
  clear_locked (r);
  r->last_scan_us = g_get_monotonic_time ();
  return r->catalog->list (r->catalog_data, add_listed, r);
}

static void
scan_locked (RbRetention * r)
{
  clear_locked (r);
  for (guint k = 0; k < 2; k++) {
    GDir *top = g_dir_open (r->dirs[k], 0, NULL);
    const gchar *camera;

    while (top != NULL && (camera = g_dir_read_name (top)) != NULL) {
      g_autofree gchar *sub = g_build_filename (r->dirs[k], camera, NULL);
      GDir *d = g_dir_open (sub, 0, NULL);
      const gchar *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
        g_autofree gchar *path = g_build_filename (sub, name, NULL);

        add_locked (r, path);
      }
      if (d != NULL)
        g_dir_close (d);
    }
    if (top != NULL)
      g_dir_close (top);
  }
  r->last_scan_us = g_get_monotonic_time ();
}

RbRetention *
rb_retention_new (const RbConfig * config, RbSegmentQueue * journal)
{
  RbRetention *r = g_new0 (RbRetention, 1);

  r->state_dir = g_strdup (rb_config_media_dir (config));
  /* with a trailing separator: prefixes of paths below them */
  r->dirs[KIND_RAW] = g_build_filename (rb_config_media_dir (config), "raw",
      "/", NULL);
  r->dirs[KIND_ANONYMIZED] = g_build_filename (rb_config_media_dir (config),
      "anonymized", "/", NULL);
  r->journal = journal;
  r->max_usage = config->max_disk_usage_bytes;
  r->max_usage_percent = config->max_disk_usage_percent;
  r->min_free = config->min_free_space_bytes;
  r->min_free_percent = config->min_free_space_percent;
  r->retention_us[KIND_RAW] = config->retention_raw_s * G_USEC_PER_SEC;
  r->retention_us[KIND_ANONYMIZED] =
      config->retention_anonymized_s * G_USEC_PER_SEC;
  g_mutex_init (&r->lock);
  r->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) entry_free);
  r->by_age = g_sequence_new (NULL);
  g_mutex_lock (&r->lock);
  scan_locked (r);
  g_mutex_unlock (&r->lock);
  return r;
}

void
rb_retention_free (RbRetention * r)
{
  if (r == NULL)
    return;
  g_sequence_free (r->by_age);
  g_hash_table_unref (r->entries);
  g_mutex_clear (&r->lock);
  g_free (r->dirs[0]);
  g_free (r->dirs[1]);
  g_free (r->state_dir);
  g_free (r);
}

void
rb_retention_set_catalog (RbRetention * r,
    const RbRetentionCatalog * catalog, gpointer data)
{
  g_mutex_lock (&r->lock);
  r->catalog = catalog;
  r->catalog_data = data;
  clear_locked (r);
  g_mutex_unlock (&r->lock);
}

void
rb_retention_set_deletions (RbRetention * r, RbDeletions * deletions)
{
  r->deletions = deletions;
}

void
rb_retention_add (RbRetention * r, const gchar * path)
{
  Entry *e;

  g_mutex_lock (&r->lock);
  e = add_locked (r, path);
  /* the next segment is being recorded meanwhile: room is kept for it */
  if (e != NULL && e->kind == KIND_RAW)
    r->headroom = e->size;
  g_mutex_unlock (&r->lock);
}

void
rb_retention_remove (RbRetention * r, const gchar * path)
{
  g_mutex_lock (&r->lock);
  remove_locked (r, path);
  g_mutex_unlock (&r->lock);
}

guint64
rb_fs_free_bytes (const gchar * path, guint64 * total)
{
  struct statvfs st;

  if (statvfs (path, &st) < 0) {
    if (total)
      *total = 0;
    return G_MAXUINT64;
  }
  if (total)
    *total = (guint64) st.f_blocks * st.f_frsize;
  return (guint64) st.f_bavail * st.f_frsize;
}

/* The budget in bytes now (the percentage is of the file system). */
static guint64
budget_bytes (RbRetention * r, guint64 total)
{
  guint64 b = r->max_usage;

  if (r->max_usage_percent > 0 && total > 0) {
    guint64 p = (guint64) (total * r->max_usage_percent / 100.0);

    b = b ? MIN (b, p) : p;
  }
  return b;
}

static guint64
min_free_bytes (RbRetention * r, guint64 total)
{
  guint64 m = r->min_free;

  if (r->min_free_percent > 0 && total > 0)
    m = MAX (m, (guint64) (total * r->min_free_percent / 100.0));
  return m;
}

/* An evicted segment that could not be deleted at once is gone now
 * (RbDeletions' thread, no lock held). */
static void
evicted_later (const gchar * path, gpointer data)
{
  RbRetention *r = data;

  g_mutex_lock (&r->lock);
  if (g_hash_table_contains (r->entries, path)) {
    remove_locked (r, path);
    r->evicted++;
  }
  g_mutex_unlock (&r->lock);
}

/* Deletes @path; FALSE (errno set) when it cannot be deleted now. With
 * RbDeletions it is then retried with back-off, logged once, and @done is
 * called once it is gone; without, the failure is logged now. */
static gboolean
unlink_locked (RbRetention * r, const gchar * path, RbDeletedFunc done)
{
  if (r->deletions != NULL)
    return rb_deletions_unlink (r->deletions, "retention", path, done, r);
  if (g_unlink (path) == 0 || errno == ENOENT)
    return TRUE;
  g_warning ("retention: cannot delete %s: %s", path, g_strerror (errno));
  return FALSE;
}

/* Deletes @e (the lock is held); FALSE when it must stay (claimed), or
 * cannot be deleted now (retried by RbDeletions: skipped from now on). */
static gboolean
evict_locked (RbRetention * r, Entry * e, const gchar * why)
{
  g_autofree gchar *path = g_strdup (e->path);
  RbJournalItemState state = RB_JOURNAL_ITEM_PENDING;
  GError *err = NULL;

  if (e->deleting)
    return FALSE;

  if (e->kind == KIND_RAW && r->journal != NULL) {
    g_autoptr (RbJournalItem) item = rb_segment_queue_lookup (r->journal,
        path, &state, &err);

    if (err != NULL) {
      g_debug ("retention: cannot look %s up in the queue: %s", path,
          err->message);
      g_clear_error (&err);
    }

    /* not queued: being recorded (or a leftover the workers queue at
     * start); claimed: a worker has it. The next one goes. */
    if (item == NULL || state == RB_JOURNAL_ITEM_CLAIMED)
      return FALSE;
    /* a raw segment kept after anonymization stays "done" */
    if (state != RB_JOURNAL_ITEM_DONE && state != RB_JOURNAL_ITEM_EVICTED
        && !rb_segment_queue_evict (r->journal, path, why, &state, &err)) {
      g_warning ("retention: cannot evict %s from the queue: %s", path,
          err->message);
      g_clear_error (&err);
      return FALSE;
    }
  }
  if (e->kind == KIND_RAW) {
    /* its detections sidecar goes with it */
    g_autofree gchar *sidecar = rb_sidecar_path (path);

    unlink_locked (r, sidecar, NULL);
  }
  if (!unlink_locked (r, path, evicted_later)) {
    e->deleting = r->deletions != NULL;
    /* it goes: RbDeletions retries it */
    if (e->deleting && r->catalog != NULL && r->catalog->evicted != NULL)
      r->catalog->evicted (r->catalog_data, path, e->kind == KIND_RAW);
    return FALSE;
  }
  g_message ("retention: evicted %s segment %s (%s)",
      e->kind == KIND_RAW ? "raw" : "anonymized", path, why);
  if (r->catalog != NULL && r->catalog->evicted != NULL)
    r->catalog->evicted (r->catalog_data, path, e->kind == KIND_RAW);
  remove_locked (r, path);
  r->evicted++;
  return TRUE;
}

guint
rb_retention_run (RbRetention * r)
{
  gint64 now = g_get_real_time ();
  guint64 total = 0, free_bytes, budget, min_free;
  GSequenceIter *it, *next;
  guint n = 0;

  g_mutex_lock (&r->lock);
  if (r->catalog != NULL) {
    /* one process of those sharing the storage, from the catalog */
    if (!r->catalog->may_run (r->catalog_data) || !list_locked (r)) {
      g_mutex_unlock (&r->lock);
      return 0;
    }
  } else if (g_get_monotonic_time () - r->last_scan_us > RESCAN_INTERVAL_US) {
    scan_locked (r);
  }

  /* age: each kind has its own retention */
  for (it = g_sequence_get_begin_iter (r->by_age);
      !g_sequence_iter_is_end (it); it = next) {
    Entry *e = g_sequence_get (it);
    guint64 keep = r->retention_us[e->kind];

    next = g_sequence_iter_next (it);
    if (keep > 0 && now - e->time_us > (gint64) keep) {
      g_autofree gchar *why = g_strdup_printf ("older than retention-%s",
          e->kind == KIND_RAW ? "raw" : "anonymized");

      if (evict_locked (r, e, why))
        n++;
    }
  }

  /* space: the oldest segments go until the budget and the free space
   * hold */
  free_bytes = rb_fs_free_bytes (r->state_dir, &total);
  budget = budget_bytes (r, total);
  min_free = min_free_bytes (r, total);
  for (it = g_sequence_get_begin_iter (r->by_age);
      !g_sequence_iter_is_end (it); it = next) {
    Entry *e = g_sequence_get (it);
    guint64 used = r->bytes[KIND_RAW] + r->bytes[KIND_ANONYMIZED];
    gboolean over = budget > 0 && used + r->headroom > budget;
    gboolean tight = min_free > 0 && free_bytes != G_MAXUINT64
        && free_bytes < min_free;
    guint64 size = e->size;

    next = g_sequence_iter_next (it);
    if (!over && !tight)
      break;
    if (evict_locked (r, e, over ? "max-disk-usage" : "min-free-space")) {
      n++;
      if (free_bytes != G_MAXUINT64)
        free_bytes += size;
    }
  }
  g_mutex_unlock (&r->lock);
  return n;
}

void
rb_retention_get_usage (RbRetention * r, RbDiskUsage * u)
{
  memset (u, 0, sizeof *u);
  u->free_bytes = rb_fs_free_bytes (r->state_dir, &u->total_bytes);
  g_mutex_lock (&r->lock);
  u->raw_bytes = r->bytes[KIND_RAW];
  u->anonymized_bytes = r->bytes[KIND_ANONYMIZED];
  for (GSequenceIter * it = g_sequence_get_begin_iter (r->by_age);
      !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it)) {
    Entry *e = g_sequence_get (it);

    if (e->kind == KIND_RAW)
      u->raw_segments++;
    else
      u->anonymized_segments++;
  }
  u->evicted = r->evicted;
  u->budget_bytes = budget_bytes (r, u->total_bytes);
  g_mutex_unlock (&r->lock);
}
