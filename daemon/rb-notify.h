/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_NOTIFY_H__
#define __RB_NOTIFY_H__

#include <glib.h>

G_BEGIN_DECLS

gboolean rb_notify (const gchar * state);

G_END_DECLS

#endif /* __RB_NOTIFY_H__ */
