/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The config reference in three forms, all from the schema: Markdown
 * (doc/config.md), roff for the man page's CONFIGURATION FILE section, and
 * a commented sample config (data/rtsp-blur.conf). The texts use one
 * markup, `code` and **strong**, which each form renders its way. */

#include "rb-config-doc.h"
#include "rb-config-headblur.h"
#include "rb-config-schema.h"

#include <string.h>

#define SAMPLE_WIDTH 76

/* *INDENT-OFF* */
/* What each value type is written as: the "Value types" section. */
static const struct {
  const gchar *name;
  const gchar *doc;
} types[] = {
  [RB_CONFIG_TYPE_UINT] = {"integer",
    "A decimal whole number, without a sign, in the key's range."},
  [RB_CONFIG_TYPE_BOOLEAN] = {"boolean",
    "`true` or `false` (or `1` or `0`)."},
  [RB_CONFIG_TYPE_CHOICE] = {"enum", "One of the names the key lists."},
  [RB_CONFIG_TYPE_SIZE] = {"size",
    "Bytes, with an optional `K`, `M`, `G` or `T` (powers of 1024; `B` or "
    "`iB` may follow: `512MiB`), or a percentage of the file system from 0 "
    "to 100 (`10%`)."},
  [RB_CONFIG_TYPE_DURATION] = {"duration",
    "Seconds, or a number followed by `s`, `m`, `h` or `d` (`90`, `1.5h`, "
    "`30d`)."},
  [RB_CONFIG_TYPE_ADDRESS] = {"IP address",
    "An IPv4 or IPv6 address literal (`10.0.1.5`, `2001:db8::5`, "
    "`0.0.0.0`), not a host name."},
  [RB_CONFIG_TYPE_DIRECTORY] = {"directory",
    "A path, relative to the config file's directory."},
  [RB_CONFIG_TYPE_FILE] = {"file",
    "The path of a readable file, relative to the config file's directory, "
    "read when the config is loaded."},
  [RB_CONFIG_TYPE_USERS] = {"htdigest file",
    "The path of an htdigest file (`user:realm:HA1` lines, as `htdigest` "
    "writes them), relative to the config file's directory, read and "
    "checked when the config is loaded: a bad line is an error naming the "
    "file and the line."},
  [RB_CONFIG_TYPE_URL] = {"URL",
    "`rtsp://[USER[:PASSWORD]@]HOST[:PORT]/PATH` or `rtsps://...`, without "
    "white space, control characters or bytes that are not UTF-8 (write "
    "them `%XX`, and an `@` in a user name or password `%40`)."},
  [RB_CONFIG_TYPE_ZONES] = {"polygons",
    "`x,y x,y x,y[; x,y ...]`: polygons of at least 3 points, coordinates "
    "from 0 to 1 (fractions of the frame's width and height)."},
  [RB_CONFIG_TYPE_CAMERAS] = {"camera list",
    "Names of `[camera:NAME]` groups separated by `;`, each at most once."},
  [RB_CONFIG_TYPE_CIDR_LIST] = {"CIDR list",
    "Entries separated by `;`, each an IPv4 or IPv6 address or "
    "ADDRESS/PREFIX with no bit set after the prefix "
    "(`10.0.1.0/24;192.168.5.7;2001:db8::/32`)."},
  [RB_CONFIG_TYPE_PORT_RANGE] = {"port range",
    "`MIN-MAX`: two port numbers, MIN < MAX (`50000-50100`)."},
  [RB_CONFIG_TYPE_RESOLUTION] = {"picture size",
    "`WIDTHxHEIGHT` in pixels, both even (`640x360`), or `none`."},
  [RB_CONFIG_TYPE_MULTICAST_RANGE] = {"multicast range",
    "`FIRST-LAST`: two multicast addresses of one family, FIRST <= LAST "
    "(`239.255.42.1-239.255.42.99`, `ff15::1-ff15::ff`)."},
  [RB_CONFIG_TYPE_NAME] = {"name",
    "1 to 64 of `A-Z a-z 0-9 _ -`, like a camera's NAME."},
  [RB_CONFIG_TYPE_CONNINFO] = {"connection string",
    "A libpq connection string: `keyword=value` pairs separated by spaces "
    "(`host=db.example port=5432 dbname=rtsp_blur user=rtsp_blur "
    "sslmode=verify-full`) or a `postgresql://` URI, without a password."},
};

