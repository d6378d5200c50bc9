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

/* The head-model slot: a YOLO-family detector (ONNX in the YOLOv5, YOLOv8
 * or raw YOLOX output layout, or Darknet) through cv::dnn, whose classes
 * are mapped to heads, faces or persons. The frame is scaled with its
 * aspect kept into the top-left corner of a square input; the outputs are
 * decoded per layout, filtered by score and class map, and reduced by
 * non-maximum suppression per kind. The layouts are checked once at load
 * time, on a blank input, so that a model of another layout fails at start
 * with the shapes expected and found instead of giving no boxes. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-yolo.h"
#include "gstheadblur-detect.h"
#include "gstheadblur-fuse.h"

#include <gst/gst.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN (gst_head_blur_debug);
#define GST_CAT_DEFAULT gst_head_blur_debug

/* boxes of the same kind overlapping more than this are one */
#define HEAD_BLUR_YOLO_NMS_THRESHOLD 0.45f
#define HEAD_BLUR_YOLO_TOP_K 5000
/* the letterbox grey of the YOLO trainings */
#define HEAD_BLUR_YOLO_PAD 114

struct _GstHeadBlurYolo
{
  GstHeadBlurHeadModelFormat format;
  int size;                   /* input side, px */
  std::vector<guint8> kinds;  /* GstHeadBlurClassKind by class id */
  int n_classes;              /* the model's, found at load time */
  cv::dnn::Net net;
  std::vector<cv::String> out_names;
  cv::Mat yuv, packed, content, input, blob; /* scratch */
  std::vector<cv::Mat> outs;
};

static const char *
format_name (GstHeadBlurHeadModelFormat format)
{
  switch (format) {
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV5_ONNX:
      return "yolov5-onnx";
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV8_ONNX:
      return "yolov8-onnx";
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOX_ONNX:
      return "yolox-onnx";
    default:
      return "darknet";
  }
}

/* grid cells of strides 8 to @max_stride over a @size square */
static int
cells (int size, int max_stride)
{
  int n = 0;

  for (int s = 8; s <= max_stride; s *= 2)
    n += (size / s) * (size / s);
  return n;
}

static std::string
shape_text (const cv::Mat &m)
{
  std::string t = "[";

  for (int i = 0; i < m.dims; i++)
    t += (i ? "," : "") + std::to_string (m.size[i]);
  return t + "]";
}

static std::string
shapes_text (const std::vector<cv::Mat> &outs)
{
  std::string t;

  for (const cv::Mat &m : outs)
    t += (t.empty () ? "" : " ") + shape_text (m);
  return t.empty () ? "no output" : t;
}

static void
run (GstHeadBlurYolo *y)
{
  bool darknet = y->format == GST_HEAD_BLUR_HEAD_MODEL_FORMAT_DARKNET;
  bool yolox = y->format == GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOX_ONNX;

  /* YOLOX takes BGR in 0..255, the others RGB in 0..1 */
  cv::dnn::blobFromImage (y->input, y->blob, yolox ? 1.0 : 1.0 / 255.0,
      cv::Size (), cv::Scalar (), !yolox, false);
  y->net.setInput (y->blob);
  y->net.forward (y->outs, y->out_names);
  if (!darknet && y->outs.size () != 1)
    throw std::runtime_error ("expected one output, found "
                              + std::to_string (y->outs.size ()));
}

/* Checks the outputs of the load-time run against the format and sets
 * y->n_classes; throws with the shapes expected and found. */
static void
check_shapes (GstHeadBlurYolo *y)
{
  const int S = y->size;
  const int n_map = (int) y->kinds.size ();
  const std::string found = shapes_text (y->outs);
  std::string expected;
  bool ok = false;
  int C = 0;

  switch (y->format) {
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV5_ONNX: {
      expected = "[1," + std::to_string (3 * cells (S, 32)) + ",5+C] (or [1,"
                 + std::to_string (3 * cells (S, 64)) + ",5+C] for a P6 model)";
      if (y->outs.size () == 1 && y->outs[0].dims == 3) {
        const cv::Mat &o = y->outs[0];
        C = o.size[2] - 5;
        ok = o.size[0] == 1
             && (o.size[1] == 3 * cells (S, 32)
                 || o.size[1] == 3 * cells (S, 64));
      }
      break;
    }
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV8_ONNX: {
      expected = "[1,4+C," + std::to_string (cells (S, 32)) + "] (or [1,4+C,"
                 + std::to_string (cells (S, 64)) + "] for a P6 model)";
      if (y->outs.size () == 1 && y->outs[0].dims == 3) {
        const cv::Mat &o = y->outs[0];
        C = o.size[1] - 4;
        ok = o.size[0] == 1
             && (o.size[2] == cells (S, 32) || o.size[2] == cells (S, 64));
      }
      break;
    }
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOX_ONNX: {
      expected = "[1," + std::to_string (cells (S, 32)) + ",5+C]";
      if (y->outs.size () == 1 && y->outs[0].dims == 3) {
        const cv::Mat &o = y->outs[0];
        C = o.size[2] - 5;
        ok = o.size[0] == 1 && o.size[1] == cells (S, 32);
      }
      break;
    }
    default: {
      expected = "YOLO layer outputs [rows,5+C]";
      ok = !y->outs.empty ();
      for (const cv::Mat &o : y->outs) {
        if (o.dims != 2 || (C && o.cols - 5 != C))
          ok = false;
        else
          C = o.cols - 5;
      }
      break;
    }
  }
  if (!ok || C < 1)
    throw std::runtime_error (std::string ("format ") + format_name (y->format)
                              + " expects output " + expected + " for a "
                              + std::to_string (S) + "x" + std::to_string (S)
                              + " input, found " + found);
  if (C < n_map)
    throw std::runtime_error ("the class map names class "
                              + std::to_string (n_map - 1)
                              + " but the model's output " + found + " has "
                              + std::to_string (C) + " classes (format "
                              + format_name (y->format) + ")");
  y->n_classes = C;
}

