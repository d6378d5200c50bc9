/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_DELETIONS_H__
#define __RB_DELETIONS_H__

#include <glib.h>

G_BEGIN_DECLS

/* RbDeletions: files the daemon must delete (a raw segment after its
 * anonymization, a segment evicted by retention, a sidecar) and could not
 * (GLib only, thread-safe).
 *
 * rb_deletions_unlink() deletes at once when it can. When it cannot (any
 * error but ENOENT: a read-only file system, EACCES, EIO...), the file is
 * kept in a list. rb_deletions_run(), called every second or so from the
 * main loop, tries each again when its back-off is due (first after
 * @first_ms, doubling to @max_ms), quietly, and calls the file's @done
 * function once it is gone (on rb_deletions_run()'s thread, no lock held).
 * Nothing is forgotten; what a restart finds is deleted by the workers'
 * reconciliation.
 *
 * One cause (a read-only file system, a directory without write
 * permission) usually fails many deletions: the first failure of an
 * episode is logged ("WHO: cannot delete PATH: ERROR; it is tried
 * again..."), the others at debug level, and the end of the episode, when
 * nothing is left to delete, once ("WHO: deleting works again: the N
 * files that could not be deleted (the first: PATH) are gone"). */
typedef struct _RbDeletions RbDeletions;

/* @path is gone (deleted now, or already gone). */
typedef void (*RbDeletedFunc) (const gchar * path, gpointer user_data);

RbDeletions *rb_deletions_new (guint first_ms, guint max_ms);
void rb_deletions_free (RbDeletions * deletions);

/* Deletes @path; returns TRUE when it is gone now (@done is then not
 * called). On failure it is retried later (@done called once it is gone)
 * and FALSE is returned with errno set. @who prefixes the log lines
 * ("worker", "retention"). A path already waiting is not added twice. */
gboolean rb_deletions_unlink (RbDeletions * deletions, const gchar * who,
                              const gchar * path, RbDeletedFunc done,
                              gpointer user_data);
/* Retries the deletions that are due at @now_us (monotonic); returns how
 * many are done. */
guint rb_deletions_run (RbDeletions * deletions, gint64 now_us);
/* Files still waiting. */
guint rb_deletions_get_pending (RbDeletions * deletions);
/* Files that could not be deleted at the first attempt, since start. */
guint64 rb_deletions_get_deferred (RbDeletions * deletions);
gboolean rb_deletions_contains (RbDeletions * deletions, const gchar * path);
/* @path is about to be written again (a worker's `.partial` output, whose
 * name a retry reuses): it must not be deleted. Returns whether it was
 * waiting. */
gboolean rb_deletions_cancel (RbDeletions * deletions, const gchar * path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbDeletions, rb_deletions_free)

G_END_DECLS

#endif /* __RB_DELETIONS_H__ */
