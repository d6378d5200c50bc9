/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_ONVIF_H__
#define __RB_ONVIF_H__

#include <libsoup/soup.h>
#include "rb-config.h"
#include "rb-users.h"

G_BEGIN_DECLS

/* RbOnvif: the ONVIF device and media services of one network, on its HTTP
 * listener (rb-web.c routes POST /onvif/device_service and
 * /onvif/media_service here: RB_WEB_ROUTE_ONVIF). The SOAP is
 * rb-onvif-soap.c, the users rb-onvif-users.c, the device's identity
 * rb-onvif-ids.c (shared with WS-Discovery).
 *
 * Who may ask (after the network's allow list, which the listener applies
 * first):
 *   - with onvif-users: a WS-Security UsernameToken (PasswordDigest) of an
 *     ONVIF user, or HTTP Digest (rb-digest.c: replay-safe) with an ONVIF
 *     user's name and password in the network's realm; GetSystemDateAndTime
 *     and GetHostname need neither. A request without credentials is
 *     answered 401 with a Digest challenge and a ter:NotAuthorized fault;
 *     a refused UsernameToken 400 with a ter:NotAuthorized fault (SOAP 1.2:
 *     env:Sender); refusals are counted and logged at most once a minute
 *     per network (the user name and reason, never the password);
 *   - auth=none without onvif-users: anyone, as for RTSP;
 *   - auth=digest or basic without onvif-users: ONVIF is off on that
 *     network (one log line at start), /onvif/ answers 404.
 *
 * A request body must come with a Content-Length of at most
 * RB_ONVIF_MAX_REQUEST (64 KiB): the listener answers 413 otherwise,
 * before reading it. */
typedef struct _RbOnvif RbOnvif;

/* The service of @network, or NULL without error when it does not serve
 * ONVIF (rb_onvif_network_enabled(), logged once with @log when onvif=true
 * and an http-port but no onvif-users). @realm: the realm of the
 * network's users (NULL with auth=none). Fails when onvif-users cannot be
 * loaded (the message names the config file, [network:NAME] and the
 * key). */
RbOnvif *rb_onvif_new (const RbConfig * config,
                       const RbNetworkConfig * network, const gchar * realm,
                       gboolean log, GError ** error);
void rb_onvif_free (RbOnvif * onvif);

/* The size of @camera's main stream now, FALSE when not known (no frame
 * yet): the answers then leave its Resolution out. */
typedef gboolean (*RbOnvifSizeFunc) (const gchar * camera, guint * width,
                                     guint * height, gpointer data);
void rb_onvif_set_size_func (RbOnvif * onvif, RbOnvifSizeFunc func,
                             gpointer data);

/* Answers @msg (any method: 405 for all but POST). */
void rb_onvif_handle (RbOnvif * onvif, SoupServerMessage * msg);

/* The users of @network for RTSP and HTTP Digest: its users file, plus
 * the ONVIF users (their HA1 in the file's realm) when the network serves
 * ONVIF, so that a VMS uses one credential for ONVIF, RTSP and snapshots.
 * NULL without error when the network has no users file. A user both in
 * the users file and in onvif-users is an error. */
RbUsers *rb_onvif_load_network_users (const RbNetworkConfig * network,
                                      GError ** error);

/* ONVIF requests answered, and those refused for their credentials
 * (rb-web.c makes them rtsp_blur_onvif_requests_total and
 * rtsp_blur_onvif_refused_total). */
void rb_onvif_get_counts (RbOnvif * onvif, guint64 * requests,
                          guint64 * refused);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbOnvif, rb_onvif_free)

G_END_DECLS

#endif /* __RB_ONVIF_H__ */
