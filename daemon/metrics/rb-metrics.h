/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_METRICS_H__
#define __RB_METRICS_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* RbMetrics: the management listener, libsoup-3's SoupServer on the main
 * context, serving GET /metrics in the Prometheus text exposition format
 * (version 0.0.4). @collect writes the metrics into a GString when a
 * scrape comes; rb_metrics_add() helps it keep the format.
 *
 * Its socket is an RbHttpListener (rb-http-listener.h) with fixed bounds:
 * RB_METRICS_MAX_CONNECTIONS at once, RB_METRICS_MAX_CONNECTIONS_PER_CLIENT
 * per client address, a header and an idle timeout of RB_METRICS_TIMEOUT_S
 * each, one request per connection and no request body. Its own figures
 * are appended to every scrape: rtsp_blur_metrics_http_connections,
 * _refused_connections_total, _timeouts_total{kind} and
 * _refused_bodies_total. */
typedef struct _RbMetrics RbMetrics;

#define RB_METRICS_MAX_CONNECTIONS 32
#define RB_METRICS_MAX_CONNECTIONS_PER_CLIENT 8
#define RB_METRICS_TIMEOUT_S 10

typedef void (*RbMetricsCollect) (GString * out, gpointer user_data);

RbMetrics *rb_metrics_new (const gchar * address, guint port,
                           RbMetricsCollect collect, gpointer user_data,
                           GError ** error);
void rb_metrics_free (RbMetrics * metrics);
/* Serves the requests under @path (e.g. "/api/recordings") with
 * @callback, a SoupServerCallback (on the main context). */
void rb_metrics_add_handler (RbMetrics * metrics, const gchar * path,
                             GCallback callback, gpointer user_data);
guint rb_metrics_get_port (RbMetrics * metrics);

/* Appends "# HELP name help\n# TYPE name type\n" once per @name (pass
 * @help NULL for the following samples of the same metric), then the
 * sample "name{labels} value". @labels is "" or 'key="value",...' with the
 * values already escaped (rb_metrics_escape()). */
void rb_metrics_add (GString * out, const gchar * name, const gchar * type,
                     const gchar * help, const gchar * labels,
                     gdouble value);
gchar *rb_metrics_escape (const gchar * value);

G_END_DECLS

#endif /* __RB_METRICS_H__ */
