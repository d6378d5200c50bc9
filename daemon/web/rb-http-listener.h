/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_HTTP_LISTENER_H__
#define __RB_HTTP_LISTENER_H__

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* RbHttpListener: the listening socket of a SoupServer, owned by us so that
 * one client can hold only so much, on the main context. Used by
 * the networks' http-port listeners (rb-web.c) and the metrics listener
 * (rb-metrics.c).
 *
 * It accepts the connections itself (listen backlog RbHttpLimits.backlog)
 * and hands each to the SoupServer with soup_server_accept_iostream(), after
 * the TLS handshake when it has a certificate. Then:
 *
 *   - connections at once are capped, in total and per client address; a
 *     connection over a cap is closed as it comes (plain HTTP: after a
 *     best-effort "503 Service Unavailable"), counted, and logged at most
 *     once per address and minute: "LABEL: refusing HTTP connections from
 *     ADDRESS: max-connections reached" (or -per-client);
 *   - one request per connection: the server answers with "Connection:
 *     close" and closes the connection after the response (libsoup does
 *     that by itself for connections it did not accept, and with no idle
 *     keep-alive connection its 3.2 bug of never closing keep-alive
 *     connections that the client closed cannot occur). A WebSocket
 *     upgrade keeps its connection, counted, until it closes;
 *   - header timeout: the TLS handshake and the request headers must be in
 *     within header_timeout_s of the accept (a silent or slowloris client
 *     is closed); idle timeout: a response that moves no byte for
 *     idle_timeout_s (a client that stopped reading) is closed;
 *   - request size: headers are bounded by libsoup (64 KiB, then the
 *     connection is closed). No handler takes a body: a request announcing
 *     one (Content-Length > 0 or Transfer-Encoding) is answered, unless
 *     rb_http_listener_accept_bodies() lets it through, on its
 *     headers and closed before any byte of the body is read: with the
 *     status the server already chose (403 from an allow list in
 *     SoupServer::request-started, 401 and its challenge from an auth
 *     domain: both run before, on the headers) or else 413. The body the
 *     client is still sending is then read and dropped for at most
 *     RB_HTTP_LINGER_S and RB_HTTP_LINGER_BYTES, so that the client can read
 *     the answer before the connection is closed.
 *
 * Authentication stays the SoupServer's: SoupAuthDomains (or any
 * SoupServerMessage::got-headers handler connected in
 * SoupServer::request-started before the listener's) decide on the
 * headers, before the listener's body check. */
typedef struct _RbHttpListener RbHttpListener;

#define RB_HTTP_LINGER_S 2
#define RB_HTTP_LINGER_BYTES (8 * 1024 * 1024)
/* As the RTSP listener's (rb-publisher.c): many clients may connect at
 * once. */
#define RB_HTTP_LISTEN_BACKLOG 128
/* The header timeout of the networks' listeners: at most this, and never
 * longer than their idle-timeout. */
#define RB_HTTP_HEADER_TIMEOUT_S 10

typedef struct {
  guint max_connections;        /* at once, in total */
  guint max_connections_per_client;     /* at once, per client address */
  guint header_timeout_s;       /* accept to the end of the headers */
  guint idle_timeout_s;         /* no byte of the response moved */
  guint backlog;                /* of the listening socket */
} RbHttpLimits;

typedef struct {
  guint64 connections;          /* open now (WebSockets included) */
  guint64 accepted;             /* since start, refused ones excluded */
  guint64 refused;              /* over max-connections or -per-client */
  guint64 header_timeouts;
  guint64 idle_timeouts;
  guint64 bodies_refused;       /* requests announcing a body */
} RbHttpListenerStats;

/* @label names the listener in log lines ("network A", "metrics").
 * @tls_certificate: NULL for plain HTTP. */
RbHttpListener *rb_http_listener_new (SoupServer * server,
                                      const gchar * label,
                                      const RbHttpLimits * limits,
                                      GTlsCertificate * tls_certificate);
/* Lets POST requests whose path starts with @path_prefix carry a body of
 * at most @max_bytes announced by Content-Length (the ONVIF services,
 * rb-onvif.h): libsoup reads it before the handler runs (within the idle
 * timeout). A larger or chunked body there is refused on its headers as
 * any other (413). */
void rb_http_listener_accept_bodies (RbHttpListener * listener,
                                     const gchar * path_prefix,
                                     gsize max_bytes);
/* Closes the listening socket and every connection not handed over to a
 * WebSocket yet; the SoupServer's own are closed by soup_server_disconnect().
 */
void rb_http_listener_free (RbHttpListener * listener);

/* Binds @address (port 0: any free port; an IPv6 address listens for IPv6
 * only) and starts accepting. Fails when the address cannot be bound; may
 * be called again then. */
gboolean rb_http_listener_listen (RbHttpListener * listener,
                                  GSocketAddress * address, GError ** error);
/* The bound port, 0 before rb_http_listener_listen() succeeded. */
guint rb_http_listener_get_port (RbHttpListener * listener);
void rb_http_listener_get_stats (RbHttpListener * listener,
                                 RbHttpListenerStats * stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbHttpListener, rb_http_listener_free)

G_END_DECLS

#endif /* __RB_HTTP_LISTENER_H__ */
