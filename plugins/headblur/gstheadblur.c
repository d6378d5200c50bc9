/* rtsp-blur: headblur element
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

/**
 * SECTION:element-headblur
 * @title: headblur
 *
 * headblur hides the heads of people in raw video, in place. Heads are found
 * by two detectors that run through OpenCV's dnn module on scaled-down
 * copies of the frame (only the small copies are converted to BGR/RGB):
 *
 * - the YuNet-n face detector, on a copy #GstHeadBlur:inference-width wide;
 *   each face box is widened to a head box (width x1.6, height x1.55,
 *   centre moved up by 0.2 face heights, fitted on SCUT-HEAD);
 * - the Yolo-Fastest person detector, on a copy
 *   #GstHeadBlur:person-inference-width wide; a head box is placed at the
 *   top of each person box (centred, 0.6 x 0.7 box widths, fitted on
 *   SCUT-HEAD), unless a face-derived head box already covers it. This finds
 *   the heads a face detector misses: backs of heads, bowed and turned heads.
 *
 * Every head box is enlarged by #GstHeadBlur:padding and then blurred,
 * pixelated or filled with a solid colour in every plane of the frame (see
 * #GstHeadBlur:mode).
 *
 * The element fails closed: the models are loaded when going from READY to
 * PAUSED and a missing model (RESOURCE/NOT_FOUND) or an unloadable one
 * (LIBRARY/INIT), face or person, makes that state change fail. If inference fails while
 * streaming, the element posts LIBRARY/FAILED and returns GST_FLOW_ERROR: a
 * frame is never passed on unmasked because detection failed. Frames with
 * nobody in them pass unchanged.
 *
 * Supported formats: I420, NV12, BGR, RGB, BGRx, RGBx. Nothing is posted on
 * the bus per frame; the boxes are logged at DEBUG level in the `headblur`
 * category (`GST_DEBUG=headblur:5`).
 *
 * Models (installed by `scripts/setup` from the project's model mirror into
 * the directory the defaults point to; never downloaded at run time):
 *
 * - #GstHeadBlur:model: `yunet_n_640_640.onnx` (YuNet-n, 2023 output layout)
 *   from ShiqiYu/libfacedetection.train (commit 0047ac24, `onnx/`),
 *   licensed under Apache-2.0;
 * - #GstHeadBlur:person-model: `yolo-fastest-1.1_body.weights` with
 *   `yolo-fastest-1.1_body.cfg` (Yolo-Fastest 1.1 one-class person
 *   detector, Darknet format) from dog-qiuqiu/Yolo-Fastest (commit
 *   96a2900d, `ModelZoo/yolo-fastest-1.1_body/`), public domain.
 *
 * A missing or unloadable person model fails exactly like a missing or
 * unloadable face model; an explicitly empty #GstHeadBlur:person-model
 * turns the person detector off (faces only), which lowers head coverage.
 * On the project's development sets (bench/eval/headblur-eval) the defaults
 * mask about 82 % of the heads in classroom CCTV frames (SCUT-HEAD PartA)
 * and 85-90 % in crowd photos (PartB), and detection costs about 55-60 ms
 * of one core per 1080p frame. headblur reduces, but does not remove, the
 * chance that a person can be recognised: small, far and heavily occluded
 * heads are still missed.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=vtest.avi ! decodebin ! videoconvert ! headblur ! videoconvert ! autovideosink
 * ]| Blurs every head found in the clip, with the installed model.
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://camera/stream ! rtph264depay ! h264parse ! avdec_h264 ! \
 *     headblur mode=pixelate inference-width=1280 threshold=0.4 ! x264enc tune=zerolatency ! fakesink
 * ]| Pixelates heads of a camera stream, detecting on a 1280 pixel wide copy.
 * |[
 * gst-launch-1.0 videotestsrc ! video/x-raw,format=NV12 ! headblur mode=fill fill-color=0xff000000 \
 *     model=/opt/models/yunet_n_640_640.onnx ! fakesink
 * ]| Covers heads with black boxes, using an explicit model path.
 * |[
 * gst-launch-1.0 videotestsrc ! headblur person-model="" ! fakesink
 * ]| Faces only, without the person detector (finds fewer heads).
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur.h"
#include "gstheadblur-dnn.h"

#include <math.h>

GST_DEBUG_CATEGORY_STATIC (gst_head_blur_debug);
#define GST_CAT_DEFAULT gst_head_blur_debug

/**
 * GstHeadBlurMode:
 * @GST_HEAD_BLUR_MODE_BLUR: blur each head region (strength scales with the
 *   region, details finer than about 1/16 of the head are gone)
 * @GST_HEAD_BLUR_MODE_PIXELATE: replace each head region with about 8 blocks
 *   across (blocks at least 4 pixels), each the average of its pixels
 * @GST_HEAD_BLUR_MODE_FILL: paint each head region with #GstHeadBlur:fill-color
 *
 * How headblur hides a head.
 *
 * Since: 0.1.0
 */
