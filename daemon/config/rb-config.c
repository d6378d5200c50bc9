/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The launcher's configuration file, read and validated completely before
 * any pipeline is built:
 *   1. a raw scan of the lines for what GKeyFile merges or hides (a group
 *      or key given twice, localised keys, lines that are none of group,
 *      key=value and comment), then GKeyFile's own parse;
 *   2. group by group, in file order: the keys as the schema types them
 *      (rb-config-schema.c: unknown and missing keys, values and ranges,
 *      defaults), or for [headblur] as the element's GParamSpecs do
 *      (rb-config-headblur.c), then the rules between a network's keys
 *      (auth and users, TLS, UDP ports, listeners that would clash);
 *   3. the rules across groups: cameras= names, overlapping UDP ports.
 * Every problem found is reported, one line each (the message forms:
 * rb-config.h). Blank lines and lines whose first non-blank character is
 * '#' are comments; a '#' after a value is part of the value, which is
 * stripped of surrounding white space.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-config.h"
#include "rb-cidr.h"
#include "rb-config-headblur.h"
#include "rb-config-schema.h"
#include "rb-duration.h"
#include "rb-escape.h"
#include "rb-size.h"
#include "rb-users.h"
#include "rb-zones.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#ifdef RB_HAVE_CLUSTER
#include <libpq-fe.h>
#endif

#define NAME_MAX_LEN 64

G_DEFINE_QUARK (rb-config-error-quark, rb_config_error);

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
  const gchar *main_file;       /* the config file itself */
  GHashTable *origins;          /* "group\nkey" → "DROPIN:LINE", from a drop-in */
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
    const gchar *origin = NULL;
    g_autofree gchar *f = NULL;

    /* a key a drop-in set: that file and line */
    if (group && key && l->origins) {
      g_autofree gchar *id = g_strconcat (group, "\n", key, NULL);

      origin = g_hash_table_lookup (l->origins, id);
    }
    f = rb_escape_text (origin ? origin : l->file, -1);
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
      if (l->origins && l->file != l->main_file)
        g_hash_table_replace (l->origins, g_strconcat (current->name, "\n",
                key, NULL), g_strdup_printf ("%s:%u", l->file, n + 1));
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


/* The name of @group as the file writes it: "rtsp-blur", or the prefix of
 * a NAME group ("camera:"). */
static const gchar *
group_name (RbConfigGroup group)
{
  const RbConfigGroupInfo *info = rb_config_schema_group (group);

  return info->prefix ? info->prefix : info->name;
}

/* "[rtsp-blur], [headblur], [camera:NAME] and [network:NAME]" */
static gchar *
group_list (void)
{
  guint n;
  const RbConfigGroupInfo *groups = rb_config_schema_groups (&n);
  GString *list = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (list, "%s[%s]", i == 0 ? "" : i + 1 < n ? ", " :
        " and ", groups[i].name);
  return g_string_free (list, FALSE);
}

/* Whether @key is written in @group. */
static gboolean
is_set (Loader * l, const gchar * group, const gchar * key)
{
  return g_key_file_has_key (l->kf, group, key, NULL);
}

/* Whether nothing was reported about @key of @group (yet). */
static gboolean
key_ok (Loader * l, const gchar * group, const gchar * key)
{
  g_autofree gchar *id = g_strconcat (group, "\n", key, NULL);

  return !g_hash_table_contains (l->reported, id);
}

/* Unknown keys of @group, a group of kind @kind (file order, localised
 * keys included). */
static void
check_keys (Loader * l, RbConfigGroup kind, const gchar * group)
{
  RawGroup *raw = find_raw_group (l, group);
  g_autofree gchar *list = rb_config_schema_key_list (kind);

  if (raw == NULL)
    return;
  for (guint i = 0; i < raw->keys->len; i++) {
    const gchar *key = g_ptr_array_index (raw->keys, i);

    if (rb_config_schema_find (kind, key) == NULL)
      fail (l, RB_CONFIG_ERROR_UNKNOWN_KEY, group, key, NULL,
          "unknown key; the keys of this group are %s", list);
  }
}

/* A ';'-separated list: entries stripped, empty ones (a trailing ';')
 * dropped; an empty array when there are none. */
static gchar **
split_list (const gchar * value)
{
  g_auto (GStrv) parts = g_strsplit (value, ";", -1);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; parts[i]; i++) {
    g_strstrip (parts[i]);
    if (*parts[i])
      g_ptr_array_add (out, g_strdup (parts[i]));
  }
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
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
mask_unref (gpointer mask)
{
  g_object_unref (mask);
}

/* cameras=: names, none twice (checked against the cameras at the end) */
static gboolean
parse_cameras (Loader * l, const gchar * g, const gchar * value, gchar *** out)
{
  g_auto (GStrv) names = split_list (value);

  if (names[0] == NULL)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "cameras", "",
        "must name at least one camera; leave it out to serve all");
  for (guint i = 0; names[i]; i++)
    for (guint j = 0; j < i; j++)
      if (g_str_equal (names[i], names[j]))
        return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "cameras",
            names[i], "a camera is named twice");
  *out = g_steal_pointer (&names);
  return TRUE;
}

