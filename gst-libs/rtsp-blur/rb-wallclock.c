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

#include "rb-wallclock.h"

/* anchors kept: the live path needs the last one only, a worker those of
 * one segment's sidecar (one a second) */
#define RB_WALLCLOCK_MAX_ANCHORS 4096

typedef struct {
  guint64 rt;
  gint64 unix_ns;
} RbAnchor;

struct _RbWallclock {
  GMutex lock;
  gboolean by_pts;              /* rb_wallclock_stamp() */
  GArray *anchors;              /* RbAnchor, by rt; protected by lock */
  gint64 first_unix_ns;         /* or G_MININT64; protected by lock */
  gboolean arrival;             /* the only anchor is an arrival time */
  GstCaps *caps;
};

RbWallclock *
rb_wallclock_new (void)
{
  RbWallclock *clock = g_new0 (RbWallclock, 1);

  g_mutex_init (&clock->lock);
  clock->anchors = g_array_new (FALSE, FALSE, sizeof (RbAnchor));
  clock->first_unix_ns = G_MININT64;
  clock->caps = gst_caps_from_string (RB_WALLCLOCK_CAPS);
  return clock;
}

void
rb_wallclock_free (RbWallclock * clock)
{
  if (clock == NULL)
    return;
  g_array_unref (clock->anchors);
  gst_caps_unref (clock->caps);
  g_mutex_clear (&clock->lock);
  g_free (clock);
}

static void
add_anchor_locked (RbWallclock * clock, guint64 rt, gint64 unix_ns)
{
  RbAnchor a = { rt, unix_ns };
  guint i = clock->anchors->len;

  while (i > 0 && g_array_index (clock->anchors, RbAnchor, i - 1).rt > rt)
    i--;
  if (i > 0 && g_array_index (clock->anchors, RbAnchor, i - 1).rt == rt)
    g_array_index (clock->anchors, RbAnchor, i - 1) = a;
  else
    g_array_insert_val (clock->anchors, i, a);
  if (clock->anchors->len > RB_WALLCLOCK_MAX_ANCHORS)
    g_array_remove_index (clock->anchors, 0);
}

void
rb_wallclock_add_anchor (RbWallclock * clock, guint64 rt, gint64 unix_ns)
{
  g_mutex_lock (&clock->lock);
  if (clock->arrival) {
    /* the camera's own time replaces the arrival guess */
    g_array_set_size (clock->anchors, 0);
    clock->arrival = FALSE;
  }
  add_anchor_locked (clock, rt, unix_ns);
  g_mutex_unlock (&clock->lock);
}

void
rb_wallclock_set_first (RbWallclock * clock, gint64 unix_ns)
{
  g_mutex_lock (&clock->lock);
  clock->first_unix_ns = unix_ns;
  g_mutex_unlock (&clock->lock);
}

static gboolean
lookup_locked (RbWallclock * clock, guint64 rt, gint64 * unix_ns)
{
  const RbAnchor *a = NULL;

  if (clock->anchors->len == 0)
    return FALSE;
  for (guint i = clock->anchors->len; i > 0; i--) {
    a = &g_array_index (clock->anchors, RbAnchor, i - 1);
    if (a->rt <= rt)
      break;
  }
  /* before the first anchor: from the first one */
  *unix_ns = a->unix_ns + ((gint64) rt - (gint64) a->rt);
  return TRUE;
}

gboolean
rb_wallclock_lookup (RbWallclock * clock, guint64 rt, gint64 * unix_ns)
{
  gboolean ok;

  g_mutex_lock (&clock->lock);
  ok = lookup_locked (clock, rt, unix_ns);
  g_mutex_unlock (&clock->lock);
  return ok;
}

guint64
rb_wallclock_running_time (GstPad * pad, GstBuffer * buffer)
{
  GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  guint64 rt = GST_CLOCK_TIME_NONE;

  if (ev != NULL) {
    const GstSegment *segment;

    gst_event_parse_segment (ev, &segment);
    if (segment->format == GST_FORMAT_TIME)
      rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
          GST_BUFFER_PTS (buffer));
    gst_event_unref (ev);
  }
  return rt;
}

static GstPadProbeReturn
learn_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbWallclock *clock = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstReferenceTimestampMeta *meta;
  guint64 rt = rb_wallclock_running_time (pad, buffer);

  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  meta = gst_buffer_get_reference_timestamp_meta (buffer, clock->caps);
  if (meta != NULL && meta->timestamp >= RB_WALLCLOCK_NTP_UNIX_S * GST_SECOND) {
    rb_wallclock_add_anchor (clock, rt, (gint64) (meta->timestamp -
            RB_WALLCLOCK_NTP_UNIX_S * GST_SECOND));
    return GST_PAD_PROBE_OK;
  }
  g_mutex_lock (&clock->lock);
  if (clock->anchors->len == 0) {
    add_anchor_locked (clock, rt, g_get_real_time () * 1000);
    clock->arrival = TRUE;
  }
  g_mutex_unlock (&clock->lock);
  return GST_PAD_PROBE_OK;
}

void
rb_wallclock_learn (RbWallclock * clock, GstPad * pad)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, learn_probe, clock,
      NULL);
}

static gboolean
remove_ntp_meta (GstBuffer * buffer, GstMeta ** meta, gpointer data)
{
  RbWallclock *clock = data;

  if ((*meta)->info->api == GST_REFERENCE_TIMESTAMP_META_API_TYPE
      && gst_caps_is_equal (((GstReferenceTimestampMeta *) * meta)->reference,
          clock->caps))
    *meta = NULL;
  return TRUE;
}

static GstPadProbeReturn
stamp_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbWallclock *clock = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 rt = clock->by_pts ? GST_BUFFER_PTS (buffer) :
      rb_wallclock_running_time (pad, buffer);
  gint64 unix_ns = 0;
  gboolean ok;

  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&clock->lock);
  if (clock->anchors->len == 0 && clock->first_unix_ns != G_MININT64)
    add_anchor_locked (clock, rt, clock->first_unix_ns);
  ok = lookup_locked (clock, rt, &unix_ns);
  g_mutex_unlock (&clock->lock);
  buffer = gst_buffer_make_writable (buffer);
  gst_buffer_foreach_meta (buffer, remove_ntp_meta, clock);
  /* no time known: timeoverlay shows the epoch, never a wrong time */
  if (ok && unix_ns > 0)
    gst_buffer_add_reference_timestamp_meta (buffer, clock->caps,
        (guint64) unix_ns + RB_WALLCLOCK_NTP_UNIX_S * GST_SECOND,
        GST_CLOCK_TIME_NONE);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

void
rb_wallclock_stamp (RbWallclock * clock, GstPad * pad, gboolean by_pts)
{
  clock->by_pts = by_pts;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe, clock,
      NULL);
}

void
rb_wallclock_setup_overlay (GstElement * overlay)
{
  GDateTime *utc, *local;

  if (overlay == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS
          (overlay), "datetime-epoch") == NULL)
    return;
  /* the prime epoch of the NTP times, shown in the local time zone */
  utc = g_date_time_new_utc (1900, 1, 1, 0, 0, 0);
  local = g_date_time_to_local (utc);
  g_object_set (overlay, "datetime-epoch", local, NULL);
  g_date_time_unref (local);
  g_date_time_unref (utc);
}
