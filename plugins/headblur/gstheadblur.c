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
 *   top of each person box (centred, 0.6 x 0.6 box widths, fitted on
 *   SCUT-HEAD); where it overlaps a face-derived head box the two are merged
 *   into their bounding box (unless the person-derived box is over 3x larger:
 *   then the face-derived box alone is kept). This finds the heads a face detector misses:
 *   backs of heads, bowed and turned heads, and completes face-derived boxes
 *   that cover only part of a large or turned head.
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
 * Heads are also hidden in the frames where the detector misses them.
 * Detections are kept as tracks (associated by overlap, or by centre
 * distance for small boxes, with a smoothed constant-velocity motion
 * model); every frame masks each live track at its predicted position,
 * united with its previous detection moved alike, grown by 50 % per second
 * since its last detection (100 % per second while it has been detected
 * only once and its motion is unknown; at most x1.25), for
 * #GstHeadBlur:hold-time after that detection. The detector runs on every
 * #GstHeadBlur:detection-interval-th frame (the first frame after a start
 * or flush always runs it); the frames in between are masked with the
 * tracks. For recorded video, #GstHeadBlur:lookahead delays the output by
 * N frames, so that a head first detected at frame t is also masked in
 * frames t-N to t-1 (its box projected back along its motion and grown
 * with the distance in time). #GstHeadBlur:privacy-zones are polygons that
 * are always masked, such as doorways and windows.
 *
 * Overload means the element's own lag, nothing else. It keeps its own
 * backlog: frames come in at the pace of their timestamps, each costs the
 * wall time the element spent on it, and the backlog grows only when that
 * time exceeds what the timestamps give (see
 * gst_head_blur_update_backlog()). Upstream timing (a decoder's B-frame
 * reordering, jitter-buffer bursts, RTCP clock jumps) does not change the
 * timestamps and so never counts; real CPU starvation does. In a live
 * pipeline, when the backlog is over two frame durations, a due detection
 * is skipped to catch up. If the last completed detection is then older
 * than #GstHeadBlur:max-detection-age, the frame is masked as
 * #GstHeadBlur:overload-mode says (by default the whole frame), never
 * passed with only stale boxes; such frames are counted in
 * #GstHeadBlur:stats and reported with the `headblur-overload` element
 * message (see #GstHeadBlur:stats). A frame flagged
 * %GST_BUFFER_FLAG_CORRUPTED by the decoder (decoded with errors or after a
 * loss, before the next key frame: the safedec decoder flags both) is
 * masked whole too, or dropped, with the frames held back by the look-ahead
 * before the first of them (#GstHeadBlur:corrupt-mode), and counted. The
 * latency query reports what the
 * element adds: its largest processing time per frame (rounded up to
 * 10 ms; when it grows the element posts a LATENCY message) plus the
 * frames held back by #GstHeadBlur:lookahead.
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
 * How many heads the defaults mask, and at what cost, is measured by the
 * benchmarks under bench/ (bench/eval/README.md, bench/live/README.md).
 * headblur reduces, but does not remove, the chance that a person can be
 * recognised: small, far and heavily occluded heads can still be missed.
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
 * gst-launch-1.0 filesrc location=segment.mp4 ! qtdemux ! h264parse ! avdec_h264 ! \
 *     headblur lookahead=15 detection-interval=1 hold-time=2000000000 \
 *     privacy-zones="0.1,0.2 0.3,0.2 0.3,0.9 0.1,0.9" ! x264enc ! mp4mux ! \
 *     filesink location=segment-anonymized.mp4
 * ]| Anonymises a recorded segment, where latency does not matter: detects
 * on every frame, masks heads also in the 15 frames before their first
 * detection and for 2 s after their last one, and always masks a doorway.
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
#include "gstheadblur-lookahead.h"
#include "gstheadblur-track.h"
#include "rb-paths.h"
#include "rb-roi.h"
#include "rb-zones.h"

#include <math.h>

GST_DEBUG_CATEGORY (gst_head_blur_debug);
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

/**
 * GstHeadBlurOverloadMode:
 * @GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME: mask the whole frame (privacy
 *   first)
 * @GST_HEAD_BLUR_OVERLOAD_MODE_ENLARGE: mask the last tracks, enlarged x2
 *   around their predicted position (kept past the hold time while the
 *   overload lasts)
 *
 * How headblur masks a frame when detection has fallen behind (see
 * #GstHeadBlur:overload-mode).
 *
 * Since: 0.1.0
 */
typedef enum
{
  GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME,
  GST_HEAD_BLUR_OVERLOAD_MODE_ENLARGE,
} GstHeadBlurOverloadMode;

#define GST_TYPE_HEAD_BLUR_OVERLOAD_MODE \
    (gst_head_blur_overload_mode_get_type ())
static GType gst_head_blur_overload_mode_get_type (void);

/**
 * GstHeadBlurCorruptMode:
 * @GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME: mask the whole frame (privacy
 *   first; a live stream keeps its pace)
 * @GST_HEAD_BLUR_CORRUPT_MODE_DROP: drop the frame
 *
 * What headblur does with a frame flagged %GST_BUFFER_FLAG_CORRUPTED (see
 * #GstHeadBlur:corrupt-mode).
 *
 * Since: 0.2.0
 */
typedef enum
{
  GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME,
  GST_HEAD_BLUR_CORRUPT_MODE_DROP,
} GstHeadBlurCorruptMode;

#define GST_TYPE_HEAD_BLUR_CORRUPT_MODE \
    (gst_head_blur_corrupt_mode_get_type ())
static GType gst_head_blur_corrupt_mode_get_type (void);

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
  /* issue 16: corrupt input */
  PROP_CORRUPT_MODE,
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

#define DEFAULT_ATTACH_META FALSE
#define DEFAULT_UPSTREAM_DETECTIONS FALSE
#define DEFAULT_UPSTREAM_CHECK_INTERVAL 32
#define DEFAULT_CORRUPT_MODE GST_HEAD_BLUR_CORRUPT_MODE_FULL_FRAME

#define MAX_HOLD_TIME (60 * GST_SECOND)
#define MAX_DETECTION_INTERVAL 30
#define MAX_LOOKAHEAD 300
#define MAX_DETECTION_AGE (60 * GST_SECOND)
/* enlarge factor of the tracks in overload-mode=enlarge */
#define OVERLOAD_ENLARGE 2.0
/* frame duration assumed when neither caps nor buffers give one */
#define FALLBACK_FRAME_DURATION (GST_SECOND / 15)

/* person detector */
#define DEFAULT_PERSON_MODEL rb_paths_model ("yolo-fastest-1.1_body.weights")
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
  GstClockTime hold_time;
  guint detection_interval;
  guint lookahead;
  gchar *privacy_zones;         /* as set */
  GPtrArray *zones;             /* parsed: GArray of gdouble x,y pairs,
                                 * normalized; NULL if none or invalid */
  gchar *zones_error;           /* why privacy_zones is invalid, or NULL */
  GstHeadBlurOverloadMode overload_mode;
  GstClockTime max_detection_age;
  /* person detector */
  gchar *person_model;
  gdouble person_threshold;
  gint person_inference_width;
  /* detections as metas */
  gboolean attach_meta;
  gboolean upstream_detections;
  guint upstream_check_interval;
  GstHeadBlurCorruptMode corrupt_mode;
} GstHeadBlurSettings;

