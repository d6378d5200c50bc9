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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-snapshot.h"

#include <gst/video/video.h>

typedef struct {
  RbSnapshotFunc func;
  gpointer user_data;
} RbWaiter;

typedef struct {
  GBytes *jpeg;                 /* the last made, or NULL */
  GstBuffer *made_from;         /* its frame (compared, never read) */
  gint64 made_us;               /* monotonic */
  gboolean busy;                /* a JPEG is being made */
  GArray *waiting;              /* RbWaiter */
} RbCameraSnapshot;

struct _RbSnapshots {
  RbCameraSnapshot *cameras;
  guint n_cameras;
  GThreadPool *pool;            /* one thread: the encoder */
  GMainContext *context;
  gboolean freed;               /* a job may still be running */
};

typedef struct {
  RbSnapshots *snapshots;
  guint index;
  GstSample *picture;
  GBytes *jpeg;
  gchar *why;
} RbJob;

static gboolean
rb_snapshots_done (gpointer data)
{
  RbJob *job = data;
  RbSnapshots *s = job->snapshots;
  RbCameraSnapshot *c = &s->cameras[job->index];
  GArray *waiting = c->waiting;

  c->busy = FALSE;
  if (job->jpeg != NULL) {
    g_clear_pointer (&c->jpeg, g_bytes_unref);
    c->jpeg = g_bytes_ref (job->jpeg);
    gst_buffer_replace (&c->made_from, gst_sample_get_buffer (job->picture));
    c->made_us = g_get_monotonic_time ();
  }
  c->waiting = g_array_new (FALSE, FALSE, sizeof (RbWaiter));
  for (guint i = 0; i < waiting->len; i++) {
    RbWaiter *w = &g_array_index (waiting, RbWaiter, i);

    w->func (job->jpeg, job->why, w->user_data);
  }
  g_array_unref (waiting);
  g_clear_pointer (&job->jpeg, g_bytes_unref);
  gst_sample_unref (job->picture);
  g_free (job->why);
  g_free (job);
  return G_SOURCE_REMOVE;
}

/* the encoder thread */
static void
rb_snapshots_make (gpointer data, gpointer user_data)
{
  RbJob *job = data;
  RbSnapshots *s = user_data;
  g_autoptr (GstCaps) caps = gst_caps_new_empty_simple ("image/jpeg");
  GError *err = NULL;
  GstSample *out = gst_video_convert_sample (job->picture, caps,
      5 * GST_SECOND, &err);

  if (out != NULL) {
    GstMapInfo map;
    GstBuffer *b = gst_sample_get_buffer (out);

    if (gst_buffer_map (b, &map, GST_MAP_READ)) {
      job->jpeg = g_bytes_new (map.data, map.size);
      gst_buffer_unmap (b, &map);
    }
    gst_sample_unref (out);
  }
  if (job->jpeg == NULL)
    job->why = g_strdup_printf ("cannot encode the frame: %s",
        err ? err->message : "no output");
  g_clear_error (&err);
  g_main_context_invoke (s->context, rb_snapshots_done, job);
}

RbSnapshots *
rb_snapshots_new (guint n_cameras)
{
  RbSnapshots *s = g_new0 (RbSnapshots, 1);

  s->n_cameras = n_cameras;
  s->cameras = g_new0 (RbCameraSnapshot, MAX (n_cameras, 1));
  for (guint i = 0; i < n_cameras; i++)
    s->cameras[i].waiting = g_array_new (FALSE, FALSE, sizeof (RbWaiter));
  s->pool = g_thread_pool_new (rb_snapshots_make, s, 1, FALSE, NULL);
  s->context = g_main_context_ref_thread_default ();
  return s;
}

void
rb_snapshots_free (RbSnapshots * s)
{
  if (s == NULL)
    return;
  /* lets a running job finish; its answer is dispatched before the main
   * context goes (the waiters' messages are the listener's) */
  g_thread_pool_free (s->pool, FALSE, TRUE);
  while (g_main_context_pending (s->context))
    g_main_context_iteration (s->context, FALSE);
  for (guint i = 0; i < s->n_cameras; i++) {
    g_clear_pointer (&s->cameras[i].jpeg, g_bytes_unref);
    gst_clear_buffer (&s->cameras[i].made_from);
    g_array_unref (s->cameras[i].waiting);
  }
  g_main_context_unref (s->context);
  g_free (s->cameras);
  g_free (s);
}

gboolean
rb_snapshots_get (RbSnapshots * s, guint index, GstSample * picture,
    RbSnapshotFunc func, gpointer user_data)
{
  RbCameraSnapshot *c;
  RbWaiter w = { func, user_data };
  RbJob *job;

  g_return_val_if_fail (index < s->n_cameras, FALSE);
  c = &s->cameras[index];
  if (c->jpeg != NULL && (gst_sample_get_buffer (picture) == c->made_from
          || g_get_monotonic_time () - c->made_us <
          RB_SNAPSHOT_MIN_INTERVAL_US)) {
    func (c->jpeg, NULL, user_data);
    return TRUE;
  }
  if (c->waiting->len >= RB_SNAPSHOT_MAX_WAITING)
    return FALSE;
  g_array_append_val (c->waiting, w);
  if (c->busy)
    return TRUE;
  c->busy = TRUE;
  job = g_new0 (RbJob, 1);
  job->snapshots = s;
  job->index = index;
  job->picture = gst_sample_ref (picture);
  g_thread_pool_push (s->pool, job, NULL);
  return TRUE;
}
