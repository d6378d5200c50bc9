/* rtsp-blur
 * Copyright (C) 2025 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * rb-test-camera: an RTSP server that plays a recorded clip as a live CCTV
 * camera, for end-to-end tests and the demo.
 *
 * Per media (one, shared by all clients):
 *   filesrc ! decodebin ! videoconvert ! videoscale ! videorate
 *     ! video/x-raw,format=I420[,width,height,framerate] ! clocksync
 *     ! x264enc tune=zerolatency speed-preset=ultrafast threads=1 ...
 *     ! video/x-h264,profile=constrained-baseline
 *     ! rtph264pay name=pay0 pt=96 config-interval=-1
 *
 * clocksync (sync=true) answers READY->PAUSED with NO_PREROLL, so the media
 * is live and plays in real time.  With --loop an EOS coming out of
 * decodebin is dropped, the demuxer is seeked back to 0 and the pad offset
 * of videoconvert's sink pad grows by the clip length, so running time (and
 * the RTP timestamps) keep increasing as from a real camera.
 *
 * Camera kinds, as third-party cameras and VMS relays send them:
 *   --codec h264|h265     H.264 (x264enc) or HEVC (x265enc), default h264
 *   --bframes N           B-frames (H.264 then High profile, no
 *                         zerolatency); 0 (default): constrained-baseline
 *   --gop N               key-frame interval in frames (default 2 s)
 *   --audio none|aac|pcma|pcmu   a tone from audiotestsrc as pay1: AAC
 *                         (avenc_aac, rtpmp4gpay), G.711 A-law or mu-law
 *   --resize-after S --resize-to WxH   S s after the first client came, the
 *                         picture changes size mid-stream (new SPS), for
 *                         good, as a reconfigured camera
 *   --corrupt N           a camera with a damaged bitstream: one
 *                         byte in N (on average) of every slice's payload
 *                         is replaced by a random one after encoding, as
 *                         ffmpeg's noise bitstream filter does;
 *                         --corrupt-seed S makes it repeatable (default 1)
 *   --drop N              a lossy link: one RTP packet of the video in N (on
 *                         average) is never sent, as on a network that loses
 *                         packets (also over TCP); seeded by --corrupt-seed
 *
 * Prints "rb-test-camera: serving rtsp://ADDR:PORT/MOUNT" on stdout once
 * it listens.  Exit codes (sysexits): 0 on SIGINT/SIGTERM/--duration,
 * 64 bad usage, 65 clip has no decodable video, 66 clip missing,
 * 69 address/port unavailable, 70 internal error.
 */

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RB_EX_OK 0
#define RB_EX_USAGE 64
#define RB_EX_DATAERR 65
#define RB_EX_NOINPUT 66
#define RB_EX_UNAVAILABLE 69
#define RB_EX_SOFTWARE 70

#define DEFAULT_CLIP "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
#define DEFAULT_ADDRESS "127.0.0.1"
#define DEFAULT_PORT 8560
#define DEFAULT_MOUNT "/camera"
#define DEFAULT_BITRATE 2048
#define DEFAULT_PROTOCOLS "tcp+udp"
#define DEFAULT_BACKLOG 64

/* Option targets (GOptionEntry needs their addresses): the only globals. */
static gchar *opt_clip = NULL;
static gchar *opt_address = NULL;
static gint opt_port = DEFAULT_PORT;
static gchar *opt_mount = NULL;
static gchar *opt_user = NULL;
static gchar *opt_password = NULL;
static gboolean opt_loop = FALSE;
static gint opt_width = 0;
static gint opt_height = 0;
static gint opt_fps = 0;
static gint opt_bitrate = DEFAULT_BITRATE;
static gchar *opt_protocols = NULL;
static gint opt_duration = 0;
static gchar *opt_codec = NULL;
static gint opt_bframes = 0;
static gint opt_gop = 0;
static gchar *opt_audio = NULL;
static gint opt_resize_after = 0;
static gchar *opt_resize_to = NULL;
static gint opt_corrupt = 0;
static gint opt_corrupt_seed = 1;
static gint opt_drop = 0;