struct _GstHeadBlur
{
  GstVideoFilter parent;

  /* protected by GST_OBJECT_LOCK */
  GstHeadBlurSettings settings;
  gboolean started;             /* between start() and stop() */

  /* created in start(), freed in stop(); used by the streaming thread */
  GstHeadBlurDnn *dnn;
  gint applied_threads;         /* last value given to OpenCV, 0 = none */

  /* created in start(), freed in stop(); streaming thread only */
  GstHeadBlurTracker *tracker;
  GArray *track_boxes;          /* GstHeadBlurTrackBox, reused per frame */
  GArray *hits;                 /* GstHeadBlurTrackHit, reused per frame */
  GArray *boxes;                /* GstHeadBlurBox to mask, reused per frame */
  GArray *det_boxes;            /* GstHeadBlurBox detected in this frame,
                                 * kept for attach-meta */
  gboolean frame_detected;      /* the detector ran on this frame */
  gboolean frame_covered;       /* upstream detections cover this frame */
  GArray *upstream_boxes;       /* GstHeadBlurBox from upstream metas */
  guint lookahead;              /* frames, fixed between start and stop */
  GstHeadBlurLookahead *queue;  /* the frames held back, when lookahead */
  gboolean detected_once;       /* a detection ran since start/flush */
  guint frames_since_detection;
  GstClockTime last_detection_pts;
  GstClockTime last_pts;
  GstClockTime frame_duration;  /* last known, or NONE */
  gint64 last_overload_msg;     /* monotonic us, 0 = never */
  gboolean in_corruption;       /* the last frame was flagged CORRUPTED */
  /* own backlog (see gst_head_blur_update_backlog()) */
  gint64 frame_start_us;        /* when the current frame came in */
  GstClockTime last_processing; /* wall time spent on the previous frame */
  GstClockTime backlog;         /* ns of work not yet caught up with */
  GstClockTime backlog_pts;     /* pts of the previous frame, or NONE */

