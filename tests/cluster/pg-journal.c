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

/* Tests of daemon/cluster/rb-pg-journal, the segment queue in PostgreSQL:
 * idempotent enqueue, claims by concurrent connections never given twice,
 * expired claims recovered and fenced, idempotent completion, back-off then
 * quarantine with the journal's policy, LISTEN/NOTIFY wake-up. Run under
 * with-postgres. */

#include <gio/gio.h>
#include <string.h>

#include "rb-pg-journal.h"
#include "rb-test-pg.h"

#define SECOND_NS G_GUINT64_CONSTANT (1000000000)

static RbPgJournal *
new_journal (const gchar * conninfo, const gchar * owner)
{
  return rb_pg_journal_new (rb_test_pg_connect (conninfo), owner);
}

static gchar *
enqueue (RbPgJournal * j, const gchar * location)
{
  g_autoptr (GError) err = NULL;
  gchar *id = NULL;
  gboolean added = FALSE;

  g_assert_true (rb_pg_journal_enqueue (j, location, "cam1", 10 * SECOND_NS,
          &id, &added, &err));
  g_assert_no_error (err);
  g_assert_true (added);
  return id;
}

static guint
count (RbPgJournal * j, RbJournalItemState state)
{
  g_autoptr (GError) err = NULL;
  guint n = 0;

  g_assert_true (rb_pg_journal_count (j, state, &n, &err));
  g_assert_no_error (err);
  return n;
}

static RbJournalItemState
state_of (RbPgJournal * j, const gchar * location)
{
  g_autoptr (GError) err = NULL;
  RbJournalItemState state = RB_JOURNAL_ITEM_EVICTED + 1;
  g_autoptr (RbJournalItem) item = rb_pg_journal_lookup (j, location, &state,
      &err);

  g_assert_no_error (err);
  g_assert_nonnull (item);
  return state;
}

static RbJournalItem *
claim (RbPgJournal * j, guint lease_s)
{
  g_autoptr (GError) err = NULL;
  RbJournalItem *item = rb_pg_journal_claim (j, lease_s, &err);

  g_assert_no_error (err);
  return item;
}

/* Seconds until the retry of @location, on the database's clock. */
static gdouble
retry_in_s (RbPgJournal * j, const gchar * location)
{
  const gchar *params[] = { location };
  g_autoptr (GError) err = NULL;
  g_autoptr (PGresult) res = rb_db_query (rb_pg_journal_get_db (j),
      "SELECT extract(epoch FROM not_before - now()) FROM queue_items "
      "WHERE location = $1", 1, params, &err);

  g_assert_no_error (err);
  return g_ascii_strtod (PQgetvalue (res, 0, 0), NULL);
}

static void
test_enqueue_idempotent (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j = new_journal (conninfo, "node-a/1/w0");
  g_autoptr (RbJournalItem) item = NULL;
  g_autofree gchar *id = NULL, *id2 = NULL;
  RbJournalItemState state;
  gboolean added = TRUE;
  gint64 now = g_get_real_time ();

  id = enqueue (j, "/storage/cam1/0001.mp4");
  g_assert_true (rb_pg_journal_enqueue (j, "/storage/cam1/0001.mp4", "other",
          5, &id2, &added, &err));
  g_assert_no_error (err);
  g_assert_false (added);
  g_assert_cmpstr (id2, ==, id);
  g_assert_cmpuint (count (j, RB_JOURNAL_ITEM_PENDING), ==, 1);

  item = rb_pg_journal_lookup (j, "/storage/cam1/0001.mp4", &state, &err);
  g_assert_no_error (err);
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_PENDING);
  g_assert_cmpstr (item->id, ==, id);
  g_assert_cmpstr (item->location, ==, "/storage/cam1/0001.mp4");
  g_assert_cmpstr (item->source, ==, "cam1");   /* the first one's */
  g_assert_cmpuint (item->duration, ==, 10 * SECOND_NS);
  g_assert_cmpuint (item->attempts, ==, 0);
  g_assert_cmpint (ABS (item->enqueued_us - now), <, 60 * G_USEC_PER_SEC);
  g_assert_cmpint (item->not_before_us, ==, 0);
  g_assert_null (item->last_failure);
  g_clear_pointer (&item, rb_journal_item_free);

  /* unknown duration, no source */
  g_assert_true (rb_pg_journal_enqueue (j, "/storage/x.mp4", NULL,
          G_MAXUINT64, NULL, NULL, &err));
  item = rb_pg_journal_lookup (j, "/storage/x.mp4", NULL, &err);
  g_assert_cmpuint (item->duration, ==, G_MAXUINT64);
  g_assert_null (item->source);
  g_clear_pointer (&item, rb_journal_item_free);

  /* done items stay done when enqueued again */
  item = claim (j, 60);
  g_assert_true (rb_pg_journal_complete (j, item->id, &err));
  g_assert_true (rb_pg_journal_enqueue (j, item->location, NULL, 0, NULL,
          &added, &err));
  g_assert_false (added);
  g_assert_cmpint (state_of (j, item->location), ==, RB_JOURNAL_ITEM_DONE);

  /* not an absolute path */
  g_assert_false (rb_pg_journal_enqueue (j, "rel/x.mp4", NULL, 0, NULL, NULL,
          &err));
  g_assert_error (err, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  g_clear_error (&err);

  /* unknown */
  g_assert_null (rb_pg_journal_lookup (j, "/nope", NULL, &err));
  g_assert_no_error (err);
}

