/* rtsp-blur: safedec element
 * Copyright (C) 2026 rtsp-blur contributors
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
 * SECTION:element-safedec
 * @title: safedec
 *
 * safedec decodes H.264, H.265 and Motion JPEG (parsed JPEG images, as
 * jpegparse gives them) with libavcodec, the library behind avdec_h264,
 * avdec_h265 and avdec_mjpeg, and flags with %GST_BUFFER_FLAG_CORRUPTED
 * every frame it cannot vouch for, so that a filter downstream (headblur
 * masks such frames whole) never shows decoder garbage. A frame is flagged
 * when:
 *
 * - libavcodec reports an error in it: its `decode_error_flags` (invalid
 *   bitstream, a missing reference, concealed macroblocks, slices that
 *   could not be decoded), or its corrupt flag (decoded before the stream
 *   recovered);
 * - or it was submitted (in decoding order) after such a frame, from an
 *   input buffer flagged CORRUPTED or DISCONT on (the DISCONT of the first
 *   buffers after a start or flush excepted), after a GAP event
 *   flagged %GST_GAP_FLAG_MISSING_DATA (RTP packet loss reported by the
 *   jitter buffer), after a packet libavcodec failed to decode (then
 *   every frame not out yet too), or after a start,
 *   flush or new codec configuration, and it comes out before the next
 *   clean key frame submitted after the last such event: an IDR or
 *   recovery point (libavcodec's key frame) or, in an H.264 stream with a
 *   single reference frame, an I frame. Every JPEG image is a key frame:
 *   only the image that libavcodec reports damaged, or one that came
 *   flagged CORRUPTED, is flagged.
 *
 * Frames decoded before the first key frame are output flagged (not
 * dropped), so a live stream that starts in the middle of a GOP shows
 * flagged frames rather than none. safedec never drops a frame itself,
 * unless #GstVideoDecoder:discard-corrupted-frames is set, but for a JPEG
 * image libavcodec cannot decode whole: its JPEG decoder conceals damage
 * without reporting it, so safedec has it fail such an image
 * (`AV_EF_EXPLODE`), which then does not come out.
 *
 * Why not avdec_h264: in GStreamer 1.22 it flags only the frames decoded
 * before the first key frame (libavcodec's corrupt flag); it ignores
 * `decode_error_flags`, and GstVideoDecoder clears DELTA_UNIT and does not
 * pass DISCONT on its output, so nothing downstream can tell a concealed
 * frame, or one decoded after a loss, from a good one.
 *
 * Limits: libavcodec sees a bit error only when it makes the bitstream
 * invalid, and reports it when the frame comes out. With CAVLC (H.264
 * baseline, and main without CABAC) most errors are caught in the frame
 * they hit. With CABAC (H.264 main and high, and all of H.265) many are
 * not: the frames of a GOP before its first detected error pass
 * unflagged, and libavcodec 5.1 reports almost nothing for H.265. B-frames
 * that reference a damaged frame but are shown before it pass unflagged
 * too. headblur's look-ahead masks the frames it holds back before a
 * flagged one (#GstHeadBlur:corrupt-mode). bench/corrupt/README.md gives
 * the measurements.
 *
 * Threads as avdec uses them: slice threads in a live pipeline (no added
 * latency), slice and frame threads otherwise. The pictures are copied out
 * of libavcodec into buffers from the negotiated pool. Counters:
 * #GstSafeDec:stats.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://camera/stream ! rtph264depay ! \
 *     h264parse ! safedec ! videoconvert ! headblur ! videoconvert ! \
 *     autovideosink
 * ]| Every frame safedec flags is masked whole by headblur.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsafedec.h"

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_safe_dec_debug);
#define GST_CAT_DEFAULT gst_safe_dec_debug
GST_DEBUG_CATEGORY_STATIC (gst_safe_dec_libav_debug);

enum
{
  PROP_0,
  PROP_STATS,
};

/* frames, in output order, that can be waiting for an earlier one (B-frame
 * reordering, frame threads): a frame pending for longer never comes */
#define MAX_PENDING_DISTANCE 64

struct _GstSafeDec
{
  GstVideoDecoder parent;

  /* streaming thread only */
  AVCodecContext *ctx;
  enum AVCodecID codec_id;
  GstBuffer *codec_data;        /* of the open context, or NULL */
  AVPacket *packet;
  AVFrame *picture;
  guint8 *padded;               /* input copy with libavcodec's padding */
  gsize padded_size;
  GstVideoCodecState *input_state;
  /* the negotiated output */
  enum AVPixelFormat out_pix_fmt;
  gint out_width, out_height, out_par_n, out_par_d;
  enum AVColorRange out_range;
  enum AVColorSpace out_matrix;
  enum AVColorPrimaries out_primaries;
  enum AVColorTransferCharacteristic out_transfer;
  gint out_has_b_frames;
  /* taint: the frames submitted from taint_from on are flagged until a
   * clean key frame submitted from clear_from on comes out */
  gboolean tainted;
  guint32 taint_from, clear_from;
  guint32 next_number;          /* system_frame_number of the next input */
  gboolean have_input;          /* a frame without DISCONT came since the
                                 * start or flush */

