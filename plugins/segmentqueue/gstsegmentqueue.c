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
 * SECTION:element-segmentqueue
 * @title: segmentqueue
 *
 * segmentqueue records a parsed H.264 or H.265 stream, and the camera's
 * audio streams as they arrive (request pads `audio_%u`), into crash-safe
 * segment files with splitmuxsink (`async-finalize=true`, Matroska or
 * MPEG-TS, never plain MP4) and appends every finished segment to a durable
 * on-disk queue (#RbJournal) for an uploader to consume.
 *
 * The video is H.264 or H.265 (alignment au) or Motion JPEG (parsed JPEG
 * images, Matroska only: MPEG-TS has no JPEG).
 *
 * Segment files are named
 * `<source-name>-<UTC YYYYmmddTHHMMSS.uuuuuuZ>-<fragment id>.mkv` (or `.ts`)
 * in #GstSegmentQueue:location, so names never collide across restarts.
 *
 * When a segment is closed, its file and directory are fsync()ed, it is
 * enqueued, and the element posts a `segmentqueue-segment-queued` element
 * message. The #GstStructure of that message has these fields:
 *
 * - `location` (string): absolute path of the segment file
 * - `id` (string): the journal item id
 * - `duration` (guint64): duration in ns (from splitmuxsink's running times;
 *   the last segment misses its last frame's duration), or
 *   G_MAXUINT64 (GST_CLOCK_TIME_NONE) when unknown (recovered segments)
 * - `source` (string): the #GstSegmentQueue:source-name
 * - `recovered` (boolean, only present and %TRUE for recovered segments)
 *
 * On start (NULL→READY) the element opens the queue and scans
 * #GstSegmentQueue:location for segment files of its source-name that the
 * queue does not know: files left open by a crashed or killed process (they
 * are playable, Matroska and MPEG-TS keep the data). They are enqueued and
 * announced with `recovered=TRUE`. Empty files are deleted.
 *
 * On EOS the last segment is finalised and queued, and its message posted,
 * before the EOS message of the bin reaches the bus: an application that
 * sends EOS, waits for EOS on the bus and then sets the pipeline to NULL
 * loses nothing. A pipeline set to NULL without EOS leaves the open segment
 * unqueued on disk; it is recovered at the next start.
 *
 * Errors: an unusable location or queue directory fails the state change
 * with a RESOURCE OPEN_WRITE error naming the path; a segment that cannot be
 * fsync()ed or enqueued gives a RESOURCE WRITE error naming the file (the
 * file stays on disk and is recovered at the next start); segments already
 * queued stay queued.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -e videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=30 ! h264parse ! segmentqueue location=/tmp/rec queue=/tmp/q max-size-time=2000000000
 * ]| Records 2 s segments into /tmp/rec and queues them in /tmp/q.
 *
 * Since: 0.1.0
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsegmentqueue.h"
#include "rb-durable.h"
#include "rb-journal.h"
#include "rb-sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

GST_DEBUG_CATEGORY_STATIC (gst_segment_queue_debug);
#define GST_CAT_DEFAULT gst_segment_queue_debug

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_MAX_SIZE_TIME,
  PROP_QUEUE,
  PROP_SOURCE_NAME,
  PROP_MUXER_FACTORY,
  PROP_DETECTIONS,
};

enum
{
  SIGNAL_ADD_DETECTIONS,
  SIGNAL_END_DETECTIONS,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

#define DEFAULT_LOCATION NULL
#define DEFAULT_MAX_SIZE_TIME (30 * GST_SECOND)
#define DEFAULT_QUEUE NULL
#define DEFAULT_SOURCE_NAME "segment"
#define DEFAULT_MUXER_FACTORY "matroskamux"
#define DEFAULT_DETECTIONS FALSE

#define MSG_QUEUED "segmentqueue-segment-queued"

/* *INDENT-OFF* */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, alignment = (string) au; "
        "video/x-h265, alignment = (string) au; "
        "image/jpeg, parsed = (boolean) true"));

/* Audio as cameras send it, recorded without re-encoding: AAC, G.711
 * (A-law, mu-law; Matroska only) and MPEG audio. */
static GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE ("audio_%u",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("audio/mpeg; audio/x-alaw; audio/x-mulaw"));
/* *INDENT-ON* */

