/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The users file of a network, in htdigest format (see rb-users.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-users.h"

#include <string.h>

#define HA1_LEN 32

struct _RbUsers {
  gchar *realm;
  GHashTable *ha1;              /* user → lower-case HA1 hex */
};

void
rb_users_free (RbUsers * users)
{
  if (users == NULL)
    return;
  g_free (users->realm);
  g_hash_table_unref (users->ha1);
  g_free (users);
}

static gboolean
is_ha1 (const gchar * s)
{
  gsize i;

  for (i = 0; s[i]; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return i == HA1_LEN;
}

/**
 * rb_users_is_name:
 * @s: a user name, realm or password read from a credentials file
 *
 * Returns: whether @s is non-empty UTF-8 without control characters.
 */
gboolean
rb_users_is_name (const gchar * s)
{
  if (*s == '\0' || !g_utf8_validate (s, -1, NULL))
    return FALSE;
  for (; *s; s++)
    if (g_ascii_iscntrl (*s))
      return FALSE;
  return TRUE;
}

/**
 * rb_users_load:
 * @path: an htdigest file
 * @error: return location for an error
 *
 * Reads and checks all of @path. Messages name the file and, for content
 * errors, the line; they never show a hash.
 *
 * Returns: (transfer full) (nullable): the users, or %NULL with @error set
 * in the G_FILE_ERROR domain (unreadable) or G_KEY_FILE_ERROR with code
 * G_KEY_FILE_ERROR_INVALID_VALUE (content, "FILE:LINE: what").
 */
RbUsers *
rb_users_load (const gchar * path, GError ** error)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *data = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &data, &length, &err)) {
    g_set_error (error, err->domain, err->code, "%s: cannot read: %s", path,
        err->message);
    return NULL;
  }
  return rb_users_load_from_data (data, length, path, error);
}

/**
 * rb_users_load_from_data:
 * @data: the content of an htdigest file
 * @length: its length, or -1 when it is NUL-terminated
 * @name: the file name used in messages
 * @error: return location for an error
 *
 * Like rb_users_load(), on @data (the fuzzers' entry point). A NUL byte is
 * an error of its line: the file is not text.
 *
 * Returns: (transfer full) (nullable): the users, or %NULL with @error set
 * (G_KEY_FILE_ERROR_INVALID_VALUE, "NAME:LINE: what").
 */
/**
 * rb_users_check_text:
 * @data: a credentials file's content
 * @length: its length in bytes
 * @name: the file, for messages
 * @error: return location for a #GError, or %NULL
 *
 * Returns: %FALSE, with a #G_KEY_FILE_ERROR_INVALID_VALUE naming the file
 *   and line ("NAME:LINE: a NUL byte: not a text file"), when @data holds
 *   a NUL byte.
 */
gboolean
rb_users_check_text (const gchar * data, gsize length, const gchar * name,
    GError ** error)
{
  const gchar *nul = memchr (data, '\0', length);
  guint n = 1;

  if (nul == NULL)
    return TRUE;
  for (const gchar * p = data; p < nul; p++)
    n += *p == '\n';
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
      "%s:%u: a NUL byte: not a text file", name, n);
  return FALSE;
}

RbUsers *
rb_users_load_from_data (const gchar * data, gssize length,
    const gchar * name, GError ** error)
{
  g_autoptr (RbUsers) users = NULL;
  g_autofree gchar *copy = NULL;
  g_auto (GStrv) lines = NULL;
  guint first_line = 0;

  g_return_val_if_fail (data != NULL && name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (data);
  if (!rb_users_check_text (data, length, name, error))
    return NULL;
  copy = g_strndup (data, length);
  users = g_new0 (RbUsers, 1);
  users->ha1 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  lines = g_strsplit (copy, "\n", -1);
  for (guint n = 0; lines[n]; n++) {
    gchar *line = lines[n];
    gsize len = strlen (line);
    g_auto (GStrv) fields = NULL;
    const gchar *why = NULL;

    if (len && line[len - 1] == '\r')
      line[--len] = '\0';
    g_strstrip (line);
    if (*line == '\0' || *line == '#')
      continue;
    fields = g_strsplit (line, ":", -1);
    if (g_strv_length (fields) != 3)
      why = "not user:realm:HA1";
    else if (!rb_users_is_name (fields[0]))
      why = "the user name is empty or not valid text";
    else if (!rb_users_is_name (fields[1]))
      why = "the realm is empty or not valid text";
    else if (strpbrk (fields[1], "\"\\") != NULL)
      why = "the realm must not hold '\"' or '\\' (it is sent quoted)";
    else if (!is_ha1 (fields[2]))
      why = "the HA1 must be 32 hex digits (md5 of user:realm:password)";
    else if (g_hash_table_contains (users->ha1, fields[0]))
      why = "this user is given twice";

    if (why != NULL) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "%s:%u: %s", name, n + 1, why);
      return NULL;
    }
    if (users->realm && !g_str_equal (users->realm, fields[1])) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "%s:%u: the realm differs from line %u's; all users of a file "
          "share one realm", name, n + 1, first_line);
      return NULL;
    }
    if (users->realm == NULL) {
      users->realm = g_strdup (fields[1]);
      first_line = n + 1;
    }
    g_hash_table_insert (users->ha1, g_strdup (fields[0]),
        g_ascii_strdown (fields[2], -1));
  }
  if (users->realm == NULL) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "%s: no users", name);
    return NULL;
  }
  return g_steal_pointer (&users);
}

/**
 * rb_users_new:
 * @realm: the realm of the users to come
 *
 * Returns: (transfer full): no users yet.
 */
RbUsers *
rb_users_new (const gchar * realm)
{
  RbUsers *users = g_new0 (RbUsers, 1);

  g_return_val_if_fail (realm != NULL, NULL);
  users->realm = g_strdup (realm);
  users->ha1 = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  return users;
}

/**
 * rb_users_add:
 * @users: users
 * @user: a user name
 * @ha1: md5hex(user:realm:password)
 *
 * Returns: %FALSE when @user is there already (or @ha1 is not 32 hex
 * digits), %TRUE when added.
 */
gboolean
rb_users_add (RbUsers * users, const gchar * user, const gchar * ha1)
{
  g_return_val_if_fail (users != NULL && user != NULL && ha1 != NULL, FALSE);
  if (!is_ha1 (ha1) || g_hash_table_contains (users->ha1, user))
    return FALSE;
  g_hash_table_insert (users->ha1, g_strdup (user), g_ascii_strdown (ha1,
          -1));
  return TRUE;
}

/**
 * rb_users_get_realm:
 * @users: users
 *
 * Returns: the realm all users of the file share.
 */
const gchar *
rb_users_get_realm (RbUsers * users)
{
  g_return_val_if_fail (users != NULL, NULL);
  return users->realm;
}

/**
 * rb_users_lookup_ha1:
 * @users: users
 * @user: a user name
 *
 * Returns: (nullable): md5hex(user:realm:password) of @user in lower case,
 * owned by @users, or %NULL when @user is unknown.
 */
const gchar *
rb_users_lookup_ha1 (RbUsers * users, const gchar * user)
{
  g_return_val_if_fail (users != NULL, NULL);
  if (user == NULL)
    return NULL;
  return g_hash_table_lookup (users->ha1, user);
}
