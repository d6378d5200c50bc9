/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* WS-Discovery of a network's ONVIF device: the Probe parser and matcher
 * and the messages we send (daemon/onvif/rb-ws-discovery-xml.c), read
 * back with libxml2, and the answers' rate limit
 * (daemon/onvif/rb-ws-discovery.c). The sockets are tested end to end
 * (tests/e2e/ws-discovery.py). */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <netinet/in.h>

#include "rb-onvif-ids.h"
#include "rb-ws-discovery.h"
#include "rb-ws-discovery-xml.h"

#define NS_DEVICE "http://www.onvif.org/ver10/device/wsdl"
#define NS_NETWORK "http://www.onvif.org/ver10/network/wsdl"

/* libonvif's (onvif-util 1.4.4) Probe, as it sends it */
static const gchar onvif_util_probe[] =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><s:Header>"
    "<a:Action s:mustUnderstand=\"1\">http://schemas.xmlsoap.org/ws/2005/04/"
    "discovery/Probe</a:Action><a:MessageID>uuid:6bbdae2d-f229-42c8-a27b-"
    "93880fb80826</a:MessageID><a:ReplyTo><a:Address>http://schemas.xmlsoap"
    ".org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><a:To "
    "s:mustUnderstand=\"1\">urn:schemas-xmlsoap-org:ws:2005:04:discovery"
    "</a:To></s:Header><s:Body><Probe xmlns=\"http://schemas.xmlsoap.org/ws/"
    "2005/04/discovery\"><d:Types xmlns:d=\"http://schemas.xmlsoap.org/ws/"
    "2005/04/discovery\" xmlns:dp0=\"http://www.onvif.org/ver10/device/wsdl"
    "\">dp0:Device</d:Types></Probe></s:Body></s:Envelope>";

/* A Probe in the style of ONVIF Device Manager and of the ONVIF core
 * specification's example: dn:NetworkVideoTransmitter, TYPES and SCOPES
 * replaced, MatchBy attribute MATCHBY */
static const gchar spec_probe[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"\n"
    " xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"\n"
    " xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"\n"
    " xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\"\n"
    " xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\">\n"
    " <soap:Header>\n"
    "  <wsa:MessageID>urn:uuid:0a6dc791-2be6-4991-9af1-454778a1917a"
    "</wsa:MessageID>\n"
    "  <wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>\n"
    "  <wsa:Action>\n   http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
    "\n  </wsa:Action>\n"
    " </soap:Header>\n"
    " <soap:Body>\n"
    "  <d:Probe>\n"
    "   <d:Types>TYPES</d:Types>\n"
    "   <d:Scopes MATCHBY>SCOPES</d:Scopes>\n"
    "  </d:Probe>\n"
    " </soap:Body>\n"
    "</soap:Envelope>\n";

static RbWsdProbe *
spec_probe_with (const gchar * types, const gchar * scopes,
    const gchar * match_by, GError ** error)
{
  g_autoptr (GString) s = g_string_new (spec_probe);

  g_string_replace (s, "TYPES", types, 1);
  g_string_replace (s, "SCOPES", scopes, 1);
  g_string_replace (s, "MATCHBY", match_by, 1);
  return rb_wsd_probe_parse (s->str, s->len, error);
}

static const gchar *const *
our_scopes (void)
{
  static gchar **scopes;

  if (scopes == NULL)
    scopes = rb_onvif_device_scopes ("node 1", "A");
  return (const gchar * const *) scopes;
}

static gboolean
answers (RbWsdProbe * probe)
{
  return rb_wsd_probe_matches (probe, rb_wsd_onvif_types (), our_scopes ());
}

GST_START_TEST (test_onvif_util_probe)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbWsdProbe) probe = rb_wsd_probe_parse (onvif_util_probe,
      strlen (onvif_util_probe), &err);

  fail_unless (probe != NULL, "%s", err ? err->message : "");
  assert_equals_string (probe->message_id,
      "uuid:6bbdae2d-f229-42c8-a27b-93880fb80826");
  assert_equals_int (g_strv_length (probe->types), 1);
  assert_equals_string (probe->types[0], "{" NS_DEVICE "}Device");
  assert_equals_int (g_strv_length (probe->scopes), 0);
  assert_equals_int (probe->match_by, RB_WSD_MATCH_RFC3986);
  fail_unless (answers (probe));
}