struct _GstSegmentQueue
{
  GstBin parent;

  GstElement *splitmux;
  GstPad *sinkpad;
  GList *audio_pads;            /* of our request ghost pads, object lock */
  guint next_audio_pad;         /* object lock */

  /* Settings, protected by the object lock */
  gchar *location;
  guint64 max_size_time;
  gchar *queue;
  gchar *source_name;
  gchar *muxer_factory;
  gboolean detections;

  /* State, protected by state_lock; set up in start(), freed in stop() */
  GMutex state_lock;
  RbJournal *journal;
  gchar *run_location;          /* absolute */
  gchar *run_source;
  const gchar *run_ext;
  GRegex *name_regex;
  GHashTable *open_fragments;   /* location → running time (guint64 *) */
  /* with #GstSegmentQueue:detections; protected by sidecar_lock (taken
   * after state_lock, never before: the live path never waits for a
   * segment's fsync) */
  GMutex sidecar_lock;
  RbSidecarWriter *sidecars;
  GstMessage *held_eos;
};

static void gst_segment_queue_finalize (GObject * object);
static void gst_segment_queue_add_detections (GstSegmentQueue * self,
    guint64 running_time, const gchar * line);
static void gst_segment_queue_end_detections (GstSegmentQueue * self);
static void gst_segment_queue_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_segment_queue_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_segment_queue_change_state (GstElement *
    element, GstStateChange transition);
static void gst_segment_queue_handle_message (GstBin * bin,
    GstMessage * message);
static GstPad *gst_segment_queue_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_segment_queue_release_pad (GstElement * element, GstPad * pad);
static gchar *gst_segment_queue_format_location (GstElement * splitmux,
    guint fragment_id, GstSample * first_sample, GstSegmentQueue * self);

