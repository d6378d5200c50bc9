/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* SOAP requests and answers of a network's ONVIF device (see
 * rb-onvif-soap.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-onvif-soap.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define NS_ENV "http://www.w3.org/2003/05/soap-envelope"
#define NS_TT "http://www.onvif.org/ver10/schema"
#define NS_TER "http://www.onvif.org/ver10/error"
#define NS_WSSE "http://docs.oasis-open.org/wss/2004/01/" \
  "oasis-200401-wss-wssecurity-secext-1.0.xsd"

struct _RbOnvifRequest {
  xmlDocPtr doc;
  xmlNodePtr action;
  gchar *ns;
  gchar *name;
  gboolean has_token;
  gchar *user, *password, *password_type, *nonce, *created;
  GHashTable *params;           /* name → text (or "" when absent) */
};

void
rb_onvif_request_free (RbOnvifRequest * r)
{
  if (r == NULL)
    return;
  if (r->doc != NULL)
    xmlFreeDoc (r->doc);
  g_free (r->ns);
  g_free (r->name);
  g_free (r->user);
  if (r->password != NULL)
    memset (r->password, 0, strlen (r->password));
  g_free (r->password);
  g_free (r->password_type);
  g_free (r->nonce);
  g_free (r->created);
  g_clear_pointer (&r->params, g_hash_table_unref);
  g_free (r);
}

static gboolean
is_element (xmlNodePtr n, const gchar * ns, const gchar * name)
{
  return n != NULL && n->type == XML_ELEMENT_NODE
      && g_str_equal ((const gchar *) n->name, name)
      && (ns == NULL || (n->ns != NULL && n->ns->href != NULL
              && g_str_equal ((const gchar *) n->ns->href, ns)));
}

/* The first element child of @parent named @name (in @ns, or any). */
static xmlNodePtr
child (xmlNodePtr parent, const gchar * ns, const gchar * name)
{
  if (parent == NULL)
    return NULL;
  for (xmlNodePtr n = parent->children; n; n = n->next)
    if (is_element (n, ns, name))
      return n;
  return NULL;
}

static xmlNodePtr
first_element (xmlNodePtr parent)
{
  for (xmlNodePtr n = parent->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE)
      return n;
  return NULL;
}

/* The stripped text of @n, or NULL. */
static gchar *
text_of (xmlNodePtr n)
{
  xmlChar *c;
  gchar *s;

  if (n == NULL)
    return NULL;
  c = xmlNodeGetContent (n);
  if (c == NULL)
    return NULL;
  s = g_strstrip (g_strdup ((const gchar *) c));
  xmlFree (c);
  if (!g_utf8_validate (s, -1, NULL)) {
    g_free (s);
    return NULL;
  }
  return s;
}

static void
rb_onvif_request_read_token (RbOnvifRequest * r, xmlNodePtr header)
{
  xmlNodePtr token = child (child (header, NS_WSSE, "Security"), NULL,
      "UsernameToken");
  xmlNodePtr pw;
  xmlChar *type;

  if (token == NULL)
    return;
  r->has_token = TRUE;
  r->user = text_of (child (token, NULL, "Username"));
  pw = child (token, NULL, "Password");
  r->password = text_of (pw);
  if (pw != NULL && (type = xmlGetProp (pw, BAD_CAST "Type")) != NULL) {
    r->password_type = g_strdup ((const gchar *) type);
    xmlFree (type);
  }
  r->nonce = text_of (child (token, NULL, "Nonce"));
  r->created = text_of (child (token, NULL, "Created"));
}

/**
 * rb_onvif_request_parse:
 * @data: the request's body
 * @length: its length
 * @error: where to put an error
 *
 * Returns: (transfer full) (nullable): the request
 */
