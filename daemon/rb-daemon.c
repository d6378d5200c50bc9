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

/* The daemon: see rb-daemon.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-daemon.h"
#include "rb-malloc.h"

#include <string.h>
#include <sys/resource.h>

#include "rb-camera.h"
#include "rb-daemon-metrics.h"
#include "rb-metrics.h"
#include "rb-publisher.h"
#include "rb-ws-discovery.h"
#ifdef RB_HAVE_CLUSTER
#include "rb-cluster-node.h"
#include "rb-cluster-view.h"
#include "rb-cluster-chat.h"
#include "rb-cluster-queue.h"
#include "rb-cluster-retention.h"
#include "rb-recordings.h"
#endif

#define LISTENER_RETRY_S 10
#define RETENTION_INTERVAL_S 5
/* Files that could not be deleted are tried again (when due) this often. */
#define DELETIONS_INTERVAL_MS 1000

struct _RbDaemon
{
  const RbConfig *config;
  GMainLoop *loop;
  /* the components (what a scrape of the metrics reads): cameras, feeds,
   * publishers, journal, workers, retention, deletions, web */
  RbDaemonParts parts;
  guint retention_source;
  guint deletions_source;
  guint trim_source;            /* rb_malloc_trim_add() */
  RbMetrics *metrics;
  guint cameras_running;
  guint listener_retry_source;
  gboolean stopping;
  gint exit_code;
#ifdef RB_HAVE_CLUSTER
  /* [cluster]: the cameras run while this node holds their lease */
  RbClusterNode *cluster;
  gboolean *cam_wanted;         /* per camera: the lease says run it */
  gboolean *cam_active;         /* started and not stopped yet */
  RbClusterView *view;          /* which node runs each camera */
  RbClusterChat *chat;          /* the chat rooms, in the database */
  /* [cluster] storage-dir: the queue in the database, fed from the
   * spool */
  RbClusterQueue *cluster_queue;
  /* and the retention of storage-dir, one node at a time, in a thread */
  RbClusterRetention *cluster_retention;
#endif
  RbSegmentQueue *journal_queue;  /* the file journal's, or NULL */
};

RbDaemon *
rb_daemon_new (const RbConfig * config, GMainLoop * loop)
{
  RbDaemon *daemon = g_new0 (RbDaemon, 1);

  daemon->config = config;
  daemon->loop = g_main_loop_ref (loop);
  daemon->parts.feeds = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_live_feed_unref);
  daemon->parts.cameras = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_camera_free);
  daemon->parts.publishers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_publisher_free);
  daemon->parts.discovery = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_ws_discovery_free);
  return daemon;
}

void
rb_daemon_free (RbDaemon * daemon)
{
  RbDaemonParts *p = &daemon->parts;

  if (daemon->listener_retry_source)
    g_source_remove (daemon->listener_retry_source);
  if (daemon->retention_source)
    g_source_remove (daemon->retention_source);
  if (daemon->deletions_source)
    g_source_remove (daemon->deletions_source);
  if (daemon->trim_source)
    g_source_remove (daemon->trim_source);
  g_clear_pointer (&daemon->metrics, rb_metrics_free);
  g_clear_pointer (&daemon->parts.discovery, g_ptr_array_unref);
#ifdef RB_HAVE_CLUSTER
  /* not stopped cleanly: the leases expire */
  rb_cluster_node_free (daemon->cluster, FALSE);
  g_clear_pointer (&daemon->view, rb_cluster_view_free);
  g_clear_pointer (&daemon->chat, rb_cluster_chat_free);
  g_free (daemon->cam_wanted);
  g_free (daemon->cam_active);
#endif
  g_clear_pointer (&p->web, rb_web_free);
  g_clear_pointer (&p->workers, rb_workers_free);
#ifdef RB_HAVE_CLUSTER
  g_clear_pointer (&daemon->cluster_retention, rb_cluster_retention_free);
#endif
  g_clear_pointer (&p->retention, rb_retention_free);
#ifdef RB_HAVE_CLUSTER
  g_clear_pointer (&daemon->cluster_queue, rb_cluster_queue_free);
#endif
  g_clear_pointer (&daemon->journal_queue, rb_segment_queue_free);
  p->queue = NULL;
  g_clear_pointer (&p->deletions, rb_deletions_free);
  g_clear_pointer (&p->journal, rb_journal_free);
  g_clear_pointer (&p->cameras, g_ptr_array_unref);
  g_clear_pointer (&p->publishers, g_ptr_array_unref);
  g_clear_pointer (&p->feeds, g_ptr_array_unref);
  g_clear_pointer (&daemon->loop, g_main_loop_unref);
  g_free (daemon);
}

