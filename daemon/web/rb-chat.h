/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_CHAT_H__
#define __RB_CHAT_H__

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* RbChatRoom: one chat room of the operator page (one per network, or one
 * for all with chat-join-networks=true), on the main context.
 *
 * Members are WebSocket connections. A member's text frame (at most
 * RB_CHAT_MAX_TEXT bytes of UTF-8, blank ones ignored) becomes a message
 * stamped with the member's user name and the server's time, appended to
 * the room's file and sent to every member, the sender included, as
 *   {"type":"message","message":{"user":U,"network":N,"time":T,"text":X}}
 * with T in ISO 8601 UTC to the millisecond. A member that joins first gets
 *   {"type":"history","messages":[...]}
 * with the last RB_CHAT_HISTORY messages, oldest first.
 *
 * Rate limits: a member's message is sent only when its user
 * (per network: the users files are) and its network both have a token in
 * their bucket. A user's bucket holds RB_CHAT_USER_BURST tokens and gets
 * RB_CHAT_USER_RATE a second; a network's RB_CHAT_NETWORK_BURST and
 * RB_CHAT_NETWORK_RATE (shared by its users, with chat-join-networks too).
 * A message over a limit is neither stored nor sent; its sender gets (at
 * most once a second)
 *   {"type":"notice","text":"message not sent: ..."}
 * So one user cannot push the history out faster than RB_CHAT_HISTORY /
 * RB_CHAT_USER_RATE seconds, nor one network faster than RB_CHAT_HISTORY /
 * RB_CHAT_NETWORK_RATE.
 *
 * The file holds one message object per line (JSON Lines); each append is
 * written and fsync'ed before it is sent, and the file is rewritten
 * durably (rb_durable_write) down to the last RB_CHAT_HISTORY messages when
 * it holds twice that. On start the last RB_CHAT_HISTORY valid lines are
 * loaded (a line torn by a crash is skipped). */
typedef struct _RbChatRoom RbChatRoom;

#define RB_CHAT_HISTORY 500
#define RB_CHAT_MAX_TEXT 2000
#define RB_CHAT_USER_RATE 2.0
#define RB_CHAT_USER_BURST 5
#define RB_CHAT_NETWORK_RATE 10.0
#define RB_CHAT_NETWORK_BURST 20

/* Loads @path's history (a missing file is an empty room; its directory
 * is created). Fails when the file or directory cannot be read or made. */
RbChatRoom *rb_chat_room_new (const gchar * name, const gchar * path,
                              GError ** error);
void rb_chat_room_free (RbChatRoom * room);

/* Adds @conn (a new reference is taken) as a member speaking as @user from
 * @network; it leaves when it closes. */
void rb_chat_room_join (RbChatRoom * room, SoupWebsocketConnection * conn,
                        const gchar * user, const gchar * network);

guint rb_chat_room_get_members (RbChatRoom * room);

/* Replaces the rate limits (messages a second, and at once) and refills
 * every bucket. */
void rb_chat_room_set_rate_limits (RbChatRoom * room, gdouble user_rate,
                                   guint user_burst, gdouble network_rate,
                                   guint network_burst);
/* Messages not sent since start because of the rate limits. */
guint64 rb_chat_room_get_rate_limited (RbChatRoom * room);

/* [cluster]: the room's messages live elsewhere (the cluster's database,
 * rb-cluster-chat.h). A message a member sends (checked and rate-limited
 * as before) goes to @relay instead of the file and the members; the
 * messages of the room come back through rb_chat_room_deliver(), which
 * keeps the last RB_CHAT_HISTORY and sends them to the members. The
 * history read from the file is dropped. */
typedef void (*RbChatRelayFunc) (RbChatRoom * room, const gchar * network,
                                 const gchar * user, const gchar * text,
                                 gpointer data);
void rb_chat_room_set_relay (RbChatRoom * room, RbChatRelayFunc relay,
                             gpointer data);
void rb_chat_room_deliver (RbChatRoom * room, const gchar * network,
                           const gchar * user, const gchar * time,
                           const gchar * text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbChatRoom, rb_chat_room_free)

G_END_DECLS

#endif /* __RB_CHAT_H__ */
