/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CONFIG_HEADBLUR_H__
#define __RB_CONFIG_HEADBLUR_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* The schema of [headblur]: the headblur element's own GParamSpecs, given
 * as its class. GObject only (no GStreamer calls). */

const gchar *const *rb_config_headblur_reserved (void);
GPtrArray *rb_config_headblur_keys (GObjectClass * klass);
gboolean rb_config_headblur_is_key (GObjectClass * klass, GParamSpec * pspec);
gboolean rb_config_headblur_is_path (GParamSpec * pspec);
gchar *rb_config_headblur_type (GParamSpec * pspec);
gchar *rb_config_headblur_range (GParamSpec * pspec);
gchar *rb_config_headblur_describe (GParamSpec * pspec);
gboolean rb_config_headblur_parse (GParamSpec * pspec, const gchar * text,
                                   GValue * value);
gchar *rb_config_headblur_to_text (GParamSpec * pspec, const GValue * value);

G_END_DECLS

#endif /* __RB_CONFIG_HEADBLUR_H__ */
