/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* [headblur]: its keys are the writable properties installed by the
 * headblur element's own class (not by GstObject or GstBaseTransform),
 * except those the launcher sets itself on each path. Their GParamSpecs
 * are the schema: type, range and enum nicks. */

#include "rb-config-headblur.h"

#include <math.h>

/* Properties the launcher sets itself on each path (live: one OpenCV
 * thread, detections recorded; workers: segment-lookahead, the recorded
 * detections), so they are not [headblur] keys. */
static const gchar *const reserved[] = { "threads", "lookahead",
  "attach-meta", "upstream-detections", NULL
};

const gchar *const *
rb_config_headblur_reserved (void)
{
  return reserved;
}

/**
 * rb_config_headblur_is_key:
 * @klass: the headblur element's class
 * @pspec: (nullable): one of its properties
 *
 * Returns: whether @pspec is a [headblur] key: installed by @klass itself,
 * writable after construction, not deprecated and not reserved.
 */
gboolean
rb_config_headblur_is_key (GObjectClass * klass, GParamSpec * pspec)
{
  return pspec != NULL && pspec->owner_type == G_OBJECT_CLASS_TYPE (klass)
      && (pspec->flags & G_PARAM_WRITABLE)
      && !(pspec->flags & (G_PARAM_CONSTRUCT_ONLY | G_PARAM_DEPRECATED))
      && !g_strv_contains (reserved, pspec->name);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(GParamSpec * const *) a)->name,
      (*(GParamSpec * const *) b)->name);
}

/**
 * rb_config_headblur_keys:
 * @klass: the headblur element's class
 *
 * Returns: (transfer container): the [headblur] keys' GParamSpecs, sorted
 * by name.
 */
GPtrArray *
rb_config_headblur_keys (GObjectClass * klass)
{
  guint n;
  g_autofree GParamSpec **specs = g_object_class_list_properties (klass, &n);
  GPtrArray *keys = g_ptr_array_new ();

  for (guint i = 0; i < n; i++)
    if (rb_config_headblur_is_key (klass, specs[i]))
      g_ptr_array_add (keys, specs[i]);
  g_ptr_array_sort (keys, compare_names);
  return keys;
}

/* A string property whose blurb starts with "Path" names a file: relative
 * values resolve against the config file's directory. */
gboolean
rb_config_headblur_is_path (GParamSpec * pspec)
{
  const gchar *blurb = g_param_spec_get_blurb (pspec);

  return G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_STRING && blurb
      && g_str_has_prefix (blurb, "Path");
}

/* Returns: (transfer full): what @pspec's values are, for the reference:
 * "number", "integer", "duration, seconds", "enum", ... */
gchar *
rb_config_headblur_type (GParamSpec * pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (type == G_TYPE_BOOLEAN)
    return g_strdup ("boolean");
  if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
    return g_strdup ("number");
  if (type == G_TYPE_UINT64)
    return g_strdup ("duration, seconds");
  if (type == G_TYPE_UINT || type == G_TYPE_INT || type == G_TYPE_INT64)
    return g_strdup ("integer");
  if (G_TYPE_IS_ENUM (type))
    return g_strdup ("enum");
  if (type == G_TYPE_STRING)
    return g_strdup (rb_config_headblur_is_path (pspec) ? "path" : "string");
  return g_strdup (g_type_name (type));
}

/* Returns: (transfer full) (nullable): @pspec's values: "0 to 1" (for
 * durations in seconds), "a|b|c" (enum nicks), "true or false", or NULL
 * for strings and types the config cannot set. */
