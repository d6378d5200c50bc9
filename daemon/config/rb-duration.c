/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The duration type of the config (retention-raw, retention-anonymized). */

#include "rb-duration.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rb-duration-error-quark, rb_duration_error);

/**
 * rb_duration_parse:
 * @text: the value, stripped
 * @seconds: (out): the duration in seconds
 * @error: return location for an error (%RB_DURATION_ERROR_INVALID)
 *
 * Reads a duration: a decimal number of seconds, or a number followed by
 * s, m, h or d (seconds, minutes, hours, days: "90", "1.5h", "30d"),
 * rounded to the nearest second, at most 1e12 s. The number is digits with
 * an optional fraction: no sign, exponent, hex or white space.
 *
 * Returns: %TRUE with @seconds set, or %FALSE with @error set and
 * @seconds 0.
 */
gboolean
rb_duration_parse (const gchar * text, guint64 * seconds, GError ** error)
{
  gchar *end = NULL;
  gdouble v;

  g_return_val_if_fail (text != NULL && seconds != NULL, FALSE);

  *seconds = 0;
  /* digits with an optional fraction: no sign, exponent, hex or inf */
  v = g_ascii_strtod (text, &end);
  if (end == text || strspn (text, "0123456789.") != (gsize) (end - text)
      || !isfinite (v))
    goto bad;
  if (g_str_equal (end, "m"))
    v *= 60;
  else if (g_str_equal (end, "h"))
    v *= 3600;
  else if (g_str_equal (end, "d"))
    v *= 86400;
  else if (!g_str_equal (end, "") && !g_str_equal (end, "s"))
    goto bad;
  if (v > 1e12)
    goto bad;
  *seconds = (guint64) (v + 0.5);
  return TRUE;

bad:
  g_set_error_literal (error, RB_DURATION_ERROR, RB_DURATION_ERROR_INVALID,
      "must be a duration: seconds, or a number with s, m, h or d such as "
      "30d");
  return FALSE;
}