#define gst_segment_queue_parent_class parent_class
G_DEFINE_TYPE (GstSegmentQueue, gst_segment_queue, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (segmentqueue, "segmentqueue", GST_RANK_NONE,
    GST_TYPE_SEGMENT_QUEUE);

static void
gst_segment_queue_class_init (GstSegmentQueueClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_segment_queue_debug, "segmentqueue", 0,
      "segmentqueue element");

  gobject_class->finalize = gst_segment_queue_finalize;
  gobject_class->set_property = gst_segment_queue_set_property;
  gobject_class->get_property = gst_segment_queue_get_property;

  /*
   * The properties flagged GST_PARAM_MUTABLE_READY are read when the element
   * goes from NULL to READY (the queue is opened and splitmuxsink built
   * then); set them in NULL: changes in READY or later are ignored with a
   * warning.
   */

  /**
   * GstSegmentQueue:location:
   *
   * Directory the segment files are written to. Created (with parents) at
   * start if missing. Required.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Directory for the segment files (created if missing; required); "
          "set in NULL state",
          DEFAULT_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSegmentQueue:max-size-time:
   *
   * Target length of a segment in ns (0 = no limit), passed to
   * splitmuxsink. A segment is cut at the first keyframe after this time,
   * so segments can be up to one GOP longer or shorter.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE_TIME,
      g_param_spec_uint64 ("max-size-time", "Max Size Time",
          "Length of a segment in ns, cut at the next keyframe "
          "(0 = unlimited); set in NULL state", 0, G_MAXUINT64,
          DEFAULT_MAX_SIZE_TIME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSegmentQueue:queue:
   *
   * Directory of the durable queue (#RbJournal) the finished
   * segments are appended to. Created if missing. Required.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_QUEUE,
      g_param_spec_string ("queue", "Queue",
          "Directory of the on-disk queue the segments are appended to "
          "(created if missing; required); set in NULL state",
          DEFAULT_QUEUE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSegmentQueue:source-name:
   *
   * Name of the source (e.g. the camera), stored with every queued item and
   * used as the prefix of the segment file names. Only letters, digits,
   * '-', '_' and '.' are kept in file names; others become '_'.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_SOURCE_NAME,
      g_param_spec_string ("source-name", "Source Name",
          "Name of the source stored with each segment and prefix of the "
          "segment file names; set in NULL state", DEFAULT_SOURCE_NAME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSegmentQueue:muxer-factory:
   *
   * Muxer of the segments: `matroskamux` (files `.mkv`) or `mpegtsmux`
   * (files `.ts`). Both keep the data of the open segment when the process
   * is killed. `mp4mux` is refused (start fails with RESOURCE SETTINGS):
   * plain MP4 loses the whole open segment on a crash ("moov atom not
   * found").
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_MUXER_FACTORY,
      g_param_spec_string ("muxer-factory", "Muxer Factory",
          "Muxer of the segments: matroskamux or mpegtsmux (crash-safe "
          "formats only); set in NULL state", DEFAULT_MUXER_FACTORY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSegmentQueue:detections:
   *
   * Keep a detections sidecar beside each segment (SEGMENT.mkv.detections,
   * format in lib/rb-sidecar.h): the frames given with the
   * #GstSegmentQueue::add-detections action signal are appended to the
   * sidecar of the segment their running time falls in (and, as context,
   * of the neighbouring segments within 1.5 s). A sidecar is created when
   * its segment is opened, and finished (an `end` line, fsync) once a
   * frame 1.5 s past the segment's end has been added, at
   * #GstSegmentQueue::end-detections, or (without the `end` line) when
   * the element stops. A sidecar that cannot be written is logged and left
   * incomplete; recording goes on.
   *
   * Default: false.
   *
   * Since: 0.1.0
   */
  g_object_class_install_property (gobject_class, PROP_DETECTIONS,
      g_param_spec_boolean ("detections", "Detections",
          "Keep a detections sidecar beside each segment, fed by the "
          "add-detections action signal; set in NULL state",
          DEFAULT_DETECTIONS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstSegmentQueue::add-detections:
   * @segmentqueue: the element
   * @running_time: the frame's running time, ns (that of the recorded
   *   stream: the time the segment stores it at)
   * @line: the frame's line, from rb_sidecar_format_frame()
   *
   * Appends one frame's detections to the sidecars (with
   * #GstSegmentQueue:detections; ignored otherwise or when stopped). Any
   * thread; frames in increasing running time.
   *
   * Since: 0.1.0
   */
  signals[SIGNAL_ADD_DETECTIONS] = g_signal_new_class_handler
      ("add-detections", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_segment_queue_add_detections), NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);

  /**
   * GstSegmentQueue::end-detections:
   * @segmentqueue: the element
   *
   * Every frame has been added (the stream's end): every open sidecar is
   * finished as complete.
   *
   * Since: 0.1.0
   */
  signals[SIGNAL_END_DETECTIONS] = g_signal_new_class_handler
      ("end-detections", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_segment_queue_end_detections), NULL, NULL, NULL,
      G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  /**
   * GstSegmentQueue!audio_%u:
   *
   * Audio streams recorded into the segments beside the video, as they
   * arrive (AAC, G.711 A-law and mu-law, MPEG audio; G.711 needs
   * `muxer-factory=matroskamux`). Request them before the element goes to
   * READY. Every requested pad must carry data (or EOS): the segments are
   * cut when all streams have reached the cut point.
   *
   * Since: 0.1.0
   */
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class,
      "Segment queue", "Generic/Bin/Muxer",
      "Records crash-safe segments with splitmuxsink and appends each "
      "finished segment to a durable on-disk queue",
      "rtsp-blur contributors");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_segment_queue_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_segment_queue_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_segment_queue_release_pad);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_segment_queue_handle_message);
}

static void
gst_segment_queue_init (GstSegmentQueue * self)
{
  g_mutex_init (&self->state_lock);
  g_mutex_init (&self->sidecar_lock);
  self->location = g_strdup (DEFAULT_LOCATION);
  self->max_size_time = DEFAULT_MAX_SIZE_TIME;
  self->queue = g_strdup (DEFAULT_QUEUE);
  self->source_name = g_strdup (DEFAULT_SOURCE_NAME);
  self->muxer_factory = g_strdup (DEFAULT_MUXER_FACTORY);

  /* splitmuxsink creates its first muxer when its pad is requested, so it
   * is built in start() once muxer-factory is known */
  self->sinkpad = gst_ghost_pad_new_no_target_from_template ("sink",
      gst_static_pad_template_get (&sink_template));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
}

static gpointer
copy_object (gconstpointer object, gpointer unused)
{
  return gst_object_ref ((gpointer) object);
}

/* Builds splitmuxsink for @muxer and targets the ghost pad at its video
 * pad. Called in NULL state. */
