/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target digest: the Authorization header of RTSP and HTTP requests
 * (Digest and Basic), parsed and checked by launcher/rb-digest.c, the one
 * credential check of both listeners (GLib only).
 *
 * Input: the request method on the first line, the request-URI on the
 * second, the Authorization value on the third (the rest, newlines
 * included: a header folded by a client, or smuggled). Every "@NONCE@" in
 * the value is replaced by a nonce the listener really issued on the
 * connection, so that the fuzzer gets past the nonce table. Checks: the
 * parse and the check agree (a value that does not parse is never OK);
 * without the user's password nothing is OK; a stale answer only for a
 * header that parses; a second connection never reuses the first's nonce
 * without qop. */

#include "rb-fuzz.h"
#include "rb-digest.h"
#include "rb-users.h"

#include <string.h>

#define USERS "alice:rtsp-blur:" "e4f1de6fb6b4a4f4a1d5c8f0b0e2a9d1\n" \
  "bob:rtsp-blur:00112233445566778899aabbccddeeff\n"

static RbDigest *digest_only, *digest_basic;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GError *err = NULL;

  rb_fuzz_init ();
  digest_only = rb_digest_new (rb_users_load_from_data (USERS, -1, "users",
          &err), RB_DIGEST_SCHEME_DIGEST);
  digest_basic = rb_digest_new (rb_users_load_from_data (USERS, -1, "users",
          &err), RB_DIGEST_SCHEME_DIGEST | RB_DIGEST_SCHEME_BASIC);
  if (err != NULL)
    abort ();
  return 0;
}

static gchar *
replace_all (const gchar * text, const gchar * what, const gchar * with)
{
  g_auto (GStrv) parts = g_strsplit (text, what, -1);

  return g_strjoinv (with, parts);
}

/* The nonce of a challenge 'Digest realm="R", nonce="N", ...'. */
static gchar *
challenge_nonce (const gchar * challenge)
{
  const gchar *p = strstr (challenge, "nonce=\"");
  const gchar *q;

  rb_fuzz_assert (p != NULL, challenge);
  p += strlen ("nonce=\"");
  q = strchr (p, '"');
  rb_fuzz_assert (q != NULL, challenge);
  return g_strndup (p, q - p);
}

static void
check_one (RbDigest * digest, const gchar * method, const gchar * uri,
    const gchar * value)
{
  guint64 conn = rb_digest_connection_new (digest);
  guint64 other = rb_digest_connection_new (digest);
  g_autofree gchar *challenge = rb_digest_challenge (digest, conn, FALSE);
  g_autofree gchar *nonce = challenge_nonce (challenge);
  g_autofree gchar *authorization = replace_all (value, "@NONCE@", nonce);
  g_autoptr (RbDigestCredentials) creds =
      rb_digest_credentials_parse (authorization);
  g_autofree gchar *user = NULL, *user2 = NULL;
  RbDigestResult r, r2;

  r = rb_digest_check (digest, authorization, method, uri, conn, &user);
  /* the HA1s above belong to no password the fuzzer can know the md5
   * preimage of: nothing is accepted */
  rb_fuzz_assert (r != RB_DIGEST_OK, authorization);
  if (creds == NULL)
    rb_fuzz_assert (r == RB_DIGEST_DENIED || r == RB_DIGEST_NO_CREDENTIALS,
        authorization);
  /* the same header again, and on another connection */
  r2 = rb_digest_check (digest, authorization, method, uri, other, &user2);
  rb_fuzz_assert (r2 != RB_DIGEST_OK, authorization);
  rb_digest_connection_closed (digest, conn);
  rb_digest_connection_closed (digest, other);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 3);

  if (g_strv_length (lines) < 3)
    return 0;
  check_one (digest_only, lines[0], lines[1], lines[2]);
  check_one (digest_basic, lines[0], lines[1], lines[2]);
  /* the table stays bounded */
  rb_fuzz_assert (rb_digest_get_n_nonces (digest_only) <=
      RB_DIGEST_MAX_NONCES, "nonces");
  return 0;
}
