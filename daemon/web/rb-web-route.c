/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The HTTP listener's routing decision (see rb-web-route.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-web-route.h"

#include <string.h>

#define HLS_PREFIX "/hls/"
#define SNAPSHOT_PREFIX "/snapshot/"
#define SNAPSHOT_SUFFIX ".jpg"
#define ONVIF_PREFIX "/onvif/"

/**
 * rb_web_route:
 * @method: the request method ("GET")
 * @path: the request path
 * @camera: (out) (optional) (transfer full) (nullable): the camera of an
 *   HLS route
 * @file: (out) (optional) (transfer full) (nullable): the file of an HLS
 *   route
 *
 * Returns: the handler of the request.
 */
RbWebRoute
rb_web_route (const gchar * method, const gchar * path, gchar ** camera,
    gchar ** file)
{
  if (camera)
    *camera = NULL;
  if (file)
    *file = NULL;
  if (path != NULL && g_str_has_prefix (path, ONVIF_PREFIX)
      && path[strlen (ONVIF_PREFIX)] != '\0'
      && strchr (path + strlen (ONVIF_PREFIX), '/') == NULL)
    return method != NULL ? RB_WEB_ROUTE_ONVIF :
        RB_WEB_ROUTE_METHOD_NOT_ALLOWED;
  if (method == NULL || path == NULL
      || (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0))
    return RB_WEB_ROUTE_METHOD_NOT_ALLOWED;

  if (g_str_has_prefix (path, HLS_PREFIX)) {
    /* exactly CAMERA/FILE or CAMERA/sub/FILE after the prefix */
    const gchar *cam = path + strlen (HLS_PREFIX);
    const gchar *slash = strchr (cam, '/');
    const gchar *name;

    if (slash == NULL)
      return RB_WEB_ROUTE_HLS_NOT_FOUND;
    name = slash + 1;
    if (g_str_has_prefix (name, RB_WEB_ROUTE_SUB_PREFIX))
      name += strlen (RB_WEB_ROUTE_SUB_PREFIX);
    if (strchr (name, '/') != NULL)
      return RB_WEB_ROUTE_HLS_NOT_FOUND;
    if (camera)
      *camera = g_strndup (cam, slash - cam);
    if (file)
      *file = g_strdup (slash + 1);
    return g_str_equal (name, "index.m3u8") ? RB_WEB_ROUTE_HLS_PLAYLIST :
        RB_WEB_ROUTE_HLS_SEGMENT;
  }
  if (g_str_equal (path, "/api/cameras"))
    return RB_WEB_ROUTE_CAMERAS;
  if (g_str_has_prefix (path, SNAPSHOT_PREFIX)
      && g_str_has_suffix (path, SNAPSHOT_SUFFIX)) {
    const gchar *cam = path + strlen (SNAPSHOT_PREFIX);
    gsize len = strlen (cam) - strlen (SNAPSHOT_SUFFIX);

    if (strlen (path) >= strlen (SNAPSHOT_PREFIX) + strlen (SNAPSHOT_SUFFIX)
        && len > 0 && memchr (cam, '/', len) == NULL) {
      if (camera)
        *camera = g_strndup (cam, len);
      return RB_WEB_ROUTE_SNAPSHOT;
    }
  }
  return RB_WEB_ROUTE_FILE;
}