typedef enum
{
  GST_HEAD_BLUR_MODE_BLUR = GST_HEAD_BLUR_DNN_MODE_BLUR,
  GST_HEAD_BLUR_MODE_PIXELATE = GST_HEAD_BLUR_DNN_MODE_PIXELATE,
  GST_HEAD_BLUR_MODE_FILL = GST_HEAD_BLUR_DNN_MODE_FILL,
} GstHeadBlurMode;

#define GST_TYPE_HEAD_BLUR_MODE (gst_head_blur_mode_get_type ())
static GType gst_head_blur_mode_get_type (void);

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_THRESHOLD,
  PROP_MODE,
  PROP_FILL_COLOR,
  PROP_PADDING,
  PROP_INFERENCE_WIDTH,
  PROP_THREADS,
  /* person detector */
  PROP_PERSON_MODEL,
  PROP_PERSON_THRESHOLD,
  PROP_PERSON_INFERENCE_WIDTH,
};

#define DEFAULT_MODEL RB_MODELS_DIR "/yunet_n_640_640.onnx"
#define DEFAULT_THRESHOLD 0.2
#define DEFAULT_MODE GST_HEAD_BLUR_MODE_BLUR
#define DEFAULT_FILL_COLOR 0xff000000
#define DEFAULT_PADDING 0.1
#define DEFAULT_INFERENCE_WIDTH 960
#define DEFAULT_THREADS 0

/* person detector */
#define DEFAULT_PERSON_MODEL RB_MODELS_DIR "/yolo-fastest-1.1_body.weights"
#define DEFAULT_PERSON_THRESHOLD 0.3
#define DEFAULT_PERSON_INFERENCE_WIDTH 480
#define MAX_PERSON_INFERENCE_WIDTH 1920

#define MIN_INFERENCE_WIDTH 160
#define MAX_INFERENCE_WIDTH 3840
#define MAX_THREADS 64

#define VIDEO_FORMATS "{ I420, NV12, BGR, RGB, BGRx, RGBx }"

/* The values of the properties, copied once per frame by the streaming
 * thread. */
typedef struct
{
  gchar *model;
  gdouble threshold;
  GstHeadBlurMode mode;
  guint fill_color;
  gdouble padding;
  gint inference_width;
  gint threads;
  /* person detector */
  gchar *person_model;
  gdouble person_threshold;
  gint person_inference_width;
} GstHeadBlurSettings;

struct _GstHeadBlur
{
  GstVideoFilter parent;

  /* protected by GST_OBJECT_LOCK */
  GstHeadBlurSettings settings;
  gboolean started;             /* between start() and stop() */

  /* created in start(), freed in stop(); used by the streaming thread */
  GstHeadBlurDnn *dnn;
  GArray *faces;                /* GstHeadBlurBox, reused per frame */
  GArray *heads;                /* GstHeadBlurBox, reused per frame */
  gint applied_threads;         /* last value given to OpenCV, 0 = none */
};

static GstStaticPadTemplate gst_head_blur_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