GST_END_TEST;

GST_START_TEST (test_types)
{
  struct {
    const gchar *types;
    gboolean answered;
  } cases[] = {
    {"", TRUE},                 /* any device */
    {"dn:NetworkVideoTransmitter", TRUE},
    {"tds:Device", TRUE},
    {" dn:NetworkVideoTransmitter\n tds:Device ", TRUE},
    /* a prefix the Probe does not declare: by the local name */
    {"tdn:NetworkVideoTransmitter", TRUE},
    {"NetworkVideoTransmitter", TRUE},
    /* a declared namespace that is not ONVIF's: no */
    {"d:NetworkVideoTransmitter", FALSE},
    {"dn:Device", FALSE},
    {"dn:NetworkVideoDisplay", FALSE},
    /* every type named must be ours */
    {"dn:NetworkVideoTransmitter dn:NetworkVideoDisplay", FALSE},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (RbWsdProbe) probe = spec_probe_with (cases[i].types, "", "",
        &err);

    fail_unless (probe != NULL, "%s: %s", cases[i].types,
        err ? err->message : "");
    assert_equals_string (probe->message_id,
        "urn:uuid:0a6dc791-2be6-4991-9af1-454778a1917a");
    fail_unless (answers (probe) == cases[i].answered, "types '%s': %s",
        cases[i].types, cases[i].answered ? "not answered" : "answered");
  }
}

GST_END_TEST;

GST_START_TEST (test_scopes)
{
  struct {
    const gchar *scopes;
    const gchar *match_by;
    gboolean answered;
  } cases[] = {
    {"onvif://www.onvif.org/name/rtsp-blur-A", "", TRUE},
    /* prefixes by whole segments */
    {"onvif://www.onvif.org/name", "", TRUE},
    {"onvif://www.onvif.org/name/", "", TRUE},
    {"onvif://www.onvif.org", "", TRUE},
    {"onvif://www.onvif.org/Profile/Streaming", "", TRUE},
    {"onvif://www.onvif.org/Profile/Stream", "", FALSE},
    {"onvif://www.onvif.org/nam", "", FALSE},
    /* scheme and authority without case, the path with */
    {"ONVIF://WWW.onvif.ORG/type/video_encoder", "", TRUE},
    {"onvif://www.onvif.org/Type/video_encoder", "", FALSE},
    /* canonical form: percent-decoded */
    {"onvif://www.onvif.org/location/node%201", "", TRUE},
    {"onvif://www.onvif.org/%6Eame/rtsp-blur-A", "", TRUE},
    /* dot segments never match */
    {"onvif://www.onvif.org/name/../name", "", FALSE},
    /* another network's name, another authority, no scheme */
    {"onvif://www.onvif.org/name/rtsp-blur-B", "", FALSE},
    {"onvif://www.example.org/name", "", FALSE},
    {"www.onvif.org/name", "", FALSE},
    /* every scope named must be ours */
    {"onvif://www.onvif.org/name/rtsp-blur-A onvif://www.onvif.org/"
          "hardware/rtsp-blur", "", TRUE},
    {"onvif://www.onvif.org/name/rtsp-blur-A onvif://www.onvif.org/"
          "hardware/other", "", FALSE},
    /* MatchBy */
    {"onvif://www.onvif.org/name", "MatchBy=\"http://schemas.xmlsoap.org/"
          "ws/2005/04/discovery/rfc3986\"", TRUE},
    {"onvif://www.onvif.org/name", "MatchBy=\"http://schemas.xmlsoap.org/"
          "ws/2005/04/discovery/strcmp0\"", FALSE},
    {"onvif://www.onvif.org/name/rtsp-blur-A", "MatchBy=\"http://"
          "schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0\"", TRUE},
    {"onvif://www.onvif.org/name/rtsp-blur-A", "MatchBy=\"http://"
          "schemas.xmlsoap.org/ws/2005/04/discovery/ldap\"", FALSE},
    /* no scopes, any MatchBy: every device */
    {"", "MatchBy=\"urn:example\"", TRUE},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) err = NULL;
    g_autoptr (RbWsdProbe) probe = spec_probe_with ("dn:"
        "NetworkVideoTransmitter", cases[i].scopes, cases[i].match_by, &err);

    fail_unless (probe != NULL, "%s: %s", cases[i].scopes,
        err ? err->message : "");
    fail_unless (answers (probe) == cases[i].answered, "scopes '%s' %s: %s",
        cases[i].scopes, cases[i].match_by,
        cases[i].answered ? "not answered" : "answered");
  }
}

