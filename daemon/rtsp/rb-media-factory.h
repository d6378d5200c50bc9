/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_MEDIA_FACTORY_H__
#define __RB_MEDIA_FACTORY_H__

#include <gst/rtsp-server/rtsp-server.h>
#include "rb-live-feed.h"

G_BEGIN_DECLS

/* RbMediaFactory: the media factory of one camera on one network. Its
 * media is the publishing pipeline (rb_pipeline_publish()), fed by the
 * camera's live feed through its appsrcs from the next key unit on; it
 * carries the camera's audio when the feed has some (audio=keep and the
 * camera sends audio), else video only. Its rtpbin takes the sender
 * reports' times from the buffers (the camera's timing), not from when
 * they were sent. Sharing, protocols and address pool are set by the
 * caller, as on any GstRTSPMediaFactory. */
#define RB_TYPE_MEDIA_FACTORY (rb_media_factory_get_type ())
G_DECLARE_FINAL_TYPE (RbMediaFactory, rb_media_factory, RB, MEDIA_FACTORY,
                      GstRTSPMediaFactory)

GstRTSPMediaFactory *rb_media_factory_new (RbLiveFeed * feed);
RbLiveFeed *rb_media_factory_get_feed (RbMediaFactory * factory);

G_END_DECLS

#endif /* __RB_MEDIA_FACTORY_H__ */
