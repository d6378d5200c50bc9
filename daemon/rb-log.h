/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_LOG_H__
#define __RB_LOG_H__

#include <glib.h>

G_BEGIN_DECLS

/* The daemon's log (GLib only). Every line below the threshold is dropped.
 * When stderr is the systemd journal's stream, the lines go to the journal
 * with their priority and GLib's fields (back to stderr if the journal does
 * not take them); otherwise one line "HH:MM:SS.mmm rtsp-blur: LEVEL:
 * message" each on stderr.
 *
 * rb_log_init() installs the writer (first thing in main(), before any
 * thread starts); rb_log_set_level() sets the threshold from --log-level
 * (error, warning, info or debug) and -v (debug), or when neither is given
 * from G_MESSAGES_DEBUG (set: debug, else info). It returns FALSE for an
 * unknown level name. */
void rb_log_init (void);
gboolean rb_log_set_level (const gchar * name, gboolean verbose);

G_END_DECLS

#endif /* __RB_LOG_H__ */
