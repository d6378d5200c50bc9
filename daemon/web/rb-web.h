/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WEB_H__
#define __RB_WEB_H__

#include <glib.h>
#include "rb-config.h"
#include "rb-locate.h"
#include "rb-chat.h"

G_BEGIN_DECLS

/* RbWeb: the browser side, on the main context. For each network
 * with http-port set, one libsoup-3 SoupServer on the network's address
 * (HTTPS with tls-certificate/tls-key; digest or, over TLS, basic
 * authentication against the network's users file, or anonymous with
 * auth=none) serving:
 *
 *   /                          the operator page (web/index.html)
 *   /app.js, /style.css        its script and style sheet
 *   /vendor/hls.min.js         hls.js, installed by scripts/setup (npm)
 *   /api/cameras               JSON: the network's cameras, their state
 *                              (live, reconnecting, offline) and the wall
 *                              time of their last live frame
 *   /hls/CAMERA/index.m3u8     the camera's live HLS playlist
 *   /hls/CAMERA/segmentN.ts    its segments (MPEG-TS, in memory)
 *   /chat                      the network's chat room (WebSocket)
 *
 * The listener is an RbHttpListener (rb-http-listener.h) bounded by the
 * network's max-connections, max-connections-per-client and idle-timeout
 * (counted apart from RTSP; header timeout MIN (idle-timeout,
 * RB_HTTP_HEADER_TIMEOUT_S)): one request per connection, no request body.
 *
 * A camera the network may not see answers 404, like an unknown one. The
 * HLS packagers (RbHls, one per camera that some network with http-port
 * may see) are shared by every network and run from rb_web_new() on: the
 * first playlist is ready one segment after the camera's first frame.
 *
 * The page's files are read once at start: from the source tree's web/
 * when the launcher runs from the build tree, else from the installed
 * datadir/rtsp-blur/web (as the models, lib/rb-paths). */
typedef struct _RbWeb RbWeb;

/* @feeds (RbLiveFeed *) and @cameras (RbCamera *, filled later) are
 * parallel to @config->cameras and must outlive the RbWeb. Fails when
 * there is nothing to serve: no page files, a users file or TLS key pair
 * that cannot be loaded (the message names file, [group] and key), a chat
 * room that cannot be read. Returns NULL without error when no network has
 * http-port set. */
RbWeb *rb_web_new (const RbConfig * config, GPtrArray * feeds,
                   GPtrArray * cameras, GError ** error);
void rb_web_free (RbWeb * web);

/* What rb_web_new() checks (page files, users files, TLS key pairs),
 * without starting anything: for --check-config. */
gboolean rb_web_check (const RbConfig * config, GError ** error);

/* Appends the browser side's metrics (rb_metrics_add()): per network
 * rtsp_blur_network_http_serving, _requests_total, _refused_requests_total,
 * _connections, _refused_connections_total, _timeouts_total{kind} and
 * _refused_bodies_total (rtsp_blur_network_http_*), per camera
 * rtsp_blur_hls_segments_total, per room rtsp_blur_chat_members and
 * rtsp_blur_chat_rate_limited_total. Nothing when @web is NULL. */
void rb_web_collect (RbWeb * web, GString * out);

/* Starts the listeners not serving yet; returns how many failed (logged,
 * to retry later: the address may not be on this machine yet). */
guint rb_web_start (RbWeb * web);

/* [cluster]: where each camera is served (rb-locate.h): the HLS of a
 * camera another node runs is answered 302 to the owner's URL on the same
 * network, and /api/cameras names the node that runs each camera. */
void rb_web_set_locate (RbWeb * web, RbLocateFunc locate, gpointer data);

/* [cluster]: the chat rooms' messages go to @relay (the cluster's
 * database) instead of their files; rb_web_chat_deliver() brings each
 * message of the cluster to the room of its network. */
void rb_web_set_chat_relay (RbWeb * web, RbChatRelayFunc relay,
                            gpointer data);
void rb_web_chat_deliver (RbWeb * web, const gchar * network,
                          const gchar * user, const gchar * time,
                          const gchar * text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbWeb, rb_web_free)

G_END_DECLS

#endif /* __RB_WEB_H__ */
