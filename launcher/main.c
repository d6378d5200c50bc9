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
 * RTSP listener per network from one config file.
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

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "rb-camera.h"
#include "rb-config.h"
#include "rb-publisher.h"
#include "rb-metrics.h"
#include "rb-paths.h"
#include "rb-status.h"
#include "rb-notify.h"
#include "rb-retention.h"
#include "rb-deletions.h"
#include "rb-worker.h"
#include "rb-web.h"

/* sysexits(3) values, as WirePlumber uses them */
typedef enum {
  RB_EXIT_OK = 0,
  RB_EXIT_USAGE = 64,           /* bad command line */
  RB_EXIT_NOINPUT = 66,         /* a model or the config cannot be read */
  RB_EXIT_UNAVAILABLE = 69,     /* a GStreamer element is missing */
  RB_EXIT_SOFTWARE = 70,        /* internal error */
  RB_EXIT_CANTCREAT = 73,       /* state-dir not writable */
  RB_EXIT_CONFIG = 78,          /* invalid config */
} RbExitCode;

#define LISTENER_RETRY_S 10
#define RETENTION_INTERVAL_S 5
#define WORKER_CHECK_TIMEOUT_S 10
/* Files that could not be deleted are tried again (when due) this often. */
#define DELETIONS_INTERVAL_MS 1000

typedef struct {
  RbConfig *config;
  GMainLoop *loop;
  GPtrArray *feeds;             /* of RbLiveFeed * */
  GPtrArray *cameras;           /* of RbCamera * */
  GPtrArray *publishers;        /* of RbPublisher * */
  RbWorkers *workers;
  RbJournal *journal;           /* the segment queue, state-dir/queue */
  RbRetention *retention;
  guint retention_source;
  RbDeletions *deletions;       /* issue 16: deletions retried */
  guint deletions_source;
  RbMetrics *metrics;
  RbWeb *web;                   /* issue 8: HLS, operator page, chat */
  guint cameras_running;
  guint signal_sources[3];
  guint listener_retry_source;
  gboolean stopping;
  gint exit_code;
} RbDaemon;

static gchar *opt_config = NULL;
static gboolean opt_check_config = FALSE;
static gboolean opt_version = FALSE;
static gchar *opt_log_level = NULL;
static gboolean opt_verbose = FALSE;

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
  {NULL}
};

static void
rb_daemon_clear (RbDaemon * daemon)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (daemon->signal_sources); i++)
    if (daemon->signal_sources[i])
      g_source_remove (daemon->signal_sources[i]);
  if (daemon->listener_retry_source)
    g_source_remove (daemon->listener_retry_source);
  if (daemon->retention_source)
    g_source_remove (daemon->retention_source);
  if (daemon->deletions_source)
    g_source_remove (daemon->deletions_source);
  g_clear_pointer (&daemon->metrics, rb_metrics_free);
  g_clear_pointer (&daemon->web, rb_web_free);
  g_clear_pointer (&daemon->workers, rb_workers_free);
  g_clear_pointer (&daemon->retention, rb_retention_free);
  g_clear_pointer (&daemon->deletions, rb_deletions_free);
  g_clear_pointer (&daemon->journal, rb_journal_free);
  g_clear_pointer (&daemon->cameras, g_ptr_array_unref);
  g_clear_pointer (&daemon->publishers, g_ptr_array_unref);
  g_clear_pointer (&daemon->feeds, g_ptr_array_unref);
  g_clear_pointer (&daemon->loop, g_main_loop_unref);
  g_clear_pointer (&daemon->config, rb_config_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RbDaemon, rb_daemon_clear)

/* ---- logging ---- */

/* The least severe level written (GLib's levels grow less severe with
 * their bit): G_LOG_LEVEL_INFO writes errors, warnings, g_message and
 * g_info; G_LOG_LEVEL_DEBUG also g_debug. Set once, before the first
 * thread starts. */
static GLogLevelFlags rb_log_threshold = G_LOG_LEVEL_INFO;
/* stderr is connected to the systemd journal (JOURNAL_STREAM) */
static gboolean rb_log_to_journal = FALSE;

