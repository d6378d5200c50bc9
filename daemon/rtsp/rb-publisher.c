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

/* One RTSP listener per network (see rb-publisher.h): a gst-rtsp-server on
 * the network's address and port, a shared media per camera
 * (rb-media-factory.c) fed by the camera's live feed (rb-live-feed.c), its
 * authorization (rb-rtsp-auth.c, rb-access.c), and the limits that keep
 * one client from holding it: connections in total and per client
 * address, idle connections, viewers, slow viewers. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-publisher.h"
#include "rb-onvif.h"
#include "rb-access.h"
#include "rb-media-factory.h"
#include "rb-netif.h"
#include "rb-rtsp-auth.h"
#include "rb-users.h"

#include <gst/rtsp-server/rtsp-server.h>
#include <string.h>
#ifdef __linux__
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#endif

/* Listen backlog: the default of 5 overflows when many viewers connect at
 * once. */
#define LISTEN_BACKLOG 128
/* A viewer is dropped when, for SLOW_VIEWER_S in a row, its connection
 * holds more than SLOW_VIEWER_QUEUE_BYTES not yet taken by the client (it
 * is seconds behind live), or holds data while the client acknowledges
 * nothing (it stopped reading). It never stalls the others meanwhile: the
 * media is shared, and gst-rtsp-server queues each TCP viewer's data in
 * its own backlog and drops the viewer's transport when that is full. */
#define SLOW_VIEWER_QUEUE_BYTES (1024 * 1024)
#define SLOW_VIEWER_S 10
/* A DESCRIBE of a camera whose live feed sent no frame for this long, or
 * none since its pipeline (re)connected, is answered 503 at once: the
 * camera does not run on this node (another node runs it), is starting
 * (its pipeline connects, loads its detectors, waits for the camera's
 * first key frame), is reconnecting, or stalled. Preparing its media would
 * wait for a first frame, up to gst-rtsp-server's 20 s. */
#define NOT_SENDING_AFTER_US (5 * G_USEC_PER_SEC)
/* gst-rtsp-server serves all the clients of a network from one thread
 * (its default pool): a DESCRIBE that prepares a media waits there for
 * a key frame, holding the others. More threads are not an option with
 * 1.22: a client's DESCRIBE then races another's dropped connection
 * unpreparing the shared media, and gets 503 (e2e/fds). So only a camera
 * that sends frames is prepared (NOT_SENDING_AFTER_US), and its key frame
 * comes at once (the new media asks its encoder for a key unit): a node
 * starting several cameras at once, as after a failover, serves each as
 * soon as it sends, whatever the others do. */

struct _RbPublisher {
  gchar *name;
  gchar *address;
  guint port;
  guint max_connections;
  guint max_per_client;
  guint idle_timeout_s;
  GstRTSPServer *server;
  GSource *source;
  gboolean tls;                 /* rtsps:// */
  gchar **cameras;              /* served cameras, NULL: all */
  guint max_viewers;            /* 0: no limit of its own */
  GstRTSPLowerTrans protocols;  /* what viewers may use */
  GstRTSPAddressPool *pool;     /* udp-ports and multicast-addresses,
                                 * NULL without either */
  gchar *multicast_iface;       /* the interface of address, or NULL */
  guint slow_check_source;

  /* main context */
  guint connections;
  /* the counts below are updated from the clients' threads: under lock */
  GMutex lock;
  GHashTable *per_client;       /* client address → count (guint) */
  RbAccess *access;             /* allow=, refusals, wrong credentials */
  guint64 dropped_slow;         /* viewers dropped for being too slow */
  guint viewers;                /* connections that asked for a stream */
  RbLocateFunc locate;          /* [cluster]: where a camera is served */
  gpointer locate_data;
};

/* One client connection, for the limits. */
typedef struct {
  RbPublisher *publisher;
  gchar *address;
  guint idle_source;
  gboolean active;              /* sent a request */
  gboolean viewing;             /* set up a stream */
  gint64 behind_since_us;       /* monotonic; 0: keeping up */
  guint64 acked;                /* bytes the client acknowledged */
} RbClientInfo;


