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

/* Tests of the segmentqueue element with real pipelines
 * (videotestsrc ! x264enc ! h264parse ! segmentqueue). */

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rb-journal.h"
#include "rb-sidecar.h"

static gchar *tmpdir, *recdir, *qdir;

static void
tempdir_setup (void)
{
  tmpdir = g_build_filename (g_get_tmp_dir (), "segmentqueue-test-XXXXXX",
      NULL);
  fail_unless (g_mkdtemp (tmpdir) != NULL);
  recdir = g_build_filename (tmpdir, "rec", NULL);
  qdir = g_build_filename (tmpdir, "queue", NULL);
}

static void
tempdir_cleanup (void)
{
  gchar *argv[] = { (gchar *) "rm", (gchar *) "-rf", tmpdir, NULL };
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, NULL, NULL, NULL, NULL));
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&recdir, g_free);
  g_clear_pointer (&qdir, g_free);
}

/* sorted names of the files in @dir */
static GPtrArray *
list_dir (const gchar * dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  if (d)
    g_dir_close (d);
  return names;
}

typedef struct
{
  GList *queued;                /* GstStructure * of segment-queued, in order */
  guint closed;                 /* splitmuxsink-fragment-closed seen */
  guint queued_at_eos;
  gboolean got_eos;
  GError *error;
  gchar *error_debug;
} RunResult;

static void
run_result_clear (RunResult * r)
{
  g_list_free_full (r->queued, (GDestroyNotify) gst_structure_free);
  g_clear_error (&r->error);
  g_free (r->error_debug);
  memset (r, 0, sizeof (*r));
}

/* Runs @pipeline_desc to EOS or ERROR and collects the messages. */
static void
run_pipeline (const gchar * pipeline_desc, RunResult * r)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (pipeline_desc, &err);
  GstBus *bus;
  GstStateChangeReturn sret;

  fail_unless (pipeline != NULL, "%s", err ? err->message : "?");
  memset (r, 0, sizeof (*r));
  bus = gst_element_get_bus (pipeline);
  sret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (sret != GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    const GstStructure *s;

    fail_unless (msg != NULL, "timeout");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      r->got_eos = TRUE;
      r->queued_at_eos = g_list_length (r->queued);
      gst_message_unref (msg);
      break;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &r->error, &r->error_debug);
      gst_message_unref (msg);
      break;
    }
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "segmentqueue-segment-queued"))
      r->queued = g_list_append (r->queued, gst_structure_copy (s));
    else if (gst_structure_has_name (s, "splitmuxsink-fragment-closed"))
      r->closed++;
    gst_message_unref (msg);
  }
  if (sret == GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg) {
      gst_message_parse_error (msg, &r->error, &r->error_debug);
      gst_message_unref (msg);
    }
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  /* messages posted while going to NULL */
  {
    GstMessage *msg;
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
      const GstStructure *s = gst_message_get_structure (msg);
      if (gst_structure_has_name (s, "segmentqueue-segment-queued"))
        r->queued = g_list_append (r->queued, gst_structure_copy (s));
      gst_message_unref (msg);
    }
  }
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

static gchar *
record_desc (guint num_buffers, const gchar * extra)
{
  return g_strdup_printf ("videotestsrc num-buffers=%u ! "
      "video/x-raw,framerate=30/1,width=160,height=120 ! "
      "x264enc key-int-max=15 speed-preset=ultrafast threads=1 ! h264parse ! "
      "segmentqueue location=%s queue=%s max-size-time=1000000000 %s",
      num_buffers, recdir, qdir, extra ? extra : "");
}

static void
assert_decodes (const gchar * location, const gchar * demux)
{
  gchar *desc = g_strdup_printf ("filesrc location=%s ! %s ! h264parse ! "
      "avdec_h264 ! fakesink", location, demux);
  RunResult r;

  run_pipeline (desc, &r);
  fail_unless (r.error == NULL, "%s does not decode: %s", location,
      r.error ? r.error->message : "");
  fail_unless (r.got_eos);
  run_result_clear (&r);
  g_free (desc);
}

