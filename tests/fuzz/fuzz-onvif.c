/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target onvif: the body of an ONVIF request (a SOAP 1.2 envelope
 * from the network, POST /onvif/...), parsed by daemon/onvif/rb-onvif-soap.c
 * (libxml2) and its WS-Security UsernameToken checked by
 * rb-onvif-users.c, then answered.
 *
 * Input: the body. The clock is fixed at 2026-12-05T12:00:00Z and the user
 * "vms" has the password "pw", so that the seed corpus' tokens (made for
 * that time and password) get past the digest to the table of used
 * tokens. Checks: the answer is well-formed XML with status 200, 400 or
 * 500; a token is accepted again only from its client within
 * RB_ONVIF_REUSE_S, never from another; a token that is not PasswordDigest is never accepted; an
 * unknown user never is. */

#include "rb-fuzz.h"
#include "rb-onvif-soap.h"
#include "rb-onvif-users.h"

#include <libxml/parser.h>
#include <string.h>

#define NOW_US (G_GINT64_CONSTANT (1796472000) * G_USEC_PER_SEC)

/* *INDENT-OFF* */
static const RbOnvifCamera cameras[] = {
  {"lobby", 1920, 1080, 640, 360},
  {"yard", 0, 0, 0, 0},
};
static const gchar *const scopes[] = {
  "onvif://www.onvif.org/Profile/Streaming", NULL
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

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  xmlInitParser ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (RbOnvifRequest) req = NULL;
  g_autoptr (RbOnvifUsers) users =
      rb_onvif_users_load_from_data ("vms:pw\n", -1, "u", NULL);
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GError) err = NULL;
  const gchar *user, *password, *type, *nonce, *created;
  guint status;
  gsize len;
  const gchar *text;
  xmlDocPtr doc;

  req = rb_onvif_request_parse ((const gchar *) data, size, &err);
  if (req == NULL) {
    rb_fuzz_assert (err != NULL, "an error with no request");
    rb_fuzz_assert_printable (err->message);
    return 0;
  }
  rb_fuzz_assert (rb_onvif_request_get_action (req) != NULL, "action");
  rb_fuzz_assert (g_utf8_validate (rb_onvif_request_get_namespace (req), -1,
          NULL), "namespace");

  if (rb_onvif_request_get_token (req, &user, &password, &type, &nonce,
          &created)) {
    RbOnvifAuthResult r = rb_onvif_users_check_token (users, "10.0.0.2", user,
        type, password, nonce, created, NOW_US);

    if (r == RB_ONVIF_AUTH_OK) {
      rb_fuzz_assert (g_strcmp0 (user, "vms") == 0, "an unknown user");
      rb_fuzz_assert (type != NULL && g_str_has_suffix (type,
              "#PasswordDigest"), "not a PasswordDigest");
      /* from another client at once, or from its own later: a replay
       * (the token's Created is still in the window then) */
      rb_fuzz_assert (rb_onvif_users_check_token (users, "10.0.0.3", user,
              type, password, nonce, created, NOW_US) ==
          RB_ONVIF_AUTH_REPLAYED, "a token accepted from another client");
      rb_fuzz_assert (rb_onvif_users_check_token (users, "10.0.0.2", user,
              type, password, nonce, created, NOW_US +
              (RB_ONVIF_REUSE_S + 1) * G_USEC_PER_SEC) !=
          RB_ONVIF_AUTH_OK, "a token accepted twice");
    }
  }
  rb_onvif_request_get_param (req, "ProfileToken");

  answer = rb_onvif_answer (&device, req, &status);
  rb_fuzz_assert (status == 200 || status == 400 || status == 500, "status");
  text = g_bytes_get_data (answer, &len);
  doc = xmlReadMemory (text, len, "answer.xml", NULL, XML_PARSE_NONET |
      XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  rb_fuzz_assert (doc != NULL, "the answer is not well-formed");
  xmlFreeDoc (doc);
  return 0;
}
