/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target journal: the item files of the durable segment queue
 * (lib/rb-journal.c), read from disk by the recorder and the workers, which
 * may find them torn, corrupt or written by another version.
 *
 * Input: one byte of options (bits 0-2: the state directory the item file
 * is put in, pending, claimed, done, quarantine or evicted; bits 3-5: what
 * is done with the claimed item), then the item file. Each run opens a
 * fresh queue holding that one item (recovery of claims included),
 * enqueues a real segment, lists every state, claims, acts on the claim,
 * looks the fuzzed location up, evicts and recovers. Checks: the queue
 * opens whatever the item holds (a corrupt item is quarantined, never an
 * error of the queue); the number of items over all states never changes
 * (nothing lost or duplicated); the real segment is found. */

#include "rb-fuzz.h"
#include "rb-journal.h"

#include <glib/gstdio.h>
#include <string.h>

static const gchar *const states[] = { "pending", "claimed", "done",
  "quarantine", "evicted"
};

#define ITEM_ID "0000000000000001-00000-seg.mkv"

static gchar *segment;          /* a real file to enqueue */
static gchar *queue_dir;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  rb_fuzz_init ();
  segment = g_build_filename (rb_fuzz_tmpdir (), "seg.mkv", NULL);
  queue_dir = g_build_filename (rb_fuzz_tmpdir (), "queue", NULL);
  if (!g_file_set_contents (segment, "segment", -1, NULL))
    abort ();
  return 0;
}

static guint
total (RbJournal * j)
{
  guint n = 0;

  for (guint s = RB_JOURNAL_ITEM_PENDING; s <= RB_JOURNAL_ITEM_EVICTED; s++)
    n += rb_journal_count (j, s);
  return n;
}

/* The location= of the item text, as GKeyFile reads it, or NULL. */
static gchar *
item_location (const gchar * text, gsize length)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();

  if (!g_key_file_load_from_data (kf, text, length, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_key_file_get_string (kf, "item", "location", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (RbJournal) j = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (RbJournalItem) item = NULL;
  g_autofree gchar *state_dir = NULL, *path = NULL, *location = NULL;
  guint state, action, n;

  if (size < 1)
    return 0;
  state = (data[0] & 7) % G_N_ELEMENTS (states);
  action = (data[0] >> 3) & 7;

  rb_fuzz_empty_dir (queue_dir);
  state_dir = g_build_filename (queue_dir, states[state], NULL);
  path = g_build_filename (state_dir, ITEM_ID, NULL);
  if (g_mkdir_with_parents (state_dir, 0755) < 0
      || !g_file_set_contents (path, (const gchar *) data + 1, size - 1,
          NULL))
    abort ();

  j = rb_journal_open (queue_dir, &err);
  rb_fuzz_assert (j != NULL, err->message);
  rb_journal_set_retry_backoff (j, 0, 0);
  rb_fuzz_assert (total (j) == 1, "the item after open");
  for (guint s = RB_JOURNAL_ITEM_PENDING; s <= RB_JOURNAL_ITEM_EVICTED; s++)
    g_list_free_full (rb_journal_list (j, s),
        (GDestroyNotify) rb_journal_item_free);

  rb_fuzz_assert (rb_journal_enqueue (j, segment, "cam", 1000, NULL, &err),
      err->message);
  n = total (j);
  rb_fuzz_assert (n == 2, "after enqueue");
  rb_fuzz_assert (rb_journal_contains (j, segment), "enqueued");

  item = rb_journal_claim (j, 60, &err);
  rb_fuzz_assert (err == NULL, err->message);
  if (item != NULL) {
    gboolean ok = TRUE;

    rb_fuzz_assert (item->id != NULL && item->location != NULL, "item");
    rb_journal_renew (j, item->id, 30, NULL);
    switch (action) {
      case 0:
        ok = rb_journal_complete (j, item->id, &err);
        break;
      case 1:
        ok = rb_journal_fail (j, item->id, "fuzz", &err);
        break;
      case 2:
        ok = rb_journal_quarantine (j, item->id, "fuzz", &err);
        break;
      case 3:
        ok = rb_journal_release (j, item->id, &err);
        break;
      default:
        break;
    }
    rb_fuzz_assert (ok, err->message);
  }
  rb_fuzz_assert (total (j) == n, "after the claim");

  location = item_location ((const gchar *) data + 1, size - 1);
  if (location != NULL) {
    RbJournalItemState s;
    g_autoptr (RbJournalItem) found = rb_journal_lookup (j, location, &s);

    if (found != NULL)
      rb_fuzz_assert (g_str_equal (found->location, location), location);
    rb_journal_contains (j, location);
    if (g_path_is_absolute (location))
      rb_journal_evict (j, location, "fuzz", NULL, NULL);
  }
  rb_journal_evict (j, segment, "fuzz", NULL, NULL);
  rb_journal_recover (j, NULL);
  rb_fuzz_assert (total (j) == n, "at the end");
  return 0;
}
