/* rtsp-blur: tests for the safedec element
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A moving test pattern is encoded (x264enc, x265enc) and pushed
 * through safedec with GstHarness, intact or damaged: slice data zeroed in
 * one frame, a DISCONT or CORRUPTED input buffer, a GAP event flagged
 * missing data, a stream starting in the middle of a GOP. Every output
 * frame from the damage to the next key frame must be flagged
 * GST_BUFFER_FLAG_CORRUPTED, and no other; the stats count them. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <string.h>

#define GOP 10
#define N_FRAMES 40

#define H264_BASELINE "x264enc tune=zerolatency speed-preset=ultrafast " \
    "threads=1 bitrate=400 key-int-max=10 " \
    "! video/x-h264,profile=constrained-baseline ! h264parse"
#define H264_HIGH "x264enc speed-preset=ultrafast threads=1 bitrate=400 " \
    "key-int-max=10 bframes=2 b-adapt=false ! video/x-h264,profile=high " \
    "! h264parse"
#define H265 "x265enc speed-preset=ultrafast bitrate=300 key-int-max=10 " \
    "option-string=bframes=0:scenecut=0 ! h265parse"

typedef struct
{
  GstCaps *caps;
  GPtrArray *buffers;           /* encoded, in decoding order */
} Encoded;

static void
encoded_free (Encoded * e)
{
  gst_caps_unref (e->caps);
  g_ptr_array_unref (e->buffers);
  g_free (e);
}

/* N_FRAMES of a moving SMPTE pattern, 320x240 at 15 fps, through @encoder
 * (a gst-launch fragment ending in a parser) into caps @format. */
static Encoded *
encode (const gchar * encoder, const gchar * format)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%d pattern=smpte "
      "horizontal-speed=3 ! video/x-raw,format=I420,width=320,height=240,"
      "framerate=15/1 ! %s ! %s ! appsink name=sink sync=false", N_FRAMES,
      encoder, format);
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *sink;
  Encoded *e = g_new0 (Encoded, 1);
  GstSample *sample;

  fail_unless (pipeline != NULL, "%s: %s", desc, err ? err->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  e->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL) {
    if (e->caps == NULL)
      e->caps = gst_caps_copy (gst_sample_get_caps (sample));
    g_ptr_array_add (e->buffers, gst_buffer_ref (gst_sample_get_buffer
            (sample)));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  fail_unless_equals_int (e->buffers->len, N_FRAMES);
  return e;
}

static gboolean
is_key (GstBuffer * b)
{
  return !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
}

/* A writable copy of the encoded frame @i, with the flags of the original
 * but DISCONT. */
static GstBuffer *
frame_copy (Encoded * e, guint i)
{
  GstBuffer *b = gst_buffer_copy_deep (g_ptr_array_index (e->buffers, i));

  GST_BUFFER_FLAG_UNSET (b, GST_BUFFER_FLAG_DISCONT);
  return b;
}

/* Zeroes the second half of @b: its slice data is cut short (a byte-stream
 * NAL ends at the first zero bytes), so the decoder conceals what is
 * missing. */
static void
damage (GstBuffer * b)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (b, &map, GST_MAP_WRITE));
  fail_unless (map.size > 200);
  memset (map.data + map.size / 2, 0, map.size - map.size / 2);
  gst_buffer_unmap (b, &map);
}

typedef enum
{
  HARM_NONE,
  HARM_DAMAGE,                  /* damage() frame @at */
  HARM_DISCONT,                 /* frame @at flagged DISCONT */
  HARM_CORRUPTED,               /* frame @at flagged CORRUPTED */
  HARM_GAP,                     /* a missing-data GAP event before @at */
  HARM_START,                   /* the stream starts at frame @at */
  HARM_OPENING,                 /* frames 0 to @at flagged DISCONT */
} Harm;

typedef struct
{
  GstHarness *h;
  GPtrArray *out;               /* output buffers, in output order */
  GstStructure *stats;
} Decoded;

