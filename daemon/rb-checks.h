/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CHECKS_H__
#define __RB_CHECKS_H__

#include <gst/gst.h>
#include "rb-config.h"

G_BEGIN_DECLS

/* What the daemon needs from its environment, checked before it starts
 * (and by --check-config), each failure one message naming what and where:
 *
 * rb_check_elements(): every GStreamer element the pipelines use is
 * installed (GST_CORE_ERROR_MISSING_PLUGIN);
 * rb_check_headblur(): the model loads with the config's [headblur]
 * settings, so a missing or corrupt model is reported now, not when a
 * camera connects (GST_RESOURCE_ERROR);
 * rb_check_state_dir(): state-dir and its raw/, anonymized/ and queue/ can
 * be made and written (G_FILE_ERROR); with @leave_nothing (--check-config)
 * the directories it had to make are removed again: run as root by an
 * operator, it must not leave root-owned directories in the state
 * directory of a service that runs as another user (systemd only re-owns a
 * StateDirectory= whose top is not the service's user);
 * rb_check_listeners(): each network's address and port can be bound (and
 * is released at once).
 *
 * rb_check_element_class() is the class of element @factory_name (a new
 * reference), loaded, or NULL: the headblur class's properties are the
 * schema of [headblur]. */
gboolean rb_check_elements (GError ** error);
GTypeClass *rb_check_element_class (const gchar * factory_name);
gboolean rb_check_headblur (const RbConfig * config, GError ** error);
gboolean rb_check_state_dir (const RbConfig * config, gboolean leave_nothing,
    GError ** error);
gboolean rb_check_listeners (const RbConfig * config, GError ** error);

G_END_DECLS

#endif /* __RB_CHECKS_H__ */
