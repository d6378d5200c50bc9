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

/* The listening socket of a SoupServer, with bounds (see
 * rb-http-listener.h).
 *
 * Why we accept ourselves: libsoup 3.2's SoupServer never closes a
 * keep-alive connection that the client closed while it waited for the
 * next request. Its HTTP/1 I/O starts that request's message without a
 * completion callback (the callback is only set once a first byte came),
 * so the end of file finishes the message with no one to close the
 * connection: a CLOSE-WAIT socket and its file descriptor stay until the
 * server goes (fixed in libsoup 3.3, commit d20c6601 "server: do not leak
 * idle connections closed by the client"). Connections given to
 * soup_server_accept_iostream() are not kept alive by the server when it
 * has no listener of its own (soup-server.c request_finished), so here
 * every connection serves one request and is then closed by the server,
 * and that path does not exist. Owning the socket also lets us count
 * connections, time them out and refuse bodies on their headers. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-http-listener.h"
#include "rb-access.h"

#include <gio/gnetworking.h>
#include <string.h>

/* accept() failing for want of file descriptors: try again after this */
#define ACCEPT_PAUSE_MS 1000
/* accept() failing is logged at most once in this many seconds */
#define ACCEPT_FAILURE_LOG_S 60

typedef enum
{
  RB_HTTP_CONN_TLS,             /* ours: the TLS handshake */
  RB_HTTP_CONN_HEADERS,         /* libsoup reads the request headers */
  RB_HTTP_CONN_RESPONSE,        /* headers in: handlers, response */
  RB_HTTP_CONN_UPGRADED,        /* a WebSocket */
  RB_HTTP_CONN_ANSWER,          /* ours: writing the answer to a body */
  RB_HTTP_CONN_LINGER,          /* ours: dropping the rest of the body */
} RbHttpConnState;

typedef struct _RbHttpConn RbHttpConn;

struct _RbHttpListener {
  SoupServer *server;
  gchar *label;
  RbHttpLimits limits;
  GTlsCertificate *tls;
  GSocket *socket;              /* listening */
  GSource *accept_source;
  guint accept_pause;
  guint tick;
  guint port;
  GList *conns;                 /* of RbHttpConn * */
  GHashTable *per_client;       /* address → count (guint) */
  RbAccess *access;             /* the caps' refusals and their log */
  gint64 accept_failure_logged_s;
  RbHttpConn *accepting;        /* during soup_server_accept_iostream() */
  gchar *body_prefix;           /* POST bodies accepted under it, or NULL */
  gsize max_body;
  RbHttpListenerStats stats;
};

/* One accepted connection, from the accept until its socket is finalized
 * (then its file descriptor is closed): a weak reference on the socket
 * ends the record, whoever held the connection last (us, libsoup or a
 * WebSocket). */
struct _RbHttpConn {
  RbHttpListener *listener;     /* NULL once the listener is gone */
  GList *link;                  /* in listener->conns */
  gchar *address;
  GSocket *socket;              /* weak */
  GIOStream *stream;            /* weak: plain or TLS */
  gboolean owned;               /* we hold a reference to @stream */
  GSocketAddress *local, *remote;
  SoupServerMessage *msg;       /* weak */
  RbHttpConnState state;
  gint64 accepted_us, active_us;
  gboolean shut;                /* shut down by a timeout */
  GCancellable *cancel;         /* our I/O: handshake, answer */
  GSource *drain;
  gsize drained;
  gchar *answer;
};

/* ---- connection records ---- */

static void
rb_http_conn_forget_msg (RbHttpConn * c)
{
  if (c->msg == NULL)
    return;
  g_signal_handlers_disconnect_by_data (c->msg, c);
  g_object_remove_weak_pointer (G_OBJECT (c->msg), (gpointer *) & c->msg);
  c->msg = NULL;
}

/* The socket is gone, and with it its file descriptor: the connection no
 * longer counts. */