  /* protected by GST_OBJECT_LOCK */
  gboolean live;                /* upstream is live (latency query at the
                                 * LATENCY event): lateness means something */
  guint64 stat_frames;
  guint64 stat_detections;
  guint64 stat_detection_time;  /* ns, total */
  guint64 stat_skipped;
  guint64 stat_overload;
  guint stat_tracks;
  guint64 stat_upstream;        /* frames covered by upstream detections */
  guint64 stat_corrupt;         /* frames masked whole or dropped for
                                 * corruption */
  GstClockTime processing_latency;      /* reported in the latency query */
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
   * Default: `yunet_n_640_640.onnx` in the models directory: `<source>/models`
   * (where `scripts/setup` puts it) for a plugin loaded from the build tree,
   * the installed `PREFIX/share/rtsp-blur/models` (meson option `models-dir`)
   * otherwise.
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
   * first: it masks many more heads for a little more background; the
   * figures are in bench/eval/README.md).
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
   * clipped to the frame. Takes effect on the next frame. The default, 0.25
   * (0.1 before 0.2.0, then 0.2), together with the merged face and person
   * boxes and the capped growth of held boxes, leaves fewer heads partly
   * unmasked in a moving scene than 0.2 did before, at no more of the frame
   * masked (bench/eval/README.md).
   *
   * Default: 0.25.
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
   * (bench/eval/README.md). Takes effect on the next frame.
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

  /**
   * GstHeadBlur:hold-time:
   *
   * How long, in nanoseconds of stream time, a head stays masked after its
   * last detection, 0 to 60 s. Meanwhile its box follows the head's
   * estimated motion and grows by 50 % per second (100 % per second after a
   * single detection; at most x1.25). 0 masks a
   * head only in the frames where it was detected (and, with
   * #GstHeadBlur:detection-interval > 1, misses the frames in between).
   * Default 1 s. Takes effect on the next frame.
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
   * are masked with the tracks predicted to their timestamp. The first
   * frame after starting or a flush always runs the detector. The default,
   * 3, divides the detection cost by three, which keeps a 1080p15 live path
   * (decode, headblur, encode) within its CPU budget (bench/live/README.md);
   * it needs
   * #GstHeadBlur:hold-time to be longer than k frames. Recordings, where
   * time does not matter, should use 1. Takes effect on the next frame.
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
   * the frames t-N to t-1, its box projected back along its motion and
   * grown with the distance in time. 0 (the default) masks each frame in
   * place without any copy. Recorded segments can look far ahead (the
   * rtsp-blur workers use 15); live, a few frames already hide more heads
   * for the latency they add: rtsp-blur's live path runs lookahead=5 with
   * #GstHeadBlur:detection-interval 5, which on the benchmark clips of
   * bench/eval/README.md leaves fewer heads exposed than the defaults
   * (every third frame, no look-ahead) for 40 % fewer detector runs.
   * Adds N frame durations to the latency
   * reported upstream. Queued frames are masked and pushed on EOS and
   * before a caps or segment change, and dropped on a flush. Read when the
   * element starts; changes while PAUSED or PLAYING are refused.
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
   * Polygons that are always masked (with #GstHeadBlur:mode), such as
   * doorways and windows, in coordinates normalized to the frame (0 to 1,
   * so they survive resolution changes):
   * `"x,y x,y x,y[;x,y x,y x,y ...]"`, at least 3 points per polygon,
   * polygons separated by `;`. Default: empty (no zone). An invalid string
   * is never ignored: setting it logs a warning and the element then fails
   * with RESOURCE/SETTINGS when it starts or on the next frame, until a
   * valid string is set. Takes effect on the next frame.
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
   * How a frame is masked when detection has fallen behind: the element's
   * own backlog is over two frame durations in a live pipeline (see the
   * element description), so detection is skipped, and the last completed
   * detection is older than
   * #GstHeadBlur:max-detection-age. `full-frame` (the default, privacy
   * first) masks the whole frame; `enlarge` masks the last tracks enlarged
   * x2. Takes effect on the next frame.
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
   * is behind) before that frame gets the
   * #GstHeadBlur:overload-mode treatment. Default 500 ms. Takes effect on
   * the next frame.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_DETECTION_AGE,
      g_param_spec_uint64 ("max-detection-age", "Max Detection Age",
          "Age of the last detection (ns, 0 to 60 s) after which a frame "
          "whose detection was skipped is masked per overload-mode", 0, MAX_DETECTION_AGE,
          DEFAULT_MAX_DETECTION_AGE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:stats:
   *
   * Counters since the element started, as a #GstStructure named
   * `headblur-stats` with the fields:
   *
   * - `frames` (#guint64): frames processed
   * - `detections` (#guint64): runs of the detector
   * - `detection-time-avg` (#guint64): mean time of one detector run, ns
   * - `skipped-detections` (#guint64): detector runs that were due but
   *   skipped because the element's own backlog was over two frame
   *   durations (live pipelines only)
   * - `overload-frames` (#guint64): frames masked per
   *   #GstHeadBlur:overload-mode
   * - `tracks` (#guint): tracks alive after the last frame
   * - `upstream-frames` (#guint64): frames whose detector run was skipped
   *   because upstream detections covered them
   *   (#GstHeadBlur:upstream-detections)
   * - `corrupt-frames` (#guint64): frames masked whole or dropped because
   *   they were flagged corrupted, or held back before such a frame (see
   *   #GstHeadBlur:corrupt-mode; since 0.2.0). The flagged frames are
   *   counted in `frames` too
   * - `backlog` (#guint64): the element's own backlog after the last frame,
   *   ns (see the element's description)
   * - `processing-latency` (#guint64): the latency the element reports
   *   for its own processing, ns
   *
   * While overload frames occur, the element also posts, at most once per
   * second, an element message named `headblur-overload` with the fields
   * `overload-frames` and `skipped-detections` (#guint64, totals as
   * above).
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters: frames, detections, detection-time-avg (ns), "
          "skipped-detections, overload-frames, tracks, upstream-frames, "
          "corrupt-frames, backlog (ns), processing-latency (ns)",
          GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

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
   * Default: `yolo-fastest-1.1_body.weights` in the models directory, as
   * for #GstHeadBlur:model (with its `.cfg`).
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
   * Default: 480 (on the development sets 640 found no more heads; figures
   * in bench/eval/README.md).
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
   * #GstVideoRegionOfInterestMeta of type "head" per head it masked or
   * detected, its param a "headblur-box" structure with `source`
   * (string: "det" for a detection on this frame, "track" for a tracked
   * head) and `score` (double, 0-1; 0 for tracks), plus one of type
   * "headblur-frame" (0x0 at 0,0) whose "headblur-frame" param says
   * `detected` (boolean: the detector ran on the frame), `overload`
   * (boolean: the frame was masked whole), `corrupt` (boolean: masked
   * whole because it was flagged corrupted, see #GstHeadBlur:corrupt-mode;
   * since 0.2.0) and `detection-interval` (uint). The launcher records
   * them as the segment's detections sidecar. With #GstHeadBlur:lookahead, the boxes are those of the
   * frame's analysis (back-projected ones are not added). Takes effect on
   * the next frame.
   *
   * Default: false.
   *
   * Since: 0.2.0
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
   * type "head" on an input buffer is masked (padded by nothing: the box
   * as given, clipped to the frame), in addition to headblur's own
   * tracks. A frame that also carries a "headblur-frame" meta whose param
   * has `covered` = TRUE is not given to the detector: its upstream
   * detections are complete. Frames without it are detected as usual
   * (#GstHeadBlur:detection-interval counts the frames since the last run
   * on such frames). The segment workers set it with the detections the
   * live path recorded, so that they only detect where those are missing.
   * Takes effect on the next frame.
   *
   * Default: false.
   *
   * Since: 0.2.0
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
   * With #GstHeadBlur:upstream-detections, the detector still runs on
   * one covered frame in this many (counted since its last run), and what
   * it finds is tracked and masked in addition to the upstream boxes:
   * detections taken from elsewhere (the live path's sidecar) inherit that
   * path's misses, and a second look at other frames catches some of them
   * (privacy first). 0 never runs the detector on covered frames. The
   * default, 32, is not a multiple of the live path's detection-interval
   * (3), so the checks fall on frames the live detector did not see; it
   * costs about 1.7 ms per 1080p frame on one core (one 53 ms run in 32).
   * (16 was the default: on the panning clips of headblur-video-eval its
   * checks' young tracks, grown fast, added more over-masking per head
   * hidden than the workers' larger track boxes, lib/rb-tracks scale.)
   * Range 0–300 frames. Takes effect on the next frame.
   *
   * Default: 32.
   *
   * Since: 0.2.0
   */
  g_object_class_install_property (gobject_class,
      PROP_UPSTREAM_CHECK_INTERVAL,
      g_param_spec_uint ("upstream-check-interval", "Upstream Check Interval",
          "With upstream-detections, run the detector anyway on one covered "
          "frame in this many (0: never), frames 0-300", 0, 300,
          DEFAULT_UPSTREAM_CHECK_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstHeadBlur:corrupt-mode:
   *
   * What happens to a frame flagged %GST_BUFFER_FLAG_CORRUPTED: a decoder
   * output it with errors, or after a loss before the next key frame (the
   * safedec decoder flags both; avdec_h264 only the frames decoded before
   * the first key frame). `full-frame` (the default, privacy first) masks
   * the whole frame with #GstHeadBlur:mode, as for overload, and a live
   * stream keeps its pace; `drop` drops it. Either way the detector does
   * not run on it, and the frame is counted in `corrupt-frames` of
   * #GstHeadBlur:stats.
   *
   * The damage of a bit error can begin frames before the decoder notices
   * it. So when a flagged frame follows unflagged ones, the frames held
   * back by #GstHeadBlur:lookahead (none without look-ahead) are masked
   * whole (or dropped) too, and counted.
   *
   * With #GstHeadBlur:attach-meta, a frame masked whole for corruption has
   * `overload` and `corrupt` set in its `headblur-frame` param. Takes
   * effect on the next frame.
   *
   * Default: full-frame.
   *
   * Since: 0.2.0
   */
  g_object_class_install_property (gobject_class, PROP_CORRUPT_MODE,
      g_param_spec_enum ("corrupt-mode", "Corrupt Mode",
          "What happens to a frame flagged corrupted (and to the frames "
          "held back before it): full-frame (masked whole) or drop",
          GST_TYPE_HEAD_BLUR_CORRUPT_MODE, DEFAULT_CORRUPT_MODE,
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
  self->settings.hold_time = DEFAULT_HOLD_TIME;
  self->settings.detection_interval = DEFAULT_DETECTION_INTERVAL;
  self->settings.lookahead = DEFAULT_LOOKAHEAD;
  self->settings.privacy_zones = g_strdup (DEFAULT_PRIVACY_ZONES);
  self->settings.overload_mode = DEFAULT_OVERLOAD_MODE;
  self->settings.max_detection_age = DEFAULT_MAX_DETECTION_AGE;
  self->track_boxes = g_array_new (FALSE, FALSE,
      sizeof (GstHeadBlurTrackBox));
  self->hits = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurTrackHit));
  self->boxes = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurBox));
  self->det_boxes = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurBox));
  self->upstream_boxes = g_array_new (FALSE, FALSE, sizeof (GstHeadBlurBox));
  self->settings.attach_meta = DEFAULT_ATTACH_META;
  self->settings.upstream_detections = DEFAULT_UPSTREAM_DETECTIONS;
  self->settings.upstream_check_interval = DEFAULT_UPSTREAM_CHECK_INTERVAL;
  self->settings.corrupt_mode = DEFAULT_CORRUPT_MODE;
  self->settings.person_model = g_strdup (DEFAULT_PERSON_MODEL);
  self->settings.person_threshold = DEFAULT_PERSON_THRESHOLD;
  self->settings.person_inference_width = DEFAULT_PERSON_INFERENCE_WIDTH;
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
  g_clear_pointer (&self->dnn, gst_head_blur_dnn_free);
  g_clear_pointer (&self->tracker, gst_head_blur_tracker_free);
  g_clear_pointer (&self->queue, gst_head_blur_lookahead_free);
  g_array_unref (self->track_boxes);
  g_array_unref (self->det_boxes);
  g_array_unref (self->upstream_boxes);
  g_array_unref (self->hits);
  g_array_unref (self->boxes);

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
    case PROP_HOLD_TIME:
      self->settings.hold_time = g_value_get_uint64 (value);
      break;
    case PROP_DETECTION_INTERVAL:
      self->settings.detection_interval = g_value_get_uint (value);
      break;
    case PROP_LOOKAHEAD:
      if (self->started) {
        GST_WARNING_OBJECT (self, "lookahead can only be changed in the NULL "
            "or READY state; keeping %u", self->settings.lookahead);
        break;
      }
      self->settings.lookahead = g_value_get_uint (value);
      break;
    case PROP_PRIVACY_ZONES:{
      GError *err = NULL;
      GPtrArray *zones;

      g_free (self->settings.privacy_zones);
      self->settings.privacy_zones = g_value_dup_string (value);
      zones = rb_zones_parse (self->settings.privacy_zones, &err);
      g_clear_pointer (&self->settings.zones, g_ptr_array_unref);
      g_clear_pointer (&self->settings.zones_error, g_free);
      self->settings.zones = zones;
      if (err) {
        GST_WARNING_OBJECT (self, "invalid privacy-zones \"%s\": %s; the "
            "element will fail until a valid value is set",
            GST_STR_NULL (self->settings.privacy_zones), err->message);
        self->settings.zones_error = g_strdup (err->message);
        g_error_free (err);
      }
      break;
    }
    case PROP_OVERLOAD_MODE:
      self->settings.overload_mode = g_value_get_enum (value);
      break;
    case PROP_MAX_DETECTION_AGE:
      self->settings.max_detection_age = g_value_get_uint64 (value);
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
    case PROP_ATTACH_META:
      self->settings.attach_meta = g_value_get_boolean (value);
      break;
    case PROP_UPSTREAM_DETECTIONS:
      self->settings.upstream_detections = g_value_get_boolean (value);
      break;
    case PROP_UPSTREAM_CHECK_INTERVAL:
      self->settings.upstream_check_interval = g_value_get_uint (value);
      break;
    case PROP_CORRUPT_MODE:
      self->settings.corrupt_mode = g_value_get_enum (value);
      break;
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
    case PROP_HOLD_TIME:
      g_value_set_uint64 (value, self->settings.hold_time);
      break;
    case PROP_DETECTION_INTERVAL:
      g_value_set_uint (value, self->settings.detection_interval);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_uint (value, self->settings.lookahead);
      break;
    case PROP_PRIVACY_ZONES:
      g_value_set_string (value, self->settings.privacy_zones);
      break;
    case PROP_OVERLOAD_MODE:
      g_value_set_enum (value, self->settings.overload_mode);
      break;
    case PROP_MAX_DETECTION_AGE:
      g_value_set_uint64 (value, self->settings.max_detection_age);
      break;
    case PROP_STATS:{
      guint64 avg = self->stat_detections ?
          self->stat_detection_time / self->stat_detections : 0;

      g_value_take_boxed (value, gst_structure_new ("headblur-stats",
              "frames", G_TYPE_UINT64, self->stat_frames,
              "detections", G_TYPE_UINT64, self->stat_detections,
              "detection-time-avg", G_TYPE_UINT64, avg,
              "skipped-detections", G_TYPE_UINT64, self->stat_skipped,
              "overload-frames", G_TYPE_UINT64, self->stat_overload,
              "tracks", G_TYPE_UINT, self->stat_tracks,
              "upstream-frames", G_TYPE_UINT64, self->stat_upstream,
              "corrupt-frames", G_TYPE_UINT64, self->stat_corrupt,
              "backlog", G_TYPE_UINT64, (guint64) self->backlog,
              "processing-latency", G_TYPE_UINT64,
              (guint64) self->processing_latency, NULL));
      break;
    }
    case PROP_PERSON_MODEL:
      g_value_set_string (value, self->settings.person_model);
      break;
    case PROP_PERSON_THRESHOLD:
      g_value_set_double (value, self->settings.person_threshold);
      break;
    case PROP_PERSON_INFERENCE_WIDTH:
      g_value_set_int (value, self->settings.person_inference_width);
      break;
    case PROP_ATTACH_META:
      g_value_set_boolean (value, self->settings.attach_meta);
      break;
    case PROP_UPSTREAM_DETECTIONS:
      g_value_set_boolean (value, self->settings.upstream_detections);
      break;
    case PROP_UPSTREAM_CHECK_INTERVAL:
      g_value_set_uint (value, self->settings.upstream_check_interval);
      break;
    case PROP_CORRUPT_MODE:
      g_value_set_enum (value, self->settings.corrupt_mode);
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
  self->lookahead = self->settings.lookahead;
  self->tracker = gst_head_blur_tracker_new (self->settings.hold_time);
  self->queue = gst_head_blur_lookahead_new ();
  person_model = g_strdup (self->settings.person_model);
  self->started = TRUE;
  self->live = FALSE;
  self->stat_frames = self->stat_detections = self->stat_detection_time = 0;
  self->stat_skipped = self->stat_overload = 0;
  self->stat_tracks = 0;
  self->stat_upstream = 0;
  self->stat_corrupt = 0;
  self->backlog = 0;
  self->processing_latency = 0;
  GST_OBJECT_UNLOCK (self);
  self->last_processing = 0;
  self->backlog_pts = GST_CLOCK_TIME_NONE;
  self->detected_once = FALSE;
  self->frames_since_detection = 0;
  self->last_detection_pts = GST_CLOCK_TIME_NONE;
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->frame_duration = GST_CLOCK_TIME_NONE;
  self->last_overload_msg = 0;
  self->in_corruption = FALSE;

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
  g_clear_pointer (&self->dnn, gst_head_blur_dnn_free);
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