RbOnvifRequest *
rb_onvif_request_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (RbOnvifRequest) r = NULL;
  xmlNodePtr root, header, body;

  if (length > RB_ONVIF_MAX_REQUEST) {
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
        "longer than %u bytes", RB_ONVIF_MAX_REQUEST);
    return NULL;
  }
  r = g_new0 (RbOnvifRequest, 1);
  /* no network, no entity substitution, no DTD loading, no messages */
  r->doc = xmlReadMemory (data, (int) length, "request.xml", NULL,
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (r->doc == NULL) {
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
        "not well-formed XML");
    return NULL;
  }
  if (r->doc->intSubset != NULL || r->doc->extSubset != NULL) {
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
        "a document type declaration (SOAP forbids them)");
    return NULL;
  }
  root = xmlDocGetRootElement (r->doc);
  if (!is_element (root, NS_ENV, "Envelope")) {
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
        "not a SOAP 1.2 Envelope");
    return NULL;
  }
  header = child (root, NS_ENV, "Header");
  body = child (root, NS_ENV, "Body");
  if (body == NULL || (r->action = first_element (body)) == NULL
      || r->action->ns == NULL || r->action->ns->href == NULL) {
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
        "no action in the SOAP Body");
    return NULL;
  }
  r->ns = g_strdup ((const gchar *) r->action->ns->href);
  r->name = g_strdup ((const gchar *) r->action->name);
  if (!g_utf8_validate (r->ns, -1, NULL)
      || !g_utf8_validate (r->name, -1, NULL)) {
    g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
        "an action name that is not UTF-8");
    return NULL;
  }
  if (header != NULL)
    rb_onvif_request_read_token (r, header);
  r->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return g_steal_pointer (&r);
}

const gchar *
rb_onvif_request_get_namespace (RbOnvifRequest * r)
{
  return r->ns;
}

const gchar *
rb_onvif_request_get_action (RbOnvifRequest * r)
{
  return r->name;
}

static xmlNodePtr
find_descendant (xmlNodePtr parent, const gchar * name, guint depth)
{
  if (depth > 8)
    return NULL;
  for (xmlNodePtr n = parent->children; n; n = n->next) {
    xmlNodePtr found;

    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (g_str_equal ((const gchar *) n->name, name))
      return n;
    if ((found = find_descendant (n, name, depth + 1)) != NULL)
      return found;
  }
  return NULL;
}

const gchar *
rb_onvif_request_get_param (RbOnvifRequest * r, const gchar * name)
{
  const gchar *v = g_hash_table_lookup (r->params, name);
  gchar *t;

  if (v == NULL) {
    t = text_of (find_descendant (r->action, name, 0));
    g_hash_table_insert (r->params, g_strdup (name), t ? t : g_strdup (""));
    v = g_hash_table_lookup (r->params, name);
  }
  return *v ? v : NULL;
}

gboolean
rb_onvif_request_get_token (RbOnvifRequest * r, const gchar ** user,
    const gchar ** password, const gchar ** password_type,
    const gchar ** nonce, const gchar ** created)
{
  *user = r->user;
  *password = r->password;
  *password_type = r->password_type;
  *nonce = r->nonce;
  *created = r->created;
  return r->has_token;
}

gboolean
rb_onvif_request_is_pre_auth (RbOnvifRequest * r)
{
  return g_str_equal (r->ns, RB_ONVIF_NS_DEVICE)
      && (g_str_equal (r->name, "GetSystemDateAndTime")
      || g_str_equal (r->name, "GetHostname"));
}

/* ---- answers ---- */

typedef struct {
  xmlDocPtr doc;
  xmlNodePtr body;
  xmlNsPtr env, tds, trt, tt, ter;
} Answer;

static void
answer_init (Answer * a)
{
  xmlNodePtr root;

  a->doc = xmlNewDoc (BAD_CAST "1.0");
  root = xmlNewNode (NULL, BAD_CAST "Envelope");
  xmlDocSetRootElement (a->doc, root);
  a->env = xmlNewNs (root, BAD_CAST NS_ENV, BAD_CAST "s");
  a->tds = xmlNewNs (root, BAD_CAST RB_ONVIF_NS_DEVICE, BAD_CAST "tds");
  a->trt = xmlNewNs (root, BAD_CAST RB_ONVIF_NS_MEDIA, BAD_CAST "trt");
  a->tt = xmlNewNs (root, BAD_CAST NS_TT, BAD_CAST "tt");
  a->ter = xmlNewNs (root, BAD_CAST NS_TER, BAD_CAST "ter");
  xmlSetNs (root, a->env);
  a->body = xmlNewChild (root, a->env, BAD_CAST "Body", NULL);
}

