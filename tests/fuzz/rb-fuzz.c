/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Helpers shared by the fuzz harnesses (see rb-fuzz.h). */

#include "rb-fuzz.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gchar *tmpdir;

static void
rb_fuzz_drop_log (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer data)
{
  /* a critical is a bug found: said, then abort() (not GLib's fatal
   * criticals, which raise SIGTRAP, a signal libFuzzer does not catch) */
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) {
    g_printerr ("%s: %s\n", domain ? domain : "", message);
    abort ();
  }
}

void
rb_fuzz_init (void)
{
  static gsize done;

  if (!g_once_init_enter (&done))
    return;
  g_log_set_default_handler (rb_fuzz_drop_log, NULL);
  g_once_init_leave (&done, 1);
}

void
rb_fuzz_empty_dir (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d)) != NULL) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_DIR)
        && !g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
      rb_fuzz_empty_dir (path);
      g_rmdir (path);
    } else {
      g_unlink (path);
    }
  }
  if (d)
    g_dir_close (d);
}

static void
rb_fuzz_remove_tmpdir (void)
{
  if (tmpdir != NULL) {
    rb_fuzz_empty_dir (tmpdir);
    g_rmdir (tmpdir);
    g_clear_pointer (&tmpdir, g_free);
  }
}

const gchar *
rb_fuzz_tmpdir (void)
{
  if (tmpdir == NULL) {
    const gchar *base = access ("/dev/shm", W_OK) == 0 ? "/dev/shm" :
        g_get_tmp_dir ();
    g_autofree gchar *tmpl = g_build_filename (base, "rb-fuzz-XXXXXX", NULL);

    tmpdir = g_mkdtemp (g_steal_pointer (&tmpl));
    if (tmpdir == NULL) {
      g_printerr ("rb-fuzz: cannot make a directory in %s\n", base);
      abort ();
    }
    atexit (rb_fuzz_remove_tmpdir);
  }
  return tmpdir;
}

void
rb_fuzz_assert_printable (const gchar * message)
{
  rb_fuzz_assert (message != NULL, "no message");
  rb_fuzz_assert (g_utf8_validate (message, -1, NULL), message);
  for (const guchar * p = (const guchar *) message; *p; p++)
    rb_fuzz_assert ((*p >= 0x20 && *p != 0x7f) || *p == '\n', message);
}
