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
 * SECTION:rb-pg-journal
 * @title: RbPgJournal
 * @short_description: the segment queue of a cluster, in PostgreSQL
 *
 * The table `queue_items` (schema version 1) holds one row per segment,
 * in the states of the file journal (#RbJournalItemState): pending,
 * claimed with a lease, done, quarantined, evicted. The operations are
 * those of #RbJournal, with the same retry policy (its defaults and
 * rb_journal_retry_delay_s() come from rb-journal.h), and return the same
 * #RbJournalItem; item ids are the rows' ids in decimal.
 *
 * Guarantees:
 *
 * - **One claimer per item.** rb_pg_journal_claim() takes the oldest
 *   claimable row with `FOR UPDATE SKIP LOCKED`: concurrent claimers on
 *   any node skip each other's rows instead of waiting, and never get the
 *   same one.
 * - **Fencing.** Every claim draws a new token from the sequence
 *   `queue_claim_tokens`; renew, complete, fail, quarantine and release
 *   act only while the row still holds the token of this #RbPgJournal's
 *   claim. A claim whose lease expired is returned to pending by
 *   rb_pg_journal_recover() (by any node); its former holder may still
 *   complete or renew it until somebody else claims it, and not after.
 * - **Idempotence.** Enqueueing a location already queued (in any state)
 *   adds nothing and gives the existing id; completing an item already
 *   done succeeds.
 * - **Back-off and quarantine** as in the journal: rb_pg_journal_fail()
 *   counts an attempt, and the item waits rb_journal_retry_delay_s() (on
 *   the database's clock) before it can be claimed again, or is
 *   quarantined at the maximum number of attempts.
 * - **Wake-up.** A trigger NOTIFYs #RB_PG_JOURNAL_CHANNEL whenever an item
 *   becomes claimable at once; idle workers wait for it with
 *   rb_pg_journal_wait() (or a source of rb_db_notify_source_new() on a
 *   connection of their own) instead of polling.
 *
 * All times (enqueue, lease expiry, retry) are the database server's
 * (now()). Functions are thread-safe: a mutex serialises the use of the
 * connection, which the journal owns.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-pg-journal.h"

#include <gio/gio.h>
#include <unistd.h>

/* indexed by RbJournalItemState; the values of queue_items.state */
static const gchar *state_names[] = { "pending", "claimed", "done",
  "quarantined", "evicted"
};

#define N_STATES G_N_ELEMENTS (state_names)

/* What every item query returns, in this order (item_from_row()). */
#define ITEM_COLUMNS \
  "id, location, source, duration_ns, attempts, " \
  "(extract(epoch FROM enqueued_at) * 1000000)::bigint, " \
  "(extract(epoch FROM not_before) * 1000000)::bigint, last_failure, state"
#define COL_STATE 8

typedef struct
{
  gint64 token;
  guint attempts;               /* when claimed */
} Claim;

struct _RbPgJournal
{
  GMutex lock;
  RbDb *db;
  gchar *owner;
  /* protected by lock */
  guint max_attempts;
  guint retry_first_s;
  guint retry_max_s;
  GHashTable *claims;           /* id → Claim: the claims of this journal */
};

static gint
state_from_name (const gchar * name)
{
  for (guint i = 0; i < N_STATES; i++)
    if (g_strcmp0 (name, state_names[i]) == 0)
      return i;
  return -1;
}

static RbJournalItem *
item_from_row (PGresult * res, gint row)
{
  RbJournalItem *item = g_new0 (RbJournalItem, 1);

  item->id = g_strdup (PQgetvalue (res, row, 0));
  item->location = g_strdup (PQgetvalue (res, row, 1));
  item->source = g_strdup (rb_db_get_string (res, row, 2));
  item->duration = (guint64) rb_db_get_int64 (res, row, 3, -1);
  item->attempts = (guint) rb_db_get_int64 (res, row, 4, 0);
  item->enqueued_us = rb_db_get_int64 (res, row, 5, 0);
  item->not_before_us = rb_db_get_int64 (res, row, 6, 0);
  item->last_failure = g_strdup (rb_db_get_string (res, row, 7));
  return item;
}

/**
 * rb_pg_journal_new:
 * @db: (transfer full): a connection to a database at
 *   #RB_DB_SCHEMA_VERSION, used by this journal only
 * @owner: (nullable): who claims, written into claimed rows for the
 *   operator (e.g. "NODE/PID/worker-1"); %NULL for "HOST/PID/ADDRESS"
 *
 * Returns: (transfer full): the queue, with the journal's default retry
 *   policy.
 *
 * Since: 0.1.0
 */
RbPgJournal *
rb_pg_journal_new (RbDb * db, const gchar * owner)
{
  RbPgJournal *j;

  g_return_val_if_fail (db != NULL, NULL);

  j = g_new0 (RbPgJournal, 1);
  g_mutex_init (&j->lock);
  j->db = db;
  j->owner = owner ? g_strdup (owner) :
      g_strdup_printf ("%s/%d/%p", g_get_host_name (), (int) getpid (), j);
  j->max_attempts = RB_JOURNAL_MAX_ATTEMPTS;
  j->retry_first_s = RB_JOURNAL_RETRY_FIRST_S;
  j->retry_max_s = RB_JOURNAL_RETRY_MAX_S;
  j->claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return j;
}

/**
 * rb_pg_journal_free:
 * @journal: (transfer full) (nullable): a queue
 *
 * Closes the queue and its connection. Claims are not released (call
 * rb_pg_journal_release() first for a clean shutdown); their leases
 * expire.
 *
 * Since: 0.1.0
 */
void
rb_pg_journal_free (RbPgJournal * journal)
{
  if (journal == NULL)
    return;
  rb_db_free (journal->db);
  g_hash_table_unref (journal->claims);
  g_free (journal->owner);
  g_mutex_clear (&journal->lock);
  g_free (journal);
}

/**
 * rb_pg_journal_get_db:
 * @journal: a queue
 *
 * Returns: (transfer none): its connection (to be used only while no
 *   other thread uses the queue).
 *
 * Since: 0.1.0
 */
RbDb *
rb_pg_journal_get_db (RbPgJournal * journal)
{
  g_return_val_if_fail (journal != NULL, NULL);
  return journal->db;
}

/**
 * rb_pg_journal_get_owner:
 * @journal: a queue
 *
 * Returns: (transfer none): the owner name written into its claims.
 *
 * Since: 0.1.0
 */
const gchar *
rb_pg_journal_get_owner (RbPgJournal * journal)
{
  g_return_val_if_fail (journal != NULL, NULL);
  return journal->owner;
}

/**
 * rb_pg_journal_set_max_attempts:
 * @journal: a queue
 * @max_attempts: failed claims (≥ 1) after which an item is quarantined;
 *   default %RB_JOURNAL_MAX_ATTEMPTS
 *
 * Since: 0.1.0
 */
void
rb_pg_journal_set_max_attempts (RbPgJournal * journal, guint max_attempts)
{
  g_return_if_fail (journal != NULL && max_attempts >= 1);

  g_mutex_lock (&journal->lock);
  journal->max_attempts = max_attempts;
  g_mutex_unlock (&journal->lock);
}

/**
 * rb_pg_journal_set_retry_backoff:
 * @journal: a queue
 * @first_s: pause before the first retry of a failed item, s
 * @max_s: longest pause, s (≥ @first_s)
 *
 * As rb_journal_set_retry_backoff(); defaults
 * %RB_JOURNAL_RETRY_FIRST_S and %RB_JOURNAL_RETRY_MAX_S.
 *
 * Since: 0.1.0
 */
void
rb_pg_journal_set_retry_backoff (RbPgJournal * journal, guint first_s,
    guint max_s)
{
  g_return_if_fail (journal != NULL && max_s >= first_s);

  g_mutex_lock (&journal->lock);
  journal->retry_first_s = first_s;
  journal->retry_max_s = max_s;
  g_mutex_unlock (&journal->lock);
}

/**
 * rb_pg_journal_enqueue:
 * @journal: a queue
 * @location: absolute path of the segment on the shared storage (the
 *   caller has written and fsync()ed it)
 * @source: (nullable): the camera that recorded it
 * @duration: its duration in ns, or G_MAXUINT64 when unknown
 * @out_id: (out) (optional) (transfer full): the item's id
 * @out_added: (out) (optional): %FALSE when @location was queued already
 * @error: return location for a #GError, or %NULL
 *
 * Adds a pending item, or finds the one that names @location already
 * (whatever its state): calling it again after a crash or a lost reply is
 * harmless. Committed when it returns %TRUE.
 *
 * Returns: %TRUE on success; %FALSE with a G_IO_ERROR for a relative path
 *   or an #RbDbError.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_enqueue (RbPgJournal * journal, const gchar * location,
    const gchar * source, guint64 duration, gchar ** out_id,
    gboolean * out_added, GError ** error)
{
  g_autofree gchar *dur = NULL;
  g_autoptr (PGresult) res = NULL;
  const gchar *params[3];

  g_return_val_if_fail (journal != NULL && location != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_path_is_absolute (location)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
        "cannot enqueue '%s': not an absolute path", location);
    return FALSE;
  }
  if (duration != G_MAXUINT64)
    dur = g_strdup_printf ("%" G_GUINT64_FORMAT,
        MIN (duration, (guint64) G_MAXINT64));
  params[0] = location;
  params[1] = source;
  params[2] = dur;

  g_mutex_lock (&journal->lock);
  res = rb_db_query (journal->db,
      "WITH ins AS (INSERT INTO queue_items (location, source, duration_ns) "
      "  VALUES ($1, $2, $3) ON CONFLICT (location) DO NOTHING "
      "  RETURNING id) "
      "SELECT id, true FROM ins "
      "UNION ALL SELECT id, false FROM queue_items "
      "  WHERE location = $1 AND NOT EXISTS (SELECT FROM ins)",
      3, params, error);
  if (res != NULL && PQntuples (res) == 0) {
    /* the row came from a transaction committed after this statement's
     * snapshot: a new statement sees it */
    g_clear_pointer (&res, PQclear);
    res = rb_db_query (journal->db, "SELECT id, false FROM queue_items "
        "WHERE location = $1", 1, params, error);
  }
  g_mutex_unlock (&journal->lock);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) != 1) {
    g_set_error (error, RB_DB_ERROR, RB_DB_ERROR_QUERY,
        "cannot enqueue '%s' in %s: the row vanished", location,
        rb_db_describe (journal->db));
    return FALSE;
  }
  if (out_id)
    *out_id = g_strdup (PQgetvalue (res, 0, 0));
  if (out_added)
    *out_added = g_str_equal (PQgetvalue (res, 0, 1), "t");
  return TRUE;
}

