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
 * in the G_FILE_ERROR domain when the file cannot be read. Every key, unit,
 * default and range is listed at the top of rb-config.c.
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

typedef struct {
  gchar *name;                    /* [camera:NAME]: also the mount /NAME */
  gchar *url;                     /* rtsp:// or rtsps:// URL, may hold user:pass */
  RbTransport transport;          /* transport=auto|tcp|udp, default auto */
  guint latency_ms;               /* latency=, rtspsrc jitterbuffer ms, default 200 */
  gchar *privacy_zones;           /* privacy-zones=, polygons "x,y x,y x,y[;...]" in 0..1, or NULL */
  RbAudio audio;                  /* audio=, default [rtsp-blur] audio */
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
  gchar *address;                 /* address=, an IPv4 or IPv6 literal */
  guint port;                     /* port=, 1..65535, default 8554 */
  guint max_connections;          /* max-connections=, default 200 */
  guint max_connections_per_client; /* max-connections-per-client=, 20 */
  guint idle_timeout_s;           /* idle-timeout=, s, default 10 */

  /* who may watch what, and how (RTSP side) */
  gchar **cameras;                /* cameras=, names; NULL = all */
  gchar *users_file;              /* users=, absolute path of an htdigest file, or NULL */
  RbNetworkAuth auth;             /* auth=, default digest with users; none must be explicit */
  GPtrArray *allow;               /* allow=, of GInetAddressMask*; NULL = everyone */
  gchar *tls_certificate;         /* tls-certificate=, absolute PEM path, or NULL */
  gchar *tls_key;                 /* tls-key=, absolute PEM path, or NULL */
  RbRtspTransport rtsp_transport; /* rtsp-transport=, default TCP */
  guint udp_port_min, udp_port_max; /* udp-ports=MIN-MAX, 0 when no UDP */
  guint max_viewers;              /* max-viewers=, 0 = no limit of its own */

  /* browsers: HLS, the operator page, chat */
  guint http_port;                /* http-port=, 0..65535, default 0 = off */
} RbNetworkConfig;

typedef struct {
  gchar *path;                    /* file it was loaded from */

  /* [rtsp-blur] */
  gchar *state_dir;               /* state-dir=, required; raw/, anonymized/, queue/ below it */
  guint segment_duration_s;       /* segment-duration=, s, 1..3600, default 30 */
  guint workers;                  /* workers=, 0..16, default 1 (0: record only) */
  gboolean keep_raw;              /* keep-raw=, default false */
  guint live_bitrate_kbps;        /* live-bitrate=, kbit/s, 100..50000, default 2048 */
  guint live_key_interval_s;      /* live-key-interval=, s, 1..10, default 2 */
  guint segment_lookahead;        /* segment-lookahead=, frames, 0..300, default 15 */
  guint live_lookahead;           /* live-lookahead=, frames, 0..300, default 5 */
  RbAudio audio;                  /* audio=drop|keep, default drop */
  guint reconnect_max_interval_s; /* reconnect-max-interval=, s, 1..300, default 5 */
  guint64 max_disk_usage_bytes;   /* max-disk-usage= in bytes, 0 = none */
  gdouble max_disk_usage_percent; /* max-disk-usage= in % of the fs, 0 = none */
  guint64 min_free_space_bytes;   /* min-free-space=, bytes, 0 = none */
  gdouble min_free_space_percent; /* min-free-space=, %, 0 = none */
  guint64 retention_raw_s;        /* retention-raw=, s, 0 = none */
  guint64 retention_anonymized_s; /* retention-anonymized=, s, 0 = none */
  gchar *metrics_address;         /* metrics-address=, default 127.0.0.1 */
  guint metrics_port;             /* metrics-port=, default 9590, 0 = off */
  gboolean chat_join_networks;    /* chat-join-networks=, default false */

  /* [headblur]: properties of the headblur element, validated against its
   * own GParamSpecs (rb-config.c) and applied by rb_config_apply_headblur().
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
