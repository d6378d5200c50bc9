/* rtsp-blur: headblur element, OpenCV helper
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

/* The only C++ file of the plugin (STYLE C21): YuNet (2023 layout) through
 * cv::dnn, with the output decoding done here because cv::FaceDetectorYN in
 * OpenCV 4.6 cannot run that layout, and the in-place masking of rectangles.
 * Every exported function catches cv::Exception and std::exception and
 * turns them into a GError: no exception crosses into C frames. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-dnn.h"

#include <gst/gst.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_head_blur_dnn_debug);
#define GST_CAT_DEFAULT gst_head_blur_dnn_debug

/* YuNet defaults (libfacedetection.train / cv::FaceDetectorYN). */
#define HEAD_BLUR_NMS_THRESHOLD 0.3f
#define HEAD_BLUR_TOP_K 5000

static const int yunet_strides[] = { 8, 16, 32 };

struct _GstHeadBlurDnn
{
  cv::dnn::Net net;
  std::vector<cv::String> out_names; /* cls_8,16,32, obj_.., bbox_.. */
  cv::Mat small_yuv;                 /* scratch: scaled I420/NV12 */
  cv::Mat small_packed;              /* scratch: scaled packed RGB */
  cv::Mat small_bgr;                 /* network input image */
  cv::Mat blob;
  std::vector<cv::Mat> outs;
};

G_BEGIN_DECLS

GQuark
gst_head_blur_dnn_error_quark (void)
{
  return g_quark_from_static_string ("gst-head-blur-dnn-error-quark");
}

G_END_DECLS

static void
gst_head_blur_dnn_init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (
        gst_head_blur_dnn_debug, "headblur-dnn", 0, "headblur OpenCV helper");
    g_once_init_leave (&done, 1);
  }
}

static int
round_up_32 (int v)
{
  return (v + 31) / 32 * 32;
}

static cv::Mat
plane_view (const GstHeadBlurImage *image, guint plane, int type)
{
  return cv::Mat (image->plane_height[plane], image->plane_width[plane], type,
      image->data[plane], (size_t) image->stride[plane]);
}

static int
packed_type (GstHeadBlurDnnFormat format)
{
  switch (format) {
    case GST_HEAD_BLUR_DNN_FORMAT_BGR:
    case GST_HEAD_BLUR_DNN_FORMAT_RGB:
      return CV_8UC3;
    case GST_HEAD_BLUR_DNN_FORMAT_BGRX:
    case GST_HEAD_BLUR_DNN_FORMAT_RGBX:
      return CV_8UC4;
    default:
      return -1;
  }
}

static gboolean
check_image (const GstHeadBlurImage *image, GError **error)
{
  guint needed;

  switch (image->format) {
    case GST_HEAD_BLUR_DNN_FORMAT_I420:
      needed = 3;
      break;
    case GST_HEAD_BLUR_DNN_FORMAT_NV12:
      needed = 2;
      break;
    default:
      needed = 1;
      break;
  }
  if (image->width <= 0 || image->height <= 0 || image->n_planes < needed) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_ARGS,
        "invalid image description (%dx%d, %u planes)", image->width,
        image->height, image->n_planes);
    return FALSE;
  }
  for (guint i = 0; i < needed; i++) {
    if (image->data[i] == NULL || image->plane_width[i] <= 0
        || image->plane_height[i] <= 0) {
      g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_ARGS,
          "invalid plane %u", i);
      return FALSE;
    }
  }
  return TRUE;
}

