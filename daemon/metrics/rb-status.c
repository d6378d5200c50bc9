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

/* `rtsp-blur status`: the metrics of the running daemon as tables. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include "rb-status.h"
#include "rb-daemon-names.h"
#include "rb-journal.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

GHashTable *
rb_status_parse (const gchar * text)
{
  GHashTable *m = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++) {
    gchar *line = lines[i], *space;
    gdouble *v;

    if (line[0] == '#' || line[0] == '\0')
      continue;
    space = strrchr (line, ' ');
    if (space == NULL)
      continue;
    *space = '\0';
    v = g_new (gdouble, 1);
    *v = g_str_equal (space + 1, "NaN") ? NAN : g_ascii_strtod (space + 1,
        NULL);
    g_hash_table_insert (m, g_strdup (line), v);
  }
  return m;
}

static gdouble
get (GHashTable * m, const gchar * name, const gchar * labels)
{
  g_autofree gchar *key = labels && *labels ?
      g_strdup_printf ("%s{%s}", name, labels) : g_strdup (name);
  gdouble *v = g_hash_table_lookup (m, key);

  return v ? *v : NAN;
}

/* The values of @label in the samples of @name, sorted, unique. */
static GPtrArray *
label_values (GHashTable * m, const gchar * name, const gchar * label)
{
  g_autofree gchar *prefix = g_strdup_printf ("%s{%s=\"", name, label);
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, m);
  while (g_hash_table_iter_next (&it, &key, NULL)) {
    const gchar *k = key, *end;

    if (!g_str_has_prefix (k, prefix))
      continue;
    end = strchr (k + strlen (prefix), '"');
    if (end != NULL)
      g_ptr_array_add (values, g_strndup (k + strlen (prefix),
              end - k - strlen (prefix)));
  }
  g_ptr_array_sort (values, (GCompareFunc) g_strcmp0);
  return values;
}

/* The label value of @name's sample equal to 1 among @prefix's samples
 * ('name{PREFIX,reason="X"} 1' gives X), or NULL. */
static gchar *
reason_of (GHashTable * m, const gchar * name, const gchar * prefix)
{
  g_autofree gchar *start = g_strdup_printf ("%s{%s%s" RB_METRIC_LABEL_REASON
      "=\"", name, prefix, *prefix ? "," : "");
  GHashTableIter it;
  gpointer key, value;

  g_hash_table_iter_init (&it, m);
  while (g_hash_table_iter_next (&it, &key, &value)) {
    const gchar *k = key, *end;

    if (*(gdouble *) value != 1 || !g_str_has_prefix (k, start))
      continue;
    end = strchr (k + strlen (start), '"');
    if (end != NULL)
      return g_strndup (k + strlen (start), end - k - strlen (start));
  }
  return NULL;
}

/* rtsp_blur_queue_segments{state=@state} */
static gdouble
queue_segments (GHashTable * m, RbJournalItemState state)
{
  g_autofree gchar *l = g_strdup_printf (RB_METRIC_LABEL_STATE "=\"%s\"",
      rb_journal_item_state_name (state));

  return get (m, RB_METRIC_QUEUE_SEGMENTS, l);
}

static gchar *
bytes (gdouble v)
{
  if (isnan (v))
    return g_strdup ("?");
  return g_format_size_full ((guint64) v, G_FORMAT_SIZE_IEC_UNITS);
}

