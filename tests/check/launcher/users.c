/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Unit tests of launcher/rb-users.c (htdigest users files), compiled into
 * this test (STYLE C30): a good file and lookups, every kind of bad line
 * with its exact message (file:line), mixed realms, unreadable files, and
 * that no message shows a hash. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rb-users.h"

static gchar *tmpdir;

static void
tempdir_setup (void)
{
  tmpdir = g_dir_make_tmp ("rb-users-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);
}

static void
tempdir_cleanup (void)
{
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree gchar *p = g_build_filename (tmpdir, name, NULL);

    g_unlink (p);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

/* Writes @content to a new file; returns its path. */
static gchar *
write_file (const gchar * name, const gchar * content)
{
  gchar *path = g_build_filename (tmpdir, name, NULL);

  fail_unless (g_file_set_contents (path, content, -1, NULL));
  return path;
}

static gchar *
ha1 (const gchar * user, const gchar * realm, const gchar * password)
{
  g_autofree gchar *s = g_strjoin (":", user, realm, password, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_MD5, s, -1);
}

/* Loading @content fails with exactly "PATH@message". */
static void
check_bad (const gchar * content, const gchar * message)
{
  g_autofree gchar *path = write_file ("bad.htdigest", content);
  g_autofree gchar *expected = g_strconcat (path, message, NULL);
  GError *err = NULL;
  RbUsers *users = rb_users_load (path, &err);

  fail_unless (users == NULL, "unexpectedly valid:\n%s", content);
  fail_unless (g_error_matches (err, G_KEY_FILE_ERROR,
          G_KEY_FILE_ERROR_INVALID_VALUE));
  assert_equals_string (err->message, expected);
  /* never a hash in a message */
  fail_if (strstr (err->message, "0123456789abcdef") != NULL);
  g_error_free (err);
}

GST_START_TEST (test_good_file)
{
  g_autofree gchar *alice = ha1 ("alice", "rtsp-blur A", "secret");
  g_autofree gchar *bob = ha1 ("bob", "rtsp-blur A", "other");
  g_autofree gchar *bob_upper = g_ascii_strup (bob, -1);
  g_autofree gchar *content = g_strdup_printf ("# operators of network A\n"
      "\n"
      "alice:rtsp-blur A:%s\n"
      "   # an indented comment\n"
      "bob:rtsp-blur A:%s\r\n", alice, bob_upper);
  g_autofree gchar *path = write_file ("a.htdigest", content);
  GError *err = NULL;
  g_autoptr (RbUsers) users = rb_users_load (path, &err);

  fail_unless (users != NULL, "%s", err ? err->message : "");
  assert_equals_string (rb_users_get_realm (users), "rtsp-blur A");
  assert_equals_string (rb_users_lookup_ha1 (users, "alice"), alice);
  /* stored in lower case, as libsoup and our digest check compare it */
  assert_equals_string (rb_users_lookup_ha1 (users, "bob"), bob);
  fail_unless (rb_users_lookup_ha1 (users, "carol") == NULL);
  fail_unless (rb_users_lookup_ha1 (users, "Alice") == NULL);
  fail_unless (rb_users_lookup_ha1 (users, "") == NULL);
  fail_unless (rb_users_lookup_ha1 (users, NULL) == NULL);
}

GST_END_TEST;

/* A line as Apache's htdigest writes it: HA1 of user:realm:password,
 * computed independently (printf 'user:realm:password' | md5sum). */
GST_START_TEST (test_htdigest_output)
{
  g_autofree gchar *path = write_file ("apache.htdigest",
      "user:realm:ebbc0ff9a121dbb6789bbe5f82174fa0\n");
  g_autoptr (RbUsers) users = rb_users_load (path, NULL);
  g_autofree gchar *expected = ha1 ("user", "realm", "password");

  fail_unless (users != NULL);
  assert_equals_string (rb_users_get_realm (users), "realm");
  assert_equals_string (rb_users_lookup_ha1 (users, "user"), expected);
}

GST_END_TEST;

GST_START_TEST (test_bad_lines)
{
  check_bad ("alice:realm\n", ":1: not user:realm:HA1");
  check_bad ("# c\nalice:realm:0123456789abcdef0123456789abcdef:x\n",
      ":2: not user:realm:HA1");
  check_bad ("just-a-word\n", ":1: not user:realm:HA1");
  check_bad (":realm:0123456789abcdef0123456789abcdef\n",
      ":1: the user name is empty or not valid text");
  check_bad ("alice::0123456789abcdef0123456789abcdef\n",
      ":1: the realm is empty or not valid text");
  check_bad ("alice:my \"realm\":0123456789abcdef0123456789abcdef\n",
      ":1: the realm must not hold '\"' or '\\' (it is sent quoted)");
  check_bad ("alice:realm:0123456789abcdef\n",
      ":1: the HA1 must be 32 hex digits (md5 of user:realm:password)");
  check_bad ("alice:realm:0123456789abcdef0123456789abcdeg\n",
      ":1: the HA1 must be 32 hex digits (md5 of user:realm:password)");
  check_bad ("alice:realm:\n",
      ":1: the HA1 must be 32 hex digits (md5 of user:realm:password)");
  check_bad ("al\tice:realm:0123456789abcdef0123456789abcdef\n",
      ":1: the user name is empty or not valid text");
  check_bad ("al\xff:realm:0123456789abcdef0123456789abcdef\n",
      ":1: the user name is empty or not valid text");
  check_bad ("alice:realm:0123456789abcdef0123456789abcdef\n"
      "alice:realm:fedcba9876543210fedcba9876543210\n",
      ":2: this user is given twice");
  check_bad ("", ": no users");
  check_bad ("# nobody\n\n", ": no users");
}

GST_END_TEST;

GST_START_TEST (test_mixed_realms)
{
  check_bad ("# two realms\n"
      "alice:A:0123456789abcdef0123456789abcdef\n"
      "bob:A:fedcba9876543210fedcba9876543210\n"
      "carol:B:00000000000000000000000000000000\n",
      ":4: the realm differs from line 2's; all users of a file share one "
      "realm");
}

GST_END_TEST;

/* issue 16: a NUL byte made the rest of the file invisible: a bad line
 * (or a second user) after it was never read. Now it is an error of its
 * line; the same from rb_users_load_from_data(), the fuzzers' entry. */
GST_START_TEST (test_nul_byte)
{
  const gchar content[] = "alice:realm:0123456789abcdef0123456789abcdef\n"
      "# x\0\nbob:realm:not-a-hash\n";
  g_autofree gchar *path = g_build_filename (tmpdir, "nul.htdigest", NULL);
  g_autofree gchar *expected = g_strconcat (path, ":2: a NUL byte: not a "
      "text file", NULL);
  GError *err = NULL;

  fail_unless (g_file_set_contents (path, content, sizeof content - 1, NULL));
  fail_unless (rb_users_load (path, &err) == NULL);
  fail_unless (g_error_matches (err, G_KEY_FILE_ERROR,
          G_KEY_FILE_ERROR_INVALID_VALUE));
  assert_equals_string (err->message, expected);
  g_clear_error (&err);

  fail_unless (rb_users_load_from_data (content, sizeof content - 1, "u",
          &err) == NULL);
  assert_equals_string (err->message, "u:2: a NUL byte: not a text file");
  g_clear_error (&err);
  {
    g_autoptr (RbUsers) u = rb_users_load_from_data (content, -1, "u", &err);

    /* -1: up to the NUL, which is then not in @data */
    fail_unless (u != NULL && err == NULL);
    fail_unless (rb_users_lookup_ha1 (u, "alice") != NULL);
  }
}

GST_END_TEST;

GST_START_TEST (test_unreadable)
{
  g_autofree gchar *path = g_build_filename (tmpdir, "missing", NULL);
  g_autofree gchar *prefix = g_strconcat (path, ": cannot read: ", NULL);
  GError *err = NULL;

  fail_unless (rb_users_load (path, &err) == NULL);
  fail_unless (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
  fail_unless (g_str_has_prefix (err->message, prefix), "%s", err->message);
  g_clear_error (&err);

  fail_unless (rb_users_load (tmpdir, &err) == NULL);
  fail_unless (err->domain == G_FILE_ERROR);
  g_clear_error (&err);
}

GST_END_TEST;

static Suite *
users_suite (void)
{
  Suite *s = suite_create ("launcher-users");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, tempdir_setup, tempdir_cleanup);
  tcase_add_test (tc, test_good_file);
  tcase_add_test (tc, test_htdigest_output);
  tcase_add_test (tc, test_bad_lines);
  tcase_add_test (tc, test_mixed_realms);
  tcase_add_test (tc, test_nul_byte);
  tcase_add_test (tc, test_unreadable);
  return s;
}

GST_CHECK_MAIN (users);
