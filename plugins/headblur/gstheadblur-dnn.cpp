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
 * Every exported function catches every exception (cv::Exception and
 * std::exception, named by caught_text()) and turns it into a GError: no
 * exception crosses into C frames. */

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
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (gst_head_blur_dnn_debug);
#define GST_CAT_DEFAULT gst_head_blur_dnn_debug

/* YuNet defaults (libfacedetection.train / cv::FaceDetectorYN). */
#define HEAD_BLUR_NMS_THRESHOLD 0.3f
#define HEAD_BLUR_TOP_K 5000

/* Yolo-Fastest person boxes overlapping more than this are one person. */
#define HEAD_BLUR_PERSON_NMS_THRESHOLD 0.45f

static const int yunet_strides[] = { 8, 16, 32 };

/* Face box to head box, fitted on SCUT-HEAD matches (models/README.md):
 * width x1.6, height x1.55, centre moved up by 0.2 face heights. */
#define HEAD_FROM_FACE_W 1.6
#define HEAD_FROM_FACE_H 1.55
#define HEAD_FROM_FACE_UP 0.2

/* Person box to head box, fitted on SCUT-HEAD matches (models/README.md):
 * the head is centred on the person box, its width and height are fixed
 * fractions of the person box's WIDTH (the box's height varies with how
 * much of the body is visible, its width hardly), its top a fixed fraction
 * of the width above the box's top. The height is capped at the box's own
 * height. Height 0.6 box widths (was 0.7): matched heads measure
 * 0.46 (PartA) and 0.62 (PartB) box widths at the median on the panning
 * clips of bench/eval headblur-video-eval, and the lower height cut the
 * over-masking there (bench/eval/README.md). */
#define HEAD_FROM_PERSON_W 0.6
#define HEAD_FROM_PERSON_H 0.6
#define HEAD_FROM_PERSON_TOP -0.06

/* A person-derived head box that a face-derived head box covers at least
 * HEAD_BLUR_FUSE_COVER of, or whose IoU with it exceeds HEAD_BLUR_FUSE_IOU,
 * is the same head: the two are merged into their bounding box (one head,
 * one box, one track). The person box used to be dropped instead, but
 * face-derived boxes often cover less than 70 % of the head (a turned or
 * large head): on the panning clips the merge cut the PartB heads exposed
 * in at least one frame by a third (bench/eval/README.md). A person head
 * box that merely contains a (smaller) face head box is kept as it is. */
#define HEAD_BLUR_FUSE_COVER 0.5
#define HEAD_BLUR_FUSE_IOU 0.3
/* ... unless the person-derived box is more than this many times the
 * face-derived one's area: then it is dropped (it spans more than the head,
 * the face box is better placed). 3 rather than no limit: on the panning
 * clips the same heads were exposed and 0.1-0.2 points less of the frame
 * was masked. */
#define HEAD_BLUR_MERGE_MAX_RATIO 3.0

struct _GstHeadBlurDnn
{
  cv::dnn::Net net;
  std::vector<cv::String> out_names; /* cls_8,16,32, obj_.., bbox_.. */
  cv::Mat small_yuv;                 /* scratch: scaled I420/NV12 */
  cv::Mat small_packed;              /* scratch: scaled packed RGB */
  cv::Mat small_content;             /* scratch: the scaled frame, BGR */
  cv::Mat small_bgr;                 /* network input image */
  cv::Mat blob;
  std::vector<cv::Mat> outs;