/**
 * rb_pg_journal_claim:
 * @journal: a queue
 * @lease_s: the lease in s (≥ 1); unless renewed, the item may be
 *   recovered by anyone once it expires
 * @error: return location for a #GError, or %NULL
 *
 * Claims the oldest pending item whose retry time has come, for this
 * journal, with `FOR UPDATE SKIP LOCKED`: among concurrent claimers on
 * every node, each item goes to exactly one.
 *
 * Returns: (transfer full) (nullable): the item, %NULL with no error when
 *   nothing is claimable, or %NULL with an #RbDbError.
 *
 * Since: 0.1.0
 */
RbJournalItem *
rb_pg_journal_claim (RbPgJournal * journal, guint lease_s, GError ** error)
{
  g_autofree gchar *lease = NULL;
  g_autoptr (PGresult) res = NULL;
  RbJournalItem *item = NULL;
  const gchar *params[2];

  g_return_val_if_fail (journal != NULL && lease_s >= 1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lease = g_strdup_printf ("%u", lease_s);
  params[0] = journal->owner;
  params[1] = lease;

  g_mutex_lock (&journal->lock);
  res = rb_db_query (journal->db,
      "WITH c AS (SELECT id AS claim_id FROM queue_items "
      "  WHERE state = 'pending' "
      "    AND (not_before IS NULL OR not_before <= now()) "
      "  ORDER BY enqueued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
      "UPDATE queue_items q SET state = 'claimed', claimed_by = $1, "
      "  claim_token = nextval('queue_claim_tokens'), claimed_at = now(), "
      "  lease_expires = now() + make_interval(secs => $2::float8) "
      "FROM c WHERE q.id = c.claim_id "
      "RETURNING " ITEM_COLUMNS ", claim_token", 2, params, error);
  if (res != NULL && PQntuples (res) == 1) {
    Claim *claim = g_new (Claim, 1);

    item = item_from_row (res, 0);
    claim->token = rb_db_get_int64 (res, 0, COL_STATE + 1, 0);
    claim->attempts = item->attempts;
    g_hash_table_replace (journal->claims, g_strdup (item->id), claim);
  }
  g_mutex_unlock (&journal->lock);
  return item;
}

static void
set_not_claimed_error (RbPgJournal * j, const gchar * id, GError ** error)
{
  g_set_error (error, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND,
      "item %s of the queue in %s is not claimed by %s", id,
      rb_db_describe (j->db), j->owner);
}

/* Runs @sql ($1 id, $2 claim token, then @extra) on an item this journal
 * has claimed, with the lock held. @forget: the claim ends on success.
 * Returns the result when a row was changed; NULL with NOT_FOUND if the
 * claim is not (or no longer) this journal's, or a database error. */
static PGresult *
with_own_claim (RbPgJournal * j, const gchar * id, const gchar * sql,
    gint n_extra, const gchar * const *extra, gboolean forget, GError ** error)
{
  Claim *claim = g_hash_table_lookup (j->claims, id);
  g_autofree gchar *token = NULL;
  const gchar *params[8];
  PGresult *res;

  g_return_val_if_fail (n_extra + 2 <= (gint) G_N_ELEMENTS (params), NULL);

  if (claim == NULL) {
    set_not_claimed_error (j, id, error);
    return NULL;
  }
  token = g_strdup_printf ("%" G_GINT64_FORMAT, claim->token);
  params[0] = id;
  params[1] = token;
  for (gint i = 0; i < n_extra; i++)
    params[2 + i] = extra[i];
  res = rb_db_query (j->db, sql, 2 + n_extra, params, error);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0) {
    /* somebody else claimed it since: our claim is over */
    PQclear (res);
    g_hash_table_remove (j->claims, id);
    set_not_claimed_error (j, id, error);
    return NULL;
  }
  if (forget)
    g_hash_table_remove (j->claims, id);
  return res;
}

