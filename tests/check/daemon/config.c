/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Unit tests of daemon/config/rb-config.c (the daemon library): good
 * configs and their values, every class of error with the exact
 * message (file, group, key), password redaction, and the sample configs
 * in pipelines/. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb-config.h"

#define MAIN "[rtsp-blur]\nstate-dir=/srv/state\n"
#define CAM "[camera:lobby]\nurl=rtsp://10.0.0.10/stream1\n"
#define NET "[network:A]\nauth=none\naddress=10.0.1.5\n"
#define VALID MAIN CAM NET

#define PIPELINES_DIR GST_TEST_FILES_PATH "/../../pipelines"

/* The schema of [headblur]: the element's class, from our plugin. */
static GObjectClass *
headblur_class (void)
{
  static GObjectClass *klass;

  if (klass == NULL) {
    GstElement *e = gst_element_factory_make ("headblur", NULL);

    fail_unless (e != NULL, "the headblur element is not available");
    klass = g_type_class_ref (G_OBJECT_TYPE (e));
    gst_object_unref (e);
  }
  return klass;
}

static RbConfig *
load_ok (const gchar * data)
{
  GError *err = NULL;
  RbConfig *c = rb_config_load_from_data (data, -1, "test.conf",
      headblur_class (), &err);

  fail_unless (c != NULL, "unexpected error: %s\n--- config:\n%s",
      err ? err->message : "(none)", data);
  fail_unless (err == NULL);
  return c;
}

/* Loading @data fails with @code and exactly @message. */
static void
check_error (const gchar * data, gint code, const gchar * message)
{
  GError *err = NULL;
  RbConfig *c = rb_config_load_from_data (data, -1, "test.conf",
      headblur_class (), &err);

  fail_unless (c == NULL, "config unexpectedly valid:\n%s", data);
  fail_unless (err != NULL);
  fail_unless (err->domain == RB_CONFIG_ERROR);
  assert_equals_string (err->message, message);
  assert_equals_int (err->code, code);
  g_error_free (err);
}

/* Loading @data fails, and the message does not hold @secret. */
static void
check_no_secret (const gchar * data, const gchar * secret)
{
  GError *err = NULL;
  RbConfig *c = rb_config_load_from_data (data, -1, "test.conf",
      headblur_class (), &err);

  fail_unless (c == NULL, "config unexpectedly valid:\n%s", data);
  fail_unless (err != NULL);
  fail_unless (strstr (err->message, secret) == NULL,
      "'%s' printed in: %s", secret, err->message);
  GST_INFO ("%s", err->message);
  g_error_free (err);
}

GST_START_TEST (test_minimal_defaults)
{
  g_autoptr (RbConfig) c = load_ok (VALID);
  RbCameraConfig *cam;
  RbNetworkConfig *net;

  assert_equals_string (c->path, "test.conf");
  assert_equals_string (c->state_dir, "/srv/state");
  assert_equals_int (c->segment_duration_s, 30);
  assert_equals_int (c->workers, 1);
  fail_unless (c->keep_raw == FALSE);
  assert_equals_int (c->live_bitrate_kbps, 2048);
  assert_equals_int (c->live_key_interval_s, 2);
  fail_unless (c->headblur_keys != NULL && c->headblur_keys[0] == NULL);
  fail_unless (c->headblur_values != NULL && c->headblur_values[0] == NULL);

  assert_equals_int (c->cameras->len, 1);
  cam = g_ptr_array_index (c->cameras, 0);
  assert_equals_string (cam->name, "lobby");
  assert_equals_string (cam->url, "rtsp://10.0.0.10/stream1");
  fail_unless (cam->transport == RB_TRANSPORT_AUTO);
  assert_equals_int (cam->latency_ms, 200);

  assert_equals_int (c->networks->len, 1);
  net = g_ptr_array_index (c->networks, 0);
  assert_equals_string (net->name, "A");
  assert_equals_string (net->address, "10.0.1.5");
  assert_equals_int (net->port, 8554);
}

GST_END_TEST;

GST_START_TEST (test_full_values)
{
  const gchar *data =
      "# a comment\n"
      "\n"
      "[rtsp-blur]\n"
      "  # an indented comment\n"
      "state-dir = /var/lib/rtsp-blur   \n"
      "segment-duration=3600\n"
      "workers=0\r\n"
      "keep-raw=true\n"
      "live-bitrate=50000\n"
      "live-key-interval=10\n"
      "[headblur]\n"
      "model=/opt/models/face.onnx\n"
      "mode=pixelate\n"
      "threshold=0.25\n"
      "padding=2\n"
      "fill-color=0xFF00ff00\n"
      "inference-width=3840\n"
      "[camera:lobby]\n"
      "url=rtsps://user:pa%40ss@cam.example.com:322/stream1?x=1\n"
      "transport=udp\n"
      "latency=0\n"
      "[camera:Dock_2-b]\n"
      "url=RTSP://[fe80::1]:554/a\n"
      "transport=tcp\n"
      "latency=10000\n"
      "[network:A]\nauth=none\n"
      "address=10.0.1.5\n"
      "port=1\n"
      "[network:v6]\nauth=none\n"
      "address=2001:db8::5\n"
      "port=65535\n"
      "[network:same-address-other-port]\nauth=none\n"
      "address=10.0.1.5\n"
      "port=8555\n";
  g_autoptr (RbConfig) c = load_ok (data);
  RbCameraConfig *cam;
  RbNetworkConfig *net;
  g_autofree gchar *mount = NULL;

  assert_equals_string (c->state_dir, "/var/lib/rtsp-blur");
  assert_equals_int (c->segment_duration_s, 3600);
  assert_equals_int (c->workers, 0);
  fail_unless (c->keep_raw == TRUE);
  assert_equals_int (c->live_bitrate_kbps, 50000);
  assert_equals_int (c->live_key_interval_s, 10);

  /* file order, fill-color normalised */
  assert_equals_int (g_strv_length (c->headblur_keys), 6);
  assert_equals_int (g_strv_length (c->headblur_values), 6);
  assert_equals_string (c->headblur_keys[0], "model");
  assert_equals_string (c->headblur_values[0], "/opt/models/face.onnx");
  assert_equals_string (c->headblur_keys[1], "mode");
  assert_equals_string (c->headblur_values[1], "pixelate");
  assert_equals_string (c->headblur_keys[2], "threshold");
  assert_equals_string (c->headblur_values[2], "0.25");
  assert_equals_string (c->headblur_keys[3], "padding");
  assert_equals_string (c->headblur_values[3], "2");
  assert_equals_string (c->headblur_keys[4], "fill-color");
  assert_equals_string (c->headblur_values[4], "4278255360");
  assert_equals_string (c->headblur_keys[5], "inference-width");
  assert_equals_string (c->headblur_values[5], "3840");
  assert_equals_string (rb_config_get_headblur (c, "mode"), "pixelate");
  fail_unless (rb_config_get_headblur (c, "nothing") == NULL);

  assert_equals_int (c->cameras->len, 2);
  cam = g_ptr_array_index (c->cameras, 0);
  assert_equals_string (cam->name, "lobby");
  assert_equals_string (cam->url,
      "rtsps://user:pa%40ss@cam.example.com:322/stream1?x=1");
  fail_unless (cam->transport == RB_TRANSPORT_UDP);
  assert_equals_int (cam->latency_ms, 0);
  cam = g_ptr_array_index (c->cameras, 1);
  assert_equals_string (cam->name, "Dock_2-b");
  fail_unless (cam->transport == RB_TRANSPORT_TCP);
  assert_equals_string (rb_transport_to_string (cam->transport), "tcp");
  assert_equals_int (cam->latency_ms, 10000);
  mount = rb_config_camera_mount (cam);
  assert_equals_string (mount, "/Dock_2-b");

  assert_equals_int (c->networks->len, 3);
  net = g_ptr_array_index (c->networks, 0);
  assert_equals_int (net->port, 1);
  net = g_ptr_array_index (c->networks, 1);
  assert_equals_string (net->name, "v6");
  assert_equals_string (net->address, "2001:db8::5");
  assert_equals_int (net->port, 65535);
  net = g_ptr_array_index (c->networks, 2);
  assert_equals_int (net->port, 8555);
}

GST_END_TEST;

GST_START_TEST (test_other_value_forms)
{
  g_autoptr (RbConfig) c = load_ok (MAIN "keep-raw=0\n"
      "[headblur]\nfill-color=4278190080\nthreshold=1\npadding=0.0\n"
      "inference-width=160\n" CAM NET);
  g_autoptr (RbConfig) c2 = NULL;

  fail_unless (c->keep_raw == FALSE);
  assert_equals_string (rb_config_get_headblur (c, "fill-color"),
      "4278190080");
  assert_equals_string (rb_config_get_headblur (c, "threshold"), "1");
  assert_equals_string (rb_config_get_headblur (c, "inference-width"),
      "160");

  c2 = load_ok (MAIN "keep-raw=1\n[headblur]\nfill-color=0x0\n" CAM NET);
  fail_unless (c2->keep_raw == TRUE);
  assert_equals_string (rb_config_get_headblur (c2, "fill-color"), "0");
}

GST_END_TEST;

GST_START_TEST (test_relative_paths_from_data)
{
  g_autofree gchar *cwd = g_get_current_dir ();
  g_autofree gchar *state = g_build_filename (cwd, "state", NULL);
  g_autofree gchar *model = g_build_filename (cwd, "m", "face.onnx", NULL);
  g_autoptr (RbConfig) c = load_ok ("[rtsp-blur]\nstate-dir=./state\n"
      "[headblur]\nmodel=m/x/../face.onnx\n" CAM NET);

  assert_equals_string (c->state_dir, state);
  assert_equals_string (rb_config_get_headblur (c, "model"), model);
}

GST_END_TEST;

