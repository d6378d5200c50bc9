/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Unit tests of daemon/onvif: the ONVIF users (rb-onvif-users.c: the file,
 * its mode, UsernameToken PasswordDigest: valid, wrong password, Created
 * out of the window, replayed, libonvif's repeated nonce, PasswordText,
 * the bounded table, their HA1) and the SOAP requests and answers
 * (rb-onvif-soap.c: a request as libonvif writes it, what is refused, and
 * each answer read back with XPath, visibility and sub-stream profiles
 * included). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>

#include "rb-onvif-soap.h"
#include "rb-onvif-users.h"

#define PASSWORD_DIGEST "http://docs.oasis-open.org/wss/2004/01/" \
  "oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
#define PASSWORD_TEXT "http://docs.oasis-open.org/wss/2004/01/" \
  "oasis-200401-wss-username-token-profile-1.0#PasswordText"

static gchar *tmpdir;

static void
tempdir_setup (void)
{
  tmpdir = g_dir_make_tmp ("rb-onvif-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
}

static void
tempdir_cleanup (void)
{
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree gchar *p = g_build_filename (tmpdir, name, NULL);

    g_unlink (p);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* Base64 (SHA-1 (nonce + created + password)), as a client computes it. */
static gchar *
token_digest (const guchar * nonce, gsize nonce_len, const gchar * created,
    const gchar * password)
{
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 d[20];
  gsize len = sizeof d;

  g_checksum_update (sha1, nonce, nonce_len);
  g_checksum_update (sha1, (const guchar *) created, strlen (created));
  g_checksum_update (sha1, (const guchar *) password, strlen (password));
  g_checksum_get_digest (sha1, d, &len);
  return g_base64_encode (d, len);
}

/* 2026-12-05T12:00:00Z */
#define NOW_S G_GINT64_CONSTANT (1796472000)
#define NOW_US (NOW_S * G_USEC_PER_SEC)

static gchar *
iso (gint64 s, guint ms)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (s);
  g_autofree gchar *base = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03uZ", base, ms);
}

static RbOnvifAuthResult
check (RbOnvifUsers * users, const gchar * user, const gchar * password,
    const guchar * nonce, gsize nonce_len, const gchar * created,
    gint64 now_us)
{
  g_autofree gchar *digest = token_digest (nonce, nonce_len, created,
      password);
  g_autofree gchar *n64 = g_base64_encode (nonce, nonce_len);

  return rb_onvif_users_check_token (users, "10.0.0.2", user,
      PASSWORD_DIGEST, digest, n64, created, now_us);
}

static const gchar users_text[] =
    "# VMS accounts\n"
    "vms:s3cret:with:colons\n" "\n" "  nvr:other pass \r\n";

GST_START_TEST (test_token)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbOnvifUsers) users =
      rb_onvif_users_load_from_data (users_text, -1, "u", &err);
  const guchar nonce[] = "0123456789abcdefghij";
  g_autofree gchar *created = iso (NOW_S - 2, 250);

  fail_unless (users != NULL, "%s", err ? err->message : "");
  assert_equals_int (rb_onvif_users_get_n_users (users), 2);

  /* the password is everything after the first ':' (blanks included) */
  assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
          created, NOW_US), RB_ONVIF_AUTH_OK);
  assert_equals_int (check (users, "nvr", "other pass ", nonce, 20, created,
          NOW_US), RB_ONVIF_AUTH_OK);
  /* the same token again, later: a replay */
  assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
          created, NOW_US + (RB_ONVIF_REUSE_S + 1) * G_USEC_PER_SEC),
      RB_ONVIF_AUTH_REPLAYED);
  /* the same token again from the same address within RB_ONVIF_REUSE_S
   * of its first use (libonvif 1.4 sends such tokens: same nonce, same
   * millisecond); from another address: a replay */
  {
    g_autofree gchar *c5 = iso (NOW_S - 1, 7);

    assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
            c5, NOW_US), RB_ONVIF_AUTH_OK);
    assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
            c5, NOW_US + G_USEC_PER_SEC), RB_ONVIF_AUTH_OK);
    assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
            c5, NOW_US + (RB_ONVIF_REUSE_S + 1) * G_USEC_PER_SEC),
        RB_ONVIF_AUTH_REPLAYED);
    {
      g_autofree gchar *d = token_digest (nonce, 20, c5,
          "s3cret:with:colons");
      g_autofree gchar *n64 = g_base64_encode (nonce, 20);

      assert_equals_int (rb_onvif_users_check_token (users, "10.0.0.3",
              "vms", PASSWORD_DIGEST, d, n64, c5, NOW_US),
          RB_ONVIF_AUTH_REPLAYED);
    }
  }
  /* libonvif 1.4: the same nonce with another Created is a new token */
  {
    g_autofree gchar *c2 = iso (NOW_S - 2, 251);

    assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
            c2, NOW_US), RB_ONVIF_AUTH_OK);
  }
  /* wrong password, unknown user */
  {
    g_autofree gchar *c3 = iso (NOW_S, 1);

    assert_equals_int (check (users, "vms", "s3cret", nonce, 20, c3,
            NOW_US), RB_ONVIF_AUTH_DENIED);
    assert_equals_int (check (users, "root", "s3cret:with:colons", nonce, 20,
            c3, NOW_US), RB_ONVIF_AUTH_DENIED);
    /* a digest for another Created than the one sent */
    {
      g_autofree gchar *d = token_digest (nonce, 20, c3, "s3cret:with:colons");
      g_autofree gchar *n64 = g_base64_encode (nonce, 20);
      g_autofree gchar *c4 = iso (NOW_S, 2);

      assert_equals_int (rb_onvif_users_check_token (users, NULL, "vms",
              PASSWORD_DIGEST, d, n64, c4, NOW_US), RB_ONVIF_AUTH_DENIED);
    }
  }
  /* Created out of the window, either way, even with the right password */
  {
    g_autofree gchar *old = iso (NOW_S - RB_ONVIF_CREATED_WINDOW_S - 1, 0);
    g_autofree gchar *future = iso (NOW_S + RB_ONVIF_CREATED_WINDOW_S + 1, 0);
    g_autofree gchar *edge = iso (NOW_S - RB_ONVIF_CREATED_WINDOW_S + 1, 0);

    assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
            old, NOW_US), RB_ONVIF_AUTH_EXPIRED);
    assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
            future, NOW_US), RB_ONVIF_AUTH_EXPIRED);
    assert_equals_int (check (users, "vms", "s3cret:with:colons", nonce, 20,
            edge, NOW_US), RB_ONVIF_AUTH_OK);
  }
  /* no zone, no nonce, PasswordText: refused */
  {
    g_autofree gchar *d = token_digest (nonce, 20, "2026-12-05T12:00:00",
        "s3cret:with:colons");
    g_autofree gchar *n64 = g_base64_encode (nonce, 20);

    assert_equals_int (rb_onvif_users_check_token (users, NULL, "vms",
            PASSWORD_DIGEST, d, n64, "2026-12-05T12:00:00", NOW_US),
        RB_ONVIF_AUTH_DENIED);
    assert_equals_int (rb_onvif_users_check_token (users, NULL, "vms",
            PASSWORD_DIGEST, d, NULL, created, NOW_US),
        RB_ONVIF_AUTH_UNSUPPORTED);
    assert_equals_int (rb_onvif_users_check_token (users, NULL, "vms",
            PASSWORD_TEXT, "s3cret:with:colons", n64, created, NOW_US),
        RB_ONVIF_AUTH_UNSUPPORTED);
    assert_equals_int (rb_onvif_users_check_token (users, NULL, "vms", NULL,
            "s3cret:with:colons", n64, created, NOW_US),
        RB_ONVIF_AUTH_UNSUPPORTED);
    assert_equals_int (rb_onvif_users_check_token (users, NULL, "vms",
            PASSWORD_DIGEST, d, "not base64!", created, NOW_US),
        RB_ONVIF_AUTH_DENIED);
  }
}

