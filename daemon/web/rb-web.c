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

/* Browsers: HLS, the operator page and its chat (see rb-web.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-web.h"
#include "rb-access.h"
#include "rb-camera.h"
#include "rb-chat.h"
#include "rb-hls.h"
#include "rb-snapshot.h"
#include "rb-http-auth.h"
#include "rb-http-listener.h"
#include "rb-metrics.h"
#include "rb-onvif.h"
#include "rb-onvif-soap.h"
#include "rb-paths.h"
#include "rb-users.h"
#include "rb-web-route.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

/* A camera not live for this long is offline, before: reconnecting. */
#define OFFLINE_AFTER_S 30
/* A frame older than this is not live. */
#define LIVE_MAX_AGE_S 5

typedef struct {
  GBytes *bytes;
  const gchar *content_type;
} RbWebFile;

typedef struct _RbHttp RbHttp;

struct _RbWeb {
  const RbConfig *config;
  GPtrArray *feeds;             /* not owned */
  GPtrArray *cameras;           /* not owned */
  gchar *web_dir;
  GHashTable *files;            /* URL path → RbWebFile* */
  GPtrArray *hls;               /* RbHls * or NULL, parallel to cameras */
  GPtrArray *hls_sub;           /* the sub-streams' (substream=), the same */
  RbSnapshots *snapshots;       /* JPEGs of the last anonymized frames */
  GHashTable *rooms;            /* room name → RbChatRoom * */
  GPtrArray *https;             /* of RbHttp * */
  gint64 started_us;            /* wall clock */
  RbLocateFunc locate;          /* [cluster], or NULL */
  gpointer locate_data;
};

struct _RbHttp {
  RbWeb *web;
  const RbNetworkConfig *net;
  SoupServer *server;
  RbHttpListener *listener;     /* its socket, connections and bounds */
  GTlsCertificate *tls_certificate;     /* NULL: plain HTTP */
  SoupAuthDomain *auth;         /* RbHttpAuth, NULL: auth=none */
  RbChatRoom *room;             /* in web->rooms */
  gboolean serving;
  gboolean tls;
  guint64 requests;             /* answered by the handlers */
  RbAccess *access;             /* allow=, its refusals and their log */
  RbOnvif *onvif;               /* the ONVIF services, or NULL */
};

static void
rb_web_file_free (RbWebFile * f)
{
  g_bytes_unref (f->bytes);
  g_free (f);
}

/* ---- the page's files ---- */

/* As the models (lib/rb-paths): the source tree's web/ from the build
 * tree, else the installed datadir/rtsp-blur/web. */
static const gchar *
rb_web_find_dir (void)
{
  return rb_paths_in_build_tree ()? RB_SOURCE_WEB_DIR : RB_WEB_DIR;
}

static gboolean
rb_web_load_files (RbWeb * web, GError ** error)
{
  /* *INDENT-OFF* */
  static const struct { const gchar *url, *file, *type; } files[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/style.css", "style.css", "text/css; charset=utf-8"},
    {"/vendor/hls.min.js", "node_modules/hls.js/dist/hls.min.js",
     "text/javascript; charset=utf-8"},
  };
  /* *INDENT-ON* */
  const gchar *dir = rb_web_find_dir ();

  web->web_dir = g_strdup (dir);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree gchar *path = g_build_filename (dir, files[i].file, NULL);
    gchar *data;
    gsize len;
    RbWebFile *f;
    GError *err = NULL;

    if (!g_file_get_contents (path, &data, &len, &err)) {
      g_set_error (error, err->domain, err->code, "%s%s", err->message,
          g_str_has_prefix (files[i].file, "node_modules") ?
          " (hls.js is installed by scripts/setup with npm)" : "");
      g_error_free (err);
      return FALSE;
    }
    f = g_new0 (RbWebFile, 1);
    f->bytes = g_bytes_new_take (data, len);
    f->content_type = files[i].type;
    g_hash_table_insert (web->files, g_strdup (files[i].url), f);
  }
  return TRUE;
}

/* ---- responses ---- */

static void
rb_http_respond (SoupServerMessage * msg, guint status,
    const gchar * content_type, GBytes * bytes, gboolean cache)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Cache-Control", cache ?
      "max-age=60" : "no-store");
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (msg, status, NULL);
  if (bytes != NULL) {
    soup_message_headers_set_content_type (h, content_type, NULL);
    soup_message_body_append_bytes (soup_server_message_get_response_body
        (msg), bytes);
  }
}

static void
rb_http_respond_text (SoupServerMessage * msg, guint status,
    const gchar * text)
{
  g_autoptr (GBytes) b = g_bytes_new (text, strlen (text));

  rb_http_respond (msg, status, "text/plain; charset=utf-8", b, FALSE);
}

