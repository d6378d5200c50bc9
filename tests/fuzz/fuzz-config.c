/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target config: the whole config loader (launcher/rb-config.c, the
 * file an operator writes; values checked by lib/rb-zones and
 * launcher/rb-users too), through rb_config_load_from_data().
 *
 * Input: a config file. The [headblur] schema is a stand-in class with
 * the element's properties (rb-fuzz-headblur.c): the real element would
 * load GStreamer and OpenCV into the fuzzer. Checks: rb-fuzz-config.h. */

#include "rb-fuzz.h"
#include "rb-fuzz-config.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  rb_fuzz_config_check ((const gchar *) data, size);
  return 0;
}
