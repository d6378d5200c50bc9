/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The launcher's configuration file: a GKeyFile, validated completely before
 * any pipeline is built (STYLE C35). Blank lines and lines whose first
 * non-blank character is '#' are comments; a '#' after a value is part of
 * the value. Values are stripped of surrounding white space.
 *
 * [rtsp-blur]                       required, exactly once
 *   state-dir=PATH          required. raw/, anonymized/ and queue/ live below
 *                           it. A relative path is resolved against the
 *                           directory of the config file (the current
 *                           directory for rb_config_load_from_data()) and
 *                           stored absolute.
 *   segment-duration=N      seconds per recorded segment, 1..3600, default 30
 *   workers=N               blur workers, 0..16, default 1 (0: record only)
 *   keep-raw=BOOL           keep raw segments once anonymized: true|false
 *                           (or 1|0), default false
 *   live-bitrate=N          live re-encode bitrate in kbit/s, 100..50000,
 *                           default 2048
 *   live-key-interval=N     live key-frame interval in seconds, 1..10,
 *                           default 2
 *   segment-lookahead=N     frames the segment workers' headblur looks
 *                           ahead (its lookahead property), 0..300,
 *                           default 15; workers detect on every frame
 *   live-lookahead=N        frames the live headblur holds back, 0..300,
 *                           default 5: heads are masked before their first
 *                           detection too; adds N frames of latency to the
 *                           live streams (333 ms at 15 fps). The live path
 *                           detects on every fifth frame unless [headblur]
 *                           sets detection-interval
 *   audio=drop|keep         whether the anonymized segments and the live
 *                           streams carry the cameras' audio (default drop:
 *                           a voice is personal data); raw segments always
 *                           record it
 *   reconnect-max-interval=N  seconds, 1..300, default 5: the longest pause
 *                           between two attempts to reach a camera that
 *                           answers but fails (one that does not accept a
 *                           connection is probed every second), and
 *                           between two test writes, or two attempts to
 *                           delete a file, after a write error
 *   max-disk-usage=SIZE     the most the raw and anonymized segments may
 *                           take: bytes with K, M, G or T (powers of 1024),
 *                           or N% of the file system; unset: no limit
 *   min-free-space=SIZE     free space to keep on the file system, same
 *                           form; unset: none
 *   retention-raw=DURATION  how long raw segments are kept: seconds, or N
 *                           with s, m, h or d; unset: until anonymized (or
 *                           forever with keep-raw)
 *   retention-anonymized=DURATION  how long anonymized segments are kept
 *   metrics-address=IP      the management listener (Prometheus /metrics,
 *                           rtsp-blur status), default 127.0.0.1
 *   metrics-port=N          its port, 0..65535, default 9590; 0: off
 *   chat-join-networks=BOOL  one chat room for every network instead of one
 *                           per network, default false (crosses the
 *                           networks' separation)
 *
 * [headblur]                        optional; the writable properties of
 *                                   the headblur element itself (not those
 *                                   of its parent classes), except threads
 *                                   and lookahead, which the launcher sets:
 *                                   the element's GParamSpecs are the schema
 *                                   (type, range, enum nicks), so a new
 *                                   property needs no change here. Unset
 *                                   keys keep the element's defaults.
 *   numbers                 as the element's range says; integers may be
 *                           written in hex (fill-color=0xff000000)
 *   guint64 properties      GstClockTime durations (hold-time,
 *                           max-detection-age): written in seconds, stored
 *                           in ns
 *   enums                   by nick (mode=pixelate; corrupt-mode=drop drops
 *                           the frames decoded with errors or after a loss,
 *                           which full-frame, the default, masks whole)
 *   paths                   string properties whose blurb starts with "Path"
 *                           (model, person-model): relative values resolve
 *                           like state-dir and are stored absolute; the
 *                           element checks the file when it starts
 *   privacy-zones=ZONES     also parsed with lib/rb-zones: polygons always
 *                           masked on every camera, "x,y x,y x,y[; ...]",
 *                           coordinates 0..1
 *
 * [camera:NAME]                     one or more; NAME is 1..64 of
 *                                   [A-Za-z0-9_-] and the live mount is /NAME
 *   url=URL                 required. rtsp:// or rtsps:// with a host, may
 *                           hold user:password (never printed: see
 *                           rb_config_redact_url()); no white space,
 *                           control characters or invalid UTF-8
 *   transport=auto|tcp|udp  default auto
 *   latency=N               rtspsrc jitter buffer in ms, 0..10000, default 200
 *   privacy-zones=ZONES     this camera's polygons always masked, in
 *                           addition to [headblur] privacy-zones
 *   audio=drop|keep         this camera's audio in the anonymized outputs;
 *                           default: [rtsp-blur] audio
 *
 * [network:NAME]                    one or more; NAME as for cameras. Each is
 *                                   one RTSP server bound to address:port.
 *   address=IP              required. An IPv4 or IPv6 literal, no host name
 *   port=N                  1..65535, default 8554
 *   max-connections=N       RTSP connections at once, 1..10000, default 200;
 *                           more are closed as they come. The http-port
 *                           listener has the same cap, counted apart
 *   max-connections-per-client=N  from one client address, default 20
 *                           (RTSP; and http-port, counted apart)
 *   idle-timeout=S          a connection that sends no request for S
 *                           seconds is closed, 1..3600, default 10. On
 *                           http-port: request headers within
 *                           MIN (S, 10) s of the accept, and a response
 *                           stalled for S s is closed (rb-http-listener.h)
 *   -- who may watch what, and how --
 *   cameras=A;B             the cameras this network serves (each the NAME
 *                           of a [camera:NAME]); default all. The others
 *                           are not mounted there (RTSP 404)
 *   users=PATH              the network's users: an htdigest file
 *                           (user:realm:HA1 lines, see rb-users.h), read
 *                           and checked at load; relative to the config
 *                           file's directory. Required unless auth=none
 *   auth=none|digest|basic  default digest when users is set; none (serve
 *                           anonymously) must be written explicitly and
 *                           excludes users; basic (which also accepts
 *                           digest) only with TLS
 *   allow=CIDR;CIDR         client addresses let in, IPv4 or IPv6, each
 *                           ADDRESS or ADDRESS/PREFIX; default everyone.
 *                           Others are refused at connect
 *   tls-certificate=PATH    PEM certificate (chain); with tls-key the
 *                           listener speaks TLS only (rtsps://), and the
 *                           media stays in it (rtsp-transport=tcp)
 *   tls-key=PATH            PEM private key of the certificate
 *   rtsp-transport=tcp|udp|tcp+udp  how viewers may get the media: tcp
 *                           (interleaved on the RTSP port: one port for the
 *                           firewall) is the default; others answer 461
 *   udp-ports=MIN-MAX       the server's UDP ports, 1024..65535, at least
 *                           2; required with udp, refused without it
 *   max-viewers=N           clients that set up a stream at once,
 *                           0..10000, default 0 (max-connections only);
 *                           more are answered 503
 *   http-port=N             HTTP(S) listener on address for HLS, the
 *                           operator page and its chat, 0..65535, default
 *                           0 (off); must differ from port. Same users,
 *                           auth, allow and TLS as the RTSP listener
 *
 * Errors: unknown groups and keys, a group or key given twice, a value of
 * the wrong type or out of range, a missing required key or group, no camera
 * or no network, and two networks that would listen on the same
 * address:port (on one port, 0.0.0.0 overlaps every IPv4 address and ::
 * every address). Every error is one line of the form
 *   FILE: [group] key: what is wrong (got 'VALUE')
 * where "key" is left out for errors about a whole group and "[group] key"
 * for errors about the whole file. Errors of syntax (a line that is not a
 * group, a key=value pair or a comment; a group or key name GKeyFile
 * refuses; a NUL byte) name the line: "FILE: line N: what". All errors
 * found are reported, one per line; the GError code is the first one's.
 * Passwords in URLs are replaced by "***" in every message, and all text
 * from the file is escaped by lib/rb-escape (control characters, invalid
 * UTF-8: \xNN), so a message never carries a terminal escape sequence.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-config.h"
#include "rb-escape.h"
#include "rb-users.h"
#include "rb-zones.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_SEGMENT_DURATION_S 30
#define DEFAULT_WORKERS 1
#define DEFAULT_KEEP_RAW FALSE
#define DEFAULT_LIVE_BITRATE_KBPS 2048
#define DEFAULT_LIVE_KEY_INTERVAL_S 2
#define DEFAULT_SEGMENT_LOOKAHEAD 15
#define DEFAULT_LIVE_LOOKAHEAD 5
#define DEFAULT_AUDIO RB_AUDIO_DROP
#define DEFAULT_RECONNECT_MAX_INTERVAL_S 5
#define DEFAULT_METRICS_ADDRESS "127.0.0.1"
#define DEFAULT_METRICS_PORT 9590
#define DEFAULT_TRANSPORT RB_TRANSPORT_AUTO
#define DEFAULT_LATENCY_MS 200
#define DEFAULT_PORT 8554
#define DEFAULT_MAX_CONNECTIONS 200
#define DEFAULT_MAX_CONNECTIONS_PER_CLIENT 20
#define DEFAULT_IDLE_TIMEOUT_S 10
#define DEFAULT_RTSP_TRANSPORT RB_RTSP_TRANSPORT_TCP
#define DEFAULT_MAX_VIEWERS 0
#define UDP_PORT_MIN 1024

#define MAIN_GROUP "rtsp-blur"
#define HEADBLUR_GROUP "headblur"
#define CAMERA_PREFIX "camera:"
#define NETWORK_PREFIX "network:"
#define NAME_MAX_LEN 64

G_DEFINE_QUARK (rb-config-error-quark, rb_config_error);

/* *INDENT-OFF* */
static const gchar *const main_keys[] = {
  "state-dir", "segment-duration", "workers", "keep-raw", "live-bitrate",
  "live-key-interval", "segment-lookahead", "live-lookahead", "audio", "reconnect-max-interval",
  "max-disk-usage", "min-free-space", "retention-raw", "retention-anonymized",
  "metrics-address", "metrics-port",
  "chat-join-networks",         /* issue 8: browsers */
  NULL
};
static const gchar *const audio_names[] = { "drop", "keep", NULL };
static const gchar *const camera_keys[] = {
  "url", "transport", "latency", "privacy-zones", "audio", NULL
};
static const gchar *const network_keys[] = { "address", "port",
  "max-connections", "max-connections-per-client", "idle-timeout",
  /* access and transport */
  "cameras", "users", "auth", "allow", "tls-certificate", "tls-key",
  "rtsp-transport", "udp-ports", "max-viewers",
  "http-port",                  /* browsers */
  NULL
};
/* indexed by RbNetworkAuth */
static const gchar *const auth_names[] = { "none", "digest", "basic", NULL };
/* indexed by RbRtspTransport - 1 */
static const gchar *const rtsp_transport_names[] = { "tcp", "udp", "tcp+udp",
  NULL
};
static const gchar *const transport_names[] = { "auto", "tcp", "udp", NULL };
/* *INDENT-ON* */

/* A group as written in the file: name, first line, keys in file order. */
typedef struct
{
  gchar *name;
  guint line;
  GPtrArray *keys;              /* of gchar* */
} RawGroup;

typedef struct
{
  const gchar *file;            /* name used in messages */
  gchar *base_dir;              /* relative paths resolve against it */
  GKeyFile *kf;
  GPtrArray *groups;            /* of RawGroup*, in file order */
  GString *messages;            /* one error per line */
  gint first_code;              /* -1 until the first error */
  GHashTable *reported;         /* "group\nkey" already named in a message */
  GObjectClass *headblur_class; /* the schema of [headblur], or NULL */
} Loader;

/* ---- redaction -------------------------------------------------------- */

/* Hides everything between the first ':' after the scheme and the last
 * '@': used when @s is not a URL we can take apart safely. */
static gchar *
redact_conservative (const gchar * s)
{
  const gchar *start, *at, *colon;

  start = strstr (s, "://");
  start = start ? start + 3 : s;
  at = strrchr (start, '@');
  if (at == NULL)
    return g_strdup (s);
  colon = strchr (start, ':');
  if (colon == NULL || colon > at)
    return g_strdup (s);
  return g_strdup_printf ("%.*s***%s", (int) (colon + 1 - s), s, at);
}

static gboolean
host_is_sane (const gchar * host)
{
  const gchar *p;

  if (host == NULL || *host == '\0')
    return FALSE;
  for (p = host; *p; p++) {
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) || strchr ("@/?#", *p))
      return FALSE;
  }
  return TRUE;
}