/* The index of camera @name in the config, or -1. */
static gint
rb_web_camera_index (RbWeb * web, const gchar * name)
{
  for (guint i = 0; i < web->config->cameras->len; i++)
    if (g_str_equal (((RbCameraConfig *)
                g_ptr_array_index (web->config->cameras, i))->name, name))
      return i;
  return -1;
}

static gchar *
rb_web_iso_time (gint64 us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autofree gchar *base = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base,
      (gint) ((us % G_USEC_PER_SEC) / 1000));
}

/* live: frames now; reconnecting: not now, but within OFFLINE_AFTER_S (or
 * since start); offline: longer, or the camera is stopped. */
static RbWebCameraState
rb_web_camera_state (RbWeb * web, guint i, gint64 * last_frame_us)
{
  RbLiveFeed *feed = g_ptr_array_index (web->feeds, i);
  gint64 now = g_get_real_time ();
  gint64 last = rb_live_feed_get_last_sample_time (feed);
  gboolean stopped = FALSE;
  RbCameraStats st = { 0, };

  *last_frame_us = last;
  if (i < web->cameras->len) {
    rb_camera_get_stats (g_ptr_array_index (web->cameras, i), &st);
    stopped = st.status == RB_CAMERA_STATUS_STOPPING
        || st.status == RB_CAMERA_STATUS_STOPPED;
  }
  if (stopped)
    return RB_WEB_CAMERA_OFFLINE;
  if (st.receiving && last > 0 && now - last < LIVE_MAX_AGE_S * G_USEC_PER_SEC)
    return RB_WEB_CAMERA_LIVE;
  if (now - MAX (last, web->started_us) < OFFLINE_AFTER_S * G_USEC_PER_SEC)
    return RB_WEB_CAMERA_RECONNECTING;
  return RB_WEB_CAMERA_OFFLINE;
}

static void
rb_http_serve_cameras (RbHttp * http, SoupServerMessage * msg,
    const gchar * user)
{
  RbWeb *web = http->web;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *now = rb_web_iso_time (g_get_real_time ());
  gchar *text;
  GBytes *bytes;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "network");
  json_builder_add_string_value (b, http->net->name);
  json_builder_set_member_name (b, "user");
  json_builder_add_string_value (b, user);
  json_builder_set_member_name (b, "server_time");
  json_builder_add_string_value (b, now);
  json_builder_set_member_name (b, "cameras");
  json_builder_begin_array (b);
  for (guint i = 0; i < web->config->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (web->config->cameras, i);
    RbHls *hls = g_ptr_array_index (web->hls, i);
    RbHls *hls_sub = g_ptr_array_index (web->hls_sub, i);
    g_autofree gchar *url = g_strdup_printf ("/hls/%s/index.m3u8",
        cam->name);
    g_autoptr (GBytes) playlist = NULL;
    RbWebCameraState state;
    gint64 last;

    g_autofree gchar *owner = NULL, *page = NULL;
    RbLocation where = RB_LOCATION_HERE;

    if (!rb_network_config_has_camera (http->net, cam->name) || hls == NULL)
      continue;
    if (web->locate != NULL)
      where = web->locate (http->net->name, cam->name, TRUE, "/", &page,
          &owner, web->locate_data);
    state = rb_web_camera_state (web, i, &last);
    playlist = rb_hls_get_playlist (hls);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, cam->name);
    if (web->locate != NULL) {
      /* the node that runs it; its own page on this network */
      json_builder_set_member_name (b, "node");
      if (where == RB_LOCATION_HERE)
        json_builder_add_string_value (b, web->config->cluster_node);
      else if (owner != NULL)
        json_builder_add_string_value (b, owner);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "page");
      if (page != NULL)
        json_builder_add_string_value (b, page);
      else
        json_builder_add_null_value (b);
    }
    json_builder_set_member_name (b, "state");
    if (where == RB_LOCATION_ELSEWHERE)
      json_builder_add_string_value (b, "elsewhere");
    else
      json_builder_add_string_value (b, rb_web_camera_state_name (state));
    json_builder_set_member_name (b, "last_frame");
    if (last > 0) {
      g_autofree gchar *t = rb_web_iso_time (last);

      json_builder_add_string_value (b, t);
    } else {
      json_builder_add_null_value (b);
    }
    json_builder_set_member_name (b, "hls");
    json_builder_add_string_value (b, url);
    json_builder_set_member_name (b, "hls_ready");
    json_builder_add_boolean_value (b, where == RB_LOCATION_HERE
        && playlist != NULL);
    if (hls_sub != NULL) {
      g_autoptr (GBytes) sub_playlist = rb_hls_get_playlist (hls_sub);
      g_autofree gchar *sub_url = g_strdup_printf ("/hls/%s/sub/index.m3u8",
          cam->name);

      /* the grid plays it; one camera alone plays "hls" */
      json_builder_set_member_name (b, "hls_sub");
      json_builder_add_string_value (b, sub_url);
      json_builder_set_member_name (b, "hls_sub_ready");
      json_builder_add_boolean_value (b, where == RB_LOCATION_HERE
          && sub_playlist != NULL);
    }
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  bytes = g_bytes_new_take (text, strlen (text));
  rb_http_respond (msg, SOUP_STATUS_OK, "application/json", bytes, FALSE);
  g_bytes_unref (bytes);
}