GST_START_TEST (test_relative_paths_from_file)
{
  g_autofree gchar *tmp = g_dir_make_tmp ("rb-config-XXXXXX", NULL);
  g_autofree gchar *sub = g_build_filename (tmp, "etc", NULL);
  g_autofree gchar *file = g_build_filename (sub, "rtsp-blur.conf", NULL);
  g_autofree gchar *state = g_build_filename (tmp, "state", NULL);
  g_autofree gchar *model = g_build_filename (sub, "models", "f.onnx", NULL);
  g_autofree gchar *cwd = g_get_current_dir ();
  g_autofree gchar *rel = NULL;
  GError *err = NULL;
  RbConfig *c;

  fail_unless (tmp != NULL);
  fail_unless (g_mkdir (sub, 0700) == 0);
  fail_unless (g_file_set_contents (file, "[rtsp-blur]\nstate-dir=../state\n"
          "[headblur]\nmodel=models/f.onnx\n" CAM NET, -1, NULL));

  c = rb_config_load (file, headblur_class (), &err);
  fail_unless (c != NULL, "%s", err ? err->message : "");
  assert_equals_string (c->path, file);
  assert_equals_string (c->state_dir, state);
  assert_equals_string (rb_config_get_headblur (c, "model"), model);
  rb_config_free (c);

  /* a relative config path resolves against the current directory */
  fail_unless (g_chdir (tmp) == 0);
  c = rb_config_load ("etc/rtsp-blur.conf", headblur_class (), &err);
  fail_unless (c != NULL, "%s", err ? err->message : "");
  assert_equals_string (c->path, "etc/rtsp-blur.conf");
  assert_equals_string (c->state_dir, state);
  rb_config_free (c);
  fail_unless (g_chdir (cwd) == 0);

  /* messages name the file as given */
  fail_unless (g_file_set_contents (file, "[rtsp-blur]\n" CAM NET, -1, NULL));
  c = rb_config_load (file, headblur_class (), &err);
  fail_unless (c == NULL);
  fail_unless (g_error_matches (err, RB_CONFIG_ERROR,
          RB_CONFIG_ERROR_MISSING));
  rel = g_strdup_printf ("%s: [rtsp-blur] state-dir: required key is missing",
      file);
  assert_equals_string (err->message, rel);
  g_clear_error (&err);

  g_unlink (file);
  g_rmdir (sub);
  g_rmdir (tmp);

  /* an unreadable file is a G_FILE_ERROR naming the file */
  c = rb_config_load (file, headblur_class (), &err);
  fail_unless (c == NULL);
  fail_unless (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
  fail_unless (g_str_has_prefix (err->message, file));
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_unknown_group)
{
  check_error (VALID "[rtsp_blur]\nstate-dir=/x\n",
      RB_CONFIG_ERROR_UNKNOWN_GROUP,
      "test.conf: [rtsp_blur]: unknown group; the groups are [rtsp-blur], "
      "[headblur], [camera:NAME], [network:NAME] and [cluster]");
  check_error (VALID "[cameras:x]\nurl=rtsp://h/\n",
      RB_CONFIG_ERROR_UNKNOWN_GROUP,
      "test.conf: [cameras:x]: unknown group; the groups are [rtsp-blur], "
      "[headblur], [camera:NAME], [network:NAME] and [cluster]");
}

GST_END_TEST;

GST_START_TEST (test_unknown_key)
{
  check_error ("[rtsp-blur]\nstate-dir=/s\nsegment-duraton=10\n" CAM NET,
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [rtsp-blur] segment-duraton: unknown key; the keys of this "
      "group are state-dir, segment-duration, workers, keep-raw, "
      "live-bitrate, live-key-interval, segment-lookahead, live-lookahead, "
      "audio, substream, "
      "reconnect-max-interval, max-disk-usage, min-free-space, "
      "retention-raw, retention-anonymized, metrics-address, metrics-port, "
      "chat-join-networks");
  check_error (MAIN "[headblur]\nmodel-file=/m.onnx\n" CAM NET,
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [headblur] model-file: unknown key; the keys of this group "
      "are corrupt-mode, detection-interval, fill-color, head-classes, "
      "head-detection-interval, head-input-size, head-model, "
      "head-model-config, head-model-format, head-threshold, hold-time, "
      "inference-width, max-detection-age, mode, model, overload-mode, "
      "padding, "
      "person-inference-width, person-model, person-threshold, "
      "privacy-zones, threshold, upstream-check-interval");
  /* properties of the parent classes and those the launcher sets itself
   * are not keys */
  check_error (MAIN "[headblur]\nqos=true\n" CAM NET,
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [headblur] qos: unknown key; the keys of this group "
      "are corrupt-mode, detection-interval, fill-color, head-classes, "
      "head-detection-interval, head-input-size, head-model, "
      "head-model-config, head-model-format, head-threshold, hold-time, "
      "inference-width, max-detection-age, mode, model, overload-mode, "
      "padding, "
      "person-inference-width, person-model, person-threshold, "
      "privacy-zones, threshold, upstream-check-interval");
  check_error (MAIN "[headblur]\nlookahead=5\n" CAM NET,
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [headblur] lookahead: unknown key; the keys of this group "
      "are corrupt-mode, detection-interval, fill-color, head-classes, "
      "head-detection-interval, head-input-size, head-model, "
      "head-model-config, head-model-format, head-threshold, hold-time, "
      "inference-width, max-detection-age, mode, model, overload-mode, "
      "padding, "
      "person-inference-width, person-model, person-threshold, "
      "privacy-zones, threshold, upstream-check-interval");
  check_error (MAIN CAM "latency-ms=100\n" NET,
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [camera:lobby] latency-ms: unknown key; the keys of this "
      "group are url, transport, latency, privacy-zones, audio, substream, "
      "overlay, overlay-position");
  check_error (MAIN CAM NET "bind=1\n",
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [network:A] bind: unknown key; the keys of this group are "
      "address, port, max-connections, max-connections-per-client, "
      "idle-timeout, cameras, users, auth, allow, tls-certificate, tls-key, "
      "rtsp-transport, udp-ports, multicast-addresses, multicast-ports, "
      "multicast-ttl, max-viewers, http-port, onvif, onvif-users");
  /* GKeyFile hides localised keys from g_key_file_get_keys() */
  check_error (MAIN CAM "url[fr]=rtsp://h/\n" NET,
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [camera:lobby] url[fr]: unknown key; the keys of this "
      "group are url, transport, latency, privacy-zones, audio, substream, "
      "overlay, overlay-position");
}

GST_END_TEST;

GST_START_TEST (test_missing)
{
  check_error ("[rtsp-blur]\nworkers=1\n" CAM NET, RB_CONFIG_ERROR_MISSING,
      "test.conf: [rtsp-blur] state-dir: required key is missing");
  check_error (CAM NET, RB_CONFIG_ERROR_MISSING,
      "test.conf: [rtsp-blur]: required group is missing");
  check_error (MAIN "[camera:lobby]\ntransport=tcp\n" NET,
      RB_CONFIG_ERROR_MISSING,
      "test.conf: [camera:lobby] url: required key is missing");
  check_error (MAIN CAM "[network:A]\nauth=none\nport=8554\n", RB_CONFIG_ERROR_MISSING,
      "test.conf: [network:A] address: required key is missing");
  check_error (MAIN NET, RB_CONFIG_ERROR_MISSING,
      "test.conf: at least one [camera:NAME] group is required");
  check_error (MAIN CAM, RB_CONFIG_ERROR_MISSING,
      "test.conf: at least one [network:NAME] group is required");
  check_error ("[rtsp-blur]\nstate-dir=\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] state-dir: must be a directory path (got '')");
}

GST_END_TEST;

GST_START_TEST (test_bad_url)
{
  check_error (MAIN "[camera:lobby]\nurl=http://10.0.0.10/stream1\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: the scheme must be rtsp:// or rtsps:// "
      "(got 'http://10.0.0.10/stream1')");
  check_error (MAIN "[camera:lobby]\nurl=10.0.0.10/stream1\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: not a valid URL, expected "
      "rtsp://[USER[:PASSWORD]@]HOST[:PORT]/PATH (got '10.0.0.10/stream1')");
  check_error (MAIN "[camera:lobby]\nurl=rtsp:///stream1\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: must name a host, as in "
      "rtsp://HOST[:PORT]/PATH (write an @ in a user name or password as %40)"
      " (got 'rtsp:///stream1')");
  check_error (MAIN "[camera:lobby]\nurl=rtsp://h:0/stream1\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: the port must be from 1 to 65535 "
      "(got 'rtsp://h:0/stream1')");
  check_error (MAIN "[camera:lobby]\nurl=rtsp://h /stream1\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: must not contain white space (write a "
      "space as %20) (got 'rtsp://h /stream1')");
  check_error (MAIN "[camera:lobby]\nurl=\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: must be an rtsp:// or rtsps:// URL "
      "(got '')");
}

GST_END_TEST;

GST_START_TEST (test_bad_address)
{
  check_error (MAIN CAM "[network:A]\nauth=none\naddress=localhost\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] address: must be an IPv4 or IPv6 address "
      "literal, not a host name (got 'localhost')");
  check_error (MAIN CAM "[network:A]\nauth=none\naddress=10.0.1\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] address: must be an IPv4 or IPv6 address "
      "literal, not a host name (got '10.0.1')");
}

GST_END_TEST;

GST_START_TEST (test_bad_port)
{
  check_error (MAIN CAM NET "port=0\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] port: must be a whole number from 1 to 65535 "
      "(got '0')");
  check_error (MAIN CAM NET "port=70000\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] port: must be a whole number from 1 to 65535 "
      "(got '70000')");
  check_error (MAIN CAM NET "port=-1\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] port: must be a whole number from 1 to 65535 "
      "(got '-1')");
  check_error (MAIN CAM NET "port=8554 # live\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] port: must be a whole number from 1 to 65535; "
      "comments must be on a line of their own (got '8554 # live')");
}

GST_END_TEST;

GST_START_TEST (test_duplicate_listener)
{
  check_error (MAIN CAM NET "[network:B]\nauth=none\naddress=10.0.1.5\nport=8554\n",
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [network:B]: address:port already used by [network:A] "
      "(10.0.1.5:8554) (got '10.0.1.5:8554')");
  /* the same IPv6 address written two ways */
  check_error (MAIN CAM "[network:A]\nauth=none\naddress=2001:db8::5\nport=9000\n"
      "[network:B]\nauth=none\naddress=2001:0db8:0:0::5\nport=9000\n",
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [network:B]: address:port already used by [network:A] "
      "([2001:db8::5]:9000) (got '[2001:0db8:0:0::5]:9000')");
  /* a wildcard overlaps every address on its port */
  check_error (MAIN CAM NET "[network:any]\nauth=none\naddress=0.0.0.0\n",
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [network:any]: address:port already used by [network:A] "
      "(10.0.1.5:8554) (got '0.0.0.0:8554')");
  check_error (MAIN CAM NET "[network:any6]\nauth=none\naddress=::\n",
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [network:any6]: address:port already used by [network:A] "
      "(10.0.1.5:8554) (got '[::]:8554')");
  {
    /* but 0.0.0.0 and an IPv6 address can share a port */
    g_autoptr (RbConfig) c = load_ok (MAIN CAM NET
        "[network:v4any]\nauth=none\naddress=0.0.0.0\nport=9000\n"
        "[network:v6]\nauth=none\naddress=::1\nport=9000\n");

    assert_equals_int (c->networks->len, 3);
  }
}

GST_END_TEST;

GST_START_TEST (test_duplicate_group_and_key)
{
  check_error (MAIN CAM NET "[camera:lobby]\nurl=rtsp://10.0.0.99/x\n",
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [camera:lobby]: group given twice, on lines 3 and 8");
  check_error (MAIN CAM NET "[camera:lobby]\nurl=rtsp://10.0.0.99/x\n"
      "[camera:lobby]\n",
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [camera:lobby]: group given twice, on lines 3 and 8\n"
      "test.conf: [camera:lobby]: group given twice, on lines 3 and 10");
  check_error (MAIN CAM "url=rtsp://10.0.0.99/x\n" NET,
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [camera:lobby] url: key given twice in the group (line 5)");
}

GST_END_TEST;

GST_START_TEST (test_syntax)
{
  check_error ("state-dir=/s\n" VALID, RB_CONFIG_ERROR_PARSE,
      "test.conf: line 1: a key=value pair before the first [group] "
      "(got 'state-dir=/s')");
  check_error (MAIN "segment-duration 30\n" CAM NET, RB_CONFIG_ERROR_PARSE,
      "test.conf: [rtsp-blur]: line 3 is not a [group], a key=value pair or "
      "a comment (got 'segment-duration 30')");
  check_error ("[rtsp-blur\n", RB_CONFIG_ERROR_PARSE,
      "test.conf: line 1: a group header must end with ']' "
      "(got '[rtsp-blur')");
  check_error (MAIN "state-dir=\\q\n" CAM NET, RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [rtsp-blur] state-dir: key given twice in the group "
      "(line 3)");
  check_error ("[rtsp-blur]\nstate-dir=/a\\qb\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] state-dir: not a valid string (bad escape "
      "sequence or not UTF-8) (got '/a\\qb')");
}

GST_END_TEST;

/* Loading @data (of @length bytes, -1: NUL-terminated) fails
 * with @code, every line of the message starts with @prefix (each of its
 * lines if @prefix holds several, separated by '\n') and no byte of it is
 * a control character other than the '\n' between errors. GKeyFile's own
 * reason follows the prefix and may be translated, so it is not compared. */
static void
check_error_prefix (const gchar * data, gssize length, gint code,
    const gchar * prefix)
{
  GError *err = NULL;
  RbConfig *c = rb_config_load_from_data (data, length, "test.conf",
      headblur_class (), &err);
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) prefixes = g_strsplit (prefix, "\n", -1);

  fail_unless (c == NULL, "config unexpectedly valid:\n%s", data);
  fail_unless (err != NULL && err->domain == RB_CONFIG_ERROR);
  assert_equals_int (err->code, code);
  lines = g_strsplit (err->message, "\n", -1);
  assert_equals_int (g_strv_length (lines), g_strv_length (prefixes));
  for (guint i = 0; lines[i]; i++) {
    fail_unless (g_str_has_prefix (lines[i], prefixes[i]),
        "'%s' does not start with '%s'", lines[i], prefixes[i]);
    for (const gchar * p = lines[i]; *p; p++)
      fail_unless ((guchar) * p >= 0x20 && *p != 0x7f,
          "control character 0x%02x in: %s", *p, lines[i]);
  }
  g_error_free (err);
}

/* Config values with control characters are not echoed raw to the
 * terminal (\033[2J...): every group, key and value shown in a message is
 * escaped, \xNN for control characters, C1 controls, bidirectional
 * controls and bytes that are not UTF-8. */
GST_START_TEST (test_control_characters_escaped)
{
  /* a value: the terminal would clear the screen */
  check_error (MAIN CAM "transport=\033[2Jtcp\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] transport: must be one of auto|tcp|udp "
      "(got '\\x1b[2Jtcp')");
  /* C1 CSI (U+009B, valid UTF-8) and a right-to-left override */
  check_error (MAIN CAM "transport=\302\23331m\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] transport: must be one of auto|tcp|udp "
      "(got '\\xc2\\x9b31m')");
  check_error (MAIN CAM "transport=tcp\342\200\256pdu\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] transport: must be one of auto|tcp|udp "
      "(got 'tcp\\xe2\\x80\\xaepdu')");
  /* a key GKeyFile accepts */
  check_error (MAIN CAM "ke\001y=1\n" NET, RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [camera:lobby] ke\\x01y: unknown key; the keys of this "
      "group are url, transport, latency, privacy-zones, audio, substream, "
      "overlay, overlay-position");
  /* not UTF-8: the bytes, not U+FFFD */
  check_error ("[rtsp-blur]\nstate-dir=/s\377\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] state-dir: not a valid string (bad escape "
      "sequence or not UTF-8) (got '/s\\xff')");
  check_error (MAIN "[\377]\n" CAM NET, RB_CONFIG_ERROR_UNKNOWN_GROUP,
      "test.conf: [\\xff]: unknown group; the groups are [rtsp-blur], "
      "[headblur], [camera:NAME], [network:NAME] and [cluster]");
  /* a path the message quotes in its own words (the users file's) */
  check_error_prefix (MAIN CAM "[network:A]\naddress=10.0.1.5\n"
      "users=/nonexistent/\033[2J\n", -1, RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] users: /nonexistent/\\x1b[2J: cannot read: ");
  /* a URL is logged while its camera runs: control characters in it are
   * refused, not only escaped in the message */
  check_error (MAIN "[camera:a]\nurl=rtsp://u:p\033w@h/a\033[2Jb\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:a] url: must not contain control characters or "
      "bytes that are not UTF-8 (write them as %XX) "
      "(got 'rtsp://u:***@h/a\\x1b[2Jb')");
  /* a password is still hidden, and what remains is escaped */
  check_error (MAIN CAM "[camera:b]\nurl=rtsp://u:se\033cret@h\033/x\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:b] url: must not contain control characters or "
      "bytes that are not UTF-8 (write them as %XX) "
      "(got 'rtsp://u:***@h\\x1b/x')");
}

GST_END_TEST;

/* Every syntax error names its line, also on the lines GKeyFile refuses
 * (its own parse error has no line number) and our scan lets through. */
GST_START_TEST (test_syntax_errors_name_the_line)
{
  const gchar nul[] = MAIN "a=b\0c\n" CAM NET;

  /* text after a group header */
  check_error_prefix (MAIN CAM "[network:A]x\nauth=none\naddress=10.0.1.5\n",
      -1, RB_CONFIG_ERROR_PARSE,
      "test.conf: line 5: not a valid key file: ");
  /* group names with '[' or a control character, or empty */
  check_error_prefix (MAIN CAM "[camera:a[b]\nurl=rtsp://h/\n" NET, -1,
      RB_CONFIG_ERROR_PARSE, "test.conf: line 5: not a valid key file: ");
  check_error_prefix (MAIN CAM NET "\n# x\n[camera:\033[2J]\n", -1,
      RB_CONFIG_ERROR_PARSE, "test.conf: line 10: not a valid key file: ");
  check_error_prefix (MAIN "[]\n" CAM NET, -1, RB_CONFIG_ERROR_PARSE,
      "test.conf: line 3: not a valid key file: ");
  check_error_prefix ("[rtsp-blur]\033[2J\nstate-dir=/x\n" CAM NET, -1,
      RB_CONFIG_ERROR_PARSE, "test.conf: line 1: not a valid key file: ");
  /* key names with '[' or ']' that are not a locale */
  check_error_prefix (MAIN "ke[y=1\n" CAM NET, -1, RB_CONFIG_ERROR_PARSE,
      "test.conf: line 3: not a valid key file: ");
  check_error_prefix (MAIN CAM "url[a b]=x\n" NET, -1, RB_CONFIG_ERROR_PARSE,
      "test.conf: line 5: not a valid key file: ");
  /* an encoding other than UTF-8 (GKeyFile reads it in the first group),
   * on the last line, without a newline */
  check_error_prefix (MAIN "Encoding=latin1", -1, RB_CONFIG_ERROR_PARSE,
      "test.conf: line 3: not a valid key file: ");
  /* a NUL byte: neither we nor GKeyFile would read past it */
  check_error_prefix (nul, sizeof nul - 1, RB_CONFIG_ERROR_PARSE,
      "test.conf: line 3 holds a NUL byte: not a text file");
}

GST_END_TEST;

GST_START_TEST (test_bad_choices)
{
  check_error (MAIN CAM "transport=http\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] transport: must be one of auto|tcp|udp "
      "(got 'http')");
  check_error (MAIN CAM "transport=TCP\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] transport: must be one of auto|tcp|udp "
      "(got 'TCP')");
  check_error (MAIN "[headblur]\nmode=blurr\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] mode: must be one of blur|pixelate|fill "
      "(got 'blurr')");
}

GST_END_TEST;

GST_START_TEST (test_bad_names)
{
  gchar long_name[66];

  check_error (MAIN "[camera:front door]\nurl=rtsp://h/\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:front door]: the camera name must be 1 to 64 of "
      "A-Z a-z 0-9 _ - (got 'front door')");
  check_error (MAIN "[camera:]\nurl=rtsp://h/\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:]: the camera name must be 1 to 64 of "
      "A-Z a-z 0-9 _ - (got '')");
  check_error (MAIN "[camera:a/b]\nurl=rtsp://h/\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:a/b]: the camera name must be 1 to 64 of "
      "A-Z a-z 0-9 _ - (got 'a/b')");
  check_error (MAIN CAM "[network:lan.1]\nauth=none\naddress=10.0.1.5\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:lan.1]: the network name must be 1 to 64 of "
      "A-Z a-z 0-9 _ - (got 'lan.1')");

  /* 64 characters are fine, 65 are not */
  memset (long_name, 'x', 65);
  long_name[64] = '\0';
  {
    g_autofree gchar *ok = g_strdup_printf (MAIN "[camera:%s]\n"
        "url=rtsp://h/\n" NET, long_name);
    g_autoptr (RbConfig) c = load_ok (ok);
  }
  long_name[64] = 'x';
  long_name[65] = '\0';
  {
    g_autofree gchar *bad = g_strdup_printf (MAIN "[camera:%s]\n"
        "url=rtsp://h/\n" NET, long_name);
    g_autofree gchar *msg = g_strdup_printf ("test.conf: [camera:%s]: the "
        "camera name must be 1 to 64 of A-Z a-z 0-9 _ - (got '%s')",
        long_name, long_name);

    check_error (bad, RB_CONFIG_ERROR_INVALID_VALUE, msg);
  }
}

GST_END_TEST;

GST_START_TEST (test_ranges)
{
  check_error ("[rtsp-blur]\nstate-dir=/s\nsegment-duration=0\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] segment-duration: must be a whole number of "
      "seconds from 1 to 3600 (got '0')");
  check_error ("[rtsp-blur]\nstate-dir=/s\nsegment-duration=3601\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] segment-duration: must be a whole number of "
      "seconds from 1 to 3600 (got '3601')");
  check_error ("[rtsp-blur]\nstate-dir=/s\nsegment-duration=30s\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] segment-duration: must be a whole number of "
      "seconds from 1 to 3600 (got '30s')");
  check_error (MAIN "workers=17\n" CAM NET, RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] workers: must be a whole number from 0 to 16 "
      "(got '17')");
  check_error (MAIN "live-bitrate=99\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] live-bitrate: must be a whole number of kbit/s "
      "from 100 to 50000 (got '99')");
  check_error (MAIN "live-key-interval=11\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] live-key-interval: must be a whole number of "
      "seconds from 1 to 10 (got '11')");
  check_error (MAIN CAM "latency=10001\n" NET, RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] latency: must be a whole number of "
      "milliseconds from 0 to 10000 (got '10001')");
  check_error (MAIN "[headblur]\nthreshold=1.5\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] threshold: must be a number from 0 to 1 "
      "(got '1.5')");
  check_error (MAIN "[headblur]\nthreshold=nan\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] threshold: must be a number from 0 to 1 "
      "(got 'nan')");
  check_error (MAIN "[headblur]\npadding=-0.1\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] padding: must be a number from 0 to 2 "
      "(got '-0.1')");
  /* the element's own range, 160 to 3840 (it rounds to a multiple of 32) */
  check_error (MAIN "[headblur]\ninference-width=159\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] inference-width: must be a whole number from "
      "160 to 3840 (got '159')");
  check_error (MAIN "[headblur]\ninference-width=3872\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] inference-width: must be a whole number from "
      "160 to 3840 (got '3872')");
  check_error (MAIN "[headblur]\nfill-color=0x1ff000000\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] fill-color: must be a whole number from 0 to "
      "4294967295 (got '0x1ff000000')");
  check_error (MAIN "[headblur]\nfill-color=black\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] fill-color: must be a whole number from 0 to "
      "4294967295 (got 'black')");
}

GST_END_TEST;

GST_START_TEST (test_keep_raw_not_boolean)
{
  check_error (MAIN "keep-raw=yes\n" CAM NET, RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] keep-raw: must be true or false (got 'yes')");
  check_error (MAIN "keep-raw=\n" CAM NET, RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] keep-raw: must be true or false (got '')");
}

GST_END_TEST;

GST_START_TEST (test_all_errors_reported)
{
  check_error ("[rtsp-blur]\nstate-dir=/s\nworkers=99\n"
      "[camera:lobby]\nurl=ftp://h/\ntransport=tcp\n"
      "[network:A]\nauth=none\naddress=host\nport=0\n[extra]\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] workers: must be a whole number from 0 to 16 "
      "(got '99')\n"
      "test.conf: [camera:lobby] url: the scheme must be rtsp:// or rtsps:// "
      "(got 'ftp://h/')\n"
      "test.conf: [network:A] address: must be an IPv4 or IPv6 address "
      "literal, not a host name (got 'host')\n"
      "test.conf: [network:A] port: must be a whole number from 1 to 65535 "
      "(got '0')\n"
      "test.conf: [extra]: unknown group; the groups are [rtsp-blur], "
      "[headblur], [camera:NAME], [network:NAME] and [cluster]");
}

GST_END_TEST;

GST_START_TEST (test_password_never_printed)
{
  /* *INDENT-OFF* */
  const gchar *bad[] = {
    MAIN "[camera:lobby]\nurl=http://u:s3cr3t@h/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3cr3t@h:0/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3cr3t@/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3cr3t@h:99999/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3cr3t@h /x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3 cr3t@h/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3/cr3t@h/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3cr3t@x@h/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3cr3t#@h/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3%zzcr3t@h/x\n" NET,
    MAIN "[camera:lobby]\nurl=u:s3cr3t@h/x\n" NET,
    MAIN "[camera:lobby]\nurl rtsp://u:s3cr3t@h/x\n" NET,
    MAIN "[camera:lobby]\nurl=rtsp://u:s3cr3t@h/x\nurl=rtsp://u:s3cr3t@h/y\n"
        NET,
    MAIN "[camera:lobby]\nuri=rtsp://u:s3cr3t@h/x\n" NET,
    MAIN CAM "[network:A]\nauth=none\naddress=rtsp://u:s3cr3t@h/x\n",
    MAIN CAM NET "[rtsp://u:s3cr3t@h/x]\n",
    MAIN CAM NET "rtsp://u:s3cr3t@h/x=1\n",
    "[camera:rtsp://u:s3cr3t@h]\nurl=rtsp://u:s3cr3t@h/\n" MAIN NET,
    "url=rtsp://u:s3cr3t@h/x\n" VALID,
    "[rtsp-blur]\n" CAM "url=rtsp://u:s3cr3t@h/x\n" NET,
    NULL
  };
  /* *INDENT-ON* */

  for (guint i = 0; bad[i]; i++)
    check_no_secret (bad[i], "cr3t");

  /* and the message still says where the problem is */
  check_error (MAIN "[camera:lobby]\nurl=http://u:s3cr3t@h/x\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: the scheme must be rtsp:// or rtsps:// "
      "(got 'http://u:***@h/x')");
  check_error (MAIN "[camera:lobby]\nurl=rtsp://u:s3 cr3t@h/x\n" NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:lobby] url: must not contain white space (write a "
      "space as %20) (got 'rtsp://u:***@h/x')");
}

GST_END_TEST;

GST_START_TEST (test_redact_url)
{
  /* *INDENT-OFF* */
  const gchar *cases[][2] = {
    { "rtsp://u:secret@h/x", "rtsp://u:***@h/x" },
    { "rtsp://u:secret@10.0.0.1:554/a?b=c@d",
      "rtsp://u:***@10.0.0.1:554/a?b=c@d" },
    { "rtsps://user:p%40ss@[::1]:322/s", "rtsps://user:***@[::1]:322/s" },
    { "rtsp://:secret@h/x", "rtsp://:***@h/x" },
    { "rtsp://u@h/x", "rtsp://u@h/x" },
    { "rtsp://u:@h/x", "rtsp://u:@h/x" },
    { "rtsp://h:554/x", "rtsp://h:554/x" },
    { "rtsp://h:554/path@x", "rtsp://h:554/path@x" },
    { "rtsp://u:pa/ss@h/x", "rtsp://u:***@h/x" },
    { "rtsp://u:pa@ss@h/x", "rtsp://u:***@h/x" },
    { "rtsp://u:pa ss@h/x", "rtsp://u:***@h/x" },
    { "not a url", "not a url" },
    { "", "" },
  };
  /* *INDENT-ON* */

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *r = rb_config_redact_url (cases[i][0]);

    assert_equals_string (r, cases[i][1]);
  }
  fail_unless (rb_config_redact_url (NULL) == NULL);
}