static void
check_recording (const gchar * muxer, const gchar * ext, const gchar * demux)
{
  gchar *extra = g_strdup_printf ("source-name=cam1 muxer-factory=%s", muxer);
  gchar *desc = record_desc (105, extra);       /* 3.5 s */
  RbJournal *j;
  RbJournalItem *item;
  GPtrArray *files;
  RunResult r;
  GList *l;
  guint i, n_items = 0;
  guint64 total = 0;

  run_pipeline (desc, &r);
  fail_unless (r.error == NULL, "error: %s", r.error ? r.error->message : "");
  fail_unless (r.got_eos);

  files = list_dir (recdir);
  fail_unless_equals_int (files->len, 4);
  /* every closed fragment was queued, and announced before EOS */
  fail_unless_equals_int (r.closed, 4);
  fail_unless_equals_int (g_list_length (r.queued), 4);
  fail_unless_equals_int (r.queued_at_eos, 4);

  for (i = 0; i < files->len; i++) {
    const gchar *f = g_ptr_array_index (files, i);
    gchar *base = g_path_get_basename (f);
    GRegex *re = g_regex_new ("^cam1-[0-9]{8}T[0-9]{6}\\.[0-9]{6}Z-[0-9]+\\.",
        0, 0, NULL);
    fail_unless (g_regex_match (re, base, 0, NULL), "bad name %s", base);
    fail_unless (g_str_has_suffix (base, ext), "bad name %s", base);
    g_regex_unref (re);
    g_free (base);
  }

  for (l = r.queued; l; l = l->next) {
    GstStructure *s = l->data;
    guint64 d = 0;
    gboolean rec = FALSE;
    fail_unless (g_file_test (gst_structure_get_string (s, "location"),
            G_FILE_TEST_IS_REGULAR));
    fail_unless (gst_structure_get_string (s, "id") != NULL);
    fail_unless_equals_string (gst_structure_get_string (s, "source"),
        "cam1");
    fail_unless (gst_structure_get_uint64 (s, "duration", &d));
    fail_unless (d > 0 && d <= 1100 * GST_MSECOND, "duration %"
        G_GUINT64_FORMAT, d);
    fail_if (gst_structure_get_boolean (s, "recovered", &rec) && rec);
  }

  j = rb_journal_open (qdir, NULL);
  fail_unless (j != NULL);
  for (i = 0; i < files->len; i++)
    fail_unless (rb_journal_contains (j,
            g_ptr_array_index (files, i)));
  l = r.queued;
  while ((item = rb_journal_claim (j, 60, NULL))) {
    GstStructure *s = l->data;
    /* queue order is recording order and matches the messages */
    fail_unless_equals_string (item->id, gst_structure_get_string (s, "id"));
    fail_unless_equals_string (item->location,
        gst_structure_get_string (s, "location"));
    fail_unless_equals_string (item->source, "cam1");
    total += item->duration;
    n_items++;
    rb_journal_item_free (item);
    l = l->next;
  }
  fail_unless_equals_int (n_items, 4);
  /* The durations come from splitmuxsink's running times, racy under load
   * in 1.22 (sums down to 2.0 s seen with mpegtsmux). Every fragment is
   * still there (checked above); the worker holds a raw segment to its
   * queued duration, so the sum must never exceed what was recorded. */
  fail_unless (total > 0 && total <= 3500 * GST_MSECOND,
      "total %" G_GUINT64_FORMAT, total);
  rb_journal_free (j);

  assert_decodes (g_ptr_array_index (files, 0), demux);
  assert_decodes (g_ptr_array_index (files, files->len - 1), demux);

  g_ptr_array_unref (files);
  run_result_clear (&r);
  g_free (desc);
  g_free (extra);
}

GST_START_TEST (test_record_and_queue_matroska)
{
  check_recording ("matroskamux", ".mkv", "matroskademux");
}

GST_END_TEST;

GST_START_TEST (test_record_and_queue_mpegts)
{
  check_recording ("mpegtsmux", ".ts", "tsdemux");
}

