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

/* The authorization of a network's RTSP listener (see rb-rtsp-auth.h).
 *
 * GstRTSPAuth's own digest needs clear-text passwords (or its own htdigest
 * reader); the credentials are checked by rb-digest.c instead, the same
 * check as the HTTP listener's (rb-http-auth.c): against the HA1 of the
 * users file, replay-safe (nonces remembered per listener, with a short
 * lifetime, nc tracked with qop, the nonce bound to its connection without
 * qop, the digest's uri compared with the request line's). Each
 * GstRTSPClient (one connection) gets a connection id of rb-digest's. The
 * challenge offers qop="auth"; answers without qop are accepted (RFC 2069
 * clients: rtspsrc). Basic (auth=basic, TLS only) is accepted too then. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-rtsp-auth.h"
#include "rb-digest.h"

struct _RbRtspAuth {
  GstRTSPAuth parent;
  RbAccess *access;             /* not owned: the listener's */
  RbRtspAuthConnectFunc may_connect;    /* the listener's own limits */
  gpointer may_connect_data;
  RbNetworkAuth mode;
  RbDigest *digest;             /* NULL with auth=none */
  GstRTSPToken *token;          /* given to authenticated requests */
  RbRtspAuthRouteFunc route;    /* NULL: every request served here */
  gpointer route_data;
};

G_DEFINE_TYPE (RbRtspAuth, rb_rtsp_auth, GST_TYPE_RTSP_AUTH);

/* Sends 401 with our challenges. */
static void
rb_rtsp_auth_send_unauthorized (RbRtspAuth * self, GstRTSPContext * ctx,
    guint64 connection, gboolean stale)
{
  g_autofree gchar *digest = rb_digest_challenge (self->digest, connection,
      stale);

  gst_rtsp_message_init_response (ctx->response, GST_RTSP_STS_UNAUTHORIZED,
      gst_rtsp_status_as_text (GST_RTSP_STS_UNAUTHORIZED), ctx->request);
  gst_rtsp_message_add_header (ctx->response, GST_RTSP_HDR_WWW_AUTHENTICATE,
      digest);
  if (self->mode == RB_NETWORK_AUTH_BASIC) {
    g_autofree gchar *basic = rb_digest_basic_challenge (self->digest);

    gst_rtsp_message_add_header (ctx->response,
        GST_RTSP_HDR_WWW_AUTHENTICATE, basic);
  }
  gst_rtsp_client_send_message (ctx->client, ctx->session, ctx->response);
}

/* Authenticates the request of @ctx, or answers 401 and returns FALSE. */
static gboolean
rb_rtsp_auth_ensure (RbRtspAuth * self, GstRTSPContext * ctx)
{
  const gchar *ip = ctx->conn ? gst_rtsp_connection_get_ip (ctx->conn) : NULL;
  const gchar *uri = NULL;
  g_autoptr (GPtrArray) authorizations = g_ptr_array_new ();
  g_autofree gchar *who = NULL;
  RbDigestResult r;
  gchar *value;

  if (ctx->token != NULL)
    return TRUE;
  if (ctx->request && ctx->request->type == GST_RTSP_MESSAGE_REQUEST)
    uri = ctx->request->type_data.request.uri;
  for (gint i = 0; ctx->request && gst_rtsp_message_get_header (ctx->request,
          GST_RTSP_HDR_AUTHORIZATION, &value, i) == GST_RTSP_OK; i++)
    g_ptr_array_add (authorizations, value);
  g_ptr_array_add (authorizations, NULL);
  r = rb_digest_check_request (self->digest,
      (const gchar * const *) authorizations->pdata,
      gst_rtsp_method_as_text (ctx->method), uri, G_OBJECT (ctx->client),
      &who);
  if (r == RB_DIGEST_OK) {
    ctx->token = self->token;   /* borrowed, as GstRTSPAuth does */
    return TRUE;
  }
  if (r == RB_DIGEST_DENIED)
    rb_access_refuse_credentials (self->access, ip, who);
  rb_rtsp_auth_send_unauthorized (self, ctx,
      rb_digest_connection_of (self->digest, G_OBJECT (ctx->client)),
      r == RB_DIGEST_STALE);
  return FALSE;
}