static gboolean
gst_segment_queue_make_splitmux (GstSegmentQueue * self, const gchar * muxer,
    guint64 max_size_time)
{
  GstElement *splitmux;
  GstPad *target;
  GList *audio_pads;

  splitmux = gst_element_factory_make ("splitmuxsink", "splitmuxsink");
  if (!splitmux) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("Missing element 'splitmuxsink' (gst-plugins-good)."), (NULL));
    return FALSE;
  }
  g_object_set (splitmux, "async-finalize", TRUE, "muxer-factory", muxer,
      "max-size-time", max_size_time, NULL);
  g_signal_connect (splitmux, "format-location-full",
      G_CALLBACK (gst_segment_queue_format_location), self);
  gst_bin_add (GST_BIN (self), splitmux);
  target = gst_element_request_pad_simple (splitmux, "video");
  if (!target || !gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad),
          target)) {
    GST_ELEMENT_ERROR (self, CORE, PAD, (NULL),
        ("Could not link to splitmuxsink's video pad"));
    gst_clear_object (&target);
    gst_bin_remove (GST_BIN (self), splitmux);
    return FALSE;
  }
  gst_object_unref (target);
  self->splitmux = splitmux;

  /* not under the object lock: requesting a pad notifies up the bin */
  GST_OBJECT_LOCK (self);
  audio_pads = g_list_copy_deep (self->audio_pads, copy_object, NULL);
  GST_OBJECT_UNLOCK (self);
  for (GList * l = audio_pads; l != NULL; l = l->next) {
    GstPad *ghost = l->data;

    target = gst_element_request_pad_simple (splitmux, "audio_%u");
    if (target == NULL || !gst_ghost_pad_set_target (GST_GHOST_PAD (ghost),
            target)) {
      GST_ELEMENT_ERROR (self, CORE, PAD, (NULL),
          ("Could not link %s to splitmuxsink", GST_PAD_NAME (ghost)));
      gst_clear_object (&target);
      g_list_free_full (audio_pads, gst_object_unref);
      return FALSE;
    }
    gst_object_unref (target);
  }
  g_list_free_full (audio_pads, gst_object_unref);
  return TRUE;
}

static GstPad *
gst_segment_queue_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstSegmentQueue *self = GST_SEGMENT_QUEUE (element);
  GstPad *ghost;
  gchar *pad_name;

  if (GST_STATE (self) > GST_STATE_NULL) {
    GST_WARNING_OBJECT (self, "audio pads must be requested in NULL state");
    return NULL;
  }
  GST_OBJECT_LOCK (self);
  pad_name = g_strdup_printf ("audio_%u", self->next_audio_pad++);
  GST_OBJECT_UNLOCK (self);
  ghost = gst_ghost_pad_new_no_target_from_template (pad_name, templ);
  g_free (pad_name);
  GST_OBJECT_LOCK (self);
  self->audio_pads = g_list_append (self->audio_pads, ghost);
  GST_OBJECT_UNLOCK (self);
  gst_element_add_pad (element, ghost);
  return ghost;
}

static void
gst_segment_queue_release_pad (GstElement * element, GstPad * pad)
{
  GstSegmentQueue *self = GST_SEGMENT_QUEUE (element);
  GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));

  GST_OBJECT_LOCK (self);
  self->audio_pads = g_list_remove (self->audio_pads, pad);
  GST_OBJECT_UNLOCK (self);
  gst_ghost_pad_set_target (GST_GHOST_PAD (pad), NULL);
  if (target != NULL) {
    if (self->splitmux)
      gst_element_release_request_pad (self->splitmux, target);
    gst_object_unref (target);
  }
  gst_element_remove_pad (element, pad);
}

static void
gst_segment_queue_remove_splitmux (GstSegmentQueue * self)
{
  GstElement *splitmux = self->splitmux;
  GList *audio_pads;

  if (!splitmux)
    return;
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), NULL);
  GST_OBJECT_LOCK (self);
  audio_pads = g_list_copy_deep (self->audio_pads, copy_object, NULL);
  GST_OBJECT_UNLOCK (self);
  for (GList * l = audio_pads; l != NULL; l = l->next)
    gst_ghost_pad_set_target (GST_GHOST_PAD (l->data), NULL);
  g_list_free_full (audio_pads, gst_object_unref);
  self->splitmux = NULL;
  gst_element_set_state (splitmux, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), splitmux);
}