/* [cluster]: when another node runs @camera, answers @msg 302 to the
 * same URL at that node on this network (or 503 when no node runs it) and
 * returns TRUE; FALSE when this node runs it, or without [cluster]. */
static gboolean
rb_http_answered_elsewhere (RbHttp * http, SoupServerMessage * msg,
    const gchar * camera)
{
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree gchar *path = NULL, *url = NULL;

  if (http->web->locate == NULL)
    return FALSE;
  path = g_uri_get_query (uri) ? g_strdup_printf ("%s?%s",
      g_uri_get_path (uri), g_uri_get_query (uri)) :
      g_strdup (g_uri_get_path (uri));
  switch (http->web->locate (http->net->name, camera, TRUE, path, &url,
          NULL, http->web->locate_data)) {
    case RB_LOCATION_HERE:
      return FALSE;
    case RB_LOCATION_ELSEWHERE:
      /* another node runs it: its same URL on this network */
      soup_message_headers_replace (soup_server_message_get_response_headers
          (msg), "Location", url);
      rb_http_respond_text (msg, SOUP_STATUS_FOUND, "served by another "
          "node\n");
      return TRUE;
    case RB_LOCATION_NOWHERE:
      soup_message_headers_replace (soup_server_message_get_response_headers
          (msg), "Retry-After", "2");
      rb_http_respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
          "no node runs this camera now\n");
      return TRUE;
  }
  return FALSE;
}

/* /hls/CAMERA/FILE or /hls/CAMERA/sub/FILE (rb_web_route(): @file is
 * then "sub/FILE"); @camera NULL: not of that form */
static void
rb_http_serve_hls (RbHttp * http, SoupServerMessage * msg,
    const gchar * camera, const gchar * file)
{
  g_autoptr (GBytes) bytes = NULL;
  GPtrArray *packagers = http->web->hls;
  RbHls *hls;
  gint i;

  if (file != NULL && g_str_has_prefix (file, RB_WEB_ROUTE_SUB_PREFIX)) {
    packagers = http->web->hls_sub;
    file += strlen (RB_WEB_ROUTE_SUB_PREFIX);
  }
  if (camera == NULL || (i = rb_web_camera_index (http->web, camera)) < 0
      || !rb_network_config_has_camera (http->net, camera)
      || (hls = g_ptr_array_index (packagers, i)) == NULL) {
    rb_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "no such camera\n");
    return;
  }
  if (rb_http_answered_elsewhere (http, msg, camera))
    return;
  if (g_str_equal (file, "index.m3u8")) {
    bytes = rb_hls_get_playlist (hls);
    if (bytes == NULL) {
      soup_message_headers_replace (soup_server_message_get_response_headers
          (msg), "Retry-After", "2");
      rb_http_respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
          "no segment yet\n");
      return;
    }
    rb_http_respond (msg, SOUP_STATUS_OK, "application/vnd.apple.mpegurl",
        bytes, FALSE);
    return;
  }
  bytes = rb_hls_get_segment (hls, file);
  if (bytes == NULL) {
    rb_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "no such segment\n");
    return;
  }
  rb_http_respond (msg, SOUP_STATUS_OK, "video/mp2t", bytes, TRUE);
}

/* A client waiting, its message paused, for a snapshot. */
typedef struct {
  SoupServerMessage *msg;
  gulong finished_id;
  gboolean finished;            /* the client went: nothing to answer */
} RbSnapshotRequest;

static void
rb_http_snapshot_finished (SoupServerMessage * msg, RbSnapshotRequest * r)
{
  r->finished = TRUE;
}

static void
rb_http_snapshot_done (GBytes * jpeg, const gchar * why, gpointer data)
{
  RbSnapshotRequest *r = data;

  if (!r->finished) {
    if (jpeg != NULL) {
      rb_http_respond (r->msg, SOUP_STATUS_OK, "image/jpeg", jpeg, FALSE);
    } else {
      g_warning ("snapshot: %s", why);
      rb_http_respond_text (r->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
          "cannot make the snapshot\n");
    }
    soup_server_message_unpause (r->msg);
  }
  g_signal_handler_disconnect (r->msg, r->finished_id);
  g_object_unref (r->msg);
  g_free (r);
}

/* /snapshot/CAMERA.jpg: the JPEG of the camera's last anonymized frame
 * (rb-snapshot.h); 503 while it has none that is live */
