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

/**
 * SECTION:rb-db
 * @title: RbDb
 * @short_description: a connection to the cluster's PostgreSQL database
 *
 * An #RbDb is a libpq connection opened from a connection string (the
 * `database` key of `[cluster]`: `host=db.example dbname=rtsp_blur
 * user=rtsp_blur`, or a `postgresql://` URI) and, separately, a password
 * file holding only the password (`password-file`). Without a password
 * file libpq's own sources apply (PGPASSFILE, ~/.pgpass). The connection
 * string itself must not hold a password: it is refused, so that the
 * password can only come from a file that is never logged.
 *
 * The password is handed to libpq and wiped from our memory; no message of
 * this library contains it. Messages name the database, host and port
 * (rb_db_describe()).
 *
 * Unless the connection string says otherwise, the connection uses
 * `application_name=rtsp-blur`, `connect_timeout=10` and
 * `tcp_user_timeout=5000` (TCP only), so a dead server or a cut network is
 * reported within seconds rather than after the kernel's TCP timeout.
 *
 * Queries: rb_db_query() (one statement with parameters, text format) and
 * rb_db_exec() (one or several statements without parameters). LISTEN and
 * NOTIFY: rb_db_listen(), then either rb_db_wait_notify() from a thread
 * that owns the connection, or rb_db_notify_source_new() on a
 * #GMainContext. Notifications that arrive while a query runs are kept
 * (up to 1024) for whichever is used.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-db.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#define DEFAULT_APPLICATION_NAME "rtsp-blur"
#define DEFAULT_CONNECT_TIMEOUT_S "10"
#define DEFAULT_TCP_USER_TIMEOUT_MS "5000"
/* notifications kept between queries; older ones are dropped (they are
 * wake-ups: one is as good as many) */
#define MAX_KEPT_NOTIFICATIONS 1024

typedef struct
{
  gchar *channel;
  gchar *payload;
} Notification;

struct _RbDb
{
  PGconn *conn;
  gchar *description;
  GPtrArray *channels;          /* LISTENed, re-LISTENed on reconnect */
  GQueue notifications;         /* of Notification */
};

G_DEFINE_QUARK (rb - db - error - quark, rb_db_error);

static void
notification_free (Notification * n)
{
  g_free (n->channel);
  g_free (n->payload);
  g_free (n);
}

/* "database 'D' on HOST port P": what every message names. */
static gchar *
describe_conn (PGconn * conn)
{
  const gchar *db = PQdb (conn);
  const gchar *host = PQhost (conn);
  const gchar *port = PQport (conn);

  return g_strdup_printf ("database '%s' on %s port %s",
      db && *db ? db : "?", host && *host ? host : "localhost",
      port && *port ? port : "5432");
}

/* libpq's messages end with a newline and may span lines. */
static gchar *
clean_message (const gchar * msg)
{
  gchar *s = g_strdup (msg ? msg : "");

  g_strstrip (s);
  for (gchar * p = s; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
  return s;
}

static void
notice_processor (void *arg, const char *message)
{
  RbDb *db = arg;
  g_autofree gchar *msg = clean_message (message);

  g_debug ("%s: %s", db->description ? db->description : "database", msg);
}

/* Reads the password: the file's content up to its first line end. */
static gchar *
read_password (const gchar * path, GError ** error)
{
  gchar *contents = NULL;
  gsize len = 0;
  GError *err = NULL;

  if (!g_file_get_contents (path, &contents, &len, &err)) {
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_INVALID,
        "cannot read the database password file: %s", err->message);
    g_error_free (err);
    return NULL;
  }
  contents[strcspn (contents, "\r\n")] = '\0';
  if (contents[0] == '\0') {
    explicit_bzero (contents, len);
    g_free (contents);
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_INVALID,
        "the database password file '%s' is empty", path);
    return NULL;
  }
  return contents;
}

static void
wipe_string (gchar * s)
{
  if (s) {
    explicit_bzero (s, strlen (s));
    g_free (s);
  }
}

