/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_FUZZ_CONFIG_H__
#define __RB_FUZZ_CONFIG_H__

#include <glib.h>

G_BEGIN_DECLS

/* Loads @text (@length bytes) as a config with the stand-in [headblur]
 * schema and checks what must hold for any input (issue 16): either a
 * config or an error, never both; every message printable (no control
 * byte, valid UTF-8) and every syntax error naming its line; a loaded
 * config's values in their documented ranges, and its [headblur] values
 * applied without a warning. Inputs holding "/dev", "/proc", "/sys" or
 * "/run" are skipped: a users= or tls-key= of /dev/zero or a FIFO would
 * read forever or block. */
void rb_fuzz_config_check (const gchar * text, gsize length);

G_END_DECLS

#endif /* __RB_FUZZ_CONFIG_H__ */