GST_END_TEST;


#define MIN_HEAD "[rtsp-blur]\nstate-dir=/s\n"
#define MIN_TAIL "[camera:c]\nurl=rtsp://h/x\n[network:A]\nauth=none\naddress=10.0.0.1\n"

GST_START_TEST (test_headblur_keys)
{
  const gchar *data = MIN_HEAD
      "segment-lookahead=30\n"
      "live-lookahead=0\n"
      "[headblur]\n"
      "hold-time=1.5\n"
      "detection-interval=3\n"
      "overload-mode=enlarge\n"
      "corrupt-mode=drop\n"
      "max-detection-age=0.25\n"
      "privacy-zones=0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1 0.8,1\n"
      "person-model=/m/body.weights\n"
      "person-threshold=0.3\n"
      "person-inference-width=640\n"
      "head-model=/m/head.onnx\n"
      "head-model-format=yolox-onnx\n"
      "head-classes=0:head, 1:person\n"
      "head-input-size=416\n"
      "head-detection-interval=10\n"
      "[camera:c]\nurl=rtsp://h/x\nprivacy-zones=0.4,0.4 0.6,0.4 0.5,0.6\n"
      "[network:A]\nauth=none\naddress=10.0.0.1\n";
  g_autoptr (RbConfig) c = load_ok (data);
  RbCameraConfig *cam = g_ptr_array_index (c->cameras, 0);

  assert_equals_int (c->segment_lookahead, 30);
  assert_equals_int (c->live_lookahead, 0);
  /* seconds become the element's nanoseconds */
  assert_equals_string (rb_config_get_headblur (c, "hold-time"), "1500000000");
  assert_equals_string (rb_config_get_headblur (c, "max-detection-age"),
      "250000000");
  assert_equals_string (rb_config_get_headblur (c, "detection-interval"), "3");
  assert_equals_string (rb_config_get_headblur (c, "overload-mode"),
      "enlarge");
  assert_equals_string (rb_config_get_headblur (c, "corrupt-mode"), "drop");
  assert_equals_string (rb_config_get_headblur (c, "privacy-zones"),
      "0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1 0.8,1");
  assert_equals_string (rb_config_get_headblur (c, "person-model"),
      "/m/body.weights");
  assert_equals_string (rb_config_get_headblur (c, "person-threshold"), "0.3");
  assert_equals_string (rb_config_get_headblur (c, "person-inference-width"),
      "640");
  assert_equals_string (rb_config_get_headblur (c, "head-model"),
      "/m/head.onnx");
  assert_equals_string (rb_config_get_headblur (c, "head-model-format"),
      "yolox-onnx");
  assert_equals_string (rb_config_get_headblur (c, "head-classes"),
      "0:head, 1:person");
  assert_equals_string (rb_config_get_headblur (c, "head-input-size"), "416");
  assert_equals_string (rb_config_get_headblur (c, "head-detection-interval"),
      "10");
  assert_equals_string (cam->privacy_zones, "0.4,0.4 0.6,0.4 0.5,0.6");
}

