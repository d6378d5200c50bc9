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

/* The cluster's segment queue, its catalog and the spool forwarder: see
 * rb-cluster-queue.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-cluster-queue.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "rb-db.h"
#include "rb-pg-journal.h"
#include "rb-retention.h"
#include "rb-sidecar.h"

/* The database is tried again at most this often while it is down. */
#define RETRY_US (G_USEC_PER_SEC)
/* The forwarder's claim on a spool item (returned to pending at the next
 * start if the process dies). */
#define FORWARD_LEASE_S 60
/* A node not alive for this long has dead workers; and this node judges
 * so only once connected for this long. */
#define DEAD_NODE_GRACE_S 10
/* The forwarder waits this long for a NOTIFY or a new spool item. */
#define FORWARD_WAIT_MS 250

/* A connection to the database, made when first needed and again after
 * it was lost (at most every RETRY_US). */
typedef struct {
  const gchar *what;            /* for the log */
  gboolean listen;              /* LISTEN on the queue's channel */
  RbPgJournal *pg;
  gboolean down;                /* lost, logged */
  gint64 next_try_us;
  gint64 up_since_us;           /* connected since (monotonic) */
} Conn;

typedef struct {
  RbSegmentQueue parent;
  RbClusterQueue *cq;
} PgQueue;

struct _RbClusterQueue
{
  PgQueue *queue;
  gchar *conninfo;
  gchar *password_file;
  gchar *node;
  RbJournal *spool;             /* not owned */

  GMutex lock;                  /* the workers' connection */
  Conn conn;

  /* the forwarder's: only its thread uses fwd */
  Conn fwd;
  GThread *thread;
  GMutex fwd_lock;
  GCond fwd_cond;
  gboolean stopping;            /* protected by fwd_lock */
  gboolean kicked;              /* protected by fwd_lock */
  RbClusterQueueWake wake;
  gpointer wake_data;
  gboolean spool_failing;
  gint forwarded;               /* atomic */
};

/* ---- the connections ---- */

static void
set_unavailable (RbClusterQueue * cq, GError ** error, const gchar * why)
{
  g_set_error (error, RB_SEGMENT_QUEUE_ERROR,
      RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE, "the cluster's queue is "
      "unavailable: %s", why);
}

/* @err (consumed) came from the database through @c: a lost connection
 * makes the queue unavailable (logged once), anything else is passed on. */
static void
conn_error (RbClusterQueue * cq, Conn * c, GError * err, GError ** error)
{
  if (!g_error_matches (err, RB_DB_ERROR, RB_DB_ERROR_CONNECT)) {
    g_propagate_error (error, err);
    return;
  }
  if (!c->down)
    g_warning ("cluster queue: %s: %s; finished segments wait in the "
        "spool (%s) and are queued once the database is back", c->what,
        err->message, rb_journal_get_dir (cq->spool));
  c->down = TRUE;
  set_unavailable (cq, error, err->message);
  g_error_free (err);
}

/* The journal of @c, connected; NULL with UNAVAILABLE when the database
 * cannot be reached. */
static RbPgJournal *
conn_get (RbClusterQueue * cq, Conn * c, GError ** error)
{
  gint64 now = g_get_monotonic_time ();
  GError *err = NULL;

  if (c->pg != NULL && !c->down
      && PQstatus (rb_db_get_conn (rb_pg_journal_get_db (c->pg))) ==
      CONNECTION_OK)
    return c->pg;
  if (now < c->next_try_us) {
    set_unavailable (cq, error, "the database cannot be reached");
    return NULL;
  }
  c->next_try_us = now + RETRY_US;
  if (c->pg == NULL) {
    RbDb *db = rb_db_connect (cq->conninfo, cq->password_file, &err);

    if (db != NULL) {
      g_autofree gchar *owner = g_strdup_printf ("%s/%d/%s", cq->node,
          (int) getpid (), c->what);

      c->pg = rb_pg_journal_new (db, owner);
    }
  } else {
    rb_db_reconnect (rb_pg_journal_get_db (c->pg), &err);
  }
  if (err == NULL && c->listen && c->pg != NULL)
    rb_pg_journal_listen (c->pg, &err);
  if (err != NULL) {
    if (err->domain == RB_DB_ERROR && err->code != RB_DB_ERROR_QUERY)
      err->code = RB_DB_ERROR_CONNECT;
    conn_error (cq, c, err, error);
    return NULL;
  }
  if (c->down)
    g_message ("cluster queue: %s: the database is back", c->what);
  c->down = FALSE;
  c->up_since_us = now;
  return c->pg;
}

