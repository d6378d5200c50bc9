/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The WS-Discovery responder of a network's ONVIF device (see
 * rb-ws-discovery.h). */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* struct in6_pktinfo */
#endif

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-ws-discovery.h"
#include "rb-netif.h"
#include "rb-onvif-ids.h"

#include <gio/gio.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define WSD_PORT 3702
#define WSD_GROUP_V4 "239.255.255.250"
#define WSD_GROUP_V6 "ff02::c"
/* an address not on this machine (yet) is looked for this often */
#define RETRY_S 10
/* datagrams read per wake-up, at most */
#define READ_BATCH 32
/* answers: per source 4 at once then 1 a second; in all 40 then 20 */
#define LIMIT_SOURCE_BURST 4
#define LIMIT_SOURCE_RATE 1
#define LIMIT_TOTAL_BURST 40
#define LIMIT_TOTAL_RATE 20
#define LIMIT_SOURCES 1024

struct _RbWsDiscovery
{
  gchar *network;               /* its name, for the log */
  gchar *address;
  guint16 port;
  gboolean v6;

  /* what the device says of itself */
  gchar *urn;
  gchar **scopes;
  gchar *xaddrs;
  RbWsdDevice device;
  guint message_number;

  /* running: the interface, the two sockets and their sources */
  gboolean started;
  gchar *iface;                 /* NULL: the address is not here yet */
  guint iface_index;
  GSocket *group_socket;        /* bound to the group, joined on iface */
  GSocket *unicast_socket;      /* bound to address: sends, and reads */
  GSource *group_source;
  GSource *unicast_source;
  guint retry_source;           /* the interface looked for again */
  gboolean failed;              /* the sockets could not be made */

  RbWsdLimiter *limiter;
  RbWsDiscoveryStats stats;
  gint64 last_limit_log;
};

/* ---- the rate limit ---------------------------------------------------- */

typedef struct {
  gdouble tokens;
  gint64 last;
} Bucket;

struct _RbWsdLimiter
{
  guint burst, rate;
  Bucket total;
  guint total_burst, total_rate;
  guint max_sources;
  GHashTable *sources;          /* gchar* → Bucket* */
};

RbWsdLimiter *
rb_wsd_limiter_new (guint per_source_burst, guint per_source_per_s,
    guint total_burst, guint total_per_s, guint max_sources)
{
  RbWsdLimiter *l = g_new0 (RbWsdLimiter, 1);

  l->burst = per_source_burst;
  l->rate = per_source_per_s;
  l->total_burst = total_burst;
  l->total_rate = total_per_s;
  l->total.tokens = total_burst;
  l->total.last = G_MININT64;
  l->max_sources = MAX (max_sources, 1);
  l->sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  return l;
}

void
rb_wsd_limiter_free (RbWsdLimiter * limiter)
{
  if (limiter == NULL)
    return;
  g_hash_table_unref (limiter->sources);
  g_free (limiter);
}

static void
refill (Bucket * b, guint burst, guint rate, gint64 now)
{
  if (b->last != G_MININT64 && now > b->last)
    b->tokens = MIN ((gdouble) burst, b->tokens + (gdouble) (now - b->last)
        * rate / G_USEC_PER_SEC);
  b->last = now;
}

/* a source whose bucket is full again is as good as forgotten */
static gboolean
bucket_is_full (gpointer key, gpointer value, gpointer user_data)
{
  RbWsdLimiter *l = ((gpointer *) user_data)[0];
  gint64 now = *(gint64 *) ((gpointer *) user_data)[1];
  Bucket *b = value;

  refill (b, l->burst, l->rate, now);
  return b->tokens >= l->burst;
}

