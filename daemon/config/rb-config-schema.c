/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The config schema: every key of [rtsp-blur], [camera:NAME] and
 * [network:NAME], once. A new key is one row here and its field in
 * rb-config.h; the loader reads it, and the reference (doc/config.md), the
 * man page's key list and the sample config are printed from the row
 * (rtsp-blur --print-config-reference; ninja -C build config-docs). */

#include "rb-config-schema.h"
#include "rb-pipelines.h"
#include "rb-config.h"

#include <stddef.h>

#define MAIN RB_CONFIG_GROUP_MAIN
#define CAMERA RB_CONFIG_GROUP_CAMERA
#define NETWORK RB_CONFIG_GROUP_NETWORK
#define REQUIRED RB_CONFIG_KEY_REQUIRED
#define UINT RB_CONFIG_TYPE_UINT
#define BOOLEAN RB_CONFIG_TYPE_BOOLEAN
#define CHOICE RB_CONFIG_TYPE_CHOICE
#define OF_MAIN(field) offsetof (RbConfig, field)
#define OF_CAMERA(field) offsetof (RbCameraConfig, field)
#define OF_NETWORK(field) offsetof (RbNetworkConfig, field)
#define CLUSTER RB_CONFIG_GROUP_CLUSTER

/* *INDENT-OFF* */
static const RbConfigGroupInfo groups[] = {
  {MAIN, "rtsp-blur", NULL, "required, once",
   "The daemon: where it keeps its state, the segment workers, the live "
   "encode, disk budget and retention, the management listener.", NULL},
  {RB_CONFIG_GROUP_HEADBLUR, "headblur", NULL, "optional",
   "The headblur element's settings, for the live streams and the segment "
   "workers alike. Its keys are the element's own writable properties, and "
   "the element's property specs are their schema (type, range, enum "
   "names), so a new property of the element is a key here. Integers may "
   "be written in hex (`0xff000000`); durations (the element's 64-bit "
   "nanosecond properties) are written in seconds; string properties whose "
   "description starts with \"Path\" are files, resolved like `state-dir`. "
   "Unset keys keep the element's defaults, except `detection-interval`: "
   "the live path detects on every "
   G_STRINGIFY (RB_LIVE_DETECTION_INTERVAL) "th frame unless it is set, "
   "and the segment workers detect on every frame whatever it says.", NULL, "mode=pixelate\ncorrupt-mode=drop"},
  {CAMERA, "camera:NAME", "camera:", "one or more",
   "One camera. NAME is 1 to 64 of `A-Z a-z 0-9 _ -`; the camera's live "
   "stream is served as `/NAME` on every network that lists it.",
   "entrance"},
  {NETWORK, "network:NAME", "network:", "one or more",
   "One audience: an RTSP listener on `address:port` with its own users, "
   "client addresses, cameras and transport, and optionally an HTTP "
   "listener for browsers. NAME as for cameras.", "office"},
  {CLUSTER, "cluster", NULL, "optional",
   "Several nodes sharing the cameras through a PostgreSQL database: each "
   "node runs the cameras whose lease it holds, and a dead node's cameras "
   "move to the others. Without it the node runs every camera alone. Every "
   "node reads the same file; what differs per node (`node`, `capacity`, "
   "each network's `address`) goes in a drop-in, `FILE.d/NAME.conf`.",
   NULL, "database=host=db.example user=rtsp_blur dbname=rtsp_blur\n"
   "password-file=/etc/rtsp-blur/db-password\ncapacity=4\n"
   "storage-dir=/srv/rtsp-blur"},
};