/**
 * rb_db_connect:
 * @conninfo: a libpq connection string (`key=value ...` or a
 *   `postgresql://` URI) without password; "" for libpq's defaults (PGHOST,
 *   PGDATABASE, ...)
 * @password_file: (nullable): a file holding the password (its first
 *   line), or %NULL for libpq's own sources (PGPASSFILE, ~/.pgpass)
 * @error: return location for a #GError, or %NULL
 *
 * Connects, blocking for at most `connect_timeout` (10 s unless set).
 *
 * Returns: (transfer full) (nullable): the connection, or %NULL with
 *   %RB_DB_ERROR_INVALID (bad string, password in it, unreadable password
 *   file) or %RB_DB_ERROR_CONNECT (server unreachable, login refused), the
 *   message naming the database and host.
 *
 * Since: 0.1.0
 */
RbDb *
rb_db_connect (const gchar * conninfo, const gchar * password_file,
    GError ** error)
{
  PQconninfoOption *opts;
  char *errmsg = NULL;
  GPtrArray *keys, *values;
  gchar *password = NULL;
  gboolean have_appname = FALSE, have_timeout = FALSE, have_user_timeout =
      FALSE;
  PGconn *conn;
  RbDb *db;

  g_return_val_if_fail (conninfo != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  opts = PQconninfoParse (conninfo, &errmsg);
  if (opts == NULL) {
    g_autofree gchar *msg = clean_message (errmsg);
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_INVALID,
        "invalid database connection string: %s",
        errmsg ? msg : "out of memory");
    PQfreemem (errmsg);
    return NULL;
  }

  keys = g_ptr_array_new ();
  values = g_ptr_array_new ();
  for (PQconninfoOption * o = opts; o->keyword; o++) {
    if (o->val == NULL)
      continue;
    if (g_str_equal (o->keyword, "password") && o->val[0] != '\0') {
      g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_INVALID,
          "the database connection string holds a password: put it in "
          "the password file instead");
      goto fail;
    }
    have_appname |= g_str_equal (o->keyword, "application_name");
    have_timeout |= g_str_equal (o->keyword, "connect_timeout");
    have_user_timeout |= g_str_equal (o->keyword, "tcp_user_timeout");
    g_ptr_array_add (keys, o->keyword);
    g_ptr_array_add (values, o->val);
  }
  if (!have_appname) {
    g_ptr_array_add (keys, (gpointer) "application_name");
    g_ptr_array_add (values, (gpointer) DEFAULT_APPLICATION_NAME);
  }
  if (!have_timeout) {
    g_ptr_array_add (keys, (gpointer) "connect_timeout");
    g_ptr_array_add (values, (gpointer) DEFAULT_CONNECT_TIMEOUT_S);
  }
  /* a query over a cut network fails in seconds, not after the kernel's
   * retransmissions (minutes) */
  if (!have_user_timeout) {
    g_ptr_array_add (keys, (gpointer) "tcp_user_timeout");
    g_ptr_array_add (values, (gpointer) DEFAULT_TCP_USER_TIMEOUT_MS);
  }
  if (password_file != NULL) {
    password = read_password (password_file, error);
    if (password == NULL)
      goto fail;
    g_ptr_array_add (keys, (gpointer) "password");
    g_ptr_array_add (values, password);
  }
  g_ptr_array_add (keys, NULL);
  g_ptr_array_add (values, NULL);

  conn = PQconnectdbParams ((const char *const *) keys->pdata,
      (const char *const *) values->pdata, 0);
  wipe_string (password);
  password = NULL;
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);
  PQconninfoFree (opts);

  if (conn == NULL) {
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_CONNECT,
        "cannot connect to the database: out of memory");
    return NULL;
  }
  if (PQstatus (conn) != CONNECTION_OK) {
    g_autofree gchar *what = describe_conn (conn);
    g_autofree gchar *msg = clean_message (PQerrorMessage (conn));
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_CONNECT,
        "cannot connect to %s: %s", what, msg);
    PQfinish (conn);
    return NULL;
  }

  db = g_new0 (RbDb, 1);
  db->conn = conn;
  db->description = describe_conn (conn);
  db->channels = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&db->notifications);
  PQsetNoticeProcessor (conn, notice_processor, db);
  g_debug ("connected to %s", db->description);
  return db;

