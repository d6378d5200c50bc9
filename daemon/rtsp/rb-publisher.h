/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_PUBLISHER_H__
#define __RB_PUBLISHER_H__

#include <gst/gst.h>
#include "rb-config.h"

G_BEGIN_DECLS

/* RbLiveFeed: the anonymized, encoded stream of one camera, fanned out to
 * every RTSP media that shows it. The camera pipeline ends in an appsink;
 * each media pipeline starts with an appsrc. One encode per camera, however
 * many viewers and networks. Thread-safe. */
typedef struct _RbLiveFeed RbLiveFeed;

RbLiveFeed *rb_live_feed_new (const gchar * camera);
RbLiveFeed *rb_live_feed_ref (RbLiveFeed * feed);
void rb_live_feed_unref (RbLiveFeed * feed);

/* Connects @appsink (of the camera pipeline) to the feed: every sample it
 * receives goes to all attached media. A viewer that joins asks @appsink's
 * upstream encoder for a key unit. Replaces any previous appsink (camera
 * pipeline restarted). */
void rb_live_feed_set_appsink (RbLiveFeed * feed, GstElement * appsink,
                               guint latency_ms);
/* The camera's audio, as it comes (NULL: none); with audio=keep only. */
void rb_live_feed_set_audio_appsink (RbLiveFeed * feed, GstElement * appsink);
void rb_live_feed_clear_appsink (RbLiveFeed * feed);

/* Wall-clock time of the last live frame, µs (g_get_real_time()), 0: none */
gint64 rb_live_feed_get_last_sample_time (RbLiveFeed * feed);
/* The caps of the audio the live streams carry (string), or NULL: none */
gchar *rb_live_feed_get_audio_caps (RbLiveFeed * feed);

/* Number of samples pushed since creation (for logs and tests). */
guint64 rb_live_feed_get_samples (RbLiveFeed * feed);

/* For HLS: attaches @appsrc, in a PLAYING pipeline on the system
 * clock, as one more consumer of the feed, video only: like an RTSP media
 * it gets the encoded stream from the next key unit on, in its own
 * pipeline's time. rb_live_feed_remove_appsrc() detaches it. */
void rb_live_feed_add_appsrc (RbLiveFeed * feed, GstElement * appsrc);
void rb_live_feed_remove_appsrc (RbLiveFeed * feed, GstElement * appsrc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbLiveFeed, rb_live_feed_unref)

/* RbPublisher: one gst-rtsp-server instance bound to one network's address
 * and port, with a mount point /CAMERA per camera. */
typedef struct _RbPublisher RbPublisher;

/* Reads the network's users file and certificate; NULL with @error when
 * they cannot be read. */
RbPublisher *rb_publisher_new (const RbNetworkConfig * network,
                               GError ** error);
void rb_publisher_free (RbPublisher * publisher);

/* Mounts /CAMERA when the network serves @camera (its cameras=); returns
 * whether it did. */
gboolean rb_publisher_add_camera (RbPublisher * publisher,
                                  const gchar * camera, RbLiveFeed * feed);

/* Binds and starts serving on the default main context. On failure (address
 * not on this machine, port in use) returns FALSE with @error naming the
 * network, address and port; rb_publisher_start() may be called again
 * later. */
gboolean rb_publisher_start (RbPublisher * publisher, GError ** error);
gboolean rb_publisher_is_serving (RbPublisher * publisher);
/* Whether it speaks TLS only (rtsps://). */
gboolean rb_publisher_is_tls (RbPublisher * publisher);
const gchar *rb_publisher_get_name (RbPublisher * publisher);
guint rb_publisher_get_bound_port (RbPublisher * publisher);
void rb_publisher_get_counts (RbPublisher * publisher, guint * connections,
                              guint * viewers, guint64 * refused);
/* Requests with wrong credentials, and viewers dropped for being too slow,
 * since start. */
void rb_publisher_get_access_counts (RbPublisher * publisher,
                                     guint64 * auth_failures,
                                     guint64 * dropped_slow);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbPublisher, rb_publisher_free)

G_END_DECLS

#endif /* __RB_PUBLISHER_H__ */