static void
rb_client_info_free (RbClientInfo * info)
{
  RbPublisher *p = info->publisher;
  guint n;

  if (info->idle_source)
    g_source_remove (info->idle_source);
  g_mutex_lock (&p->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (p->per_client, info->address));
  if (n > 1)
    g_hash_table_insert (p->per_client, g_strdup (info->address),
        GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_remove (p->per_client, info->address);
  p->connections--;
  if (info->viewing)
    p->viewers--;
  g_mutex_unlock (&p->lock);
  g_free (info->address);
  g_free (info);
}

static void
rb_publisher_on_client_closed (GstRTSPClient * client, RbClientInfo * info)
{
  g_object_set_data (G_OBJECT (client), "rb-client-info", NULL);
}

/* A connection that sent no request within idle-timeout is closed: idle
 * connections must not eat the file descriptors. */
static gboolean
rb_publisher_on_idle_client (gpointer data)
{
  GstRTSPClient *client = data;
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  if (info != NULL) {
    info->idle_source = 0;
    if (!info->active) {
      GST_INFO ("network %s: closing idle connection from %s",
          info->publisher->name, info->address);
      gst_rtsp_client_close (client);
    }
  }
  return G_SOURCE_REMOVE;
}

static void
rb_publisher_on_request (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  if (info != NULL)
    info->active = TRUE;
}

static void
rb_publisher_on_setup (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  if (info != NULL) {
    info->active = TRUE;
    g_mutex_lock (&info->publisher->lock);
    if (!info->viewing) {
      info->viewing = TRUE;
      info->publisher->viewers++;
    }
    g_mutex_unlock (&info->publisher->lock);
  }
}

/* max-viewers: a client that sets up its first stream beyond it is
 * answered 503 (before anything is set up for it). */
static GstRTSPStatusCode
rb_publisher_on_pre_setup (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");

  gboolean ok;

  if (info == NULL)
    return GST_RTSP_STS_OK;
  g_mutex_lock (&info->publisher->lock);
  ok = info->viewing || info->publisher->max_viewers == 0
      || info->publisher->viewers < info->publisher->max_viewers;
  g_mutex_unlock (&info->publisher->lock);
  if (ok)
    return GST_RTSP_STS_OK;
  rb_access_refuse (info->publisher->access, info->address,
      "max-viewers reached");
  return GST_RTSP_STS_SERVICE_UNAVAILABLE;
}

/* [cluster]: an authenticated DESCRIBE, or SETUP or PLAY without a
 * session, for a camera that another node runs is answered 302 with the
 * same path at the owner's address on this network (ffmpeg and rtspsrc
 * follow it); a camera that no node runs, 503. Any other request, and any
 * camera run here, goes on to the server. Called by the listener's auth
 * (rb-rtsp-auth.c) after the credentials are checked. */
static gboolean
rb_publisher_route (GstRTSPContext * ctx, gpointer data)
{
  RbPublisher *p = data;
  const gchar *abspath, *end;
  g_autofree gchar *camera = NULL, *path = NULL, *url = NULL;
  g_autofree gchar *node = NULL;
  GstRTSPStatusCode code;

  if (p->locate == NULL || ctx->uri == NULL || ctx->uri->abspath == NULL
      || ctx->request == NULL)
    return TRUE;
  if (ctx->method != GST_RTSP_DESCRIBE && !(ctx->session == NULL
          && (ctx->method == GST_RTSP_SETUP || ctx->method == GST_RTSP_PLAY)))
    return TRUE;
  abspath = ctx->uri->abspath;
  while (*abspath == '/')
    abspath++;
  end = strchr (abspath, '/');
  camera = end ? g_strndup (abspath, end - abspath) : g_strdup (abspath);
  if (camera[0] == '\0' || (p->cameras != NULL
          && !g_strv_contains ((const gchar * const *) p->cameras, camera)))
    return TRUE;                /* 404 by the server */
  path = ctx->uri->query ? g_strdup_printf ("/%s?%s", abspath,
      ctx->uri->query) : g_strdup_printf ("/%s", abspath);
  switch (p->locate (p->name, camera, FALSE, path, &url, &node, p->locate_data)) {
    case RB_LOCATION_HERE:
      return TRUE;
    case RB_LOCATION_ELSEWHERE:
      code = GST_RTSP_STS_MOVE_TEMPORARILY;
      break;
    case RB_LOCATION_NOWHERE:
    default:
      code = GST_RTSP_STS_SERVICE_UNAVAILABLE;
      break;
  }
  gst_rtsp_message_init_response (ctx->response, code,
      gst_rtsp_status_as_text (code), ctx->request);
  if (url != NULL) {
    GST_INFO ("network %s: %s %s: sent to node %s at %s", p->name,
        gst_rtsp_method_as_text (ctx->method), path, node, url);
    gst_rtsp_message_add_header (ctx->response, GST_RTSP_HDR_LOCATION, url);
  } else {
    gst_rtsp_message_add_header (ctx->response, GST_RTSP_HDR_RETRY_AFTER, "2");
  }
  gst_rtsp_client_send_message (ctx->client, ctx->session, ctx->response);
  return FALSE;
}

/* The live feed of the camera @ctx's request is for (a new reference), or
 * NULL. */
static RbLiveFeed *
rb_publisher_feed_of (GstRTSPClient * client, GstRTSPContext * ctx)
{
  GstRTSPMountPoints *mounts;
  GstRTSPMediaFactory *factory;
  RbLiveFeed *feed = NULL;
  gchar *path;

  if (ctx->uri == NULL)
    return NULL;
  mounts = gst_rtsp_client_get_mount_points (client);
  if (mounts == NULL)
    return NULL;
  path = gst_rtsp_mount_points_make_path (mounts, ctx->uri);
  factory = path ? gst_rtsp_mount_points_match (mounts, path, NULL) : NULL;
  if (factory != NULL && RB_IS_MEDIA_FACTORY (factory))
    feed = rb_live_feed_ref (rb_media_factory_get_feed (RB_MEDIA_FACTORY
            (factory)));
  g_clear_object (&factory);
  g_free (path);
  g_object_unref (mounts);
  return feed;
}

static GstRTSPStatusCode
rb_publisher_on_pre_describe (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  g_autoptr (RbLiveFeed) feed = rb_publisher_feed_of (client, ctx);

  if (feed == NULL || rb_live_feed_is_sending (feed, NOT_SENDING_AFTER_US))
    return GST_RTSP_STS_OK;
  GST_INFO ("%s: not sending on this node: 503", ctx->uri->abspath);
  return GST_RTSP_STS_SERVICE_UNAVAILABLE;
}

/* A viewer joining the shared media of a camera gets a key frame at once
 * rather than at the encoder's next one (up to key-int-max frames): it
 * could decode nothing before. */
static void
rb_publisher_on_play (GstRTSPClient * client, GstRTSPContext * ctx,
    gpointer data)
{
  g_autoptr (RbLiveFeed) feed = rb_publisher_feed_of (client, ctx);

  if (feed != NULL)
    rb_live_feed_want_key_unit (feed);
}

/* Whether a new connection from @address is let in by the limits, after
 * the allow list: checked by the server before it creates a client for it
 * (GST_RTSP_AUTH_CHECK_CONNECT, rb-rtsp-auth.c), so a refused connection
 * costs nothing but its accept. */
static gboolean
rb_publisher_may_connect (const gchar * address, gpointer data)
{
  RbPublisher *p = data;
  guint n, connections;

  g_mutex_lock (&p->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (p->per_client, address));
  connections = p->connections;
  g_mutex_unlock (&p->lock);
  if (connections >= p->max_connections) {
    rb_access_refuse (p->access, address, "max-connections reached");
    return FALSE;
  }
  if (n >= p->max_per_client) {
    rb_access_refuse (p->access, address, "max-connections-per-client "
        "reached");
    return FALSE;
  }
  return TRUE;
}


static void
rb_publisher_on_client_connected (GstRTSPServer * server,
    GstRTSPClient * client, RbPublisher * p)
{
  GstRTSPConnection *conn = gst_rtsp_client_get_connection (client);
  const gchar *ip = conn ? gst_rtsp_connection_get_ip (conn) : NULL;
  g_autofree gchar *address = g_strdup (ip ? ip : "unknown");
  guint n;
  RbClientInfo *info;

  info = g_new0 (RbClientInfo, 1);
  info->publisher = p;
  info->address = g_steal_pointer (&address);
  g_mutex_lock (&p->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (p->per_client, info->address));
  p->connections++;
  g_hash_table_insert (p->per_client, g_strdup (info->address),
      GUINT_TO_POINTER (n + 1));
  g_mutex_unlock (&p->lock);
  g_object_set_data_full (G_OBJECT (client), "rb-client-info", info,
      (GDestroyNotify) rb_client_info_free);
  info->idle_source = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT,
      p->idle_timeout_s, rb_publisher_on_idle_client,
      g_object_ref (client), g_object_unref);
  g_signal_connect (client, "closed",
      G_CALLBACK (rb_publisher_on_client_closed), info);
  g_signal_connect (client, "options-request",
      G_CALLBACK (rb_publisher_on_request), NULL);
  g_signal_connect (client, "describe-request",
      G_CALLBACK (rb_publisher_on_request), NULL);
  g_signal_connect (client, "get-parameter-request",
      G_CALLBACK (rb_publisher_on_request), NULL);
  g_signal_connect (client, "pre-setup-request",
      G_CALLBACK (rb_publisher_on_pre_setup), NULL);
  g_signal_connect (client, "pre-describe-request",
      G_CALLBACK (rb_publisher_on_pre_describe), NULL);
  g_signal_connect (client, "play-request",
      G_CALLBACK (rb_publisher_on_play), NULL);
  g_signal_connect (client, "setup-request",
      G_CALLBACK (rb_publisher_on_setup), NULL);
}

