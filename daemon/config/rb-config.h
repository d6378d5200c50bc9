/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CONFIG_H__
#define __RB_CONFIG_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* The launcher's configuration: a GKeyFile validated completely before any
 * pipeline is built. No GStreamer calls here, so it is unit-testable. Every
 * error message names the file, the group and the key:
 *   "FILE: [group] key: what is wrong (got 'VALUE')"
 * ("[group]:" alone for a whole group, "FILE:" alone for the whole file).
 * Syntax errors name the line instead: "FILE: line N: what". All problems
 * found are reported, one per line; the GError code is the first one's.
 * URL passwords are printed as "***", and control characters and invalid
 * UTF-8 from the file as \xNN. rb_config_load() fails
 * in the G_FILE_ERROR domain when the file cannot be read.
 *
 * The fields below are named after their keys; every key's type, unit,
 * range and default is in rb-config-schema.c (doc/config.md).
 */

#define RB_CONFIG_ERROR (rb_config_error_quark ())

typedef enum {
  RB_CONFIG_ERROR_PARSE,          /* not a valid key file */
  RB_CONFIG_ERROR_UNKNOWN_GROUP,  /* a group that is not one of ours */
  RB_CONFIG_ERROR_UNKNOWN_KEY,    /* a key that is not known in its group */
  RB_CONFIG_ERROR_INVALID_VALUE,  /* wrong type, out of range, bad URL... */
  RB_CONFIG_ERROR_MISSING,        /* a required group or key is missing */
  RB_CONFIG_ERROR_DUPLICATE,      /* two listeners on one address:port... */
} RbConfigError;

GQuark rb_config_error_quark (void);

typedef enum {
  RB_TRANSPORT_AUTO,              /* TCP first, UDP when refused */
  RB_TRANSPORT_TCP,
  RB_TRANSPORT_UDP,
} RbTransport;

typedef enum {
  RB_AUDIO_DROP,                  /* anonymized outputs carry no audio */
  RB_AUDIO_KEEP,                  /* audio passed through, never re-encoded */
} RbAudio;

typedef enum {
  RB_OVERLAY_NONE,
  RB_OVERLAY_NAME,                /* the camera's name */
  RB_OVERLAY_TIME,                /* the frame's wall-clock time */
  RB_OVERLAY_NAME_TIME,
} RbOverlay;

typedef enum {
  RB_OVERLAY_TOP_LEFT,
  RB_OVERLAY_TOP_RIGHT,
  RB_OVERLAY_BOTTOM_LEFT,
  RB_OVERLAY_BOTTOM_RIGHT,
} RbOverlayPosition;

typedef struct {
  gchar *name;                    /* [camera:NAME]: also the mount /NAME */
  gchar *url;                     /* may hold user:password */
  RbTransport transport;
  guint latency_ms;
  gchar *privacy_zones;           /* or NULL */
  RbAudio audio;
  RbOverlay overlay;
  RbOverlayPosition overlay_position;
  guint substream_width, substream_height; /* 0: no sub-stream */
} RbCameraConfig;

/* Who may watch on a network (auth=). */
typedef enum {
  RB_NETWORK_AUTH_NONE,           /* anonymous: must be written explicitly */
  RB_NETWORK_AUTH_DIGEST,         /* RFC 2617/7616 MD5 digest; default with users */
  RB_NETWORK_AUTH_BASIC,          /* basic (and digest): only with TLS */
} RbNetworkAuth;

/* How RTSP viewers may receive the media (rtsp-transport=); flags. */
typedef enum {
  RB_RTSP_TRANSPORT_TCP = 1 << 0, /* interleaved on the RTSP connection */
  RB_RTSP_TRANSPORT_UDP = 1 << 1, /* unicast UDP from udp-ports */
} RbRtspTransport;

