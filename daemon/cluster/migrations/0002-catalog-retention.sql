-- SPDX-License-Identifier: LGPL-2.1-or-later
-- Schema version 2: what the cluster-wide retention reads from the catalog.
--
-- anonymized_bytes: the size of the anonymized segment (bytes is the raw
-- one's), for the disk budget. The partial index serves the retention's
-- scan of the segments still on the storage, oldest first.
ALTER TABLE recordings
  ADD COLUMN anonymized_bytes bigint CHECK (anonymized_bytes >= 0);
CREATE INDEX recordings_on_storage ON recordings (started_at)
  WHERE state <> 'evicted';