  /* Yolo-Fastest person detector; empty when not loaded */
  cv::dnn::Net person_net;
  std::vector<cv::String> person_out_names;
  cv::Mat person_content; /* scratch: the scaled frame, BGR */
  cv::Mat person_bgr;     /* person network input image */
  cv::Mat person_blob;
  std::vector<cv::Mat> person_outs;
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

/* The text of the exception being handled (cv::Exception is a
 * std::exception): call only inside a catch block. */
static std::string
caught_text (void)
{
  try {
    throw;
  } catch (const std::exception &e) {
    return e.what ();
  } catch (...) {
    return "unknown error";
  }
}

static cv::Mat
plane_view (const GstHeadBlurImage *image, guint plane, int type)
{
  return cv::Mat (image->plane_height[plane], image->plane_width[plane], type,
      image->data[plane], (size_t) image->stride[plane]);
}

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
    case GST_HEAD_BLUR_DNN_FORMAT_I420:
      f (plane_view (image, 0, CV_8UC1), 0, 0, cv::Scalar (fill[0]));
      f (plane_view (image, 1, CV_8UC1), 1, 1, cv::Scalar (fill[1]));
      f (plane_view (image, 2, CV_8UC1), 1, 1, cv::Scalar (fill[2]));
      break;
    case GST_HEAD_BLUR_DNN_FORMAT_NV12:
      f (plane_view (image, 0, CV_8UC1), 0, 0, cv::Scalar (fill[0]));
      f (plane_view (image, 1, CV_8UC2), 1, 1, cv::Scalar (fill[1], fill[2]));
      break;
    case GST_HEAD_BLUR_DNN_FORMAT_BGR:
      f (plane_view (image, 0, CV_8UC3), 0, 0,
          cv::Scalar (fill[2], fill[1], fill[0]));
      break;
    case GST_HEAD_BLUR_DNN_FORMAT_RGB:
      f (plane_view (image, 0, CV_8UC3), 0, 0,
          cv::Scalar (fill[0], fill[1], fill[2]));
      break;
    case GST_HEAD_BLUR_DNN_FORMAT_BGRX:
      f (plane_view (image, 0, CV_8UC4), 0, 0,
          cv::Scalar (fill[2], fill[1], fill[0], 255));
      break;
    case GST_HEAD_BLUR_DNN_FORMAT_RGBX:
      f (plane_view (image, 0, CV_8UC4), 0, 0,
          cv::Scalar (fill[0], fill[1], fill[2], 255));
      break;
  }
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

/* Size of the frame scaled to width @iw (aspect kept, height even and at
 * most @ih). A 1920x1080 frame at 960 gives 960x540, an exact halving,
 * for which cv::resize (INTER_AREA) takes its fast path: stretching to
 * 960x544 instead costs 3x as much (6.6 vs 2.2 ms on one core). */
static cv::Size
content_size (const GstHeadBlurImage *image, int iw, int ih)
{
  int ch = (int) std::lround (image->height * (double) iw / image->width);

  return cv::Size (iw, std::min (ih, std::max (2, ch & ~1)));
}

/* Pads @content with black on the right and at the bottom to iw x ih. */
static void
pad_to (const cv::Mat &content, int iw, int ih, cv::Mat &out)
{
  if (content.cols == iw && content.rows == ih) {
    content.copyTo (out);
    return;
  }
  cv::copyMakeBorder (content, out, 0, ih - content.rows, 0, iw - content.cols,
      cv::BORDER_CONSTANT, cv::Scalar::all (0));
}

/* Scales the frame to @iw x @ih (content_size()) and converts only the
 * small copy to BGR, into @small_bgr. */