/* *INDENT-OFF* */
static GOptionEntry entries[] = {
  {"clip", 0, 0, G_OPTION_ARG_FILENAME, &opt_clip,
      "Video file to play (default " DEFAULT_CLIP ")", "FILE"},
  {"address", 0, 0, G_OPTION_ARG_STRING, &opt_address,
      "Address to listen on (default " DEFAULT_ADDRESS ")", "ADDR"},
  {"port", 0, 0, G_OPTION_ARG_INT, &opt_port,
      "Port to listen on, 0 = ephemeral (default 8560)", "PORT"},
  {"mount", 0, 0, G_OPTION_ARG_STRING, &opt_mount,
      "Mount point (default " DEFAULT_MOUNT ")", "PATH"},
  {"user", 0, 0, G_OPTION_ARG_STRING, &opt_user,
      "Require RTSP basic authentication with this user", "NAME"},
  {"password", 0, 0, G_OPTION_ARG_STRING, &opt_password,
      "Password for --user", "PASS"},
  {"loop", 0, 0, G_OPTION_ARG_NONE, &opt_loop,
      "Restart the clip at its end, forever", NULL},
  {"width", 0, 0, G_OPTION_ARG_INT, &opt_width,
      "Scale to this width (default: clip's)", "W"},
  {"height", 0, 0, G_OPTION_ARG_INT, &opt_height,
      "Scale to this height (default: clip's)", "H"},
  {"fps", 0, 0, G_OPTION_ARG_INT, &opt_fps,
      "Frame rate (default: clip's)", "FPS"},
  {"bitrate", 0, 0, G_OPTION_ARG_INT, &opt_bitrate,
      "H.264 bit rate in kbit/s (default 2048)", "KBPS"},
  {"protocols", 0, 0, G_OPTION_ARG_STRING, &opt_protocols,
      "Lower transports accepted: tcp, udp or tcp+udp (default tcp+udp)",
      "LIST"},
  {"duration", 0, 0, G_OPTION_ARG_INT, &opt_duration,
      "Exit after S seconds, 0 = run until SIGINT/SIGTERM (default 0)", "S"},
  {"codec", 0, 0, G_OPTION_ARG_STRING, &opt_codec,
      "Video codec: h264 or h265 (default h264)", "CODEC"},
  {"bframes", 0, 0, G_OPTION_ARG_INT, &opt_bframes,
      "B-frames between references, 0-4 (default 0)", "N"},
  {"gop", 0, 0, G_OPTION_ARG_INT, &opt_gop,
      "Key-frame interval in frames (default: 2 s of frames)", "N"},
  {"audio", 0, 0, G_OPTION_ARG_STRING, &opt_audio,
      "Audio stream: none, aac, pcma or pcmu (default none)", "KIND"},
  {"resize-after", 0, 0, G_OPTION_ARG_INT, &opt_resize_after,
      "Change the picture size after S seconds (with --resize-to)", "S"},
  {"resize-to", 0, 0, G_OPTION_ARG_STRING, &opt_resize_to,
      "New picture size for --resize-after", "WxH"},
  {"corrupt", 0, 0, G_OPTION_ARG_INT, &opt_corrupt,
      "Damage the bitstream: one byte in N of the slices' payload replaced "
      "at random (default 0: none)", "N"},
  {"corrupt-seed", 0, 0, G_OPTION_ARG_INT, &opt_corrupt_seed,
      "Seed of --corrupt's and --drop's random numbers (default 1)", "S"},
  {"drop", 0, 0, G_OPTION_ARG_INT, &opt_drop,
      "Lose one video RTP packet in N at random (default 0: none)", "N"},
  {NULL}
};
/* *INDENT-ON* */

/* ------------------------------------------------------------------------ */
/* Media factory building the per-media bin, with optional looping.         */

#define RB_TYPE_CAMERA_FACTORY (rb_camera_factory_get_type ())
G_DECLARE_FINAL_TYPE (RbCameraFactory, rb_camera_factory, RB, CAMERA_FACTORY,
    GstRTSPMediaFactory);

struct _RbCameraFactory
{
  GstRTSPMediaFactory parent;

  /* Set once before the factory is mounted, read-only afterwards. */
  gchar *clip;
  gboolean loop;
  gint width, height;
  gint fps_n, fps_d;
  gint bitrate;
  guint key_int_max;
  gboolean h265;
  gint bframes;
  gchar *audio;                 /* "aac", "pcma", "pcmu" or NULL */
  gint resize_after_s;
  gint resize_width, resize_height;
  gint corrupt;                 /* one byte in N damaged, 0: none */
  gint drop;                    /* one RTP packet in N lost, 0: none */
  gint corrupt_seed;

  GMutex lock;
  gboolean resized;             /* protected by lock */
  gboolean resize_scheduled;    /* protected by lock */
  GList *capsfilters;           /* of GWeakRef *, protected by lock */
};

G_DEFINE_TYPE (RbCameraFactory, rb_camera_factory,
    GST_TYPE_RTSP_MEDIA_FACTORY);

/* State of one media's source branch, owned by the bin (qdata). */
typedef struct
{
  GMutex lock;
  gboolean loop;
  GstElement *decodebin;        /* weak: owned by the bin */
  GstPad *convert_sink;         /* ref */
  /* protected by lock */
  gboolean seeking;             /* between our loop seek and its segment */
  GstClockTime last_end;        /* running time (before offset) of last end */
  gint64 offset;                /* current pad offset */
  guint loops;
} RbLoopState;

