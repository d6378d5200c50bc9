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

#ifndef __RB_PATHS_H__
#define __RB_PATHS_H__

#include <glib.h>

G_BEGIN_DECLS

gboolean rb_paths_in_build_tree (void);

const gchar *rb_paths_models_dir (void);

const gchar *rb_paths_model (const gchar * file);

G_END_DECLS

#endif /* __RB_PATHS_H__ */