gboolean
rb_wsd_limiter_allow (RbWsdLimiter * l, const gchar * source, gint64 now_us)
{
  Bucket *b = g_hash_table_lookup (l->sources, source);

  if (b == NULL) {
    if (g_hash_table_size (l->sources) >= l->max_sources) {
      gpointer data[2] = { l, &now_us };

      g_hash_table_foreach_remove (l->sources, bucket_is_full, data);
      /* still full (spoofed sources): forget them all; the total bucket
       * still bounds the answers */
      if (g_hash_table_size (l->sources) >= l->max_sources)
        g_hash_table_remove_all (l->sources);
    }
    b = g_new0 (Bucket, 1);
    b->tokens = l->burst;
    b->last = now_us;
    g_hash_table_insert (l->sources, g_strdup (source), b);
  }
  refill (b, l->burst, l->rate, now_us);
  refill (&l->total, l->total_burst, l->total_rate, now_us);
  if (b->tokens < 1 || l->total.tokens < 1)
    return FALSE;
  b->tokens -= 1;
  l->total.tokens -= 1;
  return TRUE;
}

/* ---- the responder ----------------------------------------------------- */

RbWsDiscovery *
rb_ws_discovery_new (const RbConfig * config, const RbNetworkConfig * network)
{
  RbWsDiscovery *wsd;
  g_autofree gchar *node = NULL;

  if (!rb_onvif_network_enabled (network))
    return NULL;
  node = rb_onvif_node_name (config);
  wsd = g_new0 (RbWsDiscovery, 1);
  wsd->network = g_strdup (network->name);
  wsd->address = g_strdup (network->address);
  wsd->port = WSD_PORT;
  wsd->v6 = strchr (network->address, ':') != NULL;
  wsd->urn = rb_onvif_device_urn (node, network->name);
  wsd->scopes = rb_onvif_device_scopes (node, network->name);
  wsd->xaddrs = rb_onvif_device_url (network);
  wsd->device.address = wsd->urn;
  wsd->device.scopes = (const gchar * const *) wsd->scopes;
  wsd->device.xaddrs = wsd->xaddrs;
  wsd->device.metadata_version = 1;
  /* AppSequence's InstanceId grows with each start of the daemon */
  wsd->device.instance_id = g_get_real_time () / G_USEC_PER_SEC;
  wsd->limiter = rb_wsd_limiter_new (LIMIT_SOURCE_BURST, LIMIT_SOURCE_RATE,
      LIMIT_TOTAL_BURST, LIMIT_TOTAL_RATE, LIMIT_SOURCES);
  return wsd;
}

void
rb_ws_discovery_set_port (RbWsDiscovery * wsd, guint16 port)
{
  wsd->port = port;
}

const gchar *
rb_ws_discovery_get_network (RbWsDiscovery * wsd)
{
  return wsd->network;
}

void
rb_ws_discovery_get_stats (RbWsDiscovery * wsd, RbWsDiscoveryStats * stats)
{
  *stats = wsd->stats;
}

static GInetAddress *
group_address (RbWsDiscovery * wsd)
{
  return g_inet_address_new_from_string (wsd->v6 ? WSD_GROUP_V6 :
      WSD_GROUP_V4);
}

/* Sends @data to @to from the unicast socket. */
static void
send_to (RbWsDiscovery * wsd, GSocketAddress * to, const gchar * what,
    const gchar * data, gsize length)
{
  g_autoptr (GError) err = NULL;

  if (g_socket_send_to (wsd->unicast_socket, to, data, length, NULL,
          &err) < 0) {
    g_autofree gchar *where =
        g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (to));

    g_warning ("network %s: WS-Discovery: cannot send %s to %s: %s",
        wsd->network, what, where, err->message);
  }
}

static void
send_to_group (RbWsDiscovery * wsd, const gchar * what, gchar * data,
    gsize length)
{
  g_autoptr (GInetAddress) group = group_address (wsd);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (group,
      wsd->port);

  send_to (wsd, to, what, data, length);
  g_free (data);
}

static void
send_hello (RbWsDiscovery * wsd)
{
  gsize length;
  gchar *hello = rb_wsd_build_hello (&wsd->device, ++wsd->message_number,
      &length);

  g_message ("network %s: WS-Discovery on %s (%s): Hello, device %s at %s",
      wsd->network, wsd->iface, wsd->address, wsd->urn, wsd->xaddrs);
  send_to_group (wsd, "Hello", hello, length);
}

/* The arrival interface of a datagram from its IP_PKTINFO or
 * IPV6_PKTINFO, or 0. */