/* allow=: CIDR;CIDR */
static gboolean
parse_cidr_list (Loader * l, const gchar * g, const gchar * key,
    const gchar * value, GPtrArray ** out)
{
  g_auto (GStrv) entries = split_list (value);
  g_autoptr (GPtrArray) masks = NULL;

  if (entries[0] == NULL)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, "",
        "must hold at least one address or ADDRESS/PREFIX; leave it out "
        "to let everyone in");
  masks = g_ptr_array_new_with_free_func (mask_unref);
  for (guint i = 0; entries[i]; i++) {
    g_autoptr (GError) err = NULL;
    GInetAddressMask *mask = rb_cidr_parse (entries[i], &err);

    if (mask == NULL)
      return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, entries[i],
          "%s%s", err->message, comment_hint (entries[i]));
    g_ptr_array_add (masks, mask);
  }
  *out = g_steal_pointer (&masks);
  return TRUE;
}

/* MIN-MAX within [key->min, key->max], MIN < MAX */
static gboolean
parse_port_range (Loader * l, const RbConfigKey * key, const gchar * g,
    const gchar * value, guint * min, guint * max)
{
  g_auto (GStrv) range = g_strsplit (value, "-", -1);
  guint64 lo = 0, hi = 0;

  if (g_strv_length (range) != 2
      || !g_ascii_string_to_unsigned (g_strstrip (range[0]), 10, key->min,
          key->max, &lo, NULL)
      || !g_ascii_string_to_unsigned (g_strstrip (range[1]), 10, key->min,
          key->max, &hi, NULL) || hi <= lo)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
        "must be MIN-MAX, two port numbers from %u to %u with MIN < MAX "
        "(50000-50100)%s", key->min, key->max, comment_hint (value));
  *min = lo;
  *max = hi;
  return TRUE;
}

/* WIDTHxHEIGHT, both even and within [min, max], or none (0x0). */
static gboolean
parse_resolution (Loader * l, const RbConfigKey * key, const gchar * g,
    const gchar * value, guint * width, guint * height)
{
  g_auto (GStrv) wh = g_strsplit (value, "x", -1);
  guint64 w = 0, h = 0;

  if (g_str_equal (value, "none")) {
    *width = *height = 0;
    return TRUE;
  }
  if (g_strv_length (wh) != 2
      || !g_ascii_string_to_unsigned (wh[0], 10, key->min, key->max, &w,
          NULL)
      || !g_ascii_string_to_unsigned (wh[1], 10, key->min, key->max, &h,
          NULL) || w % 2 || h % 2)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
        "must be WIDTHxHEIGHT, two even numbers from %u to %u (640x360), or "
        "none%s", key->min, key->max, comment_hint (value));
  *width = w;
  *height = h;
  return TRUE;
}

/* FIRST-LAST, two multicast addresses of one family, FIRST <= LAST. */
static gboolean
parse_multicast_range (Loader * l, const RbConfigKey * key, const gchar * g,
    const gchar * value, gchar ** first, gchar ** last)
{
  g_auto (GStrv) range = g_strsplit (value, "-", -1);
  g_autoptr (GInetAddress) a = NULL;
  g_autoptr (GInetAddress) b = NULL;

  if (g_strv_length (range) == 2) {
    a = g_inet_address_new_from_string (g_strstrip (range[0]));
    b = g_inet_address_new_from_string (g_strstrip (range[1]));
  }
  if (a == NULL || b == NULL || !g_inet_address_get_is_multicast (a)
      || !g_inet_address_get_is_multicast (b)
      || g_inet_address_get_family (a) != g_inet_address_get_family (b)
      || memcmp (g_inet_address_to_bytes (a), g_inet_address_to_bytes (b),
          g_inet_address_get_native_size (a)) > 0)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
        "must be FIRST-LAST, two multicast addresses of one family with "
        "FIRST <= LAST (239.255.42.1-239.255.42.99)%s", comment_hint (value));
  *first = g_inet_address_to_string (a);
  *last = g_inet_address_to_string (b);
  return TRUE;
}

/* A file named by @value, resolved and checked readable. */
static gboolean
parse_file (Loader * l, const gchar * g, const gchar * key,
    const gchar * value, gchar ** out)
{
  g_autofree gchar *path = NULL;

  if (*value == '\0')
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, value,
        "must be a file name");
  path = resolve_path (l, value);
  if (g_access (path, R_OK) != 0 || g_file_test (path, G_FILE_TEST_IS_DIR))
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, value,
        "cannot read the file %s", path);
  *out = g_steal_pointer (&path);
  return TRUE;
}

/* An htdigest file, read and checked now (rb-users.h). */
static gboolean
parse_users (Loader * l, const gchar * g, const gchar * key,
    const gchar * value, gchar ** out)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbUsers) users = NULL;
  g_autofree gchar *path = resolve_path (l, value);

  if (*value == '\0')
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, value,
        "must be the name of an htdigest file");
  if ((users = rb_users_load (path, &err)) == NULL)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, NULL, "%s",
        err->message);
  *out = g_steal_pointer (&path);
  return TRUE;
}

/* A libpq connection string, without a password (it belongs in the
 * password file, and the string is logged). The value is never quoted in
 * a message: it may hold one. */
