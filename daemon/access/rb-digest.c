/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Digest and Basic credentials of one listener, replay-safe (see
 * rb-digest.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-digest.h"

#include <string.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#define HEX_MD5_LEN 32
#define NONCE_LEN 32
#define MAX_PARAMS 32
#define KEY_LEN 32

/* One nonce we issued. */
typedef struct {
  gchar nonce[NONCE_LEN + 1];   /* the key in RbDigest.nonces */
  gint64 issued_us;             /* on RbDigest's clock */
  guint64 connection;           /* the connection it was issued on */
  guint32 nc;                   /* highest nc accepted, 0: none yet */
  gboolean bound;               /* authenticated on its connection */
  GList link;                   /* in RbDigest.pending or .bound */
} RbNonce;

struct _RbDigest {
  gatomicrefcount refcount;
  RbUsers *users;
  RbDigestSchemes schemes;
  guint8 key[KEY_LEN];          /* of the nonces, random per process */
  gint64 (*now) (gpointer);
  gpointer now_data;
  gint64 lifetime_us;
  guint max_nonces;

  GMutex lock;
  guint64 issued;               /* nonces issued so far, protected by lock */
  guint64 connections;          /* ids given so far, protected by lock */
  GHashTable *nonces;           /* nonce → RbNonce *, protected by lock */
  GQueue pending;               /* not bound, oldest first, protected by lock */
  GQueue bound;                 /* bound, oldest first, protected by lock */
  GHashTable *by_connection;    /* &connection → its bound RbNonce *, lock */
};

/* ---- parsing ---- */

void
rb_digest_credentials_free (RbDigestCredentials * c)
{
  if (c == NULL)
    return;
  g_clear_pointer (&c->params, g_hash_table_unref);
  g_free (c->user);
  if (c->password != NULL) {
    memset (c->password, 0, strlen (c->password));
    g_free (c->password);
  }
  g_free (c);
}

/* RFC 9110 tchar */
static gboolean
is_tchar (gchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~",
          c) != NULL);
}

static gboolean
is_ctl (gchar c)
{
  return ((guchar) c < 0x20 && c != '\t') || c == 0x7f;
}

