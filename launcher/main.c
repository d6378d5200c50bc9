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

/* rtsp-blur: the launcher. Runs every camera, the segment workers and one
 * RTSP listener per network from one config file: it parses the options,
 * loads and checks the config, and runs the daemon (daemon/) on the main
 * loop until a signal stops it.
 *
 *   rtsp-blur --config FILE [--log-level LEVEL]
 *   rtsp-blur --check-config --config FILE
 *
 * Run from the build tree, it puts the build's plugin directories first in
 * GST_PLUGIN_PATH_1_0 before GStreamer starts (an installed one does not).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>

#include "rb-checks.h"
#include "rb-config.h"
#include "rb-daemon.h"
#include "rb-log.h"
#include "rb-malloc.h"
#include "rb-config-doc.h"
#include "rb-notify.h"
#include "rb-paths.h"
#include "rb-status.h"
#include "rb-web.h"
#ifdef RB_HAVE_CLUSTER
#include "rb-cluster-node.h"
#include "rb-cluster-status.h"
#include "rb-recordings.h"
#endif

static gchar *opt_config = NULL;
static gboolean opt_check_config = FALSE;
static gboolean opt_version = FALSE;
static gchar *opt_log_level = NULL;
static gboolean opt_verbose = FALSE;
static gint opt_print_config = -1;      /* an RbConfigDocFormat */

static gboolean
rb_on_print_config (const gchar * name, const gchar * value, gpointer data,
    GError ** error)
{
  RbConfigDocFormat format;

  if (!rb_config_doc_format_from_string (value ? value : "markdown", &format)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "%s: must be one of markdown|man|sample (got '%s')", name, value);
    return FALSE;
  }
  opt_print_config = format;
  return TRUE;
}

static const GOptionEntry entries[] = {
  {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
      "The configuration file (GKeyFile)", "FILE"},
  {"check-config", 0, 0, G_OPTION_ARG_NONE, &opt_check_config,
      "Validate the configuration and the environment, then exit", NULL},
  {"version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
      "Print the version and exit", NULL},
  {"log-level", 0, 0, G_OPTION_ARG_STRING, &opt_log_level,
      "Least severe messages logged: error, warning, info (default) or "
        "debug", "LEVEL"},
  {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
      "Same as --log-level=debug", NULL},
  {"print-config-reference", 0, G_OPTION_FLAG_OPTIONAL_ARG,
        G_OPTION_ARG_CALLBACK, rb_on_print_config,
        "Print every config key, as Markdown (the default), as the man "
        "page's section (man) or as a sample config (sample), then exit",
      "FORMAT"},
  {NULL}
};

/* A launcher run from the build tree uses the plugins built with it: their
 * directories (RB_BUILD_PLUGIN_PATH) go first in GST_PLUGIN_PATH_1_0 (which
 * GStreamer reads instead of GST_PLUGIN_PATH when set, so the latter is
 * kept behind them). Must run before gst_init(). An installed launcher
 * leaves the environment alone: its plugins are in the plugin directory. */
static void
rb_use_build_tree_plugins (void)
{
  const gchar *old;
  g_autofree gchar *path = NULL;

  if (!rb_paths_in_build_tree ())
    return;
  old = g_getenv ("GST_PLUGIN_PATH_1_0");
  if (old == NULL)
    old = g_getenv ("GST_PLUGIN_PATH");
  if (old != NULL && *old != '\0')
    path = g_strjoin (G_SEARCHPATH_SEPARATOR_S, RB_BUILD_PLUGIN_PATH, old,
        NULL);
  else
    path = g_strdup (RB_BUILD_PLUGIN_PATH);
  g_setenv ("GST_PLUGIN_PATH_1_0", path, TRUE);
}

