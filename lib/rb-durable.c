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
 * SECTION:rb-durable
 * @title: Durable writes
 * @short_description: fsync, atomic replace and rename that survive a crash
 *
 * The one place where rtsp-blur makes files durable: the segment queue
 * (rb-journal), segmentqueue (closed segments) and the launcher (anonymized
 * segments, chat history) all go through it. A file is durable once its
 * data and the directory entry that names it have both been fsync()ed.
 *
 * Errors are in the G_IO_ERROR domain, code from errno, message
 * "cannot OPERATION 'PATH': REASON".
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-durable.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

/**
 * rb_durable_set_error:
 * @error: return location for an error
 * @what: the operation that failed ("fsync", "rename", ...)
 * @path: the file it failed on
 * @errsv: the errno value
 *
 * Sets @error to a G_IO_ERROR from @errsv: "cannot @what '@path': reason".
 */
void
rb_durable_set_error (GError ** error, const gchar * what, const gchar * path,
    int errsv)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
      "cannot %s '%s': %s", what, path, g_strerror (errsv));
}

/**
 * rb_durable_fsync:
 * @path: a file or a directory
 * @error: return location for an error
 *
 * fsync()s @path (a directory makes the names it holds durable).
 *
 * Returns: %TRUE on success.
 */
gboolean
rb_durable_fsync (const gchar * path, GError ** error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0) {
    rb_durable_set_error (error, "open", path, errno);
    return FALSE;
  }
  if (fsync (fd) < 0) {
    int errsv = errno;

    close (fd);
    rb_durable_set_error (error, "fsync", path, errsv);
    return FALSE;
  }
  close (fd);
  return TRUE;
}

/**
 * rb_durable_fsync_parent:
 * @path: a file
 * @error: return location for an error
 *
 * fsync()s the directory that holds @path, so its name is durable.
 *
 * Returns: %TRUE on success.
 */
gboolean
rb_durable_fsync_parent (const gchar * path, GError ** error)
{
  g_autofree gchar *dir = g_path_get_dirname (path);

  return rb_durable_fsync (dir, error);
}

/**
 * rb_durable_rename:
 * @from: an existing file
 * @to: its new name (replaced if it exists)
 * @error: return location for an error
 *
 * rename(2)s @from to @to, then fsync()s the directory of @to and, when it
 * differs, the directory of @from. ENOENT gives G_IO_ERROR_NOT_FOUND.
 *
 * Returns: %TRUE on success.
 */
gboolean
rb_durable_rename (const gchar * from, const gchar * to, GError ** error)
{
  g_autofree gchar *from_dir = g_path_get_dirname (from);
  g_autofree gchar *to_dir = g_path_get_dirname (to);

  if (g_rename (from, to) < 0) {
    rb_durable_set_error (error, "rename", from, errno);
    return FALSE;
  }
  if (!rb_durable_fsync (to_dir, error))
    return FALSE;
  if (!g_str_equal (from_dir, to_dir) && !rb_durable_fsync (from_dir, error))
    return FALSE;
  return TRUE;
}

/**
 * rb_durable_write_new:
 * @dir: an existing directory
 * @name: the name of the new file in @dir; it must not exist
 * @data: the content
 * @length: its length in bytes
 * @error: return location for an error (G_IO_ERROR_EXISTS when @name
 *   exists)
 *
 * Creates @dir/@name with @data and fsync()s it, but not @dir: the caller
 * renames or links it into place and makes that name durable. On error no
 * file is left behind.
 *
 * Returns: (transfer full) (nullable): the path of the new file.
 */
gchar *
rb_durable_write_new (const gchar * dir, const gchar * name,
    gconstpointer data, gsize length, GError ** error)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  const gchar *p = data;
  gsize off = 0;
  int fd;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    rb_durable_set_error (error, "create", path, errno);
    return NULL;
  }
  while (off < length) {
    ssize_t n = write (fd, p + off, length - off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      rb_durable_set_error (error, "write", path, errno);
      goto failed;
    }
    off += n;
  }
  if (fsync (fd) < 0) {
    rb_durable_set_error (error, "fsync", path, errno);
    goto failed;
  }
  if (close (fd) < 0) {
    fd = -1;
    rb_durable_set_error (error, "close", path, errno);
    goto failed;
  }
  return g_steal_pointer (&path);

failed:
  if (fd >= 0)
    close (fd);
  g_unlink (path);
  return NULL;
}

/**
 * rb_durable_write:
 * @path: the file to create or replace
 * @tmp_dir: (nullable): directory for the temporary file, on the same file
 *   system as @path; %NULL for the directory of @path
 * @data: the new content
 * @length: its length in bytes
 * @error: return location for an error
 *
 * Replaces @path with @data atomically and durably: writes a new temporary
 * file, fsync()s it, renames it over @path and fsync()s the directory. After
 * a crash @path holds either its old or its new content, never a mix; the
 * temporary file is removed on every error.
 *
 * Returns: %TRUE on success.
 */
gboolean
rb_durable_write (const gchar * path, const gchar * tmp_dir,
    gconstpointer data, gsize length, GError ** error)
{
  static gint counter;
  g_autofree gchar *dir = tmp_dir ? g_strdup (tmp_dir) :
      g_path_get_dirname (path);
  g_autofree gchar *base = g_path_get_basename (path);
  g_autofree gchar *name = g_strdup_printf (".%s.%d.%d.tmp", base,
      (int) getpid (), g_atomic_int_add (&counter, 1));
  g_autofree gchar *tmp = rb_durable_write_new (dir, name, data, length,
      error);

  if (tmp == NULL)
    return FALSE;
  if (g_rename (tmp, path) < 0) {
    rb_durable_set_error (error, "rename into", path, errno);
    g_unlink (tmp);
    return FALSE;
  }
  return rb_durable_fsync_parent (path, error);
}