static void
rb_loop_state_free (gpointer data)
{
  RbLoopState *st = data;

  gst_clear_object (&st->convert_sink);
  g_mutex_clear (&st->lock);
  g_free (st);
}

static void
rb_loop_seek (GstElement * element, gpointer user_data)
{
  RbLoopState *st = user_data;
  GstEvent *seek;

  seek = gst_event_new_seek (1.0, GST_FORMAT_TIME,
      GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, GST_SEEK_TYPE_SET, 0,
      GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  /* Upstream through decodebin's ghost pad to the demuxer. */
  if (!gst_pad_push_event (st->convert_sink, seek)) {
    GST_ELEMENT_ERROR (element, STREAM, FAILED, (NULL),
        ("rb-test-camera: seek back to the clip start failed"));
  }
}

static GstPadProbeReturn
rb_loop_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  RbLoopState *st = user_data;
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);

    if (ev && GST_BUFFER_PTS_IS_VALID (buf)) {
      const GstSegment *seg;
      GstSegment copy;
      GstClockTime end = GST_BUFFER_PTS (buf);

      gst_event_parse_segment (ev, &seg);
      /* Running time within this pass of the clip, whether or not the pad
       * offset is already folded into the sticky segment: every pass
       * starts from a flushing seek, so upstream's base is 0. */
      gst_segment_copy_into (seg, &copy);
      copy.base = 0;
      if (GST_BUFFER_DURATION_IS_VALID (buf))
        end += GST_BUFFER_DURATION (buf);
      end = gst_segment_to_running_time (&copy, GST_FORMAT_TIME, end);
      if (GST_CLOCK_TIME_IS_VALID (end)) {
        g_mutex_lock (&st->lock);
        st->last_end = end;
        g_mutex_unlock (&st->lock);
      }
    }
    gst_clear_event (&ev);
    return GST_PAD_PROBE_OK;
  }

  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstElement *parent;

  g_mutex_lock (&st->lock);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      if (st->loop && GST_CLOCK_TIME_IS_VALID (st->last_end)) {
        st->offset += st->last_end;
        st->last_end = GST_CLOCK_TIME_NONE;
        st->seeking = TRUE;
        st->loops++;
        gst_pad_set_offset (pad, st->offset);
        parent = gst_pad_get_parent_element (pad);
        if (parent) {
          gst_element_call_async (parent, rb_loop_seek, st, NULL);
          gst_object_unref (parent);
        }
        ret = GST_PAD_PROBE_DROP;
      }
      break;
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      /* Our own seek must not flush the live part downstream. */
      if (st->seeking)
        ret = GST_PAD_PROBE_DROP;
      break;
    case GST_EVENT_SEGMENT:
      st->seeking = FALSE;
      break;
    default:
      break;
  }
  g_mutex_unlock (&st->lock);
  return ret;
}

static void
rb_on_pad_added (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  RbLoopState *st = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstStructure *s;

  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);
  if (g_str_has_prefix (gst_structure_get_name (s), "video/")
      && !gst_pad_is_linked (st->convert_sink)) {
    if (GST_PAD_LINK_FAILED (gst_pad_link (pad, st->convert_sink))) {
      GST_ELEMENT_ERROR (decodebin, CORE, NEGOTIATION, (NULL),
          ("rb-test-camera: cannot link decodebin to videoconvert"));
    }
  }
  gst_caps_unref (caps);
}

static GstElement *
rb_make (GstBin * bin, const gchar * factory, const gchar * name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (!e) {
    g_printerr ("rb-test-camera: missing GStreamer element '%s'\n", factory);
    return NULL;
  }
  gst_bin_add (bin, e);
  return e;
}

/* A live tone as the camera's microphone, payloaded as pay1. */
static gboolean
rb_camera_add_audio (GstBin * bin, const gchar * kind)
{
  const gchar *desc;
  GstElement *audio;
  GError *err = NULL;

  if (g_str_equal (kind, "aac"))
    desc = "audiotestsrc is-live=true wave=ticks "
        "! audio/x-raw,rate=16000,channels=1 ! avenc_aac ! aacparse "
        "! rtpmp4gpay name=pay1 pt=97";
  else if (g_str_equal (kind, "pcma"))
    desc = "audiotestsrc is-live=true wave=ticks "
        "! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1";
  else
    desc = "audiotestsrc is-live=true wave=ticks "
        "! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1";
  audio = gst_parse_bin_from_description (desc, FALSE, &err);
  if (audio == NULL) {
    g_printerr ("rb-test-camera: cannot build the %s audio: %s\n", kind,
        err->message);
    g_error_free (err);
    return FALSE;
  }
  gst_bin_add (bin, audio);
  return TRUE;
}

/* The camera is reconfigured once, --resize-after s after its first client
 * came: the
 * raw caps of every running media change size and the encoder sends a new
 * SPS on the running stream; media created later start with the new size,
 * as a real camera keeps its new setting. */
