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

/* Write errors: the pause and resume of a writer, see rb-write-pause.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-write-pause.h"
#include "rb-durable.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define PROBE_SIZE 4096

static const gchar *reason_names[RB_WRITE_N_REASONS] = {
  "none", "no-space", "read-only", "permission", "missing", "io", "other"
};

const gchar *
rb_write_reason_name (RbWriteReason reason)
{
  g_return_val_if_fail (reason < RB_WRITE_N_REASONS, "other");
  return reason_names[reason];
}

RbWriteReason
rb_write_reason_from_errno (gint errsv)
{
  switch (errsv) {
    case 0:
      return RB_WRITE_REASON_NONE;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return RB_WRITE_REASON_NO_SPACE;
    case EROFS:
      return RB_WRITE_REASON_READ_ONLY;
    case EACCES:
    case EPERM:
      return RB_WRITE_REASON_PERMISSION;
    case ENOENT:
    case ENOTDIR:
      return RB_WRITE_REASON_MISSING;
    case EIO:
      return RB_WRITE_REASON_IO;
    default:
      return RB_WRITE_REASON_OTHER;
  }
}

G_DEFINE_QUARK (rb-write-error-quark, rb_write_error);

RbWriteReason
rb_write_reason_from_error (const GError * error, const gchar * text)
{
  /* the errno values of rb_write_reason_from_errno(), their texts first:
   * GStreamer's elements say "system error: %s" with g_strerror() */
  static const gint errnos[] = { ENOSPC, EDQUOT, EFBIG, EROFS, EACCES, EPERM,
    ENOENT, ENOTDIR, EIO
  };

  if (error == NULL)
    return RB_WRITE_REASON_NONE;
  if (error->domain == RB_WRITE_ERROR && error->code > RB_WRITE_REASON_NONE
      && error->code < RB_WRITE_N_REASONS)
    return (RbWriteReason) error->code;
  for (guint i = 0; i < G_N_ELEMENTS (errnos); i++) {
    const gchar *s = g_strerror (errnos[i]);

    if (strstr (error->message, s) || (text && strstr (text, s)))
      return rb_write_reason_from_errno (errnos[i]);
  }
  if (error->domain == G_IO_ERROR) {
    switch (error->code) {
      case G_IO_ERROR_NO_SPACE:
        return RB_WRITE_REASON_NO_SPACE;
      case G_IO_ERROR_READ_ONLY:
        return RB_WRITE_REASON_READ_ONLY;
      case G_IO_ERROR_PERMISSION_DENIED:
        return RB_WRITE_REASON_PERMISSION;
      case G_IO_ERROR_NOT_FOUND:
      case G_IO_ERROR_NOT_DIRECTORY:
        return RB_WRITE_REASON_MISSING;
      case G_IO_ERROR_FAILED:
        return RB_WRITE_REASON_IO;
      default:
        break;
    }
  }
  return RB_WRITE_REASON_OTHER;
}

void
rb_write_error_wrap (GError ** error, const gchar * path, const gchar * debug)
{
  GError *err;
  RbWriteReason reason;
  GString *text;
  const gchar *sys;

  if (error == NULL || *error == NULL || (*error)->domain == RB_WRITE_ERROR)
    return;
  err = *error;
  *error = NULL;
  reason = rb_write_reason_from_error (err, debug);
  text = g_string_new (NULL);
  if (strstr (err->message, path) == NULL)
    g_string_append_printf (text, "cannot write %s: ", path);
  g_string_append (text, err->message);
  sys = debug ? strstr (debug, "system error: ") : NULL;
  if (sys != NULL) {
    g_autofree gchar *line = g_strndup (sys + 14, strcspn (sys + 14, "\n"));

    if (strstr (err->message, line) == NULL)
      g_string_append_printf (text, " (%s)", line);
  }
  g_set_error_literal (error, RB_WRITE_ERROR, reason == RB_WRITE_REASON_NONE
      ? RB_WRITE_REASON_OTHER : reason, text->str);
  g_string_free (text, TRUE);
  g_error_free (err);
}

void
rb_write_pause_init (RbWritePause * p, guint first_ms, guint max_ms)
{
  memset (p, 0, sizeof *p);
  p->first_ms = MAX (first_ms, 1);
  p->max_ms = MAX (max_ms, p->first_ms);
  p->delay_ms = p->first_ms;
  p->state = RB_WRITE_WRITING;
  p->reason = RB_WRITE_REASON_NONE;
}

static void
grow (RbWritePause * p, gint64 now_us)
{
  p->delay_ms = MIN ((guint64) p->delay_ms * 2, p->max_ms);
  p->next_try_us = now_us + (gint64) p->delay_ms * 1000;
}

RbWriteLog
rb_write_pause_failed (RbWritePause * p, RbWriteReason reason, gint64 now_us)
{
  RbWriteReason was = p->reason;

  if (reason == RB_WRITE_REASON_NONE)
    reason = RB_WRITE_REASON_OTHER;
  switch (p->state) {
    case RB_WRITE_WRITING:
      p->state = RB_WRITE_PAUSED;
      p->reason = reason;
      p->pauses++;
      p->quiet = FALSE;
      p->failed_probes = 0;
      p->since_us = now_us;
      p->delay_ms = p->first_ms;
      p->next_try_us = now_us + (gint64) p->delay_ms * 1000;
      return RB_WRITE_LOG_PAUSED;
    case RB_WRITE_RESUMED:
      /* it failed again before anything was written: not recovered */
      p->state = RB_WRITE_PAUSED;
      p->reason = reason;
      p->pauses++;
      grow (p, now_us);
      if (p->quiet && reason == was)
        return RB_WRITE_LOG_NONE;
      p->quiet = TRUE;
      return RB_WRITE_LOG_RELAPSE;
    case RB_WRITE_PAUSED:
    default:
      /* another write of the same writer failed too: the same pause */
      return RB_WRITE_LOG_NONE;
  }
}

