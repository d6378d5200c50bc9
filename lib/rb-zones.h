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

#ifndef __RB_ZONES_H__
#define __RB_ZONES_H__

#include <glib.h>

G_BEGIN_DECLS

#define RB_ZONES_ERROR (rb_zones_error_quark ())

/* RB_ZONES_ERROR_INVALID: the string is not a list of polygons. */
typedef enum {
  RB_ZONES_ERROR_INVALID,
} RbZonesError;

GQuark rb_zones_error_quark (void);

GPtrArray *rb_zones_parse (const gchar * zones, GError ** error);

G_END_DECLS

#endif /* __RB_ZONES_H__ */
