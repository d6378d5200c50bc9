/* rtsp-blur: headblur element, detection (OpenCV DNN)
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The two detectors through cv::dnn: YuNet-n (faces, 2023 output layout,
 * decoded here because cv::FaceDetectorYN in OpenCV 4.6 cannot run that
 * layout) and Yolo-Fastest (persons, Darknet). Each runs on a copy of the
 * frame scaled down with its aspect kept and padded to a multiple of 32;
 * for YUV formats only the planes are scaled and only the small copy is
 * converted to BGR. Their boxes are turned into head boxes by
 * gstheadblur-fuse.c. The output layouts are described in
 * models/README.md. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

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

/* YuNet's defaults (libfacedetection.train, cv::FaceDetectorYN). */
#define HEAD_BLUR_NMS_THRESHOLD 0.3f
#define HEAD_BLUR_TOP_K 5000

/* Yolo-Fastest person boxes overlapping more than this are one person. */
#define HEAD_BLUR_PERSON_NMS_THRESHOLD 0.45f

static const int yunet_strides[] = { 8, 16, 32 };

struct _GstHeadBlurDetector
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

static int
round_up_32 (int v)
{
  return (v + 31) / 32 * 32;
}

static int
packed_type (GstHeadBlurFormat format)
{
  switch (format) {
    case GST_HEAD_BLUR_FORMAT_BGR:
    case GST_HEAD_BLUR_FORMAT_RGB:
      return CV_8UC3;
    case GST_HEAD_BLUR_FORMAT_BGRX:
    case GST_HEAD_BLUR_FORMAT_RGBX:
      return CV_8UC4;
    default:
      return -1;
  }
}

/* Size of the frame scaled to width @iw (aspect kept, height even and at
 * most @ih). A 1920x1080 frame at 960 gives 960x540, an exact halving,
 * for which cv::resize (INTER_AREA) takes its fast path; stretching to
 * 960x544 instead would cost about three times as much. */
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

void
gst_head_blur_scale_to_bgr (const GstHeadBlurImage *image, int iw, int ih,
    cv::Mat &small_yuv, cv::Mat &small_packed, cv::Mat &small_bgr)
{
  switch (image->format) {
    case GST_HEAD_BLUR_FORMAT_I420: {
      small_yuv.create (ih * 3 / 2, iw, CV_8UC1);
      uchar *base = small_yuv.data;
      cv::Mat y (ih, iw, CV_8UC1, base);
      cv::Mat u (ih / 2, iw / 2, CV_8UC1, base + iw * ih);
      cv::Mat v (ih / 2, iw / 2, CV_8UC1, base + iw * ih + iw * ih / 4);
      cv::resize (gst_head_blur_plane_view (image, 0, CV_8UC1), y, y.size (), 0,
          0, cv::INTER_AREA);
      cv::resize (gst_head_blur_plane_view (image, 1, CV_8UC1), u, u.size (), 0,
          0, cv::INTER_AREA);
      cv::resize (gst_head_blur_plane_view (image, 2, CV_8UC1), v, v.size (), 0,
          0, cv::INTER_AREA);
      cv::cvtColor (small_yuv, small_bgr, cv::COLOR_YUV2BGR_I420);
      break;
    }
    case GST_HEAD_BLUR_FORMAT_NV12: {
      small_yuv.create (ih * 3 / 2, iw, CV_8UC1);
      uchar *base = small_yuv.data;
      cv::Mat y (ih, iw, CV_8UC1, base);
      cv::Mat uv (ih / 2, iw / 2, CV_8UC2, base + iw * ih);
      cv::resize (gst_head_blur_plane_view (image, 0, CV_8UC1), y, y.size (), 0,
          0, cv::INTER_AREA);
      cv::resize (gst_head_blur_plane_view (image, 1, CV_8UC2), uv, uv.size (),
          0, 0, cv::INTER_AREA);
      cv::cvtColor (small_yuv, small_bgr, cv::COLOR_YUV2BGR_NV12);
      break;
    }
    default: {
      int type = packed_type (image->format);
      cv::resize (gst_head_blur_plane_view (image, 0, type), small_packed,
          cv::Size (iw, ih), 0, 0, cv::INTER_AREA);
      switch (image->format) {
        case GST_HEAD_BLUR_FORMAT_BGR:
          small_packed.copyTo (small_bgr);
          break;
        case GST_HEAD_BLUR_FORMAT_RGB:
          cv::cvtColor (small_packed, small_bgr, cv::COLOR_RGB2BGR);
          break;
        case GST_HEAD_BLUR_FORMAT_BGRX:
          cv::cvtColor (small_packed, small_bgr, cv::COLOR_BGRA2BGR);
          break;
        default: /* RGBX */
          cv::cvtColor (small_packed, small_bgr, cv::COLOR_RGBA2BGR);
          break;
      }
      break;
    }
  }
}

