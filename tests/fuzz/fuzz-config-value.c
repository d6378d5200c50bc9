/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target config-value: one value of a valid config, so that the
 * fuzzer spends its time in the value parsers (sizes, durations, CIDR
 * lists, privacy zones, URLs, addresses, port ranges, lists, choices and
 * every kind of [headblur] property) rather than in the file's syntax.
 *
 * Input: one byte choosing the key (modulo the table below), then the
 * value (one line: newlines become spaces). Checks: rb-fuzz-config.h. */

#include "rb-fuzz.h"
#include "rb-fuzz-config.h"

#include <string.h>

/* *INDENT-OFF* */
static const struct {
  const gchar *group, *key;
} keys[] = {
  {"rtsp-blur", "state-dir"}, {"rtsp-blur", "segment-duration"},
  {"rtsp-blur", "workers"}, {"rtsp-blur", "keep-raw"},
  {"rtsp-blur", "live-bitrate"}, {"rtsp-blur", "live-key-interval"},
  {"rtsp-blur", "segment-lookahead"}, {"rtsp-blur", "live-lookahead"},
  {"rtsp-blur", "audio"}, {"rtsp-blur", "reconnect-max-interval"},
  {"rtsp-blur", "max-disk-usage"}, {"rtsp-blur", "min-free-space"},
  {"rtsp-blur", "retention-raw"}, {"rtsp-blur", "retention-anonymized"},
  {"rtsp-blur", "metrics-address"}, {"rtsp-blur", "metrics-port"},
  {"rtsp-blur", "chat-join-networks"},
  {"camera:c", "url"}, {"camera:c", "transport"}, {"camera:c", "latency"},
  {"camera:c", "privacy-zones"}, {"camera:c", "audio"},
  {"network:n", "address"}, {"network:n", "port"},
  {"network:n", "max-connections"}, {"network:n", "max-connections-per-client"},
  {"network:n", "idle-timeout"}, {"network:n", "cameras"},
  {"network:n", "auth"}, {"network:n", "allow"},
  {"network:n", "rtsp-transport"}, {"network:n", "udp-ports"},
  {"network:n", "max-viewers"}, {"network:n", "http-port"},
  {"headblur", "privacy-zones"}, {"headblur", "mode"},
  {"headblur", "threshold"}, {"headblur", "padding"},
  {"headblur", "fill-color"}, {"headblur", "hold-time"},
  {"headblur", "inference-width"}, {"headblur", "detection-interval"},
  {"headblur", "model"}, {"headblur", "attach-meta"},
  {"headblur", "fuzz-float"}, {"headblur", "fuzz-int64"},
  {"headblur", "fuzz-construct"}, {"headblur", "fuzz-strv"},
  {"headblur", "threads"},
};
/* *INDENT-ON* */

/* The valid config the value goes into; a key set here is left out when
 * it is the one fuzzed. */
/* *INDENT-OFF* */
static const struct {
  const gchar *group, *key, *value;
} base[] = {
  {"rtsp-blur", "state-dir", "/srv/state"},
  {"headblur", NULL, NULL},
  {"camera:c", "url", "rtsp://10.0.0.10/stream1"},
  {"network:n", "address", "127.0.0.1"},
  {"network:n", "auth", "none"},
};
/* *INDENT-ON* */

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GString *conf;
  g_autofree gchar *value = NULL;
  guint k;

  if (size < 1)
    return 0;
  k = data[0] % G_N_ELEMENTS (keys);
  value = g_strndup ((const gchar *) data + 1, size - 1);
  g_strdelimit (value, "\r\n", ' ');

  conf = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (base); i++) {
    gboolean fuzzed_group = g_str_equal (base[i].group, keys[k].group);

    if (i == 0 || !g_str_equal (base[i].group, base[i - 1].group))
      g_string_append_printf (conf, "[%s]\n", base[i].group);
    if (base[i].key && !(fuzzed_group && g_str_equal (base[i].key,
                keys[k].key)))
      g_string_append_printf (conf, "%s=%s\n", base[i].key, base[i].value);
    if (fuzzed_group && (i + 1 == G_N_ELEMENTS (base)
            || !g_str_equal (base[i + 1].group, base[i].group)))
      g_string_append_printf (conf, "%s=%s\n", keys[k].key, value);
  }
  rb_fuzz_config_check (conf->str, conf->len);
  g_string_free (conf, TRUE);
  return 0;
}