static void
make_small_bgr (GstHeadBlurDnn *dnn, const GstHeadBlurImage *image, int iw,
    int ih, cv::Mat &small_bgr)
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
      cv::cvtColor (dnn->small_yuv, small_bgr, cv::COLOR_YUV2BGR_I420);
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
      cv::cvtColor (dnn->small_yuv, small_bgr, cv::COLOR_YUV2BGR_NV12);
      break;
    }
    default: {
      int type = packed_type (image->format);
      cv::resize (plane_view (image, 0, type), dnn->small_packed,
          cv::Size (iw, ih), 0, 0, cv::INTER_AREA);
      switch (image->format) {
        case GST_HEAD_BLUR_DNN_FORMAT_BGR:
          dnn->small_packed.copyTo (small_bgr);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_RGB:
          cv::cvtColor (dnn->small_packed, small_bgr, cv::COLOR_RGB2BGR);
          break;
        case GST_HEAD_BLUR_DNN_FORMAT_BGRX:
          cv::cvtColor (dnn->small_packed, small_bgr, cv::COLOR_BGRA2BGR);
          break;
        default: /* RGBX */
          cv::cvtColor (dnn->small_packed, small_bgr, cv::COLOR_RGBA2BGR);
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

/* Runs Yolo-Fastest on dnn->person_bgr and decodes its two YOLO outputs
 * (one row per anchor and cell: cx, cy, w, h normalised to the input,
 * objectness, then the person score, which OpenCV's region layer already
 * multiplies by the objectness) into boxes normalised to 0..1. */
static void
run_person (GstHeadBlurDnn *dnn, float threshold,
    std::vector<cv::Rect2d> &rects, std::vector<float> &scores)
{
  cv::dnn::blobFromImage (dnn->person_bgr, dnn->person_blob, 1.0 / 255.0,
      cv::Size (), cv::Scalar (), true, false);
  dnn->person_net.setInput (dnn->person_blob);
  dnn->person_net.forward (dnn->person_outs, dnn->person_out_names);

  for (const cv::Mat &out : dnn->person_outs) {
    if (out.dims != 2 || out.cols < 6)
      throw std::runtime_error ("unexpected person network output shape");
    for (int r = 0; r < out.rows; r++) {
      const float *d = out.ptr<float> (r);
      float score = d[5];

      if (!(score >= threshold) || d[2] <= 0.f || d[3] <= 0.f)
        continue;
      rects.emplace_back (d[0] - d[2] / 2, d[1] - d[3] / 2, d[2], d[3]);
      scores.push_back (score);
    }
  }
}

/* Head box from a person box (frame pixels), see HEAD_FROM_PERSON_*. */
static cv::Rect2d
head_from_person (const cv::Rect2d &p)
{
  double w = HEAD_FROM_PERSON_W * p.width;
  double h = std::min (HEAD_FROM_PERSON_H * p.width, p.height);
  double cx = p.x + p.width / 2;
  double top = p.y + HEAD_FROM_PERSON_TOP * p.width;

  return cv::Rect2d (cx - w / 2, top, w, h);
}

static cv::Rect2d
head_from_face (const GstHeadBlurBox &f)
{
  double cx = f.x + f.width / 2.0;
  double cy = f.y + f.height / 2.0 - HEAD_FROM_FACE_UP * f.height;
  double w = f.width * HEAD_FROM_FACE_W;
  double h = f.height * HEAD_FROM_FACE_H;

  return cv::Rect2d (cx - w / 2, cy - h / 2, w, h);
}

/* Pads a head box by @padding of its size on every side, clips it to the
 * frame and appends it to @heads (unless nothing is left). */
static void
append_head (GArray *heads, const cv::Rect2d &r, double padding, float score,
    int width, int height)
{
  double w = r.width * (1.0 + 2.0 * padding);
  double h = r.height * (1.0 + 2.0 * padding);
  double cx = r.x + r.width / 2, cy = r.y + r.height / 2;
  int x0 = std::clamp ((int) std::floor (cx - w / 2), 0, width);
  int y0 = std::clamp ((int) std::floor (cy - h / 2), 0, height);
  int x1 = std::clamp ((int) std::ceil (cx + w / 2), 0, width);
  int y1 = std::clamp ((int) std::ceil (cy + h / 2), 0, height);
  GstHeadBlurBox box;

  if (x1 <= x0 || y1 <= y0)
    return;
  box.x = x0;
  box.y = y0;
  box.width = x1 - x0;
  box.height = y1 - y0;
  box.score = score;
  g_array_append_val (heads, box);
}

/* Person network input size for a frame: @width rounded down to a multiple
 * of 32 (never above the frame's width rounded up to 32), height scaled
 * alike and rounded up to a multiple of 32. */
static cv::Size
input_size (const GstHeadBlurImage *image, int width)
{
  int iw
      = std::min (std::max (width / 32 * 32, 32), round_up_32 (image->width));
  int ih = round_up_32 (
      (int) std::ceil (image->height * (double) iw / image->width));

  return cv::Size (iw, ih);
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
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_LOAD,
        "cannot load model \"%s\": %s", model_path, caught_text ().c_str ());
  }  delete dnn;
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
    cv::Size cs = content_size (image, iw, ih);
    double sx = (double) image->width / cs.width;
    double sy = (double) image->height / cs.height;

    /* the frame scaled with its aspect kept, padded to iw x ih */
    make_small_bgr (dnn, image, cs.width, cs.height, dnn->small_content);
    pad_to (dnn->small_content, iw, ih, dnn->small_bgr);

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
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR,
        GST_HEAD_BLUR_DNN_ERROR_INFERENCE, "inference failed: %s",
        caught_text ().c_str ());
  }
  return FALSE;
}