static void
test_claim_order (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j = new_journal (conninfo, NULL);
  g_autoptr (RbJournalItem) a = NULL, b = NULL, c = NULL;
  GList *pending;

  g_free (enqueue (j, "/s/a"));
  g_free (enqueue (j, "/s/b"));
  g_free (enqueue (j, "/s/c"));
  a = claim (j, 60);
  b = claim (j, 60);
  g_assert_cmpstr (a->location, ==, "/s/a");
  g_assert_cmpstr (b->location, ==, "/s/b");
  g_assert_cmpuint (count (j, RB_JOURNAL_ITEM_CLAIMED), ==, 2);
  pending = rb_pg_journal_list (j, RB_JOURNAL_ITEM_PENDING, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (g_list_length (pending), ==, 1);
  g_assert_cmpstr (((RbJournalItem *) pending->data)->location, ==, "/s/c");
  g_list_free_full (pending, (GDestroyNotify) rb_journal_item_free);
  g_assert_true (rb_pg_journal_complete (j, a->id, &err));
  c = claim (j, 60);
  g_assert_cmpstr (c->location, ==, "/s/c");
  /* nothing left: NULL without error */
  g_assert_null (claim (j, 60));
  g_assert_cmpuint (count (j, RB_JOURNAL_ITEM_DONE), ==, 1);
  g_assert_cmpuint (count (j, RB_JOURNAL_ITEM_CLAIMED), ==, 2);
  /* the owner is written into the row */
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM queue_items "
          "WHERE state = 'claimed' AND claimed_by LIKE '%/%/%'"), ==, 2);
}

#define N_ITEMS 400
#define N_WORKERS 8

typedef struct
{
  const gchar *conninfo;
  gint *ready;
  GMutex *lock;
  GHashTable *seen;             /* id → worker, protected by lock */
  guint claimed;
  gchar *duplicate;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  g_autofree gchar *owner = g_strdup_printf ("node/%p", w);
  RbPgJournal *j = new_journal (w->conninfo, owner);
  RbJournalItem *item;

  g_atomic_int_inc (w->ready);
  while (g_atomic_int_get (w->ready) < N_WORKERS)
    g_usleep (1000);
  while ((item = claim (j, 60)) != NULL) {
    GError *err = NULL;

    g_mutex_lock (w->lock);
    if (g_hash_table_contains (w->seen, item->id) && !w->duplicate)
      w->duplicate = g_strdup (item->id);
    g_hash_table_insert (w->seen, g_strdup (item->id), w);
    g_mutex_unlock (w->lock);
    w->claimed++;
    if (!rb_pg_journal_complete (j, item->id, &err))
      g_error ("complete %s: %s", item->id, err->message);
    rb_journal_item_free (item);
  }
  rb_pg_journal_free (j);
  return NULL;
}