GST_END_TEST;

static void
assert_refused (const gchar * data, gssize length, gint code)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbWsdProbe) probe = rb_wsd_probe_parse (data,
      length < 0 ? strlen (data) : (gsize) length, &err);

  fail_unless (probe == NULL, "accepted: %s", data);
  fail_unless (g_error_matches (err, RB_WSD_ERROR, code), "%s: error %s",
      data, err ? err->message : "none");
}

GST_START_TEST (test_refused)
{
  g_autoptr (GString) s = NULL;
  g_autofree gchar *hello = NULL;
  g_autofree gchar *long_probe = NULL;
  RbWsdDevice device = { "urn:uuid:1", our_scopes (), "http://x/", 1, 1 };
  gsize length;

  assert_refused ("", 0, RB_WSD_ERROR_XML);
  assert_refused ("not xml", -1, RB_WSD_ERROR_XML);
  assert_refused ("<a><b></a>", -1, RB_WSD_ERROR_XML);
  assert_refused ("<Envelope/>", -1, RB_WSD_ERROR_NOT_PROBE);
  /* a DTD: refused before anything is expanded (billion laughs) */
  assert_refused ("<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY a "
      "\"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
      "<s:Body>&b;</s:Body></s:Envelope>", -1, RB_WSD_ERROR_XML);
  /* an external entity: refused, nothing read */
  assert_refused ("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM "
      "\"file:///etc/passwd\">]><x>&e;</x>", -1, RB_WSD_ERROR_XML);
  /* our own Hello (looped back to us) is not a Probe */
  hello = rb_wsd_build_hello (&device, 1, &length);
  assert_refused (hello, length, RB_WSD_ERROR_NOT_PROBE);
  /* an undeclared prefix (d: is declared on Types only): libxml2 would
   * recover and the Scopes would be lost */
  s = g_string_new (onvif_util_probe);
  g_string_replace (s, "</d:Types>", "</d:Types><d:Scopes>onvif://"
      "www.onvif.org/name/other</d:Scopes>", 1);
  assert_refused (s->str, s->len, RB_WSD_ERROR_XML);
  /* a Probe action over another body */
  g_string_assign (s, onvif_util_probe);
  g_string_replace (s, "<Probe ", "<Resolve ", 1);
  g_string_replace (s, "</Probe>", "</Resolve>", 1);
  assert_refused (s->str, s->len, RB_WSD_ERROR_NOT_PROBE);
  /* no MessageID: nothing to relate an answer to */
  g_string_assign (s, onvif_util_probe);
  g_string_replace (s, "<a:MessageID>uuid:6bbdae2d-f229-42c8-a27b-"
      "93880fb80826</a:MessageID>", "", 1);
  assert_refused (s->str, s->len, RB_WSD_ERROR_INVALID);
  /* not QNames */
  {
    g_autoptr (GError) err = NULL;
    g_autoptr (RbWsdProbe) probe = spec_probe_with (":Device", "", "", &err);

    fail_unless (probe == NULL && g_error_matches (err, RB_WSD_ERROR,
            RB_WSD_ERROR_INVALID));
  }
  {
    g_autoptr (GError) err = NULL;
    g_autoptr (RbWsdProbe) probe = spec_probe_with ("a:b:c", "", "", &err);

    fail_unless (probe == NULL && g_error_matches (err, RB_WSD_ERROR,
            RB_WSD_ERROR_INVALID));
  }
  /* more than 32 scopes */
  {
    g_autoptr (GString) many = g_string_new (NULL);
    g_autoptr (GError) err = NULL;
    g_autoptr (RbWsdProbe) probe = NULL;

    for (guint i = 0; i < 33; i++)
      g_string_append (many, "onvif://www.onvif.org/name ");
    probe = spec_probe_with ("", many->str, "", &err);
    fail_unless (probe == NULL && g_error_matches (err, RB_WSD_ERROR,
            RB_WSD_ERROR_INVALID));
  }
  /* longer than a datagram we read: refused unparsed */
  long_probe = g_strnfill (RB_WSD_MAX_MESSAGE + 1, ' ');
  memcpy (long_probe, onvif_util_probe, strlen (onvif_util_probe));
  assert_refused (long_probe, RB_WSD_MAX_MESSAGE + 1, RB_WSD_ERROR_TOO_LONG);
  /* and just under it: parsed */
  {
    g_autoptr (RbWsdProbe) probe = rb_wsd_probe_parse (long_probe,
        RB_WSD_MAX_MESSAGE, NULL);

    fail_unless (probe != NULL);
  }
  /* a SOAP 1.1 envelope is read too */
  g_string_assign (s, onvif_util_probe);
  g_string_replace (s, "http://www.w3.org/2003/05/soap-envelope",
      "http://schemas.xmlsoap.org/soap/envelope/", 1);
  {
    g_autoptr (RbWsdProbe) probe = rb_wsd_probe_parse (s->str, s->len, NULL);

    fail_unless (probe != NULL);
  }
}