/* The introduction: paragraphs, and example lines (a NULL doc ends it). */
static const struct {
  gboolean example;
  const gchar *doc;
} intro[] = {
  {FALSE, "A GLib key file, read and checked completely before anything "
   "starts; `rtsp-blur --check-config --config FILE` stops there. Lines "
   "whose first non-blank character is `#` are comments; a `#` after a "
   "value is part of the value. Values are stripped of surrounding white "
   "space. Relative paths are resolved against the directory of the file."},
  {FALSE, "Unknown groups and keys, a group or key given twice, a value of "
   "the wrong type or out of range, a missing required key or group, no "
   "camera or no network, and two networks that would listen on one "
   "address and port are errors. Each is reported on one line naming the "
   "file, the group and the key, or, for a line that is not a group, a "
   "key=value pair or a comment, the line number; all are reported:"},
  {TRUE, "rtsp-blur: error: /etc/rtsp-blur/rtsp-blur.conf: [camera:lobby] "
   "transport: must be one of auto|tcp|udp (got 'tpc')\n"
   "rtsp-blur: error: /etc/rtsp-blur/rtsp-blur.conf: line 12: not a valid "
   "key file: Invalid group name: camera:a[b"},
  {FALSE, "Text taken from the file is shown with control characters, "
   "bidirectional controls and bytes that are not UTF-8 written as `\\xNN`, "
   "and passwords in URLs as `***`."},
  {FALSE, NULL},
};
/* *INDENT-ON* */

typedef struct
{
  RbConfigDocFormat format;
  GString *out;
} Doc;

/* Appends @text, with its `code` and **strong** markup, as @d's format
 * writes it: Markdown as is (with | escaped in a table cell), roff with
 * \fB...\fR and its escapes, sample text without markup. */
static void
put (Doc * d, const gchar * text, gboolean cell)
{
  gboolean code = FALSE, strong = FALSE;

  for (const gchar * p = text; *p; p++) {
    if (d->format == RB_CONFIG_DOC_MARKDOWN) {
      if (*p == '|' && cell)
        g_string_append_c (d->out, '\\');
      g_string_append_c (d->out, *p);
      continue;
    }
    if ((*p == '`' && !strong) || (!code && p[0] == '*' && p[1] == '*')) {
      if (*p == '`') {
        code = !code;
      } else {
        strong = !strong;
        p++;
      }
      if (d->format == RB_CONFIG_DOC_MAN)
        g_string_append (d->out, code || strong ? "\\fB" : "\\fR");
      continue;
    }
    if (d->format == RB_CONFIG_DOC_MAN && *p == '\\')
      g_string_append (d->out, "\\(rs");
    else if (d->format == RB_CONFIG_DOC_MAN && *p == '-')
      g_string_append (d->out, "\\-");
    else
      g_string_append_c (d->out, *p);
  }
}

/* @text rendered as a string. */
static gchar *
render (RbConfigDocFormat format, const gchar * text)
{
  Doc d = { format, g_string_new (NULL) };

  put (&d, text, FALSE);
  return g_string_free (d.out, FALSE);
}

/* A roff text line: one that starts with a dot or a quote is protected. */
static void
man_line (Doc * d, const gchar * text)
{
  g_autofree gchar *line = render (RB_CONFIG_DOC_MAN, text);

  if (line[0] == '.' || line[0] == '\'')
    g_string_append (d->out, "\\&");
  g_string_append_printf (d->out, "%s\n", line);
}

/* @text as comment lines of at most SAMPLE_WIDTH columns; a newline in
 * @text starts a new line. */
