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

#ifndef __RB_PG_JOURNAL_H__
#define __RB_PG_JOURNAL_H__

#include "rb-db.h"
#include "rb-journal.h"

G_BEGIN_DECLS

/**
 * RbPgJournal:
 *
 * The segment queue of a cluster, in PostgreSQL: the states, operations
 * and items (#RbJournalItem) of the file journal #RbJournal, shared by the
 * workers of every node.
 *
 * Since: 0.1.0
 */
typedef struct _RbPgJournal RbPgJournal;

/**
 * RB_PG_JOURNAL_CHANNEL:
 *
 * The NOTIFY channel on which the database announces an item that can be
 * claimed (a new one, a released or recovered one).
 *
 * Since: 0.1.0
 */
#define RB_PG_JOURNAL_CHANNEL "rb_queue"

RbPgJournal *rb_pg_journal_new (RbDb * db,
                                const gchar * owner);
void rb_pg_journal_free (RbPgJournal * journal);
RbDb *rb_pg_journal_get_db (RbPgJournal * journal);
const gchar *rb_pg_journal_get_owner (RbPgJournal * journal);

void rb_pg_journal_set_max_attempts (RbPgJournal * journal,
                                     guint max_attempts);
void rb_pg_journal_set_retry_backoff (RbPgJournal * journal,
                                      guint first_s,
                                      guint max_s);

gboolean rb_pg_journal_enqueue (RbPgJournal * journal,
                                const gchar * location,
                                const gchar * source,
                                guint64 duration,
                                gchar ** out_id,
                                gboolean * out_added,
                                GError ** error);
RbJournalItem *rb_pg_journal_claim (RbPgJournal * journal,
                                    guint lease_s,
                                    GError ** error);
gboolean rb_pg_journal_renew (RbPgJournal * journal,
                              const gchar * id,
                              guint lease_s,
                              GError ** error);
gboolean rb_pg_journal_complete (RbPgJournal * journal,
                                 const gchar * id,
                                 GError ** error);
gboolean rb_pg_journal_fail (RbPgJournal * journal,
                             const gchar * id,
                             const gchar * reason,
                             GError ** error);
gboolean rb_pg_journal_quarantine (RbPgJournal * journal,
                                   const gchar * id,
                                   const gchar * reason,
                                   GError ** error);
gboolean rb_pg_journal_release (RbPgJournal * journal,
                                const gchar * id,
                                GError ** error);
guint rb_pg_journal_recover (RbPgJournal * journal,
                             GError ** error);
gboolean rb_pg_journal_evict (RbPgJournal * journal,
                              const gchar * location,
                              const gchar * reason,
                              RbJournalItemState * out_state,
                              GError ** error);

RbJournalItem *rb_pg_journal_lookup (RbPgJournal * journal,
                                     const gchar * location,
                                     RbJournalItemState * out_state,
                                     GError ** error);
gboolean rb_pg_journal_count (RbPgJournal * journal,
                              RbJournalItemState state,
                              guint * out_count,
                              GError ** error);
GList *rb_pg_journal_list (RbPgJournal * journal,
                           RbJournalItemState state,
                           GError ** error);

gboolean rb_pg_journal_listen (RbPgJournal * journal,
                               GError ** error);
gboolean rb_pg_journal_wait (RbPgJournal * journal,
                             guint timeout_ms,
                             GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbPgJournal, rb_pg_journal_free)

G_END_DECLS

#endif /* __RB_PG_JOURNAL_H__ */