GST_END_TEST;

GST_START_TEST (test_headblur_defaults)
{
  g_autoptr (RbConfig) c = load_ok (MIN_HEAD MIN_TAIL);

  assert_equals_int (c->segment_lookahead, 15);
  assert_equals_int (c->live_lookahead, 5);
  fail_unless (((RbCameraConfig *) g_ptr_array_index (c->cameras,
              0))->privacy_zones == NULL);
}

GST_END_TEST;

GST_START_TEST (test_headblur_errors)
{
  check_error (MIN_HEAD "[headblur]\nprivacy-zones=0,0 1,1\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] privacy-zones: must be polygons of at least 3 "
      "points x,y with coordinates from 0 to 1 (fractions of the frame), as "
      "\"0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1\": polygon 1 has 2 points, needs at "
      "least 3 (got '0,0 1,1')");
  check_error (MIN_HEAD "[headblur]\nprivacy-zones=0,0 1.5,0 1,1\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] privacy-zones: must be polygons of at least 3 "
      "points x,y with coordinates from 0 to 1 (fractions of the frame), as "
      "\"0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1\": polygon 1: \"1.5\" is not a "
      "number from 0 to 1 (got '0,0 1.5,0 1,1')");
  check_error (MIN_HEAD "[headblur]\nhold-time=61\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] hold-time: must be a number of seconds from 0 "
      "to 60 (got '61')");
  check_error (MIN_HEAD "[headblur]\ndetection-interval=0\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] detection-interval: must be a whole number from "
      "1 to 30 (got '0')");
  check_error (MIN_HEAD "[headblur]\noverload-mode=pass\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] overload-mode: must be one of "
      "full-frame|enlarge (got 'pass')");
  check_error (MIN_HEAD "[headblur]\ncorrupt-mode=pass\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [headblur] corrupt-mode: must be one of "
      "full-frame|drop (got 'pass')");
  check_error (MIN_HEAD "segment-lookahead=301\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] segment-lookahead: must be a whole number of "
      "frames from 0 to 300 (got '301')");
  check_error (MIN_HEAD "live-lookahead=-1\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] live-lookahead: must be a whole number of "
      "frames from 0 to 300 (got '-1')");
  check_error (MIN_HEAD "[camera:c]\nurl=rtsp://h/x\nprivacy-zones=x\n"
      "[network:A]\nauth=none\naddress=10.0.0.1\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:c] privacy-zones: must be polygons of at least 3 "
      "points x,y with coordinates from 0 to 1 (fractions of the frame), as "
      "\"0,0 0.2,0 0.2,1; 0.8,0 1,0 1,1\": polygon 1: point \"x\" is not x,y "
      "(got 'x')");
}