/* Scales the frame to iw x ih and converts only the small copy to BGR. */
static void
make_small_bgr (
    GstHeadBlurDnn *dnn, const GstHeadBlurImage *image, int iw, int ih)
{
  switch (image->format) {
    case GST_HEAD_BLUR_DNN_FORMAT_I420: {
      dnn->small_yuv.create (ih * 3 / 2, iw, CV_8UC1);
      uchar *base = dnn->small_yuv.data;
      cv::Mat y (ih, iw, CV_8UC1, base);
      cv::Mat u (ih / 2, iw / 2, CV_8UC1, base + iw * ih);
      cv::Mat v (ih / 2, iw / 2, CV_8UC1, base + iw * ih + iw * ih / 4);
      cv::resize (
          plane_view (image, 0, CV_8UC1), y, y.size (), 0, 0, cv::INTER_AREA);
      cv::resize (
          plane_view (image, 1, CV_8UC1), u, u.size (), 0, 0, cv::INTER_AREA);
      cv::resize (
          plane_view (image, 2, CV_8UC1), v, v.size (), 0, 0, cv::INTER_AREA);
      cv::cvtColor (dnn->small_yuv, dnn->small_bgr, cv::COLOR_YUV2BGR_I420);
      break;
    }
    case GST_HEAD_BLUR_DNN_FORMAT_NV12: {
      dnn->small_yuv.create (ih * 3 / 2, iw, CV_8UC1);
      uchar *base = dnn->small_yuv.data;
      cv::Mat y (ih, iw, CV_8UC1, base);
      cv::Mat uv (ih / 2, iw / 2, CV_8UC2, base + iw * ih);
      cv::resize (
          plane_view (image, 0, CV_8UC1), y, y.size (), 0, 0, cv::INTER_AREA);
      cv::resize (
          plane_view (image, 1, CV_8UC2), uv, uv.size (), 0, 0, cv::INTER_AREA);
      cv::cvtColor (dnn->small_yuv, dnn->small_bgr, cv::COLOR_YUV2BGR_NV12);
      break;
    }
    default: {
      int type = packed_type (image->format);
      cv::resize (plane_view (image, 0, type), dnn->small_packed,
          cv::Size (iw, ih), 0, 0, cv::INTER_AREA);
      switch (image->format) {
        case GST_HEAD_BLUR_DNN_FORMAT_BGR:
          dnn->small_packed.copyTo (dnn->small_bgr);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_RGB:
          cv::cvtColor (dnn->small_packed, dnn->small_bgr, cv::COLOR_RGB2BGR);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_BGRX:
          cv::cvtColor (dnn->small_packed, dnn->small_bgr, cv::COLOR_BGRA2BGR);
          break;
        default: /* RGBX */
          cv::cvtColor (dnn->small_packed, dnn->small_bgr, cv::COLOR_RGBA2BGR);
          break;
      }
      break;
    }
  }
}

/* Runs the network on dnn->small_bgr and decodes YuNet 2023 outputs into
 * boxes in small-image pixels (models/README.md). */
static void
run_and_decode (GstHeadBlurDnn *dnn, float threshold,
    std::vector<cv::Rect2d> &rects, std::vector<float> &scores)
{
  const int iw = dnn->small_bgr.cols, ih = dnn->small_bgr.rows;

  cv::dnn::blobFromImage (dnn->small_bgr, dnn->blob);
  dnn->net.setInput (dnn->blob);
  dnn->net.forward (dnn->outs, dnn->out_names);

  if (dnn->outs.size () != 9)
    throw std::runtime_error ("unexpected number of network outputs");

  for (int i = 0; i < 3; i++) {
    const int s = yunet_strides[i];
    const int cols = iw / s, rows = ih / s;
    const size_t n = (size_t) cols * rows;
    const cv::Mat &cls = dnn->outs[i];
    const cv::Mat &obj = dnn->outs[3 + i];
    const cv::Mat &bbox = dnn->outs[6 + i];

    if (cls.total () != n || obj.total () != n || bbox.total () != 4 * n)
      throw std::runtime_error (
          "unexpected output size for stride " + std::to_string (s));

    const float *pc = cls.ptr<float> ();
    const float *po = obj.ptr<float> ();
    const float *pb = bbox.ptr<float> ();

    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        const size_t idx = (size_t) r * cols + c;
        float cs = std::min (std::max (pc[idx], 0.f), 1.f);
        float os = std::min (std::max (po[idx], 0.f), 1.f);
        float score = std::sqrt (cs * os);

        if (score < threshold)
          continue;

        const float *b = pb + 4 * idx;
        double cx = (c + b[0]) * s;
        double cy = (r + b[1]) * s;
        double w = std::exp (b[2]) * s;
        double h = std::exp (b[3]) * s;

        rects.emplace_back (cx - w / 2, cy - h / 2, w, h);
        scores.push_back (score);
      }
    }
  }
}

G_BEGIN_DECLS