/* A copy of the settings for one frame; free with
 * gst_head_blur_settings_clear(). */
static void
gst_head_blur_settings_copy (GstHeadBlur * self, GstHeadBlurSettings * s)
{
  GST_OBJECT_LOCK (self);
  *s = self->settings;
  s->model = NULL;              /* not needed per frame */
  s->person_model = NULL;
  s->privacy_zones = g_strdup (self->settings.privacy_zones);
  s->zones = self->settings.zones ? g_ptr_array_ref (self->settings.zones) :
      NULL;
  s->zones_error = g_strdup (self->settings.zones_error);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_head_blur_settings_clear (GstHeadBlurSettings * s)
{
  g_clear_pointer (&s->privacy_zones, g_free);
  g_clear_pointer (&s->zones, g_ptr_array_unref);
  g_clear_pointer (&s->zones_error, g_free);
}

/* The one place that runs the detectors (faces and persons, fused in the
 * helper): appends the head boxes found in @image, in frame pixels, padded
 * and clipped to the frame, to @heads. */
static gboolean
gst_head_blur_detect_heads (GstHeadBlur * self, GstHeadBlurImage * image,
    const GstHeadBlurSettings * s, GArray * heads, GError ** error)
{
  GstHeadBlurDetectParams params = {
    .inference_width = s->inference_width,
    .threshold = s->threshold,
    .person_inference_width = s->person_inference_width,
    .person_threshold = s->person_threshold,
    .padding = s->padding,
  };

  return gst_head_blur_dnn_detect_heads (self->dnn, image, &params, heads,
      error);
}

static GstClockTime
gst_head_blur_get_frame_duration (GstHeadBlur * self)
{
  GstVideoInfo *info = &GST_VIDEO_FILTER (self)->in_info;

  if (GST_CLOCK_TIME_IS_VALID (self->frame_duration))
    return self->frame_duration;
  if (info->fps_n > 0 && info->fps_d > 0)
    return gst_util_uint64_scale_int (GST_SECOND, info->fps_d, info->fps_n);
  return FALLBACK_FRAME_DURATION;
}

/* headblur's own backlog, a fluid queue: frames come in at the pace of
 * their timestamps and each takes the wall time the element spent on it.
 * At every frame,
 *
 *   backlog = max (0, backlog + time spent on the previous frame
 *                     - pts of this frame + pts of the previous one)
 *
 * So the backlog grows only when the element itself spends more time on
 * its frames than the stream gives it: not when upstream delivers late or
 * in bursts (a decoder's B-frame reordering, a jitter buffer releasing
 * several packets, an RTCP clock jump), since those do not change the
 * frames' timestamps. Under real CPU starvation the wall time per frame
 * grows and so does the backlog. A pts that goes back counts as 0; a gap
 * (frames dropped upstream, a pause) drains the backlog.
 *
 * TRUE when the element is behind: a live pipeline (upstream says so) and
 * a backlog over two frame durations. A non-live pipeline, such as a
 * recorded segment run as fast as possible, is never behind, however
 * slowly it runs, and always gets its detections. */
static gboolean
gst_head_blur_update_backlog (GstHeadBlur * self, GstClockTime pts,
    GstClockTime duration)
{
  GstClockTime delta = 0, backlog;
  gboolean live;

  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID
      (self->backlog_pts) && pts > self->backlog_pts)
    delta = pts - self->backlog_pts;
  if (GST_CLOCK_TIME_IS_VALID (pts))
    self->backlog_pts = pts;

  GST_OBJECT_LOCK (self);
  backlog = self->backlog + self->last_processing;
  backlog = backlog > delta ? backlog - delta : 0;
  self->backlog = backlog;
  live = self->live;
  GST_OBJECT_UNLOCK (self);

  if (live && backlog > 2 * duration) {
    GST_LOG_OBJECT (self, "behind by %" GST_TIME_FORMAT,
        GST_TIME_ARGS (backlog));
    return TRUE;
  }
  return FALSE;
}