static void
decoded_free (Decoded * d)
{
  g_ptr_array_unref (d->out);
  gst_structure_free (d->stats);
  gst_harness_teardown (d->h);
  g_free (d);
}

/* Pushes @e through "safedec" with @harm done at frame @at, then EOS;
 * collects what comes out. */
static Decoded *
decode (Encoded * e, Harm harm, guint at)
{
  Decoded *d = g_new0 (Decoded, 1);
  GstBuffer *b;
  guint i;

  d->h = gst_harness_new ("safedec");
  d->out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  gst_harness_set_src_caps (d->h, gst_caps_ref (e->caps));
  for (i = harm == HARM_START ? at : 0; i < e->buffers->len; i++) {
    b = frame_copy (e, i);
    if (harm == HARM_OPENING && i <= at)
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
    if (i == at) {
      switch (harm) {
        case HARM_DAMAGE:
          damage (b);
          break;
        case HARM_DISCONT:
          GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
          break;
        case HARM_CORRUPTED:
          GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_CORRUPTED);
          break;
        case HARM_GAP:{
          GstEvent *gap = gst_event_new_gap (GST_BUFFER_PTS (b) -
              GST_BUFFER_DURATION (b), GST_BUFFER_DURATION (b));

          gst_event_set_gap_flags (gap, GST_GAP_FLAG_MISSING_DATA);
          fail_unless (gst_harness_push_event (d->h, gap));
          break;
        }
        default:
          break;
      }
    }
    fail_unless_equals_int (gst_harness_push (d->h, b), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (d->h, gst_event_new_eos ()));
  while ((b = gst_harness_try_pull (d->h)) != NULL)
    g_ptr_array_add (d->out, b);
  g_object_get (d->h->element, "stats", &d->stats, NULL);
  return d;
}

/* The index, in decoding order, of the first key frame at or after frame
 * @from. */
static guint
next_key (Encoded * e, guint from)
{
  guint i;

  for (i = from; i < e->buffers->len; i++)
    if (is_key (g_ptr_array_index (e->buffers, i)))
      break;
  return i;
}

static guint64
stat (Decoded * d, const gchar * field)
{
  guint64 v = G_MAXUINT64;

  fail_unless (gst_structure_get_uint64 (d->stats, field, &v), "%s", field);
  return v;
}

/* Every output frame submitted (decoding order) as frame @from to @to - 1
 * of @e is flagged CORRUPTED, and no other; the stats say so. Returns how
 * many were flagged. */
static guint
assert_flagged (Decoded * d, Encoded * e, guint from, guint to)
{
  GHashTable *expected = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint flagged = 0;

  for (guint i = from; i < to && i < e->buffers->len; i++)
    g_hash_table_add (expected,
        &GST_BUFFER_PTS (g_ptr_array_index (e->buffers, i)));
  for (guint i = 0; i < d->out->len; i++) {
    GstBuffer *b = g_ptr_array_index (d->out, i);
    gint64 pts = GST_BUFFER_PTS (b);
    gboolean should = g_hash_table_contains (expected, &pts);
    gboolean corrupted = GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_CORRUPTED);

    fail_unless (corrupted == should, "output frame %u (pts %"
        GST_TIME_FORMAT ") %s flagged corrupted; expected: frames %u to %d",
        i, GST_TIME_ARGS (GST_BUFFER_PTS (b)), corrupted ? "is" : "is not",
        from, (gint) to - 1);
    flagged += corrupted;
  }
  g_hash_table_unref (expected);
  fail_unless_equals_uint64 (stat (d, "frames"), d->out->len);
  fail_unless_equals_uint64 (stat (d, "corrupt-frames"), flagged);
  return flagged;
}

/* frame @at of the second GOP, and the key frame after it */
#define AT (GOP + GOP / 2)