  /* protected by GST_OBJECT_LOCK */
  guint64 stat_frames;
  guint64 stat_corrupt;
  guint64 stat_errors;
  guint64 stat_losses;
  guint64 stat_failed;
};

/* *INDENT-OFF* */
#define SINK_CAPS \
    "video/x-h264, stream-format = (string) { avc, avc3, byte-stream }, " \
    "alignment = (string) au; " \
    "video/x-h265, stream-format = (string) { hvc1, hev1, byte-stream }, " \
    "alignment = (string) au; " \
    "image/jpeg, parsed = (boolean) true"
#define SRC_FORMATS \
    "{ I420, Y42B, Y444, NV12, GRAY8, I420_10LE, I422_10LE, Y444_10LE }"
/* *INDENT-ON* */

static GstStaticPadTemplate gst_safe_dec_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (SINK_CAPS));

static GstStaticPadTemplate gst_safe_dec_src_template =
GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (SRC_FORMATS)));

G_DEFINE_TYPE (GstSafeDec, gst_safe_dec, GST_TYPE_VIDEO_DECODER);
GST_ELEMENT_REGISTER_DEFINE (safedec, "safedec", GST_RANK_NONE,
    GST_TYPE_SAFE_DEC);

static void gst_safe_dec_finalize (GObject * object);
static void gst_safe_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_safe_dec_start (GstVideoDecoder * decoder);
static gboolean gst_safe_dec_stop (GstVideoDecoder * decoder);
static gboolean gst_safe_dec_set_format (GstVideoDecoder * decoder,
    GstVideoCodecState * state);
static GstFlowReturn gst_safe_dec_handle_frame (GstVideoDecoder * decoder,
    GstVideoCodecFrame * frame);
static GstFlowReturn gst_safe_dec_finish (GstVideoDecoder * decoder);
static GstFlowReturn gst_safe_dec_drain (GstVideoDecoder * decoder);
static gboolean gst_safe_dec_flush (GstVideoDecoder * decoder);
static gboolean gst_safe_dec_sink_event (GstVideoDecoder * decoder,
    GstEvent * event);

/* libavcodec's messages go to the safedec-libav debug category, not to
 * stderr: a damaged stream makes it report every error it meets, and those
 * are counted in the stats (gst-libav installs the same kind of handler
 * when it is loaded; libavutil has one, process-wide). */
static void
gst_safe_dec_log (void *ptr, int level, const char *fmt, va_list args)
{
  GstDebugLevel gst_level = level <= AV_LOG_WARNING ? GST_LEVEL_INFO :
      level <= AV_LOG_INFO ? GST_LEVEL_DEBUG : GST_LEVEL_LOG;
  gchar line[512];
  gsize len;

  if (gst_level > gst_debug_category_get_threshold (gst_safe_dec_libav_debug))
    return;
  vsnprintf (line, sizeof line, fmt, args);
  len = strlen (line);
  if (len > 0 && line[len - 1] == '\n')
    line[len - 1] = '\0';
  GST_CAT_LEVEL_LOG (gst_safe_dec_libav_debug, gst_level, NULL, "%s", line);
}

