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

#ifndef __RB_CLUSTER_STATUS_H__
#define __RB_CLUSTER_STATUS_H__

#include <stdio.h>
#include "rb-db.h"
#include "rb-config.h"

G_BEGIN_DECLS

gboolean rb_cluster_status_print (RbDb * db,
                                  FILE * out,
                                  GError ** error);
gboolean rb_cluster_status_print_config (const RbConfig * config,
                                         FILE * out,
                                         GError ** error);

G_END_DECLS

#endif /* __RB_CLUSTER_STATUS_H__ */
