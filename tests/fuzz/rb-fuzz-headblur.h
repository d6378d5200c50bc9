/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_FUZZ_HEADBLUR_H__
#define __RB_FUZZ_HEADBLUR_H__

#include <glib-object.h>

G_BEGIN_DECLS

/* A stand-in for the headblur element's class, the schema of the config's
 * [headblur] group (rb_config_load()'s @headblur_class): the real element
 * needs GStreamer and OpenCV, which a fuzzer of the config loader should
 * not load (their code is not what is fuzzed, and it would slow every run
 * down). It installs the element's properties under the same names, types,
 * ranges, flags and "Path..." blurbs (as gst-inspect-1.0 headblur shows
 * them today), plus one property of each kind the loader handles that the
 * element lacks (float, 64-bit signed, construct-only, deprecated, a type
 * the config cannot set), so that every branch of the loader's
 * GParamSpec-driven parser is reachable. Setting a property stores
 * nothing. */
GObjectClass *rb_fuzz_headblur_class (void);

G_END_DECLS

#endif /* __RB_FUZZ_HEADBLUR_H__ */
