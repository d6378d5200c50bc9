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
 * SECTION:rb-journal
 * @title: RbJournal
 * @short_description: durable, crash-safe, multi-process queue of segments
 *
 * The journal is a maildir-like directory:
 *
 * - `pending/`: items waiting for a worker, in id (= enqueue) order
 * - `claimed/`: items leased by a worker; the file names the owner (pid,
 *   boot id, process start time) and the lease expiry
 * - `done/`: completed items
 * - `quarantine/`: items that failed too often or could not be processed
 *   at all (the item says why), and item files that could not be parsed
 * - `evicted/`: items whose segment retention deleted
 * - `tmp/`: files being written; never counted as items
 *
 * Each item is one #GKeyFile named by its id. Every write goes to `tmp/`,
 * is fsync()ed, renamed into place and the target directory is fsync()ed.
 * State changes are rename(2) between the sub-directories, so an item is in
 * exactly one state at any instant, and among several processes racing for
 * the same pending item exactly one wins the claim.
 *
 * A claim is two steps: rename `pending/X` → `claimed/X`, then rewrite
 * `claimed/X` with the owner and the lease. A claimed file without owner
 * information (a crash between the two steps) is recovered by
 * rb_journal_recover() once its change time is older than
 * a grace period of 5 s (so a claim in progress in another process is not
 * taken away from it).
 *
 * All functions are thread-safe: one #GMutex per journal serialises them.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-journal.h"
#include "rb-durable.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "rb-journal"

#define GROUP_ITEM "item"
#define GROUP_CLAIM "claim"
/* Ownerless claims younger than this (s) may be a claim in progress. */
#define OWNERLESS_CLAIM_GRACE_S 5
/* Files in tmp/ older than this (s) are leftovers of a crash. */
#define TMP_LEFTOVER_AGE_S 3600
#define MAX_BASENAME_IN_ID 96

/* indexed by RbJournalItemState */
static const gchar *state_dirs[] = { "pending", "claimed", "done",
  "quarantine", "evicted"
};

#define N_STATES G_N_ELEMENTS (state_dirs)
G_STATIC_ASSERT (N_STATES == RB_JOURNAL_N_ITEM_STATES);

struct _RbJournal
{
  GMutex lock;
  gchar *dir;
  gchar *sub[N_STATES];         /* indexed by RbJournalItemState */
  gchar *tmp;
  /* protected by lock */
  guint max_attempts;
  guint retry_first_s;
  guint retry_max_s;
  GHashTable *not_before;       /* pending id → gint64 µs (boxed), cache */
  guint counter;
  gint64 last_ts;
  /* identity of this process */
  gchar *boot_id;
  guint64 start_time;
};

G_DEFINE_QUARK (rb-journal-error-quark,
    rb_journal_error);

/* ------------------------------------------------------------------------ */
/* Process identity                                                          */

static gchar *
read_boot_id (void)
{
  gchar *contents = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents,
          NULL, NULL))
    return g_strdup ("");
  g_strstrip (contents);
  return contents;
}

/* Start time of @pid in clock ticks since boot (field 22 of
 * /proc/<pid>/stat), or 0 if it cannot be read. */
static guint64
read_start_time (pid_t pid)
{
  gchar *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  gchar *contents = NULL;
  guint64 ret = 0;

  if (g_file_get_contents (path, &contents, NULL, NULL)) {
    /* comm (field 2) may contain spaces and ')': skip to the last ')' */
    gchar *p = strrchr (contents, ')');
    if (p) {
      gchar **fields = g_strsplit (p + 2, " ", 0);
      /* fields[0] is field 3 (state), so field 22 is fields[19] */
      if (g_strv_length (fields) > 19)
        ret = g_ascii_strtoull (fields[19], NULL, 10);
      g_strfreev (fields);
    }
  }
  g_free (contents);
  g_free (path);
  return ret;
}

/* ------------------------------------------------------------------------ */
/* File helpers                                                              */

static gchar *
item_path (RbJournal * j, RbJournalItemState state,
    const gchar * id)
{
  return g_build_filename (j->sub[state], id, NULL);
}

/* Writes @kf into a fresh file in tmp/ and fsyncs it. Returns its path. */
static gchar *
write_tmp (RbJournal * j, const gchar * id, GKeyFile * kf, GError ** error)
{
  gsize len;
  g_autofree gchar *data = g_key_file_to_data (kf, &len, NULL);
  g_autofree gchar *name = g_strdup_printf ("%s.%d.%u.tmp", id,
      (int) getpid (), j->counter++);

  return rb_durable_write_new (j->tmp, name, data, len, error);
}

/* Atomically replaces (or creates) @state/@id with @kf. */
static gboolean
write_item (RbJournal * j, RbJournalItemState state,
    const gchar * id, GKeyFile * kf, GError ** error)
{
  gchar *tmp = write_tmp (j, id, kf, error);
  gchar *dest;
  gboolean ret = FALSE;

  if (!tmp)
    return FALSE;
  dest = item_path (j, state, id);
  if (rename (tmp, dest) < 0) {
    rb_durable_set_error (error, "rename into", dest, errno);
    g_unlink (tmp);
  } else {
    ret = rb_durable_fsync (j->sub[state], error);
  }
  g_free (dest);
  g_free (tmp);
  return ret;
}

/* Moves @id from state @from to state @to with rename(2), then fsyncs both
 * directories. ENOENT gives NOT_FOUND. */
