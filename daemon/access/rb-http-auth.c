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

/* The HTTP listener's authentication domain (see rb-http-auth.h). SoupServer
 * calls accepts() with the request's headers, before the body is read, and
 * challenge() when no domain accepted. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-http-auth.h"
#include "rb-digest.h"

struct _RbHttpAuth {
  SoupAuthDomain parent;
  RbDigest *digest;
  gboolean basic;               /* Basic only, else Digest only */
};

G_DEFINE_TYPE (RbHttpAuth, rb_http_auth, SOUP_TYPE_AUTH_DOMAIN);

/* set in class_init */
static GQuark user_quark;       /* on a message: the user it authenticated as */
static GQuark stale_quark;      /* on a message: its nonce was stale */

/* The connection of @msg for the digest: its GSocket. */
static GObject *
rb_http_auth_connection (SoupServerMessage * msg)
{
  return (GObject *) soup_server_message_get_socket (msg);
}

/* The request-URI as the digest's uri names it: path and query as sent
 * (libsoup keeps them encoded). */
static gchar *
rb_http_auth_request_uri (SoupServerMessage * msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const gchar *query = g_uri_get_query (uri);

  return g_strconcat (g_uri_get_path (uri), query ? "?" : "", query, NULL);
}

static char *
rb_http_auth_accepts (SoupAuthDomain * domain, SoupServerMessage * msg,
    const char *header)
{
  RbHttpAuth *self = RB_HTTP_AUTH (domain);
  g_autofree gchar *uri = rb_http_auth_request_uri (msg);
  const gchar *authorizations[] = { header, NULL };
  gchar *user = NULL;
  RbDigestResult r;

  r = rb_digest_check_request (self->digest, authorizations,
      soup_server_message_get_method (msg), uri,
      rb_http_auth_connection (msg), &user);
  if (r == RB_DIGEST_OK) {
    g_object_set_qdata_full (G_OBJECT (msg), user_quark,
        g_strdup (user), g_free);
    return user;
  }
  if (r == RB_DIGEST_STALE)
    g_object_set_qdata (G_OBJECT (msg), stale_quark,
        GINT_TO_POINTER (TRUE));
  g_free (user);
  return NULL;
}

static char *
rb_http_auth_challenge (SoupAuthDomain * domain, SoupServerMessage * msg)
{
  RbHttpAuth *self = RB_HTTP_AUTH (domain);

  if (self->basic)
    return rb_digest_basic_challenge (self->digest);
  return rb_digest_challenge (self->digest,
      rb_digest_connection_of (self->digest, rb_http_auth_connection (msg)),
      g_object_get_qdata (G_OBJECT (msg), stale_quark) !=
      NULL);
}

/* Only for soup_auth_domain_check_password(), which nothing here calls:
 * the users file holds no passwords. */
static gboolean
rb_http_auth_check_password (SoupAuthDomain * domain, SoupServerMessage * msg,
    const char *username, const char *password)
{
  return FALSE;
}

static void
rb_http_auth_finalize (GObject * object)
{
  RbHttpAuth *self = RB_HTTP_AUTH (object);

  g_clear_pointer (&self->digest, rb_digest_unref);
  G_OBJECT_CLASS (rb_http_auth_parent_class)->finalize (object);
}

static void
rb_http_auth_class_init (RbHttpAuthClass * klass)
{
  SoupAuthDomainClass *domain_class = SOUP_AUTH_DOMAIN_CLASS (klass);

  user_quark = g_quark_from_static_string ("rb-http-auth-user");
  stale_quark = g_quark_from_static_string ("rb-http-auth-stale");
  G_OBJECT_CLASS (klass)->finalize = rb_http_auth_finalize;
  domain_class->accepts = rb_http_auth_accepts;
  domain_class->challenge = rb_http_auth_challenge;
  domain_class->check_password = rb_http_auth_check_password;
}

static void
rb_http_auth_init (RbHttpAuth * self)
{
}

/**
 * rb_http_auth_new:
 * @users: (transfer full): the network's users
 * @basic: Basic (auth=basic) instead of Digest
 *
 * Returns: (transfer full): the domain, covering every path
 */
SoupAuthDomain *
rb_http_auth_new (RbUsers * users, gboolean basic)
{
  RbHttpAuth *self = g_object_new (RB_TYPE_HTTP_AUTH, "realm",
      rb_users_get_realm (users), NULL);

  self->basic = basic;
  self->digest = rb_digest_new (users, basic ? RB_DIGEST_SCHEME_BASIC :
      RB_DIGEST_SCHEME_DIGEST);
  soup_auth_domain_add_path (SOUP_AUTH_DOMAIN (self), "/");
  return SOUP_AUTH_DOMAIN (self);
}

const gchar *
rb_http_auth_get_user (SoupServerMessage * msg)
{
  return g_object_get_qdata (G_OBJECT (msg), user_quark);
}