/* with_own_claim() with the lock taken; TRUE if a row was changed. */
static gboolean
update_own_claim (RbPgJournal * j, const gchar * id, const gchar * sql,
    gint n_extra, const gchar * const *extra, gboolean forget,
    GError ** error)
{
  PGresult *res;

  g_mutex_lock (&j->lock);
  res = with_own_claim (j, id, sql, n_extra, extra, forget, error);
  g_mutex_unlock (&j->lock);
  PQclear (res);
  return res != NULL;
}

/* The rows an own claim may be in: claimed, or pending after
 * rb_pg_journal_recover() when nobody claimed it since. */
#define OWN_CLAIM "id = $1::bigint AND claim_token = $2::bigint " \
  "AND state IN ('claimed', 'pending')"

/**
 * rb_pg_journal_renew:
 * @journal: a queue
 * @id: an item claimed by this journal
 * @lease_s: the new lease from now, s
 * @error: return location for a #GError, or %NULL
 *
 * Extends the lease; an item recovered after its lease expired, and not
 * claimed by anyone since, is claimed again.
 *
 * Returns: %TRUE on success; %FALSE with %RB_JOURNAL_ERROR_NOT_FOUND when
 *   the claim is not this journal's (any more), or an #RbDbError.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_renew (RbPgJournal * journal, const gchar * id, guint lease_s,
    GError ** error)
{
  g_autofree gchar *lease = g_strdup_printf ("%u", lease_s);
  const gchar *extra[] = { lease };

  g_return_val_if_fail (journal != NULL && id != NULL, FALSE);

  return update_own_claim (journal, id,
      "UPDATE queue_items SET state = 'claimed', "
      "  lease_expires = now() + make_interval(secs => $3::float8) "
      "WHERE " OWN_CLAIM " RETURNING id", 1, extra, FALSE, error);
}

/**
 * rb_pg_journal_complete:
 * @journal: a queue
 * @id: an item claimed by this journal, or done already
 * @error: return location for a #GError, or %NULL
 *
 * Claimed → done. Idempotent: an item that is done already (a second call,
 * or a reply lost with the connection) succeeds.
 *
 * Returns: %TRUE when the item is done; %FALSE with
 *   %RB_JOURNAL_ERROR_NOT_FOUND when it is neither done nor claimed by this
 *   journal (another worker claimed it after the lease expired), or an
 *   #RbDbError.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_complete (RbPgJournal * journal, const gchar * id,
    GError ** error)
{
  PGresult *res;
  GError *err = NULL;
  gboolean ok;

  g_return_val_if_fail (journal != NULL && id != NULL, FALSE);

  g_mutex_lock (&journal->lock);
  res = with_own_claim (journal, id,
      "UPDATE queue_items SET state = 'done', completed_at = now(), "
      "  lease_expires = NULL, claim_token = NULL "
      "WHERE " OWN_CLAIM " RETURNING id", 0, NULL, TRUE, &err);
  ok = res != NULL;
  PQclear (res);
  if (!ok && g_error_matches (err, RB_JOURNAL_ERROR,
          RB_JOURNAL_ERROR_NOT_FOUND)) {
    const gchar *params[] = { id };
    g_autoptr (PGresult) state = rb_db_query (journal->db,
        "SELECT state FROM queue_items WHERE id = $1::bigint", 1, params,
        error);

    if (state != NULL && PQntuples (state) == 1
        && g_str_equal (PQgetvalue (state, 0, 0), "done")) {
      ok = TRUE;
    } else if (state != NULL) {
      g_propagate_error (error, g_steal_pointer (&err));
    }
  } else if (!ok) {
    g_propagate_error (error, g_steal_pointer (&err));
  }
  g_clear_error (&err);
  g_mutex_unlock (&journal->lock);
  return ok;
}

/**
 * rb_pg_journal_fail:
 * @journal: a queue
 * @id: an item claimed by this journal
 * @reason: (nullable): why, stored as its last failure
 * @error: return location for a #GError, or %NULL
 *
 * Counts a failed attempt: the item goes back to pending, claimable again
 * after rb_journal_retry_delay_s() of its attempts, or is quarantined once
 * they reach the maximum.
 *
 * Returns: %TRUE on success; %FALSE with %RB_JOURNAL_ERROR_NOT_FOUND when
 *   the claim is not this journal's, or an #RbDbError.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_fail (RbPgJournal * journal, const gchar * id,
    const gchar * reason, GError ** error)
{
  g_autofree gchar *max = NULL, *delay = NULL;
  const gchar *extra[3];
  Claim *claim;
  PGresult *res = NULL;

  g_return_val_if_fail (journal != NULL && id != NULL, FALSE);

  g_mutex_lock (&journal->lock);
  claim = g_hash_table_lookup (journal->claims, id);
  if (claim == NULL) {
    set_not_claimed_error (journal, id, error);
    goto out;
  }
  max = g_strdup_printf ("%u", journal->max_attempts);
  delay = g_strdup_printf ("%u", rb_journal_retry_delay_s
      (journal->retry_first_s, journal->retry_max_s, claim->attempts + 1));
  extra[0] = reason ? reason : "";
  extra[1] = max;
  extra[2] = delay;
  res = with_own_claim (journal, id,
      "UPDATE queue_items SET attempts = attempts + 1, last_failure = $3, "
      "  state = CASE WHEN attempts + 1 >= $4::int "
      "    THEN 'quarantined' ELSE 'pending' END, "
      "  not_before = CASE WHEN attempts + 1 >= $4::int THEN not_before "
      "    ELSE now() + make_interval(secs => $5::float8) END, "
      "  lease_expires = NULL, claim_token = NULL "
      "WHERE " OWN_CLAIM " RETURNING id", 3, extra, TRUE, error);
out:
  g_mutex_unlock (&journal->lock);
  PQclear (res);
  return res != NULL;
}

/**
 * rb_pg_journal_quarantine:
 * @journal: a queue
 * @id: an item claimed by this journal
 * @reason: (nullable): why, stored as its last failure
 * @error: return location for a #GError, or %NULL
 *
 * Claimed → quarantined at once (a damaged segment).
 *
 * Returns: %TRUE on success; %FALSE as rb_pg_journal_fail().
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_quarantine (RbPgJournal * journal, const gchar * id,
    const gchar * reason, GError ** error)
{
  const gchar *extra[] = { reason ? reason : "" };

  g_return_val_if_fail (journal != NULL && id != NULL, FALSE);

  return update_own_claim (journal, id,
      "UPDATE queue_items SET state = 'quarantined', last_failure = $3, "
      "  lease_expires = NULL, claim_token = NULL "
      "WHERE " OWN_CLAIM " RETURNING id", 1, extra, TRUE, error);
}

/**
 * rb_pg_journal_release:
 * @journal: a queue
 * @id: an item claimed by this journal
 * @error: return location for a #GError, or %NULL
 *
 * Claimed → pending without counting an attempt (a clean shutdown, or a
 * failure that is not the segment's).
 *
 * Returns: %TRUE on success; %FALSE as rb_pg_journal_fail().
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_release (RbPgJournal * journal, const gchar * id, GError ** error)
{
  g_return_val_if_fail (journal != NULL && id != NULL, FALSE);

  return update_own_claim (journal, id,
      "UPDATE queue_items SET state = 'pending', lease_expires = NULL, "
      "  claim_token = NULL "
      "WHERE " OWN_CLAIM " RETURNING id", 0, NULL, TRUE, error);
}

/**
 * rb_pg_journal_recover:
 * @journal: a queue
 * @error: return location for a #GError, or %NULL
 *
 * Returns every claim whose lease has expired (on the database's clock) to
 * pending, whoever held it: its worker or node died, or lost the database
 * for longer than the lease. No attempt is counted (as in the journal);
 * the row's `reclaims` counts these. Call it periodically from any node.
 *
 * Returns: how many items went back to pending (0 with @error set on
 *   failure).
 *
 * Since: 0.1.0
 */