/**
 * rb_publisher_new:
 * @network: the network's configuration
 * @error: return location for an error
 *
 * Builds (does not start) the RTSP server of @network: its users file and
 * TLS certificate are read now.
 *
 * Returns: (transfer full) (nullable): the publisher, or %NULL with @error
 * naming the network and file when the users file or the certificate
 * cannot be read (they were checked when the config was loaded).
 */
RbPublisher *
rb_publisher_new (const RbNetworkConfig * network, GError ** error)
{
  g_autoptr (RbPublisher) publisher = g_new0 (RbPublisher, 1);
  g_autoptr (RbUsers) users = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *label = NULL;
  GstRTSPAuth *auth;
  gchar *service;

  if (network->users_file != NULL
      && (users = rb_onvif_load_network_users (network, &err)) == NULL) {
    g_set_error (error, err->domain, err->code, "network %s: users: %s",
        network->name, err->message);
    return NULL;
  }
  if (network->tls_certificate != NULL && (certificate =
          g_tls_certificate_new_from_files (network->tls_certificate,
              network->tls_key, &err)) == NULL) {
    g_set_error (error, err->domain, err->code, "network %s: "
        "tls-certificate %s, tls-key %s: %s", network->name,
        network->tls_certificate, network->tls_key, err->message);
    return NULL;
  }

  publisher->name = g_strdup (network->name);
  publisher->address = g_strdup (network->address);
  publisher->port = network->port;
  publisher->max_connections = network->max_connections;
  publisher->max_per_client = network->max_connections_per_client;
  publisher->idle_timeout_s = network->idle_timeout_s;
  publisher->cameras = g_strdupv (network->cameras);
  publisher->max_viewers = network->max_viewers;
  publisher->tls = certificate != NULL;
  publisher->protocols = 0;
  if (network->rtsp_transport & RB_RTSP_TRANSPORT_TCP)
    publisher->protocols |= GST_RTSP_LOWER_TRANS_TCP;
  if (network->rtsp_transport & RB_RTSP_TRANSPORT_UDP) {
    gboolean v6 = strchr (network->address, ':') != NULL;

    publisher->protocols |= GST_RTSP_LOWER_TRANS_UDP;
    publisher->pool = gst_rtsp_address_pool_new ();
    gst_rtsp_address_pool_add_range (publisher->pool,
        v6 ? GST_RTSP_ADDRESS_POOL_ANY_IPV6 : GST_RTSP_ADDRESS_POOL_ANY_IPV4,
        v6 ? GST_RTSP_ADDRESS_POOL_ANY_IPV6 : GST_RTSP_ADDRESS_POOL_ANY_IPV4,
        network->udp_port_min, network->udp_port_max, 0);
  }
  if (network->multicast_first != NULL) {
    /* sent out of the network's own interface only: the default route's
     * may be another network's */
    publisher->multicast_iface = rb_netif_of_address (network->address, NULL);
    if (publisher->multicast_iface == NULL) {
      g_warning ("network %s: no interface has the address %s: no "
          "multicast for its viewers", network->name, network->address);
    } else {
      if (publisher->pool == NULL)
        publisher->pool = gst_rtsp_address_pool_new ();
      gst_rtsp_address_pool_add_range (publisher->pool,
          network->multicast_first, network->multicast_last,
          network->multicast_port_min, network->multicast_port_max,
          network->multicast_ttl);
      publisher->protocols |= GST_RTSP_LOWER_TRANS_UDP_MCAST;
    }
  }
  g_mutex_init (&publisher->lock);
  publisher->per_client = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  label = g_strdup_printf ("network %s", network->name);
  publisher->access = rb_access_new (label, "connections", network->allow);
  publisher->server = gst_rtsp_server_new ();
  g_signal_connect (publisher->server, "client-connected",
      G_CALLBACK (rb_publisher_on_client_connected), publisher);

  auth = rb_rtsp_auth_new (publisher->access, network->auth,
      g_steal_pointer (&users), certificate, rb_publisher_may_connect,
      publisher);
  rb_rtsp_auth_set_route (auth, rb_publisher_route, publisher);
  gst_rtsp_server_set_auth (publisher->server, auth);
  g_object_unref (auth);

  service = g_strdup_printf ("%u", network->port);
  gst_rtsp_server_set_address (publisher->server, network->address);
  gst_rtsp_server_set_service (publisher->server, service);
  gst_rtsp_server_set_backlog (publisher->server, LISTEN_BACKLOG);
  g_free (service);
  return g_steal_pointer (&publisher);
}