static GBytes *
answer_finish (Answer * a)
{
  xmlChar *buf = NULL;
  int len = 0;
  GBytes *bytes;

  xmlDocDumpMemoryEnc (a->doc, &buf, &len, "UTF-8");
  xmlFreeDoc (a->doc);
  bytes = g_bytes_new (buf, len);
  xmlFree (buf);
  return bytes;
}

static xmlNodePtr
el (xmlNodePtr parent, xmlNsPtr ns, const gchar * name)
{
  return xmlNewChild (parent, ns, BAD_CAST name, NULL);
}

/* an element with text (escaped by libxml2) */
static xmlNodePtr
tx (xmlNodePtr parent, xmlNsPtr ns, const gchar * name, const gchar * text)
{
  return xmlNewTextChild (parent, ns, BAD_CAST name, BAD_CAST text);
}

static xmlNodePtr
tx_uint (xmlNodePtr parent, xmlNsPtr ns, const gchar * name, guint v)
{
  gchar buf[16];

  g_snprintf (buf, sizeof buf, "%u", v);
  return tx (parent, ns, name, buf);
}

static void
set_prop (xmlNodePtr n, const gchar * name, const gchar * value)
{
  xmlSetProp (n, BAD_CAST name, BAD_CAST value);
}

static void
fault_body (Answer * a, gboolean sender, const gchar * subcode,
    const gchar * subcode2, const gchar * reason)
{
  xmlNodePtr fault = el (a->body, a->env, "Fault");
  xmlNodePtr code = el (fault, a->env, "Code");
  xmlNodePtr sub, text;

  tx (code, a->env, "Value", sender ? "s:Sender" : "s:Receiver");
  if (subcode != NULL) {
    sub = el (code, a->env, "Subcode");
    tx (sub, a->env, "Value", subcode);
    if (subcode2 != NULL)
      tx (el (sub, a->env, "Subcode"), a->env, "Value", subcode2);
  }
  text = tx (el (fault, a->env, "Reason"), a->env, "Text", reason);
  xmlNodeSetLang (text, BAD_CAST "en");
}

GBytes *
rb_onvif_fault (gboolean sender, const gchar * subcode,
    const gchar * subcode2, const gchar * reason, guint * status)
{
  Answer a;

  answer_init (&a);
  fault_body (&a, sender, subcode, subcode2, reason);
  *status = sender ? 400 : 500;
  return answer_finish (&a);
}

/* -- device service -- */

static void
date_time (xmlNodePtr parent, xmlNsPtr tt, const gchar * name,
    GDateTime * t)
{
  xmlNodePtr dt = el (parent, tt, name);
  xmlNodePtr time = el (dt, tt, "Time");
  xmlNodePtr date = el (dt, tt, "Date");

  tx_uint (time, tt, "Hour", g_date_time_get_hour (t));
  tx_uint (time, tt, "Minute", g_date_time_get_minute (t));
  tx_uint (time, tt, "Second", g_date_time_get_second (t));
  tx_uint (date, tt, "Year", g_date_time_get_year (t));
  tx_uint (date, tt, "Month", g_date_time_get_month (t));
  tx_uint (date, tt, "Day", g_date_time_get_day_of_month (t));
}

