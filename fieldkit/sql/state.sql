-- Rebuilding current state from the change log. Used by every local write and by merges:
-- the caller fills temp.incoming with changes that are not yet in the log, then runs these
-- in order inside one transaction.

-- name: create_temp
CREATE TEMP TABLE IF NOT EXISTS incoming (
  id TEXT PRIMARY KEY, device_id TEXT, seq INTEGER, hlc INTEGER, record_id TEXT,
  kind TEXT, field TEXT, rkey TEXT, value, author TEXT, parent TEXT
);
CREATE TEMP TABLE IF NOT EXISTS incoming_parents (child TEXT, parent TEXT, PRIMARY KEY (child, parent));
CREATE TEMP TABLE IF NOT EXISTS touched (
  record_id TEXT, kind TEXT, field TEXT, rkey TEXT,
  PRIMARY KEY (record_id, kind, field, rkey)
);
CREATE TEMP TABLE IF NOT EXISTS touched_records (record_id TEXT PRIMARY KEY);
DELETE FROM temp.incoming;
DELETE FROM temp.incoming_parents;
DELETE FROM temp.touched;
DELETE FROM temp.touched_records;

-- name: link_local_parents
-- A local write has seen the cell's winner and every open conflict in it.
UPDATE temp.incoming SET parent = (
  SELECT c.change_id FROM main.cells c
  WHERE c.record_id = incoming.record_id AND c.kind = incoming.kind
    AND c.field = incoming.field AND c.rkey = incoming.rkey
);
INSERT OR IGNORE INTO temp.incoming_parents (child, parent)
SELECT i.id, f.change_id
FROM temp.incoming i
JOIN main.conflicts f
  ON f.record_id = i.record_id AND f.kind = i.kind AND f.field = i.field AND f.rkey = i.rkey;

-- name: append
INSERT INTO main.changes (id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent)
SELECT id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent
FROM temp.incoming;
INSERT OR IGNORE INTO main.change_parents (child, parent)
SELECT child, parent FROM temp.incoming_parents;
INSERT OR IGNORE INTO temp.touched (record_id, kind, field, rkey)
SELECT DISTINCT record_id, kind, field, rkey FROM temp.incoming;
INSERT OR IGNORE INTO temp.touched_records (record_id)
SELECT DISTINCT record_id FROM temp.incoming WHERE kind IN ('record', 'answer');

-- name: recompute_cells
-- The winner of each touched cell: the latest hybrid logical clock, device id breaking ties.
INSERT OR REPLACE INTO main.cells (record_id, kind, field, rkey, value, change_id, hlc, device_id, author)
SELECT record_id, kind, field, rkey, value, id, hlc, device_id, author FROM (
  SELECT c.*, row_number() OVER (
    PARTITION BY c.record_id, c.kind, c.field, c.rkey ORDER BY c.hlc DESC, c.device_id DESC
  ) AS rn
  FROM temp.touched t
  JOIN main.changes c
    ON c.record_id = t.record_id AND c.kind = t.kind AND c.field = t.field AND c.rkey = t.rkey
) WHERE rn = 1;

-- name: recompute_conflicts
-- A conflict is a head of the cell's history (a change no later change has seen) that is
-- not the winner and holds a different value.
DELETE FROM main.conflicts WHERE EXISTS (
  SELECT 1 FROM temp.touched t
  WHERE t.record_id = conflicts.record_id AND t.kind = conflicts.kind
    AND t.field = conflicts.field AND t.rkey = conflicts.rkey
);
INSERT INTO main.conflicts (change_id, record_id, kind, field, rkey, value, device_id, author, hlc, winner_id, winner_value)
SELECT c.id, c.record_id, c.kind, c.field, c.rkey, c.value, c.device_id, c.author, c.hlc,
       w.change_id, w.value
FROM temp.touched t
JOIN main.changes c
  ON c.record_id = t.record_id AND c.kind = t.kind AND c.field = t.field AND c.rkey = t.rkey
JOIN main.cells w
  ON w.record_id = t.record_id AND w.kind = t.kind AND w.field = t.field AND w.rkey = t.rkey
WHERE c.id <> w.change_id
  AND c.value IS NOT w.value
  AND NOT EXISTS (SELECT 1 FROM main.changes k WHERE k.parent = c.id)
  AND NOT EXISTS (SELECT 1 FROM main.change_parents p WHERE p.parent = c.id);

-- name: recompute_records
INSERT OR REPLACE INTO main.records (
  record_id, checklist_id, checklist_version, inspection, force_code, inspector, observer_role,
  observed_at, subject_ref, status, deleted, created_hlc, updated_hlc, natural_key
)
SELECT
  r.record_id, r.checklist_id, r.checklist_version, r.inspection, r.force_code, r.inspector,
  r.observer_role, r.observed_at, r.subject_ref, r.status, r.deleted,
  (SELECT min(hlc) FROM main.changes c WHERE c.record_id = r.record_id),
  (SELECT max(hlc) FROM main.cells c WHERE c.record_id = r.record_id),
  r.force_code || '|' || coalesce((
    SELECT group_concat(v, '|') FROM (
      SELECT lower(trim(coalesce(a.value, ''))) AS v
      FROM main.natural_key_items k
      LEFT JOIN main.cells a
        ON a.record_id = r.record_id AND a.kind = 'answer' AND a.field = k.item_id AND a.rkey = ''
      WHERE k.checklist_id = r.checklist_id AND k.checklist_version = r.checklist_version
      ORDER BY k.position
    )
  ), '')
FROM (
  SELECT
    c.record_id,
    max(CASE WHEN c.field = 'checklist_id' THEN c.value END) AS checklist_id,
    max(CASE WHEN c.field = 'checklist_version' THEN c.value END) AS checklist_version,
    max(CASE WHEN c.field = 'inspection' THEN c.value END) AS inspection,
    max(CASE WHEN c.field = 'force_code' THEN c.value END) AS force_code,
    max(CASE WHEN c.field = 'inspector' THEN c.value END) AS inspector,
    max(CASE WHEN c.field = 'observer_role' THEN c.value END) AS observer_role,
    max(CASE WHEN c.field = 'observed_at' THEN c.value END) AS observed_at,
    max(CASE WHEN c.field = 'subject_ref' THEN c.value END) AS subject_ref,
    max(CASE WHEN c.field = 'status' THEN c.value END) AS status,
    coalesce(max(CASE WHEN c.field = 'deleted' THEN c.value END), 0) AS deleted
  FROM temp.touched_records t
  JOIN main.cells c ON c.record_id = t.record_id AND c.kind = 'record'
  GROUP BY c.record_id
) AS r;

-- name: drop_known
-- Changes already in the log (merging the same source twice adds nothing).
DELETE FROM temp.incoming WHERE id IN (SELECT id FROM main.changes);