static gboolean
rb_on_stop_signal (gpointer user_data)
{
  rb_daemon_stop (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
rb_on_sighup (gpointer user_data)
{
  rb_daemon_log_status (user_data);
  rb_daemon_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

/* Runs the daemon until SIGINT or SIGTERM stops it (a second one: at
 * once); SIGHUP logs its status and re-announces the ONVIF devices whose
 * interface changed. */
static gint
rb_run (const RbConfig * config)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (RbDaemon) daemon = rb_daemon_new (config, loop);
  guint signal_sources[3];
  gint code;

  code = rb_daemon_start (daemon);
  if (code != RB_EXIT_OK)
    return code;
  signal_sources[0] = g_unix_signal_add (SIGINT, rb_on_stop_signal, daemon);
  signal_sources[1] = g_unix_signal_add (SIGTERM, rb_on_stop_signal, daemon);
  signal_sources[2] = g_unix_signal_add (SIGHUP, rb_on_sighup, daemon);
  /* the unit is Type=notify; ready once set up and the signals
   * are handled (a reload right after start must not kill the daemon) */
  rb_notify ("READY=1");
  g_main_loop_run (loop);
  code = rb_daemon_finish (daemon);
  for (guint i = 0; i < G_N_ELEMENTS (signal_sources); i++)
    g_source_remove (signal_sources[i]);
  return code;
}

int
main (int argc, char **argv)
{
  g_autoptr (RbConfig) config = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GTypeClass) headblur_class = NULL;
  gboolean status, db_migrate, recordings, drain;
  GError *err = NULL;
  /* before any thread starts */
  guint arena_max = rb_malloc_configure ();

  rb_log_init ();
  rb_use_build_tree_plugins ();
  if (arena_max > 0)
    g_debug ("malloc: at most %u arenas", arena_max);
  else
    g_debug ("malloc: arenas as the environment sets them");

  context = g_option_context_new ("[status] - anonymize RTSP cameras and "
      "republish them");
  g_option_context_set_description (context, "Commands:\n"
      "  (none)    run the cameras, the workers and the listeners\n"
      "  status    print the state of the running rtsp-blur, from its "
      "metrics\n"
      "  db migrate  create or migrate the [cluster] database's schema, in "
      "a transaction\n"
      "  recordings  list the [cluster] catalog's segments (--camera, "
      "--from, --to, --json)\n"
      "  cluster drain NODE    the node hands its cameras over to the "
      "others and takes none\n"
      "  cluster undrain NODE  the node takes cameras again\n");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
#ifdef RB_HAVE_CLUSTER
  g_option_context_add_group (context, rb_recordings_option_group ());
#endif
  if (!g_option_context_parse (context, &argc, &argv, &err)) {
    fprintf (stderr, "rtsp-blur: %s\n", err->message);
    g_error_free (err);
    return RB_EXIT_USAGE;
  }
  if (!rb_log_set_level (opt_log_level, opt_verbose)) {
    fprintf (stderr, "rtsp-blur: --log-level: must be one of "
        "error|warning|info|debug (got '%s')\n", opt_log_level);
    return RB_EXIT_USAGE;
  }
  if (opt_version) {
    printf ("rtsp-blur %s\n", VERSION);
    return RB_EXIT_OK;
  }
  if (opt_print_config >= 0) {
    g_autoptr (GTypeClass) klass = rb_check_element_class ("headblur");
    g_autofree gchar *text = rb_config_doc_print (opt_print_config,
        (GObjectClass *) klass);

    fputs (text, stdout);
    return RB_EXIT_OK;
  }
  if (opt_config == NULL) {
    fprintf (stderr, "rtsp-blur: --config FILE is required (see --help)\n");
    return RB_EXIT_USAGE;
  }
  db_migrate = argc == 3 && g_str_equal (argv[1], "db")
      && g_str_equal (argv[2], "migrate");
  recordings = argc == 2 && g_str_equal (argv[1], "recordings");
  drain = argc == 4 && g_str_equal (argv[1], "cluster")
      && (g_str_equal (argv[2], "drain") || g_str_equal (argv[2], "undrain"));
  if (!db_migrate && !recordings && !drain && (argc > 2 || (argc == 2
              && !g_str_equal (argv[1], "status")))) {
    g_autofree gchar *command = g_strjoinv (" ", argv + 1);

    fprintf (stderr, "rtsp-blur: unknown command '%s' (the commands are "
        "status, recordings, db migrate, cluster drain NODE and cluster "
        "undrain NODE)\n", command);
    return RB_EXIT_USAGE;
  }
  status = argc == 2 && !recordings;

  if (!rb_check_elements (&err)) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    g_error_free (err);
    return RB_EXIT_UNAVAILABLE;
  }

  /* the headblur element's properties are the schema of [headblur] */
  headblur_class = rb_check_element_class ("headblur");
  config = rb_config_load (opt_config, (GObjectClass *) headblur_class, &err);
  if (config == NULL) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    gint code = err->domain == G_FILE_ERROR ? RB_EXIT_NOINPUT : RB_EXIT_CONFIG;
    g_error_free (err);
    return code;
  }
  if (db_migrate) {
#ifdef RB_HAVE_CLUSTER
    guint from = 0, to = 0;

    if (!config->cluster) {
      fprintf (stderr, "rtsp-blur: error: %s: db migrate needs a [cluster] "
          "group\n", opt_config);
      return RB_EXIT_CONFIG;
    }
    if (!rb_cluster_connect_and_migrate (config, TRUE, &from, &to, &err)) {
      fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
      g_error_free (err);
      return RB_EXIT_UNAVAILABLE;
    }
    if (from == to)
      printf ("rtsp-blur: the database schema is at version %u: nothing "
          "to migrate\n", to);
    else
      printf ("rtsp-blur: the database schema migrated from version %u to "
          "%u\n", from, to);
    return RB_EXIT_OK;
#else
    fprintf (stderr, "rtsp-blur: error: db migrate: this rtsp-blur was "
        "built without cluster support (libpq)\n");
    return RB_EXIT_UNAVAILABLE;
#endif
  }
  if (recordings) {
#ifdef RB_HAVE_CLUSTER
    if (!config->cluster) {
      fprintf (stderr, "rtsp-blur: error: %s: recordings needs a [cluster] "
          "group (the catalog is in its database)\n", opt_config);
      return RB_EXIT_CONFIG;
    }
    if (!rb_recordings_command (config, stdout, &err)) {
      gint code = err->domain == G_IO_ERROR ? RB_EXIT_USAGE :
          RB_EXIT_UNAVAILABLE;

      fprintf (stderr, "rtsp-blur: error: recordings: %s\n", err->message);
      g_error_free (err);
      return code;
    }
    return RB_EXIT_OK;
#else
    fprintf (stderr, "rtsp-blur: error: recordings: this rtsp-blur was "
        "built without cluster support (libpq)\n");
    return RB_EXIT_UNAVAILABLE;
#endif
  }
  if (drain) {
#ifdef RB_HAVE_CLUSTER
    gboolean draining = g_str_equal (argv[2], "drain"), alive = FALSE;

    if (!config->cluster) {
      fprintf (stderr, "rtsp-blur: error: %s: cluster %s needs a [cluster] "
          "group\n", opt_config, argv[2]);
      return RB_EXIT_CONFIG;
    }
    if (!rb_cluster_set_draining (config, argv[3], draining, &alive, &err)) {
      fprintf (stderr, "rtsp-blur: error: %s: [cluster] database: %s\n",
          opt_config, err->message);
      gint code = g_error_matches (err, RB_DB_ERROR, RB_DB_ERROR_INVALID) ?
          RB_EXIT_USAGE : RB_EXIT_UNAVAILABLE;
      g_error_free (err);
      return code;
    }
    printf ("rtsp-blur: node %s %s%s\n", argv[3], draining ? "is draining: "
        "it hands its cameras over to the other nodes and takes none" :
        "takes cameras again", alive ? "" : " (it is not running now)");
    return RB_EXIT_OK;
#else
    fprintf (stderr, "rtsp-blur: error: cluster %s: this rtsp-blur was "
        "built without cluster support (libpq)\n", argv[2]);
    return RB_EXIT_UNAVAILABLE;
#endif
  }
  if (status) {
    if (config->metrics_port == 0) {
      fprintf (stderr, "rtsp-blur: error: %s: [rtsp-blur] metrics-port is 0: "
          "the daemon has no management listener to ask\n", opt_config);
      return RB_EXIT_CONFIG;
    }
    gint code = RB_EXIT_OK;

    if (!rb_status_print (config->metrics_address,
            config->metrics_port, stdout, &err)) {
      fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
      g_clear_error (&err);
      code = RB_EXIT_UNAVAILABLE;
    }
#ifdef RB_HAVE_CLUSTER
    /* the cluster's view, from its database, even when this node is down */
    if (config->cluster
        && !rb_cluster_status_print_config (config, stdout, &err)) {
      fprintf (stderr, "rtsp-blur: error: %s: [cluster] database: %s\n",
          opt_config, err->message);
      g_clear_error (&err);
      code = RB_EXIT_UNAVAILABLE;
    }
#endif
    return code;
  }
  if (!rb_check_headblur (config, &err)) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    g_error_free (err);
    return RB_EXIT_NOINPUT;
  }
  if (!rb_check_state_dir (config, opt_check_config, &err)) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    g_error_free (err);
    return RB_EXIT_CANTCREAT;
  }
  if (opt_check_config) {
    if (!rb_check_listeners (config, &err)
        || !rb_web_check (config, &err)) {      /* page, users, TLS */
      fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
      g_error_free (err);
      return RB_EXIT_CONFIG;
    }
#ifdef RB_HAVE_CLUSTER
    if (config->cluster
        && !rb_cluster_connect_and_migrate (config, FALSE, NULL, NULL, &err)) {
      fprintf (stderr, "rtsp-blur: error: %s: [cluster] database: %s\n",
          opt_config, err->message);
      g_error_free (err);
      return RB_EXIT_UNAVAILABLE;
    }
#endif
    printf ("rtsp-blur: %s is valid: %u cameras, %u networks\n",
        config->path, config->cameras->len, config->networks->len);
    return RB_EXIT_OK;
  }

  return rb_run (config);
}
