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
 * copies of the frame (only the small copies are converted to BGR): the
 * YuNet-n face detector (#GstHeadBlur:model), whose face boxes are widened
 * to head boxes, and the Yolo-Fastest person detector
 * (#GstHeadBlur:person-model), which places a head box at the top of each
 * person box and so finds the heads a face detector misses (backs of heads,
 * bowed and turned heads). A person-derived head box that overlaps a
 * face-derived one is merged with it into their bounding box. Every head box
 * is enlarged by #GstHeadBlur:padding and blurred, pixelated or filled in
 * every plane of the frame (#GstHeadBlur:mode). #GstHeadBlur:privacy-zones
 * are polygons that are always masked.
 *
 * A third detector of the operator's own, such as a whole-head model, can
 * be plugged in with properties (#GstHeadBlur:head-model and the
 * `head-*` properties): ONNX in the YOLOv5, YOLOv8 or YOLOX output layout,
 * or Darknet YOLO, whose classes are mapped to heads (masked as they are),
 * faces or persons, and whose boxes are fused with the other two's. Its
 * layout is checked when it is loaded (doc/detectors.md).
 *
 * The element fails closed. The models are loaded when going from READY to
 * PAUSED: a missing model (GST_RESOURCE_ERROR_NOT_FOUND) or an unloadable one
 * (GST_LIBRARY_ERROR_INIT), face, person or head, makes that state change
 * fail. If detection or masking fails while streaming, the element posts
 * GST_LIBRARY_ERROR_FAILED and returns %GST_FLOW_ERROR: a frame is never
 * passed on unmasked. Frames with nobody in them pass unchanged.
 *
 * Heads are also hidden in the frames where the detector does not run or
 * misses them: detections are kept as tracks, each masked at its predicted
 * position for #GstHeadBlur:hold-time after its last detection. The
 * detector runs on every #GstHeadBlur:detection-interval-th frame (always on
 * the first frame after a start or flush). #GstHeadBlur:lookahead holds
 * frames back so that a head is also masked in the frames before its first
 * detection.
 *
 * Overload means the element's own lag, nothing else. It keeps its own
 * backlog: frames come in at the pace of their timestamps and each costs the
 * wall time the element spent on it, so upstream timing (a decoder's B-frame
 * reordering, jitter-buffer bursts, RTCP clock jumps) never counts, and real
 * CPU starvation does. In a live pipeline, when the backlog is over two frame
 * durations, a due detection is skipped; if the last completed detection is
 * then older than #GstHeadBlur:max-detection-age, the frame is masked as
 * #GstHeadBlur:overload-mode says, never passed with only stale boxes, and
 * the `headblur-overload` element message is posted (see
 * #GstHeadBlur:stats). A frame flagged %GST_BUFFER_FLAG_CORRUPTED is masked
 * whole or dropped (#GstHeadBlur:corrupt-mode). The latency query reports
 * what the element adds: its largest processing time per frame, rounded up
 * to 10 ms (when it grows the element posts a LATENCY message), plus the
 * frames held back by #GstHeadBlur:lookahead.
 *
 * Supported formats: I420, NV12, BGR, RGB, BGRx, RGBx. Nothing is posted on
 * the bus per frame; the boxes are logged at LOG level in the `headblur`
 * category (`GST_DEBUG=headblur:6`).
 *
 * The models are installed by `scripts/setup` into the directory the
 * defaults point to and never downloaded at run time; their sources and
 * licences are given with #GstHeadBlur:model and #GstHeadBlur:person-model.
 * headblur reduces, but does not remove, the chance that a person can be
 * recognised: small, far and heavily occluded heads can still be missed.
 * What the defaults mask, and at what cost, is measured in
 * bench/eval/README.md and bench/live/README.md.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=vtest.avi ! decodebin ! videoconvert ! headblur ! videoconvert ! autovideosink
 * ]| Blurs every head found in the clip, with the installed models.
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://camera/stream ! rtph264depay ! h264parse ! avdec_h264 ! \
 *     headblur mode=pixelate inference-width=1280 threshold=0.4 ! x264enc tune=zerolatency ! fakesink
 * ]| Pixelates heads of a camera stream, detecting on a 1280 pixel wide copy.
 * |[
 * gst-launch-1.0 videotestsrc ! video/x-raw,format=NV12 ! headblur mode=fill fill-color=0xff000000 \
 *     model=/opt/models/yunet_n_640_640.onnx ! fakesink
 * ]| Covers heads with black boxes, using an explicit model path.
 * |[
 * gst-launch-1.0 filesrc location=segment.mp4 ! qtdemux ! h264parse ! avdec_h264 ! \
 *     headblur lookahead=15 detection-interval=1 hold-time=2000000000 \
 *     privacy-zones="0.1,0.2 0.3,0.2 0.3,0.9 0.1,0.9" ! x264enc ! mp4mux ! \
 *     filesink location=segment-anonymized.mp4
 * ]| Anonymises a recorded segment, where latency does not matter: detects
 * on every frame, masks heads also in the 15 frames before their first
 * detection and for 2 s after their last one, and always masks a doorway.
 * |[
 * gst-launch-1.0 videotestsrc ! headblur person-model="" ! fakesink
 * ]| Faces only, without the person detector (finds fewer heads).
 * |[
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! videoconvert ! \
 *     headblur head-model=/opt/models/heads-yolov8n.onnx \
 *     head-model-format=yolov8-onnx head-input-size=640 head-classes=0:head ! \
 *     videoconvert ! autovideosink
 * ]| Adds a whole-head YOLOv8 model to the two detectors.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstheadblur-internal.h"
#include "gstheadblur-fuse.h"
#include "rb-paths.h"
#include "rb-zones.h"

GST_DEBUG_CATEGORY (gst_head_blur_debug);
#define GST_CAT_DEFAULT gst_head_blur_debug

G_STATIC_ASSERT (GST_HEAD_BLUR_TIME_NONE == GST_CLOCK_TIME_NONE);

#define GST_TYPE_HEAD_BLUR_MODE (gst_head_blur_mode_get_type ())
static GType gst_head_blur_mode_get_type (void);

#define GST_TYPE_HEAD_BLUR_OVERLOAD_MODE \
    (gst_head_blur_overload_mode_get_type ())
static GType gst_head_blur_overload_mode_get_type (void);

#define GST_TYPE_HEAD_BLUR_CORRUPT_MODE \
    (gst_head_blur_corrupt_mode_get_type ())
static GType gst_head_blur_corrupt_mode_get_type (void);

#define GST_TYPE_HEAD_BLUR_HEAD_MODEL_FORMAT \
    (gst_head_blur_head_model_format_get_type ())
static GType gst_head_blur_head_model_format_get_type (void);

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
  PROP_HOLD_TIME,
  PROP_DETECTION_INTERVAL,
  PROP_LOOKAHEAD,
  PROP_PRIVACY_ZONES,
  PROP_OVERLOAD_MODE,
  PROP_MAX_DETECTION_AGE,
  PROP_STATS,
  /* person detector */
  PROP_PERSON_MODEL,
  PROP_PERSON_THRESHOLD,
  PROP_PERSON_INFERENCE_WIDTH,
  /* detections as metas, in and out */
  PROP_ATTACH_META,
  PROP_UPSTREAM_DETECTIONS,
  PROP_UPSTREAM_CHECK_INTERVAL,
  /* corrupt input */
  PROP_CORRUPT_MODE,
  /* head-model slot */
  PROP_HEAD_MODEL,
  PROP_HEAD_MODEL_FORMAT,
  PROP_HEAD_MODEL_CONFIG,
  PROP_HEAD_INPUT_SIZE,
  PROP_HEAD_THRESHOLD,
  PROP_HEAD_CLASSES,
  PROP_HEAD_DETECTION_INTERVAL,
};

/* <source>/models from the build tree, else the installed models (rb-paths) */
#define DEFAULT_MODEL rb_paths_model ("yunet_n_640_640.onnx")
#define DEFAULT_THRESHOLD 0.2
#define DEFAULT_MODE GST_HEAD_BLUR_MODE_BLUR
#define DEFAULT_FILL_COLOR 0xff000000
#define DEFAULT_PADDING 0.25
#define DEFAULT_INFERENCE_WIDTH 960
#define DEFAULT_THREADS 0
#define DEFAULT_HOLD_TIME GST_SECOND
#define DEFAULT_DETECTION_INTERVAL 3
#define DEFAULT_LOOKAHEAD 0
#define DEFAULT_PRIVACY_ZONES ""
#define DEFAULT_OVERLOAD_MODE GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME
#define DEFAULT_MAX_DETECTION_AGE (500 * GST_MSECOND)
#define DEFAULT_PERSON_MODEL rb_paths_model ("yolo-fastest-1.1_body.weights")
#define DEFAULT_PERSON_THRESHOLD 0.3
#define DEFAULT_PERSON_INFERENCE_WIDTH 480
#define DEFAULT_ATTACH_META FALSE
#define DEFAULT_UPSTREAM_DETECTIONS FALSE
#define DEFAULT_UPSTREAM_CHECK_INTERVAL 32
#define DEFAULT_CORRUPT_MODE GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME
#define DEFAULT_HEAD_MODEL ""
#define DEFAULT_HEAD_MODEL_FORMAT GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV5_ONNX
#define DEFAULT_HEAD_MODEL_CONFIG ""
#define DEFAULT_HEAD_INPUT_SIZE 640
#define DEFAULT_HEAD_THRESHOLD 0.4
#define DEFAULT_HEAD_CLASSES "0:head"
#define DEFAULT_HEAD_DETECTION_INTERVAL 0

#define MIN_INFERENCE_WIDTH 160
#define MAX_INFERENCE_WIDTH 3840
#define MAX_PERSON_INFERENCE_WIDTH 1920
#define MAX_THREADS 64
#define MAX_HOLD_TIME (60 * GST_SECOND)
#define MAX_DETECTION_INTERVAL 30
#define MAX_LOOKAHEAD 300
#define MAX_DETECTION_AGE (60 * GST_SECOND)
#define MAX_UPSTREAM_CHECK_INTERVAL 300
#define MIN_HEAD_INPUT_SIZE 32
#define MAX_HEAD_INPUT_SIZE 1920
#define MAX_HEAD_DETECTION_INTERVAL 300

#define VIDEO_FORMATS "{ I420, NV12, BGR, RGB, BGRx, RGBx }"

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
static GstFlowReturn gst_head_blur_submit_input_buffer (GstBaseTransform *
    trans, gboolean is_discont, GstBuffer * input);
static GstFlowReturn gst_head_blur_generate_output (GstBaseTransform * trans,
    GstBuffer ** outbuf);
static gboolean gst_head_blur_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_head_blur_src_event (GstBaseTransform * trans,
    GstEvent * event);
static gboolean gst_head_blur_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);

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