guint
rb_pg_journal_recover (RbPgJournal * journal, GError ** error)
{
  g_autoptr (PGresult) res = NULL;

  g_return_val_if_fail (journal != NULL, 0);

  g_mutex_lock (&journal->lock);
  res = rb_db_query (journal->db,
      "UPDATE queue_items SET state = 'pending', lease_expires = NULL, "
      "  reclaims = reclaims + 1 "
      "WHERE state = 'claimed' AND lease_expires < now() RETURNING id",
      0, NULL, error);
  g_mutex_unlock (&journal->lock);
  return res ? (guint) PQntuples (res) : 0;
}

/**
 * rb_pg_journal_evict:
 * @journal: a queue
 * @location: the segment the item names
 * @reason: (nullable): why (e.g. "retention-raw 7 d")
 * @out_state: (out) (optional): the state the item was in
 * @error: return location for a #GError, or %NULL
 *
 * Pending, done or quarantined → evicted: retention deleted the segment.
 * An item evicted already succeeds again.
 *
 * Returns: %TRUE on success; %FALSE with %RB_JOURNAL_ERROR_NOT_FOUND when
 *   no item names @location, %RB_JOURNAL_ERROR_CLAIMED when a worker has
 *   claimed it, or an #RbDbError.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_evict (RbPgJournal * journal, const gchar * location,
    const gchar * reason, RbJournalItemState * out_state, GError ** error)
{
  const gchar *params[] = { location, reason ? reason : "" };
  g_autoptr (PGresult) res = NULL;
  gint state = -1;
  gboolean ok = FALSE;

  g_return_val_if_fail (journal != NULL && location != NULL, FALSE);

  g_mutex_lock (&journal->lock);
  res = rb_db_query (journal->db,
      "WITH old AS (SELECT id, state FROM queue_items "
      "  WHERE location = $1 FOR UPDATE) "
      "UPDATE queue_items q SET state = 'evicted', evicted_at = now(), "
      "  evicted_reason = $2 "
      "FROM old WHERE q.id = old.id "
      "  AND old.state IN ('pending', 'done', 'quarantined') "
      "RETURNING old.state", 2, params, error);
  if (res != NULL && PQntuples (res) == 1) {
    state = state_from_name (PQgetvalue (res, 0, 0));
    ok = TRUE;
  } else if (res != NULL) {
    g_clear_pointer (&res, PQclear);
    res = rb_db_query (journal->db, "SELECT state FROM queue_items "
        "WHERE location = $1", 1, params, error);
    if (res != NULL && PQntuples (res) == 0) {
      g_set_error (error, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND,
          "'%s' is not in the queue in %s", location,
          rb_db_describe (journal->db));
    } else if (res != NULL) {
      state = state_from_name (PQgetvalue (res, 0, 0));
      if (state == RB_JOURNAL_ITEM_EVICTED)
        ok = TRUE;
      else
        g_set_error (error, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_CLAIMED,
            "'%s' is being processed", location);
    }
  }
  g_mutex_unlock (&journal->lock);
  if (out_state && state >= 0)
    *out_state = state;
  return ok;
}

/**
 * rb_pg_journal_lookup:
 * @journal: a queue
 * @location: a segment
 * @out_state: (out) (optional): its item's state
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full) (nullable): the item that names @location;
 *   %NULL without error when there is none, or with an #RbDbError.
 *
 * Since: 0.1.0
 */