static gboolean
parse_conninfo (Loader * l, const gchar * g, const gchar * key,
    const gchar * value, gchar ** out)
{
#ifdef RB_HAVE_CLUSTER
  PQconninfoOption *opts;
  gchar *why = NULL;
  gboolean has_password = FALSE;

  if (*value == '\0')
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, NULL,
        "must be a libpq connection string");
  opts = PQconninfoParse (value, &why);
  if (opts == NULL) {
    g_autofree gchar *w = g_strdup (why ? g_strstrip (why) : "out of memory");

    PQfreemem (why);
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, NULL,
        "not a libpq connection string: %s", w);
  }
  for (PQconninfoOption * o = opts; o->keyword; o++)
    if (g_str_equal (o->keyword, "password") && o->val && *o->val)
      has_password = TRUE;
  PQconninfoFree (opts);
  if (has_password)
    return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, NULL,
        "holds a password: put it in password-file (or PGPASSFILE) "
        "instead");
  *out = g_strdup (value);
  return TRUE;
#else
  return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key, NULL,
      "this rtsp-blur was built without cluster support (libpq)");
#endif
}

/* Reports @err, from the parser of @key's type, about @value. */
static gboolean
fail_type (Loader * l, const gchar * g, const RbConfigKey * key,
    const gchar * value, const GError * err)
{
  return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value, "%s%s",
      err->message, comment_hint (value));
}

/* @value (as written, or @key's default) as @key's type says, stored in
 * @record at @key's offsets. Reports and returns FALSE when it is not a
 * valid value; @record is then left as it was. */
static gboolean
parse_value (Loader * l, const RbConfigKey * key, const gchar * g,
    const gchar * value, gpointer record)
{
  gpointer field = G_STRUCT_MEMBER_P (record, key->offset);
  g_autoptr (GError) err = NULL;

  switch (key->type) {
    case RB_CONFIG_TYPE_UINT:{
      guint64 v;

      if (!g_ascii_string_to_unsigned (value, 10, key->min, key->max, &v,
              NULL) || value[0] == '+')
        return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
            "must be a whole number%s%s from %u to %u%s",
            key->unit ? " of " : "", key->unit ? key->unit : "", key->min,
            key->max, comment_hint (value));
      *(guint *) field = (guint) v;
      return TRUE;
    }
    case RB_CONFIG_TYPE_BOOLEAN:
      if (g_str_equal (value, "true") || g_str_equal (value, "1"))
        *(gboolean *) field = TRUE;
      else if (g_str_equal (value, "false") || g_str_equal (value, "0"))
        *(gboolean *) field = FALSE;
      else
        return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
            "must be true or false%s", comment_hint (value));
      return TRUE;
    case RB_CONFIG_TYPE_CHOICE:{
      g_autofree gchar *list = NULL;

      for (guint i = 0; key->choices[i].nick; i++) {
        if (g_str_equal (value, key->choices[i].nick)) {
          *(gint *) field = key->choices[i].value;
          return TRUE;
        }
      }
      list = rb_config_schema_choice_list (key, "|");
      return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
          "must be one of %s%s", list, comment_hint (value));
    }
    case RB_CONFIG_TYPE_SIZE:{
      RbSize size;

      if (!rb_size_parse (value, &size, &err))
        return fail_type (l, g, key, value, err);
      *(guint64 *) field = size.bytes;
      G_STRUCT_MEMBER (gdouble, record, key->offset2) = size.percent;
      return TRUE;
    }
    case RB_CONFIG_TYPE_DURATION:
      if (!rb_duration_parse (value, (guint64 *) field, &err))
        return fail_type (l, g, key, value, err);
      return TRUE;
    case RB_CONFIG_TYPE_ADDRESS:{
      g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (value);

      if (inet == NULL)
        return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
            "must be an IPv4 or IPv6 address literal, not a host name");
      *(gchar **) field = g_strdup (value);
      return TRUE;
    }
    case RB_CONFIG_TYPE_DIRECTORY:
      if (*value == '\0')
        return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
            "must be a directory path");
      *(gchar **) field = resolve_path (l, value);
      return TRUE;
    case RB_CONFIG_TYPE_FILE:
      return parse_file (l, g, key->key, value, field);
    case RB_CONFIG_TYPE_USERS:
      return parse_users (l, g, key->key, value, field);
    case RB_CONFIG_TYPE_URL:
      if (!check_url (l, g, value))
        return FALSE;
      *(gchar **) field = g_strdup (value);
      return TRUE;
    case RB_CONFIG_TYPE_ZONES:
      if (!check_zones (l, g, value))
        return FALSE;
      *(gchar **) field = g_strdup (value);
      return TRUE;
    case RB_CONFIG_TYPE_CAMERAS:
      return parse_cameras (l, g, value, field);
    case RB_CONFIG_TYPE_CIDR_LIST:
      return parse_cidr_list (l, g, key->key, value, field);
    case RB_CONFIG_TYPE_PORT_RANGE:
      return parse_port_range (l, key, g, value, field,
          G_STRUCT_MEMBER_P (record, key->offset2));
    case RB_CONFIG_TYPE_RESOLUTION:
      return parse_resolution (l, key, g, value, field,
          G_STRUCT_MEMBER_P (record, key->offset2));
    case RB_CONFIG_TYPE_MULTICAST_RANGE:
      return parse_multicast_range (l, key, g, value, field,
          G_STRUCT_MEMBER_P (record, key->offset2));
    case RB_CONFIG_TYPE_NAME:
      if (!name_is_valid (value))
        return fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, key->key, value,
            "must be 1 to %d of A-Z a-z 0-9 _ -%s", NAME_MAX_LEN,
            comment_hint (value));
      *(gchar **) field = g_strdup (value);
      return TRUE;
    case RB_CONFIG_TYPE_CONNINFO:
      return parse_conninfo (l, g, key->key, value, field);
  }
  g_return_val_if_reached (FALSE);
}