static gboolean
move_item (RbJournal * j, const gchar * id,
    RbJournalItemState from, RbJournalItemState to,
    GError ** error)
{
  gchar *src = item_path (j, from, id);
  gchar *dst = item_path (j, to, id);
  gboolean ret = FALSE;

  if (rename (src, dst) < 0) {
    int errsv = errno;
    if (errsv == ENOENT)
      g_set_error (error, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_NOT_FOUND,
          "No item '%s' in '%s'", id, j->sub[from]);
    else
      rb_durable_set_error (error, "rename", src, errsv);
  } else {
    ret = rb_durable_fsync (j->sub[to], error)
        && rb_durable_fsync (j->sub[from], error);
  }
  g_free (src);
  g_free (dst);
  return ret;
}

static GKeyFile *
load_item (RbJournal * j, RbJournalItemState state,
    const gchar * id, GError ** error)
{
  gchar *path = item_path (j, state, id);
  GKeyFile *kf = g_key_file_new ();
  GError *err = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &err)) {
    if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_set_error (error, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_NOT_FOUND, "No item '%s' in '%s'",
          id, j->sub[state]);
    else if (err->domain == G_FILE_ERROR)
      g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (err->code),
          "cannot read '%s': %s", path, err->message);
    else
      g_set_error (error, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_CORRUPT, "Corrupt item file '%s': %s",
          path, err->message);
    g_clear_error (&err);
    g_key_file_free (kf);
    kf = NULL;
  } else {
    gchar *loc = g_key_file_get_string (kf, GROUP_ITEM, "location", NULL);
    if (!loc || !g_path_is_absolute (loc)) {
      g_set_error (error, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_CORRUPT,
          "Corrupt item file '%s': no absolute location", path);
      g_key_file_free (kf);
      kf = NULL;
    }
    g_free (loc);
  }
  g_free (path);
  return kf;
}

static RbJournalItem *
item_from_keyfile (const gchar * id, GKeyFile * kf)
{
  RbJournalItem *item = g_new0 (RbJournalItem, 1);
  GError *err = NULL;

  item->id = g_strdup (id);
  item->location = g_key_file_get_string (kf, GROUP_ITEM, "location", NULL);
  item->source = g_key_file_get_string (kf, GROUP_ITEM, "source", NULL);
  item->duration = g_key_file_get_uint64 (kf, GROUP_ITEM, "duration", &err);
  if (err) {
    item->duration = G_MAXUINT64;
    g_clear_error (&err);
  }
  item->attempts = g_key_file_get_integer (kf, GROUP_ITEM, "attempts", NULL);
  item->enqueued_us = g_key_file_get_int64 (kf, GROUP_ITEM, "enqueued-us",
      NULL);
  item->not_before_us = g_key_file_get_int64 (kf, GROUP_ITEM,
      "not-before-us", NULL);
  item->last_failure = g_key_file_get_string (kf, GROUP_ITEM, "last-failure",
      NULL);
  return item;
}

/* Moves a corrupt item file to quarantine/ (never aborts the queue). */
static void
quarantine (RbJournal * j, RbJournalItemState state,
    const gchar * id, const GError * why)
{
  GError *err = NULL;

  g_warning ("%s; moving it to '%s'", why->message,
      j->sub[RB_JOURNAL_ITEM_QUARANTINED]);
  if (!move_item (j, id, state, RB_JOURNAL_ITEM_QUARANTINED, &err)) {
    g_warning ("Cannot quarantine item '%s': %s", id, err->message);
    g_clear_error (&err);
  }
}

static gint
compare_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* Sorted ids in @state (files not starting with '.'). */
static GPtrArray *
list_ids (RbJournal * j, RbJournalItemState state)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (j->sub[state], 0, NULL);
  const gchar *name;

  if (!d)
    return ids;
  while ((name = g_dir_read_name (d))) {
    if (name[0] == '.')
      continue;
    g_ptr_array_add (ids, g_strdup (name));
  }
  g_dir_close (d);
  g_ptr_array_sort (ids, compare_str);
  return ids;
}