static void
rb_http_conn_on_socket_finalized (gpointer data, GObject * where)
{
  RbHttpConn *c = data;
  RbHttpListener *l = c->listener;

  if (l != NULL) {
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (l->per_client,
            c->address));

    if (n > 1)
      g_hash_table_insert (l->per_client, g_strdup (c->address),
          GUINT_TO_POINTER (n - 1));
    else
      g_hash_table_remove (l->per_client, c->address);
    l->stats.connections--;
    l->conns = g_list_delete_link (l->conns, c->link);
  }
  rb_http_conn_forget_msg (c);
  if (c->drain != NULL) {
    g_source_destroy (c->drain);
    g_source_unref (c->drain);
  }
  if (c->stream != NULL)        /* cannot be: the stream holds the socket */
    g_object_remove_weak_pointer (G_OBJECT (c->stream),
        (gpointer *) & c->stream);
  g_clear_object (&c->cancel);
  g_clear_object (&c->local);
  g_clear_object (&c->remote);
  g_free (c->answer);
  g_free (c->address);
  g_free (c);
}

/* @stream (transfer full) is the connection's, and ours for now. */
static void
rb_http_conn_set_stream (RbHttpConn * c, GIOStream * stream)
{
  c->stream = stream;
  c->owned = TRUE;
  g_object_add_weak_pointer (G_OBJECT (stream), (gpointer *) & c->stream);
}

/* Gives up our reference to the stream: when no one else holds it, the
 * socket goes and the record with it (do not touch @c after this). */
static void
rb_http_conn_release (RbHttpConn * c)
{
  if (!c->owned)
    return;
  c->owned = FALSE;
  g_object_unref (c->stream);
}

/* Closes the socket (only when we alone use it) and lets the record go
 * (do not touch @c after this). */
static void
rb_http_conn_finish (RbHttpConn * c)
{
  if (c->drain != NULL) {
    g_source_destroy (c->drain);
    g_clear_pointer (&c->drain, g_source_unref);
  }
  if (c->socket != NULL)
    g_socket_close (c->socket, NULL);
  rb_http_conn_release (c);
}

/* Ends a connection that libsoup or a WebSocket uses: shut down, they see
 * the end of the stream, close it and drop it (a file descriptor that a
 * GSource may still poll is never closed under it). */
static void
rb_http_conn_shutdown (RbHttpConn * c)
{
  if (c->shut || c->socket == NULL)
    return;
  c->shut = TRUE;
  g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
}

/* ---- the answer to a request announcing a body ---- */

static void
rb_http_append_header (const char *name, const char *value, gpointer data)
{
  GString *s = data;

  if (g_ascii_strcasecmp (name, "Content-Length") == 0
      || g_ascii_strcasecmp (name, "Content-Type") == 0
      || g_ascii_strcasecmp (name, "Transfer-Encoding") == 0
      || g_ascii_strcasecmp (name, "Connection") == 0)
    return;
  g_string_append_printf (s, "%s: %s\r\n", name, value);
}

static gboolean
rb_http_conn_on_drain (GSocket * socket, GIOCondition cond, gpointer data)
{
  RbHttpConn *c = data;
  gchar buf[16384];

  while (c->listener != NULL && c->drained < RB_HTTP_LINGER_BYTES) {
    GError *err = NULL;
    gssize n = g_socket_receive_with_blocking (socket, buf, sizeof buf,
        FALSE, NULL, &err);

    if (n > 0) {
      c->drained += n;
      continue;
    }
    if (n < 0 && g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_error_free (err);
      return G_SOURCE_CONTINUE;
    }
    g_clear_error (&err);
    break;                      /* the client closed, or an error */
  }
  g_clear_pointer (&c->drain, g_source_unref);
  rb_http_conn_finish (c);
  return G_SOURCE_REMOVE;
}

static void
rb_http_conn_on_answered (GObject * source, GAsyncResult * res, gpointer data)
{
  RbHttpConn *c = data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL,
          NULL) || c->listener == NULL || c->shut) {
    rb_http_conn_finish (c);
    return;
  }
  /* the client may still be sending: closing with unread data would
   * reset the connection, and the answer could be lost before the client
   * read it. End our side, drop what comes for a moment, then close. */
  c->state = RB_HTTP_CONN_LINGER;
  c->active_us = g_get_monotonic_time ();
  g_socket_shutdown (c->socket, FALSE, TRUE, NULL);
  c->drain = g_socket_create_source (c->socket, G_IO_IN, NULL);
  g_source_set_callback (c->drain, G_SOURCE_FUNC (rb_http_conn_on_drain), c,
      NULL);
  g_source_attach (c->drain, NULL);
}

