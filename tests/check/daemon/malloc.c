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

/* How the daemon's heap gives memory back (daemon/rb-malloc.c).
 * Arenas are process-wide and made once: every case runs in a child
 * process of its own, and compares with a child that does what the daemon
 * did before (nothing). */

#include <gst/check/gstcheck.h>

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rb-malloc.h"

#define N_THREADS 8

/* Runs @child in a new process; returns what it returned (0-255). */
static gint
run_child (gint (*child) (gpointer), gpointer data)
{
  pid_t pid = fork ();
  gint status;

  fail_unless (pid >= 0);
  if (pid == 0)
    _exit (child (data));
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* malloc's arenas (heaps in malloc_info's report) */
static gint
count_arenas (void)
{
  gchar *text = NULL;
  gsize len = 0;
  FILE *f = open_memstream (&text, &len);
  gint n = 0;

  malloc_info (0, f);
  fclose (f);
  for (const gchar * p = text; (p = strstr (p, "<heap nr=")); p++)
    n++;
  free (text);
  return n;
}

static GMutex gate_lock;
static GCond gate_cond;
static guint gate_waiting;

/* Each thread mallocs (taking an arena) and waits for the others, so all
 * of them hold their arena at once. */
static gpointer
allocating_thread (gpointer data)
{
  gpointer p = malloc (1000);

  g_mutex_lock (&gate_lock);
  gate_waiting++;
  g_cond_broadcast (&gate_cond);
  while (gate_waiting < N_THREADS)
    g_cond_wait (&gate_cond, &gate_lock);
  g_mutex_unlock (&gate_lock);
  free (p);
  return NULL;
}

/* Returns the number of arenas with N_THREADS threads allocating. */
static gint
arenas_child (gpointer configure)
{
  GThread *threads[N_THREADS];

  if (GPOINTER_TO_INT (configure) && rb_malloc_configure () !=
      RB_MALLOC_ARENA_MAX)
    return 255;
  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("alloc", allocating_thread, NULL);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  return count_arenas ();
}

GST_START_TEST (test_arenas_capped)
{
  gint before = run_child (arenas_child, GINT_TO_POINTER (FALSE));
  gint after = run_child (arenas_child, GINT_TO_POINTER (TRUE));

  GST_INFO ("%d threads: %d arenas by default, %d configured", N_THREADS,
      before, after);
  /* glibc's default: a new arena for each new thread, up to 8 per core */
  fail_unless (before > RB_MALLOC_ARENA_MAX, "%d arenas", before);
  fail_unless (after >= 1 && after <= RB_MALLOC_ARENA_MAX, "%d arenas", after);
}

GST_END_TEST;

static gint
environment_child (gpointer var)
{
  const gchar **kv = var;

  g_setenv (kv[0], kv[1], TRUE);
  return rb_malloc_configure ();
}

GST_START_TEST (test_environment_wins)
{
  const gchar *arena_max[] = { "MALLOC_ARENA_MAX", "4" };
  const gchar *tunables[] = { "GLIBC_TUNABLES",
    "glibc.malloc.check=0:glibc.malloc.arena_max=4"
  };
  const gchar *other[] = { "GLIBC_TUNABLES", "glibc.malloc.check=0" };

  fail_unless_equals_int (run_child (environment_child, arena_max), 0);
  fail_unless_equals_int (run_child (environment_child, tunables), 0);
  fail_unless_equals_int (run_child (environment_child, other),
      RB_MALLOC_ARENA_MAX);
}

GST_END_TEST;

#define BLOCK (16 * 1024)
#define N_BLOCKS 4096           /* 64 MiB */
#define MIB (1024 * 1024)

/* A thread's arena left fragmented: 64 MiB allocated in 16 KiB blocks,
 * then all freed but every eighth, so that no free space is at the top of
 * the arena (which malloc would give back by itself). */
static gpointer
fragmenting_thread (gpointer data)
{
  gpointer *blocks = g_new (gpointer, N_BLOCKS);

  for (guint i = 0; i < N_BLOCKS; i++) {
    blocks[i] = malloc (BLOCK);
    memset (blocks[i], 1, BLOCK);       /* resident */
  }
  for (guint i = 0; i < N_BLOCKS; i++)
    if (i % 8 != 7)
      free (blocks[i]);
  return blocks;                /* the kept blocks stay allocated */
}

/* Returns the MiB that were freed and stayed resident (held by malloc),
 * and after rb_malloc_trim() when @trim. */
static gint
trim_child (gpointer trim)
{
  gint64 start = rb_malloc_rss_anon_bytes (), end, released = 0;
  GThread *t = g_thread_new ("fragment", fragmenting_thread, NULL);

  g_thread_join (t);
  if (GPOINTER_TO_INT (trim))
    released = rb_malloc_trim ();
  end = rb_malloc_rss_anon_bytes ();
  if (start < 0 || end < 0)
    return 255;
  if (GPOINTER_TO_INT (trim) && released < (end - start) / 2)
    return 254;                 /* rb_malloc_trim() misreports */
  /* 8 MiB stay allocated */
  return CLAMP ((end - start) / MIB - 8, 0, 200);
}

GST_START_TEST (test_trim_gives_back)
{
  gint kept = run_child (trim_child, GINT_TO_POINTER (FALSE));
  gint trimmed = run_child (trim_child, GINT_TO_POINTER (TRUE));

  GST_INFO ("56 MiB freed: %d MiB stay resident, %d after a trim", kept,
      trimmed);
  fail_unless (kept < 254 && trimmed < 254, "%d %d", kept, trimmed);
  /* malloc by itself keeps what was freed in the middle of an arena */
  fail_unless (kept >= 40, "%d MiB", kept);
  /* the trim gives (nearly) all of it back */
  fail_unless (trimmed <= 8, "%d MiB", trimmed);
}

GST_END_TEST;

/* When the daemon trims: its heap grew by RB_MALLOC_TRIM_GROWTH since the
 * last trim (the first check only records where it is). */
GST_START_TEST (test_should_trim)
{
  const gint64 g = 64 * MIB;
  gint64 level = -1;

  fail_if (rb_malloc_should_trim (-1, &level, g));      /* unreadable */
  fail_unless_equals_int64 (level, -1);
  fail_if (rb_malloc_should_trim (100 * MIB, &level, g));
  fail_unless_equals_int64 (level, 100 * MIB);
  fail_if (rb_malloc_should_trim (163 * MIB, &level, g));
  fail_unless (rb_malloc_should_trim (164 * MIB, &level, g));
  /* the caller sets @level after its trim; shrinking by itself lowers it */
  fail_if (rb_malloc_should_trim (80 * MIB, &level, g));
  fail_unless_equals_int64 (level, 80 * MIB);
  fail_unless (rb_malloc_should_trim (150 * MIB, &level, g));
}

GST_END_TEST;

static Suite *
malloc_suite (void)
{
  Suite *s = suite_create ("malloc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_arenas_capped);
  tcase_add_test (tc, test_environment_wins);
  tcase_add_test (tc, test_trim_gives_back);
  tcase_add_test (tc, test_should_trim);
  return s;
}

GST_CHECK_MAIN (malloc);
