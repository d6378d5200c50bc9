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

#ifndef __RB_TEARDOWN_H__
#define __RB_TEARDOWN_H__

#include <gst/gst.h>

G_BEGIN_DECLS

gboolean rb_teardown_set_null (GstElement * element, gint64 timeout_us);

G_END_DECLS

#endif /* __RB_TEARDOWN_H__ */
