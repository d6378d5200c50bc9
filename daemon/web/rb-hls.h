/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_HLS_H__
#define __RB_HLS_H__

#include <gst/gst.h>
#include "rb-live-feed.h"

G_BEGIN_DECLS

/* RbHls: the HLS packager of one camera, shared by every network and
 * viewer. It is one more consumer of the camera's RbLiveFeed (the one live
 * encode; nothing is decoded or encoded again):
 *
 *   appsrc ! h264parse ! hlssink2 (splitmuxsink ! mpegtsmux ! giostreamsink)
 *
 * Segments are cut at the encoder's key frames, @target_duration_s long
 * (live-key-interval), MPEG-TS, and kept in memory only: the playlist (the
 * last RB_HLS_PLAYLIST_LENGTH segments) and a few more segments than it
 * lists, so a viewer that read an older playlist still gets its segment.
 * Thread-safe: hlssink2 writes from its streaming thread, the HTTP server
 * reads from the main context. An error restarts the packager after a
 * second. */
typedef struct _RbHls RbHls;

#define RB_HLS_PLAYLIST_LENGTH 5

RbHls *rb_hls_new (const gchar * camera, RbLiveFeed * feed,
                   guint target_duration_s, GError ** error);
void rb_hls_free (RbHls * hls);

/* The current live playlist (index.m3u8), or NULL before the first
 * segment is complete. */
GBytes *rb_hls_get_playlist (RbHls * hls);
/* A complete segment listed by a recent playlist ("segment00012.ts"), or
 * NULL: unknown, not complete or already dropped. */
GBytes *rb_hls_get_segment (RbHls * hls, const gchar * name);
/* Segments completed since the packager started. */
guint64 rb_hls_get_segments (RbHls * hls);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbHls, rb_hls_free)

G_END_DECLS

#endif /* __RB_HLS_H__ */