/**
 * rb_config_redact_url:
 * @url: a URL, or any string that may hold one
 *
 * Returns: (transfer full): @url with its password replaced by "***":
 * "rtsp://u:secret@h/x" gives "rtsp://u:***@h/x". URLs without a password
 * come back unchanged. A string that does not parse as a URL is redacted
 * conservatively: everything between the first ':' after "://" and the last
 * '@' is hidden.
 */
gchar *
rb_config_redact_url (const gchar * url)
{
  g_autoptr (GUri) uri = NULL;
  const gchar *user, *password, *start;
  gsize user_len, pw_len;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
      NULL);
  if (uri == NULL || !host_is_sane (g_uri_get_host (uri))
      || strpbrk (url, " \t\r\n") != NULL)
    return redact_conservative (url);

  password = g_uri_get_password (uri);
  if (password == NULL || *password == '\0')
    return g_strdup (url);

  /* Cut the password out of the original text so that nothing else moves.
   * If it is not where expected (GUri re-encoded it), be conservative. */
  user = g_uri_get_user (uri);
  user_len = user ? strlen (user) : 0;
  pw_len = strlen (password);
  start = strstr (url, "://");
  if (start == NULL)
    return redact_conservative (url);
  start += 3;
  if (strlen (start) < user_len + 1 + pw_len + 1
      || (user_len && strncmp (start, user, user_len) != 0)
      || start[user_len] != ':'
      || strncmp (start + user_len + 1, password, pw_len) != 0
      || start[user_len + 1 + pw_len] != '@')
    return redact_conservative (url);

  return g_strdup_printf ("%.*s***%s", (int) (start + user_len + 1 - url),
      url, start + user_len + 1 + pw_len);
}

/* Redacts every white-space or quote delimited word of @text that looks
 * like it holds credentials. Used on text we did not write (GLib's). */
static gchar *
redact_words (const gchar * text)
{
  GString *out = g_string_new (NULL);
  const gchar *p = text;

  while (*p) {
    const gchar *w = p;
    g_autofree gchar *word = NULL, *red = NULL;

    /* delimiters: ASCII space, quotes, and the UTF-8 lead byte of “ ” */
    while (*p && !g_ascii_isspace (*p) && !strchr ("'\"`", *p)
        && (guchar) * p != 0xe2)
      p++;
    word = g_strndup (w, p - w);
    red = strchr (word, '@') ? redact_conservative (word) : g_strdup (word);
    g_string_append (out, red);
    if (*p)
      g_string_append_c (out, *p++);
  }
  return g_string_free (out, FALSE);
}

/* ---- errors ----------------------------------------------------------- */

/* Text from the file as it is shown in a message: passwords redacted,
 * then control characters and invalid UTF-8 escaped as \xNN (lib/rb-escape:
 * a value never reaches the terminal raw). */
static gchar *
printable (const gchar * s)
{
  g_autofree gchar *redacted = rb_config_redact_url (s);

  return rb_escape_text (redacted, -1);
}

/* Records one error: "FILE: [group] key: what (got 'value')". @group, @key
 * and @value may be NULL. Always returns FALSE. */
static gboolean
fail (Loader * l, gint code, const gchar * group, const gchar * key,
    const gchar * value, const gchar * format, ...) G_GNUC_PRINTF (6, 7);

static gboolean
fail (Loader * l, gint code, const gchar * group, const gchar * key,
    const gchar * value, const gchar * format, ...)
{
  va_list args;
  g_autofree gchar *what = NULL;

  /* one message per key: a value that cannot be read is not also reported
   * as out of range */
  if (group && key) {
    gchar *id = g_strconcat (group, "\n", key, NULL);

    if (!g_hash_table_add (l->reported, id))
      return FALSE;
  }

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (l->first_code < 0)
    l->first_code = code;
  if (l->messages->len)
    g_string_append_c (l->messages, '\n');

  {
    /* the file name, and names or paths @format took from the file */
    g_autofree gchar *f = rb_escape_text (l->file, -1);
    gchar *w = rb_escape_text (what, -1);

    g_free (what);
    what = w;
    g_string_append_printf (l->messages, "%s: ", f);
  }
  if (group) {
    g_autofree gchar *g = printable (group);

    g_string_append_printf (l->messages, "[%s]", g);
    if (key) {
      g_autofree gchar *k = printable (key);

      g_string_append_printf (l->messages, " %s", k);
    }
    g_string_append (l->messages, ": ");
  }
  g_string_append (l->messages, what);
  if (value) {
    g_autofree gchar *v = printable (value);

    g_string_append_printf (l->messages, " (got '%s')", v);
  }
  return FALSE;
}

/* ---- raw scan: what GKeyFile merges or hides ---------------------------- */

static void
raw_group_free (RawGroup * g)
{
  g_free (g->name);
  g_ptr_array_unref (g->keys);
  g_free (g);
}

static RawGroup *
find_raw_group (Loader * l, const gchar * name)
{
  for (guint i = 0; i < l->groups->len; i++) {
    RawGroup *g = g_ptr_array_index (l->groups, i);

    if (g_str_equal (g->name, name))
      return g;
  }
  return NULL;
}

