/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* WS-Discovery's messages, with libxml2 (see rb-ws-discovery-xml.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-ws-discovery-xml.h"

#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_WSA "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSD "http://schemas.xmlsoap.org/ws/2005/04/discovery"
#define NS_DN "http://www.onvif.org/ver10/network/wsdl"
#define NS_TDS "http://www.onvif.org/ver10/device/wsdl"

#define ACTION_PROBE NS_WSD "/Probe"
#define ACTION_PROBE_MATCHES NS_WSD "/ProbeMatches"
#define ACTION_HELLO NS_WSD "/Hello"
#define ACTION_BYE NS_WSD "/Bye"
#define TO_DISCOVERY "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
#define TO_ANONYMOUS NS_WSA "/role/anonymous"
#define MATCH_RFC3986 NS_WSD "/rfc3986"
#define MATCH_STRCMP0 NS_WSD "/strcmp0"

/* more types or scopes than this in one Probe: refused */
#define MAX_ITEMS 32

G_DEFINE_QUARK (rb-ws-discovery-error-quark, rb_wsd_error);

/* *INDENT-OFF* */
static const gchar *const onvif_types[] = {
  "{" NS_DN "}NetworkVideoTransmitter",
  "{" NS_TDS "}Device",
  NULL
};
/* *INDENT-ON* */

const gchar *const *
rb_wsd_onvif_types (void)
{
  return onvif_types;
}

void
rb_wsd_probe_free (RbWsdProbe * probe)
{
  if (probe == NULL)
    return;
  g_free (probe->message_id);
  g_strfreev (probe->types);
  g_strfreev (probe->scopes);
  g_free (probe);
}

static gboolean
is_element (xmlNodePtr node, const gchar * ns, const gchar * name)
{
  return node->type == XML_ELEMENT_NODE && node->ns != NULL
      && node->ns->href != NULL && g_str_equal ((const gchar *) node->name,
      name) && g_str_equal ((const gchar *) node->ns->href, ns);
}

/* The first element child of @parent named {@ns}@name, or NULL. */
static xmlNodePtr
child (xmlNodePtr parent, const gchar * ns, const gchar * name)
{
  for (xmlNodePtr c = parent->children; c != NULL; c = c->next)
    if (is_element (c, ns, name))
      return c;
  return NULL;
}