static GstStaticPadTemplate gst_head_blur_src_template =
GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

static void gst_head_blur_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_head_blur_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_head_blur_finalize (GObject * object);
static gboolean gst_head_blur_start (GstBaseTransform * trans);
static gboolean gst_head_blur_stop (GstBaseTransform * trans);
static gboolean gst_head_blur_set_info (GstVideoFilter * filter,
    GstCaps * incaps, GstVideoInfo * in_info, GstCaps * outcaps,
    GstVideoInfo * out_info);
static GstFlowReturn gst_head_blur_transform_frame_ip (GstVideoFilter *
    filter, GstVideoFrame * frame);

G_DEFINE_TYPE (GstHeadBlur, gst_head_blur, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (headblur, "headblur", GST_RANK_NONE,
    GST_TYPE_HEAD_BLUR);

static GType
gst_head_blur_mode_get_type (void)
{
  static GType mode_type = 0;
  static const GEnumValue modes[] = {
    {GST_HEAD_BLUR_MODE_BLUR, "Blur each head region", "blur"},
    {GST_HEAD_BLUR_MODE_PIXELATE, "Pixelate each head region", "pixelate"},
    {GST_HEAD_BLUR_MODE_FILL, "Fill each head region with fill-color",
        "fill"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&mode_type)) {
    GType t = g_enum_register_static ("GstHeadBlurMode", modes);
    g_once_init_leave (&mode_type, t);
  }
  return mode_type;
}

static void
gst_head_blur_class_init (GstHeadBlurClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_head_blur_debug, "headblur", 0,
      "Hides heads found by face and person detectors");

  gobject_class->set_property = gst_head_blur_set_property;
  gobject_class->get_property = gst_head_blur_get_property;
  gobject_class->finalize = gst_head_blur_finalize;

  /**
   * GstHeadBlur:model:
   *
   * Path of the YuNet face detector (ONNX, 2023 output layout with outputs
   * `cls_8` ... `bbox_32`). Read when the element goes from READY to
   * PAUSED; changes while PAUSED or PLAYING are refused. A missing file
   * makes that state change fail with RESOURCE/NOT_FOUND, a file that
   * cannot be loaded with LIBRARY/INIT.
   *
   * Default: `yunet_n_640_640.onnx` in the project's models directory
   * (where `scripts/setup` installs it).
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Path of the YuNet face detector ONNX file (2023 layout), "
          "loaded when going to PAUSED", DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:threshold:
   *
   * Minimum detector score (sqrt of class times objectness, 0 to 1) for a
   * face to be masked. Lower values hide more heads and mask more
   * background. Takes effect on the next frame.
   *
   * The default, 0.2, is lower than YuNet's usual 0.5 on purpose (privacy
   * first): on the project's development sets (bench/eval/headblur-eval,
   * padding 0.1) it raises head coverage from 57 % to 82 % (SCUT-HEAD
   * PartA), 57 % to 73 % (PartB) and 84 % to 94 % (face-mask), while the
   * share of the frame masked away from any labelled head grows from about
   * 0.3 % to 1.8 %. (Those figures are for the face detector alone; the
   * person detector adds heads on top, see #GstHeadBlur:person-model.)
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Minimum face score for a head to be masked, 0 to 1 "
          "(lower hides more)", 0.0, 1.0, DEFAULT_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:mode:
   *
   * How a head is hidden: blurred, pixelated (about 8 blocks across a head)
   * or filled with #GstHeadBlur:fill-color. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "How heads are hidden: blur, pixelate or fill",
          GST_TYPE_HEAD_BLUR_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:fill-color:
   *
   * Colour of the boxes in `mode=fill`, as 0xAARRGGBB (alpha is ignored:
   * boxes are opaque). For YUV formats it is converted with the BT.601
   * matrix, in the range (limited or full) of the negotiated caps.
   * Default 0xff000000 (black). Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_FILL_COLOR,
      g_param_spec_uint ("fill-color", "Fill Color",
          "Colour of the boxes in fill mode, as 0xAARRGGBB "
          "(alpha ignored, 0 to 0xffffffff)", 0, G_MAXUINT,
          DEFAULT_FILL_COLOR,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:padding:
   *
   * Margin added on every side of a head box, as a fraction of the box's
   * width (left and right) and height (top and bottom), 0 to 2. Boxes are
   * clipped to the frame. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_PADDING,
      g_param_spec_double ("padding", "Padding",
          "Margin added on every side of a head box, as a fraction of the "
          "box size, 0 to 2", 0.0, 2.0, DEFAULT_PADDING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:inference-width:
   *
   * Width in pixels of the scaled copy the detector runs on, 160 to 3840,
   * rounded down to a multiple of 32. The frame is scaled with its aspect
   * kept and padded with black at the bottom to a height that is a
   * multiple of 32 (1080p at 960 is halved exactly, 960x540, and padded to
   * 960x544). Frames narrower than this are not scaled up (only to their
   * width rounded up to 32). Larger values find smaller heads and cost more
   * (the face network alone about 34 ms per 1080p frame at 960 on one
   * core). Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_INFERENCE_WIDTH,
      g_param_spec_int ("inference-width", "Inference Width",
          "Width in pixels of the copy the detector runs on, 160 to 3840, "
          "rounded down to a multiple of 32", MIN_INFERENCE_WIDTH,
          MAX_INFERENCE_WIDTH, DEFAULT_INFERENCE_WIDTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:threads:
   *
   * Number of threads OpenCV uses, 0 to 64; 0 leaves OpenCV's default (or
   * whatever the process set) alone. OpenCV's thread count is global to the
   * process (cv::setNumThreads): with several headblur elements the last
   * value applied wins, and other OpenCV users in the process are affected
   * too. Applied on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "Number of OpenCV threads (process-global), 0 to 64; "
          "0 keeps OpenCV's default", 0, MAX_THREADS, DEFAULT_THREADS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /* person detector */

  /**
   * GstHeadBlur:person-model:
   *
   * Path of the Yolo-Fastest 1.1 person ("body") detector weights, in
   * Darknet format; the network description must sit beside it with the
   * same base name and the extension `.cfg` (`x.weights` -> `x.cfg`). The
   * person detector finds people whose face is not visible (backs of heads,
   * bowed or turned heads); a head box is placed at the top of every person
   * box that no face explains. Read when the element goes from READY to
   * PAUSED; changes while PAUSED or PLAYING are refused. A missing
   * `.weights` or `.cfg` makes that state change fail with
   * RESOURCE/NOT_FOUND (the message names the file), a file that cannot be
   * loaded with LIBRARY/INIT.
   *
   * An explicitly empty string disables the person detector: heads are then
   * found from faces only, which lowers head coverage (on the development
   * sets most on crowds and heads seen from behind).
   *
   * Default: `yolo-fastest-1.1_body.weights` in the project's models
   * directory (where `scripts/setup` installs it with its `.cfg`).
   * Model: dog-qiuqiu/Yolo-Fastest (commit 96a2900d,
   * `ModelZoo/yolo-fastest-1.1_body/`), public domain.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_PERSON_MODEL,
      g_param_spec_string ("person-model", "Person Model",
          "Path of the Yolo-Fastest person detector .weights (Darknet, "
          ".cfg beside it), loaded when going to PAUSED; empty disables it",
          DEFAULT_PERSON_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:person-threshold:
   *
   * Minimum person score (Yolo-Fastest objectness times class probability,
   * 0 to 1) for a person box to add a head box. Lower values hide more
   * heads and mask more background; 1 turns the person detector off. Note
   * that OpenCV's YOLO layer reports scores below 0.2 as 0, so values under
   * 0.2 act like 0.2. Takes effect on the next frame.
   *
   * Default: 0.3.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_PERSON_THRESHOLD,
      g_param_spec_double ("person-threshold", "Person Threshold",
          "Minimum person score for a head box to be added at the top of a "
          "person, 0 to 1 (lower hides more)", 0.0, 1.0,
          DEFAULT_PERSON_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:person-inference-width:
   *
   * Width in pixels of the scaled copy the person detector runs on, 0 or
   * 160 to 1920 (1 to 159 count as 160), rounded down to a multiple of 32;
   * the frame is scaled and padded like for #GstHeadBlur:inference-width
   * and never scaled up beyond its width rounded up to 32. 0 skips the
   * person detector. Larger values find smaller people and cost more.
   * Takes effect on the next frame.
   *
   * Default: 480 (about 13 ms of one core per frame for the network; on
   * the development sets 640 found no more heads).
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_PERSON_INFERENCE_WIDTH,
      g_param_spec_int ("person-inference-width", "Person Inference Width",
          "Width in pixels of the copy the person detector runs on, 0 (off) "
          "or 160 to 1920, rounded down to a multiple of 32", 0,
          MAX_PERSON_INFERENCE_WIDTH, DEFAULT_PERSON_INFERENCE_WIDTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class,
      &gst_head_blur_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_head_blur_src_template);

  gst_element_class_set_static_metadata (element_class,
      "Head blur", "Filter/Effect/Video",
      "Hides heads found by the YuNet face and Yolo-Fastest person "
      "detectors by blurring, pixelating or filling them", "rtsp-blur contributors");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_head_blur_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_head_blur_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_head_blur_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_head_blur_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_HEAD_BLUR_MODE, 0);
}

static void
gst_head_blur_init (GstHeadBlur * self)
{
  self->settings.model = g_strdup (DEFAULT_MODEL);
  self->settings.threshold = DEFAULT_THRESHOLD;
  self->settings.mode = DEFAULT_MODE;
  self->settings.fill_color = DEFAULT_FILL_COLOR;
  self->settings.padding = DEFAULT_PADDING;
  self->settings.inference_width = DEFAULT_INFERENCE_WIDTH;
  self->settings.threads = DEFAULT_THREADS;
  self->settings.person_model = g_strdup (DEFAULT_PERSON_MODEL);
  self->settings.person_threshold = DEFAULT_PERSON_THRESHOLD;
  self->settings.person_inference_width = DEFAULT_PERSON_INFERENCE_WIDTH;
  self->faces = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurBox));
  self->heads = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurBox));
}

static void
gst_head_blur_finalize (GObject * object)
{
  GstHeadBlur *self = GST_HEAD_BLUR (object);

  g_free (self->settings.model);
  g_free (self->settings.person_model);
  g_clear_pointer (&self->dnn, gst_head_blur_dnn_free);
  g_array_unref (self->faces);
  g_array_unref (self->heads);

  G_OBJECT_CLASS (gst_head_blur_parent_class)->finalize (object);
}

static void
gst_head_blur_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstHeadBlur *self = GST_HEAD_BLUR (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      if (self->started) {
        GST_WARNING_OBJECT (self, "the model can only be changed in the NULL "
            "or READY state; keeping %s", self->settings.model);
        break;
      }
      g_free (self->settings.model);
      self->settings.model = g_value_dup_string (value);
      break;
    case PROP_THRESHOLD:
      self->settings.threshold = g_value_get_double (value);
      break;
    case PROP_MODE:
      self->settings.mode = g_value_get_enum (value);
      break;
    case PROP_FILL_COLOR:
      self->settings.fill_color = g_value_get_uint (value);
      break;
    case PROP_PADDING:
      self->settings.padding = g_value_get_double (value);
      break;
    case PROP_INFERENCE_WIDTH:
      self->settings.inference_width = g_value_get_int (value) / 32 * 32;
      break;
    case PROP_THREADS:
      self->settings.threads = g_value_get_int (value);
      break;
    case PROP_PERSON_MODEL:
      if (self->started) {
        GST_WARNING_OBJECT (self, "the person model can only be changed in "
            "the NULL or READY state; keeping %s",
            GST_STR_NULL (self->settings.person_model));
        break;
      }
      g_free (self->settings.person_model);
      self->settings.person_model = g_value_dup_string (value);
      break;
    case PROP_PERSON_THRESHOLD:
      self->settings.person_threshold = g_value_get_double (value);
      break;
    case PROP_PERSON_INFERENCE_WIDTH:{
      gint w = g_value_get_int (value);

      /* 1..159 mean the smallest width, 160 */
      if (w > 0 && w < MIN_INFERENCE_WIDTH)
        w = MIN_INFERENCE_WIDTH;
      self->settings.person_inference_width = w / 32 * 32;
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_head_blur_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstHeadBlur *self = GST_HEAD_BLUR (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->settings.model);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->settings.threshold);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->settings.mode);
      break;
    case PROP_FILL_COLOR:
      g_value_set_uint (value, self->settings.fill_color);
      break;
    case PROP_PADDING:
      g_value_set_double (value, self->settings.padding);
      break;
    case PROP_INFERENCE_WIDTH:
      g_value_set_int (value, self->settings.inference_width);
      break;
    case PROP_THREADS:
      g_value_set_int (value, self->settings.threads);
      break;
    case PROP_PERSON_MODEL:
      g_value_set_string (value, self->settings.person_model);
      break;
    case PROP_PERSON_THRESHOLD:
      g_value_set_double (value, self->settings.person_threshold);
      break;
    case PROP_PERSON_INFERENCE_WIDTH:
      g_value_set_int (value, self->settings.person_inference_width);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_head_blur_start (GstBaseTransform * trans)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);
  GError *err = NULL;
  gchar *model, *person_model;

  GST_OBJECT_LOCK (self);
  model = g_strdup (self->settings.model);
  person_model = g_strdup (self->settings.person_model);
  self->started = TRUE;
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "loading model %s", GST_STR_NULL (model));
  self->dnn = gst_head_blur_dnn_new (model, &err);
  if (self->dnn == NULL) {
    if (g_error_matches (err, GST_HEAD_BLUR_DNN_ERROR,
            GST_HEAD_BLUR_DNN_ERROR_NOT_FOUND)) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("Face detector model \"%s\" not found.", GST_STR_NULL (model)),
          ("%s", err->message));
    } else {
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("Could not load face detector model \"%s\".",
              GST_STR_NULL (model)), ("%s", err->message));
    }
    goto failed;
  }

  GST_DEBUG_OBJECT (self, "loading person model %s",
      GST_STR_NULL (person_model));
  if (!gst_head_blur_dnn_load_person (self->dnn, person_model, &err)) {
    if (g_error_matches (err, GST_HEAD_BLUR_DNN_ERROR,
            GST_HEAD_BLUR_DNN_ERROR_NOT_FOUND)) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("Person detector model \"%s\" not found.",
              GST_STR_NULL (person_model)), ("%s", err->message));
    } else {
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("Could not load person detector model \"%s\".",
              GST_STR_NULL (person_model)), ("%s", err->message));
    }
    g_clear_pointer (&self->dnn, gst_head_blur_dnn_free);
    goto failed;
  }
  if (person_model == NULL || person_model[0] == '\0')
    GST_INFO_OBJECT (self, "person detector disabled (person-model is "
        "empty): heads are found from faces only");

  g_free (model);
  g_free (person_model);
  self->applied_threads = 0;
  return TRUE;

