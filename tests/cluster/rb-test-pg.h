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

#ifndef __RB_TEST_PG_H__
#define __RB_TEST_PG_H__

#include "rb-db.h"

G_BEGIN_DECLS

/* Helpers of the cluster tests, which run under tests/cluster/with-postgres
 * (a server of their own; libpq's PG* environment points at it). */

/* Creates an empty database of its own for the calling test case and
 * returns its connection string ("dbname=..."). */
gchar *rb_test_pg_new_database (void);

/* Connects to @conninfo; the test fails if it cannot. */
RbDb *rb_test_pg_connect (const gchar * conninfo);

/* A new database migrated to RB_DB_SCHEMA_VERSION; its connection string
 * in @out_conninfo (optional). */
RbDb *rb_test_pg_new_migrated (gchar ** out_conninfo);

/* Runs one statement on @db; the test fails if it cannot. */
void rb_test_pg_exec (RbDb * db, const gchar * sql);

/* Runs @sql (one row, one column) and returns the value as an integer. */
gint64 rb_test_pg_int (RbDb * db, const gchar * sql);

/* Stops (immediate: a crash) or starts the test's server with pg_ctl. */
void rb_test_pg_stop_server (void);
void rb_test_pg_start_server (void);

G_END_DECLS

#endif /* __RB_TEST_PG_H__ */
