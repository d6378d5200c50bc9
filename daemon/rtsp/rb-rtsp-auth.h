/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_RTSP_AUTH_H__
#define __RB_RTSP_AUTH_H__

#include <gst/rtsp-server/rtsp-server.h>
#include "rb-access.h"
#include "rb-config.h"
#include "rb-users.h"

G_BEGIN_DECLS

/* Whether the listener takes one more connection from @address, by its
 * own limits (it counts and logs its refusals). */
typedef gboolean (*RbRtspAuthConnectFunc) (const gchar * address,
                                           gpointer data);

/* RbRtspAuth: the authorization of a network's RTSP listener. At connect
 * time (before the server makes a client of the connection), the allow
 * list, then the listener's limits, then TLS (by GstRTSPAuth); for every
 * request unless auth=none, the users' credentials (rb-digest.h), checked
 * as on the HTTP listener: wrong ones are answered 401 with a new
 * challenge, counted and logged (rb-access.h). Viewers never choose where
 * the server sends media. */
#define RB_TYPE_RTSP_AUTH (rb_rtsp_auth_get_type ())
G_DECLARE_FINAL_TYPE (RbRtspAuth, rb_rtsp_auth, RB, RTSP_AUTH, GstRTSPAuth)

GstRTSPAuth *rb_rtsp_auth_new (RbAccess * access, RbNetworkAuth mode,
                               RbUsers * users,
                               GTlsCertificate * certificate,
                               RbRtspAuthConnectFunc may_connect,
                               gpointer data);

/* Called for every request that passed authentication (or with
 * auth=none), after it and before the server handles it: returns TRUE to
 * let the server handle it, FALSE when it answered the request itself
 * (the listener's redirects to the node that runs a camera,
 * rb-publisher.c). Authentication comes first: who fails it learns
 * nothing of where the cameras run. */
typedef gboolean (*RbRtspAuthRouteFunc) (GstRTSPContext * ctx,
                                         gpointer data);

void rb_rtsp_auth_set_route (GstRTSPAuth * auth, RbRtspAuthRouteFunc route,
                             gpointer data);

G_END_DECLS

#endif /* __RB_RTSP_AUTH_H__ */
