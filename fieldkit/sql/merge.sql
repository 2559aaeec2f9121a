-- Merging: read each source's change log (ATTACHed read-only as `src`) into temp.incoming,
-- then fold the new changes into the target in one transaction (state.sql). A source is read
-- for its log and checklist definitions only; its cells, records and conflicts are never
-- trusted: the target derives its own.

-- name: read_changes
-- The source's changes this database does not hold yet, tagged with the source's number.
-- A change two sources both hold is taken from the first.
INSERT OR IGNORE INTO temp.incoming (
  id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, src
)
SELECT s.id, s.device_id, s.seq, s.hlc, s.record_id, s.kind, s.field, s.rkey, s.value,
       s.author, s.parent, :src
FROM src.changes s
WHERE NOT EXISTS (SELECT 1 FROM main.changes m WHERE m.id = s.id);

-- name: read_parents
-- The further parents of the changes read (a change travels with its parents' list).
INSERT OR IGNORE INTO temp.incoming_parents (child, parent)
SELECT p.child, p.parent
FROM src.change_parents p
WHERE EXISTS (SELECT 1 FROM temp.incoming i WHERE i.id = p.child);

-- name: before_fold
-- What the target held before the fold, for the per-source counts.
CREATE TEMP TABLE IF NOT EXISTS merge_new_records (record_id TEXT PRIMARY KEY, src INTEGER);
CREATE TEMP TABLE IF NOT EXISTS merge_old_conflicts (change_id TEXT PRIMARY KEY);
DELETE FROM temp.merge_new_records;
DELETE FROM temp.merge_old_conflicts;
INSERT INTO temp.merge_new_records (record_id, src)
SELECT i.record_id, min(i.src)
FROM temp.incoming i
WHERE i.kind = 'record' AND i.field = 'checklist_id'
  AND NOT EXISTS (SELECT 1 FROM main.records r WHERE r.record_id = i.record_id)
GROUP BY i.record_id;
INSERT INTO temp.merge_old_conflicts (change_id) SELECT change_id FROM main.conflicts;

-- name: count_changes
SELECT src, count(*) FROM temp.incoming GROUP BY src;

-- name: count_records
SELECT n.src, count(*)
FROM temp.merge_new_records n
JOIN main.records r ON r.record_id = n.record_id
GROUP BY n.src;

-- name: count_answers
-- Answers whose value this merge set: new ones and changed ones.
SELECT i.src, count(*)
FROM temp.touched t
CROSS JOIN temp.incoming i ON i.id = t.best_id
WHERE t.kind = 'answer'
  AND i.value IS NOT NULL
  AND (t.old_id IS NULL
       OR ((t.best_hlc, t.best_device, t.best_id) > (t.old_hlc, t.old_device, t.old_id)
           AND i.value IS NOT t.old_value))
GROUP BY i.src;

-- name: count_conflicts
-- A new conflict belongs to the source that brought its losing value, else its winner.
SELECT coalesce(l.src, w.src) AS src, count(*)
FROM main.conflicts f
LEFT JOIN temp.incoming l ON l.id = f.change_id
LEFT JOIN temp.incoming w ON w.id = f.winner_id
WHERE NOT EXISTS (SELECT 1 FROM temp.merge_old_conflicts o WHERE o.change_id = f.change_id)
GROUP BY 1;

-- name: record_merge
INSERT INTO main.merges (
  merged_at, source_file, source_db_id, new_changes, new_records, new_answers, new_conflicts
) VALUES (
  :merged_at, :source_file, :source_db_id, :new_changes, :new_records, :new_answers,
  :new_conflicts
);

-- name: duplicates
-- Records of one checklist that share a natural key (the same force and case reference,
-- say) under different record ids, not deleted: two inspectors recorded the same thing.
-- A key whose items are all blank is no key. `counted` marks the copy reports count.
SELECT r.checklist_id, r.natural_key, r.record_id, r.force_code, r.inspector, r.status,
       r.observed_at, r.subject_ref, r.created_hlc, r.updated_hlc,
       CASE WHEN r.status = 'final' AND r.record_id = (
         SELECT f.record_id FROM main.records f
         WHERE f.checklist_id = r.checklist_id AND f.natural_key = r.natural_key
           AND f.deleted = 0 AND f.status = 'final'
         ORDER BY f.created_hlc, f.record_id LIMIT 1
       ) THEN 1 ELSE 0 END AS counted
FROM main.records r
JOIN (
  SELECT checklist_id, natural_key
  FROM main.records
  WHERE deleted = 0
    AND replace(substr(natural_key, instr(natural_key, '|') + 1), '|', '') <> ''
  GROUP BY checklist_id, natural_key
  HAVING count(*) > 1
) AS d ON d.checklist_id = r.checklist_id AND d.natural_key = r.natural_key
WHERE r.deleted = 0
ORDER BY r.checklist_id, r.natural_key, r.created_hlc, r.record_id;

-- name: value_conflicts
-- Open conflicts, with who set each value and when (clock in ms: hlc >> 16).
SELECT f.change_id, f.record_id, r.checklist_id, r.force_code, r.natural_key,
       f.kind, f.field, f.rkey,
       f.value, f.author, f.device_id, f.hlc,
       f.winner_id, f.winner_value, w.author AS winner_author, w.device_id AS winner_device,
       w.hlc AS winner_hlc
FROM main.conflicts f
LEFT JOIN main.records r ON r.record_id = f.record_id
LEFT JOIN main.changes w ON w.id = f.winner_id
ORDER BY r.checklist_id, f.record_id, f.kind, f.field, f.rkey, f.hlc, f.change_id;