fail:
  wipe_string (password);
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);
  PQconninfoFree (opts);
  return NULL;
}

/**
 * rb_db_free:
 * @db: (transfer full) (nullable): a connection
 *
 * Closes the connection. Session advisory locks and LISTENs end with it;
 * an open transaction is rolled back by the server.
 *
 * Since: 0.1.0
 */
void
rb_db_free (RbDb * db)
{
  if (db == NULL)
    return;
  PQfinish (db->conn);
  g_free (db->description);
  g_ptr_array_unref (db->channels);
  g_queue_clear_full (&db->notifications, (GDestroyNotify) notification_free);
  g_free (db);
}

/**
 * rb_db_describe:
 * @db: a connection
 *
 * Returns: (transfer none): "database 'NAME' on HOST port PORT", for
 *   messages (never the password).
 *
 * Since: 0.1.0
 */
const gchar *
rb_db_describe (RbDb * db)
{
  g_return_val_if_fail (db != NULL, NULL);
  return db->description;
}

/**
 * rb_db_get_conn:
 * @db: a connection
 *
 * Returns: (transfer none): the libpq connection, for what this API does
 *   not wrap (PQescapeIdentifier, PQserverVersion, ...).
 *
 * Since: 0.1.0
 */
PGconn *
rb_db_get_conn (RbDb * db)
{
  g_return_val_if_fail (db != NULL, NULL);
  return db->conn;
}

/* Moves the notifications libpq has read into db->notifications. */
static void
keep_notifications (RbDb * db)
{
  PGnotify *n;

  while ((n = PQnotifies (db->conn)) != NULL) {
    Notification *kept = g_new (Notification, 1);

    kept->channel = g_strdup (n->relname);
    kept->payload = g_strdup (n->extra ? n->extra : "");
    PQfreemem (n);
    g_queue_push_tail (&db->notifications, kept);
    if (g_queue_get_length (&db->notifications) > MAX_KEPT_NOTIFICATIONS)
      notification_free (g_queue_pop_head (&db->notifications));
  }
}

static void
set_lost_error (RbDb * db, GError ** error)
{
  g_autofree gchar *msg = clean_message (PQerrorMessage (db->conn));

  g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_CONNECT,
      "lost the connection to %s: %s", db->description,
      *msg ? msg : "connection closed");
}

/* Whether the failure of @res is the connection's: libpq's own errors
 * (no SQLSTATE: the server closed the connection, which libpq may notice
 * only at the next call), connection exceptions (class 08) and the
 * server shutting down or starting (57P01, 57P02, 57P03). */
static gboolean
is_connection_failure (RbDb * db, PGresult * res)
{
  const gchar *state;

  if (PQstatus (db->conn) == CONNECTION_BAD || res == NULL)
    return TRUE;
  state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
  return state == NULL || g_str_has_prefix (state, "08")
      || g_str_equal (state, "57P01") || g_str_equal (state, "57P02")
      || g_str_equal (state, "57P03");
}

/* Checks @res (consumed on failure); NULL with @error set if it failed. */
static PGresult *
check_result (RbDb * db, PGresult * res, GError ** error)
{
  ExecStatusType st = res ? PQresultStatus (res) : PGRES_FATAL_ERROR;

  keep_notifications (db);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
    return res;
  if (is_connection_failure (db, res)) {
    set_lost_error (db, error);
  } else {
    const gchar *state = PQresultErrorField (res, PG_DIAG_SQLSTATE);
    const gchar *primary = PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY);
    g_autofree gchar *msg = clean_message (primary ? primary :
        PQresultErrorMessage (res));
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_QUERY,
        "query failed on %s: %s (SQLSTATE %s)", db->description, msg,
        state ? state : "?");
  }
  PQclear (res);
  return NULL;
}

