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

#ifndef __RB_RECORDINGS_H__
#define __RB_RECORDINGS_H__

#include <stdio.h>
#include <libsoup/soup.h>

#include "rb-config.h"
#include "rb-db.h"

G_BEGIN_DECLS

/**
 * RbRecordingsQuery:
 * @camera: (nullable): only this camera's
 * @from_us: only the segments that end at or after this wall-clock time
 *   (µs since the epoch), or G_MININT64
 * @to_us: only the segments that start before it, or G_MAXINT64
 *
 * Which catalog rows rb_recordings_list() returns: the segments of
 * @camera overlapping [@from_us, @to_us).
 */
typedef struct {
  const gchar *camera;
  gint64 from_us;
  gint64 to_us;
} RbRecordingsQuery;

#define RB_RECORDINGS_QUERY_ALL { NULL, G_MININT64, G_MAXINT64 }

/**
 * RbRecording:
 *
 * One row of the catalog (table `recordings`); NULL strings and -1
 * numbers are unknown.
 */
typedef struct {
  gint64 id;
  gchar *camera;
  gchar *node;                  /* that recorded it */
  gint64 lease_epoch;
  gint64 start_us;
  gint64 end_us;
  gint64 bytes;
  gchar *state;                 /* recorded, anonymized, quarantined, evicted */
  gchar *raw_path;
  gchar *anonymized_path;
  gchar *sidecar_path;
  gint64 heads_masked;
  gint64 overload_frames;
} RbRecording;

void rb_recording_free (RbRecording * rec);

/* Parses an ISO 8601 time ("2026-12-05T10:00:00Z", a time without zone is
 * UTC, a date alone is its midnight UTC) into µs since the epoch. */
gboolean rb_recordings_parse_time (const gchar * text,
                                   gint64 * out_us,
                                   GError ** error);

/* The rows of @query in start order, at most @limit (0: all); a
 * GPtrArray of RbRecording. */
GPtrArray *rb_recordings_list (RbDb * db,
                               const RbRecordingsQuery * query,
                               guint limit,
                               GError ** error);

/* @rows as a JSON array of objects (times in ISO 8601, UTC). */
gchar *rb_recordings_to_json (GPtrArray * rows);
/* @rows as a table, one line each, for people. */
void rb_recordings_print (GPtrArray * rows,
                          FILE * out);

/* `rtsp-blur recordings`: its options (--camera, --from, --to, --json),
 * and the command itself, from @config's database. */
GOptionGroup *rb_recordings_option_group (void);
gboolean rb_recordings_command (const RbConfig * config,
                                FILE * out,
                                GError ** error);

/* GET /api/recordings?camera=&from=&to= on the management listener (see
 * rb-metrics.h): the list as JSON, queried in a thread on a connection of
 * its own (@user_data: the config, which must outlive the listener). */
void rb_recordings_handle_api (SoupServer * server,
                               SoupServerMessage * msg,
                               const char *path,
                               GHashTable * query,
                               gpointer user_data);

G_END_DECLS

#endif /* __RB_RECORDINGS_H__ */
