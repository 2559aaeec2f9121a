-- Merging: read each source's change log (ATTACHed read-only as `src`) into temp.incoming,
-- then fold the new changes into the target in one transaction (state.sql). A source is read
-- for its log and checklist definitions only; its cells, records and conflicts are never
-- trusted: the target derives its own.

-- name: read_changes
-- The source's changes this database does not hold yet, tagged with the source's number.
-- A change two sources both hold is taken from the first. In the same pass (one look-up
-- in the log per change), a change the target holds but the source says differently is
-- read too, tagged -1: same_id_other_content_target refuses the source for it.
INSERT OR IGNORE INTO temp.incoming (
  id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev, src
)
SELECT s.id, s.device_id, s.seq, s.hlc, s.record_id, s.kind, s.field, s.rkey, s.value,
       s.author, s.parent, s.prev, CASE WHEN m.id IS NULL THEN :src ELSE -1 END
FROM src.changes s
LEFT JOIN main.changes m ON m.id = s.id
WHERE m.id IS NULL
   OR NOT (s.device_id IS m.device_id AND s.seq IS m.seq AND s.hlc IS m.hlc
           AND s.record_id IS m.record_id AND s.kind IS m.kind AND s.field IS m.field
           AND s.rkey IS m.rkey AND s.value IS m.value AND s.author IS m.author
           AND s.parent IS m.parent AND s.prev IS m.prev);

-- name: last_incoming
SELECT coalesce(max(rowid), 0) FROM temp.incoming;

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
-- Answers whose value this merge set: new ones and changed ones (the best new change beat
-- the cell's old winner, as append marked it, and says something else). Counted for the
-- source that brought the best new change (the first that read it: temp.incoming.src).
SELECT t.best_src, count(*)
FROM temp.touched t
WHERE t.kind = 'answer'
  AND (t.old_id IS NULL
       OR (t.best_hlc, t.best_device, t.best_id) > (t.old_hlc, t.old_device, t.old_id))
  AND t.best_value IS NOT NULL
  AND (t.old_id IS NULL OR t.best_value IS NOT t.old_value)
GROUP BY t.best_src;

-- name: new_conflicts
-- The conflicts this merge made (ids as conflicts name them: 32 hex digits), for
-- merging._count_conflicts: one belongs to the source that brought its losing value, else
-- its winner (source_of).
SELECT f.change_id, f.winner_id
FROM main.conflicts f
WHERE NOT EXISTS (SELECT 1 FROM temp.merge_old_conflicts o WHERE o.change_id = f.change_id);

-- name: source_of
SELECT src FROM temp.incoming WHERE id = ?;

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
-- A key whose items are all blank is no key (records.keyed = 0). `counted` marks the copy
-- reports count.
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
  WHERE deleted = 0 AND keyed = 1
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
LEFT JOIN main.cells w
  ON w.record_id = f.record_id AND w.kind = f.kind AND w.field = f.field AND w.rkey = f.rkey
ORDER BY r.checklist_id, f.record_id, f.kind, f.field, f.rkey, f.hlc, f.change_id;

-- Checks of a source (fieldkit.sync.merging._check_source), before anything is written.
-- A source's new changes are the rows of temp.incoming after :lo (the largest rowid before
-- it was read: each source's rows follow the last one's), so each check reads only them.

-- name: old_scrub
-- A copy made by an older fieldkit's scrub: it says it was scrubbed, and holds changes, but
-- none of a renamed device ('<device>~<scrub>', as this fieldkit's scrub names them).
SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'scrubbed_from' AND coalesce(value, '') <> '')
   AND EXISTS (SELECT 1 FROM changes)
   AND NOT EXISTS (SELECT 1 FROM changes WHERE instr(device_id, '~') > 0);

-- name: create_checks
-- The devices of each source's new changes (for check_lineage).
CREATE TEMP TABLE IF NOT EXISTS merge_devices (src INTEGER, device_id, PRIMARY KEY (src, device_id));
DELETE FROM temp.merge_devices;

-- name: same_id_other_content_target
-- A change the target holds, said differently by the source (read_changes tagged it -1).
SELECT id, device_id, seq FROM temp.incoming WHERE rowid > :lo AND src = -1 LIMIT 1;

-- name: check_ids
SELECT count(*), max(id IS NULL), min(device_id)
FROM temp.incoming
WHERE rowid > :lo AND (typeof(id) <> 'blob' OR length(id) <> 16);