failed:
  g_clear_error (&err);
  g_free (model);
  g_free (person_model);
  GST_OBJECT_LOCK (self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK (self);
  return FALSE;
}

static gboolean
gst_head_blur_stop (GstBaseTransform * trans)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);

  g_clear_pointer (&self->dnn, gst_head_blur_dnn_free);
  GST_OBJECT_LOCK (self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_head_blur_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GST_DEBUG_OBJECT (filter, "format %s %dx%d",
      gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info)),
      GST_VIDEO_INFO_WIDTH (in_info), GST_VIDEO_INFO_HEIGHT (in_info));
  return TRUE;
}

static gboolean
gst_head_blur_fill_image (GstVideoFrame * frame, GstHeadBlurImage * image)
{
  guint i;

  switch (GST_VIDEO_FRAME_FORMAT (frame)) {
    case GST_VIDEO_FORMAT_I420:
      image->format = GST_HEAD_BLUR_DNN_FORMAT_I420;
      break;
    case GST_VIDEO_FORMAT_NV12:
      image->format = GST_HEAD_BLUR_DNN_FORMAT_NV12;
      break;
    case GST_VIDEO_FORMAT_BGR:
      image->format = GST_HEAD_BLUR_DNN_FORMAT_BGR;
      break;
    case GST_VIDEO_FORMAT_RGB:
      image->format = GST_HEAD_BLUR_DNN_FORMAT_RGB;
      break;
    case GST_VIDEO_FORMAT_BGRx:
      image->format = GST_HEAD_BLUR_DNN_FORMAT_BGRX;
      break;
    case GST_VIDEO_FORMAT_RGBx:
      image->format = GST_HEAD_BLUR_DNN_FORMAT_RGBX;
      break;
    default:
      return FALSE;
  }
  image->width = GST_VIDEO_FRAME_WIDTH (frame);
  image->height = GST_VIDEO_FRAME_HEIGHT (frame);
  image->n_planes = MIN (GST_VIDEO_FRAME_N_PLANES (frame), 3);
  for (i = 0; i < image->n_planes; i++) {
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

/* fill-color (0xAARRGGBB) as three bytes in the order the helper wants:
 * Y, U, V for YUV formats (BT.601, range of the caps), R, G, B otherwise. */
static void
gst_head_blur_fill_bytes (const GstVideoInfo * info, guint argb,
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

static GstFlowReturn
gst_head_blur_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstHeadBlur *self = GST_HEAD_BLUR (filter);
  GstHeadBlurSettings s;
  GstHeadBlurImage image = { 0, };
  GError *err = NULL;
  guint8 fill[3];

  GST_OBJECT_LOCK (self);
  s = self->settings;
  s.model = NULL;               /* not needed per frame */
  s.person_model = NULL;
  GST_OBJECT_UNLOCK (self);

  if (G_UNLIKELY (self->dnn == NULL)) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (NULL),
        ("no face detector loaded"));
    return GST_FLOW_ERROR;
  }

  if (s.threads != self->applied_threads) {
    if (!gst_head_blur_dnn_set_threads (s.threads, &err)) {
      GST_WARNING_OBJECT (self, "%s", err->message);
      g_clear_error (&err);
    }
    self->applied_threads = s.threads;
  }

  if (!gst_head_blur_fill_image (frame, &image)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("unsupported format %s",
            gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame))));
    return GST_FLOW_ERROR;
  }

  g_array_set_size (self->heads, 0);
  {
    GstHeadBlurDetectParams params = {
      .inference_width = s.inference_width,
      .threshold = s.threshold,
      .person_inference_width = s.person_inference_width,
      .person_threshold = s.person_threshold,
      .padding = s.padding,
    };

    if (!gst_head_blur_dnn_detect_heads (self->dnn, &image, &params,
            self->heads, &err)) {
      GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
          ("Head detection failed; dropping the stream rather than passing "
              "frames through unmasked."), ("%s", err->message));
      g_clear_error (&err);
      return GST_FLOW_ERROR;
    }
  }

  GST_LOG_OBJECT (self, "%u heads in frame %" GST_TIME_FORMAT,
      self->heads->len, GST_TIME_ARGS (GST_BUFFER_PTS (frame->buffer)));
  if (self->heads->len == 0)
    return GST_FLOW_OK;

  gst_head_blur_fill_bytes (&frame->info, s.fill_color, fill);
  if (!gst_head_blur_dnn_mask (&image,
          (const GstHeadBlurBox *) self->heads->data, self->heads->len,
          (GstHeadBlurDnnMode) s.mode, fill, &err)) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (NULL), ("%s", err->message));
    g_clear_error (&err);
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}