static void
rb_daemon_on_segment_queued (RbCamera * camera, const gchar * location,
    gboolean recovered, gpointer user_data)
{
  RbDaemon *daemon = user_data;

  /* the budget holds within one segment: checked at every new one */
  rb_retention_add (daemon->parts.retention, location);
#ifdef RB_HAVE_CLUSTER
  if (daemon->cluster_queue != NULL)
    rb_cluster_queue_kick (daemon->cluster_queue);
  /* the cluster's retention runs in its own thread */
  if (daemon->cluster_retention == NULL)
#endif
    rb_retention_run (daemon->parts.retention);
  if (daemon->parts.workers != NULL)
    rb_workers_wake (daemon->parts.workers);
}

#ifdef RB_HAVE_CLUSTER
/* From the forwarder's thread: segments may be claimable. */
static void
rb_daemon_wake_workers (gpointer user_data)
{
  RbDaemon *daemon = user_data;

  if (daemon->parts.workers != NULL)
    rb_workers_wake (daemon->parts.workers);
}
#endif

/* Retention by age, and free space taken by others, every few seconds. */
static gboolean
rb_daemon_on_retention (gpointer user_data)
{
  RbDaemon *daemon = user_data;

#ifdef RB_HAVE_CLUSTER
  if (daemon->cluster_retention != NULL)
    return G_SOURCE_CONTINUE;
#endif
  rb_retention_run (daemon->parts.retention);
  return G_SOURCE_CONTINUE;
}

/* Deletions that failed, tried again when their back-off is due. */
static gboolean
rb_daemon_on_deletions (gpointer user_data)
{
  RbDaemon *daemon = user_data;

  rb_deletions_run (daemon->parts.deletions, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

#ifdef RB_HAVE_CLUSTER
static void
rb_cluster_node_free_released (RbClusterNode * node)
{
  rb_cluster_node_free (node, TRUE);
}

static gint
rb_daemon_camera_index (RbDaemon * daemon, const gchar * name)
{
  for (guint i = 0; i < daemon->config->cameras->len; i++)
    if (g_str_equal (((RbCameraConfig *)
                g_ptr_array_index (daemon->config->cameras, i))->name, name))
      return i;
  return -1;
}

/* The node may run @camera: start it, or again once its stop finished. */
static void
rb_daemon_on_lease_start (const gchar * camera, gint64 epoch,
    const gchar * why, gpointer user_data)
{
  RbDaemon *daemon = user_data;
  gint i = rb_daemon_camera_index (daemon, camera);

  if (i < 0 || daemon->stopping)
    return;
  daemon->cam_wanted[i] = TRUE;
  if (!daemon->cam_active[i]) {
    daemon->cam_active[i] = TRUE;
    rb_camera_start (g_ptr_array_index (daemon->parts.cameras, i));
  }
}

/* The node may no longer run @camera: stop it now (its lease could
 * expire soon). */
static void
rb_daemon_on_lease_stop (const gchar * camera, gint64 epoch,
    const gchar * why, gpointer user_data)
{
  RbDaemon *daemon = user_data;
  gint i = rb_daemon_camera_index (daemon, camera);

  if (i < 0)
    return;
  daemon->cam_wanted[i] = FALSE;
  if (daemon->cam_active[i] && !daemon->stopping)
    rb_camera_stop (g_ptr_array_index (daemon->parts.cameras, i));
}

/* Where a viewer of @camera on @network is served (rb-locate.h): here
 * while this node holds its lease, else at the node the cluster's view
 * says runs it. */
static RbLocation
rb_daemon_locate (const gchar * network, const gchar * camera,
    gboolean http, const gchar * path, gchar ** out_url, gchar ** out_node,
    gpointer user_data)
{
  RbDaemon *daemon = user_data;
  gint i = rb_daemon_camera_index (daemon, camera);
  g_autofree gchar *node = NULL;
  g_autoptr (RbNodeAddress) address = NULL;

  *out_url = NULL;
  if (out_node)
    *out_node = NULL;
  if (i < 0 || (daemon->cam_wanted[i] && !daemon->stopping))
    return RB_LOCATION_HERE;
  if (!rb_cluster_view_lookup (daemon->view, camera, network, &node, &address))
    return RB_LOCATION_NOWHERE;
  /* leased here: about to start, or (stopping) to be released */
  if (g_str_equal (node, daemon->config->cluster_node))
    return daemon->stopping ? RB_LOCATION_NOWHERE : RB_LOCATION_HERE;
  if (out_node)
    *out_node = g_strdup (node);
  if (address == NULL
      || (*out_url = rb_cluster_url (address, http, path)) == NULL)
    return RB_LOCATION_NOWHERE;
  return RB_LOCATION_ELSEWHERE;
}

/* A chat message of a member here: to the database. */
static void
rb_daemon_chat_relay (RbChatRoom * room, const gchar * network,
    const gchar * user, const gchar * text, gpointer user_data)
{
  RbDaemon *daemon = user_data;

  rb_cluster_chat_post (daemon->chat, network, user, text);
}

/* A chat message of the cluster (this node's too, once stored). */
static void
rb_daemon_chat_deliver (const gchar * network, const gchar * user,
    const gchar * time, const gchar * text, gpointer user_data)
{
  RbDaemon *daemon = user_data;

  if (daemon->parts.web != NULL)
    rb_web_chat_deliver (daemon->parts.web, network, user, time, text);
}

/* Where this node serves each network, for the others' redirects. */
static GPtrArray *
rb_daemon_addresses (const RbConfig * config)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      rb_node_address_free);

  for (guint i = 0; i < config->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (config->networks, i);

    g_ptr_array_add (list, rb_node_address_new (net->name, net->address,
            net->port, net->http_port, net->tls_certificate != NULL));
  }
  return list;
}