static GstRTSPFilterResult
rb_publisher_drop_client (GstRTSPServer * server, GstRTSPClient * client,
    gpointer data)
{
  g_object_set_data (G_OBJECT (client), "rb-client-info", NULL);
  return GST_RTSP_FILTER_REMOVE;
}

void
rb_publisher_free (RbPublisher * publisher)
{
  if (publisher == NULL)
    return;
  /* the client counts live here: the clients go first */
  if (publisher->server != NULL)
    gst_rtsp_server_client_filter (publisher->server,
        rb_publisher_drop_client, NULL);
  if (publisher->slow_check_source)
    g_source_remove (publisher->slow_check_source);
  if (publisher->source != NULL) {
    g_source_destroy (publisher->source);
    g_source_unref (publisher->source);
  }
  gst_clear_object (&publisher->server);
  gst_clear_object (&publisher->pool);
  g_free (publisher->multicast_iface);
  g_strfreev (publisher->cameras);
  g_clear_pointer (&publisher->per_client, g_hash_table_unref);
  g_mutex_clear (&publisher->lock);
  g_clear_pointer (&publisher->access, rb_access_free);
  g_free (publisher->name);
  g_free (publisher->address);
  g_free (publisher);
}

/* A shared media factory of @feed with the network's transports. */
static GstRTSPMediaFactory *
rb_publisher_factory (RbPublisher * publisher, RbLiveFeed * feed)
{
  GstRTSPMediaFactory *factory = rb_media_factory_new (feed);

  gst_rtsp_media_factory_set_shared (factory, TRUE);
  gst_rtsp_media_factory_set_protocols (factory, publisher->protocols);
  if (publisher->pool != NULL)
    gst_rtsp_media_factory_set_address_pool (factory, publisher->pool);
  if (publisher->multicast_iface != NULL)
    gst_rtsp_media_factory_set_multicast_iface (factory,
        publisher->multicast_iface);
  return factory;
}