/* The best class of the class map among @C scores at @p (spaced by
 * @step), times @obj: its score and kind, or kind NONE. */
static void
best_class (const GstHeadBlurYolo *y, const float *p, size_t step, float obj,
    float &score, int &kind)
{
  score = 0.f;
  kind = GST_HEAD_BLUR_CLASS_NONE;
  for (size_t c = 0; c < y->kinds.size (); c++) {
    if (y->kinds[c] == GST_HEAD_BLUR_CLASS_NONE)
      continue;
    float s = obj * p[c * step];
    if (s > score) {
      score = s;
      kind = y->kinds[c];
    }
  }
}

/* Decodes the outputs into boxes in input pixels. */
static void
decode (const GstHeadBlurYolo *y, float thr, std::vector<cv::Rect2d> &rects,
    std::vector<float> &scores, std::vector<int> &kinds)
{
  const int S = y->size;
  float score;
  int kind;

  auto add = [&] (double cx, double cy, double w, double h) {
    if (kind == GST_HEAD_BLUR_CLASS_NONE || !(score >= thr) || !(w > 0)
        || !(h > 0) || !std::isfinite (cx) || !std::isfinite (cy))
      return;
    rects.emplace_back (cx - w / 2, cy - h / 2, w, h);
    scores.push_back (score);
    kinds.push_back (kind);
  };

  switch (y->format) {
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV5_ONNX: {
      const cv::Mat &o = y->outs[0];
      const int n = o.size[1], k = o.size[2];
      const float *d = o.ptr<float> ();
      for (int r = 0; r < n; r++, d += k) {
        if (!(d[4] >= thr))
          continue;
        best_class (y, d + 5, 1, d[4], score, kind);
        add (d[0], d[1], d[2], d[3]);
      }
      break;
    }
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV8_ONNX: {
      const cv::Mat &o = y->outs[0];
      const int n = o.size[2];
      const float *d = o.ptr<float> ();
      for (int r = 0; r < n; r++) {
        best_class (y, d + 4 * (size_t) n + r, n, 1.f, score, kind);
        add (d[r], d[n + r], d[2 * n + r], d[3 * n + r]);
      }
      break;
    }
    case GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOX_ONNX: {
      const cv::Mat &o = y->outs[0];
      const int k = o.size[2];
      const float *d = o.ptr<float> ();
      for (int s = 8; s <= 32; s *= 2) {
        const int g = S / s;
        for (int gy = 0; gy < g; gy++) {
          for (int gx = 0; gx < g; gx++, d += k) {
            if (!(d[4] >= thr))
              continue;
            best_class (y, d + 5, 1, d[4], score, kind);
            add ((d[0] + gx) * s, (d[1] + gy) * s, std::exp (d[2]) * s,
                std::exp (d[3]) * s);
          }
        }
      }
      break;
    }
    default:
      /* OpenCV's region layer gives the centre and size normalised to the
       * input and the class scores already times the objectness */
      for (const cv::Mat &o : y->outs) {
        for (int r = 0; r < o.rows; r++) {
          const float *d = o.ptr<float> (r);
          best_class (y, d + 5, 1, 1.f, score, kind);
          add (d[0] * S, d[1] * S, d[2] * S, d[3] * S);
        }
      }
      break;
  }
}

G_BEGIN_DECLS