GST_END_TEST;

GST_START_TEST (test_token_table)
{
  g_autoptr (RbOnvifUsers) users =
      rb_onvif_users_load_from_data ("vms:pw\n", -1, "u", NULL);
  g_autofree gchar *created = iso (NOW_S, 0);
  guchar nonce[16] = { 0 };

  rb_onvif_users_set_limits (users, 60, 3);
  for (guint i = 0; i < 3; i++) {
    nonce[0] = i;
    assert_equals_int (check (users, "vms", "pw", nonce, 16, created,
            NOW_US), RB_ONVIF_AUTH_OK);
  }
  assert_equals_int (rb_onvif_users_get_n_tokens (users), 3);
  /* full of tokens still in their window: refused, none forgotten */
  nonce[0] = 3;
  assert_equals_int (check (users, "vms", "pw", nonce, 16, created, NOW_US),
      RB_ONVIF_AUTH_BUSY);
  nonce[0] = 0;
  assert_equals_int (check (users, "vms", "pw", nonce, 16, created,
          NOW_US + 59 * G_USEC_PER_SEC), RB_ONVIF_AUTH_REPLAYED);
  /* the same token from its client at once: still accepted, not added */
  assert_equals_int (check (users, "vms", "pw", nonce, 16, created, NOW_US),
      RB_ONVIF_AUTH_OK);
  assert_equals_int (rb_onvif_users_get_n_tokens (users), 3);
  /* wrong passwords do not enter the table */
  nonce[0] = 9;
  assert_equals_int (check (users, "vms", "bad", nonce, 16, created, NOW_US),
      RB_ONVIF_AUTH_DENIED);
  assert_equals_int (rb_onvif_users_get_n_tokens (users), 3);
  /* after twice the window they are forgotten (their Created is out) */
  {
    g_autofree gchar *later = iso (NOW_S + 121, 0);

    nonce[0] = 7;
    assert_equals_int (check (users, "vms", "pw", nonce, 16, later,
            NOW_US + 121 * G_USEC_PER_SEC), RB_ONVIF_AUTH_OK);
    assert_equals_int (rb_onvif_users_get_n_tokens (users), 1);
    /* and the old token is refused by its Created */
    nonce[0] = 0;
    assert_equals_int (check (users, "vms", "pw", nonce, 16, created,
            NOW_US + 121 * G_USEC_PER_SEC), RB_ONVIF_AUTH_EXPIRED);
  }
}