static void
test_concurrent_claims (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j = new_journal (conninfo, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);
  Worker w[N_WORKERS];
  GThread *threads[N_WORKERS];
  GMutex lock;
  gint ready = 0;
  guint total = 0, busy = 0;

  for (guint i = 0; i < N_ITEMS; i++) {
    g_autofree gchar *loc = g_strdup_printf ("/s/%04u.mp4", i);
    g_free (enqueue (j, loc));
  }
  g_mutex_init (&lock);
  for (guint i = 0; i < N_WORKERS; i++) {
    memset (&w[i], 0, sizeof w[i]);
    w[i].conninfo = conninfo;
    w[i].ready = &ready;
    w[i].lock = &lock;
    w[i].seen = seen;
    threads[i] = g_thread_new ("worker", worker_thread, &w[i]);
  }
  for (guint i = 0; i < N_WORKERS; i++)
    g_thread_join (threads[i]);
  g_mutex_clear (&lock);
  for (guint i = 0; i < N_WORKERS; i++) {
    g_assert_cmpstr (w[i].duplicate, ==, NULL);
    total += w[i].claimed;
    busy += w[i].claimed > 0;
  }
  /* every item claimed exactly once, by workers that really competed */
  g_assert_cmpuint (total, ==, N_ITEMS);
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_ITEMS);
  g_assert_cmpuint (busy, >=, 2);
  g_assert_cmpuint (count (j, RB_JOURNAL_ITEM_DONE), ==, N_ITEMS);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(DISTINCT claimed_by) "
          "FROM queue_items"), ==, busy);
}

