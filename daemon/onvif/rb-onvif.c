/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The ONVIF services of a network on its HTTP listener (see rb-onvif.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-onvif.h"
#include "rb-digest.h"
#include "rb-onvif-ids.h"
#include "rb-onvif-soap.h"
#include "rb-onvif-users.h"

#include <string.h>

/* refusals are logged at most this often per network */
#define REFUSAL_LOG_S 60
/* the realm of the ONVIF users' HTTP Digest without a users file */
#define DEFAULT_REALM "rtsp-blur"

struct _RbOnvif {
  gchar *network;
  RbOnvifUsers *users;          /* NULL: no credentials asked */
  RbDigest *digest;             /* HTTP Digest of the ONVIF users */
  RbOnvifDevice device;
  RbOnvifCamera *cameras;
  gchar *uuid, *hostname, *device_url, *media_url, *rtsp_base, *http_base;
  gchar **scopes;
  gchar **camera_names;
  guint64 requests, refused, refused_logged;
  RbOnvifSizeFunc size_func;
  gpointer size_data;
  gint64 refusal_logged_us;
};

void
rb_onvif_free (RbOnvif * o)
{
  if (o == NULL)
    return;
  g_free (o->network);
  g_clear_pointer (&o->users, rb_onvif_users_free);
  g_clear_pointer (&o->digest, rb_digest_unref);
  g_free (o->cameras);
  g_free (o->uuid);
  g_free (o->hostname);
  g_free (o->device_url);
  g_free (o->media_url);
  g_free (o->rtsp_base);
  g_free (o->http_base);
  g_strfreev (o->scopes);
  g_strfreev (o->camera_names);
  g_free (o);
}

static gchar *
base_url (const gchar * scheme, const gchar * address, guint port)
{
  gboolean v6 = strchr (address, ':') != NULL;

  return g_strdup_printf ("%s://%s%s%s:%u", scheme, v6 ? "[" : "", address,
      v6 ? "]" : "", port);
}

RbOnvif *
rb_onvif_new (const RbConfig * config, const RbNetworkConfig * net,
    const gchar * realm, gboolean log, GError ** error)
{
  g_autoptr (RbOnvif) o = NULL;
  g_autofree gchar *node = NULL;
  gboolean tls = net->tls_certificate != NULL;
  guint n = 0;

  if (!rb_onvif_network_enabled (net)) {
    if (log && net->onvif && net->http_port != 0)
      g_message ("network %s: no ONVIF (onvif-users is not set, and auth "
          "is not none): /onvif/ answers 404 and there is no WS-Discovery",
          net->name);
    return NULL;
  }
  o = g_new0 (RbOnvif, 1);
  o->network = g_strdup (net->name);
  if (net->onvif_users_file != NULL) {
    GError *err = NULL;

    o->users = rb_onvif_users_load (net->onvif_users_file, &err);
    if (o->users == NULL) {
      g_set_error (error, err->domain, err->code, "%s: [network:%s] "
          "onvif-users: %s", config->path, net->name, err->message);
      g_error_free (err);
      return NULL;
    }
    o->digest = rb_digest_new (rb_onvif_users_to_users (o->users,
            realm ? realm : DEFAULT_REALM), RB_DIGEST_SCHEME_DIGEST);
  }

  node = rb_onvif_node_name (config);
  o->uuid = rb_onvif_device_uuid (node, net->name);
  o->hostname = g_strdup_printf ("rtsp-blur-%s", net->name);
  o->device_url = rb_onvif_service_url (net, "device_service");
  o->media_url = rb_onvif_service_url (net, "media_service");
  o->rtsp_base = base_url (tls ? "rtsps" : "rtsp", net->address, net->port);
  o->http_base = base_url (tls ? "https" : "http", net->address,
      net->http_port);
  o->scopes = rb_onvif_device_scopes (node, net->name);

  /* only the cameras this network serves */
  o->cameras = g_new0 (RbOnvifCamera, config->cameras->len + 1);
  o->camera_names = g_new0 (gchar *, config->cameras->len + 1);
  for (guint i = 0; i < config->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (config->cameras, i);

    if (!rb_network_config_has_camera (net, cam->name))
      continue;
    o->camera_names[n] = g_strdup (cam->name);
    o->cameras[n].name = o->camera_names[n];
    o->cameras[n].sub_width = cam->substream_width;
    o->cameras[n].sub_height = cam->substream_height;
    n++;
  }

  o->device.network = o->network;
  o->device.uuid = o->uuid;
  o->device.hostname = o->hostname;
  o->device.firmware = VERSION;
  o->device.device_url = o->device_url;
  o->device.media_url = o->media_url;
  o->device.rtsp_base = o->rtsp_base;
  o->device.http_base = o->http_base;
  o->device.scopes = (const gchar * const *) o->scopes;
  o->device.cameras = o->cameras;
  o->device.n_cameras = n;
  o->device.multicast = net->multicast_first != NULL;
  o->device.live_bitrate_kbps = config->live_bitrate_kbps;
  o->device.key_interval_s = config->live_key_interval_s;
  return g_steal_pointer (&o);
}

static void
respond (SoupServerMessage * msg, guint status, GBytes * body)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_content_type (h, "application/soap+xml", NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body
      (msg), body);
}

