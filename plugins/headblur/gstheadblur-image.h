/* rtsp-blur: headblur element, the frame as the OpenCV helpers see it
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_HEAD_BLUR_IMAGE_H__
#define __GST_HEAD_BLUR_IMAGE_H__

#include <gst/video/video.h>

G_BEGIN_DECLS

/* Errors of the OpenCV helpers (detection and masking), which the element
 * turns into GStreamer errors. */
#define GST_HEAD_BLUR_CV_ERROR (gst_head_blur_cv_error_quark ())

typedef enum
{
  GST_HEAD_BLUR_CV_ERROR_NOT_FOUND,     /* a model file is missing */
  GST_HEAD_BLUR_CV_ERROR_LOAD,          /* a model is unreadable or not the
                                         * network expected */
  GST_HEAD_BLUR_CV_ERROR_INFERENCE,     /* scaling, forward pass or decoding
                                         * failed */
  GST_HEAD_BLUR_CV_ERROR_MASK,          /* masking failed */
  GST_HEAD_BLUR_CV_ERROR_ARGS           /* invalid image or arguments */
} GstHeadBlurCvError;

GQuark   gst_head_blur_cv_error_quark (void);

typedef enum
{
  GST_HEAD_BLUR_FORMAT_I420,
  GST_HEAD_BLUR_FORMAT_NV12,
  GST_HEAD_BLUR_FORMAT_BGR,
  GST_HEAD_BLUR_FORMAT_RGB,
  GST_HEAD_BLUR_FORMAT_BGRX,
  GST_HEAD_BLUR_FORMAT_RGBX
} GstHeadBlurFormat;

/* A view of a mapped video frame, as the OpenCV helpers take it: plane
 * pointers, strides and plane sizes (in pixels, as
 * GST_VIDEO_FRAME_COMP_WIDTH/HEIGHT give them). Boxes are in frame pixels
 * (the luma plane for YUV formats). The helpers never keep these pointers
 * after a call returns. */
typedef struct
{
  GstHeadBlurFormat format;
  gint width;
  gint height;
  guint n_planes;
  guint8 *data[3];
  gint stride[3];
  gint plane_width[3];
  gint plane_height[3];
} GstHeadBlurImage;

/* FALSE, with GST_HEAD_BLUR_CV_ERROR_ARGS, unless @image has a size and
 * every plane its format needs. */
gboolean gst_head_blur_image_check (const GstHeadBlurImage * image,
                                    GError ** error);

/* The planes of mapped @frame into @image; FALSE when its format is not
 * one headblur takes (I420, NV12, BGR, RGB, BGRx, RGBx). */
gboolean gst_head_blur_image_from_frame (const GstVideoFrame * frame,
                                         GstHeadBlurImage * image);

/* @argb (0xAARRGGBB, alpha ignored) as the three bytes the masks take, in
 * the plane or channel order of @info's format: Y, U, V for YUV formats
 * (BT.601 matrix, in the range of @info's colorimetry), else R, G, B. */
void     gst_head_blur_image_fill_colour (const GstVideoInfo * info,
                                          guint argb, guint8 out[3]);

G_END_DECLS

#ifdef __cplusplus
#include <exception>
#include <string>

#include <opencv2/core.hpp>

/* Plane @plane of @image as a cv::Mat of @type, without a copy (the
 * plane's own stride). */
static inline cv::Mat
gst_head_blur_plane_view (const GstHeadBlurImage * image, guint plane,
                          int type)
{
  return cv::Mat (image->plane_height[plane], image->plane_width[plane], type,
                  image->data[plane], (size_t) image->stride[plane]);
}

/* The text of the exception being handled (cv::Exception is a
 * std::exception): call only inside a catch block. Every function the C
 * side calls catches every exception and turns it into a GError with this
 * text: no exception crosses into C frames. */
static inline std::string
gst_head_blur_caught_text (void)
{
  try {
    throw;
  } catch (const std::exception & e) {
    return e.what ();
  } catch (...) {
    return "unknown error";
  }
}
#endif /* __cplusplus */

#endif /* __GST_HEAD_BLUR_IMAGE_H__ */