/**
 * rb_db_query:
 * @db: a connection
 * @sql: one SQL statement, parameters written $1, $2, ...
 * @n_params: number of parameters
 * @params: (array length=n_params) (nullable): their values as text
 *   (%NULL elements are SQL NULL)
 * @error: return location for a #GError, or %NULL
 *
 * Runs @sql and waits for its result.
 *
 * Returns: (transfer full) (nullable): the result (free with PQclear(), or
 *   use g_autoptr(PGresult)), or %NULL with %RB_DB_ERROR_QUERY (the
 *   server's message and SQLSTATE) or %RB_DB_ERROR_CONNECT (connection
 *   lost).
 *
 * Since: 0.1.0
 */
PGresult *
rb_db_query (RbDb * db, const gchar * sql, gint n_params,
    const gchar * const *params, GError ** error)
{
  g_return_val_if_fail (db != NULL && sql != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return check_result (db, PQexecParams (db->conn, sql, n_params, NULL,
          (const char *const *) params, NULL, NULL, 0), error);
}

/**
 * rb_db_exec:
 * @db: a connection
 * @sql: one or several SQL statements separated by ';', without
 *   parameters
 * @error: return location for a #GError, or %NULL
 *
 * Runs @sql, discarding its result. Several statements outside an explicit
 * transaction run as one transaction.
 *
 * Returns: %TRUE on success, %FALSE with @error set as rb_db_query().
 *
 * Since: 0.1.0
 */
gboolean
rb_db_exec (RbDb * db, const gchar * sql, GError ** error)
{
  PGresult *res;

  g_return_val_if_fail (db != NULL && sql != NULL, FALSE);

  res = check_result (db, PQexec (db->conn, sql), error);
  PQclear (res);
  return res != NULL;
}

/**
 * rb_db_begin:
 * @db: a connection
 * @error: return location for a #GError, or %NULL
 *
 * Starts a transaction (READ COMMITTED). End it with rb_db_commit() or
 * rb_db_rollback().
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_begin (RbDb * db, GError ** error)
{
  return rb_db_exec (db, "BEGIN", error);
}

/**
 * rb_db_commit:
 * @db: a connection
 * @error: return location for a #GError, or %NULL
 *
 * Commits the transaction. If an earlier statement of it failed, the
 * server rolls it back instead and this fails with %RB_DB_ERROR_QUERY.
 *
 * Returns: %TRUE if the transaction was committed.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_commit (RbDb * db, GError ** error)
{
  PGresult *res;
  gboolean ok;

  g_return_val_if_fail (db != NULL, FALSE);

  res = check_result (db, PQexec (db->conn, "COMMIT"), error);
  if (res == NULL)
    return FALSE;
  /* COMMIT of a failed transaction answers ROLLBACK */
  ok = g_strcmp0 (PQcmdStatus (res), "COMMIT") == 0;
  if (!ok)
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_QUERY,
        "transaction on %s rolled back", db->description);
  PQclear (res);
  return ok;
}

/**
 * rb_db_rollback:
 * @db: a connection
 *
 * Rolls back the transaction, if one is open; errors are ignored (a lost
 * connection has no transaction left).
 *
 * Since: 0.1.0
 */
void
rb_db_rollback (RbDb * db)
{
  g_return_if_fail (db != NULL);

  if (PQtransactionStatus (db->conn) != PQTRANS_IDLE)
    PQclear (check_result (db, PQexec (db->conn, "ROLLBACK"), NULL));
}

static gboolean
listen_channel (RbDb * db, const gchar * channel, GError ** error)
{
  char *ident = PQescapeIdentifier (db->conn, channel, strlen (channel));
  g_autofree gchar *sql = NULL;

  if (ident == NULL) {
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_QUERY,
        "cannot LISTEN on %s: %s", db->description, PQerrorMessage (db->conn));
    return FALSE;
  }
  sql = g_strdup_printf ("LISTEN %s", ident);
  PQfreemem (ident);
  return rb_db_exec (db, sql, error);
}

