-- SPDX-License-Identifier: LGPL-2.1-or-later
-- Schema version 1 of rtsp-blur's cluster database: nodes, camera leases,
-- the segment queue, the catalog of recordings and the chat.
--
-- Run by rb_db_migrate() in one transaction, under the migration lock; the
-- row of schema_version is added by it in the same transaction. Never edit
-- a migration that has been released: add the next one.
--
-- Times are timestamptz on the database server's clock (now()): every
-- expiry is decided there, never on a node's clock.

-- One row per node (rtsp-blur daemon). A node is alive while alive_until
-- is in the future: it moves it forward at every lease renewal.
CREATE TABLE nodes (
  name text PRIMARY KEY CHECK (name <> ''),
  capacity integer NOT NULL CHECK (capacity >= 0),
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  alive_until timestamptz NOT NULL DEFAULT now(),
  -- a draining node takes no camera and hands its cameras over
  draining boolean NOT NULL DEFAULT false,
  version text
);

-- Where a node serves each network (the per-node part of [network:NAME]):
-- what a redirect to the camera's owner needs.
CREATE TABLE node_addresses (
  node text NOT NULL REFERENCES nodes (name) ON DELETE CASCADE,
  network text NOT NULL,
  address text NOT NULL,
  rtsp_port integer CHECK (rtsp_port BETWEEN 1 AND 65535),
  http_port integer CHECK (http_port BETWEEN 1 AND 65535),
  tls boolean NOT NULL DEFAULT false,
  PRIMARY KEY (node, network)
);

-- Who runs each camera. A lease is held by node until expires_at; epoch
-- (the fencing token) grows by one at every change of owner, so whatever
-- a node writes under a lease can carry the epoch and be refused once a
-- newer one exists. A camera without node has been free since free_since
-- (created or released); one whose lease expired since expires_at.
CREATE TABLE camera_leases (
  camera text PRIMARY KEY CHECK (camera <> ''),
  node text,
  epoch bigint NOT NULL DEFAULT 0,
  expires_at timestamptz,
  acquired_at timestamptz,
  renewed_at timestamptz,
  free_since timestamptz NOT NULL DEFAULT now(),
  CHECK ((node IS NULL) = (expires_at IS NULL))
);
CREATE INDEX camera_leases_node ON camera_leases (node);

-- The segment queue: the same states and guarantees as the file journal
-- (lib/rb-journal.h): pending, claimed with a lease, done, quarantined
-- after failing max-attempts times (with back-off between attempts), and
-- evicted by retention. location is unique: adding it twice is a no-op.
-- claim_token (fencing) is taken from queue_claim_tokens at every claim:
-- only the worker holding the latest token may complete, fail or release.
CREATE SEQUENCE queue_claim_tokens;
CREATE TABLE queue_items (
  id bigserial PRIMARY KEY,
  location text NOT NULL UNIQUE CHECK (location LIKE '/%'),
  source text,
  duration_ns bigint CHECK (duration_ns >= 0),
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'claimed', 'done', 'quarantined', 'evicted')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  not_before timestamptz,
  last_failure text,
  claimed_by text,
  claim_token bigint,
  claimed_at timestamptz,
  lease_expires timestamptz,
  -- how many claims expired without an answer (worker or node died)
  reclaims integer NOT NULL DEFAULT 0,
  completed_at timestamptz,
  evicted_at timestamptz,
  evicted_reason text,
  CHECK ((state = 'claimed') = (lease_expires IS NOT NULL))
);
CREATE INDEX queue_items_pending ON queue_items (enqueued_at, id)
  WHERE state = 'pending';
CREATE INDEX queue_items_claimed ON queue_items (lease_expires)
  WHERE state = 'claimed';

-- Idle workers LISTEN on rb_queue: an item that becomes claimable wakes
-- them (a failed item waiting for its retry does not).
CREATE FUNCTION queue_items_notify () RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rb_queue', '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER queue_items_notify_insert AFTER INSERT ON queue_items
  FOR EACH ROW WHEN (NEW.state = 'pending' AND NEW.not_before IS NULL)
  EXECUTE FUNCTION queue_items_notify ();
CREATE TRIGGER queue_items_notify_update AFTER UPDATE OF state ON queue_items
  FOR EACH ROW WHEN (NEW.state = 'pending' AND OLD.state <> 'pending'
    AND (NEW.not_before IS NULL OR NEW.not_before <= now()))
  EXECUTE FUNCTION queue_items_notify ();

-- The catalog: one row per recorded segment, whichever node recorded it.
-- lease_epoch is the camera's lease epoch the recorder held.
CREATE TABLE recordings (
  id bigserial PRIMARY KEY,
  camera text NOT NULL,
  node text,
  lease_epoch bigint,
  started_at timestamptz NOT NULL,
  ended_at timestamptz CHECK (ended_at >= started_at),
  bytes bigint CHECK (bytes >= 0),
  state text NOT NULL DEFAULT 'recording'
    CHECK (state IN ('recording', 'recorded', 'anonymized', 'quarantined',
      'evicted')),
  raw_path text UNIQUE,
  anonymized_path text UNIQUE,
  sidecar_path text,
  heads_masked bigint CHECK (heads_masked >= 0),
  overload_frames bigint CHECK (overload_frames >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recordings_camera_time ON recordings (camera, started_at);
CREATE INDEX recordings_time ON recordings (started_at);

-- The chat: one room per network, the same on every node.
CREATE TABLE chat_messages (
  id bigserial PRIMARY KEY,
  network text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  node text,
  username text NOT NULL,
  body text NOT NULL
);
CREATE INDEX chat_messages_network ON chat_messages (network, id);
