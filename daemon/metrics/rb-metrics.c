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

/* The Prometheus endpoint (see rb-metrics.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-metrics.h"
#include "rb-http-listener.h"

#include <libsoup/soup.h>
#include <math.h>

struct _RbMetrics {
  SoupServer *server;
  RbHttpListener *listener;
  guint port;
  RbMetricsCollect collect;
  gpointer user_data;
};

static void
rb_metrics_collect_listener (RbMetrics * m, GString * out)
{
  RbHttpListenerStats st;

  rb_http_listener_get_stats (m->listener, &st);
  rb_metrics_add (out, "rtsp_blur_metrics_http_connections", "gauge",
      "Connections open on the metrics listener", NULL, st.connections);
  rb_metrics_add (out, "rtsp_blur_metrics_http_refused_connections_total",
      "counter", "Connections to the metrics listener closed at accept: "
      "over its cap in total or per client address", NULL, st.refused);
  rb_metrics_add (out, "rtsp_blur_metrics_http_timeouts_total", "counter",
      "Connections to the metrics listener closed by a timeout: header "
      "(no complete request in time) or idle (a response stalled)",
      "kind=\"header\"", st.header_timeouts);
  rb_metrics_add (out, "rtsp_blur_metrics_http_timeouts_total", "counter",
      NULL, "kind=\"idle\"", st.idle_timeouts);
  rb_metrics_add (out, "rtsp_blur_metrics_http_refused_bodies_total",
      "counter", "Requests to the metrics listener that announced a body, "
      "answered 413 on their headers", NULL, st.bodies_refused);
}

static void
rb_metrics_handle (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  RbMetrics *m = data;
  GString *out;
  gsize len;

  if (g_strcmp0 (path, "/metrics") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET
      && soup_server_message_get_method (msg) != SOUP_METHOD_HEAD) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        NULL);
    return;
  }
  out = g_string_new (NULL);
  m->collect (out, m->user_data);
  rb_metrics_collect_listener (m, out);
  len = out->len;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg,
      "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_TAKE,
      g_string_free (out, FALSE), len);
}

RbMetrics *
rb_metrics_new (const gchar * address, guint port, RbMetricsCollect collect,
    gpointer user_data, GError ** error)
{
  RbMetrics *m = g_new0 (RbMetrics, 1);
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) sa = NULL;
  RbHttpLimits limits = { RB_METRICS_MAX_CONNECTIONS,
    RB_METRICS_MAX_CONNECTIONS_PER_CLIENT, RB_METRICS_TIMEOUT_S,
    RB_METRICS_TIMEOUT_S, RB_HTTP_LISTEN_BACKLOG
  };

  if (inet == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' is not an IP address", address);
    g_free (m);
    return NULL;
  }
  m->collect = collect;
  m->user_data = user_data;
  m->server = soup_server_new ("server-header", "rtsp-blur", NULL);
  soup_server_add_handler (m->server, NULL, rb_metrics_handle, m, NULL);
  m->listener = rb_http_listener_new (m->server, "metrics", &limits, NULL);
  sa = g_inet_socket_address_new (inet, port);
  if (!rb_http_listener_listen (m->listener, sa, error)) {
    rb_metrics_free (m);
    return NULL;
  }
  m->port = rb_http_listener_get_port (m->listener);
  return m;
}

void
rb_metrics_free (RbMetrics * m)
{
  if (m == NULL)
    return;
  rb_http_listener_free (m->listener);
  soup_server_disconnect (m->server);
  g_object_unref (m->server);
  g_free (m);
}

void
rb_metrics_add_handler (RbMetrics * m, const gchar * path, GCallback callback,
    gpointer user_data)
{
  soup_server_add_handler (m->server, path, (SoupServerCallback) callback,
      user_data, NULL);
}

guint
rb_metrics_get_port (RbMetrics * m)
{
  return m->port;
}

gchar *
rb_metrics_escape (const gchar * value)
{
  GString *s = g_string_new (NULL);

  for (const gchar * p = value; *p; p++) {
    if (*p == '\\' || *p == '"')
      g_string_append_c (s, '\\');
    if (*p == '\n')
      g_string_append (s, "\\n");
    else
      g_string_append_c (s, *p);
  }
  return g_string_free (s, FALSE);
}

void
rb_metrics_add (GString * out, const gchar * name, const gchar * type,
    const gchar * help, const gchar * labels, gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (help != NULL)
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
        name, type);
  g_string_append (out, name);
  if (labels != NULL && *labels != '\0')
    g_string_append_printf (out, "{%s}", labels);
  if (isnan (value))
    g_string_append (out, " NaN\n");
  else if (value == floor (value) && fabs (value) < 1e15)
    g_string_append_printf (out, " %.0f\n", value);
  else
    g_string_append_printf (out, " %s\n", g_ascii_formatd (buf, sizeof buf,
            "%.6g", value));
}