static void
gst_safe_dec_class_init (GstSafeDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *dec_class = GST_VIDEO_DECODER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_safe_dec_debug, "safedec", 0,
      "H.264/H.265 decoder flagging the frames it cannot vouch for");
  GST_DEBUG_CATEGORY_INIT (gst_safe_dec_libav_debug, "safedec-libav", 0,
      "libavcodec's messages, through safedec");
  av_log_set_callback (gst_safe_dec_log);

  gobject_class->finalize = gst_safe_dec_finalize;
  gobject_class->get_property = gst_safe_dec_get_property;

  /**
   * GstSafeDec:stats:
   *
   * Counters since the element started, as a #GstStructure named
   * `safedec-stats` with the fields (all #guint64):
   *
   * - `frames`: frames output
   * - `corrupt-frames`: of those, frames flagged
   *   %GST_BUFFER_FLAG_CORRUPTED (see the element's description)
   * - `decode-errors`: frames libavcodec reported an error in or flagged
   *   corrupt
   * - `losses`: input buffers flagged DISCONT or CORRUPTED and GAP events
   *   flagged missing data (the DISCONT buffers that open a stream, after
   *   a start or flush, do not count)
   * - `failed-decodes`: times libavcodec failed to decode a packet (its
 *   frame never comes out; the frames not out yet are flagged)
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters: frames, corrupt-frames, decode-errors, losses, "
          "failed-decodes", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class,
      &gst_safe_dec_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_safe_dec_src_template);
  gst_element_class_set_static_metadata (element_class,
      "Safe H.264/H.265 decoder", "Codec/Decoder/Video",
      "Decodes H.264 and H.265 with libavcodec and flags as corrupted every "
      "frame decoded with errors or after a loss, until the next clean key "
      "frame", "rtsp-blur contributors");

  dec_class->start = GST_DEBUG_FUNCPTR (gst_safe_dec_start);
  dec_class->stop = GST_DEBUG_FUNCPTR (gst_safe_dec_stop);
  dec_class->set_format = GST_DEBUG_FUNCPTR (gst_safe_dec_set_format);
  dec_class->handle_frame = GST_DEBUG_FUNCPTR (gst_safe_dec_handle_frame);
  dec_class->finish = GST_DEBUG_FUNCPTR (gst_safe_dec_finish);
  dec_class->drain = GST_DEBUG_FUNCPTR (gst_safe_dec_drain);
  dec_class->flush = GST_DEBUG_FUNCPTR (gst_safe_dec_flush);
  dec_class->sink_event = GST_DEBUG_FUNCPTR (gst_safe_dec_sink_event);
}

static void
gst_safe_dec_init (GstSafeDec * self)
{
  gst_video_decoder_set_packetized (GST_VIDEO_DECODER (self), TRUE);
  gst_video_decoder_set_needs_format (GST_VIDEO_DECODER (self), TRUE);
  gst_video_decoder_set_use_default_pad_acceptcaps (GST_VIDEO_DECODER_CAST
      (self), TRUE);
  GST_PAD_SET_ACCEPT_TEMPLATE (GST_VIDEO_DECODER_SINK_PAD (self));
}

static void
gst_safe_dec_close (GstSafeDec * self)
{
  avcodec_free_context (&self->ctx);
  gst_clear_buffer (&self->codec_data);
  self->codec_id = AV_CODEC_ID_NONE;
  self->out_pix_fmt = AV_PIX_FMT_NONE;
}

static void
gst_safe_dec_finalize (GObject * object)
{
  GstSafeDec *self = GST_SAFE_DEC (object);

  gst_safe_dec_close (self);
  av_packet_free (&self->packet);
  av_frame_free (&self->picture);
  g_free (self->padded);
  G_OBJECT_CLASS (gst_safe_dec_parent_class)->finalize (object);
}

static void
gst_safe_dec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstSafeDec *self = GST_SAFE_DEC (object);

  switch (prop_id) {
    case PROP_STATS:
      GST_OBJECT_LOCK (self);
      g_value_take_boxed (value, gst_structure_new ("safedec-stats",
              "frames", G_TYPE_UINT64, self->stat_frames,
              "corrupt-frames", G_TYPE_UINT64, self->stat_corrupt,
              "decode-errors", G_TYPE_UINT64, self->stat_errors,
              "losses", G_TYPE_UINT64, self->stat_losses,
              "failed-decodes", G_TYPE_UINT64, self->stat_failed, NULL));
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* The frames submitted as frame @from or later are flagged until a clean
 * key frame submitted after the last such event comes out. */
static void
gst_safe_dec_taint (GstSafeDec * self, guint32 from, const gchar * why,
    gboolean loss)
{
  GST_DEBUG_OBJECT (self, "flagging the frames from frame %u on until a "
      "clean key frame: %s", from, why);
  if (!self->tainted) {
    self->taint_from = self->clear_from = from;
  } else {
    if ((gint32) (from - self->taint_from) < 0)
      self->taint_from = from;
    if ((gint32) (from - self->clear_from) > 0)
      self->clear_from = from;
  }
  self->tainted = TRUE;
  if (loss) {
    GST_OBJECT_LOCK (self);
    self->stat_losses++;
    GST_OBJECT_UNLOCK (self);
  }
}

static gboolean
gst_safe_dec_start (GstVideoDecoder * decoder)
{
  GstSafeDec *self = GST_SAFE_DEC (decoder);

  if (self->packet == NULL)
    self->packet = av_packet_alloc ();
  if (self->picture == NULL)
    self->picture = av_frame_alloc ();
  if (self->packet == NULL || self->picture == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("cannot allocate libavcodec packet or frame"));
    return FALSE;
  }
  self->tainted = TRUE;
  self->taint_from = self->clear_from = 0;
  self->next_number = 0;
  self->have_input = FALSE;
  self->out_pix_fmt = AV_PIX_FMT_NONE;
  GST_OBJECT_LOCK (self);
  self->stat_frames = self->stat_corrupt = self->stat_errors = 0;
  self->stat_losses = self->stat_failed = 0;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_safe_dec_stop (GstVideoDecoder * decoder)
{
  GstSafeDec *self = GST_SAFE_DEC (decoder);

  gst_safe_dec_close (self);
  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  g_clear_pointer (&self->padded, g_free);
  self->padded_size = 0;
  return TRUE;
}