static gchar *
remote_ip (SoupServerMessage * msg)
{
  GSocketAddress *sa = soup_server_message_get_remote_address (msg);

  if (!G_IS_INET_SOCKET_ADDRESS (sa))
    return g_strdup ("?");
  return g_inet_address_to_string (g_inet_socket_address_get_address
      (G_INET_SOCKET_ADDRESS (sa)));
}

/* Counted; logged at most once per REFUSAL_LOG_S (with how many since). */
static void
refused (RbOnvif * o, SoupServerMessage * msg, const gchar * user,
    const gchar * why)
{
  gint64 now = g_get_monotonic_time ();

  o->refused++;
  if (o->refusal_logged_us == 0
      || now - o->refusal_logged_us >= REFUSAL_LOG_S * G_USEC_PER_SEC) {
    g_autofree gchar *ip = remote_ip (msg);
    g_autofree gchar *u = user ? g_strescape (user, NULL) : NULL;

    g_message ("network %s: ONVIF request from %s refused%s%s%s: %s (%"
        G_GUINT64_FORMAT " refused in all; logged at most once a minute)",
        o->network, ip, u ? " (user \"" : "", u ? u : "", u ? "\")" : "",
        why, o->refused);
    o->refusal_logged_us = now;
  }
}

static void
not_authorized (RbOnvif * o, SoupServerMessage * msg, guint status,
    const gchar * reason, const gchar * challenge)
{
  guint st;
  g_autoptr (GBytes) body = rb_onvif_fault (TRUE, "ter:NotAuthorized", NULL,
      reason, &st);

  if (challenge != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "WWW-Authenticate", challenge);
  respond (msg, status, body);
}

/* HTTP Digest of an ONVIF user on this request. */
static RbDigestResult
check_digest (RbOnvif * o, SoupServerMessage * msg, gchar ** user)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const gchar *auth = soup_message_headers_get_one (h, "Authorization");
  const gchar *values[] = { auth, NULL };
  GUri *uri = soup_server_message_get_uri (msg);
  const gchar *query = g_uri_get_query (uri);
  g_autofree gchar *request_uri = g_strconcat (g_uri_get_path (uri),
      query ? "?" : "", query, NULL);

  return rb_digest_check_request (o->digest, values,
      soup_server_message_get_method (msg), request_uri,
      (GObject *) soup_server_message_get_socket (msg), user);
}

/* Whether @msg carries HTTP Digest credentials of an ONVIF user; if not,
 * answers it 401 with a challenge. */
