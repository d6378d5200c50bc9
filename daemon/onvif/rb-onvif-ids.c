/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The identity of a network's ONVIF device (see rb-onvif-ids.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-onvif-ids.h"

#include <string.h>

/* The namespace of rtsp-blur's name-based device UUIDs (a random UUID,
 * fixed forever: changing it changes every device's identity). */
static const guint8 rb_onvif_namespace[16] = {
  0xee, 0x49, 0x1e, 0xcc, 0x58, 0xf6, 0x49, 0xd5,
  0xa6, 0x6e, 0x49, 0xfb, 0x38, 0x3e, 0x94, 0xcf
};

#define SCOPE_PREFIX "onvif://www.onvif.org/"

gboolean
rb_onvif_network_enabled (const RbNetworkConfig * network)
{
  /* with auth, the SOAP services need onvif-users (rb-onvif.h): without
   * it there is no device to discover either */
  return network->onvif && network->http_port != 0
      && (network->auth == RB_NETWORK_AUTH_NONE
      || network->onvif_users_file != NULL);
}

gchar *
rb_onvif_node_name (const RbConfig * config)
{
  const gchar *host;
  const gchar *dot;

  if (config->cluster_node != NULL)
    return g_strdup (config->cluster_node);
  host = g_get_host_name ();
  dot = strchr (host, '.');
  return g_strndup (host, dot ? (gsize) (dot - host) : strlen (host));
}

/**
 * rb_onvif_device_uuid:
 * @node: the node's name (rb_onvif_node_name())
 * @network: the network's name
 *
 * Returns: (transfer full): the UUID (version 5: SHA-1 of the namespace,
 * @node, a NUL byte and @network) of the network's ONVIF device, in lower
 * case without "urn:uuid:".
 */
gchar *
rb_onvif_device_uuid (const gchar * node, const gchar * network)
{
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize len = sizeof (digest);

  g_checksum_update (sha1, rb_onvif_namespace, sizeof (rb_onvif_namespace));
  g_checksum_update (sha1, (const guchar *) node, strlen (node));
  g_checksum_update (sha1, (const guchar *) "", 1);
  g_checksum_update (sha1, (const guchar *) network, strlen (network));
  g_checksum_get_digest (sha1, digest, &len);
  digest[6] = (digest[6] & 0x0f) | 0x50;        /* version 5 */
  digest[8] = (digest[8] & 0x3f) | 0x80;        /* variant RFC 4122 */
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
      "%02x%02x%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3],
      digest[4], digest[5], digest[6], digest[7], digest[8], digest[9],
      digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
}

gchar *
rb_onvif_device_urn (const gchar * node, const gchar * network)
{
  g_autofree gchar *uuid = rb_onvif_device_uuid (node, network);

  return g_strconcat ("urn:uuid:", uuid, NULL);
}

gchar *
rb_onvif_service_url (const RbNetworkConfig * network, const gchar * service)
{
  gboolean v6 = strchr (network->address, ':') != NULL;

  if (network->http_port == 0)
    return NULL;
  return g_strdup_printf ("%s://%s%s%s:%u/onvif/%s",
      network->tls_certificate != NULL ? "https" : "http", v6 ? "[" : "",
      network->address, v6 ? "]" : "", network->http_port, service);
}

gchar *
rb_onvif_device_url (const RbNetworkConfig * network)
{
  return rb_onvif_service_url (network, "device_service");
}

gchar **
rb_onvif_device_scopes (const gchar * node, const gchar * network)
{
  g_autofree gchar *net = g_uri_escape_string (network, NULL, FALSE);
  g_autofree gchar *where = g_uri_escape_string (node, NULL, FALSE);
  gchar **scopes = g_new0 (gchar *, 6);

  scopes[0] = g_strdup (SCOPE_PREFIX "type/video_encoder");
  scopes[1] = g_strdup (SCOPE_PREFIX "Profile/Streaming");
  scopes[2] = g_strconcat (SCOPE_PREFIX "name/rtsp-blur-", net, NULL);
  scopes[3] = g_strdup (SCOPE_PREFIX "hardware/rtsp-blur");
  scopes[4] = g_strconcat (SCOPE_PREFIX "location/", where, NULL);
  return scopes;
}