static gboolean
rb_on_resize (gpointer data)
{
  RbCameraFactory *self = data;

  g_mutex_lock (&self->lock);
  self->resized = TRUE;
  for (GList * l = self->capsfilters; l != NULL; l = l->next) {
    GstElement *capsfilter = g_weak_ref_get (l->data);
    GstCaps *caps;

    if (capsfilter == NULL)
      continue;
    g_object_get (capsfilter, "caps", &caps, NULL);
    caps = gst_caps_make_writable (caps);
    gst_caps_set_simple (caps, "width", G_TYPE_INT, self->resize_width,
        "height", G_TYPE_INT, self->resize_height, NULL);
    g_object_set (capsfilter, "caps", caps, NULL);
    gst_caps_unref (caps);
    gst_object_unref (capsfilter);
  }
  g_mutex_unlock (&self->lock);
  g_print ("rb-test-camera: picture size now %dx%d\n", self->resize_width,
      self->resize_height);
  return G_SOURCE_REMOVE;
}

static void
rb_weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* --corrupt: the damage done to the encoded stream of one media. */
typedef struct
{
  GRand *rand;
  gint one_in;
  gboolean h265;
} RbCorrupt;

static void
rb_corrupt_free (gpointer data)
{
  RbCorrupt *c = data;

  g_rand_free (c->rand);
  g_free (c);
}

/* Replaces about one byte in c->one_in of the NAL unit @nal (@size bytes,
 * header included) by a random one, if it is a slice. */
static void
rb_corrupt_nal (RbCorrupt * c, guint8 * nal, gsize size)
{
  gsize header = c->h265 ? 2 : 1, pos;
  guint type;

  if (size <= header)
    return;
  type = c->h265 ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
  if ((c->h265 && type > 31) || (!c->h265 && (type < 1 || type > 5)))
    return;
  for (pos = header; pos < size; pos++)
    if (g_rand_int_range (c->rand, 0, c->one_in) == 0)
      nal[pos] = g_rand_int_range (c->rand, 0, 256);
}

static GstPadProbeReturn
rb_corrupt_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbCorrupt *c = data;
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
      (info));
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *format = caps ? gst_structure_get_string
      (gst_caps_get_structure (caps, 0), "stream-format") : NULL;
  gboolean byte_stream = g_strcmp0 (format, "byte-stream") == 0;
  GstMapInfo map;
  gsize i = 0;

  GST_PAD_PROBE_INFO_DATA (info) = buf;
  gst_clear_caps (&caps);
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_PAD_PROBE_OK;
  if (byte_stream) {
    /* NAL units between start codes (00 00 01) */
    gsize start = G_MAXSIZE;

    for (i = 0; i + 3 <= map.size; i++) {
      if (map.data[i] == 0 && map.data[i + 1] == 0 && map.data[i + 2] == 1) {
        if (start != G_MAXSIZE)
          rb_corrupt_nal (c, map.data + start, i - start);
        start = i + 3;
        i += 2;
      }
    }
    if (start != G_MAXSIZE && start < map.size)
      rb_corrupt_nal (c, map.data + start, map.size - start);
  } else {
    /* avc/hvc1: NAL units behind 4-byte sizes */
    while (i + 4 <= map.size) {
      gsize len = GST_READ_UINT32_BE (map.data + i);

      if (len > map.size - i - 4)
        break;
      rb_corrupt_nal (c, map.data + i + 4, len);
      i += 4 + len;
    }
  }
  gst_buffer_unmap (buf, &map);
  return GST_PAD_PROBE_OK;
}

/* --drop: one RTP packet in c->one_in never sent. */
static gboolean
rb_drop_one (GstBuffer ** buffer, guint idx, gpointer data)
{
  RbCorrupt *c = data;

  if (g_rand_int_range (c->rand, 0, c->one_in) == 0)
    gst_clear_buffer (buffer);
  return TRUE;
}

static GstPadProbeReturn
rb_drop_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  RbCorrupt *c = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable
        (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

    gst_buffer_list_foreach (list, rb_drop_one, c);
    GST_PAD_PROBE_INFO_DATA (info) = list;
    return gst_buffer_list_length (list) ? GST_PAD_PROBE_OK :
        GST_PAD_PROBE_DROP;
  }
  return g_rand_int_range (c->rand, 0, c->one_in) == 0 ?
      GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

