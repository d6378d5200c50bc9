/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WS_DISCOVERY_H__
#define __RB_WS_DISCOVERY_H__

#include <glib.h>
#include "rb-config.h"
#include "rb-ws-discovery-xml.h"

G_BEGIN_DECLS

/* RbWsDiscovery: the WS-Discovery responder of one network's ONVIF device
 * (GIO sockets on the default main context; GLib only).
 *
 * It joins 239.255.255.250 (ff02::c for an IPv6 address) port 3702 on the
 * interface that carries the network's address, and only there: the
 * receiving socket is bound to the group (not to 0.0.0.0), receives only
 * the groups it joined on that interface (IP_MULTICAST_ALL off) and checks
 * each datagram's arrival interface (IP_PKTINFO), so that several networks
 * of one machine, each with its own socket on the shared port (SO_REUSEADDR,
 * SO_REUSEPORT), each answer the Probes of their own link only. Two
 * networks whose addresses are on one interface both answer there: a
 * client on that link then sees two devices. A second socket, bound to the
 * network's address and port 3702, sends: Hello and Bye to the group out
 * of that interface (IP_MULTICAST_IF, TTL 1) and ProbeMatches by unicast to
 * the prober's address and port; it also answers Probes sent to the
 * address directly.
 *
 * A Probe is answered when its Types are empty or are ONVIF's
 * (dn:NetworkVideoTransmitter, tds:Device) and its Scopes, if any, all
 * match the device's (rb_wsd_probe_matches()). Answers are rate limited
 * (RbWsdLimiter: per source address, and in all); datagrams over
 * RB_WSD_MAX_MESSAGE bytes are dropped unread.
 *
 * rb_ws_discovery_start() sends Hello (when no interface has the address
 * yet it warns once). Every 10 s, and at rb_ws_discovery_refresh()
 * (SIGHUP), it looks for the address's interface again: when the address
 * appeared or moved to another interface, the responder joins there and
 * sends Hello; when it went away, it warns once and stops answering.
 * rb_ws_discovery_stop() sends Bye and closes the sockets. */
typedef struct _RbWsDiscovery RbWsDiscovery;

/* The responder of @network's device (rb-onvif-ids.h: its address,
 * scopes and XAddrs), or NULL when the network has no ONVIF
 * (rb_onvif_network_enabled()). */
RbWsDiscovery *rb_ws_discovery_new (const RbConfig * config,
                                    const RbNetworkConfig * network);
/* Another UDP port than 3702 (tests). */
void rb_ws_discovery_set_port (RbWsDiscovery * wsd, guint16 port);
/* Starts; FALSE with @error when the sockets cannot be made (tried again
 * every 10 s); an address not on this machine yet is not a failure. */
gboolean rb_ws_discovery_start (RbWsDiscovery * wsd, GError ** error);
void rb_ws_discovery_refresh (RbWsDiscovery * wsd);
void rb_ws_discovery_stop (RbWsDiscovery * wsd);
void rb_ws_discovery_free (RbWsDiscovery * wsd);

/* The network's name. */
const gchar *rb_ws_discovery_get_network (RbWsDiscovery * wsd);

/* What it did, for the metrics. */
typedef struct {
  guint64 probes;               /* Probes read on its interface */
  guint64 answered;             /* ProbeMatches sent */
  guint64 limited;              /* Probes not answered: rate limit */
  guint64 foreign;              /* datagrams from another interface */
} RbWsDiscoveryStats;

void rb_ws_discovery_get_stats (RbWsDiscovery * wsd,
                                RbWsDiscoveryStats * stats);

/* RbWsdLimiter: token buckets, one per source address (at most
 * @max_sources remembered) and one for all, so that a flood of Probes, from
 * one address or from spoofed ones, is not a flood of answers. */
typedef struct _RbWsdLimiter RbWsdLimiter;

RbWsdLimiter *rb_wsd_limiter_new (guint per_source_burst,
                                  guint per_source_per_s, guint total_burst,
                                  guint total_per_s, guint max_sources);
/* Whether @source may get an answer at @now_us (monotonic
 * microseconds); takes a token when so. */
gboolean rb_wsd_limiter_allow (RbWsdLimiter * limiter, const gchar * source,
                               gint64 now_us);
void rb_wsd_limiter_free (RbWsdLimiter * limiter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbWsDiscovery, rb_ws_discovery_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbWsdLimiter, rb_wsd_limiter_free)

G_END_DECLS

#endif /* __RB_WS_DISCOVERY_H__ */
