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

#ifndef __RB_DB_MIGRATE_H__
#define __RB_DB_MIGRATE_H__

#include "rb-db.h"

G_BEGIN_DECLS

/**
 * RB_DB_SCHEMA_VERSION:
 *
 * The schema version this rtsp-blur creates and understands: the number of
 * its migrations (daemon/cluster/migrations/).
 *
 * Since: 0.1.0
 */
#define RB_DB_SCHEMA_VERSION 3

gboolean rb_db_migrate (RbDb * db,
                        guint * out_from,
                        guint * out_to,
                        GError ** error);
gboolean rb_db_get_schema_version (RbDb * db,
                                   guint * out_version,
                                   GError ** error);
gboolean rb_db_check_schema (RbDb * db,
                             guint * out_version,
                             GError ** error);

G_END_DECLS

#endif /* __RB_DB_MIGRATE_H__ */
