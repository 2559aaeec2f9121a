-- Rebuilding current state from the change log. Used by every local write and by merges:
-- the new changes join the log first (a local write, `fieldkit verify`'s as-of copy and
-- write_stamped stage them in temp.incoming and run `append`; a merge inserts each source's
-- straight from the attached file), as the rows after temp.fold_from.lo, marked as their
-- cell's winner. fieldkit.store.log.fold_after then runs touch, fold_cells, fold_conflicts,
-- fold_records and heads in order inside one transaction.
--
-- Current state is a function of the log alone:
--   cells     the winner of every cell: the change with the latest hybrid logical clock,
--             device id then change id breaking ties (a view of the changes marked
--             winner = 1: the fold keeps the marks);
--   conflicts the heads of a cell's history (changes no other change lists as its parent,
--             in changes.parent or change_parents) that lost and hold a different value;
--   records   a pivot of each record's 'record' cells, with created_hlc / updated_hlc the
--             first / last clock among all the record's changes, and its natural key.
-- The recompute_* statements rebuild the cells listed in temp.touched from the whole log
-- (the definition, used after rewriting history); the fold_* statements get the same result
-- from the new changes and the state before them (the fast path every write and merge uses).
-- Records have one builder, fold_records, which reads the whole log for a record that has
-- no row (recompute_all empties the table first).