static void
get_system_date_and_time (Answer * a, const RbOnvifDevice * d)
{
  g_autoptr (GDateTime) t =
      g_date_time_new_from_unix_utc (d->now_us / G_USEC_PER_SEC);
  xmlNodePtr r = el (a->body, a->tds, "GetSystemDateAndTimeResponse");
  xmlNodePtr s = el (r, a->tds, "SystemDateAndTime");

  /* the daemon follows the host's clock (NTP or not, it cannot tell) */
  tx (s, a->tt, "DateTimeType", "NTP");
  tx (s, a->tt, "DaylightSavings", "false");
  /* GMT0, not UTC0: libonvif takes UTC0 for a camera on local time */
  tx (el (s, a->tt, "TimeZone"), a->tt, "TZ", "GMT0");
  date_time (s, a->tt, "UTCDateTime", t);
}

static void
get_hostname (Answer * a, const RbOnvifDevice * d)
{
  xmlNodePtr r = el (a->body, a->tds, "GetHostnameResponse");
  xmlNodePtr h = el (r, a->tds, "HostnameInformation");

  tx (h, a->tt, "FromDHCP", "false");
  tx (h, a->tt, "Name", d->hostname);
}

static void
get_device_information (Answer * a, const RbOnvifDevice * d)
{
  xmlNodePtr r = el (a->body, a->tds, "GetDeviceInformationResponse");

  tx (r, a->tds, "Manufacturer", "rtsp-blur");
  tx (r, a->tds, "Model", "rtsp-blur anonymizing NVR");
  tx (r, a->tds, "FirmwareVersion", d->firmware);
  tx (r, a->tds, "SerialNumber", d->uuid);
  tx (r, a->tds, "HardwareId", d->uuid);
}

static void
device_capabilities (Answer * a, xmlNodePtr caps, const RbOnvifDevice * d)
{
  xmlNodePtr dev = el (caps, a->tt, "Device");
  xmlNodePtr n, s, io, sec;

  tx (dev, a->tt, "XAddr", d->device_url);
  n = el (dev, a->tt, "Network");
  tx (n, a->tt, "IPFilter", "false");
  tx (n, a->tt, "ZeroConfiguration", "false");
  tx (n, a->tt, "IPVersion6", "false");
  tx (n, a->tt, "DynDNS", "false");
  s = el (dev, a->tt, "System");
  tx (s, a->tt, "DiscoveryResolve", "false");
  tx (s, a->tt, "DiscoveryBye", "true");
  tx (s, a->tt, "RemoteDiscovery", "false");
  tx (s, a->tt, "SystemBackup", "false");
  tx (s, a->tt, "SystemLogging", "false");
  tx (s, a->tt, "FirmwareUpgrade", "false");
  {
    xmlNodePtr v = el (s, a->tt, "SupportedVersions");

    tx_uint (v, a->tt, "Major", 2);
    tx_uint (v, a->tt, "Minor", 0);
  }
  io = el (dev, a->tt, "IO");
  tx_uint (io, a->tt, "InputConnectors", 0);
  tx_uint (io, a->tt, "RelayOutputs", 0);
  sec = el (dev, a->tt, "Security");
  tx (sec, a->tt, "TLS1.1", "false");
  tx (sec, a->tt, "TLS1.2", g_str_has_prefix (d->device_url, "https:") ?
      "true" : "false");
  tx (sec, a->tt, "OnboardKeyGeneration", "false");
  tx (sec, a->tt, "AccessPolicyConfig", "false");
  tx (sec, a->tt, "X.509Token", "false");
  tx (sec, a->tt, "SAMLToken", "false");
  tx (sec, a->tt, "KerberosToken", "false");
  tx (sec, a->tt, "RELToken", "false");
}

static void
media_capabilities (Answer * a, xmlNodePtr caps, const RbOnvifDevice * d)
{
  xmlNodePtr m = el (caps, a->tt, "Media");
  xmlNodePtr s;

  tx (m, a->tt, "XAddr", d->media_url);
  s = el (m, a->tt, "StreamingCapabilities");
  tx (s, a->tt, "RTPMulticast", d->multicast ? "true" : "false");
  tx (s, a->tt, "RTP_TCP", "true");
  tx (s, a->tt, "RTP_RTSP_TCP", "true");
}