/* Scales the frame to @iw x @ih (content_size()) and converts only the
 * small copy to BGR, into @small_bgr. */
static void
make_small_bgr (GstHeadBlurDetector *det, const GstHeadBlurImage *image, int iw,
    int ih, cv::Mat &small_bgr)
{
  gst_head_blur_scale_to_bgr (
      image, iw, ih, det->small_yuv, det->small_packed, small_bgr);
}

/* Runs the network on det->small_bgr and decodes YuNet 2023 outputs into
 * boxes in small-image pixels (models/README.md). */
static void
run_and_decode (GstHeadBlurDetector *det, float threshold,
    std::vector<cv::Rect2d> &rects, std::vector<float> &scores)
{
  const int iw = det->small_bgr.cols, ih = det->small_bgr.rows;

  cv::dnn::blobFromImage (det->small_bgr, det->blob);
  det->net.setInput (det->blob);
  det->net.forward (det->outs, det->out_names);

  if (det->outs.size () != 9)
    throw std::runtime_error ("unexpected number of network outputs");

  for (int i = 0; i < 3; i++) {
    const int s = yunet_strides[i];
    const int cols = iw / s, rows = ih / s;
    const size_t n = (size_t) cols * rows;
    const cv::Mat &cls = det->outs[i];
    const cv::Mat &obj = det->outs[3 + i];
    const cv::Mat &bbox = det->outs[6 + i];

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

/* Runs Yolo-Fastest on det->person_bgr and decodes its two YOLO outputs
 * (one row per anchor and cell: cx, cy, w, h normalised to the input,
 * objectness, then the person score, which OpenCV's region layer already
 * multiplies by the objectness) into boxes normalised to 0..1. */
static void
run_person (GstHeadBlurDetector *det, float threshold,
    std::vector<cv::Rect2d> &rects, std::vector<float> &scores)
{
  cv::dnn::blobFromImage (det->person_bgr, det->person_blob, 1.0 / 255.0,
      cv::Size (), cv::Scalar (), true, false);
  det->person_net.setInput (det->person_blob);
  det->person_net.forward (det->person_outs, det->person_out_names);

  for (const cv::Mat &out : det->person_outs) {
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

GstHeadBlurDetector *
gst_head_blur_detector_new (const gchar *model_path, GError **error)
{
  if (model_path == NULL || !g_file_test (model_path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, GST_HEAD_BLUR_CV_ERROR,
        GST_HEAD_BLUR_CV_ERROR_NOT_FOUND, "model file \"%s\" not found",
        model_path ? model_path : "(null)");
    return NULL;
  }

  GstHeadBlurDetector *det = NULL;
  try {
    det = new GstHeadBlurDetector ();
    det->net = cv::dnn::readNetFromONNX (model_path);
    if (det->net.empty ())
      throw std::runtime_error ("network is empty");
    det->net.setPreferableBackend (cv::dnn::DNN_BACKEND_OPENCV);
    det->net.setPreferableTarget (cv::dnn::DNN_TARGET_CPU);

    std::vector<cv::String> have = det->net.getUnconnectedOutLayersNames ();
    for (const char *kind : { "cls", "obj", "bbox" }) {
      for (int s : yunet_strides) {
        std::string name = std::string (kind) + "_" + std::to_string (s);
        if (std::find (have.begin (), have.end (), name) == have.end ())
          throw std::runtime_error ("output \"" + name
                                    + "\" missing: not a "
                                      "YuNet (2023 layout) model");
        det->out_names.push_back (name);
      }
    }

    /* One small forward pass so that a model that loads but cannot run
     * fails in start() rather than on the first frame. */
    det->small_bgr = cv::Mat::zeros (96, 160, CV_8UC3);
    std::vector<cv::Rect2d> rects;
    std::vector<float> scores;
    run_and_decode (det, 1.0f, rects, scores);
    GST_INFO ("loaded YuNet model %s", model_path);
    return det;
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_LOAD,
        "cannot load model \"%s\": %s", model_path,
        gst_head_blur_caught_text ().c_str ());
  }
  delete det;
  return NULL;
}

void
gst_head_blur_detector_free (GstHeadBlurDetector *det)
{
  try {
    delete det;
  } catch (...) {
    /* destructors of cv::Mat and cv::dnn::Net do not throw */
  }
}

G_END_DECLS

/* Detects faces on a copy of @image scaled to @inference_width (a multiple
 * of 32). Appends the face boxes (whole frame pixels, source RB_BOX_FACE)
 * to @faces. */
static void
detect_faces (GstHeadBlurDetector *det, const GstHeadBlurImage *image,
    gint inference_width, gdouble threshold, std::vector<RbBox> &faces)
{
  /* Never scale up beyond the frame (only to the next multiple of 32). */
  int iw = std::min (
      round_up_32 (std::max (inference_width, 32)), round_up_32 (image->width));
  double scale = (double) iw / image->width;
  int ih = round_up_32 ((int) std::ceil (image->height * scale));
  cv::Size cs = content_size (image, iw, ih);
  double sx = (double) image->width / cs.width;
  double sy = (double) image->height / cs.height;

  /* the frame scaled with its aspect kept, padded to iw x ih */
  make_small_bgr (det, image, cs.width, cs.height, det->small_content);
  pad_to (det->small_content, iw, ih, det->small_bgr);

  std::vector<cv::Rect2d> rects;
  std::vector<float> scores;
  std::vector<int> keep;
  run_and_decode (det, (float) threshold, rects, scores);
  cv::dnn::NMSBoxes (rects, scores, (float) threshold, HEAD_BLUR_NMS_THRESHOLD,
      keep, 1.f, HEAD_BLUR_TOP_K);

  for (int k : keep) {
    const cv::Rect2d &r = rects[k];
    const int x = (int) std::floor (r.x * sx);
    const int y = (int) std::floor (r.y * sy);
    RbBox box;

    box.x = x;
    box.y = y;
    box.width = (int) std::ceil ((r.x + r.width) * sx) - x;
    box.height = (int) std::ceil ((r.y + r.height) * sy) - y;
    box.score = scores[k];
    box.source = RB_BOX_FACE;
    faces.push_back (box);
    GST_LOG ("face %.0f,%.0f %.0fx%.0f score %.3f", box.x, box.y, box.width,
        box.height, box.score);
  }
  GST_LOG ("%dx%d -> %dx%d: %zu candidates, %zu faces", image->width,
      image->height, iw, ih, rects.size (), keep.size ());
}

/* Throws unless every output of @net is a YOLO (Region) layer and
 * @weights_path holds exactly the parameters of @net. */
void
gst_head_blur_check_darknet (cv::dnn::Net &net, const gchar *weights_path)
{
  /* OpenCV reads the weights without checking the file's length, so a
   * truncated or foreign file can "load": the file must hold exactly the
   * network's parameters after Darknet's header (major, minor, revision
   * as int32, then "seen" as int64 from version 0.2 on, else int32). The
   * YOLO layers' anchors come from the .cfg, not from the file. */
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
  /* 64-bit: a garbage header must not overflow */
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

G_BEGIN_DECLS

gboolean
gst_head_blur_detector_load_person (
    GstHeadBlurDetector *det, const gchar *weights_path, GError **error)
{
  g_return_val_if_fail (det != NULL, FALSE);

  if (weights_path == NULL || weights_path[0] == '\0') {
    det->person_net = cv::dnn::Net ();
    det->person_out_names.clear ();
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
      g_set_error (error, GST_HEAD_BLUR_CV_ERROR,
          GST_HEAD_BLUR_CV_ERROR_NOT_FOUND,
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
    gst_head_blur_check_darknet (net, weights_path);
    det->person_net = net;
    det->person_out_names = net.getUnconnectedOutLayersNames ();

    /* One small forward pass, so that a model that loads but cannot run
     * fails in start() rather than on the first frame. */
    det->person_bgr = cv::Mat::zeros (96, 160, CV_8UC3);
    std::vector<cv::Rect2d> rects;
    std::vector<float> scores;
    run_person (det, 1.1f, rects, scores);
    GST_INFO ("loaded person model %s (%s)", weights_path, cfg_path);
    g_free (cfg_path);
    return TRUE;
  } catch (...) {
    msg = gst_head_blur_caught_text ();
  }
  det->person_net = cv::dnn::Net ();
  det->person_out_names.clear ();
  g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_LOAD,
      "cannot load person model \"%s\" (config \"%s\"): %s", weights_path,
      cfg_path, msg.c_str ());
  g_free (cfg_path);
  return FALSE;
}

G_END_DECLS

/* Appends the person boxes of @image (frame pixels, source RB_BOX_PERSON),
 * after NMS, to @persons. */
static void
detect_persons (GstHeadBlurDetector *det, const GstHeadBlurImage *image,
    const GstHeadBlurDetectParams *params, std::vector<RbBox> &persons)
{
  const int W = image->width, H = image->height;
  cv::Size ps = input_size (image, params->person_inference_width);
  cv::Size pcs = content_size (image, ps.width, ps.height);
  const cv::Mat &face_in = det->small_content;

  /* Scale down from the face network's copy of the frame when it is at
   * least as large (cheap), else from the frame; pad like the face
   * input. */
  if (!face_in.empty () && face_in.cols >= pcs.width
      && face_in.rows >= pcs.height)
    cv::resize (face_in, det->person_content, pcs, 0, 0, cv::INTER_AREA);
  else
    make_small_bgr (det, image, pcs.width, pcs.height, det->person_content);
  pad_to (det->person_content, ps.width, ps.height, det->person_bgr);
  /* normalised network coordinates to frame pixels */
  const double nx = (double) ps.width * W / pcs.width;
  const double ny = (double) ps.height * H / pcs.height;

  std::vector<cv::Rect2d> rects;
  std::vector<float> scores;
  std::vector<int> keep;
  float thr = (float) params->person_threshold;
  run_person (det, thr, rects, scores);
  cv::dnn::NMSBoxes (rects, scores, thr, HEAD_BLUR_PERSON_NMS_THRESHOLD, keep,
      1.f, HEAD_BLUR_TOP_K);
  for (int k : keep) {
    const cv::Rect2d &n = rects[k];
    RbBox p = { n.x * nx, n.y * ny, n.width * nx, n.height * ny, scores[k],
      RB_BOX_PERSON };

    persons.push_back (p);
    GST_LOG ("person %.0f,%.0f %.0fx%.0f score %.3f", p.x, p.y, p.width,
        p.height, p.score);
  }
}

G_BEGIN_DECLS

gboolean
gst_head_blur_detector_detect_heads (GstHeadBlurDetector *det,
    const GstHeadBlurImage *image, const GstHeadBlurDetectParams *params,
    GArray *heads, GError **error)
{
  g_return_val_if_fail (det != NULL, FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (heads != NULL, FALSE);

  if (!gst_head_blur_image_check (image, error))
    return FALSE;

  std::vector<RbBox> faces, persons, found;
  bool person_on = !det->person_out_names.empty ()
                   && params->person_inference_width > 0
                   && params->person_threshold < 1.0;
  std::string msg;
  bool ok = false;

  try {
    detect_faces (
        det, image, params->inference_width, params->threshold, faces);
    if (person_on)
      detect_persons (det, image, params, persons);
    if (params->head_model != NULL)
      gst_head_blur_yolo_detect (params->head_model, image,
          params->head_threshold, found, faces, persons);
    ok = true;
  } catch (...) {
    msg = gst_head_blur_caught_text ();
  }
  if (ok) {
    guint merged = gst_head_blur_fuse_heads_full (faces.data (),
        faces.size (), found.data (), found.size (), persons.data (),
        persons.size (), params->padding, image->width, image->height, heads);

    GST_LOG ("%zu faces, %zu heads, %zu persons (%zu heads added, %u "
             "merged)",
        faces.size (), found.size (), persons.size (),
        persons.size () - merged, merged);
  } else {
    g_set_error (error, GST_HEAD_BLUR_CV_ERROR,
        GST_HEAD_BLUR_CV_ERROR_INFERENCE, "inference failed: %s", msg.c_str ());
  }
  return ok;
}

G_END_DECLS

G_BEGIN_DECLS

gboolean
gst_head_blur_cv_set_threads (gint n_threads, GError **error)
{
  try {
    cv::setNumThreads (n_threads > 0 ? n_threads : -1);
    return TRUE;
  } catch (...) {
    g_set_error (error, GST_HEAD_BLUR_CV_ERROR, GST_HEAD_BLUR_CV_ERROR_ARGS,
        "cannot set thread count: %s", gst_head_blur_caught_text ().c_str ());
  }
  return FALSE;
}

G_END_DECLS