/* Mounts @camera as /CAMERA (and its sub-stream as /CAMERA/sub), when the
 * network serves it (cameras=);
 * returns whether it did. Cameras not mounted answer 404. */
gboolean
rb_publisher_add_camera (RbPublisher * publisher, const gchar * camera,
    RbLiveFeed * feed)
{
  GstRTSPMountPoints *mounts;
  RbLiveFeed *sub = rb_live_feed_get_sub (feed);
  gchar *path;

  if (publisher->cameras != NULL
      && !g_strv_contains ((const gchar * const *) publisher->cameras,
          camera))
    return FALSE;
  mounts = gst_rtsp_server_get_mount_points (publisher->server);
  path = g_strdup_printf ("/%s", camera);
  gst_rtsp_mount_points_add_factory (mounts, path,
      rb_publisher_factory (publisher, feed));
  g_free (path);
  /* its sub-stream, when it has one */
  if (sub != NULL) {
    path = g_strdup_printf ("/%s/sub", camera);
    gst_rtsp_mount_points_add_factory (mounts, path,
        rb_publisher_factory (publisher, sub));
    g_free (path);
  }
  g_object_unref (mounts);
  return TRUE;
}

/* Bytes in @client's socket not yet taken by the peer (-1: unknown), and
 * the bytes it acknowledged so far. */
static gint
rb_client_pending_bytes (GstRTSPClient * client, guint64 * acked)
{
#if defined (SIOCOUTQ) && defined (TCP_INFO)
  GstRTSPConnection *conn = gst_rtsp_client_get_connection (client);
  GSocket *socket = conn ? gst_rtsp_connection_get_write_socket (conn) :
      NULL;
  struct tcp_info ti;
  socklen_t len = sizeof (ti);
  int pending = 0;

  *acked = 0;
  if (socket == NULL || ioctl (g_socket_get_fd (socket), SIOCOUTQ,
          &pending) != 0)
    return -1;
  memset (&ti, 0, sizeof (ti));
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &ti,
          &len) == 0)
    *acked = ti.tcpi_bytes_acked;
  return pending;