gboolean
gst_head_blur_dnn_load_person (
    GstHeadBlurDnn *dnn, const gchar *weights_path, GError **error)
{
  g_return_val_if_fail (dnn != NULL, FALSE);

  if (weights_path == NULL || weights_path[0] == '\0') {
    dnn->person_net = cv::dnn::Net ();
    dnn->person_out_names.clear ();
    return TRUE;
  }

  gchar *cfg_path = NULL;
  if (g_str_has_suffix (weights_path, ".weights")) {
    gchar *base
        = g_strndup (weights_path, strlen (weights_path) - strlen (".weights"));
    cfg_path = g_strconcat (base, ".cfg", NULL);
    g_free (base);
  } else {
    cfg_path = g_strconcat (weights_path, ".cfg", NULL);
  }

  for (const gchar *p :
      { (const gchar *) weights_path, (const gchar *) cfg_path }) {
    if (!g_file_test (p, G_FILE_TEST_IS_REGULAR)) {
      g_set_error (error, GST_HEAD_BLUR_DNN_ERROR,
          GST_HEAD_BLUR_DNN_ERROR_NOT_FOUND,
          "person model file \"%s\" not found", p);
      g_free (cfg_path);
      return FALSE;
    }
  }

  std::string msg;
  try {
    cv::dnn::Net net = cv::dnn::readNetFromDarknet (cfg_path, weights_path);
    if (net.empty ())
      throw std::runtime_error ("network is empty");
    net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget (cv::dnn::DNN_TARGET_CPU);
    /* OpenCV reads the weights without checking the file's length, so a
     * truncated or foreign file can "load": the file must hold exactly the
     * network's parameters after Darknet's header (major, minor, revision
     * as int32, then "seen" as int64 from version 0.2 on, else int32). The
     * YOLO layers' anchors come from the .cfg, not from the file. */
    {
      std::vector<int> ids = net.getUnconnectedOutLayers ();
      size_t n_params = 0;
      for (const cv::String &name : net.getLayerNames ()) {
        cv::Ptr<cv::dnn::Layer> l = net.getLayer (name);
        if (l->type == "Region")
          continue;
        for (const cv::Mat &b : l->blobs)
          n_params += b.total ();
      }
      if (ids.empty ())
        throw std::runtime_error ("network has no outputs");
      for (int id : ids)
        if (net.getLayer (id)->type != "Region")
          throw std::runtime_error ("output layer \"" + net.getLayer (id)->name
                                    + "\" is not a YOLO layer");
      gchar *contents = NULL;
      gsize len = 0;
      if (!g_file_get_contents (weights_path, &contents, &len, NULL))
        throw std::runtime_error ("cannot read the weights");
      gint32 hdr[3] = { 0, 0, 0 };
      if (len >= sizeof (hdr))
        memcpy (hdr, contents, sizeof (hdr));
      g_free (contents);
      /* 64-bit: a garbage header must not overflow (UBSan, issue 16) */
      size_t hlen = 12
                    + (((gint64) hdr[0] * 10 + hdr[1] >= 2 && hdr[0] < 1000
                           && hdr[1] < 1000)
                            ? 8
                            : 4);
      if (len != hlen + 4 * n_params)
        throw std::runtime_error ("weights file has " + std::to_string (len)
                                  + " bytes, the network described by the "
                                    ".cfg needs "
                                  + std::to_string (hlen + 4 * n_params));
    }
    dnn->person_net = net;
    dnn->person_out_names = net.getUnconnectedOutLayersNames ();

    /* One small forward pass, so that a model that loads but cannot run
     * fails in start() rather than on the first frame. */
    dnn->person_bgr = cv::Mat::zeros (96, 160, CV_8UC3);
    std::vector<cv::Rect2d> rects;
    std::vector<float> scores;
    run_person (dnn, 1.1f, rects, scores);
    GST_INFO ("loaded person model %s (%s)", weights_path, cfg_path);
    g_free (cfg_path);
    return TRUE;
  } catch (...) {
    msg = caught_text ();
  }
  dnn->person_net = cv::dnn::Net ();
  dnn->person_out_names.clear ();
  g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_LOAD,
      "cannot load person model \"%s\" (config \"%s\"): %s", weights_path,
      cfg_path, msg.c_str ());
  g_free (cfg_path);
  return FALSE;
}