/* Whether the open context can go on with @state: same codec, same
 * codec_data. */
static gboolean
gst_safe_dec_same_stream (GstSafeDec * self, enum AVCodecID id,
    GstBuffer * codec_data)
{
  if (self->ctx == NULL || self->codec_id != id)
    return FALSE;
  if ((self->codec_data == NULL) != (codec_data == NULL))
    return FALSE;
  if (codec_data != NULL) {
    GstMapInfo a, b;
    gboolean same;

    if (!gst_buffer_map (self->codec_data, &a, GST_MAP_READ))
      return FALSE;
    if (!gst_buffer_map (codec_data, &b, GST_MAP_READ)) {
      gst_buffer_unmap (self->codec_data, &a);
      return FALSE;
    }
    same = a.size == b.size && memcmp (a.data, b.data, a.size) == 0;
    gst_buffer_unmap (codec_data, &b);
    gst_buffer_unmap (self->codec_data, &a);
    return same;
  }
  return TRUE;
}

static gboolean
gst_safe_dec_open (GstSafeDec * self, enum AVCodecID id,
    GstBuffer * codec_data)
{
  const AVCodec *codec = avcodec_find_decoder (id);
  GstQuery *query;
  gboolean live = FALSE;
  gint ret;

  if (codec == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("libavcodec has no %s decoder", avcodec_get_name (id)));
    return FALSE;
  }
  self->ctx = avcodec_alloc_context3 (codec);
  if (self->ctx == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("cannot allocate a libavcodec context"));
    return FALSE;
  }
  if (codec_data != NULL) {
    GstMapInfo map;

    if (!gst_buffer_map (codec_data, &map, GST_MAP_READ))
      goto failed;
    self->ctx->extradata = av_mallocz (map.size + AV_INPUT_BUFFER_PADDING_SIZE);
    if (self->ctx->extradata == NULL) {
      gst_buffer_unmap (codec_data, &map);
      goto failed;
    }
    memcpy (self->ctx->extradata, map.data, map.size);
    self->ctx->extradata_size = map.size;
    gst_buffer_unmap (codec_data, &map);
  }

  /* as avdec does: frame threads add a frame of latency per thread, so a
   * live pipeline gets slice threads only */
  query = gst_query_new_latency ();
  if (gst_pad_peer_query (GST_VIDEO_DECODER_SINK_PAD (self), query))
    gst_query_parse_latency (query, &live, NULL, NULL);
  gst_query_unref (query);
  if (live) {
    self->ctx->thread_type = FF_THREAD_SLICE;
    self->ctx->thread_count = 0;
    self->ctx->strict_std_compliance = FF_COMPLIANCE_NORMAL;
  } else {
    self->ctx->thread_type = FF_THREAD_SLICE | FF_THREAD_FRAME;
    self->ctx->thread_count = MIN (g_get_num_processors (), 16);
    self->ctx->strict_std_compliance = FF_COMPLIANCE_STRICT;
  }
  /* frames decoded before the stream recovered come out, flagged corrupt:
   * safedec flags them in turn rather than holding a live stream back */
  self->ctx->flags |= AV_CODEC_FLAG_OUTPUT_CORRUPT;
  self->ctx->workaround_bugs |= FF_BUG_AUTODETECT;
  self->ctx->err_recognition = AV_EF_CRCCHECK;
  /* the JPEG decoder conceals damaged data without a word
   * (decode_error_flags stay 0): with explode it fails the image instead,
   * which then never comes out */
  if (id == AV_CODEC_ID_MJPEG)
    self->ctx->err_recognition |= AV_EF_EXPLODE | AV_EF_BITSTREAM |
        AV_EF_BUFFER;

  ret = avcodec_open2 (self->ctx, codec, NULL);
  if (ret < 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("cannot open the libavcodec %s decoder: %s", codec->name,
            av_err2str (ret)));
    avcodec_free_context (&self->ctx);
    return FALSE;
  }
  self->codec_id = id;
  gst_buffer_replace (&self->codec_data, codec_data);
  self->out_pix_fmt = AV_PIX_FMT_NONE;
  GST_INFO_OBJECT (self, "opened %s, %s threads", codec->name,
      live ? "slice" : "slice and frame");
  return TRUE;

failed:
  GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
      ("cannot set up the libavcodec context"));
  avcodec_free_context (&self->ctx);
  return FALSE;
}

