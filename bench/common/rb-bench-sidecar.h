/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_BENCH_SIDECAR_H__
#define __RB_BENCH_SIDECAR_H__

#include <gst/gst.h>

#include "rb-detections.h"
#include "rb-sidecar.h"

G_BEGIN_DECLS

/* "Detect once, use twice" for the benchmarks (bench/live/live-cost
 * --segment --sidecar, bench/eval/headblur-video-eval setting workers):
 * the launcher's own code (gst-libs/rtsp-blur/rb-detections.c,
 * lib/rb-sidecar, lib/rb-tracks), wired without the launcher.
 *
 * Live side: rb_bench_sidecar_record() writes the line of every frame out
 * of a headblur (attach-meta=true) into a sidecar writer, as the
 * launcher's recorder gets it (rb_detections_format() at the frame's PTS,
 * which is its running time in these benches: the streams start at 0).
 *
 * Worker side: rb_bench_sidecar_feed() does what daemon/worker/rb-worker.c
 * does before its pipeline runs. */

/* Attaches the probe to @headblur's src pad; @writer must outlive the
 * pipeline's run. */
void rb_bench_sidecar_record (GstElement * headblur,
                              RbSidecarWriter * writer);

/* The first headblur inside @bin (recursively), or NULL. (transfer full) */
GstElement *rb_bench_find_headblur (GstElement * bin);

/* Loads and smooths @segment's sidecar with @headblur's hold-time (as the
 * worker does: its hold-time is the [headblur] one), sets
 * upstream-detections=true on @headblur and feeds the boxes to it
 * (rb_detections_feed()). NULL with @error as rb_detections_load(); the
 * result must outlive the pipeline's run. */
RbDetections *rb_bench_sidecar_feed (GstElement * headblur,
                                     const gchar * segment, GError ** error);

G_END_DECLS

#endif /* __RB_BENCH_SIDECAR_H__ */