-- name: create_temp
-- Columns without a type: values keep the type their source gave them (ids are 16-byte
-- blobs; a crafted source's REAL or TEXT clock must be seen as such to be refused).
CREATE TEMP TABLE IF NOT EXISTS incoming (
  id PRIMARY KEY, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent,
  prev,
  src INTEGER  -- which merge source brought the change (NULL for local writes)
);
CREATE TEMP TABLE IF NOT EXISTS incoming_parents (child, parent, PRIMARY KEY (child, parent));
-- The log's last row before the new changes: they are the rows after it.
CREATE TEMP TABLE IF NOT EXISTS fold_from (lo INTEGER NOT NULL);
-- The cells the new changes touch that may have more than one candidate (see touch): how
-- many new changes each has, the best of them, and the winner before them (old_*; NULL for
-- a cell new to this database). A cell with one change, new, is its own winner: not here.
CREATE TEMP TABLE IF NOT EXISTS touched (
  record_id TEXT, kind TEXT, field TEXT, rkey TEXT,
  n_new INTEGER, best_id TEXT, best_hlc INTEGER, best_device TEXT, best_value,
  old_id TEXT, old_hlc INTEGER, old_device TEXT, old_value,
  PRIMARY KEY (record_id, kind, field, rkey)
);
-- The chains' new tips (new changes no other new change names as its previous one), and
-- the changes the new ones name as previous that are not among them (heads).
CREATE TEMP TABLE IF NOT EXISTS head_candidates (id PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS head_named (id PRIMARY KEY);
-- The records the new changes touch: the first and last clock among the new changes, and
-- whether the log held changes of the record before them.
CREATE TEMP TABLE IF NOT EXISTS touched_records (
  record_id TEXT PRIMARY KEY, lo INTEGER, hi INTEGER, had INTEGER,
  first INTEGER  -- the log's row of the first new change (which merge source brought it)
);
-- The winners recompute_cells finds.
CREATE TEMP TABLE IF NOT EXISTS winners (id PRIMARY KEY);

-- name: clear_temp
-- Empty the fold's temp tables (create_temp made them, once per connection: log.begin_fold
-- runs this alone and create_temp first only when a table is missing) and mark where the
-- new changes start.
DELETE FROM temp.incoming;
DELETE FROM temp.incoming_parents;
DELETE FROM temp.touched;
DELETE FROM temp.touched_records;
DELETE FROM temp.winners;
DELETE FROM temp.head_candidates;
DELETE FROM temp.head_named;
DELETE FROM temp.fold_from;
INSERT INTO temp.fold_from (lo) SELECT coalesce(max(rowid), 0) FROM main.changes;

-- name: link_local_parents
-- A local write has seen everything this database holds of its cell: its parent is the
-- cell's winner, and every other head of the cell's history (an open conflict, or a
-- concurrent edit that happened to hold the winner's value) is a further parent.
UPDATE temp.incoming SET parent = (
  SELECT c.change_id FROM main.cells c
  WHERE c.record_id = incoming.record_id AND c.kind = incoming.kind
    AND c.field = incoming.field AND c.rkey = incoming.rkey
);
INSERT OR IGNORE INTO temp.incoming_parents (child, parent)
SELECT i.id, c.id
FROM temp.incoming i
CROSS JOIN main.changes c
  ON c.record_id = i.record_id AND c.kind = i.kind AND c.field = i.field AND c.rkey = i.rkey
WHERE c.id IS NOT i.parent
  AND NOT EXISTS (SELECT 1 FROM main.changes k WHERE k.parent = c.id)
  AND NOT EXISTS (SELECT 1 FROM main.change_parents p WHERE p.parent = c.id);

-- name: append
-- A staged batch (temp.incoming) joins the log, every change marked as its cell's winner
-- (fold_cells leaves one mark per cell), in record order: a record's changes then lie
-- together in the log, as current values are read. Its chains' new tips are the changes no
-- other of the batch names as previous.
INSERT INTO main.changes (
  id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev, winner
)
SELECT i.id, i.device_id, i.seq, i.hlc, i.record_id, i.kind, i.field, i.rkey, i.value,
       i.author, i.parent, i.prev, 1
FROM temp.incoming i
ORDER BY i.record_id, i.id;
INSERT OR IGNORE INTO main.change_parents (child, parent)
SELECT child, parent FROM temp.incoming_parents;

-- name: append_heads
-- The staged batch's chain tips (after append, for a batch stamped elsewhere; a local
-- write knows its one tip and the one it follows: log.write_local). The index on prev is
-- built and dropped here only: a temp index left in place, or made on every write, changes
-- the temp schema and SQLite then prepares every statement of the fold again.
CREATE INDEX IF NOT EXISTS temp.incoming_prev ON incoming (prev);
INSERT OR IGNORE INTO temp.head_candidates (id)
SELECT i.id FROM temp.incoming i
WHERE NOT EXISTS (SELECT 1 FROM temp.incoming j WHERE j.prev = i.id);
DROP INDEX temp.incoming_prev;
INSERT OR IGNORE INTO temp.head_named (id)
SELECT i.prev FROM temp.incoming i
WHERE i.prev IS NOT NULL AND NOT EXISTS (SELECT 1 FROM temp.incoming j WHERE j.id = i.prev);

-- name: touch
-- What the new changes (the log's rows after temp.fold_from.lo) touch: the records (their
-- first and last new clock, whether the log held changes of them before, and the row of
-- the first new one). (NOT INDEXED: the new rows by their row numbers; SQLite would read
-- the whole cell index in record order instead, to save the sort.)
INSERT INTO temp.touched_records (record_id, lo, hi, had, first)
SELECT c.record_id, min(c.hlc), max(c.hlc),
       EXISTS (SELECT 1 FROM main.changes o
               WHERE o.record_id = c.record_id AND o.rowid <= (SELECT lo FROM temp.fold_from)),
       min(c.rowid)
FROM main.changes c NOT INDEXED
WHERE c.rowid > (SELECT lo FROM temp.fold_from)
GROUP BY c.record_id;

-- name: touch_cells
-- The cells that may have more than one candidate, with the state they start from: a
-- (record, field) the log holds more than one change of, one of them new. (A record's
-- answer and note on an item share a field, so such a pair is looked at too; fold_cells
-- finds nothing to do there.) Most new changes are the only change of their cell: they are
-- its winner as they came in, and not looked at again. The pairs are read from the log's
-- cell index where the hole is: record by touched record, or the whole index when the new
-- changes are most of the log (one pass is then cheaper; log._touch_cells chooses).
INSERT INTO temp.touched (
  record_id, kind, field, rkey, n_new, best_id, best_hlc, best_device, best_value,
  old_id, old_hlc, old_device, old_value
)
SELECT b.record_id, b.kind, b.field, b.rkey, b.n, b.id, b.hlc, b.device_id, b.value,
       o.id, o.hlc, o.device_id, o.value
FROM (
  -- The best new change of each cell: the row holding the largest key, which orders as
  -- (hlc, device_id, id) does (SQLite takes bare columns from the row max() picks).
  SELECT c.record_id, c.kind, c.field, c.rkey, c.id, c.hlc, c.device_id, c.value,
         count(*) AS n,
         max(printf('%020d', c.hlc) || char(1) || c.device_id || char(1) || hex(c.id)) AS k
  FROM (
    SELECT c.record_id, c.field
    {groups}
    HAVING count(*) > 1 AND max(c.rowid) > (SELECT lo FROM temp.fold_from)
  ) AS g
  CROSS JOIN main.changes c ON c.record_id = g.record_id AND c.field = g.field
  WHERE c.rowid > (SELECT lo FROM temp.fold_from)
  GROUP BY c.record_id, c.kind, c.field, c.rkey
) AS b
LEFT JOIN main.changes o
  ON o.record_id = b.record_id AND o.field = b.field AND o.kind = b.kind AND o.rkey = b.rkey
 AND o.winner = 1 AND o.rowid <= (SELECT lo FROM temp.fold_from);

-- name: head_candidate
INSERT OR IGNORE INTO temp.head_candidates (id) VALUES (?);

-- name: head_named
INSERT OR IGNORE INTO temp.head_named (id) VALUES (?);

-- name: heads
-- The tips of the devices' hash chains (a change no other names as its prev: each device's
-- latest, or the latest of each line a copied database wrote), so that `fieldkit verify`
-- sees a deleted last change as well as one deleted from the middle: the new tips join, and
-- a tip a new change names as its previous one leaves.
INSERT OR IGNORE INTO main.chain_heads (id) SELECT id FROM temp.head_candidates;
DELETE FROM main.chain_heads WHERE id IN (SELECT id FROM temp.head_named);