static gboolean
gst_safe_dec_set_format (GstVideoDecoder * decoder, GstVideoCodecState * state)
{
  GstSafeDec *self = GST_SAFE_DEC (decoder);
  GstStructure *s = gst_caps_get_structure (state->caps, 0);
  enum AVCodecID id;
  GstBuffer *codec_data = state->codec_data;

  if (gst_structure_has_name (s, "video/x-h264"))
    id = AV_CODEC_ID_H264;
  else if (gst_structure_has_name (s, "video/x-h265"))
    id = AV_CODEC_ID_HEVC;
  else if (gst_structure_has_name (s, "image/jpeg"))
    id = AV_CODEC_ID_MJPEG;
  else
    return FALSE;
  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  self->input_state = gst_video_codec_state_ref (state);

  /* byte-stream caps carry no codec_data; in-band parameter sets need no
   * new context */
  if (gst_safe_dec_same_stream (self, id, codec_data))
    return TRUE;
  if (self->ctx != NULL) {
    gst_safe_dec_drain (decoder);
    gst_safe_dec_close (self);
  }
  gst_safe_dec_taint (self, self->next_number, "new decoder", FALSE);
  return gst_safe_dec_open (self, id, codec_data);
}

static GstVideoFormat
gst_safe_dec_video_format (enum AVPixelFormat fmt, gboolean * full_range)
{
  *full_range = FALSE;
  switch (fmt) {
    case AV_PIX_FMT_YUVJ420P:
      *full_range = TRUE;
      /* fall through */
    case AV_PIX_FMT_YUV420P:
      return GST_VIDEO_FORMAT_I420;
    case AV_PIX_FMT_YUVJ422P:
      *full_range = TRUE;
      /* fall through */
    case AV_PIX_FMT_YUV422P:
      return GST_VIDEO_FORMAT_Y42B;
    case AV_PIX_FMT_YUVJ444P:
      *full_range = TRUE;
      /* fall through */
    case AV_PIX_FMT_YUV444P:
      return GST_VIDEO_FORMAT_Y444;
    case AV_PIX_FMT_NV12:
      return GST_VIDEO_FORMAT_NV12;
    case AV_PIX_FMT_GRAY8:
      return GST_VIDEO_FORMAT_GRAY8;
    case AV_PIX_FMT_YUV420P10LE:
      return GST_VIDEO_FORMAT_I420_10LE;
    case AV_PIX_FMT_YUV422P10LE:
      return GST_VIDEO_FORMAT_I422_10LE;
    case AV_PIX_FMT_YUV444P10LE:
      return GST_VIDEO_FORMAT_Y444_10LE;
    default:
      return GST_VIDEO_FORMAT_UNKNOWN;
  }
}

/* Negotiates the output for @pic when its format, size, aspect or
 * colorimetry changed. */
static gboolean
gst_safe_dec_negotiate_for (GstSafeDec * self, const AVFrame * pic)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  GstVideoCodecState *out;
  GstVideoFormat format;
  gboolean full_range;
  gint par_n = pic->sample_aspect_ratio.num;
  gint par_d = pic->sample_aspect_ratio.den;

  if (par_n <= 0 || par_d <= 0)
    par_n = par_d = 0;
  if (pic->format == self->out_pix_fmt && pic->width == self->out_width
      && pic->height == self->out_height && par_n == self->out_par_n
      && par_d == self->out_par_d && pic->color_range == self->out_range
      && pic->colorspace == self->out_matrix
      && pic->color_primaries == self->out_primaries
      && pic->color_trc == self->out_transfer
      && self->ctx->has_b_frames == self->out_has_b_frames
      && !gst_pad_check_reconfigure (GST_VIDEO_DECODER_SRC_PAD (self)))
    return TRUE;

  format = gst_safe_dec_video_format (pic->format, &full_range);
  if (format == GST_VIDEO_FORMAT_UNKNOWN) {
    const gchar *name = av_get_pix_fmt_name (pic->format);

    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("unsupported decoded pixel format %s", GST_STR_NULL (name)));
    return FALSE;
  }
  out = gst_video_decoder_set_output_state (decoder, format, pic->width,
      pic->height, self->input_state);
  if (par_n > 0) {
    GST_VIDEO_INFO_PAR_N (&out->info) = par_n;
    GST_VIDEO_INFO_PAR_D (&out->info) = par_d;
  }
  /* libavcodec's colour values are the ISO/IEC 23001-8 code points */
  if (pic->color_range == AVCOL_RANGE_JPEG || full_range)
    out->info.colorimetry.range = GST_VIDEO_COLOR_RANGE_0_255;
  else if (pic->color_range == AVCOL_RANGE_MPEG)
    out->info.colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
  if (gst_video_color_matrix_from_iso (pic->colorspace) !=
      GST_VIDEO_COLOR_MATRIX_UNKNOWN)
    out->info.colorimetry.matrix =
        gst_video_color_matrix_from_iso (pic->colorspace);
  if (gst_video_color_primaries_from_iso (pic->color_primaries) !=
      GST_VIDEO_COLOR_PRIMARIES_UNKNOWN)
    out->info.colorimetry.primaries =
        gst_video_color_primaries_from_iso (pic->color_primaries);
  if (gst_video_transfer_function_from_iso (pic->color_trc) !=
      GST_VIDEO_TRANSFER_UNKNOWN)
    out->info.colorimetry.transfer =
        gst_video_transfer_function_from_iso (pic->color_trc);
  gst_video_codec_state_unref (out);

  if (!gst_video_decoder_negotiate (decoder)) {
    GST_WARNING_OBJECT (self, "cannot negotiate %dx%d %s",
        pic->width, pic->height, gst_video_format_to_string (format));
    return FALSE;
  }
  self->out_pix_fmt = pic->format;
  self->out_width = pic->width;
  self->out_height = pic->height;
  self->out_par_n = par_n;
  self->out_par_d = par_d;
  self->out_range = pic->color_range;
  self->out_matrix = pic->colorspace;
  self->out_primaries = pic->color_primaries;
  self->out_transfer = pic->color_trc;
  self->out_has_b_frames = self->ctx->has_b_frames;

  /* the latency libavcodec adds: reordering, and a frame per frame
   * thread */
  if (self->input_state->info.fps_n > 0) {
    gint fps_n = self->input_state->info.fps_n;
    gint fps_d = self->input_state->info.fps_d;
    gint frames = self->ctx->has_b_frames;
    GstClockTime latency;

    if (self->ctx->active_thread_type & FF_THREAD_FRAME)
      frames += self->ctx->thread_count;
    latency = gst_util_uint64_scale_ceil (frames * GST_SECOND, fps_d, fps_n);
    gst_video_decoder_set_latency (decoder, latency, latency);
  }
  return TRUE;
}