static const struct {
  const gchar *name;
  GLogLevelFlags threshold;
} rb_log_levels[] = {
  {"error", G_LOG_LEVEL_CRITICAL},
  {"warning", G_LOG_LEVEL_WARNING},
  {"info", G_LOG_LEVEL_INFO},
  {"debug", G_LOG_LEVEL_DEBUG},
};

/* Sets rb_log_threshold from --log-level / -v, or from G_MESSAGES_DEBUG
 * (debug) when neither is given. Returns FALSE for an unknown level. */
static gboolean
rb_log_set_level (const gchar * name, gboolean verbose)
{
  gsize i;

  if (name == NULL) {
    rb_log_threshold = verbose || g_getenv ("G_MESSAGES_DEBUG") != NULL ?
        G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_INFO;
    return TRUE;
  }
  for (i = 0; i < G_N_ELEMENTS (rb_log_levels); i++)
    if (g_str_equal (name, rb_log_levels[i].name)) {
      rb_log_threshold = verbose ? G_LOG_LEVEL_DEBUG :
          rb_log_levels[i].threshold;
      return TRUE;
    }
  return FALSE;
}

/* Every log line: dropped below the threshold; to the journal, with its
 * priority and GLib's fields, when stderr is the journal stream (falling
 * back to stderr if the journal does not take it); otherwise one line
 * "HH:MM:SS.mmm rtsp-blur: LEVEL: message" on stderr. */