GST_START_TEST (test_clean_stream_not_flagged)
{
  const gchar *encoders[] = { H264_BASELINE, H264_HIGH, H265 };

  for (guint k = 0; k < G_N_ELEMENTS (encoders); k++) {
    Encoded *e = encode (encoders[k], k < 2 ?
        "video/x-h264,stream-format=byte-stream,alignment=au" :
        "video/x-h265,stream-format=byte-stream,alignment=au");
    Decoded *d = decode (e, HARM_NONE, 0);

    /* every frame, in display order, none flagged */
    fail_unless_equals_int (d->out->len, N_FRAMES);
    for (guint i = 1; i < d->out->len; i++)
      fail_unless (GST_BUFFER_PTS (g_ptr_array_index (d->out, i)) >
          GST_BUFFER_PTS (g_ptr_array_index (d->out, i - 1)));
    assert_flagged (d, e, 0, 0);
    fail_unless_equals_uint64 (stat (d, "decode-errors"), 0);
    fail_unless_equals_uint64 (stat (d, "losses"), 0);
    decoded_free (d);
    encoded_free (e);
  }
}

GST_END_TEST;

/* Damaged slice data: libavcodec conceals it and says so; that frame and
 * the ones that reference it, up to the next key frame, are flagged. */
GST_START_TEST (test_damaged_frame_flagged_until_key_frame)
{
  Encoded *e = encode (H264_BASELINE,
      "video/x-h264,stream-format=byte-stream,alignment=au");
  GstBuffer *at = g_ptr_array_index (e->buffers, AT);
  Decoded *d;

  fail_if (is_key (at));
  d = decode (e, HARM_DAMAGE, AT);
  fail_unless_equals_int (d->out->len, N_FRAMES);
  fail_unless_equals_int (assert_flagged (d, e, AT, next_key (e, AT)),
      GOP - GOP / 2);
  fail_unless (stat (d, "decode-errors") >= 1);
  decoded_free (d);
  encoded_free (e);
}

GST_END_TEST;

/* A loss (DISCONT, as rtph264depay marks the buffer after missing RTP
 * packets), a buffer flagged CORRUPTED and a GAP event flagged missing
 * data: the intact frames decoded after it are flagged until the next key
 * frame. */
GST_START_TEST (test_loss_flagged_until_key_frame)
{
  Harm harms[] = { HARM_DISCONT, HARM_CORRUPTED, HARM_GAP };
  Encoded *e = encode (H264_BASELINE,
      "video/x-h264,stream-format=byte-stream,alignment=au");

  for (guint k = 0; k < G_N_ELEMENTS (harms); k++) {
    Decoded *d = decode (e, harms[k], AT);

    fail_unless_equals_int (d->out->len, N_FRAMES);
    fail_unless_equals_int (assert_flagged (d, e, AT, next_key (e, AT)),
        GOP - GOP / 2);
    fail_unless_equals_uint64 (stat (d, "losses"), 1);
    fail_unless_equals_uint64 (stat (d, "decode-errors"), 0);
    decoded_free (d);
  }
  encoded_free (e);
}

GST_END_TEST;

/* Joining a stream in the middle of a GOP: nothing before the first key
 * frame comes out unflagged. */
GST_START_TEST (test_start_mid_gop)
{
  Encoded *e = encode (H264_BASELINE,
      "video/x-h264,stream-format=byte-stream,alignment=au");
  Decoded *d = decode (e, HARM_START, GOP / 2);

  /* what comes before the first key frame (if anything) */
  assert_flagged (d, e, GOP / 2, next_key (e, GOP / 2));
  fail_unless (d->out->len >= N_FRAMES - GOP);
  decoded_free (d);
  encoded_free (e);
}

GST_END_TEST;

/* A parser may mark several buffers DISCONT when a stream opens
 * (GstBaseParse carries the flag over the frames it waited for: h265parse
 * does so on the leading pictures of a file that starts with a CRA): no
 * loss, nothing flagged. */
