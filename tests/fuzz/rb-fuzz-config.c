/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What the config fuzzers check on every input (see rb-fuzz-config.h). */

#include "rb-fuzz.h"
#include "rb-fuzz-config.h"
#include "rb-fuzz-headblur.h"
#include "rb-config.h"
#include "rb-zones.h"

#include <string.h>

static GObjectClass *headblur_class;

static void
rb_fuzz_config_check_loaded (const RbConfig * c)
{
  g_autoptr (GObject) element = NULL;

  rb_fuzz_assert (c->state_dir != NULL && g_path_is_absolute (c->state_dir),
      "state-dir");
  rb_fuzz_assert (c->segment_duration_s >= 1 && c->segment_duration_s <= 3600,
      "segment-duration");
  rb_fuzz_assert (c->workers <= 16, "workers");
  rb_fuzz_assert (c->max_disk_usage_percent >= 0
      && c->max_disk_usage_percent <= 100, "max-disk-usage");
  rb_fuzz_assert (c->min_free_space_percent >= 0
      && c->min_free_space_percent <= 100, "min-free-space");
  rb_fuzz_assert (c->cameras->len > 0 && c->networks->len > 0, "groups");
  for (guint i = 0; i < c->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (c->cameras, i);
    g_autofree gchar *mount = rb_config_camera_mount (cam);
    g_autofree gchar *zones = rb_config_camera_zones (c, cam);
    g_autofree gchar *redacted = rb_config_redact_url (cam->url);

    rb_fuzz_assert (cam->url != NULL && redacted != NULL, cam->name);
    rb_fuzz_assert (strlen (cam->name) >= 1 && strlen (cam->name) <= 64,
        cam->name);
    rb_fuzz_assert (mount[0] == '/' && strchr (mount + 1, '/') == NULL,
        mount);
    rb_fuzz_assert (cam->latency_ms <= 10000, cam->name);
    /* what headblur will be given parses there */
    if (zones != NULL) {
      g_autoptr (GPtrArray) z = rb_zones_parse (zones, NULL);

      rb_fuzz_assert (z != NULL && z->len > 0, zones);
    }
  }
  for (guint i = 0; i < c->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (c->networks, i);

    rb_fuzz_assert (net->address != NULL, net->name);
    rb_fuzz_assert (net->port >= 1 && net->port <= 65535, net->name);
    rb_fuzz_assert (net->http_port != net->port, net->name);
    rb_fuzz_assert (net->udp_port_min <= net->udp_port_max, net->name);
    rb_fuzz_assert (!(net->rtsp_transport & RB_RTSP_TRANSPORT_UDP)
        || net->udp_port_min >= 1024, net->name);
    /* the allow list answers for any address */
    rb_network_allow_matches (net->allow, "127.0.0.1");
    rb_network_allow_matches (net->allow, "::ffff:10.0.0.1");
    rb_network_allow_matches (net->allow, "fe80::1");
    rb_network_allow_matches (net->allow, "not an address");
    for (guint j = 0; j < c->cameras->len; j++)
      rb_network_config_has_camera (net,
          ((RbCameraConfig *) g_ptr_array_index (c->cameras, j))->name);
  }
  for (guint i = 0; c->headblur_keys[i]; i++)
    rb_fuzz_assert (c->headblur_values[i] != NULL
        && rb_config_get_headblur (c, c->headblur_keys[i]) != NULL,
        c->headblur_keys[i]);
  /* criticals abort (rb_fuzz_init): a value the class refuses would */
  element = g_object_new (G_OBJECT_CLASS_TYPE (headblur_class), NULL);
  rb_config_apply_headblur (c, element);
}

void
rb_fuzz_config_check (const gchar * text, gsize length)
{
  /* any path into them holds one of these, relative ones too (../dev) */
  static const gchar *const unsafe[] = { "/dev", "/proc", "/sys", "/run" };
  g_autoptr (GError) err = NULL;
  g_autoptr (RbConfig) c = NULL;

  if (headblur_class == NULL)
    headblur_class = rb_fuzz_headblur_class ();
  for (guint i = 0; i < G_N_ELEMENTS (unsafe); i++)
    if (g_strstr_len (text, length, unsafe[i]) != NULL)
      return;

  c = rb_config_load_from_data (text, length, "fuzz.conf", headblur_class,
      &err);
  rb_fuzz_assert ((c == NULL) != (err == NULL), "config and error");
  if (c != NULL) {
    rb_fuzz_config_check_loaded (c);
    return;
  }
  rb_fuzz_assert (err->domain == RB_CONFIG_ERROR, err->message);
  rb_fuzz_assert_printable (err->message);
  /* a syntax error comes first and stops the loader before the values:
   * then every message is about the file's lines */
  if (err->code == RB_CONFIG_ERROR_PARSE) {
    g_auto (GStrv) lines = g_strsplit (err->message, "\n", -1);

    for (guint i = 0; lines[i]; i++)
      rb_fuzz_assert (strstr (lines[i], "line") != NULL, lines[i]);
  }
}
