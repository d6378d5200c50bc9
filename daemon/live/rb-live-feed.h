/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_LIVE_FEED_H__
#define __RB_LIVE_FEED_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* RbLiveFeed: the anonymized, encoded stream of one camera, fanned out to
 * every consumer: the RTSP media of each network that shows it, its HLS
 * packager. The camera pipeline ends in an appsink; each consumer's
 * pipeline starts with an appsrc. One encode per camera, however many
 * viewers and networks. Thread-safe. */
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
/* Whether its camera pipeline sent a frame within the last @max_age_us
 * (since it was last connected): a new media of a feed that is not
 * sending could not start (it would wait for a first frame). */
gboolean rb_live_feed_is_sending (RbLiveFeed * feed, gint64 max_age_us);
/* Asks the camera's encoder for a key unit (at most one every 300 ms): a
 * viewer joining a media that already runs. */
void rb_live_feed_want_key_unit (RbLiveFeed * feed);
/* The size of the live video (its caps' width and height), FALSE before
 * the first frame. */
gboolean rb_live_feed_get_video_size (RbLiveFeed * feed, guint * width,
                                      guint * height);
/* The caps of the audio the live streams carry (string), or NULL: none */
gchar *rb_live_feed_get_audio_caps (RbLiveFeed * feed);

/* Number of samples pushed since creation (for logs and tests). */
guint64 rb_live_feed_get_samples (RbLiveFeed * feed);

/* Attaches @appsrc, in a PLAYING pipeline on the system clock, as one more
 * consumer of the feed (an RTSP media, an HLS packager), with
 * @audio_appsrc for the audio (NULL: video only). It gets the encoded
 * stream from the next key unit on, in its own pipeline's time (asking the
 * encoder for a key unit), until rb_live_feed_remove_appsrc() detaches
 * it. */
void rb_live_feed_add_appsrc (RbLiveFeed * feed, GstElement * appsrc,
                              GstElement * audio_appsrc);
void rb_live_feed_remove_appsrc (RbLiveFeed * feed, GstElement * appsrc);

/* The camera's sub-stream (substream=), fed by its own appsink. */
RbLiveFeed *rb_live_feed_add_sub (RbLiveFeed * feed);
RbLiveFeed *rb_live_feed_get_sub (RbLiveFeed * feed);

/* The last anonymized frame (raw), for snapshots: a copy taken every
 * RB_LIVE_FEED_PICTURE_INTERVAL_US. */
#define RB_LIVE_FEED_PICTURE_INTERVAL_US (500 * G_TIME_SPAN_MILLISECOND)
void rb_live_feed_watch_pictures (RbLiveFeed * feed, GstPad * pad);
GstSample *rb_live_feed_get_picture (RbLiveFeed * feed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbLiveFeed, rb_live_feed_unref)

G_END_DECLS

#endif /* __RB_LIVE_FEED_H__ */