static gboolean
rb_rtsp_auth_check (GstRTSPAuth * auth, GstRTSPContext * ctx,
    const gchar * check)
{
  RbRtspAuth *self = RB_RTSP_AUTH (auth);

  if (g_str_equal (check, GST_RTSP_AUTH_CHECK_CONNECT)) {
    const gchar *ip = ctx->conn ? gst_rtsp_connection_get_ip (ctx->conn) :
        NULL;

    if (!rb_access_admit (self->access, ip))
      return FALSE;
    if (self->may_connect != NULL
        && !self->may_connect (ip ? ip : "unknown", self->may_connect_data))
      return FALSE;
    /* GstRTSPAuth sets up TLS on the connection */
    return GST_RTSP_AUTH_CLASS (rb_rtsp_auth_parent_class)->check (auth, ctx,
        check);
  }
  /* viewers never choose where the server sends media (GstRTSPAuth's
   * default without a token that allows it) */
  if (g_str_equal (check, GST_RTSP_AUTH_CHECK_TRANSPORT_CLIENT_SETTINGS))
    return FALSE;
  /* the URL check comes first for every request; the media checks follow
   * with the token it left */
  if (self->mode != RB_NETWORK_AUTH_NONE && !rb_rtsp_auth_ensure (self, ctx))
    return FALSE;
  /* authenticated: the request may be for another node */
  if (self->route != NULL && g_str_equal (check, GST_RTSP_AUTH_CHECK_URL))
    return self->route (ctx, self->route_data);
  return TRUE;
}

static void
rb_rtsp_auth_finalize (GObject * object)
{
  RbRtspAuth *self = RB_RTSP_AUTH (object);

  g_clear_pointer (&self->digest, rb_digest_unref);
  gst_rtsp_token_unref (self->token);
  G_OBJECT_CLASS (rb_rtsp_auth_parent_class)->finalize (object);
}

static void
rb_rtsp_auth_class_init (RbRtspAuthClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = rb_rtsp_auth_finalize;
  GST_RTSP_AUTH_CLASS (klass)->check = rb_rtsp_auth_check;
}

static void
rb_rtsp_auth_init (RbRtspAuth * self)
{
  self->token = gst_rtsp_token_new_empty ();
}

/**
 * rb_rtsp_auth_new:
 * @access: the listener's access decisions (not owned: they must outlive
 *   the result)
 * @mode: the network's auth=
 * @users: (transfer full) (nullable): the network's users; %NULL with
 *   auth=none
 * @certificate: (nullable): the listener's TLS certificate, %NULL: none
 * @may_connect: (nullable): the listener's own limits on new connections
 * @data: for @may_connect
 *
 * Returns: (transfer full): the authorization of the listener
 */
GstRTSPAuth *
rb_rtsp_auth_new (RbAccess * access, RbNetworkAuth mode, RbUsers * users,
    GTlsCertificate * certificate, RbRtspAuthConnectFunc may_connect,
    gpointer data)
{
  RbRtspAuth *self = g_object_new (RB_TYPE_RTSP_AUTH, NULL);

  self->access = access;
  self->mode = mode;
  self->may_connect = may_connect;
  self->may_connect_data = data;
  if (users != NULL)
    self->digest = rb_digest_new (users,
        RB_DIGEST_SCHEME_DIGEST | (mode == RB_NETWORK_AUTH_BASIC ?
            RB_DIGEST_SCHEME_BASIC : 0));
  if (certificate != NULL)
    gst_rtsp_auth_set_tls_certificate (GST_RTSP_AUTH (self), certificate);
  return GST_RTSP_AUTH (self);
}

/**
 * rb_rtsp_auth_set_route:
 * @auth: an authorization of rb_rtsp_auth_new()
 * @route: (nullable): called for each authenticated request (URL check)
 * @data: for @route
 *
 * Sets who decides, once a request is authenticated, whether this
 * listener handles it or answers it otherwise (a redirect).
 */
void
rb_rtsp_auth_set_route (GstRTSPAuth * auth, RbRtspAuthRouteFunc route,
    gpointer data)
{
  RbRtspAuth *self = RB_RTSP_AUTH (auth);

  self->route = route;
  self->route_data = data;
}
