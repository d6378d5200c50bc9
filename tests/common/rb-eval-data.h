/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_EVAL_DATA_H__
#define __RB_EVAL_DATA_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Reading the annotated evaluation images of ../shared/eval, shared by the
 * tests and the benchmarks. */

/* A labelled box, in pixels: [x0, x1) x [y0, y1). */
typedef struct {
  gint x0, y0, x1, y1;
} RbEvalBox;

/* The <object><bndbox> boxes of a Pascal VOC XML file, as an array of
 * RbEvalBox (empty boxes skipped), or NULL with @error set. */
GArray *rb_eval_load_voc (const gchar * path, GError ** error);

/* Decodes the JPEG file @path into one raw frame with @caps (e.g.
 * "video/x-raw,format=I420"), or NULL with @error set. */
GstSample *rb_eval_decode_jpeg (const gchar * path, const gchar * caps,
                                GError ** error);

G_END_DECLS

#endif /* __RB_EVAL_DATA_H__ */
