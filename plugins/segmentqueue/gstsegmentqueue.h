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

#ifndef __GST_SEGMENT_QUEUE_H__
#define __GST_SEGMENT_QUEUE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SEGMENT_QUEUE (gst_segment_queue_get_type ())
G_DECLARE_FINAL_TYPE (GstSegmentQueue, gst_segment_queue, GST, SEGMENT_QUEUE,
    GstBin)

GST_ELEMENT_REGISTER_DECLARE (segmentqueue);

G_END_DECLS

#endif /* __GST_SEGMENT_QUEUE_H__ */
