/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The size type of the config (max-disk-usage, min-free-space). */

#include "rb-size.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rb-size-error-quark, rb_size_error);

/**
 * rb_size_parse:
 * @text: the value, stripped
 * @size: (out caller-allocates): the size
 * @error: return location for an error (%RB_SIZE_ERROR_INVALID)
 *
 * Reads a size: a number of bytes with an optional K, M, G or T suffix
 * (powers of 1024, either case, then "B" or "iB" allowed: "1.5G",
 * "512MiB"), or a percentage of the file system from 0 to 100 ("10%").
 * Below 1.8e19 bytes; fractions of a byte are dropped. The number is
 * digits with an optional fraction: no sign, exponent, hex or white space.
 *
 * Returns: %TRUE with @size set (the other member 0), or %FALSE with
 * @error set and @size zeroed.
 */
gboolean
rb_size_parse (const gchar * text, RbSize * size, GError ** error)
{
  gchar *end = NULL;
  gdouble v;

  g_return_val_if_fail (text != NULL && size != NULL, FALSE);

  size->bytes = 0;
  size->percent = 0;
  /* digits with an optional fraction: no sign, exponent, hex or inf */
  v = g_ascii_strtod (text, &end);
  if (end == text || strspn (text, "0123456789.") != (gsize) (end - text)
      || !isfinite (v))
    goto bad;
  if (g_str_equal (end, "%")) {
    if (v > 100)
      goto bad;
    size->percent = v;
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
  size->bytes = (guint64) v;
  return TRUE;

bad:
  g_set_error_literal (error, RB_SIZE_ERROR, RB_SIZE_ERROR_INVALID,
      "must be a size in bytes with an optional K, M, G or T suffix, or a "
      "percentage of the file system such as 10%");
  return FALSE;
}