static GLogWriterOutput
rb_log_writer (GLogLevelFlags level, const GLogField * fields, gsize n_fields,
    gpointer user_data)
{
  const gchar *message = NULL, *prefix;
  guint severity = level & G_LOG_LEVEL_MASK;
  g_autoptr (GDateTime) now = NULL;
  g_autofree gchar *stamp = NULL;
  gsize i;

  /* the most severe bit set decides */
  severity &= ~severity + 1;
  if (severity > (guint) rb_log_threshold)
    return G_LOG_WRITER_HANDLED;
  if (rb_log_to_journal
      && g_log_writer_journald (level, fields, n_fields,
          user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  for (i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    prefix = "error";
  else if (level & G_LOG_LEVEL_WARNING)
    prefix = "warning";
  else if (level & G_LOG_LEVEL_DEBUG)
    prefix = "debug";
  else
    prefix = "info";
  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%H:%M:%S.%f");
  /* microseconds cut to milliseconds */
  stamp[strlen (stamp) - 3] = '\0';
  fprintf (stderr, "%s rtsp-blur: %s: %s\n", stamp, prefix,
      message ? message : "");
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

/* ---- plugins ---- */

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

/* ---- environment checks ---- */

static const gchar *required_elements[] = {
  "rtspsrc", "rtph264depay", "rtph265depay", "h264parse", "h265parse",
  "videoconvert", "headblur", "segmentqueue", "safedec",
  "x264enc", "matroskamux", "parsebin", "appsink", "appsrc", "rtph264pay",
  "tee", "queue",
  "hlssink2", "mpegtsmux",     /* issue 8: HLS */
  NULL
};

static gboolean
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

/* The class of element @factory_name (a new reference), or NULL. */
static GTypeClass *
rb_get_element_class (const gchar * factory_name)
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

/* Loads the model for real with the config's [headblur] settings: a
 * missing or corrupt model is reported now, not when a camera connects. */
static gboolean
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

/* Creates state-dir's raw/, anonymized/ and queue/ and checks that raw/ is
 * writable. With @leave_nothing (--check-config) the directories it had to
 * create are removed again: run as root by an operator, it must not leave
 * root-owned directories in the state directory of a service that runs as
 * another user (systemd only re-owns a StateDirectory= whose top is not
 * the service's user: issue 18). */
static gboolean
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
  if (ok) {
    probe = g_build_filename (config->state_dir, "raw", ".write-test", NULL);
    if (!g_file_set_contents (probe, "", 0, NULL) || g_unlink (probe) < 0) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES,
          "%s: [rtsp-blur] state-dir: %s is not writable", config->path,
          config->state_dir);
      ok = FALSE;
    }
  }
  if (leave_nothing)
    for (i = created->len; i > 0; i--)
      g_rmdir (g_ptr_array_index (created, i - 1));
  return ok;
}

/* Binds (and releases) each listener's address and port. */
static gboolean
rb_check_listeners (const RbConfig * config, GError ** error)
{
  guint i;

  for (i = 0; i < config->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (config->networks, i);
    g_autoptr (GInetAddress) addr = g_inet_address_new_from_string
        (net->address);
    g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (addr,
        net->port);
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

/* ---- running ---- */

static void
rb_daemon_on_segment_queued (RbCamera * camera, const gchar * location,
    gboolean recovered, gpointer user_data)
{
  RbDaemon *daemon = user_data;

  /* the budget holds within one segment: checked at every new one */
  rb_retention_add (daemon->retention, location);
  rb_retention_run (daemon->retention);
  if (daemon->workers != NULL)
    rb_workers_wake (daemon->workers);
}

/* Retention by age, and free space taken by others, every few seconds. */
static gboolean
rb_daemon_on_retention (gpointer user_data)
{
  RbDaemon *daemon = user_data;

  rb_retention_run (daemon->retention);
  return G_SOURCE_CONTINUE;
}

/* Deletions that failed, tried again when their back-off is due. */
static gboolean
rb_daemon_on_deletions (gpointer user_data)
{
  RbDaemon *daemon = user_data;

  rb_deletions_run (daemon->deletions, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

static void
rb_daemon_on_camera_stopped (RbCamera * camera, gpointer user_data)
{
  RbDaemon *daemon = user_data;

  if (!daemon->stopping)
    return;
  g_message ("camera %s: stopped", rb_camera_get_name (camera));
  if (--daemon->cameras_running > 0)
    return;
  if (daemon->workers != NULL) {
    g_message ("stopping the segment workers");
    rb_workers_stop (daemon->workers);
  }
  g_message ("stopped");
  g_main_loop_quit (daemon->loop);
}

static void
rb_daemon_stop (RbDaemon * daemon)
{
  guint i;

  if (daemon->stopping) {
    g_warning ("second stop request: exiting now");
    daemon->exit_code = RB_EXIT_SOFTWARE;
    g_main_loop_quit (daemon->loop);
    return;
  }
  daemon->stopping = TRUE;
  g_message ("stopping: finalizing the open segments");
  daemon->cameras_running = daemon->cameras->len;
  for (i = 0; i < daemon->cameras->len; i++)
    rb_camera_stop (g_ptr_array_index (daemon->cameras, i));
}

static gboolean
rb_daemon_on_stop_signal (gpointer user_data)
{
  rb_daemon_stop (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
rb_daemon_on_sighup (gpointer user_data)
{
  RbDaemon *daemon = user_data;
  guint i;

  for (i = 0; i < daemon->cameras->len; i++) {
    RbCamera *camera = g_ptr_array_index (daemon->cameras, i);

    g_message ("status: camera %s %s, %u restarts, %" G_GUINT64_FORMAT
        " live frames", rb_camera_get_name (camera),
        rb_camera_is_receiving (camera) ? "receiving" : "not receiving",
        rb_camera_get_restarts (camera),
        rb_live_feed_get_samples (g_ptr_array_index (daemon->feeds, i)));
  }
  if (daemon->workers != NULL)
    g_message ("status: %u segments anonymized, %u failures",
        rb_workers_get_completed (daemon->workers),
        rb_workers_get_failed (daemon->workers));
  return G_SOURCE_CONTINUE;
}

/* ---- metrics ---- */

static void
rb_daemon_collect (GString * out, gpointer user_data)
{
  RbDaemon *d = user_data;
  const gchar *states[] = { "connecting", "receiving", "stalled",
    "reconnecting", "restarting", "stopping", "stopped"
  };
  const gchar *queue_states[] = { "pending", "claimed", "done",
    "quarantine", "evicted"
  };
  guint n = d->cameras->len, i;
  RbCameraStats *st = g_new0 (RbCameraStats, MAX (n, 1));
  gchar **label = g_new0 (gchar *, n + 1);
  RbDiskUsage disk;
  GList *pending;
  gint64 oldest = 0;

  for (i = 0; i < n; i++) {
    RbCamera *camera = g_ptr_array_index (d->cameras, i);
    g_autofree gchar *name = rb_metrics_escape (rb_camera_get_name (camera));

    rb_camera_get_stats (camera, &st[i]);
    label[i] = g_strdup_printf ("camera=\"%s\"", name);
  }

  rb_metrics_add (out, "rtsp_blur_up", "gauge",
      "1 while rtsp-blur runs", "", 1);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_up", "gauge", i ? NULL :
        "Whether the camera's video is being received (1) or not (0)",
        label[i], st[i].receiving);
  for (i = 0; i < n; i++) {
    for (guint k = 0; k < G_N_ELEMENTS (states); k++) {
      g_autofree gchar *l = g_strdup_printf ("%s,state=\"%s\"", label[i],
          states[k]);

      rb_metrics_add (out, "rtsp_blur_camera_state", "gauge",
          i || k ? NULL : "The camera's state (1 for the current one)", l,
          g_str_equal (st[i].state, states[k]));
    }
  }
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_recording", "gauge", i ? NULL :
        "Whether the camera is being recorded (0 while a write error pauses "
        "it or the camera is down)", label[i], st[i].recording);
  /* issue 16: write errors */
  for (i = 0; i < n; i++) {
    for (guint k = RB_WRITE_REASON_NONE + 1; k < RB_WRITE_N_REASONS; k++) {
      g_autofree gchar *l = g_strdup_printf ("%s,reason=\"%s\"", label[i],
          rb_write_reason_name (k));

      rb_metrics_add (out, "rtsp_blur_camera_recording_paused", "gauge",
          i || k > RB_WRITE_REASON_NONE + 1 ? NULL : "Whether a write error "
          "paused the camera's recording (1 for the reason of the current "
          "pause: no-space, read-only, permission, missing, io, other)", l,
          st[i].recording_paused && st[i].write_reason == k);
    }
  }
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_recording_pauses_total",
        "counter", i ? NULL : "Times a write error paused the camera's "
        "recording (including a failure right after a resume)", label[i],
        st[i].recording_pauses);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_frames_received_total",
        "counter", i ? NULL : "Video frames received from the camera",
        label[i], st[i].frames_received);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_frames_published_total",
        "counter", i ? NULL : "Anonymized frames sent to the live streams",
        label[i], rb_live_feed_get_samples (g_ptr_array_index (d->feeds,
                i)));
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_reconnects_total", "counter",
        i ? NULL : "Times the camera's pipeline was rebuilt", label[i],
        st[i].reconnects);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_abandoned_pipelines_total",
        "counter", i ? NULL : "Camera pipelines that did not stop within 5 s "
        "(stuck in GStreamer) and were left behind", label[i],
        st[i].abandoned_pipelines);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_camera_last_frame_age_seconds", "gauge",
        i ? NULL : "Seconds since the camera's last video frame (NaN: none "
        "in this connection)", label[i], st[i].last_frame_age_s < 0 ? NAN :
        st[i].last_frame_age_s);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_headblur_frames_total", "counter",
        i ? NULL : "Frames anonymized on the live path", label[i],
        st[i].headblur_frames);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_headblur_detections_total", "counter",
        i ? NULL : "Detector runs on the live path", label[i],
        st[i].detections);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_headblur_skipped_detections_total",
        "counter", i ? NULL : "Detector runs skipped because headblur was "
        "behind", label[i], st[i].skipped_detections);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_headblur_overload_frames_total",
        "counter", i ? NULL : "Live frames masked by the overload policy "
        "(whole or enlarged)", label[i], st[i].overload_frames);
  for (i = 0; i < n; i++)
    rb_metrics_add (out, "rtsp_blur_headblur_corrupt_frames_total",
        "counter", i ? NULL : "Live frames masked whole (or dropped, "
        "corrupt-mode) because they were decoded with errors or after a "
        "loss, before the next clean key frame", label[i],
        st[i].corrupt_frames);

  for (guint k = 0; k < G_N_ELEMENTS (queue_states); k++) {
    g_autofree gchar *l = g_strdup_printf ("state=\"%s\"",
        queue_states[k]);

    rb_metrics_add (out, "rtsp_blur_queue_segments", "gauge",
        k ? NULL : "Segments in the queue, by state", l,
        rb_journal_count (d->journal, (RbJournalItemState) k));
  }
  pending = rb_journal_list (d->journal, RB_JOURNAL_ITEM_PENDING);
  for (GList * l = pending; l != NULL; l = l->next) {
    RbJournalItem *item = l->data;

    if (oldest == 0 || item->enqueued_us < oldest)
      oldest = item->enqueued_us;
  }
  g_list_free_full (pending, (GDestroyNotify) rb_journal_item_free);
  rb_metrics_add (out, "rtsp_blur_queue_oldest_pending_age_seconds",
      "gauge", "Age of the oldest segment waiting to be anonymized (0: none)",
      "", oldest ? (g_get_real_time () - oldest) / 1e6 : 0);
  rb_metrics_add (out, "rtsp_blur_segments_anonymized_total", "counter",
      "Segments anonymized and verified since start", "",
      d->workers ? rb_workers_get_completed (d->workers) : 0);
  rb_metrics_add (out, "rtsp_blur_segments_remuxed_total", "counter",
      "Of those, segments remuxed unchanged (nothing detected, no zone)", "",
      d->workers ? rb_workers_get_remuxed (d->workers) : 0);
  rb_metrics_add (out, "rtsp_blur_segments_failed_attempts_total", "counter",
      "Attempts to anonymize a segment that failed since start", "",
      d->workers ? rb_workers_get_failed (d->workers) : 0);
  rb_metrics_add (out, "rtsp_blur_segments_corrupt_frames_total", "counter",
      "Frames of the segments anonymized since start masked whole (or "
      "dropped) because they were decoded with errors or after a loss", "",
      d->workers ? rb_workers_get_corrupt_frames (d->workers) : 0);
  rb_metrics_add (out, "rtsp_blur_segments_quarantined_total", "counter",
      "Segments quarantined since start (raw kept, reason in the queue)", "",
      d->workers ? rb_workers_get_quarantined (d->workers) : 0);
  {
    gboolean paused = FALSE;
    RbWriteReason reason = RB_WRITE_REASON_NONE;
    guint64 pauses = 0;

    if (d->workers != NULL)
      rb_workers_get_write_state (d->workers, &paused, &reason, &pauses);
    for (guint k = RB_WRITE_REASON_NONE + 1; k < RB_WRITE_N_REASONS; k++) {
      g_autofree gchar *l = g_strdup_printf ("reason=\"%s\"",
          rb_write_reason_name (k));

      rb_metrics_add (out, "rtsp_blur_workers_paused", "gauge",
          k > RB_WRITE_REASON_NONE + 1 ? NULL : "Whether a write error "
          "paused the segment workers (1 for the reason of the current "
          "pause)", l, paused && reason == k);
    }
    rb_metrics_add (out, "rtsp_blur_workers_pauses_total", "counter",
        "Times a write error paused the segment workers", "", pauses);
  }
  rb_metrics_add (out, "rtsp_blur_deletions_pending", "gauge",
      "Files the daemon must delete but could not yet (retried with "
      "back-off)", "", rb_deletions_get_pending (d->deletions));
  rb_metrics_add (out, "rtsp_blur_deletions_deferred_total", "counter",
      "Files that could not be deleted at the first attempt since start", "",
      rb_deletions_get_deferred (d->deletions));
  rb_retention_get_usage (d->retention, &disk);
  rb_metrics_add (out, "rtsp_blur_segments_evicted_total", "counter",
      "Segments deleted by retention or the disk budget since start", "",
      disk.evicted);
  rb_metrics_add (out, "rtsp_blur_disk_used_bytes", "gauge",
      "Bytes taken by the segments", "kind=\"raw\"", disk.raw_bytes);
  rb_metrics_add (out, "rtsp_blur_disk_used_bytes", "gauge", NULL,
      "kind=\"anonymized\"", disk.anonymized_bytes);
  rb_metrics_add (out, "rtsp_blur_disk_free_bytes", "gauge",
      "Free bytes on the state directory's file system", "",
      disk.free_bytes == G_MAXUINT64 ? NAN : disk.free_bytes);
  rb_metrics_add (out, "rtsp_blur_disk_budget_bytes", "gauge",
      "max-disk-usage in bytes (0: none)", "", disk.budget_bytes);

  for (i = 0; i < d->publishers->len; i++) {
    RbPublisher *pub = g_ptr_array_index (d->publishers, i);
    g_autofree gchar *name = rb_metrics_escape (rb_publisher_get_name (pub));
    g_autofree gchar *l = g_strdup_printf ("network=\"%s\"", name);
    guint connections, viewers;
    guint64 refused;

    rb_publisher_get_counts (pub, &connections, &viewers, &refused);
    rb_metrics_add (out, "rtsp_blur_network_viewers", "gauge", i ? NULL :
        "RTSP clients of the network that set up a stream", l, viewers);
    rb_metrics_add (out, "rtsp_blur_network_connections", "gauge", i ? NULL :
        "RTSP connections open on the network", l, connections);
    rb_metrics_add (out, "rtsp_blur_network_refused_connections_total",
        "counter", i ? NULL : "Connections refused by allow, max-connections "
        "and max-connections-per-client, and stream set-ups refused by "
        "max-viewers", l, refused);
    {
      guint64 auth_failures, dropped_slow;

      rb_publisher_get_access_counts (pub, &auth_failures, &dropped_slow);
      rb_metrics_add (out, "rtsp_blur_network_auth_failures_total",
          "counter", i ? NULL : "RTSP requests with wrong credentials", l,
          auth_failures);
      rb_metrics_add (out, "rtsp_blur_network_slow_viewers_dropped_total",
          "counter", i ? NULL : "Viewers dropped for taking nothing or "
          "falling far behind live", l, dropped_slow);
    }
    rb_metrics_add (out, "rtsp_blur_network_serving", "gauge", i ? NULL :
        "Whether the network's listener is bound", l,
        rb_publisher_is_serving (pub));
  }
  rb_web_collect (d->web, out);        /* issue 8: browsers */
  g_strfreev (label);
  g_free (st);
}