GST_END_TEST;

static void
assert_bad (const gchar * text, const gchar * message)
{
  g_autoptr (GError) err = NULL;

  fail_unless (rb_onvif_users_load_from_data (text, -1, "f", &err) == NULL);
  fail_unless (g_error_matches (err, G_KEY_FILE_ERROR,
          G_KEY_FILE_ERROR_INVALID_VALUE));
  fail_unless_equals_string (err->message, message);
}

GST_START_TEST (test_users_file)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *path = g_build_filename (tmpdir, "onvif-users", NULL);

  assert_bad ("vms\n", "f:1: not user:password");
  assert_bad ("vms:topsecret\nvms:other\n", "f:2: this user is given twice");
  assert_bad (":topsecret\n", "f:1: the user name is empty or not valid text");
  assert_bad ("vms:\n", "f:1: the password is empty or not valid text");
  assert_bad ("# only\n\n", "f: no users");

  /* mode: passwords are for the owner only */
  fail_unless (g_file_set_contents (path, "vms:topsecret\n", -1, NULL));
  fail_unless (g_chmod (path, 0644) == 0);
  fail_unless (rb_onvif_users_load (path, &err) == NULL);
  fail_unless (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_PERM));
  fail_unless (strstr (err->message, path) != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "mode 0644") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, "topsecret") == NULL);
  g_clear_error (&err);
  fail_unless (g_chmod (path, 0640) == 0);
  fail_unless (rb_onvif_users_load (path, &err) == NULL);
  g_clear_error (&err);
  fail_unless (g_chmod (path, 0600) == 0);
  {
    g_autoptr (RbOnvifUsers) u = rb_onvif_users_load (path, &err);

    fail_unless (u != NULL, "%s", err ? err->message : "");
  }
  /* a bad line: the file and line, never the password */
  fail_unless (g_file_set_contents (path, "vms:topsecret\nvms:topsecret2\n",
          -1, NULL));
  fail_unless (rb_onvif_users_load (path, &err) == NULL);
  fail_unless (g_str_has_prefix (err->message, path));
  fail_unless (strstr (err->message, "topsecret") == NULL);
  g_clear_error (&err);
  g_unlink (path);
  fail_unless (rb_onvif_users_load (path, &err) == NULL);
  fail_unless (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}

