/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The ONVIF users of a network and their UsernameTokens (see
 * rb-onvif-users.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-onvif-users.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWORD_DIGEST_TYPE "#PasswordDigest"
#define MAX_NONCE_BYTES 256
#define MAX_FIELD 1024

typedef struct {
  gchar *key;                   /* user "\n" nonce "\n" created */
  gchar *client;                /* the address it came from */
  gint64 first_us;              /* first accepted, wall clock */
  gint64 forget_us;             /* wall clock */
} RbOnvifToken;

struct _RbOnvifUsers {
  GHashTable *passwords;        /* user → password (wiped when freed) */
  gint64 window_us;
  guint max_tokens;

  GMutex lock;
  GHashTable *tokens;           /* key → RbOnvifToken *, protected by lock */
  GQueue order;                 /* RbOnvifToken *, oldest first, by lock */
};

static void
wipe_free (gpointer p)
{
  gchar *s = p;

  if (s != NULL) {
    memset (s, 0, strlen (s));
    g_free (s);
  }
}

static void
rb_onvif_token_free (RbOnvifToken * t)
{
  g_free (t->key);
  g_free (t->client);
  g_free (t);
}

void
rb_onvif_users_free (RbOnvifUsers * users)
{
  if (users == NULL)
    return;
  g_hash_table_unref (users->passwords);
  g_queue_clear (&users->order);
  g_hash_table_unref (users->tokens);
  g_mutex_clear (&users->lock);
  g_free (users);
}

/**
 * rb_onvif_users_load_from_data:
 * @data: the content of an onvif-users file
 * @length: its length, or -1 when NUL-terminated
 * @name: the file, for messages
 * @error: where to put an error
 *
 * Returns: (transfer full) (nullable): the users, or %NULL with @error set.
 */
RbOnvifUsers *
rb_onvif_users_load_from_data (const gchar * data, gssize length,
    const gchar * name, GError ** error)
{
  g_autoptr (RbOnvifUsers) users = NULL;
  gchar *copy;
  gchar **lines;

  g_return_val_if_fail (data != NULL && name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (data);
  if (!rb_users_check_text (data, length, name, error))
    return NULL;
  users = g_new0 (RbOnvifUsers, 1);
  users->passwords = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      wipe_free);
  users->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) rb_onvif_token_free);
  g_queue_init (&users->order);
  g_mutex_init (&users->lock);
  users->window_us = RB_ONVIF_CREATED_WINDOW_S * G_USEC_PER_SEC;
  users->max_tokens = RB_ONVIF_MAX_TOKENS;

  copy = g_strndup (data, length);
  lines = g_strsplit (copy, "\n", -1);
  wipe_free (copy);
  for (guint n = 0; lines[n]; n++) {
    gchar *line = lines[n];
    gsize len = strlen (line);
    const gchar *why = NULL;
    gchar *colon;

    if (len && line[len - 1] == '\r')
      line[--len] = '\0';
    /* leading blanks only: a password may end with a blank */
    while (*line == ' ' || *line == '\t')
      line++;
    if (*line == '\0' || *line == '#')
      continue;
    colon = strchr (line, ':');
    if (colon == NULL)
      why = "not user:password";
    else {
      *colon = '\0';
      if (!rb_users_is_name (line))
        why = "the user name is empty or not valid text";
      else if (!rb_users_is_name (colon + 1))
        why = "the password is empty or not valid text";
      else if (strlen (line) > MAX_FIELD || strlen (colon + 1) > MAX_FIELD)
        why = "the user name or password is longer than 1024 bytes";
      else if (g_hash_table_contains (users->passwords, line))
        why = "this user is given twice";
    }
    if (why != NULL) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "%s:%u: %s", name, n + 1, why);
      for (guint k = 0; lines[k]; k++)
        memset (lines[k], 0, strlen (lines[k]));
      g_strfreev (lines);
      return NULL;
    }
    g_hash_table_insert (users->passwords, g_strdup (line),
        g_strdup (colon + 1));
  }
  for (guint k = 0; lines[k]; k++)
    memset (lines[k], 0, strlen (lines[k]));
  g_strfreev (lines);
  if (g_hash_table_size (users->passwords) == 0) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "%s: no users", name);
    return NULL;
  }
  return g_steal_pointer (&users);
}

/**
 * rb_onvif_users_load:
 * @path: an onvif-users file
 * @error: where to put an error
 *
 * Returns: (transfer full) (nullable): the users, or %NULL with @error set
 * (see rb-onvif-users.h).
 */
