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

#ifndef __RB_SIDECAR_H__
#define __RB_SIDECAR_H__

#include <glib.h>

#include "rb-box.h"

G_BEGIN_DECLS

/* The detections sidecar of a raw segment (SEGMENT.mkv.detections): what
 * the live path detected and masked on each frame, written while the
 * segment is recorded, read by the segment workers. GLib only. The format
 * (version 1) is text, one record a line, each line sealed with the CRC-32
 * of its body:
 *
 *   BODY *XXXXXXXX\n          (XXXXXXXX: CRC-32 of BODY, lowercase hex)
 *
 * Bodies:
 *   rb-detections 1                      first line: format and version
 *   f PTS FLAGS INTERVAL [BOX ...]       one frame
 *   l PTS                                a loss: the recorded frame at
 *                                        PTS was the first after
 *                                        missing data (RTP packets lost);
 *                                        it and the frames decoded after it
 *                                        are damaged until a key frame
 *   w PTS UNIX_NS                        the frame at PTS was taken at
 *                                        UNIX_NS (ns since 1970 UTC: the
 *                                        camera's RTCP time, else the
 *                                        arrival time), about once a
 *                                        second: the overlay's clock
 *   end                                  the live path went past the
 *                                        segment's end: nothing is missing
 *
 * PTS is the frame's running time in ns (the time the raw segment stores
 * it at), FLAGS a word of letters ('d': the detector ran on the frame, 'o':
 * the frame was masked whole because detection fell behind) or '-',
 * INTERVAL the live path's detection-interval, BOX `X,Y,W,H,SOURCE,SCORE`
 * in frame pixels, SOURCE `det` (a detection on this frame), `face`,
 * `person` or `track` (a tracked head, no detection), SCORE 0-1. A frame
 * may appear in the sidecars of two adjacent segments (each holds about a
 * second of its neighbours' frames, for smoothing across the cut). A line
 * whose CRC does not match (a torn write, a corrupt disk) is ignored: its
 * frame counts as not covered. */

#define RB_SIDECAR_SUFFIX ".detections"
#define RB_SIDECAR_VERSION 1
/* frames of the neighbouring segments kept in each sidecar, ns */
#define RB_SIDECAR_CONTEXT_NS (G_GUINT64_CONSTANT (1500000000))
/* frames the writer keeps in memory for a segment not opened yet, ns: a
 * recorder opens a segment only once it has its first GOP (splitmuxsink),
 * so up to a GOP after the live path has passed its first frames */
#define RB_SIDECAR_RING_NS (G_GUINT64_CONSTANT (12000000000))

typedef enum {
  RB_SIDECAR_FRAME_DETECTED = 1 << 0,   /* the detector ran on the frame */
  RB_SIDECAR_FRAME_OVERLOAD = 1 << 1,   /* masked whole (detection behind) */
} RbSidecarFrameFlags;

typedef struct {
  guint64 pts;                  /* running time, ns */
  guint flags;                  /* RbSidecarFrameFlags */
  guint interval;               /* live detection-interval, frames, >= 1 */
  GArray *boxes;                /* RbBox */
} RbSidecarFrame;

typedef struct {
  guint64 pts;                  /* running time, ns */
  gint64 unix_ns;               /* wall-clock time, ns since 1970 UTC */
} RbSidecarClock;

typedef struct {
  GArray *frames;               /* RbSidecarFrame, sorted by pts, unique */
  GArray *losses;               /* guint64 pts of the `l` lines, sorted,
                                 * unique */
  GArray *clocks;               /* RbSidecarClock of the `w` lines, sorted
                                 * by pts */
  gboolean complete;            /* the `end` line is there */
  gboolean torn;                /* the last line is cut short (ignored) */
  guint bad_lines;              /* other lines ignored (CRC, syntax) */
} RbSidecar;

gchar *rb_sidecar_path (const gchar * segment);

/* The body of a frame line (no seal): "f PTS FLAGS INTERVAL BOX...". */
gchar *rb_sidecar_format_frame (guint64 pts, guint flags, guint interval,
                                const RbBox * boxes, guint n_boxes);
/* The body of a loss line (no seal): "l PTS". */
gchar *rb_sidecar_format_loss (guint64 pts);
/* The body of a clock line (no seal): "w PTS UNIX_NS". */
gchar *rb_sidecar_format_clock (guint64 pts, gint64 unix_ns);
/* Whether a loss line is within @tolerance ns of @pts. */
gboolean rb_sidecar_has_loss (const RbSidecar * sidecar, guint64 pts,
                              guint64 tolerance);
/* @body + " *CRC\n". */
gchar *rb_sidecar_seal (const gchar * body);

RbSidecar *rb_sidecar_load (const gchar * path, GError ** error);
RbSidecar *rb_sidecar_parse (const gchar * text, gsize length,
                             const gchar * path, GError ** error);
void rb_sidecar_free (RbSidecar * sidecar);

const RbSidecarFrame *rb_sidecar_lookup (const RbSidecar * sidecar,
                                         guint64 pts, guint64 tolerance);
gboolean rb_sidecar_covered (const RbSidecar * sidecar, guint64 pts,
                             guint64 frame_duration);

/* The writer the recorder uses: routes frame lines to the sidecars of the
 * open segments by running time. Thread-safe. */
typedef struct _RbSidecarWriter RbSidecarWriter;

RbSidecarWriter *rb_sidecar_writer_new (void);
void rb_sidecar_writer_free (RbSidecarWriter * writer);
gboolean rb_sidecar_writer_open (RbSidecarWriter * writer,
                                 const gchar * segment, guint64 start,
                                 GError ** error);
void rb_sidecar_writer_segment_closed (RbSidecarWriter * writer,
                                       const gchar * segment, guint64 end);
void rb_sidecar_writer_add (RbSidecarWriter * writer, guint64 pts,
                            const gchar * body);
void rb_sidecar_writer_finish (RbSidecarWriter * writer, gboolean complete);
void rb_sidecar_writer_flush (RbSidecarWriter * writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbSidecar, rb_sidecar_free)

G_END_DECLS

#endif /* __RB_SIDECAR_H__ */