GST_END_TEST;

/* The text of @xpath in the document @data, or NULL. */
static gchar *
xpath_text (const gchar * data, gsize length, const gchar * xpath)
{
  xmlDocPtr doc = xmlReadMemory (data, length, NULL, NULL, XML_PARSE_NONET);
  xmlXPathContextPtr ctx;
  xmlXPathObjectPtr res;
  gchar *text = NULL;

  fail_unless (doc != NULL, "not XML: %.*s", (int) length, data);
  ctx = xmlXPathNewContext (doc);
  xmlXPathRegisterNs (ctx, (const xmlChar *) "s", (const xmlChar *)
      "http://www.w3.org/2003/05/soap-envelope");
  xmlXPathRegisterNs (ctx, (const xmlChar *) "a", (const xmlChar *)
      "http://schemas.xmlsoap.org/ws/2004/08/addressing");
  xmlXPathRegisterNs (ctx, (const xmlChar *) "d", (const xmlChar *)
      "http://schemas.xmlsoap.org/ws/2005/04/discovery");
  res = xmlXPathEvalExpression ((const xmlChar *) xpath, ctx);
  if (res != NULL && res->type == XPATH_STRING)
    text = g_strdup ((const gchar *) res->stringval);
  else if (res != NULL && res->nodesetval != NULL
      && res->nodesetval->nodeNr > 0) {
    xmlChar *c = xmlNodeGetContent (res->nodesetval->nodeTab[0]);

    text = g_strdup ((const gchar *) c);
    xmlFree (c);
  }
  xmlXPathFreeObject (res);
  xmlXPathFreeContext (ctx);
  xmlFreeDoc (doc);
  return text;
}

#define assert_xpath(data, length, xpath, expected) G_STMT_START {          \
  g_autofree gchar *_t = xpath_text (data, length, xpath);                  \
  fail_unless (g_strcmp0 (_t, expected) == 0, "%s: '%s', expected '%s' in "  \
      "%.*s", xpath, _t, expected, (int) length, data);                     \
} G_STMT_END