/* Reads every key of kind @kind in group @g into @record (an RbConfig,
 * RbCameraConfig or RbNetworkConfig): its value, or its default. A choice
 * without a default is -1 when unset. */
static void
load_keys (Loader * l, RbConfigGroup kind, const gchar * g, gpointer record)
{
  guint n;
  const RbConfigKey *keys = rb_config_schema_keys (&n);

  check_keys (l, kind, g);
  for (guint i = 0; i < n; i++) {
    const RbConfigKey *key = &keys[i];
    g_autofree gchar *value = NULL;

    if (key->group != kind)
      continue;
    if (key->type == RB_CONFIG_TYPE_CHOICE && key->default_value == NULL)
      G_STRUCT_MEMBER (gint, record, key->offset) = -1;
    value = get_value (l, g, key->key);
    if (value == NULL && (key->flags & RB_CONFIG_KEY_REQUIRED))
      fail (l, RB_CONFIG_ERROR_MISSING, g, key->key, NULL,
          "required key is missing");
    else if (value != NULL || key->default_value != NULL)
      parse_value (l, key, g, value ? value : key->default_value, record);
  }
}

/* ---- [cluster] ---------------------------------------------------------- */

/* The default node name: the host name up to its first dot. */
static gchar *
default_node_name (void)
{
  const gchar *host = g_get_host_name ();
  const gchar *dot = strchr (host, '.');

  return g_strndup (host, dot ? (gsize) (dot - host) : strlen (host));
}

static void
load_cluster (Loader * l, RbConfig * c, const gchar * g)
{
  c->cluster = TRUE;
  load_keys (l, RB_CONFIG_GROUP_CLUSTER, g, c);
  if (c->cluster_node == NULL && key_ok (l, g, "node")) {
    g_autofree gchar *name = default_node_name ();

    if (name_is_valid (name))
      c->cluster_node = g_steal_pointer (&name);
    else
      fail (l, RB_CONFIG_ERROR_MISSING, g, "node", name,
          "the host name is not a valid node name: set node");
  }
}

/* ---- [headblur]: the element's own properties are the schema ---------- */

