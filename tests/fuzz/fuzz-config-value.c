/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target config-value: one value of a valid config, so that the
 * fuzzer spends its time in the value parsers (sizes, durations, CIDR
 * lists, privacy zones, URLs, addresses, port ranges, lists, choices and
 * every kind of [headblur] property) rather than in the file's syntax.
 *
 * Input: one byte choosing the key (modulo the number of keys below),
 * then the value (one line: newlines become spaces). Checks:
 * rb-fuzz-config.h. */

#include "rb-fuzz.h"
#include "rb-fuzz-config.h"
#include "rb-config-schema.h"

#include <string.h>

/* The [headblur] keys fuzzed after those of the schema: the stand-in
 * class's properties of every kind (rb-fuzz-headblur.c), and keys that are
 * not ours to set. */
static const gchar *const headblur_keys[] = {
  "privacy-zones", "mode", "threshold", "padding", "fill-color",
  "hold-time", "inference-width", "detection-interval", "model",
  "attach-meta", "fuzz-float", "fuzz-int64", "fuzz-construct", "fuzz-strv",
  "threads",
};

typedef struct
{
  const gchar *group, *key;
} Key;

/* Every key of the schema (rb-config-schema.c) in its order, except those
 * naming files to read, then headblur_keys: an input's first byte picks
 * one. */
static GArray *keys;

static void
keys_init (void)
{
  guint n;
  const RbConfigKey *schema = rb_config_schema_keys (&n);

  keys = g_array_new (FALSE, FALSE, sizeof (Key));
  for (guint i = 0; i < n; i++) {
    Key k = { NULL, schema[i].key };

    if (schema[i].type == RB_CONFIG_TYPE_FILE
        || schema[i].type == RB_CONFIG_TYPE_USERS)
      continue;
    switch (schema[i].group) {
      case RB_CONFIG_GROUP_MAIN:
        k.group = "rtsp-blur";
        break;
      case RB_CONFIG_GROUP_CAMERA:
        k.group = "camera:c";
        break;
      case RB_CONFIG_GROUP_NETWORK:
        k.group = "network:n";
        break;
      case RB_CONFIG_GROUP_CLUSTER:
        k.group = "cluster";
        break;
      default:
        g_assert_not_reached ();
    }
    g_array_append_val (keys, k);
  }
  for (guint i = 0; i < G_N_ELEMENTS (headblur_keys); i++) {
    Key k = { "headblur", headblur_keys[i] };

    g_array_append_val (keys, k);
  }
}

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
  /* only when one of its keys is fuzzed (a build without libpq refuses
   * the group) */
  {"cluster", "database", "dbname=rtsp_blur"},
};
/* *INDENT-ON* */

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  keys_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GString *conf;
  g_autofree gchar *value = NULL;
  guint k;
  const Key *key;

  if (size < 1)
    return 0;
  k = data[0] % keys->len;
  key = &g_array_index (keys, Key, k);
  value = g_strndup ((const gchar *) data + 1, size - 1);
  g_strdelimit (value, "\r\n", ' ');

  conf = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (base); i++) {
    gboolean fuzzed_group = g_str_equal (base[i].group, key->group);

    if (g_str_equal (base[i].group, "cluster") && !fuzzed_group)
      continue;
    if (i == 0 || !g_str_equal (base[i].group, base[i - 1].group))
      g_string_append_printf (conf, "[%s]\n", base[i].group);
    if (base[i].key && !(fuzzed_group && g_str_equal (base[i].key,
                key->key)))
      g_string_append_printf (conf, "%s=%s\n", base[i].key, base[i].value);
    if (fuzzed_group && (i + 1 == G_N_ELEMENTS (base)
            || !g_str_equal (base[i + 1].group, base[i].group)))
      g_string_append_printf (conf, "%s=%s\n", key->key, value);
  }
  rb_fuzz_config_check (conf->str, conf->len);
  g_string_free (conf, TRUE);
  return 0;
}