GstHeadBlurDnn *
gst_head_blur_dnn_new (const gchar *model_path, GError **error)
{
  gst_head_blur_dnn_init_debug ();

  if (model_path == NULL || !g_file_test (model_path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR,
        GST_HEAD_BLUR_DNN_ERROR_NOT_FOUND, "model file \"%s\" not found",
        model_path ? model_path : "(null)");
    return NULL;
  }

  GstHeadBlurDnn *dnn = NULL;
  try {
    dnn = new GstHeadBlurDnn ();
    dnn->net = cv::dnn::readNetFromONNX (model_path);
    if (dnn->net.empty ())
      throw std::runtime_error ("network is empty");
    dnn->net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
    dnn->net.setPreferableTarget (cv::dnn::DNN_TARGET_CPU);

    std::vector<cv::String> have = dnn->net.getUnconnectedOutLayersNames ();
    for (const char *kind : { "cls", "obj", "bbox" }) {
      for (int s : yunet_strides) {
        std::string name = std::string (kind) + "_" + std::to_string (s);
        if (std::find (have.begin (), have.end (), name) == have.end ())
          throw std::runtime_error ("output \"" + name
                                    + "\" missing: not a "
                                      "YuNet (2023 layout) model");
        dnn->out_names.push_back (name);
      }
    }

    /* One small forward pass so that a model that loads but cannot run
     * fails in start() rather than on the first frame. */
    dnn->small_bgr = cv::Mat::zeros (96, 160, CV_8UC3);
    std::vector<cv::Rect2d> rects;
    std::vector<float> scores;
    run_and_decode (dnn, 1.0f, rects, scores);
    GST_INFO ("loaded YuNet model %s", model_path);
    return dnn;
  } catch (const cv::Exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_LOAD,
        "cannot load model \"%s\": %s", model_path, e.what ());
  } catch (const std::exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_LOAD,
        "cannot load model \"%s\": %s", model_path, e.what ());
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_LOAD,
        "cannot load model \"%s\": unknown exception", model_path);
  }
  delete dnn;
  return NULL;
}

void
gst_head_blur_dnn_free (GstHeadBlurDnn *dnn)
{
  try {
    delete dnn;
  } catch (...) {
    /* destructors of cv::Mat and cv::dnn::Net do not throw */
  }
}

gboolean
gst_head_blur_dnn_detect (GstHeadBlurDnn *dnn, const GstHeadBlurImage *image,
    gint inference_width, gdouble threshold, GArray *faces, GError **error)
{
  g_return_val_if_fail (dnn != NULL, FALSE);
  g_return_val_if_fail (faces != NULL, FALSE);

  if (!check_image (image, error))
    return FALSE;

  try {
    /* Never scale up beyond the frame (only to the next multiple of 32). */
    int iw = std::min (round_up_32 (std::max (inference_width, 32)),
        round_up_32 (image->width));
    double scale = (double) iw / image->width;
    int ih = round_up_32 ((int) std::ceil (image->height * scale));
    double sx = (double) image->width / iw;
    double sy = (double) image->height / ih;

    make_small_bgr (dnn, image, iw, ih);

    std::vector<cv::Rect2d> rects;
    std::vector<float> scores;
    std::vector<int> keep;
    run_and_decode (dnn, (float) threshold, rects, scores);
    cv::dnn::NMSBoxes (rects, scores, (float) threshold,
        HEAD_BLUR_NMS_THRESHOLD, keep, 1.f, HEAD_BLUR_TOP_K);

    for (int k : keep) {
      const cv::Rect2d &r = rects[k];
      GstHeadBlurBox box;
      box.x = (gint) std::floor (r.x * sx);
      box.y = (gint) std::floor (r.y * sy);
      box.width = (gint) std::ceil ((r.x + r.width) * sx) - box.x;
      box.height = (gint) std::ceil ((r.y + r.height) * sy) - box.y;
      box.score = scores[k];
      g_array_append_val (faces, box);
    }
    GST_LOG ("%dx%d -> %dx%d: %zu candidates, %zu faces", image->width,
        image->height, iw, ih, rects.size (), keep.size ());
    return TRUE;
  } catch (const cv::Exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR,
        GST_HEAD_BLUR_DNN_ERROR_INFERENCE, "inference failed: %s", e.what ());
  } catch (const std::exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR,
        GST_HEAD_BLUR_DNN_ERROR_INFERENCE, "inference failed: %s", e.what ());
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR,
        GST_HEAD_BLUR_DNN_ERROR_INFERENCE, "inference failed: unknown error");
  }
  return FALSE;
}