static gchar *
sanitize_basename (const gchar * location)
{
  gchar *base = g_path_get_basename (location);
  gchar *p;

  if (strlen (base) > MAX_BASENAME_IN_ID)
    base[MAX_BASENAME_IN_ID] = '\0';
  for (p = base; *p; p++) {
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      *p = '_';
  }
  if (base[0] == '.')
    base[0] = '_';
  return base;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */

/**
 * rb_journal_open:
 * @dir: the queue directory (created with its sub-directories if missing)
 * @error: return location for a #GError, or %NULL
 *
 * Opens the queue in @dir, removes stale files of crashed writers from
 * `tmp/` (older than one hour) and recovers the claims whose owner process
 * is dead or whose lease has expired (see
 * rb_journal_recover()).
 *
 * Returns: (transfer full) (nullable): the journal, or %NULL with @error set
 *   (a G_IO_ERROR naming the directory).
 *
 * Since: 0.1.0
 */
/* Queues before 0.2 kept quarantined items in failed/: move them. */
static gboolean
migrate_failed_dir (RbJournal * j, GError ** error)
{
  g_autofree gchar *old = g_build_filename (j->dir, "failed", NULL);
  GDir *d = g_dir_open (old, 0, NULL);
  const gchar *name;
  gboolean ok = TRUE;

  if (d == NULL)
    return TRUE;
  while (ok && (name = g_dir_read_name (d))) {
    g_autofree gchar *from = g_build_filename (old, name, NULL);
    g_autofree gchar *to = item_path (j, RB_JOURNAL_ITEM_QUARANTINED, name);

    ok = rb_durable_rename (from, to, error);
  }
  g_dir_close (d);
  if (ok)
    g_rmdir (old);
  return ok;
}

RbJournal *
rb_journal_open (const gchar * dir, GError ** error)
{
  RbJournal *j;
  GError *err = NULL;
  guint i;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  j = g_new0 (RbJournal, 1);
  g_mutex_init (&j->lock);
  if (g_path_is_absolute (dir)) {
    j->dir = g_strdup (dir);
  } else {
    gchar *cwd = g_get_current_dir ();
    j->dir = g_build_filename (cwd, dir, NULL);
    g_free (cwd);
  }
  for (i = 0; i < G_N_ELEMENTS (state_dirs); i++)
    j->sub[i] = g_build_filename (j->dir, state_dirs[i], NULL);
  j->tmp = g_build_filename (j->dir, "tmp", NULL);
  j->max_attempts = RB_JOURNAL_MAX_ATTEMPTS;
  j->retry_first_s = RB_JOURNAL_RETRY_FIRST_S;
  j->retry_max_s = RB_JOURNAL_RETRY_MAX_S;
  j->not_before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  j->boot_id = read_boot_id ();
  j->start_time = read_start_time (getpid ());

  for (i = 0; i <= G_N_ELEMENTS (state_dirs); i++) {
    const gchar *d = i < G_N_ELEMENTS (state_dirs) ? j->sub[i] : j->tmp;
    if (g_mkdir_with_parents (d, 0755) < 0) {
      rb_durable_set_error (error, "create directory", d, errno);
      goto fail;
    }
    if (g_access (d, W_OK | X_OK) < 0) {
      rb_durable_set_error (error, "write to directory", d, errno);
      goto fail;
    }
  }
  if (!rb_durable_fsync (j->dir, error))
    goto fail;
  if (!migrate_failed_dir (j, error))
    goto fail;

  /* stale tmp files */
  {
    GDir *d = g_dir_open (j->tmp, 0, NULL);
    const gchar *name;
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;

    while (d && (name = g_dir_read_name (d))) {
      gchar *p = g_build_filename (j->tmp, name, NULL);
      GStatBuf st;
      if (g_stat (p, &st) == 0 && now - st.st_mtime > TMP_LEFTOVER_AGE_S)
        g_unlink (p);
      g_free (p);
    }
    if (d)
      g_dir_close (d);
  }

  rb_journal_recover (j, &err);
  if (err) {
    g_propagate_error (error, err);
    goto fail;
  }
  return j;

fail:
  rb_journal_free (j);
  return NULL;
}

/**
 * rb_journal_free:
 * @journal: (transfer full) (nullable): a journal
 *
 * Closes the journal. Items stay on disk in their state; claims of this
 * process are not released (call rb_journal_release() first
 * for a clean shutdown).
 *
 * Since: 0.1.0
 */
void
rb_journal_free (RbJournal * journal)
{
  guint i;

  if (!journal)
    return;
  g_mutex_clear (&journal->lock);
  for (i = 0; i < G_N_ELEMENTS (journal->sub); i++)
    g_free (journal->sub[i]);
  g_free (journal->tmp);
  g_free (journal->dir);
  g_free (journal->boot_id);
  g_hash_table_unref (journal->not_before);
  g_free (journal);
}

/**
 * rb_journal_get_dir:
 * @journal: a journal
 *
 * Returns: (transfer none): the absolute queue directory.
 *
 * Since: 0.1.0
 */
const gchar *
rb_journal_get_dir (RbJournal * journal)
{
  g_return_val_if_fail (journal != NULL, NULL);
  return journal->dir;
}

/**
 * rb_journal_set_max_attempts:
 * @journal: a journal
 * @max_attempts: number of failed claims (1 to G_MAXUINT) after which an
 *   item goes to `quarantine/`; default %RB_JOURNAL_MAX_ATTEMPTS
 *
 * Since: 0.1.0
 */
void
rb_journal_set_max_attempts (RbJournal * journal,
    guint max_attempts)
{
  g_return_if_fail (journal != NULL);
  g_return_if_fail (max_attempts >= 1);
  g_mutex_lock (&journal->lock);
  journal->max_attempts = max_attempts;
  g_mutex_unlock (&journal->lock);
}

/* Finds the item of @location: its id (transfer full) and state, or NULL. */
static gchar *
find_unlocked (RbJournal * j, const gchar * location,
    RbJournalItemState * state)
{
  g_autofree gchar *base = sanitize_basename (location);
  g_autofree gchar *suffix = g_strconcat ("-", base, NULL);
  gchar *found = NULL;

  for (guint s = 0; s < N_STATES && !found; s++) {
    GPtrArray *ids = list_ids (j, s);

    for (guint i = 0; i < ids->len && !found; i++) {
      const gchar *id = g_ptr_array_index (ids, i);
      GKeyFile *kf;
      gchar *loc;

      /* the id ends with the sanitized basename: cheap pre-filter */
      if (!g_str_has_suffix (id, suffix))
        continue;
      kf = load_item (j, s, id, NULL);
      if (!kf)
        continue;
      loc = g_key_file_get_string (kf, GROUP_ITEM, "location", NULL);
      if (g_strcmp0 (loc, location) == 0) {
        found = g_strdup (id);
        *state = s;
      }
      g_free (loc);
      g_key_file_free (kf);
    }
    g_ptr_array_unref (ids);
  }
  return found;
}

static gboolean
contains_unlocked (RbJournal * j, const gchar * location)
{
  RbJournalItemState state;
  g_autofree gchar *id = find_unlocked (j, location, &state);

  return id != NULL;
}

/**
 * rb_journal_contains:
 * @journal: a journal
 * @location: absolute path of a segment file
 *
 * Looks for @location in every state (pending, claimed, done, failed).
 *
 * Returns: %TRUE if @location is known to the queue.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_contains (RbJournal * journal,
    const gchar * location)
{
  gboolean ret;

  g_return_val_if_fail (journal != NULL, FALSE);
  g_return_val_if_fail (location != NULL, FALSE);
  g_mutex_lock (&journal->lock);
  ret = contains_unlocked (journal, location);
  g_mutex_unlock (&journal->lock);
  return ret;
}

/**
 * rb_journal_enqueue:
 * @journal: a journal
 * @location: absolute path of an existing segment file, already fsync()ed
 *   by the caller
 * @source: (nullable): name of the source that recorded it (a camera)
 * @duration: duration of the segment in ns, or G_MAXUINT64 if unknown
 * @out_id: (out) (optional) (transfer full): the new item's id
 * @error: return location for a #GError, or %NULL
 *
 * Durably appends a pending item. Ids are
 * `<16-digit µs timestamp>-<5-digit counter>-<sanitized basename>`: unique
 * and sortable by enqueue order. When the function returns %TRUE the item
 * survives a crash or power loss.
 *
 * Returns: %TRUE on success; %FALSE with %RB_JOURNAL_ERROR_EXISTS
 *   if @location is already queued (in any state), or
 *   a G_IO_ERROR naming the file and the errno text.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_enqueue (RbJournal * journal,
    const gchar * location, const gchar * source, guint64 duration,
    gchar ** out_id, GError ** error)
{
  RbJournal *j = journal;
  GKeyFile *kf;
  gchar *base, *id = NULL, *tmp = NULL, *dest = NULL;
  gboolean ret = FALSE;
  gint64 now;

  g_return_val_if_fail (journal != NULL, FALSE);
  g_return_val_if_fail (location != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_path_is_absolute (location)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
        "cannot enqueue '%s': not an absolute path", location);
    return FALSE;
  }
  if (!g_file_test (location, G_FILE_TEST_IS_REGULAR)) {
    rb_durable_set_error (error, "enqueue", location, ENOENT);
    return FALSE;
  }

  g_mutex_lock (&j->lock);
  if (contains_unlocked (j, location)) {
    g_set_error (error, RB_JOURNAL_ERROR,
        RB_JOURNAL_ERROR_EXISTS, "'%s' is already queued in '%s'",
        location, j->dir);
    goto out;
  }

  now = g_get_real_time ();
  if (now <= j->last_ts)
    now = j->last_ts + 1;
  j->last_ts = now;

  kf = g_key_file_new ();
  g_key_file_set_string (kf, GROUP_ITEM, "location", location);
  if (source)
    g_key_file_set_string (kf, GROUP_ITEM, "source", source);
  if (duration != G_MAXUINT64)
    g_key_file_set_uint64 (kf, GROUP_ITEM, "duration", duration);
  g_key_file_set_integer (kf, GROUP_ITEM, "attempts", 0);
  g_key_file_set_int64 (kf, GROUP_ITEM, "enqueued-us", now);

  base = sanitize_basename (location);
  for (;;) {
    g_free (id);
    g_free (dest);
    id = g_strdup_printf ("%016" G_GINT64_FORMAT "-%05u-%s", now,
        j->counter++ % 100000, base);
    dest = item_path (j, RB_JOURNAL_ITEM_PENDING, id);
    if (!tmp) {
      tmp = write_tmp (j, id, kf, error);
      if (!tmp)
        break;
    }
    /* link() refuses to replace: ids are unique even across processes */
    if (link (tmp, dest) == 0) {
      g_unlink (tmp);
      ret = rb_durable_fsync (j->sub[RB_JOURNAL_ITEM_PENDING], error);
      break;
    }
    if (errno != EEXIST) {
      rb_durable_set_error (error, "link into", dest, errno);
      g_unlink (tmp);
      break;
    }
  }
  g_free (base);
  g_key_file_free (kf);
  if (ret && out_id) {
    *out_id = id;
    id = NULL;
  }