gboolean
rb_write_pause_is_paused (const RbWritePause * p)
{
  return p->state == RB_WRITE_PAUSED;
}

gboolean
rb_write_pause_is_due (const RbWritePause * p, gint64 now_us)
{
  return p->state == RB_WRITE_PAUSED && now_us >= p->next_try_us;
}

gint64
rb_write_pause_wait_us (const RbWritePause * p, gint64 now_us)
{
  if (p->state != RB_WRITE_PAUSED)
    return G_MAXINT64;
  return MAX (0, p->next_try_us - now_us);
}

void
rb_write_pause_hurry (RbWritePause * p, gint64 now_us)
{
  if (p->state == RB_WRITE_PAUSED)
    p->next_try_us = MIN (p->next_try_us, now_us);
}

void
rb_write_pause_probe_failed (RbWritePause * p, RbWriteReason reason,
    gint64 now_us)
{
  if (p->state != RB_WRITE_PAUSED)
    return;
  if (reason != RB_WRITE_REASON_NONE)
    p->reason = reason;
  p->failed_probes++;
  grow (p, now_us);
}

RbWriteLog
rb_write_pause_probe_passed (RbWritePause * p, gint64 now_us)
{
  if (p->state != RB_WRITE_PAUSED)
    return RB_WRITE_LOG_NONE;
  p->state = RB_WRITE_RESUMED;
  return p->quiet ? RB_WRITE_LOG_NONE : RB_WRITE_LOG_RESUMED;
}

RbWriteLog
rb_write_pause_written (RbWritePause * p)
{
  gboolean quiet = p->quiet;

  if (p->state != RB_WRITE_RESUMED)
    return RB_WRITE_LOG_NONE;
  p->state = RB_WRITE_WRITING;
  p->reason = RB_WRITE_REASON_NONE;
  p->quiet = FALSE;
  p->delay_ms = p->first_ms;
  return quiet ? RB_WRITE_LOG_RESUMED : RB_WRITE_LOG_NONE;
}

guint64
rb_write_min_free (guint64 configured)
{
  return MAX (configured, RB_WRITE_MIN_FREE);
}

/* ---- the probe ---- */

gboolean
rb_write_probe (const gchar * dir, guint64 min_free, GError ** error)
{
  g_autofree gchar *path = g_build_filename (dir, ".rb-write-probe-XXXXXX",
      NULL);
  gchar block[PROBE_SIZE] = { 0, };
  struct statvfs st;
  gssize done = 0;
  int fd;

  if (g_mkdir_with_parents (dir, 0750) < 0) {
    rb_durable_set_error (error, "create", dir, errno);
    return FALSE;
  }
  fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    rb_durable_set_error (error, "create a file in", dir, errno);
    return FALSE;
  }
  while (done < PROBE_SIZE) {
    gssize n = write (fd, block + done, PROBE_SIZE - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int errsv = n < 0 ? errno : ENOSPC;

      close (fd);
      g_unlink (path);
      rb_durable_set_error (error, "write", path, errsv);
      return FALSE;
    }
    done += n;
  }
  if (fsync (fd) < 0) {
    int errsv = errno;

    close (fd);
    g_unlink (path);
    rb_durable_set_error (error, "fsync", path, errsv);
    return FALSE;
  }
  if (close (fd) < 0) {
    int errsv = errno;

    g_unlink (path);
    rb_durable_set_error (error, "close", path, errsv);
    return FALSE;
  }
  if (g_unlink (path) < 0) {
    rb_durable_set_error (error, "remove", path, errno);
    return FALSE;
  }
  if (min_free > 0 && statvfs (dir, &st) == 0
      && (guint64) st.f_bavail * st.f_frsize < min_free) {
    g_autofree gchar *have = g_format_size_full ((guint64) st.f_bavail *
        st.f_frsize, G_FORMAT_SIZE_IEC_UNITS);
    g_autofree gchar *need = g_format_size_full (min_free,
        G_FORMAT_SIZE_IEC_UNITS);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
        "only %s free on the file system of '%s', %s needed: %s", have, dir,
        need, g_strerror (ENOSPC));
    return FALSE;
  }
  return TRUE;
}

typedef struct {
  gchar **dirs;
  guint64 min_free;
} ProbeData;

static void
probe_data_free (ProbeData * d)
{
  g_strfreev (d->dirs);
  g_free (d);
}

static void
probe_thread (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  ProbeData *d = data;
  GError *err = NULL;

  for (guint i = 0; d->dirs[i] != NULL; i++) {
    if (!rb_write_probe (d->dirs[i], d->min_free, &err)) {
      g_task_return_error (task, err);
      return;
    }
  }
  g_task_return_boolean (task, TRUE);
}

void
rb_write_probe_async (const gchar * const *dirs, guint64 min_free,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ProbeData *d = g_new0 (ProbeData, 1);

  d->dirs = g_strdupv ((gchar **) dirs);
  d->min_free = min_free;
  g_task_set_source_tag (task, rb_write_probe_async);
  g_task_set_task_data (task, d, (GDestroyNotify) probe_data_free);
  g_task_run_in_thread (task, probe_thread);
  g_object_unref (task);
}

/* A probe whose @cancellable was cancelled fails with
 * G_IO_ERROR_CANCELLED, whatever it found. */
gboolean
rb_write_probe_finish (GAsyncResult * result, GError ** error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
