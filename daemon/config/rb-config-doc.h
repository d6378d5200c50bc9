/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CONFIG_DOC_H__
#define __RB_CONFIG_DOC_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* The config reference, printed from the schema (rb-config-schema.h) and
 * the headblur element's GParamSpecs: what
 * rtsp-blur --print-config-reference[=FORMAT] prints, and what
 * doc/config.md, the man page's key list and data/rtsp-blur.conf hold. */

typedef enum {
  RB_CONFIG_DOC_MARKDOWN,         /* doc/config.md */
  RB_CONFIG_DOC_MAN,              /* doc/rtsp-blur.1, between its markers */
  RB_CONFIG_DOC_SAMPLE,           /* data/rtsp-blur.conf */
} RbConfigDocFormat;

gboolean rb_config_doc_format_from_string (const gchar * name,
                                           RbConfigDocFormat * format);
gchar *rb_config_doc_print (RbConfigDocFormat format,
                            GObjectClass * headblur_class);

G_END_DECLS

#endif /* __RB_CONFIG_DOC_H__ */