/* ---- the catalog ---- */

/* Queues @location and gives it its row in the catalog, in one
 * transaction; both are no-ops for a location known already. */
static gboolean
add_segment (RbClusterQueue * cq, RbPgJournal * pg, const gchar * location,
    const gchar * source, guint64 duration, GError ** error)
{
  RbDb *db = rb_pg_journal_get_db (pg);
  g_autofree gchar *camera = NULL, *start = NULL, *end = NULL, *bytes = NULL;
  g_autofree gchar *sidecar = rb_sidecar_path (location);
  g_autoptr (PGresult) res = NULL;
  gint64 start_us = -1, end_us = -1;
  const gchar *params[7];
  GStatBuf st;
  gboolean have = g_stat (location, &st) == 0;

  if (!rb_journal_segment_time (location, &start_us))
    start_us = -1;

  if (source != NULL) {
    camera = g_strdup (source);
  } else {
    g_autofree gchar *dir = g_path_get_dirname (location);

    camera = g_path_get_basename (dir);
  }
  if (have)
    end_us = (gint64) st.st_mtime * G_USEC_PER_SEC;
  if (start_us >= 0 && duration != G_MAXUINT64)
    end_us = start_us + (gint64) (duration / 1000);
  else if (start_us < 0 && end_us >= 0 && duration != G_MAXUINT64)
    start_us = end_us - (gint64) (duration / 1000);
  else if (start_us < 0)
    start_us = end_us >= 0 ? end_us : g_get_real_time ();
  if (end_us < start_us)
    end_us = start_us;
  start = g_strdup_printf ("%" G_GINT64_FORMAT, start_us);
  end = g_strdup_printf ("%" G_GINT64_FORMAT, end_us);
  if (have)
    bytes = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) st.st_size);
  params[0] = camera;
  params[1] = cq->node;
  params[2] = start;
  params[3] = end;
  params[4] = bytes;
  params[5] = location;
  params[6] = g_file_test (sidecar, G_FILE_TEST_EXISTS) ? sidecar : NULL;

  if (!rb_db_begin (db, error))
    return FALSE;
  if (!rb_pg_journal_enqueue (pg, location, source, duration, NULL, NULL,
          error))
    goto fail;
  res = rb_db_query (db,
      "INSERT INTO recordings (camera, node, lease_epoch, started_at, "
      "  ended_at, bytes, state, raw_path, sidecar_path) "
      "VALUES ($1, $2, (SELECT epoch FROM camera_leases "
      "    WHERE camera = $1 AND node = $2), "
      "  to_timestamp($3::float8 / 1e6), to_timestamp($4::float8 / 1e6), "
      "  $5, 'recorded', $6, $7) "
      "ON CONFLICT (raw_path) DO NOTHING", 7, params, error);
  if (res == NULL)
    goto fail;
  return rb_db_commit (db, error);
fail:
  rb_db_rollback (db);
  return FALSE;
}

/* ---- the queue backend ---- */

#define CQ(q) (((PgQueue *) (q))->cq)

/* Runs @body with the workers' connection @pg (the lock held); a lost
 * connection becomes UNAVAILABLE. */
#define WITH_PG(q, error, fallback, ...) \
  G_STMT_START { \
    RbClusterQueue *cq = CQ (q); \
    GError *err_ = NULL; \
    RbPgJournal *pg; \
    g_mutex_lock (&cq->lock); \
    pg = conn_get (cq, &cq->conn, error); \
    if (pg == NULL) { \
      g_mutex_unlock (&cq->lock); \
      return fallback; \
    } \
    __VA_ARGS__; \
    if (err_ != NULL) \
      conn_error (cq, &cq->conn, err_, error); \
    g_mutex_unlock (&cq->lock); \
  } G_STMT_END

static gboolean
pg_add (RbSegmentQueue * q, const gchar * location, const gchar * source,
    guint64 duration, GError ** error)
{
  gboolean ok = FALSE;

  WITH_PG (q, error, FALSE, {
        ok = add_segment (cq, pg, location, source, duration, &err_);
      });
  return ok;
}

static RbJournalItem *
pg_lookup (RbSegmentQueue * q, const gchar * location,
    RbJournalItemState * out_state, GError ** error)
{
  RbJournalItem *item = NULL;

  WITH_PG (q, error, NULL, {
        item = rb_pg_journal_lookup (pg, location, out_state, &err_);
      });
  return item;
}

