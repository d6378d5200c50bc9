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

/* With lookahead N, headblur analyses each frame as it comes in and holds
 * it back N frames before masking it. Each track's current run of
 * detections is remembered: the queued frames older than the run's start
 * (and younger than the end of the track's previous run, if any) never saw
 * that head detected, and every detection of the run gives them the head's
 * box projected back along the track's velocity and grown with the distance
 * in time. A head first seen with an unknown velocity is projected again
 * once its motion is known: the boxes add up (privacy first: a queued frame
 * is masked with all of them). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-lookahead.h"

GST_DEBUG_CATEGORY_EXTERN (gst_head_blur_debug);
#define GST_CAT_DEFAULT gst_head_blur_debug

/* The current run of detections of one track. */
typedef struct {
  guint64 start;
  guint64 gap_start;            /* end of the previous run, or G_MAXUINT64 */
} GstHeadBlurRun;

/* A frame held back, with what to mask in it. */
typedef struct {
  GstBuffer *buffer;            /* writable */
  GstClockTime pts;             /* stream time used for tracking */
  GArray *boxes;                /* RbBox, whole pixels */
  gboolean full_frame;
} GstHeadBlurQueued;

struct _GstHeadBlurLookahead {
  GQueue queue;                 /* GstHeadBlurQueued, oldest first */
  GHashTable *runs;             /* track id → GstHeadBlurRun */
};

GstHeadBlurLookahead *
gst_head_blur_lookahead_new (void)
{
  GstHeadBlurLookahead *la = g_new0 (GstHeadBlurLookahead, 1);

  g_queue_init (&la->queue);
  la->runs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  return la;
}

static void
gst_head_blur_queued_free (GstHeadBlurQueued * q)
{
  gst_buffer_unref (q->buffer);
  g_array_unref (q->boxes);
  g_free (q);
}

void
gst_head_blur_lookahead_clear (GstHeadBlurLookahead * la)
{
  g_queue_clear_full (&la->queue, (GDestroyNotify) gst_head_blur_queued_free);
  g_hash_table_remove_all (la->runs);
}

void
gst_head_blur_lookahead_free (GstHeadBlurLookahead * la)
{
  if (la == NULL)
    return;
  gst_head_blur_lookahead_clear (la);
  g_hash_table_unref (la->runs);
  g_free (la);
}

guint
gst_head_blur_lookahead_length (const GstHeadBlurLookahead * la)
{
  return la->queue.length;
}

void
gst_head_blur_lookahead_push (GstHeadBlurLookahead * la, GstBuffer * buffer,
    GstClockTime pts, const GArray * boxes, gboolean full_frame)
{
  GstHeadBlurQueued *q = g_new0 (GstHeadBlurQueued, 1);

  q->buffer = buffer;
  q->pts = pts;
  q->boxes = g_array_copy ((GArray *) boxes);
  q->full_frame = full_frame;
  g_queue_push_tail (&la->queue, q);
}

guint
gst_head_blur_lookahead_mark_whole (GstHeadBlurLookahead * la)
{
  guint n = 0;

  for (GList * l = la->queue.head; l; l = l->next) {
    GstHeadBlurQueued *q = l->data;

    if (!q->full_frame)
      n++;
    q->full_frame = TRUE;
  }
  return n;
}

guint
gst_head_blur_lookahead_drop_all (GstHeadBlurLookahead * la)
{
  guint n = la->queue.length;

  g_queue_clear_full (&la->queue, (GDestroyNotify) gst_head_blur_queued_free);
  return n;
}

GstBuffer *
gst_head_blur_lookahead_pop (GstHeadBlurLookahead * la, GArray ** boxes,
    gboolean * full_frame)
{
  GstHeadBlurQueued *q = g_queue_pop_head (&la->queue);
  GstBuffer *buffer;

  if (q == NULL)
    return NULL;
  buffer = q->buffer;
  *boxes = q->boxes;
  *full_frame = q->full_frame;
  g_free (q);
  return buffer;
}

void
gst_head_blur_lookahead_backproject (GstHeadBlurLookahead * la,
    const GArray * hits, GstClockTime gap, gint width, gint height)
{
  for (guint i = 0; i < hits->len; i++) {
    const GstHeadBlurTrackHit *hit =
        &g_array_index (hits, GstHeadBlurTrackHit, i);
    gboolean is_new = hit->prev_hit == G_MAXUINT64;
    GstHeadBlurRun *run = g_hash_table_lookup (la->runs,
        GUINT_TO_POINTER (hit->id));

    if (run == NULL) {
      run = g_new0 (GstHeadBlurRun, 1);
      g_hash_table_insert (la->runs, GUINT_TO_POINTER (hit->id), run);
      is_new = TRUE;
    }
    if (is_new) {
      run->start = hit->pts;
      run->gap_start = G_MAXUINT64;
    } else if (hit->pts > hit->prev_hit + gap) {
      run->start = hit->pts;    /* re-acquired after a gap */
      run->gap_start = hit->prev_hit;
    }

    for (GList * l = la->queue.head; l; l = l->next) {
      GstHeadBlurQueued *q = l->data;
      RbBox box;

      if (q->full_frame || q->pts >= run->start ||
          (run->gap_start != G_MAXUINT64 && q->pts <= run->gap_start))
        continue;
      gst_head_blur_track_project (hit, q->pts, &box);
      if (rb_box_clip (&box, width, height, &box)) {
        GST_LOG ("track %u back to %" GST_TIME_FORMAT ": %.0f,%.0f %.0fx%.0f",
            hit->id, GST_TIME_ARGS (q->pts), box.x, box.y, box.width,
            box.height);
        g_array_append_val (q->boxes, box);
      }
    }
  }
}