static const RbConfigChoice audio_choices[] = {
  {"drop", RB_AUDIO_DROP}, {"keep", RB_AUDIO_KEEP}, {NULL, 0}
};
static const RbConfigChoice overlay_choices[] = {
  {"none", RB_OVERLAY_NONE}, {"name", RB_OVERLAY_NAME},
  {"time", RB_OVERLAY_TIME}, {"name+time", RB_OVERLAY_NAME_TIME},
  {NULL, 0}
};
static const RbConfigChoice overlay_position_choices[] = {
  {"top-left", RB_OVERLAY_TOP_LEFT}, {"top-right", RB_OVERLAY_TOP_RIGHT},
  {"bottom-left", RB_OVERLAY_BOTTOM_LEFT},
  {"bottom-right", RB_OVERLAY_BOTTOM_RIGHT}, {NULL, 0}
};
static const RbConfigChoice transport_choices[] = {
  {"auto", RB_TRANSPORT_AUTO}, {"tcp", RB_TRANSPORT_TCP},
  {"udp", RB_TRANSPORT_UDP}, {NULL, 0}
};
static const RbConfigChoice auth_choices[] = {
  {"none", RB_NETWORK_AUTH_NONE}, {"digest", RB_NETWORK_AUTH_DIGEST},
  {"basic", RB_NETWORK_AUTH_BASIC}, {NULL, 0}
};
static const RbConfigChoice rtsp_transport_choices[] = {
  {"tcp", RB_RTSP_TRANSPORT_TCP}, {"udp", RB_RTSP_TRANSPORT_UDP},
  {"tcp+udp", RB_RTSP_TRANSPORT_TCP | RB_RTSP_TRANSPORT_UDP}, {NULL, 0}
};

/* In each group, the order of the keys is the order of the loader's checks
 * and of every listing. */
