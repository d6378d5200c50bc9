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

/* See rb-daemon-names.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-daemon-names.h"

/* indexed by RbCameraStatus */
static const gchar *const camera_statuses[] = {
  "connecting", "receiving", "stalled", "reconnecting", "restarting",
  "stopping", "stopped"
};

G_STATIC_ASSERT (G_N_ELEMENTS (camera_statuses) == RB_CAMERA_N_STATUSES);

/* indexed by RbWebCameraState */
static const gchar *const web_camera_states[] = {
  "live", "reconnecting", "offline"
};

G_STATIC_ASSERT (G_N_ELEMENTS (web_camera_states) ==
    RB_WEB_CAMERA_OFFLINE + 1);

const gchar *
rb_camera_status_name (RbCameraStatus status)
{
  g_return_val_if_fail (status < RB_CAMERA_N_STATUSES, NULL);
  return camera_statuses[status];
}

const gchar *
rb_web_camera_state_name (RbWebCameraState state)
{
  g_return_val_if_fail (state <= RB_WEB_CAMERA_OFFLINE, NULL);
  return web_camera_states[state];
}
