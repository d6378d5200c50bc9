/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_ONVIF_USERS_H__
#define __RB_ONVIF_USERS_H__

#include <glib.h>
#include "rb-users.h"

G_BEGIN_DECLS

/* RbOnvifUsers: the ONVIF users of one network (onvif-users=), and the
 * check of their WS-Security UsernameToken. GLib only.
 *
 * The file holds one "user:password" line per user (the password is what
 * follows the first ':', up to the end of the line; blank lines and lines
 * whose first non-blank character is '#' are ignored). It holds the
 * passwords themselves, because a PasswordDigest is SHA-1 (nonce + created
 * + password) and cannot be checked from a hash: it is refused when its
 * mode gives any right to group or others, or when it is owned neither by
 * the daemon's user nor by root. Passwords are never printed (messages
 * name the file and a line number only) and are wiped when freed.
 *
 * UsernameToken (OASIS WSS UsernameToken Profile 1.0, as ONVIF core 5.12
 * asks): only Type=...#PasswordDigest is accepted, with a Nonce (base64,
 * 1 to 256 bytes) and a Created (xs:dateTime with a time zone). A
 * PasswordText token is refused (a clear password in every request), also
 * over TLS. It is accepted when:
 *   - Created is within RB_ONVIF_CREATED_WINDOW_S (300 s) of our clock,
 *     either way (the client is expected to use GetSystemDateAndTime,
 *     which needs no credentials, to correct its clock);
 *   - the digest is right (compared in a time independent of where it
 *     differs; an unknown user costs the same as a known one);
 *   - the token (its user, Nonce and Created) was not accepted before,
 *     except from the same @client (address) within RB_ONVIF_REUSE_S of
 *     its first use: accepted tokens are remembered for
 *     2 * RB_ONVIF_CREATED_WINDOW_S, long enough for their Created to leave
 *     the window, so a captured token is refused for good from any other
 *     address, and after those seconds from any. The exception is for
 *     libonvif 1.4 (Debian 12's onvif-util), which seeds rand() with
 *     time(NULL) before every token: its Nonce repeats within a second,
 *     and its requests within the same millisecond (GetProfiles asked
 *     again for each index, then GetProfile) carry byte-identical tokens.
 *   - The table holds at most RB_ONVIF_MAX_TOKENS tokens. When it is full
 *     of tokens still inside their window, new tokens are refused
 *     (RB_ONVIF_AUTH_BUSY) rather than forgetting one that could then be
 *     replayed. Only authenticated tokens enter the table, so filling it
 *     needs the password.
 *
 * Each user also gets an HA1 = md5hex(user:REALM:password) for HTTP
 * digest (rb_onvif_users_add_ha1()), so that a VMS may use the same
 * credentials on the network's RTSP, HLS, snapshots and /onvif/ paths.
 * Thread-safe. */
typedef struct _RbOnvifUsers RbOnvifUsers;

#define RB_ONVIF_CREATED_WINDOW_S 300
#define RB_ONVIF_MAX_TOKENS 16384
#define RB_ONVIF_REUSE_S 2
/* The longest onvif-users file read. */
#define RB_ONVIF_USERS_MAX_FILE (1024 * 1024)

typedef enum {
  RB_ONVIF_AUTH_OK,
  RB_ONVIF_AUTH_DENIED,         /* unknown user, wrong password, malformed */
  RB_ONVIF_AUTH_UNSUPPORTED,    /* PasswordText, or no nonce or created */
  RB_ONVIF_AUTH_EXPIRED,        /* Created outside the window */
  RB_ONVIF_AUTH_REPLAYED,       /* this token was accepted before */
  RB_ONVIF_AUTH_BUSY,           /* the table of tokens is full */
} RbOnvifAuthResult;

/* Errors: G_FILE_ERROR (cannot read, "FILE: cannot read: why"; a mode or
 * owner that is refused, "FILE: mode 0644 gives access to group or others
 * (chmod 600 FILE)", "FILE: owned by uid N, neither the daemon's user
 * (uid M) nor root"), G_KEY_FILE_ERROR_INVALID_VALUE for the content
 * ("FILE:LINE: what", "FILE: no users"). */
RbOnvifUsers *rb_onvif_users_load (const gchar * path, GError ** error);
/* The same on the content (no mode check); @name stands for the file. */
RbOnvifUsers *rb_onvif_users_load_from_data (const gchar * data,
                                             gssize length,
                                             const gchar * name,
                                             GError ** error);
void rb_onvif_users_free (RbOnvifUsers * users);

guint rb_onvif_users_get_n_users (RbOnvifUsers * users);

/* Adds each user, with its HA1 in the realm of @to, to @to. Fails when a
 * user is in @to already (the message names the user and @what, as
 * "users file /etc/rtsp-blur/a.htdigest"). */
gboolean rb_onvif_users_add_ha1 (RbOnvifUsers * users, RbUsers * to,
                                 const gchar * what, GError ** error);
/* A new RbUsers of @realm holding only the ONVIF users (their HA1). */
RbUsers *rb_onvif_users_to_users (RbOnvifUsers * users, const gchar * realm);

/* Checks a UsernameToken: @password_type is the Type attribute of its
 * Password (NULL: none, which means PasswordText), @password, @nonce
 * (base64) and @created its texts (NULL when absent). @client: the
 * client's address (see above). @now_us is the wall clock
 * (g_get_real_time()). */
RbOnvifAuthResult rb_onvif_users_check_token (RbOnvifUsers * users,
                                              const gchar * client,
                                              const gchar * user,
                                              const gchar * password_type,
                                              const gchar * password,
                                              const gchar * nonce,
                                              const gchar * created,
                                              gint64 now_us);

/* A short English reason for @result ("Created is outside the accepted
 * window"), for logs and SOAP faults. */
const gchar *rb_onvif_auth_result_describe (RbOnvifAuthResult result);

/* For tests: the window and the table's bound. */
void rb_onvif_users_set_limits (RbOnvifUsers * users, guint window_s,
                                guint max_tokens);
guint rb_onvif_users_get_n_tokens (RbOnvifUsers * users);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbOnvifUsers, rb_onvif_users_free)

G_END_DECLS

#endif /* __RB_ONVIF_USERS_H__ */