GST_END_TEST;

/* What the config says is what the element gets, in the element's units. */
GST_START_TEST (test_audio_and_reconnect)
{
  g_autoptr (RbConfig) d = load_ok (VALID);
  g_autoptr (RbConfig) c = load_ok (MAIN "audio=keep\n"
      "reconnect-max-interval=2\n" CAM NET);

  fail_unless_equals_int (d->audio, RB_AUDIO_DROP);
  assert_equals_int (d->reconnect_max_interval_s, 5);
  fail_unless_equals_int (c->audio, RB_AUDIO_KEEP);
  assert_equals_int (c->reconnect_max_interval_s, 2);
  /* per camera, [rtsp-blur] audio by default, in any group order */
  {
    g_autoptr (RbConfig) p = load_ok ("[camera:a]\nurl=rtsp://h/a\n"
        "audio=drop\n[camera:b]\nurl=rtsp://h/b\n" MAIN "audio=keep\n"
        NET);

    fail_unless_equals_int (((RbCameraConfig *) g_ptr_array_index
            (p->cameras, 0))->audio, RB_AUDIO_DROP);
    fail_unless_equals_int (((RbCameraConfig *) g_ptr_array_index
            (p->cameras, 1))->audio, RB_AUDIO_KEEP);
    fail_unless_equals_int (((RbCameraConfig *) g_ptr_array_index
            (d->cameras, 0))->audio, RB_AUDIO_DROP);
  }
  check_error (MAIN "audio=yes\n" CAM NET, RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] audio: must be one of drop|keep (got 'yes')");
  check_error (MAIN "reconnect-max-interval=0\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] reconnect-max-interval: must be a whole number "
      "of seconds from 1 to 300 (got '0')");
}

GST_END_TEST;

GST_START_TEST (test_disk_budget_keys)
{
  g_autoptr (RbConfig) c = load_ok (MAIN "max-disk-usage=1.5G\n"
      "min-free-space=5%\nretention-raw=12h\nretention-anonymized=30d\n"
      CAM NET);
  g_autoptr (RbConfig) d = load_ok (MAIN "max-disk-usage=80%\n"
      "min-free-space=512MiB\nretention-raw=90\n" CAM NET);
  g_autoptr (RbConfig) none = load_ok (VALID);

  fail_unless_equals_uint64 (c->max_disk_usage_bytes,
      (guint64) (1.5 * 1024 * 1024 * 1024));
  fail_unless (c->min_free_space_percent == 5.0);
  fail_unless_equals_uint64 (c->retention_raw_s, 12 * 3600);
  fail_unless_equals_uint64 (c->retention_anonymized_s, 30 * 86400);
  fail_unless (d->max_disk_usage_percent == 80.0);
  fail_unless_equals_uint64 (d->min_free_space_bytes, 512 * 1024 * 1024);
  fail_unless_equals_uint64 (d->retention_raw_s, 90);
  fail_unless_equals_uint64 (none->max_disk_usage_bytes, 0);
  fail_unless_equals_uint64 (none->retention_anonymized_s, 0);
  check_error (MAIN "max-disk-usage=lots\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] max-disk-usage: must be a size in bytes with "
      "an optional K, M, G or T suffix, or a percentage of the file system "
      "such as 10% (got 'lots')");
  check_error (MAIN "min-free-space=120%\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] min-free-space: must be a size in bytes with "
      "an optional K, M, G or T suffix, or a percentage of the file system "
      "such as 10% (got '120%')");
  check_error (MAIN "retention-raw=2w\n" CAM NET,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] retention-raw: must be a duration: seconds, or "
      "a number with s, m, h or d such as 30d (got '2w')");
}

GST_END_TEST;

GST_START_TEST (test_apply_headblur)
{
  g_autoptr (RbConfig) c = load_ok (MAIN "[headblur]\nmode=fill\n"
      "hold-time=1.5\nfill-color=0xff00ff00\nthreshold=0.35\n"
      "inference-width=640\nmodel=/m/face.onnx\n" CAM NET);
  GstElement *blur = gst_element_factory_make ("headblur", NULL);
  g_autofree gchar *model = NULL;
  guint64 hold;
  guint color, width;
  gdouble threshold;
  gint mode_value;

  rb_config_apply_headblur (c, G_OBJECT (blur));
  g_object_get (blur, "hold-time", &hold, "fill-color", &color, "threshold",
      &threshold, "inference-width", &width, "model", &model, "mode",
      &mode_value, NULL);
  assert_equals_uint64 (hold, 1500 * GST_MSECOND);
  assert_equals_uint64 (color, 0xff00ff00);
  fail_unless (threshold == 0.35);
  assert_equals_int (width, 640);
  assert_equals_string (model, "/m/face.onnx");
  assert_equals_int (mode_value, g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM
          (g_object_class_find_property (G_OBJECT_GET_CLASS (blur),
                  "mode"))->enum_class, "fill")->value);
  gst_object_unref (blur);
}

GST_END_TEST;

/* ---- [network:NAME]: who may watch what, and how ----------------------- */

/* A scratch directory with a users file (users.htdigest), a second realm's
 * file (other.htdigest) and, made by openssl, a self-signed certificate
 * (cert.pem, key.pem); removed by access_cleanup(). */
static gchar *access_dir;

static gchar *
access_path (const gchar * name)
{
  return g_build_filename (access_dir, name, NULL);
}

static void
access_setup (void)
{
  g_autofree gchar *users = NULL, *other = NULL, *cmd = NULL;
  g_autofree gchar *cert = NULL, *key = NULL;
  gint status = -1;

  access_dir = g_dir_make_tmp ("rb-config-access-XXXXXX", NULL);
  fail_unless (access_dir != NULL);
  users = access_path ("users.htdigest");
  other = access_path ("other.htdigest");
  cert = access_path ("cert.pem");
  key = access_path ("key.pem");
  fail_unless (g_file_set_contents (users, "# A\n"
          "alice:rtsp-blur A:0123456789abcdef0123456789abcdef\n", -1, NULL));
  fail_unless (g_file_set_contents (other,
          "alice:A:0123456789abcdef0123456789abcdef\n"
          "bob:B:0123456789abcdef0123456789abcdef\n", -1, NULL));
  cmd = g_strdup_printf ("openssl req -x509 -newkey ec -pkeyopt "
      "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=rtsp-blur-test "
      "-keyout %s -out %s", key, cert);
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "openssl failed");
}

static void
access_cleanup (void)
{
  const gchar *names[] = { "users.htdigest", "other.htdigest", "cert.pem",
    "key.pem", NULL
  };

  for (guint i = 0; names[i]; i++) {
    g_autofree gchar *p = access_path (names[i]);

    g_unlink (p);
  }
  g_rmdir (access_dir);
  g_clear_pointer (&access_dir, g_free);
}

#define CAM2 "[camera:gate]\nurl=rtsp://10.0.0.11/stream1\n"
#define NET_HEAD "[network:A]\naddress=10.0.1.5\n"

/* MAIN CAM CAM2 NET_HEAD followed by @keys (printf format: %s is replaced
 * by the scratch directory). */
static gchar *
access_config (const gchar * keys)
{
  g_autofree gchar *body = NULL;
  g_auto (GStrv) parts = g_strsplit (keys, "%s", -1);

  body = g_strjoinv (access_dir, parts);
  return g_strconcat (MAIN CAM CAM2 NET_HEAD, body, NULL);
}

static void
access_error (const gchar * keys, gint code, const gchar * message)
{
  g_autofree gchar *data = access_config (keys);
  g_auto (GStrv) parts = g_strsplit (message, "%s", -1);
  g_autofree gchar *expected = g_strjoinv (access_dir, parts);

  check_error (data, code, expected);
}

GST_START_TEST (test_network_access_defaults)
{
  g_autoptr (RbConfig) c = load_ok (VALID);
  RbNetworkConfig *net = g_ptr_array_index (c->networks, 0);

  fail_unless (net->cameras == NULL);
  fail_unless (net->users_file == NULL);
  assert_equals_int (net->auth, RB_NETWORK_AUTH_NONE);
  fail_unless (net->allow == NULL);
  fail_unless (net->tls_certificate == NULL && net->tls_key == NULL);
  assert_equals_int (net->rtsp_transport, RB_RTSP_TRANSPORT_TCP);
  assert_equals_int (net->udp_port_min, 0);
  assert_equals_int (net->udp_port_max, 0);
  assert_equals_int (net->max_viewers, 0);
  fail_unless (rb_network_config_has_camera (net, "lobby"));
  fail_unless (rb_network_config_has_camera (net, "anything"));
}

GST_END_TEST;

