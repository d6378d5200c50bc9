/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_PUBLISHER_H__
#define __RB_PUBLISHER_H__

#include <gst/gst.h>
#include "rb-config.h"
#include "rb-live-feed.h"
#include "rb-locate.h"

G_BEGIN_DECLS

/* RbPublisher: one gst-rtsp-server instance bound to one network's address
 * and port, with a mount point /CAMERA per camera. */
typedef struct _RbPublisher RbPublisher;

/* Reads the network's users file and certificate; NULL with @error when
 * they cannot be read. */
RbPublisher *rb_publisher_new (const RbNetworkConfig * network,
                               GError ** error);
void rb_publisher_free (RbPublisher * publisher);

/* Mounts /CAMERA when the network serves @camera (its cameras=); returns
 * whether it did. */
gboolean rb_publisher_add_camera (RbPublisher * publisher,
                                  const gchar * camera, RbLiveFeed * feed);

/* Binds and starts serving on the default main context. On failure (address
 * not on this machine, port in use) returns FALSE with @error naming the
 * network, address and port; rb_publisher_start() may be called again
 * later. */
gboolean rb_publisher_start (RbPublisher * publisher, GError ** error);
gboolean rb_publisher_is_serving (RbPublisher * publisher);
/* Whether it speaks TLS only (rtsps://). */
gboolean rb_publisher_is_tls (RbPublisher * publisher);
const gchar *rb_publisher_get_name (RbPublisher * publisher);
guint rb_publisher_get_bound_port (RbPublisher * publisher);
void rb_publisher_get_counts (RbPublisher * publisher, guint * connections,
                              guint * viewers, guint64 * refused);
/* Requests with wrong credentials, and viewers dropped for being too slow,
 * since start. */
void rb_publisher_get_access_counts (RbPublisher * publisher,
                                     guint64 * auth_failures,
                                     guint64 * dropped_slow);

/* [cluster]: asked, for each authenticated DESCRIBE (and SETUP or PLAY
 * without a session) of a camera, where it is served: another node's
 * cameras are answered 302 with the owner's URL on this network, cameras
 * no node runs 503. NULL (the default): every camera is served here. */
void rb_publisher_set_locate (RbPublisher * publisher, RbLocateFunc locate,
                              gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbPublisher, rb_publisher_free)

G_END_DECLS

#endif /* __RB_PUBLISHER_H__ */
