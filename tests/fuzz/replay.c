/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The replay runner of a fuzz harness: built with the normal
 * compiler and linked with one harness as fuzz-replay-TARGET, it runs
 * every file of the directories (or the files) given on the command line
 * through LLVMFuzzerTestOneInput(), as the fuzzer would. meson test runs
 * it on tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET: an
 * input that once crashed the harness stays a test in every build, the
 * AddressSanitizer one included. A missing directory holds no input; no
 * input at all is a failure (the corpus is committed). */

#include "rb-fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

static gboolean
replay_file (const gchar * path)
{
  g_autofree gchar *data = NULL;
  g_autofree guint8 *exact = NULL;
  g_autoptr (GError) err = NULL;
  gsize length;

  if (!g_file_get_contents (path, &data, &length, &err)) {
    g_printerr ("replay: %s\n", err->message);
    return FALSE;
  }
  g_print ("replay: %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  /* in a buffer of exactly its size, as the fuzzer passes it (the file's
   * contents end with a NUL the harness must not rely on): AddressSanitizer
   * sees a read past its end */
  exact = g_malloc (MAX (length, 1));
  memcpy (exact, data, length);
  LLVMFuzzerTestOneInput (exact, length);
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint n = 0;
  gboolean ok = TRUE;

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++) {
    g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
    GDir *d;
    const gchar *name;

    if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      if (g_file_test (argv[i], G_FILE_TEST_EXISTS)) {
        ok &= replay_file (argv[i]);
        n++;
      } else {
        g_print ("replay: %s: none\n", argv[i]);
      }
      continue;
    }
    d = g_dir_open (argv[i], 0, NULL);
    while (d && (name = g_dir_read_name (d)) != NULL)
      if (name[0] != '.')
        g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
    if (d)
      g_dir_close (d);
    g_ptr_array_sort (names, compare_names);
    for (guint j = 0; j < names->len; j++) {
      ok &= replay_file (g_ptr_array_index (names, j));
      n++;
    }
  }
  g_print ("replay: %u inputs\n", n);
  if (n == 0) {
    g_printerr ("replay: no input at all\n");
    return 1;
  }
  return ok ? 0 : 1;
}
