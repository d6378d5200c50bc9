/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_STATUS_H__
#define __RB_STATUS_H__

#include <glib.h>

G_BEGIN_DECLS

/* `rtsp-blur status`: scrapes the running daemon's /metrics (address and
 * port from the config) and prints them as tables to @out. FALSE with
 * @error when the daemon cannot be reached. */
gboolean rb_status_print (const gchar * address, guint port, FILE * out,
                          GError ** error);

/* Parses Prometheus text into "name{labels}" → value (gdouble *). */
GHashTable *rb_status_parse (const gchar * text);

G_END_DECLS

#endif /* __RB_STATUS_H__ */