static void
sample_comment (Doc * d, const gchar * text)
{
  g_autofree gchar *plain = render (RB_CONFIG_DOC_SAMPLE, text);
  g_auto (GStrv) lines = g_strsplit (plain, "\n", -1);

  for (guint i = 0; lines[i]; i++) {
    g_auto (GStrv) words = g_strsplit (lines[i], " ", -1);
    gsize width = 1;

    g_string_append_c (d->out, '#');
    for (guint j = 0; words[j]; j++) {
      gsize len = strlen (words[j]);

      if (width > 1 && width + 1 + len > SAMPLE_WIDTH) {
        g_string_append (d->out, "\n#");
        width = 1;
      }
      g_string_append_printf (d->out, " %s", words[j]);
      width += 1 + len;
    }
    g_string_append_c (d->out, '\n');
  }
}

/* A paragraph of text in @d's format. */
static void
paragraph (Doc * d, const gchar * text)
{
  switch (d->format) {
    case RB_CONFIG_DOC_MARKDOWN:
      put (d, text, FALSE);
      g_string_append (d->out, "\n\n");
      break;
    case RB_CONFIG_DOC_MAN:
      g_string_append (d->out, ".PP\n");
      man_line (d, text);
      break;
    case RB_CONFIG_DOC_SAMPLE:
      sample_comment (d, text);
      break;
  }
}

/* "`a` | `b`", the nicks of @key */
static gchar *
choices (const RbConfigKey * key)
{
  g_autofree gchar *list = rb_config_schema_choice_list (key, "` | `");

  return g_strdup_printf ("`%s`", list);
}

/* The values @key takes beyond its type: its range or its choices. */
static gchar *
key_values (const RbConfigKey * key)
{
  switch (key->type) {
    case RB_CONFIG_TYPE_UINT:
    case RB_CONFIG_TYPE_PORT_RANGE:
    case RB_CONFIG_TYPE_RESOLUTION:
      return g_strdup_printf ("%u to %u", key->min, key->max);
    case RB_CONFIG_TYPE_CHOICE:
      return choices (key);
    default:
      return NULL;
  }
}

/* "integer, seconds" */
static gchar *
key_type (const RbConfigKey * key)
{
  return g_strdup_printf ("%s%s%s", types[key->type].name,
      key->unit ? ", " : "", key->unit ? key->unit : "");
}

/* "`30`", "**required**", or what leaving it out means */
static gchar *
key_default (const RbConfigKey * key)
{
  if (key->flags & RB_CONFIG_KEY_REQUIRED)
    return g_strdup ("**required**");
  if (key->default_value)
    return g_strdup_printf ("`%s`", key->default_value);
  return g_strdup (key->unset);
}

/* "integer, seconds, 1 to 3600; default `30`", for man and sample */
static gchar *
key_summary (const RbConfigKey * key)
{
  g_autofree gchar *type = key_type (key);
  g_autofree gchar *values = key_values (key);
  g_autofree gchar *def = key_default (key);

  return g_strdup_printf ("%s%s%s; %s%s", type, values ? ", " : "",
      values ? values : "", key->default_value ? "default " :
      (key->flags & RB_CONFIG_KEY_REQUIRED) ? "" : "unset: ", def);
}