GST_END_TEST;

GST_START_TEST (test_ha1)
{
  g_autoptr (RbOnvifUsers) users =
      rb_onvif_users_load_from_data ("vms:pw\n", -1, "u", NULL);
  g_autoptr (RbUsers) digest = rb_onvif_users_to_users (users, "cams");
  g_autoptr (RbUsers) site = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *ha1 = g_compute_checksum_for_string (G_CHECKSUM_MD5,
      "vms:cams:pw", -1);

  fail_unless_equals_string (rb_users_lookup_ha1 (digest, "vms"), ha1);
  fail_unless_equals_string (rb_users_get_realm (digest), "cams");

  /* joined to a users file: both kinds of users */
  site = rb_users_load_from_data ("op:cams:0123456789abcdef0123456789abcdef\n",
      -1, "site", NULL);
  fail_unless (rb_onvif_users_add_ha1 (users, site, "users file site", &err));
  fail_unless_equals_string (rb_users_lookup_ha1 (site, "vms"), ha1);
  fail_unless (rb_users_lookup_ha1 (site, "op") != NULL);
  /* a user in both is an error */
  fail_if (rb_onvif_users_add_ha1 (users, site, "users file site", &err));
  fail_unless_equals_string (err->message, "user vms is both an ONVIF user "
      "and in the users file site; give it one place");
}

GST_END_TEST;

/* ---- SOAP ---- */

/* A request as libonvif 1.4 writes it (addUsernameDigestHeader). */
static gchar *
libonvif_request (const gchar * ns, const gchar * action,
    const gchar * inner, const gchar * user, const gchar * password,
    const gchar * created)
{
  guchar nonce[20];
  g_autofree gchar *n64 = NULL, *digest = NULL;

  for (guint i = 0; i < 20; i++)
    nonce[i] = i * 7;
  n64 = g_base64_encode (nonce, 20);
  digest = token_digest (nonce, 20, created, password);
  return g_strdup_printf ("<SOAP-ENV:Envelope "
      "xmlns:SOAP-ENV=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:x=\"%s\" xmlns:tt=\"http://www.onvif.org/ver10/schema\" "
      "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
      "oasis-200401-wss-wssecurity-secext-1.0.xsd\" "
      "xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/"
      "oasis-200401-wss-wssecurity-utility-1.0.xsd\"><SOAP-ENV:Header>"
      "<wsse:Security SOAP-ENV:mustUnderstand=\"1\"><wsse:UsernameToken>"
      "<wsse:Username>%s</wsse:Username><wsse:Password Type=\"%s\">%s"
      "</wsse:Password><wsse:Nonce EncodingType=\"http://docs.oasis-open.org"
      "/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
      "\">%s</wsse:Nonce><wsu:Created>%s</wsu:Created></wsse:UsernameToken>"
      "</wsse:Security></SOAP-ENV:Header><SOAP-ENV:Body><x:%s>%s</x:%s>"
      "</SOAP-ENV:Body></SOAP-ENV:Envelope>", ns, user, PASSWORD_DIGEST,
      digest, n64, created, action, inner ? inner : "", action);
}

