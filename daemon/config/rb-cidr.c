/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The CIDR type of the config: allow= of a [network:NAME]. */

#include "rb-cidr.h"

#include <string.h>

G_DEFINE_QUARK (rb-cidr-error-quark, rb_cidr_error);

/**
 * rb_cidr_parse:
 * @text: one entry, stripped: an IPv4 or IPv6 address, or ADDRESS/PREFIX
 * @error: return location for an error (%RB_CIDR_ERROR_INVALID)
 *
 * An address alone is the one address (a /32 or /128). The prefix is at
 * most 32 (IPv4) or 128 (IPv6), and no bit may be set after it:
 * "10.0.1.0/24" is a network, "10.0.1.5/24" an error (a typo for one of
 * two meanings). Host names are refused.
 *
 * Returns: (transfer full) (nullable): the mask, or %NULL with @error set.
 */
GInetAddressMask *
rb_cidr_parse (const gchar * text, GError ** error)
{
  g_autofree gchar *address = g_strdup (text);
  gchar *slash = strchr (address, '/');
  g_autoptr (GInetAddress) inet = NULL;
  guint64 length = 0;
  GInetAddressMask *mask = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (slash != NULL)
    *slash = '\0';
  inet = g_inet_address_new_from_string (address);
  /* the prefix is checked here: GLib warns on a length its property does
   * not take (/129, /-1) */
  if (inet != NULL && (slash == NULL
          || g_ascii_string_to_unsigned (slash + 1, 10, 0,
              g_inet_address_get_native_size (inet) * 8, &length, NULL))) {
    if (slash == NULL)
      length = g_inet_address_get_native_size (inet) * 8;
    /* refuses bits set after the prefix; its reason would not say what a
     * valid entry looks like */
    mask = g_inet_address_mask_new (inet, length, NULL);
  }
  if (mask == NULL)
    g_set_error_literal (error, RB_CIDR_ERROR, RB_CIDR_ERROR_INVALID,
        "must be an IPv4 or IPv6 address or ADDRESS/PREFIX with no bits set "
        "after the prefix (10.0.1.0/24, 2001:db8::/32)");
  return mask;
}

/**
 * rb_cidr_list_matches:
 * @list: (nullable): of #GInetAddressMask, or %NULL for everyone
 * @address: (nullable): a client address as text, as a connection gives it
 *
 * Whether @address is in one of the masks of @list. An IPv4-mapped IPv6
 * address (a dual-stack listener) counts as IPv4; an address that does
 * not parse is in no list.
 *
 * Returns: %TRUE when @list is %NULL or @address is in it.
 */
gboolean
rb_cidr_list_matches (GPtrArray * list, const gchar * address)
{
  g_autoptr (GInetAddress) inet = NULL;

  if (list == NULL)
    return TRUE;
  inet = address ? g_inet_address_new_from_string (address) : NULL;
  if (inet == NULL)
    return FALSE;
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6) {
    const guint8 *b = g_inet_address_to_bytes (inet);
    static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0xff, 0xff
    };

    if (memcmp (b, mapped, 12) == 0) {
      GInetAddress *v4 = g_inet_address_new_from_bytes (b + 12,
          G_SOCKET_FAMILY_IPV4);

      g_object_unref (inet);
      inet = v4;
    }
  }
  for (guint i = 0; i < list->len; i++)
    if (g_inet_address_mask_matches (g_ptr_array_index (list, i), inet))
      return TRUE;
  return FALSE;
}
