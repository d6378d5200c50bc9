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

/* Tests of daemon/cluster/rb-recordings, the catalog read back: ISO 8601
 * times, the selection by camera and time (segments overlapping the
 * window), the JSON of the command and of GET /api/recordings. Run under
 * with-postgres. */

#include <json-glib/json-glib.h>
#include <string.h>

#include "rb-recordings.h"
#include "rb-test-pg.h"

static void
test_parse_time (void)
{
  g_autoptr (GError) err = NULL;
  gint64 us = 0;

  g_assert_true (rb_recordings_parse_time ("2026-12-05T10:00:00Z", &us,
          &err));
  g_assert_cmpint (us, ==, G_GINT64_CONSTANT (1796464800) * G_USEC_PER_SEC);
  /* no zone: UTC */
  g_assert_true (rb_recordings_parse_time ("2026-12-05T10:00:00.5", &us,
          &err));
  g_assert_cmpint (us, ==, G_GINT64_CONSTANT (1796464800) * G_USEC_PER_SEC +
      500000);
  g_assert_true (rb_recordings_parse_time ("2026-12-05T11:00:00+01:00", &us,
          &err));
  g_assert_cmpint (us, ==, G_GINT64_CONSTANT (1796464800) * G_USEC_PER_SEC);
  /* a date: its midnight */
  g_assert_true (rb_recordings_parse_time ("2026-12-05", &us, &err));
  g_assert_cmpint (us, ==, G_GINT64_CONSTANT (1796428800) * G_USEC_PER_SEC);
  g_assert_no_error (err);
  g_assert_false (rb_recordings_parse_time ("yesterday", &us, &err));
  g_assert_error (err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (err->message, "'yesterday'"));
}

static void
add_row (RbDb * db, const gchar * camera, const gchar * start,
    const gchar * end, const gchar * state)
{
  g_autofree gchar *sql = g_strdup_printf ("INSERT INTO recordings "
      "(camera, node, started_at, ended_at, bytes, state, raw_path, "
      "heads_masked) VALUES ('%s', 'n1', '%s', '%s', 1000, '%s', "
      "'/s/raw/%s/%s.mkv', 3)", camera, start, end, state, camera, start);

  rb_test_pg_exec (db, sql);
}

static guint
count (RbDb * db, const gchar * camera, const gchar * from, const gchar * to)
{
  RbRecordingsQuery q = RB_RECORDINGS_QUERY_ALL;
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  q.camera = camera;
  if (from)
    g_assert_true (rb_recordings_parse_time (from, &q.from_us, &err));
  if (to)
    g_assert_true (rb_recordings_parse_time (to, &q.to_us, &err));
  rows = rb_recordings_list (db, &q, 0, &err);
  g_assert_no_error (err);
  return rows->len;
}

static void
test_list (void)
{
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (NULL);
  RbRecordingsQuery all = RB_RECORDINGS_QUERY_ALL;
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  RbRecording *r;

  add_row (db, "cam1", "2026-12-05T10:00:00Z", "2026-12-05T10:00:10Z",
      "anonymized");
  add_row (db, "cam1", "2026-12-05T10:00:10Z", "2026-12-05T10:00:20Z",
      "recorded");
  add_row (db, "cam2", "2026-12-05T10:00:05Z", "2026-12-05T10:00:15Z",
      "quarantined");

  rows = rb_recordings_list (db, &all, 0, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (rows->len, ==, 3);
  /* in start order */
  r = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (r->camera, ==, "cam2");
  g_assert_cmpstr (r->state, ==, "quarantined");
  g_assert_cmpint (r->bytes, ==, 1000);
  g_assert_cmpint (r->heads_masked, ==, 3);
  g_assert_cmpint (r->overload_frames, ==, -1);
  g_assert_cmpint (r->end_us - r->start_us, ==, 10 * G_USEC_PER_SEC);

  g_assert_cmpuint (count (db, "cam1", NULL, NULL), ==, 2);
  g_assert_cmpuint (count (db, "cam3", NULL, NULL), ==, 0);
  /* overlapping the window: the first ends at 10:00:10 */
  g_assert_cmpuint (count (db, NULL, "2026-12-05T10:00:12Z", NULL), ==, 2);
  g_assert_cmpuint (count (db, NULL, NULL, "2026-12-05T10:00:05Z"), ==, 1);
  g_assert_cmpuint (count (db, "cam1", "2026-12-05T10:00:11Z",
          "2026-12-05T10:00:12Z"), ==, 1);
  g_assert_cmpuint (count (db, NULL, "2026-12-05T11:00:00Z", NULL), ==, 0);
  /* a limit */
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = rb_recordings_list (db, &all, 2, &err);
  g_assert_cmpuint (rows->len, ==, 2);
}

static void
test_json (void)
{
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (NULL);
  RbRecordingsQuery all = RB_RECORDINGS_QUERY_ALL;
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree gchar *json = NULL;
  JsonArray *array;
  JsonObject *o;

  add_row (db, "cam1", "2026-12-05T10:00:00.25Z", "2026-12-05T10:00:10Z",
      "anonymized");
  rows = rb_recordings_list (db, &all, 0, &err);
  json = rb_recordings_to_json (rows);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &err));
  g_assert_no_error (err);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  o = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "camera"), ==, "cam1");
  g_assert_cmpstr (json_object_get_string_member (o, "start"), ==,
      "2026-12-05T10:00:00.250000Z");
  g_assert_cmpstr (json_object_get_string_member (o, "end"), ==,
      "2026-12-05T10:00:10.000000Z");
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==,
      "anonymized");
  g_assert_cmpint (json_object_get_int_member (o, "bytes"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (o, "heads_masked"), ==, 3);
  g_assert_true (json_object_get_null_member (o, "overload_frames"));
  g_assert_true (json_object_get_null_member (o, "anonymized_path"));
  g_assert_cmpstr (json_object_get_string_member (o, "raw_path"), ==,
      "/s/raw/cam1/2026-12-05T10:00:00.25Z.mkv");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/recordings/parse-time", test_parse_time);
  g_test_add_func ("/cluster/recordings/list", test_list);
  g_test_add_func ("/cluster/recordings/json", test_json);
  return g_test_run ();
}
