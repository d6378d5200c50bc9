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

/**
 * SECTION:rb-sidecar
 * @title: Detections sidecar
 * @short_description: per-segment record of the live path's detections
 *
 * See rb-sidecar.h for the format. The recorder writes a sidecar beside
 * each raw segment with #RbSidecarWriter (append-only, one write() per
 * line, fsync()ed when the segment's last frame has been seen by the live
 * path, or at stop); the workers read it with rb_sidecar_load(). A line cut
 * short by a kill -9 or damaged on disk fails its CRC and is ignored, so a
 * frame is either described by a line that was written whole or not at
 * all; the worker detects again on frames not covered.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rb-durable.h"

#define HEADER_BODY "rb-detections 1"

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()) */
static guint32
rb_crc32 (const gchar * data, gsize length)
{
  static guint32 table[256];
  static gsize init = 0;
  guint32 crc = 0xffffffffu;

  if (g_once_init_enter (&init)) {
    for (guint32 i = 0; i < 256; i++) {
      guint32 c = i;

      for (gint k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    g_once_init_leave (&init, 1);
  }
  for (gsize i = 0; i < length; i++)
    crc = table[(crc ^ (guint8) data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

/**
 * rb_sidecar_path:
 * @segment: path of a raw segment
 *
 * Returns: (transfer full): the path of its sidecar, @segment +
 * ".detections".
 */
gchar *
rb_sidecar_path (const gchar * segment)
{
  return g_strconcat (segment, RB_SIDECAR_SUFFIX, NULL);
}

static gboolean
rb_box_source_from_string (const gchar * s, RbBoxSource * source)
{
  const RbBoxSource all[] = { RB_BOX_DETECTION, RB_BOX_FACE, RB_BOX_PERSON,
    RB_BOX_TRACK
  };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (s, rb_box_source_to_string (all[i])) == 0) {
      *source = all[i];
      return TRUE;
    }
  return FALSE;
}

/**
 * rb_sidecar_format_frame:
 * @pts: running time of the frame, ns
 * @flags: #RbSidecarFrameFlags
 * @interval: the live path's detection-interval, frames (0 counts as 1)
 * @boxes: (array length=n_boxes): the heads, frame pixels
 * @n_boxes: their number
 *
 * Returns: (transfer full): the body of the frame's line, unsealed.
 */
gchar *
rb_sidecar_format_frame (guint64 pts, guint flags, guint interval,
    const RbBox * boxes, guint n_boxes)
{
  GString *s = g_string_new (NULL);
  gchar score[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, "f %" G_GUINT64_FORMAT " ", pts);
  if (flags & RB_SIDECAR_FRAME_DETECTED)
    g_string_append_c (s, 'd');
  if (flags & RB_SIDECAR_FRAME_OVERLOAD)
    g_string_append_c (s, 'o');
  if (!(flags & (RB_SIDECAR_FRAME_DETECTED | RB_SIDECAR_FRAME_OVERLOAD)))
    g_string_append_c (s, '-');
  g_string_append_printf (s, " %u", MAX (interval, 1));
  for (guint i = 0; i < n_boxes; i++) {
    const RbBox *b = &boxes[i];

    g_ascii_formatd (score, sizeof (score), "%.3f", CLAMP (b->score, 0, 1));
    g_string_append_printf (s, " %ld,%ld,%ld,%ld,%s,%s", lround (b->x),
        lround (b->y), lround (b->width), lround (b->height),
        rb_box_source_to_string (b->source), score);
  }
  return g_string_free (s, FALSE);
}

/**
 * rb_sidecar_format_loss:
 * @pts: the running time of the first recorded frame after missing data
 *
 * Returns: (transfer full): the body of its loss line, "l PTS".
 */
gchar *
rb_sidecar_format_loss (guint64 pts)
{
  return g_strdup_printf ("l %" G_GUINT64_FORMAT, pts);
}

/**
 * rb_sidecar_format_clock:
 * @pts: a frame's running time, ns
 * @unix_ns: its wall-clock time, ns since 1970-01-01 UTC (> 0)
 *
 * Returns: (transfer full): the body of its clock line, "w PTS UNIX_NS".
 */
gchar *
rb_sidecar_format_clock (guint64 pts, gint64 unix_ns)
{
  return g_strdup_printf ("w %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, pts,
      unix_ns);
}

static gint
rb_sidecar_clock_cmp (gconstpointer a, gconstpointer b)
{
  const RbSidecarClock *x = a, *y = b;

  return x->pts < y->pts ? -1 : x->pts > y->pts;
}

/**
 * rb_sidecar_seal:
 * @body: a line's body, without newline
 *
 * Returns: (transfer full): "@body *CRC\n", CRC the CRC-32 of @body in 8
 * lowercase hex digits.
 */
gchar *
rb_sidecar_seal (const gchar * body)
{
  return g_strdup_printf ("%s *%08x\n", body, rb_crc32 (body, strlen (body)));
}

/* The body of a sealed @line (no newline), or NULL if the seal is wrong. */
static gchar *
rb_sidecar_unseal (const gchar * line, gsize length)
{
  const gchar *star;
  gchar hex[9];
  gchar *end;
  guint64 crc;

  if (length < 10 || line[length - 10] != ' ' || line[length - 9] != '*')
    return NULL;
  star = line + length - 9;
  memcpy (hex, star + 1, 8);
  hex[8] = '\0';
  for (gint i = 0; i < 8; i++)
    if (!g_ascii_isxdigit (hex[i]))
      return NULL;
  crc = g_ascii_strtoull (hex, &end, 16);
  if (*end != '\0' || crc != rb_crc32 (line, length - 10))
    return NULL;
  return g_strndup (line, length - 10);
}

static void
rb_sidecar_frame_clear (gpointer p)
{
  RbSidecarFrame *f = p;

  g_clear_pointer (&f->boxes, g_array_unref);
}

static gboolean
rb_sidecar_parse_frame (const gchar * body, RbSidecarFrame * frame)
{
  g_auto (GStrv) words = g_strsplit (body, " ", -1);
  guint n = g_strv_length (words);
  guint64 v;

  if (n < 4 || strcmp (words[0], "f") != 0)
    return FALSE;
  if (!g_ascii_string_to_unsigned (words[1], 10, 0, G_MAXUINT64,
          &frame->pts, NULL))
    return FALSE;
  frame->flags = 0;
  if (strcmp (words[2], "-") != 0) {
    for (const gchar * p = words[2]; *p; p++) {
      if (*p == 'd')
        frame->flags |= RB_SIDECAR_FRAME_DETECTED;
      else if (*p == 'o')
        frame->flags |= RB_SIDECAR_FRAME_OVERLOAD;
      else
        return FALSE;
    }
  }
  if (!g_ascii_string_to_unsigned (words[3], 10, 1, 1000, &v, NULL))
    return FALSE;
  frame->interval = v;
  frame->boxes = g_array_new (FALSE, FALSE, sizeof (RbBox));
  for (guint i = 4; i < n; i++) {
    g_auto (GStrv) f = g_strsplit (words[i], ",", -1);
    RbBox b = { 0, };
    gint64 c[4];
    gchar *end;

    if (g_strv_length (f) != 6)
      goto bad;
    for (gint k = 0; k < 4; k++)
      if (!g_ascii_string_to_signed (f[k], 10, -100000, 100000, &c[k], NULL))
        goto bad;
    if (c[2] <= 0 || c[3] <= 0 || !rb_box_source_from_string (f[4],
            &b.source))
      goto bad;
    b.score = g_ascii_strtod (f[5], &end);
    if (*end != '\0' || end == f[5] || b.score < 0 || b.score > 1)
      goto bad;
    b.x = c[0];
    b.y = c[1];
    b.width = c[2];
    b.height = c[3];
    g_array_append_val (frame->boxes, b);
  }
  return TRUE;

bad:
  g_clear_pointer (&frame->boxes, g_array_unref);
  return FALSE;
}

static gint
rb_sidecar_u64_cmp (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static gint
rb_sidecar_frame_cmp (gconstpointer a, gconstpointer b)
{
  const RbSidecarFrame *fa = a, *fb = b;

  return fa->pts < fb->pts ? -1 : fa->pts > fb->pts;
}

/**
 * rb_sidecar_parse:
 * @text: the sidecar's content
 * @length: its length in bytes
 * @path: the file it came from, for messages
 * @error: return location for an error
 *
 * Parses a sidecar. Lines whose seal or syntax is wrong are counted
 * (bad_lines; a last line without newline sets torn instead) and skipped.
 *
 * Returns: (transfer full): the sidecar, or %NULL with G_IO_ERROR_INVALID_DATA
 * when the first line is not a valid version 1 header.
 */
RbSidecar *
rb_sidecar_parse (const gchar * text, gsize length, const gchar * path,
    GError ** error)
{
  RbSidecar *sc;
  const gchar *p = text, *end = text + length;
  gboolean first = TRUE;

  sc = g_new0 (RbSidecar, 1);
  sc->frames = g_array_new (FALSE, FALSE, sizeof (RbSidecarFrame));
  g_array_set_clear_func (sc->frames, rb_sidecar_frame_clear);
  sc->losses = g_array_new (FALSE, FALSE, sizeof (guint64));
  sc->clocks = g_array_new (FALSE, FALSE, sizeof (RbSidecarClock));
  while (p < end) {
    const gchar *nl = memchr (p, '\n', end - p);
    gsize len = nl ? (gsize) (nl - p) : (gsize) (end - p);
    g_autofree gchar *body = NULL;

    if (nl == NULL) {
      /* a write cut short: ignored */
      sc->torn = TRUE;
      break;
    }
    body = rb_sidecar_unseal (p, len);
    p = nl + 1;
    if (first) {
      first = FALSE;
      if (g_strcmp0 (body, HEADER_BODY) != 0) {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
            "%s: not a version %d detections sidecar", path,
            RB_SIDECAR_VERSION);
        rb_sidecar_free (sc);
        return NULL;
      }
      continue;
    }
    if (body == NULL) {
      sc->bad_lines++;
    } else if (strcmp (body, "end") == 0) {
      sc->complete = TRUE;
    } else if (g_str_has_prefix (body, "w ")) {
      g_auto (GStrv) f = g_strsplit (body + 2, " ", 3);
      RbSidecarClock c;
      guint64 unix_ns;

      if (g_strv_length (f) == 2
          && g_ascii_string_to_unsigned (f[0], 10, 0, G_MAXUINT64, &c.pts,
              NULL)
          && g_ascii_string_to_unsigned (f[1], 10, 1, G_MAXINT64, &unix_ns,
              NULL)) {
        c.unix_ns = (gint64) unix_ns;
        g_array_append_val (sc->clocks, c);
      } else {
        sc->bad_lines++;
      }
    } else if (g_str_has_prefix (body, "l ")) {
      guint64 pts;

      if (g_ascii_string_to_unsigned (body + 2, 10, 0, G_MAXUINT64, &pts,
              NULL))
        g_array_append_val (sc->losses, pts);
      else
        sc->bad_lines++;
    } else {
      RbSidecarFrame f = { 0, };

      if (rb_sidecar_parse_frame (body, &f))
        g_array_append_val (sc->frames, f);
      else
        sc->bad_lines++;
    }
  }
  if (first) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "%s: empty detections sidecar", path);
    rb_sidecar_free (sc);
    return NULL;
  }
  g_array_sort (sc->frames, rb_sidecar_frame_cmp);
  g_array_sort (sc->losses, rb_sidecar_u64_cmp);
  g_array_sort (sc->clocks, rb_sidecar_clock_cmp);
  for (guint i = 1; i < sc->losses->len;) {
    if (g_array_index (sc->losses, guint64, i) ==
        g_array_index (sc->losses, guint64, i - 1))
      g_array_remove_index (sc->losses, i);
    else
      i++;
  }
  /* a frame written twice (a replayed context line): keep the first */
  for (guint i = 1; i < sc->frames->len;) {
    if (g_array_index (sc->frames, RbSidecarFrame, i).pts ==
        g_array_index (sc->frames, RbSidecarFrame, i - 1).pts)
      g_array_remove_index (sc->frames, i);
    else
      i++;
  }
  return sc;
}

/**
 * rb_sidecar_load:
 * @path: a sidecar file
 * @error: return location for an error
 *
 * Reads and parses @path (rb_sidecar_parse()).
 *
 * Returns: (transfer full): the sidecar, or %NULL with @error (G_FILE_ERROR
 * when it cannot be read, G_FILE_ERROR_NOENT when it is missing).
 */
RbSidecar *
rb_sidecar_load (const gchar * path, GError ** error)
{
  g_autofree gchar *text = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;
  return rb_sidecar_parse (text, length, path, error);
}

void
rb_sidecar_free (RbSidecar * sidecar)
{
  if (sidecar == NULL)
    return;
  g_array_unref (sidecar->frames);
  g_array_unref (sidecar->losses);
  g_array_unref (sidecar->clocks);
  g_free (sidecar);
}

gboolean
rb_sidecar_has_loss (const RbSidecar * sidecar, guint64 pts,
    guint64 tolerance)
{
  for (guint i = 0; i < sidecar->losses->len; i++) {
    guint64 l = g_array_index (sidecar->losses, guint64, i);

    if (l + tolerance >= pts && l <= pts + tolerance)
      return TRUE;
    if (l > pts + tolerance)
      break;
  }
  return FALSE;
}

static gint
rb_sidecar_index (const RbSidecar * sc, guint64 pts, guint64 tolerance)
{
  guint lo = 0, hi = sc->frames->len;
  gint best = -1;
  guint64 best_d = G_MAXUINT64;

  /* first frame with pts >= @pts */
  while (lo < hi) {
    guint mid = (lo + hi) / 2;

    if (g_array_index (sc->frames, RbSidecarFrame, mid).pts < pts)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (gint i = (gint) lo - 1; i <= (gint) lo; i++) {
    guint64 fp, d;

    if (i < 0 || i >= (gint) sc->frames->len)
      continue;
    fp = g_array_index (sc->frames, RbSidecarFrame, i).pts;
    d = fp > pts ? fp - pts : pts - fp;
    if (d <= tolerance && d < best_d) {
      best = i;
      best_d = d;
    }
  }
  return best;
}

/**
 * rb_sidecar_lookup:
 * @sidecar: a sidecar
 * @pts: a running time, ns
 * @tolerance: ns
 *
 * Returns: (nullable): the frame nearest @pts within @tolerance.
 */
const RbSidecarFrame *
rb_sidecar_lookup (const RbSidecar * sidecar, guint64 pts, guint64 tolerance)
{
  gint i = rb_sidecar_index (sidecar, pts, tolerance);

  return i < 0 ? NULL : &g_array_index (sidecar->frames, RbSidecarFrame, i);
}

/**
 * rb_sidecar_covered:
 * @sidecar: a sidecar
 * @pts: the running time of a frame, ns
 * @frame_duration: ns (> 0)
 *
 * Whether the live path's detections cover the frame at @pts: it has a
 * valid line (within half a frame), was not masked whole for overload, and
 * the detector ran on it or on valid frames on both sides of it no further
 * than its detection-interval. A torn or corrupt line, a frame the live
 * path dropped, skipped detections: the frames around them are not
 * covered and must be detected again.
 *
 * Returns: %TRUE when covered.
 */
gboolean
rb_sidecar_covered (const RbSidecar * sidecar, guint64 pts,
    guint64 frame_duration)
{
  guint64 tol = MAX (frame_duration / 2, 2000000);
  gint i = rb_sidecar_index (sidecar, pts, tol);
  const RbSidecarFrame *f;
  guint64 max_gap;
  gboolean before = FALSE, after = FALSE;

  if (i < 0)
    return FALSE;
  f = &g_array_index (sidecar->frames, RbSidecarFrame, i);
  if (f->flags & RB_SIDECAR_FRAME_OVERLOAD)
    return FALSE;
  if (f->flags & RB_SIDECAR_FRAME_DETECTED)
    return TRUE;
  max_gap = f->interval * frame_duration + tol;
  for (gint j = i - 1; j >= 0 && !before; j--) {
    const RbSidecarFrame *g = &g_array_index (sidecar->frames,
        RbSidecarFrame, j);

    if (f->pts - g->pts > max_gap || (g->flags & RB_SIDECAR_FRAME_OVERLOAD))
      break;
    before = (g->flags & RB_SIDECAR_FRAME_DETECTED) != 0;
  }
  for (guint j = i + 1; j < sidecar->frames->len && !after; j++) {
    const RbSidecarFrame *g = &g_array_index (sidecar->frames,
        RbSidecarFrame, j);

    if (g->pts - f->pts > max_gap || (g->flags & RB_SIDECAR_FRAME_OVERLOAD))
      break;
    after = (g->flags & RB_SIDECAR_FRAME_DETECTED) != 0;
  }
  return before && after;
}

/* ---- writer ---- */

typedef struct {
  gchar *segment;
  gchar *path;
  int fd;                       /* -1 after a failure */
  guint64 start;                /* running time, ns */
  guint64 end;                  /* G_MAXUINT64 while open */
} RbSidecarOut;

typedef struct {
  guint64 pts;
  gchar *line;                  /* sealed */
} RbSidecarLine;

struct _RbSidecarWriter {
  GMutex lock;
  GPtrArray *outs;              /* RbSidecarOut */
  GQueue ring;                  /* RbSidecarLine: the last RING ns */
  guint64 last_pts;
  gboolean ended;               /* finished complete: every frame given */
  /* sidecars finished by rb_sidecar_writer_add() are fsynced in this
   * thread, never in the caller's (the live streaming thread) */
  GThreadPool *finisher;
  guint finishing;              /* queued or running, protected by lock */
  GCond finished;
};

static void
rb_sidecar_line_free (RbSidecarLine * l)
{
  g_free (l->line);
  g_free (l);
}

static void
rb_sidecar_out_write (RbSidecarOut * o, const gchar * line)
{
  gsize len = strlen (line), done = 0;

  while (o->fd >= 0 && done < len) {
    gssize n = write (o->fd, line + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      /* the rest stays missing: the worker detects on those frames */
      g_warning ("cannot write the detections sidecar '%s': %s", o->path,
          g_strerror (n < 0 ? errno : ENOSPC));
      close (o->fd);
      o->fd = -1;
      return;
    }
    done += n;
  }
}

/* Writes the end line if @complete, fsyncs and closes, frees. */
static void
rb_sidecar_out_finish (RbSidecarOut * o, gboolean complete)
{
  GError *err = NULL;

  if (o->fd >= 0) {
    if (complete) {
      g_autofree gchar *end = rb_sidecar_seal ("end");

      rb_sidecar_out_write (o, end);
    }
    if (o->fd >= 0 && fsync (o->fd) < 0)
      g_warning ("cannot fsync the detections sidecar '%s': %s", o->path,
          g_strerror (errno));
    if (o->fd >= 0)
      close (o->fd);
    if (!rb_durable_fsync_parent (o->path, &err)) {
      g_warning ("%s", err->message);
      g_clear_error (&err);
    }
  }
  g_free (o->segment);
  g_free (o->path);
  g_free (o);
}

static void
rb_sidecar_finish_func (gpointer data, gpointer user_data)
{
  RbSidecarWriter *w = user_data;

  rb_sidecar_out_finish (data, TRUE);
  g_mutex_lock (&w->lock);
  w->finishing--;
  g_cond_broadcast (&w->finished);
  g_mutex_unlock (&w->lock);
}

RbSidecarWriter *
rb_sidecar_writer_new (void)
{
  RbSidecarWriter *w = g_new0 (RbSidecarWriter, 1);

  g_mutex_init (&w->lock);
  g_cond_init (&w->finished);
  w->finisher = g_thread_pool_new (rb_sidecar_finish_func, w, 1, FALSE,
      NULL);
  w->outs = g_ptr_array_new ();
  g_queue_init (&w->ring);
  return w;
}

/**
 * rb_sidecar_writer_free:
 * @writer: (nullable): a writer
 *
 * Finishes every sidecar as incomplete (rb_sidecar_writer_finish()) and
 * frees @writer.
 */
void
rb_sidecar_writer_free (RbSidecarWriter * writer)
{
  if (writer == NULL)
    return;
  rb_sidecar_writer_finish (writer, FALSE);
  /* the sidecars being finished are finished */
  g_thread_pool_free (writer->finisher, FALSE, TRUE);
  g_cond_clear (&writer->finished);
  g_ptr_array_unref (writer->outs);
  g_queue_clear_full (&writer->ring, (GDestroyNotify) rb_sidecar_line_free);
  g_mutex_clear (&writer->lock);
  g_free (writer);
}

/**
 * rb_sidecar_writer_open:
 * @writer: a writer
 * @segment: the raw segment just opened
 * @start: its first running time, ns
 * @error: return location for an error
 *
 * Creates @segment's sidecar (replacing one left by an earlier run) with
 * its header and the frames already seen (up to RB_SIDECAR_RING_NS back)
 * from RB_SIDECAR_CONTEXT_NS before @start on.
 *
 * Returns: %TRUE on success; on failure the segment gets no sidecar.
 */
gboolean
rb_sidecar_writer_open (RbSidecarWriter * writer, const gchar * segment,
    guint64 start, GError ** error)
{
  RbSidecarOut *o;
  g_autofree gchar *header = rb_sidecar_seal (HEADER_BODY);

  o = g_new0 (RbSidecarOut, 1);
  o->segment = g_strdup (segment);
  o->path = rb_sidecar_path (segment);
  o->start = start;
  o->end = G_MAXUINT64;
  o->fd = open (o->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
      0640);
  if (o->fd < 0) {
    rb_durable_set_error (error, "create", o->path, errno);
    g_free (o->segment);
    g_free (o->path);
    g_free (o);
    return FALSE;
  }
  rb_sidecar_out_write (o, header);
  g_mutex_lock (&writer->lock);
  for (GList * l = writer->ring.head; l != NULL; l = l->next) {
    RbSidecarLine *line = l->data;

    if (line->pts + RB_SIDECAR_CONTEXT_NS >= start)
      rb_sidecar_out_write (o, line->line);
  }
  if (writer->ended)
    /* the live path has given its last frame (a recorder opens the last
     * segment only at its own EOS, often after the live one): all there */
    rb_sidecar_out_finish (o, TRUE);
  else
    g_ptr_array_add (writer->outs, o);
  g_mutex_unlock (&writer->lock);
  return TRUE;
}

/**
 * rb_sidecar_writer_segment_closed:
 * @writer: a writer
 * @segment: a raw segment opened with rb_sidecar_writer_open()
 * @end: the running time it ends at, ns (GST_CLOCK_TIME_NONE: the last
 *   frame seen)
 *
 * The recording of @segment is over; its sidecar takes frames until
 * RB_SIDECAR_CONTEXT_NS past @end, then is finished as complete.
 */
void
rb_sidecar_writer_segment_closed (RbSidecarWriter * writer,
    const gchar * segment, guint64 end)
{
  g_mutex_lock (&writer->lock);
  for (guint i = 0; i < writer->outs->len; i++) {
    RbSidecarOut *o = g_ptr_array_index (writer->outs, i);

    if (g_strcmp0 (o->segment, segment) == 0)
      o->end = end != G_MAXUINT64 ? end : writer->last_pts;
  }
  g_mutex_unlock (&writer->lock);
}

/**
 * rb_sidecar_writer_add:
 * @writer: a writer
 * @pts: the frame's running time, ns
 * @body: its line, from rb_sidecar_format_frame()
 *
 * Appends the frame to the sidecar of every segment it belongs to or is
 * context of, and finishes the sidecars whose segment is closed and past
 * (in the writer's own thread: the end line and the fsync never hold up
 * the caller).
 */
void
rb_sidecar_writer_add (RbSidecarWriter * writer, guint64 pts,
    const gchar * body)
{
  RbSidecarLine *line = g_new0 (RbSidecarLine, 1);

  line->pts = pts;
  line->line = rb_sidecar_seal (body);
  g_mutex_lock (&writer->lock);
  writer->last_pts = pts;
  writer->ended = FALSE;
  for (guint i = 0; i < writer->outs->len;) {
    RbSidecarOut *o = g_ptr_array_index (writer->outs, i);

    if (o->end != G_MAXUINT64 && pts >= o->end + RB_SIDECAR_CONTEXT_NS) {
      g_ptr_array_remove_index (writer->outs, i);
      writer->finishing++;
      g_thread_pool_push (writer->finisher, o, NULL);
      continue;
    }
    if (pts + RB_SIDECAR_CONTEXT_NS >= o->start)
      rb_sidecar_out_write (o, line->line);
    i++;
  }
  g_queue_push_tail (&writer->ring, line);
  while (writer->ring.length > 0) {
    RbSidecarLine *head = g_queue_peek_head (&writer->ring);

    if (head->pts + RB_SIDECAR_RING_NS >= pts && writer->ring.length < 4000)
      break;
    rb_sidecar_line_free (g_queue_pop_head (&writer->ring));
  }
  g_mutex_unlock (&writer->lock);
}

/**
 * rb_sidecar_writer_flush:
 * @writer: a writer
 *
 * Waits until the sidecars rb_sidecar_writer_add() finished are written
 * and fsynced.
 */
void
rb_sidecar_writer_flush (RbSidecarWriter * writer)
{
  g_mutex_lock (&writer->lock);
  while (writer->finishing > 0)
    g_cond_wait (&writer->finished, &writer->lock);
  g_mutex_unlock (&writer->lock);
}

/**
 * rb_sidecar_writer_finish:
 * @writer: a writer
 * @complete: the live path has seen every frame (its EOS)
 *
 * Finishes every open sidecar: the end line when @complete, fsync, close.
 * After a @complete finish, a segment opened before the next frame is added
 * is finished at once, complete, with the frames kept in memory.
 */
void
rb_sidecar_writer_finish (RbSidecarWriter * writer, gboolean complete)
{
  g_mutex_lock (&writer->lock);
  writer->ended = complete;
  for (guint i = 0; i < writer->outs->len; i++)
    rb_sidecar_out_finish (g_ptr_array_index (writer->outs, i), complete);
  g_ptr_array_set_size (writer->outs, 0);
  g_mutex_unlock (&writer->lock);
}
