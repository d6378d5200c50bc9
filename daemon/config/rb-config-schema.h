/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CONFIG_SCHEMA_H__
#define __RB_CONFIG_SCHEMA_H__

#include <glib.h>

G_BEGIN_DECLS

/* The config file's schema: one table of every key of [rtsp-blur],
 * [camera:NAME] and [network:NAME] with its type, range, default and
 * one-line doc. The loader (rb-config.c) takes its checks and defaults
 * from it, rb-config-doc.c the reference, the man page's key list and the
 * sample config. The keys of [headblur] are the headblur element's
 * properties (rb-config-headblur.h). GLib only. */

typedef enum {
  RB_CONFIG_GROUP_MAIN,           /* [rtsp-blur] */
  RB_CONFIG_GROUP_HEADBLUR,       /* [headblur]: keys from the element */
  RB_CONFIG_GROUP_CAMERA,         /* [camera:NAME] */
  RB_CONFIG_GROUP_NETWORK,        /* [network:NAME] */
  RB_CONFIG_GROUP_CLUSTER,        /* [cluster]: several nodes */
} RbConfigGroup;

typedef struct {
  RbConfigGroup group;
  const gchar *name;              /* "rtsp-blur", "camera:NAME" */
  const gchar *prefix;            /* "camera:" for a NAME group, or NULL */
  const gchar *count;             /* "required, once", "one or more", ... */
  const gchar *doc;               /* a paragraph; `code` in backquotes */
  const gchar *sample_name;       /* NAME of the sample config's group */
  const gchar *example;           /* lines the sample shows commented out */
} RbConfigGroupInfo;

/* What a value is written as, and what the loader stores at the key's
 * offset (offset2 for the second part of a value). */
typedef enum {
  RB_CONFIG_TYPE_UINT,            /* guint in [min, max] */
  RB_CONFIG_TYPE_BOOLEAN,         /* gboolean: true|false|1|0 */
  RB_CONFIG_TYPE_CHOICE,          /* gint: the value of one of choices */
  RB_CONFIG_TYPE_SIZE,            /* guint64 bytes, gdouble percent */
  RB_CONFIG_TYPE_DURATION,        /* guint64 seconds (rb-duration.h) */
  RB_CONFIG_TYPE_ADDRESS,         /* gchar*: an IPv4 or IPv6 literal */
  RB_CONFIG_TYPE_DIRECTORY,       /* gchar*: absolute path */
  RB_CONFIG_TYPE_FILE,            /* gchar*: absolute path of a readable file */
  RB_CONFIG_TYPE_USERS,           /* gchar*: absolute, an htdigest file */
  RB_CONFIG_TYPE_URL,             /* gchar*: rtsp:// or rtsps:// */
  RB_CONFIG_TYPE_ZONES,           /* gchar*: privacy zones (rb-zones.h) */
  RB_CONFIG_TYPE_CAMERAS,         /* gchar**: camera names, ';'-separated */
  RB_CONFIG_TYPE_CIDR_LIST,       /* GPtrArray* of GInetAddressMask* */
  RB_CONFIG_TYPE_PORT_RANGE,      /* guint MIN, guint MAX within [min, max] */
  RB_CONFIG_TYPE_RESOLUTION,      /* guint WIDTH, guint HEIGHT: WxH, even,
                                   * in [min, max]; none: 0x0 */
  RB_CONFIG_TYPE_MULTICAST_RANGE, /* gchar* FIRST, gchar* LAST: multicast
                                   * addresses of one family, FIRST <= LAST */
  RB_CONFIG_TYPE_NAME,            /* gchar*: [A-Za-z0-9_-]{1,64} */
  RB_CONFIG_TYPE_CONNINFO,        /* gchar*: libpq connection string */
} RbConfigType;

typedef struct {
  const gchar *nick;
  gint value;
} RbConfigChoice;

typedef enum {
  RB_CONFIG_KEY_REQUIRED = 1 << 0,
} RbConfigKeyFlags;

typedef struct {
  RbConfigGroup group;
  const gchar *key;
  RbConfigType type;
  RbConfigKeyFlags flags;
  gsize offset;                   /* in RbConfig, RbCameraConfig, ... */
  gsize offset2;                  /* SIZE: the percentage; PORT_RANGE: MAX;
                                   * RESOLUTION: HEIGHT;
                                   * MULTICAST_RANGE: LAST */
  const gchar *default_value;     /* as written in the file; NULL: none */
  const gchar *unset;             /* no default: what leaving it out means */
  guint min, max;                 /* UINT, PORT_RANGE */
  const gchar *unit;              /* UINT: "seconds", "kbit/s", ... or NULL */
  const RbConfigChoice *choices;  /* CHOICE: NULL-terminated */
  const gchar *doc;               /* one line; `code` in backquotes */
  const gchar *sample;            /* set to this in the sample config */
  const gchar *example;           /* shown commented out there instead */
} RbConfigKey;

const RbConfigGroupInfo *rb_config_schema_groups (guint * n_groups);
const RbConfigGroupInfo *rb_config_schema_group (RbConfigGroup group);
const RbConfigKey *rb_config_schema_keys (guint * n_keys);
const RbConfigKey *rb_config_schema_find (RbConfigGroup group,
                                          const gchar * key);
gchar *rb_config_schema_key_list (RbConfigGroup group);
gchar *rb_config_schema_choice_list (const RbConfigKey * key,
                                     const gchar * separator);
const gchar *rb_config_schema_choice_nick (const RbConfigKey * key,
                                           gint value);

G_END_DECLS

#endif /* __RB_CONFIG_SCHEMA_H__ */
