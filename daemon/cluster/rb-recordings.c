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

/* The catalog of recordings, read: `rtsp-blur recordings` and GET
 * /api/recordings. See rb-recordings.h; rb-cluster-queue.c writes it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-recordings.h"

#include "rb-db-migrate.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* The API answers at most this many rows (the oldest first: narrow the
 * times to see later ones). */
#define API_LIMIT 10000

void
rb_recording_free (RbRecording * rec)
{
  if (rec == NULL)
    return;
  g_free (rec->camera);
  g_free (rec->node);
  g_free (rec->state);
  g_free (rec->raw_path);
  g_free (rec->anonymized_path);
  g_free (rec->sidecar_path);
  g_free (rec);
}

gboolean
rb_recordings_parse_time (const gchar * text, gint64 * out_us,
    GError ** error)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) dt = NULL;

  if (text != NULL && strlen (text) == 10) {
    g_autofree gchar *midnight = g_strconcat (text, "T00:00:00", NULL);

    dt = g_date_time_new_from_iso8601 (midnight, utc);
  } else if (text != NULL) {
    dt = g_date_time_new_from_iso8601 (text, utc);
  }
  if (dt == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' is not an ISO 8601 time (e.g. 2026-12-05T10:00:00Z, "
        "2026-12-05T11:00:00+01:00 or 2026-12-05)", text ? text : "");
    return FALSE;
  }
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC +
      g_date_time_get_microsecond (dt);
  return TRUE;
}

GPtrArray *
rb_recordings_list (RbDb * db, const RbRecordingsQuery * query, guint limit,
    GError ** error)
{
  g_autofree gchar *from = NULL, *to = NULL, *lim = NULL;
  g_autoptr (PGresult) res = NULL;
  const gchar *params[4];
  GPtrArray *rows;

  if (query->from_us != G_MININT64)
    from = g_strdup_printf ("%" G_GINT64_FORMAT, query->from_us);
  if (query->to_us != G_MAXINT64)
    to = g_strdup_printf ("%" G_GINT64_FORMAT, query->to_us);
  if (limit > 0)
    lim = g_strdup_printf ("%u", limit);
  params[0] = query->camera;
  params[1] = from;
  params[2] = to;
  params[3] = lim;
  res = rb_db_query (db,
      "SELECT id, camera, node, lease_epoch, "
      "  (extract(epoch FROM started_at) * 1000000)::bigint, "
      "  (extract(epoch FROM ended_at) * 1000000)::bigint, bytes, state, "
      "  raw_path, anonymized_path, sidecar_path, heads_masked, "
      "  overload_frames "
      "FROM recordings "
      "WHERE ($1::text IS NULL OR camera = $1) "
      "  AND ($2::bigint IS NULL OR coalesce(ended_at, started_at) >= "
      "    to_timestamp($2::float8 / 1e6)) "
      "  AND ($3::bigint IS NULL OR started_at < "
      "    to_timestamp($3::float8 / 1e6)) "
      "ORDER BY started_at, id LIMIT $4::bigint", 4, params, error);
  if (res == NULL)
    return NULL;
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) rb_recording_free);
  for (gint i = 0; i < PQntuples (res); i++) {
    RbRecording *r = g_new0 (RbRecording, 1);

    r->id = rb_db_get_int64 (res, i, 0, -1);
    r->camera = g_strdup (rb_db_get_string (res, i, 1));
    r->node = g_strdup (rb_db_get_string (res, i, 2));
    r->lease_epoch = rb_db_get_int64 (res, i, 3, -1);
    r->start_us = rb_db_get_int64 (res, i, 4, -1);
    r->end_us = rb_db_get_int64 (res, i, 5, -1);
    r->bytes = rb_db_get_int64 (res, i, 6, -1);
    r->state = g_strdup (rb_db_get_string (res, i, 7));
    r->raw_path = g_strdup (rb_db_get_string (res, i, 8));
    r->anonymized_path = g_strdup (rb_db_get_string (res, i, 9));
    r->sidecar_path = g_strdup (rb_db_get_string (res, i, 10));
    r->heads_masked = rb_db_get_int64 (res, i, 11, -1);
    r->overload_frames = rb_db_get_int64 (res, i, 12, -1);
    g_ptr_array_add (rows, r);
  }
  return rows;
}