static void
print_key (Doc * d, const RbConfigKey * key)
{
  switch (d->format) {
    case RB_CONFIG_DOC_MARKDOWN:{
      g_autofree gchar *type = key_type (key);
      g_autofree gchar *values = key_values (key);
      g_autofree gchar *def = key_default (key);

      g_string_append_printf (d->out, "| `%s` | %s | ", key->key, type);
      put (d, def, TRUE);
      g_string_append (d->out, " | ");
      put (d, values ? values : "", TRUE);
      g_string_append (d->out, " | ");
      put (d, key->doc, TRUE);
      g_string_append (d->out, " |\n");
      break;
    }
    case RB_CONFIG_DOC_MAN:{
      g_autofree gchar *summary = key_summary (key);
      g_autofree gchar *tag = g_strdup_printf ("`%s` (%s)", key->key,
          summary);
      g_autofree gchar *doc = g_strdup_printf ("%s.", key->doc);

      g_string_append (d->out, ".TP\n");
      man_line (d, tag);
      man_line (d, doc);
      break;
    }
    case RB_CONFIG_DOC_SAMPLE:{
      g_autofree gchar *summary = key_summary (key);
      g_autofree gchar *doc = g_strdup_printf ("%s (%s).", key->doc,
          summary);
      const gchar *example = key->example ? key->example : key->default_value;

      sample_comment (d, doc);
      if (key->sample)
        g_string_append_printf (d->out, "%s=%s\n", key->key, key->sample);
      else
        g_string_append_printf (d->out, "#%s=%s\n", key->key,
            example ? example : "");
      break;
    }
  }
}

/* The reference's default of a [headblur] key: durations in seconds, a
 * path by its file name (the models directory depends on the install). */
static gchar *
headblur_default (GParamSpec * pspec)
{
  const GValue *value = g_param_spec_get_default_value (pspec);

  if (G_VALUE_HOLDS_UINT64 (value))
    return g_strdup_printf ("`%g`", g_value_get_uint64 (value) / 1e9);
  if (G_VALUE_HOLDS_STRING (value)) {
    const gchar *s = g_value_get_string (value);
    g_autofree gchar *base = NULL;

    if (s == NULL || *s == '\0')
      return g_strdup ("none");
    if (!rb_config_headblur_is_path (pspec) || !g_path_is_absolute (s))
      return g_strdup_printf ("`%s`", s);
    base = g_path_get_basename (s);
    return g_strdup_printf ("`.../%s`", base);
  }
  {
    g_autofree gchar *text = rb_config_headblur_to_text (pspec, value);

    return g_strdup_printf ("`%s`", text);
  }
}

/* The [headblur] table, from the element's class. */
static void
print_headblur_keys (Doc * d, GObjectClass * klass)
{
  g_autoptr (GPtrArray) specs = NULL;

  if (klass == NULL) {
    paragraph (d, "(The headblur element was not found: its keys are not "
        "listed here.)");
    return;
  }
  specs = rb_config_headblur_keys (klass);
  g_string_append (d->out, "| Key | Type | Default | Values | Meaning |\n"
      "|---|---|---|---|---|\n");
  for (guint i = 0; i < specs->len; i++) {
    GParamSpec *pspec = g_ptr_array_index (specs, i);
    g_autofree gchar *type = rb_config_headblur_type (pspec);
    g_autofree gchar *def = headblur_default (pspec);
    g_autofree gchar *range = rb_config_headblur_range (pspec);
    g_autofree gchar *values = NULL;

    if (G_IS_PARAM_SPEC_ENUM (pspec)) {
      g_auto (GStrv) nicks = g_strsplit (range, "|", -1);
      g_autofree gchar *list = g_strjoinv ("` | `", nicks);

      values = g_strdup_printf ("`%s`", list);
    } else if (G_IS_PARAM_SPEC_BOOLEAN (pspec)) {
      values = g_strdup ("`true` | `false`");
    } else {
      values = g_strdup (range ? range : "");
    }
    g_string_append_printf (d->out, "| `%s` | %s | ", pspec->name, type);
    put (d, def, TRUE);
    g_string_append (d->out, " | ");
    put (d, values, TRUE);
    g_string_append (d->out, " | ");
    put (d, g_param_spec_get_blurb (pspec), TRUE);
    g_string_append (d->out, " |\n");
  }
  g_string_append_c (d->out, '\n');
}

/* "The launcher sets `threads`, ... itself on each path: they are not
 * keys." */