/* Starts the listeners that are not serving yet; returns how many still
 * fail. A listener whose address is not (yet) on this machine does not stop
 * the cameras nor the other listeners: it is retried. */
static guint
rb_daemon_start_listeners (RbDaemon * daemon)
{
  guint i, j, failing = 0;

  for (i = 0; i < daemon->publishers->len; i++) {
    RbPublisher *pub = g_ptr_array_index (daemon->publishers, i);
    RbNetworkConfig *net = g_ptr_array_index (daemon->config->networks, i);
    GError *err = NULL;

    if (rb_publisher_is_serving (pub))
      continue;
    if (!rb_publisher_start (pub, &err)) {
      g_warning ("%s (%s); retrying every %d s", err->message,
          daemon->config->path, LISTENER_RETRY_S);
      g_error_free (err);
      failing++;
      continue;
    }
    for (j = 0; j < daemon->config->cameras->len; j++) {
      RbCameraConfig *cam = g_ptr_array_index (daemon->config->cameras, j);
      gboolean v6 = strchr (net->address, ':') != NULL;

      if (!rb_network_config_has_camera (net, cam->name))
        continue;
      g_message ("network %s: serving %s://%s%s%s:%u/%s", net->name,
          rb_publisher_is_tls (pub) ? "rtsps" : "rtsp",
          v6 ? "[" : "", net->address, v6 ? "]" : "",
          rb_publisher_get_bound_port (pub), cam->name);
    }
  }
  failing += rb_web_start (daemon->web);        /* issue 8 */
  return failing;
}