GST_END_TEST;

/* Motion JPEG (parsed, as from rtpjpegdepay ! jpegparse): every image is
 * a key frame, so segments are cut at max-size-time; each is queued, and
 * decodes from its first image with safedec (which the workers use). */
GST_START_TEST (test_record_mjpeg)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=45 ! "
      "video/x-raw,framerate=15/1,width=160,height=120 ! jpegenc ! "
      "jpegparse ! segmentqueue location=%s queue=%s source-name=mj "
      "max-size-time=1000000000", recdir, qdir);
  RunResult r;
  GList *l;
  guint64 total = 0;

  run_pipeline (desc, &r);
  fail_unless (r.error == NULL, "error: %s", r.error ? r.error->message : "");
  fail_unless (r.got_eos);
  fail_unless_equals_int (g_list_length (r.queued), 3);
  for (l = r.queued; l; l = l->next) {
    const gchar *location = gst_structure_get_string (l->data, "location");
    g_autofree gchar *check = g_strdup_printf ("filesrc location=%s ! "
        "matroskademux ! jpegparse ! safedec ! fakesink", location);
    RunResult d;
    guint64 duration = 0;

    fail_unless (gst_structure_get_uint64 (l->data, "duration", &duration));
    total += duration;
    run_pipeline (check, &d);
    fail_unless (d.error == NULL, "%s does not decode: %s", location,
        d.error ? d.error->message : "");
    fail_unless (d.got_eos);
    run_result_clear (&d);
  }
  /* never more than recorded (splitmuxsink's running times are racy
   * under load: less is possible) */
  fail_unless (total > 0 && total <= 3 * GST_SECOND,
      "total %" G_GUINT64_FORMAT, total);
  run_result_clear (&r);
  g_free (desc);
}

GST_END_TEST;

/* Audio streams are recorded beside the video, as they arrive: every
 * segment holds the A-law (or AAC) track and both decode. */
static void
check_audio_recording (const gchar * encoder, const gchar * decoder)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=90 ! "
      "video/x-raw,framerate=30/1,width=160,height=120 ! "
      "x264enc key-int-max=15 speed-preset=ultrafast threads=1 ! h264parse ! "
      "segmentqueue name=rec location=%s queue=%s max-size-time=1000000000 "
      "audiotestsrc num-buffers=150 samplesperbuffer=1600 ! "
      "audio/x-raw,rate=16000,channels=1 ! %s ! rec.audio_0", recdir, qdir,
      encoder);
  RunResult r;
  GList *l;

  run_pipeline (desc, &r);
  fail_unless (r.error == NULL, "%s", r.error ? r.error->message : "");
  fail_unless (g_list_length (r.queued) >= 2);
  for (l = r.queued; l; l = l->next) {
    const gchar *location = gst_structure_get_string (l->data, "location");
    gchar *check = g_strdup_printf ("filesrc location=%s ! matroskademux "
        "name=d d.video_0 ! queue ! h264parse ! avdec_h264 ! fakesink "
        "d.audio_0 ! queue ! %s ! fakesink", location, decoder);
    RunResult c;

    run_pipeline (check, &c);
    fail_unless (c.error == NULL, "%s: %s", location,
        c.error ? c.error->message : "");
    fail_unless (c.got_eos);
    run_result_clear (&c);
    g_free (check);
  }
  run_result_clear (&r);
  g_free (desc);
}

GST_START_TEST (test_record_audio_alaw)
{
  check_audio_recording ("alawenc", "alawdec");
}

GST_END_TEST;

GST_START_TEST (test_record_audio_aac)
{
  check_audio_recording ("avenc_aac ! aacparse", "avdec_aac");
}

GST_END_TEST;

