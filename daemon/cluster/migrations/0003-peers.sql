-- SPDX-License-Identifier: LGPL-2.1-or-later
-- Schema version 3: where each node receives the other nodes'
-- heartbeats (rb-cluster-peers.c), so that they can tell "the database is
-- down" from "I am cut off" without the database. A node writes its own
-- row at every registration; NULL: the node sends none (peer-port=0, or an
-- older rtsp-blur), it still counts as a member.
ALTER TABLE nodes ADD COLUMN peer_address text;
ALTER TABLE nodes ADD COLUMN peer_port integer
  CHECK (peer_port BETWEEN 1 AND 65535);
