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

#include "rb-eval-data.h"

#include <gst/app/gstappsink.h>
#include <math.h>
#include <string.h>

typedef struct {
  GArray *boxes;                /* RbEvalBox */
  const gchar *field;           /* xmin/ymin/xmax/ymax being read, or NULL */
  RbEvalBox cur;
} VocParse;

static void
voc_start (GMarkupParseContext * ctx, const gchar * name,
    const gchar ** an, const gchar ** av, gpointer data, GError ** error)
{
  VocParse *p = data;

  if (g_str_equal (name, "xmin") || g_str_equal (name, "ymin")
      || g_str_equal (name, "xmax") || g_str_equal (name, "ymax"))
    p->field = g_intern_string (name);
  else if (g_str_equal (name, "object"))
    memset (&p->cur, 0, sizeof (p->cur));
}

static void
voc_end (GMarkupParseContext * ctx, const gchar * name, gpointer data,
    GError ** error)
{
  VocParse *p = data;

  p->field = NULL;
  if (g_str_equal (name, "object") && p->cur.x1 > p->cur.x0
      && p->cur.y1 > p->cur.y0)
    g_array_append_val (p->boxes, p->cur);
}

static void
voc_text (GMarkupParseContext * ctx, const gchar * text, gsize len,
    gpointer data, GError ** error)
{
  VocParse *p = data;
  gchar *s;
  gint v;

  if (p->field == NULL)
    return;
  s = g_strndup (text, len);
  v = (gint) lround (g_ascii_strtod (s, NULL));
  g_free (s);
  if (p->field == g_intern_static_string ("xmin"))
    p->cur.x0 = v;
  else if (p->field == g_intern_static_string ("ymin"))
    p->cur.y0 = v;
  else if (p->field == g_intern_static_string ("xmax"))
    p->cur.x1 = v;
  else if (p->field == g_intern_static_string ("ymax"))
    p->cur.y1 = v;
}

GArray *
rb_eval_load_voc (const gchar * path, GError ** error)
{
  GMarkupParser parser = { voc_start, voc_end, voc_text, NULL, NULL };
  VocParse p = { g_array_new (FALSE, FALSE, sizeof (RbEvalBox)), NULL, {0,} };
  GMarkupParseContext *ctx;
  gchar *xml;
  gsize len;
  gboolean ok;

  if (!g_file_get_contents (path, &xml, &len, error)) {
    g_array_unref (p.boxes);
    return NULL;
  }
  ctx = g_markup_parse_context_new (&parser, 0, &p, NULL);
  ok = g_markup_parse_context_parse (ctx, xml, len, error);
  g_markup_parse_context_free (ctx);
  g_free (xml);
  if (!ok) {
    g_array_unref (p.boxes);
    return NULL;
  }
  return p.boxes;
}

GstSample *
rb_eval_decode_jpeg (const gchar * path, const gchar * caps, GError ** error)
{
  GstElement *pipeline, *sink;
  GstSample *sample;
  gchar *desc;

  desc = g_strdup_printf ("filesrc location=\"%s\" ! jpegparse ! jpegdec ! "
      "videoconvert ! videoscale ! %s ! appsink name=sink sync=false", path,
      caps);
  pipeline = gst_parse_launch (desc, error);
  g_free (desc);
  if (pipeline == NULL)
    return NULL;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
      60 * GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  if (sample == NULL)
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "no frame decoded from %s", path);
  return sample;
}