static void
get_capabilities (Answer * a, const RbOnvifDevice * d, RbOnvifRequest * req,
    guint * status)
{
  const gchar *cat = rb_onvif_request_get_param (req, "Category");
  gboolean all = cat == NULL || g_str_equal (cat, "All");
  xmlNodePtr r, caps;

  if (!all && !g_str_equal (cat, "Device") && !g_str_equal (cat, "Media")) {
    fault_body (a, FALSE, "ter:ActionNotSupported", "ter:NoSuchService",
        "only the Device and Media services are offered");
    *status = 500;
    return;
  }
  r = el (a->body, a->tds, "GetCapabilitiesResponse");
  caps = el (r, a->tds, "Capabilities");
  if (all || g_str_equal (cat, "Device"))
    device_capabilities (a, caps, d);
  if (all || g_str_equal (cat, "Media"))
    media_capabilities (a, caps, d);
}

static void
get_services (Answer * a, const RbOnvifDevice * d)
{
  xmlNodePtr r = el (a->body, a->tds, "GetServicesResponse");
  /* *INDENT-OFF* */
  const struct { const gchar *ns, *url; guint minor; } services[] = {
    {RB_ONVIF_NS_DEVICE, d->device_url, 0},
    {RB_ONVIF_NS_MEDIA, d->media_url, 0},
  };
  /* *INDENT-ON* */

  for (guint i = 0; i < G_N_ELEMENTS (services); i++) {
    xmlNodePtr s = el (r, a->tds, "Service");
    xmlNodePtr v;

    tx (s, a->tds, "Namespace", services[i].ns);
    tx (s, a->tds, "XAddr", services[i].url);
    v = el (s, a->tds, "Version");
    tx_uint (v, a->tt, "Major", 2);
    tx_uint (v, a->tt, "Minor", services[i].minor);
  }
}

static void
get_scopes (Answer * a, const RbOnvifDevice * d)
{
  xmlNodePtr r = el (a->body, a->tds, "GetScopesResponse");

  for (guint i = 0; d->scopes && d->scopes[i]; i++) {
    xmlNodePtr s = el (r, a->tds, "Scopes");

    tx (s, a->tt, "ScopeDef", "Fixed");
    tx (s, a->tt, "ScopeItem", d->scopes[i]);
  }
}

/* -- media service -- */

/* The camera of profile @token (CAMERA or CAMERA_sub), or NULL. */
static const RbOnvifCamera *
camera_of_profile (const RbOnvifDevice * d, const gchar * token,
    gboolean * sub)
{
  if (token == NULL)
    return NULL;
  for (guint i = 0; i < d->n_cameras; i++) {
    const RbOnvifCamera *c = &d->cameras[i];
    gsize n = strlen (c->name);

    if (g_str_equal (token, c->name)) {
      *sub = FALSE;
      return c;
    }
    if (c->sub_width && strncmp (token, c->name, n) == 0
        && g_str_equal (token + n, "_sub")) {
      *sub = TRUE;
      return c;
    }
  }
  return NULL;
}

static void
resolution (Answer * a, xmlNodePtr parent, guint w, guint h)
{
  xmlNodePtr r;

  if (w == 0 || h == 0)
    return;
  r = el (parent, a->tt, "Resolution");
  tx_uint (r, a->tt, "Width", w);
  tx_uint (r, a->tt, "Height", h);
}

static void
video_source_configuration (Answer * a, xmlNodePtr parent,
    const gchar * name, const RbOnvifCamera * c)
{
  xmlNodePtr v = el (parent, a->trt, name);

  /* trt:Configurations or tt:VideoSourceConfiguration */
  if (g_str_equal (name, "VideoSourceConfiguration"))
    xmlSetNs (v, a->tt);
  set_prop (v, "token", c->name);
  tx (v, a->tt, "Name", c->name);
  tx_uint (v, a->tt, "UseCount", c->sub_width ? 2 : 1);
  tx (v, a->tt, "SourceToken", c->name);
  if (c->width && c->height) {
    xmlNodePtr b = el (v, a->tt, "Bounds");
    gchar buf[16];

    set_prop (b, "x", "0");
    set_prop (b, "y", "0");
    g_snprintf (buf, sizeof buf, "%u", c->width);
    set_prop (b, "width", buf);
    g_snprintf (buf, sizeof buf, "%u", c->height);
    set_prop (b, "height", buf);
  }
}

