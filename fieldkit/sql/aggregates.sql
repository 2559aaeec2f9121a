-- Keeping the stored aggregates (schema step 0005) equal to a full recomputation, in the
-- same transaction as every write and merge (fieldkit.store.aggregates, called from the fold).
--
-- The records a fold affects are the ones it touches and every record sharing a natural key
-- with one, before or after (which copy of a key is counted can change). Their old
-- contribution is subtracted (agg_out, from the cells as they were before the new changes;
-- siblings under a new key in agg_in, whose cells did not change), their facts are recomputed and their new
-- contribution added. Contributions collect in temp delta tables, applied once at the end.
-- A key counts only when some part after the force is not empty (records.keyed, schema step
-- 0007); a record without one is its own group (as record_facts' window partition had it).

-- name: create_temp
CREATE TEMP TABLE IF NOT EXISTS agg_affected (record_id TEXT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS agg_sub (record_id TEXT PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS agg_d_records (
  checklist_id, checklist_version, force_code, stratum, in_scope, final, drafts
);
CREATE TEMP TABLE IF NOT EXISTS agg_d_answers (
  checklist_id, checklist_version, in_scope, force_code, item_id, answers, applicable,
  completed, not_applicable, unknown, scored, total, met
);
-- The groups of counted records a contribution reads (contribute), and their records.
CREATE TEMP TABLE IF NOT EXISTS agg_groups (
  gid INTEGER PRIMARY KEY, checklist_id, checklist_version, in_scope, force_code
);
CREATE INDEX IF NOT EXISTS temp.agg_groups_key
  ON agg_groups (checklist_id, checklist_version, in_scope, force_code);
CREATE TEMP TABLE IF NOT EXISTS agg_members (
  gid INTEGER, record_id TEXT, PRIMARY KEY (gid, record_id)
) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS agg_sum_records (
  checklist_id, checklist_version, force_code, stratum, in_scope, final, drafts
);
CREATE TEMP TABLE IF NOT EXISTS agg_sum_answers (
  checklist_id, checklist_version, in_scope, force_code, item_id, answers, applicable,
  completed, not_applicable, unknown, scored, total, met
);

-- name: clear_temp
-- (create_temp made the tables, once per connection: aggregates.py runs it when one is missing)
DELETE FROM temp.agg_affected;
DELETE FROM temp.agg_sub;
DELETE FROM temp.agg_d_records;
DELETE FROM temp.agg_d_answers;

-- name: affected_before
-- The touched records and their natural-key siblings under the keys they had.
INSERT OR IGNORE INTO temp.agg_affected (record_id)
SELECT record_id FROM temp.touched_records;
INSERT OR IGNORE INTO temp.agg_affected (record_id)
SELECT o.record_id
FROM temp.touched_records t
CROSS JOIN main.records r ON r.record_id = t.record_id
CROSS JOIN main.records o ON o.checklist_id IS r.checklist_id AND o.natural_key IS r.natural_key
WHERE r.keyed = 1;
INSERT OR IGNORE INTO temp.agg_sub (record_id) SELECT record_id FROM temp.agg_affected;

-- name: quiet_before
-- What the counts read of the records a fold touches, before it (aggregates.take_out): their
-- stored facts and the parts of their row that decide them and their siblings' (a record
-- with no row or no facts reads NULL). `?`: how many at most (a larger fold is not checked).
SELECT t.record_id, f.counted, f.draft, f.stratum, f.in_scope,
  r.checklist_id, r.checklist_version, r.force_code, r.status, r.deleted, r.natural_key,
  r.keyed, r.created_hlc
FROM temp.touched_records t
LEFT JOIN main.records r ON r.record_id = t.record_id
LEFT JOIN main.record_agg f ON f.record_id = t.record_id
ORDER BY t.record_id
LIMIT ?;

-- name: quiet_after
-- The same after the fold (aggregates.put_in), stratum and scope as record_scope has them
-- now: equal to quiet_before (every record uncounted) means no count can have changed.
SELECT t.record_id, f.counted, f.draft, s.stratum, s.in_scope,
  r.checklist_id, r.checklist_version, r.force_code, r.status, r.deleted, r.natural_key,
  r.keyed, r.created_hlc
FROM temp.touched_records t
LEFT JOIN main.records r ON r.record_id = t.record_id
LEFT JOIN main.record_agg f ON f.record_id = t.record_id
LEFT JOIN main.record_scope s ON s.record_id = t.record_id
ORDER BY t.record_id;

-- name: affected_after
-- Siblings under the keys the touched records have now, not yet affected: their cells did not
-- change, so their old contribution can be taken off now.
DELETE FROM temp.agg_sub;
INSERT OR IGNORE INTO temp.agg_sub (record_id)
SELECT o.record_id
FROM temp.touched_records t
CROSS JOIN main.records r ON r.record_id = t.record_id
CROSS JOIN main.records o ON o.checklist_id IS r.checklist_id AND o.natural_key IS r.natural_key
WHERE r.keyed = 1 AND o.record_id NOT IN (SELECT record_id FROM temp.agg_affected);
INSERT OR IGNORE INTO temp.agg_affected (record_id) SELECT record_id FROM temp.agg_sub;

-- name: contribute
-- The contribution of the records in temp.agg_sub, times {sign}, from their stored facts and
-- their cells: as they are now, or as they were before the fold's new changes (a take-out).
INSERT INTO temp.agg_d_records
SELECT f.checklist_id, f.checklist_version, f.force_code, f.stratum, f.in_scope,
  {sign} * f.counted, {sign} * f.draft
FROM temp.agg_sub s
CROSS JOIN main.record_agg f ON f.record_id = s.record_id
WHERE f.counted = 1 OR f.draft = 1;
-- The answers are read group by group (checklist, version, scope, force) and item by item,
-- the order they are summed in, so SQLite need not sort them all first (a merge of ten
-- inspectors' databases sums two million).
DELETE FROM temp.agg_groups;
DELETE FROM temp.agg_members;
INSERT INTO temp.agg_groups (checklist_id, checklist_version, in_scope, force_code)
SELECT DISTINCT f.checklist_id, f.checklist_version, f.in_scope, f.force_code
FROM temp.agg_sub s
CROSS JOIN main.record_agg f ON f.record_id = s.record_id
WHERE f.counted = 1;
INSERT INTO temp.agg_members (gid, record_id)
SELECT g.gid, f.record_id
FROM temp.agg_sub s
CROSS JOIN main.record_agg f ON f.record_id = s.record_id
CROSS JOIN temp.agg_groups g
  ON g.checklist_id IS f.checklist_id AND g.checklist_version IS f.checklist_version
 AND g.in_scope IS f.in_scope AND g.force_code IS f.force_code
WHERE f.counted = 1;
INSERT INTO temp.agg_d_answers
SELECT g.checklist_id, g.checklist_version, g.in_scope, g.force_code, i.item_id,
  {sign} * count(*),
  {sign} * sum(a.value IN ('yes', 'no')),
  {sign} * sum(a.value = 'yes'),
  {sign} * sum(a.value = 'na'),
  {sign} * sum(a.value = 'unknown'),
  {sign} * sum(typeof(a.value) = 'integer'),
  {sign} * sum(CASE WHEN typeof(a.value) = 'integer' THEN a.value ELSE 0 END),
  {sign} * sum(typeof(a.value) = 'integer' AND a.value >= 3)
FROM temp.agg_groups g
CROSS JOIN main.items i
  ON i.checklist_id = g.checklist_id AND i.checklist_version = g.checklist_version
CROSS JOIN temp.agg_members m ON m.gid = g.gid
-- (the cells view's rows, read from the log; a take-out keeps to the rows before the fold's
-- new ones, which come in marked as winners, and so sees the cells as they were)
CROSS JOIN main.changes a
  ON a.record_id = m.record_id AND a.field = i.item_id AND a.kind = 'answer' AND a.winner = 1
 {before}
WHERE i.kind IN ('yn', 'ynna', 'q4') AND a.value IS NOT NULL
GROUP BY g.gid, i.item_id;

-- name: facts
-- The stored facts of the affected records: stratum and scope from the generated
-- record_scope view, counted when final, live and the first (created_hlc, record_id) of the
-- final live records sharing its natural key.
DELETE FROM main.record_agg WHERE record_id IN (SELECT record_id FROM temp.agg_affected);
INSERT INTO main.record_agg (
  record_id, checklist_id, checklist_version, force_code, stratum, in_scope, counted, draft
)
SELECT r.record_id, r.checklist_id, r.checklist_version, r.force_code, s.stratum, s.in_scope,
  -- (the sibling is looked up by its natural key: `+` keeps SQLite from taking the
  -- checklist/force/status index instead, which read every final record of the force)
  CASE WHEN r.status = 'final' AND r.deleted = 0 AND NOT (r.keyed = 1 AND EXISTS (
    SELECT 1 FROM main.records o
    WHERE o.checklist_id IS r.checklist_id AND o.natural_key IS r.natural_key
      AND +o.force_code IS r.force_code
      AND +o.status = 'final' AND o.deleted = 0 AND o.record_id <> r.record_id
      AND (
        (o.created_hlc IS NULL AND r.created_hlc IS NOT NULL)
        OR o.created_hlc < r.created_hlc
        OR (o.created_hlc IS r.created_hlc AND o.record_id < r.record_id)
      )
  )) THEN 1 ELSE 0 END,
  r.status = 'draft' AND r.deleted = 0
FROM temp.agg_affected x
CROSS JOIN main.records r ON r.record_id = x.record_id
CROSS JOIN main.record_scope s ON s.record_id = r.record_id;
DELETE FROM temp.agg_sub;
INSERT INTO temp.agg_sub (record_id) SELECT record_id FROM temp.agg_affected;

-- name: apply
-- Add the summed deltas to the stored counts; a group left with nothing goes. (The temp
-- tables are made once, in create_temp: creating and dropping them here changed the temp
-- schema on every write, which made SQLite prepare every fold statement again.)
DELETE FROM temp.agg_sum_records;
INSERT INTO temp.agg_sum_records
SELECT checklist_id, checklist_version, force_code, stratum, in_scope,
  sum(final) AS final, sum(drafts) AS drafts
FROM temp.agg_d_records
GROUP BY checklist_id, checklist_version, force_code, stratum, in_scope;
INSERT INTO main.agg_records (
  checklist_id, checklist_version, force_code, stratum, in_scope, final, drafts
)
SELECT checklist_id, checklist_version, force_code, stratum, in_scope, 0, 0
FROM temp.agg_sum_records d
WHERE NOT EXISTS (
  SELECT 1 FROM main.agg_records g
  WHERE g.checklist_id IS d.checklist_id AND g.checklist_version IS d.checklist_version
    AND g.force_code IS d.force_code AND g.stratum IS d.stratum AND g.in_scope IS d.in_scope
);
UPDATE main.agg_records SET final = agg_records.final + d.final, drafts = agg_records.drafts + d.drafts
FROM temp.agg_sum_records d
WHERE agg_records.checklist_id IS d.checklist_id
  AND agg_records.checklist_version IS d.checklist_version
  AND agg_records.force_code IS d.force_code AND agg_records.stratum IS d.stratum
  AND agg_records.in_scope IS d.in_scope;
DELETE FROM main.agg_records WHERE rowid IN (
  SELECT g.rowid FROM temp.agg_sum_records d
  CROSS JOIN main.agg_records g
    ON g.checklist_id IS d.checklist_id AND g.checklist_version IS d.checklist_version
    AND g.force_code IS d.force_code AND g.stratum IS d.stratum AND g.in_scope IS d.in_scope
  WHERE g.final = 0 AND g.drafts = 0
);
DELETE FROM temp.agg_sum_answers;
INSERT INTO temp.agg_sum_answers
SELECT checklist_id, checklist_version, in_scope, force_code, item_id,
  sum(answers) AS answers, sum(applicable) AS applicable, sum(completed) AS completed,
  sum(not_applicable) AS not_applicable, sum(unknown) AS unknown, sum(scored) AS scored,
  sum(total) AS total, sum(met) AS met
FROM temp.agg_d_answers
GROUP BY checklist_id, checklist_version, in_scope, force_code, item_id;
INSERT INTO main.agg_answers (
  checklist_id, checklist_version, in_scope, force_code, item_id, answers, applicable,
  completed, not_applicable, unknown, scored, total, met
)
SELECT checklist_id, checklist_version, in_scope, force_code, item_id, 0, 0, 0, 0, 0, 0, 0, 0
FROM temp.agg_sum_answers d
WHERE NOT EXISTS (
  SELECT 1 FROM main.agg_answers g
  WHERE g.checklist_id IS d.checklist_id AND g.checklist_version IS d.checklist_version
    AND g.in_scope IS d.in_scope AND g.force_code IS d.force_code AND g.item_id IS d.item_id
);
UPDATE main.agg_answers SET
  answers = agg_answers.answers + d.answers,
  applicable = agg_answers.applicable + d.applicable,
  completed = agg_answers.completed + d.completed,
  not_applicable = agg_answers.not_applicable + d.not_applicable,
  unknown = agg_answers.unknown + d.unknown,
  scored = agg_answers.scored + d.scored,
  total = agg_answers.total + d.total,
  met = agg_answers.met + d.met
FROM temp.agg_sum_answers d
WHERE agg_answers.checklist_id IS d.checklist_id
  AND agg_answers.checklist_version IS d.checklist_version
  AND agg_answers.in_scope IS d.in_scope AND agg_answers.force_code IS d.force_code
  AND agg_answers.item_id IS d.item_id;
DELETE FROM main.agg_answers WHERE rowid IN (
  SELECT g.rowid FROM temp.agg_sum_answers d
  CROSS JOIN main.agg_answers g
    ON g.checklist_id IS d.checklist_id AND g.checklist_version IS d.checklist_version
    AND g.in_scope IS d.in_scope AND g.force_code IS d.force_code AND g.item_id IS d.item_id
  WHERE g.answers = 0
);
DELETE FROM temp.agg_d_records;
DELETE FROM temp.agg_d_answers;

-- name: clear
DELETE FROM main.record_agg;
DELETE FROM main.agg_records;
DELETE FROM main.agg_answers;
DELETE FROM temp.agg_affected;
INSERT INTO temp.agg_affected (record_id) SELECT record_id FROM main.records;