static gboolean
pg_contains (RbSegmentQueue * q, const gchar * location)
{
  g_autoptr (RbJournalItem) item = pg_lookup (q, location, NULL, NULL);

  return item != NULL;
}

static RbJournalItem *
pg_claim (RbSegmentQueue * q, guint lease_s, GError ** error)
{
  RbJournalItem *item = NULL;

  WITH_PG (q, error, NULL, {
        item = rb_pg_journal_claim (pg, lease_s, &err_);
      });
  return item;
}

static gboolean
pg_renew (RbSegmentQueue * q, const gchar * id, guint lease_s,
    GError ** error)
{
  gboolean ok = FALSE;

  WITH_PG (q, error, FALSE, {
        ok = rb_pg_journal_renew (pg, id, lease_s, &err_);
      });
  return ok;
}

/* Sets the catalog row of @location to @state, unless it is anonymized
 * (a raw segment kept after anonymization) or evicted already. */
static gboolean
catalog_set_state (RbPgJournal * pg, const gchar * location,
    const gchar * state, GError ** error)
{
  const gchar *params[] = { location, state };
  g_autoptr (PGresult) res = rb_db_query (rb_pg_journal_get_db (pg),
      "UPDATE recordings SET state = $2, updated_at = now() "
      "WHERE raw_path = $1 AND state IN ('recording', 'recorded')",
      2, params, error);

  return res != NULL;
}

static gboolean
pg_complete (RbSegmentQueue * q, const RbJournalItem * item,
    const RbSegmentResult * result, GError ** error)
{
  gboolean ok = FALSE;

  WITH_PG (q, error, FALSE, {
        ok = rb_pg_journal_complete (pg, item->id, &err_);
        if (ok && result != NULL) {
          g_autofree gchar *heads = g_strdup_printf ("%" G_GUINT64_FORMAT,
              result->heads_masked);
          g_autofree gchar *overload = g_strdup_printf ("%" G_GUINT64_FORMAT,
              result->overload_frames);
          g_autofree gchar *bytes = result->anonymized_bytes ?
              g_strdup_printf ("%" G_GUINT64_FORMAT,
              result->anonymized_bytes) : NULL;
          const gchar *params[] = { item->location, result->anonymized,
            heads, overload, bytes
          };
          g_autoptr (PGresult) res = rb_db_query (rb_pg_journal_get_db (pg),
              "UPDATE recordings SET state = 'anonymized', "
              "  anonymized_path = $2, heads_masked = $3, "
              "  overload_frames = $4, anonymized_bytes = $5, "
              "  updated_at = now() "
              "WHERE raw_path = $1", 5, params, &err_);

          ok = res != NULL;
        }
      });
  return ok;
}

static gboolean
pg_fail (RbSegmentQueue * q, const RbJournalItem * item,
    const gchar * reason, gboolean quarantine, GError ** error)
{
  gboolean ok = FALSE;

  WITH_PG (q, error, FALSE, {
        RbJournalItemState state = RB_JOURNAL_ITEM_PENDING;

        if (quarantine)
          ok = rb_pg_journal_quarantine (pg, item->id, reason, &err_);
        else
          ok = rb_pg_journal_fail (pg, item->id, reason, &err_);
        if (ok && !quarantine) {
          g_autoptr (RbJournalItem) now = rb_pg_journal_lookup (pg,
              item->location, &state, &err_);

          ok = err_ == NULL;
        }
        if (ok && (quarantine || state == RB_JOURNAL_ITEM_QUARANTINED))
          ok = catalog_set_state (pg, item->location, "quarantined", &err_);
      });
  return ok;
}

static gboolean
pg_release (RbSegmentQueue * q, const gchar * id, GError ** error)
{
  gboolean ok = FALSE;

  WITH_PG (q, error, FALSE, {
        ok = rb_pg_journal_release (pg, id, &err_);
      });
  return ok;
}

/* Ends the leases of claims whose worker is surely dead: those of an
 * earlier process of this node (same node, another PID), and, once this
 * node has been connected for a while (after an outage every live node
 * renews first), those of a node that is no longer alive. Their segments
 * are then recovered at once rather than when their lease expires. */
