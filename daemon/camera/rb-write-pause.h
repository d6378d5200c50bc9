/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WRITE_PAUSE_H__
#define __RB_WRITE_PAUSE_H__

#include <gio/gio.h>

G_BEGIN_DECLS

/* Write errors: what pauses a writer (a camera's recording, the segment
 * workers) and what lets it resume (GLib only).
 *
 * A write that fails, for any reason, pauses the writer once: one log line
 * (RB_WRITE_LOG_PAUSED). While paused, rb_write_probe() really writes (a
 * small file created, written, fsync()ed and removed in each directory the
 * writer needs, and the free space checked), first 1 s after the failure,
 * then with a back-off that doubles up to a cap (the daemon uses
 * reconnect-max-interval). The first probe that passes resumes the writer:
 * one log line (RB_WRITE_LOG_RESUMED). A writer that fails again before
 * anything was written for real (rb_write_pause_written(): a segment
 * recorded, a segment anonymized) has not recovered: that is logged once
 * (RB_WRITE_LOG_RELAPSE), the back-off keeps growing, and the next resumes
 * and failures are quiet until something is written, which is logged
 * (RB_WRITE_LOG_RESUMED). So a flapping disk gives at most four lines, not
 * one per attempt.
 *
 * A full disk also resumes as soon as the free space is back: the caller
 * checks rb_fs_free_bytes() often (cheap) and calls rb_write_pause_hurry()
 * when the space returns. */

/* The free space a paused writer needs to write again when min-free-space
 * is smaller: rb_write_min_free(). */
#define RB_WRITE_MIN_FREE (32 * 1024 * 1024)
/* The first wait before a probe; it doubles up to the cap. */
#define RB_WRITE_RETRY_FIRST_MS 1000
/* How often a paused writer looks at the free space (statvfs only). */
#define RB_WRITE_SPACE_CHECK_MS 500

/* Why writing stopped; the names are the metrics' reason labels. */
typedef enum {
  RB_WRITE_REASON_NONE,         /* "none": writing */
  RB_WRITE_REASON_NO_SPACE,     /* "no-space": ENOSPC, EDQUOT, EFBIG, or
                                 * less free than needed */
  RB_WRITE_REASON_READ_ONLY,    /* "read-only": EROFS */
  RB_WRITE_REASON_PERMISSION,   /* "permission": EACCES, EPERM */
  RB_WRITE_REASON_MISSING,      /* "missing": ENOENT, ENOTDIR (a directory
                                 * vanished) */
  RB_WRITE_REASON_IO,           /* "io": EIO */
  RB_WRITE_REASON_OTHER,        /* "other" */
} RbWriteReason;

#define RB_WRITE_N_REASONS (RB_WRITE_REASON_OTHER + 1)

const gchar *rb_write_reason_name (RbWriteReason reason);
RbWriteReason rb_write_reason_from_errno (gint errsv);
/* From a G_IO_ERROR code (rb-durable's errors), else from the text of the
 * system error in the message (GStreamer's GST_ERROR_SYSTEM puts
 * g_strerror() there), else "io" for a G_IO_ERROR_FAILED, else "other".
 * @text may add a debug string to search. */
RbWriteReason rb_write_reason_from_error (const GError * error,
                                          const gchar * text);

typedef enum {
  RB_WRITE_WRITING,             /* writes work */
  RB_WRITE_PAUSED,              /* a write failed: probing with back-off */
  RB_WRITE_RESUMED,             /* a probe passed: writing again, nothing
                                 * written for real yet */
} RbWriteState;

/* What the caller logs after a transition. */
typedef enum {
  RB_WRITE_LOG_NONE,            /* nothing (debug at most) */
  RB_WRITE_LOG_PAUSED,          /* "... paused: <path>: <error>" */
  RB_WRITE_LOG_RELAPSE,         /* failed again right after resuming */
  RB_WRITE_LOG_RESUMED,         /* "... again" */
} RbWriteLog;

/* The state of one writer. Not thread-safe: the caller locks. */
typedef struct {
  guint first_ms;
  guint max_ms;
  RbWriteState state;
  RbWriteReason reason;         /* of the last failure (or probe) */
  gboolean quiet;               /* a relapse was logged: quiet until
                                 * something is written */
  guint delay_ms;               /* the current back-off */
  gint64 next_try_us;           /* monotonic: the next probe is due */
  gint64 since_us;              /* monotonic: when writing stopped */
  guint64 pauses;               /* every time writing stopped */
  guint failed_probes;          /* since writing stopped */
} RbWritePause;

void rb_write_pause_init (RbWritePause * pause, guint first_ms,
                          guint max_ms);
/* A write failed at @now_us (monotonic). */
RbWriteLog rb_write_pause_failed (RbWritePause * pause,
                                  RbWriteReason reason, gint64 now_us);
/* Paused and the next probe is due. */
gboolean rb_write_pause_is_due (const RbWritePause * pause, gint64 now_us);
/* The microseconds until the next probe (0: due; G_MAXINT64: not paused). */
gint64 rb_write_pause_wait_us (const RbWritePause * pause, gint64 now_us);
/* The free space is back: the next probe is due now. */
void rb_write_pause_hurry (RbWritePause * pause, gint64 now_us);
void rb_write_pause_probe_failed (RbWritePause * pause,
                                  RbWriteReason reason, gint64 now_us);
RbWriteLog rb_write_pause_probe_passed (RbWritePause * pause,
                                        gint64 now_us);
/* Something was written for real (a segment closed, an output renamed
 * into place). */
RbWriteLog rb_write_pause_written (RbWritePause * pause);
gboolean rb_write_pause_is_paused (const RbWritePause * pause);

/* Failed writes, as one error domain: the code is the RbWriteReason and
 * the message names the path ("cannot write PATH: ..."). */
#define RB_WRITE_ERROR (rb_write_error_quark ())
GQuark rb_write_error_quark (void);
/* Turns *@error (a failure to write @path) into an RB_WRITE_ERROR: its
 * reason from rb_write_reason_from_error(*@error, @debug), its message
 * prefixed with the path unless it names it, followed by the system error
 * that @debug gives ("system error: ..."), if any. */
void rb_write_error_wrap (GError ** error, const gchar * path,
                          const gchar * debug);

/* MAX (@configured, RB_WRITE_MIN_FREE). */
guint64 rb_write_min_free (guint64 configured);

/* Makes @dir if needed, then creates, writes (4 KiB), fsync()s and
 * removes a probe file in it (".rb-write-probe-XXXXXX"), then checks that
 * its file system has at least @min_free bytes free (0: no check). On
 * failure, a G_IO_ERROR from errno (G_IO_ERROR_NO_SPACE for too little
 * space) whose message names the operation and the path. */
gboolean rb_write_probe (const gchar * dir, guint64 min_free,
                         GError ** error);
/* rb_write_probe() on each of @dirs (NULL-terminated; copied) in a thread
 * of GIO's pool. */
void rb_write_probe_async (const gchar * const *dirs, guint64 min_free,
                           GCancellable * cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
gboolean rb_write_probe_finish (GAsyncResult * result, GError ** error);

G_END_DECLS

#endif /* __RB_WRITE_PAUSE_H__ */