/* The frame that came in at self->frame_start_us is done: remember the
 * wall time spent on it, for the backlog and the latency the element
 * reports (the largest recent processing time, rounded up to 10 ms; a
 * larger one posts a LATENCY message so the pipeline asks again). */
static void
gst_head_blur_frame_done (GstHeadBlur * self)
{
  GstClockTime spent, reported;
  gboolean more;

  if (self->frame_start_us == 0)
    return;
  spent = (g_get_monotonic_time () - self->frame_start_us) * GST_USECOND;
  self->frame_start_us = 0;
  self->last_processing = spent;

  GST_OBJECT_LOCK (self);
  reported = self->processing_latency;
  /* the first frame pays for the networks' warm-up: not a latency */
  more = spent > reported && self->stat_frames > 1;
  if (more)
    self->processing_latency = reported = (spent / (10 * GST_MSECOND) + 1) *
        10 * GST_MSECOND;
  GST_OBJECT_UNLOCK (self);
  if (more) {
    GST_DEBUG_OBJECT (self, "processing latency now %" GST_TIME_FORMAT,
        GST_TIME_ARGS (reported));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  }
}

/* ---- detections as metas (attach-meta, upstream-detections) ---------- */


/* upstream-detections: the "head" region-of-interest metas of @buffer,
 * clipped to the frame, into self->upstream_boxes; the consumed metas are
 * removed. Returns TRUE when a "headblur-frame" meta says the frame is
 * covered (its detector run can be skipped). */