/**
 * rb_db_listen:
 * @db: a connection
 * @channel: a NOTIFY channel name
 * @error: return location for a #GError, or %NULL
 *
 * Subscribes the connection to @channel (again after rb_db_reconnect()).
 * Notifications are then read by rb_db_wait_notify() or a source of
 * rb_db_notify_source_new().
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_listen (RbDb * db, const gchar * channel, GError ** error)
{
  g_return_val_if_fail (db != NULL && channel != NULL, FALSE);

  if (!listen_channel (db, channel, error))
    return FALSE;
  if (!g_ptr_array_find_with_equal_func (db->channels, channel, g_str_equal,
          NULL))
    g_ptr_array_add (db->channels, g_strdup (channel));
  return TRUE;
}

/**
 * rb_db_reconnect:
 * @db: a connection
 * @error: return location for a #GError, or %NULL
 *
 * Opens the connection again with the same parameters (libpq's PQreset())
 * and LISTENs again on the channels of rb_db_listen(). An open
 * transaction, session locks and notifications not yet read are lost; a
 * source of rb_db_notify_source_new() removes itself (make a new one).
 *
 * Returns: %TRUE when connected, %FALSE with %RB_DB_ERROR_CONNECT.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_reconnect (RbDb * db, GError ** error)
{
  g_return_val_if_fail (db != NULL, FALSE);

  PQreset (db->conn);
  if (PQstatus (db->conn) != CONNECTION_OK) {
    g_autofree gchar *msg = clean_message (PQerrorMessage (db->conn));
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_CONNECT,
        "cannot connect to %s: %s", db->description, msg);
    return FALSE;
  }
  for (guint i = 0; i < db->channels->len; i++)
    if (!listen_channel (db, g_ptr_array_index (db->channels, i), error))
      return FALSE;
  g_debug ("reconnected to %s", db->description);
  return TRUE;
}

/* Reads what the server sent; FALSE with @error if the connection broke. */
static gboolean
consume_input (RbDb * db, GError ** error)
{
  if (!PQconsumeInput (db->conn)) {
    set_lost_error (db, error);
    return FALSE;
  }
  keep_notifications (db);
  return TRUE;
}

/**
 * rb_db_wait_notify:
 * @db: a connection with rb_db_listen() done, owned by the calling thread
 * @timeout_ms: how long to wait at most
 * @error: return location for a #GError, or %NULL
 *
 * Waits until a notification arrives on a channel of rb_db_listen(), or
 * returns at once if one arrived since the last call (also during a
 * query). All notifications received are consumed.
 *
 * Returns: %TRUE if notified; %FALSE on timeout (@error not set) or with
 *   %RB_DB_ERROR_CONNECT when the connection is lost.
 *
 * Since: 0.1.0
 */
gboolean
rb_db_wait_notify (RbDb * db, guint timeout_ms, GError ** error)
{
  gint64 deadline;

  g_return_val_if_fail (db != NULL, FALSE);

  deadline = g_get_monotonic_time () + (gint64) timeout_ms *1000;
  for (;;) {
    struct pollfd pfd;
    gint64 left_ms;
    int r;

    if (!consume_input (db, error))
      return FALSE;
    if (!g_queue_is_empty (&db->notifications)) {
      g_queue_clear_full (&db->notifications,
          (GDestroyNotify) notification_free);
      return TRUE;
    }
    left_ms = (deadline - g_get_monotonic_time () + 999) / 1000;
    if (left_ms <= 0)
      return FALSE;
    pfd.fd = PQsocket (db->conn);
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (pfd.fd < 0) {
      set_lost_error (db, error);
      return FALSE;
    }
    r = poll (&pfd, 1, (int) MIN (left_ms, G_MAXINT));
    if (r < 0 && errno != EINTR) {
      int errsv = errno;
      g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_CONNECT,
          "cannot wait for %s: %s", db->description, g_strerror (errsv));
      return FALSE;
    }
  }
}