static void
rb_http_serve_snapshot (RbHttp * http, SoupServerMessage * msg,
    const gchar * camera)
{
  RbWeb *web = http->web;
  g_autoptr (GstSample) picture = NULL;
  RbSnapshotRequest *r;
  RbLiveFeed *feed;
  gint i;

  if ((i = rb_web_camera_index (web, camera)) < 0
      || !rb_network_config_has_camera (http->net, camera)) {
    rb_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "no such camera\n");
    return;
  }
  if (rb_http_answered_elsewhere (http, msg, camera))
    return;
  feed = g_ptr_array_index (web->feeds, i);
  if (g_get_real_time () - rb_live_feed_get_last_sample_time (feed) >
      LIVE_MAX_AGE_S * G_USEC_PER_SEC
      || (picture = rb_live_feed_get_picture (feed)) == NULL) {
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Retry-After", "2");
    rb_http_respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "no anonymized frame yet\n");
    return;
  }
  r = g_new0 (RbSnapshotRequest, 1);
  r->msg = g_object_ref (msg);
  r->finished_id = g_signal_connect (msg, "finished",
      G_CALLBACK (rb_http_snapshot_finished), r);
  soup_server_message_pause (msg);
  if (!rb_snapshots_get (web->snapshots, i, picture, rb_http_snapshot_done,
          r)) {
    g_signal_handler_disconnect (msg, r->finished_id);
    soup_server_message_unpause (msg);
    g_object_unref (msg);
    g_free (r);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Retry-After", "1");
    rb_http_respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "too many snapshots asked at once\n");
  }
}

/* The authenticated user of @msg ("anonymous" with auth=none). */
static gchar *
rb_http_user (RbHttp * http, SoupServerMessage * msg)
{
  const gchar *user = http->auth ? rb_http_auth_get_user (msg) : NULL;

  return g_strdup (user ? user : "anonymous");
}

static void
rb_http_handle (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  RbHttp *http = data;
  g_autofree gchar *camera = NULL, *file = NULL;
  RbWebFile *f;

  http->requests++;
  /* the decision alone is rb-web-route.c (fuzzed) */
  switch (rb_web_route (soup_server_message_get_method (msg), path, &camera,
          &file)) {
    case RB_WEB_ROUTE_METHOD_NOT_ALLOWED:
      rb_http_respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
          "GET only\n");
      break;
    case RB_WEB_ROUTE_HLS_PLAYLIST:
    case RB_WEB_ROUTE_HLS_SEGMENT:
    case RB_WEB_ROUTE_HLS_NOT_FOUND:
      rb_http_serve_hls (http, msg, camera, file);
      break;
    case RB_WEB_ROUTE_CAMERAS:{
      g_autofree gchar *user = rb_http_user (http, msg);

      rb_http_serve_cameras (http, msg, user);
      break;
    }
    case RB_WEB_ROUTE_SNAPSHOT:
      rb_http_serve_snapshot (http, msg, camera);
      break;
    case RB_WEB_ROUTE_ONVIF:
      if (http->onvif != NULL)
        rb_onvif_handle (http->onvif, msg);
      else
        rb_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "not found\n");
      break;
    case RB_WEB_ROUTE_FILE:
      if ((f = g_hash_table_lookup (http->web->files, path)) != NULL)
        rb_http_respond (msg, SOUP_STATUS_OK, f->content_type, f->bytes,
            FALSE);
      else
        rb_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "not found\n");
      break;
  }
}

/* A browser sends Origin on a WebSocket handshake: only pages served by
 * this listener may open the chat (no cross-site use of the browser's
 * credentials). */
static gboolean
rb_http_origin_ok (RbHttp * http, SoupServerMessage * msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const gchar *origin = soup_message_headers_get_one (h, "Origin");
  const gchar *host = soup_message_headers_get_one (h, "Host");
  g_autofree gchar *expected = NULL;

  if (origin == NULL)
    return TRUE;                /* not a browser */
  if (host == NULL)
    return FALSE;
  expected = g_strdup_printf ("%s://%s", http->tls ? "https" : "http", host);
  return g_ascii_strcasecmp (origin, expected) == 0;
}

static void
rb_http_on_websocket (SoupServer * server, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * conn, gpointer data)
{
  RbHttp *http = data;
  g_autofree gchar *user = NULL;

  http->requests++;
  if (!rb_http_origin_ok (http, msg)) {
    soup_websocket_connection_close (conn,
        SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "foreign origin");
    return;
  }
  user = rb_http_user (http, msg);
  rb_chat_room_join (http->room, conn, user, http->net->name);
}

/* allow=: a client outside the network's list gets 403 before anything
 * else, authentication included (libsoup skips the auth domains and the
 * handlers of a message whose status is set), and the connection is
 * closed; logged at most once per address and minute. */