GST_START_TEST (test_messages)
{
  g_autofree gchar *scopes = g_strjoinv (" ", (gchar **) our_scopes ());
  /* characters XML must escape */
  RbWsdDevice device = { "urn:uuid:3fbf4f98-31cd-5aba-a141-8e2d8690f00c",
    our_scopes (), "http://192.0.2.1:8080/onvif/device_service?a=1&b=<2>",
    7, 1764950400
  };
  g_autofree gchar *matches = NULL;
  g_autofree gchar *hello = NULL;
  g_autofree gchar *bye = NULL;
  gsize len;

  matches = rb_wsd_build_probe_matches (&device, 3, "uuid:probe-1&2", &len);
  fail_unless (len == strlen (matches));
  assert_xpath (matches, len, "string(/s:Envelope/s:Header/a:Action)",
      "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches");
  assert_xpath (matches, len, "string(/s:Envelope/s:Header/a:RelatesTo)",
      "uuid:probe-1&2");
  assert_xpath (matches, len, "string(/s:Envelope/s:Header/a:To)",
      "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous");
  assert_xpath (matches, len, "string(/s:Envelope/s:Header/d:AppSequence/"
      "@InstanceId)", "1764950400");
  assert_xpath (matches, len, "string(/s:Envelope/s:Header/d:AppSequence/"
      "@MessageNumber)", "3");
  assert_xpath (matches, len, "string(/s:Envelope/s:Body/d:ProbeMatches/"
      "d:ProbeMatch/a:EndpointReference/a:Address)", device.address);
  assert_xpath (matches, len, "string(/s:Envelope/s:Body/d:ProbeMatches/"
      "d:ProbeMatch/d:Types)", "dn:NetworkVideoTransmitter tds:Device");
  /* the Types' prefixes are ONVIF's namespaces where they are used */
  {
    xmlDocPtr doc = xmlReadMemory (matches, len, NULL, NULL, 0);
    xmlNodePtr types = xmlDocGetRootElement (doc);
    xmlNsPtr dn, tds;

    /* Envelope/Body/ProbeMatches/ProbeMatch/Types */
    types = xmlLastElementChild (types);
    types = xmlFirstElementChild (xmlFirstElementChild (types));
    types = xmlNextElementSibling (xmlFirstElementChild (types));
    assert_equals_string ((const gchar *) types->name, "Types");
    dn = xmlSearchNs (doc, types, (const xmlChar *) "dn");
    tds = xmlSearchNs (doc, types, (const xmlChar *) "tds");
    fail_unless (dn && tds);
    assert_equals_string ((const gchar *) dn->href, NS_NETWORK);
    assert_equals_string ((const gchar *) tds->href, NS_DEVICE);
    xmlFreeDoc (doc);
  }
  assert_xpath (matches, len, "string(/s:Envelope/s:Body/d:ProbeMatches/"
      "d:ProbeMatch/d:Scopes)", scopes);
  assert_xpath (matches, len, "string(/s:Envelope/s:Body/d:ProbeMatches/"
      "d:ProbeMatch/d:XAddrs)", device.xaddrs);
  assert_xpath (matches, len, "string(/s:Envelope/s:Body/d:ProbeMatches/"
      "d:ProbeMatch/d:MetadataVersion)", "7");
  {
    g_autofree gchar *id = xpath_text (matches, len, "string(/s:Envelope/"
        "s:Header/a:MessageID)");

    fail_unless (g_str_has_prefix (id, "urn:uuid:"), "MessageID %s", id);
  }

  hello = rb_wsd_build_hello (&device, 1, &len);
  assert_xpath (hello, len, "string(/s:Envelope/s:Header/a:Action)",
      "http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello");
  assert_xpath (hello, len, "string(/s:Envelope/s:Header/a:To)",
      "urn:schemas-xmlsoap-org:ws:2005:04:discovery");
  assert_xpath (hello, len, "string(/s:Envelope/s:Body/d:Hello/"
      "a:EndpointReference/a:Address)", device.address);
  assert_xpath (hello, len, "string(/s:Envelope/s:Body/d:Hello/d:XAddrs)",
      device.xaddrs);
  assert_xpath (hello, len, "string(/s:Envelope/s:Body/d:Hello/d:Scopes)",
      scopes);
  assert_xpath (hello, len, "string(/s:Envelope/s:Header/a:RelatesTo)", "");

  bye = rb_wsd_build_bye (&device, 9, &len);
  assert_xpath (bye, len, "string(/s:Envelope/s:Header/a:Action)",
      "http://schemas.xmlsoap.org/ws/2005/04/discovery/Bye");
  assert_xpath (bye, len, "string(/s:Envelope/s:Body/d:Bye/"
      "a:EndpointReference/a:Address)", device.address);
  assert_xpath (bye, len, "string(/s:Envelope/s:Header/d:AppSequence/"
      "@MessageNumber)", "9");
}

GST_END_TEST;