GST_START_TEST (test_opening_disconts_not_losses)
{
  Encoded *e = encode (H264_BASELINE,
      "video/x-h264,stream-format=byte-stream,alignment=au");
  Decoded *d = decode (e, HARM_OPENING, 2);

  fail_unless_equals_int (d->out->len, N_FRAMES);
  assert_flagged (d, e, 0, 0);
  fail_unless_equals_uint64 (stat (d, "losses"), 0);
  decoded_free (d);
  encoded_free (e);
}

GST_END_TEST;

/* The Matroska path (stream-format=avc with codec_data), B-frames
 * (reordered output) and H.265: a DISCONT flags the frames from it to the
 * next key frame in display order. */
GST_START_TEST (test_loss_other_streams)
{
  const gchar *encoders[] = { H264_HIGH, H264_BASELINE, H265 };
  const gchar *formats[] = {
    "video/x-h264,stream-format=avc,alignment=au",
    "video/x-h264,stream-format=avc,alignment=au",
    "video/x-h265,stream-format=hvc1,alignment=au",
  };

  for (guint k = 0; k < G_N_ELEMENTS (encoders); k++) {
    Encoded *e = encode (encoders[k], formats[k]);
    Decoded *d;
    guint at = AT;

    /* a reference frame (B-frames are not referenced here) */
    while (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (e->buffers, at),
            GST_BUFFER_FLAG_DROPPABLE))
      at++;
    fail_unless (gst_caps_is_fixed (e->caps));
    d = decode (e, HARM_DISCONT, at);
    fail_unless_equals_int (d->out->len, N_FRAMES);
    fail_unless (assert_flagged (d, e, at, next_key (e, at)) > 0);
    decoded_free (d);
    encoded_free (e);
  }
}

GST_END_TEST;

/* Motion JPEG: a clean stream comes out whole, unflagged; an image cut
 * short (which libavcodec's JPEG decoder would conceal without a word) is
 * never shown: it does not come out, or comes out flagged, and every other
 * image comes out at its own time, unflagged. */
GST_START_TEST (test_mjpeg)
{
  Encoded *e = encode ("jpegenc", "jpegparse");
  Decoded *d = decode (e, HARM_NONE, 0);
  GstClockTime damaged = GST_BUFFER_PTS (g_ptr_array_index (e->buffers, AT));
  guint shown = 0;

  fail_unless_equals_int (d->out->len, N_FRAMES);
  assert_flagged (d, e, 0, 0);
  decoded_free (d);

  d = decode (e, HARM_DAMAGE, AT);
  for (guint i = 0; i < d->out->len; i++) {
    GstBuffer *b = g_ptr_array_index (d->out, i);
    gboolean corrupted = GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_CORRUPTED);

    if (GST_BUFFER_PTS (b) == damaged) {
      fail_unless (corrupted, "the damaged image is shown");
    } else {
      fail_if (corrupted, "image at %" GST_TIME_FORMAT " flagged",
          GST_TIME_ARGS (GST_BUFFER_PTS (b)));
      fail_unless_equals_uint64 (GST_BUFFER_PTS (b),
          GST_BUFFER_PTS (g_ptr_array_index (e->buffers, shown +
                  (GST_BUFFER_PTS (b) > damaged))));
      shown++;
    }
  }
  fail_unless_equals_int (shown, N_FRAMES - 1);
  decoded_free (d);
  encoded_free (e);
}

GST_END_TEST;

static Suite *
safedec_suite (void)
{
  Suite *s = suite_create ("safedec");
  TCase *tc = tcase_create ("flags");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_clean_stream_not_flagged);
  tcase_add_test (tc, test_damaged_frame_flagged_until_key_frame);
  tcase_add_test (tc, test_loss_flagged_until_key_frame);
  tcase_add_test (tc, test_start_mid_gop);
  tcase_add_test (tc, test_opening_disconts_not_losses);
  tcase_add_test (tc, test_loss_other_streams);
  tcase_add_test (tc, test_mjpeg);
  return s;
}

GST_CHECK_MAIN (safedec);
