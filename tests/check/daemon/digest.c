/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Unit tests of daemon/access/rb-digest.c (replay-safe Digest and Basic
 * credentials), on a clock the test moves: a good response is
 * accepted with and without qop; a replayed or lower nc, a response computed
 * for another URI, an expired, unknown or evicted nonce, and (without qop) a
 * nonce from another connection are refused; a nonce bound to its connection
 * outlives its lifetime there and only there; of a request's headers the
 * first that holds wins, and its connection's nonce goes with the
 * connection; the nonce table stays within its bound under a flood of
 * challenges; malformed headers are refused without a crash. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-digest.h"

#define REALM "rtsp-blur A"
#define CAM_X "rtsp://127.0.0.1:8554/lobby"
#define CAM_Y "rtsp://127.0.0.1:8554/gate"

static gint64 fake_now = 1000 * G_USEC_PER_SEC;

static gint64
test_now (gpointer data)
{
  return fake_now;
}

static gchar *
md5 (const gchar * s)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, s, -1);
}

static gchar *
ha1 (const gchar * user, const gchar * password)
{
  g_autofree gchar *s = g_strdup_printf ("%s:%s:%s", user, REALM, password);

  return md5 (s);
}

/* A users file with alice (alice-pw) and bob (bob-pw), and an RbDigest on
 * it, on the test's clock. */
static RbDigest *
make_digest (RbDigestSchemes schemes)
{
  g_autofree gchar *dir = g_dir_make_tmp ("rb-digest-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "users", NULL);
  g_autofree gchar *a = ha1 ("alice", "alice-pw");
  g_autofree gchar *b = ha1 ("bob", "bob-pw");
  g_autofree gchar *text = g_strdup_printf ("alice:" REALM ":%s\n"
      "bob:" REALM ":%s\n", a, b);
  GError *err = NULL;
  RbUsers *users;
  RbDigest *d;

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  users = rb_users_load (path, &err);
  fail_unless (users != NULL, "%s", err ? err->message : "");
  g_unlink (path);
  g_rmdir (dir);
  d = rb_digest_new (users, schemes);
  rb_digest_set_clock (d, test_now, NULL);
  return d;
}

/* The nonce of a challenge. */
static gchar *
nonce_of (const gchar * challenge)
{
  const gchar *p = strstr (challenge, "nonce=\"");
  const gchar *end;

  fail_unless (p != NULL, "no nonce in %s", challenge);
  p += 7;
  end = strchr (p, '"');
  return g_strndup (p, end - p);
}

static gchar *
new_nonce (RbDigest * d, guint64 conn)
{
  g_autofree gchar *c = rb_digest_challenge (d, conn, FALSE);

  return nonce_of (c);
}

/* An Authorization value for @method @uri; @nc 0: without qop. */
static gchar *
digest_header (const gchar * user, const gchar * password,
    const gchar * nonce, const gchar * method, const gchar * uri, guint nc)
{
  g_autofree gchar *h1 = ha1 (user, password);
  g_autofree gchar *a2 = g_strdup_printf ("%s:%s", method, uri);
  g_autofree gchar *h2 = md5 (a2);
  g_autofree gchar *resp = NULL, *in = NULL;

  if (nc == 0) {
    in = g_strdup_printf ("%s:%s:%s", h1, nonce, h2);
    resp = md5 (in);
    return g_strdup_printf ("Digest username=\"%s\", realm=\"" REALM "\", "
        "nonce=\"%s\", uri=\"%s\", response=\"%s\"", user, nonce, uri, resp);
  }
  in = g_strdup_printf ("%s:%s:%08x:0a4f113b:auth:%s", h1, nonce, nc, h2);
  resp = md5 (in);
  return g_strdup_printf ("Digest username=\"%s\", realm=\"" REALM "\", "
      "nonce=\"%s\", uri=\"%s\", algorithm=\"MD5\", response=\"%s\", "
      "qop=auth, nc=%08x, cnonce=\"0a4f113b\"", user, nonce, uri, resp, nc);
}

static RbDigestResult
check (RbDigest * d, const gchar * header, const gchar * method,
    const gchar * uri, guint64 conn)
{
  return rb_digest_check (d, header, method, uri, conn, NULL);
}

GST_START_TEST (test_good_response)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *challenge = rb_digest_challenge (d, conn, FALSE);
  g_autofree gchar *nonce = nonce_of (challenge);
  g_autofree gchar *with_qop = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  guint64 conn2 = rb_digest_connection_new (d);
  g_autofree gchar *other = new_nonce (d, conn2);
  g_autofree gchar *no_qop = digest_header ("bob", "bob-pw", other,
      "DESCRIBE", CAM_X, 0);
  gchar *user = NULL;

  fail_unless (conn != 0);
  fail_unless (g_str_has_prefix (challenge, "Digest realm=\"" REALM "\", "
          "nonce=\""), "%s", challenge);
  fail_unless (g_str_has_suffix (challenge, ", algorithm=MD5, qop=\"auth\""),
      "%s", challenge);
  fail_unless_equals_int (strlen (nonce), 32);
  fail_unless_equals_int (rb_digest_check (d, with_qop, "DESCRIBE", CAM_X,
          conn, &user), RB_DIGEST_OK);
  fail_unless_equals_string (user, "alice");
  g_free (user);
  fail_unless_equals_int (rb_digest_check (d, no_qop, "DESCRIBE", CAM_X,
          conn2, &user), RB_DIGEST_OK);
  fail_unless_equals_string (user, "bob");
  g_free (user);
  /* the next request on the connection, with the next nc */
  {
    g_autofree gchar *next = digest_header ("alice", "alice-pw", nonce,
        "SETUP", CAM_X "/stream=0", 2);

    fail_unless_equals_int (check (d, next, "SETUP", CAM_X "/stream=0",
            conn), RB_DIGEST_OK);
  }
  /* two nonces, both distinct */
  fail_if (g_str_equal (nonce, other));
}