/* "2026-12-05T10:00:01.250000Z", or NULL for -1. */
static gchar *
format_time_as (gint64 us, const gchar * format)
{
  g_autoptr (GDateTime) secs = NULL;
  g_autoptr (GDateTime) dt = NULL;

  if (us < 0)
    return NULL;
  secs = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  dt = secs ? g_date_time_add (secs, us % G_USEC_PER_SEC) : NULL;
  return dt ? g_date_time_format (dt, format) : NULL;
}

static gchar *
format_time (gint64 us)
{
  return format_time_as (us, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static void
add_string (JsonBuilder * b, const gchar * key, const gchar * value)
{
  json_builder_set_member_name (b, key);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder * b, const gchar * key, gint64 value)
{
  json_builder_set_member_name (b, key);
  if (value >= 0)
    json_builder_add_int_value (b, value);
  else
    json_builder_add_null_value (b);
}

gchar *
rb_recordings_to_json (GPtrArray * rows)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++) {
    RbRecording *r = g_ptr_array_index (rows, i);
    g_autofree gchar *start = format_time (r->start_us);
    g_autofree gchar *end = format_time (r->end_us);

    json_builder_begin_object (b);
    add_int (b, "id", r->id);
    add_string (b, "camera", r->camera);
    add_string (b, "node", r->node);
    add_int (b, "lease_epoch", r->lease_epoch);
    add_string (b, "start", start);
    add_string (b, "end", end);
    add_int (b, "bytes", r->bytes);
    add_string (b, "state", r->state);
    add_string (b, "raw_path", r->raw_path);
    add_string (b, "anonymized_path", r->anonymized_path);
    add_string (b, "sidecar_path", r->sidecar_path);
    add_int (b, "heads_masked", r->heads_masked);
    add_int (b, "overload_frames", r->overload_frames);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, FALSE);
  return json_generator_to_data (gen, NULL);
}

static gchar *
or_dash (gint64 v)
{
  return v >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, v) : g_strdup ("-");
}

void
rb_recordings_print (GPtrArray * rows, FILE * out)
{
  fprintf (out, "%-12s %-20s %-20s %10s %-11s %-10s %7s %8s %s\n", "camera",
      "start", "end", "bytes", "state", "node", "heads", "overload", "path");
  for (guint i = 0; i < rows->len; i++) {
    RbRecording *r = g_ptr_array_index (rows, i);
    g_autofree gchar *start = format_time_as (r->start_us,
        "%Y-%m-%dT%H:%M:%SZ");
    g_autofree gchar *end = format_time_as (r->end_us, "%Y-%m-%dT%H:%M:%SZ");
    g_autofree gchar *bytes = or_dash (r->bytes);
    g_autofree gchar *heads = or_dash (r->heads_masked);
    g_autofree gchar *overload = or_dash (r->overload_frames);
    const gchar *path = r->anonymized_path && g_str_equal (r->state,
        "anonymized") ? r->anonymized_path : r->raw_path;

    fprintf (out, "%-12s %-20s %-20s %10s %-11s %-10s %7s %8s %s\n",
        r->camera, start ? start : "-", end ? end : "-", bytes, r->state,
        r->node ? r->node : "-", heads, overload, path ? path : "-");
  }
}

/* ---- the command ---- */

static gchar *opt_camera;
static gchar *opt_from;
static gchar *opt_to;
static gboolean opt_json;

static const GOptionEntry recordings_entries[] = {
  {"camera", 0, 0, G_OPTION_ARG_STRING, &opt_camera,
      "recordings: only this camera's", "NAME"},
  {"from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
      "recordings: only those ending at or after TIME (ISO 8601)", "TIME"},
  {"to", 0, 0, G_OPTION_ARG_STRING, &opt_to,
      "recordings: only those starting before TIME (ISO 8601)", "TIME"},
  {"json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
      "recordings: print JSON (as GET /api/recordings)", NULL},
  {NULL}
};

GOptionGroup *
rb_recordings_option_group (void)
{
  GOptionGroup *g = g_option_group_new ("recordings",
      "Options of the recordings command:", "Show the recordings options",
      NULL, NULL);

  g_option_group_add_entries (g, recordings_entries);
  return g;
}