GST_START_TEST (test_no_collision_across_runs)
{
  gchar *desc = record_desc (30, "source-name=cam1");
  GPtrArray *files;
  RunResult r;

  run_pipeline (desc, &r);
  fail_unless (r.got_eos);
  run_result_clear (&r);
  run_pipeline (desc, &r);
  fail_unless (r.got_eos);
  /* nothing recovered: the first run's file is already queued */
  fail_unless_equals_int (g_list_length (r.queued), 1);
  run_result_clear (&r);
  files = list_dir (recdir);
  fail_unless_equals_int (files->len, 2);
  g_ptr_array_unref (files);
  g_free (desc);
}

GST_END_TEST;

/* Records with gst-launch-1.0 in a child process and SIGKILLs it in the
 * middle of a segment; the next start must queue the orphan. */
GST_START_TEST (test_recover_after_sigkill)
{
  gchar *location_arg = g_strdup_printf ("location=%s", recdir);
  gchar *queue_arg = g_strdup_printf ("queue=%s", qdir);
  gchar *argv[] = { (gchar *) "gst-launch-1.0", (gchar *) "-q",
    (gchar *) "videotestsrc", (gchar *) "is-live=true", (gchar *) "!",
    (gchar *) "video/x-raw,framerate=30/1,width=160,height=120",
    (gchar *) "!", (gchar *) "x264enc", (gchar *) "key-int-max=15",
    (gchar *) "speed-preset=ultrafast", (gchar *) "tune=zerolatency",
    (gchar *) "!", (gchar *) "h264parse", (gchar *) "!",
    (gchar *) "segmentqueue", location_arg, queue_arg,
    (gchar *) "source-name=cam1", (gchar *) "max-size-time=60000000000",
    NULL
  };
  GError *err = NULL;
  GPtrArray *files;
  gchar *orphan, *other, *unrelated, *desc;
  GPid pid;
  RunResult r;
  GList *l;
  guint recovered = 0, i;
  RbJournal *j;
  int status;

  fail_unless (g_spawn_async (NULL, argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, &err),
      "%s", err ? err->message : "");
  /* wait for the first segment to have data, then 1 s more */
  for (i = 0; i < 300; i++) {
    GStatBuf st;
    files = list_dir (recdir);
    if (files->len == 1
        && g_stat (g_ptr_array_index (files, 0), &st) == 0
        && st.st_size > 20000) {
      g_ptr_array_unref (files);
      break;
    }
    g_ptr_array_unref (files);
    g_usleep (100 * 1000);
  }
  fail_unless (i < 300, "the child recorded nothing");
  g_usleep (G_USEC_PER_SEC);
  kill (pid, SIGKILL);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR);
  g_spawn_close_pid (pid);

  files = list_dir (recdir);
  fail_unless_equals_int (files->len, 1);
  orphan = g_strdup (g_ptr_array_index (files, 0));
  g_ptr_array_unref (files);
  j = rb_journal_open (qdir, NULL);
  fail_if (rb_journal_contains (j, orphan));
  rb_journal_free (j);

  /* files that are not ours are left alone */
  other = g_build_filename (recdir, "cam2-20260101T000000.000000Z-0.mkv", NULL);
  unrelated = g_build_filename (recdir, "notes.txt", NULL);
  fail_unless (g_file_set_contents (other, "x", -1, NULL));
  fail_unless (g_file_set_contents (unrelated, "x", -1, NULL));

  desc = record_desc (30, "source-name=cam1");
  run_pipeline (desc, &r);
  fail_unless (r.error == NULL, "%s", r.error ? r.error->message : "");
  fail_unless (r.got_eos);
  fail_unless_equals_int (g_list_length (r.queued), 2);
  for (l = r.queued; l; l = l->next) {
    GstStructure *s = l->data;
    gboolean rec = FALSE;
    if (gst_structure_get_boolean (s, "recovered", &rec) && rec) {
      guint64 d = 0;
      recovered++;
      fail_unless_equals_string (gst_structure_get_string (s, "location"),
          orphan);
      fail_unless_equals_string (gst_structure_get_string (s, "source"),
          "cam1");
      fail_unless (gst_structure_get_uint64 (s, "duration", &d));
      fail_unless_equals_uint64 (d, GST_CLOCK_TIME_NONE);
      /* announced first, at start */
      fail_unless (l == r.queued);
    }
  }
  fail_unless_equals_int (recovered, 1);
  run_result_clear (&r);

  j = rb_journal_open (qdir, NULL);
  fail_unless (rb_journal_contains (j, orphan));
  fail_if (rb_journal_contains (j, other));
  fail_if (rb_journal_contains (j, unrelated));
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 2);
  rb_journal_free (j);

  /* the killed segment is playable */
  assert_decodes (orphan, "matroskademux");

  g_free (desc);
  g_free (orphan);
  g_free (other);
  g_free (unrelated);
  g_free (location_arg);
  g_free (queue_arg);
}