static void
load_headblur (Loader * l, RbConfig * c, const gchar * g)
{
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
    if (!rb_config_headblur_is_key (klass, pspec)) {
      g_autoptr (GPtrArray) specs = rb_config_headblur_keys (klass);
      g_autoptr (GString) list = g_string_new (NULL);

      for (guint j = 0; j < specs->len; j++)
        g_string_append_printf (list, "%s%s", j ? ", " : "",
            ((GParamSpec *) g_ptr_array_index (specs, j))->name);
      fail (l, RB_CONFIG_ERROR_UNKNOWN_KEY, g, key, NULL,
          "unknown key; the keys of this group are %s", list->str);
      continue;
    }
    text = get_value (l, g, key);
    if (text == NULL)
      continue;
    if (rb_config_headblur_is_path (pspec) && *text != '\0') {
      gchar *abs = resolve_path (l, text);

      g_free (text);
      text = abs;
    }
    /* g_param_value_validate() returns TRUE when it had to change the
     * value: out of the element's range */
    if (!rb_config_headblur_parse (pspec, text, &value)
        || g_param_value_validate (pspec, &value)) {
      g_autofree gchar *rule = rb_config_headblur_describe (pspec);

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
    g_ptr_array_add (values, rb_config_headblur_to_text (pspec, &value));
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

/* ---- [camera:NAME] ------------------------------------------------------ */

static void
load_camera (Loader * l, RbConfig * c, const gchar * g)
{
  const gchar *name = g + strlen (group_name (RB_CONFIG_GROUP_CAMERA));
  RbCameraConfig *cam;

  if (!name_is_valid (name))
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, NULL, name,
        "the camera name must be 1 to 64 of A-Z a-z 0-9 _ -");

  cam = g_new0 (RbCameraConfig, 1);
  cam->name = g_strdup (name);
  g_ptr_array_add (c->cameras, cam);
  /* audio: -1 until the end of the file, then [rtsp-blur] audio;
   * substream: G_MAXUINT until then, then [rtsp-blur] substream */
  cam->substream_width = G_MAXUINT;
  load_keys (l, RB_CONFIG_GROUP_CAMERA, g, cam);
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

/* The nick of @value of the network's choice @key. */
static const gchar *
choice_nick (const gchar * key, gint value)
{
  return rb_config_schema_choice_nick (rb_config_schema_find
      (RB_CONFIG_GROUP_NETWORK, key), value);
}

/* The rules between a network's keys, once each is valid on its own. */
static void
check_network (Loader * l, const gchar * g, RbNetworkConfig * net)
{
  gboolean users = is_set (l, g, "users");
  gboolean tls = is_set (l, g, "tls-certificate") && is_set (l, g, "tls-key");
  gboolean udp = (net->rtsp_transport & RB_RTSP_TRANSPORT_UDP) != 0;

  if (is_set (l, g, "tls-certificate") && !tls)
    fail (l, RB_CONFIG_ERROR_MISSING, g, "tls-key", NULL,
        "required with tls-certificate");
  else if (is_set (l, g, "tls-key") && !tls)
    fail (l, RB_CONFIG_ERROR_MISSING, g, "tls-certificate", NULL,
        "required with tls-key");
  else if (net->tls_certificate && net->tls_key) {
    g_autoptr (GError) err = NULL;
    g_autoptr (GTlsCertificate) cert = g_tls_certificate_new_from_files
        (net->tls_certificate, net->tls_key, &err);

    if (cert == NULL) {
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "tls-certificate", NULL,
          "%s and %s are not a PEM certificate and its key: %s",
          net->tls_certificate, net->tls_key, err->message);
      g_clear_pointer (&net->tls_certificate, g_free);
      g_clear_pointer (&net->tls_key, g_free);
    }
  }

  if ((gint) net->auth < 0) {
    /* unset (or reported) */
    net->auth = RB_NETWORK_AUTH_DIGEST;
    if (!is_set (l, g, "auth") && !users)
      fail (l, RB_CONFIG_ERROR_MISSING, g, "users", NULL,
          "required key is missing: set users = PATH (an htdigest file), "
          "or auth = none to serve this network to anyone");
  } else {
    if (net->auth == RB_NETWORK_AUTH_NONE && users)
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "users", NULL,
          "not allowed with auth = none (anonymous); remove one of them");
    else if (net->auth != RB_NETWORK_AUTH_NONE && !users)
      fail (l, RB_CONFIG_ERROR_MISSING, g, "users", NULL,
          "required key is missing: auth = %s needs users = PATH (an "
          "htdigest file)", choice_nick ("auth", net->auth));
    if (net->auth == RB_NETWORK_AUTH_BASIC && !tls)
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "auth", "basic",
          "basic sends passwords in clear text: allowed only with "
          "tls-certificate and tls-key");
  }

  if (is_set (l, g, "udp-ports") && !udp) {
    g_autofree gchar *ports = get_value (l, g, "udp-ports");

    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "udp-ports", ports,
        "only with rtsp-transport = udp or tcp+udp");
  } else if (!is_set (l, g, "udp-ports") && udp) {
    fail (l, RB_CONFIG_ERROR_MISSING, g, "udp-ports", NULL,
        "required with rtsp-transport = %s: the UDP port range MIN-MAX "
        "a firewall rule can name", choice_nick ("rtsp-transport",
            net->rtsp_transport));
  }
  if (is_set (l, g, "multicast-addresses") != is_set (l, g,
          "multicast-ports")) {
    const gchar *set = is_set (l, g, "multicast-ports") ? "multicast-ports"
        : "multicast-addresses";
    g_autofree gchar *v = get_value (l, g, set);

    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, set, v,
        "multicast-addresses and multicast-ports go together");
  } else if (net->multicast_first != NULL && key_ok (l, g, "address")
      && net->address != NULL) {
    g_autoptr (GInetAddress) a = g_inet_address_new_from_string
        (net->address);
    g_autoptr (GInetAddress) m = g_inet_address_new_from_string
        (net->multicast_first);

    if (a && m && g_inet_address_get_family (a) !=
        g_inet_address_get_family (m))
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "multicast-addresses",
          net->multicast_first, "must be of the family of address (%s)",
          net->address);
    else if (a && (g_inet_address_get_is_any (a)))
      fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "multicast-addresses",
          net->multicast_first, "needs address to be one interface's "
          "address, not %s: the groups are sent out of that interface only",
          net->address);
  }
  if (tls && net->multicast_first != NULL)
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "multicast-addresses",
        net->multicast_first, "with TLS the media must stay in the "
        "encrypted connection: no multicast");
  if (tls && udp)
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "rtsp-transport",
        choice_nick ("rtsp-transport", net->rtsp_transport),
        "with TLS the media must stay in the encrypted connection: tcp only");

  if (key_ok (l, g, "port") && key_ok (l, g, "http-port")
      && net->http_port != 0 && net->http_port == net->port) {
    g_autofree gchar *v = g_strdup_printf ("%u", net->http_port);

    fail (l, RB_CONFIG_ERROR_DUPLICATE, g, "http-port", v,
        "must differ from port (both are TCP on one address)");
  }
}

/**
 * rb_network_allow_matches:
 * @allow: (nullable): a network's allow list (of #GInetAddressMask), or
 *   %NULL for everyone
 * @address: (nullable): a client address as text, as a connection gives it
 *
 * Whether @address may connect to a network whose allow= is @allow (see
 * rb_cidr_list_matches()). Used by the RTSP and the HTTP listeners alike.
 *
 * Returns: %TRUE when @address is let in.
 */
