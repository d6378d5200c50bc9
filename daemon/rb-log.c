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

/* See rb-log.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-log.h"

#include <stdio.h>
#include <string.h>

/* The least severe level written (GLib's levels grow less severe with
 * their bit): G_LOG_LEVEL_INFO writes errors, warnings, g_message and
 * g_info; G_LOG_LEVEL_DEBUG also g_debug. Set once, before the first
 * thread starts. */
static GLogLevelFlags rb_log_threshold = G_LOG_LEVEL_INFO;
/* stderr is connected to the systemd journal (JOURNAL_STREAM) */
static gboolean rb_log_to_journal = FALSE;

static const struct {
  const gchar *name;
  GLogLevelFlags threshold;
} rb_log_levels[] = {
  {"error", G_LOG_LEVEL_CRITICAL},
  {"warning", G_LOG_LEVEL_WARNING},
  {"info", G_LOG_LEVEL_INFO},
  {"debug", G_LOG_LEVEL_DEBUG},
};

gboolean
rb_log_set_level (const gchar * name, gboolean verbose)
{
  gsize i;

  if (name == NULL) {
    rb_log_threshold = verbose || g_getenv ("G_MESSAGES_DEBUG") != NULL ?
        G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_INFO;
    return TRUE;
  }
  for (i = 0; i < G_N_ELEMENTS (rb_log_levels); i++)
    if (g_str_equal (name, rb_log_levels[i].name)) {
      rb_log_threshold = verbose ? G_LOG_LEVEL_DEBUG :
          rb_log_levels[i].threshold;
      return TRUE;
    }
  return FALSE;
}

static GLogWriterOutput
rb_log_writer (GLogLevelFlags level, const GLogField * fields, gsize n_fields,
    gpointer user_data)
{
  const gchar *message = NULL, *prefix;
  guint severity = level & G_LOG_LEVEL_MASK;
  g_autoptr (GDateTime) now = NULL;
  g_autofree gchar *stamp = NULL;
  gsize i;

  /* the most severe bit set decides */
  severity &= ~severity + 1;
  if (severity > (guint) rb_log_threshold)
    return G_LOG_WRITER_HANDLED;
  if (rb_log_to_journal
      && g_log_writer_journald (level, fields, n_fields,
          user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  for (i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    prefix = "error";
  else if (level & G_LOG_LEVEL_WARNING)
    prefix = "warning";
  else if (level & G_LOG_LEVEL_DEBUG)
    prefix = "debug";
  else
    prefix = "info";
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%H:%M:%S.%f");
  /* microseconds cut to milliseconds */
  stamp[strlen (stamp) - 3] = '\0';
  fprintf (stderr, "%s rtsp-blur: %s: %s\n", stamp, prefix,
      message ? message : "");
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
rb_log_init (void)
{
  rb_log_to_journal = g_log_writer_is_journald (fileno (stderr));
  g_log_set_writer_func (rb_log_writer, NULL, NULL);
}