GST_END_TEST;

static void
assert_start_fails (const gchar * location, const gchar * queue,
    const gchar * muxer, GQuark domain, gint code, const gchar * needle)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *sq = gst_element_factory_make ("segmentqueue", NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless (sq != NULL);
  g_object_set (sq, "location", location, "queue", queue, NULL);
  if (muxer)
    g_object_set (sq, "muxer-factory", muxer, NULL);
  gst_bin_add (GST_BIN (pipeline), sq);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, domain, code), "%s", err->message);
  if (needle)
    fail_unless (strstr (err->message, needle) != NULL, "'%s' lacks '%s'",
        err->message, needle);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_unwritable_dirs)
{
  gchar *file = g_build_filename (tmpdir, "plainfile", NULL);
  gchar *bad = g_build_filename (file, "sub", NULL);

  fail_unless (g_file_set_contents (file, "x", -1, NULL));
  /* queue under a regular file: cannot be created (works as root too) */
  assert_start_fails (recdir, bad, NULL, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_WRITE, bad);
  assert_start_fails (bad, qdir, NULL, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_WRITE, bad);
  /* plain mp4 is not crash-safe: refused */
  assert_start_fails (recdir, qdir, "mp4mux", GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS, "mp4mux");
  g_free (file);
  g_free (bad);
}

GST_END_TEST;

GST_START_TEST (test_queue_already_queued_survives)
{
  /* segments already queued stay queued when a later start fails */
  gchar *desc = record_desc (30, NULL);
  gchar *file = g_build_filename (tmpdir, "plainfile", NULL);
  gchar *bad = g_build_filename (file, "sub", NULL);
  RbJournal *j;
  RunResult r;

  run_pipeline (desc, &r);
  fail_unless (r.got_eos);
  run_result_clear (&r);
  fail_unless (g_file_set_contents (file, "x", -1, NULL));
  assert_start_fails (bad, qdir, NULL, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_WRITE, bad);
  j = rb_journal_open (qdir, NULL);
  fail_unless_equals_int (rb_journal_count (j,
          RB_JOURNAL_ITEM_PENDING), 1);
  rb_journal_free (j);
  g_free (desc);
  g_free (file);
  g_free (bad);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *sq = gst_element_factory_make ("segmentqueue", NULL);
  gchar *location, *queue, *source, *muxer;
  guint64 mst;
  GstPad *pad;

  fail_unless (sq != NULL);
  g_object_get (sq, "location", &location, "queue", &queue, "source-name",
      &source, "muxer-factory", &muxer, "max-size-time", &mst, NULL);
  fail_unless (location == NULL);
  fail_unless (queue == NULL);
  fail_unless_equals_string (source, "segment");
  fail_unless_equals_string (muxer, "matroskamux");
  fail_unless_equals_uint64 (mst, 30 * GST_SECOND);
  g_free (location);
  g_free (queue);
  g_free (source);
  g_free (muxer);

  g_object_set (sq, "location", "/a", "queue", "/b", "source-name", "cam",
      "muxer-factory", "mpegtsmux", "max-size-time", (guint64) GST_SECOND,
      NULL);
  g_object_get (sq, "location", &location, "queue", &queue, "source-name",
      &source, "muxer-factory", &muxer, "max-size-time", &mst, NULL);
  fail_unless_equals_string (location, "/a");
  fail_unless_equals_string (queue, "/b");
  fail_unless_equals_string (source, "cam");
  fail_unless_equals_string (muxer, "mpegtsmux");
  fail_unless_equals_uint64 (mst, GST_SECOND);
  g_free (location);
  g_free (queue);
  g_free (source);
  g_free (muxer);

  pad = gst_element_get_static_pad (sq, "sink");
  fail_unless (pad != NULL);
  {
    GstCaps *caps = gst_pad_query_caps (pad, NULL);
    GstCaps *h264 = gst_caps_from_string ("video/x-h264,alignment=au");
    fail_unless (gst_caps_can_intersect (caps, h264));
    gst_caps_unref (h264);
    gst_caps_unref (caps);
  }
  gst_object_unref (pad);
  gst_object_unref (sq);
}