G_END_DECLS

/* Raw person boxes (frame pixels) of @image, after NMS. */
static void
detect_persons (GstHeadBlurDnn *dnn, const GstHeadBlurImage *image,
    const GstHeadBlurDetectParams *params, std::vector<cv::Rect2d> &persons,
    std::vector<float> &person_scores)
{
  const int W = image->width, H = image->height;
  cv::Size ps = input_size (image, params->person_inference_width);
  cv::Size pcs = content_size (image, ps.width, ps.height);
  const cv::Mat &face_in = dnn->small_content;

  /* Scale down from the face network's copy of the frame when it is at
   * least as large (cheap), else from the frame; pad like the face
   * input. */
  if (!face_in.empty () && face_in.cols >= pcs.width
      && face_in.rows >= pcs.height)
    cv::resize (face_in, dnn->person_content, pcs, 0, 0, cv::INTER_AREA);
  else
    make_small_bgr (dnn, image, pcs.width, pcs.height, dnn->person_content);
  pad_to (dnn->person_content, ps.width, ps.height, dnn->person_bgr);
  /* normalised network coordinates to frame pixels */
  const double nx = (double) ps.width * W / pcs.width;
  const double ny = (double) ps.height * H / pcs.height;

  std::vector<cv::Rect2d> rects;
  std::vector<float> scores;
  std::vector<int> keep;
  float thr = (float) params->person_threshold;
  run_person (dnn, thr, rects, scores);
  cv::dnn::NMSBoxes (rects, scores, thr, HEAD_BLUR_PERSON_NMS_THRESHOLD, keep,
      1.f, HEAD_BLUR_TOP_K);
  for (int k : keep) {
    const cv::Rect2d &n = rects[k];
    persons.emplace_back (n.x * nx, n.y * ny, n.width * nx, n.height * ny);
    person_scores.push_back (scores[k]);
  }
}

/* Head boxes from raw face and person boxes (frame pixels), fused, padded
 * and clipped (see gst_head_blur_dnn_detect_heads()): a person-derived head
 * box that overlaps a face-derived one (HEAD_BLUR_FUSE_*) is merged into
 * it (their bounding box) or, when more than HEAD_BLUR_MERGE_MAX_RATIO times
 * larger, dropped; every other person-derived box is added alone. */
