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

#ifndef __GST_SEGMENT_QUEUE_JOURNAL_H__
#define __GST_SEGMENT_QUEUE_JOURNAL_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * GstSegmentQueueJournal:
 *
 * A durable on-disk queue of finished segment files, GLib only (no
 * GStreamer), safe against a crash at any instruction and shared by several
 * processes through one directory.
 *
 * Layout of the queue directory: one small key file per item, moved between
 * the sub-directories `pending/`, `claimed/`, `done/` and `failed/` with
 * rename(2). Every change is written to a temporary file, fsync()ed, renamed
 * into place and the directory fsync()ed, so after a crash an item is in
 * exactly one state and never lost.
 *
 * Since: 0.1.0
 */
typedef struct _GstSegmentQueueJournal GstSegmentQueueJournal;

/**
 * GstSegmentQueueItem:
 * @id: the item's identifier, unique within the queue (a file name)
 * @location: absolute path of the segment file
 * @source: name of the source that recorded it (a camera), or %NULL
 * @duration: duration of the segment in ns, or G_MAXUINT64 when unknown
 * @attempts: how many claims of this item ended in a failure so far
 * @enqueued_us: when it was enqueued, wall-clock µs (g_get_real_time())
 *
 * One queued segment, as returned by gst_segment_queue_journal_claim().
 * Free with gst_segment_queue_item_free().
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
} GstSegmentQueueItem;

/**
 * GstSegmentQueueItemState:
 * @GST_SEGMENT_QUEUE_ITEM_PENDING: waiting for a worker
 * @GST_SEGMENT_QUEUE_ITEM_CLAIMED: leased by a worker
 * @GST_SEGMENT_QUEUE_ITEM_DONE: completed
 * @GST_SEGMENT_QUEUE_ITEM_FAILED: failed more than the maximum attempts
 *
 * Since: 0.1.0
 */
typedef enum {
  GST_SEGMENT_QUEUE_ITEM_PENDING,
  GST_SEGMENT_QUEUE_ITEM_CLAIMED,
  GST_SEGMENT_QUEUE_ITEM_DONE,
  GST_SEGMENT_QUEUE_ITEM_FAILED,
} GstSegmentQueueItemState;

/**
 * GST_SEGMENT_QUEUE_JOURNAL_ERROR:
 *
 * Error domain of the journal. Errors are from #GstSegmentQueueJournalError.
 */
#define GST_SEGMENT_QUEUE_JOURNAL_ERROR (gst_segment_queue_journal_error_quark ())

/**
 * GstSegmentQueueJournalError:
 * @GST_SEGMENT_QUEUE_JOURNAL_ERROR_IO: a file operation failed (the message
 *   names the file and the errno text)
 * @GST_SEGMENT_QUEUE_JOURNAL_ERROR_CORRUPT: an item file cannot be parsed; it
 *   is moved to `failed/` and the queue goes on
 * @GST_SEGMENT_QUEUE_JOURNAL_ERROR_NOT_FOUND: no item with that id in the
 *   state the call needs (e.g. complete() of an item not claimed)
 * @GST_SEGMENT_QUEUE_JOURNAL_ERROR_EXISTS: the segment is already queued
 *
 * Since: 0.1.0
 */
typedef enum {
  GST_SEGMENT_QUEUE_JOURNAL_ERROR_IO,
  GST_SEGMENT_QUEUE_JOURNAL_ERROR_CORRUPT,
  GST_SEGMENT_QUEUE_JOURNAL_ERROR_NOT_FOUND,
  GST_SEGMENT_QUEUE_JOURNAL_ERROR_EXISTS,
} GstSegmentQueueJournalError;

GQuark gst_segment_queue_journal_error_quark (void);

/* Opens (creating if needed) the queue in @dir and recovers the claims whose
 * owner process is dead or whose lease has expired: they go back to pending. */
GstSegmentQueueJournal *gst_segment_queue_journal_open (const gchar * dir,
                                                        GError ** error);
void gst_segment_queue_journal_free (GstSegmentQueueJournal * journal);

/* Claims that end in fail() this many times go to failed/ (default 3). */
void gst_segment_queue_journal_set_max_attempts (GstSegmentQueueJournal * journal,
                                                 guint max_attempts);

/* Durably appends @location (must be an absolute path to an existing file,
 * already fsync()ed by the caller). @out_id (nullable) receives the id. */
gboolean gst_segment_queue_journal_enqueue (GstSegmentQueueJournal * journal,
                                            const gchar * location,
                                            const gchar * source,
                                            guint64 duration,
                                            gchar ** out_id,
                                            GError ** error);

/* TRUE if @location is known to the queue in any state. */
gboolean gst_segment_queue_journal_contains (GstSegmentQueueJournal * journal,
                                             const gchar * location);

/* Takes the oldest pending item with a lease of @lease_s seconds, owned by
 * this process. Returns NULL with no error set when nothing is pending. */
GstSegmentQueueItem *gst_segment_queue_journal_claim (GstSegmentQueueJournal * journal,
                                                      guint lease_s,
                                                      GError ** error);

/* Extends the lease of a claimed item by @lease_s seconds from now. */
gboolean gst_segment_queue_journal_renew (GstSegmentQueueJournal * journal,
                                          const gchar * id,
                                          guint lease_s,
                                          GError ** error);

/* Claimed → done. */
gboolean gst_segment_queue_journal_complete (GstSegmentQueueJournal * journal,
                                             const gchar * id,
                                             GError ** error);

/* Claimed → pending with attempts + 1, or → failed when attempts reach the
 * maximum. @reason is stored in the item file. */
gboolean gst_segment_queue_journal_fail (GstSegmentQueueJournal * journal,
                                         const gchar * id,
                                         const gchar * reason,
                                         GError ** error);

/* Claimed → pending without counting an attempt (clean shutdown). */
gboolean gst_segment_queue_journal_release (GstSegmentQueueJournal * journal,
                                            const gchar * id,
                                            GError ** error);

/* Claims of dead owners and expired leases → pending. Returns how many. */
guint gst_segment_queue_journal_recover (GstSegmentQueueJournal * journal,
                                         GError ** error);

/* Number of items in @state. */
guint gst_segment_queue_journal_count (GstSegmentQueueJournal * journal,
                                       GstSegmentQueueItemState state);

/* Added in 0.1.0 beside the original API (documented in the .c): */

/* Absolute path of the queue directory. */
const gchar *gst_segment_queue_journal_get_dir (GstSegmentQueueJournal * journal);

/* Items in @state in enqueue order, read-only; a GList of
 * GstSegmentQueueItem, free with g_list_free_full (l, gst_segment_queue_item_free). */
GList *gst_segment_queue_journal_list (GstSegmentQueueJournal * journal,
                                       GstSegmentQueueItemState state);

void gst_segment_queue_item_free (GstSegmentQueueItem * item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstSegmentQueueJournal, gst_segment_queue_journal_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstSegmentQueueItem, gst_segment_queue_item_free)

G_END_DECLS

#endif /* __GST_SEGMENT_QUEUE_JOURNAL_H__ */