static gchar *
headblur_reserved_text (void)
{
  const gchar *const *reserved = rb_config_headblur_reserved ();
  GString *text = g_string_new ("The launcher sets ");
  guint n = g_strv_length ((gchar **) reserved);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s`%s`", i == 0 ? "" : i + 1 < n ?
        ", " : " and ", reserved[i]);
  g_string_append (text, " itself on each path: they are not keys.");
  return g_string_free (text, FALSE);
}

static void
print_group (Doc * d, const RbConfigGroupInfo * group, GObjectClass * klass)
{
  guint n;
  const RbConfigKey *keys = rb_config_schema_keys (&n);
  g_autofree gchar *count = g_strdup_printf ("%c%s.",
      g_ascii_toupper (group->count[0]), group->count + 1);
  g_autofree gchar *text = g_strdup_printf ("%s %s", count, group->doc);

  switch (d->format) {
    case RB_CONFIG_DOC_MARKDOWN:
      g_string_append_printf (d->out, "## [%s]\n\n", group->name);
      paragraph (d, text);
      break;
    case RB_CONFIG_DOC_MAN:{
      g_autofree gchar *name = render (RB_CONFIG_DOC_MAN, group->name);

      g_string_append_printf (d->out, ".SS \"[%s]\"\n", name);
      man_line (d, text);
      break;
    }
    case RB_CONFIG_DOC_SAMPLE:{
      g_autofree gchar *head = g_strdup_printf ("[%s] (%s). %s",
          group->name, group->count, group->doc);

      g_string_append_c (d->out, '\n');
      sample_comment (d, head);
      break;
    }
  }

  if (group->group == RB_CONFIG_GROUP_HEADBLUR) {
    g_autofree gchar *reserved = headblur_reserved_text ();

    paragraph (d, reserved);
    if (d->format == RB_CONFIG_DOC_MARKDOWN) {
      print_headblur_keys (d, klass);
    } else if (d->format == RB_CONFIG_DOC_MAN) {
      paragraph (d, "`rtsp-blur --print-config-reference` lists the keys "
          "of the installed element with their types, ranges and defaults; "
          "`gst-inspect-1.0 headblur` describes them.");
    } else {
      g_auto (GStrv) lines = g_strsplit (group->example, "\n", -1);

      sample_comment (d, "Its keys: `rtsp-blur --print-config-reference`.");
      g_string_append_printf (d->out, "#[%s]\n", group->name);
      for (guint i = 0; lines[i]; i++)
        g_string_append_printf (d->out, "#%s\n", lines[i]);
    }
    return;
  }

  if (d->format == RB_CONFIG_DOC_SAMPLE && group->example != NULL) {
    /* an optional group: shown commented out */
    g_auto (GStrv) lines = g_strsplit (group->example, "\n", -1);

    g_string_append_printf (d->out, "#[%s]\n", group->name);
    for (guint i = 0; lines[i]; i++)
      g_string_append_printf (d->out, "#%s\n", lines[i]);
    return;
  }
  if (d->format == RB_CONFIG_DOC_MARKDOWN)
    g_string_append (d->out, "| Key | Type | Default | Values | Meaning |\n"
        "|---|---|---|---|---|\n");
  else if (d->format == RB_CONFIG_DOC_SAMPLE)
    g_string_append_printf (d->out, "[%s%s]\n", group->prefix ?
        group->prefix : group->name, group->prefix ? group->sample_name : "");
  for (guint i = 0; i < n; i++)
    if (keys[i].group == group->group)
      print_key (d, &keys[i]);
  if (d->format == RB_CONFIG_DOC_MARKDOWN)
    g_string_append_c (d->out, '\n');
}

static void
print_intro (Doc * d)
{
  for (guint i = 0; intro[i].doc; i++) {
    if (!intro[i].example) {
      paragraph (d, intro[i].doc);
    } else if (d->format == RB_CONFIG_DOC_MARKDOWN) {
      g_string_append_printf (d->out, "```\n%s\n```\n\n", intro[i].doc);
    } else {
      g_auto (GStrv) lines = g_strsplit (intro[i].doc, "\n", -1);

      g_string_append (d->out, ".PP\n.RS\n.nf\n");
      for (guint j = 0; lines[j]; j++)
        man_line (d, lines[j]);
      g_string_append (d->out, ".fi\n.RE\n");
    }
  }
}