static const RbConfigKey keys[] = {
  /* [rtsp-blur] */
  {MAIN, "state-dir", RB_CONFIG_TYPE_DIRECTORY, REQUIRED,
   .offset = OF_MAIN (state_dir),
   .doc = "Where `raw/`, `anonymized/` and `queue/` are kept; created if "
   "missing, must be writable",
   .sample = "/var/lib/rtsp-blur"},
  {MAIN, "segment-duration", UINT, .offset = OF_MAIN (segment_duration_s),
   .default_value = "30", .min = 1, .max = 3600, .unit = "seconds",
   .doc = "Length of a recorded segment; segments are cut at the next key "
   "frame"},
  {MAIN, "workers", UINT, .offset = OF_MAIN (workers),
   .default_value = "1", .min = 0, .max = 16,
   .doc = "Segment workers anonymizing the recordings; 0 records only"},
  {MAIN, "keep-raw", BOOLEAN, .offset = OF_MAIN (keep_raw),
   .default_value = "false",
   .doc = "Keep the raw segments once they are anonymized"},
  {MAIN, "live-bitrate", UINT, .offset = OF_MAIN (live_bitrate_kbps),
   .default_value = "2048", .min = 100, .max = 50000, .unit = "kbit/s",
   .doc = "Bitrate of the live H.264 encode"},
  {MAIN, "live-key-interval", UINT, .offset = OF_MAIN (live_key_interval_s),
   .default_value = "2", .min = 1, .max = 10, .unit = "seconds",
   .doc = "Key-frame interval of the live encode"},
  {MAIN, "segment-lookahead", UINT, .offset = OF_MAIN (segment_lookahead),
   .default_value = G_STRINGIFY (RB_SEGMENT_LOOKAHEAD), .min = 0, .max = 300, .unit = "frames",
   .doc = "The segment workers' headblur `lookahead`; they detect on every "
   "frame the live detections do not cover"},
  {MAIN, "live-lookahead", UINT, .offset = OF_MAIN (live_lookahead),
   .default_value = G_STRINGIFY (RB_LIVE_LOOKAHEAD), .min = 0, .max = 300, .unit = "frames",
   .doc = "Frames the live headblur holds back, so that a head is masked in "
   "the frames before its first detection too; adds as many frames of "
   "latency to the live streams (333 ms for 5 at 15 fps)"},
  {MAIN, "audio", CHOICE, .offset = OF_MAIN (audio),
   .default_value = "drop", .choices = audio_choices,
   .doc = "Whether the anonymized segments and the live streams carry the "
   "cameras' audio (a voice is personal data); raw segments always record "
   "it"},
  {MAIN, "substream", RB_CONFIG_TYPE_RESOLUTION,
   .offset = OF_MAIN (substream_width), .offset2 = OF_MAIN (substream_height),
   .min = 16, .max = 4096, .default_value = "none",
   .doc = "A second, smaller live stream of every camera: the same "
   "anonymized frames scaled to WIDTHxHEIGHT (black borders keep the "
   "picture's shape) and encoded apart, at `/CAMERA/sub` on every network "
   "that serves the camera, for the grids of VMSs"},
  {MAIN, "reconnect-max-interval", UINT,
   .offset = OF_MAIN (reconnect_max_interval_s),
   .default_value = "5", .min = 1, .max = 300, .unit = "seconds",
   .doc = "Longest pause between two attempts to reach a camera that answers "
   "but fails (one that refuses connections is probed every second), and "
   "between two test writes or deletions after a write error"},
  {MAIN, "max-disk-usage", RB_CONFIG_TYPE_SIZE,
   .offset = OF_MAIN (max_disk_usage_bytes),
   .offset2 = OF_MAIN (max_disk_usage_percent), .unset = "no limit",
   .doc = "The most the raw and anonymized segments may take",
   .sample = "80%"},
  {MAIN, "min-free-space", RB_CONFIG_TYPE_SIZE,
   .offset = OF_MAIN (min_free_space_bytes),
   .offset2 = OF_MAIN (min_free_space_percent), .unset = "none",
   .doc = "Free space to keep on the state directory's file system",
   .sample = "2G"},
  {MAIN, "retention-raw", RB_CONFIG_TYPE_DURATION,
   .offset = OF_MAIN (retention_raw_s),
   .unset = "until anonymized (forever with `keep-raw`)",
   .doc = "Raw segments older than this are deleted", .example = "7d"},
  {MAIN, "retention-anonymized", RB_CONFIG_TYPE_DURATION,
   .offset = OF_MAIN (retention_anonymized_s), .unset = "forever",
   .doc = "Anonymized segments older than this are deleted",
   .sample = "30d"},
  {MAIN, "metrics-address", RB_CONFIG_TYPE_ADDRESS,
   .offset = OF_MAIN (metrics_address), .default_value = "127.0.0.1",
   .doc = "Address of the management listener: Prometheus `/metrics` and "
   "`rtsp-blur status`"},
  {MAIN, "metrics-port", UINT, .offset = OF_MAIN (metrics_port),
   .default_value = "9590", .min = 0, .max = 65535,
   .doc = "Port of the management listener; 0 turns it off",
   .sample = "9590"},
  {MAIN, "chat-join-networks", BOOLEAN,
   .offset = OF_MAIN (chat_join_networks), .default_value = "false",
   .doc = "One chat room (`state-dir/chat/all.jsonl`) for the operator "
   "pages of every network instead of one per network: this crosses the "
   "networks' separation"},

  /* [cluster] */
  {CLUSTER, "database", RB_CONFIG_TYPE_CONNINFO, REQUIRED,
   .offset = OF_MAIN (cluster_database),
   .doc = "The database, as a libpq connection string (`host=db.example "
   "dbname=rtsp_blur user=rtsp_blur`) or URI; a password in it is refused"},
  {CLUSTER, "password-file", RB_CONFIG_TYPE_FILE,
   .offset = OF_MAIN (cluster_password_file),
   .unset = "`PGPASSFILE`, else `~/.pgpass`",
   .doc = "The database password: a file holding it alone, or a libpq "
   "password file (`host:port:db:user:password` lines); it is never logged"},
  {CLUSTER, "node", RB_CONFIG_TYPE_NAME,
   .offset = OF_MAIN (cluster_node),
   .unset = "the host name, up to its first dot",
   .doc = "This node's name, unique in the cluster"},
  {CLUSTER, "capacity", UINT, .offset = OF_MAIN (cluster_capacity),
   .min = 1, .max = 10000, .unit = "cameras", .unset = "every camera",
   .doc = "How many cameras this node may run"},
  {CLUSTER, "storage-dir", RB_CONFIG_TYPE_DIRECTORY,
   .offset = OF_MAIN (cluster_storage_dir),
   .unset = "each node keeps its segments in its state-dir and anonymizes "
   "them itself",
   .doc = "The shared file system (NFS, CephFS or SMB mount, the same path "
   "on every node) holding the raw and anonymized segments and their "
   "sidecars (`raw/CAMERA/`, `anonymized/CAMERA/`): the segment queue is "
   "then the database's, and any node's workers anonymize any node's "
   "segments. Each node's `state-dir/queue` stays the durable spool of its "
   "finished segments until the database has them",
   .sample = "/srv/rtsp-blur"},
  {CLUSTER, "peer-address", RB_CONFIG_TYPE_ADDRESS,
   .offset = OF_MAIN (cluster_peer_address),
   .unset = "the first network's `address`",
   .doc = "This node's address for the other nodes' heartbeats (UDP, on "
   "`peer-port`): with them a node that cannot reach the database keeps "
   "its cameras while a majority of the nodes cannot reach it either, and "
   "stops them when it alone is cut off. Not a wildcard; the other nodes "
   "must reach it"},
  {CLUSTER, "peer-port", UINT, .offset = OF_MAIN (cluster_peer_port),
   .default_value = "9591", .max = 65535,
   .doc = "UDP port of the heartbeats between nodes, the same on every "
   "node; 0 turns them off: a node that cannot renew its leases then "
   "stops its cameras before they expire, even when the database is down "
   "for every node"},

  /* [camera:NAME] */
  {CAMERA, "url", RB_CONFIG_TYPE_URL, REQUIRED, .offset = OF_CAMERA (url),
   .doc = "The camera's stream; a password in it is never printed",
   .sample = "rtsp://user:password@192.0.2.10:554/stream1"},
  {CAMERA, "transport", CHOICE, .offset = OF_CAMERA (transport),
   .default_value = "auto", .choices = transport_choices,
   .doc = "How the camera sends its media: `auto` tries TCP, then UDP when "
   "the camera refuses it"},
  {CAMERA, "latency", UINT, .offset = OF_CAMERA (latency_ms),
   .default_value = "200", .min = 0, .max = 10000, .unit = "milliseconds",
   .doc = "The jitter buffer of the camera's RTSP source"},
  {CAMERA, "privacy-zones", RB_CONFIG_TYPE_ZONES,
   .offset = OF_CAMERA (privacy_zones), .unset = "none",
   .doc = "This camera's polygons, always masked, live and recorded, in "
   "addition to `[headblur]`'s", .example = "0,0 0.2,0 0.2,1"},
  {CAMERA, "audio", CHOICE, .offset = OF_CAMERA (audio),
   .unset = "`[rtsp-blur]` `audio`", .choices = audio_choices,
   .doc = "This camera's audio in the anonymized outputs", .example = "keep"},
  {CAMERA, "substream", RB_CONFIG_TYPE_RESOLUTION,
   .offset = OF_CAMERA (substream_width),
   .offset2 = OF_CAMERA (substream_height), .min = 16, .max = 4096,
   .unset = "`[rtsp-blur]` `substream`",
   .doc = "This camera's sub-stream (`none`: none)", .example = "640x360"},
  {CAMERA, "overlay", CHOICE, .offset = OF_CAMERA (overlay),
   .default_value = "none", .choices = overlay_choices,
   .doc = "Text drawn on the anonymized video, live and recorded: the "
   "camera's name, the frame's wall-clock time in the daemon's time zone "
   "(the camera's RTCP sender-report time, else the time the stream "
   "arrived), or both; never on the raw segments",
   .example = "name+time"},
  {CAMERA, "overlay-position", CHOICE,
   .offset = OF_CAMERA (overlay_position), .default_value = "top-left",
   .choices = overlay_position_choices,
   .doc = "Where `overlay` draws its text"},

  /* [network:NAME] */
  {NETWORK, "address", RB_CONFIG_TYPE_ADDRESS, REQUIRED,
   .offset = OF_NETWORK (address),
   .doc = "This machine's address the listeners bind to; no two networks "
   "on one address and port (`0.0.0.0` overlaps every IPv4 address, `::` "
   "every address)",
   .sample = "127.0.0.1"},
  {NETWORK, "port", UINT, .offset = OF_NETWORK (port),
   .default_value = "8554", .min = 1, .max = 65535,
   .doc = "The RTSP port", .sample = "8554"},
  {NETWORK, "max-connections", UINT, .offset = OF_NETWORK (max_connections),
   .default_value = "200", .min = 1, .max = 10000,
   .doc = "RTSP connections at once; more are closed as they come. The "
   "`http-port` listener has the same cap, counted apart"},
  {NETWORK, "max-connections-per-client", UINT,
   .offset = OF_NETWORK (max_connections_per_client),
   .default_value = "20", .min = 1, .max = 10000,
   .doc = "Connections at once from one client address, on the RTSP and "
   "(counted apart) the `http-port` listener"},
  {NETWORK, "idle-timeout", UINT, .offset = OF_NETWORK (idle_timeout_s),
   .default_value = "10", .min = 1, .max = 3600, .unit = "seconds",
   .doc = "An RTSP connection that sends no request for this long is "
   "closed. On `http-port`, a connection must send its request headers "
   "within this long (10 s at most) and a response that moves no byte for "
   "this long is closed"},
  {NETWORK, "cameras", RB_CONFIG_TYPE_CAMERAS, .offset = OF_NETWORK (cameras),
   .unset = "all cameras",
   .doc = "The cameras this network serves; the others are not mounted "
   "there (RTSP 404)", .example = "entrance"},
  {NETWORK, "users", RB_CONFIG_TYPE_USERS, .offset = OF_NETWORK (users_file),
   .unset = "**required** unless `auth=none`",
   .doc = "The network's users; passwords and hashes are never printed",
   .example = "/etc/rtsp-blur/users.htdigest"},
  {NETWORK, "auth", CHOICE, .offset = OF_NETWORK (auth),
   .unset = "`digest` (with `users`)", .choices = auth_choices,
   .doc = "`none` serves anyone and must be written, without `users`; "
   "`digest` is RFC 7616 MD5 digest, replay-safe; `basic` (which accepts "
   "digest too) only with TLS",
   .sample = "none"},
  {NETWORK, "allow", RB_CONFIG_TYPE_CIDR_LIST, .offset = OF_NETWORK (allow),
   .unset = "everyone",
   .doc = "Client addresses let in; others are refused at connect, and on "
   "`http-port` get 403 before any login", .example = "10.0.1.0/24"},
  {NETWORK, "tls-certificate", RB_CONFIG_TYPE_FILE,
   .offset = OF_NETWORK (tls_certificate), .unset = "none",
   .doc = "PEM certificate (chain); with `tls-key`, the listeners speak TLS "
   "only (`rtsps://`, HTTPS) and the media stays in the TLS connection",
   .example = "/etc/rtsp-blur/cert.pem"},
  {NETWORK, "tls-key", RB_CONFIG_TYPE_FILE, .offset = OF_NETWORK (tls_key),
   .unset = "none",
   .doc = "PEM private key of `tls-certificate`: both or neither",
   .example = "/etc/rtsp-blur/key.pem"},
  {NETWORK, "rtsp-transport", CHOICE, .offset = OF_NETWORK (rtsp_transport),
   .default_value = "tcp", .choices = rtsp_transport_choices,
   .doc = "How viewers may get the media: `tcp` is interleaved on the RTSP "
   "connection (one port for the firewall); a viewer asking for another "
   "gets 461"},
  {NETWORK, "udp-ports", RB_CONFIG_TYPE_PORT_RANGE,
   .offset = OF_NETWORK (udp_port_min), .offset2 = OF_NETWORK (udp_port_max),
   .min = 1024, .max = 65535, .unset = "none",
   .doc = "The server's RTP and RTCP ports (two per stream); required with "
   "`udp`, refused without it; no two networks may overlap",
   .example = "50000-50100"},
  {NETWORK, "multicast-addresses", RB_CONFIG_TYPE_MULTICAST_RANGE,
   .offset = OF_NETWORK (multicast_first),
   .offset2 = OF_NETWORK (multicast_last), .unset = "no multicast",
   .doc = "Viewers may ask for multicast (RTP/AVP;multicast): each camera "
   "is sent once to a group of this range, whatever the number of its "
   "viewers, out of the interface that carries `address` only; needs "
   "`multicast-ports`; no two networks may overlap",
   .example = "239.255.42.1-239.255.42.99"},
  {NETWORK, "multicast-ports", RB_CONFIG_TYPE_PORT_RANGE,
   .offset = OF_NETWORK (multicast_port_min),
   .offset2 = OF_NETWORK (multicast_port_max),
   .min = 1024, .max = 65535, .unset = "none",
   .doc = "The multicast groups' RTP and RTCP ports (two per stream); "
   "required with `multicast-addresses`, refused without it",
   .example = "5000-5099"},
  {NETWORK, "multicast-ttl", UINT, .offset = OF_NETWORK (multicast_ttl),
   .default_value = "1", .min = 1, .max = 255, .unit = "hops",
   .doc = "Time to live of the multicast packets: 1 keeps them on the "
   "network's own link"},
  {NETWORK, "max-viewers", UINT, .offset = OF_NETWORK (max_viewers),
   .default_value = "0", .min = 0, .max = 10000,
   .doc = "Clients that set up a stream at once; one more gets 503. 0: no "
   "limit of its own (`max-connections` only)"},
  {NETWORK, "http-port", UINT, .offset = OF_NETWORK (http_port),
   .default_value = "0", .min = 0, .max = 65535,
   .doc = "HTTP (HTTPS with TLS) on `address` for HLS, the operator page and "
   "its chat, with the same users, auth, allow and TLS as RTSP; must "
   "differ from `port`; 0: off", .example = "8080"},
  {NETWORK, "onvif", BOOLEAN, .offset = OF_NETWORK (onvif),
   .default_value = "true",
   .doc = "With `http-port`, answer ONVIF Profile S (device and media "
   "services at `/onvif/`) and WS-Discovery on `address` for the cameras "
   "this network serves; `false`: neither"},
  {NETWORK, "onvif-users", RB_CONFIG_TYPE_FILE,
   .offset = OF_NETWORK (onvif_users_file), .unset = "none",
   .doc = "ONVIF users' passwords, one `user:password` line each (mode "
   "0600, owned by the daemon's user or root, else refused); never printed. "
   "Their UsernameToken (PasswordDigest) or HTTP Digest opens `/onvif/`, "
   "and the same password the network's RTSP and HTTP. Without it, a "
   "network with `auth` other than `none` has no ONVIF (logged)",
   .example = "/etc/rtsp-blur/onvif-users"},
  /* [cluster], added last: the fuzzers' corpora index keys by position */
  {CLUSTER, "rebalance-after", UINT,
   .offset = OF_MAIN (cluster_rebalance_after_s),
   .default_value = "60", .max = 86400, .unit = "seconds",
   .doc = "A node that runs two or more cameras more than another live "
   "node with room (relative to their capacities) for this long hands one "
   "over (its open segment finalized, as in a drain), then looks again: a "
   "node that joins or comes back gets its share. 0: never"},
};
/* *INDENT-ON* */