static void
rb_daemon_collect (GString * out, gpointer user_data)
{
  RbDaemon *daemon = user_data;

  rb_daemon_metrics_collect (out, &daemon->parts);
  if (daemon->cluster != NULL)
    rb_cluster_node_collect (daemon->cluster, out);
}
#endif

static void
rb_daemon_on_camera_stopped (RbCamera * camera, gpointer user_data)
{
  RbDaemon *daemon = user_data;

#ifdef RB_HAVE_CLUSTER
  if (daemon->cluster != NULL) {
    gint i = rb_daemon_camera_index (daemon, rb_camera_get_name (camera));

    daemon->cam_active[i] = FALSE;
    if (!daemon->stopping) {
      g_message ("camera %s: stopped", rb_camera_get_name (camera));
      /* handed over (drain): its lease is released now */
      rb_cluster_node_camera_stopped (daemon->cluster,
          rb_camera_get_name (camera));
      /* leased again while it was stopping */
      if (daemon->cam_wanted[i]) {
        daemon->cam_active[i] = TRUE;
        rb_camera_start (camera);
      }
      return;
    }
  }
#endif
  if (!daemon->stopping)
    return;
  g_message ("camera %s: stopped", rb_camera_get_name (camera));
  if (--daemon->cameras_running > 0)
    return;
  if (daemon->parts.workers != NULL) {
    g_message ("stopping the segment workers");
    rb_workers_stop (daemon->parts.workers);
  }
#ifdef RB_HAVE_CLUSTER
  /* hand-off: the cameras are stopped, the others may take them now */
  if (daemon->cluster != NULL)
    g_clear_pointer (&daemon->cluster, rb_cluster_node_free_released);
#endif
  g_message ("stopped");
  g_main_loop_quit (daemon->loop);
}

void
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
  /* the devices leave first (Bye): VMSs stop sending them requests */
  for (i = 0; i < daemon->parts.discovery->len; i++)
    rb_ws_discovery_stop (g_ptr_array_index (daemon->parts.discovery, i));
  g_message ("stopping: finalizing the open segments");
#ifdef RB_HAVE_CLUSTER
  if (daemon->cluster != NULL)
    rb_cluster_node_drain (daemon->cluster);
#endif
  daemon->cameras_running = daemon->parts.cameras->len;
  for (i = 0; i < daemon->parts.cameras->len; i++)
    rb_camera_stop (g_ptr_array_index (daemon->parts.cameras, i));
}

void
rb_daemon_log_status (RbDaemon * daemon)
{
  RbDaemonParts *p = &daemon->parts;
  guint i;

  for (i = 0; i < p->cameras->len; i++) {
    RbCamera *camera = g_ptr_array_index (p->cameras, i);

    g_message ("status: camera %s %s, %u restarts, %" G_GUINT64_FORMAT
        " live frames", rb_camera_get_name (camera),
        rb_camera_is_receiving (camera) ? "receiving" : "not receiving",
        rb_camera_get_restarts (camera),
        rb_live_feed_get_samples (g_ptr_array_index (p->feeds, i)));
  }
  if (p->workers != NULL) {
    RbWorkerStats ws;

    rb_workers_get_stats (p->workers, &ws);
    g_message ("status: %u segments anonymized, %u failures", ws.completed,
        ws.failed);
  }
}

