/* rtsp-blur: headblur element, detection (OpenCV DNN, C API)
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_DETECT_H__
#define __GST_HEAD_BLUR_DETECT_H__

#include <glib.h>

#include "gstheadblur-image.h"
#include "gstheadblur-yolo.h"
#include "rb-box.h"

G_BEGIN_DECLS

/* Opaque detector: the YuNet face network and, once
 * gst_head_blur_detector_load_person() succeeded, the Yolo-Fastest person
 * network (cv::dnn::Net), plus scratch buffers. Not thread-safe: use one
 * instance from one thread at a time. */
typedef struct _GstHeadBlurDetector GstHeadBlurDetector;

/* Parameters of one gst_head_blur_detector_detect_heads() call. */
typedef struct
{
  gint inference_width;         /* face network input width, px (multiple
                                 * of 32) */
  gdouble threshold;            /* minimum face score, 0 to 1 */
  gint person_inference_width;  /* person network input width, px; 0 = off */
  gdouble person_threshold;     /* minimum person score, 0 to 1; 1 = off */
  gdouble padding;              /* margin on every side, fraction of the
                                 * head box */
  GstHeadBlurYolo *head_model;  /* the extra detector to run on this
                                 * frame, or NULL */
  gdouble head_threshold;       /* its minimum score, 0 to 1 */
} GstHeadBlurDetectParams;

/* Loads the YuNet face detector (ONNX, 2023 output layout: outputs cls_8
 * ... bbox_32) from @model_path and runs it once on a blank image. Errors:
 * GST_HEAD_BLUR_CV_ERROR_NOT_FOUND (no such file),
 * GST_HEAD_BLUR_CV_ERROR_LOAD (not loadable, not that layout, or it cannot
 * run). */
GstHeadBlurDetector *gst_head_blur_detector_new (const gchar * model_path,
                                                 GError ** error);

void     gst_head_blur_detector_free (GstHeadBlurDetector * det);

/* Loads the Yolo-Fastest person detector (Darknet) from @weights_path and
 * the .cfg file beside it with the same base name (x.weights -> x.cfg),
 * checks that the weights' length matches the network the .cfg describes
 * and runs it once. NULL or "" unloads it (heads then come from faces
 * only). Errors: GST_HEAD_BLUR_CV_ERROR_NOT_FOUND (either file missing, the
 * message names it), GST_HEAD_BLUR_CV_ERROR_LOAD; on error no person
 * detector is loaded. */
gboolean gst_head_blur_detector_load_person (GstHeadBlurDetector * det,
                                             const gchar * weights_path,
                                             GError ** error);

/* Finds the heads in @image: faces (YuNet on a copy scaled to
 * @params->inference_width) and, when a person detector is loaded,
 * @params->person_inference_width > 0 and @params->person_threshold < 1,
 * persons (Yolo-Fastest at that width), and the heads, faces and persons
 * of @params->head_model when set, turned into head boxes by
 * gst_head_blur_fuse_heads_full() and appended to @heads (RbBox, whole frame
 * pixels, padded by @params->padding and clipped to the frame; source
 * RB_BOX_FACE or RB_BOX_PERSON, the detector's score). Errors:
 * GST_HEAD_BLUR_CV_ERROR_ARGS (invalid image),
 * GST_HEAD_BLUR_CV_ERROR_INFERENCE. */
gboolean gst_head_blur_detector_detect_heads (GstHeadBlurDetector * det,
                                              const GstHeadBlurImage * image,
                                              const GstHeadBlurDetectParams *
                                              params, GArray * heads,
                                              GError ** error);

/* Sets OpenCV's thread count, which is global to the process
 * (cv::setNumThreads): n > 0 sets n threads, n <= 0 restores OpenCV's
 * default. */
gboolean gst_head_blur_cv_set_threads (gint n_threads, GError ** error);

G_END_DECLS

#ifdef __cplusplus
#include <opencv2/dnn.hpp>

/* The frame scaled to @iw x @ih, converted to BGR into @small_bgr (only
 * the small copy is converted; @small_yuv and @small_packed are scratch). */
void     gst_head_blur_scale_to_bgr (const GstHeadBlurImage * image, int iw,
                                     int ih, cv::Mat & small_yuv,
                                     cv::Mat & small_packed,
                                     cv::Mat & small_bgr);

/* Throws unless every output of Darknet network @net is a YOLO (Region)
 * layer and @weights_path holds exactly @net's parameters. */
void     gst_head_blur_check_darknet (cv::dnn::Net & net,
                                      const gchar * weights_path);
#endif

#endif /* __GST_HEAD_BLUR_DETECT_H__ */
