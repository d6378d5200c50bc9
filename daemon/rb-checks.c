/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* See rb-checks.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-checks.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

static const gchar *required_elements[] = {
  "rtspsrc", "rtph264depay", "rtph265depay", "h264parse", "h265parse",
  "videoconvert", "headblur", "segmentqueue", "safedec",
  "x264enc", "matroskamux", "parsebin", "appsink", "appsrc", "rtph264pay",
  "tee", "queue",
  "hlssink2", "mpegtsmux",      /* HLS */
  "textoverlay", "timeoverlay", /* overlay= */
  NULL
};

gboolean
rb_check_elements (GError ** error)
{
  guint i;

  for (i = 0; required_elements[i] != NULL; i++) {
    GstElementFactory *f = gst_element_factory_find (required_elements[i]);

    if (f == NULL) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
          "GStreamer element '%s' is missing (install its GStreamer "
          "plugin: see scripts/setup; rtsp-blur's own plugins belong in "
          "GStreamer's plugin directory or in GST_PLUGIN_PATH)",
          required_elements[i]);
      return FALSE;
    }
    gst_object_unref (f);
  }
  return TRUE;
}

GTypeClass *
rb_check_element_class (const gchar * factory_name)
{
  g_autoptr (GstElementFactory) factory =
      gst_element_factory_find (factory_name);
  g_autoptr (GstPluginFeature) loaded = NULL;
  GType type;

  if (factory == NULL)
    return NULL;
  loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
  if (loaded == NULL)
    return NULL;
  type = gst_element_factory_get_element_type (GST_ELEMENT_FACTORY (loaded));
  return type ? g_type_class_ref (type) : NULL;
}

gboolean
rb_check_headblur (const RbConfig * config, GError ** error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("check");
  GstElement *blur = gst_element_factory_make ("headblur", NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autofree gchar *model = NULL;
  GstStateChangeReturn ret;

  gst_bin_add (GST_BIN (pipeline), blur);
  rb_config_apply_headblur (config, G_OBJECT (blur));
  g_object_get (blur, "model", &model, NULL);
  ret = gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    g_autoptr (GstMessage) msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    GError *err = NULL;

    if (msg != NULL)
      gst_message_parse_error (msg, &err, NULL);
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "%s: [headblur] model: cannot load the detector model %s: %s",
        config->path, model, err ? err->message : "unknown error");
    g_clear_error (&err);
    return FALSE;
  }
  return TRUE;
}

gboolean
rb_check_state_dir (const RbConfig * config, gboolean leave_nothing,
    GError ** error)
{
  const gchar *subdirs[] = { "raw", "anonymized", "queue" };
  g_autoptr (GPtrArray) created = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *probe = NULL;
  gboolean ok = TRUE;
  guint i;

  /* state-dir and its missing parents, outermost first */
  {
    gchar *d = g_strdup (config->state_dir);

    while (d != NULL && !g_file_test (d, G_FILE_TEST_EXISTS)) {
      gchar *parent = g_path_get_dirname (d);

      g_ptr_array_insert (created, 0, d);
      d = g_str_equal (parent, d) ? (g_free (parent), NULL) : parent;
    }
    g_free (d);
  }
  for (i = 0; i < G_N_ELEMENTS (subdirs); i++) {
    gchar *dir = g_build_filename (config->state_dir, subdirs[i], NULL);

    if (!g_file_test (dir, G_FILE_TEST_EXISTS))
      g_ptr_array_add (created, g_strdup (dir));
    if (g_mkdir_with_parents (dir, 0750) < 0) {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
          "%s: [rtsp-blur] state-dir: cannot create %s: %s", config->path,
          dir, g_strerror (errsv));
      g_free (dir);
      ok = FALSE;
      break;
    }
    g_free (dir);
  }
  /* the segments on the shared storage ([cluster] storage-dir) */
  for (i = 0; ok && config->cluster_storage_dir != NULL && i < 2; i++) {
    g_autofree gchar *dir = g_build_filename (config->cluster_storage_dir,
        subdirs[i], NULL);

    if (g_mkdir_with_parents (dir, 0750) < 0) {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
          "%s: [cluster] storage-dir: cannot create %s: %s", config->path,
          dir, g_strerror (errsv));
      ok = FALSE;
    }
  }
  if (ok) {
    probe = g_build_filename (rb_config_media_dir (config), "raw",
        ".write-test", NULL);
    if (!g_file_set_contents (probe, "", 0, NULL) || g_unlink (probe) < 0) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES,
          "%s: %s: %s is not writable", config->path,
          config->cluster_storage_dir ? "[cluster] storage-dir" :
          "[rtsp-blur] state-dir", rb_config_media_dir (config));
      ok = FALSE;
    }
  }
  if (leave_nothing)
    for (i = created->len; i > 0; i--)
      g_rmdir (g_ptr_array_index (created, i - 1));
  return ok;
}

gboolean
rb_check_listeners (const RbConfig * config, GError ** error)
{
  guint i;

  for (i = 0; i < config->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (config->networks, i);
    g_autoptr (GInetAddress) addr = g_inet_address_new_from_string
        (net->address);
    g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (addr, net->port);
    g_autoptr (GSocket) sock = NULL;
    GError *err = NULL;

    sock = g_socket_new (g_inet_address_get_family (addr),
        G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
    if (sock != NULL)
      g_socket_bind (sock, sa, TRUE, &err);
    if (err != NULL) {
      g_set_error (error, err->domain, err->code,
          "%s: [network:%s] address: cannot listen on %s port %u: %s",
          config->path, net->name, net->address, net->port, err->message);
      g_error_free (err);
      return FALSE;
    }
  }
  return TRUE;
}
