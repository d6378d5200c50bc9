/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_DIGEST_H__
#define __RB_DIGEST_H__

#include <glib-object.h>
#include "rb-users.h"

G_BEGIN_DECLS

/* RbDigest: the credential check of one listener (an RTSP server or an
 * HTTP server of one network), written once for both: it parses an
 * Authorization header value (Digest or Basic), issues nonces, keeps what
 * each nonce has been used for, and verifies. GLib only (no GStreamer, no
 * libsoup), so that it can be unit-tested and fuzzed alone; rb-rtsp-auth.c
 * (RTSP) and rb-http-auth.c (HTTP) plug it into their servers, both through
 * rb_digest_check_request().
 *
 * Digest is RFC 7616 with MD5 (RFC 2617), checked against the HA1 =
 * md5(user:realm:password) of the users file: response =
 * md5(HA1:nonce:nc:cnonce:auth:md5(METHOD:uri)) with qop=auth, or
 * md5(HA1:nonce:md5(METHOD:uri)) without qop (RFC 2069: GStreamer's
 * GstRTSPConnection, hence rtspsrc, answers so). It is replay-safe:
 *
 * - Nonces are random (HMAC-SHA256 of a counter under a per-process key
 *   from getrandom()), issued in each challenge and remembered in a table;
 *   a nonce the table does not hold is not accepted.
 * - Lifetime: a nonce is accepted for RB_DIGEST_NONCE_LIFETIME_S (60 s)
 *   after it was issued. Once it has authenticated a request on the
 *   connection it was issued on, it stays valid on that connection for as
 *   long as the connection is open (and on no other beyond the lifetime).
 *   Expiring it under a playing session would cost every keep-alive a 401
 *   and a second try (ffmpeg and rtspsrc both retry a keep-alive answered
 *   401 stale=true with the new nonce), and ffmpeg does not retry its
 *   TEARDOWN: the session would outlive the viewer until its timeout, with
 *   UDP still sent to it. A header replayed on that same connection needs
 *   the connection itself, which a replayer does not have.
 * - With qop=auth, the nonce count nc must strictly increase per nonce: a
 *   repeated or lower nc is refused, on any connection.
 * - Without qop there is no nc: the nonce is accepted only on the
 *   connection it was issued on, so a captured header is refused on every
 *   other connection.
 * - The digest's uri must be the request-URI of the request it comes with,
 *   byte for byte (RTSP: the URL of the request line as sent, which for a
 *   SETUP is the track's URL; HTTP: the path and query as sent): a header
 *   computed for one camera is refused for another.
 * - The table holds at most RB_DIGEST_MAX_NONCES (4096) nonces; issuing one
 *   more evicts the oldest not yet bound to its connection (expired ones
 *   go first), so a flood of challenges cannot grow memory. At most one
 *   nonce is bound per open connection (a connection that authenticates
 *   with a newer nonce drops its older one).
 * - Refusals: wrong user, password, realm, uri or a malformed header give
 *   RB_DIGEST_DENIED (a plain challenge, logged by the caller). The right
 *   credentials with a nonce that is unknown, expired, evicted, from
 *   another connection (without qop) or with an nc not above the last one
 *   give RB_DIGEST_STALE: a new challenge with stale=true, on which a client
 *   retries with the new nonce without asking its user (RFC 7616 3.3;
 *   ffmpeg and rtspsrc do so at once). It tells a replayer nothing: the
 *   new nonce is of no use without the password.
 * - Every comparison of a secret (responses, Basic HA1) takes a time that
 *   does not depend on where the strings differ; an unknown user costs the
 *   same as a known one.
 *
 * Basic (base64 user:password, compared as md5(user:realm:password) with
 * HA1) is checked only when the listener allows it (auth=basic, which the
 * config allows with TLS only). Thread-safe. */
typedef struct _RbDigest RbDigest;

/* Seconds a nonce is accepted after it was issued (see above). */
#define RB_DIGEST_NONCE_LIFETIME_S 60
/* Most nonces one listener remembers. */
#define RB_DIGEST_MAX_NONCES 4096
/* Longest Authorization value parsed; longer ones are refused. */
#define RB_DIGEST_MAX_HEADER 4096

typedef enum {
  RB_DIGEST_SCHEME_DIGEST = 1 << 0,
  RB_DIGEST_SCHEME_BASIC = 1 << 1,
} RbDigestSchemes;

