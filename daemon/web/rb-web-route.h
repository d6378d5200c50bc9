/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WEB_ROUTE_H__
#define __RB_WEB_ROUTE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Which handler of the HTTP listener (rb-web.c) answers a request, from its
 * method and path alone: GLib only, no libsoup, so that it can be fuzzed.
 * The handlers then check what needs the daemon's state (does the network
 * see that camera, is there such a segment, such a page file). */
typedef enum {
  RB_WEB_ROUTE_METHOD_NOT_ALLOWED,      /* not GET or HEAD: 405 */
  RB_WEB_ROUTE_HLS_PLAYLIST,            /* /hls/CAMERA/[sub/]index.m3u8 */
  RB_WEB_ROUTE_HLS_SEGMENT,             /* /hls/CAMERA/[sub/]FILE, any other
                                         * FILE */
  RB_WEB_ROUTE_HLS_NOT_FOUND,           /* /hls/ with fewer or more parts: 404 */
  RB_WEB_ROUTE_CAMERAS,                 /* /api/cameras */
  RB_WEB_ROUTE_SNAPSHOT,                /* /snapshot/CAMERA.jpg */
  RB_WEB_ROUTE_ONVIF,                   /* /onvif/SERVICE, any method (POST) */
  RB_WEB_ROUTE_FILE,                    /* anything else: a page file, or 404 */
} RbWebRoute;

/* What an HLS route's file starts with when it is of the camera's
 * sub-stream (/hls/CAMERA/sub/FILE). */
#define RB_WEB_ROUTE_SUB_PREFIX "sub/"

/* Routes @method @path (the request's decoded path, without the query).
 * For the HLS routes *@camera and *@file (when not NULL) get the two path
 * segments after /hls/ (never holding '/', possibly empty), or for a
 * sub-stream's CAMERA and "sub/FILE" (FILE without '/'); for the
 * snapshot route *@camera gets CAMERA (not empty, no '/'); otherwise they
 * are set to NULL. /onvif/ followed by one path segment (device_service,
 * media_service) is RB_WEB_ROUTE_ONVIF whatever the method: the ONVIF
 * service answers 405 to all but POST, and 404 when the network has no
 * ONVIF. */
RbWebRoute rb_web_route (const gchar * method, const gchar * path,
                         gchar ** camera, gchar ** file);

G_END_DECLS

#endif /* __RB_WEB_ROUTE_H__ */