gboolean
rb_network_allow_matches (GPtrArray * allow, const gchar * address)
{
  return rb_cidr_list_matches (allow, address);
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

/* No two networks send to one multicast group: a viewer of one would get
 * the other's cameras. */
static gint
multicast_cmp (const gchar * a, const gchar * b)
{
  g_autoptr (GInetAddress) x = g_inet_address_new_from_string (a);
  g_autoptr (GInetAddress) y = g_inet_address_new_from_string (b);

  if (g_inet_address_get_family (x) != g_inet_address_get_family (y))
    return g_inet_address_get_family (x) < g_inet_address_get_family (y) ?
        -1 : 1;
  return memcmp (g_inet_address_to_bytes (x), g_inet_address_to_bytes (y),
      g_inet_address_get_native_size (x));
}

static void
check_multicast_overlap (Loader * l, RbConfig * c, const gchar * g,
    RbNetworkConfig * net)
{
  if (net->multicast_first == NULL)
    return;
  for (guint i = 0; i + 1 < c->networks->len; i++) {
    RbNetworkConfig *o = g_ptr_array_index (c->networks, i);

    if (o != net && o->multicast_first != NULL
        && multicast_cmp (net->multicast_first, o->multicast_last) <= 0
        && multicast_cmp (o->multicast_first, net->multicast_last) <= 0) {
      g_autofree gchar *got = g_strdup_printf ("%s-%s", net->multicast_first,
          net->multicast_last);

      fail (l, RB_CONFIG_ERROR_DUPLICATE, g, "multicast-addresses", got,
          "overlaps the multicast addresses of [%s%s] (%s-%s)",
          group_name (RB_CONFIG_GROUP_NETWORK), o->name, o->multicast_first,
          o->multicast_last);
      return;
    }
  }
}

static void
load_network (Loader * l, RbConfig * c, const gchar * g, GPtrArray * inets)
{
  const gchar *prefix = group_name (RB_CONFIG_GROUP_NETWORK);
  const gchar *name = g + strlen (prefix);
  RbNetworkConfig *net;
  g_autoptr (GInetAddress) inet = NULL;
  gboolean port_ok;

  if (!name_is_valid (name))
    fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, NULL, name,
        "the network name must be 1 to 64 of A-Z a-z 0-9 _ -");

  net = g_new0 (RbNetworkConfig, 1);
  net->name = g_strdup (name);
  g_ptr_array_add (c->networks, net);
  load_keys (l, RB_CONFIG_GROUP_NETWORK, g, net);
  check_network (l, g, net);
  check_multicast_overlap (l, c, g, net);

  /* inets[i] belongs to c->networks[i]; NULL when its address was bad */
  inet = net->address ? g_inet_address_new_from_string (net->address) : NULL;
  port_ok = key_ok (l, g, "port");
  if (inet && port_ok) {
    for (guint i = 0; i < inets->len; i++) {
      GInetAddress *other = g_ptr_array_index (inets, i);
      RbNetworkConfig *o = g_ptr_array_index (c->networks, i);

      if (other && o->port == net->port && addresses_clash (inet, other)) {
        g_autofree gchar *got = format_listener (net->address, net->port);
        g_autofree gchar *used = format_listener (o->address, o->port);

        fail (l, RB_CONFIG_ERROR_DUPLICATE, g, NULL, got,
            "address:port already used by [%s%s] (%s)", prefix, o->name, used);
        break;
      }
    }
  }
  g_ptr_array_add (inets, (inet && port_ok) ? g_object_ref (inet) : NULL);
}
/* The names in cameras= must be cameras of the file (known only once all
 * groups are read). */
static void
check_network_cameras (Loader * l, RbConfig * c)
{
  for (guint i = 0; i < c->networks->len; i++) {
    RbNetworkConfig *net = g_ptr_array_index (c->networks, i);
    g_autofree gchar *g = g_strconcat (group_name
        (RB_CONFIG_GROUP_NETWORK), net->name, NULL);

    for (guint j = 0; net->cameras && net->cameras[j]; j++) {
      gboolean found = FALSE;

      for (guint k = 0; k < c->cameras->len && !found; k++)
        found = g_str_equal (((RbCameraConfig *)
                g_ptr_array_index (c->cameras, k))->name, net->cameras[j]);
      if (!found) {
        fail (l, RB_CONFIG_ERROR_INVALID_VALUE, g, "cameras",
            net->cameras[j], "no [%s] of that name",
            rb_config_schema_group (RB_CONFIG_GROUP_CAMERA)->name);
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
        g_autofree gchar *g = g_strconcat (group_name
            (RB_CONFIG_GROUP_NETWORK), a->name, NULL);
        g_autofree gchar *got = g_strdup_printf ("%u-%u", a->udp_port_min,
            a->udp_port_max);

        fail (l, RB_CONFIG_ERROR_DUPLICATE, g, "udp-ports", got,
            "overlaps the udp-ports of [%s%s] (%u-%u)",
            group_name (RB_CONFIG_GROUP_NETWORK), b->name, b->udp_port_min,
            b->udp_port_max);
        break;
      }
    }
  }
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
  g_free (net->multicast_first);
  g_free (net->multicast_last);
  g_strfreev (net->cameras);
  g_free (net->users_file);
  g_clear_pointer (&net->allow, g_ptr_array_unref);
  g_free (net->tls_certificate);
  g_free (net->tls_key);
  g_free (net->onvif_users_file);
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
  g_free (config->cluster_database);
  g_free (config->cluster_password_file);
  g_free (config->cluster_node);
  g_free (config->cluster_storage_dir);
  g_free (config->cluster_peer_address);
  g_strfreev (config->headblur_keys);
  g_strfreev (config->headblur_values);
  g_clear_pointer (&config->headblur_gvalues, g_array_unref);
  g_ptr_array_unref (config->cameras);
  g_ptr_array_unref (config->networks);
  g_free (config);
}

