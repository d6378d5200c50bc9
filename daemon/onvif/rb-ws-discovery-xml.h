/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WS_DISCOVERY_XML_H__
#define __RB_WS_DISCOVERY_XML_H__

#include <glib.h>

G_BEGIN_DECLS

/* The messages of WS-Discovery (2005/04, as ONVIF uses it) that a device
 * sends and the one it reads, with libxml2: Probe in, Hello, Bye and
 * ProbeMatches out. GLib and libxml2 only, so that the parser is fuzzed
 * alone (tests/fuzz/fuzz-ws-discovery.c). The socket side is
 * rb-ws-discovery.c. */

/* A Probe is at most this long (a real one is under 1 KiB); longer
 * datagrams are dropped unparsed. */
#define RB_WSD_MAX_MESSAGE 8192

#define RB_WSD_ERROR (rb_wsd_error_quark ())
GQuark rb_wsd_error_quark (void);

typedef enum {
  RB_WSD_ERROR_TOO_LONG,        /* over RB_WSD_MAX_MESSAGE */
  RB_WSD_ERROR_XML,             /* not well-formed, or has a DTD */
  RB_WSD_ERROR_NOT_PROBE,       /* a SOAP envelope, but no Probe */
  RB_WSD_ERROR_INVALID,         /* a Probe without MessageID, bad QName */
} RbWsdError;

/* How a Probe's Scopes are compared with ours (its MatchBy). */
typedef enum {
  RB_WSD_MATCH_RFC3986,         /* the default: prefix by path segment */
  RB_WSD_MATCH_STRCMP0,         /* exact */
  RB_WSD_MATCH_UNSUPPORTED,     /* uuid, ldap, anything else: no match */
} RbWsdMatchBy;

typedef struct {
  gchar *message_id;            /* wsa:MessageID: the answer's RelatesTo */
  gchar **types;                /* "{NAMESPACE}LOCAL" each; "{}LOCAL" when
                                 * the prefix is not declared */
  gchar **scopes;
  RbWsdMatchBy match_by;
} RbWsdProbe;

/* Parses a datagram: a SOAP 1.2 (or 1.1) envelope whose wsa:Action is
 * WS-Discovery's Probe. Any other message (a Hello, a ProbeMatch, a
 * Resolve) is RB_WSD_ERROR_NOT_PROBE. A document with a DTD is refused
 * (SOAP forbids them), no entity is expanded, nothing is loaded. */
RbWsdProbe *rb_wsd_probe_parse (const gchar * data, gsize length,
                                GError ** error);
void rb_wsd_probe_free (RbWsdProbe * probe);

/* Whether a device with @types ("{NAMESPACE}LOCAL") and @scopes answers
 * @probe: every type the Probe names is one of @types (a type whose prefix
 * was not declared matches by its local name), and every scope it names
 * matches one of @scopes under its MatchBy. No types and no scopes: every
 * device answers. */
gboolean rb_wsd_probe_matches (const RbWsdProbe * probe,
                               const gchar * const *types,
                               const gchar * const *scopes);

/* Whether @scope (from a Probe) matches @ours under RFC 3986 rules as
 * WS-Discovery defines them: the same scheme and authority (case
 * insensitive) and @scope's path segments a prefix of @ours'. */
gboolean rb_wsd_scope_matches_rfc3986 (const gchar * scope,
                                       const gchar * ours);

/* What a device says of itself. */
typedef struct {
  const gchar *address;         /* endpoint reference: urn:uuid:... */
  const gchar *const *scopes;
  const gchar *xaddrs;          /* the device service URL */
  guint metadata_version;
  guint64 instance_id;          /* AppSequence: grows at each start */
} RbWsdDevice;

/* The types an ONVIF device announces (dn:NetworkVideoTransmitter
 * tds:Device), as "{NAMESPACE}LOCAL", for rb_wsd_probe_matches(). */
const gchar *const *rb_wsd_onvif_types (void);

/* The messages, each a UTF-8 SOAP 1.2 document of *@length bytes;
 * @message_number is AppSequence's. */
gchar *rb_wsd_build_hello (const RbWsdDevice * device, guint message_number,
                           gsize * length);
gchar *rb_wsd_build_bye (const RbWsdDevice * device, guint message_number,
                         gsize * length);
gchar *rb_wsd_build_probe_matches (const RbWsdDevice * device,
                                   guint message_number,
                                   const gchar * relates_to, gsize * length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbWsdProbe, rb_wsd_probe_free)

G_END_DECLS

#endif /* __RB_WS_DISCOVERY_XML_H__ */