static void
gst_segment_queue_finalize (GObject * object)
{
  GstSegmentQueue *self = GST_SEGMENT_QUEUE (object);

  g_free (self->location);
  g_free (self->queue);
  g_free (self->source_name);
  g_free (self->muxer_factory);
  g_free (self->run_location);
  g_free (self->run_source);
  g_clear_pointer (&self->journal, rb_journal_free);
  g_clear_pointer (&self->sidecars, rb_sidecar_writer_free);
  g_mutex_clear (&self->sidecar_lock);
  g_clear_pointer (&self->name_regex, g_regex_unref);
  g_clear_pointer (&self->open_fragments, g_hash_table_unref);
  gst_clear_message (&self->held_eos);
  g_list_free (self->audio_pads);
  g_mutex_clear (&self->state_lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_segment_queue_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSegmentQueue *self = GST_SEGMENT_QUEUE (object);
  gchar **field = NULL;
  GstState state;

  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  if (state > GST_STATE_NULL && (pspec->flags & GST_PARAM_MUTABLE_READY)) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "Cannot change %s in state %s: set it in "
        "NULL", pspec->name, gst_element_state_get_name (state));
    return;
  }
  switch (prop_id) {
    case PROP_LOCATION:
      field = &self->location;
      break;
    case PROP_QUEUE:
      field = &self->queue;
      break;
    case PROP_SOURCE_NAME:
      field = &self->source_name;
      break;
    case PROP_MUXER_FACTORY:
      field = &self->muxer_factory;
      break;
    case PROP_MAX_SIZE_TIME:
      self->max_size_time = g_value_get_uint64 (value);
      break;
    case PROP_DETECTIONS:
      self->detections = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (field) {
    g_free (*field);
    *field = g_value_dup_string (value);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_segment_queue_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSegmentQueue *self = GST_SEGMENT_QUEUE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_QUEUE:
      g_value_set_string (value, self->queue);
      break;
    case PROP_SOURCE_NAME:
      g_value_set_string (value, self->source_name);
      break;
    case PROP_MUXER_FACTORY:
      g_value_set_string (value, self->muxer_factory);
      break;
    case PROP_MAX_SIZE_TIME:
      g_value_set_uint64 (value, self->max_size_time);
      break;
    case PROP_DETECTIONS:
      g_value_set_boolean (value, self->detections);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */

static gchar *
sanitize_name (const gchar * name)
{
  gchar *s = g_strdup (name && *name ? name : DEFAULT_SOURCE_NAME);
  gchar *p;

  for (p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '_';
  if (s[0] == '.')
    s[0] = '_';
  return s;
}

static void
post_queued (GstSegmentQueue * self, const gchar * location, const gchar * id,
    guint64 duration, const gchar * source, gboolean recovered)
{
  GstStructure *s = gst_structure_new (MSG_QUEUED,
      "location", G_TYPE_STRING, location,
      "id", G_TYPE_STRING, id,
      "duration", G_TYPE_UINT64, duration,
      "source", G_TYPE_STRING, source, NULL);

  if (recovered)
    gst_structure_set (s, "recovered", G_TYPE_BOOLEAN, TRUE, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Makes @location durable and enqueues it. Called with state_lock held.
 * On error posts RESOURCE WRITE naming the file. Returns the id or NULL. */
static gchar *
queue_segment (GstSegmentQueue * self, const gchar * location,
    guint64 duration)
{
  GError *err = NULL;
  gchar *id = NULL;

  if (!self->journal) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not queue segment \"%s\".", location),
        ("the queue is not open"));
    goto out;
  }
  if (!rb_durable_fsync (location, &err)
      || !rb_durable_fsync_parent (location, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write segment \"%s\" to disk: %s", location,
            err->message), (NULL));
    g_clear_error (&err);
    goto out;
  }
  if (!rb_journal_enqueue (self->journal, location,
          self->run_source, duration, &id, &err)) {
    if (g_error_matches (err, RB_JOURNAL_ERROR,
            RB_JOURNAL_ERROR_EXISTS)) {
      GST_WARNING_OBJECT (self, "%s", err->message);
    } else {
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Could not queue segment \"%s\": %s", location, err->message),
          (NULL));
    }
    g_clear_error (&err);
    goto out;
  }
  GST_INFO_OBJECT (self, "queued %s as %s", location, id);