/* One file of the configuration: the config file or a drop-in. */
typedef struct
{
  gchar *name;                  /* used in messages */
  gchar *data;
  gsize length;
} Source;

static void
source_clear (Source * src)
{
  g_free (src->name);
  g_free (src->data);
}

/* Reads @src (the config file when @first, else a drop-in) into the
 * loader: its raw groups and keys, then its values, a drop-in's replacing
 * those read before. Returns FALSE when it is not a valid key file. */
static gboolean
merge_source (Loader * l, const Source * src, gboolean first)
{
  g_autoptr (GError) err = NULL;
  GKeyFile *kf;
  GPtrArray *before = l->groups;

  l->file = src->name;
  if (!first)
    l->groups = g_ptr_array_new_with_free_func ((GDestroyNotify)
        raw_group_free);
  raw_scan (l, src->data, src->length);
  kf = first ? l->kf : g_key_file_new ();
  if (l->first_code < 0 && !g_key_file_load_from_data (kf, src->data,
          src->length, G_KEY_FILE_NONE, &err)) {
    g_autofree gchar *why = redact_words (err->message);

    fail (l, RB_CONFIG_ERROR_PARSE, NULL, NULL, NULL,
        "line %u: not a valid key file: %s", keyfile_error_line (src->data,
            src->length), why);
  }
  if (first)
    return l->first_code < 0;

  if (l->first_code < 0) {
    g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);

    for (guint i = 0; groups[i]; i++) {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[i], NULL, NULL);

      for (guint j = 0; keys && keys[j]; j++) {
        g_autofree gchar *v = g_key_file_get_value (kf, groups[i], keys[j],
            NULL);

        g_key_file_set_value (l->kf, groups[i], keys[j], v);
      }
    }
    /* the raw groups: new groups after the others, new keys after the
     * group's */
    for (guint i = 0; i < l->groups->len; i++) {
      RawGroup *dg = g_ptr_array_index (l->groups, i);
      RawGroup *mg = NULL;

      for (guint k = 0; k < before->len && mg == NULL; k++)
        if (g_str_equal (((RawGroup *) g_ptr_array_index (before, k))->name,
                dg->name))
          mg = g_ptr_array_index (before, k);
      if (mg == NULL) {
        mg = g_new0 (RawGroup, 1);
        mg->name = g_strdup (dg->name);
        mg->line = dg->line;
        mg->keys = g_ptr_array_new_with_free_func (g_free);
        g_ptr_array_add (before, mg);
      }
      for (guint j = 0; j < dg->keys->len; j++) {
        const gchar *key = g_ptr_array_index (dg->keys, j);
        gboolean known = FALSE;

        for (guint k = 0; k < mg->keys->len && !known; k++)
          known = g_str_equal (g_ptr_array_index (mg->keys, k), key);
        if (!known)
          g_ptr_array_add (mg->keys, g_strdup (key));
      }
    }
  }
  g_key_file_free (kf);
  g_ptr_array_unref (l->groups);
  l->groups = before;
  return l->first_code < 0;
}

static RbConfig *
load (const Source * sources, guint n_sources, const gchar * base_dir,
    GObjectClass * headblur_class, GError ** error)
{
  const gchar *file = sources[0].name;
  Loader l = { 0, };
  g_autoptr (GError) err = NULL;
  g_autoptr (GPtrArray) inets = NULL;
  RbConfig *c;
  gboolean have_main = FALSE;

  l.file = l.main_file = file;
  l.origins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  l.base_dir = g_strdup (base_dir);
  l.headblur_class = headblur_class;
  l.kf = g_key_file_new ();
  l.groups = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_group_free);
  l.messages = g_string_new (NULL);
  l.first_code = -1;
  l.reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  c = g_new0 (RbConfig, 1);
  c->path = g_strdup (file);
  c->headblur_keys = g_new0 (gchar *, 1);
  c->headblur_values = g_new0 (gchar *, 1);
  c->headblur_gvalues = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (c->headblur_gvalues, (GDestroyNotify) g_value_unset);
  c->cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) camera_free);
  c->networks = g_ptr_array_new_with_free_func ((GDestroyNotify) network_free);
  inets = g_ptr_array_new_with_free_func (object_unref0);

  for (guint i = 0; i < n_sources; i++)
    if (!merge_source (&l, &sources[i], i == 0))
      break;
  l.file = l.main_file;
  if (l.first_code >= 0)
    goto out;

  for (guint i = 0; i < l.groups->len; i++) {
    const gchar *g = ((RawGroup *) g_ptr_array_index (l.groups, i))->name;

    if (g_str_equal (g, group_name (RB_CONFIG_GROUP_MAIN))) {
      have_main = TRUE;
      load_keys (&l, RB_CONFIG_GROUP_MAIN, g, c);
    } else if (g_str_equal (g, group_name (RB_CONFIG_GROUP_HEADBLUR))) {
      load_headblur (&l, c, g);
    } else if (g_str_has_prefix (g, group_name (RB_CONFIG_GROUP_CAMERA))) {
      load_camera (&l, c, g);
    } else if (g_str_has_prefix (g, group_name (RB_CONFIG_GROUP_NETWORK))) {
      load_network (&l, c, g, inets);
    } else if (g_str_equal (g, group_name (RB_CONFIG_GROUP_CLUSTER))) {
      load_cluster (&l, c, g);
    } else {
      g_autofree gchar *groups = group_list ();

      fail (&l, RB_CONFIG_ERROR_UNKNOWN_GROUP, g, NULL, NULL,
          "unknown group; the groups are %s", groups);
    }
  }

  if (!have_main)
    fail (&l, RB_CONFIG_ERROR_MISSING, group_name (RB_CONFIG_GROUP_MAIN),
        NULL, NULL, "required group is missing");
  for (guint i = 0; i < c->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (c->cameras, i);

    if ((gint) cam->audio < 0)
      cam->audio = c->audio;
    if (cam->substream_width == G_MAXUINT) {
      cam->substream_width = c->substream_width;
      cam->substream_height = c->substream_height;
    }
  }
  if (c->cameras->len == 0)
    fail (&l, RB_CONFIG_ERROR_MISSING, NULL, NULL, NULL,
        "at least one [%s] group is required",
        rb_config_schema_group (RB_CONFIG_GROUP_CAMERA)->name);
  if (c->networks->len == 0)
    fail (&l, RB_CONFIG_ERROR_MISSING, NULL, NULL, NULL,
        "at least one [%s] group is required",
        rb_config_schema_group (RB_CONFIG_GROUP_NETWORK)->name);
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
  g_hash_table_unref (l.origins);
  return c;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/**
 * rb_config_load:
 * @path: the config file
 * @headblur_class: (nullable): the class of the headblur element, whose
 *   properties are the keys of [headblur]; %NULL when the element is not
 *   available (then any [headblur] key is an error)
 * @error: return location for an error
 *
 * Loads and validates @path, then its drop-ins: the files `@path.d/ *.conf`
 * (without the space), in the byte order of their names, each a key file
 * of the same groups whose keys replace those read before (a group only
 * in a drop-in is added). This is how the nodes of a cluster share one
 * file and differ by their drop-ins ([cluster] node, each network's
 * address). A problem with a key a drop-in set names that drop-in and
 * the line. Relative paths in any of them are resolved against the
 * directory that holds @path.
 *
 * Returns: (transfer full) (nullable): the configuration, or NULL with
 * @error set: in the G_FILE_ERROR domain when @path cannot be read, in
 * RB_CONFIG_ERROR when its content is wrong.
 */
