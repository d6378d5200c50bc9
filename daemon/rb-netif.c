/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The interface of an address (see rb-netif.h). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-netif.h"

#include <gio/gio.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

gchar *
rb_netif_of_address (const gchar * address, guint * index)
{
  g_autoptr (GInetAddress) want = g_inet_address_new_from_string (address);
  struct ifaddrs *ifs = NULL;
  gchar *name = NULL;

  if (index != NULL)
    *index = 0;
  if (want == NULL || getifaddrs (&ifs) < 0)
    return NULL;
  for (struct ifaddrs * i = ifs; i != NULL && name == NULL; i = i->ifa_next) {
    g_autoptr (GSocketAddress) sa = NULL;

    if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET
            && i->ifa_addr->sa_family != AF_INET6))
      continue;
    sa = g_socket_address_new_from_native (i->ifa_addr,
        i->ifa_addr->sa_family == AF_INET ? sizeof (struct sockaddr_in) :
        sizeof (struct sockaddr_in6));
    if (sa != NULL && g_inet_address_equal (want,
            g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa))))
      name = g_strdup (i->ifa_name);
  }
  freeifaddrs (ifs);
  if (name != NULL && index != NULL)
    *index = if_nametoindex (name);
  return name;
}
