/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_HTTP_AUTH_H__
#define __RB_HTTP_AUTH_H__

#include <libsoup/soup.h>
#include "rb-users.h"

G_BEGIN_DECLS

/* RbHttpAuth: the authentication of a network's HTTP listener, a
 * SoupAuthDomain whose credential check is rb-digest.c's (the same as the
 * RTSP listener's): replay-safe Digest (nonces with a short lifetime, nc
 * tracked, a nonce without qop bound to its connection, the digest's uri
 * compared with the request's path and query as sent) or, with @basic,
 * Basic only (auth=basic, TLS only). It replaces libsoup's
 * SoupAuthDomainDigest, which keeps no nonce state. A connection is the
 * GSocket of the message: its id lives on the socket. */
#define RB_TYPE_HTTP_AUTH (rb_http_auth_get_type ())
G_DECLARE_FINAL_TYPE (RbHttpAuth, rb_http_auth, RB, HTTP_AUTH,
                      SoupAuthDomain)

/* Takes @users (transfer full); covers every path. */
SoupAuthDomain *rb_http_auth_new (RbUsers * users, gboolean basic);

/* The user @msg authenticated as (set when the domain accepted it), or
 * NULL. */
const gchar *rb_http_auth_get_user (SoupServerMessage * msg);

G_END_DECLS

#endif /* __RB_HTTP_AUTH_H__ */