typedef struct {
  gchar *name;                    /* [network:NAME] */
  gchar *address;
  guint port;
  guint max_connections;
  guint max_connections_per_client;
  guint idle_timeout_s;

  /* who may watch what, and how (RTSP side) */
  gchar **cameras;                /* NULL = all */
  gchar *users_file;              /* users=, absolute, or NULL */
  RbNetworkAuth auth;
  GPtrArray *allow;               /* of GInetAddressMask*; NULL = everyone */
  gchar *tls_certificate;         /* absolute, or NULL */
  gchar *tls_key;                 /* absolute, or NULL */
  RbRtspTransport rtsp_transport;
  guint udp_port_min, udp_port_max; /* udp-ports=MIN-MAX, 0 when no UDP */
  gchar *multicast_first, *multicast_last; /* multicast-addresses, or NULL */
  guint multicast_port_min, multicast_port_max; /* multicast-ports, or 0 */
  guint multicast_ttl;
  guint max_viewers;              /* 0 = no limit of its own */

  /* browsers: HLS, the operator page, chat */
  guint http_port;                /* 0 = off */

  /* VMSs: ONVIF Profile S on http_port, WS-Discovery on address */
  gboolean onvif;                 /* onvif=, default TRUE */
  gchar *onvif_users_file;        /* onvif-users=, absolute, or NULL */
} RbNetworkConfig;

typedef struct {
  gchar *path;                    /* file it was loaded from */

  /* [rtsp-blur] */
  gchar *state_dir;               /* absolute */
  guint segment_duration_s;
  guint workers;
  gboolean keep_raw;
  guint live_bitrate_kbps;
  guint live_key_interval_s;
  guint segment_lookahead;
  guint live_lookahead;
  guint substream_width, substream_height; /* [rtsp-blur] substream */
  RbAudio audio;
  guint reconnect_max_interval_s;
  guint64 max_disk_usage_bytes;   /* 0 = none, or: */
  gdouble max_disk_usage_percent; /* of the file system, 0 = none */
  guint64 min_free_space_bytes;   /* likewise */
  gdouble min_free_space_percent;
  guint64 retention_raw_s;        /* 0 = none */
  guint64 retention_anonymized_s; /* 0 = none */
  gchar *metrics_address;
  guint metrics_port;             /* 0 = off */
  gboolean chat_join_networks;

  /* [cluster] */
  gboolean cluster;               /* the group is there */
  gchar *cluster_database;        /* libpq connection string */
  gchar *cluster_password_file;   /* absolute, or NULL */
  gchar *cluster_node;            /* never NULL with cluster */
  guint cluster_capacity;         /* 0 = every camera */
  guint cluster_rebalance_after_s; /* 0 = never */
  gchar *cluster_storage_dir;     /* absolute, or NULL: state-dir */
  gchar *cluster_peer_address;    /* NULL: the first network's address */
  guint cluster_peer_port;        /* UDP; 0 = no heartbeats */

  /* [headblur]: properties of the headblur element, validated against its
   * own GParamSpecs (rb-config-headblur.c) and applied by rb_config_apply_headblur().
   * NULL-terminated parallel arrays of key and canonical text, in file
   * order, and the GValues to set. */
  gchar **headblur_keys;
  gchar **headblur_values;
  GArray *headblur_gvalues;       /* of GValue, parallel to headblur_keys */

  GPtrArray *cameras;             /* of RbCameraConfig*, in file order */
  GPtrArray *networks;            /* of RbNetworkConfig*, in file order */
} RbConfig;

RbConfig *rb_config_load (const gchar * path, GObjectClass * headblur_class,
                          GError ** error);
RbConfig *rb_config_load_from_data (const gchar * data, gssize length,
                                    const gchar * name,
                                    GObjectClass * headblur_class,
                                    GError ** error);
void rb_config_apply_headblur (const RbConfig * config, GObject * element);
void rb_config_free (RbConfig * config);

/* Returns @url with any password replaced by "***", for logs. */
gchar *rb_config_redact_url (const gchar * url);
/* Where raw/ and anonymized/ are: [cluster] storage-dir, else state-dir. */
const gchar *rb_config_media_dir (const RbConfig * config);

const gchar *rb_transport_to_string (RbTransport transport);

/* Whether a client at @address (text) may connect under allow= list
 * @allow (of GInetAddressMask*, NULL: everyone). */
gboolean rb_network_allow_matches (GPtrArray * allow, const gchar * address);

/* Whether @network serves @camera (its cameras= list, or all). */
gboolean rb_network_config_has_camera (const RbNetworkConfig * network,
                                       const gchar * camera);

gchar *rb_config_camera_zones (const RbConfig * config,
                               const RbCameraConfig * camera);

/* The live mount point of @camera: "/NAME". */
gchar *rb_config_camera_mount (const RbCameraConfig * camera);

/* The validated [headblur] value of @key, or NULL when it is not set. */
const gchar *rb_config_get_headblur (const RbConfig * config,
                                     const gchar * key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbConfig, rb_config_free)

G_END_DECLS

#endif /* __RB_CONFIG_H__ */
