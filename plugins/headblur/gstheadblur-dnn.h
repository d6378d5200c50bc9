/* rtsp-blur: headblur element, OpenCV helper (C API)
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Library General Public License for more details.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_DNN_H__
#define __GST_HEAD_BLUR_DNN_H__

#include <glib.h>

G_BEGIN_DECLS

/* Opaque detector: cv::dnn::Nets holding YuNet (faces) and, once
 * gst_head_blur_dnn_load_person() succeeded, Yolo-Fastest (persons), plus
 * scratch buffers.
 * Not thread-safe: use one instance from one thread at a time. */
typedef struct _GstHeadBlurDnn GstHeadBlurDnn;

#define GST_HEAD_BLUR_DNN_ERROR (gst_head_blur_dnn_error_quark ())

typedef enum {
  GST_HEAD_BLUR_DNN_ERROR_NOT_FOUND,    /* model file missing */
  GST_HEAD_BLUR_DNN_ERROR_LOAD,         /* model unreadable or not YuNet */
  GST_HEAD_BLUR_DNN_ERROR_INFERENCE,    /* resize/forward/decode failed */
  GST_HEAD_BLUR_DNN_ERROR_MASK,         /* masking failed */
  GST_HEAD_BLUR_DNN_ERROR_ARGS          /* invalid image description */
} GstHeadBlurDnnError;

typedef enum {
  GST_HEAD_BLUR_DNN_FORMAT_I420,
  GST_HEAD_BLUR_DNN_FORMAT_NV12,
  GST_HEAD_BLUR_DNN_FORMAT_BGR,
  GST_HEAD_BLUR_DNN_FORMAT_RGB,
  GST_HEAD_BLUR_DNN_FORMAT_BGRX,
  GST_HEAD_BLUR_DNN_FORMAT_RGBX
} GstHeadBlurDnnFormat;

typedef enum {
  GST_HEAD_BLUR_DNN_MODE_BLUR,
  GST_HEAD_BLUR_DNN_MODE_PIXELATE,
  GST_HEAD_BLUR_DNN_MODE_FILL
} GstHeadBlurDnnMode;

/* A rectangle in frame pixels (luma plane for YUV formats). */
typedef struct {
  gint x;
  gint y;
  gint width;
  gint height;
  gfloat score;                 /* detector score 0..1 (0 if not a detection) */
} GstHeadBlurBox;

/* A view of a mapped video frame: plane pointers, strides and plane sizes
 * (in pixels, as GST_VIDEO_FRAME_COMP_WIDTH/HEIGHT give them). The helper
 * never keeps these pointers after a call returns. */
typedef struct {
  GstHeadBlurDnnFormat format;
  gint width;
  gint height;
  guint n_planes;
  guint8 *data[3];
  gint stride[3];
  gint plane_width[3];
  gint plane_height[3];
} GstHeadBlurImage;

/* Parameters of one gst_head_blur_dnn_detect_heads() call. */
typedef struct {
  gint inference_width;         /* face network input width, px (multiple of 32) */
  gdouble threshold;            /* minimum face score, 0..1 */
  gint person_inference_width;  /* person network input width, px; 0 = off */
  gdouble person_threshold;     /* minimum person score, 0..1 */
  gdouble padding;              /* margin on every side, fraction of the head box */
} GstHeadBlurDetectParams;

GQuark           gst_head_blur_dnn_error_quark (void);

GstHeadBlurDnn * gst_head_blur_dnn_new   (const gchar * model_path,
                                          GError ** error);

void             gst_head_blur_dnn_free  (GstHeadBlurDnn * dnn);

/* Loads the Yolo-Fastest person detector (Darknet) from @weights_path and
 * the .cfg file beside it with the same base name (x.weights -> x.cfg).
 * NULL or "" unloads it (heads then come from faces only). Errors:
 * GST_HEAD_BLUR_DNN_ERROR_NOT_FOUND (either file missing, the message
 * names it) or GST_HEAD_BLUR_DNN_ERROR_LOAD; on error no person detector
 * is loaded. */
gboolean         gst_head_blur_dnn_load_person (GstHeadBlurDnn * dnn,
                                          const gchar * weights_path,
                                          GError ** error);


/* Finds heads: faces (YuNet at @params->inference_width) turned into head
 * boxes, plus, when a person detector is loaded and
 * @params->person_inference_width > 0, a head box at the top of each person
 * box (Yolo-Fastest at that width); a person-derived head box that overlaps
 * a face-derived one is merged with it into their bounding box (or dropped
 * when over 3x the face-derived box's area). Boxes are
 * padded by @params->padding, clipped to the frame and appended to @heads
 * (GstHeadBlurBox, frame pixels). */
gboolean         gst_head_blur_dnn_detect_heads (GstHeadBlurDnn * dnn,
                                          const GstHeadBlurImage * image,
                                          const GstHeadBlurDetectParams * params,
                                          GArray * heads,
                                          GError ** error);

/* Detects faces on a copy of @image scaled to @inference_width (a multiple
 * of 32). Appends GstHeadBlurBox face boxes in frame pixels to @faces. */
gboolean         gst_head_blur_dnn_detect (GstHeadBlurDnn * dnn,
                                          const GstHeadBlurImage * image,
                                          gint inference_width,
                                          gdouble threshold,
                                          GArray * faces,
                                          GError ** error);

/* Masks @n_boxes rectangles of @image in place. @fill is the fill colour as
 * three bytes in plane/channel order (Y,U,V or R,G,B). */
gboolean         gst_head_blur_dnn_mask  (const GstHeadBlurImage * image,
                                          const GstHeadBlurBox * boxes,
                                          guint n_boxes,
                                          GstHeadBlurDnnMode mode,
                                          const guint8 fill[3],
                                          GError ** error);

/* Sets OpenCV's process-global thread count (cv::setNumThreads): n > 0 sets
 * n threads, n <= 0 restores OpenCV's default. */
gboolean         gst_head_blur_dnn_set_threads (gint n_threads,
                                          GError ** error);

/* Masks the inside of one polygon of @image in place, in every plane.
 * @points holds @n_points (>= 3) vertices as x, y pairs in frame pixels
 * (luma plane for YUV formats); the polygon may extend past the frame.
 * @mode and @fill as for gst_head_blur_dnn_mask(); blur and pixelate
 * scale with the polygon's bounding box. */
gboolean         gst_head_blur_dnn_mask_polygon (const GstHeadBlurImage * image,
                                          const gint * points,
                                          guint n_points,
                                          GstHeadBlurDnnMode mode,
                                          const guint8 fill[3],
                                          GError ** error);

G_END_DECLS

#endif /* __GST_HEAD_BLUR_DNN_H__ */