GST_START_TEST (test_limiter)
{
  g_autoptr (RbWsdLimiter) l = rb_wsd_limiter_new (4, 1, 10, 5, 3);
  gint64 t = 1000 * G_USEC_PER_SEC;
  guint allowed = 0;

  /* a burst of 4 from one address, then nothing */
  for (guint i = 0; i < 30; i++)
    allowed += rb_wsd_limiter_allow (l, "192.0.2.1", t);
  assert_equals_int (allowed, 4);
  /* one more a second later, not two */
  t += G_USEC_PER_SEC;
  fail_unless (rb_wsd_limiter_allow (l, "192.0.2.1", t));
  fail_if (rb_wsd_limiter_allow (l, "192.0.2.1", t));
  /* another address has its own bucket */
  fail_unless (rb_wsd_limiter_allow (l, "192.0.2.2", t));
  /* but all together get at most the total's burst (10, refilled by 5
   * a second: 5 used, 5 refilled and capped at 10) */
  allowed = 0;
  for (guint i = 0; i < 20; i++) {
    g_autofree gchar *a = g_strdup_printf ("198.51.100.%u", i);

    allowed += rb_wsd_limiter_allow (l, a, t);
  }
  fail_unless (allowed <= 10 - 6 + 5, "%u allowed", allowed);
  /* spoofed sources do not grow the table past its bound, and a source
   * forgotten that way is not refused for good */
  t += 100 * G_USEC_PER_SEC;
  fail_unless (rb_wsd_limiter_allow (l, "192.0.2.1", t));
}

GST_END_TEST;

/* ---- the responder, on the loopback interface ------------------------- */

