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

#ifndef __RB_ESCAPE_H__
#define __RB_ESCAPE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Text we did not write (a config value, a user name, a file name) made
 * safe to print on a terminal or in a log line. GLib only.
 *
 * Every byte of what would not print as itself is written as \xNN (two
 * lowercase hex digits): bytes that are not valid UTF-8, control
 * characters (C0, DEL and C1: U+0000-U+001F, U+007F-U+009F), the line and
 * paragraph separators U+2028/U+2029 and the bidirectional controls
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) that reorder the
 * text around them. Everything else, backslashes included, is copied. So
 * "a\033[2Jb" gives "a\x1b[2Jb" and a lone 0xff byte "\xff". */
gchar *rb_escape_text (const gchar * text, gssize length);

/* Whether @text (NUL-terminated) would come back unchanged. */
gboolean rb_escape_is_safe (const gchar * text);

G_END_DECLS

#endif /* __RB_ESCAPE_H__ */
