/* rtsp-blur: safedec element
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Library General Public License for more details.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __GST_SAFE_DEC_H__
#define __GST_SAFE_DEC_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideodecoder.h>

G_BEGIN_DECLS

#define GST_TYPE_SAFE_DEC (gst_safe_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstSafeDec, gst_safe_dec, GST, SAFE_DEC,
    GstVideoDecoder)

GST_ELEMENT_REGISTER_DECLARE (safedec);

G_END_DECLS

#endif /* __GST_SAFE_DEC_H__ */