RbConfig *
rb_config_load (const gchar * path, GObjectClass * headblur_class,
    GError ** error)
{
  g_autofree gchar *abs = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *dropin_dir = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (GArray) sources = NULL;
  g_autoptr (GPtrArray) names = NULL;
  GDir *d;
  RbConfig *config;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sources = g_array_new (FALSE, TRUE, sizeof (Source));
  g_array_set_clear_func (sources, (GDestroyNotify) source_clear);
  names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (names, g_strdup (path));

  /* the drop-ins: PATH.d/ *.conf in name order; no directory, none */
  dropin_dir = g_strconcat (path, ".d", NULL);
  d = g_dir_open (dropin_dir, 0, &err);
  if (d != NULL) {
    g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
    const gchar *name;

    while ((name = g_dir_read_name (d)) != NULL)
      if (name[0] != '.' && g_str_has_suffix (name, ".conf"))
        g_ptr_array_add (found, g_strdup (name));
    g_dir_close (d);
    g_ptr_array_sort (found, (GCompareFunc) compare_names);
    for (guint i = 0; i < found->len; i++)
      g_ptr_array_add (names, g_build_filename (dropin_dir,
              g_ptr_array_index (found, i), NULL));
  } else if (!g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
    g_set_error (error, err->domain, err->code, "%s: cannot read the "
        "drop-in directory: %s", dropin_dir, err->message);
    return NULL;
  }
  g_clear_error (&err);

  for (guint i = 0; i < names->len; i++) {
    Source src = { 0, };
    const gchar *name = g_ptr_array_index (names, i);

    if (!g_file_get_contents (name, &src.data, &src.length, &err)) {
      g_set_error (error, err->domain, err->code, "%s: cannot read: %s",
          name, err->message);
      return NULL;
    }
    src.name = g_strdup (name);
    g_array_append_val (sources, src);
  }
  abs = g_canonicalize_filename (path, NULL);
  dir = g_path_get_dirname (abs);
  config = load ((Source *) sources->data, sources->len, dir, headblur_class,
      error);
  return config;
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
  g_autofree gchar *copy = NULL;
  Source src;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* a NUL-terminated copy: @data need not have one after @length bytes */
  src.length = length < 0 ? strlen (data) : (gsize) length;
  src.data = copy = g_malloc (src.length + 1);
  memcpy (copy, data, src.length);
  copy[src.length] = '\0';
  src.name = (gchar *) (name ? name : "<data>");
  return load (&src, 1, cwd, headblur_class, error);
}

const gchar *
rb_transport_to_string (RbTransport transport)
{
  const gchar *nick = rb_config_schema_choice_nick (rb_config_schema_find
      (RB_CONFIG_GROUP_CAMERA, "transport"), transport);

  return nick ? nick : "unknown";
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
 * rb_config_media_dir:
 * @config: a config
 *
 * Returns: where the segments are (`raw/`, `anonymized/`): [cluster]
 *   storage-dir when set, else state-dir.
 */
const gchar *
rb_config_media_dir (const RbConfig * config)
{
  return config->cluster_storage_dir ? config->cluster_storage_dir :
      config->state_dir;
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