static GType
gst_head_blur_overload_mode_get_type (void)
{
  static GType mode_type = 0;
  static const GEnumValue modes[] = {
    {GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME, "Mask the whole frame",
        "full-frame"},
    {GST_HEAD_BLUR_OVERLOAD_MODE_ENLARGE, "Mask the last tracks enlarged x2",
        "enlarge"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&mode_type)) {
    GType t = g_enum_register_static ("GstHeadBlurOverloadMode", modes);
    g_once_init_leave (&mode_type, t);
  }
  return mode_type;
}

static GType
gst_head_blur_corrupt_mode_get_type (void)
{
  static GType mode_type = 0;
  static const GEnumValue modes[] = {
    {GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME, "Mask the whole frame",
        "full-frame"},
    {GST_HEAD_BLUR_CORRUPT_MODE_DROP, "Drop the frame", "drop"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&mode_type)) {
    GType t = g_enum_register_static ("GstHeadBlurCorruptMode", modes);
    g_once_init_leave (&mode_type, t);
  }
  return mode_type;
}

static GType
gst_head_blur_head_model_format_get_type (void)
{
  static GType format_type = 0;
  static const GEnumValue formats[] = {
    {GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV5_ONNX,
        "ONNX, YOLOv5 output [1,N,5+C]", "yolov5-onnx"},
    {GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOV8_ONNX,
        "ONNX, YOLOv8 output [1,4+C,N]", "yolov8-onnx"},
    {GST_HEAD_BLUR_HEAD_MODEL_FORMAT_YOLOX_ONNX,
        "ONNX, raw YOLOX output [1,N,5+C]", "yolox-onnx"},
    {GST_HEAD_BLUR_HEAD_MODEL_FORMAT_DARKNET,
        "Darknet YOLO .cfg and .weights", "darknet"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&format_type)) {
    GType t = g_enum_register_static ("GstHeadBlurHeadModelFormat", formats);
    g_once_init_leave (&format_type, t);
  }
  return format_type;
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
   * Path of the YuNet-n face detector: ONNX, 2023 output layout (outputs
   * `cls_8` ... `bbox_32`), the file `yunet_n_640_640.onnx` of
   * ShiqiYu/libfacedetection.train (commit 0047ac24, `onnx/`), licensed
   * under Apache-2.0. Read when the element goes from READY to PAUSED; set
   * while PAUSED or PLAYING it is refused (a warning is logged, the value
   * kept). A missing file makes that state change fail with
   * GST_RESOURCE_ERROR_NOT_FOUND, a file that cannot be loaded or run with
   * GST_LIBRARY_ERROR_INIT. Default: `yunet_n_640_640.onnx` in the models
   * directory, `<source>/models` for a plugin loaded from the build tree,
   * else the installed `DATADIR/rtsp-blur/models` (meson option
   * `models-dir`).
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
   * Minimum face score, 0 to 1 (the square root of YuNet's class score
   * times its objectness), for a face to give a head box. Lower values hide
   * more heads and mask more background. Default 0.2, below YuNet's usual
   * 0.5 to mask more heads (bench/eval/README.md). Takes effect on the next
   * frame.
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
   * How a head (or privacy zone, or a frame masked whole) is hidden:
   * `blur`, `pixelate` or `fill` with #GstHeadBlur:fill-color (see
   * #GstHeadBlurMode). Default `blur`. Takes effect on the next frame.
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
   * Colour of the boxes with `mode=fill`, as 0xAARRGGBB, 0 to 0xffffffff;
   * alpha is ignored (the boxes are opaque). For YUV formats it is
   * converted with the BT.601 matrix, in the range (limited or full) of the
   * negotiated caps. Default 0xff000000 (black). Takes effect on the next
   * frame.
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
   * width (left and right) and height (top and bottom), 0 to 2; the boxes
   * are then clipped to the frame. Default 0.25. Takes effect on the next
   * frame.
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
   * Width in pixels of the scaled copy the face detector runs on, 160 to
   * 3840, rounded down to a multiple of 32 when set. The frame is scaled
   * with its aspect kept and padded with black at the bottom to a height
   * that is a multiple of 32 (1080p at 960: 960x540, padded to 960x544); a
   * frame narrower than this is not scaled up, only padded to its width
   * rounded up to 32. Larger values find smaller heads and cost more.
   * Default 960. Takes effect on the next frame.
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
   * too. A value OpenCV refuses is logged as a warning. Default 0. Applied
   * on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "Number of OpenCV threads (process-global), 0 to 64; "
          "0 keeps OpenCV's default", 0, MAX_THREADS, DEFAULT_THREADS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:hold-time:
   *
   * How long a head stays masked after its last detection, in nanoseconds
   * of stream time, 0 to 60 s. Meanwhile its box follows the head's
   * estimated motion and grows by 50 % per second (100 % per second after a
   * single detection), at most x1.25. 0 masks a head only in the frames
   * where it was detected (and, with #GstHeadBlur:detection-interval > 1,
   * misses the frames in between). Default 1 s. Takes effect on the next
   * frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_HOLD_TIME,
      g_param_spec_uint64 ("hold-time", "Hold Time",
          "How long a head stays masked after its last detection, in ns, "
          "0 to 60 s", 0, MAX_HOLD_TIME, DEFAULT_HOLD_TIME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:detection-interval:
   *
   * Run the detector on every k-th frame, 1 to 30; the frames in between
   * are masked with the tracks predicted to their timestamp, so
   * #GstHeadBlur:hold-time must be longer than k frames. The first frame
   * after a start or a flush always runs the detector. 1 detects on every
   * frame. Default 3. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_DETECTION_INTERVAL,
      g_param_spec_uint ("detection-interval", "Detection Interval",
          "Run the detector on every k-th frame, 1 to 30 (tracks mask the "
          "frames in between)", 1, MAX_DETECTION_INTERVAL,
          DEFAULT_DETECTION_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:lookahead:
   *
   * Delay the output by this many frames, 0 to 300, so that a head first
   * detected (or detected again after a gap) at frame t is also masked in
   * frames t-N to t-1, its box projected back along its motion and grown
   * with the distance in time. Adds N frame durations to the latency
   * reported upstream. Queued frames are masked and pushed on EOS and
   * before a caps or segment change, and dropped on a flush. 0 masks each
   * frame in place, without a copy. Read when the element starts; set while
   * PAUSED or PLAYING it is refused (a warning is logged, the value kept).
   * Default 0.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_uint ("lookahead", "Lookahead",
          "Delay output by this many frames (0 to 300) to mask heads also "
          "before their first detection", 0, MAX_LOOKAHEAD, DEFAULT_LOOKAHEAD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:privacy-zones:
   *
   * Polygons that are always masked with #GstHeadBlur:mode, such as
   * doorways and windows, in coordinates normalized to the frame (0 to 1,
   * so they survive resolution changes): `"x,y x,y x,y[;x,y x,y x,y
   * ...]"`, at least 3 points per polygon, polygons separated by `;`. An
   * invalid string is never ignored: setting it logs a warning, and the
   * element then fails with GST_RESOURCE_ERROR_SETTINGS when it starts or on
   * the next frame, until a valid string is set. Default: empty (no zone).
   * Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_PRIVACY_ZONES,
      g_param_spec_string ("privacy-zones", "Privacy Zones",
          "Polygons always masked, normalized 0..1: "
          "\"x,y x,y x,y[;x,y ...]\" (>= 3 points each)",
          DEFAULT_PRIVACY_ZONES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:overload-mode:
   *
   * How a frame is masked when detection has fallen behind: in a live
   * pipeline the element's own backlog is over two frame durations (see the
   * element description), so its due detection is skipped, and the last
   * completed detection is older than #GstHeadBlur:max-detection-age.
   * `full-frame` masks the whole frame (privacy first); `enlarge` masks the
   * last tracks enlarged x2, kept past #GstHeadBlur:hold-time while the
   * overload lasts. Default `full-frame`. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_OVERLOAD_MODE,
      g_param_spec_enum ("overload-mode", "Overload Mode",
          "How frames are masked when detection falls behind: full-frame or "
          "enlarge", GST_TYPE_HEAD_BLUR_OVERLOAD_MODE, DEFAULT_OVERLOAD_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:max-detection-age:
   *
   * Age in nanoseconds of stream time, 0 to 60 s, that the last completed
   * detection may reach on a frame whose detection was skipped (the element
   * is behind) before that frame is masked per #GstHeadBlur:overload-mode.
   * Default 500 ms. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_DETECTION_AGE,
      g_param_spec_uint64 ("max-detection-age", "Max Detection Age",
          "Age of the last detection (ns, 0 to 60 s) after which a frame "
          "whose detection was skipped is masked per overload-mode", 0,
          MAX_DETECTION_AGE, DEFAULT_MAX_DETECTION_AGE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:stats:
   *
   * Read-only counters since the element started, as a #GstStructure named
   * `headblur-stats` with the fields `frames` (#guint64, frames processed,
   * corrupted ones included), `detections` (#guint64, detector runs),
   * `detection-time-avg` (#guint64, mean time of one run, ns),
   * `skipped-detections` (#guint64, runs due but skipped because the
   * element's own backlog was over two frame durations; live pipelines
   * only), `overload-frames` (#guint64, frames masked per
   * #GstHeadBlur:overload-mode), `tracks` (#guint, tracks alive after the
   * last frame), `upstream-frames` (#guint64, frames whose detector run was
   * skipped because upstream detections covered them, see
   * #GstHeadBlur:upstream-detections), `corrupt-frames` (#guint64, frames
   * masked whole or dropped because they were flagged corrupted, or held
   * back before such a frame, see #GstHeadBlur:corrupt-mode), `backlog`
   * (#guint64, the element's own backlog after the last frame, ns) and
   * `processing-latency` (#guint64, the latency the element reports for its
   * own processing, ns). While overload frames occur, the element also
   * posts, at most once per second, an element message named
   * `headblur-overload` with the fields `overload-frames` and
   * `skipped-detections` (#guint64, totals as above).
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters: frames, detections, detection-time-avg (ns), "
          "skipped-detections, overload-frames, tracks, upstream-frames, "
          "corrupt-frames, backlog (ns), processing-latency (ns)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstHeadBlur:person-model:
   *
   * Path of the Yolo-Fastest 1.1 person ("body") detector in Darknet
   * format, with its network description beside it under the same base
   * name and the extension `.cfg` (`x.weights` -> `x.cfg`): the files
   * `yolo-fastest-1.1_body.weights` and `.cfg` of dog-qiuqiu/Yolo-Fastest
   * (commit 96a2900d, `ModelZoo/yolo-fastest-1.1_body/`), public domain.
   * It finds the people whose face is not visible (backs of heads, bowed or
   * turned heads): a head box is placed at the top of every person box that
   * no face explains. Read when the element goes from READY to PAUSED; set
   * while PAUSED or PLAYING it is refused (a warning is logged, the value
   * kept). A missing `.weights` or `.cfg` makes that state change fail with
   * GST_RESOURCE_ERROR_NOT_FOUND (the message names the file), files that
   * cannot be loaded (the weights' length is checked against the `.cfg`)
   * with GST_LIBRARY_ERROR_INIT. An empty string disables the person
   * detector: heads are then found from faces only, which masks fewer of
   * them. Default: `yolo-fastest-1.1_body.weights` in the models directory,
   * as for #GstHeadBlur:model.
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
   * Minimum person score, 0 to 1 (Yolo-Fastest's objectness times its class
   * probability), for a person box to give a head box. Lower values hide
   * more heads and mask more background; 1 turns the person detector off.
   * OpenCV's YOLO layer reports scores below 0.2 as 0, so values under 0.2
   * act like 0.2. Default 0.3. Takes effect on the next frame.
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
   * Width in pixels of the scaled copy the person detector runs on: 0,
   * which skips the person detector, or 160 to 1920 (1 to 159 count as
   * 160), rounded down to a multiple of 32 when set. The frame is scaled
   * and padded as for #GstHeadBlur:inference-width and never scaled up
   * beyond its width rounded up to 32. Larger values find smaller people
   * and cost more. Default 480. Takes effect on the next frame.
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

  /**
   * GstHeadBlur:attach-meta:
   *
   * Attach what headblur found to each output buffer: one
   * #GstVideoRegionOfInterestMeta of type "head" per head detected on the
   * frame or masked in it, whose "headblur-box" param holds `source`
   * (string: "det" for a detection on this frame, "track" for a box masked)
   * and `score` (double, 0 to 1; 0 for "track"), then one of type
   * "headblur-frame" (0x0 at 0,0) whose "headblur-frame" param holds
   * `detected` (boolean: the detector ran on the frame), `overload`
   * (boolean: the frame was masked whole), `corrupt` (boolean: masked whole
   * because it was flagged corrupted, see #GstHeadBlur:corrupt-mode) and
   * `detection-interval` (uint). A frame masked whole has no "track" boxes.
   * With #GstHeadBlur:lookahead the boxes are those of the frame's own
   * analysis (the back-projected ones are not added). Default false. Takes
   * effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_ATTACH_META,
      g_param_spec_boolean ("attach-meta", "Attach Meta",
          "Attach a region-of-interest meta per head detected or masked "
          "and a per-frame headblur-frame meta to the output buffers",
          DEFAULT_ATTACH_META, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:upstream-detections:
   *
   * Take detections from upstream: every #GstVideoRegionOfInterestMeta of
   * type "head" on an input buffer is masked as given (no padding, rounded
   * outwards and clipped to the frame), in addition to headblur's own
   * tracks, and headblur's metas are then removed from the buffer. A frame
   * that also carries a "headblur-frame" meta whose param has `covered` =
   * TRUE is not given to the detector (but see
   * #GstHeadBlur:upstream-check-interval): its upstream detections are
   * complete. Other frames are detected as usual,
   * #GstHeadBlur:detection-interval counting the frames since the last run.
   * Default false. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_UPSTREAM_DETECTIONS,
      g_param_spec_boolean ("upstream-detections", "Upstream Detections",
          "Mask the head region-of-interest metas of the input buffers and "
          "skip the detector on frames they cover (headblur-frame meta with "
          "covered=true)", DEFAULT_UPSTREAM_DETECTIONS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:upstream-check-interval:
   *
   * With #GstHeadBlur:upstream-detections, the detector still runs on one
   * covered frame in this many, counted since its last run, 0 to 300
   * frames, and what it finds is tracked and masked in addition to the
   * upstream boxes: detections taken from elsewhere inherit their source's
   * misses, and a second look at other frames catches some of them. 0 never
   * runs the detector on covered frames. Default 32. Takes effect on the
   * next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class,
      PROP_UPSTREAM_CHECK_INTERVAL,
      g_param_spec_uint ("upstream-check-interval", "Upstream Check Interval",
          "With upstream-detections, run the detector anyway on one covered "
          "frame in this many (0: never), frames 0-300", 0,
          MAX_UPSTREAM_CHECK_INTERVAL, DEFAULT_UPSTREAM_CHECK_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:corrupt-mode:
   *
   * What happens to a frame flagged %GST_BUFFER_FLAG_CORRUPTED (a decoder
   * output it with errors, or after a loss before the next key frame):
   * `full-frame` masks the whole frame with #GstHeadBlur:mode, as for
   * overload, and a live stream keeps its pace (privacy first); `drop` drops
   * it. Either way the detector does not run on it, the upstream detections
   * on it are dropped, and it is counted in `corrupt-frames` of
   * #GstHeadBlur:stats. Since the damage of a bit error can begin frames
   * before the decoder notices it, when a flagged frame follows unflagged
   * ones the frames held back by #GstHeadBlur:lookahead are masked whole (or
   * dropped) too, and counted. With #GstHeadBlur:attach-meta, a frame
   * masked whole for corruption has `overload` and `corrupt` set. Default
   * `full-frame`. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_CORRUPT_MODE,
      g_param_spec_enum ("corrupt-mode", "Corrupt Mode",
          "What happens to a frame flagged corrupted (and to the frames "
          "held back before it): full-frame (masked whole) or drop",
          GST_TYPE_HEAD_BLUR_CORRUPT_MODE, DEFAULT_CORRUPT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:head-model:
   *
   * Path of an extra detector, the head-model slot: any YOLO-family model
   * in one of the layouts of #GstHeadBlur:head-model-format (a whole-head
   * detector, or one that finds faces or persons), whose classes
   * #GstHeadBlur:head-classes maps to heads (masked as they are), faces
   * (widened to head boxes as YuNet's faces are) or persons (the head band
   * at their top, as for #GstHeadBlur:person-model). It runs beside the
   * face and person detectors, on the frame scaled into a
   * #GstHeadBlur:head-input-size square, and its boxes are fused with
   * theirs: a person-derived head that is the same head as a detected head
   * is merged into it. Read when the element goes from READY to PAUSED;
   * set while PAUSED or PLAYING it is refused (a warning is logged, the
   * value kept). A missing file (model or Darknet `.cfg`) makes that state
   * change fail with GST_RESOURCE_ERROR_NOT_FOUND; a file that cannot be
   * loaded or run, or whose output shapes are not those of
   * #GstHeadBlur:head-model-format for that input size and class map,
   * with GST_LIBRARY_ERROR_INIT, the debug text naming the file, the
   * shapes expected and the shapes found. Default: empty, no extra
   * detector (the element then behaves exactly as without the slot).
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_HEAD_MODEL,
      g_param_spec_string ("head-model", "Head Model",
          "Path of an extra YOLO-family detector (.onnx or Darknet "
          ".weights), loaded when going to PAUSED; empty: none",
          DEFAULT_HEAD_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:head-model-format:
   *
   * Output layout of #GstHeadBlur:head-model (see
   * #GstHeadBlurHeadModelFormat): `yolov5-onnx` (one output [1,N,5+C],
   * box centre and size in input pixels, objectness, class scores),
   * `yolov8-onnx` (one output [1,4+C,N], no objectness), `yolox-onnx`
   * (one raw output [1,N,5+C] as YOLOX's export_onnx.py writes it by
   * default, decoded here on the stride 8, 16 and 32 grids; a model
   * exported with `--decode_in_inference` is not taken) or `darknet`
   * (YOLO v3, v4 or tiny .cfg and .weights). N is the number of grid cells
   * (times 3 anchors for YOLOv5) for a #GstHeadBlur:head-input-size square,
   * C the number of classes. The score of a box is the objectness times
   * the class score (the class score alone for YOLOv8). Default
   * `yolov5-onnx`. Read with #GstHeadBlur:head-model.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_HEAD_MODEL_FORMAT,
      g_param_spec_enum ("head-model-format", "Head Model Format",
          "Output layout of head-model: yolov5-onnx, yolov8-onnx, "
          "yolox-onnx or darknet", GST_TYPE_HEAD_BLUR_HEAD_MODEL_FORMAT,
          DEFAULT_HEAD_MODEL_FORMAT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:head-model-config:
   *
   * With `head-model-format=darknet`: path of the network's `.cfg`.
   * Empty (the default): the file beside #GstHeadBlur:head-model with the
   * same base name (`x.weights` -> `x.cfg`). Ignored for ONNX formats.
   * Read with #GstHeadBlur:head-model; a missing file fails as a missing
   * model does.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_HEAD_MODEL_CONFIG,
      g_param_spec_string ("head-model-config", "Head Model Config",
          "Path of the Darknet .cfg of head-model; empty: beside the "
          ".weights",
          DEFAULT_HEAD_MODEL_CONFIG,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:head-input-size:
   *
   * Side in pixels of the square input of #GstHeadBlur:head-model, 32 to
   * 1920, rounded down to a multiple of 32 when set. The frame is scaled
   * with its aspect kept into the top-left corner of the square, the rest
   * grey (114). A model exported with a fixed input size needs exactly that
   * size (otherwise its output shapes do not match and it fails to load);
   * a model with a dynamic input takes any. Default 640. Read with
   * #GstHeadBlur:head-model.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_HEAD_INPUT_SIZE,
      g_param_spec_int ("head-input-size", "Head Input Size",
          "Side in pixels of the square input of head-model, 32 to 1920, "
          "rounded down to a multiple of 32", MIN_HEAD_INPUT_SIZE,
          MAX_HEAD_INPUT_SIZE, DEFAULT_HEAD_INPUT_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:head-threshold:
   *
   * Minimum score, 0 to 1, of a #GstHeadBlur:head-model box (see
   * #GstHeadBlur:head-model-format) for it to be masked. Lower values hide
   * more heads and mask more background. For Darknet models OpenCV's YOLO
   * layer reports class scores under the `.cfg`'s `thresh` (0.2 if unset)
   * as 0. Default 0.4. Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_HEAD_THRESHOLD,
      g_param_spec_double ("head-threshold", "Head Threshold",
          "Minimum score of a head-model box for it to be masked, 0 to 1 "
          "(lower hides more)", 0.0, 1.0, DEFAULT_HEAD_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:head-classes:
   *
   * Which class ids of #GstHeadBlur:head-model are used and as what:
   * `ID:KIND` items separated by commas, KIND `head` (the box is masked as
   * it is), `face` (widened to a head box as YuNet's faces are) or
   * `person` (the head band at its top, as for #GstHeadBlur:person-model),
   * ID 0 to 999, e.g. `0:head` or `0:person,1:head`. Other classes are
   * ignored. A map that does not parse, or that names a class the model
   * does not have, makes READY to PAUSED fail (GST_RESOURCE_ERROR_SETTINGS,
   * GST_LIBRARY_ERROR_INIT). Default `0:head`. Read with
   * #GstHeadBlur:head-model.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_HEAD_CLASSES,
      g_param_spec_string ("head-classes", "Head Classes",
          "Class ids of head-model and what they are, e.g. "
          "\"0:head,1:face,2:person\"", DEFAULT_HEAD_CLASSES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstHeadBlur:head-detection-interval:
   *
   * How often #GstHeadBlur:head-model runs, 0 to 300 frames: on a frame
   * where the element detects (see #GstHeadBlur:detection-interval) once at
   * least this many frames have passed since it last ran (always on the
   * first frame after a start or flush); 0 or 1: on every such frame. A
   * heavy model can so run every tenth frame while the tracks carry its
   * heads between (keep the gap below #GstHeadBlur:hold-time). Default 0.
   * Takes effect on the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class,
      PROP_HEAD_DETECTION_INTERVAL,
      g_param_spec_uint ("head-detection-interval", "Head Detection Interval",
          "Frames between runs of head-model, at least (0: on every frame "
          "the element detects on), 0 to 300", 0,
          MAX_HEAD_DETECTION_INTERVAL, DEFAULT_HEAD_DETECTION_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class,
      &gst_head_blur_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_head_blur_src_template);

  gst_element_class_set_static_metadata (element_class,
      "Head blur", "Filter/Effect/Video",
      "Hides heads found by the YuNet face and Yolo-Fastest person "
      "detectors by blurring, pixelating or filling them",
      "rtsp-blur contributors");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_head_blur_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_head_blur_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_head_blur_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_head_blur_transform_frame_ip);
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_head_blur_submit_input_buffer);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_head_blur_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_head_blur_sink_event);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_head_blur_src_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_head_blur_query);

  gst_type_mark_as_plugin_api (GST_TYPE_HEAD_BLUR_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_HEAD_BLUR_OVERLOAD_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_HEAD_BLUR_CORRUPT_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_HEAD_BLUR_HEAD_MODEL_FORMAT, 0);
}

static void
gst_head_blur_init (GstHeadBlur * self)
{
  GstHeadBlurSettings *s = &self->settings;

  s->model = g_strdup (DEFAULT_MODEL);
  s->threshold = DEFAULT_THRESHOLD;
  s->mode = DEFAULT_MODE;
  s->fill_color = DEFAULT_FILL_COLOR;
  s->padding = DEFAULT_PADDING;
  s->inference_width = DEFAULT_INFERENCE_WIDTH;
  s->threads = DEFAULT_THREADS;
  s->hold_time = DEFAULT_HOLD_TIME;
  s->detection_interval = DEFAULT_DETECTION_INTERVAL;
  s->lookahead = DEFAULT_LOOKAHEAD;
  s->privacy_zones = g_strdup (DEFAULT_PRIVACY_ZONES);
  s->overload_mode = DEFAULT_OVERLOAD_MODE;
  s->max_detection_age = DEFAULT_MAX_DETECTION_AGE;
  s->person_model = g_strdup (DEFAULT_PERSON_MODEL);
  s->person_threshold = DEFAULT_PERSON_THRESHOLD;
  s->person_inference_width = DEFAULT_PERSON_INFERENCE_WIDTH;
  s->attach_meta = DEFAULT_ATTACH_META;
  s->upstream_detections = DEFAULT_UPSTREAM_DETECTIONS;
  s->upstream_check_interval = DEFAULT_UPSTREAM_CHECK_INTERVAL;
  s->corrupt_mode = DEFAULT_CORRUPT_MODE;
  s->head_model = g_strdup (DEFAULT_HEAD_MODEL);
  s->head_model_format = DEFAULT_HEAD_MODEL_FORMAT;
  s->head_model_config = g_strdup (DEFAULT_HEAD_MODEL_CONFIG);
  s->head_input_size = DEFAULT_HEAD_INPUT_SIZE;
  s->head_threshold = DEFAULT_HEAD_THRESHOLD;
  s->head_classes = g_strdup (DEFAULT_HEAD_CLASSES);
  s->head_detection_interval = DEFAULT_HEAD_DETECTION_INTERVAL;
  gst_head_blur_sched_start (&self->sched);
  self->track_boxes = g_array_new (FALSE, FALSE, sizeof (RbBox));
  self->hits = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurTrackHit));
  self->boxes = g_array_new (FALSE, FALSE, sizeof (RbBox));
  self->det_boxes = g_array_new (FALSE, FALSE, sizeof (RbBox));
  self->upstream_boxes = g_array_new (FALSE, FALSE, sizeof (RbBox));
}

static void
gst_head_blur_finalize (GObject * object)
{
  GstHeadBlur *self = GST_HEAD_BLUR (object);

  g_free (self->settings.model);
  g_free (self->settings.privacy_zones);
  g_clear_pointer (&self->settings.zones, g_ptr_array_unref);
  g_free (self->settings.zones_error);
  g_free (self->settings.person_model);
  g_free (self->settings.head_model);
  g_free (self->settings.head_model_config);
  g_free (self->settings.head_classes);
  g_clear_pointer (&self->detector, gst_head_blur_detector_free);
  g_clear_pointer (&self->head_detector, gst_head_blur_yolo_free);
  g_clear_pointer (&self->tracker, gst_head_blur_tracker_free);
  g_clear_pointer (&self->queue, gst_head_blur_lookahead_free);
  g_array_unref (self->track_boxes);
  g_array_unref (self->det_boxes);
  g_array_unref (self->upstream_boxes);
  g_array_unref (self->hits);
  g_array_unref (self->boxes);

  G_OBJECT_CLASS (gst_head_blur_parent_class)->finalize (object);
}

/* privacy-zones set to @zones: parsed now, its error kept for start() and
 * every frame. Called with the object lock held. */
static void
gst_head_blur_set_zones (GstHeadBlur * self, const gchar * zones)
{
  GstHeadBlurSettings *s = &self->settings;
  GError *err = NULL;

  g_free (s->privacy_zones);
  s->privacy_zones = g_strdup (zones);
  g_clear_pointer (&s->zones, g_ptr_array_unref);
  g_clear_pointer (&s->zones_error, g_free);
  s->zones = rb_zones_parse (s->privacy_zones, &err);
  if (err) {
    GST_WARNING_OBJECT (self, "invalid privacy-zones \"%s\": %s; the "
        "element will fail until a valid value is set",
        GST_STR_NULL (s->privacy_zones), err->message);
    s->zones_error = g_strdup (err->message);
    g_error_free (err);
  }
}

static void
gst_head_blur_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstHeadBlur *self = GST_HEAD_BLUR (object);
  GstHeadBlurSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      if (self->started) {
        GST_WARNING_OBJECT (self, "the model can only be changed in the NULL "
            "or READY state; keeping %s", s->model);
        break;
      }
      g_free (s->model);
      s->model = g_value_dup_string (value);
      break;
    case PROP_THRESHOLD:
      s->threshold = g_value_get_double (value);
      break;
    case PROP_MODE:
      s->mode = g_value_get_enum (value);
      break;
    case PROP_FILL_COLOR:
      s->fill_color = g_value_get_uint (value);
      break;
    case PROP_PADDING:
      s->padding = g_value_get_double (value);
      break;
    case PROP_INFERENCE_WIDTH:
      s->inference_width = g_value_get_int (value) / 32 * 32;
      break;
    case PROP_THREADS:
      s->threads = g_value_get_int (value);
      break;
    case PROP_HOLD_TIME:
      s->hold_time = g_value_get_uint64 (value);
      break;
    case PROP_DETECTION_INTERVAL:
      s->detection_interval = g_value_get_uint (value);
      break;
    case PROP_LOOKAHEAD:
      if (self->started) {
        GST_WARNING_OBJECT (self, "lookahead can only be changed in the NULL "
            "or READY state; keeping %u", s->lookahead);
        break;
      }
      s->lookahead = g_value_get_uint (value);
      break;
    case PROP_PRIVACY_ZONES:
      gst_head_blur_set_zones (self, g_value_get_string (value));
      break;
    case PROP_OVERLOAD_MODE:
      s->overload_mode = g_value_get_enum (value);
      break;
    case PROP_MAX_DETECTION_AGE:
      s->max_detection_age = g_value_get_uint64 (value);
      break;
    case PROP_PERSON_MODEL:
      if (self->started) {
        GST_WARNING_OBJECT (self, "the person model can only be changed in "
            "the NULL or READY state; keeping %s",
            GST_STR_NULL (s->person_model));
        break;
      }
      g_free (s->person_model);
      s->person_model = g_value_dup_string (value);
      break;
    case PROP_PERSON_THRESHOLD:
      s->person_threshold = g_value_get_double (value);
      break;
    case PROP_PERSON_INFERENCE_WIDTH:{
      gint w = g_value_get_int (value);

      /* 1..159 mean the smallest width, 160 */
      if (w > 0 && w < MIN_INFERENCE_WIDTH)
        w = MIN_INFERENCE_WIDTH;
      s->person_inference_width = w / 32 * 32;
      break;
    }
    case PROP_ATTACH_META:
      s->attach_meta = g_value_get_boolean (value);
      break;
    case PROP_UPSTREAM_DETECTIONS:
      s->upstream_detections = g_value_get_boolean (value);
      break;
    case PROP_UPSTREAM_CHECK_INTERVAL:
      s->upstream_check_interval = g_value_get_uint (value);
      break;
    case PROP_CORRUPT_MODE:
      s->corrupt_mode = g_value_get_enum (value);
      break;
    case PROP_HEAD_MODEL:
    case PROP_HEAD_MODEL_FORMAT:
    case PROP_HEAD_MODEL_CONFIG:
    case PROP_HEAD_INPUT_SIZE:
    case PROP_HEAD_CLASSES:
      if (self->started) {
        GST_WARNING_OBJECT (self, "%s can only be changed in the NULL or "
            "READY state; keeping it", pspec->name);
        break;
      }
      if (prop_id == PROP_HEAD_MODEL) {
        g_free (s->head_model);
        s->head_model = g_value_dup_string (value);
      } else if (prop_id == PROP_HEAD_MODEL_FORMAT) {
        s->head_model_format = g_value_get_enum (value);
      } else if (prop_id == PROP_HEAD_MODEL_CONFIG) {
        g_free (s->head_model_config);
        s->head_model_config = g_value_dup_string (value);
      } else if (prop_id == PROP_HEAD_INPUT_SIZE) {
        s->head_input_size = g_value_get_int (value) / 32 * 32;
      } else {
        g_free (s->head_classes);
        s->head_classes = g_value_dup_string (value);
      }
      break;
    case PROP_HEAD_THRESHOLD:
      s->head_threshold = g_value_get_double (value);
      break;
    case PROP_HEAD_DETECTION_INTERVAL:
      s->head_detection_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* The stats property; called with the object lock held. */
static GstStructure *
gst_head_blur_stats (GstHeadBlur * self)
{
  const GstHeadBlurSchedStats *st = &self->sched.stats;

  return gst_structure_new ("headblur-stats",
      "frames", G_TYPE_UINT64, st->frames,
      "detections", G_TYPE_UINT64, st->detections,
      "detection-time-avg", G_TYPE_UINT64, st->detections ?
      st->detection_time / st->detections : 0,
      "skipped-detections", G_TYPE_UINT64, st->skipped,
      "overload-frames", G_TYPE_UINT64, st->overload,
      "tracks", G_TYPE_UINT, self->stat_tracks,
      "upstream-frames", G_TYPE_UINT64, st->upstream,
      "corrupt-frames", G_TYPE_UINT64, st->corrupt,
      "backlog", G_TYPE_UINT64, st->backlog,
      "processing-latency", G_TYPE_UINT64, st->processing_latency, NULL);
}

static void
gst_head_blur_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstHeadBlur *self = GST_HEAD_BLUR (object);
  GstHeadBlurSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, s->model);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, s->threshold);
      break;
    case PROP_MODE:
      g_value_set_enum (value, s->mode);
      break;
    case PROP_FILL_COLOR:
      g_value_set_uint (value, s->fill_color);
      break;
    case PROP_PADDING:
      g_value_set_double (value, s->padding);
      break;
    case PROP_INFERENCE_WIDTH:
      g_value_set_int (value, s->inference_width);
      break;
    case PROP_THREADS:
      g_value_set_int (value, s->threads);
      break;
    case PROP_HOLD_TIME:
      g_value_set_uint64 (value, s->hold_time);
      break;
    case PROP_DETECTION_INTERVAL:
      g_value_set_uint (value, s->detection_interval);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_uint (value, s->lookahead);
      break;
    case PROP_PRIVACY_ZONES:
      g_value_set_string (value, s->privacy_zones);
      break;
    case PROP_OVERLOAD_MODE:
      g_value_set_enum (value, s->overload_mode);
      break;
    case PROP_MAX_DETECTION_AGE:
      g_value_set_uint64 (value, s->max_detection_age);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_head_blur_stats (self));
      break;
    case PROP_PERSON_MODEL:
      g_value_set_string (value, s->person_model);
      break;
    case PROP_PERSON_THRESHOLD:
      g_value_set_double (value, s->person_threshold);
      break;
    case PROP_PERSON_INFERENCE_WIDTH:
      g_value_set_int (value, s->person_inference_width);
      break;
    case PROP_ATTACH_META:
      g_value_set_boolean (value, s->attach_meta);
      break;
    case PROP_UPSTREAM_DETECTIONS:
      g_value_set_boolean (value, s->upstream_detections);
      break;
    case PROP_UPSTREAM_CHECK_INTERVAL:
      g_value_set_uint (value, s->upstream_check_interval);
      break;
    case PROP_CORRUPT_MODE:
      g_value_set_enum (value, s->corrupt_mode);
      break;
    case PROP_HEAD_MODEL:
      g_value_set_string (value, s->head_model);
      break;
    case PROP_HEAD_MODEL_FORMAT:
      g_value_set_enum (value, s->head_model_format);
      break;
    case PROP_HEAD_MODEL_CONFIG:
      g_value_set_string (value, s->head_model_config);
      break;
    case PROP_HEAD_INPUT_SIZE:
      g_value_set_int (value, s->head_input_size);
      break;
    case PROP_HEAD_THRESHOLD:
      g_value_set_double (value, s->head_threshold);
      break;
    case PROP_HEAD_CLASSES:
      g_value_set_string (value, s->head_classes);
      break;
    case PROP_HEAD_DETECTION_INTERVAL:
      g_value_set_uint (value, s->head_detection_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Posts the error of the @what ("face", "person", "head") model at @path
 * that could not be loaded, @err from the detector. */
static void
gst_head_blur_model_error (GstHeadBlur * self, const gchar * what,
    const gchar * path, const GError * err)
{
  if (g_error_matches (err, GST_HEAD_BLUR_CV_ERROR,
          GST_HEAD_BLUR_CV_ERROR_NOT_FOUND))
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("%c%s detector model \"%s\" not found.", g_ascii_toupper (what[0]),
            what + 1, GST_STR_NULL (path)), ("%s", err->message));
  else
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not load %s detector model \"%s\".", what,
            GST_STR_NULL (path)), ("%s", err->message));
}

/* Loads the head-model slot when head-model is set. Posts the error and
 * returns FALSE on failure. */
static gboolean
gst_head_blur_load_head_model (GstHeadBlur * self)
{
  GstHeadBlurSettings *st = &self->settings;
  gchar *path, *config, *classes;
  GstHeadBlurHeadModelFormat format;
  gint size;
  GByteArray *kinds;
  GError *err = NULL;

  GST_OBJECT_LOCK (self);
  path = g_strdup (st->head_model);
  config = g_strdup (st->head_model_config);
  classes = g_strdup (st->head_classes);
  format = st->head_model_format;
  size = st->head_input_size;
  GST_OBJECT_UNLOCK (self);

  if (path == NULL || path[0] == '\0') {
    g_free (path);
    g_free (config);
    g_free (classes);
    return TRUE;
  }
  kinds = gst_head_blur_parse_classes (classes, &err);
  if (kinds == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid head-classes \"%s\".", GST_STR_NULL (classes)),
        ("%s", err->message));
  } else {
    GST_DEBUG_OBJECT (self, "loading head model %s", path);
    self->head_detector = gst_head_blur_yolo_new (format, path, config, size,
        kinds, &err);
    if (self->head_detector == NULL)
      gst_head_blur_model_error (self, "head", path, err);
    g_byte_array_unref (kinds);
  }
  g_clear_error (&err);
  g_free (path);
  g_free (config);
  g_free (classes);
  return self->head_detector != NULL;
}

static gboolean
gst_head_blur_start (GstBaseTransform * trans)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);
  GError *err = NULL;
  gchar *model, *person_model;

  GST_OBJECT_LOCK (self);
  if (self->settings.zones_error) {
    gchar *zones = g_strdup (self->settings.privacy_zones);
    gchar *why = g_strdup (self->settings.zones_error);

    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid privacy-zones \"%s\".", zones), ("%s", why));
    g_free (zones);
    g_free (why);
    return FALSE;
  }
  model = g_strdup (self->settings.model);
  person_model = g_strdup (self->settings.person_model);
  self->lookahead = self->settings.lookahead;
  self->tracker = gst_head_blur_tracker_new (self->settings.hold_time);
  self->queue = gst_head_blur_lookahead_new ();
  self->started = TRUE;
  self->live = FALSE;
  gst_head_blur_sched_start (&self->sched);
  self->stat_tracks = 0;
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "loading model %s", GST_STR_NULL (model));
  self->detector = gst_head_blur_detector_new (model, &err);
  if (self->detector == NULL) {
    gst_head_blur_model_error (self, "face", model, err);
    goto failed;
  }
  GST_DEBUG_OBJECT (self, "loading person model %s",
      GST_STR_NULL (person_model));
  if (!gst_head_blur_detector_load_person (self->detector, person_model, &err)) {
    gst_head_blur_model_error (self, "person", person_model, err);
    g_clear_pointer (&self->detector, gst_head_blur_detector_free);
    goto failed;
  }
  if (person_model == NULL || person_model[0] == '\0')
    GST_INFO_OBJECT (self, "person detector disabled (person-model is "
        "empty): heads are found from faces only");
  if (!gst_head_blur_load_head_model (self)) {
    g_clear_pointer (&self->detector, gst_head_blur_detector_free);
    goto failed;
  }
  self->head_since = G_MAXUINT;

  g_free (model);
  g_free (person_model);
  self->applied_threads = 0;
  return TRUE;

failed:
  g_clear_error (&err);
  g_free (model);
  g_free (person_model);
  g_clear_pointer (&self->tracker, gst_head_blur_tracker_free);
  g_clear_pointer (&self->queue, gst_head_blur_lookahead_free);
  GST_OBJECT_LOCK (self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK (self);
  return FALSE;
}

static gboolean
gst_head_blur_stop (GstBaseTransform * trans)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);

  g_clear_pointer (&self->queue, gst_head_blur_lookahead_free);
  g_clear_pointer (&self->detector, gst_head_blur_detector_free);
  g_clear_pointer (&self->head_detector, gst_head_blur_yolo_free);
  g_clear_pointer (&self->tracker, gst_head_blur_tracker_free);
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

