/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Printable copies of foreign text (see rb-escape.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-escape.h"

#include <string.h>

/* Characters that are valid UTF-8 but are escaped anyway. */
static gboolean
rb_escape_char_hidden (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
      || c == 0x061c || c == 0x200e || c == 0x200f
      || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static void
rb_escape_bytes (GString * out, const gchar * p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (out, "\\x%02x", (guchar) p[i]);
}

/**
 * rb_escape_text:
 * @text: (nullable): text from outside, not necessarily UTF-8
 * @length: its length in bytes, or -1 when it is NUL-terminated (a NUL
 *   inside @length is escaped like any control character)
 *
 * Returns: (transfer full) (nullable): @text with every byte of what would
 * not print as itself written as \xNN: invalid UTF-8, control characters,
 * line separators and bidirectional controls (see rb-escape.h). %NULL when
 * @text is %NULL.
 */
gchar *
rb_escape_text (const gchar * text, gssize length)
{
  GString *out;
  const gchar *p, *end;

  if (text == NULL)
    return NULL;
  if (length < 0)
    length = strlen (text);
  out = g_string_sized_new (length + 1);
  p = text;
  end = text + length;
  while (p < end) {
    gunichar c = g_utf8_get_char_validated (p, end - p);

    if (c == (gunichar) - 1 || c == (gunichar) - 2) {
      /* not UTF-8 (or cut short): this one byte */
      rb_escape_bytes (out, p, 1);
      p++;
    } else {
      gsize n = g_utf8_skip[*(const guchar *) p];

      if (c == 0) {
        /* g_utf8_get_char_validated() gives 0 for a NUL byte */
        n = 1;
      }
      if (rb_escape_char_hidden (c))
        rb_escape_bytes (out, p, n);
      else
        g_string_append_len (out, p, n);
      p += n;
    }
  }
  return g_string_free (out, FALSE);
}

/**
 * rb_escape_is_safe:
 * @text: NUL-terminated text
 *
 * Returns: whether rb_escape_text() would return @text unchanged.
 */
gboolean
rb_escape_is_safe (const gchar * text)
{
  g_autofree gchar *escaped = rb_escape_text (text, -1);

  return g_strcmp0 (escaped, text) == 0;
}