-- name: fold_cells
-- A cell's winner is the latest of its old winner and its best new change. Where there was
-- more than one candidate (several new changes, or an old winner), every other change of
-- the cell gives up the mark append (or an earlier fold) gave it.
UPDATE main.changes SET winner = 0 WHERE rowid IN (
  SELECT c.rowid
  FROM temp.touched t
  CROSS JOIN main.changes c
    ON c.record_id = t.record_id AND c.field = t.field AND c.kind = t.kind AND c.rkey = t.rkey
  WHERE (t.n_new > 1 OR t.old_id IS NOT NULL)
    AND c.winner = 1
    AND c.id IS NOT CASE
      WHEN t.old_id IS NULL
        OR (t.best_hlc, t.best_device, t.best_id) > (t.old_hlc, t.old_device, t.old_id)
      THEN t.best_id ELSE t.old_id END
);

-- name: fold_conflicts
-- Only a cell with more than one change can hold a conflict.
DELETE FROM main.conflicts WHERE rowid IN (
  SELECT f.rowid
  FROM temp.touched t
  CROSS JOIN main.conflicts f
    ON f.record_id = t.record_id AND f.kind = t.kind AND f.field = t.field AND f.rkey = t.rkey
  WHERE t.old_id IS NOT NULL
);
INSERT INTO main.conflicts (change_id, record_id, kind, field, rkey, value, device_id, author, hlc, winner_id, winner_value)
SELECT lower(hex(c.id)), c.record_id, c.kind, c.field, c.rkey, c.value, c.device_id,
       c.author, c.hlc, lower(hex(w.change_id)), w.value
FROM temp.touched t
CROSS JOIN main.cells w
  ON w.record_id = t.record_id AND w.kind = t.kind AND w.field = t.field AND w.rkey = t.rkey