static void
gst_safe_dec_copy (GstVideoFrame * dest, const AVFrame * pic)
{
  guint i, n = GST_VIDEO_FRAME_N_PLANES (dest);

  for (i = 0; i < n && i < AV_NUM_DATA_POINTERS; i++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint8 *d = GST_VIDEO_FRAME_PLANE_DATA (dest, i);
    const guint8 *s = pic->data[i];
    gint dstride = GST_VIDEO_FRAME_PLANE_STRIDE (dest, i);
    gint rows, bytes, y;

    gst_video_format_info_component (dest->info.finfo, i, comp);
    rows = GST_VIDEO_FRAME_COMP_HEIGHT (dest, comp[0]);
    bytes = GST_VIDEO_FRAME_COMP_WIDTH (dest, comp[0]) *
        GST_VIDEO_FRAME_COMP_PSTRIDE (dest, comp[0]);
    if (i == 1 && GST_VIDEO_FRAME_FORMAT (dest) == GST_VIDEO_FORMAT_NV12)
      bytes = GST_VIDEO_FRAME_COMP_WIDTH (dest, 1) * 2;
    bytes = MIN (bytes, MIN (dstride, ABS (pic->linesize[i])));
    for (y = 0; y < rows; y++)
      memcpy (d + (gsize) y * dstride, s + (gssize) y * pic->linesize[i],
          bytes);
  }
}

/* Releases the frames that will never come out: those before @frame in
 * output order (an earlier timestamp) and those far older in decoding
 * order, which libavcodec dropped. */
static void
gst_safe_dec_release_ghosts (GstSafeDec * self, GstVideoCodecFrame * frame)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  GList *frames = gst_video_decoder_get_frames (decoder), *l;

  for (l = frames; l != NULL; l = l->next) {
    GstVideoCodecFrame *f = l->data;
    gboolean before = GST_CLOCK_TIME_IS_VALID (f->pts)
        && GST_CLOCK_TIME_IS_VALID (frame->pts) && f->pts < frame->pts;
    gboolean old = (gint32) (frame->system_frame_number -
        f->system_frame_number) > MAX_PENDING_DISTANCE;

    if (f != frame && (before || old)) {
      GST_DEBUG_OBJECT (self, "frame %u (pts %" GST_TIME_FORMAT ") never "
          "came out of the decoder", f->system_frame_number,
          GST_TIME_ARGS (f->pts));
      gst_video_decoder_release_frame (decoder, gst_video_codec_frame_ref
          (f));
    }
  }
  g_list_free_full (frames, (GDestroyNotify) gst_video_codec_frame_unref);
}

/* Whether @pic ends a taint: a key frame (IDR or recovery point), or an I
 * frame of an H.264 stream with a single reference frame. */
static gboolean
gst_safe_dec_is_key (GstSafeDec * self, const AVFrame * pic)
{
  if (pic->key_frame)
    return TRUE;
  return self->codec_id == AV_CODEC_ID_H264
      && pic->pict_type == AV_PICTURE_TYPE_I && self->ctx->refs <= 1;
}

