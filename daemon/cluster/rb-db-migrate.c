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

/**
 * SECTION:rb-db-migrate
 * @title: Schema migrations
 * @short_description: versioned migrations of the cluster database
 *
 * The schema is built by numbered migrations, the SQL files of
 * daemon/cluster/migrations/ compiled into the library (GResource). The
 * table `schema_version` holds one row per migration applied: version,
 * description, when and by which rtsp-blur.
 *
 * rb_db_migrate() applies the missing ones in order, each in its own
 * transaction together with its `schema_version` row, so a migration is
 * either applied and recorded or not at all. It holds a session advisory
 * lock (#RB_DB_LOCK_MIGRATE) meanwhile: several nodes starting at once
 * migrate one after the other, the later ones finding nothing to do. A
 * database whose version is newer than #RB_DB_SCHEMA_VERSION is refused,
 * untouched.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-db-migrate.h"
#include "rb-cluster-resources.h"

#include <gio/gio.h>

#define RESOURCE_DIR "/org/rtsp-blur/cluster/migrations/"

typedef struct
{
  guint version;
  const gchar *file;            /* under RESOURCE_DIR */
  const gchar *description;
} Migration;

/* *INDENT-OFF* */
static const Migration migrations[] = {
  { 1, "0001-initial.sql",
    "nodes, camera leases, segment queue, catalog, chat" },
  { 2, "0002-catalog-retention.sql",
    "the catalog's anonymized sizes, for the cluster's retention" },
  { 3, "0003-peers.sql",
    "nodes' peer addresses for heartbeats without the database" },
};
/* *INDENT-ON* */

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == RB_DB_SCHEMA_VERSION);

#define CREATE_VERSION_TABLE \
  "CREATE TABLE IF NOT EXISTS schema_version (" \
  "  version integer PRIMARY KEY CHECK (version > 0)," \
  "  description text NOT NULL," \
  "  applied_at timestamptz NOT NULL DEFAULT now()," \
  "  applied_by text)"

/**
 * rb_db_get_schema_version:
 * @db: a connection
 * @out_version: (out): the highest migration applied, 0 for an empty
 *   database
 * @error: return location for a #GError, or %NULL
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_get_schema_version (RbDb * db, guint * out_version, GError ** error)
{
  g_autoptr (PGresult) res = NULL;

  g_return_val_if_fail (db != NULL && out_version != NULL, FALSE);

  res = rb_db_query (db, "SELECT to_regclass('schema_version') IS NOT NULL",
      0, NULL, error);
  if (res == NULL)
    return FALSE;
  if (g_strcmp0 (PQgetvalue (res, 0, 0), "t") != 0) {
    *out_version = 0;
    return TRUE;
  }
  g_clear_pointer (&res, PQclear);
  res = rb_db_query (db, "SELECT coalesce(max(version), 0) "
      "FROM schema_version", 0, NULL, error);
  if (res == NULL)
    return FALSE;
  *out_version = (guint) rb_db_get_int64 (res, 0, 0, 0);
  return TRUE;
}

static void
set_too_new_error (RbDb * db, guint version, GError ** error)
{
  g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_SCHEMA_TOO_NEW,
      "%s: schema version %u is newer than this rtsp-blur (%u)",
      rb_db_describe (db), version, RB_DB_SCHEMA_VERSION);
}

/**
 * rb_db_check_schema:
 * @db: a connection
 * @out_version: (out) (optional): the database's schema version
 * @error: return location for a #GError, or %NULL
 *
 * Checks, without changing anything, that the database has exactly the
 * schema this rtsp-blur knows (for `--check-config`).
 *
 * Returns: %TRUE if the version is #RB_DB_SCHEMA_VERSION; %FALSE with
 *   %RB_DB_ERROR_SCHEMA_TOO_NEW, %RB_DB_ERROR_SCHEMA_TOO_OLD (migrate it)
 *   or a query error.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_check_schema (RbDb * db, guint * out_version, GError ** error)
{
  guint version;

  if (!rb_db_get_schema_version (db, &version, error))
    return FALSE;
  if (out_version)
    *out_version = version;
  if (version > RB_DB_SCHEMA_VERSION) {
    set_too_new_error (db, version, error);
    return FALSE;
  }
  if (version < RB_DB_SCHEMA_VERSION) {
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_SCHEMA_TOO_OLD,
        "%s: schema version %u is older than this rtsp-blur (%u): "
        "migrate it (rtsp-blur db migrate)", rb_db_describe (db), version,
        RB_DB_SCHEMA_VERSION);
    return FALSE;
  }
  return TRUE;
}

/* Applies @m and records it, in one transaction. */
static gboolean
apply (RbDb * db, const Migration * m, GError ** error)
{
  g_autofree gchar *path = g_strconcat (RESOURCE_DIR, m->file, NULL);
  g_autoptr (GBytes) sql = NULL;
  g_autofree gchar *version = g_strdup_printf ("%u", m->version);
  const gchar *params[] = { version, m->description, "rtsp-blur " VERSION };
  GError *err = NULL;
  PGresult *res;

  /* resource data is always NUL-terminated */
  sql = g_resource_lookup_data (rb_cluster_get_resource (), path, 0, &err);
  if (sql == NULL) {
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_QUERY,
        "migration %u is missing from this build: %s", m->version,
        err->message);
    g_error_free (err);
    return FALSE;
  }
  if (!rb_db_begin (db, &err))
    goto fail;
  if (!rb_db_exec (db, g_bytes_get_data (sql, NULL), &err))
    goto fail;
  res = rb_db_query (db, "INSERT INTO schema_version "
      "(version, description, applied_by) VALUES ($1, $2, $3)",
      G_N_ELEMENTS (params), params, &err);
  if (res == NULL)
    goto fail;
  PQclear (res);
  if (!rb_db_commit (db, &err))
    goto fail;
  g_message ("%s: migrated to schema version %u (%s)", rb_db_describe (db),
      m->version, m->description);
  return TRUE;