GST_START_TEST (test_network_access_values)
{
  g_autofree gchar *data = access_config ("cameras = gate ; \n"
      "users=%s/users.htdigest\n"
      "allow=10.0.1.0/24; 192.168.5.7;2001:db8::/32\n"
      "rtsp-transport=tcp+udp\nudp-ports=50000-50100\nmax-viewers=5\n"
      "[network:B]\naddress=10.0.2.5\nusers=%s/users.htdigest\n"
      "rtsp-transport=udp\nudp-ports=50200-50201\n"
      "[network:C]\naddress=10.0.3.5\nusers=%s/users.htdigest\n"
      "auth=basic\ntls-certificate=%s/cert.pem\ntls-key=%s/key.pem\n");
  g_autoptr (RbConfig) c = load_ok (data);
  g_autofree gchar *users = access_path ("users.htdigest");
  g_autofree gchar *cert = access_path ("cert.pem");
  g_autofree gchar *key = access_path ("key.pem");
  RbNetworkConfig *a = g_ptr_array_index (c->networks, 0);
  RbNetworkConfig *b = g_ptr_array_index (c->networks, 1);
  const gchar *masks[] = { "10.0.1.0/24", "192.168.5.7",
    "2001:db8::/32"
  };

  fail_unless (a->cameras != NULL);
  assert_equals_int (g_strv_length (a->cameras), 1);
  assert_equals_string (a->cameras[0], "gate");
  fail_unless (rb_network_config_has_camera (a, "gate"));
  fail_if (rb_network_config_has_camera (a, "lobby"));
  assert_equals_string (a->users_file, users);
  assert_equals_int (a->auth, RB_NETWORK_AUTH_DIGEST);
  fail_unless (a->allow != NULL);
  assert_equals_int (a->allow->len, 3);
  for (guint i = 0; i < 3; i++) {
    g_autofree gchar *text =
        g_inet_address_mask_to_string (g_ptr_array_index (a->allow, i));

    assert_equals_string (text, masks[i]);
  }
  fail_unless (a->tls_certificate == NULL && a->tls_key == NULL);
  assert_equals_int (a->rtsp_transport,
      RB_RTSP_TRANSPORT_TCP | RB_RTSP_TRANSPORT_UDP);
  assert_equals_int (a->udp_port_min, 50000);
  assert_equals_int (a->udp_port_max, 50100);
  assert_equals_int (a->max_viewers, 5);

  assert_equals_int (b->auth, RB_NETWORK_AUTH_DIGEST);
  assert_equals_int (b->rtsp_transport, RB_RTSP_TRANSPORT_UDP);
  assert_equals_int (b->udp_port_min, 50200);
  assert_equals_int (b->udp_port_max, 50201);
  fail_unless (b->cameras == NULL && b->allow == NULL);

  assert_equals_int (c->networks->len, 3);
  {
    RbNetworkConfig *t = g_ptr_array_index (c->networks, 2);

    assert_equals_int (t->auth, RB_NETWORK_AUTH_BASIC);
    assert_equals_string (t->tls_certificate, cert);
    assert_equals_string (t->tls_key, key);
    assert_equals_int (t->rtsp_transport, RB_RTSP_TRANSPORT_TCP);
  }
}

GST_END_TEST;

/* a relative users= resolves against the config file's directory */
GST_START_TEST (test_network_users_relative)
{
  g_autofree gchar *file = access_path ("rtsp-blur.conf");
  g_autofree gchar *users = access_path ("users.htdigest");
  GError *err = NULL;
  RbConfig *c;

  fail_unless (g_file_set_contents (file, MAIN CAM NET_HEAD
          "users=users.htdigest\n", -1, NULL));
  c = rb_config_load (file, headblur_class (), &err);
  fail_unless (c != NULL, "%s", err ? err->message : "");
  assert_equals_string (((RbNetworkConfig *) g_ptr_array_index (c->networks,
              0))->users_file, users);
  rb_config_free (c);
  g_unlink (file);
}

GST_END_TEST;

GST_START_TEST (test_network_auth_errors)
{
  /* anonymous access must be written */
  access_error ("", RB_CONFIG_ERROR_MISSING,
      "test.conf: [network:A] users: required key is missing: set users = "
      "PATH (an htdigest file), or auth = none to serve this network to "
      "anyone");
  access_error ("auth=digest\n", RB_CONFIG_ERROR_MISSING,
      "test.conf: [network:A] users: required key is missing: auth = "
      "digest needs users = PATH (an htdigest file)");
  access_error ("auth=none\nusers=%s/users.htdigest\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] users: not allowed with auth = none "
      "(anonymous); remove one of them");
  access_error ("auth=anonymous\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] auth: must be one of none|digest|basic "
      "(got 'anonymous')");
  /* basic only over TLS */
  access_error ("users=%s/users.htdigest\nauth=basic\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] auth: basic sends passwords in clear text: "
      "allowed only with tls-certificate and tls-key (got 'basic')");
  /* the users file is read and checked at load: file and line */
  access_error ("users=%s/other.htdigest\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] users: %s/other.htdigest:2: the realm "
      "differs from line 1's; all users of a file share one realm");
  access_error ("users=%s/cert.pem\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] users: %s/cert.pem:1: not user:realm:HA1");
  access_error ("users=%s/missing\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] users: %s/missing: cannot read: Failed to "
      "open file “%s/missing”: No such file or directory");
  access_error ("users=\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] users: must be the name of an htdigest file "
      "(got '')");
}

GST_END_TEST;

/* no message shows a hash from the users file */
GST_START_TEST (test_network_users_no_secret)
{
  g_autofree gchar *path = access_path ("bad.htdigest");
  g_autofree gchar *data = NULL;

  fail_unless (g_file_set_contents (path,
          "alice:rtsp-blur A:0123456789abcdef0123456789abcdef\n"
          "bob:rtsp-blur A:fedcba9876543210fedcba98765432\n", -1, NULL));
  data = g_strdup_printf (MAIN CAM NET_HEAD "users=%s\n", path);
  check_no_secret (data, "fedcba98765");
  check_no_secret (data, "0123456789abcdef");
  g_unlink (path);
}

GST_END_TEST;

GST_START_TEST (test_network_cameras_errors)
{
  access_error ("auth=none\ncameras=gate;doorway\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] cameras: no [camera:NAME] of that name "
      "(got 'doorway')");
  access_error ("auth=none\ncameras=;\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] cameras: must name at least one camera; "
      "leave it out to serve all (got '')");
  access_error ("auth=none\ncameras=gate;lobby;gate\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] cameras: a camera is named twice "
      "(got 'gate')");
  /* a camera defined after the network counts */
  {
    g_autoptr (RbConfig) c = load_ok (MAIN NET_HEAD "auth=none\n"
        "cameras=late\n" "[camera:late]\nurl=rtsp://h/x\n");

    fail_unless (rb_network_config_has_camera (g_ptr_array_index
            (c->networks, 0), "late"));
  }
}

GST_END_TEST;

GST_START_TEST (test_network_allow_errors)
{
  access_error ("auth=none\nallow=10.0.1.0/24;10.0.2\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] allow: must be an IPv4 or IPv6 address or "
      "ADDRESS/PREFIX with no bits set after the prefix (10.0.1.0/24, "
      "2001:db8::/32) (got '10.0.2')");
  access_error ("auth=none\nallow=10.0.1.5/24\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] allow: must be an IPv4 or IPv6 address or "
      "ADDRESS/PREFIX with no bits set after the prefix (10.0.1.0/24, "
      "2001:db8::/32) (got '10.0.1.5/24')");
  access_error ("auth=none\nallow=10.0.1.0/33\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] allow: must be an IPv4 or IPv6 address or "
      "ADDRESS/PREFIX with no bits set after the prefix (10.0.1.0/24, "
      "2001:db8::/32) (got '10.0.1.0/33')");
  access_error ("auth=none\nallow=office\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] allow: must be an IPv4 or IPv6 address or "
      "ADDRESS/PREFIX with no bits set after the prefix (10.0.1.0/24, "
      "2001:db8::/32) (got 'office')");
  access_error ("auth=none\nallow=\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] allow: must hold at least one address or "
      "ADDRESS/PREFIX; leave it out to let everyone in (got '')");
}

GST_END_TEST;

GST_START_TEST (test_network_tls_errors)
{
  access_error ("auth=none\ntls-certificate=%s/cert.pem\n",
      RB_CONFIG_ERROR_MISSING,
      "test.conf: [network:A] tls-key: required with tls-certificate");
  access_error ("auth=none\ntls-key=%s/key.pem\n", RB_CONFIG_ERROR_MISSING,
      "test.conf: [network:A] tls-certificate: required with tls-key");
  access_error ("auth=none\ntls-certificate=%s/none.pem\n"
      "tls-key=%s/key.pem\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] tls-certificate: cannot read the file "
      "%s/none.pem (got '%s/none.pem')");
  /* a key that is not the certificate's (the users file) */
  access_error ("auth=none\ntls-certificate=%s/cert.pem\n"
      "tls-key=%s/users.htdigest\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] tls-certificate: %s/cert.pem and "
      "%s/users.htdigest are not a PEM certificate and its key: "
      "No PEM-encoded private key found");
}

GST_END_TEST;

GST_START_TEST (test_network_transport_errors)
{
  access_error ("auth=none\nrtsp-transport=http\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] rtsp-transport: must be one of "
      "tcp|udp|tcp+udp (got 'http')");
  access_error ("auth=none\nrtsp-transport=udp\n", RB_CONFIG_ERROR_MISSING,
      "test.conf: [network:A] udp-ports: required with rtsp-transport = "
      "udp: the UDP port range MIN-MAX a firewall rule can name");
  access_error ("auth=none\nrtsp-transport=tcp+udp\n",
      RB_CONFIG_ERROR_MISSING,
      "test.conf: [network:A] udp-ports: required with rtsp-transport = "
      "tcp+udp: the UDP port range MIN-MAX a firewall rule can name");
  access_error ("auth=none\nudp-ports=50000-50100\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] udp-ports: only with rtsp-transport = udp or "
      "tcp+udp (got '50000-50100')");
  access_error ("auth=none\nrtsp-transport=udp\nudp-ports=50100-50000\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] udp-ports: must be MIN-MAX, two port numbers "
      "from 1024 to 65535 with MIN < MAX (50000-50100) (got '50100-50000')");
  access_error ("auth=none\nrtsp-transport=udp\nudp-ports=80-90\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] udp-ports: must be MIN-MAX, two port numbers "
      "from 1024 to 65535 with MIN < MAX (50000-50100) (got '80-90')");
  access_error ("auth=none\nrtsp-transport=udp\nudp-ports=50000\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] udp-ports: must be MIN-MAX, two port numbers "
      "from 1024 to 65535 with MIN < MAX (50000-50100) (got '50000')");
  access_error ("auth=none\nrtsp-transport=udp\nudp-ports=50000-50100\n"
      "[network:B]\naddress=10.0.2.5\nauth=none\nrtsp-transport=udp\n"
      "udp-ports=50100-50200\n", RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [network:B] udp-ports: overlaps the udp-ports of "
      "[network:A] (50000-50100) (got '50100-50200')");
  access_error ("auth=none\ntls-certificate=%s/cert.pem\n"
      "tls-key=%s/key.pem\nrtsp-transport=tcp+udp\nudp-ports=50000-50100\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] rtsp-transport: with TLS the media must stay "
      "in the encrypted connection: tcp only (got 'tcp+udp')");
  access_error ("auth=none\nmax-viewers=10001\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] max-viewers: must be a whole number from 0 to "
      "10000 (got '10001')");
}