/* Splits the file into groups and keys the way GKeyFile does, to catch
 * what GKeyFile silently accepts: a group or a key given twice (it merges
 * them, the last value wins) and localised keys such as url[fr] (it hides
 * them from g_key_file_get_keys()). Lines that are not a group, a
 * key=value pair or a comment are reported with their number. */
static void
raw_scan (Loader * l, const gchar * data, gsize length)
{
  g_autofree gchar *copy = NULL;
  gchar **lines;
  RawGroup *current = NULL;
  gboolean in_duplicate = FALSE;      /* inside a group given twice */
  const gchar *nul = memchr (data, '\0', length);

  /* GKeyFile reads a line only up to a NUL byte, and we would read the
   * file only up to the first one: a text file has none */
  if (nul != NULL) {
    guint n = 1;

    for (const gchar * p = data; p < nul; p++)
      n += *p == '\n';
    fail (l, RB_CONFIG_ERROR_PARSE, NULL, NULL, NULL,
        "line %u holds a NUL byte: not a text file", n);
    return;
  }
  copy = g_strndup (data, length);
  lines = g_strsplit (copy, "\n", -1);

  for (guint n = 0; lines[n]; n++) {
    gchar *line = lines[n];
    gsize len;

    while (g_ascii_isspace (*line))
      line++;
    len = strlen (line);
    if (len && line[len - 1] == '\r')
      line[--len] = '\0';
    if (len == 0 || line[0] == '#')
      continue;

    if (line[0] == '[') {
      gchar *end = strrchr (line, ']');
      g_autofree gchar *name = NULL;
      RawGroup *prev;

      if (end == NULL) {
        fail (l, RB_CONFIG_ERROR_PARSE, NULL, NULL, line,
            "line %u: a group header must end with ']'", n + 1);
        current = NULL;
        in_duplicate = TRUE;
        continue;
      }
      name = g_strndup (line + 1, end - line - 1);
      prev = find_raw_group (l, name);
      if (prev) {
        fail (l, RB_CONFIG_ERROR_DUPLICATE, name, NULL, NULL,
            "group given twice, on lines %u and %u", prev->line, n + 1);
        current = prev;
        in_duplicate = TRUE;
        continue;
      }
      in_duplicate = FALSE;
      current = g_new0 (RawGroup, 1);
      current->name = g_steal_pointer (&name);
      current->line = n + 1;
      current->keys = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (l->groups, current);
    } else {
      gchar *eq = strchr (line, '=');
      gchar *key_end;
      g_autofree gchar *key = NULL;

      if (eq == NULL || eq == line) {
        fail (l, RB_CONFIG_ERROR_PARSE, current ? current->name : NULL, NULL,
            line, "line %u is not a [group], a key=value pair or a comment",
            n + 1);
        continue;
      }
      if (in_duplicate)
        continue;
      if (current == NULL) {
        fail (l, RB_CONFIG_ERROR_PARSE, NULL, NULL, line,
            "line %u: a key=value pair before the first [group]", n + 1);
        continue;
      }
      key_end = eq;
      while (key_end > line && g_ascii_isspace (key_end[-1]))
        key_end--;
      key = g_strndup (line, key_end - line);
      for (guint i = 0; i < current->keys->len; i++) {
        if (g_str_equal (g_ptr_array_index (current->keys, i), key)) {
          fail (l, RB_CONFIG_ERROR_DUPLICATE, current->name, key, NULL,
              "key given twice in the group (line %u)", n + 1);
          g_clear_pointer (&key, g_free);
          break;
        }
      }
      if (key)
        g_ptr_array_add (current->keys, g_steal_pointer (&key));
    }
  }
  g_strfreev (lines);
}

/* The number of the line GKeyFile refuses, which its messages do not give
 * ("Invalid group name: a[b"): the fewest whole lines from the top that it
 * fails to load, found by bisection. @data as a whole fails. */
static guint
keyfile_error_line (const gchar * data, gsize length)
{
  g_autoptr (GArray) ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  guint lo = 1, hi;

  /* ends[i]: the offset just after line i + 1 */
  for (gsize i = 0; i < length; i++) {
    if (data[i] == '\n') {
      gsize end = i + 1;

      g_array_append_val (ends, end);
    }
  }
  if (length > 0 && data[length - 1] != '\n')
    g_array_append_val (ends, length);
  if (ends->len == 0)
    return 1;
  /* loading the first k lines fails for every k >= the bad line's number:
   * GKeyFile stops at the first line it refuses */
  hi = ends->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    GKeyFile *kf = g_key_file_new ();

    if (g_key_file_load_from_data (kf, data, g_array_index (ends, gsize,
                mid - 1), G_KEY_FILE_NONE, NULL))
      lo = mid + 1;
    else
      hi = mid;
    g_key_file_free (kf);
  }
  return hi;
}

/* ---- typed values ----------------------------------------------------- */

/* Returns the stripped value of @key in @group, NULL when it is not set.
 * Escapes (\s, \t, \\ ...) are expanded. */
static gchar *
get_value (Loader * l, const gchar * group, const gchar * key)
{
  g_autoptr (GError) err = NULL;
  gchar *value;

  if (!g_key_file_has_key (l->kf, group, key, NULL))
    return NULL;
  /* on a bad escape, GKeyFile sets @err and still returns a string */
  value = g_key_file_get_string (l->kf, group, key, &err);
  if (value == NULL || err != NULL) {
    g_autofree gchar *raw = g_key_file_get_value (l->kf, group, key, NULL);

    /* report it, and return the raw text so that callers don't also
     * complain that the key is missing */
    g_free (value);
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, group, key, raw,
        "not a valid string (bad escape sequence or not UTF-8)");
    return g_strdup ("");
  }
  return g_strstrip (value);
}

static const gchar *
comment_hint (const gchar * value)
{
  return strchr (value, '#') ? "; comments must be on a line of their own" :
      "";
}

/* An unsigned integer in [min, max]; @unit is "" or " seconds" etc. */
static gboolean
get_uint (Loader * l, const gchar * group, const gchar * key, guint min,
    guint max, const gchar * unit, guint def, guint * out)
{
  g_autofree gchar *value = get_value (l, group, key);
  guint64 v;

  *out = def;
  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (value, 10, min, max, &v, NULL)
      || value[0] == '+')
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, group, key, value,
        "must be a whole number%s from %u to %u%s", unit, min, max,
        comment_hint (value));
  *out = (guint) v;
  return TRUE;
}

static gboolean
get_boolean (Loader * l, const gchar * group, const gchar * key,
    gboolean def, gboolean * out)
{
  g_autofree gchar *value = get_value (l, group, key);

  *out = def;
  if (value == NULL)
    return TRUE;
  if (g_str_equal (value, "true") || g_str_equal (value, "1"))
    *out = TRUE;
  else if (g_str_equal (value, "false") || g_str_equal (value, "0"))
    *out = FALSE;
  else
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, group, key, value,
        "must be true or false%s", comment_hint (value));
  return TRUE;
}

/* One of @names; returns its index in @out. */
static gboolean
get_choice (Loader * l, const gchar * group, const gchar * key,
    const gchar * const *names, gint def, gint * out)
{
  g_autofree gchar *value = get_value (l, group, key);
  g_autofree gchar *list = NULL;

  *out = def;
  if (value == NULL)
    return TRUE;
  for (gint i = 0; names[i]; i++) {
    if (g_str_equal (value, names[i])) {
      *out = i;
      return TRUE;
    }
  }
  list = g_strjoinv ("|", (gchar **) names);
  return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, group, key, value,
      "must be one of %s%s", list, comment_hint (value));
}

static gchar *
resolve_path (Loader * l, const gchar * path)
{
  return g_canonicalize_filename (path, l->base_dir);
}

/* [A-Za-z0-9_-]{1,64} */
static gboolean
name_is_valid (const gchar * name)
{
  gsize n = strlen (name);

  if (n == 0 || n > NAME_MAX_LEN)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '-')
      return FALSE;
  return TRUE;
}

/* Unknown keys of @group (file order, localised keys included). */
static void
check_keys (Loader * l, const gchar * group, const gchar * const *known)
{
  RawGroup *raw = find_raw_group (l, group);
  g_autofree gchar *list = g_strjoinv (", ", (gchar **) known);

  if (raw == NULL)
    return;
  for (guint i = 0; i < raw->keys->len; i++) {
    const gchar *key = g_ptr_array_index (raw->keys, i);

    if (!g_strv_contains (known, key))
      fail (l, RB_CONFIG_ERROR_UNKNOWN_KEY, group, key, NULL,
          "unknown key; the keys of this group are %s", list);
  }
}

/* A size: bytes, with an optional K, M, G or T suffix (powers of 1024), or
 * a percentage of the file system ("10%"). 0 or unset: no limit. */