out:
  return id;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  /* g_ptr_array_sort passes pointers to the elements */
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

typedef struct
{
  gchar *location;
  gchar *id;
} Queued;

/* Enqueues the segment files of this source the queue does not know.
 * Called with state_lock held, before splitmuxsink opens a file. Returns
 * the recovered items (to be announced without the lock). */
static GList *
recover_segments (GstSegmentQueue * self)
{
  GDir *d = g_dir_open (self->run_location, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;
  GList *queued = NULL;
  guint i;

  while (d && (name = g_dir_read_name (d))) {
    if (g_regex_match (self->name_regex, name, 0, NULL))
      g_ptr_array_add (names, g_strdup (name));
  }
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  for (i = 0; i < names->len; i++) {
    gchar *path = g_build_filename (self->run_location,
        (const gchar *) g_ptr_array_index (names, i), NULL);
    GStatBuf st;

    if (g_stat (path, &st) < 0 || !S_ISREG (st.st_mode)
        || rb_journal_contains (self->journal, path)) {
      g_free (path);
      continue;
    }
    if (st.st_size == 0) {
      GST_WARNING_OBJECT (self, "removing empty segment %s", path);
      g_unlink (path);
      g_free (path);
      continue;
    }
    {
      gchar *id = queue_segment (self, path, GST_CLOCK_TIME_NONE);
      if (id) {
        Queued *q = g_new (Queued, 1);
        GST_INFO_OBJECT (self, "recovered segment %s", path);
        q->location = path;
        q->id = id;
        queued = g_list_append (queued, q);
      } else {
        g_free (path);
      }
    }
  }
  g_ptr_array_unref (names);
  return queued;
}

static void gst_segment_queue_stop (GstSegmentQueue * self);

static gboolean
gst_segment_queue_start (GstSegmentQueue * self)
{
  gchar *location, *queue, *source, *muxer;
  guint64 max_size_time;
  GError *err = NULL;
  GList *recovered = NULL, *l;
  gboolean ret = FALSE;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  queue = g_strdup (self->queue);
  source = g_strdup (self->source_name);
  muxer = g_strdup (self->muxer_factory);
  max_size_time = self->max_size_time;
  GST_OBJECT_UNLOCK (self);

  if (!location || !*location) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No segment directory given."), ("set the 'location' property"));
    goto out;
  }
  if (!queue || !*queue) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No queue directory given."), ("set the 'queue' property"));
    goto out;
  }
  if (g_strcmp0 (muxer, "matroskamux") != 0
      && g_strcmp0 (muxer, "mpegtsmux") != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Unsupported muxer-factory \"%s\".", GST_STR_NULL (muxer)),
        ("only matroskamux and mpegtsmux keep the open segment when the "
            "process is killed (mp4mux loses it)"));
    goto out;
  }
  {
    GstElementFactory *f = gst_element_factory_find (muxer);
    if (!f) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
          ("Missing element '%s'.", muxer), (NULL));
      goto out;
    }
    gst_object_unref (f);
  }
  if (g_mkdir_with_parents (location, 0755) < 0
      || g_access (location, W_OK | X_OK) < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not use segment directory \"%s\".", location),
        GST_ERROR_SYSTEM);
    goto out;
  }

  g_mutex_lock (&self->state_lock);
  self->journal = rb_journal_open (queue, &err);
  if (!self->journal) {
    g_mutex_unlock (&self->state_lock);
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open queue directory \"%s\".", queue),
        ("%s", err->message));
    g_clear_error (&err);
    goto out;
  }
  g_free (self->run_location);
  if (g_path_is_absolute (location)) {
    self->run_location = g_strdup (location);
  } else {
    gchar *cwd = g_get_current_dir ();
    self->run_location = g_build_filename (cwd, location, NULL);
    g_free (cwd);
  }
  g_free (self->run_source);
  self->run_source = g_strdup (source ? source : DEFAULT_SOURCE_NAME);
  self->run_ext = g_str_equal (muxer, "mpegtsmux") ? "ts" : "mkv";
  g_clear_pointer (&self->name_regex, g_regex_unref);
  {
    gchar *prefix = sanitize_name (source);
    gchar *escaped = g_regex_escape_string (prefix, -1);
    gchar *pattern = g_strdup_printf ("^%s-[0-9]{8}T[0-9]{6}\\.[0-9]{6}Z-"
        "[0-9]+\\.(mkv|ts)$", escaped);
    self->name_regex = g_regex_new (pattern, 0, 0, NULL);
    g_free (pattern);
    g_free (escaped);
    g_free (prefix);
  }
  g_clear_pointer (&self->open_fragments, g_hash_table_unref);
  self->open_fragments = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  gst_clear_message (&self->held_eos);
  g_mutex_lock (&self->sidecar_lock);
  g_clear_pointer (&self->sidecars, rb_sidecar_writer_free);
  GST_OBJECT_LOCK (self);
  if (self->detections)
    self->sidecars = rb_sidecar_writer_new ();
  GST_OBJECT_UNLOCK (self);
  g_mutex_unlock (&self->sidecar_lock);

  recovered = recover_segments (self);
  g_mutex_unlock (&self->state_lock);

  for (l = recovered; l; l = l->next) {
    Queued *q = l->data;
    post_queued (self, q->location, q->id, GST_CLOCK_TIME_NONE, source, TRUE);
    g_free (q->location);
    g_free (q->id);
    g_free (q);
  }
  g_list_free (recovered);

  gst_segment_queue_remove_splitmux (self);
  if (!gst_segment_queue_make_splitmux (self, muxer, max_size_time)) {
    gst_segment_queue_stop (self);
    goto out;
  }
  ret = TRUE;