void
gst_head_blur_settings_copy (GstHeadBlur * self, GstHeadBlurSettings * s)
{
  GST_OBJECT_LOCK (self);
  *s = self->settings;
  s->model = NULL;              /* not needed per frame */
  s->person_model = NULL;
  s->head_model = NULL;
  s->head_model_config = NULL;
  s->head_classes = NULL;
  s->privacy_zones = g_strdup (self->settings.privacy_zones);
  s->zones = self->settings.zones ? g_ptr_array_ref (self->settings.zones) :
      NULL;
  s->zones_error = g_strdup (self->settings.zones_error);
  GST_OBJECT_UNLOCK (self);
}

void
gst_head_blur_settings_clear (GstHeadBlurSettings * s)
{
  g_clear_pointer (&s->privacy_zones, g_free);
  g_clear_pointer (&s->zones, g_ptr_array_unref);
  g_clear_pointer (&s->zones_error, g_free);
}

/* lookahead=0: analyse and mask each frame in place. */
static GstFlowReturn
gst_head_blur_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstHeadBlur *self = GST_HEAD_BLUR (filter);
  GstHeadBlurSettings s;
  GstHeadBlurImage image = { 0, };
  GstFlowReturn ret = GST_FLOW_ERROR;
  GstClockTime pts;
  gboolean full_frame, corrupt;

  self->frame_start_us = g_get_monotonic_time ();
  gst_head_blur_settings_copy (self, &s);
  /* corrupt-mode=drop: dropped before, in submit_input_buffer() */
  corrupt = gst_head_blur_check_corrupt (self, frame->buffer,
      GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME);
  full_frame = corrupt;
  if (corrupt)
    gst_head_blur_skip_frame (self, frame->buffer);
  if (gst_head_blur_check_ready (self, &s)
      && gst_head_blur_map_image (self, frame, &image)
      && (corrupt || gst_head_blur_analyse (self, &image, frame->buffer, &s,
              &pts, &full_frame))
      && gst_head_blur_apply (self, &image, &frame->info, &s, self->boxes,
          full_frame)) {
    if (s.attach_meta)
      gst_head_blur_attach_meta (self, frame->buffer, &s, full_frame, corrupt);
    ret = GST_FLOW_OK;
  }
  gst_head_blur_settings_clear (&s);
  gst_head_blur_frame_done (self);
  return ret;
}