typedef enum {
  RB_DIGEST_OK,                 /* authenticated */
  RB_DIGEST_NO_CREDENTIALS,     /* nothing to check (no or another scheme) */
  RB_DIGEST_DENIED,             /* wrong credentials or a malformed header */
  RB_DIGEST_STALE,              /* right credentials, nonce not acceptable */
} RbDigestResult;

/* One parsed Authorization value. For Digest, params holds each auth-param
 * (names in lower case, values unquoted); for Basic, user and password. */
typedef struct {
  RbDigestSchemes scheme;
  GHashTable *params;           /* Digest: name → value */
  gchar *user;                  /* Basic */
  gchar *password;              /* Basic; wiped when freed */
} RbDigestCredentials;

/* Parses one Authorization header value ("Digest a=b, c=\"d\"" or "Basic
 * token68"); NULL when it is malformed (bad syntax, a parameter twice, a
 * control character, longer than RB_DIGEST_MAX_HEADER) or of another
 * scheme. */
RbDigestCredentials *rb_digest_credentials_parse (const gchar * value);
void rb_digest_credentials_free (RbDigestCredentials * credentials);

/* Takes @users (transfer full). @schemes: what the listener accepts. */
RbDigest *rb_digest_new (RbUsers * users, RbDigestSchemes schemes);
RbDigest *rb_digest_ref (RbDigest * digest);
void rb_digest_unref (RbDigest * digest);

const gchar *rb_digest_get_realm (RbDigest * digest);

/* A new connection id (never 0, never given twice by @digest); call
 * rb_digest_connection_closed() when that connection closes. */
guint64 rb_digest_connection_new (RbDigest * digest);
void rb_digest_connection_closed (RbDigest * digest, guint64 connection);

/* The value of a WWW-Authenticate header with a new nonce, issued on
 * @connection: 'Digest realm="R", nonce="N", algorithm=MD5, qop="auth"',
 * plus ', stale=true' with @stale. */
gchar *rb_digest_challenge (RbDigest * digest, guint64 connection,
                            gboolean stale);
/* 'Basic realm="R"' */
gchar *rb_digest_basic_challenge (RbDigest * digest);

/* Checks the Authorization value @authorization (may be NULL) of a request
 * with @method (as "DESCRIBE", "GET") and @uri (the request-URI as sent)
 * on @connection. *@user (may be NULL) gets the user name the header
 * claims, or NULL, also when it is refused (for the log). */
RbDigestResult rb_digest_check (RbDigest * digest,
                                const gchar * authorization,
                                const gchar * method, const gchar * uri,
                                guint64 connection, gchar ** user);

/* The connection id of the connection @conn stands for (the GSocket of an
 * HTTP request, the GstRTSPClient of an RTSP one): given by
 * rb_digest_connection_new() on first use, kept on @conn, and closed
 * (rb_digest_connection_closed()) when @conn is finalized. 0 for a NULL
 * @conn. */
guint64 rb_digest_connection_of (RbDigest * digest, GObject * conn);

/* Whether a request's credentials are valid for the listener, the one
 * check of the RTSP and the HTTP listeners: @authorizations holds the
 * values of the request's Authorization headers (NULL-terminated; NULL or
 * empty: none), @method, @uri and @conn are the request's (see
 * rb_digest_check() and rb_digest_connection_of()). Each value is one
 * credential: the first that holds wins (RB_DIGEST_OK), a stale nonce
 * outranks a refusal, a refusal outranks no credentials. *@user (may be
 * NULL) gets the first user name claimed, or NULL. */
RbDigestResult rb_digest_check_request (RbDigest * digest,
                                        const gchar * const *authorizations,
                                        const gchar * method,
                                        const gchar * uri, GObject * conn,
                                        gchar ** user);

/* For tests: the clock (monotonic µs, g_get_monotonic_time() by default),
 * the lifetime and the table's bound. */
void rb_digest_set_clock (RbDigest * digest, gint64 (*now) (gpointer),
                          gpointer data);
void rb_digest_set_limits (RbDigest * digest, guint lifetime_s,
                           guint max_nonces);
/* Nonces in the table. */
guint rb_digest_get_n_nonces (RbDigest * digest);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbDigest, rb_digest_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbDigestCredentials, rb_digest_credentials_free)

G_END_DECLS

#endif /* __RB_DIGEST_H__ */