static gboolean
rb_daemon_retry_listeners (gpointer user_data)
{
  RbDaemon *daemon = user_data;

  if (rb_daemon_start_listeners (daemon) > 0)
    return G_SOURCE_CONTINUE;
  daemon->listener_retry_source = 0;
  return G_SOURCE_REMOVE;
}

/* Raises the file descriptor limit to its hard limit, and warns when the
 * connection limits of the networks could exhaust it. */
static void
rb_raise_fd_limit (const RbConfig * config)
{
  struct rlimit rl;
  guint64 needed = 256 + 16 * (guint64) config->cameras->len;

  for (guint i = 0; i < config->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (config->networks, i);

    /* RTSP: two each; HTTP (issue 16): one each */
    needed += (net->http_port ? 3 : 2) * (guint64) net->max_connections;
  }
  if (config->metrics_port != 0)
    needed += RB_METRICS_MAX_CONNECTIONS;
  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_NOFILE, &rl) < 0)
      getrlimit (RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && needed > rl.rlim_cur / 2)
    g_warning ("the file descriptor limit is %lu: the networks' "
        "max-connections may need up to %" G_GUINT64_FORMAT " (raise "
        "LimitNOFILE or lower max-connections)", (gulong) rl.rlim_cur,
        needed);
  else
    g_debug ("file descriptor limit %lu", (gulong) rl.rlim_cur);
}