static gboolean
expire_dead_claims (RbClusterQueue * cq, RbPgJournal * pg, GError ** error)
{
  g_autofree gchar *pid = g_strdup_printf ("%d", (int) getpid ());
  const gchar *params[] = { cq->node, pid,
    g_get_monotonic_time () - cq->conn.up_since_us >
        DEAD_NODE_GRACE_S * G_USEC_PER_SEC ? "t" : "f"
  };
  g_autoptr (PGresult) res = rb_db_query (rb_pg_journal_get_db (pg),
      "UPDATE queue_items SET lease_expires = now() "
      "WHERE state = 'claimed' AND lease_expires > now() AND ("
      "  (split_part (claimed_by, '/', 1) = $1 "
      "    AND split_part (claimed_by, '/', 2) <> $2) "
      "  OR ($3::boolean AND split_part (claimed_by, '/', 1) IN "
      "    (SELECT name FROM nodes WHERE alive_until < now() - "
      "      make_interval (secs => " G_STRINGIFY (DEAD_NODE_GRACE_S) "))))",
      3, params, error);

  return res != NULL;
}

static guint
pg_recover (RbSegmentQueue * q, GError ** error)
{
  guint n = 0;

  WITH_PG (q, error, 0, {
        if (expire_dead_claims (cq, pg, &err_))
          n = rb_pg_journal_recover (pg, &err_);
      });
  return n;
}

static gboolean
pg_evict (RbSegmentQueue * q, const gchar * location, const gchar * reason,
    RbJournalItemState * out_state, GError ** error)
{
  gboolean ok = FALSE;

  WITH_PG (q, error, FALSE, {
        ok = rb_pg_journal_evict (pg, location, reason, out_state, &err_);
        if (ok)
          ok = catalog_set_state (pg, location, "evicted", &err_);
      });
  return ok;
}

static GList *
pg_list (RbSegmentQueue * q, RbJournalItemState state, GError ** error)
{
  GList *list = NULL;

  WITH_PG (q, error, NULL, {
        list = rb_pg_journal_list (pg, state, &err_);
      });
  return list;
}

static gboolean
pg_count (RbSegmentQueue * q, RbJournalItemState state, guint * out_count,
    GError ** error)
{
  gboolean ok = FALSE;

  WITH_PG (q, error, FALSE, {
        ok = rb_pg_journal_count (pg, state, out_count, &err_);
      });
  return ok;
}

static const RbSegmentQueueClass pg_class = {
  "cluster",
  pg_add,
  pg_contains,
  pg_claim,
  pg_renew,
  pg_complete,
  pg_fail,
  pg_release,
  pg_recover,
  pg_evict,
  pg_lookup,
  pg_list,
  pg_count,
  NULL,
};

/* ---- the forwarder ---- */

/* Forwards the oldest spool item. Returns 1 when one was forwarded, 0
 * when the spool is empty, -1 when it could not be (tried again later). */
static gint
forward_one (RbClusterQueue * cq)
{
  g_autoptr (RbJournalItem) item = NULL;
  GError *err = NULL;
  RbPgJournal *pg;

  item = rb_journal_claim (cq->spool, FORWARD_LEASE_S, &err);
  if (item == NULL) {
    if (err != NULL && !cq->spool_failing)
      g_warning ("cluster queue: cannot read the spool %s: %s",
          rb_journal_get_dir (cq->spool), err->message);
    cq->spool_failing = err != NULL;
    g_clear_error (&err);
    return cq->spool_failing ? -1 : 0;
  }
  cq->spool_failing = FALSE;
  pg = conn_get (cq, &cq->fwd, &err);
  if (pg != NULL && !add_segment (cq, pg, item->location, item->source,
          item->duration, &err)) {
    GError *e = NULL;

    conn_error (cq, &cq->fwd, g_steal_pointer (&err), &e);
    err = e;
  }
  if (err != NULL) {
    GError *lerr = NULL;
    gboolean ok;

    if (g_error_matches (err, RB_SEGMENT_QUEUE_ERROR,
            RB_SEGMENT_QUEUE_ERROR_UNAVAILABLE)) {
      ok = rb_journal_release (cq->spool, item->id, &lerr);
    } else {
      /* the database refused it: retried with back-off, then quarantined
       * in the spool */
      g_warning ("cluster queue: cannot queue %s: %s", item->location,
          err->message);
      ok = rb_journal_fail (cq->spool, item->id, err->message, &lerr);
    }
    if (!ok) {
      g_warning ("cluster queue: %s stays claimed in the spool until its "
          "lease expires: %s", item->location, lerr->message);
      g_error_free (lerr);
    }
    g_error_free (err);
    return -1;
  }
  if (!rb_journal_complete (cq->spool, item->id, &err)) {
    /* forwarded again later: harmless */
    g_warning ("cluster queue: %s is queued but still in the spool: %s",
        item->location, err->message);
    g_error_free (err);
  }
  g_atomic_int_inc (&cq->forwarded);
  g_debug ("cluster queue: %s queued in the database", item->location);
  return 1;
}