out:
  g_mutex_unlock (&j->lock);
  g_free (id);
  g_free (tmp);
  g_free (dest);
  return ret;
}

/* The not-before time of pending/@id in µs (0: none), from the cache or
 * read once from the item file. */
static gint64
pending_not_before (RbJournal * j, const gchar * id)
{
  gint64 *cached = g_hash_table_lookup (j->not_before, id);
  GKeyFile *kf;
  gint64 nb = 0;

  if (cached != NULL)
    return *cached;
  kf = load_item (j, RB_JOURNAL_ITEM_PENDING, id, NULL);
  if (kf != NULL) {
    nb = g_key_file_get_int64 (kf, GROUP_ITEM, "not-before-us", NULL);
    g_key_file_free (kf);
  }
  g_hash_table_insert (j->not_before, g_strdup (id), g_memdup2 (&nb,
          sizeof nb));
  return nb;
}

/**
 * rb_journal_claim:
 * @journal: a journal
 * @lease_s: lease in seconds (≥ 1); after it expires without
 *   rb_journal_renew() the item may be recovered by anyone
 * @error: return location for a #GError, or %NULL
 *
 * Takes the oldest pending item for this process (pid, boot id and process
 * start time are written into the claimed item). Among competing threads
 * or processes exactly one gets each item. Corrupt pending item files are
 * moved to `quarantine/` with a warning and skipped.
 *
 * Returns: (transfer full) (nullable): the item, or %NULL with no error set
 *   when nothing is pending, or %NULL with @error set on an I/O error.
 *
 * Since: 0.1.0
 */