/* The text of @node, whitespace stripped; NULL when there is none. */
static gchar *
text_of (xmlNodePtr node)
{
  xmlChar *content;
  gchar *text;

  if (node == NULL || (content = xmlNodeGetContent (node)) == NULL)
    return NULL;
  text = g_strstrip (g_strdup ((const gchar *) content));
  xmlFree (content);
  if (text[0] == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

/* The whitespace-separated items of @node's text (none: an empty
 * vector); NULL when there are more than MAX_ITEMS. */
static gchar **
items_of (xmlNodePtr node)
{
  g_autofree gchar *text = text_of (node);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  gchar **parts;

  if (text == NULL)
    return g_new0 (gchar *, 1);
  parts = g_strsplit_set (text, " \t\r\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_ptr_array_add (items, g_strdup (parts[i]));
  g_strfreev (parts);
  if (items->len > MAX_ITEMS)
    return NULL;
  g_ptr_array_add (items, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&items), FALSE);
}

/* "{NAMESPACE}LOCAL" of each QName of @node's text, the prefixes resolved
 * in @node's scope; NULL when one is not a QName. */
static gchar **
qnames_of (xmlDocPtr doc, xmlNodePtr node)
{
  g_auto (GStrv) items = items_of (node);
  gchar **out;

  if (items == NULL)
    return NULL;
  out = g_new0 (gchar *, g_strv_length (items) + 1);
  for (guint i = 0; items[i] != NULL; i++) {
    gchar *colon = strchr (items[i], ':');
    const gchar *local = colon ? colon + 1 : items[i];
    xmlNsPtr ns;

    if (local[0] == '\0' || strchr (local, ':') != NULL || colon == items[i]) {
      g_strfreev (out);
      return NULL;
    }
    if (colon)
      *colon = '\0';
    ns = xmlSearchNs (doc, node, colon ? (const xmlChar *) items[i] : NULL);
    out[i] = g_strdup_printf ("{%s}%s", ns && ns->href ?
        (const gchar *) ns->href : "", local);
  }
  return out;
}

/**
 * rb_wsd_probe_parse:
 * @data: the datagram
 * @length: its length
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the Probe, or %NULL with @error.
 */
RbWsdProbe *
rb_wsd_probe_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (RbWsdProbe) probe = NULL;
  g_autofree gchar *action = NULL;
  xmlParserCtxtPtr ctxt;
  xmlDocPtr doc;
  xmlNodePtr root, header, body, p, scopes;
  const gchar *soap;
  gboolean ns_ok;

  if (length > RB_WSD_MAX_MESSAGE) {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_TOO_LONG,
        "%" G_GSIZE_FORMAT " bytes, more than %d", length, RB_WSD_MAX_MESSAGE);
    return NULL;
  }
  xmlInitParser ();
  if ((ctxt = xmlNewParserCtxt ()) == NULL) {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_XML, "out of memory");
    return NULL;
  }
  /* no network, no entity substitution, no DTD loading, no huge trees;
   * errors are ours to report, not printed by libxml2 */
  doc = xmlCtxtReadMemory (ctxt, data, (int) length, NULL, NULL,
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
      | XML_PARSE_NOCDATA);
  /* libxml2 recovers from an undeclared prefix: not us */
  ns_ok = ctxt->nsWellFormed;
  xmlFreeParserCtxt (ctxt);
  if (doc == NULL || !ns_ok) {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_XML,
        doc ? "an undeclared namespace prefix" : "not well-formed XML");
    if (doc != NULL)
      xmlFreeDoc (doc);
    return NULL;
  }
  if (doc->intSubset != NULL || doc->extSubset != NULL) {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_XML,
        "a document type declaration (SOAP forbids them)");
    goto out;
  }
  root = xmlDocGetRootElement (doc);
  if (root != NULL && is_element (root, NS_SOAP12, "Envelope"))
    soap = NS_SOAP12;
  else if (root != NULL && is_element (root, NS_SOAP11, "Envelope"))
    soap = NS_SOAP11;
  else {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_NOT_PROBE,
        "not a SOAP envelope");
    goto out;
  }
  header = child (root, soap, "Header");
  body = child (root, soap, "Body");
  action = header ? text_of (child (header, NS_WSA, "Action")) : NULL;
  if (action == NULL || !g_str_equal (action, ACTION_PROBE) || body == NULL
      || (p = child (body, NS_WSD, "Probe")) == NULL) {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_NOT_PROBE,
        "not a Probe (action %s)", action ? action : "none");
    goto out;
  }
  probe = g_new0 (RbWsdProbe, 1);
  probe->message_id = text_of (child (header, NS_WSA, "MessageID"));
  if (probe->message_id == NULL || strlen (probe->message_id) > 256) {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_INVALID,
        "a Probe without a usable MessageID");
    g_clear_pointer (&probe, rb_wsd_probe_free);
    goto out;
  }
  probe->types = qnames_of (doc, child (p, NS_WSD, "Types"));
  scopes = child (p, NS_WSD, "Scopes");
  probe->scopes = items_of (scopes);
  if (probe->types == NULL || probe->scopes == NULL) {
    g_set_error (error, RB_WSD_ERROR, RB_WSD_ERROR_INVALID,
        "a Probe with invalid Types or more than %d Types or Scopes",
        MAX_ITEMS);
    g_clear_pointer (&probe, rb_wsd_probe_free);
    goto out;
  }
  probe->match_by = RB_WSD_MATCH_RFC3986;
  if (scopes != NULL) {
    xmlChar *by = xmlGetNoNsProp (scopes, (const xmlChar *) "MatchBy");

    if (by != NULL) {
      g_autofree gchar *b = g_strstrip (g_strdup ((const gchar *) by));

      if (g_str_equal (b, MATCH_STRCMP0))
        probe->match_by = RB_WSD_MATCH_STRCMP0;
      else if (!g_str_equal (b, MATCH_RFC3986))
        probe->match_by = RB_WSD_MATCH_UNSUPPORTED;
      xmlFree (by);
    }
  }
out:
  xmlFreeDoc (doc);
  return g_steal_pointer (&probe);
}

/* Splits @uri into its scheme, authority (NULL without "//") and path
 * segments (percent-decoded, the empty segments of "//" and of a trailing
 * "/" left out). FALSE when it has no scheme, a segment that does not
 * decode, or a "." or ".." segment. */
