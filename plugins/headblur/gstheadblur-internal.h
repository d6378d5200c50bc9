/* rtsp-blur: headblur element, private API shared by its files
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_INTERNAL_H__
#define __GST_HEAD_BLUR_INTERNAL_H__

#include "gstheadblur.h"
#include "gstheadblur-detect.h"
#include "gstheadblur-image.h"
#include "gstheadblur-lookahead.h"
#include "gstheadblur-mask.h"
#include "gstheadblur-sched.h"
#include "gstheadblur-track.h"

G_BEGIN_DECLS

/* The element's instance and the functions its files share: gstheadblur.c
 * (the GObject: properties, start/stop, events, queries),
 * gstheadblur-analyse.c (one frame: what to mask in it, masking it) and
 * gstheadblur-lookahead.c (frames held back: lookahead > 0). */

GST_DEBUG_CATEGORY_EXTERN (gst_head_blur_debug);

/**
 * GstHeadBlurOverloadMode:
 * @GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME: mask the whole frame (privacy
 *   first)
 * @GST_HEAD_BLUR_OVERLOAD_MODE_ENLARGE: mask the last tracks, enlarged x2
 *   around their predicted position (kept past the hold time while the
 *   overload lasts)
 *
 * How headblur masks a frame when detection has fallen behind (see
 * #GstHeadBlur:overload-mode).
 *
 * Since: 0.1.0
 */
typedef enum
{
  GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME,
  GST_HEAD_BLUR_OVERLOAD_MODE_ENLARGE,
} GstHeadBlurOverloadMode;

/**
 * GstHeadBlurCorruptMode:
 * @GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME: mask the whole frame (privacy
 *   first; a live stream keeps its pace)
 * @GST_HEAD_BLUR_CORRUPT_MODE_DROP: drop the frame
 *
 * What headblur does with a frame flagged %GST_BUFFER_FLAG_CORRUPTED (see
 * #GstHeadBlur:corrupt-mode).
 *
 * Since: 0.1.0
 */
typedef enum
{
  GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME,
  GST_HEAD_BLUR_CORRUPT_MODE_DROP,
} GstHeadBlurCorruptMode;

/* The values of the properties, copied once per frame by the streaming
 * thread. */
typedef struct
{
  gchar *model;
  gdouble threshold;
  GstHeadBlurMode mode;
  guint fill_color;
  gdouble padding;
  gint inference_width;
  gint threads;
  GstClockTime hold_time;
  guint detection_interval;
  guint lookahead;
  gchar *privacy_zones;         /* as set */
  GPtrArray *zones;             /* parsed: GArray of gdouble x,y pairs,
                                 * normalized; NULL if none or invalid */
  gchar *zones_error;           /* why privacy_zones is invalid, or NULL */
  GstHeadBlurOverloadMode overload_mode;
  GstClockTime max_detection_age;
  gchar *person_model;
  gdouble person_threshold;
  gint person_inference_width;
  gboolean attach_meta;
  gboolean upstream_detections;
  guint upstream_check_interval;
  GstHeadBlurCorruptMode corrupt_mode;
  gchar *head_model;            /* "" = no head-model slot */
  GstHeadBlurHeadModelFormat head_model_format;
  gchar *head_model_config;
  gint head_input_size;
  gdouble head_threshold;
  gchar *head_classes;
  guint head_detection_interval;
} GstHeadBlurSettings;

struct _GstHeadBlur
{
  GstVideoFilter parent;

  /* protected by GST_OBJECT_LOCK */
  GstHeadBlurSettings settings;
  gboolean started;             /* between start() and stop() */
  gboolean live;                /* upstream is live (latency query at the
                                 * LATENCY event): lateness means something */
  GstHeadBlurSched sched;       /* every call to it is made under the lock */
  guint stat_tracks;            /* tracks alive after the last frame */

  /* created in start(), freed in stop(); streaming thread only */
  GstHeadBlurDetector *detector;
  GstHeadBlurYolo *head_detector;       /* head-model, NULL when unset */
  guint head_since;             /* frames since head_detector last ran */
  gint applied_threads;         /* last value given to OpenCV, 0 = none */
  GstHeadBlurTracker *tracker;
  guint lookahead;              /* frames, fixed between start and stop */
  GstHeadBlurLookahead *queue;  /* the frames held back, when lookahead */
  gint64 frame_start_us;        /* when the current frame came in, 0 =
                                 * none */