GstHeadBlurYolo *
gst_head_blur_yolo_new (GstHeadBlurHeadModelFormat format, const gchar *path,
    const gchar *config, gint input_size, const GByteArray *kinds,
    GError **error)
{
  bool darknet = format == GST_HEAD_BLUR_HEAD_MODEL_FORMAT_DARKNET;
  gchar *cfg = NULL;

  if (darknet) {
    if (config != NULL && config[0] != '\0') {
      cfg = g_strdup (config);
    } else {
      gchar *base = g_str_has_suffix (path, ".weights")
                        ? g_strndup (path, strlen (path) - strlen (".weights"))
                        : g_strdup (path);
      cfg = g_strconcat (base, ".cfg", NULL);
      g_free (base);
    }
  }
  for (const gchar *p : { (const gchar *) path, (const gchar *) cfg }) {
    if (p != NULL && !g_file_test (p, G_FILE_TEST_IS_REGULAR)) {
      g_set_error (error, GST_HEAD_BLUR_CV_ERROR,
          GST_HEAD_BLUR_CV_ERROR_NOT_FOUND, "head model file \"%s\" not found",
          p);
      g_free (cfg);
      return NULL;
    }
  }

  GstHeadBlurYolo *y = NULL;
  try {
    y = new GstHeadBlurYolo ();
    y->format = format;
    y->size = std::max (32, input_size / 32 * 32);
    y->kinds.assign (kinds->data, kinds->data + kinds->len);
    y->net = darknet ? cv::dnn::readNetFromDarknet (cfg, path)
                     : cv::dnn::readNetFromONNX (path);
    if (y->net.empty ())
      throw std::runtime_error ("network is empty");
    y->net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
    y->net.setPreferableTarget (cv::dnn::DNN_TARGET_CPU);
    if (darknet)
      gst_head_blur_check_darknet (y->net, path);
    y->out_names = y->net.getUnconnectedOutLayersNames ();

    /* one run on a blank input: a model that loads but cannot run, or
     * whose outputs are not this format's, fails now */
    y->input = cv::Mat (y->size, y->size, CV_8UC3,
        cv::Scalar::all (HEAD_BLUR_YOLO_PAD));
    run (y);
    check_shapes (y);
    GST_INFO ("loaded head model %s (%s, %d classes, input %dx%d)", path,
        format_name (format), y->n_classes, y->size, y->size);
    g_free (cfg);
    return y;
  } catch (...) {
    if (cfg)
      g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_LOAD,
          "cannot load head model \"%s\" (config \"%s\"): %s", path, cfg,
          gst_head_blur_caught_text ().c_str ());
    else
      g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_LOAD,
          "cannot load head model \"%s\": %s", path,
          gst_head_blur_caught_text ().c_str ());
  }
  delete y;
  g_free (cfg);
  return NULL;
}

void
gst_head_blur_yolo_free (GstHeadBlurYolo *y)
{
  try {
    delete y;
  } catch (...) {
    /* destructors of cv::Mat and cv::dnn::Net do not throw */
  }
}

G_END_DECLS

void
gst_head_blur_yolo_detect (GstHeadBlurYolo *y, const GstHeadBlurImage *image,
    double threshold, std::vector<RbBox> &heads, std::vector<RbBox> &faces,
    std::vector<RbBox> &persons)
{
  const int S = y->size;
  const double scale = (double) S / std::max (image->width, image->height);
  const int cw = std::min (
      S, std::max (2, (int) std::lround (image->width * scale) & ~1));
  const int ch = std::min (
      S, std::max (2, (int) std::lround (image->height * scale) & ~1));
  const double sx = (double) image->width / cw;
  const double sy = (double) image->height / ch;
  const float thr = (float) threshold;

  gst_head_blur_scale_to_bgr (image, cw, ch, y->yuv, y->packed, y->content);
  cv::copyMakeBorder (y->content, y->input, 0, S - ch, 0, S - cw,
      cv::BORDER_CONSTANT, cv::Scalar::all (HEAD_BLUR_YOLO_PAD));
  run (y);

  std::vector<cv::Rect2d> rects;
  std::vector<float> scores;
  std::vector<int> kinds;
  decode (y, thr, rects, scores, kinds);

  for (int kind : { GST_HEAD_BLUR_CLASS_HEAD, GST_HEAD_BLUR_CLASS_FACE,
           GST_HEAD_BLUR_CLASS_PERSON }) {
    std::vector<cv::Rect2d> kr;
    std::vector<float> ks;
    std::vector<int> keep;

    for (size_t i = 0; i < rects.size (); i++) {
      if (kinds[i] == kind) {
        kr.push_back (rects[i]);
        ks.push_back (scores[i]);
      }
    }
    if (kr.empty ())
      continue;
    cv::dnn::NMSBoxes (kr, ks, thr, HEAD_BLUR_YOLO_NMS_THRESHOLD, keep, 1.f,
        HEAD_BLUR_YOLO_TOP_K);
    for (int k : keep) {
      const cv::Rect2d &r = kr[k];
      const bool head = kind == GST_HEAD_BLUR_CLASS_HEAD;
      const bool face = kind == GST_HEAD_BLUR_CLASS_FACE;
      RbBox b = { r.x * sx, r.y * sy, r.width * sx, r.height * sy, ks[k],
        head ? RB_BOX_DETECTION : (face ? RB_BOX_FACE : RB_BOX_PERSON) };

      (head ? heads : (face ? faces : persons)).push_back (b);
      GST_LOG ("head model: %s %.0f,%.0f %.0fx%.0f score %.3f",
          head ? "head" : (face ? "face" : "person"), b.x, b.y, b.width,
          b.height, b.score);
    }
  }
}