out:
  g_free (location);
  g_free (queue);
  g_free (source);
  g_free (muxer);
  return ret;
}

static void
gst_segment_queue_stop (GstSegmentQueue * self)
{
  g_mutex_lock (&self->state_lock);
  g_clear_pointer (&self->journal, rb_journal_free);
  g_clear_pointer (&self->open_fragments, g_hash_table_unref);
  g_clear_pointer (&self->name_regex, g_regex_unref);
  gst_clear_message (&self->held_eos);
  /* whatever the live path has not delivered stays missing: the workers
   * detect on those frames */
  g_mutex_lock (&self->sidecar_lock);
  g_clear_pointer (&self->sidecars, rb_sidecar_writer_free);
  g_mutex_unlock (&self->sidecar_lock);
  g_mutex_unlock (&self->state_lock);
}

static void
gst_segment_queue_add_detections (GstSegmentQueue * self,
    guint64 running_time, const gchar * line)
{
  g_mutex_lock (&self->sidecar_lock);
  if (self->sidecars && line)
    rb_sidecar_writer_add (self->sidecars, running_time, line);
  g_mutex_unlock (&self->sidecar_lock);
}

static void
gst_segment_queue_end_detections (GstSegmentQueue * self)
{
  g_mutex_lock (&self->sidecar_lock);
  if (self->sidecars)
    rb_sidecar_writer_finish (self->sidecars, TRUE);
  g_mutex_unlock (&self->sidecar_lock);
}

static GstStateChangeReturn
gst_segment_queue_change_state (GstElement * element,
    GstStateChange transition)
{
  GstSegmentQueue *self = GST_SEGMENT_QUEUE (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!gst_segment_queue_start (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_NULL_TO_READY)
      gst_segment_queue_stop (self);
    return ret;
  }

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_mutex_lock (&self->state_lock);
      gst_clear_message (&self->held_eos);
      if (self->open_fragments)
        g_hash_table_remove_all (self->open_fragments);
      g_mutex_unlock (&self->state_lock);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      gst_segment_queue_stop (self);
      gst_segment_queue_remove_splitmux (self);
      break;
    default:
      break;
  }
  return ret;
}

static gchar *
gst_segment_queue_format_location (GstElement * splitmux, guint fragment_id,
    GstSample * first_sample, GstSegmentQueue * self)
{
  gchar *path = NULL, *prefix;
  const gchar *ext;
  gchar *dir;

  g_mutex_lock (&self->state_lock);
  dir = g_strdup (self->run_location ? self->run_location : ".");
  prefix = sanitize_name (self->run_source);
  ext = self->run_ext ? self->run_ext : "mkv";
  g_mutex_unlock (&self->state_lock);

  do {
    GDateTime *now = g_date_time_new_now_utc ();
    gchar *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
    gchar *name = g_strdup_printf ("%s-%s.%06dZ-%u.%s", prefix, stamp,
        g_date_time_get_microsecond (now), fragment_id, ext);

    g_free (path);
    path = g_build_filename (dir, name, NULL);
    g_free (name);
    g_free (stamp);
    g_date_time_unref (now);
    if (g_file_test (path, G_FILE_TEST_EXISTS))
      g_usleep (1);
    else
      break;
  } while (TRUE);

  GST_DEBUG_OBJECT (self, "fragment %u: %s", fragment_id, path);
  g_free (prefix);
  g_free (dir);
  return path;
}