  /* streaming thread only, reused per frame */
  GArray *track_boxes;          /* RbBox predicted by the tracks */
  GArray *hits;                 /* GstHeadBlurTrackHit */
  GArray *boxes;                /* RbBox to mask */
  GArray *det_boxes;            /* RbBox detected in this frame */
  GArray *upstream_boxes;       /* RbBox from upstream metas */
  gboolean frame_detected;      /* the detector ran on this frame */
};

/* gstheadblur.c */

/* A copy of the settings for one frame; free with
 * gst_head_blur_settings_clear(). */
void     gst_head_blur_settings_copy (GstHeadBlur * self,
                                      GstHeadBlurSettings * s);
void     gst_head_blur_settings_clear (GstHeadBlurSettings * s);

/* gstheadblur-analyse.c */

/* The frame duration: the buffers', else the caps', else 1/15 s. */
GstClockTime gst_head_blur_frame_duration (GstHeadBlur * self);

/* The frame duration the caps give, or GST_CLOCK_TIME_NONE. */
GstClockTime gst_head_blur_caps_duration (GstHeadBlur * self);

/* Posts an error and returns FALSE unless a detector is loaded and the
 * privacy zones are valid. */
gboolean gst_head_blur_check_ready (GstHeadBlur * self,
                                    const GstHeadBlurSettings * s);

/* @frame's planes into @image; posts an error for a format headblur does
 * not take. */
gboolean gst_head_blur_map_image (GstHeadBlur * self, GstVideoFrame * frame,
                                  GstHeadBlurImage * image);

/* Whether @buffer is flagged corrupted; counts it and, at the start of a
 * run of such frames, masks whole (or drops, per @mode) the frames held
 * back before it. */
gboolean gst_head_blur_check_corrupt (GstHeadBlur * self,
                                      GstBuffer * buffer,
                                      GstHeadBlurCorruptMode mode);

/* A corrupted frame is not analysed: nothing of it is detected or tracked,
 * and the detections upstream put on it are dropped. */
void     gst_head_blur_skip_frame (GstHeadBlur * self, GstBuffer * buffer);

/* Decides what to mask in frame @image (@buffer): fills self->boxes (or
 * sets *@full_frame) and self->hits; *@pts is the frame's time. Posts an
 * error and returns FALSE when detection fails. */
gboolean gst_head_blur_analyse (GstHeadBlur * self, GstHeadBlurImage * image,
                                GstBuffer * buffer,
                                const GstHeadBlurSettings * s,
                                GstClockTime * pts, gboolean * full_frame);

/* attach-meta: what was found in the frame, on @buffer (writable). */
void     gst_head_blur_attach_meta (GstHeadBlur * self, GstBuffer * buffer,
                                    const GstHeadBlurSettings * s,
                                    gboolean full_frame, gboolean corrupt);

/* Masks @boxes (or the whole frame) and the privacy zones in @image; posts
 * an error and returns FALSE when masking fails. */
gboolean gst_head_blur_apply (GstHeadBlur * self, GstHeadBlurImage * image,
                              const GstVideoInfo * info,
                              const GstHeadBlurSettings * s,
                              const GArray * boxes, gboolean full_frame);

/* The frame that came in at self->frame_start_us is done (see
 * gst_head_blur_sched_frame_done()); posts a LATENCY message when the
 * reported latency grew. */
void     gst_head_blur_frame_done (GstHeadBlur * self);

/* gstheadblur-lookahead.c */

/* lookahead > 0: analyses @input (taken over) now and queues it. */
GstFlowReturn gst_head_blur_submit_delayed (GstHeadBlur * self,
                                            GstBuffer * input);

/* lookahead > 0: the oldest queued frame, masked, once more than lookahead
 * frames are queued; *@outbuf NULL before. */
GstFlowReturn gst_head_blur_generate_delayed (GstHeadBlur * self,
                                              GstBuffer ** outbuf);

/* Masks and pushes every queued frame (EOS, caps or segment change). */
GstFlowReturn gst_head_blur_drain (GstHeadBlur * self);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_INTERNAL_H__ */
