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

#ifndef __RB_DB_H__
#define __RB_DB_H__

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/**
 * RbDb:
 *
 * One connection to the cluster's PostgreSQL database (libpq), GLib only.
 * Like a PGconn, an #RbDb is used by one thread at a time.
 *
 * Since: 0.1.0
 */
typedef struct _RbDb RbDb;

/**
 * RB_DB_ERROR:
 *
 * Error domain of the database layer. Errors are from #RbDbError.
 */
#define RB_DB_ERROR (rb_db_error_quark ())

/**
 * RbDbError:
 * @RB_DB_ERROR_INVALID: the connection string cannot be parsed, holds a
 *   password (it belongs in the password file), or the password file cannot
 *   be read
 * @RB_DB_ERROR_CONNECT: the server cannot be reached, refused the
 *   connection or the login, or the connection was lost
 * @RB_DB_ERROR_QUERY: the server refused a query (the message gives its
 *   SQLSTATE and text)
 * @RB_DB_ERROR_SCHEMA_TOO_NEW: the database was migrated by a newer
 *   rtsp-blur than this one
 * @RB_DB_ERROR_SCHEMA_TOO_OLD: the database needs rb_db_migrate()
 *
 * Every message names the database and its host, never the password.
 *
 * Since: 0.1.0
 */
typedef enum {
  RB_DB_ERROR_INVALID,
  RB_DB_ERROR_CONNECT,
  RB_DB_ERROR_QUERY,
  RB_DB_ERROR_SCHEMA_TOO_NEW,
  RB_DB_ERROR_SCHEMA_TOO_OLD,
} RbDbError;

GQuark rb_db_error_quark (void);

/**
 * RbDbLock:
 * @RB_DB_LOCK_MIGRATE: held by rb_db_migrate() (session lock)
 * @RB_DB_LOCK_LEASES: held by a node choosing cameras (transaction lock)
 * @RB_DB_LOCK_RETENTION: held by the node that runs the cluster's
 *   retention (session lock, for as long as it is connected)
 *
 * The advisory lock keys of the cluster: one home for all of them, so two
 * concerns never share a key. Values are arbitrary, stable across
 * versions.
 *
 * Since: 0.1.0
 */
typedef enum {
  RB_DB_LOCK_MIGRATE = 0x72620001,
  RB_DB_LOCK_LEASES = 0x72620002,
  RB_DB_LOCK_RETENTION = 0x72620020,
} RbDbLock;

RbDb *rb_db_connect (const gchar * conninfo,
                     const gchar * password_file,
                     GError ** error);
void rb_db_free (RbDb * db);

const gchar *rb_db_describe (RbDb * db);
PGconn *rb_db_get_conn (RbDb * db);
gboolean rb_db_reconnect (RbDb * db,
                          GError ** error);

PGresult *rb_db_query (RbDb * db,
                       const gchar * sql,
                       gint n_params,
                       const gchar * const *params,
                       GError ** error);
gboolean rb_db_exec (RbDb * db,
                     const gchar * sql,
                     GError ** error);
gboolean rb_db_begin (RbDb * db,
                      GError ** error);
gboolean rb_db_commit (RbDb * db,
                       GError ** error);
void rb_db_rollback (RbDb * db);

gboolean rb_db_listen (RbDb * db,
                       const gchar * channel,
                       GError ** error);
gboolean rb_db_wait_notify (RbDb * db,
                            guint timeout_ms,
                            GError ** error);

/**
 * RbDbNotifyFunc:
 * @channel: (nullable): the channel of the notification, or %NULL when
 *   the connection was lost (the source is then removed)
 * @payload: (nullable): its payload ("" when none was given)
 * @user_data: the data given to g_source_set_callback()
 *
 * Callback of rb_db_notify_source_new().
 *
 * Returns: %G_SOURCE_CONTINUE to keep the source
 *
 * Since: 0.1.0
 */
typedef gboolean (*RbDbNotifyFunc) (const gchar * channel,
                                    const gchar * payload,
                                    gpointer user_data);

GSource *rb_db_notify_source_new (RbDb * db);

/* Value helpers for result rows: NULL gives the default. */
gint64 rb_db_get_int64 (PGresult * res,
                        gint row,
                        gint col,
                        gint64 if_null);
const gchar *rb_db_get_string (PGresult * res,
                               gint row,
                               gint col);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbDb, rb_db_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

G_END_DECLS

#endif /* __RB_DB_H__ */