/* The "Value types" section: the types the schema uses, in type order. */
static void
print_types (Doc * d)
{
  guint n;
  const RbConfigKey *keys = rb_config_schema_keys (&n);

  if (d->format == RB_CONFIG_DOC_MARKDOWN)
    g_string_append (d->out, "## Value types\n\n");
  else
    g_string_append (d->out, ".SS \"Value types\"\n");
  for (guint t = 0; t < G_N_ELEMENTS (types); t++) {
    gboolean used = FALSE;

    for (guint i = 0; i < n && !used; i++)
      used = keys[i].type == t;
    if (!used)
      continue;
    if (d->format == RB_CONFIG_DOC_MARKDOWN) {
      g_string_append_printf (d->out, "- **%s**: ", types[t].name);
      put (d, types[t].doc, FALSE);
      g_string_append_c (d->out, '\n');
    } else {
      g_autofree gchar *name = g_strdup_printf ("**%s**", types[t].name);

      g_string_append (d->out, ".TP\n");
      man_line (d, name);
      man_line (d, types[t].doc);
    }
  }
}

/**
 * rb_config_doc_format_from_string:
 * @name: "markdown", "man" or "sample"
 * @format: (out): the format
 *
 * Returns: whether @name names a format.
 */
gboolean
rb_config_doc_format_from_string (const gchar * name,
    RbConfigDocFormat * format)
{
  static const gchar *const names[] = { "markdown", "man", "sample" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    if (g_strcmp0 (name, names[i]) == 0) {
      *format = (RbConfigDocFormat) i;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * rb_config_doc_print:
 * @format: the form
 * @headblur_class: (nullable): the headblur element's class, whose
 *   properties the Markdown reference lists as the keys of [headblur]
 *
 * Returns: (transfer full): the config reference in @format: a Markdown
 * document, the roff of the man page's CONFIGURATION FILE section, or a
 * sample config that loads as it is.
 */
gchar *
rb_config_doc_print (RbConfigDocFormat format, GObjectClass * headblur_class)
{
  Doc d = { format, g_string_new (NULL) };
  guint n;
  const RbConfigGroupInfo *groups = rb_config_schema_groups (&n);

  switch (format) {
    case RB_CONFIG_DOC_MARKDOWN:
      g_string_append (d.out, "# Configuration reference\n\n"
          "<!-- Printed by `rtsp-blur --print-config-reference` from "
          "daemon/config/rb-config-schema.c and the headblur element: edit "
          "those, then run `ninja -C build config-docs`. -->\n\n");
      print_intro (&d);
      break;
    case RB_CONFIG_DOC_MAN:
      g_string_append (d.out, ".\\\" Printed by rtsp-blur "
          "--print-config-reference=man from\n"
          ".\\\" daemon/config/rb-config-schema.c: edit that, then run "
          "ninja -C build config-docs\n");
      print_intro (&d);
      break;
    case RB_CONFIG_DOC_SAMPLE:
      sample_comment (&d, "rtsp-blur.conf: sample configuration of the "
          "rtsp-blur service (rtsp-blur.service), printed by `rtsp-blur "
          "--print-config-reference=sample`. Edit the camera and the "
          "network, then:\n"
          "  rtsp-blur --check-config --config THIS-FILE\n"
          "  systemctl enable --now rtsp-blur\n"
          "Every key: rtsp-blur(1), `rtsp-blur --print-config-reference`. "
          "Lines starting with `#` are comments; a `#` after a value is part "
          "of it. The keys commented out show their defaults, or an "
          "example.");
      break;
  }
  for (guint i = 0; i < n; i++)
    print_group (&d, &groups[i], headblur_class);
  if (format != RB_CONFIG_DOC_SAMPLE)
    print_types (&d);
  return g_string_free (d.out, FALSE);
}