GST_START_TEST (test_parse)
{
  g_autofree gchar *created = iso (NOW_S, 5);
  g_autofree gchar *text = libonvif_request (RB_ONVIF_NS_MEDIA,
      "GetStreamUri", "<x:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>"
      "<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport>"
      "</x:StreamSetup><x:ProfileToken> lobby </x:ProfileToken>", "vms", "pw",
      created);
  g_autoptr (RbOnvifRequest) r = rb_onvif_request_parse (text, strlen (text),
      NULL);
  g_autoptr (RbOnvifUsers) users =
      rb_onvif_users_load_from_data ("vms:pw\n", -1, "u", NULL);
  const gchar *user, *password, *type, *nonce, *cr;

  fail_unless (r != NULL);
  fail_unless_equals_string (rb_onvif_request_get_namespace (r),
      RB_ONVIF_NS_MEDIA);
  fail_unless_equals_string (rb_onvif_request_get_action (r), "GetStreamUri");
  fail_unless_equals_string (rb_onvif_request_get_param (r, "ProfileToken"),
      "lobby");
  fail_unless_equals_string (rb_onvif_request_get_param (r, "Protocol"),
      "RTSP");
  fail_unless (rb_onvif_request_get_param (r, "Nothing") == NULL);
  fail_if (rb_onvif_request_is_pre_auth (r));
  fail_unless (rb_onvif_request_get_token (r, &user, &password, &type,
          &nonce, &cr));
  fail_unless_equals_string (user, "vms");
  fail_unless_equals_string (cr, created);
  fail_unless_equals_string (type, PASSWORD_DIGEST);
  /* what it carries is what rb-onvif-users verifies */
  assert_equals_int (rb_onvif_users_check_token (users, NULL, user, type,
          password, nonce, cr, NOW_US), RB_ONVIF_AUTH_OK);
}

GST_END_TEST;

static void
assert_refused (const gchar * text, const gchar * why)
{
  g_autoptr (GError) err = NULL;

  fail_unless (rb_onvif_request_parse (text, strlen (text), &err) == NULL,
      "%s", text);
  fail_unless_equals_string (err->message, why);
}

GST_START_TEST (test_parse_refused)
{
  gsize big = RB_ONVIF_MAX_REQUEST + 1;
  g_autofree gchar *large = g_malloc (big + 1);

  assert_refused ("<a", "not well-formed XML");
  assert_refused ("<Envelope/>", "not a SOAP 1.2 Envelope");
  /* SOAP 1.1 */
  assert_refused ("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/"
      "envelope/\"><s:Body><GetProfiles/></s:Body></s:Envelope>",
      "not a SOAP 1.2 Envelope");
  assert_refused ("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/"
      "soap-envelope\"><s:Body></s:Body></s:Envelope>",
      "no action in the SOAP Body");
  assert_refused ("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/"
      "soap-envelope\"><s:Body><GetProfiles/></s:Body></s:Envelope>",
      "no action in the SOAP Body");
  /* entities: a DTD is refused, nothing is expanded or fetched */
  assert_refused ("<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "
      "\"file:///etc/passwd\">]><s:Envelope xmlns:s=\"http://www.w3.org/"
      "2003/05/soap-envelope\"><s:Body><m:GetProfile xmlns:m=\""
      RB_ONVIF_NS_MEDIA "\"><m:ProfileToken>&x;</m:ProfileToken>"
      "</m:GetProfile></s:Body></s:Envelope>",
      "a document type declaration (SOAP forbids them)");
  memset (large, ' ', big);
  large[big] = '\0';
  assert_refused (large, "longer than 65536 bytes");
}

GST_END_TEST;

/* *INDENT-OFF* */
static const RbOnvifCamera cameras[] = {
  {"lobby", 1920, 1080, 640, 360},
  {"yard", 0, 0, 0, 0},
};
static const gchar *const scopes[] = {
  "onvif://www.onvif.org/Profile/Streaming",
  "onvif://www.onvif.org/name/rtsp-blur-A", NULL
};
/* *INDENT-ON* */

