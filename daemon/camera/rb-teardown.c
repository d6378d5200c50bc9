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

/* A state change to NULL that cannot hang its caller.
 *
 * The camera supervisor runs on the main loop, which also serves the
 * listeners, the metrics and every other camera. GStreamer 1.22's rtspsrc
 * can deadlock among its own threads when a camera goes away over UDP: the
 * RTCP BYE (rtpbin's on-bye-ssrc, in the RTCP udpsrc's thread) and the close
 * of the RTSP connection (rtspsrc's task) both send EOS to the same udpsrc,
 * and a gst_element_set_state (NULL) then waits forever for rtspsrc's task.
 * Found with gdb on the camera-zoo benchmark (a VLC camera stopped).
 */

#include "rb-teardown.h"

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  GstElement *element;
} RbTeardown;

static void
rb_teardown_clear (RbTeardown * t)
{
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->cond);
  gst_object_unref (t->element);
}

static gpointer
rb_teardown_thread (gpointer data)
{
  RbTeardown *t = data;

  gst_element_set_state (t->element, GST_STATE_NULL);
  g_mutex_lock (&t->lock);
  t->done = TRUE;
  g_cond_signal (&t->cond);
  g_mutex_unlock (&t->lock);
  g_atomic_rc_box_release_full (t, (GDestroyNotify) rb_teardown_clear);
  return NULL;
}

/**
 * rb_teardown_set_null:
 * @element: the element (pipeline) to stop
 * @timeout_us: how long to wait, in microseconds
 *
 * Sets @element to %GST_STATE_NULL from a thread of its own and waits at
 * most @timeout_us for it. When it did not get there, the thread keeps a
 * reference to @element, so the element is freed only if its state change
 * ever ends; the caller may drop its own reference either way.
 *
 * Returns: %TRUE when @element reached NULL in time.
 */
gboolean
rb_teardown_set_null (GstElement * element, gint64 timeout_us)
{
  RbTeardown *t = g_atomic_rc_box_new0 (RbTeardown);
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  gboolean done;

  g_mutex_init (&t->lock);
  g_cond_init (&t->cond);
  t->element = gst_object_ref (element);
  g_thread_unref (g_thread_new ("rb-teardown", rb_teardown_thread,
          g_atomic_rc_box_acquire (t)));
  g_mutex_lock (&t->lock);
  while (!t->done && g_cond_wait_until (&t->cond, &t->lock, deadline));
  done = t->done;
  g_mutex_unlock (&t->lock);
  g_atomic_rc_box_release_full (t, (GDestroyNotify) rb_teardown_clear);
  return done;
}