static gint
rb_daemon_run (RbDaemon * daemon)
{
  const RbConfig *config = daemon->config;
  RbCameraCallbacks callbacks = {
    rb_daemon_on_segment_queued, rb_daemon_on_camera_stopped
  };
  GError *err = NULL;
  guint i, j;

  rb_raise_fd_limit (config);
  daemon->loop = g_main_loop_new (NULL, FALSE);
  daemon->feeds = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_live_feed_unref);
  daemon->cameras = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_camera_free);
  daemon->publishers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_publisher_free);

  {
    g_autofree gchar *queue_dir = g_build_filename (config->state_dir,
        "queue", NULL);

    daemon->journal = rb_journal_open (queue_dir, &err);
  }
  if (daemon->journal == NULL) {
    g_critical ("%s: [rtsp-blur] state-dir: %s", config->path, err->message);
    g_error_free (err);
    return RB_EXIT_CANTCREAT;
  }
  daemon->retention = rb_retention_new (config, daemon->journal);
  /* the same back-off as a write retry: 1 s doubling to
   * reconnect-max-interval */
  daemon->deletions = rb_deletions_new (RB_WRITE_RETRY_FIRST_MS,
      config->reconnect_max_interval_s * 1000);
  rb_retention_set_deletions (daemon->retention, daemon->deletions);
  daemon->deletions_source = g_timeout_add (DELETIONS_INTERVAL_MS,
      rb_daemon_on_deletions, daemon);
  if (config->workers > 0) {
    daemon->workers = rb_workers_new (config, daemon->journal,
        daemon->retention);
    rb_workers_set_deletions (daemon->workers, daemon->deletions);
    rb_workers_reconcile (daemon->workers);
  }
  rb_retention_run (daemon->retention);
  daemon->retention_source = g_timeout_add_seconds (RETENTION_INTERVAL_S,
      rb_daemon_on_retention, daemon);

  for (i = 0; i < config->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (config->cameras, i);

    g_ptr_array_add (daemon->feeds, rb_live_feed_new (cam->name));
  }
  for (i = 0; i < config->networks->len; i++) {
    RbPublisher *pub = rb_publisher_new (g_ptr_array_index (config->networks,
            i), &err);

    if (pub == NULL) {
      g_critical ("%s: %s", config->path, err->message);
      g_error_free (err);
      return RB_EXIT_CONFIG;
    }
    for (j = 0; j < config->cameras->len; j++) {
      RbCameraConfig *cam = g_ptr_array_index (config->cameras, j);

      rb_publisher_add_camera (pub, cam->name,
          g_ptr_array_index (daemon->feeds, j));
    }
    g_ptr_array_add (daemon->publishers, pub);
  }
  /* issue 8: HLS packagers, chat rooms and HTTP listeners */
  daemon->web = rb_web_new (config, daemon->feeds, daemon->cameras, &err);
  if (daemon->web == NULL && err != NULL) {
    g_critical ("%s", err->message);
    g_error_free (err);
    return RB_EXIT_CONFIG;
  }
  if (rb_daemon_start_listeners (daemon) > 0)
    daemon->listener_retry_source = g_timeout_add_seconds (LISTENER_RETRY_S,
        rb_daemon_retry_listeners, daemon);

  if (daemon->workers != NULL)
    rb_workers_start (daemon->workers);
  for (i = 0; i < config->cameras->len; i++) {
    RbCamera *camera = rb_camera_new (config,
        g_ptr_array_index (config->cameras, i),
        g_ptr_array_index (daemon->feeds, i), &callbacks, daemon);

    g_ptr_array_add (daemon->cameras, camera);
    rb_camera_start (camera);
  }

  if (config->metrics_port != 0) {
    daemon->metrics = rb_metrics_new (config->metrics_address,
        config->metrics_port, rb_daemon_collect, daemon, &err);
    if (daemon->metrics == NULL) {
      /* the cameras go on without it */
      g_warning ("%s: [rtsp-blur] metrics-port: cannot listen on %s port "
          "%u: %s", config->path, config->metrics_address,
          config->metrics_port, err->message);
      g_clear_error (&err);
    } else {
      g_message ("metrics on http://%s%s%s:%u/metrics",
          strchr (config->metrics_address, ':') ? "[" : "",
          config->metrics_address,
          strchr (config->metrics_address, ':') ? "]" : "",
          rb_metrics_get_port (daemon->metrics));
    }
  }

  daemon->signal_sources[0] = g_unix_signal_add (SIGINT,
      rb_daemon_on_stop_signal, daemon);
  daemon->signal_sources[1] = g_unix_signal_add (SIGTERM,
      rb_daemon_on_stop_signal, daemon);
  daemon->signal_sources[2] = g_unix_signal_add (SIGHUP,
      rb_daemon_on_sighup, daemon);

  g_message ("running %u cameras, %u networks, %u workers; state in %s",
      config->cameras->len, config->networks->len, config->workers,
      config->state_dir);
  rb_notify ("READY=1");        /* issue 18: the unit is Type=notify */
  g_main_loop_run (daemon->loop);

  /* the cameras are stopped; stop serving before tearing down */
  g_ptr_array_set_size (daemon->publishers, 0);
  g_clear_pointer (&daemon->web, rb_web_free);
  g_ptr_array_set_size (daemon->cameras, 0);
  return daemon->exit_code;
}