static void
test_expired_claim_recovered (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j1 = new_journal (conninfo, "node-a/1/w0");
  g_autoptr (RbPgJournal) j2 = new_journal (conninfo, "node-b/2/w0");
  g_autoptr (RbJournalItem) a1 = NULL, a2 = NULL, b1 = NULL, c1 = NULL;

  g_free (enqueue (j1, "/s/a"));

  /* j1 claims with a 1 s lease, then goes silent (dies) */
  a1 = claim (j1, 1);
  g_assert_nonnull (a1);
  g_assert_cmpuint (rb_pg_journal_recover (j2, &err), ==, 0);
  g_assert_null (claim (j2, 60));
  g_usleep (1300 * 1000);

  /* expired on the database's clock: back to pending, claimed by j2 */
  g_assert_cmpuint (rb_pg_journal_recover (j2, &err), ==, 1);
  g_assert_no_error (err);
  a2 = claim (j2, 60);
  g_assert_nonnull (a2);
  g_assert_cmpstr (a2->id, ==, a1->id);
  g_assert_cmpuint (a2->attempts, ==, 0);       /* not counted */
  g_assert_cmpint (rb_test_pg_int (db, "SELECT reclaims FROM queue_items"),
      ==, 1);

  /* j1 comes back: fenced, it can neither renew nor complete */
  g_assert_false (rb_pg_journal_renew (j1, a1->id, 60, &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND);
  g_clear_error (&err);
  g_assert_false (rb_pg_journal_complete (j1, a1->id, &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND);
  g_clear_error (&err);
  g_assert_false (rb_pg_journal_fail (j1, a1->id, "x", &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND);
  g_clear_error (&err);
  g_assert_cmpint (state_of (j1, "/s/a"), ==, RB_JOURNAL_ITEM_CLAIMED);
  g_assert_true (rb_pg_journal_complete (j2, a2->id, &err));
  g_assert_no_error (err);

  /* an expired claim that nobody took since may still be completed by its
   * worker (it was only slow) */
  g_free (enqueue (j1, "/s/b"));
  b1 = claim (j1, 1);
  g_usleep (1300 * 1000);
  g_assert_cmpuint (rb_pg_journal_recover (j2, &err), ==, 1);
  g_assert_true (rb_pg_journal_complete (j1, b1->id, &err));
  g_assert_no_error (err);
  g_assert_null (claim (j2, 60));

  /* a renewed lease does not expire */
  g_free (enqueue (j1, "/s/c"));
  c1 = claim (j1, 1);
  g_assert_true (rb_pg_journal_renew (j1, c1->id, 30, &err));
  g_assert_no_error (err);
  g_usleep (1300 * 1000);
  g_assert_cmpuint (rb_pg_journal_recover (j2, &err), ==, 0);
  g_assert_null (claim (j2, 60));
  /* j2 cannot touch j1's claim */
  g_assert_false (rb_pg_journal_complete (j2, c1->id, &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND);
  g_clear_error (&err);
  g_assert_true (rb_pg_journal_complete (j1, c1->id, &err));
}

static void
test_complete_idempotent (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j1 = new_journal (conninfo, NULL);
  g_autoptr (RbPgJournal) j2 = new_journal (conninfo, NULL);
  g_autoptr (RbJournalItem) a = NULL;
  g_autofree gchar *b = NULL;

  g_free (enqueue (j1, "/s/a"));
  b = enqueue (j1, "/s/b");
  a = claim (j1, 60);
  g_assert_true (rb_pg_journal_complete (j1, a->id, &err));
  g_assert_no_error (err);
  /* again, and from a journal that never claimed it: still done */
  g_assert_true (rb_pg_journal_complete (j1, a->id, &err));
  g_assert_no_error (err);
  g_assert_true (rb_pg_journal_complete (j2, a->id, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (count (j1, RB_JOURNAL_ITEM_DONE), ==, 1);
  g_assert_cmpint (rb_test_pg_int (db, "SELECT count(*) FROM queue_items "
          "WHERE state = 'done' AND claim_token IS NULL "
          "AND completed_at IS NOT NULL"), ==, 1);

  /* a pending item nobody claimed cannot be completed */
  g_assert_false (rb_pg_journal_complete (j1, b, &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND);
  g_clear_error (&err);
  g_assert_cmpint (state_of (j1, "/s/b"), ==, RB_JOURNAL_ITEM_PENDING);
}

static void
test_backoff_then_quarantine (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j = new_journal (conninfo, NULL);
  RbJournalItem *item;
  RbJournalItemState state;
  gdouble wait;

  /* 1 s, then 2 s; quarantined at the third failure */
  rb_pg_journal_set_retry_backoff (j, 1, 2);
  rb_pg_journal_set_max_attempts (j, 3);
  g_free (enqueue (j, "/s/a"));
  g_free (enqueue (j, "/s/b"));

  item = claim (j, 60);
  g_assert_cmpstr (item->location, ==, "/s/a");
  g_assert_true (rb_pg_journal_fail (j, item->id, "boom 1", &err));
  g_assert_no_error (err);
  rb_journal_item_free (item);
  wait = retry_in_s (j, "/s/a");
  g_assert_cmpfloat (wait, >, 0.5);
  g_assert_cmpfloat (wait, <=, 1.0);
  g_assert_cmpint (state_of (j, "/s/a"), ==, RB_JOURNAL_ITEM_PENDING);

  /* the failed item waits; the others go first */
  item = claim (j, 60);
  g_assert_cmpstr (item->location, ==, "/s/b");
  g_assert_true (rb_pg_journal_complete (j, item->id, &err));
  rb_journal_item_free (item);
  g_assert_null (claim (j, 60));
  g_usleep (1200 * 1000);

  item = claim (j, 60);
  g_assert_nonnull (item);
  g_assert_cmpstr (item->location, ==, "/s/a");
  g_assert_cmpuint (item->attempts, ==, 1);
  g_assert_cmpstr (item->last_failure, ==, "boom 1");
  g_assert_true (rb_pg_journal_fail (j, item->id, "boom 2", &err));
  rb_journal_item_free (item);
  /* doubled */
  wait = retry_in_s (j, "/s/a");
  g_assert_cmpfloat (wait, >, 1.5);
  g_assert_cmpfloat (wait, <=, 2.0);
  g_usleep (1000 * 1000);
  g_assert_null (claim (j, 60));
  g_usleep (1200 * 1000);

  item = claim (j, 60);
  g_assert_nonnull (item);
  g_assert_cmpuint (item->attempts, ==, 2);
  g_assert_true (rb_pg_journal_fail (j, item->id, "boom 3", &err));
  rb_journal_item_free (item);
  item = rb_pg_journal_lookup (j, "/s/a", &state, &err);
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_QUARANTINED);
  g_assert_cmpuint (item->attempts, ==, 3);
  g_assert_cmpstr (item->last_failure, ==, "boom 3");
  rb_journal_item_free (item);
  g_assert_cmpuint (count (j, RB_JOURNAL_ITEM_QUARANTINED), ==, 1);
  rb_test_pg_exec (db, "UPDATE queue_items SET not_before = NULL");
  g_assert_null (claim (j, 60));
}

/* The defaults are the file journal's (rb-journal.h), to the second. */
static void
test_default_policy (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j = new_journal (conninfo, NULL);
  RbJournalItemState state = RB_JOURNAL_ITEM_PENDING;

  g_free (enqueue (j, "/s/a"));
  for (guint attempt = 1; attempt <= RB_JOURNAL_MAX_ATTEMPTS; attempt++) {
    RbJournalItem *item = claim (j, 60);
    guint expect = rb_journal_retry_delay_s (RB_JOURNAL_RETRY_FIRST_S,
        RB_JOURNAL_RETRY_MAX_S, attempt);

    g_assert_nonnull (item);
    g_assert_true (rb_pg_journal_fail (j, item->id, "x", &err));
    g_assert_no_error (err);
    rb_journal_item_free (item);
    rb_journal_item_free (rb_pg_journal_lookup (j, "/s/a", &state, &err));
    if (attempt < RB_JOURNAL_MAX_ATTEMPTS) {
      gdouble wait = retry_in_s (j, "/s/a");

      g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_PENDING);
      g_assert_cmpfloat (wait, >, expect - 1.0);
      g_assert_cmpfloat (wait, <=, expect);
      /* skip the pause */
      rb_test_pg_exec (db, "UPDATE queue_items SET not_before = now()");
    }
  }
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_QUARANTINED);
  g_assert_cmpuint (rb_journal_retry_delay_s (30, 600, 1), ==, 30);
  g_assert_cmpuint (rb_journal_retry_delay_s (30, 600, 2), ==, 60);
  g_assert_cmpuint (rb_journal_retry_delay_s (30, 600, 6), ==, 600);
}

static void
test_quarantine_release_evict (void)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j1 = new_journal (conninfo, NULL);
  g_autoptr (RbPgJournal) j2 = new_journal (conninfo, NULL);
  RbJournalItem *item, *again;
  RbJournalItemState state;

  g_free (enqueue (j1, "/s/damaged"));
  g_free (enqueue (j1, "/s/interrupted"));
  g_free (enqueue (j1, "/s/old"));

  /* quarantined at once, no attempt counted */
  item = claim (j1, 60);
  g_assert_true (rb_pg_journal_quarantine (j1, item->id, "not a video", &err));
  g_assert_no_error (err);
  rb_journal_item_free (item);
  item = rb_pg_journal_lookup (j1, "/s/damaged", &state, &err);
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_QUARANTINED);
  g_assert_cmpuint (item->attempts, ==, 0);
  g_assert_cmpstr (item->last_failure, ==, "not a video");
  rb_journal_item_free (item);

  /* released: claimable again at once, by anyone, no attempt counted */
  item = claim (j1, 60);
  g_assert_cmpstr (item->location, ==, "/s/interrupted");
  g_assert_true (rb_pg_journal_release (j1, item->id, &err));
  g_assert_no_error (err);
  again = claim (j2, 60);
  g_assert_cmpstr (again->id, ==, item->id);
  g_assert_cmpuint (again->attempts, ==, 0);
  /* j1's claim is over */
  g_assert_false (rb_pg_journal_release (j1, item->id, &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND);
  g_clear_error (&err);

  /* evict: not while claimed; pending and quarantined ones yes, twice */
  g_assert_false (rb_pg_journal_evict (j1, "/s/interrupted", "retention",
          &state, &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_CLAIMED);
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_CLAIMED);
  g_clear_error (&err);
  g_assert_true (rb_pg_journal_evict (j1, "/s/old", "retention-raw 7 d",
          &state, &err));
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_PENDING);
  g_assert_true (rb_pg_journal_evict (j1, "/s/old", "again", &state, &err));
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_EVICTED);
  g_assert_true (rb_pg_journal_evict (j1, "/s/damaged", "retention", &state,
          &err));
  g_assert_cmpint (state, ==, RB_JOURNAL_ITEM_QUARANTINED);
  g_assert_no_error (err);
  g_assert_false (rb_pg_journal_evict (j1, "/s/unknown", NULL, NULL, &err));
  g_assert_error (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_NOT_FOUND);
  g_clear_error (&err);
  g_assert_cmpuint (count (j1, RB_JOURNAL_ITEM_EVICTED), ==, 2);
  g_assert_null (claim (j1, 60));
  rb_journal_item_free (item);
  rb_journal_item_free (again);
}

typedef struct
{
  const gchar *conninfo;
  guint timeout_ms;
  gint listening;
  gboolean woken;
  gint64 waited_us;
  RbJournalItem *item;
} Sleeper;

/* An idle worker: nothing to claim, so it waits for a notification. */
static gpointer
sleeper_thread (gpointer data)
{
  Sleeper *s = data;
  g_autoptr (GError) err = NULL;
  g_autoptr (RbPgJournal) j = new_journal (s->conninfo, "sleeper");
  gint64 start;

  g_assert_true (rb_pg_journal_listen (j, &err));
  g_assert_null (claim (j, 60));
  g_atomic_int_set (&s->listening, 1);
  start = g_get_monotonic_time ();
  s->woken = rb_pg_journal_wait (j, s->timeout_ms, &err);
  g_assert_no_error (err);
  s->waited_us = g_get_monotonic_time () - start;
  s->item = claim (j, 60);
  if (s->item)
    g_assert_true (rb_pg_journal_complete (j, s->item->id, &err));
  return NULL;
}

/* Starts a sleeper, runs @action once it waits, then joins it. */
static void
run_sleeper (Sleeper * s, void (*action) (RbPgJournal * j), RbPgJournal * j)
{
  GThread *t;

  s->listening = 0;
  s->woken = FALSE;
  g_clear_pointer (&s->item, rb_journal_item_free);
  t = g_thread_new ("sleeper", sleeper_thread, s);
  while (!g_atomic_int_get (&s->listening))
    g_usleep (10 * 1000);
  g_usleep (300 * 1000);
  action (j);
  g_thread_join (t);
}

static void
do_enqueue (RbPgJournal * j)
{
  g_free (enqueue (j, "/s/new"));
}

static gchar *
id_of (RbPgJournal * j, const gchar * location)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbJournalItem) item = rb_pg_journal_lookup (j, location, NULL,
      &err);

  g_assert_no_error (err);
  return g_strdup (item->id);
}