gboolean
rb_status_print (const gchar * address, guint port, FILE * out,
    GError ** error)
{
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout",
      5, NULL);
  g_autofree gchar *url = g_strdup_printf ("http://%s%s%s:%u/metrics",
      strchr (address, ':') ? "[" : "", address,
      strchr (address, ':') ? "]" : "", port);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GHashTable) m = NULL;
  g_autoptr (GPtrArray) cameras = NULL, networks = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *raw = NULL, *anon = NULL, *free_s = NULL, *budget = NULL;
  gsize len;

  body = soup_session_send_and_read (session, msg, NULL, error);
  if (body == NULL) {
    g_prefix_error (error, "cannot reach rtsp-blur at %s (is it running?): ",
        url);
    return FALSE;
  }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s answered %u %s",
        url, soup_message_get_status (msg),
        soup_message_get_reason_phrase (msg));
    return FALSE;
  }
  text = g_strndup (g_bytes_get_data (body, &len), g_bytes_get_size (body));
  m = rb_status_parse (text);

  fprintf (out, "rtsp-blur status (%s)\n\n", url);
  fprintf (out, "%-20s %-12s %-18s %10s %10s %10s %10s %10s\n", "camera",
      "state", "recording", "frames", "reconnects", "last frame",
      "overload", "detections");
  cameras = label_values (m, RB_METRIC_CAMERA_UP, RB_METRIC_LABEL_CAMERA);
  for (guint i = 0; i < cameras->len; i++) {
    const gchar *cam = g_ptr_array_index (cameras, i);
    g_autofree gchar *l = g_strdup_printf (RB_METRIC_LABEL_CAMERA "=\"%s\"",
        cam);
    const gchar *state = "?";
    gdouble age = get (m, RB_METRIC_CAMERA_LAST_FRAME_AGE, l);
    g_autofree gchar *age_s = isnan (age) ? g_strdup ("-") :
        g_strdup_printf ("%.1f s", age);
    /* "paused (read-only)" while a write error pauses it */
    g_autofree gchar *why = reason_of (m, RB_METRIC_CAMERA_RECORDING_PAUSED,
        l);
    g_autofree gchar *recording = why ? g_strdup_printf ("paused (%s)", why)
        : g_strdup (get (m, RB_METRIC_CAMERA_RECORDING, l) == 1 ? "yes" :
        "no");

    for (RbCameraStatus k = 0; k < RB_CAMERA_N_STATUSES; k++) {
      g_autofree gchar *sl = g_strdup_printf ("%s," RB_METRIC_LABEL_STATE
          "=\"%s\"", l, rb_camera_status_name (k));

      if (get (m, RB_METRIC_CAMERA_STATE, sl) == 1)
        state = rb_camera_status_name (k);
    }
    fprintf (out, "%-20s %-12s %-18s %10.0f %10.0f %10s %10.0f %10.0f\n", cam,
        state, recording,
        get (m, RB_METRIC_CAMERA_FRAMES_RECEIVED, l),
        get (m, RB_METRIC_CAMERA_RECONNECTS, l), age_s,
        get (m, RB_METRIC_HEADBLUR_OVERLOAD_FRAMES, l),
        get (m, RB_METRIC_HEADBLUR_DETECTIONS, l));
  }

  fprintf (out, "\nqueue: %.0f pending, %.0f claimed, %.0f done, "
      "%.0f quarantined, %.0f evicted; oldest pending %.0f s\n",
      queue_segments (m, RB_JOURNAL_ITEM_PENDING),
      queue_segments (m, RB_JOURNAL_ITEM_CLAIMED),
      queue_segments (m, RB_JOURNAL_ITEM_DONE),
      queue_segments (m, RB_JOURNAL_ITEM_QUARANTINED),
      queue_segments (m, RB_JOURNAL_ITEM_EVICTED),
      get (m, RB_METRIC_QUEUE_OLDEST_PENDING_AGE, NULL));
  fprintf (out, "since start: %.0f segments anonymized, %.0f quarantined, "
      "%.0f evicted, %.0f failed attempts\n",
      get (m, RB_METRIC_SEGMENTS_ANONYMIZED, NULL),
      get (m, RB_METRIC_SEGMENTS_QUARANTINED, NULL),
      get (m, RB_METRIC_SEGMENTS_EVICTED, NULL),
      get (m, RB_METRIC_SEGMENTS_FAILED_ATTEMPTS, NULL));
  raw = bytes (get (m, RB_METRIC_DISK_USED, RB_METRIC_LABEL_KIND "=\""
          RB_METRIC_KIND_RAW "\""));
  anon = bytes (get (m, RB_METRIC_DISK_USED, RB_METRIC_LABEL_KIND "=\""
          RB_METRIC_KIND_ANONYMIZED "\""));
  free_s = bytes (get (m, RB_METRIC_DISK_FREE, NULL));
  budget = get (m, RB_METRIC_DISK_BUDGET, NULL) > 0 ?
      bytes (get (m, RB_METRIC_DISK_BUDGET, NULL)) :
      g_strdup ("none");
  fprintf (out, "disk: raw %s, anonymized %s, free %s, budget %s\n", raw,
      anon, free_s, budget);
  {
    g_autofree gchar *why = reason_of (m, RB_METRIC_WORKERS_PAUSED, "");

    /* the workers' write errors and the deletions still to do */
    fprintf (out, "writing: workers %s%s%s, %.0f pauses since start; %.0f "
        "files waiting to be deleted\n\n", why ? "paused (" : "running",
        why ? why : "", why ? ")" : "",
        get (m, RB_METRIC_WORKERS_PAUSES, NULL),
        get (m, RB_METRIC_DELETIONS_PENDING, NULL));
  }

  fprintf (out, "%-20s %-8s %12s %8s %8s\n", "network", "serving",
      "connections", "viewers", "refused");
  networks = label_values (m, RB_METRIC_NETWORK_SERVING,
      RB_METRIC_LABEL_NETWORK);
  for (guint i = 0; i < networks->len; i++) {
    const gchar *net = g_ptr_array_index (networks, i);
    g_autofree gchar *l = g_strdup_printf (RB_METRIC_LABEL_NETWORK "=\"%s\"",
        net);

    fprintf (out, "%-20s %-8s %12.0f %8.0f %8.0f\n", net,
        get (m, RB_METRIC_NETWORK_SERVING, l) == 1 ? "yes" : "no",
        get (m, RB_METRIC_NETWORK_CONNECTIONS, l),
        get (m, RB_METRIC_NETWORK_VIEWERS, l),
        get (m, RB_METRIC_NETWORK_REFUSED_CONNECTIONS, l));
  }
  return TRUE;
}