static gboolean
split_uri (const gchar * uri, gchar ** scheme, gchar ** authority,
    gchar *** segments)
{
  const gchar *colon = strchr (uri, ':');
  const gchar *rest, *end;
  g_autofree gchar *path = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) segs = g_ptr_array_new_with_free_func (g_free);

  if (colon == NULL || colon == uri)
    return FALSE;
  rest = colon + 1;
  *authority = NULL;
  if (g_str_has_prefix (rest, "//")) {
    rest += 2;
    end = rest + strcspn (rest, "/?#");
    *authority = g_ascii_strdown (rest, end - rest);
    rest = end;
  }
  end = rest + strcspn (rest, "?#");
  path = g_strndup (rest, end - rest);
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++) {
    gchar *seg;

    if (parts[i][0] == '\0')
      continue;
    seg = g_uri_unescape_string (parts[i], NULL);
    if (seg == NULL || g_str_equal (seg, ".") || g_str_equal (seg, "..")) {
      g_free (seg);
      g_clear_pointer (authority, g_free);
      return FALSE;
    }
    g_ptr_array_add (segs, seg);
  }
  g_ptr_array_add (segs, NULL);
  *scheme = g_ascii_strdown (uri, colon - uri);
  *segments = (gchar **) g_ptr_array_free (g_steal_pointer (&segs), FALSE);
  return TRUE;
}

gboolean
rb_wsd_scope_matches_rfc3986 (const gchar * scope, const gchar * ours)
{
  g_autofree gchar *s1 = NULL, *a1 = NULL, *s2 = NULL, *a2 = NULL;
  g_auto (GStrv) p1 = NULL;
  g_auto (GStrv) p2 = NULL;

  if (!split_uri (scope, &s1, &a1, &p1))
    return FALSE;
  if (!split_uri (ours, &s2, &a2, &p2))
    return FALSE;
  if (!g_str_equal (s1, s2) || g_strcmp0 (a1, a2) != 0)
    return FALSE;
  for (guint i = 0; p1[i] != NULL; i++)
    if (p2[i] == NULL || !g_str_equal (p1[i], p2[i]))
      return FALSE;
  return TRUE;
}

static gboolean
type_matches (const gchar * wanted, const gchar * const *types)
{
  for (guint i = 0; types[i] != NULL; i++) {
    if (g_str_equal (wanted, types[i]))
      return TRUE;
    /* an undeclared prefix: by the local name */
    if (g_str_has_prefix (wanted, "{}")) {
      const gchar *local = strrchr (types[i], '}');

      if (local != NULL && g_str_equal (local + 1, wanted + 2))
        return TRUE;
    }
  }
  return FALSE;
}

static gboolean
scope_matches (const RbWsdProbe * probe, const gchar * wanted,
    const gchar * const *scopes)
{
  for (guint i = 0; scopes[i] != NULL; i++) {
    switch (probe->match_by) {
      case RB_WSD_MATCH_RFC3986:
        if (rb_wsd_scope_matches_rfc3986 (wanted, scopes[i]))
          return TRUE;
        break;
      case RB_WSD_MATCH_STRCMP0:
        if (g_str_equal (wanted, scopes[i]))
          return TRUE;
        break;
      case RB_WSD_MATCH_UNSUPPORTED:
        return FALSE;
    }
  }
  return FALSE;
}

gboolean
rb_wsd_probe_matches (const RbWsdProbe * probe, const gchar * const *types,
    const gchar * const *scopes)
{
  for (guint i = 0; probe->types[i] != NULL; i++)
    if (!type_matches (probe->types[i], types))
      return FALSE;
  for (guint i = 0; probe->scopes[i] != NULL; i++)
    if (!scope_matches (probe, probe->scopes[i], scopes))
      return FALSE;
  return TRUE;
}

/* ---- the messages we send ---------------------------------------------- */

typedef struct {
  xmlDocPtr doc;
  xmlNsPtr s, a, d;
  xmlNodePtr header, body;
} Message;

static xmlNodePtr
add_text (xmlNodePtr parent, xmlNsPtr ns, const gchar * name,
    const gchar * text)
{
  return xmlNewTextChild (parent, ns, (const xmlChar *) name,
      (const xmlChar *) text);
}

