/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_SNAPSHOT_H__
#define __RB_SNAPSHOT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Snapshots (GET /snapshot/CAMERA.jpg): the JPEG of a camera's last
 * anonymized frame (rb_live_feed_get_picture(): after headblur and the
 * overlay, never a raw frame). The JPEG is made in one thread of its own,
 * never in the main loop, at most once per frame and per
 * RB_SNAPSHOT_MIN_INTERVAL_US a camera: clients asking more often get the
 * last one, so no client can make rtsp-blur encode more. */

#define RB_SNAPSHOT_MIN_INTERVAL_US (500 * G_TIME_SPAN_MILLISECOND)
/* clients waiting for one camera's JPEG at once; more get 503 */
#define RB_SNAPSHOT_MAX_WAITING 32

typedef struct _RbSnapshots RbSnapshots;

/* @jpeg NULL: it could not be made (@why says why). Main context. */
typedef void (*RbSnapshotFunc) (GBytes * jpeg, const gchar * why,
                                gpointer user_data);

RbSnapshots *rb_snapshots_new (guint n_cameras);
void rb_snapshots_free (RbSnapshots * snapshots);

/* Calls @func (in the main context, maybe before returning) with the JPEG
 * of @picture, camera @index's last frame. FALSE (and no call) when
 * RB_SNAPSHOT_MAX_WAITING clients wait already. */
gboolean rb_snapshots_get (RbSnapshots * snapshots, guint index,
                           GstSample * picture, RbSnapshotFunc func,
                           gpointer user_data);

G_END_DECLS

#endif /* __RB_SNAPSHOT_H__ */