/* The headers of @msg announce a body: take the connection from libsoup
 * before it reads a byte of it and answer with the status already chosen
 * (403, 401 and its challenge) or 413. */
static void
rb_http_conn_refuse_body (RbHttpConn * c, SoupServerMessage * msg)
{
  guint status = soup_server_message_get_status (msg);
  const gchar *text = "request bodies are not accepted here\n";
  GString *s = g_string_new (NULL);
  GIOStream *stolen;

  if (status == 0)
    status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
  else
    text = "";
  g_string_append_printf (s, "HTTP/1.1 %u %s\r\n", status,
      soup_status_get_phrase (status));
  soup_message_headers_foreach (soup_server_message_get_response_headers
      (msg), rb_http_append_header, s);
  g_string_append_printf (s, "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: %u\r\nConnection: close\r\n\r\n%s",
      (guint) strlen (text), text);
  c->listener->stats.bodies_refused++;
  c->answer = g_string_free (s, FALSE);

  /* libsoup holds the stream until it lets it go here (we may still
   * hold it too, when the request came with the accept) */
  if (!c->owned) {
    g_object_ref (c->stream);
    c->owned = TRUE;
  }
  rb_http_conn_forget_msg (c);
  stolen = soup_server_message_steal_connection (msg);
  g_clear_object (&stolen);     /* its wrapper; it does not close ours */
  c->state = RB_HTTP_CONN_ANSWER;
  c->active_us = g_get_monotonic_time ();
  c->cancel = g_cancellable_new ();
  g_output_stream_write_all_async (g_io_stream_get_output_stream
      (c->stream), c->answer, strlen (c->answer), G_PRIORITY_DEFAULT,
      c->cancel, rb_http_conn_on_answered, c);
}

/* ---- the message of a connection ---- */

static void
rb_http_conn_on_progress (SoupServerMessage * msg, RbHttpConn * c)
{
  c->active_us = g_get_monotonic_time ();
}

static void
rb_http_conn_on_wrote_body_data (SoupServerMessage * msg, guint size,
    RbHttpConn * c)
{
  c->active_us = g_get_monotonic_time ();
}

static void
rb_http_conn_on_wrote_informational (SoupServerMessage * msg, RbHttpConn * c)
{
  c->active_us = g_get_monotonic_time ();
  if (soup_server_message_get_status (msg) ==
      SOUP_STATUS_SWITCHING_PROTOCOLS)
    c->state = RB_HTTP_CONN_UPGRADED;
}

/* A body rb_http_listener_accept_bodies() lets through: POST under the
 * prefix, Content-Length only, not too large, and no status chosen yet
 * (403 from the allow list). */
static gboolean
rb_http_conn_body_accepted (RbHttpConn * c, SoupServerMessage * msg)
{
  RbHttpListener *l = c->listener;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);

  return l != NULL && l->body_prefix != NULL
      && soup_server_message_get_status (msg) == 0
      && g_str_equal (soup_server_message_get_method (msg), "POST")
      && g_str_has_prefix (g_uri_get_path (soup_server_message_get_uri
              (msg)), l->body_prefix)
      && soup_message_headers_get_one (h, "Transfer-Encoding") == NULL
      && soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (h) <= (goffset) l->max_body;
}

/* After the server's own handler: the allow list (request-started) and the
 * auth domains have decided on the headers. */
static void
rb_http_conn_on_got_headers (SoupServerMessage * msg, RbHttpConn * c)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);

  if (c->state != RB_HTTP_CONN_HEADERS)
    return;
  c->state = RB_HTTP_CONN_RESPONSE;
  c->active_us = g_get_monotonic_time ();
  if ((soup_message_headers_get_one (h, "Transfer-Encoding") != NULL
          || soup_message_headers_get_content_length (h) > 0)
      && !rb_http_conn_body_accepted (c, msg)) {
    rb_http_conn_refuse_body (c, msg);
    return;
  }
  /* one request per connection; a WebSocket handshake answers with
   * Connection: Upgrade */
  if (soup_message_headers_get_one (h, "Upgrade") == NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Connection", "close");
}

/* Emitted for the first (and only) message of each connection while
 * soup_server_accept_iostream() runs, before a byte is read. */
