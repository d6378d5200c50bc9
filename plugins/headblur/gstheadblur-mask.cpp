/* rtsp-blur: headblur element, masking (OpenCV)
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Masks rectangles and polygons of a frame in place, in its own format
 * (every plane, chroma at its subsampling): never a conversion of the whole
 * frame. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-mask.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

/* The pixelate grid of a @width x @height region: about 8 blocks across,
 * blocks at least 4 px, so the blocks scale with the head. */
static void
pixelate_grid (int width, int height, int *nbx, int *nby)
{
  const int block = std::max (4, (width + 4) / 8);

  *nbx = std::max (1, (width + block - 1) / block);
  *nby = std::max (1, (height + block - 1) / block);
}

/* Calls @f (plane view, x and y subsampling shifts, @fill in the plane's
 * channel order) for every plane of @image: the one place that knows how
 * each format lays out its planes and channels. @fill is Y,U,V or R,G,B. */
template <typename F>
static void
for_each_plane (const GstHeadBlurImage *image, const guint8 fill[3], F f)
{
  switch (image->format) {
    case GST_HEAD_BLUR_FORMAT_I420:
      f (gst_head_blur_plane_view (image, 0, CV_8UC1), 0, 0,
          cv::Scalar (fill[0]));
      f (gst_head_blur_plane_view (image, 1, CV_8UC1), 1, 1,
          cv::Scalar (fill[1]));
      f (gst_head_blur_plane_view (image, 2, CV_8UC1), 1, 1,
          cv::Scalar (fill[2]));
      break;
    case GST_HEAD_BLUR_FORMAT_NV12:
      f (gst_head_blur_plane_view (image, 0, CV_8UC1), 0, 0,
          cv::Scalar (fill[0]));
      f (gst_head_blur_plane_view (image, 1, CV_8UC2), 1, 1,
          cv::Scalar (fill[1], fill[2]));
      break;
    case GST_HEAD_BLUR_FORMAT_BGR:
      f (gst_head_blur_plane_view (image, 0, CV_8UC3), 0, 0,
          cv::Scalar (fill[2], fill[1], fill[0]));
      break;
    case GST_HEAD_BLUR_FORMAT_RGB:
      f (gst_head_blur_plane_view (image, 0, CV_8UC3), 0, 0,
          cv::Scalar (fill[0], fill[1], fill[2]));
      break;
    case GST_HEAD_BLUR_FORMAT_BGRX:
      f (gst_head_blur_plane_view (image, 0, CV_8UC4), 0, 0,
          cv::Scalar (fill[2], fill[1], fill[0], 255));
      break;
    case GST_HEAD_BLUR_FORMAT_RGBX:
      f (gst_head_blur_plane_view (image, 0, CV_8UC4), 0, 0,
          cv::Scalar (fill[0], fill[1], fill[2], 255));
      break;
  }
}

/* Blur: shrink the region to about 1/16 of its size (INTER_AREA averages
 * every source pixel), enlarge it again bilinearly and smooth the result
 * with a box filter one cell wide. Nothing finer than a sixteenth of the
 * head survives. */
static void
blur_roi (cv::Mat &roi)
{
  const int sw = std::max (1, (roi.cols + 8) / 16);
  const int sh = std::max (1, (roi.rows + 8) / 16);
  cv::Mat small, big;

  cv::resize (roi, small, cv::Size (sw, sh), 0, 0, cv::INTER_AREA);
  cv::resize (small, big, roi.size (), 0, 0, cv::INTER_LINEAR);
  const int kw = std::max (1, roi.cols / sw) | 1;
  const int kh = std::max (1, roi.rows / sh) | 1;
  cv::blur (
      big, roi, cv::Size (kw, kh), cv::Point (-1, -1), cv::BORDER_REPLICATE);
}

/* Pixelate: nbx x nby blocks, each the average of its pixels. */
static void
pixelate_roi (cv::Mat &roi, int nbx, int nby)
{
  cv::Mat small;

  nbx = std::max (1, std::min (nbx, roi.cols));
  nby = std::max (1, std::min (nby, roi.rows));
  cv::resize (roi, small, cv::Size (nbx, nby), 0, 0, cv::INTER_AREA);
  cv::resize (small, roi, roi.size (), 0, 0, cv::INTER_NEAREST);
}

/* Rectangle of a luma box in a plane subsampled by (1 << xs, 1 << ys),
 * rounded outwards and clipped to the plane. */
static cv::Rect
plane_rect (const cv::Rect &b, int xs, int ys, int pw, int ph)
{
  int x0 = b.x >> xs, y0 = b.y >> ys;
  int x1 = (b.x + b.width + (1 << xs) - 1) >> xs;
  int y1 = (b.y + b.height + (1 << ys) - 1) >> ys;

  x0 = std::max (0, x0);
  y0 = std::max (0, y0);
  x1 = std::min (pw, x1);
  y1 = std::min (ph, y1);
  return cv::Rect (x0, y0, std::max (0, x1 - x0), std::max (0, y1 - y0));
}