static const gchar *
skip_ows (const gchar * p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* The scheme at the start of @value (a token), in *@scheme_len; NULL when
 * there is none. */
static const gchar *
scan_scheme (const gchar * value, gsize * scheme_len)
{
  const gchar *p = skip_ows (value), *start = p;

  while (is_tchar (*p))
    p++;
  *scheme_len = p - start;
  return p > start ? start : NULL;
}

/* Digest auth-params after the scheme; NULL when malformed. */
static GHashTable *
parse_params (const gchar * p)
{
  g_autoptr (GHashTable) params = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  g_autoptr (GString) value = g_string_new (NULL);

  for (;;) {
    const gchar *start;
    gchar *name;

    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    if (*p == '\0')
      break;
    start = p;
    while (is_tchar (*p))
      p++;
    if (p == start)
      return NULL;
    name = g_ascii_strdown (start, p - start);
    p = skip_ows (p);
    if (*p != '=' || g_hash_table_contains (params, name)
        || g_hash_table_size (params) >= MAX_PARAMS) {
      g_free (name);
      return NULL;
    }
    p = skip_ows (p + 1);
    g_string_truncate (value, 0);
    if (*p == '"') {
      for (p++; *p != '"'; p++) {
        if (*p == '\\')
          p++;
        if (*p == '\0' || is_ctl (*p)) {
          g_free (name);
          return NULL;
        }
        g_string_append_c (value, *p);
      }
      p++;
    } else {
      start = p;
      while (is_tchar (*p))
        p++;
      if (p == start) {
        g_free (name);
        return NULL;
      }
      g_string_append_len (value, start, p - start);
    }
    if (!g_utf8_validate (value->str, value->len, NULL)) {
      g_free (name);
      return NULL;
    }
    g_hash_table_insert (params, name, g_strdup (value->str));
    p = skip_ows (p);
    if (*p != ',' && *p != '\0')
      return NULL;
  }
  if (g_hash_table_size (params) == 0)
    return NULL;
  return g_steal_pointer (&params);
}

/* Basic token68 after the scheme; FALSE when malformed. */
static gboolean
parse_basic (const gchar * p, RbDigestCredentials * c)
{
  const gchar *start = p;
  g_autofree guchar *decoded = NULL;
  gsize len, n;
  const gchar *colon;

  while (g_ascii_isalnum (*p) || *p == '+' || *p == '/')
    p++;
  while (*p == '=')
    p++;
  n = p - start;
  if (n == 0 || *skip_ows (p) != '\0')
    return FALSE;
  {
    g_autofree gchar *token = g_strndup (start, n);

    decoded = g_base64_decode (token, &len);
  }
  /* no NUL or other control characters, UTF-8, a colon */
  for (gsize i = 0; i < len; i++)
    if (decoded[i] == '\0' || is_ctl ((gchar) decoded[i])
        || decoded[i] == '\t') {
      memset (decoded, 0, len);
      return FALSE;
    }
  colon = memchr (decoded, ':', len);
  if (colon == NULL || !g_utf8_validate ((const gchar *) decoded, len, NULL)) {
    memset (decoded, 0, len);
    return FALSE;
  }
  c->user = g_strndup ((const gchar *) decoded, colon - (gchar *) decoded);
  c->password = g_strndup (colon + 1, len - (colon + 1 - (gchar *) decoded));
  memset (decoded, 0, len);
  return TRUE;
}

/* Parses @value; *@scheme gets the scheme it names when it is Digest or
 * Basic (0 otherwise), also when the rest is malformed (NULL returned). */
static RbDigestCredentials *
parse_full (const gchar * value, RbDigestSchemes * scheme)
{
  const gchar *name, *rest;
  gsize len;
  g_autoptr (RbDigestCredentials) c = NULL;

  *scheme = 0;
  if (value == NULL || (name = scan_scheme (value, &len)) == NULL)
    return NULL;
  if (len == 6 && g_ascii_strncasecmp (name, "Digest", 6) == 0)
    *scheme = RB_DIGEST_SCHEME_DIGEST;
  else if (len == 5 && g_ascii_strncasecmp (name, "Basic", 5) == 0)
    *scheme = RB_DIGEST_SCHEME_BASIC;
  else
    return NULL;
  if (strnlen (value, RB_DIGEST_MAX_HEADER + 1) > RB_DIGEST_MAX_HEADER)
    return NULL;
  rest = name + len;
  if (*rest != ' ' && *rest != '\t')
    return NULL;
  rest = skip_ows (rest);
  c = g_new0 (RbDigestCredentials, 1);
  c->scheme = *scheme;
  if (*scheme == RB_DIGEST_SCHEME_DIGEST) {
    c->params = parse_params (rest);
    if (c->params == NULL)
      return NULL;
  } else if (!parse_basic (rest, c)) {
    return NULL;
  }
  return g_steal_pointer (&c);
}

/**
 * rb_digest_credentials_parse:
 * @value: an Authorization header value
 *
 * Returns: (transfer full) (nullable): its scheme and parameters, or NULL
 * when it is malformed or neither Digest nor Basic
 */
RbDigestCredentials *
rb_digest_credentials_parse (const gchar * value)
{
  RbDigestSchemes scheme;

  return parse_full (value, &scheme);
}

/* ---- the listener's state ---- */

static gint64
default_now (gpointer data)
{
  return g_get_monotonic_time ();
}

static void
fill_key (guint8 * key)
{
  gsize got = 0;

#ifdef __linux__
  while (got < KEY_LEN) {
    ssize_t n = getrandom (key + got, KEY_LEN - got, 0);

    if (n <= 0)
      break;
    got += n;
  }
#endif
  /* without getrandom (never on Debian): GLib's generator, seeded from
   * /dev/urandom */
  for (; got < KEY_LEN; got++)
    key[got] = g_random_int () & 0xff;
}

/**
 * rb_digest_new:
 * @users: (transfer full): the listener's users
 * @schemes: the schemes the listener accepts
 *
 * Returns: (transfer full): the credential check of one listener
 */
RbDigest *
rb_digest_new (RbUsers * users, RbDigestSchemes schemes)
{
  RbDigest *d = g_new0 (RbDigest, 1);

  g_atomic_ref_count_init (&d->refcount);
  d->users = users;
  d->schemes = schemes;
  fill_key (d->key);
  d->now = default_now;
  d->lifetime_us = RB_DIGEST_NONCE_LIFETIME_S * G_USEC_PER_SEC;
  d->max_nonces = RB_DIGEST_MAX_NONCES;
  g_mutex_init (&d->lock);
  d->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_queue_init (&d->pending);
  g_queue_init (&d->bound);
  d->by_connection = g_hash_table_new (g_int64_hash, g_int64_equal);
  return d;
}

RbDigest *
rb_digest_ref (RbDigest * d)
{
  g_atomic_ref_count_inc (&d->refcount);
  return d;
}

void
rb_digest_unref (RbDigest * d)
{
  if (d == NULL || !g_atomic_ref_count_dec (&d->refcount))
    return;
  g_hash_table_unref (d->by_connection);
  g_hash_table_unref (d->nonces);       /* frees the RbNonces */
  g_mutex_clear (&d->lock);
  rb_users_free (d->users);
  memset (d->key, 0, sizeof d->key);
  g_free (d);
}

const gchar *
rb_digest_get_realm (RbDigest * d)
{
  return rb_users_get_realm (d->users);
}

void
rb_digest_set_clock (RbDigest * d, gint64 (*now) (gpointer), gpointer data)
{
  d->now = now ? now : default_now;
  d->now_data = data;
}

void
rb_digest_set_limits (RbDigest * d, guint lifetime_s, guint max_nonces)
{
  g_mutex_lock (&d->lock);
  d->lifetime_us = (gint64) lifetime_s *G_USEC_PER_SEC;
  d->max_nonces = MAX (max_nonces, 1);
  g_mutex_unlock (&d->lock);
}

guint
rb_digest_get_n_nonces (RbDigest * d)
{
  guint n;

  g_mutex_lock (&d->lock);
  n = g_hash_table_size (d->nonces);
  g_mutex_unlock (&d->lock);
  return n;
}

/* With the lock held. */
static void
remove_nonce (RbDigest * d, RbNonce * n)
{
  if (n->bound) {
    g_queue_unlink (&d->bound, &n->link);
    g_hash_table_remove (d->by_connection, &n->connection);
  } else {
    g_queue_unlink (&d->pending, &n->link);
  }
  g_hash_table_remove (d->nonces, n->nonce);    /* frees n */
}

/* Drops the expired pending nonces (the oldest come first). With the lock
 * held. */
static void
prune (RbDigest * d, gint64 now)
{
  GList *head;

  while ((head = g_queue_peek_head_link (&d->pending)) != NULL) {
    RbNonce *n = head->data;

    if (now - n->issued_us < d->lifetime_us)
      break;
    remove_nonce (d, n);
  }
}

guint64
rb_digest_connection_new (RbDigest * d)
{
  guint64 id;

  g_mutex_lock (&d->lock);
  id = ++d->connections;
  g_mutex_unlock (&d->lock);
  return id;
}

void
rb_digest_connection_closed (RbDigest * d, guint64 connection)
{
  RbNonce *n;

  g_mutex_lock (&d->lock);
  n = g_hash_table_lookup (d->by_connection, &connection);
  if (n != NULL)
    remove_nonce (d, n);
  g_mutex_unlock (&d->lock);
}

gchar *
rb_digest_challenge (RbDigest * d, guint64 connection, gboolean stale)
{
  gint64 now = d->now (d->now_data);
  RbNonce *n = g_new0 (RbNonce, 1);
  gchar nonce[NONCE_LEN + 1];

  g_mutex_lock (&d->lock);
  prune (d, now);
  while (g_hash_table_size (d->nonces) >= d->max_nonces) {
    GList *oldest = g_queue_peek_head_link (&d->pending);

    if (oldest == NULL)
      oldest = g_queue_peek_head_link (&d->bound);
    remove_nonce (d, oldest->data);
  }
  do {
    g_autofree gchar *count = g_strdup_printf ("%" G_GUINT64_FORMAT,
        ++d->issued);
    g_autofree gchar *mac = g_compute_hmac_for_data (G_CHECKSUM_SHA256,
        d->key, KEY_LEN, (const guchar *) count, strlen (count));

    memcpy (n->nonce, mac, NONCE_LEN);
    n->nonce[NONCE_LEN] = '\0';
  } while (g_hash_table_contains (d->nonces, n->nonce));
  n->issued_us = now;
  n->connection = connection;
  n->link.data = n;
  g_queue_push_tail_link (&d->pending, &n->link);
  g_hash_table_insert (d->nonces, n->nonce, n);
  memcpy (nonce, n->nonce, sizeof nonce);       /* n may go once unlocked */
  g_mutex_unlock (&d->lock);

  return g_strdup_printf ("Digest realm=\"%s\", nonce=\"%s\", "
      "algorithm=MD5, qop=\"auth\"%s", rb_users_get_realm (d->users),
      nonce, stale ? ", stale=true" : "");
}

gchar *
rb_digest_basic_challenge (RbDigest * d)
{
  return g_strdup_printf ("Basic realm=\"%s\"", rb_users_get_realm (d->users));
}

/* ---- checking ---- */

/* Whether @a and @b are equal, in a time that does not depend on where
 * they differ (only on their lengths). */
static gboolean
secure_equal (const gchar * a, const gchar * b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  for (gsize i = 0; i < la && i < lb; i++)
    diff |= (guint8) a[i] ^ (guint8) b[i];
  return diff == 0;
}

static gchar *md5_join (const gchar * first, ...) G_GNUC_NULL_TERMINATED;

/* md5 hex of the arguments joined with ':' */
static gchar *
md5_join (const gchar * first, ...)
{
  GChecksum *md5 = g_checksum_new (G_CHECKSUM_MD5);
  const gchar *part;
  va_list args;
  gchar *hex;

  va_start (args, first);
  for (part = first; part; part = va_arg (args, const gchar *)) {
    if (part != first)
      g_checksum_update (md5, (const guchar *) ":", 1);
    g_checksum_update (md5, (const guchar *) part, strlen (part));
  }
  va_end (args);
  hex = g_strdup (g_checksum_get_string (md5));
  g_checksum_free (md5);
  return hex;
}

/* An nc: 1 to 8 hex digits; FALSE otherwise. */
static gboolean
parse_nc (const gchar * s, guint32 * nc)
{
  gsize len = strlen (s);
  guint32 v = 0;

  if (len == 0 || len > 8)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
    v = v << 4 | g_ascii_xdigit_value (s[i]);
  }
  *nc = v;
  return TRUE;
}