static void
rb_http_on_request_started (SoupServer * server, SoupServerMessage * msg,
    gpointer data)
{
  RbHttp *http = data;
  GSocketAddress *sa = soup_server_message_get_remote_address (msg);
  g_autofree gchar *ip = NULL;

  if (http->net->allow == NULL)
    return;
  if (G_IS_INET_SOCKET_ADDRESS (sa))
    ip = g_inet_address_to_string (g_inet_socket_address_get_address
        (G_INET_SOCKET_ADDRESS (sa)));
  if (rb_access_admit (http->access, ip))
    return;
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "Connection", "close");
  soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
}

static void
rb_http_free (RbHttp * http)
{
  g_clear_pointer (&http->listener, rb_http_listener_free);
  g_clear_object (&http->tls_certificate);
  if (http->server != NULL) {
    soup_server_disconnect (http->server);
    g_object_unref (http->server);
  }
  g_clear_object (&http->auth);
  g_clear_pointer (&http->access, rb_access_free);
  g_clear_pointer (&http->onvif, rb_onvif_free);
  g_free (http);
}

/* ONVIF's Resolution of a camera's main stream: its live video's. */
static gboolean
rb_web_camera_size (const gchar * camera, guint * width, guint * height,
    gpointer data)
{
  RbWeb *web = data;
  gint i = rb_web_camera_index (web, camera);

  if (i < 0 || web->feeds == NULL || (guint) i >= web->feeds->len)
    return FALSE;
  return rb_live_feed_get_video_size (g_ptr_array_index (web->feeds, i),
      width, height);
}

static RbHttp *
rb_http_new (RbWeb * web, const RbNetworkConfig * net, gboolean check_only,
    GError ** error)
{
  const gchar *file = web->config->path;
  RbHttp *http = g_new0 (RbHttp, 1);
  g_autofree gchar *label = g_strdup_printf ("network %s", net->name);
  RbHttpLimits limits = { net->max_connections,
    net->max_connections_per_client,
    MIN (net->idle_timeout_s, RB_HTTP_HEADER_TIMEOUT_S), net->idle_timeout_s,
    RB_HTTP_LISTEN_BACKLOG
  };
  GError *err = NULL;

  http->web = web;
  http->net = net;
  http->server = soup_server_new ("server-header", "rtsp-blur", NULL);
  http->access = rb_access_new (label, "HTTP requests", net->allow);
  g_signal_connect (http->server, "request-started",
      G_CALLBACK (rb_http_on_request_started), http);
  if (net->tls_certificate != NULL) {
    g_autoptr (GTlsCertificate) cert =
        g_tls_certificate_new_from_files (net->tls_certificate,
        net->tls_key, &err);

    if (cert == NULL) {
      g_set_error (error, err->domain, err->code, "%s: [network:%s] "
          "tls-certificate: cannot load %s with %s: %s", file, net->name,
          net->tls_certificate, net->tls_key, err->message);
      g_error_free (err);
      rb_http_free (http);
      return NULL;
    }
    /* the listener makes the TLS connections (rb-http-listener.h) */
    http->tls_certificate = g_steal_pointer (&cert);
    http->tls = TRUE;
  }
  http->listener = rb_http_listener_new (http->server, label, &limits,
      http->tls_certificate);
  if (net->auth != RB_NETWORK_AUTH_NONE) {
    /* with the ONVIF users (a VMS fetches snapshots with them) */
    RbUsers *users = rb_onvif_load_network_users (net, &err);

    if (users == NULL) {
      g_set_error (error, err->domain, err->code, "%s: [network:%s] users: "
          "%s", file, net->name, err->message);
      g_error_free (err);
      rb_http_free (http);
      return NULL;
    }
    /* replay-safe digest (or basic), checked by rb-digest as on RTSP */
    http->auth = rb_http_auth_new (users, net->auth == RB_NETWORK_AUTH_BASIC);
    soup_server_add_auth_domain (http->server, http->auth);
  }
  /* ONVIF: its own credentials, checked once the body is in (a
   * UsernameToken is in the body) */
  http->onvif = rb_onvif_new (web->config, net, http->auth ?
      soup_auth_domain_get_realm (http->auth) : NULL, !check_only, &err);
  if (err != NULL) {
    g_propagate_error (error, err);
    rb_http_free (http);
    return NULL;
  }
  if (http->onvif != NULL) {
    rb_onvif_set_size_func (http->onvif, rb_web_camera_size, web);
    if (http->auth != NULL)
      soup_auth_domain_remove_path (http->auth, "/onvif");
    rb_http_listener_accept_bodies (http->listener, "/onvif/",
        RB_ONVIF_MAX_REQUEST);
  }
  soup_server_add_handler (http->server, NULL, rb_http_handle, http, NULL);
  soup_server_add_websocket_handler (http->server, "/chat", NULL, NULL,
      rb_http_on_websocket, http, NULL);
  return http;
}

