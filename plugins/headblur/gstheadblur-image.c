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

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-image.h"

#include <math.h>

GQuark
gst_head_blur_cv_error_quark (void)
{
  return g_quark_from_static_string ("gst-head-blur-cv-error-quark");
}

gboolean
gst_head_blur_image_check (const GstHeadBlurImage * image, GError ** error)
{
  guint needed;

  switch (image->format) {
    case GST_HEAD_BLUR_FORMAT_I420:
      needed = 3;
      break;
    case GST_HEAD_BLUR_FORMAT_NV12:
      needed = 2;
      break;
    default:
      needed = 1;
      break;
  }
  if (image->width <= 0 || image->height <= 0 || image->n_planes < needed) {
    g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_ARGS,
        "invalid image description (%dx%d, %u planes)", image->width,
        image->height, image->n_planes);
    return FALSE;
  }
  for (guint i = 0; i < needed; i++) {
    if (image->data[i] == NULL || image->plane_width[i] <= 0
        || image->plane_height[i] <= 0) {
      g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_ARGS,
          "invalid plane %u", i);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
gst_head_blur_image_from_frame (const GstVideoFrame * frame,
    GstHeadBlurImage * image)
{
  switch (GST_VIDEO_FRAME_FORMAT (frame)) {
    case GST_VIDEO_FORMAT_I420:
      image->format = GST_HEAD_BLUR_FORMAT_I420;
      break;
    case GST_VIDEO_FORMAT_NV12:
      image->format = GST_HEAD_BLUR_FORMAT_NV12;
      break;
    case GST_VIDEO_FORMAT_BGR:
      image->format = GST_HEAD_BLUR_FORMAT_BGR;
      break;
    case GST_VIDEO_FORMAT_RGB:
      image->format = GST_HEAD_BLUR_FORMAT_RGB;
      break;
    case GST_VIDEO_FORMAT_BGRx:
      image->format = GST_HEAD_BLUR_FORMAT_BGRX;
      break;
    case GST_VIDEO_FORMAT_RGBx:
      image->format = GST_HEAD_BLUR_FORMAT_RGBX;
      break;
    default:
      return FALSE;
  }
  image->width = GST_VIDEO_FRAME_WIDTH (frame);
  image->height = GST_VIDEO_FRAME_HEIGHT (frame);
  image->n_planes = MIN (GST_VIDEO_FRAME_N_PLANES (frame), 3);
  for (guint i = 0; i < image->n_planes; i++) {
    /* The first component stored in plane i gives the plane's size. */
    gint comp[GST_VIDEO_MAX_COMPONENTS];

    gst_video_format_info_component (frame->info.finfo, i, comp);
    image->data[i] = GST_VIDEO_FRAME_PLANE_DATA (frame, i);
    image->stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, i);
    image->plane_width[i] = GST_VIDEO_FRAME_COMP_WIDTH (frame, comp[0]);
    image->plane_height[i] = GST_VIDEO_FRAME_COMP_HEIGHT (frame, comp[0]);
  }
  return TRUE;
}

void
gst_head_blur_image_fill_colour (const GstVideoInfo * info, guint argb,
    guint8 out[3])
{
  gdouble r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
  gdouble y, u, v;

  if (!GST_VIDEO_INFO_IS_YUV (info)) {
    out[0] = r;
    out[1] = g;
    out[2] = b;
    return;
  }
  /* BT.601: Kr = 0.299, Kb = 0.114 */
  y = 0.299 * r + 0.587 * g + 0.114 * b;
  u = (b - y) / 1.772;
  v = (r - y) / 1.402;
  if (info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255) {
    u = u + 128.0;
    v = v + 128.0;
  } else {
    y = 16.0 + y * 219.0 / 255.0;
    u = 128.0 + u * 224.0 / 255.0;
    v = 128.0 + v * 224.0 / 255.0;
  }
  out[0] = (guint8) CLAMP (lround (y), 0, 255);
  out[1] = (guint8) CLAMP (lround (u), 0, 255);
  out[2] = (guint8) CLAMP (lround (v), 0, 255);
}