RbJournalItem *
rb_pg_journal_lookup (RbPgJournal * journal, const gchar * location,
    RbJournalItemState * out_state, GError ** error)
{
  const gchar *params[] = { location };
  g_autoptr (PGresult) res = NULL;
  RbJournalItem *item = NULL;

  g_return_val_if_fail (journal != NULL && location != NULL, NULL);

  g_mutex_lock (&journal->lock);
  res = rb_db_query (journal->db, "SELECT " ITEM_COLUMNS " FROM queue_items "
      "WHERE location = $1", 1, params, error);
  g_mutex_unlock (&journal->lock);
  if (res != NULL && PQntuples (res) == 1) {
    item = item_from_row (res, 0);
    if (out_state)
      *out_state = state_from_name (PQgetvalue (res, 0, COL_STATE));
  }
  return item;
}

/**
 * rb_pg_journal_count:
 * @journal: a queue
 * @state: a state
 * @out_count: (out): the number of items in @state
 * @error: return location for a #GError, or %NULL
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_count (RbPgJournal * journal, RbJournalItemState state,
    guint * out_count, GError ** error)
{
  const gchar *params[1];
  g_autoptr (PGresult) res = NULL;

  g_return_val_if_fail (journal != NULL && state < N_STATES, FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);

  params[0] = state_names[state];
  g_mutex_lock (&journal->lock);
  res = rb_db_query (journal->db, "SELECT count(*) FROM queue_items "
      "WHERE state = $1", 1, params, error);
  g_mutex_unlock (&journal->lock);
  if (res == NULL)
    return FALSE;
  *out_count = (guint) rb_db_get_int64 (res, 0, 0, 0);
  return TRUE;
}

/**
 * rb_pg_journal_list:
 * @journal: a queue
 * @state: a state
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full) (element-type RbJournalItem): the items in
 *   @state in enqueue order; free with `g_list_free_full (list,
 *   (GDestroyNotify) rb_journal_item_free)`. %NULL when there are none or
 *   with @error set.
 *
 * Since: 0.1.0
 */