static gboolean
gst_head_blur_read_upstream (GstHeadBlur * self, GstBuffer * buffer,
    gint width, gint height)
{
  GQuark head = g_quark_from_static_string (RB_ROI_HEAD);
  GQuark marker = g_quark_from_static_string (RB_ROI_FRAME);
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  gboolean covered = FALSE;

  while ((roi = (GstVideoRegionOfInterestMeta *)
          gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (roi->roi_type == head) {
      GstHeadBlurTrackBox b = { roi->x, roi->y, roi->w, roi->h };
      GstHeadBlurBox box;

      if (gst_head_blur_clip_box (&b, width, height, &box))
        g_array_append_val (self->upstream_boxes, box);
    } else if (roi->roi_type == marker) {
      GstStructure *st = gst_video_region_of_interest_meta_get_param (roi,
          RB_ROI_FRAME);
      gboolean c = FALSE;

      if (st && gst_structure_get_boolean (st, "covered", &c) && c)
        covered = TRUE;
    }
  }
  if (gst_buffer_is_writable (buffer))
    gst_buffer_foreach_meta (buffer, rb_roi_remove_headblur, NULL);
  return covered;
}

static void
gst_head_blur_add_roi (GstBuffer * buffer, const GstHeadBlurBox * b,
    const gchar * source)
{
  GstVideoRegionOfInterestMeta *roi;

  roi = gst_buffer_add_video_region_of_interest_meta (buffer, RB_ROI_HEAD,
      b->x, b->y, b->width, b->height);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("headblur-box", "source", G_TYPE_STRING, source,
          "score", G_TYPE_DOUBLE, (gdouble) b->score, NULL));
}

/* attach-meta: the frame's detections, masked boxes and a headblur-frame
 * marker as region-of-interest metas on @buffer (writable); @corrupt: the
 * frame is masked whole for corruption. */
static void
gst_head_blur_attach_meta (GstHeadBlur * self, GstBuffer * buffer,
    const GstHeadBlurSettings * s, gboolean full_frame, gboolean corrupt)
{
  GstVideoRegionOfInterestMeta *roi;
  guint i;

  for (i = 0; i < self->det_boxes->len; i++)
    gst_head_blur_add_roi (buffer, &g_array_index (self->det_boxes,
            GstHeadBlurBox, i), "det");
  for (i = 0; !full_frame && i < self->boxes->len; i++) {
    GstHeadBlurBox b = g_array_index (self->boxes, GstHeadBlurBox, i);

    b.score = 0;
    gst_head_blur_add_roi (buffer, &b, "track");
  }
  roi = gst_buffer_add_video_region_of_interest_meta (buffer, RB_ROI_FRAME, 0,
      0, 0, 0);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new (RB_ROI_FRAME, "detected", G_TYPE_BOOLEAN,
          self->frame_detected, "overload", G_TYPE_BOOLEAN, full_frame,
          "corrupt", G_TYPE_BOOLEAN, corrupt,
          "detection-interval", G_TYPE_UINT, s->detection_interval, NULL));
}

/* ---- corrupt input (issue 16) ---------------------------------------- */

/* Whether @buffer is flagged CORRUPTED (a decoder output it with errors or
 * after a loss). Counts it; at the start of a run of flagged frames, also
 * masks whole (or drops, per corrupt-mode) the frames held back by the
 * look-ahead, where the damage may have begun unnoticed, and counts
 * them. */
static gboolean
gst_head_blur_check_corrupt (GstHeadBlur * self, GstBuffer * buffer,
    GstHeadBlurCorruptMode mode)
{
  guint earlier = 0;

  if (G_LIKELY (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_CORRUPTED))) {
    self->in_corruption = FALSE;
    return FALSE;
  }
  if (!self->in_corruption && self->queue != NULL)
    earlier = mode == GST_HEAD_BLUR_CORRUPT_MODE_DROP ?
        gst_head_blur_lookahead_drop_all (self->queue) :
        gst_head_blur_lookahead_mark_whole (self->queue);
  GST_LOG_OBJECT (self, "frame %" GST_TIME_FORMAT " flagged corrupted: %s%s",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)),
      mode == GST_HEAD_BLUR_CORRUPT_MODE_DROP ? "dropped" : "masked whole",
      earlier ? ", with the frames held back before it" : "");
  if (!self->in_corruption)
    GST_DEBUG_OBJECT (self, "corrupted frames from %" GST_TIME_FORMAT
        " on (%u held back before it too)",
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), earlier);
  self->in_corruption = TRUE;
  GST_OBJECT_LOCK (self);
  self->stat_frames++;
  self->stat_corrupt += 1 + earlier;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* A corrupted frame is not analysed: nothing of it is detected or tracked,
 * and the detections upstream put on it are dropped. */
static void
gst_head_blur_skip_frame (GstHeadBlur * self, GstBuffer * buffer)
{
  g_array_set_size (self->boxes, 0);
  g_array_set_size (self->det_boxes, 0);
  self->frame_detected = FALSE;
  if (gst_buffer_is_writable (buffer))
    gst_buffer_foreach_meta (buffer, rb_roi_remove_headblur, NULL);
}

/* Decides what to mask in the frame @image (@buffer): runs the detector
 * when it is due and the element is not late, updates the tracks, and
 * fills self->boxes with the heads to mask (or sets *@full_frame). New and
 * re-acquired tracks are appended to self->hits. */