static gboolean
digest_ok (RbOnvif * o, SoupServerMessage * msg)
{
  g_autofree gchar *user = NULL;
  RbDigestResult r = check_digest (o, msg, &user);
  guint64 conn;
  g_autofree gchar *challenge = NULL;

  if (r == RB_DIGEST_OK)
    return TRUE;
  conn = rb_digest_connection_of (o->digest,
      (GObject *) soup_server_message_get_socket (msg));
  challenge = rb_digest_challenge (o->digest, conn, r == RB_DIGEST_STALE);
  if (r == RB_DIGEST_DENIED)
    refused (o, msg, user, "wrong HTTP Digest credentials");
  not_authorized (o, msg, SOUP_STATUS_UNAUTHORIZED,
      "a WS-Security UsernameToken (PasswordDigest) or HTTP Digest "
      "credentials of an ONVIF user are needed", challenge);
  return FALSE;
}

void
rb_onvif_handle (RbOnvif * o, SoupServerMessage * msg)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (RbOnvifRequest) req = NULL;
  g_autoptr (GError) err = NULL;
  SoupMessageBody *b;
  guint status;

  o->requests++;
  if (!g_str_equal (soup_server_message_get_method (msg), "POST")) {
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Allow", "POST");
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        NULL);
    return;
  }
  b = soup_server_message_get_request_body (msg);
  body = soup_message_body_flatten (b);
  req = rb_onvif_request_parse (g_bytes_get_data (body, NULL),
      g_bytes_get_size (body), &err);
  if (req == NULL) {
    g_autofree gchar *why = g_strdup_printf ("not an ONVIF request: %s",
        err->message);

    /* with users, who has no credentials learns nothing more than 401; a
     * Digest client (curl --digest) sends its first request without a
     * body */
    if (o->users != NULL && !digest_ok (o, msg))
      return;
    answer = rb_onvif_fault (TRUE, NULL, NULL, why, &status);
    respond (msg, status, answer);
    return;
  }

  if (o->users != NULL && !rb_onvif_request_is_pre_auth (req)) {
    const gchar *user, *password, *type, *nonce, *created;

    if (rb_onvif_request_get_token (req, &user, &password, &type, &nonce,
            &created)) {
      g_autofree gchar *ip = remote_ip (msg);
      RbOnvifAuthResult r = rb_onvif_users_check_token (o->users, ip, user,
          type, password, nonce, created, g_get_real_time ());

      if (r != RB_ONVIF_AUTH_OK) {
        refused (o, msg, user, rb_onvif_auth_result_describe (r));
        not_authorized (o, msg, SOUP_STATUS_BAD_REQUEST,
            rb_onvif_auth_result_describe (r), NULL);
        return;
      }
    } else if (!digest_ok (o, msg)) {
      return;
    }
  }

  o->device.now_us = g_get_real_time ();
  for (guint i = 0; i < o->device.n_cameras; i++) {
    RbOnvifCamera *c = &o->cameras[i];

    if (o->size_func == NULL
        || !o->size_func (c->name, &c->width, &c->height, o->size_data))
      c->width = c->height = 0;
  }
  answer = rb_onvif_answer (&o->device, req, &status);
  respond (msg, status, answer);
}

RbUsers *
rb_onvif_load_network_users (const RbNetworkConfig * net, GError ** error)
{
  g_autoptr (RbUsers) users = NULL;
  g_autoptr (RbOnvifUsers) onvif = NULL;
  g_autofree gchar *what = NULL;

  if (net->users_file == NULL)
    return NULL;
  if ((users = rb_users_load (net->users_file, error)) == NULL)
    return NULL;
  if (!rb_onvif_network_enabled (net) || net->onvif_users_file == NULL)
    return g_steal_pointer (&users);
  if ((onvif = rb_onvif_users_load (net->onvif_users_file, error)) == NULL)
    return NULL;
  what = g_strdup_printf ("users file %s", net->users_file);
  if (!rb_onvif_users_add_ha1 (onvif, users, what, error))
    return NULL;
  return g_steal_pointer (&users);
}

void
rb_onvif_set_size_func (RbOnvif * o, RbOnvifSizeFunc func, gpointer data)
{
  o->size_func = func;
  o->size_data = data;
}

void
rb_onvif_get_counts (RbOnvif * o, guint64 * requests, guint64 * refused)
{
  *requests = o->requests;
  *refused = o->refused;
}
