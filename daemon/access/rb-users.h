/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_USERS_H__
#define __RB_USERS_H__

#include <glib.h>

G_BEGIN_DECLS

/* RbUsers: the users of one network, read from a file in the format
 * Apache's htdigest writes: one "user:realm:HA1" per line, where HA1 is
 * md5hex(user:realm:password) (32 hex digits). Blank lines and lines whose
 * first non-blank character is '#' are ignored. No clear-text password is
 * ever read, and neither passwords nor hashes are ever printed. GLib only,
 * shared by RTSP (rb-rtsp-auth.c) and HTTP digest authentication.
 *
 * Errors of rb_users_load():
 *   G_FILE_ERROR (its code from errno): the file cannot be read;
 *     message "FILE: cannot read: why"
 *   G_KEY_FILE_ERROR_INVALID_VALUE: the content is wrong; message
 *     "FILE:LINE: what" (one line: the first problem), or "FILE: no users"
 *     for a file without any user line. A line is wrong when it is not
 *     three ':'-separated fields, the user or realm is empty, the realm
 *     holds a double quote or a backslash, the HA1 is not 32 hex digits,
 *     its realm differs from the first line's, or its user was already
 *     given; a NUL byte makes its line wrong (the file is not text). */
typedef struct _RbUsers RbUsers;

RbUsers *rb_users_load (const gchar * path, GError ** error);
/* FALSE, naming @name and the line, when @data holds a NUL byte: the one
 * check of the credentials files (users, onvif-users) for text. */
gboolean rb_users_check_text (const gchar * data, gsize length,
                              const gchar * name, GError ** error);
/* Whether @s is non-empty UTF-8 without control characters: the one rule
 * for names, realms and passwords of the credentials files. */
gboolean rb_users_is_name (const gchar * s);
/* The same on the file's content; @name stands for the file in messages.
 * A NUL byte is an error ("NAME:LINE: a NUL byte: not a text file"). */
RbUsers *rb_users_load_from_data (const gchar * data, gssize length,
                                  const gchar * name, GError ** error);
void rb_users_free (RbUsers * users);

/* An empty set of users of @realm, to be filled with rb_users_add(): the
 * users of another file (ONVIF's onvif-users, rb-onvif-users.h). */
RbUsers *rb_users_new (const gchar * realm);
/* Adds @user with @ha1 (32 hex digits); FALSE when @user is already
 * there (nothing changes then). */
gboolean rb_users_add (RbUsers * users, const gchar * user,
                       const gchar * ha1);

/* The realm of the file (all lines must share one realm; otherwise a load
 * error). */
const gchar *rb_users_get_realm (RbUsers * users);

/* HA1 = md5hex(user:realm:password) of @user, lower case, or NULL when
 * @user is unknown. Owned by @users. */
const gchar *rb_users_lookup_ha1 (RbUsers * users, const gchar * user);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbUsers, rb_users_free)

G_END_DECLS

#endif /* __RB_USERS_H__ */