static gboolean
get_size (Loader * l, const gchar * group, const gchar * key,
    guint64 * bytes, gdouble * percent)
{
  g_autofree gchar *value = get_value (l, group, key);
  gchar *end = NULL;
  gdouble v;

  *bytes = 0;
  *percent = 0;
  if (value == NULL)
    return TRUE;
  v = g_ascii_strtod (value, &end);
  if (end == value || !isfinite (v) || v < 0 || value[0] == '+')
    goto bad;
  if (g_str_equal (end, "%")) {
    if (v > 100)
      goto bad;
    *percent = v;
    return TRUE;
  }
  switch (g_ascii_toupper (*end)) {
    case '\0':
      break;
    case 'K':
      v *= 1024.0;
      break;
    case 'M':
      v *= 1024.0 * 1024.0;
      break;
    case 'G':
      v *= 1024.0 * 1024.0 * 1024.0;
      break;
    case 'T':
      v *= 1024.0 * 1024.0 * 1024.0 * 1024.0;
      break;
    default:
      goto bad;
  }
  if (*end != '\0' && end[1] != '\0' && !g_str_equal (end + 1, "B")
      && !g_str_equal (end + 1, "iB"))
    goto bad;
  if (v >= 1.8e19)
    goto bad;
  *bytes = (guint64) v;
  return TRUE;

bad:
  return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, group, key, value,
      "must be a size in bytes with an optional K, M, G or T suffix, or a "
      "percentage of the file system such as 10%%%s", comment_hint (value));
}

/* A duration: seconds, or a number with s, m, h or d. 0 or unset: none. */
static gboolean
get_duration (Loader * l, const gchar * group, const gchar * key,
    guint64 * seconds)
{
  g_autofree gchar *value = get_value (l, group, key);
  gchar *end = NULL;
  gdouble v;

  *seconds = 0;
  if (value == NULL)
    return TRUE;
  v = g_ascii_strtod (value, &end);
  if (end == value || !isfinite (v) || v < 0 || value[0] == '+')
    goto bad;
  if (g_str_equal (end, "") || g_str_equal (end, "s"))
    ;
  else if (g_str_equal (end, "m"))
    v *= 60;
  else if (g_str_equal (end, "h"))
    v *= 3600;
  else if (g_str_equal (end, "d"))
    v *= 86400;
  else
    goto bad;
  if (v > 1e12)
    goto bad;
  *seconds = (guint64) (v + 0.5);
  return TRUE;

bad:
  return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, group, key, value,
      "must be a duration: seconds, or a number with s, m, h or d such as "
      "30d%s", comment_hint (value));
}

/* ---- groups ----------------------------------------------------------- */

static void
load_main (Loader * l, RbConfig * c)
{
  const gchar *g = MAIN_GROUP;
  g_autofree gchar *state_dir = NULL;

  check_keys (l, g, main_keys);

  state_dir = get_value (l, g, "state-dir");
  if (state_dir == NULL)
    fail (l, RB_CONFIG_ERROR_MISSING, g, "state-dir", NULL,
        "required key is missing");
  else if (*state_dir == '\0')
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "state-dir", state_dir,
        "must be a directory path");
  else
    c->state_dir = resolve_path (l, state_dir);

  get_uint (l, g, "segment-duration", 1, 3600, " of seconds",
      DEFAULT_SEGMENT_DURATION_S, &c->segment_duration_s);
  get_uint (l, g, "workers", 0, 16, "", DEFAULT_WORKERS, &c->workers);
  get_boolean (l, g, "keep-raw", DEFAULT_KEEP_RAW, &c->keep_raw);
  get_uint (l, g, "live-bitrate", 100, 50000, " of kbit/s",
      DEFAULT_LIVE_BITRATE_KBPS, &c->live_bitrate_kbps);
  get_uint (l, g, "live-key-interval", 1, 10, " of seconds",
      DEFAULT_LIVE_KEY_INTERVAL_S, &c->live_key_interval_s);
  get_uint (l, g, "segment-lookahead", 0, 300, " of frames",
      DEFAULT_SEGMENT_LOOKAHEAD, &c->segment_lookahead);
  get_uint (l, g, "live-lookahead", 0, 300, " of frames",
      DEFAULT_LIVE_LOOKAHEAD, &c->live_lookahead);
  {
    gint audio;

    get_choice (l, g, "audio", audio_names, DEFAULT_AUDIO, &audio);
    c->audio = (RbAudio) audio;
  }
  get_uint (l, g, "reconnect-max-interval", 1, 300, " of seconds",
      DEFAULT_RECONNECT_MAX_INTERVAL_S, &c->reconnect_max_interval_s);
  get_size (l, g, "max-disk-usage", &c->max_disk_usage_bytes,
      &c->max_disk_usage_percent);
  get_size (l, g, "min-free-space", &c->min_free_space_bytes,
      &c->min_free_space_percent);
  get_duration (l, g, "retention-raw", &c->retention_raw_s);
  get_duration (l, g, "retention-anonymized", &c->retention_anonymized_s);
  {
    g_autofree gchar *addr = get_value (l, g, "metrics-address");
    g_autoptr (GInetAddress) inet = NULL;

    if (addr != NULL && (inet = g_inet_address_new_from_string (addr)) == NULL)
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "metrics-address", addr,
          "must be an IPv4 or IPv6 address literal");
    else if (addr != NULL) {
      g_free (c->metrics_address);
      c->metrics_address = g_steal_pointer (&addr);
    }
  }
  get_uint (l, g, "metrics-port", 0, 65535, "", DEFAULT_METRICS_PORT,
      &c->metrics_port);
  get_boolean (l, g, "chat-join-networks", FALSE, &c->chat_join_networks);
}

/* Privacy zones, parsed by the one parser headblur uses (lib/rb-zones). */
static gboolean
check_zones (Loader * l, const gchar * g, const gchar * value)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) zones = rb_zones_parse (value, &err);

  if (zones != NULL && zones->len > 0)
    return TRUE;
  return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "privacy-zones", value,
      "must be polygons of at least 3 points x,y with coordinates from 0 "
      "to 1 (fractions of the frame), as \"0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1\"%s%s",
      err ? ": " : "", err ? err->message : "");
}

/* ---- [headblur]: the element's own properties are the schema ---------- */

/* Properties the launcher sets itself on each path (live: one OpenCV
 * thread, detections recorded; workers: segment-lookahead, the recorded
 * detections), so they are not [headblur] keys. */
static const gchar *const headblur_reserved[] = { "threads", "lookahead",
  "attach-meta", "upstream-detections", NULL
};

/* A [headblur] key is a property installed by the element's own class
 * (not by GstObject or GstBaseTransform), writable after construction and
 * not reserved by the launcher. */
static gboolean
headblur_key_allowed (GObjectClass * klass, GParamSpec * pspec)
{
  return pspec != NULL && pspec->owner_type == G_OBJECT_CLASS_TYPE (klass)
      && (pspec->flags & G_PARAM_WRITABLE)
      && !(pspec->flags & (G_PARAM_CONSTRUCT_ONLY | G_PARAM_DEPRECATED))
      && !g_strv_contains (headblur_reserved, pspec->name);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* "a, b, c": the allowed keys, sorted */
static gchar *
headblur_key_list (GObjectClass * klass)
{
  guint n;
  g_autofree GParamSpec **specs = g_object_class_list_properties (klass, &n);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    if (headblur_key_allowed (klass, specs[i]))
      g_ptr_array_add (names, (gpointer) specs[i]->name);
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (gchar **) names->pdata);
}

/* A string property whose blurb starts with "Path" names a file: relative
 * values resolve against the config file's directory. */
static gboolean
pspec_is_path (GParamSpec * pspec)
{
  const gchar *blurb = g_param_spec_get_blurb (pspec);

  return G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_STRING && blurb
      && g_str_has_prefix (blurb, "Path");
}

/* What a valid value of @pspec looks like, from the spec itself. */
static gchar *
describe_pspec (GParamSpec * pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (G_IS_PARAM_SPEC_BOOLEAN (pspec))
    return g_strdup ("must be true or false");
  if (G_IS_PARAM_SPEC_DOUBLE (pspec))
    return g_strdup_printf ("must be a number from %g to %g",
        G_PARAM_SPEC_DOUBLE (pspec)->minimum,
        G_PARAM_SPEC_DOUBLE (pspec)->maximum);
  if (G_IS_PARAM_SPEC_FLOAT (pspec))
    return g_strdup_printf ("must be a number from %g to %g",
        G_PARAM_SPEC_FLOAT (pspec)->minimum,
        G_PARAM_SPEC_FLOAT (pspec)->maximum);
  if (G_IS_PARAM_SPEC_UINT64 (pspec))
    return g_strdup_printf ("must be a number of seconds from %g to %g",
        G_PARAM_SPEC_UINT64 (pspec)->minimum / 1e9,
        G_PARAM_SPEC_UINT64 (pspec)->maximum / 1e9);
  if (G_IS_PARAM_SPEC_UINT (pspec))
    return g_strdup_printf ("must be a whole number from %u to %u",
        G_PARAM_SPEC_UINT (pspec)->minimum,
        G_PARAM_SPEC_UINT (pspec)->maximum);
  if (G_IS_PARAM_SPEC_INT (pspec))
    return g_strdup_printf ("must be a whole number from %d to %d",
        G_PARAM_SPEC_INT (pspec)->minimum, G_PARAM_SPEC_INT (pspec)->maximum);
  if (G_IS_PARAM_SPEC_INT64 (pspec))
    return g_strdup_printf ("must be a whole number from %" G_GINT64_FORMAT
        " to %" G_GINT64_FORMAT, G_PARAM_SPEC_INT64 (pspec)->minimum,
        G_PARAM_SPEC_INT64 (pspec)->maximum);
  if (G_IS_PARAM_SPEC_ENUM (pspec)) {
    GEnumClass *e = G_PARAM_SPEC_ENUM (pspec)->enum_class;
    GString *list = g_string_new ("must be one of ");

    for (guint i = 0; i < e->n_values; i++)
      g_string_append_printf (list, "%s%s", i ? "|" : "",
          e->values[i].value_nick);
    return g_string_free (list, FALSE);
  }
  if (type == G_TYPE_STRING)
    return g_strdup (pspec_is_path (pspec) ? "must be the path of a file" :
        "must be a string");
  return g_strdup_printf ("has type %s, which the config cannot set",
      g_type_name (type));
}