static const RbOnvifDevice device = {
  .network = "A",
  .uuid = "0b5a4f1e-1111-5222-8333-444455556666",
  .hostname = "rtsp-blur-A",
  .firmware = "0.1.0",
  .device_url = "http://10.0.0.1:8080/onvif/device_service",
  .media_url = "http://10.0.0.1:8080/onvif/media_service",
  .rtsp_base = "rtsp://10.0.0.1:8554",
  .http_base = "http://10.0.0.1:8080",
  .scopes = scopes,
  .cameras = cameras,
  .n_cameras = 2,
  .live_bitrate_kbps = 2000,
  .key_interval_s = 2,
  .now_us = NOW_US,
};

/* Answers a request of @action in @ns with @inner; returns the answer
 * parsed, its HTTP status in *@status. */
static xmlDocPtr
ask (const gchar * ns, const gchar * action, const gchar * inner,
    guint * status)
{
  g_autofree gchar *created = iso (NOW_S, 0);
  g_autofree gchar *text = libonvif_request (ns, action, inner, "vms", "pw",
      created);
  g_autoptr (RbOnvifRequest) r = rb_onvif_request_parse (text, strlen (text),
      NULL);
  g_autoptr (GBytes) answer = NULL;
  xmlDocPtr doc;
  gsize len;
  const gchar *data;

  fail_unless (r != NULL);
  answer = rb_onvif_answer (&device, r, status);
  data = g_bytes_get_data (answer, &len);
  doc = xmlReadMemory (data, len, "answer.xml", NULL, XML_PARSE_NONET);
  fail_unless (doc != NULL, "%.*s", (int) len, data);
  return doc;
}

/* The string value of @xpath in @doc (prefixes s, tds, trt, tt, ter). */
static gchar *
xp (xmlDocPtr doc, const gchar * xpath)
{
  xmlXPathContextPtr ctx = xmlXPathNewContext (doc);
  xmlXPathObjectPtr o;
  xmlChar *v;
  gchar *s;

  xmlXPathRegisterNs (ctx, BAD_CAST "s",
      BAD_CAST "http://www.w3.org/2003/05/soap-envelope");
  xmlXPathRegisterNs (ctx, BAD_CAST "tds", BAD_CAST RB_ONVIF_NS_DEVICE);
  xmlXPathRegisterNs (ctx, BAD_CAST "trt", BAD_CAST RB_ONVIF_NS_MEDIA);
  xmlXPathRegisterNs (ctx, BAD_CAST "tt",
      BAD_CAST "http://www.onvif.org/ver10/schema");
  o = xmlXPathEvalExpression (BAD_CAST xpath, ctx);
  fail_unless (o != NULL, "%s", xpath);
  v = xmlXPathCastToString (o);
  s = g_strdup ((const gchar *) v);
  xmlFree (v);
  xmlXPathFreeObject (o);
  xmlXPathFreeContext (ctx);
  return s;
}

#define assert_xp(doc, xpath, expected) G_STMT_START { \
  g_autofree gchar *_v = xp (doc, xpath); \
  fail_unless_equals_string (_v, expected); \
} G_STMT_END

