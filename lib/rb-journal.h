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

#ifndef __RB_JOURNAL_H__
#define __RB_JOURNAL_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * RbJournal:
 *
 * A durable on-disk queue of finished segment files, GLib only (no
 * GStreamer), safe against a crash at any instruction and shared by several
 * processes through one directory.
 *
 * Layout of the queue directory: one small key file per item, moved between
 * the sub-directories `pending/`, `claimed/`, `done/`, `quarantine/` and
 * `evicted/` with
 * rename(2). Every change is written to a temporary file, fsync()ed, renamed
 * into place and the directory fsync()ed, so after a crash an item is in
 * exactly one state and never lost.
 *
 * Since: 0.1.0
 */
typedef struct _RbJournal RbJournal;

/**
 * RbJournalItem:
 * @id: the item's identifier, unique within the queue (a file name)
 * @location: absolute path of the segment file
 * @source: name of the source that recorded it (a camera), or %NULL
 * @duration: duration of the segment in ns, or G_MAXUINT64 when unknown
 * @attempts: how many claims of this item ended in a failure so far
 * @enqueued_us: when it was enqueued, wall-clock µs (g_get_real_time())
 * @not_before_us: after a failure, not claimed again before this
 *   wall-clock time, µs (0: no wait)
 * @last_failure: (nullable): why the last attempt failed
 *
 * One queued segment, as returned by rb_journal_claim().
 * Free with rb_journal_item_free().
 *
 * Since: 0.1.0
 */
typedef struct {
  gchar *id;
  gchar *location;
  gchar *source;
  guint64 duration;
  guint attempts;
  gint64 enqueued_us;
  gint64 not_before_us;
  gchar *last_failure;
} RbJournalItem;

/**
 * RbJournalItemState:
 * @RB_JOURNAL_ITEM_PENDING: waiting for a worker
 * @RB_JOURNAL_ITEM_CLAIMED: leased by a worker
 * @RB_JOURNAL_ITEM_DONE: completed
 * @RB_JOURNAL_ITEM_QUARANTINED: failed the maximum number of attempts, or
 *   could not be processed at all (`last-failure` says why); kept, never
 *   claimed again
 * @RB_JOURNAL_ITEM_EVICTED: its segment was deleted by retention
 *
 * Since: 0.1.0
 */
typedef enum {
  RB_JOURNAL_ITEM_PENDING,
  RB_JOURNAL_ITEM_CLAIMED,
  RB_JOURNAL_ITEM_DONE,
  RB_JOURNAL_ITEM_QUARANTINED,
  RB_JOURNAL_ITEM_EVICTED,
} RbJournalItemState;

#define RB_JOURNAL_N_ITEM_STATES (RB_JOURNAL_ITEM_EVICTED + 1)

/* The name of @state, which is also its directory in the queue: pending,
 * claimed, done, quarantine, evicted (the daemon's metrics and `rtsp-blur
 * status` show these). */
const gchar *rb_journal_item_state_name (RbJournalItemState state);

/* The retry policy of failed items (rb_journal_fail()), unless set
 * otherwise (rb_journal_set_max_attempts(), rb_journal_set_retry_backoff()):
 * a failed item is claimed again after 30 s, then 60 s (doubling, at most
 * 600 s), and quarantined when its third attempt fails. Its one home: the
 * cluster's queue in PostgreSQL (daemon/cluster/rb-pg-journal) and the
 * workers use these too. */
#define RB_JOURNAL_MAX_ATTEMPTS 3
#define RB_JOURNAL_RETRY_FIRST_S 30
#define RB_JOURNAL_RETRY_MAX_S 600

/* The pause in s before the claim after the @attempts-th failure:
 * @first_s, doubling per further failure, at most @max_s. */
guint rb_journal_retry_delay_s (guint first_s,
                                guint max_s,
                                guint attempts);

/**
 * RB_JOURNAL_ERROR:
 *
 * Error domain of the journal. Errors are from #RbJournalError.
 */
#define RB_JOURNAL_ERROR (rb_journal_error_quark ())

/**
 * RbJournalError:
 * @RB_JOURNAL_ERROR_CORRUPT: an item file cannot be parsed; it
 *   is moved to `quarantine/` and the queue goes on
 * @RB_JOURNAL_ERROR_NOT_FOUND: no item with that id in the
 *   state the call needs (e.g. complete() of an item not claimed)
 * @RB_JOURNAL_ERROR_EXISTS: the segment is already queued
 * @RB_JOURNAL_ERROR_CLAIMED: the item is claimed by a worker
 *
 * File operations that fail report a G_IO_ERROR instead (code from errno,
 * G_IO_ERROR_NO_SPACE on a full disk) whose message names the file.
 *
 * Since: 0.1.0
 */