G_END_DECLS

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
plane_rect (const GstHeadBlurBox &b, int xs, int ys, int pw, int ph)
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
mask_plane (cv::Mat plane, const GstHeadBlurBox &b, int xs, int ys,
    GstHeadBlurDnnMode mode, const cv::Scalar &fill, int nbx, int nby)
{
  cv::Rect r = plane_rect (b, xs, ys, plane.cols, plane.rows);

  if (r.width <= 0 || r.height <= 0)
    return;
  cv::Mat roi = plane (r);
  switch (mode) {
    case GST_HEAD_BLUR_DNN_MODE_FILL:
      roi.setTo (fill);
      break;
    case GST_HEAD_BLUR_DNN_MODE_PIXELATE:
      pixelate_roi (roi, nbx, nby);
      break;
    default:
      blur_roi (roi);
      break;
  }
}

G_BEGIN_DECLS

gboolean
gst_head_blur_dnn_mask (const GstHeadBlurImage *image,
    const GstHeadBlurBox *boxes, guint n_boxes, GstHeadBlurDnnMode mode,
    const guint8 fill[3], GError **error)
{
  gst_head_blur_dnn_init_debug ();

  if (!check_image (image, error))
    return FALSE;

  try {
    for (guint i = 0; i < n_boxes; i++) {
      const GstHeadBlurBox &b = boxes[i];
      /* About 8 blocks across a head, blocks at least 4 px. */
      const int block = std::max (4, (b.width + 4) / 8);
      const int nbx = std::max (1, (b.width + block - 1) / block);
      const int nby = std::max (1, (b.height + block - 1) / block);

      switch (image->format) {
        case GST_HEAD_BLUR_DNN_FORMAT_I420:
          mask_plane (plane_view (image, 0, CV_8UC1), b, 0, 0, mode,
              cv::Scalar (fill[0]), nbx, nby);
          mask_plane (plane_view (image, 1, CV_8UC1), b, 1, 1, mode,
              cv::Scalar (fill[1]), nbx, nby);
          mask_plane (plane_view (image, 2, CV_8UC1), b, 1, 1, mode,
              cv::Scalar (fill[2]), nbx, nby);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_NV12:
          mask_plane (plane_view (image, 0, CV_8UC1), b, 0, 0, mode,
              cv::Scalar (fill[0]), nbx, nby);
          mask_plane (plane_view (image, 1, CV_8UC2), b, 1, 1, mode,
              cv::Scalar (fill[1], fill[2]), nbx, nby);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_BGR:
          mask_plane (plane_view (image, 0, CV_8UC3), b, 0, 0, mode,
              cv::Scalar (fill[2], fill[1], fill[0]), nbx, nby);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_RGB:
          mask_plane (plane_view (image, 0, CV_8UC3), b, 0, 0, mode,
              cv::Scalar (fill[0], fill[1], fill[2]), nbx, nby);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_BGRX:
          mask_plane (plane_view (image, 0, CV_8UC4), b, 0, 0, mode,
              cv::Scalar (fill[2], fill[1], fill[0], 255), nbx, nby);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_RGBX:
          mask_plane (plane_view (image, 0, CV_8UC4), b, 0, 0, mode,
              cv::Scalar (fill[0], fill[1], fill[2], 255), nbx, nby);
          break;
      }
    }
    return TRUE;
  } catch (const cv::Exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "masking failed: %s", e.what ());
  } catch (const std::exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "masking failed: %s", e.what ());
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "masking failed: unknown error");
  }
  return FALSE;
}

gboolean
gst_head_blur_dnn_set_threads (gint n_threads, GError **error)
{
  try {
    cv::setNumThreads (n_threads > 0 ? n_threads : -1);
    return TRUE;
  } catch (const std::exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_ARGS,
        "cannot set thread count: %s", e.what ());
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_ARGS,
        "cannot set thread count: unknown error");
  }
  return FALSE;
}

