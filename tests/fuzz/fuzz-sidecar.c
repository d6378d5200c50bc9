/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target sidecar: the detections sidecar of a raw segment
 * (lib/rb-sidecar.c), read from disk by the segment workers, through
 * rb_sidecar_parse().
 *
 * Input: one byte of options, then the file. Every line of a sidecar is
 * sealed with its CRC-32, which a fuzzer cannot guess: with bit 0 of the
 * options set, the harness seals each line (but a last line without
 * newline) itself, so that the frame parser behind the seal is reached;
 * without it the text is parsed as it is. Checks: a parsed sidecar's
 * frames are sorted by pts and unique, intervals >= 1, boxes of positive
 * size with scores in 0..1; formatting a parsed frame, sealing and parsing
 * it again gives the same text (a fixed point: the writer and the reader
 * agree); lookups and coverage queries at and around every frame answer
 * without reading out of bounds. */

#include "rb-fuzz.h"
#include "rb-sidecar.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  return 0;
}

/* @text with every whole line sealed */
static GString *
seal_lines (const gchar * text, gsize length)
{
  GString *out = g_string_new (NULL);
  const gchar *p = text, *end = text + length;

  while (p < end) {
    const gchar *nl = memchr (p, '\n', end - p);
    g_autofree gchar *body = NULL, *sealed = NULL;

    if (nl == NULL) {
      g_string_append_len (out, p, end - p);
      break;
    }
    body = g_strndup (p, nl - p);
    sealed = rb_sidecar_seal (body);
    g_string_append (out, sealed);
    p = nl + 1;
  }
  return out;
}

static gchar *
format_frame (const RbSidecarFrame * f)
{
  return rb_sidecar_format_frame (f->pts, f->flags, f->interval,
      (const RbBox *) f->boxes->data, f->boxes->len);
}

/* format → seal → parse → format gives the same body */
static void
check_round_trip (const RbSidecarFrame * f)
{
  g_autofree gchar *body = format_frame (f);
  g_autofree gchar *header = rb_sidecar_seal ("rb-detections 1");
  g_autofree gchar *line = rb_sidecar_seal (body);
  g_autofree gchar *text = g_strconcat (header, line, NULL);
  g_autoptr (GError) err = NULL;
  g_autoptr (RbSidecar) again = rb_sidecar_parse (text, strlen (text),
      "again", &err);
  g_autofree gchar *body2 = NULL;

  rb_fuzz_assert (again != NULL && again->frames->len == 1
      && again->bad_lines == 0, body);
  body2 = format_frame (&g_array_index (again->frames, RbSidecarFrame, 0));
  rb_fuzz_assert (g_str_equal (body, body2), body);
}

static void
check_sidecar (const RbSidecar * sc)
{
  for (guint i = 0; i < sc->frames->len; i++) {
    const RbSidecarFrame *f = &g_array_index (sc->frames, RbSidecarFrame, i);

    if (i > 0)
      rb_fuzz_assert (g_array_index (sc->frames, RbSidecarFrame,
              i - 1).pts < f->pts, "frames sorted and unique");
    rb_fuzz_assert (f->interval >= 1 && f->boxes != NULL, "frame");
    for (guint j = 0; j < f->boxes->len; j++) {
      const RbBox *b = &g_array_index (f->boxes, RbBox, j);

      rb_fuzz_assert (b->width > 0 && b->height > 0, "box size");
      rb_fuzz_assert (b->score >= 0 && b->score <= 1, "box score");
    }
    check_round_trip (f);
    /* at, around and between frames; the frame durations of 1 to 240 fps */
    for (gint64 d = -1; d <= 1; d++) {
      guint64 pts = f->pts + d;

      rb_sidecar_lookup (sc, pts, 0);
      rb_sidecar_lookup (sc, pts, G_MAXUINT64);
      rb_sidecar_covered (sc, pts, 4166667);
      rb_sidecar_covered (sc, pts, 40000000);
      rb_sidecar_covered (sc, pts, 1000000000);
    }
    if (rb_sidecar_lookup (sc, f->pts, 0) != f)
      rb_fuzz_assert (FALSE, "a frame is found at its own pts");
  }
  rb_sidecar_lookup (sc, 0, 1000);
  rb_sidecar_covered (sc, G_MAXUINT64, 40000000);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbSidecar) sc = NULL;
  GString *text;

  if (size < 1)
    return 0;
  if (data[0] & 1)
    text = seal_lines ((const gchar *) data + 1, size - 1);
  else
    text = g_string_new_len ((const gchar *) data + 1, size - 1);

  sc = rb_sidecar_parse (text->str, text->len, "fuzz.detections", &err);
  rb_fuzz_assert ((sc == NULL) != (err == NULL), "sidecar and error");
  if (sc != NULL)
    check_sidecar (sc);
  g_string_free (text, TRUE);
  return 0;
}