/* ------------------------------------------------------------------------ */
/* GSource                                                                   */

typedef struct
{
  GSource source;
  RbDb *db;
  int fd;
  gpointer tag;
} NotifySource;

static gboolean
notify_source_prepare (GSource * source, gint * timeout)
{
  NotifySource *ns = (NotifySource *) source;

  *timeout = -1;
  /* no socket: dispatch at once, to report the connection lost */
  return !g_queue_is_empty (&ns->db->notifications) || ns->tag == NULL;
}

static gboolean
notify_source_check (GSource * source)
{
  NotifySource *ns = (NotifySource *) source;

  return !g_queue_is_empty (&ns->db->notifications)
      || ns->tag == NULL || g_source_query_unix_fd (source, ns->tag) != 0;
}

static gboolean
notify_source_dispatch (GSource * source, GSourceFunc callback,
    gpointer user_data)
{
  NotifySource *ns = (NotifySource *) source;
  RbDbNotifyFunc func = (RbDbNotifyFunc) (void (*)(void)) callback;
  RbDb *db = ns->db;
  GError *err = NULL;

  if (PQsocket (db->conn) != ns->fd || !consume_input (db, &err)) {
    if (err) {
      g_debug ("%s", err->message);
      g_error_free (err);
    }
    if (func)
      func (NULL, NULL, user_data);
    return G_SOURCE_REMOVE;
  }
  while (!g_queue_is_empty (&db->notifications)) {
    Notification *n = g_queue_pop_head (&db->notifications);
    gboolean keep = func ? func (n->channel, n->payload, user_data) : TRUE;

    notification_free (n);
    if (!keep)
      return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs notify_source_funcs = {
  notify_source_prepare,
  notify_source_check,
  notify_source_dispatch,
  NULL,
  NULL,
  NULL,
};

/**
 * rb_db_notify_source_new:
 * @db: a connection with rb_db_listen() done; it must outlive the source
 *
 * Creates a source that dispatches each notification to an
 * #RbDbNotifyFunc set with g_source_set_callback(). The connection may
 * still be used for queries in the source's thread between dispatches.
 * When the connection is lost, the callback gets %NULL and the source
 * removes itself.
 *
 * Returns: (transfer full): the source, to attach to a #GMainContext.
 *
 * Since: 0.1.0
 */
GSource *
rb_db_notify_source_new (RbDb * db)
{
  NotifySource *ns;

  g_return_val_if_fail (db != NULL, NULL);

  ns = (NotifySource *) g_source_new (&notify_source_funcs,
      sizeof (NotifySource));
  g_source_set_static_name ((GSource *) ns, "rb-db-notify");
  ns->db = db;
  ns->fd = PQsocket (db->conn);
  if (ns->fd >= 0)
    ns->tag = g_source_add_unix_fd ((GSource *) ns, ns->fd,
        G_IO_IN | G_IO_HUP | G_IO_ERR);
  return (GSource *) ns;
}

/* ------------------------------------------------------------------------ */
/* Result helpers                                                            */

/**
 * rb_db_get_int64:
 * @res: a result
 * @row: row number
 * @col: column number
 * @if_null: what to return for SQL NULL
 *
 * Returns: the value of a column of integer type (text format).
 *
 * Since: 0.1.0
 */
gint64
rb_db_get_int64 (PGresult * res, gint row, gint col, gint64 if_null)
{
  if (PQgetisnull (res, row, col))
    return if_null;
  return g_ascii_strtoll (PQgetvalue (res, row, col), NULL, 10);
}

/**
 * rb_db_get_string:
 * @res: a result
 * @row: row number
 * @col: column number
 *
 * Returns: (transfer none) (nullable): the value as text, %NULL for SQL
 *   NULL.
 *
 * Since: 0.1.0
 */
const gchar *
rb_db_get_string (PGresult * res, gint row, gint col)
{
  if (PQgetisnull (res, row, col))
    return NULL;
  return PQgetvalue (res, row, col);
}
