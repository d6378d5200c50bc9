/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target users: the htdigest users file of a network
 * (launcher/rb-users.c, read from disk at start), through
 * rb_users_load_from_data().
 *
 * Input: the file. Checks: an error names the file and a line (or says
 * "no users") and never shows a hash (a 32-hex-digit run of the input);
 * a loaded file has a realm without '"' or '\', and every user of a valid
 * line is found with its HA1 in lower case. */

#include "rb-fuzz.h"
#include "rb-users.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  return 0;
}

/* The first user:realm:HA1 line of @text with a 32 hex digit HA1, or
 * NULL. */
static gchar **
first_user (const gchar * text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++) {
    gchar **f;

    g_strstrip (lines[i]);
    if (lines[i][0] == '#' || lines[i][0] == '\0')
      continue;
    f = g_strsplit (lines[i], ":", -1);
    if (g_strv_length (f) == 3)
      return f;
    g_strfreev (f);
    return NULL;
  }
  return NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbUsers) users = NULL;

  users = rb_users_load_from_data ((const gchar *) data, size, "fuzz.htdigest",
      &err);
  rb_fuzz_assert ((users == NULL) != (err == NULL), "result and error");
  if (users == NULL) {
    rb_fuzz_assert (g_str_has_prefix (err->message, "fuzz.htdigest:"),
        err->message);
    /* the reasons are ours: no text of the file in them */
    rb_fuzz_assert (strlen (err->message) < 200, err->message);
    return 0;
  }
  {
    const gchar *realm = rb_users_get_realm (users);
    g_autofree gchar *text = g_strndup ((const gchar *) data, size);
    g_auto (GStrv) f = first_user (text);

    rb_fuzz_assert (realm != NULL && *realm != '\0', "realm");
    rb_fuzz_assert (strpbrk (realm, "\"\\") == NULL, realm);
    rb_fuzz_assert (rb_users_lookup_ha1 (users, NULL) == NULL, "NULL user");
    if (f != NULL) {
      const gchar *ha1 = rb_users_lookup_ha1 (users, f[0]);
      g_autofree gchar *lower = g_ascii_strdown (f[2], -1);

      rb_fuzz_assert (g_strcmp0 (realm, f[1]) == 0, realm);
      rb_fuzz_assert (g_strcmp0 (ha1, lower) == 0, f[0]);
    }
  }
  return 0;
}
