/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_DETECTIONS_H__
#define __RB_DETECTIONS_H__

#include <gst/gst.h>

#include "rb-wallclock.h"

G_BEGIN_DECLS

/* Detect once, use twice: the live path's detections recorded per segment
 * (lib/rb-sidecar.h) and reused by the segment workers.
 *
 * Live: rb_detections_record() takes the region-of-interest metas that
 * headblur (attach-meta=true) puts on its output, removes them, and gives
 * each frame's line to the pipeline's segmentqueue ("recorder",
 * detections=true) with the frame's running time; the live EOS finishes
 * the sidecars. It also records, as `l` lines, the recorded frames that
 * came after missing data.
 *
 * Workers: rb_detections_load() reads a segment's sidecar and smooths its
 * detections into tracks over the whole segment (lib/rb-tracks.h);
 * rb_detections_feed() puts, before headblur (upstream-detections=true),
 * the tracks' boxes on every frame and the mark `covered` on the frames
 * the sidecar covers (rb_sidecar_covered()), so headblur detects only on
 * the others. */

void rb_detections_record (GstElement * pipeline, GstElement * headblur);
/* The frames' wall clock (rb-wallclock.h) rb_detections_record() learns
 * from the parser and writes into the sidecars (`w` lines); owned by
 * @pipeline. */
RbWallclock *rb_detections_wallclock (GstElement * pipeline);
/* The sidecar line of a frame out of headblur (attach-meta=true), or NULL
 * when it carries no headblur-frame meta. */
gchar *rb_detections_format (GstBuffer * buffer, guint64 running_time);

typedef struct _RbDetections RbDetections;

/* NULL with @error when the sidecar of @segment is missing (G_FILE_ERROR)
 * or its header is not valid (G_IO_ERROR_INVALID_DATA). @hold_time (ns):
 * how long tracks extend before and after their detections. */
RbDetections *rb_detections_load (const gchar * segment, guint64 hold_time,
                                  GError ** error);
void rb_detections_free (RbDetections * detections);

/* Attaches the probe to @headblur's sink pad; @detections must outlive the
 * pipeline's run. */
void rb_detections_feed (RbDetections * detections, GstElement * headblur);

/* "N frames, M heads, complete" (or "torn", "K corrupt lines", "L losses") */
gchar *rb_detections_describe (const RbDetections * detections);
/* The sidecar is whole (complete, no torn or corrupt line) and has no
 * head, no track, no overload frame and no loss at all. */
gboolean rb_detections_nothing_detected (const RbDetections * detections);
/* The sidecar's `end` line is there. */
gboolean rb_detections_is_complete (const RbDetections * detections);
/* The losses the recording saw (missing RTP packets), which
 * leave no trace in the raw segment; rb_detections_mark_losses() flags
 * each lossy frame CORRUPTED on @decoder's sink pad (safedec: it and
 * the frames after it are flagged corrupted up to the next clean key
 * frame). @detections must outlive the pipeline's run. */
guint rb_detections_n_losses (const RbDetections * detections);
/* Gives @clock the sidecar's wall-clock anchors; returns how many. */
guint rb_detections_add_clocks (const RbDetections * detections,
                                RbWallclock * clock);
void rb_detections_mark_losses (RbDetections * detections,
                                GstElement * decoder);
/* Whether the frame at @pts (ns) is covered. */
gboolean rb_detections_covers (const RbDetections * detections, guint64 pts);
/* Frames the feed probe saw, and of those the covered ones. */
void rb_detections_get_counts (RbDetections * detections, guint * frames,
                               guint * covered);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbDetections, rb_detections_free)

G_END_DECLS

#endif /* __RB_DETECTIONS_H__ */
