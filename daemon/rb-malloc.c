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

/* How the daemon's heap gives memory back. GLib only.
 *
 * The daemon's heap in use stays flat (50-80 MB with two cameras, the
 * workers' pipelines coming and going; heaptrack over a 20 min soak), but
 * glibc's malloc keeps what is freed: each new thread gets an arena (up to
 * eight per core, 16 here), a freed block returns to its arena only, and an
 * arena gives memory back only from its top. With 40-odd GStreamer threads,
 * the workers' pipelines (their decoder, detector and encoder threads made
 * and ended for every segment) and multi-megabyte detector buffers, the
 * arenas held 385 MB with 68 MB in use after 20 minutes, and RSS kept
 * rising (bench/soak/README.md). So:
 *
 *  - rb_malloc_configure() caps the arenas at RB_MALLOC_ARENA_MAX before
 *    any thread starts (unless MALLOC_ARENA_MAX or the glibc.malloc.arena_max
 *    tunable says otherwise: the environment wins). That alone keeps RSS
 *    at about 200 MB in the same soak;
 *  - rb_malloc_trim_add() gives the free pages of every arena back to the
 *    system (malloc_trim) when the anonymous resident memory has grown by
 *    RB_MALLOC_TRIM_GROWTH since the last trim (checked every
 *    RB_MALLOC_TRIM_INTERVAL_S from the main loop): a bound on what
 *    fragmentation can still add. Not more often: a trim takes 10-50 ms of
 *    CPU and holds each arena's lock meanwhile, and the main loop waited
 *    66-482 ms for one on the loaded test machine.
 *
 * Elsewhere than glibc both do nothing.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-malloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
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
 * blocks: 10-50 ms of CPU with two cameras and a worker.
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

static gdouble
rb_malloc_thread_cpu_ms (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
    return 0;
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
  gint64 growth;                /* bytes */
  gint64 level;                 /* RssAnon after the last trim, or -1 */
} RbMallocTrimmer;

/**
 * rb_malloc_should_trim:
 * @rss_anon: the anonymous resident memory now, bytes
 * @level: (inout): what it was after the last trim (-1: none yet)
 * @growth: bytes
 *
 * Returns: whether @rss_anon is @growth or more above @level (the first
 *   call only records @rss_anon).
 */
gboolean
rb_malloc_should_trim (gint64 rss_anon, gint64 * level, gint64 growth)
{
  if (rss_anon < 0)
    return FALSE;
  if (*level < 0 || rss_anon < *level) {
    *level = rss_anon;          /* the heap shrank by itself */
    return FALSE;
  }
  return rss_anon - *level >= growth;
}

static gboolean
rb_malloc_on_check (gpointer data)
{
  RbMallocTrimmer *t = data;
  gint64 t0, released;
  gdouble cpu0;

  if (!rb_malloc_should_trim (rb_malloc_rss_anon_bytes (), &t->level,
          t->growth))
    return G_SOURCE_CONTINUE;
  t0 = g_get_monotonic_time ();
  cpu0 = rb_malloc_thread_cpu_ms ();
  released = rb_malloc_trim ();
  t->level = rb_malloc_rss_anon_bytes ();
  g_debug ("malloc: %.1f MB given back to the system in %.1f ms (%.1f ms "
      "of CPU)", released / 1048576.0,
      (g_get_monotonic_time () - t0) / 1000.0,
      rb_malloc_thread_cpu_ms () - cpu0);
  return G_SOURCE_CONTINUE;
}

/**
 * rb_malloc_trim_add:
 * @interval_s: seconds between two checks
 * @growth: bytes
 *
 * Every @interval_s seconds, from the thread-default main context, calls
 * rb_malloc_trim() when the anonymous resident memory is @growth bytes or
 * more above what it was after the last trim: the trim's cost (it holds the
 * arenas' locks, tens of milliseconds of CPU) is paid only when the heap
 * has something to give back.
 *
 * Returns: the source's id, for g_source_remove()
 */
guint
rb_malloc_trim_add (guint interval_s, gint64 growth)
{
  RbMallocTrimmer *t = g_new (RbMallocTrimmer, 1);

  t->growth = growth;
  t->level = -1;
  return g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, interval_s,
      rb_malloc_on_check, t, g_free);
}
