/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CIDR_H__
#define __RB_CIDR_H__

#include <gio/gio.h>

G_BEGIN_DECLS

/* The CIDR type of the config (allow=): an address or ADDRESS/PREFIX, and
 * whether a client address falls in a list of them. GIO only. */

#define RB_CIDR_ERROR (rb_cidr_error_quark ())

typedef enum {
  RB_CIDR_ERROR_INVALID,
} RbCidrError;

GQuark rb_cidr_error_quark (void);

GInetAddressMask *rb_cidr_parse (const gchar * text, GError ** error);

gboolean rb_cidr_list_matches (GPtrArray * list, const gchar * address);

G_END_DECLS

#endif /* __RB_CIDR_H__ */