/* Text → @value of @pspec's type, without range checks. 64-bit unsigned
 * properties are GstClockTime durations: written in seconds (a decimal
 * number), stored in ns. Integers may be written in hex (0x...). */
static gboolean
parse_pspec_value (GParamSpec * pspec, const gchar * text, GValue * value)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  gchar *end = NULL;

  g_value_init (value, type);
  if (type == G_TYPE_BOOLEAN) {
    if (g_str_equal (text, "true") || g_str_equal (text, "1"))
      g_value_set_boolean (value, TRUE);
    else if (g_str_equal (text, "false") || g_str_equal (text, "0"))
      g_value_set_boolean (value, FALSE);
    else
      return FALSE;
    return TRUE;
  }
  if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT || type == G_TYPE_UINT64) {
    gdouble d;

    if (*text == '\0' || g_ascii_isspace (*text))
      return FALSE;
    d = g_ascii_strtod (text, &end);
    if (*end != '\0' || !isfinite (d))
      return FALSE;
    if (type == G_TYPE_DOUBLE) {
      g_value_set_double (value, d);
    } else if (type == G_TYPE_FLOAT) {
      g_value_set_float (value, (gfloat) d);
    } else {
      if (d < 0 || d * 1e9 >= 1.8e19)
        return FALSE;
      g_value_set_uint64 (value, (guint64) (d * 1e9 + 0.5));
    }
    return TRUE;
  }
  if (type == G_TYPE_UINT || type == G_TYPE_INT || type == G_TYPE_INT64) {
    gint64 v;

    if (*text == '\0' || *text == '+' || g_ascii_isspace (*text))
      return FALSE;
    if (g_ascii_strncasecmp (text, "0x", 2) == 0) {
      guint64 u;

      if (!g_ascii_string_to_unsigned (text + 2, 16, 0, G_MAXINT64, &u, NULL))
        return FALSE;
      v = (gint64) u;
    } else if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64,
            &v, NULL)) {
      return FALSE;
    }
    if (type == G_TYPE_UINT) {
      if (v < 0 || v > G_MAXUINT)
        return FALSE;
      g_value_set_uint (value, (guint) v);
    } else if (type == G_TYPE_INT) {
      if (v < G_MININT || v > G_MAXINT)
        return FALSE;
      g_value_set_int (value, (gint) v);
    } else {
      g_value_set_int64 (value, v);
    }
    return TRUE;
  }
  if (G_TYPE_IS_ENUM (type)) {
    GEnumValue *ev =
        g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, text);

    if (ev == NULL)
      return FALSE;
    g_value_set_enum (value, ev->value);
    return TRUE;
  }
  if (type == G_TYPE_STRING) {
    if (pspec_is_path (pspec) && *text == '\0')
      return FALSE;
    g_value_set_string (value, text);
    return TRUE;
  }
  return FALSE;
}

/* The canonical text of a validated value, for rb_config_get_headblur(). */
static gchar *
value_to_text (GParamSpec * pspec, const GValue * value)
{
  GType type = G_VALUE_TYPE (value);
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (type == G_TYPE_STRING)
    return g_value_dup_string (value);
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (g_value_get_boolean (value) ? "true" : "false");
  if (type == G_TYPE_DOUBLE)
    return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g",
            g_value_get_double (value)));
  if (type == G_TYPE_FLOAT)
    return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.7g",
            g_value_get_float (value)));
  if (G_TYPE_IS_ENUM (type))
    return g_strdup (g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class,
            g_value_get_enum (value))->value_nick);
  return g_strdup_value_contents (value);
}

static void
load_headblur (Loader * l, RbConfig * c)
{
  const gchar *g = HEADBLUR_GROUP;
  RawGroup *raw = find_raw_group (l, g);
  GObjectClass *klass = l->headblur_class;
  GPtrArray *keys = g_ptr_array_new ();
  GPtrArray *values = g_ptr_array_new ();

  for (guint i = 0; raw && i < raw->keys->len; i++) {
    const gchar *key = g_ptr_array_index (raw->keys, i);
    GParamSpec *pspec = klass ? g_object_class_find_property (klass, key) :
        NULL;
    GValue value = G_VALUE_INIT;
    g_autofree gchar *text = NULL;

    if (klass == NULL) {
      fail (l, RB_CONFIG_ERROR_UNKNOWN_KEY, g, key, NULL,
          "cannot be checked: the headblur element is not available");
      continue;
    }
    if (!headblur_key_allowed (klass, pspec)) {
      g_autofree gchar *list = headblur_key_list (klass);

      fail (l, RB_CONFIG_ERROR_UNKNOWN_KEY, g, key, NULL,
          "unknown key; the keys of this group are %s", list);
      continue;
    }
    text = get_value (l, g, key);
    if (text == NULL)
      continue;
    if (pspec_is_path (pspec) && *text != '\0') {
      gchar *abs = resolve_path (l, text);

      g_free (text);
      text = abs;
    }
    /* g_param_value_validate() returns TRUE when it had to change the
     * value: out of the element's range */
    if (!parse_pspec_value (pspec, text, &value)
        || g_param_value_validate (pspec, &value)) {
      g_autofree gchar *rule = describe_pspec (pspec);

      g_value_unset (&value);
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, text, "%s%s", rule,
          comment_hint (text));
      continue;
    }
    if (g_str_equal (key, "privacy-zones") && !check_zones (l, g, text)) {
      g_value_unset (&value);
      continue;
    }
    g_ptr_array_add (keys, g_strdup (key));
    g_ptr_array_add (values, value_to_text (pspec, &value));
    /* the array takes the value over */
    g_array_append_val (c->headblur_gvalues, value);
  }

  g_ptr_array_add (keys, NULL);
  g_ptr_array_add (values, NULL);
  g_strfreev (c->headblur_keys);
  g_strfreev (c->headblur_values);
  c->headblur_keys = (gchar **) g_ptr_array_free (keys, FALSE);
  c->headblur_values = (gchar **) g_ptr_array_free (values, FALSE);
}

/**
 * rb_config_apply_headblur:
 * @config: a configuration
 * @element: a headblur element (of the class @config was loaded with)
 *
 * Sets every [headblur] key of @config on @element, in file order: the one
 * place where the live path, the segment workers and --check-config get
 * their detector settings.
 */
void
rb_config_apply_headblur (const RbConfig * config, GObject * element)
{
  g_return_if_fail (config != NULL && G_IS_OBJECT (element));

  for (guint i = 0; config->headblur_keys[i]; i++)
    g_object_set_property (element, config->headblur_keys[i],
        &g_array_index (config->headblur_gvalues, GValue, i));
}

static gboolean
check_url (Loader * l, const gchar * g, const gchar * url)
{
  g_autoptr (GUri) uri = NULL;
  const gchar *scheme;

  if (*url == '\0')
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "url", url,
        "must be an rtsp:// or rtsps:// URL");
  if (strpbrk (url, " \t\r\n"))
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "url", url,
        "must not contain white space (write a space as %%20)");
  /* the URL is logged (password redacted) while the camera runs */
  if (!rb_escape_is_safe (url))
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "url", url,
        "must not contain control characters or bytes that are not UTF-8 "
        "(write them as %%XX)");

  /* GLib's reason is not shown: it may quote the password */
  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
      NULL);
  if (uri == NULL)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "url", url,
        "not a valid URL, expected "
        "rtsp://[USER[:PASSWORD]@]HOST[:PORT]/PATH");
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "rtsp") != 0
      && g_ascii_strcasecmp (scheme, "rtsps") != 0)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "url", url,
        "the scheme must be rtsp:// or rtsps://");
  if (!host_is_sane (g_uri_get_host (uri)))
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "url", url,
        "must name a host, as in rtsp://HOST[:PORT]/PATH (write an @ in a "
        "user name or password as %%40)");
  if (g_uri_get_port (uri) == 0)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "url", url,
        "the port must be from 1 to 65535");
  return TRUE;
}