GST_START_TEST (test_device_answers)
{
  guint status;
  xmlDocPtr d;

  d = ask (RB_ONVIF_NS_DEVICE, "GetSystemDateAndTime", NULL, &status);
  assert_equals_int (status, 200);
  assert_xp (d, "//tds:SystemDateAndTime/tt:UTCDateTime/tt:Date/tt:Year",
      "2026");
  assert_xp (d, "//tds:SystemDateAndTime/tt:UTCDateTime/tt:Time/tt:Hour",
      "12");
  assert_xp (d, "//tds:SystemDateAndTime/tt:TimeZone/tt:TZ", "GMT0");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_DEVICE, "GetDeviceInformation", NULL, &status);
  assert_equals_int (status, 200);
  assert_xp (d, "//tds:GetDeviceInformationResponse/tds:SerialNumber",
      device.uuid);
  assert_xp (d, "//tds:GetDeviceInformationResponse/tds:HardwareId",
      device.uuid);
  assert_xp (d, "//tds:GetDeviceInformationResponse/tds:Manufacturer",
      "rtsp-blur");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_DEVICE, "GetCapabilities",
      "<x:Category>All</x:Category>", &status);
  assert_equals_int (status, 200);
  assert_xp (d, "//tds:Capabilities/tt:Media/tt:XAddr", device.media_url);
  assert_xp (d, "//tds:Capabilities/tt:Device/tt:XAddr", device.device_url);
  assert_xp (d, "count(//tds:Capabilities/tt:PTZ)", "0");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_DEVICE, "GetCapabilities",
      "<x:Category>PTZ</x:Category>", &status);
  assert_equals_int (status, 500);
  assert_xp (d, "//s:Fault/s:Code/s:Subcode/s:Subcode/s:Value",
      "ter:NoSuchService");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_DEVICE, "GetServices", NULL, &status);
  assert_xp (d, "//tds:Service[tds:Namespace='" RB_ONVIF_NS_MEDIA
      "']/tds:XAddr", device.media_url);
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_DEVICE, "GetScopes", NULL, &status);
  assert_xp (d, "count(//tds:Scopes[tt:ScopeDef='Fixed'])", "2");
  assert_xp (d, "//tds:Scopes[2]/tt:ScopeItem",
      "onvif://www.onvif.org/name/rtsp-blur-A");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_DEVICE, "GetHostname", NULL, &status);
  assert_xp (d, "//tds:HostnameInformation/tt:Name", "rtsp-blur-A");
  xmlFreeDoc (d);

  /* PTZ, imaging, setters: not supported */
  d = ask (RB_ONVIF_NS_DEVICE, "SystemReboot", NULL, &status);
  assert_equals_int (status, 500);
  assert_xp (d, "//s:Fault/s:Code/s:Value", "s:Receiver");
  assert_xp (d, "//s:Fault/s:Code/s:Subcode/s:Value",
      "ter:ActionNotSupported");
  xmlFreeDoc (d);
  d = ask ("http://www.onvif.org/ver20/ptz/wsdl", "ContinuousMove", NULL,
      &status);
  assert_equals_int (status, 500);
  xmlFreeDoc (d);
}

GST_END_TEST;