static void
heads_from_detections (const GArray *faces,
    const std::vector<cv::Rect2d> &persons,
    const std::vector<float> &person_scores,
    const GstHeadBlurDetectParams *params, int W, int H, GArray *heads)
{
  std::vector<cv::Rect2d> face_heads, merged;
  std::vector<cv::Rect2d> person_heads;
  std::vector<float> person_head_scores;

  for (guint i = 0; i < faces->len; i++) {
    const GstHeadBlurBox &f = g_array_index (faces, GstHeadBlurBox, i);
    face_heads.push_back (head_from_face (f));
    GST_LOG (
        "face %d,%d %dx%d score %.3f", f.x, f.y, f.width, f.height, f.score);
  }
  merged = face_heads;

  for (size_t k = 0; k < persons.size (); k++) {
    const cv::Rect2d &p = persons[k];
    cv::Rect2d r = head_from_person (p);
    bool dup = false;

    for (size_t i = 0; i < face_heads.size (); i++) {
      const cv::Rect2d &fh = face_heads[i];
      double inter = (r & fh).area ();
      double uni = r.area () + fh.area () - inter;
      if (inter >= HEAD_BLUR_FUSE_COVER * r.area ()
          || (uni > 0 && inter / uni > HEAD_BLUR_FUSE_IOU)) {
        if (r.area () <= HEAD_BLUR_MERGE_MAX_RATIO * fh.area ())
          merged[i] |= r;
        dup = true;
        break;
      }
    }
    GST_LOG ("person %.0f,%.0f %.0fx%.0f score %.3f%s", p.x, p.y, p.width,
        p.height, person_scores[k], dup ? " (merged with a face)" : "");
    if (!dup) {
      person_heads.push_back (r);
      person_head_scores.push_back (person_scores[k]);
    }
  }
  for (size_t i = 0; i < merged.size (); i++)
    append_head (heads, merged[i], params->padding,
        g_array_index (faces, GstHeadBlurBox, i).score, W, H);
  for (size_t k = 0; k < person_heads.size (); k++)
    append_head (heads, person_heads[k], params->padding,
        person_head_scores[k], W, H);
  GST_LOG ("%u faces, %zu persons (%zu heads added, %zu merged)",
      faces->len, persons.size (), person_heads.size (),
      persons.size () - person_heads.size ());
}

G_BEGIN_DECLS

gboolean
gst_head_blur_dnn_detect_heads (GstHeadBlurDnn *dnn,
    const GstHeadBlurImage *image, const GstHeadBlurDetectParams *params,
    GArray *heads, GError **error)
{
  g_return_val_if_fail (dnn != NULL, FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (heads != NULL, FALSE);

  if (!check_image (image, error))
    return FALSE;

  GArray *faces = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurBox));
  std::vector<cv::Rect2d> persons;
  std::vector<float> person_scores;
  bool person_on = !dnn->person_out_names.empty ()
                   && params->person_inference_width > 0
                   && params->person_threshold < 1.0;

  if (!gst_head_blur_dnn_detect (dnn, image, params->inference_width,
          params->threshold, faces, error)) {
    g_array_unref (faces);
    return FALSE;
  }

  std::string msg;
  try {
    if (person_on)
      detect_persons (dnn, image, params, persons, person_scores);
    heads_from_detections (faces, persons, person_scores, params,
        image->width, image->height, heads);
    g_array_unref (faces);
    return TRUE;
  } catch (...) {
    msg = caught_text ();
  }
  g_array_unref (faces);
  g_set_error (error, GST_HEAD_BLUR_DNN_ERROR,
      GST_HEAD_BLUR_DNN_ERROR_INFERENCE, "inference failed: %s", msg.c_str ());
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
      int nbx, nby;
      pixelate_grid (b.width, b.height, &nbx, &nby);

      for_each_plane (image, fill, [&] (cv::Mat plane, int xs, int ys,
              const cv::Scalar &colour) {
            mask_plane (plane, b, xs, ys, mode, colour, nbx, nby);
          });
    }
    return TRUE;
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "masking failed: %s",
        caught_text ().c_str ());
  }
  return FALSE;
}

gboolean
gst_head_blur_dnn_set_threads (gint n_threads, GError **error)
{
  try {
    cv::setNumThreads (n_threads > 0 ? n_threads : -1);
    return TRUE;
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_ARGS,
        "cannot set thread count: %s", caught_text ().c_str ());
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
    int nbx, nby;
    pixelate_grid (br.width, br.height, &nbx, &nby);

    for_each_plane (image, fill, [&] (cv::Mat plane, int xs, int ys,
            const cv::Scalar &colour) {
          mask_plane_polygon (plane, pts, xs, ys, mode, colour, nbx, nby);
        });
    return TRUE;
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_DNN_ERROR, GST_HEAD_BLUR_DNN_ERROR_MASK,
        "polygon masking failed: %s",
        caught_text ().c_str ());
  }
  return FALSE;
}

G_END_DECLS