/* The HA1 of @user, or a stand-in for an unknown one (so that it costs the
 * same); *@known tells which. */
static const gchar *
lookup_ha1 (RbDigest * d, const gchar * user, gboolean * known)
{
  const gchar *ha1 = rb_users_lookup_ha1 (d->users, user);

  *known = ha1 != NULL;
  return ha1 ? ha1 : "00000000000000000000000000000000";
}

/* Whether the nonce of an otherwise right response may be used now, on
 * @connection; records its nc. */
static gboolean
use_nonce (RbDigest * d, const gchar * nonce, gboolean qop, guint32 nc,
    guint64 connection)
{
  gint64 now = d->now (d->now_data);
  gboolean ok = FALSE;
  RbNonce *n;

  g_mutex_lock (&d->lock);
  prune (d, now);
  n = g_hash_table_lookup (d->nonces, nonce);
  if (n == NULL)
    goto out;                   /* unknown, expired or evicted */
  if (!(n->bound && n->connection == connection)) {
    if (now - n->issued_us >= d->lifetime_us)
      goto out;                 /* expired (a bound one) */
    if (!qop && n->connection != connection)
      goto out;                 /* no nc: this connection only */
  }
  if (qop) {
    if (nc <= n->nc)
      goto out;                 /* replayed or reordered */
    n->nc = nc;
  }
  if (!n->bound && n->connection == connection) {
    RbNonce *old = g_hash_table_lookup (d->by_connection, &connection);

    if (old != NULL)
      remove_nonce (d, old);
    g_queue_unlink (&d->pending, &n->link);
    g_queue_push_tail_link (&d->bound, &n->link);
    n->bound = TRUE;
    g_hash_table_insert (d->by_connection, &n->connection, n);
  }
  ok = TRUE;
out:
  g_mutex_unlock (&d->lock);
  return ok;
}

