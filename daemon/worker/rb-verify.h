/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_VERIFY_H__
#define __RB_VERIFY_H__

#include <glib.h>

G_BEGIN_DECLS

/* The rules by which a segment worker accepts its output and judges its
 * input, GLib only (unit-tested in tests/check/daemon/verify.c). */

#define RB_VERIFY_ERROR (rb_verify_error_quark ())

typedef enum {
  RB_VERIFY_ERROR_DAMAGED,        /* the raw segment is damaged: quarantine */
  RB_VERIFY_ERROR_MISMATCH,       /* the output does not match: retry */
} RbVerifyError;

GQuark rb_verify_error_quark (void);

/* Video frames counted at one point of a pipeline: how many, the first
 * timestamp and the end of the last frame, ns (G_MAXUINT64: none). */
typedef struct {
  guint64 frames;
  guint64 first;
  guint64 end;
} RbFrameCount;

#define RB_FRAME_COUNT_INIT { 0, G_MAXUINT64, G_MAXUINT64 }

void     rb_frame_count_add (RbFrameCount * count, guint64 pts,
                             guint64 duration);
guint64  rb_frame_count_duration (const RbFrameCount * count);

gboolean rb_verify_input (const RbFrameCount * decoded,
                          guint64 queued_duration, GError ** error);

gboolean rb_verify_output (const RbFrameCount * fed,
                           const RbFrameCount * decoded, GError ** error);

G_END_DECLS

#endif /* __RB_VERIFY_H__ */