void
rb_daemon_refresh (RbDaemon * daemon)
{
  for (guint i = 0; i < daemon->parts.discovery->len; i++)
    rb_ws_discovery_refresh (g_ptr_array_index (daemon->parts.discovery, i));
}

/* Starts the listeners that are not serving yet; returns how many still
 * fail. A listener whose address is not (yet) on this machine does not stop
 * the cameras nor the other listeners: it is retried. */
static guint
rb_daemon_start_listeners (RbDaemon * daemon)
{
  guint i, j, failing = 0;

  for (i = 0; i < daemon->parts.publishers->len; i++) {
    RbPublisher *pub = g_ptr_array_index (daemon->parts.publishers, i);
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
  failing += rb_web_start (daemon->parts.web);  /* the browser side */
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

    /* RTSP: two each; HTTP: one each */
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
        "LimitNOFILE or lower max-connections)", (gulong) rl.rlim_cur, needed);
  else
    g_debug ("file descriptor limit %lu", (gulong) rl.rlim_cur);
}

RbExitCode
rb_daemon_start (RbDaemon * daemon)
{
  const RbConfig *config = daemon->config;
  RbDaemonParts *p = &daemon->parts;
  RbCameraCallbacks callbacks = {
    rb_daemon_on_segment_queued, rb_daemon_on_camera_stopped
  };
  GError *err = NULL;
  guint i, j;

  rb_raise_fd_limit (config);
  {
    g_autofree gchar *queue_dir = g_build_filename (config->state_dir,
        "queue", NULL);

    p->journal = rb_journal_open (queue_dir, &err);
  }
  if (p->journal == NULL) {
    g_critical ("%s: [rtsp-blur] state-dir: %s", config->path, err->message);
    g_error_free (err);
    return RB_EXIT_CANTCREAT;
  }
#ifdef RB_HAVE_CLUSTER
  if (config->cluster && config->cluster_storage_dir != NULL) {
    /* the journal is the spool: its segments are forwarded to the
     * cluster's queue, which every node's workers share */
    daemon->cluster_queue = rb_cluster_queue_new (config, p->journal);
    p->queue = rb_cluster_queue_get_queue (daemon->cluster_queue);
  }
#endif
  if (p->queue == NULL)
    p->queue = daemon->journal_queue =
        rb_segment_queue_new_journal (p->journal);
  p->retention = rb_retention_new (config, p->queue);
  /* the same back-off as a write retry: 1 s doubling to
   * reconnect-max-interval */
  p->deletions = rb_deletions_new (RB_WRITE_RETRY_FIRST_MS,
      config->reconnect_max_interval_s * 1000);
  rb_retention_set_deletions (p->retention, p->deletions);
  daemon->deletions_source = g_timeout_add (DELETIONS_INTERVAL_MS,
      rb_daemon_on_deletions, daemon);
  if (config->workers > 0) {
    p->workers = rb_workers_new (config, p->queue, p->retention);
    rb_workers_set_deletions (p->workers, p->deletions);
    rb_workers_reconcile (p->workers);
  }
#ifdef RB_HAVE_CLUSTER
  if (daemon->cluster_queue != NULL) {
    daemon->cluster_retention = rb_cluster_retention_new (config,
        p->retention);
    rb_cluster_retention_start (daemon->cluster_retention,
        RETENTION_INTERVAL_S * 1000);
  } else
#endif
    rb_retention_run (p->retention);
  daemon->retention_source = g_timeout_add_seconds (RETENTION_INTERVAL_S,
      rb_daemon_on_retention, daemon);
  /* the heap's free memory back to the system (rb-malloc.c) */
  daemon->trim_source = rb_malloc_trim_add (RB_MALLOC_TRIM_INTERVAL_S,
      RB_MALLOC_TRIM_GROWTH);

  for (i = 0; i < config->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (config->cameras, i);

    RbLiveFeed *feed = rb_live_feed_new (cam->name);

    if (cam->substream_width != 0)
      rb_live_feed_add_sub (feed);
    g_ptr_array_add (p->feeds, feed);
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

      rb_publisher_add_camera (pub, cam->name, g_ptr_array_index (p->feeds, j));
    }
    g_ptr_array_add (p->publishers, pub);
  }
  /* the browser side: HLS packagers, chat rooms and HTTP listeners */
  p->web = rb_web_new (config, p->feeds, p->cameras, &err);
  if (p->web == NULL && err != NULL) {
    g_critical ("%s", err->message);
    g_error_free (err);
    return RB_EXIT_CONFIG;
  }
  if (rb_daemon_start_listeners (daemon) > 0)
    daemon->listener_retry_source = g_timeout_add_seconds (LISTENER_RETRY_S,
        rb_daemon_retry_listeners, daemon);
  /* the ONVIF devices: announced (Hello) and found (Probe) by
   * WS-Discovery; one that cannot listen stops nothing else */
  for (i = 0; i < config->networks->len; i++) {
    RbWsDiscovery *wsd = rb_ws_discovery_new (config,
        g_ptr_array_index (config->networks, i));

    if (wsd == NULL)
      continue;
    if (!rb_ws_discovery_start (wsd, &err)) {
      g_warning ("%s (%s)", err->message, config->path);
      g_clear_error (&err);
    }
    g_ptr_array_add (daemon->parts.discovery, wsd);
  }

  if (p->workers != NULL)
    rb_workers_start (p->workers);
