/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_PIPELINES_H__
#define __RB_PIPELINES_H__

#include <glib.h>

#include "rb-config.h"

G_BEGIN_DECLS

/* The pipelines the launcher runs, as gst-launch descriptions: the one
 * source of truth for the code (gst_parse_launch() /
 * gst_parse_bin_from_description()) and for pipelines/ *.txt, which a test
 * checks against them. GLib only: they build strings. Values are quoted for
 * the gst-launch syntax where needed. Elements the code talks to are named
 * (name=...). */

/* The live path's headblur, as rb_pipeline_camera() sets it before the
 * [headblur] keys (which may set another detection-interval): the detector
 * on every RB_LIVE_DETECTION_INTERVAL-th frame, and RB_LIVE_LOOKAHEAD
 * frames held back (live-lookahead's default). RB_LIVE_HEADBLUR_PROPS is
 * that in gst-launch syntax, with one thread and the detections attached
 * as metas: the benchmarks run the live path with it (bench/live,
 * bench/eval). The pipelines test checks the camera pipeline, the config's
 * default and pipelines/camera.txt against these. */
#define RB_LIVE_DETECTION_INTERVAL 5
#define RB_LIVE_LOOKAHEAD 5
/* The segment workers' headblur looks ahead this many frames by default
 * (segment-lookahead's default); they detect on every frame. */
#define RB_SEGMENT_LOOKAHEAD 15
#define RB_LIVE_HEADBLUR_PROPS "threads=1 attach-meta=true " \
  "detection-interval=" G_STRINGIFY (RB_LIVE_DETECTION_INTERVAL) \
  " lookahead=" G_STRINGIFY (RB_LIVE_LOOKAHEAD)

/* One camera, after rtspsrc: everything from the depayloader of the video
 * stream (@encoding_name "H264", "H265" or "JPEG") to the appsink that feeds the
 * live publishers (live-sink), and of the audio stream, if any, to the
 * recorder and (@live_audio) to its own appsink (live-audio-sink). The
 * description has no source pads; its unlinked sink pads are those of
 * "depay" (video) and "audio-depay". */
typedef struct {
  const gchar *encoding_name;     /* "H264", "H265" or "JPEG" */
  const gchar *audio_encoding_name; /* RTP encoding name, or NULL: no audio */
  gboolean live_audio;            /* the live streams carry the audio */
  const gchar *raw_dir;           /* segmentqueue location */
  const gchar *queue_dir;         /* segmentqueue queue */
  guint64 segment_ns;             /* segmentqueue max-size-time */
  const gchar *source_name;       /* segmentqueue source-name: the camera */
  guint bitrate_kbps;             /* live x264enc bitrate */
  guint lookahead;                /* live headblur lookahead, frames */
  const gchar *overlay;           /* rb_pipeline_overlay(), or NULL */
  guint substream_width;          /* 0: no sub-stream (sub-sink) */
  guint substream_height;
  guint substream_bitrate_kbps;
} RbCameraPipelineParams;

/* TRUE for the RTP audio encodings recorded as they come: MPEG4-GENERIC and
 * MP4A-LATM (AAC), PCMA and PCMU (G.711). */
gboolean rb_pipeline_audio_supported (const gchar * encoding_name);

gchar *rb_pipeline_camera (const RbCameraPipelineParams * params);

/* @camera's overlay (overlay=), to put between headblur and the encoder:
 * "textoverlay name=overlay ! " or "timeoverlay name=overlay ! " (which
 * shows the buffers' reference timestamp metas of rb-wallclock.h), or
 * NULL for overlay=none. rb_wallclock_setup_overlay() sets what a
 * description cannot: the time zone (the daemon's). */
gchar *rb_pipeline_overlay (const RbCameraConfig * camera);

/* The elements of its recording branch, each alone (record-queue,
 * audio-record-queue, recorder), as rb_pipeline_camera() has them. */
gchar *rb_pipeline_record_queue (void);
gchar *rb_pipeline_audio_record_queue (void);
gchar *rb_pipeline_recorder (const gchar * raw_dir, const gchar * queue_dir,
                             guint64 segment_ns, const gchar * source_name);

/* A segment worker: @raw (Matroska) anonymized into @out (filesrc
 * name=src, safedec name=decoder, headblur name=blur, filesink name=sink); with @audio the raw
 * segment's audio track is copied as it is. */
gchar *rb_pipeline_segment (const gchar * raw, const gchar * out,
                            gboolean audio, const gchar * overlay);

/* A segment in which nothing was detected, remuxed: @raw's video track
 * copied as it is into @out (filesrc name=src, filesink name=sink), with
 * the audio track when @audio. */
gchar *rb_pipeline_remux (const gchar * raw, const gchar * out,
                          gboolean audio);

/* Decodes the Matroska file @path with safedec (fakesink name=sink): the
 * check of a worker's output, and of a raw segment before it is remuxed
 * (no frame flagged corrupted). */
gchar *rb_pipeline_verify (const gchar * path);

/* The RTSP media a network listener serves per camera: the video from
 * appsrc name=src as pay0 and, when @audio_caps is not NULL (the camera's
 * audio, passed through), the audio from appsrc name=audio-src as pay1. */
gchar *rb_pipeline_publish (const gchar * audio_caps);

/* The HLS packager of one camera (daemon/web/rb-hls.c): the video
 * from appsrc name=src into hlssink2 name=sink, segments of
 * @target_duration_s cut at the key frames (no key-unit requests: the
 * appsrc cannot pass them on), the playlist listing @playlist_length,
 * @max_files kept. */
gchar *rb_pipeline_hls (guint target_duration_s, guint playlist_length,
                        guint max_files);

/* @value as a gst-launch property value: unchanged when it needs no
 * quoting, else in double quotes with " and \ escaped. */
gchar *rb_pipeline_quote (const gchar * value);

G_END_DECLS

#endif /* __RB_PIPELINES_H__ */
