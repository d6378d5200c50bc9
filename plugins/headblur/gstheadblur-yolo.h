/* rtsp-blur: headblur element, a detector described by properties
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_YOLO_H__
#define __GST_HEAD_BLUR_YOLO_H__

#include <glib.h>

#include "gstheadblur-image.h"

G_BEGIN_DECLS

/**
 * GstHeadBlurHeadModelFormat:
 * @GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV5_ONNX: ONNX, one output
 *   [1, 3 x cells, 5 + classes]: cx, cy, w, h in input pixels, objectness,
 *   class scores; RGB input scaled to 0..1
 * @GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV8_ONNX: ONNX, one output
 *   [1, 4 + classes, cells]: cx, cy, w, h in input pixels, class scores (no
 *   objectness); RGB input scaled to 0..1
 * @GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOX_ONNX: ONNX, one raw output
 *   [1, cells, 5 + classes] as YOLOX's export writes it without
 *   `--decode_in_inference`: per cell of the stride 8, 16 and 32 grids, the
 *   centre as an offset in cells, log width and height in strides,
 *   objectness and class scores; BGR input in 0..255
 * @GST_HEAD_BLUR_HEAD_MODEL_FORMAT_DARKNET: Darknet YOLO (v3, v4, tiny)
 *   .cfg and .weights, YOLO (region) output layers; RGB input scaled to
 *   0..1
 *
 * The layout of the model in #GstHeadBlur:head-model. "cells" is the
 * number of grid cells of strides 8, 16 and 32 (and 64 for YOLOv5 and
 * YOLOv8 P6 models) over the #GstHeadBlur:head-input-size square.
 *
 * Since: 0.1.0
 */
typedef enum
{
  GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV5_ONNX,
  GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV8_ONNX,
  GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOX_ONNX,
  GST_HEAD_BLUR_HEAD_MODEL_FORMAT_DARKNET,
} GstHeadBlurHeadModelFormat;

/* One detector whose boxes are heads, faces or persons by class id (see
 * gst_head_blur_parse_classes()), run on the frame scaled with its aspect
 * kept into the top-left corner of an input_size x input_size square
 * (the rest grey, 114). Not thread-safe. */
typedef struct _GstHeadBlurYolo GstHeadBlurYolo;

/* Loads @path (@config: the Darknet .cfg, NULL or "" for the file beside
 * the weights with the same base name) in @format for an @input_size
 * square input (a multiple of 32), with class map @kinds (byte per class
 * id, GstHeadBlurClassKind), runs it once on a blank input and checks its
 * output shapes against @format and the class map. Errors:
 * GST_HEAD_BLUR_CV_ERROR_NOT_FOUND (a file is missing: named),
 * GST_HEAD_BLUR_CV_ERROR_LOAD (not loadable, cannot run, or outputs that
 * are not @format's: the message names the file, the shapes expected and
 * the shapes found). */
GstHeadBlurYolo *gst_head_blur_yolo_new (GstHeadBlurHeadModelFormat format,
                                         const gchar * path,
                                         const gchar * config,
                                         gint input_size,
                                         const GByteArray * kinds,
                                         GError ** error);

void     gst_head_blur_yolo_free (GstHeadBlurYolo * yolo);

G_END_DECLS

#ifdef __cplusplus
#include <vector>

#include "rb-box.h"

/* Runs @yolo on @image and appends its boxes with a score of at least
 * @threshold, after non-maximum suppression per kind, in frame pixels, to
 * @heads (source RB_BOX_DETECTION), @faces (RB_BOX_FACE) or @persons
 * (RB_BOX_PERSON) by their class. Throws on failure. */
void     gst_head_blur_yolo_detect (GstHeadBlurYolo * yolo,
                                    const GstHeadBlurImage * image,
                                    double threshold,
                                    std::vector < RbBox > &heads,
                                    std::vector < RbBox > &faces,
                                    std::vector < RbBox > &persons);
#endif

#endif /* __GST_HEAD_BLUR_YOLO_H__ */
