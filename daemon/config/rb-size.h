/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_SIZE_H__
#define __RB_SIZE_H__

#include <glib.h>

G_BEGIN_DECLS

/* A config size: bytes, or a share of a file system. GLib only. */
typedef struct {
  guint64 bytes;                  /* 0 when given as a percentage */
  gdouble percent;                /* 0..100; 0 when given in bytes */
} RbSize;

#define RB_SIZE_ERROR (rb_size_error_quark ())

typedef enum {
  RB_SIZE_ERROR_INVALID,
} RbSizeError;

GQuark rb_size_error_quark (void);

gboolean rb_size_parse (const gchar * text, RbSize * size, GError ** error);

G_END_DECLS

#endif /* __RB_SIZE_H__ */