static RbDigestResult
check_digest (RbDigest * d, GHashTable * params, const gchar * method,
    const gchar * request_uri, guint64 connection)
{
  const gchar *username = g_hash_table_lookup (params, "username");
  const gchar *realm = g_hash_table_lookup (params, "realm");
  const gchar *nonce = g_hash_table_lookup (params, "nonce");
  const gchar *uri = g_hash_table_lookup (params, "uri");
  const gchar *response = g_hash_table_lookup (params, "response");
  const gchar *qop = g_hash_table_lookup (params, "qop");
  const gchar *nc = g_hash_table_lookup (params, "nc");
  const gchar *cnonce = g_hash_table_lookup (params, "cnonce");
  const gchar *algorithm = g_hash_table_lookup (params, "algorithm");
  const gchar *userhash = g_hash_table_lookup (params, "userhash");
  g_autofree gchar *ha2 = NULL, *expected = NULL, *got = NULL;
  const gchar *ha1;
  guint32 ncv = 0;
  gboolean known, right;

  if (!username || !realm || !nonce || !uri || !response || !*username
      || !*nonce || !*uri)
    return RB_DIGEST_DENIED;
  if (algorithm && g_ascii_strcasecmp (algorithm, "MD5") != 0)
    return RB_DIGEST_DENIED;
  if (userhash && g_ascii_strcasecmp (userhash, "false") != 0)
    return RB_DIGEST_DENIED;
  if (qop && (g_ascii_strcasecmp (qop, "auth") != 0 || !nc || !cnonce
          || !*cnonce || !parse_nc (nc, &ncv)))
    return RB_DIGEST_DENIED;
  if (strlen (response) != HEX_MD5_LEN || !g_str_equal (realm,
          rb_users_get_realm (d->users)))
    return RB_DIGEST_DENIED;

  ha1 = lookup_ha1 (d, username, &known);
  ha2 = md5_join (method, uri, NULL);
  if (qop)
    expected = md5_join (ha1, nonce, nc, cnonce, qop, ha2, NULL);
  else
    expected = md5_join (ha1, nonce, ha2, NULL);
  got = g_ascii_strdown (response, -1);
  right = secure_equal (expected, got);
  if (!right || !known)
    return RB_DIGEST_DENIED;
  /* a response computed for another request (another camera) */
  if (!g_str_equal (uri, request_uri))
    return RB_DIGEST_DENIED;
  if (!use_nonce (d, nonce, qop != NULL, ncv, connection))
    return RB_DIGEST_STALE;
  return RB_DIGEST_OK;
}