RbOnvifUsers *
rb_onvif_users_load (const gchar * path, GError ** error)
{
  struct stat st;
  gchar *data;
  gssize n;
  gint fd, e;
  RbOnvifUsers *users;

  g_return_val_if_fail (path != NULL, NULL);

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || fstat (fd, &st) != 0) {
    e = errno;
    if (fd >= 0)
      close (fd);
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
        "%s: cannot read: %s", path, g_strerror (e));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: not a regular file", path);
    return NULL;
  }
  if ((st.st_mode & 077) != 0) {
    close (fd);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
        "%s: mode %04o gives access to group or others; it holds passwords "
        "(chmod 600 %s)", path, (guint) (st.st_mode & 07777), path);
    return NULL;
  }
  if (st.st_uid != geteuid () && st.st_uid != 0) {
    close (fd);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
        "%s: owned by uid %u, neither the daemon's user (uid %u) nor root",
        path, (guint) st.st_uid, (guint) geteuid ());
    return NULL;
  }
  if (st.st_size > RB_ONVIF_USERS_MAX_FILE) {
    close (fd);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: longer than %u bytes", path, RB_ONVIF_USERS_MAX_FILE);
    return NULL;
  }
  data = g_malloc (st.st_size + 1);
  n = 0;
  while (n < st.st_size) {
    gssize r = read (fd, data + n, st.st_size - n);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    n += r;
  }
  e = errno;
  close (fd);
  if (n != st.st_size) {
    memset (data, 0, st.st_size);
    g_free (data);
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
        "%s: cannot read: %s", path, n < 0 ? g_strerror (e) :
        "the file changed while read");
    return NULL;
  }
  users = rb_onvif_users_load_from_data (data, n, path, error);
  memset (data, 0, n);
  g_free (data);
  return users;
}

guint
rb_onvif_users_get_n_users (RbOnvifUsers * users)
{
  return g_hash_table_size (users->passwords);
}

static gchar *
ha1_of (const gchar * user, const gchar * realm, const gchar * password)
{
  g_autoptr (GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);

  g_checksum_update (md5, (const guchar *) user, strlen (user));
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) realm, strlen (realm));
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) password, strlen (password));
  return g_strdup (g_checksum_get_string (md5));
}

gboolean
rb_onvif_users_add_ha1 (RbOnvifUsers * users, RbUsers * to,
    const gchar * what, GError ** error)
{
  GHashTableIter iter;
  gpointer user, password;

  g_hash_table_iter_init (&iter, users->passwords);
  while (g_hash_table_iter_next (&iter, &user, &password)) {
    g_autofree gchar *ha1 = ha1_of (user, rb_users_get_realm (to), password);

    if (rb_users_lookup_ha1 (to, user) != NULL || !rb_users_add (to, user,
            ha1)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "user %s is both an ONVIF user and in the %s; give it one "
          "place", (const gchar *) user, what);
      return FALSE;
    }
  }
  return TRUE;
}

RbUsers *
rb_onvif_users_to_users (RbOnvifUsers * users, const gchar * realm)
{
  RbUsers *out = rb_users_new (realm);

  /* cannot fail: no user in out yet, and the file has each user once */
  rb_onvif_users_add_ha1 (users, out, "", NULL);
  return out;
}

/* Equal in a time that does not depend on where they differ. */
static gboolean
equal_ct (const gchar * a, const gchar * b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  for (gsize i = 0; i < la; i++)
    diff |= (guint8) a[i] ^ (guint8) b[i % MAX (lb, 1)];
  return diff == 0;
}

/* Forgets the tokens whose time has come (oldest first: they are
 * remembered for the same time each). Called with the lock. */
static void
rb_onvif_users_expire (RbOnvifUsers * users, gint64 now_us)
{
  RbOnvifToken *t;

  while ((t = g_queue_peek_head (&users->order)) != NULL
      && t->forget_us <= now_us) {
    g_queue_pop_head (&users->order);
    g_hash_table_remove (users->tokens, t->key);
  }
}

