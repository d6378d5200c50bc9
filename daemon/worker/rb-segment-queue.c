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

/* The segment queue's interface and its file journal backend: see
 * rb-segment-queue.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-segment-queue.h"

G_DEFINE_QUARK (rb-segment-queue-error-quark, rb_segment_queue_error);

void
rb_segment_queue_init (RbSegmentQueue * q, const RbSegmentQueueClass * klass,
    const gchar * description, const gchar * dir)
{
  q->klass = klass;
  q->description = g_strdup (description);
  q->dir = g_strdup (dir);
}

void
rb_segment_queue_free (RbSegmentQueue * q)
{
  if (q == NULL)
    return;
  if (q->klass->finalize)
    q->klass->finalize (q);
  g_free (q->description);
  g_free (q->dir);
  g_free (q);
}

const gchar *
rb_segment_queue_describe (RbSegmentQueue * q)
{
  return q->description;
}

const gchar *
rb_segment_queue_get_dir (RbSegmentQueue * q)
{
  return q->dir;
}

gboolean
rb_segment_queue_add (RbSegmentQueue * q, const gchar * location,
    const gchar * source, guint64 duration, GError ** error)
{
  return q->klass->add (q, location, source, duration, error);
}

gboolean
rb_segment_queue_contains (RbSegmentQueue * q, const gchar * location)
{
  return q->klass->contains (q, location);
}

RbJournalItem *
rb_segment_queue_claim (RbSegmentQueue * q, guint lease_s, GError ** error)
{
  return q->klass->claim (q, lease_s, error);
}

gboolean
rb_segment_queue_renew (RbSegmentQueue * q, const gchar * id, guint lease_s,
    GError ** error)
{
  return q->klass->renew (q, id, lease_s, error);
}

gboolean
rb_segment_queue_complete (RbSegmentQueue * q, const RbJournalItem * item,
    const RbSegmentResult * result, GError ** error)
{
  return q->klass->complete (q, item, result, error);
}

gboolean
rb_segment_queue_fail (RbSegmentQueue * q, const RbJournalItem * item,
    const gchar * reason, gboolean quarantine, GError ** error)
{
  return q->klass->fail (q, item, reason, quarantine, error);
}

gboolean
rb_segment_queue_release (RbSegmentQueue * q, const gchar * id,
    GError ** error)
{
  return q->klass->release (q, id, error);
}

guint
rb_segment_queue_recover (RbSegmentQueue * q, GError ** error)
{
  return q->klass->recover (q, error);
}

gboolean
rb_segment_queue_evict (RbSegmentQueue * q, const gchar * location,
    const gchar * reason, RbJournalItemState * out_state, GError ** error)
{
  return q->klass->evict (q, location, reason, out_state, error);
}

RbJournalItem *
rb_segment_queue_lookup (RbSegmentQueue * q, const gchar * location,
    RbJournalItemState * out_state, GError ** error)
{
  return q->klass->lookup (q, location, out_state, error);
}

GList *
rb_segment_queue_list (RbSegmentQueue * q, RbJournalItemState state,
    GError ** error)
{
  return q->klass->list (q, state, error);
}

gboolean
rb_segment_queue_count (RbSegmentQueue * q, RbJournalItemState state,
    guint * out_count, GError ** error)
{
  return q->klass->count (q, state, out_count, error);
}

/* ---- the file journal ---- */

typedef struct {
  RbSegmentQueue parent;
  RbJournal *journal;           /* not owned */
} JournalQueue;

#define JOURNAL(q) (((JournalQueue *) (q))->journal)

static gboolean
journal_add (RbSegmentQueue * q, const gchar * location, const gchar * source,
    guint64 duration, GError ** error)
{
  GError *err = NULL;

  if (rb_journal_enqueue (JOURNAL (q), location, source, duration, NULL,
          &err))
    return TRUE;
  if (g_error_matches (err, RB_JOURNAL_ERROR, RB_JOURNAL_ERROR_EXISTS)) {
    g_error_free (err);
    return TRUE;
  }
  g_propagate_error (error, err);
  return FALSE;
}

static gboolean
journal_contains (RbSegmentQueue * q, const gchar * location)
{
  return rb_journal_contains (JOURNAL (q), location);
}

static RbJournalItem *
journal_claim (RbSegmentQueue * q, guint lease_s, GError ** error)
{
  return rb_journal_claim (JOURNAL (q), lease_s, error);
}

static gboolean
journal_renew (RbSegmentQueue * q, const gchar * id, guint lease_s,
    GError ** error)
{
  return rb_journal_renew (JOURNAL (q), id, lease_s, error);
}

static gboolean
journal_complete (RbSegmentQueue * q, const RbJournalItem * item,
    const RbSegmentResult * result, GError ** error)
{
  return rb_journal_complete (JOURNAL (q), item->id, error);
}

static gboolean
journal_fail (RbSegmentQueue * q, const RbJournalItem * item,
    const gchar * reason, gboolean quarantine, GError ** error)
{
  if (quarantine)
    return rb_journal_quarantine (JOURNAL (q), item->id, reason, error);
  return rb_journal_fail (JOURNAL (q), item->id, reason, error);
}

static gboolean
journal_release (RbSegmentQueue * q, const gchar * id, GError ** error)
{
  return rb_journal_release (JOURNAL (q), id, error);
}

static guint
journal_recover (RbSegmentQueue * q, GError ** error)
{
  return rb_journal_recover (JOURNAL (q), error);
}

static gboolean
journal_evict (RbSegmentQueue * q, const gchar * location,
    const gchar * reason, RbJournalItemState * out_state, GError ** error)
{
  return rb_journal_evict (JOURNAL (q), location, reason, out_state, error);
}

static RbJournalItem *
journal_lookup (RbSegmentQueue * q, const gchar * location,
    RbJournalItemState * out_state, GError ** error)
{
  return rb_journal_lookup (JOURNAL (q), location, out_state);
}

static GList *
journal_list (RbSegmentQueue * q, RbJournalItemState state, GError ** error)
{
  return rb_journal_list (JOURNAL (q), state);
}

static gboolean
journal_count (RbSegmentQueue * q, RbJournalItemState state,
    guint * out_count, GError ** error)
{
  *out_count = rb_journal_count (JOURNAL (q), state);
  return TRUE;
}

static const RbSegmentQueueClass journal_class = {
  "journal",
  journal_add,
  journal_contains,
  journal_claim,
  journal_renew,
  journal_complete,
  journal_fail,
  journal_release,
  journal_recover,
  journal_evict,
  journal_lookup,
  journal_list,
  journal_count,
  NULL,
};

RbSegmentQueue *
rb_segment_queue_new_journal (RbJournal * journal)
{
  JournalQueue *q = g_new0 (JournalQueue, 1);

  rb_segment_queue_init (&q->parent, &journal_class,
      rb_journal_get_dir (journal), rb_journal_get_dir (journal));
  q->journal = journal;
  return &q->parent;
}