/**
 * rb_config_schema_groups:
 * @n_groups: (out): the number of groups
 *
 * Returns: the groups, in the order of every listing.
 */
const RbConfigGroupInfo *
rb_config_schema_groups (guint * n_groups)
{
  *n_groups = G_N_ELEMENTS (groups);
  return groups;
}

const RbConfigGroupInfo *
rb_config_schema_group (RbConfigGroup group)
{
  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    if (groups[i].group == group)
      return &groups[i];
  g_return_val_if_reached (NULL);
}

/**
 * rb_config_schema_keys:
 * @n_keys: (out): the number of keys
 *
 * Returns: every key of [rtsp-blur], [camera:NAME] and [network:NAME],
 * grouped, each group in the order of the loader's checks.
 */
const RbConfigKey *
rb_config_schema_keys (guint * n_keys)
{
  *n_keys = G_N_ELEMENTS (keys);
  return keys;
}

/* Returns: (nullable): @key of @group. */
const RbConfigKey *
rb_config_schema_find (RbConfigGroup group, const gchar * key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (keys[i].group == group && g_str_equal (keys[i].key, key))
      return &keys[i];
  return NULL;
}

/* Returns: (transfer full): the keys of @group, "a, b, c". */
gchar *
rb_config_schema_key_list (RbConfigGroup group)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (keys[i].group == group)
      g_string_append_printf (list, "%s%s", list->len ? ", " : "", keys[i].key);
  return g_string_free (list, FALSE);
}

/* Returns: (transfer full): the nicks of @key's choices joined with
 * @separator. */
gchar *
rb_config_schema_choice_list (const RbConfigKey * key, const gchar * separator)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; key->choices[i].nick; i++)
    g_string_append_printf (list, "%s%s", i ? separator : "",
        key->choices[i].nick);
  return g_string_free (list, FALSE);
}

/* Returns: (nullable): the nick of @value among @key's choices. */
const gchar *
rb_config_schema_choice_nick (const RbConfigKey * key, gint value)
{
  for (guint i = 0; key->choices[i].nick; i++)
    if (key->choices[i].value == value)
      return key->choices[i].nick;
  return NULL;
}