gboolean
rb_recordings_command (const RbConfig * config, FILE * out, GError ** error)
{
  RbRecordingsQuery q = RB_RECORDINGS_QUERY_ALL;
  g_autoptr (RbDb) db = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  if ((opt_from && !rb_recordings_parse_time (opt_from, &q.from_us, error))
      || (opt_to && !rb_recordings_parse_time (opt_to, &q.to_us, error)))
    return FALSE;
  q.camera = opt_camera;
  db = rb_db_connect (config->cluster_database,
      config->cluster_password_file, error);
  if (db == NULL || !rb_db_check_schema (db, NULL, error))
    return FALSE;
  rows = rb_recordings_list (db, &q, 0, error);
  if (rows == NULL)
    return FALSE;
  if (opt_json) {
    g_autofree gchar *json = rb_recordings_to_json (rows);

    fprintf (out, "%s\n", json);
  } else {
    rb_recordings_print (rows, out);
  }
  return TRUE;
}

/* ---- GET /api/recordings ---- */

typedef struct {
  const RbConfig *config;
  SoupServerMessage *msg;
  gchar *camera;
  gchar *from;
  gchar *to;
} ApiRequest;

static void
api_request_free (ApiRequest * r)
{
  g_object_unref (r->msg);
  g_free (r->camera);
  g_free (r->from);
  g_free (r->to);
  g_free (r);
}

static void
api_query (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  ApiRequest *r = data;
  RbRecordingsQuery q = RB_RECORDINGS_QUERY_ALL;
  g_autoptr (RbDb) db = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  GError *err = NULL;

  q.camera = r->camera;
  /* checked by the handler */
  if (r->from != NULL)
    rb_recordings_parse_time (r->from, &q.from_us, NULL);
  if (r->to != NULL)
    rb_recordings_parse_time (r->to, &q.to_us, NULL);
  db = rb_db_connect (r->config->cluster_database,
      r->config->cluster_password_file, &err);
  if (db != NULL)
    rows = rb_recordings_list (db, &q, API_LIMIT, &err);
  if (rows == NULL) {
    g_task_return_error (task, err);
    return;
  }
  g_task_return_pointer (task, rb_recordings_to_json (rows), g_free);
}

static void
api_done (GObject * source, GAsyncResult * result, gpointer data)
{
  ApiRequest *r = g_task_get_task_data (G_TASK (result));
  GError *err = NULL;
  gchar *json = g_task_propagate_pointer (G_TASK (result), &err);

  if (json == NULL) {
    g_autofree gchar *body = g_strdup_printf ("the catalog cannot be read: "
        "%s\n", err->message);

    g_warning ("management: GET /api/recordings: %s", err->message);
    soup_server_message_set_status (r->msg,
        SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
    soup_server_message_set_response (r->msg, "text/plain; charset=utf-8",
        SOUP_MEMORY_COPY, body, strlen (body));
    g_error_free (err);
  } else {
    soup_server_message_set_status (r->msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response (r->msg, "application/json",
        SOUP_MEMORY_TAKE, json, strlen (json));
  }
  soup_server_message_unpause (r->msg);
}

void
rb_recordings_handle_api (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  const RbConfig *config = user_data;
  ApiRequest *r;
  GTask *task;
  GError *err = NULL;
  gint64 us;
  const gchar *keys[] = { "from", "to" };

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        NULL);
    return;
  }
  if (g_strcmp0 (path, "/api/recordings") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
    const gchar *v = query ? g_hash_table_lookup (query, keys[i]) : NULL;

    if (v != NULL && *v != '\0' && !rb_recordings_parse_time (v, &us, &err)) {
      g_autofree gchar *body = g_strdup_printf ("%s: %s\n", keys[i],
          err->message);

      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      soup_server_message_set_response (msg, "text/plain; charset=utf-8",
          SOUP_MEMORY_COPY, body, strlen (body));
      g_error_free (err);
      return;
    }
  }
  r = g_new0 (ApiRequest, 1);
  r->config = config;
  r->msg = g_object_ref (msg);
#define PARAM(k) (query && g_hash_table_lookup (query, k) \
      && *(const gchar *) g_hash_table_lookup (query, k) ? \
      g_strdup (g_hash_table_lookup (query, k)) : NULL)
  r->camera = PARAM ("camera");
  r->from = PARAM ("from");
  r->to = PARAM ("to");
#undef PARAM
  soup_server_message_pause (msg);
  task = g_task_new (NULL, NULL, api_done, NULL);
  g_task_set_task_data (task, r, (GDestroyNotify) api_request_free);
  g_task_run_in_thread (task, api_query);
  g_object_unref (task);
}
