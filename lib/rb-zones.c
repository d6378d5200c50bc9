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

/**
 * SECTION:rb-zones
 * @title: Privacy zones
 * @short_description: the one parser of privacy-zones strings
 *
 * A privacy-zones string lists polygons separated by ';'; a polygon is at
 * least 3 points separated by white space; a point is "x,y" with both
 * coordinates from 0 to 1, fractions of the frame's width and height:
 *
 *   "0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1"
 *
 * One trailing ';' is tolerated. headblur (its privacy-zones property) and
 * the launcher (the privacy-zones keys of its config) both use this parser.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-zones.h"

#include <math.h>

G_DEFINE_QUARK (rb-zones-error-quark, rb_zones_error);

static gboolean
parse_point (const gchar * text, guint polygon, gdouble v[2], GError ** error)
{
  g_auto (GStrv) xy = g_strsplit (text, ",", -1);

  if (g_strv_length (xy) != 2) {
    g_set_error (error, RB_ZONES_ERROR, RB_ZONES_ERROR_INVALID,
        "polygon %u: point \"%s\" is not x,y", polygon, text);
    return FALSE;
  }
  for (guint k = 0; k < 2; k++) {
    gchar *end = NULL;

    v[k] = g_ascii_strtod (xy[k], &end);
    if (end == xy[k] || *end != '\0' || !isfinite (v[k]) || v[k] < 0.0
        || v[k] > 1.0) {
      g_set_error (error, RB_ZONES_ERROR, RB_ZONES_ERROR_INVALID,
          "polygon %u: \"%s\" is not a number from 0 to 1", polygon, xy[k]);
      return FALSE;
    }
  }
  return TRUE;
}

/**
 * rb_zones_parse:
 * @zones: (nullable): a privacy-zones string
 * @error: return location for an error (RB_ZONES_ERROR_INVALID, the
 *   message names the polygon and what is wrong with it)
 *
 * Returns: (transfer full) (nullable): one #GArray of gdouble per polygon,
 * holding x0, y0, x1, y1, ... (fractions of the frame); an empty array for
 * %NULL or a blank string; %NULL with @error set when @zones is invalid.
 */
GPtrArray *
rb_zones_parse (const gchar * zones, GError ** error)
{
  g_autoptr (GPtrArray) polygons =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_auto (GStrv) parts = NULL;

  if (zones == NULL)
    return g_steal_pointer (&polygons);
  while (g_ascii_isspace (*zones))
    zones++;
  if (*zones == '\0')
    return g_steal_pointer (&polygons);

  parts = g_strsplit (zones, ";", -1);
  for (guint i = 0; parts[i]; i++) {
    g_auto (GStrv) points = NULL;
    GArray *poly;

    g_strstrip (parts[i]);
    if (parts[i][0] == '\0' && parts[i + 1] == NULL && i > 0)
      break;                    /* one trailing ';' */
    poly = g_array_new (FALSE, FALSE, sizeof (gdouble));
    g_ptr_array_add (polygons, poly);
    points = g_strsplit_set (parts[i], " \t", -1);
    for (guint j = 0; points[j]; j++) {
      gdouble v[2];

      if (points[j][0] == '\0')
        continue;
      if (!parse_point (points[j], i + 1, v, error))
        return NULL;
      g_array_append_vals (poly, v, 2);
    }
    if (poly->len < 6) {
      g_set_error (error, RB_ZONES_ERROR, RB_ZONES_ERROR_INVALID,
          "polygon %u has %u points, needs at least 3", i + 1, poly->len / 2);
      return NULL;
    }
  }
  return g_steal_pointer (&polygons);
}