/* A UDP port that was free on 127.0.0.1 a moment ago. */
static guint16
free_udp_port (void)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4,
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  fail_unless (g_socket_bind (s, any, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* The next datagram on @socket within @ms while the default main context
 * runs (the responder's sources), or NULL. */
static gchar *
receive_within (GSocket * socket, guint ms, gsize * length)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  gchar buf[65536];

  while (g_get_monotonic_time () < end) {
    gssize got;

    while (g_main_context_iteration (NULL, FALSE));
    got = g_socket_receive (socket, buf, sizeof (buf), NULL, NULL);
    if (got >= 0) {
      *length = got;
      return g_strndup (buf, got);
    }
    g_usleep (5000);
  }
  return NULL;
}

static GSocket *
udp_socket (const gchar * address, guint16 port, gboolean reuse)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (a, port);

  fail_unless (g_socket_bind (s, sa, reuse, NULL));
  g_socket_set_blocking (s, FALSE);
  return s;
}

GST_START_TEST (test_responder)
{
  RbNetworkConfig net = {.name = (gchar *) "L",
    .address = (gchar *) "127.0.0.1", .http_port = 8080, .onvif = TRUE
  };
  RbConfig config = {.cluster_node = (gchar *) "node1" };
  guint16 port = free_udp_port ();
  g_autoptr (GInetAddress) group = g_inet_address_new_from_string
      ("239.255.255.250");
  g_autoptr (GSocketAddress) to_group = g_inet_socket_address_new (group,
      port);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to_lo = g_inet_socket_address_new (lo, port);
  g_autoptr (GSocket) listener = udp_socket ("239.255.255.250", port, TRUE);
  g_autoptr (GSocket) client = udp_socket ("127.0.0.1", 0, FALSE);
  g_autoptr (RbWsDiscovery) wsd = NULL;
  g_autoptr (GString) other = g_string_new (onvif_util_probe);
  g_autofree gchar *hello = NULL, *answer = NULL, *none = NULL;
  g_autofree gchar *answer2 = NULL, *bye = NULL;
  g_autofree gchar *urn = rb_onvif_device_urn ("node1", "L");
  RbWsDiscoveryStats stats;
  gsize len;
  gint loopback_if;

  fail_unless (g_socket_join_multicast_group (listener, group, FALSE, "lo",
          NULL));
  memcpy (&loopback_if, g_inet_address_to_bytes (lo), sizeof (loopback_if));
  fail_unless (g_socket_set_option (client, IPPROTO_IP, IP_MULTICAST_IF,
          loopback_if, NULL));

  net.onvif = FALSE;
  fail_unless (rb_ws_discovery_new (&config, &net) == NULL);
  net.onvif = TRUE;
  wsd = rb_ws_discovery_new (&config, &net);
  rb_ws_discovery_set_port (wsd, port);
  fail_unless (rb_ws_discovery_start (wsd, NULL));
  assert_equals_string (rb_ws_discovery_get_network (wsd), "L");

  /* Hello, to the group */
  hello = receive_within (listener, 2000, &len);
  fail_unless (hello != NULL, "no Hello");
  assert_xpath (hello, len, "string(/s:Envelope/s:Body/d:Hello/"
      "a:EndpointReference/a:Address)", urn);
  assert_xpath (hello, len, "string(/s:Envelope/s:Body/d:Hello/d:XAddrs)",
      "http://127.0.0.1:8080/onvif/device_service");

  /* a Probe to the group: a ProbeMatches to the prober */
  fail_unless (g_socket_send_to (client, to_group, onvif_util_probe,
          strlen (onvif_util_probe), NULL, NULL) > 0);
  answer = receive_within (client, 2000, &len);
  fail_unless (answer != NULL, "no ProbeMatches");
  assert_xpath (answer, len, "string(/s:Envelope/s:Header/a:RelatesTo)",
      "uuid:6bbdae2d-f229-42c8-a27b-93880fb80826");
  assert_xpath (answer, len, "string(/s:Envelope/s:Body/d:ProbeMatches/"
      "d:ProbeMatch/a:EndpointReference/a:Address)", urn);

  /* one for another scope: nothing */
  g_string_replace (other, "</d:Types>", "</d:Types><Scopes>onvif://"
      "www.onvif.org/name/rtsp-blur-M</Scopes>", 1);
  fail_unless (g_socket_send_to (client, to_group, other->str, other->len,
          NULL, NULL) > 0);
  none = receive_within (client, 300, &len);
  fail_unless (none == NULL, "answered: %s", none);

  /* a Probe to the address itself (directed): answered too */
  g_string_assign (other, onvif_util_probe);
  g_string_replace (other, "6bbdae2d", "00000000", 1);
  fail_unless (g_socket_send_to (client, to_lo, other->str, other->len,
          NULL, NULL) > 0);
  answer2 = receive_within (client, 2000, &len);
  fail_unless (answer2 != NULL, "no ProbeMatches to a directed Probe");
  assert_xpath (answer2, len, "string(/s:Envelope/s:Header/a:RelatesTo)",
      "uuid:00000000-f229-42c8-a27b-93880fb80826");

  rb_ws_discovery_get_stats (wsd, &stats);
  assert_equals_uint64 (stats.probes, 3);
  assert_equals_uint64 (stats.answered, 2);
  assert_equals_uint64 (stats.limited, 0);

  /* SIGHUP, nothing moved: no second Hello */
  for (gchar * d; (d = receive_within (listener, 100, &len)) != NULL;)
    g_free (d);
  rb_ws_discovery_refresh (wsd);
  none = receive_within (listener, 300, &len);
  fail_unless (none == NULL, "Hello again: %s", none);

  /* Bye at stop, and no answers after it */
  rb_ws_discovery_stop (wsd);
  bye = receive_within (listener, 2000, &len);
  fail_unless (bye != NULL, "no Bye");
  assert_xpath (bye, len, "string(/s:Envelope/s:Body/d:Bye/"
      "a:EndpointReference/a:Address)", urn);
  g_socket_send_to (client, to_group, onvif_util_probe,
      strlen (onvif_util_probe), NULL, NULL);
  g_free (none);
  none = receive_within (client, 300, &len);
  fail_unless (none == NULL, "answered after Bye");
}

GST_END_TEST;

static Suite *
ws_discovery_suite (void)
{
  Suite *s = suite_create ("ws-discovery");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_onvif_util_probe);
  tcase_add_test (tc, test_types);
  tcase_add_test (tc, test_scopes);
  tcase_add_test (tc, test_refused);
  tcase_add_test (tc, test_messages);
  tcase_add_test (tc, test_limiter);
  tcase_add_test (tc, test_responder);
  return s;
}

GST_CHECK_MAIN (ws_discovery);
