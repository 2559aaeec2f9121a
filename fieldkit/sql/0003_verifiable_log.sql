-- fieldkit schema, step 3: a verifiable change log.
--
-- A change's id becomes a 16-byte digest of its content (fieldkit.store.digest), stored as
-- a BLOB, and each change names its device's previous change (prev): a hash chain per
-- device. chain_heads holds the tips of the chains (a change no other names as its prev).
-- Conflicts name changes as 32 hex digits, as people read and type them.
--
-- Before this script runs, fieldkit.store.chain.prepare_rekey has filled temp.rekey
-- (old text id -> new id, the new id of its prev, whether it is a chain tip), computed in
-- an order where every change's parents and prev come first. All in the one migration
-- transaction.

-- (A rowid table: as WITHOUT ROWID tables, keyed by random digests, the log and cells
-- were 9% smaller but merges and the demo twice as slow.)
CREATE TABLE changes_v3 (
  id        BLOB NOT NULL PRIMARY KEY,  -- fieldkit.store.digest.change_id over the rest
  device_id TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  hlc       INTEGER NOT NULL,   -- hybrid logical clock: unix ms << 16 | counter
  record_id TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('record', 'answer', 'note', 'setting')),
  field     TEXT NOT NULL,
  rkey      TEXT NOT NULL DEFAULT '',
  value,
  author    TEXT,
  parent    BLOB,               -- the cell's winner when this change was written
  prev      BLOB                -- this device's previous change (NULL for its first)
);
INSERT INTO changes_v3 (
  id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev
)
SELECT k.id, c.device_id, c.seq, c.hlc, c.record_id, c.kind, c.field, c.rkey, c.value,
       c.author, p.id, k.prev
FROM changes c
JOIN temp.rekey k ON k.old = c.id
LEFT JOIN temp.rekey p ON p.old = c.parent
ORDER BY k.id;
DROP TABLE changes;
ALTER TABLE changes_v3 RENAME TO changes;
CREATE INDEX changes_cell ON changes (record_id, kind, field, rkey);
CREATE INDEX changes_parent ON changes (parent) WHERE parent IS NOT NULL;

CREATE TABLE change_parents_v3 (
  child  BLOB NOT NULL,
  parent BLOB NOT NULL,
  PRIMARY KEY (child, parent)
) WITHOUT ROWID;
INSERT OR IGNORE INTO change_parents_v3 (child, parent)
SELECT c.id, p.id
FROM change_parents x
JOIN temp.rekey c ON c.old = x.child
JOIN temp.rekey p ON p.old = x.parent;
DROP TABLE change_parents;
ALTER TABLE change_parents_v3 RENAME TO change_parents;
CREATE INDEX change_parents_parent ON change_parents (parent);

CREATE TABLE chain_heads (
  id BLOB PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO chain_heads (id) SELECT id FROM temp.rekey WHERE head = 1;

-- cells.change_id now holds the winner's 16-byte id (the column keeps its declared type:
-- SQLite stores a BLOB as given).
UPDATE cells SET change_id = (SELECT k.id FROM temp.rekey k WHERE k.old = cells.change_id);
UPDATE conflicts SET
  change_id = (SELECT lower(hex(k.id)) FROM temp.rekey k WHERE k.old = conflicts.change_id),
  winner_id = (SELECT lower(hex(k.id)) FROM temp.rekey k WHERE k.old = conflicts.winner_id);

-- This device's latest change: the prev of its next one.
INSERT OR REPLACE INTO meta (key, value)
SELECT 'head', coalesce((
  SELECT lower(hex(k.id)) FROM changes c
  JOIN temp.rekey k ON k.id = c.id
  WHERE c.device_id = (SELECT value FROM meta WHERE key = 'device_id')
  ORDER BY c.seq DESC, c.hlc DESC, c.id DESC LIMIT 1
), '');
DROP TABLE temp.rekey;