static GstFlowReturn
gst_safe_dec_output (GstSafeDec * self, AVFrame * pic)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  GstVideoCodecFrame *frame = NULL;
  GstVideoCodecState *state;
  GstVideoFrame vframe;
  GstFlowReturn ret;
  gboolean errors, corrupt, mapped;
  guint32 number;

  if (pic->pts != AV_NOPTS_VALUE)
    frame = gst_video_decoder_get_frame (decoder, (gint) pic->pts);
  if (frame == NULL) {
    GST_WARNING_OBJECT (self, "a picture of no known frame (pts %"
        G_GINT64_FORMAT ")", (gint64) pic->pts);
    return GST_FLOW_OK;
  }
  number = frame->system_frame_number;

  errors = pic->decode_error_flags != 0 || (pic->flags & AV_FRAME_FLAG_CORRUPT);
  corrupt = errors || (self->tainted
      && (gint32) (number - self->taint_from) >= 0);
  if (errors) {
    GST_DEBUG_OBJECT (self, "frame %u: decode errors 0x%x%s", number,
        pic->decode_error_flags,
        (pic->flags & AV_FRAME_FLAG_CORRUPT) ? ", not recovered" : "");
    /* the frames that reference this one are damaged too */
    gst_safe_dec_taint (self, number + 1, "decode errors", FALSE);
  } else if (self->tainted && gst_safe_dec_is_key (self, pic)
      && (gint32) (number - self->clear_from) >= 0) {
    GST_DEBUG_OBJECT (self, "frame %u: clean key frame", number);
    self->tainted = FALSE;
    corrupt = FALSE;
  }

  if (!gst_safe_dec_negotiate_for (self, pic)) {
    gst_video_decoder_drop_frame (decoder, frame);
    if (GST_PAD_IS_FLUSHING (GST_VIDEO_DECODER_SRC_PAD (self)))
      return GST_FLOW_FLUSHING;
    return GST_FLOW_NOT_NEGOTIATED;
  }
  ret = gst_video_decoder_allocate_output_frame (decoder, frame);
  if (ret != GST_FLOW_OK) {
    gst_video_decoder_drop_frame (decoder, frame);
    return ret;
  }
  state = gst_video_decoder_get_output_state (decoder);
  mapped = gst_video_frame_map (&vframe, &state->info, frame->output_buffer,
      GST_MAP_WRITE);
  gst_video_codec_state_unref (state);
  if (!mapped) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("cannot map an output buffer"));
    gst_video_decoder_drop_frame (decoder, frame);
    return GST_FLOW_ERROR;
  }
  gst_safe_dec_copy (&vframe, pic);
  gst_video_frame_unmap (&vframe);

  GST_OBJECT_LOCK (self);
  self->stat_frames++;
  if (errors)
    self->stat_errors++;
  if (corrupt)
    self->stat_corrupt++;
  GST_OBJECT_UNLOCK (self);
  if (corrupt)
    GST_BUFFER_FLAG_SET (frame->output_buffer, GST_BUFFER_FLAG_CORRUPTED);

  gst_safe_dec_release_ghosts (self, frame);
  return gst_video_decoder_finish_frame (decoder, frame);
}

/* libavcodec failed to decode a packet, this one or (frame threads) an
 * earlier one still in flight: every frame not out yet is flagged, and
 * those after it until a clean key frame. The frame that failed never
 * comes out; gst_safe_dec_release_ghosts() lets it go. */
static void
gst_safe_dec_failed (GstSafeDec * self, gint error)
{
  GstVideoCodecFrame *oldest =
      gst_video_decoder_get_oldest_frame (GST_VIDEO_DECODER (self));
  guint32 from = oldest ? oldest->system_frame_number : self->next_number;

  if (oldest != NULL)
    gst_video_codec_frame_unref (oldest);
  GST_DEBUG_OBJECT (self, "decoding failed: %s", av_err2str (error));
  gst_safe_dec_taint (self, from, "decoding failed", FALSE);
  GST_OBJECT_LOCK (self);
  self->stat_failed++;
  GST_OBJECT_UNLOCK (self);
}

/* Takes every picture libavcodec has ready. */
static GstFlowReturn
gst_safe_dec_receive (GstSafeDec * self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  while (ret == GST_FLOW_OK) {
    gint r = avcodec_receive_frame (self->ctx, self->picture);

    if (r == AVERROR (EAGAIN) || r == AVERROR_EOF)
      break;
    if (r < 0) {
      /* the rest, if any, comes with the next packet */
      gst_safe_dec_failed (self, r);
      break;
    }
    ret = gst_safe_dec_output (self, self->picture);
    av_frame_unref (self->picture);
  }
  return ret;
}

