/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target ws-discovery: the WS-Discovery Probe parser and matcher
 * (daemon/onvif/rb-ws-discovery-xml.c), from what anyone on a network's
 * link may send to 239.255.255.250:3702.
 *
 * Input: one UDP datagram, as the responder reads it (at most
 * RB_WSD_MAX_MESSAGE bytes are parsed; longer ones are refused unread).
 * Checks: a Probe has a MessageID and its Types are "{NS}LOCAL" names;
 * matching it against the device's types and scopes terminates; the
 * ProbeMatches answering it is well-formed XML, relates to that MessageID
 * and is not itself a Probe (two responders never answer each other). */

#include "rb-fuzz.h"
#include "rb-onvif-ids.h"
#include "rb-ws-discovery-xml.h"

#include <libxml/parser.h>
#include <string.h>

static gchar **scopes;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  xmlInitParser ();
  scopes = rb_onvif_device_scopes ("node", "A");
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbWsdProbe) probe = NULL;
  g_autoptr (RbWsdProbe) again = NULL;
  g_autofree gchar *answer = NULL;
  RbWsdDevice device = { "urn:uuid:3fbf4f98-31cd-5aba-a141-8e2d8690f00c",
    (const gchar * const *) scopes,
    "http://192.0.2.1:8080/onvif/device_service", 1, 1
  };
  gsize length;
  xmlDocPtr doc;

  probe = rb_wsd_probe_parse ((const gchar *) data, size, &err);
  if (probe == NULL) {
    rb_fuzz_assert (err != NULL, "no error");
    rb_fuzz_assert (size <= RB_WSD_MAX_MESSAGE || g_error_matches (err,
            RB_WSD_ERROR, RB_WSD_ERROR_TOO_LONG), err->message);
    return 0;
  }
  rb_fuzz_assert (size <= RB_WSD_MAX_MESSAGE, "a long datagram was parsed");
  rb_fuzz_assert (probe->message_id != NULL && *probe->message_id != '\0',
      "a Probe without MessageID");
  rb_fuzz_assert (probe->types != NULL && probe->scopes != NULL, "vectors");
  for (guint i = 0; probe->types[i] != NULL; i++)
    rb_fuzz_assert (probe->types[i][0] == '{'
        && strchr (probe->types[i], '}') != NULL, probe->types[i]);
  for (guint i = 0; probe->scopes[i] != NULL; i++)
    rb_fuzz_assert (*probe->scopes[i] != '\0', "an empty scope");
  rb_wsd_probe_matches (probe, rb_wsd_onvif_types (),
      (const gchar * const *) scopes);
  for (guint i = 0; probe->scopes[i] != NULL; i++)
    for (guint j = 0; probe->scopes[j] != NULL; j++)
      rb_wsd_scope_matches_rfc3986 (probe->scopes[i], probe->scopes[j]);

  /* the answer: well-formed, not a Probe */
  answer = rb_wsd_build_probe_matches (&device, 1, probe->message_id,
      &length);
  doc = xmlReadMemory (answer, length, NULL, NULL, XML_PARSE_NONET
      | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  rb_fuzz_assert (doc != NULL, probe->message_id);
  xmlFreeDoc (doc);
  rb_fuzz_assert (strstr (answer, "RelatesTo") != NULL, answer);
  again = rb_wsd_probe_parse (answer, length, NULL);
  rb_fuzz_assert (again == NULL, "the answer is a Probe");
  return 0;
}