#ifdef RB_HAVE_CLUSTER
  if (daemon->cluster_queue != NULL)
    rb_cluster_queue_start (daemon->cluster_queue, rb_daemon_wake_workers,
        daemon);
#endif
  for (i = 0; i < config->cameras->len; i++) {
    RbCamera *camera = rb_camera_new (config,
        g_ptr_array_index (config->cameras, i),
        g_ptr_array_index (p->feeds, i), &callbacks, daemon);

    g_ptr_array_add (p->cameras, camera);
    if (!config->cluster)
      rb_camera_start (camera);
  }
#ifdef RB_HAVE_CLUSTER
  if (config->cluster) {
    daemon->cam_wanted = g_new0 (gboolean, config->cameras->len);
    daemon->cam_active = g_new0 (gboolean, config->cameras->len);
    /* the cameras start as their leases are acquired */
    daemon->cluster = rb_cluster_node_new (config, rb_daemon_on_lease_start,
        rb_daemon_on_lease_stop, daemon, &err);
    if (daemon->cluster == NULL) {
      g_critical ("%s: [cluster] database: %s", config->path, err->message);
      g_error_free (err);
      return RB_EXIT_UNAVAILABLE;
    }
    /* every network's mount points and pages, here or by redirect */
    {
      g_autoptr (GPtrArray) addresses = rb_daemon_addresses (config);

      daemon->view = rb_cluster_view_new (config->cluster_node);
      rb_cluster_view_start (daemon->view, config->cluster_database,
          config->cluster_password_file, addresses, NULL);
    }
    for (i = 0; i < p->publishers->len; i++)
      rb_publisher_set_locate (g_ptr_array_index (p->publishers, i),
          rb_daemon_locate, daemon);
    if (p->web != NULL) {
      rb_web_set_locate (p->web, rb_daemon_locate, daemon);
      /* one room per network, the same on every node */
      daemon->chat = rb_cluster_chat_new (config->cluster_database,
          config->cluster_password_file, config->cluster_node,
          RB_CHAT_HISTORY, rb_daemon_chat_deliver, daemon);
      rb_web_set_chat_relay (p->web, rb_daemon_chat_relay, daemon);
    }
  }
#endif

  if (config->metrics_port != 0) {
#ifdef RB_HAVE_CLUSTER
    daemon->metrics = rb_metrics_new (config->metrics_address,
        config->metrics_port, rb_daemon_collect, daemon, &err);
#else
    daemon->metrics = rb_metrics_new (config->metrics_address,
        config->metrics_port, rb_daemon_metrics_collect, p, &err);
#endif
#ifdef RB_HAVE_CLUSTER
    /* the catalog, as `rtsp-blur recordings --json` */
    if (daemon->metrics != NULL && config->cluster)
      rb_metrics_add_handler (daemon->metrics, "/api/recordings",
          G_CALLBACK (rb_recordings_handle_api), (gpointer) config);
#endif
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

  g_message ("running %u cameras, %u networks, %u workers; state in %s",
      config->cameras->len, config->networks->len, config->workers,
      config->state_dir);
  return RB_EXIT_OK;
}

RbExitCode
rb_daemon_finish (RbDaemon * daemon)
{
  /* the cameras are stopped; stop serving before tearing down */
  g_ptr_array_set_size (daemon->parts.publishers, 0);
  g_clear_pointer (&daemon->parts.web, rb_web_free);
  g_ptr_array_set_size (daemon->parts.cameras, 0);
  return daemon->exit_code;
}
