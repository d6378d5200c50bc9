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

/* The bounded stop of a camera pipeline (daemon/camera/rb-teardown.c). */

#include <gst/check/gstcheck.h>

#include "rb-teardown.h"

/* An element whose PAUSED -> READY waits until released, as rtspsrc's does
 * when its threads deadlock. */
typedef struct {
  GstElement parent;
} RbStuck;
typedef struct {
  GstElementClass parent_class;
} RbStuckClass;

static GType rb_stuck_get_type (void);
G_DEFINE_TYPE (RbStuck, rb_stuck, GST_TYPE_ELEMENT);

static GMutex stuck_lock;
static GCond stuck_cond;
static gboolean stuck_released;
static gboolean stuck_entered;

static GstStateChangeReturn
rb_stuck_change_state (GstElement * element, GstStateChange transition)
{
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    g_mutex_lock (&stuck_lock);
    stuck_entered = TRUE;
    while (!stuck_released)
      g_cond_wait (&stuck_cond, &stuck_lock);
    g_mutex_unlock (&stuck_lock);
  }
  return GST_ELEMENT_CLASS (rb_stuck_parent_class)->change_state (element,
      transition);
}

static void
rb_stuck_class_init (RbStuckClass * klass)
{
  GST_ELEMENT_CLASS (klass)->change_state = rb_stuck_change_state;
}

static void
rb_stuck_init (RbStuck * self)
{
}

static GstElement *
pipeline_with (GstElement * element)
{
  GstElement *pipeline = gst_pipeline_new (NULL);

  gst_bin_add (GST_BIN (pipeline), element);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  return pipeline;
}

GST_START_TEST (test_stops)
{
  GstElement *pipeline = pipeline_with (g_object_new (rb_stuck_get_type (),
          NULL));
  gint64 t0 = g_get_monotonic_time ();
  GstState state;

  stuck_released = TRUE;
  fail_unless (rb_teardown_set_null (pipeline, 5 * G_USEC_PER_SEC));
  fail_unless (g_get_monotonic_time () - t0 < 2 * G_USEC_PER_SEC);
  gst_element_get_state (pipeline, &state, NULL, 0);
  fail_unless_equals_int (state, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_stuck_is_bounded)
{
  GstElement *pipeline = pipeline_with (g_object_new (rb_stuck_get_type (),
          NULL));
  GWeakRef weak;
  gint64 t0 = g_get_monotonic_time (), elapsed;

  stuck_released = FALSE;
  stuck_entered = FALSE;
  g_weak_ref_init (&weak, pipeline);
  fail_if (rb_teardown_set_null (pipeline, G_USEC_PER_SEC / 4));
  elapsed = g_get_monotonic_time () - t0;
  fail_unless (elapsed >= G_USEC_PER_SEC / 4, "returned after %" G_GINT64_FORMAT
      " us", elapsed);
  fail_unless (elapsed < 3 * G_USEC_PER_SEC, "took %" G_GINT64_FORMAT " us",
      elapsed);
  fail_unless (stuck_entered);
  /* the caller lets go; the stuck thread still holds the pipeline */
  gst_object_unref (pipeline);
  {
    GstElement *still = g_weak_ref_get (&weak);

    fail_unless (still != NULL);
    gst_object_unref (still);
  }
  /* once unstuck, it reaches NULL and is freed */
  g_mutex_lock (&stuck_lock);
  stuck_released = TRUE;
  g_cond_broadcast (&stuck_cond);
  g_mutex_unlock (&stuck_lock);
  for (gint i = 0; i < 100; i++) {
    GstElement *still = g_weak_ref_get (&weak);

    if (still == NULL)
      break;
    gst_object_unref (still);
    g_usleep (50000);
  }
  fail_unless (g_weak_ref_get (&weak) == NULL);
  g_weak_ref_clear (&weak);
}

GST_END_TEST;

static Suite *
teardown_suite (void)
{
  Suite *s = suite_create ("teardown");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_stops);
  tcase_add_test (tc, test_stuck_is_bounded);
  return s;
}

GST_CHECK_MAIN (teardown);