GST_END_TEST;

/* substream: WxH (even) or none; a camera without the key takes
 * [rtsp-blur]'s, one with none has none */
GST_START_TEST (test_substream)
{
  g_autoptr (RbConfig) c = load_ok ("[rtsp-blur]\nstate-dir=/tmp/rb-sub\n"
      "substream=640x360\n[camera:a]\nurl=rtsp://h/a\n[camera:b]\n"
      "url=rtsp://h/b\nsubstream=none\n[camera:c]\nurl=rtsp://h/c\n"
      "substream=320x180\n[network:A]\naddress=127.0.0.1\nauth=none\n");
  guint expected[3][2] = { {640, 360}, {0, 0}, {320, 180} };

  for (guint i = 0; i < 3; i++) {
    RbCameraConfig *cam = g_ptr_array_index (c->cameras, i);

    assert_equals_int (cam->substream_width, expected[i][0]);
    assert_equals_int (cam->substream_height, expected[i][1]);
  }
  check_error ("[rtsp-blur]\nstate-dir=/tmp/rb-sub\n[camera:a]\n"
      "url=rtsp://h/a\nsubstream=641x360\n[network:A]\naddress=127.0.0.1\n"
      "auth=none\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [camera:a] substream: must be WIDTHxHEIGHT, two even "
      "numbers from 16 to 4096 (640x360), or none (got '641x360')");
}

GST_END_TEST;

/* multicast: a range of one family, with ports, on one interface's
 * address, never two networks on one group */
GST_START_TEST (test_network_multicast)
{
  g_autofree gchar *data = access_config ("auth=none\n"
      "multicast-addresses=239.255.42.1-239.255.42.9\n"
      "multicast-ports=5000-5099\nmulticast-ttl=4\n");
  g_autoptr (RbConfig) c = load_ok (data);
  RbNetworkConfig *net = g_ptr_array_index (c->networks, 0);

  assert_equals_string (net->multicast_first, "239.255.42.1");
  assert_equals_string (net->multicast_last, "239.255.42.9");
  assert_equals_int (net->multicast_port_min, 5000);
  assert_equals_int (net->multicast_port_max, 5099);
  assert_equals_int (net->multicast_ttl, 4);

  access_error ("auth=none\nmulticast-addresses=239.255.42.1-239.255.42.9\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] multicast-addresses: multicast-addresses and "
      "multicast-ports go together (got '239.255.42.1-239.255.42.9')");
  access_error ("auth=none\nmulticast-addresses=10.0.0.1-10.0.0.9\n"
      "multicast-ports=5000-5099\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] multicast-addresses: must be FIRST-LAST, two "
      "multicast addresses of one family with FIRST <= LAST "
      "(239.255.42.1-239.255.42.99) (got '10.0.0.1-10.0.0.9')");
  access_error ("auth=none\nmulticast-addresses=239.255.42.9-239.255.42.1\n"
      "multicast-ports=5000-5099\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] multicast-addresses: must be FIRST-LAST, two "
      "multicast addresses of one family with FIRST <= LAST "
      "(239.255.42.1-239.255.42.99) (got '239.255.42.9-239.255.42.1')");
  access_error ("auth=none\nmulticast-addresses=ff15::1-ff15::9\n"
      "multicast-ports=5000-5099\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] multicast-addresses: must be of the family of "
      "address (10.0.1.5) (got 'ff15::1')");
  access_error ("auth=none\nmulticast-addresses=239.255.42.1-239.255.42.9\n"
      "multicast-ports=5000-5099\n[network:B]\naddress=10.0.2.5\n"
      "auth=none\nmulticast-addresses=239.255.42.9-239.255.42.20\n"
      "multicast-ports=5100-5199\n", RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [network:B] multicast-addresses: overlaps the multicast "
      "addresses of [network:A] (239.255.42.1-239.255.42.9) "
      "(got '239.255.42.9-239.255.42.20')");
  access_error ("auth=none\ntls-certificate=%s/cert.pem\n"
      "tls-key=%s/key.pem\nmulticast-addresses=239.255.42.1-239.255.42.9\n"
      "multicast-ports=5000-5099\n", RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] multicast-addresses: with TLS the media must "
      "stay in the encrypted connection: no multicast (got '239.255.42.1')");
}

GST_END_TEST;

static RbConfig *
load_sample (const gchar * name)
{
  /* tests/files need not exist: resolve the .. without the kernel */
  g_autofree gchar *dir = g_canonicalize_filename (PIPELINES_DIR, NULL);
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  GError *err = NULL;
  RbConfig *c = rb_config_load (path, headblur_class (), &err);

  fail_unless (c != NULL, "%s: %s", path, err ? err->message : "");
  return c;
}

GST_START_TEST (test_sample_lab)
{
  g_autoptr (RbConfig) c = load_sample ("lab.conf");
  g_autofree gchar *state =
      g_canonicalize_filename (PIPELINES_DIR "/../demo-out/state", NULL);
  RbCameraConfig *cam;
  RbNetworkConfig *a, *b;

  assert_equals_string (c->state_dir, state);
  fail_unless (g_str_has_suffix (c->state_dir, "/demo-out/state"));
  assert_equals_int (c->segment_duration_s, 10);
  assert_equals_int (c->workers, 1);
  assert_equals_int (c->cameras->len, 1);
  cam = g_ptr_array_index (c->cameras, 0);
  assert_equals_string (cam->url, "rtsp://127.0.0.1:8560/camera");
  assert_equals_int (c->networks->len, 2);
  a = g_ptr_array_index (c->networks, 0);
  b = g_ptr_array_index (c->networks, 1);
  assert_equals_string (a->name, "A");
  assert_equals_string (a->address, "127.0.0.2");
  assert_equals_int (a->port, 8554);
  assert_equals_string (b->name, "B");
  assert_equals_string (b->address, "127.0.0.3");
  assert_equals_int (b->port, 8554);
  /* loopback lab: anonymous, written explicitly */
  assert_equals_int (a->auth, RB_NETWORK_AUTH_NONE);
  assert_equals_int (b->auth, RB_NETWORK_AUTH_NONE);
}

GST_END_TEST;

GST_START_TEST (test_sample_two_networks)
{
  g_autoptr (RbConfig) c = load_sample ("two-networks.conf");
  gboolean udp = FALSE, credentials = FALSE;

  assert_equals_int (c->cameras->len, 3);
  for (guint i = 0; i < c->cameras->len; i++) {
    RbCameraConfig *cam = g_ptr_array_index (c->cameras, i);
    g_autofree gchar *red = rb_config_redact_url (cam->url);

    udp |= cam->transport == RB_TRANSPORT_UDP;
    credentials |= strcmp (red, cam->url) != 0;
  }
  fail_unless (udp && credentials);
  assert_equals_int (c->networks->len, 2);
  assert_equals_string (((RbNetworkConfig *) g_ptr_array_index (c->networks,
              0))->address, "10.0.1.5");
  assert_equals_string (((RbNetworkConfig *) g_ptr_array_index (c->networks,
              1))->address, "192.168.7.5");
  /* each network has its users (read at load), clients and cameras */
  for (guint i = 0; i < 2; i++) {
    RbNetworkConfig *net = g_ptr_array_index (c->networks, i);

    assert_equals_int (net->auth, RB_NETWORK_AUTH_DIGEST);
    fail_unless (g_str_has_suffix (net->users_file, i ? "/users-B.htdigest"
            : "/users-A.htdigest"));
    fail_unless (net->allow != NULL && net->allow->len == 1);
  }
  {
    RbNetworkConfig *b = g_ptr_array_index (c->networks, 1);

    fail_unless (rb_network_config_has_camera (b, "lobby"));
    fail_if (rb_network_config_has_camera (b, "parking_north"));
    assert_equals_int (b->rtsp_transport,
        RB_RTSP_TRANSPORT_TCP | RB_RTSP_TRANSPORT_UDP);
    assert_equals_int (b->udp_port_min, 50000);
  }
}

GST_END_TEST;

/* the browser side's keys */
GST_START_TEST (test_web_keys)
{
  g_autoptr (RbConfig) d = load_ok (MIN_HEAD MIN_TAIL);
  g_autoptr (RbConfig) c = load_ok (MIN_HEAD "chat-join-networks=true\n"
      "[camera:c]\nurl=rtsp://h/x\n[camera:e]\nurl=rtsp://h/y\n"
      "[network:A]\naddress=10.0.0.1\nhttp-port=8080\ncameras=e; c\n"
      "auth=none\n");
  RbNetworkConfig *dn = g_ptr_array_index (d->networks, 0);
  RbNetworkConfig *n = g_ptr_array_index (c->networks, 0);

  /* defaults: no HTTP, one room per network */
  assert_equals_int (dn->http_port, 0);
  fail_unless (!d->chat_join_networks);

  assert_equals_int (n->http_port, 8080);
  fail_unless (c->chat_join_networks);
  assert_equals_int (g_strv_length (n->cameras), 2);
  assert_equals_string (n->cameras[0], "e");
  assert_equals_string (n->cameras[1], "c");

  check_error (MIN_HEAD "[camera:c]\nurl=rtsp://h/x\n[network:A]\n"
      "address=10.0.0.1\nauth=none\nport=8554\nhttp-port=8554\n",
      RB_CONFIG_ERROR_DUPLICATE,
      "test.conf: [network:A] http-port: must differ from port (both are "
      "TCP on one address) (got '8554')");
  check_error (MIN_HEAD "[camera:c]\nurl=rtsp://h/x\n[network:A]\n"
      "address=10.0.0.1\nauth=none\nhttp-port=70000\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [network:A] http-port: must be a whole number from 0 to "
      "65535 (got '70000')");
  check_error (MIN_HEAD "chat-join-networks=yes\n" MIN_TAIL,
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [rtsp-blur] chat-join-networks: must be true or false "
      "(got 'yes')");
}

GST_END_TEST;