static void
load_camera (Loader * l, RbConfig * c, const gchar * g)
{
  const gchar *name = g + strlen (CAMERA_PREFIX);
  RbCameraConfig *cam;
  g_autofree gchar *url = NULL;
  gint transport;

  if (!name_is_valid (name))
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, NULL, name,
        "the camera name must be 1 to 64 of A-Z a-z 0-9 _ -");
  check_keys (l, g, camera_keys);

  cam = g_new0 (RbCameraConfig, 1);
  cam->name = g_strdup (name);
  cam->audio = (RbAudio) - 1;
  g_ptr_array_add (c->cameras, cam);

  url = get_value (l, g, "url");
  if (url == NULL)
    fail (l, RB_CONFIG_ERROR_MISSING, g, "url", NULL,
        "required key is missing");
  else if (check_url (l, g, url))
    cam->url = g_steal_pointer (&url);

  get_choice (l, g, "transport", transport_names, DEFAULT_TRANSPORT,
      &transport);
  cam->transport = (RbTransport) transport;
  get_uint (l, g, "latency", 0, 10000, " of milliseconds",
      DEFAULT_LATENCY_MS, &cam->latency_ms);
  {
    gint audio;

    /* -1 until the end of the file: [rtsp-blur] audio by default */
    if (get_choice (l, g, "audio", audio_names, -1, &audio))
      cam->audio = audio;
  }
  {
    g_autofree gchar *zones = get_value (l, g, "privacy-zones");

    if (zones != NULL && check_zones (l, g, zones))
      cam->privacy_zones = g_steal_pointer (&zones);
  }
}

/* Does wildcard @any cover @other? 0.0.0.0 covers IPv4; :: covers IPv6
 * and, on a dual-stack host, IPv4 too. */
static gboolean
wildcard_covers (GInetAddress * any, GInetAddress * other)
{
  GSocketFamily family = g_inet_address_get_family (any);

  return g_inet_address_get_is_any (any)
      && (family == G_SOCKET_FAMILY_IPV6
      || family == g_inet_address_get_family (other));
}

/* Two listeners clash on one port when their addresses are equal or one is
 * a wildcard that covers the other. */
static gboolean
addresses_clash (GInetAddress * a, GInetAddress * b)
{
  return g_inet_address_equal (a, b) || wildcard_covers (a, b)
      || wildcard_covers (b, a);
}

/* "10.0.1.5:8554" or "[2001:db8::5]:8554" */
static gchar *
format_listener (const gchar * address, guint port)
{
  return g_strdup_printf (strchr (address, ':') ? "[%s]:%u" : "%s:%u",
      address, port);
}

static void
object_unref0 (gpointer object)
{
  if (object)
    g_object_unref (object);
}

/* ---- [network:NAME]: who may watch what, and how ------------------------ */

/* A ';'-separated list: entries stripped, empty ones (a trailing ';')
 * dropped. NULL when @key is not set; an empty array when it is empty. */
static gchar **
get_list (Loader * l, const gchar * group, const gchar * key)
{
  g_autofree gchar *value = get_value (l, group, key);
  g_auto (GStrv) parts = NULL;
  GPtrArray *out;

  if (value == NULL)
    return NULL;
  parts = g_strsplit (value, ";", -1);
  out = g_ptr_array_new ();
  for (guint i = 0; parts[i]; i++) {
    g_strstrip (parts[i]);
    if (*parts[i])
      g_ptr_array_add (out, g_strdup (parts[i]));
  }
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

/* The path of @key, resolved, and checked readable; NULL when unset or
 * bad (reported). */
static gchar *
get_readable_path (Loader * l, const gchar * g, const gchar * key)
{
  g_autofree gchar *value = get_value (l, g, key);
  g_autofree gchar *path = NULL;

  if (value == NULL)
    return NULL;
  if (*value == '\0') {
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, value,
        "must be a file name");
    return NULL;
  }
  path = resolve_path (l, value);
  if (g_access (path, R_OK) != 0 || g_file_test (path, G_FILE_TEST_IS_DIR)) {
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, value,
        "cannot read the file %s", path);
    return NULL;
  }
  return g_steal_pointer (&path);
}

static void
mask_unref0 (gpointer mask)
{
  g_object_unref (mask);
}

static void
load_network_access (Loader * l, const gchar * g, RbNetworkConfig * net)
{
  g_auto (GStrv) allow = NULL;
  g_autofree gchar *users_text = NULL;
  g_autofree gchar *udp_ports = NULL;
  gint auth = -1, transport;
  gboolean auth_ok, tls;

  /* cameras: the names are checked against the cameras at the end */
  net->cameras = get_list (l, g, "cameras");
  if (net->cameras && net->cameras[0] == NULL) {
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "cameras", "",
        "must name at least one camera; leave it out to serve all");
  }
  for (guint i = 0; net->cameras && net->cameras[i]; i++) {
    for (guint j = 0; j < i; j++) {
      if (g_str_equal (net->cameras[i], net->cameras[j])) {
        fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "cameras",
            net->cameras[i], "a camera is named twice");
        break;
      }
    }
  }

  /* users and auth */
  {
    g_autofree gchar *users = get_value (l, g, "users");

    if (users != NULL) {
      g_autoptr (GError) err = NULL;
      g_autoptr (RbUsers) loaded = NULL;
      g_autofree gchar *path = resolve_path (l, users);

      if (*users == '\0')
        fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "users", users,
            "must be the name of an htdigest file");
      else if ((loaded = rb_users_load (path, &err)) == NULL)
        fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "users", NULL, "%s",
            err->message);
      else
        net->users_file = g_steal_pointer (&path);
    }
    /* a bad users file is reported as bad, not also as missing */
    users_text = g_strdup (users);
  }
  auth_ok = get_choice (l, g, "auth", auth_names, -1, &auth);

  tls = FALSE;
  {
    g_autofree gchar *cert_value = get_value (l, g, "tls-certificate");
    g_autofree gchar *key_value = get_value (l, g, "tls-key");

    if (cert_value && !key_value)
      fail (l, RB_CONFIG_ERROR_MISSING, g, "tls-key", NULL,
          "required with tls-certificate");
    else if (key_value && !cert_value)
      fail (l, RB_CONFIG_ERROR_MISSING, g, "tls-certificate", NULL,
          "required with tls-key");
    else if (cert_value && key_value) {
      g_autofree gchar *cert = get_readable_path (l, g, "tls-certificate");
      g_autofree gchar *key = get_readable_path (l, g, "tls-key");

      tls = TRUE;
      if (cert && key) {
        g_autoptr (GError) err = NULL;
        g_autoptr (GTlsCertificate) c = g_tls_certificate_new_from_files
            (cert, key, &err);

        if (c == NULL)
          fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "tls-certificate", NULL,
              "%s and %s are not a PEM certificate and its key: %s", cert,
              key, err->message);
        else {
          net->tls_certificate = g_steal_pointer (&cert);
          net->tls_key = g_steal_pointer (&key);
        }
      }
    }
  }

  if (!auth_ok) {
    net->auth = RB_NETWORK_AUTH_DIGEST;     /* reported */
  } else if (auth < 0) {
    net->auth = RB_NETWORK_AUTH_DIGEST;
    if (users_text == NULL)
      fail (l, RB_CONFIG_ERROR_MISSING, g, "users", NULL,
          "required key is missing: set users = PATH (an htdigest file), "
          "or auth = none to serve this network to anyone");
  } else {
    net->auth = (RbNetworkAuth) auth;
    if (auth == RB_NETWORK_AUTH_NONE && users_text != NULL)
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "users", NULL,
          "not allowed with auth = none (anonymous); remove one of them");
    else if (auth != RB_NETWORK_AUTH_NONE && users_text == NULL)
      fail (l, RB_CONFIG_ERROR_MISSING, g, "users", NULL,
          "required key is missing: auth = %s needs users = PATH (an "
          "htdigest file)", auth_names[auth]);
    if (auth == RB_NETWORK_AUTH_BASIC && !tls)
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "auth", "basic",
          "basic sends passwords in clear text: allowed only with "
          "tls-certificate and tls-key");
  }

  /* allow */
  allow = get_list (l, g, "allow");
  if (allow && allow[0] == NULL)
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "allow", "",
        "must hold at least one address or ADDRESS/PREFIX; leave it out "
        "to let everyone in");
  else if (allow) {
    net->allow = g_ptr_array_new_with_free_func (mask_unref0);
    for (guint i = 0; allow[i]; i++) {
      GInetAddressMask *mask = g_inet_address_mask_new_from_string (allow[i],
          NULL);

      if (mask == NULL) {
        fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "allow", allow[i],
            "must be an IPv4 or IPv6 address or ADDRESS/PREFIX with no "
            "bits set after the prefix (10.0.1.0/24, 2001:db8::/32)%s",
            comment_hint (allow[i]));
        break;
      }
      g_ptr_array_add (net->allow, mask);
    }
  }

  /* transport */
  get_choice (l, g, "rtsp-transport", rtsp_transport_names,
      DEFAULT_RTSP_TRANSPORT - 1, &transport);
  net->rtsp_transport = (RbRtspTransport) (transport + 1);
  udp_ports = get_value (l, g, "udp-ports");
  if (udp_ports && !(net->rtsp_transport & RB_RTSP_TRANSPORT_UDP)) {
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "udp-ports", udp_ports,
        "only with rtsp-transport = udp or tcp+udp");
  } else if (!udp_ports && (net->rtsp_transport & RB_RTSP_TRANSPORT_UDP)) {
    fail (l, RB_CONFIG_ERROR_MISSING, g, "udp-ports", NULL,
        "required with rtsp-transport = %s: the UDP port range MIN-MAX "
        "a firewall rule can name", rtsp_transport_names[transport]);
  } else if (udp_ports) {
    g_auto (GStrv) range = g_strsplit (udp_ports, "-", -1);
    guint64 min = 0, max = 0;

    if (g_strv_length (range) != 2
        || !g_ascii_string_to_unsigned (g_strstrip (range[0]), 10,
            UDP_PORT_MIN, 65535, &min, NULL)
        || !g_ascii_string_to_unsigned (g_strstrip (range[1]), 10,
            UDP_PORT_MIN, 65535, &max, NULL) || max <= min)
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "udp-ports", udp_ports,
          "must be MIN-MAX, two port numbers from %u to 65535 with MIN < "
          "MAX (50000-50100)%s", UDP_PORT_MIN, comment_hint (udp_ports));
    else {
      net->udp_port_min = min;
      net->udp_port_max = max;
    }
  }

  if (tls && (net->rtsp_transport & RB_RTSP_TRANSPORT_UDP))
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "rtsp-transport",
        rtsp_transport_names[transport], "with TLS the media must stay in "
        "the encrypted connection: tcp only");

  get_uint (l, g, "max-viewers", 0, 10000, "", DEFAULT_MAX_VIEWERS,
      &net->max_viewers);
}

