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

#ifndef __RB_MALLOC_H__
#define __RB_MALLOC_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * RB_MALLOC_ARENA_MAX:
 *
 * The most glibc malloc arenas the daemon uses (glibc's default is eight
 * per core).
 */
#define RB_MALLOC_ARENA_MAX 2

/**
 * RB_MALLOC_TRIM_INTERVAL_S:
 *
 * How often the daemon checks whether its heap has free memory to give back
 * to the system.
 */
#define RB_MALLOC_TRIM_INTERVAL_S 30

/**
 * RB_MALLOC_TRIM_GROWTH:
 *
 * The growth of the anonymous resident memory since the last trim that
 * makes the daemon trim again.
 */
#define RB_MALLOC_TRIM_GROWTH (64 * 1024 * 1024)

guint    rb_malloc_configure       (void);

gint64   rb_malloc_trim            (void);

gboolean rb_malloc_should_trim     (gint64 rss_anon,
                                    gint64 * level,
                                    gint64 growth);

guint    rb_malloc_trim_add        (guint interval_s,
                                    gint64 growth);

gint64   rb_malloc_rss_anon_bytes  (void);

G_END_DECLS

#endif /* __RB_MALLOC_H__ */
