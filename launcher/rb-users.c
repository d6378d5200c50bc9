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

/* htdigest users files (see rb-users.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-users.h"

#include <gio/gio.h>
#include <string.h>

struct _RbUsers {
  gchar *realm;
  GHashTable *ha1;              /* user → HA1 hex */
};

static gboolean
is_md5_hex (const gchar * s)
{
  if (strlen (s) != 32)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isxdigit (*s))
      return FALSE;
  return TRUE;
}

RbUsers *
rb_users_load (const gchar * path, GError ** error)
{
  g_autofree gchar *data = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (RbUsers) users = g_new0 (RbUsers, 1);

  users->ha1 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  if (!g_file_get_contents (path, &data, NULL, error))
    return NULL;
  lines = g_strsplit (data, "\n", -1);
  for (guint n = 0; lines[n]; n++) {
    gchar *line = g_strstrip (lines[n]);
    g_auto (GStrv) f = NULL;

    if (*line == '\0' || *line == '#')
      continue;
    f = g_strsplit (line, ":", -1);
    if (g_strv_length (f) != 3 || *f[0] == '\0' || *f[1] == '\0'
        || !is_md5_hex (f[2])) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "%s:%u: not a htdigest line user:realm:md5-hex", path, n + 1);
      return NULL;
    }
    if (users->realm == NULL)
      users->realm = g_strdup (f[1]);
    else if (!g_str_equal (users->realm, f[1])) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "%s:%u: realm '%s' differs from '%s' (one realm per file)", path,
          n + 1, f[1], users->realm);
      return NULL;
    }
    if (g_hash_table_contains (users->ha1, f[0])) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "%s:%u: user '%s' given twice", path, n + 1, f[0]);
      return NULL;
    }
    g_hash_table_insert (users->ha1, g_strdup (f[0]),
        g_ascii_strdown (f[2], -1));
  }
  if (users->realm == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "%s: no users in the file", path);
    return NULL;
  }
  return g_steal_pointer (&users);
}

void
rb_users_free (RbUsers * users)
{
  if (users == NULL)
    return;
  g_clear_pointer (&users->ha1, g_hash_table_unref);
  g_free (users->realm);
  g_free (users);
}

const gchar *
rb_users_get_realm (RbUsers * users)
{
  return users->realm;
}

const gchar *
rb_users_lookup_ha1 (RbUsers * users, const gchar * user)
{
  return g_hash_table_lookup (users->ha1, user);
}