static void
rb_http_listener_on_request_started (SoupServer * server,
    SoupServerMessage * msg, RbHttpListener * l)
{
  RbHttpConn *c = l->accepting;

  if (c == NULL || c->msg != NULL) {
    /* a second request on a connection: cannot happen, as the server
     * keeps no connection alive; in case it would, no third one */
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Connection", "close");
    return;
  }
  c->msg = msg;
  g_object_add_weak_pointer (G_OBJECT (msg), (gpointer *) & c->msg);
  g_signal_connect (msg, "got-headers",
      G_CALLBACK (rb_http_conn_on_got_headers), c);
  g_signal_connect (msg, "wrote-informational",
      G_CALLBACK (rb_http_conn_on_wrote_informational), c);
  g_signal_connect (msg, "wrote-headers",
      G_CALLBACK (rb_http_conn_on_progress), c);
  g_signal_connect (msg, "wrote-body-data",
      G_CALLBACK (rb_http_conn_on_wrote_body_data), c);
}

/* To the SoupServer, which from now on holds the stream. */
static void
rb_http_conn_hand_over (RbHttpConn * c)
{
  RbHttpListener *l = c->listener;
  GError *err = NULL;

  g_clear_object (&c->cancel);
  c->state = RB_HTTP_CONN_HEADERS;
  l->accepting = c;
  if (!soup_server_accept_iostream (l->server, c->stream, c->local,
          c->remote, &err)) {
    g_debug ("%s: cannot serve a connection from %s: %s", l->label,
        c->address, err->message);
    g_clear_error (&err);
    l->accepting = NULL;
    rb_http_conn_finish (c);
    return;
  }
  l->accepting = NULL;
  /* libsoup may have read the request already, and passed it back to us
   * (a body to refuse): then it is ours again */
  if (c->state != RB_HTTP_CONN_ANSWER)
    rb_http_conn_release (c);
}

static void
rb_http_conn_on_handshake (GObject * source, GAsyncResult * res,
    gpointer data)
{
  RbHttpConn *c = data;
  GError *err = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), res,
          &err) || c->listener == NULL || c->shut) {
    if (err != NULL)
      g_debug ("TLS handshake with %s failed: %s", c->address,
          err->message);
    g_clear_error (&err);
    rb_http_conn_finish (c);
    return;
  }
  rb_http_conn_hand_over (c);
}

/* ---- accepting ---- */

static void
rb_http_listener_refuse (RbHttpListener * l, GSocket * socket,
    const gchar * address, const gchar * why)
{
  static const gchar busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
      "Retry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

  rb_access_refuse (l->access, address, why);
  if (l->tls == NULL)
    g_socket_send_with_blocking (socket, busy, sizeof busy - 1, FALSE, NULL,
        NULL);
  g_socket_close (socket, NULL);
}

static void
rb_http_listener_take (RbHttpListener * l, GSocket * socket)
{
  g_autoptr (GSocketAddress) remote = g_socket_get_remote_address (socket,
      NULL);
  g_autoptr (GSocketAddress) local = g_socket_get_local_address (socket,
      NULL);
  g_autofree gchar *address = NULL;
  GSocketConnection *conn;
  RbHttpConn *c;
  guint n;

  if (remote == NULL || local == NULL) {
    g_socket_close (socket, NULL);      /* already gone */
    return;
  }
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    address = g_inet_address_to_string (g_inet_socket_address_get_address
        (G_INET_SOCKET_ADDRESS (remote)));
  else
    address = g_strdup ("unknown");
  n = GPOINTER_TO_UINT (g_hash_table_lookup (l->per_client, address));
  if (l->stats.connections >= l->limits.max_connections) {
    rb_http_listener_refuse (l, socket, address, "max-connections reached");
    return;
  }
  if (n >= l->limits.max_connections_per_client) {
    rb_http_listener_refuse (l, socket, address,
        "max-connections-per-client reached");
    return;
  }

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  c = g_new0 (RbHttpConn, 1);
  c->listener = l;
  c->address = g_steal_pointer (&address);
  c->socket = socket;
  c->local = g_steal_pointer (&local);
  c->remote = g_steal_pointer (&remote);
  c->accepted_us = c->active_us = g_get_monotonic_time ();
  l->conns = g_list_prepend (l->conns, c);
  c->link = l->conns;
  l->stats.connections++;
  l->stats.accepted++;
  g_hash_table_insert (l->per_client, g_strdup (c->address),
      GUINT_TO_POINTER (n + 1));
  g_object_weak_ref (G_OBJECT (socket), rb_http_conn_on_socket_finalized, c);

  conn = g_socket_connection_factory_create_connection (socket);
  if (l->tls == NULL) {
    rb_http_conn_set_stream (c, G_IO_STREAM (conn));
    rb_http_conn_hand_over (c);
  } else {
    static const gchar *protocols[] = { "http/1.1", "http/1.0", NULL };
    GError *err = NULL;
    GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (conn),
        l->tls, &err);

    g_object_unref (conn);      /* the TLS connection holds it */
    if (tls == NULL) {
      g_warning ("%s: cannot start TLS with %s: %s", l->label, c->address,
          err->message);
      g_error_free (err);
      g_socket_close (socket, NULL);
      return;                   /* the record goes with the socket */
    }
    rb_http_conn_set_stream (c, tls);
    c->state = RB_HTTP_CONN_TLS;
    g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls),
        FALSE);
    g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls),
        protocols);
    c->cancel = g_cancellable_new ();
    g_tls_connection_handshake_async (G_TLS_CONNECTION (tls),
        G_PRIORITY_DEFAULT, c->cancel, rb_http_conn_on_handshake, c);
  }
}