int
main (int argc, char **argv)
{
  g_auto (RbDaemon) daemon = { NULL, };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GTypeClass) headblur_class = NULL;
  gboolean status;
  GError *err = NULL;

  rb_log_to_journal = g_log_writer_is_journald (fileno (stderr));
  g_log_set_writer_func (rb_log_writer, NULL, NULL);
  rb_use_build_tree_plugins ();

  context = g_option_context_new ("[status] - anonymize RTSP cameras and "
      "republish them");
  g_option_context_set_description (context, "Commands:\n"
      "  (none)    run the cameras, the workers and the listeners\n"
      "  status    print the state of the running rtsp-blur, from its "
      "metrics\n");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
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
  if (opt_config == NULL) {
    fprintf (stderr, "rtsp-blur: --config FILE is required (see --help)\n");
    return RB_EXIT_USAGE;
  }
  if (argc > 2 || (argc == 2 && !g_str_equal (argv[1], "status"))) {
    fprintf (stderr, "rtsp-blur: unknown command '%s' (the only command is "
        "status)\n", argv[1]);
    return RB_EXIT_USAGE;
  }
  status = argc == 2;

  if (!rb_check_elements (&err)) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    g_error_free (err);
    return RB_EXIT_UNAVAILABLE;
  }

  /* the headblur element's properties are the schema of [headblur] */
  headblur_class = rb_get_element_class ("headblur");
  daemon.config = rb_config_load (opt_config, (GObjectClass *) headblur_class,
      &err);
  if (daemon.config == NULL) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    gint code = err->domain == G_FILE_ERROR ? RB_EXIT_NOINPUT : RB_EXIT_CONFIG;
    g_error_free (err);
    return code;
  }
  if (status) {
    if (daemon.config->metrics_port == 0) {
      fprintf (stderr, "rtsp-blur: error: %s: [rtsp-blur] metrics-port is 0: "
          "the daemon has no management listener to ask\n", opt_config);
      return RB_EXIT_CONFIG;
    }
    if (!rb_status_print (daemon.config->metrics_address,
            daemon.config->metrics_port, stdout, &err)) {
      fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
      g_error_free (err);
      return RB_EXIT_UNAVAILABLE;
    }
    return RB_EXIT_OK;
  }
  if (!rb_check_headblur (daemon.config, &err)) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    g_error_free (err);
    return RB_EXIT_NOINPUT;
  }
  if (!rb_check_state_dir (daemon.config, opt_check_config, &err)) {
    fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
    g_error_free (err);
    return RB_EXIT_CANTCREAT;
  }
  if (opt_check_config) {
    if (!rb_check_listeners (daemon.config, &err)
        || !rb_web_check (daemon.config, &err)) {   /* issue 8 */
      fprintf (stderr, "rtsp-blur: error: %s\n", err->message);
      g_error_free (err);
      return RB_EXIT_CONFIG;
    }
    printf ("rtsp-blur: %s is valid: %u cameras, %u networks\n",
        daemon.config->path, daemon.config->cameras->len,
        daemon.config->networks->len);
    return RB_EXIT_OK;
  }

  return rb_daemon_run (&daemon);
}