RbJournalItem *
rb_journal_claim (RbJournal * journal,
    guint lease_s, GError ** error)
{
  RbJournal *j = journal;
  RbJournalItem *item = NULL;
  GPtrArray *ids;
  gint64 now;
  guint i;

  g_return_val_if_fail (journal != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&j->lock);
  ids = list_ids (j, RB_JOURNAL_ITEM_PENDING);
  now = g_get_real_time ();
  for (i = 0; i < ids->len && !item; i++) {
    const gchar *id = g_ptr_array_index (ids, i);
    GError *err = NULL;
    GKeyFile *kf;

    /* a failed item waits for its retry; the others go first */
    if (pending_not_before (j, id) > now)
      continue;
    g_hash_table_remove (j->not_before, id);
    if (!move_item (j, id, RB_JOURNAL_ITEM_PENDING,
            RB_JOURNAL_ITEM_CLAIMED, &err)) {
      if (g_error_matches (err, RB_JOURNAL_ERROR,
              RB_JOURNAL_ERROR_NOT_FOUND)) {
        /* another process won this one */
        g_clear_error (&err);
        continue;
      }
      g_propagate_error (error, err);
      break;
    }
    kf = load_item (j, RB_JOURNAL_ITEM_CLAIMED, id, &err);
    if (!kf) {
      if (g_error_matches (err, RB_JOURNAL_ERROR,
              RB_JOURNAL_ERROR_CORRUPT)) {
        quarantine (j, RB_JOURNAL_ITEM_CLAIMED, id, err);
        g_clear_error (&err);
        continue;
      }
      g_propagate_error (error, err);
      break;
    }
    g_key_file_set_int64 (kf, GROUP_CLAIM, "pid", getpid ());
    g_key_file_set_string (kf, GROUP_CLAIM, "boot-id", j->boot_id);
    g_key_file_set_uint64 (kf, GROUP_CLAIM, "start-time", j->start_time);
    g_key_file_set_int64 (kf, GROUP_CLAIM, "lease-expires-us",
        g_get_real_time () + (gint64) lease_s * G_USEC_PER_SEC);
    if (!write_item (j, RB_JOURNAL_ITEM_CLAIMED, id, kf, error)) {
      /* the item stays claimed without owner: recover() returns it */
      g_key_file_free (kf);
      break;
    }
    item = item_from_keyfile (id, kf);
    g_key_file_free (kf);
  }
  g_ptr_array_unref (ids);
  g_mutex_unlock (&j->lock);
  return item;
}

/* Loads claimed/@id and checks that this process owns it. */
static GKeyFile *
load_own_claim (RbJournal * j, const gchar * id, GError ** error)
{
  GKeyFile *kf = load_item (j, RB_JOURNAL_ITEM_CLAIMED, id, error);
  gint64 pid;
  gchar *boot;
  guint64 st;

  if (!kf)
    return NULL;
  pid = g_key_file_get_int64 (kf, GROUP_CLAIM, "pid", NULL);
  boot = g_key_file_get_string (kf, GROUP_CLAIM, "boot-id", NULL);
  st = g_key_file_get_uint64 (kf, GROUP_CLAIM, "start-time", NULL);
  if (pid != getpid () || g_strcmp0 (boot, j->boot_id) != 0
      || st != j->start_time) {
    g_set_error (error, RB_JOURNAL_ERROR,
        RB_JOURNAL_ERROR_NOT_FOUND,
        "Item '%s' in '%s' is not claimed by this process", id,
        j->sub[RB_JOURNAL_ITEM_CLAIMED]);
    g_key_file_free (kf);
    kf = NULL;
  }
  g_free (boot);
  return kf;
}

/* What renew, complete, fail and release do to the key file @kf of the item
 * @id that this process has claimed; called with the journal locked. */
typedef gboolean (*ClaimAction) (RbJournal * j, const gchar * id,
    GKeyFile * kf, gpointer data, GError ** error);

/* Locks the journal, loads the item @id if this process claimed it and
 * runs @action on it. */