static GstFlowReturn
gst_safe_dec_handle_frame (GstVideoDecoder * decoder,
    GstVideoCodecFrame * frame)
{
  GstSafeDec *self = GST_SAFE_DEC (decoder);
  GstBuffer *in = frame->input_buffer;
  GstFlowReturn ret;
  GstMapInfo map;
  guint32 number = frame->system_frame_number;
  gint r;

  if (self->ctx == NULL) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("no caps before the first frame"));
    gst_video_decoder_release_frame (decoder, frame);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  /* the first buffers after a start or flush are DISCONT (a parser may
   * mark several: GstBaseParse carries the flag over frames it had to
   * wait for): the taint of the start covers them. A DISCONT after a
   * buffer without one is a loss. */
  if (GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_CORRUPTED))
    gst_safe_dec_taint (self, number, "input flagged corrupted", TRUE);
  else if (GST_BUFFER_IS_DISCONT (in) && self->have_input)
    gst_safe_dec_taint (self, number, "input discontinuity", TRUE);
  if (!GST_BUFFER_IS_DISCONT (in))
    self->have_input = TRUE;
  self->next_number = number + 1;

  if (!gst_buffer_map (in, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
        ("cannot map an input buffer"));
    gst_video_decoder_release_frame (decoder, frame);
    return GST_FLOW_ERROR;
  }
  /* libavcodec reads up to AV_INPUT_BUFFER_PADDING_SIZE past the end */
  if (self->padded_size < map.size + AV_INPUT_BUFFER_PADDING_SIZE) {
    self->padded_size = map.size + AV_INPUT_BUFFER_PADDING_SIZE;
    self->padded = g_realloc (self->padded, self->padded_size);
  }
  memcpy (self->padded, map.data, map.size);
  memset (self->padded + map.size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
  av_packet_unref (self->packet);
  self->packet->data = self->padded;
  self->packet->size = map.size;
  gst_buffer_unmap (in, &map);
  /* the frame number rides through reordering as the timestamp */
  self->packet->pts = number;
  self->packet->dts = AV_NOPTS_VALUE;
  if (!GST_BUFFER_FLAG_IS_SET (in, GST_BUFFER_FLAG_DELTA_UNIT))
    self->packet->flags |= AV_PKT_FLAG_KEY;
  gst_video_codec_frame_unref (frame);

  for (;;) {
    r = avcodec_send_packet (self->ctx, self->packet);
    if (r != AVERROR (EAGAIN))
      break;
    /* the output is full: take it, then send again */
    ret = gst_safe_dec_receive (self);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  /* the packet was taken even so: the error is its decoding's, or an
   * earlier one's */
  if (r < 0)
    gst_safe_dec_failed (self, r);
  return gst_safe_dec_receive (self);
}

static GstFlowReturn
gst_safe_dec_drain (GstVideoDecoder * decoder)
{
  GstSafeDec *self = GST_SAFE_DEC (decoder);
  GstFlowReturn ret;

  if (self->ctx == NULL)
    return GST_FLOW_OK;
  if (avcodec_send_packet (self->ctx, NULL) < 0)
    GST_WARNING_OBJECT (self, "cannot drain the decoder");
  ret = gst_safe_dec_receive (self);
  avcodec_flush_buffers (self->ctx);
  /* the references are gone: the next frames need a key frame */
  gst_safe_dec_taint (self, self->next_number, "drained", FALSE);
  return ret;
}

static GstFlowReturn
gst_safe_dec_finish (GstVideoDecoder * decoder)
{
  return gst_safe_dec_drain (decoder);
}

static gboolean
gst_safe_dec_flush (GstVideoDecoder * decoder)
{
  GstSafeDec *self = GST_SAFE_DEC (decoder);

  if (self->ctx != NULL)
    avcodec_flush_buffers (self->ctx);
  gst_safe_dec_taint (self, self->next_number, "flushed", FALSE);
  self->have_input = FALSE;
  return TRUE;
}

static gboolean
gst_safe_dec_sink_event (GstVideoDecoder * decoder, GstEvent * event)
{
  GstSafeDec *self = GST_SAFE_DEC (decoder);

  if (GST_EVENT_TYPE (event) == GST_EVENT_GAP) {
    GstGapFlags flags = 0;

    gst_event_parse_gap_flags (event, &flags);
    if (flags & GST_GAP_FLAG_MISSING_DATA) {
      GST_VIDEO_DECODER_STREAM_LOCK (decoder);
      gst_safe_dec_taint (self, self->next_number, "data missing (GAP)",
          TRUE);
      GST_VIDEO_DECODER_STREAM_UNLOCK (decoder);
    }
  }
  return GST_VIDEO_DECODER_CLASS (gst_safe_dec_parent_class)->sink_event
      (decoder, event);
}
