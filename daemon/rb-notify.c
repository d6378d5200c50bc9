/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The service manager's readiness protocol (sd_notify(3)), GLib only, no
 * libsystemd: one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a path, or an abstract name written with a leading '@').
 *
 * The unit is Type=notify: `systemctl start` returns once the
 * daemon sent READY=1 (cameras, workers and listeners set up), and fails
 * with the daemon's own exit status when it exits before, so a config
 * error (78) is reported by `systemctl start` and, being the main
 * process's status, stops Restart= through RestartPreventExitStatus=. An
 * ExecStartPre= check could not: systemd restarts after a failed
 * ExecStartPre= whatever its status (a restart loop, seen under systemd
 * 252 as PID 1).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-notify.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/**
 * rb_notify:
 * @state: newline-separated assignments, such as "READY=1"
 *
 * Sends @state to the service manager when $NOTIFY_SOCKET is set.
 *
 * Returns: TRUE if it was sent, FALSE if there is no manager to tell or
 *   the send failed (the daemon goes on either way)
 */
gboolean
rb_notify (const gchar * state)
{
  const gchar *path = g_getenv ("NOTIFY_SOCKET");
  struct sockaddr_un sa = { 0, };
  gsize len;
  ssize_t sent;
  int fd;

  if (path == NULL || (path[0] != '/' && path[0] != '@'))
    return FALSE;
  len = strlen (path);
  if (len >= sizeof (sa.sun_path))
    return FALSE;
  sa.sun_family = AF_UNIX;
  memcpy (sa.sun_path, path, len);
  if (sa.sun_path[0] == '@')
    sa.sun_path[0] = '\0';

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  do
    sent = sendto (fd, state, strlen (state), MSG_NOSIGNAL,
        (struct sockaddr *) &sa, offsetof (struct sockaddr_un, sun_path) + len);
  while (sent < 0 && errno == EINTR);
  close (fd);
  return sent == (ssize_t) strlen (state);
}