static gboolean
rb_http_start (RbHttp * http, GError ** error)
{
  g_autoptr (GInetAddress) inet =
      g_inet_address_new_from_string (http->net->address);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (inet,
      http->net->http_port);
  GError *err = NULL;

  if (!rb_http_listener_listen (http->listener, sa, &err)) {
    g_set_error (error, err->domain, err->code, "network %s: cannot listen "
        "on %s port %u (http-port): %s", http->net->name, http->net->address,
        http->net->http_port, err->message);
    g_error_free (err);
    return FALSE;
  }
  http->serving = TRUE;
  return TRUE;
}

/* ---- the whole ---- */

/* With @check_only, no chat room, no packager, no log line. */
static RbWeb *
rb_web_new_full (const RbConfig * config, GPtrArray * feeds,
    GPtrArray * cameras, gboolean check_only, GError ** error)
{
  g_autoptr (RbWeb) web = NULL;
  gboolean any = FALSE;

  for (guint i = 0; i < config->networks->len; i++)
    any |= ((RbNetworkConfig *) g_ptr_array_index (config->networks,
            i))->http_port != 0;
  if (!any)
    return NULL;

  web = g_new0 (RbWeb, 1);
  web->config = config;
  web->feeds = feeds;
  web->cameras = cameras;
  web->started_us = g_get_real_time ();
  web->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) rb_web_file_free);
  web->hls = g_ptr_array_new_with_free_func ((GDestroyNotify) rb_hls_free);
  web->hls_sub = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_hls_free);
  web->snapshots = rb_snapshots_new (config->cameras->len);
  web->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) rb_chat_room_free);
  web->https = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_http_free);
  if (!rb_web_load_files (web, error))
    return NULL;

  for (guint i = 0; i < config->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (config->networks, i);
    const gchar *room_name = config->chat_join_networks ? "all" : net->name;
    RbChatRoom *room;
    RbHttp *http;

    if (net->http_port == 0)
      continue;
    http = rb_http_new (web, net, check_only, error);
    if (http == NULL)
      return NULL;
    g_ptr_array_add (web->https, http);
    if (check_only)
      continue;
    room = g_hash_table_lookup (web->rooms, room_name);
    if (room == NULL) {
      g_autofree gchar *name = g_strdup_printf ("%s.jsonl", room_name);
      g_autofree gchar *path = g_build_filename (config->state_dir, "chat",
          name, NULL);
      GError *err = NULL;

      room = rb_chat_room_new (room_name, path, &err);
      if (room == NULL) {
        g_set_error (error, err->domain, err->code, "%s: [rtsp-blur] "
            "state-dir: chat room %s: %s", config->path, room_name,
            err->message);
        g_error_free (err);
        return NULL;
      }
      g_hash_table_insert (web->rooms, g_strdup (room_name), room);
    }
    http->room = room;
  }

  /* one packager per camera some browser network may see */
  for (guint i = 0; i < config->cameras->len && !check_only; i++) {
    RbCameraConfig *cam = g_ptr_array_index (config->cameras, i);
    RbHls *hls = NULL, *hls_sub = NULL;
    RbLiveFeed *sub;

    for (guint k = 0; k < web->https->len && hls == NULL; k++) {
      RbHttp *http = g_ptr_array_index (web->https, k);

      if (rb_network_config_has_camera (http->net, cam->name)) {
        GError *err = NULL;

        hls = rb_hls_new (cam->name, g_ptr_array_index (feeds, i),
            config->live_key_interval_s, &err);
        if (hls == NULL) {
          g_set_error (error, err->domain, err->code, "camera %s: cannot "
              "start its HLS packager: %s", cam->name, err->message);
          g_error_free (err);
          return NULL;
        }
      }
    }
    g_ptr_array_add (web->hls, hls);
    /* the sub-stream's, for the page's grid */
    sub = hls ? rb_live_feed_get_sub (g_ptr_array_index (feeds, i)) : NULL;
    if (sub != NULL) {
      g_autofree gchar *name = g_strdup_printf ("%s/sub", cam->name);
      GError *err = NULL;

      hls_sub = rb_hls_new (name, sub, config->live_key_interval_s, &err);
      if (hls_sub == NULL) {
        g_set_error (error, err->domain, err->code, "camera %s: cannot "
            "start its sub-stream's HLS packager: %s", cam->name,
            err->message);
        g_error_free (err);
        return NULL;
      }
    }
    g_ptr_array_add (web->hls_sub, hls_sub);
  }
  return g_steal_pointer (&web);
}

RbWeb *
rb_web_new (const RbConfig * config, GPtrArray * feeds, GPtrArray * cameras,
    GError ** error)
{
  return rb_web_new_full (config, feeds, cameras, FALSE, error);
}

gboolean
rb_web_check (const RbConfig * config, GError ** error)
{
  GError *err = NULL;
  RbWeb *web = rb_web_new_full (config, NULL, NULL, TRUE, &err);

  rb_web_free (web);
  if (err != NULL) {
    g_propagate_error (error, err);
    return FALSE;
  }
  return TRUE;
}