static gboolean
gst_head_blur_analyse (GstHeadBlur * self, GstHeadBlurImage * image,
    GstBuffer * buffer, const GstHeadBlurSettings * s, GstClockTime * pts_out,
    gboolean * full_frame)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstClockTime duration;
  gboolean due, late, detect, overload = FALSE;
  guint64 detect_time = 0;
  GError *err = NULL;
  guint i;

  *full_frame = FALSE;
  g_array_set_size (self->boxes, 0);
  g_array_set_size (self->track_boxes, 0);
  g_array_set_size (self->hits, 0);
  g_array_set_size (self->det_boxes, 0);
  g_array_set_size (self->upstream_boxes, 0);
  self->frame_detected = FALSE;
  self->frame_covered = s->upstream_detections
      && gst_head_blur_read_upstream (self, buffer, image->width,
      image->height);

  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    self->frame_duration = GST_BUFFER_DURATION (buffer);
  duration = gst_head_blur_get_frame_duration (self);
  if (!GST_CLOCK_TIME_IS_VALID (pts))   /* tracking needs a time */
    pts = GST_CLOCK_TIME_IS_VALID (self->last_pts) ?
        self->last_pts + duration : 0;
  self->last_pts = pts;
  *pts_out = pts;

  if (s->threads != self->applied_threads) {
    if (!gst_head_blur_dnn_set_threads (s->threads, &err)) {
      GST_WARNING_OBJECT (self, "%s", err->message);
      g_clear_error (&err);
    }
    self->applied_threads = s->threads;
  }
  gst_head_blur_tracker_set_hold_time (self->tracker, s->hold_time);

  /* a frame the upstream detections cover is due only for a check */
  if (self->frame_covered)
    due = s->upstream_check_interval > 0
        && self->frames_since_detection + 1 >= s->upstream_check_interval;
  else
    due = !self->detected_once
        || self->frames_since_detection + 1 >= s->detection_interval;
  late = gst_head_blur_update_backlog (self, GST_BUFFER_PTS (buffer),
      duration);
  /* the first frame always runs the detector: it gives the tracks */
  detect = due && (!late || !self->detected_once);

  if (detect) {
    GArray *heads = self->boxes;
    GArray *dets;
    gint64 t0 = g_get_monotonic_time ();

    if (!gst_head_blur_detect_heads (self, image, s, heads, &err)) {
      GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
          ("Face detection failed; dropping the stream rather than passing "
              "frames through unmasked."), ("%s", err->message));
      g_clear_error (&err);
      return FALSE;
    }
    detect_time = (g_get_monotonic_time () - t0) * GST_USECOND;
    self->frame_detected = TRUE;
    if (s->attach_meta)
      g_array_append_vals (self->det_boxes, heads->data, heads->len);
    dets = g_array_sized_new (FALSE, FALSE, sizeof (GstHeadBlurTrackBox),
        heads->len);
    for (i = 0; i < heads->len; i++) {
      const GstHeadBlurBox *h = &g_array_index (heads, GstHeadBlurBox, i);
      GstHeadBlurTrackBox b = { h->x, h->y, h->width, h->height };

      g_array_append_val (dets, b);
    }
    gst_head_blur_tracker_update (self->tracker,
        (const GstHeadBlurTrackBox *) dets->data, dets->len, pts, self->hits);
    g_array_unref (dets);
    g_array_set_size (self->boxes, 0);
    self->detected_once = TRUE;
    self->frames_since_detection = 0;
    self->last_detection_pts = pts;
  } else {
    self->frames_since_detection++;
    if (self->frame_covered)
      self->last_detection_pts = pts;
  }

  if (late && !detect) {
    GstClockTime age = pts > self->last_detection_pts ?
        pts - self->last_detection_pts : self->last_detection_pts - pts;
    overload = age > s->max_detection_age;
  }

  if (overload && s->overload_mode == GST_HEAD_BLUR_OVERLOAD_MODE_FULL_FRAME) {
    *full_frame = TRUE;
  } else {
    gst_head_blur_tracker_predict (self->tracker, pts, overload,
        self->track_boxes);
    for (i = 0; i < self->track_boxes->len; i++) {
      GstHeadBlurTrackBox *b =
          &g_array_index (self->track_boxes, GstHeadBlurTrackBox, i);
      GstHeadBlurBox box;

      if (overload) {
        gdouble cx = b->x + b->width / 2.0, cy = b->y + b->height / 2.0;

        b->width *= OVERLOAD_ENLARGE;
        b->height *= OVERLOAD_ENLARGE;
        b->x = cx - b->width / 2.0;
        b->y = cy - b->height / 2.0;
      }
      if (gst_head_blur_clip_box (b, image->width, image->height, &box))
        g_array_append_val (self->boxes, box);
    }
    g_array_append_vals (self->boxes, self->upstream_boxes->data,
        self->upstream_boxes->len);
  }

  GST_LOG_OBJECT (self, "frame %" GST_TIME_FORMAT ": %s, %u boxes%s",
      GST_TIME_ARGS (pts), detect ? "detected" : (due ? "detection skipped" :
          "tracked"), self->boxes->len, overload ? ", overload" : "");

  GST_OBJECT_LOCK (self);
  self->stat_frames++;
  if (detect) {
    self->stat_detections++;
    self->stat_detection_time += detect_time;
  } else if (due && late) {
    self->stat_skipped++;
  }
  if (overload)
    self->stat_overload++;
  if (self->frame_covered)
    self->stat_upstream++;
  self->stat_tracks = gst_head_blur_tracker_n_tracks (self->tracker);
  GST_OBJECT_UNLOCK (self);

  if (overload) {
    gint64 now = g_get_monotonic_time ();

    if (self->last_overload_msg == 0
        || now - self->last_overload_msg >= G_USEC_PER_SEC) {
      GstStructure *st;

      self->last_overload_msg = now;
      GST_OBJECT_LOCK (self);
      st = gst_structure_new ("headblur-overload",
          "overload-frames", G_TYPE_UINT64, self->stat_overload,
          "skipped-detections", G_TYPE_UINT64, self->stat_skipped, NULL);
      GST_OBJECT_UNLOCK (self);
      GST_INFO_OBJECT (self, "overload: %" GST_PTR_FORMAT, st);
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_element (GST_OBJECT (self), st));
    }
  }
  return TRUE;
}

/* Masks @boxes (or the whole frame) and the privacy zones in @image. */
static gboolean
gst_head_blur_apply (GstHeadBlur * self, GstHeadBlurImage * image,
    const GstVideoInfo * info, const GstHeadBlurSettings * s,
    const GArray * boxes, gboolean full_frame)
{
  GError *err = NULL;
  guint8 fill[3];
  guint i, j;

  gst_head_blur_fill_bytes (info, s->fill_color, fill);
  if (full_frame) {
    GstHeadBlurBox all = { 0, 0, image->width, image->height, 0.0f };

    if (!gst_head_blur_dnn_mask (image, &all, 1, (GstHeadBlurDnnMode) s->mode,
            fill, &err))
      goto failed;
    return TRUE;                /* nothing left to hide */
  }
  if (boxes->len > 0 && !gst_head_blur_dnn_mask (image,
          (const GstHeadBlurBox *) boxes->data, boxes->len,
          (GstHeadBlurDnnMode) s->mode, fill, &err))
    goto failed;

  for (i = 0; s->zones && i < s->zones->len; i++) {
    GArray *poly = g_ptr_array_index (s->zones, i);
    guint n = poly->len / 2;
    gint *pts = g_newa (gint, poly->len);

    for (j = 0; j < n; j++) {
      pts[2 * j] = (gint) lround (g_array_index (poly, gdouble, 2 * j) *
          image->width);
      pts[2 * j + 1] = (gint) lround (g_array_index (poly, gdouble,
              2 * j + 1) * image->height);
    }
    if (!gst_head_blur_dnn_mask_polygon (image, pts, n,
            (GstHeadBlurDnnMode) s->mode, fill, &err))
      goto failed;
  }
  return TRUE;

failed:
  GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (NULL), ("%s", err->message));
  g_clear_error (&err);
  return FALSE;
}