static void
do_fail (RbPgJournal * j)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *id = id_of (j, "/s/failing");

  g_assert_true (rb_pg_journal_fail (j, id, "x", &err));
  g_assert_no_error (err);
}

static void
do_release (RbPgJournal * j)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *id = id_of (j, "/s/held");

  g_assert_true (rb_pg_journal_release (j, id, &err));
  g_assert_no_error (err);
}

static void
test_notify_wakes_worker (void)
{
  g_autofree gchar *conninfo = NULL;
  g_autoptr (RbDb) db = rb_test_pg_new_migrated (&conninfo);
  g_autoptr (RbPgJournal) j = new_journal (conninfo, NULL);
  Sleeper s = { 0 };
  RbJournalItem *item;

  s.conninfo = conninfo;
  s.timeout_ms = 30000;
  /* an enqueue on another connection wakes it long before its 30 s
   * timeout, and it gets the item */
  run_sleeper (&s, do_enqueue, j);
  g_assert_true (s.woken);
  g_assert_cmpint (s.waited_us, <, 10 * G_USEC_PER_SEC);
  g_assert_nonnull (s.item);
  g_assert_cmpstr (s.item->location, ==, "/s/new");

  /* two items claimed by j: nothing for the sleeper */
  g_free (enqueue (j, "/s/failing"));
  g_free (enqueue (j, "/s/held"));
  item = claim (j, 60);
  rb_journal_item_free (item);
  item = claim (j, 60);
  rb_journal_item_free (item);

  /* a failed item waiting for its retry (30 s) wakes nobody */
  s.timeout_ms = 1500;
  run_sleeper (&s, do_fail, j);
  g_assert_false (s.woken);
  g_assert_null (s.item);

  /* a released one does */
  s.timeout_ms = 30000;
  run_sleeper (&s, do_release, j);
  g_assert_true (s.woken);
  g_assert_cmpint (s.waited_us, <, 10 * G_USEC_PER_SEC);
  g_assert_nonnull (s.item);
  g_assert_cmpstr (s.item->location, ==, "/s/held");
  g_clear_pointer (&s.item, rb_journal_item_free);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/pg-journal/enqueue-idempotent",
      test_enqueue_idempotent);
  g_test_add_func ("/cluster/pg-journal/claim-order", test_claim_order);
  g_test_add_func ("/cluster/pg-journal/concurrent-claims",
      test_concurrent_claims);
  g_test_add_func ("/cluster/pg-journal/expired-claim-recovered",
      test_expired_claim_recovered);
  g_test_add_func ("/cluster/pg-journal/complete-idempotent",
      test_complete_idempotent);
  g_test_add_func ("/cluster/pg-journal/backoff-then-quarantine",
      test_backoff_then_quarantine);
  g_test_add_func ("/cluster/pg-journal/default-policy", test_default_policy);
  g_test_add_func ("/cluster/pg-journal/quarantine-release-evict",
      test_quarantine_release_evict);
  g_test_add_func ("/cluster/pg-journal/notify-wakes-worker",
      test_notify_wakes_worker);
  return g_test_run ();
}