/* The names in cameras= must be cameras of the file (known only once all
 * groups are read). */
static void
check_network_cameras (Loader * l, RbConfig * c)
{
  for (guint i = 0; i < c->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (c->networks, i);
    g_autofree gchar *g = g_strconcat (NETWORK_PREFIX, net->name, NULL);

    for (guint j = 0; net->cameras && net->cameras[j]; j++) {
      gboolean found = FALSE;

      for (guint k = 0; k < c->cameras->len && !found; k++)
        found = g_str_equal (((RbCameraConfig *)
                g_ptr_array_index (c->cameras, k))->name, net->cameras[j]);
      if (!found) {
        fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "cameras",
            net->cameras[j], "no [" CAMERA_PREFIX "NAME] of that name");
        break;
      }
    }
  }
}

/* Two networks' UDP ranges must not overlap: the ports are bound on every
 * address. */
static void
check_udp_ranges (Loader * l, RbConfig * c)
{
  for (guint i = 0; i < c->networks->len; i++) {
    RbNetworkConfig *a = g_ptr_array_index (c->networks, i);

    for (guint j = 0; a->udp_port_min && j < i; j++) {
      RbNetworkConfig *b = g_ptr_array_index (c->networks, j);

      if (b->udp_port_min && a->udp_port_min <= b->udp_port_max
          && b->udp_port_min <= a->udp_port_max) {
        g_autofree gchar *g = g_strconcat (NETWORK_PREFIX, a->name, NULL);
        g_autofree gchar *got = g_strdup_printf ("%u-%u", a->udp_port_min,
            a->udp_port_max);

        fail (l, RB_CONFIG_ERROR_DUPLICATE, g, "udp-ports", got,
            "overlaps the udp-ports of [" NETWORK_PREFIX "%s] (%u-%u)",
            b->name, b->udp_port_min, b->udp_port_max);
        break;
      }
    }
  }
}

/**
 * rb_network_allow_matches:
 * @allow: (nullable): a network's allow list (of #GInetAddressMask), or
 *   %NULL for everyone
 * @address: (nullable): a client address as text, as a connection gives it
 *
 * Whether @address may connect to a network whose allow= is @allow. An
 * IPv4-mapped IPv6 address (a dual-stack listener) counts as IPv4; an
 * address that does not parse is refused when there is a list. Used by the
 * RTSP and the HTTP listeners alike.
 *
 * Returns: %TRUE when @address is let in.
 */
gboolean
rb_network_allow_matches (GPtrArray * allow, const gchar * address)
{
  g_autoptr (GInetAddress) inet = NULL;

  if (allow == NULL)
    return TRUE;
  inet = address ? g_inet_address_new_from_string (address) : NULL;
  if (inet == NULL)
    return FALSE;
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6) {
    const guint8 *b = g_inet_address_to_bytes (inet);
    static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0xff, 0xff
    };

    if (memcmp (b, mapped, 12) == 0) {
      GInetAddress *v4 = g_inet_address_new_from_bytes (b + 12,
          G_SOCKET_FAMILY_IPV4);

      g_object_unref (inet);
      inet = v4;
    }
  }
  for (guint i = 0; i < allow->len; i++)
    if (g_inet_address_mask_matches (g_ptr_array_index (allow, i), inet))
      return TRUE;
  return FALSE;
}

/**
 * rb_network_config_has_camera:
 * @network: a network
 * @camera: a camera name
 *
 * Returns: whether @network serves @camera: it is in its cameras= list,
 * or the network has none (all cameras).
 */
gboolean
rb_network_config_has_camera (const RbNetworkConfig * network,
    const gchar * camera)
{
  g_return_val_if_fail (network != NULL && camera != NULL, FALSE);
  return network->cameras == NULL
      || g_strv_contains ((const gchar * const *) network->cameras, camera);
}

static void
load_network (Loader * l, RbConfig * c, const gchar * g, GPtrArray * inets)
{
  const gchar *name = g + strlen (NETWORK_PREFIX);
  RbNetworkConfig *net;
  g_autofree gchar *address = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  gboolean port_ok;

  if (!name_is_valid (name))
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, NULL, name,
        "the network name must be 1 to 64 of A-Z a-z 0-9 _ -");
  check_keys (l, g, network_keys);

  net = g_new0 (RbNetworkConfig, 1);
  net->name = g_strdup (name);
  g_ptr_array_add (c->networks, net);

  address = get_value (l, g, "address");
  if (address == NULL)
    fail (l, RB_CONFIG_ERROR_MISSING, g, "address", NULL,
        "required key is missing");
  else if ((inet = g_inet_address_new_from_string (address)) == NULL)
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "address", address,
        "must be an IPv4 or IPv6 address literal, not a host name");
  else
    net->address = g_steal_pointer (&address);

  port_ok = get_uint (l, g, "port", 1, 65535, "", DEFAULT_PORT, &net->port);
  get_uint (l, g, "max-connections", 1, 10000, "", DEFAULT_MAX_CONNECTIONS,
      &net->max_connections);
  get_uint (l, g, "max-connections-per-client", 1, 10000, "",
      DEFAULT_MAX_CONNECTIONS_PER_CLIENT, &net->max_connections_per_client);
  get_uint (l, g, "idle-timeout", 1, 3600, " of seconds",
      DEFAULT_IDLE_TIMEOUT_S, &net->idle_timeout_s);
  load_network_access (l, g, net);
  if (get_uint (l, g, "http-port", 0, 65535, "", 0, &net->http_port)
      && port_ok && net->http_port != 0 && net->http_port == net->port) {
    g_autofree gchar *v = g_strdup_printf ("%u", net->http_port);

    fail (l, RB_CONFIG_ERROR_DUPLICATE, g, "http-port", v,
        "must differ from port (both are TCP on one address)");
  }

  /* inets[i] belongs to c->networks[i]; NULL when its address was bad */
  if (inet && port_ok) {
    for (guint i = 0; i < inets->len; i++) {
      GInetAddress *other = g_ptr_array_index (inets, i);
      RbNetworkConfig *o = g_ptr_array_index (c->networks, i);

      if (other && o->port == net->port && addresses_clash (inet, other)) {
        g_autofree gchar *got = format_listener (net->address, net->port);
        g_autofree gchar *used = format_listener (o->address, o->port);

        fail (l, RB_CONFIG_ERROR_DUPLICATE, g, NULL, got,
            "address:port already used by [" NETWORK_PREFIX "%s] (%s)",
            o->name, used);
        break;
      }
    }
  }
  g_ptr_array_add (inets, (inet && port_ok) ? g_object_ref (inet) : NULL);
}

/* ---- entry points ----------------------------------------------------- */

static void
camera_free (RbCameraConfig * cam)
{
  g_free (cam->name);
  g_free (cam->url);
  g_free (cam->privacy_zones);
  g_free (cam);
}