GST_START_TEST (test_media_answers)
{
  guint status;
  xmlDocPtr d;

  /* lobby (and its sub-stream) and yard: nothing else */
  d = ask (RB_ONVIF_NS_MEDIA, "GetProfiles", NULL, &status);
  assert_equals_int (status, 200);
  assert_xp (d, "count(//trt:Profiles)", "3");
  assert_xp (d, "//trt:Profiles[1]/@token", "lobby");
  assert_xp (d, "//trt:Profiles[2]/@token", "lobby_sub");
  assert_xp (d, "//trt:Profiles[3]/@token", "yard");
  assert_xp (d, "//trt:Profiles[2]/tt:VideoEncoderConfiguration/"
      "tt:Resolution/tt:Width", "640");
  assert_xp (d, "//trt:Profiles[1]/tt:VideoEncoderConfiguration/"
      "tt:Encoding", "H264");
  assert_xp (d, "//trt:Profiles[2]/tt:VideoSourceConfiguration/"
      "tt:SourceToken", "lobby");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_MEDIA, "GetStreamUri",
      "<x:ProfileToken>lobby</x:ProfileToken>", &status);
  assert_equals_int (status, 200);
  assert_xp (d, "//trt:GetStreamUriResponse/trt:MediaUri/tt:Uri",
      "rtsp://10.0.0.1:8554/lobby");
  xmlFreeDoc (d);
  d = ask (RB_ONVIF_NS_MEDIA, "GetStreamUri",
      "<x:ProfileToken>lobby_sub</x:ProfileToken>", &status);
  assert_xp (d, "//trt:MediaUri/tt:Uri", "rtsp://10.0.0.1:8554/lobby/sub");
  xmlFreeDoc (d);
  /* yard has no sub-stream; a camera of another network is unknown */
  d = ask (RB_ONVIF_NS_MEDIA, "GetStreamUri",
      "<x:ProfileToken>yard_sub</x:ProfileToken>", &status);
  assert_equals_int (status, 400);
  assert_xp (d, "//s:Fault/s:Code/s:Subcode/s:Subcode/s:Value",
      "ter:NoProfile");
  xmlFreeDoc (d);
  d = ask (RB_ONVIF_NS_MEDIA, "GetProfile",
      "<x:ProfileToken>gate</x:ProfileToken>", &status);
  assert_equals_int (status, 400);
  assert_xp (d, "count(//trt:Profile)", "0");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_MEDIA, "GetProfile",
      "<x:ProfileToken>yard</x:ProfileToken>", &status);
  assert_equals_int (status, 200);
  assert_xp (d, "//trt:GetProfileResponse/trt:Profile/@token", "yard");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_MEDIA, "GetSnapshotUri",
      "<x:ProfileToken>lobby_sub</x:ProfileToken>", &status);
  assert_xp (d, "//trt:GetSnapshotUriResponse/trt:MediaUri/tt:Uri",
      "http://10.0.0.1:8080/snapshot/lobby.jpg");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_MEDIA, "GetVideoSources", NULL, &status);
  assert_xp (d, "count(//trt:VideoSources)", "2");
  assert_xp (d, "//trt:VideoSources[1]/tt:Resolution/tt:Height", "1080");
  xmlFreeDoc (d);

  d = ask (RB_ONVIF_NS_MEDIA, "GetVideoSourceConfigurations", NULL, &status);
  assert_xp (d, "count(//trt:Configurations)", "2");
  assert_xp (d, "//trt:Configurations[2]/tt:SourceToken", "yard");
  xmlFreeDoc (d);
}

GST_END_TEST;

GST_START_TEST (test_fault_and_pre_auth)
{
  guint status;
  g_autoptr (GBytes) b = rb_onvif_fault (TRUE, "ter:NotAuthorized", NULL,
      "wrong <password> & user", &status);
  gsize len;
  const gchar *data = g_bytes_get_data (b, &len);
  xmlDocPtr d = xmlReadMemory (data, len, "f.xml", NULL, XML_PARSE_NONET);
  const gchar *pre =
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
      "<s:Body><d:GetSystemDateAndTime xmlns:d=\"" RB_ONVIF_NS_DEVICE "\"/>"
      "</s:Body></s:Envelope>";
  g_autoptr (RbOnvifRequest) r = rb_onvif_request_parse (pre, strlen (pre),
      NULL);
  const gchar *u, *p, *t, *n, *c;

  assert_equals_int (status, 400);
  fail_unless (d != NULL);
  /* the reason is text (escaped), not markup */
  assert_xp (d, "//s:Fault/s:Reason/s:Text", "wrong <password> & user");
  assert_xp (d, "//s:Fault/s:Code/s:Value", "s:Sender");
  assert_xp (d, "//s:Fault/s:Code/s:Subcode/s:Value", "ter:NotAuthorized");
  xmlFreeDoc (d);

  fail_unless (r != NULL);
  fail_unless (rb_onvif_request_is_pre_auth (r));
  fail_if (rb_onvif_request_get_token (r, &u, &p, &t, &n, &c));
}

GST_END_TEST;

static Suite *
onvif_suite (void)
{
  Suite *s = suite_create ("daemon-onvif");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, tempdir_setup, tempdir_cleanup);
  tcase_add_test (tc, test_token);
  tcase_add_test (tc, test_token_table);
  tcase_add_test (tc, test_users_file);
  tcase_add_test (tc, test_ha1);
  tcase_add_test (tc, test_parse);
  tcase_add_test (tc, test_parse_refused);
  tcase_add_test (tc, test_device_answers);
  tcase_add_test (tc, test_media_answers);
  tcase_add_test (tc, test_fault_and_pre_auth);
  return s;
}

GST_CHECK_MAIN (onvif);