GST_END_TEST;

GST_START_TEST (test_wrong_credentials)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *wrong = digest_header ("alice", "nope", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *unknown = digest_header ("carol", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *good = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *realm = NULL, *sess = NULL;
  gchar *user = NULL;

  fail_unless_equals_int (rb_digest_check (d, wrong, "DESCRIBE", CAM_X, conn,
          &user), RB_DIGEST_DENIED);
  fail_unless_equals_string (user, "alice");
  g_free (user);
  fail_unless_equals_int (check (d, unknown, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_DENIED);
  /* the right response for another method */
  fail_unless_equals_int (check (d, good, "PLAY", CAM_X, conn),
      RB_DIGEST_DENIED);
  /* another realm, another algorithm */
  realm = g_strdup (good);
  memcpy (strstr (realm, REALM), "rtsp-blur B", 11);
  fail_unless_equals_int (check (d, realm, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_DENIED);
  sess = g_strdup (good);
  memcpy (strstr (sess, "\"MD5\""), "\"SHA\"", 5);
  fail_unless_equals_int (check (d, sess, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_DENIED);
  /* refusals do not use up the nonce: nc 1 still works */
  fail_unless_equals_int (check (d, good, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  /* no header, another scheme: nothing to check */
  fail_unless_equals_int (check (d, NULL, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_NO_CREDENTIALS);
  fail_unless_equals_int (check (d, "Bearer abc", "DESCRIBE", CAM_X, conn),
      RB_DIGEST_NO_CREDENTIALS);
  /* Basic is not accepted by a digest-only listener */
  fail_unless_equals_int (check (d, "Basic YWxpY2U6YWxpY2UtcHc=", "DESCRIBE",
          CAM_X, conn), RB_DIGEST_NO_CREDENTIALS);
}

GST_END_TEST;

GST_START_TEST (test_replayed_nc)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  guint64 other = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *h1 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *h2 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 2);

  fail_unless_equals_int (check (d, h1, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  /* the same header again: on the same connection, on another one */
  fail_unless_equals_int (check (d, h1, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, h1, "DESCRIBE", CAM_X, other),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, h2, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  fail_unless_equals_int (check (d, h2, "DESCRIBE", CAM_X, other),
      RB_DIGEST_STALE);
}

GST_END_TEST;

GST_START_TEST (test_lower_nc)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *h5 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 5);
  g_autofree gchar *h3 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 3);
  g_autofree gchar *h6 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 6);

  /* nc may skip (several connections share a nonce), never go back */
  fail_unless_equals_int (check (d, h5, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  fail_unless_equals_int (check (d, h3, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, h6, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  /* nc=00000000 never counts */
  {
    g_autofree gchar *fresh = new_nonce (d, conn);
    g_autofree gchar *h0 = digest_header ("alice", "alice-pw", fresh,
        "DESCRIBE", CAM_X, 1);

    memcpy (strstr (h0, "nc=00000001"), "nc=00000000", 11);
    fail_unless (check (d, h0, "DESCRIBE", CAM_X, conn) != RB_DIGEST_OK);
  }
}

GST_END_TEST;

GST_START_TEST (test_wrong_uri)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *x1 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *x2 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 2);
  g_autofree gchar *x0 = NULL;
  g_autofree gchar *n2 = new_nonce (d, conn);

  /* a header computed for camera X, sent with a request for camera Y */
  fail_unless_equals_int (check (d, x1, "DESCRIBE", CAM_Y, conn),
      RB_DIGEST_DENIED);
  fail_unless_equals_int (check (d, x1, "DESCRIBE", CAM_X "/", conn),
      RB_DIGEST_DENIED);
  fail_unless_equals_int (check (d, x1, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  fail_unless_equals_int (check (d, x2, "DESCRIBE", CAM_Y, conn),
      RB_DIGEST_DENIED);
  /* without qop too; HTTP paths alike */
  x0 = digest_header ("alice", "alice-pw", n2, "GET", "/hls/lobby/index.m3u8",
      0);
  fail_unless_equals_int (check (d, x0, "GET", "/hls/gate/index.m3u8",
          conn), RB_DIGEST_DENIED);
  fail_unless_equals_int (check (d, x0, "GET", "/hls/lobby/index.m3u8?x",
          conn), RB_DIGEST_DENIED);
  fail_unless_equals_int (check (d, x0, "GET", "/hls/lobby/index.m3u8",
          conn), RB_DIGEST_OK);
}

GST_END_TEST;

GST_START_TEST (test_expired_nonce)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *h = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *stale = rb_digest_challenge (d, conn, TRUE);
  g_autofree gchar *n2 = nonce_of (stale);
  g_autofree gchar *h2 = digest_header ("alice", "alice-pw", n2,
      "DESCRIBE", CAM_X, 1);

  fail_unless (g_str_has_suffix (stale, ", stale=true"), "%s", stale);
  fail_unless_equals_int (RB_DIGEST_NONCE_LIFETIME_S, 60);
  /* never used, past its lifetime: stale, also with a wrong password it
   * stays a plain refusal */
  fake_now += RB_DIGEST_NONCE_LIFETIME_S * G_USEC_PER_SEC;
  fail_unless_equals_int (check (d, h, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_STALE);
  {
    g_autofree gchar *wrong = digest_header ("alice", "nope", n2,
        "DESCRIBE", CAM_X, 1);

    fail_unless_equals_int (check (d, wrong, "DESCRIBE", CAM_X, conn),
        RB_DIGEST_DENIED);
  }
  fail_unless_equals_int (check (d, h2, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_STALE);
  /* expired nonces leave the table */
  fail_unless_equals_int (rb_digest_get_n_nonces (d), 0);
  /* just inside the lifetime */
  {
    g_autofree gchar *n3 = new_nonce (d, conn);
    g_autofree gchar *h3 = digest_header ("alice", "alice-pw", n3,
        "DESCRIBE", CAM_X, 1);

    fake_now += RB_DIGEST_NONCE_LIFETIME_S * G_USEC_PER_SEC - 1;
    fail_unless_equals_int (check (d, h3, "DESCRIBE", CAM_X, conn),
        RB_DIGEST_OK);
  }
}

GST_END_TEST;

/* A nonce that authenticated on its own connection stays valid there (long
 * RTSP sessions), and only there; the connection's end ends it. */
GST_START_TEST (test_bound_nonce)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  guint64 other = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *n2 = new_nonce (d, conn);
  g_autofree gchar *d1 = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 0);
  g_autofree gchar *q1 = digest_header ("alice", "alice-pw", n2,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *q2 = digest_header ("alice", "alice-pw", n2,
      "GET_PARAMETER", CAM_X, 2);
  g_autofree gchar *q3 = digest_header ("alice", "alice-pw", n2,
      "GET_PARAMETER", CAM_X, 3);
  g_autofree gchar *q4 = digest_header ("alice", "alice-pw", n2,
      "GET_PARAMETER", CAM_X, 4);
  g_autofree gchar *k = digest_header ("alice", "alice-pw", nonce,
      "GET_PARAMETER", CAM_X, 0);

  fail_unless_equals_int (check (d, d1, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  /* ten minutes of keep-alives without qop */
  for (guint i = 0; i < 10; i++) {
    fake_now += 60 * G_USEC_PER_SEC;
    fail_unless_equals_int (check (d, k, "GET_PARAMETER", CAM_X, conn),
        RB_DIGEST_OK);
  }
  /* the same header on another connection */
  fail_unless_equals_int (check (d, k, "GET_PARAMETER", CAM_X, other),
      RB_DIGEST_STALE);
  rb_digest_connection_closed (d, conn);
  fail_unless_equals_int (check (d, k, "GET_PARAMETER", CAM_X, conn),
      RB_DIGEST_STALE);
  fail_unless_equals_int (rb_digest_get_n_nonces (d), 0);

  /* with qop: bound too, nc still counted */
  conn = rb_digest_connection_new (d);
  g_free (n2);
  n2 = new_nonce (d, conn);
  g_free (q1);
  q1 = digest_header ("alice", "alice-pw", n2, "DESCRIBE", CAM_X, 1);
  g_free (q2);
  q2 = digest_header ("alice", "alice-pw", n2, "GET_PARAMETER", CAM_X, 2);
  g_free (q3);
  q3 = digest_header ("alice", "alice-pw", n2, "GET_PARAMETER", CAM_X, 3);
  g_free (q4);
  q4 = digest_header ("alice", "alice-pw", n2, "GET_PARAMETER", CAM_X, 4);
  fail_unless_equals_int (check (d, q1, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  /* with qop another connection may use it within its lifetime */
  fail_unless_equals_int (check (d, q2, "GET_PARAMETER", CAM_X, other),
      RB_DIGEST_OK);
  fake_now += 5 * 60 * G_USEC_PER_SEC;
  fail_unless_equals_int (check (d, q3, "GET_PARAMETER", CAM_X, conn),
      RB_DIGEST_OK);
  fail_unless_equals_int (check (d, q3, "GET_PARAMETER", CAM_X, conn),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, q4, "GET_PARAMETER", CAM_X, other),
      RB_DIGEST_STALE);
  /* a newer nonce on the connection replaces the bound one */
  {
    g_autofree gchar *n3 = new_nonce (d, conn);
    g_autofree gchar *r1 = digest_header ("alice", "alice-pw", n3,
        "PLAY", CAM_X, 1);

    fail_unless_equals_int (rb_digest_get_n_nonces (d), 2);
    fail_unless_equals_int (check (d, r1, "PLAY", CAM_X, conn),
        RB_DIGEST_OK);
    fail_unless_equals_int (rb_digest_get_n_nonces (d), 1);
    fail_unless_equals_int (check (d, q4, "GET_PARAMETER", CAM_X, conn),
        RB_DIGEST_STALE);
  }
}

GST_END_TEST;

GST_START_TEST (test_other_connection_without_qop)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  guint64 other = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *h = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 0);
  g_autofree gchar *fresh = new_nonce (d, conn);
  g_autofree gchar *hf = digest_header ("alice", "alice-pw", fresh,
      "DESCRIBE", CAM_X, 0);

  fail_unless (conn != other);
  fail_unless_equals_int (check (d, h, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  /* a captured header, replayed on a new connection at once */
  fail_unless_equals_int (check (d, h, "DESCRIBE", CAM_X, other),
      RB_DIGEST_STALE);
  /* and a nonce never used yet, on another connection */
  fail_unless_equals_int (check (d, hf, "DESCRIBE", CAM_X, other),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, hf, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
}

GST_END_TEST;

GST_START_TEST (test_unknown_nonce)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  g_autoptr (RbDigest) d2 = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *made_up = digest_header ("alice", "alice-pw",
      "0123456789abcdef0123456789abcdef", "DESCRIBE", CAM_X, 1);
  g_autofree gchar *theirs = new_nonce (d2, conn);
  g_autofree gchar *h = digest_header ("alice", "alice-pw", theirs,
      "DESCRIBE", CAM_X, 0);
  g_autofree gchar *wrong = digest_header ("alice", "x", theirs,
      "DESCRIBE", CAM_X, 0);

  /* right password, a nonce we never gave (or another process gave):
   * stale, so that a client re-authenticates without asking its user */
  fail_unless_equals_int (check (d, made_up, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, h, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, wrong, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_DENIED);
}

GST_END_TEST;

/* rb_digest_check_request() of a DESCRIBE of CAM_X, which must report
 * @user as the user claimed. */
static RbDigestResult
check_request (RbDigest * d, const gchar * const *headers, GObject * conn,
    const gchar * user)
{
  g_autofree gchar *claimed = NULL;
  RbDigestResult r = rb_digest_check_request (d, headers, "DESCRIBE", CAM_X,
      conn, &claimed);

  fail_unless_equals_string (claimed, user);
  return r;
}

/* The one check of a request for both listeners: of its Authorization
 * headers the first that holds wins, a stale nonce outranks a refusal, and
 * the connection id lives on the connection's object until it goes. */
GST_START_TEST (test_check_request)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  GObject *conn = g_object_new (G_TYPE_OBJECT, NULL);
  guint64 id = rb_digest_connection_of (d, conn);
  g_autofree gchar *nonce = new_nonce (d, id);
  g_autofree gchar *good = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *wrong = digest_header ("bob", "nope", nonce,
      "DESCRIBE", CAM_X, 2);
  g_autofree gchar *stale = digest_header ("alice", "alice-pw",
      "0123456789abcdef0123456789abcdef", "DESCRIBE", CAM_X, 1);
  const gchar *none[] = { NULL };
  const gchar *other_scheme[] = { "Bearer abc", NULL };
  const gchar *wrong_good[] = { "Bearer abc", wrong, good, NULL };
  const gchar *wrong_stale[] = { wrong, stale, NULL };
  const gchar *stale_wrong[] = { stale, wrong, NULL };
  guint nonces;

  fail_unless (id != 0);
  fail_unless_equals_uint64 (rb_digest_connection_of (d, conn), id);
  fail_unless_equals_uint64 (rb_digest_connection_of (d, NULL), 0);

  fail_unless_equals_int (check_request (d, NULL, conn, NULL),
      RB_DIGEST_NO_CREDENTIALS);
  fail_unless_equals_int (check_request (d, none, conn, NULL),
      RB_DIGEST_NO_CREDENTIALS);
  fail_unless_equals_int (check_request (d, other_scheme, conn, NULL),
      RB_DIGEST_NO_CREDENTIALS);
  fail_unless_equals_int (check_request (d, wrong_stale, conn, "bob"),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check_request (d, stale_wrong, conn, "alice"),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check_request (d, wrong_good, conn, "bob"),
      RB_DIGEST_OK);

  /* the nonce is bound to the connection, which closes with its object */
  nonces = rb_digest_get_n_nonces (d);
  g_object_unref (conn);
  fail_unless_equals_int (rb_digest_get_n_nonces (d), nonces - 1);
}

GST_END_TEST;

GST_START_TEST (test_flood)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *kept = new_nonce (d, conn);
  g_autofree gchar *k1 = digest_header ("alice", "alice-pw", kept,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *k2 = digest_header ("alice", "alice-pw", kept,
      "GET_PARAMETER", CAM_X, 2);
  g_autofree gchar *first = NULL, *f1 = NULL, *last = NULL, *l1 = NULL;
  guint max = 0;

  fail_unless_equals_int (RB_DIGEST_MAX_NONCES, 4096);
  /* a viewer authenticated on its connection */
  fail_unless_equals_int (check (d, k1, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_OK);
  /* 100000 challenges from 100000 connections in one second */
  for (guint i = 0; i < 100000; i++) {
    guint64 c = rb_digest_connection_new (d);
    g_autofree gchar *challenge = rb_digest_challenge (d, c, FALSE);

    if (i == 0)
      first = nonce_of (challenge);
    if (i == 99999)
      last = nonce_of (challenge);
    max = MAX (max, rb_digest_get_n_nonces (d));
    if (i % 10 == 0)
      fake_now += 100;
  }
  fail_unless (max <= RB_DIGEST_MAX_NONCES, "%u nonces", max);
  fail_unless_equals_int (rb_digest_get_n_nonces (d), RB_DIGEST_MAX_NONCES);
  /* the oldest were evicted, the newest kept, the viewer's bound nonce too */
  f1 = digest_header ("alice", "alice-pw", first, "DESCRIBE", CAM_X, 1);
  l1 = digest_header ("alice", "alice-pw", last, "DESCRIBE", CAM_X, 1);
  fail_unless_equals_int (check (d, f1, "DESCRIBE", CAM_X, 2),
      RB_DIGEST_STALE);
  fail_unless_equals_int (check (d, l1, "DESCRIBE", CAM_X, 100001),
      RB_DIGEST_OK);
  fail_unless_equals_int (check (d, k2, "GET_PARAMETER", CAM_X, conn),
      RB_DIGEST_OK);

  /* a smaller table: bound nonces are evicted last */
  rb_digest_set_limits (d, 60, 8);
  for (guint i = 0; i < 100; i++)
    g_free (rb_digest_challenge (d, conn, FALSE));
  fail_unless_equals_int (rb_digest_get_n_nonces (d), 8);
  {
    g_autofree gchar *k3 = digest_header ("alice", "alice-pw", kept,
        "GET_PARAMETER", CAM_X, 3);

    fail_unless_equals_int (check (d, k3, "GET_PARAMETER", CAM_X, conn),
        RB_DIGEST_OK);
  }
}

GST_END_TEST;

GST_START_TEST (test_malformed)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST |
      RB_DIGEST_SCHEME_BASIC);
  guint64 conn = rb_digest_connection_new (d);
  g_autofree gchar *nonce = new_nonce (d, conn);
  g_autofree gchar *good = digest_header ("alice", "alice-pw", nonce,
      "DESCRIBE", CAM_X, 1);
  g_autofree gchar *huge = NULL;
  guint accepted = 0;
  /* *INDENT-OFF* */
  static const gchar *bad[] = {
    "Digest",
    "Digest ",
    "Digest,",
    "Digest=",
    "Digest username",
    "Digest username=",
    "Digest username=\"alice",
    "Digest username=\"alice\\",
    "Digest username=\"al\x01ice\", realm=\"rtsp-blur A\"",
    "Digest username=\"alice\" realm=\"rtsp-blur A\"",
    "Digest username=\"alice\", username=\"bob\"",
    "Digest username=\"alice\", USERNAME=\"bob\"",
    "Digest =\"alice\"",
    "Digest username=alice\"",
    "Digest username=\"\xff\xfe\"",
    "Digest username=\"alice\", realm=\"rtsp-blur A\", nonce=\"\", "
        "uri=\"x\", response=\"00000000000000000000000000000000\"",
    "Digest username=\"alice\", realm=\"rtsp-blur A\", nonce=\"a\", "
        "uri=\"x\", response=\"short\"",
    "Digest username=\"alice\", realm=\"rtsp-blur A\", nonce=\"a\", "
        "uri=\"x\", response=\"00000000000000000000000000000000\", "
        "qop=auth",
    "Digest username=\"alice\", realm=\"rtsp-blur A\", nonce=\"a\", "
        "uri=\"x\", response=\"00000000000000000000000000000000\", "
        "qop=auth, nc=123456789, cnonce=\"c\"",
    "Digest username=\"alice\", realm=\"rtsp-blur A\", nonce=\"a\", "
        "uri=\"x\", response=\"00000000000000000000000000000000\", "
        "qop=auth, nc=0000000g, cnonce=\"c\"",
    "Digest username=\"alice\", realm=\"rtsp-blur A\", nonce=\"a\", "
        "uri=\"x\", response=\"00000000000000000000000000000000\", "
        "qop=auth-int, nc=00000001, cnonce=\"c\"",
    "Digest username=\"alice\", realm=\"rtsp-blur A\", nonce=\"a\", "
        "uri=\"x\", response=\"00000000000000000000000000000000\", "
        "userhash=true",
    "Basic",
    "Basic ",
    "Basic !!!!",
    "Basic YWxpY2U=",           /* "alice": no colon */
    "Basic YWxpY2UAOmFsaWNlLXB3",       /* NUL inside */
    "Basic YWxpY2U6YWxpY2UtcHc= x",
  };
  /* *INDENT-ON* */

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (RbDigestCredentials) c = rb_digest_credentials_parse (bad[i]);
    gchar *user = NULL;
    RbDigestResult r = rb_digest_check (d, bad[i], "DESCRIBE", CAM_X, conn,
        &user);

    fail_unless (r == RB_DIGEST_DENIED, "accepted or ignored (%d): %s", r,
        bad[i]);
    /* the syntax errors are the parser's */
    if (i < 15 || i >= 22)
      fail_unless (c == NULL, "parsed: %s", bad[i]);
    g_free (user);
  }
  /* not our scheme at all */
  fail_unless_equals_int (check (d, "Digestusername=\"alice\"", "DESCRIBE",
          CAM_X, conn), RB_DIGEST_NO_CREDENTIALS);
  /* longer than RB_DIGEST_MAX_HEADER */
  huge = g_strdup_printf ("%s, opaque=\"%0*d\"", good,
      RB_DIGEST_MAX_HEADER, 0);
  fail_unless (rb_digest_credentials_parse (huge) == NULL);
  fail_unless_equals_int (check (d, huge, "DESCRIBE", CAM_X, conn),
      RB_DIGEST_DENIED);
  /* 200 parameters */
  {
    GString *many = g_string_new ("Digest a0=1");

    for (guint i = 1; i < 200; i++)
      g_string_append_printf (many, ", a%u=%u", i, i);
    fail_unless (rb_digest_credentials_parse (many->str) == NULL);
    g_string_free (many, TRUE);
  }

  /* random damage to a good header: never a crash, never accepted unless
   * it still says the same (a blank for a tab, the case of a name) */
  {
    GRand *rand = g_rand_new_with_seed (16);
    gsize len = strlen (good);
    g_autoptr (RbDigestCredentials) orig = rb_digest_credentials_parse (good);

    for (guint i = 0; i < 50000; i++) {
      g_autofree gchar *m = g_strdup (good);
      guint edits = g_rand_int_range (rand, 1, 4);
      RbDigestResult r;

      for (guint e = 0; e < edits; e++) {
        gsize at = g_rand_int_range (rand, 0, len);

        switch (g_rand_int_range (rand, 0, 3)) {
          case 0:
            m[at] = (gchar) g_rand_int_range (rand, 1, 256);
            break;
          case 1:
            m[at] = "\",=\\ \t"[g_rand_int_range (rand, 0, 6)];
            break;
          default:
            m[at] = '\0';
            break;
        }
      }
      r = check (d, m, "DESCRIBE", CAM_X, conn);
      if (r == RB_DIGEST_OK) {
        g_autoptr (RbDigestCredentials) c = rb_digest_credentials_parse (m);
        static const gchar *names[] = { "username", "realm", "nonce", "uri",
          "qop", "nc", "cnonce"
        };

        for (guint k = 0; k < G_N_ELEMENTS (names); k++)
          fail_unless_equals_string (g_hash_table_lookup (c->params,
                  names[k]), g_hash_table_lookup (orig->params, names[k]));
        fail_unless (g_ascii_strcasecmp (g_hash_table_lookup (c->params,
                    "response"), g_hash_table_lookup (orig->params,
                    "response")) == 0);
        accepted++;
      }
    }
    g_rand_free (rand);
  }
  /* the good header itself: nc 1 was used once at most */
  fail_unless (accepted <= 1);
  fail_unless_equals_int (check (d, good, "DESCRIBE", CAM_X, conn),
      accepted ? RB_DIGEST_STALE : RB_DIGEST_OK);
}

GST_END_TEST;

GST_START_TEST (test_parse)
{
  g_autoptr (RbDigestCredentials) c = rb_digest_credentials_parse
      ("  digest  Username = \"al\\\"ice\" ,realm=\"a, b\",,nc=00000001 ,"
      "qop=auth,opaque=\"\"  ");
  g_autoptr (RbDigestCredentials) b = rb_digest_credentials_parse
      ("BASIC YWxpY2U6YWxpY2UtcHc6eA==");

  fail_unless (c != NULL);
  fail_unless_equals_int (c->scheme, RB_DIGEST_SCHEME_DIGEST);
  fail_unless_equals_string (g_hash_table_lookup (c->params, "username"),
      "al\"ice");
  fail_unless_equals_string (g_hash_table_lookup (c->params, "realm"),
      "a, b");
  fail_unless_equals_string (g_hash_table_lookup (c->params, "nc"),
      "00000001");
  fail_unless_equals_string (g_hash_table_lookup (c->params, "qop"), "auth");
  fail_unless_equals_string (g_hash_table_lookup (c->params, "opaque"), "");
  fail_unless (b != NULL);
  fail_unless_equals_int (b->scheme, RB_DIGEST_SCHEME_BASIC);
  fail_unless_equals_string (b->user, "alice");
  fail_unless_equals_string (b->password, "alice-pw:x");
  fail_unless (rb_digest_credentials_parse ("Bearer x") == NULL);
}

GST_END_TEST;

GST_START_TEST (test_basic)
{
  g_autoptr (RbDigest) d = make_digest (RB_DIGEST_SCHEME_DIGEST |
      RB_DIGEST_SCHEME_BASIC);
  g_autofree gchar *challenge = rb_digest_basic_challenge (d);
  gchar *user = NULL;

  fail_unless_equals_string (challenge, "Basic realm=\"" REALM "\"");
  /* alice:alice-pw */
  fail_unless_equals_int (rb_digest_check (d, "Basic YWxpY2U6YWxpY2UtcHc=",
          "DESCRIBE", CAM_X, 1, &user), RB_DIGEST_OK);
  fail_unless_equals_string (user, "alice");
  g_free (user);
  /* alice:alice-px, carol:alice-pw */
  fail_unless_equals_int (check (d, "Basic YWxpY2U6YWxpY2UtcHg=", "DESCRIBE",
          CAM_X, 1), RB_DIGEST_DENIED);
  fail_unless_equals_int (check (d, "Basic Y2Fyb2w6YWxpY2UtcHc=", "DESCRIBE",
          CAM_X, 1), RB_DIGEST_DENIED);
}

GST_END_TEST;

static Suite *
digest_suite (void)
{
  Suite *s = suite_create ("digest");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_good_response);
  tcase_add_test (tc, test_wrong_credentials);
  tcase_add_test (tc, test_replayed_nc);
  tcase_add_test (tc, test_lower_nc);
  tcase_add_test (tc, test_wrong_uri);
  tcase_add_test (tc, test_expired_nonce);
  tcase_add_test (tc, test_bound_nonce);
  tcase_add_test (tc, test_other_connection_without_qop);
  tcase_add_test (tc, test_unknown_nonce);
  tcase_add_test (tc, test_check_request);
  tcase_add_test (tc, test_flood);
  tcase_add_test (tc, test_malformed);
  tcase_add_test (tc, test_parse);
  tcase_add_test (tc, test_basic);
  return s;
}

GST_CHECK_MAIN (digest);
