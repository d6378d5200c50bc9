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

#ifndef __RB_DURABLE_H__
#define __RB_DURABLE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Durable file operations, GLib only. Every failure is a G_IO_ERROR whose
 * code comes from errno (g_io_error_from_errno(): G_IO_ERROR_NO_SPACE for
 * ENOSPC, G_IO_ERROR_NOT_FOUND for ENOENT, ...) and whose message names the
 * operation and the file: "cannot fsync '/var/x': Input/output error". */

gboolean rb_durable_fsync (const gchar * path, GError ** error);

gboolean rb_durable_fsync_parent (const gchar * path, GError ** error);

gboolean rb_durable_rename (const gchar * from, const gchar * to,
                            GError ** error);

gchar *rb_durable_write_new (const gchar * dir, const gchar * name,
                             gconstpointer data, gsize length,
                             GError ** error);

gboolean rb_durable_write (const gchar * path, const gchar * tmp_dir,
                           gconstpointer data, gsize length, GError ** error);

void rb_durable_set_error (GError ** error, const gchar * what,
                           const gchar * path, int errsv);

G_END_DECLS

#endif /* __RB_DURABLE_H__ */