static void
message_init (Message * m, const gchar * action, const gchar * to,
    const gchar * relates_to, const RbWsdDevice * device,
    guint message_number)
{
  g_autofree gchar *uuid = g_uuid_string_random ();
  g_autofree gchar *id = g_strconcat ("urn:uuid:", uuid, NULL);
  g_autofree gchar *instance = g_strdup_printf ("%" G_GUINT64_FORMAT,
      device->instance_id);
  g_autofree gchar *number = g_strdup_printf ("%u", message_number);
  xmlNodePtr root, n;

  m->doc = xmlNewDoc ((const xmlChar *) "1.0");
  root = xmlNewNode (NULL, (const xmlChar *) "Envelope");
  xmlDocSetRootElement (m->doc, root);
  m->s = xmlNewNs (root, (const xmlChar *) NS_SOAP12, (const xmlChar *) "s");
  m->a = xmlNewNs (root, (const xmlChar *) NS_WSA, (const xmlChar *) "a");
  m->d = xmlNewNs (root, (const xmlChar *) NS_WSD, (const xmlChar *) "d");
  /* the prefixes of the Types' QNames */
  xmlNewNs (root, (const xmlChar *) NS_DN, (const xmlChar *) "dn");
  xmlNewNs (root, (const xmlChar *) NS_TDS, (const xmlChar *) "tds");
  xmlSetNs (root, m->s);
  m->header = xmlNewChild (root, m->s, (const xmlChar *) "Header", NULL);
  m->body = xmlNewChild (root, m->s, (const xmlChar *) "Body", NULL);

  n = add_text (m->header, m->a, "Action", action);
  xmlNewNsProp (n, m->s, (const xmlChar *) "mustUnderstand",
      (const xmlChar *) "true");
  add_text (m->header, m->a, "MessageID", id);
  if (relates_to != NULL)
    add_text (m->header, m->a, "RelatesTo", relates_to);
  n = add_text (m->header, m->a, "To", to);
  xmlNewNsProp (n, m->s, (const xmlChar *) "mustUnderstand",
      (const xmlChar *) "true");
  n = xmlNewChild (m->header, m->d, (const xmlChar *) "AppSequence", NULL);
  xmlNewProp (n, (const xmlChar *) "InstanceId", (const xmlChar *) instance);
  xmlNewProp (n, (const xmlChar *) "MessageNumber", (const xmlChar *) number);
}

/* EndpointReference, and with @full Types, Scopes, XAddrs and
 * MetadataVersion, under @parent */
static void
add_device (Message * m, xmlNodePtr parent, const RbWsdDevice * device,
    gboolean full)
{
  xmlNodePtr epr = xmlNewChild (parent, m->a,
      (const xmlChar *) "EndpointReference", NULL);
  g_autofree gchar *scopes = NULL;
  g_autofree gchar *version = NULL;

  add_text (epr, m->a, "Address", device->address);
  if (!full)
    return;
  scopes = g_strjoinv (" ", (gchar **) device->scopes);
  version = g_strdup_printf ("%u", device->metadata_version);
  add_text (parent, m->d, "Types", "dn:NetworkVideoTransmitter tds:Device");
  add_text (parent, m->d, "Scopes", scopes);
  add_text (parent, m->d, "XAddrs", device->xaddrs);
  add_text (parent, m->d, "MetadataVersion", version);
}

static gchar *
message_end (Message * m, gsize * length)
{
  xmlChar *buf = NULL;
  int size = 0;
  gchar *out;

  xmlDocDumpMemoryEnc (m->doc, &buf, &size, "UTF-8");
  xmlFreeDoc (m->doc);
  out = g_strndup ((const gchar *) buf, size);
  xmlFree (buf);
  *length = size;
  return out;
}

gchar *
rb_wsd_build_hello (const RbWsdDevice * device, guint message_number,
    gsize * length)
{
  Message m;

  message_init (&m, ACTION_HELLO, TO_DISCOVERY, NULL, device, message_number);
  add_device (&m, xmlNewChild (m.body, m.d, (const xmlChar *) "Hello", NULL),
      device, TRUE);
  return message_end (&m, length);
}

gchar *
rb_wsd_build_bye (const RbWsdDevice * device, guint message_number,
    gsize * length)
{
  Message m;

  message_init (&m, ACTION_BYE, TO_DISCOVERY, NULL, device, message_number);
  add_device (&m, xmlNewChild (m.body, m.d, (const xmlChar *) "Bye", NULL),
      device, FALSE);
  return message_end (&m, length);
}

gchar *
rb_wsd_build_probe_matches (const RbWsdDevice * device,
    guint message_number, const gchar * relates_to, gsize * length)
{
  Message m;
  xmlNodePtr matches;

  message_init (&m, ACTION_PROBE_MATCHES, TO_ANONYMOUS, relates_to, device,
      message_number);
  matches = xmlNewChild (m.body, m.d, (const xmlChar *) "ProbeMatches", NULL);
  add_device (&m, xmlNewChild (matches, m.d, (const xmlChar *) "ProbeMatch",
          NULL), device, TRUE);
  return message_end (&m, length);
}
