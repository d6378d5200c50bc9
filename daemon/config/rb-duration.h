/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_DURATION_H__
#define __RB_DURATION_H__

#include <glib.h>

G_BEGIN_DECLS

/* A config duration, in whole seconds. GLib only. */

#define RB_DURATION_ERROR (rb_duration_error_quark ())

typedef enum {
  RB_DURATION_ERROR_INVALID,
} RbDurationError;

GQuark rb_duration_error_quark (void);

gboolean rb_duration_parse (const gchar * text, guint64 * seconds,
                            GError ** error);

G_END_DECLS

#endif /* __RB_DURATION_H__ */