static guint
arrival_interface (struct msghdr *msg)
{
  for (struct cmsghdr * c = CMSG_FIRSTHDR (msg); c != NULL;
      c = CMSG_NXTHDR (msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO
        && c->cmsg_len >= CMSG_LEN (sizeof (struct in_pktinfo))) {
      struct in_pktinfo info;

      memcpy (&info, CMSG_DATA (c), sizeof (info));
      return info.ipi_ifindex;
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO
        && c->cmsg_len >= CMSG_LEN (sizeof (struct in6_pktinfo))) {
      struct in6_pktinfo info;

      memcpy (&info, CMSG_DATA (c), sizeof (info));
      return info.ipi6_ifindex;
    }
  }
  return 0;
}

static void
handle_datagram (RbWsDiscovery * wsd, GSocketAddress * from,
    const gchar * data, gsize length)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (RbWsdProbe) probe = NULL;
  g_autofree gchar *source = NULL;
  gchar *answer;
  gsize answer_length;

  probe = rb_wsd_probe_parse (data, length, &err);
  if (probe == NULL) {
    /* Hellos, Byes and answers of other devices, among others */
    g_debug ("network %s: WS-Discovery: ignored: %s", wsd->network,
        err->message);
    return;
  }
  wsd->stats.probes++;
  if (!rb_wsd_probe_matches (probe, rb_wsd_onvif_types (),
          (const gchar * const *) wsd->scopes)) {
    g_debug ("network %s: WS-Discovery: Probe %s does not match",
        wsd->network, probe->message_id);
    return;
  }
  source = g_inet_address_to_string (g_inet_socket_address_get_address
      (G_INET_SOCKET_ADDRESS (from)));
  if (!rb_wsd_limiter_allow (wsd->limiter, source, g_get_monotonic_time ())) {
    gint64 now = g_get_monotonic_time ();

    wsd->stats.limited++;
    if (now - wsd->last_limit_log > 60 * G_USEC_PER_SEC) {
      wsd->last_limit_log = now;
      g_warning ("network %s: WS-Discovery: too many Probes (from %s "
          "among others): not all are answered (%" G_GUINT64_FORMAT
          " so far)", wsd->network, source, wsd->stats.limited);
    }
    return;
  }
  answer = rb_wsd_build_probe_matches (&wsd->device, ++wsd->message_number,
      probe->message_id, &answer_length);
  g_debug ("network %s: WS-Discovery: ProbeMatches to %s, relates to %s",
      wsd->network, source, probe->message_id);
  send_to (wsd, from, "ProbeMatches", answer, answer_length);
  g_free (answer);
  wsd->stats.answered++;
}

static gboolean
on_readable (GSocket * socket, GIOCondition condition, gpointer user_data)
{
  RbWsDiscovery *wsd = user_data;

  for (guint n = 0; n < READ_BATCH; n++) {
    /* one more byte than a Probe may have: a longer one is dropped */
    gchar buf[RB_WSD_MAX_MESSAGE + 1];
    struct sockaddr_storage src;
    union {
      struct cmsghdr align;
      gchar buf[CMSG_SPACE (sizeof (struct in6_pktinfo)) + 64];
    } control;
    struct iovec iov = { buf, sizeof (buf) };
    struct msghdr msg = {
      .msg_name = &src,.msg_namelen = sizeof (src),.msg_iov = &iov,
      .msg_iovlen = 1,.msg_control = control.buf,
      .msg_controllen = sizeof (control.buf)
    };
    g_autoptr (GSocketAddress) from = NULL;
    gssize got;
    guint index;

    /* GSocket has no accessor for IP_PKTINFO: recvmsg(2) on its fd */
    got = recvmsg (g_socket_get_fd (socket), &msg, MSG_DONTWAIT);
    if (got < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        g_debug ("network %s: WS-Discovery: %s", wsd->network,
            g_strerror (errno));
      break;
    }
    index = arrival_interface (&msg);
    if (index != wsd->iface_index) {
      /* another network's link: theirs to answer */
      wsd->stats.foreign++;
      continue;
    }
    from = g_socket_address_new_from_native (&src, msg.msg_namelen);
    if ((msg.msg_flags & MSG_TRUNC) || got > RB_WSD_MAX_MESSAGE
        || from == NULL || !G_IS_INET_SOCKET_ADDRESS (from))
      continue;
    handle_datagram (wsd, from, buf, got);
  }
  return G_SOURCE_CONTINUE;
}