static gboolean
with_own_claim (RbJournal * j, const gchar * id,
    ClaimAction action, gpointer data, GError ** error)
{
  GKeyFile *kf;
  gboolean ret = FALSE;

  g_return_val_if_fail (j != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  g_mutex_lock (&j->lock);
  kf = load_own_claim (j, id, error);
  if (kf) {
    ret = action (j, id, kf, data, error);
    g_key_file_free (kf);
  }
  g_mutex_unlock (&j->lock);
  return ret;
}

static gboolean
renew_action (RbJournal * j, const gchar * id, GKeyFile * kf,
    gpointer data, GError ** error)
{
  guint lease_s = GPOINTER_TO_UINT (data);

  g_key_file_set_int64 (kf, GROUP_CLAIM, "lease-expires-us",
      g_get_real_time () + (gint64) lease_s * G_USEC_PER_SEC);
  return write_item (j, RB_JOURNAL_ITEM_CLAIMED, id, kf, error);
}

static gboolean
complete_action (RbJournal * j, const gchar * id, GKeyFile * kf,
    gpointer data, GError ** error)
{
  return move_item (j, id, RB_JOURNAL_ITEM_CLAIMED,
      RB_JOURNAL_ITEM_DONE, error);
}

/**
 * rb_journal_renew:
 * @journal: a journal
 * @id: id of an item claimed by this process
 * @lease_s: new lease in seconds from now
 * @error: return location for a #GError, or %NULL
 *
 * Extends the lease of a claimed item. Call it well before the lease
 * expires (e.g. at half of it) during long uploads.
 *
 * Returns: %TRUE on success; %FALSE with
 *   %RB_JOURNAL_ERROR_NOT_FOUND if the item is not claimed by
 *   this process (any more), or an I/O error.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_renew (RbJournal * journal,
    const gchar * id, guint lease_s, GError ** error)
{
  return with_own_claim (journal, id, renew_action, GUINT_TO_POINTER (lease_s),
      error);
}

/**
 * rb_journal_complete:
 * @journal: a journal
 * @id: id of an item claimed by this process
 * @error: return location for a #GError, or %NULL
 *
 * Moves a claimed item to `done/`.
 *
 * Returns: %TRUE on success; %FALSE with
 *   %RB_JOURNAL_ERROR_NOT_FOUND if the item is not claimed by
 *   this process, or an I/O error.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_complete (RbJournal * journal,
    const gchar * id, GError ** error)
{
  return with_own_claim (journal, id, complete_action, NULL, error);
}

/* Rewrites claimed/@id without the claim group (and with @attempts and
 * @reason) and moves it to @to. The rewrite stays in claimed/ so a crash in
 * between leaves an ownerless claim, which recover() returns to pending. */
static gboolean
unclaim (RbJournal * j, const gchar * id, GKeyFile * kf,
    RbJournalItemState to, GError ** error)
{
  g_key_file_remove_group (kf, GROUP_CLAIM, NULL);
  if (!write_item (j, RB_JOURNAL_ITEM_CLAIMED, id, kf, error))
    return FALSE;
  return move_item (j, id, RB_JOURNAL_ITEM_CLAIMED, to, error);
}

/**
 * rb_journal_retry_delay_s:
 * @first_s: pause before the first retry, s
 * @max_s: longest pause, s
 * @attempts: failed attempts so far (≥ 1)
 *
 * The retry policy: the pause before attempt @attempts + 1 is @first_s
 * after the first failure, doubling with each further one, at most @max_s.
 *
 * Returns: the pause in s.
 *
 * Since: 0.1.0
 */
guint
rb_journal_retry_delay_s (guint first_s, guint max_s, guint attempts)
{
  guint64 d = first_s;

  for (guint i = 1; i < attempts && d < max_s; i++)
    d *= 2;
  return (guint) MIN (d, (guint64) max_s);
}

static gboolean
fail_action (RbJournal * j, const gchar * id, GKeyFile * kf,
    gpointer data, GError ** error)
{
  const gchar *reason = data;
  gint attempts = g_key_file_get_integer (kf, GROUP_ITEM, "attempts",
      NULL) + 1;
  gboolean quarantined = (guint) attempts >= j->max_attempts;
  gint64 not_before = g_get_real_time () +
      (gint64) rb_journal_retry_delay_s (j->retry_first_s,
      j->retry_max_s, attempts) * G_USEC_PER_SEC;

  g_key_file_set_integer (kf, GROUP_ITEM, "attempts", attempts);
  g_key_file_set_string (kf, GROUP_ITEM, "last-failure", reason ? reason : "");
  if (!quarantined)
    g_key_file_set_int64 (kf, GROUP_ITEM, "not-before-us", not_before);
  if (!unclaim (j, id, kf, quarantined ? RB_JOURNAL_ITEM_QUARANTINED :
          RB_JOURNAL_ITEM_PENDING, error))
    return FALSE;
  if (!quarantined)
    g_hash_table_insert (j->not_before, g_strdup (id),
        g_memdup2 (&not_before, sizeof not_before));
  return TRUE;
}

static gboolean
quarantine_action (RbJournal * j, const gchar * id, GKeyFile * kf,
    gpointer data, GError ** error)
{
  const gchar *reason = data;

  g_key_file_set_string (kf, GROUP_ITEM, "last-failure", reason ? reason : "");
  return unclaim (j, id, kf, RB_JOURNAL_ITEM_QUARANTINED, error);
}

static gboolean
release_action (RbJournal * j, const gchar * id, GKeyFile * kf,
    gpointer data, GError ** error)
{
  return unclaim (j, id, kf, RB_JOURNAL_ITEM_PENDING, error);
}

/**
 * rb_journal_fail:
 * @journal: a journal
 * @id: id of an item claimed by this process
 * @reason: (nullable): why it failed, stored as `last-failure` in the item
 * @error: return location for a #GError, or %NULL
 *
 * Counts a failed attempt: the item goes back to `pending/` with attempts
 * + 1, not to be claimed again before a pause (see
 * rb_journal_set_retry_backoff()), or to `quarantine/` once attempts reach
 * the maximum (see rb_journal_set_max_attempts()).
 *
 * Returns: %TRUE on success; %FALSE with
 *   %RB_JOURNAL_ERROR_NOT_FOUND if the item is not claimed by
 *   this process, or an I/O error.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_fail (RbJournal * journal,
    const gchar * id, const gchar * reason, GError ** error)
{
  return with_own_claim (journal, id, fail_action, (gpointer) reason, error);
}

/**
 * rb_journal_release:
 * @journal: a journal
 * @id: id of an item claimed by this process
 * @error: return location for a #GError, or %NULL
 *
 * Returns a claimed item to `pending/` without counting an attempt (for a
 * clean shutdown in the middle of work).
 *
 * Returns: %TRUE on success; %FALSE with
 *   %RB_JOURNAL_ERROR_NOT_FOUND if the item is not claimed by
 *   this process, or an I/O error.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_release (RbJournal * journal,
    const gchar * id, GError ** error)
{
  return with_own_claim (journal, id, release_action, NULL, error);
}

/**
 * rb_journal_quarantine:
 * @journal: a journal
 * @id: id of an item claimed by this process
 * @reason: (nullable): why, stored as `last-failure` in the item
 * @error: return location for a #GError, or %NULL
 *
 * Moves a claimed item to `quarantine/` at once, without further attempts:
 * for failures that a retry cannot mend (a damaged segment).
 *
 * Returns: %TRUE on success; %FALSE with %RB_JOURNAL_ERROR_NOT_FOUND if the
 *   item is not claimed by this process, or an I/O error.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_quarantine (RbJournal * journal, const gchar * id,
    const gchar * reason, GError ** error)
{
  return with_own_claim (journal, id, quarantine_action, (gpointer) reason,
      error);
}

/**
 * rb_journal_evict:
 * @journal: a journal
 * @location: the segment file the item names
 * @reason: (nullable): why (e.g. "retention-raw 7 d"), stored as
 *   `evicted-reason`
 * @out_state: (out) (optional): the state the item was in
 * @error: return location for a #GError, or %NULL
 *
 * Moves the item of @location from `pending/`, `done/` or `quarantine/` to
 * `evicted/`: its segment was deleted by retention, and the queue says so.
 * An item claimed by a worker is not evicted.
 *
 * Returns: %TRUE on success; %FALSE with %RB_JOURNAL_ERROR_NOT_FOUND when no
 *   item names @location, %RB_JOURNAL_ERROR_CLAIMED when it is claimed, or
 *   an I/O error.
 *
 * Since: 0.1.0
 */
gboolean
rb_journal_evict (RbJournal * journal, const gchar * location,
    const gchar * reason, RbJournalItemState * out_state, GError ** error)
{
  RbJournal *j = journal;
  RbJournalItemState state = RB_JOURNAL_ITEM_PENDING;
  g_autofree gchar *id = NULL;
  GKeyFile *kf = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (journal != NULL && location != NULL, FALSE);

  g_mutex_lock (&j->lock);
  id = find_unlocked (j, location, &state);
  if (id == NULL) {
    g_set_error (error, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND,
        "'%s' is not in the queue '%s'", location, j->dir);
  } else if (state == RB_JOURNAL_ITEM_CLAIMED) {
    g_set_error (error, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_CLAIMED,
        "'%s' is being processed", location);
  } else if (state == RB_JOURNAL_ITEM_EVICTED) {
    ok = TRUE;
  } else if ((kf = load_item (j, state, id, error)) != NULL) {
    g_key_file_set_string (kf, GROUP_ITEM, "evicted-reason",
        reason ? reason : "");
    g_key_file_set_int64 (kf, GROUP_ITEM, "evicted-us", g_get_real_time ());
    /* rewritten where it is, then moved: a crash in between leaves it in
     * its old state, evicted-reason set */
    ok = write_item (j, state, id, kf, error)
        && move_item (j, id, state, RB_JOURNAL_ITEM_EVICTED, error);
    g_hash_table_remove (j->not_before, id);
    g_key_file_free (kf);
  }
  g_mutex_unlock (&j->lock);
  if (out_state)
    *out_state = state;
  return ok;
}

/**
 * rb_journal_lookup:
 * @journal: a journal
 * @location: a segment file
 * @out_state: (out) (optional): its item's state
 *
 * Returns: (transfer full) (nullable): the item that names @location, or
 *   %NULL when none does.
 *
 * Since: 0.1.0
 */
RbJournalItem *
rb_journal_lookup (RbJournal * journal, const gchar * location,
    RbJournalItemState * out_state)
{
  RbJournalItemState state = RB_JOURNAL_ITEM_PENDING;
  g_autofree gchar *id = NULL;
  RbJournalItem *item = NULL;

  g_return_val_if_fail (journal != NULL && location != NULL, NULL);

  g_mutex_lock (&journal->lock);
  id = find_unlocked (journal, location, &state);
  if (id != NULL) {
    GKeyFile *kf = load_item (journal, state, id, NULL);

    if (kf != NULL) {
      item = item_from_keyfile (id, kf);
      g_key_file_free (kf);
    }
  }
  g_mutex_unlock (&journal->lock);
  if (item && out_state)
    *out_state = state;
  return item;
}

/**
 * rb_journal_set_retry_backoff:
 * @journal: a journal
 * @first_s: pause before the first retry of a failed item, s (0: none)
 * @max_s: longest pause, s (>= @first_s)
 *
 * After rb_journal_fail(), an item is not claimed again before a pause
 * that starts at @first_s and doubles with every attempt, up to @max_s
 * (defaults %RB_JOURNAL_RETRY_FIRST_S and %RB_JOURNAL_RETRY_MAX_S); other
 * pending items are claimed meanwhile, so
 * a failing segment never blocks the others.
 *
 * Since: 0.1.0
 */
void
rb_journal_set_retry_backoff (RbJournal * journal, guint first_s,
    guint max_s)
{
  g_return_if_fail (journal != NULL && max_s >= first_s);

  g_mutex_lock (&journal->lock);
  journal->retry_first_s = first_s;
  journal->retry_max_s = max_s;
  g_mutex_unlock (&journal->lock);
}

/* Whether the claim in @kf (of the item at @path) can be taken back. */
static gboolean
claim_is_stale (RbJournal * j, GKeyFile * kf, const gchar * path)
{
  gint64 pid, expires;
  gchar *boot;
  guint64 st;
  gboolean stale = FALSE;
  GError *err = NULL;

  pid = g_key_file_get_int64 (kf, GROUP_CLAIM, "pid", &err);
  if (err) {
    /* no owner: crash between rename and rewrite, or a claim in progress */
    GStatBuf sb;
    g_clear_error (&err);
    if (g_stat (path, &sb) == 0)
      return g_get_real_time () / G_USEC_PER_SEC - sb.st_ctime >=
          OWNERLESS_CLAIM_GRACE_S;
    return FALSE;
  }
  boot = g_key_file_get_string (kf, GROUP_CLAIM, "boot-id", NULL);
  st = g_key_file_get_uint64 (kf, GROUP_CLAIM, "start-time", NULL);
  expires = g_key_file_get_int64 (kf, GROUP_CLAIM, "lease-expires-us", NULL);

  if (g_strcmp0 (boot, j->boot_id) != 0)
    stale = TRUE;               /* owner ran before a reboot */
  else if (pid <= 0 || (kill ((pid_t) pid, 0) < 0 && errno == ESRCH))
    stale = TRUE;               /* owner is dead */
  else if (read_start_time ((pid_t) pid) != st)
    stale = TRUE;               /* pid reused by another process */
  else if (g_get_real_time () > expires)
    stale = TRUE;               /* lease expired */
  g_free (boot);
  return stale;
}

/**
 * rb_journal_recover:
 * @journal: a journal
 * @error: return location for a #GError, or %NULL
 *
 * Returns to `pending/` every claim whose owner is dead (kill(pid, 0) gives
 * ESRCH, another boot id, or another process start time: a reused pid),
 * whose lease has expired, or which has no owner information and is older
 * than 5 s. Corrupt claimed files are moved to `quarantine/` with a warning.
 * Called by rb_journal_open(); call it periodically in a
 * long-running consumer.
 *
 * Returns: how many items went back to pending (0 with @error set on an
 *   I/O error).
 *
 * Since: 0.1.0
 */
guint
rb_journal_recover (RbJournal * journal,
    GError ** error)
{
  GPtrArray *ids;
  guint i, n = 0;

  g_return_val_if_fail (journal != NULL, 0);

  g_mutex_lock (&journal->lock);
  ids = list_ids (journal, RB_JOURNAL_ITEM_CLAIMED);
  for (i = 0; i < ids->len; i++) {
    const gchar *id = g_ptr_array_index (ids, i);
    gchar *path = item_path (journal, RB_JOURNAL_ITEM_CLAIMED, id);
    GError *err = NULL;
    GKeyFile *kf = load_item (journal, RB_JOURNAL_ITEM_CLAIMED, id,
        &err);

    if (!kf) {
      if (g_error_matches (err, RB_JOURNAL_ERROR,
              RB_JOURNAL_ERROR_CORRUPT))
        quarantine (journal, RB_JOURNAL_ITEM_CLAIMED, id, err);
      g_clear_error (&err);
    } else {
      if (claim_is_stale (journal, kf, path)) {
        if (move_item (journal, id, RB_JOURNAL_ITEM_CLAIMED,
                RB_JOURNAL_ITEM_PENDING, &err)) {
          n++;
        } else if (!g_error_matches (err, RB_JOURNAL_ERROR,
                RB_JOURNAL_ERROR_NOT_FOUND)) {
          g_propagate_error (error, err);
          err = NULL;
          g_key_file_free (kf);
          g_free (path);
          break;
        }
        g_clear_error (&err);
      }
      g_key_file_free (kf);
    }
    g_free (path);
  }
  g_ptr_array_unref (ids);
  g_mutex_unlock (&journal->lock);
  return n;
}

/**
 * rb_journal_item_state_name:
 * @state: a state
 *
 * Returns: the name of @state, its directory in the queue.
 *
 * Since: 0.1.0
 */
const gchar *
rb_journal_item_state_name (RbJournalItemState state)
{
  g_return_val_if_fail (state < N_STATES, NULL);
  return state_dirs[state];
}

/**
 * rb_journal_count:
 * @journal: a journal
 * @state: a state
 *
 * Returns: the number of item files in @state (files being written in
 *   `tmp/` are never counted).
 *
 * Since: 0.1.0
 */
guint
rb_journal_count (RbJournal * journal,
    RbJournalItemState state)
{
  GPtrArray *ids;
  guint n;

  g_return_val_if_fail (journal != NULL, 0);
  g_return_val_if_fail (state < N_STATES, 0);

  g_mutex_lock (&journal->lock);
  ids = list_ids (journal, state);
  n = ids->len;
  g_ptr_array_unref (ids);
  g_mutex_unlock (&journal->lock);
  return n;
}

/**
 * rb_journal_list:
 * @journal: a journal
 * @state: a state
 *
 * Reads every item in @state, in enqueue order, without changing anything.
 * Unreadable item files are skipped.
 *
 * Returns: (transfer full) (element-type RbJournalItem): the items;
 *   free with `g_list_free_full (list, (GDestroyNotify) rb_journal_item_free)`.
 *
 * Since: 0.1.0
 */
GList *
rb_journal_list (RbJournal * journal,
    RbJournalItemState state)
{
  GPtrArray *ids;
  GList *items = NULL;
  guint i;

  g_return_val_if_fail (journal != NULL, NULL);
  g_return_val_if_fail (state < N_STATES, NULL);

  g_mutex_lock (&journal->lock);
  ids = list_ids (journal, state);
  for (i = 0; i < ids->len; i++) {
    const gchar *id = g_ptr_array_index (ids, i);
    GKeyFile *kf = load_item (journal, state, id, NULL);
    if (kf) {
      items = g_list_prepend (items, item_from_keyfile (id, kf));
      g_key_file_free (kf);
    }
  }
  g_ptr_array_unref (ids);
  g_mutex_unlock (&journal->lock);
  return g_list_reverse (items);
}

/**
 * rb_journal_item_free:
 * @item: (transfer full) (nullable): an item
 *
 * Since: 0.1.0
 */
void
rb_journal_item_free (RbJournalItem * item)
{
  if (!item)
    return;
  g_free (item->id);
  g_free (item->location);
  g_free (item->source);
  g_free (item->last_failure);
  g_free (item);
}

/**
 * rb_journal_segment_time:
 * @location: a segment's path or name
 * @unix_us: (out): the time in its name, µs since 1970-01-01 UTC
 *
 * Reads the wall-clock time segmentqueue writes into the names of its
 * segments (`SOURCE-YYYYmmddTHHMMSS.uuuuuuZ-N.EXT`, UTC).
 *
 * Returns: %TRUE when the name has one.
 */
gboolean
rb_journal_segment_time (const gchar * location, gint64 * unix_us)
{
  g_autofree gchar *base = g_path_get_basename (location);
  const gchar *p = base;

  while ((p = strchr (p, '-')) != NULL) {
    p++;
    if (strlen (p) >= 23 && p[8] == 'T' && p[15] == '.' && p[22] == 'Z') {
      g_autofree gchar *iso = g_strndup (p, 23);
      g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

      if (dt != NULL) {
        *unix_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC +
            g_date_time_get_microsecond (dt);
        return TRUE;
      }
    }
  }
  return FALSE;
}