/* lookahead > 0: gst_head_blur_submit_delayed(); else the frame goes to
 * transform_frame_ip(), unless it is to be dropped for corruption. */
static GstFlowReturn
gst_head_blur_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);
  GstHeadBlurCorruptMode mode;

  if (self->lookahead > 0)
    return gst_head_blur_submit_delayed (self, input);

  GST_OBJECT_LOCK (self);
  mode = self->settings.corrupt_mode;
  GST_OBJECT_UNLOCK (self);
  if (mode == GST_HEAD_BLUR_CORRUPT_MODE_DROP
      && gst_head_blur_check_corrupt (self, input, mode)) {
    gst_buffer_unref (input);
    return GST_FLOW_OK;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_head_blur_parent_class)->
      submit_input_buffer (trans, is_discont, input);
}

static GstFlowReturn
gst_head_blur_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);

  if (self->lookahead > 0)
    return gst_head_blur_generate_delayed (self, outbuf);
  return GST_BASE_TRANSFORM_CLASS (gst_head_blur_parent_class)->
      generate_output (trans, outbuf);
}

static gboolean
gst_head_blur_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      if (self->queue)
        gst_head_blur_lookahead_clear (self->queue);
      if (self->tracker)
        gst_head_blur_tracker_reset (self->tracker);
      self->head_since = G_MAXUINT;
      GST_OBJECT_LOCK (self);
      gst_head_blur_sched_flush (&self->sched);
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_EVENT_EOS:
    case GST_EVENT_CAPS:
    case GST_EVENT_SEGMENT:
    case GST_EVENT_STREAM_START:
      if (self->queue && gst_head_blur_lookahead_length (self->queue) > 0)
        gst_head_blur_drain (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_head_blur_parent_class)->sink_event
      (trans, event);
}