guint
rb_web_start (RbWeb * web)
{
  guint failing = 0;

  if (web == NULL)
    return 0;
  for (guint i = 0; i < web->https->len; i++) {
    RbHttp *http = g_ptr_array_index (web->https, i);
    const RbNetworkConfig *net = http->net;
    gboolean v6 = strchr (net->address, ':') != NULL;
    GError *err = NULL;

    if (http->serving)
      continue;
    if (!rb_http_start (http, &err)) {
      g_warning ("%s (%s); retrying", err->message, web->config->path);
      g_error_free (err);
      failing++;
      continue;
    }
    g_message ("network %s: operator page on %s://%s%s%s:%u/ (%s, chat "
        "room %s, page from %s)", net->name, http->tls ? "https" : "http",
        v6 ? "[" : "", net->address, v6 ? "]" : "", net->http_port,
        net->auth == RB_NETWORK_AUTH_NONE ? "anonymous" :
        net->auth == RB_NETWORK_AUTH_BASIC ? "basic auth" : "digest auth",
        web->config->chat_join_networks ? "all" : net->name, web->web_dir);
  }
  return failing;
}

/* The bounds of the listeners (rb-http-listener.h). */
static void
rb_web_collect_listeners (RbWeb * web, GString * out)
{
  /* *INDENT-OFF* */
  static const struct {
    const gchar *name, *type, *help, *kind;
    gsize offset;               /* of the guint64 in RbHttpListenerStats */
  } metrics[] = {
    {"rtsp_blur_network_http_connections", "gauge",
     "HTTP connections open on the network's listener (chat WebSockets "
     "included)", NULL, G_STRUCT_OFFSET (RbHttpListenerStats, connections)},
    {"rtsp_blur_network_http_refused_connections_total", "counter",
     "HTTP connections closed at accept: max-connections or "
     "max-connections-per-client reached", NULL,
     G_STRUCT_OFFSET (RbHttpListenerStats, refused)},
    {"rtsp_blur_network_http_timeouts_total", "counter",
     "HTTP connections closed by a timeout: header (no complete request "
     "in time) or idle (a response moved no byte for idle-timeout)",
     "header", G_STRUCT_OFFSET (RbHttpListenerStats, header_timeouts)},
    {"rtsp_blur_network_http_timeouts_total", "counter", NULL, "idle",
     G_STRUCT_OFFSET (RbHttpListenerStats, idle_timeouts)},
    {"rtsp_blur_network_http_refused_bodies_total", "counter",
     "HTTP requests that announced a body, answered on their headers (413, "
     "or 401/403) and closed before it was read", NULL,
     G_STRUCT_OFFSET (RbHttpListenerStats, bodies_refused)},
  };
  /* *INDENT-ON* */

  for (guint k = 0; k < G_N_ELEMENTS (metrics); k++) {
    for (guint i = 0; i < web->https->len; i++) {
      RbHttp *http = g_ptr_array_index (web->https, i);
      g_autofree gchar *name = rb_metrics_escape (http->net->name);
      g_autofree gchar *l = metrics[k].kind ?
          g_strdup_printf ("network=\"%s\",kind=\"%s\"", name,
          metrics[k].kind) : g_strdup_printf ("network=\"%s\"", name);
      RbHttpListenerStats st;

      rb_http_listener_get_stats (http->listener, &st);
      rb_metrics_add (out, metrics[k].name, metrics[k].type, i ? NULL :
          metrics[k].help, l, G_STRUCT_MEMBER (guint64, &st,
              metrics[k].offset));
    }
  }
}

/* The ONVIF services' requests and refusals. */
static void
rb_web_collect_onvif (RbWeb * web, GString * out)
{
  for (guint k = 0; k < 2; k++) {
    gboolean first = TRUE;

    for (guint i = 0; i < web->https->len; i++) {
      RbHttp *http = g_ptr_array_index (web->https, i);
      g_autofree gchar *name = NULL, *l = NULL;
      guint64 requests, refused;

      if (http->onvif == NULL)
        continue;
      name = rb_metrics_escape (http->net->name);
      l = g_strdup_printf ("network=\"%s\"", name);
      rb_onvif_get_counts (http->onvif, &requests, &refused);
      if (k == 0)
        rb_metrics_add (out, "rtsp_blur_onvif_requests_total", "counter",
            first ? "ONVIF (SOAP) requests the network's device answered, "
            "refused ones included" : NULL, l, requests);
      else
        rb_metrics_add (out, "rtsp_blur_onvif_refused_total", "counter",
            first ? "ONVIF requests refused for their credentials (a wrong, "
            "expired or replayed UsernameToken, wrong HTTP Digest)" : NULL,
            l, refused);
      first = FALSE;
    }
  }
}