-- name: check_clock_types
SELECT device_id,
       CASE typeof(hlc) WHEN 'real' THEN 'a fraction (REAL)' WHEN 'text' THEN 'text'
                        WHEN 'null' THEN 'missing' ELSE typeof(hlc) END,
       count(*)
FROM temp.incoming
WHERE rowid > :lo AND typeof(hlc) <> 'integer'
GROUP BY device_id, typeof(hlc)
ORDER BY count(*) DESC
LIMIT 1;

-- name: check_columns
SELECT id, device_id, seq
FROM temp.incoming
WHERE rowid > :lo
  AND (typeof(seq) <> 'integer' OR seq < 1
       OR typeof(device_id) <> 'text' OR device_id = ''
       OR kind NOT IN ('record', 'answer', 'note', 'setting')
       OR typeof(record_id) <> 'text' OR typeof(field) <> 'text' OR typeof(rkey) <> 'text'
       OR (parent IS NOT NULL AND typeof(parent) <> 'blob')
       OR (prev IS NOT NULL AND typeof(prev) <> 'blob'))
LIMIT 1;

-- name: check_clocks
-- The device whose changes are dated furthest beyond :limit (or before 1970).
SELECT device_id, count(*), max(hlc), min(hlc)
FROM temp.incoming
WHERE rowid > :lo AND (hlc > :limit OR hlc < 0)
GROUP BY device_id
ORDER BY max(hlc) DESC
LIMIT 1;

-- name: source_devices
-- The devices of the source's new changes (for check_lineage).
INSERT OR IGNORE INTO temp.merge_devices (src, device_id)
SELECT DISTINCT :src, device_id FROM temp.incoming WHERE rowid > :lo;

-- name: new_changes
-- The changes a source (main, on its own connection) holds that the target (attached as
-- `target`) does not, for one pass that checks every digest and chain link
-- (fieldkit.sync.logchecks.check_digests_and_chains): the twelve values a change's id is
-- the digest of, in fieldkit.store.digest.change_id's order, then the id. Further parents
-- as change_id takes them: upper-case hex in byte order, concatenated (few changes have any).
SELECT s.device_id, s.seq, s.hlc, s.record_id, s.kind, s.field, s.rkey, s.value, s.author,
       s.parent,
       (SELECT group_concat(h, '') FROM (
          SELECT hex(p.parent) AS h FROM main.change_parents p
          WHERE p.child = s.id ORDER BY p.parent)),
       s.prev, s.id
FROM main.changes s
WHERE NOT EXISTS (SELECT 1 FROM target.changes m WHERE m.id = s.id);

-- name: held_link
-- A change named as a previous one that is not among the source's new changes: held by the
-- target with this device and sequence number?
SELECT EXISTS (SELECT 1 FROM target.changes m
               WHERE m.id = :prev AND m.device_id = :device AND m.seq = :seq - 1);

-- name: link_in_source
-- ... or held by another source (on its own connection)?
SELECT EXISTS (SELECT 1 FROM changes m
               WHERE m.id = :prev AND m.device_id = :device AND m.seq = :seq - 1);

-- name: change_in_source
-- Does another source (on its own connection) hold a change with this id?
SELECT EXISTS (SELECT 1 FROM changes WHERE id = :id);

-- name: check_heads
-- A device's latest change the source's own record of its chain tips names, but which is
-- not in its log.
SELECT h.id FROM src.chain_heads h
WHERE NOT EXISTS (SELECT 1 FROM src.changes c WHERE c.id = h.id)
LIMIT 1;

-- name: check_lineage
-- A device of the source's new changes beside a scrubbed form of it ('<device>~<scrub>'),
-- or the reverse, in the target or in a source read before: (theirs, ours, ours' source
-- number, NULL for the target).
WITH theirs AS (
  SELECT device_id AS d FROM temp.merge_devices WHERE src = :src
),
ours AS (
  SELECT DISTINCT c.device_id AS d, NULL AS src
  FROM main.chain_heads h JOIN main.changes c ON c.id = h.id
  UNION
  SELECT device_id, src FROM temp.merge_devices WHERE src <> :src
)
SELECT t.d, o.d, o.src
FROM theirs t
JOIN ours o
  ON o.d <> t.d AND (instr(o.d, '~') > 0 OR instr(t.d, '~') > 0)
 AND substr(o.d, 1, CASE instr(o.d, '~') WHEN 0 THEN length(o.d) ELSE instr(o.d, '~') - 1 END)
   = substr(t.d, 1, CASE instr(t.d, '~') WHEN 0 THEN length(t.d) ELSE instr(t.d, '~') - 1 END)
LIMIT 1;
