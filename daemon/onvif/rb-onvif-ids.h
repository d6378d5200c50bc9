/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_ONVIF_IDS_H__
#define __RB_ONVIF_IDS_H__

#include <glib.h>
#include "rb-config.h"

G_BEGIN_DECLS

/* What names the ONVIF device of a network, shared by WS-Discovery
 * (rb-ws-discovery.c: Hello, Bye, ProbeMatch) and the SOAP services
 * (GetDeviceInformation, GetScopes, GetCapabilities, GetServices), so that
 * a VMS sees one device with one identity. GLib only.
 *
 * Each network with onvif=true and an http-port is one device (an NVR of
 * the cameras that network serves), identified by a name-based UUID
 * (version 5, SHA-1, RFC 4122) of the node name and the network name: it
 * stays the same across restarts and reinstalls, and differs between the
 * networks of a node and between the nodes of a cluster. */

/* Whether @network answers ONVIF and WS-Discovery: onvif=true, an
 * http-port, and onvif-users unless auth=none (rb-onvif.h). */
gboolean rb_onvif_network_enabled (const RbNetworkConfig * network);

/* The node's name in the device's identity: [cluster] node, else the host
 * name up to its first dot. */
gchar *rb_onvif_node_name (const RbConfig * config);

/* The device's UUID, "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx" (lower case),
 * from @node and @network (names). Its serial number and hardware id. */
gchar *rb_onvif_device_uuid (const gchar * node, const gchar * network);

/* "urn:uuid:" + rb_onvif_device_uuid(): the device's WS-Addressing
 * endpoint reference address (WS-Discovery). */
gchar *rb_onvif_device_urn (const gchar * node, const gchar * network);

/* The URL of @service ("device_service", "media_service") of @network:
 * "http://ADDRESS:HTTP-PORT/onvif/SERVICE" (https with the network's TLS
 * certificate, an IPv6 address in brackets). NULL when the network has no
 * http-port. */
gchar *rb_onvif_service_url (const RbNetworkConfig * network,
                             const gchar * service);

/* rb_onvif_service_url (@network, "device_service"): the XAddrs of the
 * device in WS-Discovery. */
gchar *rb_onvif_device_url (const RbNetworkConfig * network);

/* The device's ONVIF scopes (NULL-terminated), the same in discovery and in
 * GetScopes, all fixed ("Fixed" in GetScopes):
 *   onvif://www.onvif.org/type/video_encoder
 *   onvif://www.onvif.org/Profile/Streaming       (Profile S)
 *   onvif://www.onvif.org/name/rtsp-blur-NETWORK
 *   onvif://www.onvif.org/hardware/rtsp-blur
 *   onvif://www.onvif.org/location/NODE
 * NETWORK and NODE are percent-encoded as a URI path segment. */
gchar **rb_onvif_device_scopes (const gchar * node, const gchar * network);

G_END_DECLS

#endif /* __RB_ONVIF_IDS_H__ */
