/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target web-route: the HTTP listener's routing decision
 * (daemon/web/rb-web-route.c), from what a client sends.
 *
 * Input: "METHOD PATH[?QUERY]" (a request line without the version; the
 * first line only). The query is cut off as libsoup does before our
 * handler sees the path, and libsoup parses it into a table our handlers
 * never read: there is no query parser of ours to fuzz. Checks: an HLS
 * route's camera and file never hold '/', and the route depends on the
 * method only through GET/HEAD. */

#include "rb-fuzz.h"
#include "rb-web-route.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *line = g_strndup ((const gchar *) data, size);
  g_autofree gchar *camera = NULL, *file = NULL;
  gchar *path, *query, *nl;
  RbWebRoute route, as_get;

  if ((nl = strpbrk (line, "\r\n")) != NULL)
    *nl = '\0';
  path = strchr (line, ' ');
  if (path == NULL)
    return 0;
  *path++ = '\0';
  if ((query = strchr (path, '?')) != NULL)
    *query = '\0';

  route = rb_web_route (line, path, &camera, &file);
  if (route == RB_WEB_ROUTE_HLS_PLAYLIST || route == RB_WEB_ROUTE_HLS_SEGMENT) {
    rb_fuzz_assert (camera != NULL && file != NULL, path);
    /* FILE, or the sub-stream's "sub/FILE": FILE holds no '/' */
    const gchar *name = g_str_has_prefix (file, RB_WEB_ROUTE_SUB_PREFIX) ?
        file + strlen (RB_WEB_ROUTE_SUB_PREFIX) : file;

    rb_fuzz_assert (strchr (camera, '/') == NULL, path);
    rb_fuzz_assert (strchr (name, '/') == NULL, path);
    rb_fuzz_assert ((route == RB_WEB_ROUTE_HLS_PLAYLIST) ==
        (strcmp (name, "index.m3u8") == 0), path);
  } else if (route == RB_WEB_ROUTE_SNAPSHOT) {
    rb_fuzz_assert (camera != NULL && *camera != '\0' && file == NULL, path);
    rb_fuzz_assert (strchr (camera, '/') == NULL, path);
    rb_fuzz_assert (g_str_has_prefix (path, "/snapshot/")
        && g_str_has_suffix (path, ".jpg"), path);
  } else {
    rb_fuzz_assert (camera == NULL && file == NULL, path);
  }
  /* the ONVIF services: one segment after /onvif/, any method */
  rb_fuzz_assert ((route == RB_WEB_ROUTE_ONVIF) ==
      (g_str_has_prefix (path, "/onvif/") && path[7] != '\0'
          && strchr (path + 7, '/') == NULL), path);
  if (strcmp (line, "GET") == 0 || strcmp (line, "HEAD") == 0)
    rb_fuzz_assert (route != RB_WEB_ROUTE_METHOD_NOT_ALLOWED, line);
  else
    rb_fuzz_assert (route == RB_WEB_ROUTE_METHOD_NOT_ALLOWED
        || route == RB_WEB_ROUTE_ONVIF, line);

  /* GET and HEAD route alike */
  as_get = rb_web_route ("GET", path, NULL, NULL);
  rb_fuzz_assert (route == RB_WEB_ROUTE_METHOD_NOT_ALLOWED || as_get == route,
      path);
  return 0;
}