static GstElement *
rb_camera_factory_create_element (GstRTSPMediaFactory * factory,
    const GstRTSPUrl * url)
{
  RbCameraFactory *self = RB_CAMERA_FACTORY (factory);
  GstBin *bin = GST_BIN (gst_bin_new ("camera"));
  GstElement *src, *dec, *conv, *scale, *rate, *rawcaps, *sync, *enc,
      *h264caps, *pay;
  GstCaps *caps;
  RbLoopState *st;

  src = rb_make (bin, "filesrc", NULL);
  dec = rb_make (bin, "decodebin", NULL);
  conv = rb_make (bin, "videoconvert", NULL);
  scale = rb_make (bin, "videoscale", NULL);
  rate = rb_make (bin, "videorate", NULL);
  rawcaps = rb_make (bin, "capsfilter", NULL);
  sync = rb_make (bin, "clocksync", NULL);
  enc = rb_make (bin, self->h265 ? "x265enc" : "x264enc", NULL);
  h264caps = rb_make (bin, "capsfilter", NULL);
  pay = rb_make (bin, self->h265 ? "rtph265pay" : "rtph264pay", "pay0");
  if (!src || !dec || !conv || !scale || !rate || !rawcaps || !sync || !enc
      || !h264caps || !pay) {
    gst_object_unref (bin);
    return NULL;
  }

  g_object_set (src, "location", self->clip, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      NULL);
  g_mutex_lock (&self->lock);
  if (self->resized)
    gst_caps_set_simple (caps, "width", G_TYPE_INT, self->resize_width,
        "height", G_TYPE_INT, self->resize_height, NULL);
  else if (self->width > 0 && self->height > 0)
    gst_caps_set_simple (caps, "width", G_TYPE_INT, self->width, "height",
        G_TYPE_INT, self->height, NULL);
  if (self->resize_after_s > 0) {
    GWeakRef *ref = g_new0 (GWeakRef, 1);

    g_weak_ref_init (ref, rawcaps);
    self->capsfilters = g_list_prepend (self->capsfilters, ref);
    if (!self->resize_scheduled) {
      self->resize_scheduled = TRUE;
      g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, self->resize_after_s,
          rb_on_resize, g_object_ref (self), g_object_unref);
    }
  }
  g_mutex_unlock (&self->lock);
  if (self->fps_n > 0)
    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, self->fps_n,
        self->fps_d, NULL);
  g_object_set (rawcaps, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (sync, "sync", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
  if (self->h265) {
    gchar *options = g_strdup_printf ("bframes=%d:b-adapt=0:frame-threads=1",
        self->bframes);

    if (self->bframes == 0)
      gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
    g_object_set (enc, "key-int-max", self->key_int_max, "bitrate",
        self->bitrate, "option-string", options, NULL);
    g_free (options);
    caps = gst_caps_from_string ("video/x-h265");
  } else if (self->bframes > 0) {
    /* as cameras with B-frames send it: High profile, fixed B-frames */
    g_object_set (enc, "threads", 1, "key-int-max", self->key_int_max,
        "bitrate", self->bitrate, "bframes", self->bframes, "b-adapt", FALSE,
        NULL);
    caps = gst_caps_from_string ("video/x-h264,profile=high");
  } else {
    /* Single slice (threads=1): sliced threads corrupt ffmpeg viewers. */
    gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
    g_object_set (enc, "threads", 1, "key-int-max", self->key_int_max,
        "bitrate", self->bitrate, NULL);
    caps = gst_caps_from_string ("video/x-h264,profile=constrained-baseline");
  }
  g_object_set (h264caps, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (pay, "pt", 96, "config-interval", -1, NULL);

  if (!gst_element_link (src, dec)
      || !gst_element_link_many (conv, scale, rate, rawcaps, sync, enc,
          h264caps, pay, NULL)) {
    g_printerr ("rb-test-camera: cannot link the camera pipeline\n");
    gst_object_unref (bin);
    return NULL;
  }

  st = g_new0 (RbLoopState, 1);
  g_mutex_init (&st->lock);
  st->loop = self->loop;
  st->decodebin = dec;
  st->convert_sink = gst_element_get_static_pad (conv, "sink");
  st->last_end = GST_CLOCK_TIME_NONE;
  g_object_set_data_full (G_OBJECT (bin), "rb-loop-state", st,
      rb_loop_state_free);
  g_signal_connect (dec, "pad-added", G_CALLBACK (rb_on_pad_added), st);
  if (self->audio != NULL && !rb_camera_add_audio (bin, self->audio)) {
    gst_object_unref (bin);
    return NULL;
  }

  gst_pad_add_probe (st->convert_sink, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      rb_loop_probe, st, NULL);

  if (self->corrupt > 0) {
    RbCorrupt *c = g_new0 (RbCorrupt, 1);
    GstPad *enc_src = gst_element_get_static_pad (enc, "src");

    c->rand = g_rand_new_with_seed (self->corrupt_seed);
    c->one_in = self->corrupt;
    c->h265 = self->h265;
    gst_pad_add_probe (enc_src, GST_PAD_PROBE_TYPE_BUFFER, rb_corrupt_probe,
        c, rb_corrupt_free);
    gst_object_unref (enc_src);
  }
  if (self->drop > 0) {
    RbCorrupt *c = g_new0 (RbCorrupt, 1);
    GstPad *pay_src = gst_element_get_static_pad (pay, "src");

    c->rand = g_rand_new_with_seed (self->corrupt_seed);
    c->one_in = self->drop;
    gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_BUFFER_LIST, rb_drop_probe, c, rb_corrupt_free);
    gst_object_unref (pay_src);
  }

  return GST_ELEMENT (bin);
}

static void
rb_camera_factory_finalize (GObject * object)
{
  RbCameraFactory *self = RB_CAMERA_FACTORY (object);

  g_free (self->clip);
  g_free (self->audio);
  g_list_free_full (self->capsfilters, rb_weak_ref_free);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (rb_camera_factory_parent_class)->finalize (object);
}

static void
rb_camera_factory_class_init (RbCameraFactoryClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = rb_camera_factory_finalize;
  GST_RTSP_MEDIA_FACTORY_CLASS (klass)->create_element =
      rb_camera_factory_create_element;
}

static void
rb_camera_factory_init (RbCameraFactory * self)
{
  g_mutex_init (&self->lock);
}

/* ------------------------------------------------------------------------ */
/* Application.                                                             */

typedef struct
{
  GMainLoop *loop;
  GstRTSPServer *server;
  guint server_source;
  guint sigint_source, sigterm_source, duration_source;
  gint exit_code;
} RbCamera;

static void
rb_camera_clear (RbCamera * cam)
{
  if (cam->sigint_source)
    g_source_remove (cam->sigint_source);
  if (cam->sigterm_source)
    g_source_remove (cam->sigterm_source);
  if (cam->duration_source)
    g_source_remove (cam->duration_source);
  if (cam->server_source)
    g_source_remove (cam->server_source);
  cam->sigint_source = cam->sigterm_source = cam->duration_source = 0;
  cam->server_source = 0;
  gst_clear_object (&cam->server);
  g_clear_pointer (&cam->loop, g_main_loop_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RbCamera, rb_camera_clear);

static gboolean
rb_on_signal (gpointer user_data)
{
  RbCamera *cam = user_data;

  g_printerr ("rb-test-camera: signal received, stopping\n");
  g_main_loop_quit (cam->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
rb_on_duration (gpointer user_data)
{
  RbCamera *cam = user_data;

  cam->duration_source = 0;
  g_main_loop_quit (cam->loop);
  return G_SOURCE_REMOVE;
}

static GstRTSPFilterResult
rb_remove_client (GstRTSPServer * server, GstRTSPClient * client,
    gpointer user_data)
{
  return GST_RTSP_FILTER_REMOVE;
}

/* Checks the clip and reads its frame rate.  Returns an exit code. */
static gint
rb_probe_clip (const gchar * clip, gint * fps_n, gint * fps_d)
{
  GError *error = NULL;
  GstDiscoverer *disc;
  GstDiscovererInfo *info;
  GList *videos;
  gchar *uri;
  gint ret = RB_EX_OK;

  if (!g_file_test (clip, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("rb-test-camera: clip '%s' does not exist or is not a "
        "regular file\n", clip);
    return RB_EX_NOINPUT;
  }
  if (g_access (clip, R_OK) != 0) {
    g_printerr ("rb-test-camera: clip '%s' is not readable: %s\n", clip,
        g_strerror (errno));
    return RB_EX_NOINPUT;
  }

  uri = gst_filename_to_uri (clip, &error);
  disc = uri ? gst_discoverer_new (15 * GST_SECOND, &error) : NULL;
  info = disc ? gst_discoverer_discover_uri (disc, uri, &error) : NULL;
  if (!info || gst_discoverer_info_get_result (info) != GST_DISCOVERER_OK) {
    g_printerr ("rb-test-camera: cannot read clip '%s': %s\n", clip,
        error ? error->message : "unknown error");
    ret = RB_EX_DATAERR;
    goto out;
  }
  videos = gst_discoverer_info_get_video_streams (info);
  if (!videos) {
    g_printerr ("rb-test-camera: clip '%s' has no video stream\n", clip);
    ret = RB_EX_DATAERR;
    goto out;
  }
  *fps_n = gst_discoverer_video_info_get_framerate_num (videos->data);
  *fps_d = gst_discoverer_video_info_get_framerate_denom (videos->data);
  gst_discoverer_stream_info_list_free (videos);

out:
  g_clear_error (&error);
  if (info)
    gst_discoverer_info_unref (info);
  if (disc)
    g_object_unref (disc);
  g_free (uri);
  return ret;
}

int
main (int argc, char **argv)
{
  g_auto (RbCamera) cam = { 0 };
  GOptionContext *ctx;
  GError *error = NULL;
  GstRTSPMountPoints *mounts;
  RbCameraFactory *factory;
  GSource *source;
  GstRTSPLowerTrans protocols;
  gint clip_fps_n = 0, clip_fps_d = 1, ret;
  gint resize_w = 0, resize_h = 0;
  gchar *service;

  ctx = g_option_context_new ("- RTSP test camera playing a recorded clip");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("rb-test-camera: %s\n", error->message);
    g_clear_error (&error);
    g_option_context_free (ctx);
    return RB_EX_USAGE;
  }
  g_option_context_free (ctx);

  if (argc > 1) {
    g_printerr ("rb-test-camera: unexpected argument '%s'\n", argv[1]);
    return RB_EX_USAGE;
  }
  if (!opt_clip)
    opt_clip = g_strdup (DEFAULT_CLIP);
  if (!opt_address)
    opt_address = g_strdup (DEFAULT_ADDRESS);
  if (!opt_mount)
    opt_mount = g_strdup (DEFAULT_MOUNT);
  if (!opt_protocols)
    opt_protocols = g_strdup (DEFAULT_PROTOCOLS);

  if (opt_port < 0 || opt_port > 65535) {
    g_printerr ("rb-test-camera: --port must be 0..65535\n");
    return RB_EX_USAGE;
  }
  if (opt_mount[0] != '/') {
    g_printerr ("rb-test-camera: --mount must start with '/'\n");
    return RB_EX_USAGE;
  }
  if ((opt_user == NULL) != (opt_password == NULL)) {
    g_printerr ("rb-test-camera: --user and --password go together\n");
    return RB_EX_USAGE;
  }
  if (opt_user && strchr (opt_user, ':')) {
    g_printerr ("rb-test-camera: --user must not contain ':'\n");
    return RB_EX_USAGE;
  }
  if (opt_width < 0 || opt_height < 0 || opt_fps < 0 || opt_fps > 240
      || opt_width > 8192 || opt_height > 8192 || (opt_width & 1)
      || (opt_height & 1)) {
    g_printerr ("rb-test-camera: --width/--height must be even, 0..8192; "
        "--fps 0..240\n");
    return RB_EX_USAGE;
  }
  if (opt_bitrate <= 0 || opt_bitrate > 100000) {
    g_printerr ("rb-test-camera: --bitrate must be 1..100000 kbit/s\n");
    return RB_EX_USAGE;
  }
  if (opt_codec && !g_str_equal (opt_codec, "h264")
      && !g_str_equal (opt_codec, "h265")) {
    g_printerr ("rb-test-camera: --codec must be h264 or h265\n");
    return RB_EX_USAGE;
  }
  if (opt_bframes < 0 || opt_bframes > 4 || opt_gop < 0) {
    g_printerr ("rb-test-camera: --bframes must be 0-4, --gop >= 0\n");
    return RB_EX_USAGE;
  }
  if (opt_audio && !g_str_equal (opt_audio, "none")
      && !g_str_equal (opt_audio, "aac") && !g_str_equal (opt_audio, "pcma")
      && !g_str_equal (opt_audio, "pcmu")) {
    g_printerr ("rb-test-camera: --audio must be none, aac, pcma or pcmu\n");
    return RB_EX_USAGE;
  }
  if (opt_resize_after < 0 || (opt_resize_after > 0 && (opt_resize_to == NULL
              || sscanf (opt_resize_to, "%dx%d", &resize_w, &resize_h) != 2
              || resize_w <= 0 || resize_h <= 0 || (resize_w & 1)
              || (resize_h & 1)))) {
    g_printerr ("rb-test-camera: --resize-after needs --resize-to WxH (even "
        "sizes)\n");
    return RB_EX_USAGE;
  }
  if (opt_corrupt < 0 || opt_drop < 0) {
    g_printerr ("rb-test-camera: --corrupt and --drop must be >= 0\n");
    return RB_EX_USAGE;
  }
  if (opt_duration < 0) {
    g_printerr ("rb-test-camera: --duration must be >= 0\n");
    return RB_EX_USAGE;
  }
  if (g_str_equal (opt_protocols, "tcp"))
    protocols = GST_RTSP_LOWER_TRANS_TCP;
  else if (g_str_equal (opt_protocols, "udp"))
    protocols = GST_RTSP_LOWER_TRANS_UDP;
  else if (g_str_equal (opt_protocols, "tcp+udp")
      || g_str_equal (opt_protocols, "udp+tcp"))
    protocols = GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP;
  else {
    g_printerr ("rb-test-camera: --protocols must be tcp, udp or tcp+udp\n");
    return RB_EX_USAGE;
  }

  ret = rb_probe_clip (opt_clip, &clip_fps_n, &clip_fps_d);
  if (ret != RB_EX_OK)
    return ret;

  factory = g_object_new (RB_TYPE_CAMERA_FACTORY, NULL);
  factory->clip = g_strdup (opt_clip);
  factory->loop = opt_loop;
  factory->width = opt_width;
  factory->height = opt_height;
  factory->bitrate = opt_bitrate;
  factory->h265 = opt_codec && g_str_equal (opt_codec, "h265");
  factory->bframes = opt_bframes;
  if (opt_audio && !g_str_equal (opt_audio, "none"))
    factory->audio = g_strdup (opt_audio);
  factory->resize_after_s = opt_resize_after;
  factory->resize_width = resize_w;
  factory->resize_height = resize_h;
  factory->corrupt = opt_corrupt;
  factory->corrupt_seed = opt_corrupt_seed;
  factory->drop = opt_drop;
  if (opt_fps > 0) {
    factory->fps_n = opt_fps;
    factory->fps_d = 1;
  }
  {
    gdouble fps = opt_fps > 0 ? opt_fps :
        (clip_fps_n > 0 && clip_fps_d > 0 ? (gdouble) clip_fps_n / clip_fps_d
        : 25.0);
    factory->key_int_max = opt_gop > 0 ? (guint) opt_gop :
        MAX (1, (guint) (2 * fps + 0.5));
  }
  gst_rtsp_media_factory_set_shared (GST_RTSP_MEDIA_FACTORY (factory), TRUE);
  gst_rtsp_media_factory_set_protocols (GST_RTSP_MEDIA_FACTORY (factory),
      protocols);
  /* A camera keeps running; don't stop it between clients. */
  gst_rtsp_media_factory_set_suspend_mode (GST_RTSP_MEDIA_FACTORY (factory),
      GST_RTSP_SUSPEND_MODE_NONE);

  cam.loop = g_main_loop_new (NULL, FALSE);
  cam.server = gst_rtsp_server_new ();
  gst_rtsp_server_set_address (cam.server, opt_address);
  service = g_strdup_printf ("%d", opt_port);
  gst_rtsp_server_set_service (cam.server, service);
  g_free (service);
  gst_rtsp_server_set_backlog (cam.server, DEFAULT_BACKLOG);

  if (opt_user) {
    GstRTSPAuth *auth = gst_rtsp_auth_new ();
    GstRTSPToken *token;
    gchar *basic;

    token = gst_rtsp_token_new (GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
        G_TYPE_STRING, "camera-user", NULL);
    basic = gst_rtsp_auth_make_basic (opt_user, opt_password);
    gst_rtsp_auth_add_basic (auth, basic, token);
    g_free (basic);
    gst_rtsp_token_unref (token);
    gst_rtsp_server_set_auth (cam.server, auth);
    g_object_unref (auth);

    gst_rtsp_media_factory_add_role (GST_RTSP_MEDIA_FACTORY (factory),
        "camera-user",
        GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
        GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, NULL);
  }

  mounts = gst_rtsp_server_get_mount_points (cam.server);
  gst_rtsp_mount_points_add_factory (mounts, opt_mount,
      GST_RTSP_MEDIA_FACTORY (factory));
  g_object_unref (mounts);

  source = gst_rtsp_server_create_source (cam.server, NULL, &error);
  if (!source) {
    g_printerr ("rb-test-camera: cannot listen on %s port %d: %s\n",
        opt_address, opt_port, error ? error->message : "unknown error");
    g_clear_error (&error);
    return RB_EX_UNAVAILABLE;
  }
  cam.server_source = g_source_attach (source, NULL);
  g_source_unref (source);

  cam.sigint_source = g_unix_signal_add (SIGINT, rb_on_signal, &cam);
  cam.sigterm_source = g_unix_signal_add (SIGTERM, rb_on_signal, &cam);
  if (opt_duration > 0)
    cam.duration_source = g_timeout_add_seconds (opt_duration,
        rb_on_duration, &cam);

  {
    gchar *addr = strchr (opt_address, ':') ?
        g_strdup_printf ("[%s]", opt_address) : g_strdup (opt_address);

    printf ("rb-test-camera: serving rtsp://%s:%d%s\n", addr,
        gst_rtsp_server_get_bound_port (cam.server), opt_mount);
    fflush (stdout);
    g_free (addr);
  }

  g_main_loop_run (cam.loop);

  /* Tear down: stop listening, close every client (which unprepares the
   * shared media), then drop the server. */
  g_source_remove (cam.server_source);
  cam.server_source = 0;
  gst_rtsp_server_client_filter (cam.server, rb_remove_client, NULL);
  {
    GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool (cam.server);

    gst_rtsp_session_pool_cleanup (pool);
    g_object_unref (pool);
  }
  /* Let pending unprepare callbacks run. */
  while (g_main_context_iteration (NULL, FALSE));

  cam.exit_code = RB_EX_OK;
  return cam.exit_code;
}