static void
mask_plane (cv::Mat plane, const cv::Rect &b, int xs, int ys,
    GstHeadBlurMode mode, const cv::Scalar &fill, int nbx, int nby)
{
  cv::Rect r = plane_rect (b, xs, ys, plane.cols, plane.rows);

  if (r.width <= 0 || r.height <= 0)
    return;
  cv::Mat roi = plane (r);
  switch (mode) {
    case GST_HEAD_BLUR_MODE_FILL:
      roi.setTo (fill);
      break;
    case GST_HEAD_BLUR_MODE_PIXELATE:
      pixelate_roi (roi, nbx, nby);
      break;
    default:
      blur_roi (roi);
      break;
  }
}

static void
mask_box (const GstHeadBlurImage *image, const cv::Rect &b,
    GstHeadBlurMode mode, const guint8 fill[3])
{
  int nbx, nby;

  pixelate_grid (b.width, b.height, &nbx, &nby);
  for_each_plane (image, fill,
      [&] (cv::Mat plane, int xs, int ys, const cv::Scalar &colour) {
        mask_plane (plane, b, xs, ys, mode, colour, nbx, nby);
      });
}

/* Polygon masking (privacy zones): the polygon is drawn into a mask over
 * its bounding rectangle in each plane, the rectangle is masked like a head
 * box and only the pixels inside the polygon are copied back. */
static void
mask_plane_polygon (cv::Mat plane, const std::vector<cv::Point> &luma_pts,
    int xs, int ys, GstHeadBlurMode mode, const cv::Scalar &fill, int nbx,
    int nby)
{
  std::vector<cv::Point> pts;
  pts.reserve (luma_pts.size ());
  for (const cv::Point &p : luma_pts)
    pts.push_back (cv::Point (p.x >> xs, p.y >> ys));

  cv::Rect r = cv::boundingRect (pts);
  r.width += 1;
  r.height += 1;
  r &= cv::Rect (0, 0, plane.cols, plane.rows);
  if (r.width <= 0 || r.height <= 0)
    return;

  cv::Mat mask = cv::Mat::zeros (r.size (), CV_8UC1);
  std::vector<std::vector<cv::Point>> polys (1);
  for (const cv::Point &p : pts)
    polys[0].push_back (cv::Point (p.x - r.x, p.y - r.y));
  cv::fillPoly (mask, polys, cv::Scalar (255));

  cv::Mat roi = plane (r);
  switch (mode) {
    case GST_HEAD_BLUR_MODE_FILL:
      roi.setTo (fill, mask);
      break;
    case GST_HEAD_BLUR_MODE_PIXELATE: {
      cv::Mat tmp = roi.clone ();
      pixelate_roi (tmp, nbx, nby);
      tmp.copyTo (roi, mask);
      break;
    }
    default: {
      cv::Mat tmp = roi.clone ();
      blur_roi (tmp);
      tmp.copyTo (roi, mask);
      break;
    }
  }
}

static void
mask_polygon (const GstHeadBlurImage *image, const std::vector<cv::Point> &pts,
    GstHeadBlurMode mode, const guint8 fill[3])
{
  const cv::Rect br = cv::boundingRect (pts);
  int nbx, nby;

  pixelate_grid (br.width, br.height, &nbx, &nby);
  for_each_plane (image, fill,
      [&] (cv::Mat plane, int xs, int ys, const cv::Scalar &colour) {
        mask_plane_polygon (plane, pts, xs, ys, mode, colour, nbx, nby);
      });
}

/* Zone @poly (normalised x, y pairs) in frame pixels. */
static std::vector<cv::Point>
zone_points (const GstHeadBlurImage *image, const GArray *poly)
{
  std::vector<cv::Point> pts;
  const guint n = poly->len / 2;

  for (guint j = 0; j < n; j++)
    pts.push_back (cv::Point (
        (int) std::lround (g_array_index (poly, gdouble, 2 * j) * image->width),
        (int) std::lround (
            g_array_index (poly, gdouble, 2 * j + 1) * image->height)));
  return pts;
}

G_BEGIN_DECLS

gboolean
gst_head_blur_mask_frame (const GstHeadBlurImage *image, gboolean full_frame,
    const RbBox *boxes, guint n_boxes, const GPtrArray *zones,
    GstHeadBlurMode mode, const guint8 fill[3], GError **error)
{
  if (!gst_head_blur_image_check (image, error))
    return FALSE;

  std::string what = "masking";
  try {
    if (full_frame) {
      /* nothing left to hide */
      mask_box (
          image, cv::Rect (0, 0, image->width, image->height), mode, fill);
      return TRUE;
    }
    for (guint i = 0; i < n_boxes; i++)
      mask_box (image,
          cv::Rect ((int) boxes[i].x, (int) boxes[i].y, (int) boxes[i].width,
              (int) boxes[i].height),
          mode, fill);

    what = "polygon masking";
    for (guint i = 0; zones != NULL && i < zones->len; i++) {
      const GArray *poly = (const GArray *) g_ptr_array_index (zones, i);

      if (poly->len / 2 < 3) {
        g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_ARGS,
            "a polygon needs at least 3 points, got %u", poly->len / 2);
        return FALSE;
      }
      mask_polygon (image, zone_points (image, poly), mode, fill);
    }
    return TRUE;
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_MASK,
        "%s failed: %s", what.c_str (), gst_head_blur_caught_text ().c_str ());
  }
  return FALSE;
}

G_END_DECLS