typedef enum {
  RB_JOURNAL_ERROR_CORRUPT,
  RB_JOURNAL_ERROR_NOT_FOUND,
  RB_JOURNAL_ERROR_EXISTS,
  RB_JOURNAL_ERROR_CLAIMED,
} RbJournalError;

GQuark rb_journal_error_quark (void);

/* Opens (creating if needed) the queue in @dir and recovers the claims whose
 * owner process is dead or whose lease has expired: they go back to pending. */
RbJournal *rb_journal_open (const gchar * dir,
                            GError ** error);
void rb_journal_free (RbJournal * journal);

/* Claims that end in fail() this many times go to quarantine/ (default
 * RB_JOURNAL_MAX_ATTEMPTS). */
void rb_journal_set_max_attempts (RbJournal * journal,
                                  guint max_attempts);

/* Durably appends @location (must be an absolute path to an existing file,
 * already fsync()ed by the caller). @out_id (nullable) receives the id. */
gboolean rb_journal_enqueue (RbJournal * journal,
                             const gchar * location,
                             const gchar * source,
                             guint64 duration,
                             gchar ** out_id,
                             GError ** error);

/* TRUE if @location is known to the queue in any state. */
gboolean rb_journal_contains (RbJournal * journal,
                              const gchar * location);

/* Takes the oldest pending item with a lease of @lease_s seconds, owned by
 * this process. Returns NULL with no error set when nothing is pending. */
RbJournalItem *rb_journal_claim (RbJournal * journal,
                                 guint lease_s,
                                 GError ** error);

/* Extends the lease of a claimed item by @lease_s seconds from now. */
gboolean rb_journal_renew (RbJournal * journal,
                           const gchar * id,
                           guint lease_s,
                           GError ** error);

/* Claimed → done. */
gboolean rb_journal_complete (RbJournal * journal,
                              const gchar * id,
                              GError ** error);

/* Claimed → pending with attempts + 1 (claimed again after a pause, see
 * rb_journal_set_retry_backoff()), or → quarantine when attempts reach the
 * maximum. @reason is stored in the item file. */
gboolean rb_journal_fail (RbJournal * journal,
                          const gchar * id,
                          const gchar * reason,
                          GError ** error);

/* Claimed → quarantine at once, with @reason. */
gboolean rb_journal_quarantine (RbJournal * journal,
                                const gchar * id,
                                const gchar * reason,
                                GError ** error);

/* Pause before a failed item is claimed again: @first_s, doubling per
 * attempt, at most @max_s (defaults RB_JOURNAL_RETRY_FIRST_S and
 * RB_JOURNAL_RETRY_MAX_S). */
void rb_journal_set_retry_backoff (RbJournal * journal,
                                   guint first_s,
                                   guint max_s);

/* Pending, done or quarantined item of @location → evicted (retention). */
gboolean rb_journal_evict (RbJournal * journal,
                           const gchar * location,
                           const gchar * reason,
                           RbJournalItemState * out_state,
                           GError ** error);

/* The item of @location and its state, or NULL. */
RbJournalItem *rb_journal_lookup (RbJournal * journal,
                                  const gchar * location,
                                  RbJournalItemState * out_state);

/* Claimed → pending without counting an attempt (clean shutdown). */
gboolean rb_journal_release (RbJournal * journal,
                             const gchar * id,
                             GError ** error);

/* Claims of dead owners and expired leases → pending. Returns how many. */
guint rb_journal_recover (RbJournal * journal,
                          GError ** error);

/* Number of items in @state. */
guint rb_journal_count (RbJournal * journal,
                        RbJournalItemState state);

/* Added in 0.1.0 beside the original API (documented in the .c): */

/* Absolute path of the queue directory. */
const gchar *rb_journal_get_dir (RbJournal * journal);

/* Items in @state in enqueue order, read-only; a GList of
 * RbJournalItem, free with g_list_free_full (l, rb_journal_item_free). */
GList *rb_journal_list (RbJournal * journal,
                        RbJournalItemState state);

void rb_journal_item_free (RbJournalItem * item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbJournal, rb_journal_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbJournalItem, rb_journal_item_free)

/* The wall-clock time a segment was opened at, from its name
 * (segmentqueue's SOURCE-YYYYmmddTHHMMSS.uuuuuuZ-N.EXT, UTC), in µs since
 * 1970; FALSE when the name has none. */
gboolean rb_journal_segment_time (const gchar * location, gint64 * unix_us);

G_END_DECLS

#endif /* __RB_JOURNAL_H__ */