G_END_DECLS

/* Polygon masking (privacy zones): the polygon is drawn into a mask over
 * its bounding rectangle in each plane, the rectangle is masked like a head
 * box and only the pixels inside the polygon are copied back. */
static void
mask_plane_polygon (cv::Mat plane, const std::vector<cv::Point> &luma_pts,
    int xs, int ys, GstHeadBlurDnnMode mode, const cv::Scalar &fill, int nbx,
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
    case GST_HEAD_BLUR_DNN_MODE_FILL:
      roi.setTo (fill, mask);
      break;
    case GST_HEAD_BLUR_DNN_MODE_PIXELATE: {
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

G_BEGIN_DECLS

gboolean
gst_head_blur_dnn_mask_polygon (const GstHeadBlurImage *image,
    const gint *points, guint n_points, GstHeadBlurDnnMode mode,
    const guint8 fill[3], GError **error)
{
  gst_head_blur_dnn_init_debug ();

  if (!check_image (image, error))
    return FALSE;
  if (points == NULL || n_points < 3) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_ARGS,
        "a polygon needs at least 3 points, got %u", n_points);
    return FALSE;
  }

  try {
    std::vector<cv::Point> pts;
    for (guint i = 0; i < n_points; i++)
      pts.push_back (cv::Point (points[2 * i], points[2 * i + 1]));
    const cv::Rect br = cv::boundingRect (pts);
    /* About 8 blocks across the polygon's box, blocks at least 4 px. */
    const int block = std::max (4, (br.width + 4) / 8);
    const int nbx = std::max (1, (br.width + block - 1) / block);
    const int nby = std::max (1, (br.height + block - 1) / block);

    switch (image->format) {
      case GST_HEAD_BLUR_DNN_FORMAT_I420:
        mask_plane_polygon (plane_view (image, 0, CV_8UC1), pts, 0, 0, mode,
            cv::Scalar (fill[0]), nbx, nby);
        mask_plane_polygon (plane_view (image, 1, CV_8UC1), pts, 1, 1, mode,
            cv::Scalar (fill[1]), nbx, nby);
        mask_plane_polygon (plane_view (image, 2, CV_8UC1), pts, 1, 1, mode,
            cv::Scalar (fill[2]), nbx, nby);
        break;
      case GST_HEAD_BLUR_DNN_FORMAT_NV12:
        mask_plane_polygon (plane_view (image, 0, CV_8UC1), pts, 0, 0, mode,
            cv::Scalar (fill[0]), nbx, nby);
        mask_plane_polygon (plane_view (image, 1, CV_8UC2), pts, 1, 1, mode,
            cv::Scalar (fill[1], fill[2]), nbx, nby);
        break;
      case GST_HEAD_BLUR_DNN_FORMAT_BGR:
        mask_plane_polygon (plane_view (image, 0, CV_8UC3), pts, 0, 0, mode,
            cv::Scalar (fill[2], fill[1], fill[0]), nbx, nby);
        break;
      case GST_HEAD_BLUR_DNN_FORMAT_RGB:
        mask_plane_polygon (plane_view (image, 0, CV_8UC3), pts, 0, 0, mode,
            cv::Scalar (fill[0], fill[1], fill[2]), nbx, nby);
        break;
      case GST_HEAD_BLUR_DNN_FORMAT_BGRX:
        mask_plane_polygon (plane_view (image, 0, CV_8UC4), pts, 0, 0, mode,
            cv::Scalar (fill[2], fill[1], fill[0], 255), nbx, nby);
        break;
      case GST_HEAD_BLUR_DNN_FORMAT_RGBX:
        mask_plane_polygon (plane_view (image, 0, CV_8UC4), pts, 0, 0, mode,
            cv::Scalar (fill[0], fill[1], fill[2], 255), nbx, nby);
        break;
    }
    return TRUE;
  } catch (const cv::Exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "polygon masking failed: %s", e.what ());
  } catch (const std::exception &e) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "polygon masking failed: %s", e.what ());
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "polygon masking failed: unknown error");
  }
  return FALSE;
}

G_END_DECLS