static void
profile (Answer * a, const RbOnvifDevice * d, xmlNodePtr parent,
    const gchar * name, const RbOnvifCamera * c, gboolean sub)
{
  g_autofree gchar *token = sub ? g_strconcat (c->name, "_sub", NULL) :
      g_strdup (c->name);
  xmlNodePtr p = el (parent, a->trt, name);
  xmlNodePtr e, rc, h;

  set_prop (p, "token", token);
  set_prop (p, "fixed", "true");
  tx (p, a->tt, "Name", token);
  video_source_configuration (a, p, "VideoSourceConfiguration", c);
  e = el (p, a->tt, "VideoEncoderConfiguration");
  set_prop (e, "token", token);
  tx (e, a->tt, "Name", token);
  tx_uint (e, a->tt, "UseCount", 1);
  tx (e, a->tt, "Encoding", "H264");
  if (sub)
    resolution (a, e, c->sub_width, c->sub_height);
  else
    resolution (a, e, c->width, c->height);
  tx (e, a->tt, "Quality", "5");
  rc = el (e, a->tt, "RateControl");
  tx_uint (rc, a->tt, "FrameRateLimit", 30);
  tx_uint (rc, a->tt, "EncodingInterval", 1);
  tx_uint (rc, a->tt, "BitrateLimit", d->live_bitrate_kbps);
  h = el (e, a->tt, "H264");
  tx_uint (h, a->tt, "GovLength", MAX (d->key_interval_s, 1) * 30);
  tx (h, a->tt, "H264Profile", "Baseline");
  tx (e, a->tt, "SessionTimeout", "PT60S");
}

static void
get_profiles (Answer * a, const RbOnvifDevice * d)
{
  xmlNodePtr r = el (a->body, a->trt, "GetProfilesResponse");

  for (guint i = 0; i < d->n_cameras; i++) {
    profile (a, d, r, "Profiles", &d->cameras[i], FALSE);
    if (d->cameras[i].sub_width)
      profile (a, d, r, "Profiles", &d->cameras[i], TRUE);
  }
}

static gboolean
no_profile (Answer * a, guint * status)
{
  fault_body (a, TRUE, "ter:InvalidArgVal", "ter:NoProfile",
      "no such profile");
  *status = 400;
  return FALSE;
}

static void
get_profile (Answer * a, const RbOnvifDevice * d, RbOnvifRequest * req,
    guint * status)
{
  gboolean sub;
  const RbOnvifCamera *c = camera_of_profile (d,
      rb_onvif_request_get_param (req, "ProfileToken"), &sub);

  if (c == NULL) {
    no_profile (a, status);
    return;
  }
  profile (a, d, el (a->body, a->trt, "GetProfileResponse"), "Profile", c,
      sub);
}

static void
get_video_sources (Answer * a, const RbOnvifDevice * d)
{
  xmlNodePtr r = el (a->body, a->trt, "GetVideoSourcesResponse");

  for (guint i = 0; i < d->n_cameras; i++) {
    xmlNodePtr v = el (r, a->trt, "VideoSources");

    set_prop (v, "token", d->cameras[i].name);
    tx (v, a->tt, "Framerate", "30");
    resolution (a, v, d->cameras[i].width, d->cameras[i].height);
  }
}

static void
get_video_source_configurations (Answer * a, const RbOnvifDevice * d)
{
  xmlNodePtr r = el (a->body, a->trt,
      "GetVideoSourceConfigurationsResponse");

  for (guint i = 0; i < d->n_cameras; i++)
    video_source_configuration (a, r, "Configurations", &d->cameras[i]);
}