static void
close_sockets (RbWsDiscovery * wsd)
{
  if (wsd->group_source != NULL) {
    g_source_destroy (wsd->group_source);
    g_clear_pointer (&wsd->group_source, g_source_unref);
  }
  if (wsd->unicast_source != NULL) {
    g_source_destroy (wsd->unicast_source);
    g_clear_pointer (&wsd->unicast_source, g_source_unref);
  }
  if (wsd->group_socket != NULL)
    g_socket_close (wsd->group_socket, NULL);
  if (wsd->unicast_socket != NULL)
    g_socket_close (wsd->unicast_socket, NULL);
  g_clear_object (&wsd->group_socket);
  g_clear_object (&wsd->unicast_socket);
  g_clear_pointer (&wsd->iface, g_free);
  wsd->iface_index = 0;
}

static GSocket *
open_socket (RbWsDiscovery * wsd, GInetAddress * bind_to, GError ** error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;

  socket = g_socket_new (wsd->v6 ? G_SOCKET_FAMILY_IPV6 :
      G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
      error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  /* where each datagram arrived */
  if (!(wsd->v6 ? g_socket_set_option (socket, IPPROTO_IPV6,
              IPV6_RECVPKTINFO, 1, error) : g_socket_set_option (socket,
              IPPROTO_IP, IP_PKTINFO, 1, error)))
    return NULL;
  address = g_inet_socket_address_new (bind_to, wsd->port);
  /* shared with the other networks' responders (and other WS-Discovery
   * services): SO_REUSEADDR and, for UDP, SO_REUSEPORT */
  if (!g_socket_bind (socket, address, TRUE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* Opens the sockets on the address's interface: FALSE with @error when
 * they cannot be made, FALSE without when no interface has the address. */
static gboolean
open_sockets (RbWsDiscovery * wsd, GError ** error)
{
  g_autoptr (GInetAddress) group = group_address (wsd);
  g_autoptr (GInetAddress) own = g_inet_address_new_from_string
      (wsd->address);
  guint index;
  g_autofree gchar *iface = rb_netif_of_address (wsd->address, &index);

  if (iface == NULL || index == 0)
    return FALSE;
  if ((wsd->group_socket = open_socket (wsd, group, error)) == NULL)
    goto failed;
  /* only the groups joined on this socket's interface, not every group
   * any socket of the machine joined */
  if (!(wsd->v6 ? g_socket_set_option (wsd->group_socket, IPPROTO_IPV6,
              IPV6_MULTICAST_ALL, 0, error) :
          g_socket_set_option (wsd->group_socket, IPPROTO_IP,
              IP_MULTICAST_ALL, 0, error)))
    goto failed;
  if (!g_socket_join_multicast_group (wsd->group_socket, group, FALSE, iface,
          error))
    goto failed;
  if ((wsd->unicast_socket = open_socket (wsd, own, error)) == NULL)
    goto failed;
  /* out of the network's own interface (the default route's may be
   * another network's), one hop */
  if (wsd->v6) {
    if (!g_socket_set_option (wsd->unicast_socket, IPPROTO_IPV6,
            IPV6_MULTICAST_IF, index, error))
      goto failed;
  } else {
    struct in_addr a;
    gint value;

    memcpy (&a, g_inet_address_to_bytes (own), sizeof (a));
    G_STATIC_ASSERT (sizeof (value) == sizeof (a));
    memcpy (&value, &a, sizeof (value));
    if (!g_socket_set_option (wsd->unicast_socket, IPPROTO_IP,
            IP_MULTICAST_IF, value, error))
      goto failed;
  }
  g_socket_set_multicast_ttl (wsd->unicast_socket, 1);

  wsd->iface = g_steal_pointer (&iface);
  wsd->iface_index = index;
  wsd->group_source = g_socket_create_source (wsd->group_socket, G_IO_IN,
      NULL);
  g_source_set_callback (wsd->group_source, G_SOURCE_FUNC (on_readable), wsd,
      NULL);
  g_source_attach (wsd->group_source, NULL);
  wsd->unicast_source = g_socket_create_source (wsd->unicast_socket,
      G_IO_IN, NULL);
  g_source_set_callback (wsd->unicast_source, G_SOURCE_FUNC (on_readable),
      wsd, NULL);
  g_source_attach (wsd->unicast_source, NULL);
  return TRUE;

failed:
  close_sockets (wsd);
  return FALSE;
}

static gboolean
on_retry (gpointer user_data)
{
  rb_ws_discovery_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

void
rb_ws_discovery_refresh (RbWsDiscovery * wsd)
{
  g_autoptr (GError) err = NULL;
  guint index = 0;
  g_autofree gchar *iface = NULL;
  gboolean had;

  if (!wsd->started)
    return;
  iface = rb_netif_of_address (wsd->address, &index);
  if (iface != NULL && wsd->iface != NULL && index == wsd->iface_index)
    return;                     /* nothing changed */
  if (iface == NULL && wsd->iface == NULL && !wsd->failed)
    return;                     /* still not here: said so already */
  had = wsd->iface != NULL;
  close_sockets (wsd);
  wsd->failed = FALSE;
  if (!open_sockets (wsd, &err)) {
    if (err != NULL) {
      g_warning ("network %s: WS-Discovery on %s port %u: %s; trying again "
          "every %d s", wsd->network, wsd->address, wsd->port, err->message,
          RETRY_S);
      wsd->failed = TRUE;
    } else if (had) {
      g_warning ("network %s: WS-Discovery: no interface has the address "
          "%s any more: looking for it every %d s", wsd->network,
          wsd->address, RETRY_S);
    }
    return;
  }
  send_hello (wsd);
}

gboolean
rb_ws_discovery_start (RbWsDiscovery * wsd, GError ** error)
{
  g_autoptr (GError) err = NULL;

  g_return_val_if_fail (!wsd->started, FALSE);
  wsd->started = TRUE;
  /* the address may come, go or move to another interface */
  wsd->retry_source = g_timeout_add_seconds (RETRY_S, on_retry, wsd);
  if (!open_sockets (wsd, &err)) {
    if (err != NULL) {
      g_set_error (error, err->domain, err->code, "network %s: "
          "WS-Discovery on %s port %u: %s; trying again every %d s",
          wsd->network, wsd->address, wsd->port, err->message, RETRY_S);
      wsd->failed = TRUE;
      return FALSE;
    }
    g_warning ("network %s: WS-Discovery: no interface has the address %s "
        "(yet): looking for it every %d s", wsd->network, wsd->address,
        RETRY_S);
  } else {
    send_hello (wsd);
  }
  return TRUE;
}

void
rb_ws_discovery_stop (RbWsDiscovery * wsd)
{
  if (wsd->retry_source != 0) {
    g_source_remove (wsd->retry_source);
    wsd->retry_source = 0;
  }
  if (wsd->unicast_socket != NULL) {
    gsize length;
    gchar *bye = rb_wsd_build_bye (&wsd->device, ++wsd->message_number,
        &length);

    g_message ("network %s: WS-Discovery: Bye", wsd->network);
    send_to_group (wsd, "Bye", bye, length);
  }
  close_sockets (wsd);
  wsd->started = FALSE;
}

void
rb_ws_discovery_free (RbWsDiscovery * wsd)
{
  if (wsd == NULL)
    return;
  if (wsd->retry_source != 0)
    g_source_remove (wsd->retry_source);
  close_sockets (wsd);
  rb_wsd_limiter_free (wsd->limiter);
  g_free (wsd->network);
  g_free (wsd->address);
  g_free (wsd->urn);
  g_strfreev (wsd->scopes);
  g_free (wsd->xaddrs);
  g_free (wsd);
}