#else
  *acked = 0;
  return -1;
#endif
}

static GstRTSPFilterResult
rb_publisher_find_slow (GstRTSPServer * server, GstRTSPClient * client,
    gpointer data)
{
  GList **slow = data;
  RbClientInfo *info = g_object_get_data (G_OBJECT (client),
      "rb-client-info");
  gint pending;
  guint64 acked;
  gboolean behind, stuck;
  gint64 now = g_get_monotonic_time ();

  if (info == NULL || !info->viewing)
    return GST_RTSP_FILTER_KEEP;
  pending = rb_client_pending_bytes (client, &acked);
  behind = pending >= SLOW_VIEWER_QUEUE_BYTES;
  stuck = pending > 0 && acked != 0 && acked == info->acked;
  info->acked = acked;
  if (!behind && !stuck) {
    info->behind_since_us = 0;
  } else if (info->behind_since_us == 0) {
    info->behind_since_us = now;
  } else if (now - info->behind_since_us >= SLOW_VIEWER_S * G_USEC_PER_SEC) {
    g_message ("network %s: dropping the viewer at %s: %s for %d s "
        "(%d KiB waiting)", info->publisher->name, info->address,
        stuck ? "it takes nothing" : "far behind live", SLOW_VIEWER_S,
        pending / 1024);
    info->publisher->dropped_slow++;
    info->behind_since_us = 0;
    *slow = g_list_prepend (*slow, g_object_ref (client));
  }
  return GST_RTSP_FILTER_KEEP;
}

static gboolean
rb_publisher_check_slow (gpointer data)
{
  RbPublisher *p = data;
  GList *slow = NULL;

  gst_rtsp_server_client_filter (p->server, rb_publisher_find_slow, &slow);
  for (GList * l = slow; l != NULL; l = l->next)
    gst_rtsp_client_close (l->data);
  g_list_free_full (slow, g_object_unref);
  return G_SOURCE_CONTINUE;
}

gboolean
rb_publisher_start (RbPublisher * publisher, GError ** error)
{
  GError *err = NULL;
  GSource *source;

  if (publisher->source != NULL)
    return TRUE;
  source = gst_rtsp_server_create_source (publisher->server, NULL, &err);
  if (source == NULL) {
    g_set_error (error, G_IO_ERROR, err ? err->code : G_IO_ERROR_FAILED,
        "network %s: cannot listen on %s port %u: %s", publisher->name,
        publisher->address, publisher->port,
        err ? err->message : "unknown error");
    g_clear_error (&err);
    return FALSE;
  }
  g_source_attach (source, NULL);
  publisher->source = source;
  publisher->slow_check_source = g_timeout_add_seconds (1,
      rb_publisher_check_slow, publisher);
  return TRUE;
}

/* Whether the listener speaks TLS (rtsps://). */
gboolean
rb_publisher_is_tls (RbPublisher * publisher)
{
  return publisher->tls;
}

gboolean
rb_publisher_is_serving (RbPublisher * publisher)
{
  return publisher->source != NULL;
}

const gchar *
rb_publisher_get_name (RbPublisher * publisher)
{
  return publisher->name;
}

guint
rb_publisher_get_bound_port (RbPublisher * publisher)
{
  gint port = gst_rtsp_server_get_bound_port (publisher->server);

  return port > 0 ? (guint) port : 0;
}

/* Connections open now, viewers among them, and connections refused by
 * allow= and the limits (and set-ups refused by max-viewers) since start. */
void
rb_publisher_get_counts (RbPublisher * publisher, guint * connections,
    guint * viewers, guint64 * refused)
{
  *connections = publisher->connections;
  *viewers = publisher->viewers;
  rb_access_get_counts (publisher->access, refused, NULL);
}

void
rb_publisher_get_access_counts (RbPublisher * publisher,
    guint64 * auth_failures, guint64 * dropped_slow)
{
  rb_access_get_counts (publisher->access, NULL, auth_failures);
  *dropped_slow = publisher->dropped_slow;
}

void
rb_publisher_set_locate (RbPublisher * publisher, RbLocateFunc locate,
    gpointer data)
{
  publisher->locate = locate;
  publisher->locate_data = data;
}