static void
network_free (RbNetworkConfig * net)
{
  g_free (net->name);
  g_free (net->address);
  g_strfreev (net->cameras);
  g_free (net->users_file);
  g_clear_pointer (&net->allow, g_ptr_array_unref);
  g_free (net->tls_certificate);
  g_free (net->tls_key);
  g_free (net);
}

void
rb_config_free (RbConfig * config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->state_dir);
  g_free (config->metrics_address);
  g_strfreev (config->headblur_keys);
  g_strfreev (config->headblur_values);
  g_clear_pointer (&config->headblur_gvalues, g_array_unref);
  g_ptr_array_unref (config->cameras);
  g_ptr_array_unref (config->networks);
  g_free (config);
}

static RbConfig *
load (const gchar * data, gsize length, const gchar * file,
    const gchar * base_dir, GObjectClass * headblur_class, GError ** error)
{
  Loader l = { 0, };
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) inets = NULL;
  RbConfig *c;
  gboolean have_main = FALSE;

  l.file = file;
  l.base_dir = g_strdup (base_dir);
  l.headblur_class = headblur_class;
  l.kf = g_key_file_new ();
  l.groups = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_group_free);
  l.messages = g_string_new (NULL);
  l.first_code = -1;
  l.reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  c = g_new0 (RbConfig, 1);
  c->path = g_strdup (file);
  c->segment_duration_s = DEFAULT_SEGMENT_DURATION_S;
  c->workers = DEFAULT_WORKERS;
  c->keep_raw = DEFAULT_KEEP_RAW;
  c->live_bitrate_kbps = DEFAULT_LIVE_BITRATE_KBPS;
  c->live_key_interval_s = DEFAULT_LIVE_KEY_INTERVAL_S;
  c->segment_lookahead = DEFAULT_SEGMENT_LOOKAHEAD;
  c->live_lookahead = DEFAULT_LIVE_LOOKAHEAD;
  c->audio = DEFAULT_AUDIO;
  c->reconnect_max_interval_s = DEFAULT_RECONNECT_MAX_INTERVAL_S;
  c->metrics_address = g_strdup (DEFAULT_METRICS_ADDRESS);
  c->metrics_port = DEFAULT_METRICS_PORT;
  c->headblur_keys = g_new0 (gchar *, 1);
  c->headblur_values = g_new0 (gchar *, 1);
  c->headblur_gvalues = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (c->headblur_gvalues, (GDestroyNotify) g_value_unset);
  c->cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) camera_free);
  c->networks = g_ptr_array_new_with_free_func ((GDestroyNotify) network_free);
  inets = g_ptr_array_new_with_free_func (object_unref0);

  raw_scan (&l, data, length);
  if (l.first_code >= 0)
    goto out;

  if (!g_key_file_load_from_data (l.kf, data, length, G_KEY_FILE_NONE, &err)) {
    g_autofree gchar *why = redact_words (err->message);

    fail (&l, RB_CONFIG_ERROR_PARSE, NULL, NULL, NULL,
        "line %u: not a valid key file: %s", keyfile_error_line (data,
            length), why);
    goto out;
  }

  for (guint i = 0; i < l.groups->len; i++) {
    const gchar *g = ((RawGroup *) g_ptr_array_index (l.groups, i))->name;

    if (g_str_equal (g, MAIN_GROUP)) {
      have_main = TRUE;
      load_main (&l, c);
    } else if (g_str_equal (g, HEADBLUR_GROUP)) {
      load_headblur (&l, c);
    } else if (g_str_has_prefix (g, CAMERA_PREFIX)) {
      load_camera (&l, c, g);
    } else if (g_str_has_prefix (g, NETWORK_PREFIX)) {
      load_network (&l, c, g, inets);
    } else {
      fail (&l, RB_CONFIG_ERROR_UNKNOWN_GROUP, g, NULL, NULL,
          "unknown group; the groups are [" MAIN_GROUP "], ["
          HEADBLUR_GROUP "], [" CAMERA_PREFIX "NAME] and ["
          NETWORK_PREFIX "NAME]");
    }
  }

  if (!have_main)
    fail (&l, RB_CONFIG_ERROR_MISSING, MAIN_GROUP, NULL, NULL,
        "required group is missing");
  for (guint i = 0; i < c->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (c->cameras, i);

    if ((gint) cam->audio < 0)
      cam->audio = c->audio;
  }
  if (c->cameras->len == 0)
    fail (&l, RB_CONFIG_ERROR_MISSING, NULL, NULL, NULL,
        "at least one [" CAMERA_PREFIX "NAME] group is required");
  if (c->networks->len == 0)
    fail (&l, RB_CONFIG_ERROR_MISSING, NULL, NULL, NULL,
        "at least one [" NETWORK_PREFIX "NAME] group is required");
  check_network_cameras (&l, c);
  check_udp_ranges (&l, c);

out:
  if (l.first_code >= 0) {
    g_set_error_literal (error, RB_CONFIG_ERROR, l.first_code,
        l.messages->str);
    g_clear_pointer (&c, rb_config_free);
  }
  g_free (l.base_dir);
  g_key_file_free (l.kf);
  g_ptr_array_unref (l.groups);
  g_string_free (l.messages, TRUE);
  g_hash_table_unref (l.reported);
  return c;
}

/**
 * rb_config_load:
 * @path: the config file
 * @headblur_class: (nullable): the class of the headblur element, whose
 *   properties are the keys of [headblur]; %NULL when the element is not
 *   available (then any [headblur] key is an error)
 * @error: return location for an error
 *
 * Loads and validates @path. Relative paths inside it are resolved against
 * the directory that holds @path.
 *
 * Returns: (transfer full) (nullable): the configuration, or NULL with
 * @error set: in the G_FILE_ERROR domain when @path cannot be read, in
 * RB_CONFIG_ERROR when its content is wrong.
 */
RbConfig *
rb_config_load (const gchar * path, GObjectClass * headblur_class,
    GError ** error)
{
  g_autofree gchar *data = NULL;
  g_autofree gchar *abs = NULL;
  g_autofree gchar *dir = NULL;
  g_autoptr (GError) err = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &data, &length, &err)) {
    g_set_error (error, err->domain, err->code, "%s: cannot read: %s", path,
        err->message);
    return NULL;
  }
  abs = g_canonicalize_filename (path, NULL);
  dir = g_path_get_dirname (abs);
  return load (data, length, path, dir, headblur_class, error);
}

/**
 * rb_config_load_from_data:
 * @data: the content of a config file
 * @length: its length, or -1 when it is NUL-terminated
 * @name: (nullable): the name used in messages, "<data>" when NULL
 * @headblur_class: (nullable): as for rb_config_load()
 * @error: return location for an error
 *
 * Like rb_config_load(); relative paths resolve against the current
 * directory.
 */
RbConfig *
rb_config_load_from_data (const gchar * data, gssize length,
    const gchar * name, GObjectClass * headblur_class, GError ** error)
{
  g_autofree gchar *cwd = g_get_current_dir ();

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return load (data, length < 0 ? strlen (data) : (gsize) length,
      name ? name : "<data>", cwd, headblur_class, error);
}

const gchar *
rb_transport_to_string (RbTransport transport)
{
  switch (transport) {
    case RB_TRANSPORT_AUTO:
      return "auto";
    case RB_TRANSPORT_TCP:
      return "tcp";
    case RB_TRANSPORT_UDP:
      return "udp";
  }
  return "unknown";
}

/**
 * rb_config_camera_mount:
 * @camera: a camera
 *
 * Returns: (transfer full): its RTSP mount point, "/NAME".
 */
gchar *
rb_config_camera_mount (const RbCameraConfig * camera)
{
  g_return_val_if_fail (camera != NULL, NULL);
  return g_strconcat ("/", camera->name, NULL);
}

/**
 * rb_config_get_headblur:
 * @config: a configuration
 * @key: a [headblur] key such as "model"
 *
 * Returns: (nullable): the validated value of @key, NULL when it is unset.
 */
const gchar *
rb_config_get_headblur (const RbConfig * config, const gchar * key)
{
  g_return_val_if_fail (config != NULL && key != NULL, NULL);
  for (guint i = 0; config->headblur_keys[i]; i++)
    if (g_str_equal (config->headblur_keys[i], key))
      return config->headblur_values[i];
  return NULL;
}

/**
 * rb_config_camera_zones:
 * @config: a config
 * @camera: one of its cameras, or %NULL
 *
 * Returns: (transfer full) (nullable): the privacy zones of @camera: the
 * [headblur] privacy-zones followed by the camera's own, joined with ';',
 * or %NULL when there are none.
 */
gchar *
rb_config_camera_zones (const RbConfig * config, const RbCameraConfig * camera)
{
  const gchar *global = rb_config_get_headblur (config, "privacy-zones");
  const gchar *own = camera ? camera->privacy_zones : NULL;

  if (global && own)
    return g_strconcat (global, ";", own, NULL);
  return g_strdup (global ? global : own);
}