RbOnvifAuthResult
rb_onvif_users_check_token (RbOnvifUsers * users, const gchar * client,
    const gchar * user,
    const gchar * password_type, const gchar * password, const gchar * nonce,
    const gchar * created, gint64 now_us)
{
  g_autoptr (GDateTime) when = NULL;
  g_autoptr (GChecksum) sha1 = NULL;
  g_autofree guchar *nonce_bytes = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *key = NULL;
  const gchar *secret;
  guint8 digest[20];
  gsize nonce_len = 0, digest_len = sizeof digest;
  gint64 created_us;
  gboolean known;
  RbOnvifToken *t;

  if (user == NULL || password == NULL)
    return RB_ONVIF_AUTH_DENIED;
  if (password_type == NULL
      || !g_str_has_suffix (password_type, PASSWORD_DIGEST_TYPE)
      || nonce == NULL || created == NULL)
    return RB_ONVIF_AUTH_UNSUPPORTED;
  if (strlen (nonce) > MAX_NONCE_BYTES * 2 || strlen (created) > 64
      || strlen (password) > 64 || strlen (user) > MAX_FIELD)
    return RB_ONVIF_AUTH_DENIED;

  /* Created: an xs:dateTime with its zone, within the window */
  when = g_date_time_new_from_iso8601 (created, NULL);
  if (when == NULL)
    return RB_ONVIF_AUTH_DENIED;
  created_us = g_date_time_to_unix (when) * G_USEC_PER_SEC +
      g_date_time_get_microsecond (when);
  if (created_us < now_us - users->window_us
      || created_us > now_us + users->window_us)
    return RB_ONVIF_AUTH_EXPIRED;

  /* the nonce: base64 of 1 to MAX_NONCE_BYTES bytes */
  for (const gchar * p = nonce; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '='
        && *p != '\n' && *p != '\r' && *p != ' ')
      return RB_ONVIF_AUTH_DENIED;
  nonce_bytes = g_base64_decode (nonce, &nonce_len);
  if (nonce_len == 0 || nonce_len > MAX_NONCE_BYTES)
    return RB_ONVIF_AUTH_DENIED;

  /* the digest, also for an unknown user (with a password no one has) */
  secret = g_hash_table_lookup (users->passwords, user);
  known = secret != NULL;
  if (!known)
    secret = "\x01 no such user \x01";
  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, nonce_bytes, nonce_len);
  g_checksum_update (sha1, (const guchar *) created, strlen (created));
  g_checksum_update (sha1, (const guchar *) secret, strlen (secret));
  g_checksum_get_digest (sha1, digest, &digest_len);
  expected = g_base64_encode (digest, digest_len);
  if (!equal_ct (expected, password) || !known)
    return RB_ONVIF_AUTH_DENIED;

  /* once only (but for its own client, a moment) */
  if (client == NULL)
    client = "";
  key = g_strconcat (user, "\n", nonce, "\n", created, NULL);
  g_mutex_lock (&users->lock);
  rb_onvif_users_expire (users, now_us);
  t = g_hash_table_lookup (users->tokens, key);
  if (t != NULL) {
    gboolean ok = g_str_equal (t->client, client)
        && now_us - t->first_us <= RB_ONVIF_REUSE_S * G_USEC_PER_SEC
        && now_us >= t->first_us;

    g_mutex_unlock (&users->lock);
    return ok ? RB_ONVIF_AUTH_OK : RB_ONVIF_AUTH_REPLAYED;
  }
  if (g_hash_table_size (users->tokens) >= users->max_tokens) {
    g_mutex_unlock (&users->lock);
    return RB_ONVIF_AUTH_BUSY;
  }
  t = g_new0 (RbOnvifToken, 1);
  t->key = g_steal_pointer (&key);
  t->client = g_strdup (client);
  t->first_us = now_us;
  t->forget_us = now_us + 2 * users->window_us;
  g_hash_table_insert (users->tokens, t->key, t);
  g_queue_push_tail (&users->order, t);
  g_mutex_unlock (&users->lock);
  return RB_ONVIF_AUTH_OK;
}

const gchar *
rb_onvif_auth_result_describe (RbOnvifAuthResult result)
{
  switch (result) {
    case RB_ONVIF_AUTH_OK:
      return "accepted";
    case RB_ONVIF_AUTH_DENIED:
      return "wrong user name or password";
    case RB_ONVIF_AUTH_UNSUPPORTED:
      return "only a UsernameToken with PasswordDigest, Nonce and Created "
          "is accepted";
    case RB_ONVIF_AUTH_EXPIRED:
      return "the token's Created is outside the accepted window (check "
          "the client's clock, GetSystemDateAndTime)";
    case RB_ONVIF_AUTH_REPLAYED:
      return "this token was used before (replay)";
    case RB_ONVIF_AUTH_BUSY:
      return "too many tokens in the last minutes; try again later";
  }
  return "refused";
}

void
rb_onvif_users_set_limits (RbOnvifUsers * users, guint window_s,
    guint max_tokens)
{
  users->window_us = (gint64) window_s * G_USEC_PER_SEC;
  users->max_tokens = max_tokens;
}

guint
rb_onvif_users_get_n_tokens (RbOnvifUsers * users)
{
  guint n;

  g_mutex_lock (&users->lock);
  n = g_hash_table_size (users->tokens);
  g_mutex_unlock (&users->lock);
  return n;
}
