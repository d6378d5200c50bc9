/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The launcher's pipelines as gst-launch descriptions (see rb-pipelines.h).
 * pipelines/camera.txt, segment.txt and publish.txt hold the same text,
 * checked by tests/check/daemon/pipelines.c: change both together. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-pipelines.h"

#include <string.h>

gchar *
rb_pipeline_quote (const gchar * value)
{
  GString *s;

  if (*value != '\0' && strspn (value, "abcdefghijklmnopqrstuvwxyz"
          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:+@%-") == strlen (value))
    return g_strdup (value);
  s = g_string_new ("\"");
  for (const gchar * p = value; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c (s, '\\');
    g_string_append_c (s, *p);
  }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

gboolean
rb_pipeline_audio_supported (const gchar * encoding_name)
{
  const gchar *supported[] = { "MPEG4-GENERIC", "MP4A-LATM", "PCMA", "PCMU" };

  for (guint i = 0; encoding_name && i < G_N_ELEMENTS (supported); i++)
    if (g_ascii_strcasecmp (encoding_name, supported[i]) == 0)
      return TRUE;
  return FALSE;
}

/* depayloader (and parser) of an audio RTP encoding */
static const gchar *
audio_depay (const gchar * encoding_name)
{
  if (g_ascii_strcasecmp (encoding_name, "MPEG4-GENERIC") == 0)
    return "rtpmp4gdepay name=audio-depay ! aacparse";
  if (g_ascii_strcasecmp (encoding_name, "MP4A-LATM") == 0)
    return "rtpmp4adepay name=audio-depay ! aacparse";
  if (g_ascii_strcasecmp (encoding_name, "PCMA") == 0)
    return "rtppcmadepay name=audio-depay";
  return "rtppcmudepay name=audio-depay";
}

/* The recording branch, one element at a time (the launcher builds them
 * again when recording resumes after a full disk). */
gchar *
rb_pipeline_record_queue (void)
{
  return g_strdup ("queue name=record-queue max-size-buffers=0 "
      "max-size-time=0 max-size-bytes=67108864");
}

gchar *
rb_pipeline_audio_record_queue (void)
{
  return g_strdup ("queue name=audio-record-queue max-size-buffers=0 "
      "max-size-time=0 max-size-bytes=8388608");
}

gchar *
rb_pipeline_recorder (const gchar * raw_dir, const gchar * queue_dir,
    guint64 segment_ns, const gchar * source_name)
{
  g_autofree gchar *raw = rb_pipeline_quote (raw_dir);
  g_autofree gchar *queue = rb_pipeline_quote (queue_dir);
  g_autofree gchar *source = rb_pipeline_quote (source_name);

  return g_strdup_printf ("segmentqueue name=recorder location=%s queue=%s "
      "max-size-time=%" G_GUINT64_FORMAT " source-name=%s detections=true",
      raw, queue, segment_ns, source);
}

gchar *
rb_pipeline_camera (const RbCameraPipelineParams * p)
{
  gboolean h265 = g_ascii_strcasecmp (p->encoding_name, "H265") == 0;
  gboolean jpeg = g_ascii_strcasecmp (p->encoding_name, "JPEG") == 0;
  const gchar *codec = h265 ? "h265" : "h264";
  g_autofree gchar *ingest = jpeg ?
      g_strdup ("rtpjpegdepay name=depay ! jpegparse name=parse") :
      g_strdup_printf ("rtp%sdepay name=depay "
      "! %sparse name=parse config-interval=-1", codec, codec);
  g_autofree gchar *record_queue = rb_pipeline_record_queue ();
  g_autofree gchar *audio_record_queue = rb_pipeline_audio_record_queue ();
  g_autofree gchar *recorder = rb_pipeline_recorder (p->raw_dir,
      p->queue_dir, p->segment_ns, p->source_name);
  GString *d = g_string_new (NULL);

  /* The recorder's queue never waits for the live path. The live branch
   * drops whole decoded frames in its leaky queue when anonymization falls
   * behind (never passes them unmasked); it holds up to 400 ms so that a
   * burst from the jitter buffer or the decoder is not dropped. headblur
   * runs on one OpenCV thread: with several cameras and workers in one
   * process OpenCV's process-wide pool only adds overhead. x264enc encodes
   * single-slice (threads=1): with sliced threads (two slices a frame)
   * ffmpeg's RTSP client corrupts the top slice of every P-frame;
   * key-int-max is set from the frame rate at run time.
   * headblur attaches its detections as metas, which the launcher records
   * into the segments' sidecars (rb-detections.c) for the workers. It
   * holds back live-lookahead frames (RB_LIVE_LOOKAHEAD by default) and
   * detects on every RB_LIVE_DETECTION_INTERVAL-th: a head is masked in
   * the frames before its first detection too, and the detector's cost
   * falls by 40 % against every third frame without look-ahead, with fewer
   * heads exposed (bench/eval/README.md, "Look-ahead on the live path");
   * [headblur] detection-interval overrides it.
   * safedec (libavcodec, as avdec) flags every frame decoded with errors
   * or after a loss, until the next clean key frame, and headblur masks
   * those whole (corrupt-mode): garbage from a damaged stream is never
   * passed on. */
  g_string_append_printf (d, "%s "
      "! tee name=tee allow-not-linked=true "
      "tee. ! %s ! %s "
      "tee. ! queue name=live-queue max-size-buffers=0 "
      "max-size-time=2000000000 max-size-bytes=0 "
      "! safedec name=decoder "
      "! queue name=live-leaky-queue max-size-buffers=0 "
      "max-size-time=400000000 max-size-bytes=0 leaky=downstream "
      "! videoconvert name=convert "
      "! headblur name=headblur threads=1 attach-meta=true "
      "detection-interval=%u lookahead=%u "
      "! %s%sx264enc name=encoder tune=zerolatency speed-preset=ultrafast "
      "threads=1 bitrate=%u key-int-max=30 "
      "! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,"
      "alignment=au "
      "! appsink name=live-sink sync=false max-buffers=4 drop=true",
      ingest, record_queue, recorder, RB_LIVE_DETECTION_INTERVAL,
      p->lookahead, p->overlay ? p->overlay : "",
      p->substream_width ? "tee name=sub-tee ! " : "", p->bitrate_kbps);

  /* the sub-stream: the same anonymized frames, scaled (borders keep the
   * shape) and encoded apart; its leaky queue drops frames rather than
   * hold up the main stream; its appsink does not preroll (async=false):
   * the main one, in the tee's thread, would wait for it forever */
  if (p->substream_width)
    g_string_append_printf (d, " sub-tee. ! queue name=sub-queue "
        "max-size-buffers=2 max-size-time=0 max-size-bytes=0 "
        "leaky=downstream ! videoscale name=sub-scale add-borders=true "
        "! video/x-raw,width=%u,height=%u,pixel-aspect-ratio=1/1 "
        "! x264enc name=sub-encoder tune=zerolatency speed-preset=ultrafast "
        "threads=1 bitrate=%u key-int-max=30 "
        "! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,"
        "alignment=au "
        "! appsink name=sub-sink sync=false async=false max-buffers=4 "
        "drop=true",
        p->substream_width, p->substream_height, p->substream_bitrate_kbps);

  /* audio as it comes: recorded, and passed to the live streams when they
   * carry it (never re-encoded) */
  if (p->audio_encoding_name != NULL) {
    g_string_append_printf (d, " %s "
        "! tee name=audio-tee allow-not-linked=true "
        "audio-tee. ! %s ! recorder.audio_0",
        audio_depay (p->audio_encoding_name), audio_record_queue);
    if (p->live_audio)
      g_string_append (d, " audio-tee. ! queue name=live-audio-queue "
          "max-size-buffers=0 max-size-time=1000000000 max-size-bytes=0 "
          "leaky=downstream "
          "! appsink name=live-audio-sink sync=false max-buffers=32 "
          "drop=true");
  }
  return g_string_free (d, FALSE);
}

gchar *
rb_pipeline_overlay (const RbCameraConfig * camera)
{
  static const gchar *const halign[] = { "left", "right", "left", "right" };
  static const gchar *const valign[] = { "top", "top", "bottom", "bottom" };
  g_autofree gchar *text = NULL;
  guint pos = MIN ((guint) camera->overlay_position, 3);

  if (camera->overlay == RB_OVERLAY_NONE)
    return NULL;
  if (camera->overlay != RB_OVERLAY_TIME)
    text = rb_pipeline_quote (camera->name);
  /* timeoverlay shows the NTP time of the frames' reference timestamp
   * metas (rb-wallclock.h) as a date from the prime epoch (1900) */
  return g_strdup_printf ("%s name=overlay%s%s halignment=%s valignment=%s "
      "shaded-background=true font-desc=\"Sans, 18\" "
      "%s! ", camera->overlay == RB_OVERLAY_NAME ? "textoverlay" :
      "timeoverlay", text ? " text=" : "", text ? text : "", halign[pos],
      valign[pos], camera->overlay == RB_OVERLAY_NAME ? "" :
      "time-mode=reference-timestamp show-times-as-dates=true "
      "datetime-format=\"%F %T\" ");
}

gchar *
rb_pipeline_segment (const gchar * raw, const gchar * out, gboolean audio,
    const gchar * overlay)
{
  g_autofree gchar *in = rb_pipeline_quote (raw);
  g_autofree gchar *to = rb_pipeline_quote (out);

  /* latency does not matter for recordings: headblur masks the live
   * path's detections of the segment (its sidecar, fed by the worker as
   * metas: upstream-detections) and detects on every frame they do not
   * cover, looking ahead (lookahead is set from segment-lookahead); the
   * encoder is x264's ultrafast preset at constant quantizer 23 (the
   * workers' speed target, 4x real time per core at 1080p15, leaves no
   * room for more); the audio track, if kept, is copied as it is, through
   * an unbounded queue: the muxer waits for video that headblur's
   * look-ahead and x264enc's hold back, and a full audio queue would block
   * the demuxer (deadlock); safedec flags the frames decoded with errors
   * or after a loss, which headblur masks whole */
  return g_strdup_printf ("filesrc name=src location=%s "
      "! matroskademux name=demux "
      "demux.video_0 ! queue ! parsebin ! safedec name=decoder "
      "! videoconvert ! headblur name=blur detection-interval=1 threads=1 "
      "upstream-detections=true "
      "! %svideoconvert ! x264enc name=encoder speed-preset=ultrafast "
      "threads=1 pass=qual quantizer=23 ! h264parse ! matroskamux name=mux "
      "! filesink name=sink location=%s%s", in, overlay ? overlay : "", to,
      audio ? " demux.audio_0 ! queue max-size-buffers=0 max-size-time=0 "
      "max-size-bytes=0 ! mux.audio_0" : "");
}

gchar *
rb_pipeline_remux (const gchar * raw, const gchar * out, gboolean audio)
{
  g_autofree gchar *in = rb_pipeline_quote (raw);
  g_autofree gchar *to = rb_pipeline_quote (out);

  /* no parser: the video stream is copied bit for bit */
  return g_strdup_printf ("filesrc name=src location=%s "
      "! matroskademux name=demux "
      "demux.video_0 ! queue max-size-buffers=0 max-size-time=0 "
      "max-size-bytes=0 ! matroskamux name=mux "
      "! filesink name=sink location=%s%s", in, to,
      audio ? " demux.audio_0 ! queue max-size-buffers=0 max-size-time=0 "
      "max-size-bytes=0 ! mux.audio_0" : "");
}

gchar *
rb_pipeline_verify (const gchar * path)
{
  g_autofree gchar *in = rb_pipeline_quote (path);

  /* safedec: a raw segment is remuxed only if no frame of it is flagged
   * corrupted */
  return g_strdup_printf ("filesrc name=src location=%s "
      "! matroskademux name=demux demux.video_0 ! queue ! parsebin ! safedec "
      "! fakesink name=sink sync=false", in);
}

gchar *
rb_pipeline_publish (const gchar * audio_caps)
{
  const gchar *pay = NULL;

  if (audio_caps == NULL)
    return g_strdup ("( appsrc name=src is-live=true format=time "
        "block=false leaky-type=downstream max-bytes=8000000 "
        "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )");

  if (g_str_has_prefix (audio_caps, "audio/mpeg"))
    pay = "aacparse ! rtpmp4gpay name=pay1 pt=97";
  else if (g_str_has_prefix (audio_caps, "audio/x-alaw"))
    pay = "rtppcmapay name=pay1";
  else
    pay = "rtppcmupay name=pay1";
  return g_strdup_printf ("( appsrc name=src is-live=true format=time "
      "block=false leaky-type=downstream max-bytes=8000000 "
      "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 "
      "appsrc name=audio-src is-live=true format=time block=false "
      "leaky-type=downstream max-bytes=1000000 ! %s )", pay);
}

gchar *
rb_pipeline_hls (guint target_duration_s, guint playlist_length,
    guint max_files)
{
  /* the appsrc never blocks the feed: a stalled packager loses frames,
   * never delays the RTSP viewers */
  return g_strdup_printf ("appsrc name=src is-live=true format=time "
      "block=false leaky-type=downstream max-bytes=8000000 "
      "! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au "
      "! hlssink2 name=sink target-duration=%u playlist-length=%u "
      "max-files=%u send-keyframe-requests=false "
      "location=segment%%05d.ts playlist-location=index.m3u8",
      target_duration_s, playlist_length, max_files);
}