gchar *
rb_config_headblur_range (GParamSpec * pspec)
{
  if (G_IS_PARAM_SPEC_BOOLEAN (pspec))
    return g_strdup ("true or false");
  if (G_IS_PARAM_SPEC_DOUBLE (pspec))
    return g_strdup_printf ("%g to %g", G_PARAM_SPEC_DOUBLE (pspec)->minimum,
        G_PARAM_SPEC_DOUBLE (pspec)->maximum);
  if (G_IS_PARAM_SPEC_FLOAT (pspec))
    return g_strdup_printf ("%g to %g", G_PARAM_SPEC_FLOAT (pspec)->minimum,
        G_PARAM_SPEC_FLOAT (pspec)->maximum);
  if (G_IS_PARAM_SPEC_UINT64 (pspec))
    return g_strdup_printf ("%g to %g",
        G_PARAM_SPEC_UINT64 (pspec)->minimum / 1e9,
        G_PARAM_SPEC_UINT64 (pspec)->maximum / 1e9);
  if (G_IS_PARAM_SPEC_UINT (pspec))
    return g_strdup_printf ("%u to %u", G_PARAM_SPEC_UINT (pspec)->minimum,
        G_PARAM_SPEC_UINT (pspec)->maximum);
  if (G_IS_PARAM_SPEC_INT (pspec))
    return g_strdup_printf ("%d to %d", G_PARAM_SPEC_INT (pspec)->minimum,
        G_PARAM_SPEC_INT (pspec)->maximum);
  if (G_IS_PARAM_SPEC_INT64 (pspec))
    return g_strdup_printf ("%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
        G_PARAM_SPEC_INT64 (pspec)->minimum,
        G_PARAM_SPEC_INT64 (pspec)->maximum);
  if (G_IS_PARAM_SPEC_ENUM (pspec)) {
    GEnumClass *e = G_PARAM_SPEC_ENUM (pspec)->enum_class;
    GString *list = g_string_new (NULL);

    for (guint i = 0; i < e->n_values; i++)
      g_string_append_printf (list, "%s%s", i ? "|" : "",
          e->values[i].value_nick);
    return g_string_free (list, FALSE);
  }
  return NULL;
}

/* Returns: (transfer full): what a valid value of @pspec looks like, for
 * an error message: "must be a number from 0 to 1". */
gchar *
rb_config_headblur_describe (GParamSpec * pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  g_autofree gchar *range = rb_config_headblur_range (pspec);

  if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
    return g_strdup_printf ("must be a number from %s", range);
  if (type == G_TYPE_UINT64)
    return g_strdup_printf ("must be a number of seconds from %s", range);
  if (type == G_TYPE_UINT || type == G_TYPE_INT || type == G_TYPE_INT64)
    return g_strdup_printf ("must be a whole number from %s", range);
  if (G_TYPE_IS_ENUM (type))
    return g_strdup_printf ("must be one of %s", range);
  if (type == G_TYPE_BOOLEAN)
    return g_strdup_printf ("must be %s", range);
  if (type == G_TYPE_STRING)
    return g_strdup (rb_config_headblur_is_path (pspec) ?
        "must be the path of a file" : "must be a string");
  return g_strdup_printf ("has type %s, which the config cannot set",
      g_type_name (type));
}

/**
 * rb_config_headblur_parse:
 * @pspec: a [headblur] key
 * @text: its value as written
 * @value: (out caller-allocates): an unset GValue, set to @pspec's type
 *
 * Text to @value, without range checks (g_param_value_validate() does
 * those). 64-bit unsigned properties are GstClockTime durations: written
 * in seconds (a decimal number), stored in ns. Integers may be written in
 * hex (0x...). A path may not be empty.
 *
 * Returns: whether @text is a value of @pspec's type. @value is
 * initialised either way.
 */
gboolean
rb_config_headblur_parse (GParamSpec * pspec, const gchar * text,
    GValue * value)
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
    if (rb_config_headblur_is_path (pspec) && *text == '\0')
      return FALSE;
    g_value_set_string (value, text);
    return TRUE;
  }
  return FALSE;
}

/* Returns: (transfer full): the canonical text of @value, as
 * rb_config_get_headblur() gives it (64-bit durations in ns). */
gchar *
rb_config_headblur_to_text (GParamSpec * pspec, const GValue * value)
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