static gboolean
gst_head_blur_src_event (GstBaseTransform * trans, GstEvent * event)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    GstClockTime latency;
    GstQuery *query = gst_query_new_latency ();
    gboolean live = FALSE;

    /* bins send a LATENCY event to non-live pipelines too: whether the
     * stream is live is what upstream answers to a latency query */
    if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query))
      gst_query_parse_latency (query, &live, NULL, NULL);
    gst_query_unref (query);
    gst_event_parse_latency (event, &latency);
    GST_OBJECT_LOCK (self);
    self->live = live;
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "%s pipeline, latency %" GST_TIME_FORMAT,
        live ? "live" : "non-live", GST_TIME_ARGS (latency));
  }
  return GST_BASE_TRANSFORM_CLASS (gst_head_blur_parent_class)->src_event
      (trans, event);
}

static gboolean
gst_head_blur_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);
  gboolean ret;

  ret = GST_BASE_TRANSFORM_CLASS (gst_head_blur_parent_class)->query (trans,
      direction, query);
  if (ret && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime caps_duration = gst_head_blur_caps_duration (self);
    gboolean live;
    GstClockTime min, max, add;

    /* what the element adds: the frames held back by lookahead, and its
     * own processing time (the largest seen, see
     * gst_head_blur_frame_done()) */
    GST_OBJECT_LOCK (self);
    add = self->sched.stats.processing_latency +
        self->settings.lookahead *
        gst_head_blur_sched_frame_duration (&self->sched, caps_duration);
    GST_OBJECT_UNLOCK (self);
    if (add > 0) {
      gst_query_parse_latency (query, &live, &min, &max);
      min += add;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += add;
      GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of latency",
          GST_TIME_ARGS (add));
      gst_query_set_latency (query, live, min, max);
    }
  }
  return ret;
}