static gpointer
forwarder_thread (gpointer data)
{
  RbClusterQueue *cq = data;

  g_mutex_lock (&cq->fwd_lock);
  while (!cq->stopping) {
    gint r;

    cq->kicked = FALSE;
    g_mutex_unlock (&cq->fwd_lock);
    r = forward_one (cq);
    if (r > 0 && cq->wake)
      cq->wake (cq->wake_data);
    if (r == 0) {
      GError *err = NULL;
      RbPgJournal *pg = conn_get (cq, &cq->fwd, NULL);

      /* idle: a NOTIFY from any node wakes the workers */
      if (pg != NULL) {
        if (rb_pg_journal_wait (pg, FORWARD_WAIT_MS, &err) && cq->wake)
          cq->wake (cq->wake_data);
        if (err != NULL)
          conn_error (cq, &cq->fwd, err, NULL);
        g_mutex_lock (&cq->fwd_lock);
        continue;
      }
    }
    g_mutex_lock (&cq->fwd_lock);
    if (r != 1 && !cq->stopping && !(r == 0 && cq->kicked))
      g_cond_wait_until (&cq->fwd_cond, &cq->fwd_lock,
          g_get_monotonic_time () + (r < 0 ? RETRY_US :
              FORWARD_WAIT_MS * 1000));
  }
  g_mutex_unlock (&cq->fwd_lock);
  return NULL;
}

/* ---- RbClusterQueue ---- */

RbClusterQueue *
rb_cluster_queue_new (const RbConfig * config, RbJournal * spool)
{
  RbClusterQueue *cq = g_new0 (RbClusterQueue, 1);
  g_autofree gchar *what = NULL;

  cq->conninfo = g_strdup (config->cluster_database);
  cq->password_file = g_strdup (config->cluster_password_file);
  cq->node = g_strdup (config->cluster_node);
  cq->spool = spool;
  g_mutex_init (&cq->lock);
  g_mutex_init (&cq->fwd_lock);
  g_cond_init (&cq->fwd_cond);
  cq->conn.what = "workers";
  cq->fwd.what = "forwarder";
  cq->fwd.listen = TRUE;
  cq->queue = g_new0 (PgQueue, 1);
  what = g_strdup_printf ("the cluster's queue (%s)",
      config->cluster_database);
  rb_segment_queue_init (&cq->queue->parent, &pg_class, what, NULL);
  cq->queue->cq = cq;
  return cq;
}

void
rb_cluster_queue_free (RbClusterQueue * cq)
{
  if (cq == NULL)
    return;
  rb_cluster_queue_stop (cq);
  rb_segment_queue_free (&cq->queue->parent);
  rb_pg_journal_free (cq->conn.pg);
  rb_pg_journal_free (cq->fwd.pg);
  g_mutex_clear (&cq->lock);
  g_mutex_clear (&cq->fwd_lock);
  g_cond_clear (&cq->fwd_cond);
  g_free (cq->conninfo);
  g_free (cq->password_file);
  g_free (cq->node);
  g_free (cq);
}

RbSegmentQueue *
rb_cluster_queue_get_queue (RbClusterQueue * cq)
{
  return &cq->queue->parent;
}

void
rb_cluster_queue_start (RbClusterQueue * cq, RbClusterQueueWake wake,
    gpointer user_data)
{
  g_return_if_fail (cq->thread == NULL);

  cq->wake = wake;
  cq->wake_data = user_data;
  cq->stopping = FALSE;
  cq->thread = g_thread_new ("rb-forwarder", forwarder_thread, cq);
}

void
rb_cluster_queue_kick (RbClusterQueue * cq)
{
  g_mutex_lock (&cq->fwd_lock);
  cq->kicked = TRUE;
  g_cond_broadcast (&cq->fwd_cond);
  g_mutex_unlock (&cq->fwd_lock);
}

void
rb_cluster_queue_stop (RbClusterQueue * cq)
{
  if (cq->thread == NULL)
    return;
  g_mutex_lock (&cq->fwd_lock);
  cq->stopping = TRUE;
  g_cond_broadcast (&cq->fwd_cond);
  g_mutex_unlock (&cq->fwd_lock);
  g_thread_join (cq->thread);
  cq->thread = NULL;
}

guint64
rb_cluster_queue_get_forwarded (RbClusterQueue * cq)
{
  return (guint64) g_atomic_int_get (&cq->forwarded);
}
