/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_LOCATE_H__
#define __RB_LOCATE_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * RbLocation:
 * @RB_LOCATION_HERE: this node serves the camera (always without
 *   [cluster]; also for a name that is no camera: the listener answers it
 *   as before)
 * @RB_LOCATION_ELSEWHERE: another live node runs it: send the viewer to
 *   the URL given
 * @RB_LOCATION_NOWHERE: no node runs it now (or its owner published no
 *   reachable address on that network)
 *
 * Where a viewer of a camera is served, with [cluster] (rb-daemon.c's
 * answer from the cluster's view, rb-cluster-view.h).
 *
 * Since: 0.1.0
 */
typedef enum {
  RB_LOCATION_HERE,
  RB_LOCATION_ELSEWHERE,
  RB_LOCATION_NOWHERE,
} RbLocation;

/**
 * RbLocateFunc:
 * @network: the network the viewer came on
 * @camera: the camera asked for
 * @http: whether the viewer speaks HTTP (HLS) rather than RTSP
 * @path: the path (and query) it asked for, starting with '/'
 * @out_url: (out) (transfer full): with %RB_LOCATION_ELSEWHERE, the same
 *   @path at the owner's address and port on @network
 * @out_node: (out) (optional) (transfer full): the node that runs it,
 *   %NULL when none or this one
 * @user_data: the data given with the function
 *
 * Called in the main context, never blocking (a cached view).
 *
 * Returns: where @camera is served
 */
typedef RbLocation (*RbLocateFunc) (const gchar * network,
                                    const gchar * camera,
                                    gboolean http,
                                    const gchar * path,
                                    gchar ** out_url,
                                    gchar ** out_node,
                                    gpointer user_data);

G_END_DECLS

#endif /* __RB_LOCATE_H__ */
