/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_FUZZ_H__
#define __RB_FUZZ_H__

/* What every harness of tests/fuzz shares. A harness defines the two
 * libFuzzer entry points below; the same file is linked either with
 * libFuzzer (clang, -Dfuzzing=true: fuzz-TARGET) or with replay.c (any
 * compiler, the normal build: fuzz-replay-TARGET, which runs the committed
 * corpus and regression inputs through the entry point in meson test). */

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* Once per process: messages and warnings of the code under test are
 * dropped (they are expected on bad input and would slow the fuzzer down),
 * criticals abort (a g_return_if_fail() hit is a bug found). */
void rb_fuzz_init (void);

/* A fresh directory for the process, on tmpfs (/dev/shm) when there is
 * one: the harnesses that need files write there, fsync included. Removed
 * at exit. */
const gchar *rb_fuzz_tmpdir (void);

/* Removes everything inside @dir (not @dir). */
void rb_fuzz_empty_dir (const gchar * dir);

/* Aborts unless @message (an error message meant for a terminal) is one or
 * more lines without any control byte or invalid UTF-8 (issue 16). */
void rb_fuzz_assert_printable (const gchar * message);

/* Aborts with @what printed when @condition is false: a property of the
 * code under test that the input broke. Unlike g_assert() it is never
 * compiled out. */
#define rb_fuzz_assert(condition, what) G_STMT_START {                    \
    if (G_UNLIKELY (!(condition))) {                                      \
      g_printerr ("%s:%d: property broken: %s (%s)\n", __FILE__,          \
          __LINE__, #condition, what);                                    \
      abort ();                                                           \
    }                                                                     \
  } G_STMT_END

G_END_DECLS

#endif /* __RB_FUZZ_H__ */