static void
gst_segment_queue_handle_message (GstBin * bin, GstMessage * message)
{
  GstSegmentQueue *self = GST_SEGMENT_QUEUE (bin);

  if (!self->splitmux
      || GST_MESSAGE_SRC (message) != GST_OBJECT (self->splitmux))
    goto chain;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT) {
    const GstStructure *s = gst_message_get_structure (message);
    const gchar *location = gst_structure_get_string (s, "location");
    guint64 rt = GST_CLOCK_TIME_NONE;

    gst_structure_get_uint64 (s, "running-time", &rt);
    if (location && gst_structure_has_name (s, "splitmuxsink-fragment-opened")) {
      g_mutex_lock (&self->state_lock);
      if (self->open_fragments)
        g_hash_table_insert (self->open_fragments, g_strdup (location),
            g_memdup2 (&rt, sizeof (rt)));
      g_mutex_lock (&self->sidecar_lock);
      if (self->sidecars) {
        GError *err = NULL;

        if (!rb_sidecar_writer_open (self->sidecars, location,
                GST_CLOCK_TIME_IS_VALID (rt) ? rt : 0, &err)) {
          GST_WARNING_OBJECT (self, "no detections sidecar for %s: %s",
              location, err->message);
          g_clear_error (&err);
        }
      }
      g_mutex_unlock (&self->sidecar_lock);
      g_mutex_unlock (&self->state_lock);
    } else if (location
        && gst_structure_has_name (s, "splitmuxsink-fragment-closed")) {
      guint64 duration = GST_CLOCK_TIME_NONE;
      GstMessage *eos = NULL;
      gchar *id, *source;
      guint64 *start;

      /* 1.22 posts no fragment-duration; newer versions do */
      if (!gst_structure_get_uint64 (s, "fragment-duration", &duration))
        duration = GST_CLOCK_TIME_NONE;

      g_mutex_lock (&self->state_lock);
      if (self->open_fragments) {
        start = g_hash_table_lookup (self->open_fragments, location);
        if (duration == GST_CLOCK_TIME_NONE && start
            && GST_CLOCK_TIME_IS_VALID (*start) && GST_CLOCK_TIME_IS_VALID (rt)
            && rt >= *start)
          duration = rt - *start;
      }
      id = queue_segment (self, location, duration);
      g_mutex_lock (&self->sidecar_lock);
      if (self->sidecars)
        rb_sidecar_writer_segment_closed (self->sidecars, location, rt);
      g_mutex_unlock (&self->sidecar_lock);
      source = g_strdup (self->run_source);
      if (self->open_fragments) {
        g_hash_table_remove (self->open_fragments, location);
        if (g_hash_table_size (self->open_fragments) == 0) {
          eos = self->held_eos;
          self->held_eos = NULL;
        }
      }
      g_mutex_unlock (&self->state_lock);

      if (id)
        post_queued (self, location, id, duration, source, FALSE);
      g_free (id);
      g_free (source);

      GST_BIN_CLASS (parent_class)->handle_message (bin, message);
      if (eos) {
        GST_DEBUG_OBJECT (self, "last segment queued, releasing EOS");
        GST_BIN_CLASS (parent_class)->handle_message (bin, eos);
      }
      return;
    }
  } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
    gboolean hold = FALSE;

    g_mutex_lock (&self->state_lock);
    if (self->open_fragments && g_hash_table_size (self->open_fragments) > 0) {
      gst_clear_message (&self->held_eos);
      self->held_eos = message;
      hold = TRUE;
    }
    g_mutex_unlock (&self->state_lock);
    if (hold) {
      GST_DEBUG_OBJECT (self, "holding EOS until the last segment is queued");
      return;
    }
  }

chain:
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}