/* Checks what every frame needs before it can be masked. */
static gboolean
gst_head_blur_check_ready (GstHeadBlur * self, const GstHeadBlurSettings * s)
{
  if (G_UNLIKELY (self->dnn == NULL || self->tracker == NULL)) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (NULL),
        ("no face detector loaded"));
    return FALSE;
  }
  if (G_UNLIKELY (s->zones_error != NULL)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid privacy-zones \"%s\".", GST_STR_NULL (s->privacy_zones)),
        ("%s", s->zones_error));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_head_blur_map_image (GstHeadBlur * self, GstVideoFrame * frame,
    GstHeadBlurImage * image)
{
  if (!gst_head_blur_fill_image (frame, image)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("unsupported format %s",
            gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame))));
    return FALSE;
  }
  return TRUE;
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
      gst_head_blur_attach_meta (self, frame->buffer, &s, full_frame,
          corrupt);
    ret = GST_FLOW_OK;
  }
  gst_head_blur_settings_clear (&s);
  gst_head_blur_frame_done (self);
  return ret;
}

/* lookahead > 0: analyses the frame now, queues it and back-projects new
 * detections into the frames already queued (gstheadblur-lookahead.c). */
static GstFlowReturn
gst_head_blur_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);
  GstHeadBlurSettings s;
  GstHeadBlurImage image = { 0, };
  GstVideoFrame frame;
  GstClockTime pts;
  gboolean ok, full_frame;

  if (self->lookahead == 0) {
    GstHeadBlurCorruptMode mode;

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

  if (!filter->negotiated) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("buffer before caps"));
    gst_buffer_unref (input);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  self->frame_start_us = g_get_monotonic_time ();
  gst_head_blur_settings_copy (self, &s);
  if (!gst_head_blur_check_ready (self, &s)) {
    gst_head_blur_settings_clear (&s);
    gst_buffer_unref (input);
    return GST_FLOW_ERROR;
  }

  if (gst_head_blur_check_corrupt (self, input, s.corrupt_mode)) {
    if (s.corrupt_mode == GST_HEAD_BLUR_CORRUPT_MODE_DROP) {
      gst_buffer_unref (input);
    } else {
      /* masked whole when it leaves the queue */
      input = gst_buffer_make_writable (input);
      gst_head_blur_skip_frame (self, input);
      pts = GST_BUFFER_PTS (input);
      if (!GST_CLOCK_TIME_IS_VALID (pts))
        pts = GST_CLOCK_TIME_IS_VALID (self->last_pts) ? self->last_pts +
            gst_head_blur_get_frame_duration (self) : 0;
      self->last_pts = pts;
      if (s.attach_meta)
        gst_head_blur_attach_meta (self, input, &s, TRUE, TRUE);
      gst_head_blur_lookahead_push (self->queue, input, pts, self->boxes,
          TRUE);
    }
    gst_head_blur_settings_clear (&s);
    return GST_FLOW_OK;
  }

  /* the frame is masked later, when it leaves the queue */
  input = gst_buffer_make_writable (input);
  if (!gst_video_frame_map (&frame, &filter->in_info, input, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("cannot map the input frame"));
    gst_head_blur_settings_clear (&s);
    gst_buffer_unref (input);
    return GST_FLOW_ERROR;
  }
  ok = gst_head_blur_map_image (self, &frame, &image)
      && gst_head_blur_analyse (self, &image, input, &s, &pts, &full_frame);
  gst_video_frame_unmap (&frame);
  if (!ok) {
    gst_head_blur_settings_clear (&s);
    gst_buffer_unref (input);
    return GST_FLOW_ERROR;
  }
  if (s.attach_meta)
    gst_head_blur_attach_meta (self, input, &s, full_frame, FALSE);
  gst_head_blur_lookahead_push (self->queue, input, pts, self->boxes,
      full_frame);
  /* a track seen again after more than 1.5 detection intervals starts a
   * new run */
  gst_head_blur_lookahead_backproject (self->queue, self->hits,
      gst_head_blur_get_frame_duration (self) * s.detection_interval * 3 / 2,
      image.width, image.height);
  gst_head_blur_settings_clear (&s);
  return GST_FLOW_OK;
}

/* Masks the oldest queued frame and hands it out. */
static GstFlowReturn
gst_head_blur_pop_masked (GstHeadBlur * self, GstBuffer ** outbuf)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstHeadBlurSettings s;
  GstHeadBlurImage image = { 0, };
  GstVideoFrame frame;
  GArray *boxes;
  gboolean ok, full_frame;
  GstBuffer *buffer;

  *outbuf = NULL;
  buffer = gst_head_blur_lookahead_pop (self->queue, &boxes, &full_frame);
  if (!gst_video_frame_map (&frame, &filter->in_info, buffer,
          GST_MAP_READWRITE)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("cannot map a queued frame"));
    ok = FALSE;
  } else {
    gst_head_blur_settings_copy (self, &s);
    ok = gst_head_blur_check_ready (self, &s)
        && gst_head_blur_map_image (self, &frame, &image)
        && gst_head_blur_apply (self, &image, &frame.info, &s, boxes,
        full_frame);
    gst_head_blur_settings_clear (&s);
    gst_video_frame_unmap (&frame);
  }
  g_array_unref (boxes);
  if (!ok) {
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  *outbuf = buffer;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_head_blur_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  GstHeadBlur *self = GST_HEAD_BLUR (trans);
  GstFlowReturn ret;

  if (self->lookahead == 0)
    return GST_BASE_TRANSFORM_CLASS (gst_head_blur_parent_class)->
        generate_output (trans, outbuf);

  *outbuf = NULL;
  if (gst_head_blur_lookahead_length (self->queue) <= self->lookahead)
    ret = GST_FLOW_OK;
  else
    ret = gst_head_blur_pop_masked (self, outbuf);
  gst_head_blur_frame_done (self);
  return ret;
}

/* Masks and pushes every queued frame (EOS, caps or segment change). */
static GstFlowReturn
gst_head_blur_drain (GstHeadBlur * self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  GST_DEBUG_OBJECT (self, "draining %u queued frames",
      gst_head_blur_lookahead_length (self->queue));
  while (gst_head_blur_lookahead_length (self->queue) > 0) {
    GstBuffer *out;

    ret = gst_head_blur_pop_masked (self, &out);
    if (ret != GST_FLOW_OK)
      break;
    ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), out);
    if (ret != GST_FLOW_OK)
      break;
  }
  /* whatever could not be masked or pushed is dropped, never passed */
  gst_head_blur_lookahead_clear (self->queue);
  return ret;
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
      self->detected_once = FALSE;
      self->frames_since_detection = 0;
      self->last_pts = GST_CLOCK_TIME_NONE;
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
    guint lookahead;
    gboolean live;
    GstClockTime min, max, add;

    /* what the element adds: the frames held back by lookahead, and its
     * own processing time (the largest seen, see
     * gst_head_blur_frame_done()) */
    GST_OBJECT_LOCK (self);
    lookahead = self->settings.lookahead;
    add = self->processing_latency;
    GST_OBJECT_UNLOCK (self);
    add += lookahead * gst_head_blur_get_frame_duration (self);
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