GST_END_TEST;

GST_START_TEST (test_properties_locked_while_running)
{
  GstElement *sq = gst_element_factory_make ("segmentqueue", NULL);
  gchar *queue;

  g_object_set (sq, "location", recdir, "queue", qdir, NULL);
  fail_unless_equals_int (gst_element_set_state (sq, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (sq, "queue", "/elsewhere", NULL);
  g_object_get (sq, "queue", &queue, NULL);
  fail_unless_equals_string (queue, qdir);
  g_free (queue);
  fail_unless_equals_int (gst_element_set_state (sq, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (sq);
}

GST_END_TEST;

GST_START_TEST (test_gst_inspect)
{
  gchar *argv[] = { (gchar *) "gst-inspect-1.0", (gchar *) "segmentqueue",
    NULL
  };
  gchar *out = NULL;
  gint status = -1;
  const gchar *needles[] = { "Generic/Bin/Muxer", "location", "queue",
    "source-name", "muxer-factory", "max-size-time", "video/x-h264",
    "video/x-h265", "matroskamux or mpegtsmux", "Length of a segment in ns",
    "Default: 30000000000", "Default: \"segment\"",
  };
  guint i;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s", out);
  for (i = 0; i < G_N_ELEMENTS (needles); i++)
    fail_unless (strstr (out, needles[i]) != NULL, "missing '%s' in:\n%s",
        needles[i], out);
  g_free (out);
}

GST_END_TEST;

/* detections=true: a "live" branch beside the recorder gives every frame's
 * line (add-detections, with its running time) and end-detections at its
 * EOS. Every queued segment has its sidecar, finished (end line), with
 * every one of its frames, and the frames of the neighbours' 1.5 s. */
static GstPadProbeReturn
live_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstElement *rec = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
    GstEvent *ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
    const GstSegment *seg;
    guint64 rt;
    RbBox box = { 10, 10, 20, 20, 0.5f, RB_BOX_DETECTION };
    gchar *line;

    gst_event_parse_segment (ev, &seg);
    rt = gst_segment_to_running_time (seg, GST_FORMAT_TIME,
        GST_BUFFER_PTS (b));
    gst_event_unref (ev);
    line = rb_sidecar_format_frame (rt, RB_SIDECAR_FRAME_DETECTED, 1, &box,
        1);
    g_signal_emit_by_name (rec, "add-detections", rt, line);
    g_free (line);
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_EOS) {
    g_signal_emit_by_name (rec, "end-detections");
  }
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_detections_sidecar)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=105 ! "
      "video/x-raw,framerate=30/1,width=160,height=120 ! "
      "x264enc key-int-max=15 speed-preset=ultrafast threads=1 ! h264parse ! "
      "tee name=t t. ! queue ! segmentqueue name=rec location=%s queue=%s "
      "max-size-time=1000000000 source-name=cam detections=true "
      "t. ! queue ! avdec_h264 ! fakesink name=live", recdir, qdir);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *rec = gst_bin_get_by_name (GST_BIN (pipeline), "rec");
  GstElement *live = gst_bin_get_by_name (GST_BIN (pipeline), "live");
  GstPad *pad = gst_element_get_static_pad (live, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GList *queued = NULL, *l;
  guint64 start = 0;
  gboolean detections;

  g_object_get (rec, "detections", &detections, NULL);
  fail_unless (detections);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, live_probe, rec, NULL);
  gst_object_unref (pad);
  gst_object_unref (live);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

    fail_unless (msg != NULL, "timeout");
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    if (gst_structure_has_name (gst_message_get_structure (msg),
            "segmentqueue-segment-queued"))
      queued = g_list_append (queued,
          gst_structure_copy (gst_message_get_structure (msg)));
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (rec);
  gst_object_unref (pipeline);
  g_free (desc);

  /* The segments' boundaries are splitmuxsink's; its running times in the
   * fragment messages are racy under load (1.22), so the sidecars are
   * checked against the frames alone: each one finished and gap-free, the
   * first from frame 0, the last to frame 104, and each overlapping its
   * predecessor by at least the context (RB_SIDECAR_CONTEXT_NS). */
  fail_unless_equals_int (g_list_length (queued), 4);
  for (l = queued; l; l = l->next) {
    const gchar *location = gst_structure_get_string (l->data, "location");
    g_autofree gchar *path = rb_sidecar_path (location);
    g_autoptr (RbSidecar) sc = NULL;
    GError *err = NULL;
    guint64 first_pts = 0, last_pts = 0;
    guint k;

    sc = rb_sidecar_load (path, &err);
    fail_unless (sc != NULL, "%s: %s", location, err ? err->message : "");
    fail_unless (sc->complete, "%s: not finished", path);
    fail_unless_equals_int (sc->bad_lines, 0);
    fail_if (sc->torn);
    fail_unless (sc->frames->len > 0, "%s: no frames", path);
    first_pts = g_array_index (sc->frames, RbSidecarFrame, 0).pts;
    last_pts = g_array_index (sc->frames, RbSidecarFrame,
        sc->frames->len - 1).pts;
    /* every frame between its first and last, at 30 fps */
    for (k = 1; k < sc->frames->len; k++) {
      guint64 a = g_array_index (sc->frames, RbSidecarFrame, k - 1).pts;
      guint64 b = g_array_index (sc->frames, RbSidecarFrame, k).pts;

      fail_unless (b - a < GST_SECOND / 30 + GST_MSECOND,
          "%s: gap after %" GST_TIME_FORMAT, path, GST_TIME_ARGS (a));
    }
    if (l == queued) {
      fail_unless_equals_uint64 (first_pts, 0);
    } else {
      fail_unless (first_pts + RB_SIDECAR_CONTEXT_NS <= start,
          "%s: starts at %" GST_TIME_FORMAT ", the previous one ends at %" GST_TIME_FORMAT,
          path, GST_TIME_ARGS (first_pts), GST_TIME_ARGS (start));
    }
    if (l->next == NULL)
      fail_unless (last_pts + GST_MSECOND >= 104 * GST_SECOND / 30,
          "%s: ends at %" GST_TIME_FORMAT, path, GST_TIME_ARGS (last_pts));
    start = last_pts;
  }
  g_list_free_full (queued, (GDestroyNotify) gst_structure_free);
}

GST_END_TEST;

static Suite *
segmentqueue_suite (void)
{
  Suite *s = suite_create ("segmentqueue");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, tempdir_setup, tempdir_cleanup);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_properties_locked_while_running);
  tcase_add_test (tc, test_unwritable_dirs);
  tcase_add_test (tc, test_record_and_queue_matroska);
  tcase_add_test (tc, test_record_and_queue_mpegts);
  tcase_add_test (tc, test_record_mjpeg);
  tcase_add_test (tc, test_no_collision_across_runs);
  tcase_add_test (tc, test_record_audio_alaw);
  tcase_add_test (tc, test_record_audio_aac);
  tcase_add_test (tc, test_queue_already_queued_survives);
  tcase_add_test (tc, test_recover_after_sigkill);
  tcase_add_test (tc, test_gst_inspect);
  tcase_add_test (tc, test_detections_sidecar);
  return s;
}

GST_CHECK_MAIN (segmentqueue);
