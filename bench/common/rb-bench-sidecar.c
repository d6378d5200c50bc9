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

/* See rb-bench-sidecar.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-bench-sidecar.h"

static GstPadProbeReturn
rb_bench_sidecar_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gchar *line;

  if (!GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_PAD_PROBE_OK;
  line = rb_detections_format (buffer, GST_BUFFER_PTS (buffer));
  if (line != NULL)
    rb_sidecar_writer_add (user_data, GST_BUFFER_PTS (buffer), line);
  g_free (line);
  return GST_PAD_PROBE_OK;
}

/**
 * rb_bench_sidecar_record:
 * @headblur: a headblur with attach-meta=true
 * @writer: the writer its frames' lines go to
 *
 * Writes the sidecar line of every frame out of @headblur into @writer.
 */
void
rb_bench_sidecar_record (GstElement * headblur, RbSidecarWriter * writer)
{
  GstPad *pad = gst_element_get_static_pad (headblur, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, rb_bench_sidecar_probe,
      writer, NULL);
  gst_object_unref (pad);
}

/**
 * rb_bench_find_headblur:
 * @bin: a bin
 *
 * Returns: (transfer full) (nullable): the first headblur inside @bin.
 */
GstElement *
rb_bench_find_headblur (GstElement * bin)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue v = G_VALUE_INIT;
  GstElement *found = NULL;

  while (!found && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_str_equal (GST_OBJECT_NAME (f), "headblur"))
      found = gst_object_ref (e);
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return found;
}

/**
 * rb_bench_sidecar_feed:
 * @headblur: the worker's headblur
 * @segment: the raw segment whose sidecar (SEGMENT.detections) is read
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the smoothed detections fed to
 * @headblur, or %NULL with @error.
 */
RbDetections *
rb_bench_sidecar_feed (GstElement * headblur, const gchar * segment,
    GError ** error)
{
  guint64 hold = GST_SECOND;
  RbDetections *det;

  g_object_get (headblur, "hold-time", &hold, NULL);
  det = rb_detections_load (segment, hold, error);
  if (det == NULL)
    return NULL;
  g_object_set (headblur, "upstream-detections", TRUE, NULL);
  rb_detections_feed (det, headblur);
  return det;
}