/* [cluster]: its keys and defaults; without it, no cluster. */
GST_START_TEST (test_cluster_keys)
{
  g_autoptr (RbConfig) none = load_ok (VALID);
  g_autoptr (RbConfig) d = load_ok (VALID "[cluster]\n"
      "database=host=db.example dbname=rtsp_blur user=rb\n");
  g_autoptr (RbConfig) c = load_ok (VALID "[cluster]\n"
      "database=postgresql://rb@db.example/rtsp_blur\n"
      "node=node-2\ncapacity=4\n");
  g_autofree gchar *host = g_strndup (g_get_host_name (),
      strcspn (g_get_host_name (), "."));

  fail_if (none->cluster);
  fail_unless (none->cluster_database == NULL);
  fail_unless (d->cluster);
  assert_equals_string (d->cluster_database,
      "host=db.example dbname=rtsp_blur user=rb");
  assert_equals_string (d->cluster_node, host);
  assert_equals_int (d->cluster_capacity, 0);
  fail_unless (d->cluster_password_file == NULL);
  assert_equals_string (c->cluster_node, "node-2");
  assert_equals_int (c->cluster_capacity, 4);
  /* the segments: in state-dir, unless on the cluster's shared storage */
  fail_unless (d->cluster_storage_dir == NULL);
  assert_equals_string (rb_config_media_dir (d), d->state_dir);
  assert_equals_string (rb_config_media_dir (none), none->state_dir);
  {
    g_autoptr (RbConfig) s = load_ok (VALID "[cluster]\n"
        "database=host=db\nstorage-dir=/srv/rb\n");

    assert_equals_string (s->cluster_storage_dir, "/srv/rb");
    assert_equals_string (rb_config_media_dir (s), "/srv/rb");
  }
}

GST_END_TEST;

GST_START_TEST (test_cluster_errors)
{
  check_error (VALID "[cluster]\nnode=a\n", RB_CONFIG_ERROR_MISSING,
      "test.conf: [cluster] database: required key is missing");
  check_error (VALID "[cluster]\ndatabase=host=db\nnode=a.b\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [cluster] node: must be 1 to 64 of A-Z a-z 0-9 _ - "
      "(got 'a.b')");
  check_error (VALID "[cluster]\ndatabase=host=db\ncapacity=0\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [cluster] capacity: must be a whole number of cameras "
      "from 1 to 10000 (got '0')");
  check_error (VALID "[cluster]\ndatabase=host=db\nstorage=x\n",
      RB_CONFIG_ERROR_UNKNOWN_KEY,
      "test.conf: [cluster] storage: unknown key; the keys of this group "
      "are database, password-file, node, capacity, storage-dir, "
      "peer-address, peer-port, rebalance-after");
  check_error (VALID "[cluster]\ndatabase=host=db no_such_option=1\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [cluster] database: not a libpq connection string: "
      "invalid connection option \"no_such_option\"");
  /* a password is refused, and never printed */
  check_error (VALID "[cluster]\ndatabase=host=db password=s3cret\n",
      RB_CONFIG_ERROR_INVALID_VALUE,
      "test.conf: [cluster] database: holds a password: put it in "
      "password-file (or PGPASSFILE) instead");
  check_no_secret (VALID "[cluster]\n"
      "database=postgresql://rb:s3cret@db/rtsp_blur\n", "s3cret");
  check_no_secret (VALID "[cluster]\n"
      "database=host=db password='s3cret\n", "s3cret");
}

GST_END_TEST;

/* A temporary directory with FILE and FILE.d/ *.conf. */
static gchar *
write_dropins (const gchar * main, const gchar * const *names,
    const gchar * const *contents)
{
  g_autoptr (GError) err = NULL;
  gchar *dir = g_dir_make_tmp ("rb-config-XXXXXX", &err);
  g_autofree gchar *path = NULL, *d = NULL;

  fail_unless (dir != NULL, "%s", err ? err->message : "");
  path = g_build_filename (dir, "rtsp-blur.conf", NULL);
  fail_unless (g_file_set_contents (path, main, -1, NULL));
  d = g_build_filename (dir, "rtsp-blur.conf.d", NULL);
  fail_unless (g_mkdir (d, 0700) == 0);
  for (guint i = 0; names[i]; i++) {
    g_autofree gchar *f = g_build_filename (d, names[i], NULL);

    fail_unless (g_file_set_contents (f, contents[i], -1, NULL));
  }
  return dir;
}

static void
remove_tree (const gchar * dir)
{
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  fail_unless (system (cmd) == 0);
}

/* FILE.d/ *.conf in name order, a later key over an earlier one. */
GST_START_TEST (test_dropins_override)
{
  const gchar *names[] = { "20-node.conf", "10-site.conf", "30-off.txt",
    ".40-hidden.conf", NULL
  };
  const gchar *contents[] = {
    "[cluster]\nnode=node-b\n[network:A]\naddress=127.0.0.3\n",
    "[cluster]\nnode=node-a\ncapacity=2\n[network:A]\naddress=127.0.0.2\n",
    "[cluster]\nnode=ignored\n",
    "[cluster]\nnode=ignored\n",
  };
  g_autofree gchar *dir = write_dropins (VALID "[cluster]\n"
      "database=host=db\n", names, contents);
  g_autofree gchar *path = g_build_filename (dir, "rtsp-blur.conf", NULL);
  GError *err = NULL;
  g_autoptr (RbConfig) c = rb_config_load (path, headblur_class (), &err);
  RbNetworkConfig *net;

  fail_unless (c != NULL, "%s", err ? err->message : "");
  assert_equals_string (c->cluster_node, "node-b");
  assert_equals_int (c->cluster_capacity, 2);
  assert_equals_string (c->cluster_database, "host=db");
  net = g_ptr_array_index (c->networks, 0);
  assert_equals_string (net->address, "127.0.0.3");
  assert_equals_string (((RbCameraConfig *) g_ptr_array_index (c->cameras,
              0))->name, "lobby");
  remove_tree (dir);
}

GST_END_TEST;

/* A drop-in may add a group; its errors name the drop-in and the line. */
GST_START_TEST (test_dropins_errors)
{
  const gchar *names[] = { "node.conf", NULL };
  const gchar *bad[] = { "# this node\n[cluster]\ncapacity=many\n", NULL };
  const gchar *syntax[] = { "[cluster\n", NULL };
  const gchar *twice[] = { "[cluster]\nnode=a\nnode=b\n", NULL };
  const gchar *added[] = { "[cluster]\ndatabase=host=db\nnode=n1\n", NULL };
  struct
  {
    const gchar *const *contents;
    const gchar *message;       /* after DIR/ */
  } cases[] = {
    {bad, "rtsp-blur.conf.d/node.conf:3: [cluster] capacity: must be a "
          "whole number of cameras from 1 to 10000 (got 'many')"},
    {syntax, "rtsp-blur.conf.d/node.conf: line 1: a group header must end "
          "with ']' (got '[cluster')"},
    {twice, "rtsp-blur.conf.d/node.conf:3: [cluster] node: key given twice "
          "in the group (line 3)"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *dir = write_dropins (VALID "[cluster]\n"
        "database=host=db\n", names, cases[i].contents);
    g_autofree gchar *path = g_build_filename (dir, "rtsp-blur.conf", NULL);
    g_autofree gchar *expected = g_strdup_printf ("%s/%s", dir,
        cases[i].message);
    GError *err = NULL;
    RbConfig *c = rb_config_load (path, headblur_class (), &err);

    fail_unless (c == NULL);
    assert_equals_string (err->message, expected);
    g_error_free (err);
    remove_tree (dir);
  }
  {
    g_autofree gchar *dir = write_dropins (VALID, names, added);
    g_autofree gchar *path = g_build_filename (dir, "rtsp-blur.conf", NULL);
    GError *err = NULL;
    g_autoptr (RbConfig) c = rb_config_load (path, headblur_class (), &err);

    fail_unless (c != NULL, "%s", err ? err->message : "");
    fail_unless (c->cluster);
    assert_equals_string (c->cluster_node, "n1");
    remove_tree (dir);
  }
}

GST_END_TEST;

static Suite *
config_suite (void)
{
  Suite *s = suite_create ("launcher-config");
  TCase *tc = tcase_create ("general");
  TCase *access = tcase_create ("network-access");

  suite_add_tcase (s, access);
  tcase_add_checked_fixture (access, access_setup, access_cleanup);
  tcase_add_test (access, test_network_access_values);
  tcase_add_test (access, test_network_users_relative);
  tcase_add_test (access, test_network_auth_errors);
  tcase_add_test (access, test_network_users_no_secret);
  tcase_add_test (access, test_network_cameras_errors);
  tcase_add_test (access, test_network_allow_errors);
  tcase_add_test (access, test_network_tls_errors);
  tcase_add_test (access, test_network_transport_errors);
  tcase_add_test (access, test_network_multicast);
  tcase_add_test (access, test_substream);

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_minimal_defaults);
  tcase_add_test (tc, test_network_access_defaults);
  tcase_add_test (tc, test_full_values);
  tcase_add_test (tc, test_other_value_forms);
  tcase_add_test (tc, test_relative_paths_from_data);
  tcase_add_test (tc, test_relative_paths_from_file);
  tcase_add_test (tc, test_unknown_group);
  tcase_add_test (tc, test_unknown_key);
  tcase_add_test (tc, test_missing);
  tcase_add_test (tc, test_bad_url);
  tcase_add_test (tc, test_bad_address);
  tcase_add_test (tc, test_bad_port);
  tcase_add_test (tc, test_duplicate_listener);
  tcase_add_test (tc, test_duplicate_group_and_key);
  tcase_add_test (tc, test_syntax);
  tcase_add_test (tc, test_control_characters_escaped);
  tcase_add_test (tc, test_syntax_errors_name_the_line);
  tcase_add_test (tc, test_bad_choices);
  tcase_add_test (tc, test_bad_names);
  tcase_add_test (tc, test_ranges);
  tcase_add_test (tc, test_keep_raw_not_boolean);
  tcase_add_test (tc, test_all_errors_reported);
  tcase_add_test (tc, test_password_never_printed);
  tcase_add_test (tc, test_redact_url);
  tcase_add_test (tc, test_headblur_keys);
  tcase_add_test (tc, test_apply_headblur);
  tcase_add_test (tc, test_audio_and_reconnect);
  tcase_add_test (tc, test_disk_budget_keys);
  tcase_add_test (tc, test_headblur_defaults);
  tcase_add_test (tc, test_headblur_errors);
  tcase_add_test (tc, test_sample_lab);
  tcase_add_test (tc, test_sample_two_networks);
  tcase_add_test (tc, test_web_keys);
  tcase_add_test (tc, test_cluster_keys);
  tcase_add_test (tc, test_cluster_errors);
  tcase_add_test (tc, test_dropins_override);
  tcase_add_test (tc, test_dropins_errors);
  return s;
}

GST_CHECK_MAIN (config);
