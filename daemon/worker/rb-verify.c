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

/* What a segment worker accepts.
 *
 * Like is compared with like: the anonymized output must decode to the
 * frames the decoder really yielded from the raw segment and fed to the
 * encoder (a segment that starts on an open GOP, or ends on a frame whose
 * reference was cut, yields fewer frames than it holds, and that is
 * normal), with the same duration within one frame (at most 200 ms). A
 * truncated or wrong output fails (RB_VERIFY_ERROR_MISMATCH: retried).
 *
 * The raw segment itself is held to the duration it was queued with: one
 * that decodes to nothing, or to less than that duration minus 1 s (or
 * minus 10 %, whichever is more), was cut short or damaged on disk
 * (RB_VERIFY_ERROR_DAMAGED: anonymizing it again would give the same, it
 * is quarantined with its raw file kept). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-verify.h"

#define SECOND G_GUINT64_CONSTANT (1000000000)
#define DAMAGE_SLACK SECOND
#define MAX_DURATION_SLACK (SECOND / 5)

G_DEFINE_QUARK (rb-verify-error-quark, rb_verify_error);

void
rb_frame_count_add (RbFrameCount * count, guint64 pts, guint64 duration)
{
  count->frames++;
  if (pts == G_MAXUINT64)
    return;
  if (count->first == G_MAXUINT64 || pts < count->first)
    count->first = pts;
  if (duration != G_MAXUINT64)
    pts += duration;
  if (count->end == G_MAXUINT64 || pts > count->end)
    count->end = pts;
}

guint64
rb_frame_count_duration (const RbFrameCount * count)
{
  if (count->first == G_MAXUINT64 || count->end == G_MAXUINT64)
    return 0;
  return count->end - count->first;
}

/**
 * rb_verify_input:
 * @decoded: the frames decoded from the raw segment
 * @queued_duration: the duration it was queued with, ns, or G_MAXUINT64
 *   when unknown (a segment recovered after a crash)
 * @error: return location for a RB_VERIFY_ERROR_DAMAGED error
 *
 * Returns: %FALSE when the raw segment is damaged.
 */
gboolean
rb_verify_input (const RbFrameCount * decoded, guint64 queued_duration,
    GError ** error)
{
  guint64 got = rb_frame_count_duration (decoded);
  guint64 slack;

  if (decoded->frames == 0) {
    g_set_error (error, RB_VERIFY_ERROR, RB_VERIFY_ERROR_DAMAGED,
        "the raw segment holds no video frame that decodes");
    return FALSE;
  }
  if (queued_duration == G_MAXUINT64)
    return TRUE;
  slack = MAX (DAMAGE_SLACK, queued_duration / 10);
  if (got + slack < queued_duration) {
    g_set_error (error, RB_VERIFY_ERROR, RB_VERIFY_ERROR_DAMAGED,
        "the raw segment is damaged: it decodes to %.2f s of the %.2f s "
        "recorded", got / 1e9, queued_duration / 1e9);
    return FALSE;
  }
  return TRUE;
}

/**
 * rb_verify_output:
 * @fed: the frames the anonymizing pipeline fed its encoder
 * @decoded: the frames decoded from its output
 * @error: return location for a RB_VERIFY_ERROR_MISMATCH error
 *
 * Returns: %TRUE when the output holds what was fed to the encoder: the
 * same number of frames over the same duration (within one frame, at most
 * 200 ms).
 */
gboolean
rb_verify_output (const RbFrameCount * fed, const RbFrameCount * decoded,
    GError ** error)
{
  guint64 want = rb_frame_count_duration (fed);
  guint64 got = rb_frame_count_duration (decoded);
  guint64 tolerance = fed->frames > 0 ?
      MIN (want / fed->frames + SECOND / 1000, MAX_DURATION_SLACK) : 0;
  guint64 diff = got > want ? got - want : want - got;

  if (decoded->frames != fed->frames || diff > tolerance) {
    g_set_error (error, RB_VERIFY_ERROR, RB_VERIFY_ERROR_MISMATCH,
        "verification failed: %" G_GUINT64_FORMAT " frames over %.3f s "
        "decoded, expected %" G_GUINT64_FORMAT " frames over %.3f s",
        decoded->frames, got / 1e9, fed->frames, want / 1e9);
    return FALSE;
  }
  return TRUE;
}