CROSS JOIN main.changes c
  ON c.record_id = t.record_id AND c.kind = t.kind AND c.field = t.field AND c.rkey = t.rkey
WHERE (t.old_id IS NOT NULL OR t.n_new > 1)
  AND c.id <> w.change_id
  AND c.value IS NOT w.value
  AND NOT EXISTS (SELECT 1 FROM main.changes k WHERE k.parent = c.id)
  AND NOT EXISTS (SELECT 1 FROM main.change_parents p WHERE p.parent = c.id);

-- name: fold_records
-- The one builder of a record's row (its 'record' cells pivoted, and its natural key).
-- created_hlc / updated_hlc extend the old row's with the new changes' clocks; a record the
-- log did not know has only new changes (had = 0); one with no row, known only from orphan
-- changes (no 'record' cells) or emptied by recompute_all (touch_all leaves had NULL),
-- is read from the whole log.
INSERT OR REPLACE INTO main.records (
  record_id, checklist_id, checklist_version, inspection, force_code, inspector, observer_role,
  observed_at, subject_ref, status, deleted, created_hlc, updated_hlc, natural_key
)
SELECT
  r.record_id, r.checklist_id, r.checklist_version, r.inspection, r.force_code, r.inspector,
  r.observer_role, r.observed_at, r.subject_ref, r.status, r.deleted,
  CASE
    WHEN r.had = 0 THEN r.lo
    WHEN o.created_hlc IS NOT NULL THEN min(o.created_hlc, r.lo)
    ELSE (SELECT min(hlc) FROM main.changes c WHERE c.record_id = r.record_id)
  END,
  CASE
    WHEN r.had = 0 THEN r.hi
    WHEN o.updated_hlc IS NOT NULL THEN max(o.updated_hlc, r.hi)
    ELSE (SELECT max(hlc) FROM main.changes c WHERE c.record_id = r.record_id)
  END,
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
    t.record_id, t.lo, t.hi, t.had,
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
  CROSS JOIN main.cells c ON c.record_id = t.record_id AND c.kind = 'record'
    AND c.field IN ('checklist_id', 'checklist_version', 'inspection', 'force_code', 'inspector',
                    'observer_role', 'observed_at', 'subject_ref', 'status', 'deleted')
  GROUP BY t.record_id
) AS r
LEFT JOIN main.records o ON o.record_id = r.record_id;

-- name: touch_all
-- Every cell and record the log holds: a full rebuild of current state (log.recompute_all).
INSERT OR IGNORE INTO temp.touched (record_id, kind, field, rkey)
SELECT DISTINCT record_id, kind, field, rkey FROM main.changes;
INSERT OR IGNORE INTO temp.touched_records (record_id)
SELECT DISTINCT record_id FROM main.changes WHERE kind <> 'setting';

-- name: recompute_cells
-- The winner of each touched cell, from the whole log: the marks are set on the winners and
-- taken off every other change of the cell (rows already right are not rewritten).
INSERT OR IGNORE INTO temp.winners (id)
SELECT id FROM (
  SELECT c.id, row_number() OVER (
    PARTITION BY c.record_id, c.kind, c.field, c.rkey ORDER BY c.hlc DESC, c.device_id DESC, c.id DESC
  ) AS rn
  FROM temp.touched t
  CROSS JOIN main.changes c
    ON c.record_id = t.record_id AND c.kind = t.kind AND c.field = t.field AND c.rkey = t.rkey
) WHERE rn = 1;
UPDATE main.changes SET winner = 0 WHERE rowid IN (
  SELECT c.rowid
  FROM temp.touched t
  CROSS JOIN main.changes c
    ON c.record_id = t.record_id AND c.kind = t.kind AND c.field = t.field AND c.rkey = t.rkey
  WHERE c.winner IS NOT 0 AND c.id NOT IN (SELECT id FROM temp.winners)
);
UPDATE main.changes SET winner = 1
WHERE id IN (SELECT id FROM temp.winners) AND winner IS NOT 1;

