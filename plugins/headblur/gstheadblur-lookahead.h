/* rtsp-blur: headblur element, look-ahead queue
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_LOOKAHEAD_H__
#define __GST_HEAD_BLUR_LOOKAHEAD_H__

#include <gst/gst.h>

#include "gstheadblur-track.h"
#include "rb-box.h"

G_BEGIN_DECLS

/* The frames headblur holds back with lookahead > 0, each with what to mask
 * in it, and the back-projection of detections into them: a head first
 * detected at frame t is masked in the queued frames before t too, where it
 * came from along its track's motion. Streaming thread only. */
typedef struct _GstHeadBlurLookahead GstHeadBlurLookahead;

GstHeadBlurLookahead *gst_head_blur_lookahead_new (void);
void     gst_head_blur_lookahead_free (GstHeadBlurLookahead * la);

/* Drops the queued frames and forgets the tracks' runs (flush). */
void     gst_head_blur_lookahead_clear (GstHeadBlurLookahead * la);

guint    gst_head_blur_lookahead_length (const GstHeadBlurLookahead * la);

/* Queues @buffer (taken over, writable) analysed at @pts: @boxes (RbBox,
 * copied) or the whole frame are to be masked in it. */
void     gst_head_blur_lookahead_push (GstHeadBlurLookahead * la,
                                       GstBuffer * buffer, GstClockTime pts,
                                       const GArray * boxes,
                                       gboolean full_frame);

/* Gives the queued frames that never saw the heads of @hits (new and
 * re-acquired tracks, GstHeadBlurTrackHit) detected the box of each,
 * projected back along the track's velocity (see the .c). A detection more
 * than @gap after the previous one of its track starts a new run. */
void     gst_head_blur_lookahead_backproject (GstHeadBlurLookahead * la,
                                              const GArray * hits,
                                              GstClockTime gap, gint width,
                                              gint height);

/* For a corrupted frame, whose damage can start frames before the decoder
 * notices it: masks every queued frame whole (mark_whole) or drops them
 * all (drop_all); returns how many were not masked whole already
 * (drop_all: how many were dropped). */
guint    gst_head_blur_lookahead_mark_whole (GstHeadBlurLookahead * la);
guint    gst_head_blur_lookahead_drop_all (GstHeadBlurLookahead * la);

/* Takes the oldest frame out (NULL, and *@boxes NULL, when empty);
 * *@boxes (RbBox, free with g_array_unref()) and *@full_frame say what to
 * mask in it. */
GstBuffer *gst_head_blur_lookahead_pop (GstHeadBlurLookahead * la,
                                        GArray ** boxes,
                                        gboolean * full_frame);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_LOOKAHEAD_H__ */
