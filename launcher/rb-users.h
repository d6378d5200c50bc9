/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_USERS_H__
#define __RB_USERS_H__

#include <glib.h>

G_BEGIN_DECLS

/* RbUsers: a users file in Apache's htdigest format, one
 * "user:realm:HA1" per line, HA1 = md5 ("user:realm:password") in lower
 * case hex, so no password is stored in clear. One realm per file. Blank
 * lines and lines starting with '#' are skipped. GLib only. */
typedef struct _RbUsers RbUsers;

/* Fails in G_FILE_ERROR when @path cannot be read, and with
 * G_IO_ERROR_INVALID_DATA "PATH:LINE: what" for a malformed line, a
 * second realm, a user given twice or an empty file. */
RbUsers *rb_users_load (const gchar * path, GError ** error);
void rb_users_free (RbUsers * users);
const gchar *rb_users_get_realm (RbUsers * users);
/* The HA1 hex of @user, or NULL: unknown user. */
const gchar *rb_users_lookup_ha1 (RbUsers * users, const gchar * user);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbUsers, rb_users_free)

G_END_DECLS

#endif /* __RB_USERS_H__ */