-- name: recompute_conflicts
-- The conflicts of each touched cell, from the whole log.
DELETE FROM main.conflicts WHERE rowid IN (
  SELECT f.rowid
  FROM temp.touched t
  CROSS JOIN main.conflicts f
    ON f.record_id = t.record_id AND f.kind = t.kind AND f.field = t.field AND f.rkey = t.rkey
);
INSERT INTO main.conflicts (change_id, record_id, kind, field, rkey, value, device_id, author, hlc, winner_id, winner_value)
SELECT lower(hex(c.id)), c.record_id, c.kind, c.field, c.rkey, c.value, c.device_id,
       c.author, c.hlc, lower(hex(w.change_id)), w.value
FROM temp.touched t
CROSS JOIN main.cells w
  ON w.record_id = t.record_id AND w.kind = t.kind AND w.field = t.field AND w.rkey = t.rkey
CROSS JOIN main.changes c
  ON c.record_id = t.record_id AND c.kind = t.kind AND c.field = t.field AND c.rkey = t.rkey
WHERE c.id <> w.change_id
  AND c.value IS NOT w.value
  AND NOT EXISTS (SELECT 1 FROM main.changes k WHERE k.parent = c.id)
  AND NOT EXISTS (SELECT 1 FROM main.change_parents p WHERE p.parent = c.id);

-- name: drop_known
-- Changes already in the log (merging the same source twice adds nothing).
DELETE FROM temp.incoming WHERE EXISTS (SELECT 1 FROM main.changes m WHERE m.id = incoming.id);
DELETE FROM temp.incoming_parents
WHERE NOT EXISTS (SELECT 1 FROM temp.incoming i WHERE i.id = incoming_parents.child);

-- name: apply_rekey
-- After fieldkit.store.chain.prepare_rekey (temp.rekey: old id -> new id): every change,
-- parent, chain link, tip and conflict takes its change's new id (a winner keeps its mark).
CREATE TEMP TABLE rekey_changes AS
SELECT k.id, c.device_id, c.seq, c.hlc, c.record_id, c.kind, c.field, c.rkey, c.value,
       c.author, p.id AS parent, k.prev, c.winner
FROM main.changes c
JOIN temp.rekey k ON k.old = c.id
LEFT JOIN temp.rekey p ON p.old = c.parent
ORDER BY k.id;
DELETE FROM main.changes;
INSERT INTO main.changes (id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev, winner)
SELECT * FROM temp.rekey_changes;
DROP TABLE temp.rekey_changes;
CREATE TEMP TABLE rekey_parents AS
SELECT c.id AS child, p.id AS parent
FROM main.change_parents x
JOIN temp.rekey c ON c.old = x.child
JOIN temp.rekey p ON p.old = x.parent;
DELETE FROM main.change_parents;
INSERT OR IGNORE INTO main.change_parents (child, parent) SELECT child, parent FROM temp.rekey_parents;
DROP TABLE temp.rekey_parents;
DELETE FROM main.chain_heads;
INSERT INTO main.chain_heads (id) SELECT id FROM temp.rekey WHERE head = 1;
CREATE TEMP TABLE rekey_hex (old TEXT PRIMARY KEY, id TEXT);
INSERT OR IGNORE INTO temp.rekey_hex (old, id)
SELECT lower(hex(k.old)), lower(hex(k.id)) FROM temp.rekey k
WHERE lower(hex(k.old)) IN (SELECT change_id FROM main.conflicts UNION SELECT winner_id FROM main.conflicts);
UPDATE main.conflicts SET
  change_id = (SELECT k.id FROM temp.rekey_hex k WHERE k.old = conflicts.change_id),
  winner_id = (SELECT k.id FROM temp.rekey_hex k WHERE k.old = conflicts.winner_id);
DROP TABLE temp.rekey_hex;
DROP TABLE temp.rekey;
