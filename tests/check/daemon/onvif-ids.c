/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The identity of a network's ONVIF device (daemon/onvif/rb-onvif-ids.c),
 * which WS-Discovery and the SOAP services share. */

#include <gst/check/gstcheck.h>

#include "rb-onvif-ids.h"

/* Python's uuid.uuid5 (UUID('ee491ecc-58f6-49d5-a66e-49fb383e94cf'),
 * 'node1\x00lan') gives the same: an RFC 4122 name-based UUID. */
GST_START_TEST (test_uuid)
{
  g_autofree gchar *lan = rb_onvif_device_uuid ("node1", "lan");
  g_autofree gchar *cams = rb_onvif_device_uuid ("node1", "cams");
  g_autofree gchar *other = rb_onvif_device_uuid ("node2", "lan");
  g_autofree gchar *again = rb_onvif_device_uuid ("node1", "lan");
  g_autofree gchar *urn = rb_onvif_device_urn ("node1", "lan");

  assert_equals_string (lan, "3fbf4f98-31cd-5aba-a141-8e2d8690f00c");
  assert_equals_string (cams, "7f06d233-792a-5a22-afd1-d4f7cdf239a6");
  assert_equals_string (again, lan);
  fail_if (g_str_equal (other, lan));
  assert_equals_string (urn, "urn:uuid:3fbf4f98-31cd-5aba-a141-8e2d8690f00c");
  /* the separator is part of the name: node "a" network "bc" is not node
   * "ab" network "c" */
  {
    g_autofree gchar *a = rb_onvif_device_uuid ("a", "bc");
    g_autofree gchar *b = rb_onvif_device_uuid ("ab", "c");

    fail_if (g_str_equal (a, b));
  }
}

GST_END_TEST;

GST_START_TEST (test_urls)
{
  RbNetworkConfig net = {.name = (gchar *) "lan",
    .address = (gchar *) "192.0.2.10", .http_port = 8080, .onvif = TRUE
  };
  g_autofree gchar *device = rb_onvif_device_url (&net);
  g_autofree gchar *media = rb_onvif_service_url (&net, "media_service");

  assert_equals_string (device, "http://192.0.2.10:8080/onvif/device_service");
  assert_equals_string (media, "http://192.0.2.10:8080/onvif/media_service");
  fail_unless (rb_onvif_network_enabled (&net));

  net.address = (gchar *) "2001:db8::1";
  net.tls_certificate = (gchar *) "/etc/rtsp-blur/cert.pem";
  {
    g_autofree gchar *v6 = rb_onvif_device_url (&net);

    assert_equals_string (v6, "https://[2001:db8::1]:8080/onvif/"
        "device_service");
  }

  /* with auth, onvif-users is needed */
  net.auth = RB_NETWORK_AUTH_DIGEST;
  fail_if (rb_onvif_network_enabled (&net));
  net.onvif_users_file = (gchar *) "/etc/rtsp-blur/onvif-users";
  fail_unless (rb_onvif_network_enabled (&net));

  net.onvif = FALSE;
  fail_if (rb_onvif_network_enabled (&net));
  net.onvif = TRUE;
  net.http_port = 0;
  fail_if (rb_onvif_network_enabled (&net));
  fail_unless (rb_onvif_device_url (&net) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_scopes)
{
  g_auto (GStrv) scopes = rb_onvif_device_scopes ("node 1", "lan");

  assert_equals_int (g_strv_length (scopes), 5);
  assert_equals_string (scopes[0], "onvif://www.onvif.org/type/video_encoder");
  assert_equals_string (scopes[1], "onvif://www.onvif.org/Profile/Streaming");
  assert_equals_string (scopes[2], "onvif://www.onvif.org/name/rtsp-blur-lan");
  assert_equals_string (scopes[3], "onvif://www.onvif.org/hardware/rtsp-blur");
  assert_equals_string (scopes[4], "onvif://www.onvif.org/location/node%201");
}

GST_END_TEST;

GST_START_TEST (test_node_name)
{
  RbConfig config = { 0 };
  g_autofree gchar *host = NULL;
  g_autofree gchar *node = NULL;

  host = rb_onvif_node_name (&config);
  fail_if (host[0] == '\0');
  fail_if (strchr (host, '.') != NULL);
  fail_unless (g_str_has_prefix (g_get_host_name (), host));
  config.cluster_node = (gchar *) "cam-node-2";
  node = rb_onvif_node_name (&config);
  assert_equals_string (node, "cam-node-2");
}

GST_END_TEST;

static Suite *
onvif_ids_suite (void)
{
  Suite *s = suite_create ("onvif-ids");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_uuid);
  tcase_add_test (tc, test_urls);
  tcase_add_test (tc, test_scopes);
  tcase_add_test (tc, test_node_name);
  return s;
}

GST_CHECK_MAIN (onvif_ids);
