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

/* How the daemon's heap gives memory back (issue 16). GLib only.
 *
 * The daemon's heap in use stays flat (50-80 MB with two cameras, the
 * workers' pipelines coming and going; heaptrack over a 20 min soak), but
 * glibc's malloc keeps what is freed: each thread takes an arena (up to
 * eight per core, 16 here), a freed block returns to its arena only, and an
 * arena gives memory back only from its top. With 40-odd GStreamer threads,
 * the workers' pipelines (their decoder, detector and encoder threads made
 * and ended for every segment) and multi-megabyte detector buffers, the
 * arenas held 364 MB with 96 MB in use after 20 minutes, and RSS kept
 * rising (bench/soak/README.md). So:
 *
 *  - rb_malloc_configure() caps the arenas at RB_MALLOC_ARENA_MAX before
 *    any thread starts (unless MALLOC_ARENA_MAX or the glibc.malloc.arena_max
 *    tunable says otherwise: the environment wins);
 *  - rb_malloc_trim_add() gives the free pages of every arena back to the
 *    system (malloc_trim) every RB_MALLOC_TRIM_INTERVAL_S seconds, from the
 *    main loop.
 *
 * Elsewhere than glibc both do nothing.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-malloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/**
 * rb_malloc_configure:
 *
 * Caps glibc's malloc arenas at %RB_MALLOC_ARENA_MAX, unless the
 * environment sets the cap (MALLOC_ARENA_MAX, or glibc.malloc.arena_max in
 * GLIBC_TUNABLES). Call it first thing in main(), before any thread
 * starts: an arena, once made, stays.
 *
 * Returns: the cap set, or 0 when the environment's (or the C library's)
 *   is kept.
 */
guint
rb_malloc_configure (void)
{
#ifdef __GLIBC__
  const gchar *tunables = g_getenv ("GLIBC_TUNABLES");

  if (g_getenv ("MALLOC_ARENA_MAX") != NULL
      || (tunables != NULL && strstr (tunables, "glibc.malloc.arena_max")))
    return 0;
  if (mallopt (M_ARENA_MAX, RB_MALLOC_ARENA_MAX) == 1)
    return RB_MALLOC_ARENA_MAX;
#endif
  return 0;
}

/**
 * rb_malloc_rss_anon_bytes:
 *
 * Returns: the process's anonymous resident memory (RssAnon of
 *   /proc/self/status) in bytes, or -1 when it cannot be read.
 */
gint64
rb_malloc_rss_anon_bytes (void)
{
  g_autofree gchar *status = NULL;
  const gchar *line;
  gint64 kb;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "\nRssAnon:");
  if (line == NULL || sscanf (line, "\nRssAnon: %" G_GINT64_FORMAT, &kb) != 1)
    return -1;
  return kb * 1024;
}

/**
 * rb_malloc_trim:
 *
 * Gives the free pages of every malloc arena back to the system
 * (malloc_trim(0)). It holds each arena's lock while it walks its free
 * blocks: a few milliseconds.
 *
 * Returns: the anonymous resident memory given back, in bytes (0 when
 *   none, or elsewhere than glibc).
 */
gint64
rb_malloc_trim (void)
{
#ifdef __GLIBC__
  gint64 before = rb_malloc_rss_anon_bytes (), after;

  malloc_trim (0);
  after = rb_malloc_rss_anon_bytes ();
  if (before >= 0 && after >= 0 && before > after)
    return before - after;
#endif
  return 0;
}

static gboolean
rb_malloc_on_trim (gpointer data)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 released = rb_malloc_trim ();

  g_debug ("malloc: %.1f MB given back to the system in %.1f ms",
      released / 1048576.0, (g_get_monotonic_time () - t0) / 1000.0);
  return G_SOURCE_CONTINUE;
}

/**
 * rb_malloc_trim_add:
 * @interval_s: seconds between two trims
 *
 * Calls rb_malloc_trim() every @interval_s seconds from the thread-default
 * main context.
 *
 * Returns: the source's id, for g_source_remove()
 */
guint
rb_malloc_trim_add (guint interval_s)
{
  return g_timeout_add_seconds (interval_s, rb_malloc_on_trim, NULL);
}