static RbDigestResult
check_basic (RbDigest * d, RbDigestCredentials * c)
{
  gboolean known;
  const gchar *ha1 = lookup_ha1 (d, c->user, &known);
  g_autofree gchar *got = md5_join (c->user, rb_users_get_realm (d->users),
      c->password, NULL);

  return secure_equal (ha1, got) && known ? RB_DIGEST_OK : RB_DIGEST_DENIED;
}

/**
 * rb_digest_check:
 * @digest: the listener's check
 * @authorization: (nullable): an Authorization header value
 * @method: the request's method
 * @uri: the request-URI as sent
 * @connection: the connection the request came on
 * @user: (out) (optional) (transfer full): the user name claimed, or NULL
 *
 * Returns: whether @authorization authenticates the request (see
 * rb-digest.h)
 */
RbDigestResult
rb_digest_check (RbDigest * d, const gchar * authorization,
    const gchar * method, const gchar * uri, guint64 connection,
    gchar ** user)
{
  g_autoptr (RbDigestCredentials) c = NULL;
  RbDigestSchemes scheme;
  RbDigestResult r;

  if (user)
    *user = NULL;
  c = parse_full (authorization, &scheme);
  if (scheme == 0 || (scheme & d->schemes) == 0)
    return RB_DIGEST_NO_CREDENTIALS;
  if (c == NULL)
    return RB_DIGEST_DENIED;
  if (scheme == RB_DIGEST_SCHEME_DIGEST) {
    r = check_digest (d, c->params, method ? method : "", uri ? uri : "",
        connection);
    if (user)
      *user = g_strdup (g_hash_table_lookup (c->params, "username"));
  } else {
    r = check_basic (d, c);
    if (user)
      *user = g_strdup (c->user);
  }
  return r;
}