void
rb_web_collect (RbWeb * web, GString * out)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean first = TRUE;

  if (web == NULL)
    return;
  for (guint i = 0; i < web->https->len; i++) {
    RbHttp *http = g_ptr_array_index (web->https, i);
    g_autofree gchar *name = rb_metrics_escape (http->net->name);
    g_autofree gchar *l = g_strdup_printf ("network=\"%s\"", name);

    rb_metrics_add (out, "rtsp_blur_network_http_serving", "gauge",
        i ? NULL : "Whether the network's HTTP listener (http-port) is bound",
        l, http->serving);
  }
  for (guint i = 0; i < web->https->len; i++) {
    RbHttp *http = g_ptr_array_index (web->https, i);
    g_autofree gchar *name = rb_metrics_escape (http->net->name);
    g_autofree gchar *l = g_strdup_printf ("network=\"%s\"", name);

    rb_metrics_add (out, "rtsp_blur_network_http_requests_total", "counter",
        i ? NULL : "HTTP requests and chat connections the network's "
        "listener answered (after authentication)", l, http->requests);
  }
  for (guint i = 0; i < web->https->len; i++) {
    RbHttp *http = g_ptr_array_index (web->https, i);
    g_autofree gchar *name = rb_metrics_escape (http->net->name);
    g_autofree gchar *l = g_strdup_printf ("network=\"%s\"", name);
    guint64 refused;

    rb_access_get_counts (http->access, &refused, NULL);
    rb_metrics_add (out, "rtsp_blur_network_http_refused_requests_total",
        "counter", i ? NULL : "HTTP requests refused with 403 because the "
        "client is not in the network's allow list", l, refused);
  }
  rb_web_collect_listeners (web, out);
  rb_web_collect_onvif (web, out);
  for (guint i = 0; i < web->hls->len; i++) {
    RbHls *hls = g_ptr_array_index (web->hls, i);
    RbCameraConfig *cam = g_ptr_array_index (web->config->cameras, i);
    g_autofree gchar *name = NULL, *l = NULL;

    if (hls == NULL)
      continue;
    name = rb_metrics_escape (cam->name);
    l = g_strdup_printf ("camera=\"%s\"", name);
    rb_metrics_add (out, "rtsp_blur_hls_segments_total", "counter",
        first ? "HLS segments completed (in memory)" : NULL, l,
        rb_hls_get_segments (hls));
    first = FALSE;
  }
  first = TRUE;
  g_hash_table_iter_init (&iter, web->rooms);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    g_autofree gchar *name = rb_metrics_escape (key);
    g_autofree gchar *l = g_strdup_printf ("room=\"%s\"", name);

    rb_metrics_add (out, "rtsp_blur_chat_members", "gauge", first ?
        "Operator pages connected to the chat room" : NULL, l,
        rb_chat_room_get_members (value));
    first = FALSE;
  }
  first = TRUE;
  g_hash_table_iter_init (&iter, web->rooms);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    g_autofree gchar *name = rb_metrics_escape (key);
    g_autofree gchar *l = g_strdup_printf ("room=\"%s\"", name);

    rb_metrics_add (out, "rtsp_blur_chat_rate_limited_total", "counter",
        first ? "Chat messages not sent (nor stored) because their user or "
        "network was over its rate limit" : NULL, l,
        rb_chat_room_get_rate_limited (value));
    first = FALSE;
  }
}

void
rb_web_set_locate (RbWeb * web, RbLocateFunc locate, gpointer data)
{
  web->locate = locate;
  web->locate_data = data;
}

void
rb_web_set_chat_relay (RbWeb * web, RbChatRelayFunc relay, gpointer data)
{
  GHashTableIter iter;
  gpointer room;

  g_hash_table_iter_init (&iter, web->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    rb_chat_room_set_relay (room, relay, data);
}

void
rb_web_chat_deliver (RbWeb * web, const gchar * network, const gchar * user,
    const gchar * time, const gchar * text)
{
  RbChatRoom *room = g_hash_table_lookup (web->rooms,
      web->config->chat_join_networks ? "all" : network);

  if (room != NULL)
    rb_chat_room_deliver (room, network, user, time, text);
}

void
rb_web_free (RbWeb * web)
{
  if (web == NULL)
    return;
  /* the snapshots being made are answered, then the servers close their
   * connections, then the rooms go */
  g_clear_pointer (&web->snapshots, rb_snapshots_free);
  g_clear_pointer (&web->https, g_ptr_array_unref);
  g_clear_pointer (&web->rooms, g_hash_table_unref);
  g_clear_pointer (&web->hls, g_ptr_array_unref);
  g_clear_pointer (&web->hls_sub, g_ptr_array_unref);
  g_clear_pointer (&web->files, g_hash_table_unref);
  g_free (web->web_dir);
  g_free (web);
}