fail:
  rb_db_rollback (db);
  g_set_error (error, err->domain, err->code,
      "migration to schema version %u (%s) failed: %s", m->version,
      m->description, err->message);
  g_error_free (err);
  return FALSE;
}

static gboolean
advisory (RbDb * db, const gchar * fn, GError ** error)
{
  g_autofree gchar *sql = g_strdup_printf ("SELECT %s(%d)", fn,
      RB_DB_LOCK_MIGRATE);
  g_autoptr (PGresult) res = rb_db_query (db, sql, 0, NULL, error);

  return res != NULL;
}

/**
 * rb_db_migrate:
 * @db: a connection, not in a transaction
 * @out_from: (out) (optional): the schema version found
 * @out_to: (out) (optional): the schema version left (the same when there
 *   was nothing to do)
 * @error: return location for a #GError, or %NULL
 *
 * Brings the schema to #RB_DB_SCHEMA_VERSION: creates `schema_version` if
 * needed and applies the missing migrations in order, each in its own
 * transaction. Idempotent, and safe to run from several processes at once
 * (they wait for each other on #RB_DB_LOCK_MIGRATE). When a migration
 * fails, the ones before it stay applied.
 *
 * Returns: %TRUE on success; %FALSE with %RB_DB_ERROR_SCHEMA_TOO_NEW
 *   ("schema version N is newer than this rtsp-blur (M)"), the database
 *   being left untouched, or with the error of the failed migration.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_migrate (RbDb * db, guint * out_from, guint * out_to, GError ** error)
{
  guint version = 0, from;
  gboolean ok = FALSE;

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!advisory (db, "pg_advisory_lock", error))
    return FALSE;
  if (!rb_db_get_schema_version (db, &version, error))
    goto out;
  from = version;
  if (out_from)
    *out_from = from;
  if (version > RB_DB_SCHEMA_VERSION) {
    set_too_new_error (db, version, error);
    goto out;
  }
  if (version == 0 && !rb_db_exec (db, CREATE_VERSION_TABLE, error))
    goto out;
  ok = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (migrations) && ok; i++) {
    if (migrations[i].version <= version)
      continue;
    ok = apply (db, &migrations[i], error);
    if (ok)
      version = migrations[i].version;
  }
  if (ok && from == version)
    g_debug ("%s: schema version %u, nothing to migrate",
        rb_db_describe (db), version);

out:
  if (out_to)
    *out_to = version;
  /* a lost connection has released the lock already */
  advisory (db, "pg_advisory_unlock", NULL);
  return ok;
}