static void
media_uri (Answer * a, const gchar * response, const gchar * uri)
{
  xmlNodePtr r = el (a->body, a->trt, response);
  xmlNodePtr m = el (r, a->trt, "MediaUri");

  tx (m, a->tt, "Uri", uri);
  tx (m, a->tt, "InvalidAfterConnect", "false");
  tx (m, a->tt, "InvalidAfterReboot", "false");
  tx (m, a->tt, "Timeout", "PT0S");
}

/* A camera name as a URI path segment. */
static gchar *
segment (const gchar * name)
{
  return g_uri_escape_string (name, NULL, FALSE);
}

static void
get_stream_uri (Answer * a, const RbOnvifDevice * d, RbOnvifRequest * req,
    guint * status)
{
  gboolean sub;
  const RbOnvifCamera *c = camera_of_profile (d,
      rb_onvif_request_get_param (req, "ProfileToken"), &sub);
  g_autofree gchar *name = NULL, *uri = NULL;

  if (c == NULL) {
    no_profile (a, status);
    return;
  }
  /* multicast, TCP or UDP, and RTSP over HTTP are chosen by the client
   * on the same URL (rtsp-transport, multicast-addresses) */
  name = segment (c->name);
  uri = g_strdup_printf ("%s/%s%s", d->rtsp_base, name, sub ? "/sub" : "");
  media_uri (a, "GetStreamUriResponse", uri);
}

static void
get_snapshot_uri (Answer * a, const RbOnvifDevice * d, RbOnvifRequest * req,
    guint * status)
{
  gboolean sub;
  const RbOnvifCamera *c = camera_of_profile (d,
      rb_onvif_request_get_param (req, "ProfileToken"), &sub);
  g_autofree gchar *name = NULL, *uri = NULL;

  if (c == NULL) {
    no_profile (a, status);
    return;
  }
  name = segment (c->name);
  uri = g_strdup_printf ("%s/snapshot/%s.jpg", d->http_base, name);
  media_uri (a, "GetSnapshotUriResponse", uri);
}

/**
 * rb_onvif_answer:
 * @device: the device
 * @request: a request
 * @status: (out): the HTTP status
 *
 * Returns: (transfer full): the SOAP answer
 */
GBytes *
rb_onvif_answer (const RbOnvifDevice * d, RbOnvifRequest * req,
    guint * status)
{
  const gchar *ns = req->ns, *n = req->name;
  Answer a;

  answer_init (&a);
  *status = 200;
  if (g_str_equal (ns, RB_ONVIF_NS_DEVICE)) {
    if (g_str_equal (n, "GetSystemDateAndTime"))
      get_system_date_and_time (&a, d);
    else if (g_str_equal (n, "GetHostname"))
      get_hostname (&a, d);
    else if (g_str_equal (n, "GetDeviceInformation"))
      get_device_information (&a, d);
    else if (g_str_equal (n, "GetCapabilities"))
      get_capabilities (&a, d, req, status);
    else if (g_str_equal (n, "GetServices"))
      get_services (&a, d);
    else if (g_str_equal (n, "GetScopes"))
      get_scopes (&a, d);
    else
      *status = 0;
  } else if (g_str_equal (ns, RB_ONVIF_NS_MEDIA)) {
    if (g_str_equal (n, "GetProfiles"))
      get_profiles (&a, d);
    else if (g_str_equal (n, "GetProfile"))
      get_profile (&a, d, req, status);
    else if (g_str_equal (n, "GetVideoSources"))
      get_video_sources (&a, d);
    else if (g_str_equal (n, "GetVideoSourceConfigurations"))
      get_video_source_configurations (&a, d);
    else if (g_str_equal (n, "GetStreamUri"))
      get_stream_uri (&a, d, req, status);
    else if (g_str_equal (n, "GetSnapshotUri"))
      get_snapshot_uri (&a, d, req, status);
    else
      *status = 0;
  } else {
    *status = 0;
  }
  if (*status == 0) {
    fault_body (&a, FALSE, "ter:ActionNotSupported", NULL,
        "this action is not supported (rtsp-blur offers Profile S "
        "streaming only)");
    *status = 500;
  }
  return answer_finish (&a);
}
