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

#ifndef __RB_CLUSTER_CHAT_H__
#define __RB_CLUSTER_CHAT_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * RbClusterChat:
 *
 * The operator pages' chat of a cluster, in the database
 * (`chat_messages`): one room per network, the same on every node.
 *
 * Since: 0.1.0
 */
typedef struct _RbClusterChat RbClusterChat;

/**
 * RB_CLUSTER_CHAT_KEEP:
 *
 * Messages kept in the database per network; older ones are deleted
 * (every node shows the last #RB_CHAT_HISTORY of them).
 *
 * Since: 0.1.0
 */
#define RB_CLUSTER_CHAT_KEEP 2000

/**
 * RbClusterChatFunc:
 * @network: the network it was sent on
 * @user: who sent it
 * @time: when (the database's clock, ISO 8601 UTC with milliseconds)
 * @text: the message
 * @user_data: the data given to rb_cluster_chat_new()
 *
 * Called in the main context for every message of the cluster, in the
 * database's order: first the last ones at start, then each new one
 * (this node's own included, once stored).
 */
typedef void (*RbClusterChatFunc) (const gchar * network,
                                   const gchar * user,
                                   const gchar * time,
                                   const gchar * text,
                                   gpointer user_data);

RbClusterChat *rb_cluster_chat_new (const gchar * conninfo,
                                    const gchar * password_file,
                                    const gchar * node,
                                    guint history,
                                    RbClusterChatFunc func,
                                    gpointer user_data);
void rb_cluster_chat_post (RbClusterChat * chat,
                           const gchar * network,
                           const gchar * user,
                           const gchar * text);
void rb_cluster_chat_free (RbClusterChat * chat);

G_END_DECLS

#endif /* __RB_CLUSTER_CHAT_H__ */