GList *
rb_pg_journal_list (RbPgJournal * journal, RbJournalItemState state,
    GError ** error)
{
  const gchar *params[1];
  g_autoptr (PGresult) res = NULL;
  GList *items = NULL;

  g_return_val_if_fail (journal != NULL && state < N_STATES, NULL);

  params[0] = state_names[state];
  g_mutex_lock (&journal->lock);
  res = rb_db_query (journal->db, "SELECT " ITEM_COLUMNS " FROM queue_items "
      "WHERE state = $1 ORDER BY enqueued_at, id", 1, params, error);
  g_mutex_unlock (&journal->lock);
  for (gint i = res ? PQntuples (res) - 1 : -1; i >= 0; i--)
    items = g_list_prepend (items, item_from_row (res, i));
  return items;
}

/**
 * rb_pg_journal_listen:
 * @journal: a queue
 * @error: return location for a #GError, or %NULL
 *
 * Subscribes the journal's connection to #RB_PG_JOURNAL_CHANNEL, for
 * rb_pg_journal_wait().
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_listen (RbPgJournal * journal, GError ** error)
{
  gboolean ok;

  g_return_val_if_fail (journal != NULL, FALSE);

  g_mutex_lock (&journal->lock);
  ok = rb_db_listen (journal->db, RB_PG_JOURNAL_CHANNEL, error);
  g_mutex_unlock (&journal->lock);
  return ok;
}

/**
 * rb_pg_journal_wait:
 * @journal: a queue after rb_pg_journal_listen()
 * @timeout_ms: how long to wait at most
 * @error: return location for a #GError, or %NULL
 *
 * Waits until an item may be claimable: one was enqueued, released or
 * recovered, on any node (also since the last wait). Items whose retry
 * time comes are not announced: wait with a timeout and claim again.
 * The journal is locked meanwhile: it suits a journal per worker thread;
 * workers sharing a journal are woken better by one
 * rb_db_notify_source_new() on a connection of their own.
 *
 * Returns: %TRUE if woken, %FALSE on timeout or with an #RbDbError.
 *
 * Since: 0.1.0
 */
gboolean
rb_pg_journal_wait (RbPgJournal * journal, guint timeout_ms, GError ** error)
{
  gboolean ok;

  g_return_val_if_fail (journal != NULL, FALSE);

  g_mutex_lock (&journal->lock);
  ok = rb_db_wait_notify (journal->db, timeout_ms, error);
  g_mutex_unlock (&journal->lock);
  return ok;
}
