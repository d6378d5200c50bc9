/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_WALLCLOCK_H__
#define __RB_WALLCLOCK_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* The wall-clock time of a camera's frames, for the overlay.
 *
 * A frame's time is the camera's own: the NTP time of its RTCP sender
 * reports, which rtpbin puts on the buffers as a reference timestamp meta
 * with RB_WALLCLOCK_CAPS (rtspsrc add-reference-timestamp-meta=true); a
 * camera that sends none is given the time its first frame arrived at.
 * An #RbWallclock keeps anchors (running time ↔ Unix time) and gives the
 * time of any running time from the last anchor before it.
 *
 * Live: rb_wallclock_learn() watches the ingest pad; rb_detections_record()
 * writes an anchor into the segments' sidecars about every second (`w`
 * lines, rb-sidecar.h), so that the workers draw the same time on the
 * recordings; rb_wallclock_stamp() puts the time on each frame before
 * timeoverlay (time-mode=reference-timestamp, show-times-as-dates=true,
 * the prime epoch 1900-01-01 in local time). */

/* The caps of the reference timestamp meta timeoverlay shows: NTP time,
 * ns since 1900-01-01 UTC */
#define RB_WALLCLOCK_CAPS "timestamp/x-ntp"
/* seconds from the NTP epoch (1900) to the Unix epoch (1970) */
#define RB_WALLCLOCK_NTP_UNIX_S G_GUINT64_CONSTANT (2208988800)

typedef struct _RbWallclock RbWallclock;

RbWallclock *rb_wallclock_new (void);
void rb_wallclock_free (RbWallclock * clock);

/* The frame at running time @rt was taken at @unix_ns (ns since 1970). */
void rb_wallclock_add_anchor (RbWallclock * clock, guint64 rt,
                              gint64 unix_ns);
/* With no anchor yet, the first frame stamped is taken at @unix_ns. */
void rb_wallclock_set_first (RbWallclock * clock, gint64 unix_ns);
gboolean rb_wallclock_lookup (RbWallclock * clock, guint64 rt,
                              gint64 * unix_ns);

/* Probes @pad (the camera's frames, before decoding): anchors from the
 * buffers' RB_WALLCLOCK_CAPS metas, else the arrival of the first one.
 * @clock must outlive the pad. */
void rb_wallclock_learn (RbWallclock * clock, GstPad * pad);
/* Probes @pad (before timeoverlay): every buffer gets a RB_WALLCLOCK_CAPS
 * meta with its time (replacing any), looked up by its running time on
 * @pad, or with @by_pts by its PTS (a segment worker: the raw segment's
 * PTS are the live path's running times). @clock must outlive the pad. */
void rb_wallclock_stamp (RbWallclock * clock, GstPad * pad,
                         gboolean by_pts);

/* A timeoverlay (time-mode=reference-timestamp, show-times-as-dates=true)
 * shows the times in the daemon's time zone; other elements are left as
 * they are. */
void rb_wallclock_setup_overlay (GstElement * overlay);

/* The running time of @buffer on @pad, or GST_CLOCK_TIME_NONE. */
guint64 rb_wallclock_running_time (GstPad * pad, GstBuffer * buffer);

G_END_DECLS

#endif /* __RB_WALLCLOCK_H__ */
