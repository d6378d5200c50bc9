/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_ACCESS_H__
#define __RB_ACCESS_H__

#include <glib.h>

G_BEGIN_DECLS

/* RbAccess: the access decisions of one listener and what is said about
 * the clients it refuses, for the RTSP listener of a network
 * (rb-publisher.c), its HTTP listener (rb-web.c) and the connection caps
 * of any HTTP listener (rb-http-listener.c). GLib only.
 *
 *   - The allow list: rb_access_admit() lets a client address in when it
 *     is in the network's allow= (of GInetAddressMask; NULL: everyone; an
 *     address that does not parse is in no list).
 *   - Refusals (by the allow list, or by the caller's own limits through
 *     rb_access_refuse()) are counted, and logged as a warning "LABEL:
 *     refusing WHAT from ADDRESS: WHY" at most once per address every
 *     RB_ACCESS_LOG_INTERVAL_S.
 *   - Wrong credentials (rb_access_refuse_credentials()) are counted apart
 *     and logged as a message "LABEL: wrong credentials from ADDRESS (user
 *     'USER')", at most once per address every RB_ACCESS_LOG_INTERVAL_S:
 *     never what was sent, only the user name it claimed.
 *   - The addresses whose log is recent are remembered in one table of at
 *     most RB_ACCESS_LOG_MAX entries (an address refused for both reasons
 *     takes two). When it is full, entries older than the interval are
 *     dropped; when none is, a refusal from an address not in it is counted
 *     but not logged. So clients from many addresses cannot grow memory,
 *     nor the log beyond RB_ACCESS_LOG_MAX lines a minute.
 *
 * Thread-safe. */
typedef struct _RbAccess RbAccess;

/* Seconds between two log lines about one address. */
#define RB_ACCESS_LOG_INTERVAL_S 60
/* Most addresses remembered for the log. */
#define RB_ACCESS_LOG_MAX 4096

/* @label names the listener ("network A"); @what, what is refused
 * ("connections", "HTTP requests"); @allow (nullable, of
 * GInetAddressMask, a reference is taken): the allow list, NULL for
 * everyone. */
RbAccess *rb_access_new (const gchar * label, const gchar * what,
                         GPtrArray * allow);
void rb_access_free (RbAccess * access);

/* Whether the client at @address (text, as its connection gives it; NULL:
 * unknown) is in the allow list; if not, the refusal is counted and logged
 * (why: "not in the network's allow list"). */
gboolean rb_access_admit (RbAccess * access, const gchar * address);
/* Counts and logs the refusal of @address for @why ("max-connections
 * reached"). Returns whether it was logged now. */
gboolean rb_access_refuse (RbAccess * access, const gchar * address,
                           const gchar * why);
/* Counts and logs a request from @address whose credentials claimed @user
 * (nullable) and were wrong. Returns whether it was logged now. */
gboolean rb_access_refuse_credentials (RbAccess * access,
                                       const gchar * address,
                                       const gchar * user);

/* Since creation: refusals (rb_access_admit(), rb_access_refuse()) and
 * wrong credentials; either pointer may be NULL. */
void rb_access_get_counts (RbAccess * access, guint64 * refused,
                           guint64 * auth_failures);

/* For tests: the clock (monotonic µs, g_get_monotonic_time() by default),
 * and the addresses remembered for the log now. */
void rb_access_set_clock (RbAccess * access, gint64 (*now) (gpointer),
                          gpointer data);
guint rb_access_get_n_remembered (RbAccess * access);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbAccess, rb_access_free)

G_END_DECLS

#endif /* __RB_ACCESS_H__ */