static gboolean rb_http_listener_on_incoming (GSocket * socket,
    GIOCondition cond, gpointer data);

static gboolean
rb_http_listener_resume (gpointer data)
{
  RbHttpListener *l = data;

  l->accept_pause = 0;
  l->accept_source = g_socket_create_source (l->socket, G_IO_IN, NULL);
  g_source_set_callback (l->accept_source,
      G_SOURCE_FUNC (rb_http_listener_on_incoming), l, NULL);
  g_source_attach (l->accept_source, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
rb_http_listener_on_incoming (GSocket * listening, GIOCondition cond,
    gpointer data)
{
  RbHttpListener *l = data;

  /* a few at a time, then the others get their turn */
  for (guint i = 0; i < 16; i++) {
    GError *err = NULL;
    GSocket *socket = g_socket_accept (listening, NULL, &err);
    gint64 now;

    if (socket != NULL) {
      rb_http_listener_take (l, socket);
      g_object_unref (socket);  /* its streams hold it */
      continue;
    }
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_error_free (err);
      break;
    }
    /* out of file descriptors, say: pause instead of spinning */
    now = g_get_monotonic_time () / G_USEC_PER_SEC;
    if (l->accept_failure_logged_s == 0
        || now - l->accept_failure_logged_s >= ACCEPT_FAILURE_LOG_S) {
      l->accept_failure_logged_s = now;
      g_warning ("%s: cannot accept HTTP connections: %s; pausing for "
          "%u ms", l->label, err->message, ACCEPT_PAUSE_MS);
    }
    g_error_free (err);
    g_clear_pointer (&l->accept_source, g_source_unref);
    l->accept_pause = g_timeout_add (ACCEPT_PAUSE_MS,
        rb_http_listener_resume, l);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* ---- timeouts ---- */

/* Counts and ends @c (do not touch @c after this: cancelling may finish
 * it at once). */
static void
rb_http_conn_time_out (RbHttpConn * c, guint64 * counter)
{
  GCancellable *cancel = c->cancel ? g_object_ref (c->cancel) : NULL;

  (*counter)++;
  rb_http_conn_shutdown (c);
  if (cancel != NULL) {
    g_cancellable_cancel (cancel);
    g_object_unref (cancel);
  }
}

static gboolean
rb_http_listener_on_tick (gpointer data)
{
  RbHttpListener *l = data;
  gint64 now = g_get_monotonic_time ();
  gint64 header_us = (gint64) l->limits.header_timeout_s * G_USEC_PER_SEC;
  gint64 idle_us = (gint64) l->limits.idle_timeout_s * G_USEC_PER_SEC;
  GList *next;

  for (GList * it = l->conns; it != NULL; it = next) {
    RbHttpConn *c = it->data;

    next = it->next;            /* ending @c may free it and its link */
    if (c->shut)
      continue;
    switch (c->state) {
      case RB_HTTP_CONN_TLS:
      case RB_HTTP_CONN_HEADERS:
        if (now - c->accepted_us >= header_us)
          rb_http_conn_time_out (c, &l->stats.header_timeouts);
        break;
      case RB_HTTP_CONN_RESPONSE:
      case RB_HTTP_CONN_ANSWER:
        if (now - c->active_us >= idle_us)
          rb_http_conn_time_out (c, &l->stats.idle_timeouts);
        break;
      case RB_HTTP_CONN_LINGER:
        if (now - c->active_us >= RB_HTTP_LINGER_S * G_USEC_PER_SEC)
          rb_http_conn_finish (c);
        break;
      case RB_HTTP_CONN_UPGRADED:
        break;
    }
  }
  return G_SOURCE_CONTINUE;
}

/* ---- the listener ---- */

RbHttpListener *
rb_http_listener_new (SoupServer * server, const gchar * label,
    const RbHttpLimits * limits, GTlsCertificate * tls_certificate)
{
  RbHttpListener *l = g_new0 (RbHttpListener, 1);

  l->server = g_object_ref (server);
  l->label = g_strdup (label);
  l->limits = *limits;
  l->tls = tls_certificate ? g_object_ref (tls_certificate) : NULL;
  l->per_client = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  l->access = rb_access_new (label, "HTTP connections", NULL);
  g_signal_connect (server, "request-started",
      G_CALLBACK (rb_http_listener_on_request_started), l);
  return l;
}

gboolean
rb_http_listener_listen (RbHttpListener * l, GSocketAddress * address,
    GError ** error)
{
  GSocketFamily family = g_socket_address_get_family (address);
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) bound = NULL;

  g_return_val_if_fail (l->socket == NULL, FALSE);
  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  /* as libsoup's own listener: :: does not take the IPv4 port too */
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_listen_backlog (socket, l->limits.backlog);
  if (!g_socket_bind (socket, address, TRUE, error)
      || !g_socket_listen (socket, error))
    return FALSE;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;
  l->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  l->socket = g_steal_pointer (&socket);
  rb_http_listener_resume (l);
  l->tick = g_timeout_add_seconds (1, rb_http_listener_on_tick, l);
  return TRUE;
}

void
rb_http_listener_accept_bodies (RbHttpListener * l, const gchar * path_prefix,
    gsize max_bytes)
{
  g_free (l->body_prefix);
  l->body_prefix = g_strdup (path_prefix);
  l->max_body = max_bytes;
}

guint
rb_http_listener_get_port (RbHttpListener * l)
{
  return l->port;
}

void
rb_http_listener_get_stats (RbHttpListener * l, RbHttpListenerStats * stats)
{
  *stats = l->stats;
  rb_access_get_counts (l->access, &stats->refused, NULL);
}

void
rb_http_listener_free (RbHttpListener * l)
{
  if (l == NULL)
    return;
  g_signal_handlers_disconnect_by_data (l->server, l);
  if (l->accept_source != NULL) {
    g_source_destroy (l->accept_source);
    g_source_unref (l->accept_source);
  }
  if (l->accept_pause)
    g_source_remove (l->accept_pause);
  if (l->tick)
    g_source_remove (l->tick);
  if (l->socket != NULL) {
    g_socket_close (l->socket, NULL);
    g_object_unref (l->socket);
  }
  /* the connections may outlive us as streams of the server or of a
   * WebSocket: shut them down and forget them. The records go with their
   * sockets; ours (handshake, answer) once their callbacks ran. */
  while (l->conns != NULL) {
    RbHttpConn *c = l->conns->data;
    GCancellable *cancel = c->cancel ? g_object_ref (c->cancel) : NULL;

    l->conns = g_list_delete_link (l->conns, l->conns);
    c->listener = NULL;
    c->link = NULL;
    rb_http_conn_forget_msg (c);
    if (c->state == RB_HTTP_CONN_LINGER) {
      rb_http_conn_finish (c);
    } else {
      rb_http_conn_shutdown (c);
      if (cancel != NULL)
        g_cancellable_cancel (cancel);
    }
    g_clear_object (&cancel);
  }
  g_hash_table_unref (l->per_client);
  rb_access_free (l->access);
  g_clear_object (&l->tls);
  g_object_unref (l->server);
  g_free (l->label);
  g_free (l->body_prefix);
  g_free (l);
}