/* The connection id kept on a connection's object; the connection's nonce
 * goes with the object. */
static GQuark
rb_digest_connection_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark,
        g_quark_from_static_string ("rb-digest-connection"));
  return (GQuark) quark;
}

typedef struct {
  RbDigest *digest;
  guint64 id;
} RbDigestConnection;

static void
rb_digest_connection_free (RbDigestConnection * c)
{
  rb_digest_connection_closed (c->digest, c->id);
  rb_digest_unref (c->digest);
  g_free (c);
}

guint64
rb_digest_connection_of (RbDigest * d, GObject * conn)
{
  GQuark quark = rb_digest_connection_quark ();
  RbDigestConnection *c;

  if (conn == NULL)
    return 0;
  c = g_object_get_qdata (conn, quark);
  if (c == NULL || c->digest != d) {
    c = g_new0 (RbDigestConnection, 1);
    c->digest = rb_digest_ref (d);
    c->id = rb_digest_connection_new (d);
    g_object_set_qdata_full (conn, quark, c,
        (GDestroyNotify) rb_digest_connection_free);
  }
  return c->id;
}

RbDigestResult
rb_digest_check_request (RbDigest * d, const gchar * const *authorizations,
    const gchar * method, const gchar * uri, GObject * conn, gchar ** user)
{
  RbDigestResult best = RB_DIGEST_NO_CREDENTIALS;
  guint64 connection = rb_digest_connection_of (d, conn);
  gchar *who = NULL;

  for (guint i = 0; authorizations && authorizations[i]
      && best != RB_DIGEST_OK; i++) {
    gchar *claimed = NULL;
    RbDigestResult r = rb_digest_check (d, authorizations[i], method, uri,
        connection, &claimed);

    if (r == RB_DIGEST_OK || r == RB_DIGEST_STALE
        || (r == RB_DIGEST_DENIED && best == RB_DIGEST_NO_CREDENTIALS))
      best = r;
    if (claimed && !who)
      who = claimed;
    else
      g_free (claimed);
  }
  if (user)
    *user = who;
  else
    g_free (who);
  return best;
}
