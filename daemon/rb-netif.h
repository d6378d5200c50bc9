/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_NETIF_H__
#define __RB_NETIF_H__

#include <glib.h>

G_BEGIN_DECLS

/* The network interface that carries @address (text, IPv4 or IPv6), for
 * what must leave or enter by a network's own interface only (its
 * multicast viewers, WS-Discovery): its name, and in *@index (when not
 * NULL) its index. NULL when no interface has that address (yet). GLib
 * only. */
gchar *rb_netif_of_address (const gchar * address, guint * index);

G_END_DECLS

#endif /* __RB_NETIF_H__ */
