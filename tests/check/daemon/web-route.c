/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The HTTP listener's routing decision (daemon/web/rb-web-route.c, apart
 * from rb-web.c so that it can be fuzzed alone): each route and the paths
 * that look like one but are not. */

#include <gst/check/gstcheck.h>

#include "rb-web-route.h"

static void
check_route (const gchar * method, const gchar * path, RbWebRoute expected,
    const gchar * camera, const gchar * file)
{
  g_autofree gchar *c = NULL, *f = NULL;

  assert_equals_int (rb_web_route (method, path, &c, &f), expected);
  assert_equals_string (c, camera);
  assert_equals_string (f, file);
}

GST_START_TEST (test_routes)
{
  check_route ("GET", "/", RB_WEB_ROUTE_FILE, NULL, NULL);
  check_route ("GET", "/app.js", RB_WEB_ROUTE_FILE, NULL, NULL);
  check_route ("HEAD", "/api/cameras", RB_WEB_ROUTE_CAMERAS, NULL, NULL);
  check_route ("GET", "/api/cameras/", RB_WEB_ROUTE_FILE, NULL, NULL);
  check_route ("GET", "/hls/lobby/index.m3u8", RB_WEB_ROUTE_HLS_PLAYLIST,
      "lobby", "index.m3u8");
  check_route ("GET", "/hls/lobby/segment12.ts", RB_WEB_ROUTE_HLS_SEGMENT,
      "lobby", "segment12.ts");
  /* empty parts are the handler's to refuse (no such camera, segment) */
  check_route ("GET", "/hls//index.m3u8", RB_WEB_ROUTE_HLS_PLAYLIST, "",
      "index.m3u8");
  check_route ("GET", "/hls/lobby/", RB_WEB_ROUTE_HLS_SEGMENT, "lobby", "");
  /* not CAMERA/FILE */
  check_route ("GET", "/hls/", RB_WEB_ROUTE_HLS_NOT_FOUND, NULL, NULL);
  check_route ("GET", "/hls/lobby", RB_WEB_ROUTE_HLS_NOT_FOUND, NULL, NULL);
  check_route ("GET", "/hls/a/b/index.m3u8", RB_WEB_ROUTE_HLS_NOT_FOUND,
      NULL, NULL);
  check_route ("GET", "/hls", RB_WEB_ROUTE_FILE, NULL, NULL);
  /* the camera's sub-stream: /hls/CAMERA/sub/FILE, its file "sub/FILE" */
  check_route ("GET", "/hls/lobby/sub/index.m3u8", RB_WEB_ROUTE_HLS_PLAYLIST,
      "lobby", "sub/index.m3u8");
  check_route ("GET", "/hls/lobby/sub/segment3.ts", RB_WEB_ROUTE_HLS_SEGMENT,
      "lobby", "sub/segment3.ts");
  check_route ("GET", "/hls/lobby/sub/a/index.m3u8",
      RB_WEB_ROUTE_HLS_NOT_FOUND, NULL, NULL);
  check_route ("GET", "/hls/lobby/main/index.m3u8",
      RB_WEB_ROUTE_HLS_NOT_FOUND, NULL, NULL);
  /* the snapshot of a camera: /snapshot/CAMERA.jpg */
  check_route ("GET", "/snapshot/lobby.jpg", RB_WEB_ROUTE_SNAPSHOT, "lobby",
      NULL);
  check_route ("HEAD", "/snapshot/a.b.jpg", RB_WEB_ROUTE_SNAPSHOT, "a.b",
      NULL);
  check_route ("GET", "/snapshot/.jpg", RB_WEB_ROUTE_FILE, NULL, NULL);
  check_route ("GET", "/snapshot/a/b.jpg", RB_WEB_ROUTE_FILE, NULL, NULL);
  check_route ("GET", "/snapshot/lobby.png", RB_WEB_ROUTE_FILE, NULL, NULL);
  check_route ("GET", "/snapshot/", RB_WEB_ROUTE_FILE, NULL, NULL);
  /* GET and HEAD only */
  check_route ("POST", "/api/cameras", RB_WEB_ROUTE_METHOD_NOT_ALLOWED, NULL,
      NULL);
  check_route ("get", "/", RB_WEB_ROUTE_METHOD_NOT_ALLOWED, NULL, NULL);
  check_route (NULL, "/", RB_WEB_ROUTE_METHOD_NOT_ALLOWED, NULL, NULL);
  /* the ONVIF services take POST (their handler answers 405 to others) */
  check_route ("POST", "/onvif/device_service", RB_WEB_ROUTE_ONVIF, NULL,
      NULL);
  check_route ("POST", "/onvif/media_service", RB_WEB_ROUTE_ONVIF, NULL,
      NULL);
  check_route ("GET", "/onvif/device_service", RB_WEB_ROUTE_ONVIF, NULL,
      NULL);
  check_route ("POST", "/onvif/", RB_WEB_ROUTE_METHOD_NOT_ALLOWED, NULL,
      NULL);
  check_route ("POST", "/onvif/a/b", RB_WEB_ROUTE_METHOD_NOT_ALLOWED, NULL,
      NULL);
  check_route ("GET", "/onvif", RB_WEB_ROUTE_FILE, NULL, NULL);
  assert_equals_int (rb_web_route ("GET", "/hls/a/b", NULL, NULL),
      RB_WEB_ROUTE_HLS_SEGMENT);
}

GST_END_TEST;

static Suite *
web_route_suite (void)
{
  Suite *s = suite_create ("web-route");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_routes);
  return s;
}

GST_CHECK_MAIN (web_route);
