-- Merging: each source (ATTACHed read-only; from the tenth on, staged in temp tables first:
-- SQLite attaches at most ten files) brings the changes the target does not hold straight
-- into the log, then the new rows are folded into current state (state.sql), all in one
-- transaction. A source is read for its log and checklist definitions only; its cells,
-- records and conflicts are never trusted: the target derives its own. Each source's log is
-- checked on a connection of its own beside this (fieldkit.sync.logchecks, the queries
-- further down); the transaction commits only once every check has passed.
-- {changes}, {parents} and {heads} name the source's tables (sources.Source.table).

-- name: ingest
-- The source's changes the log does not hold yet join it, marked as their cell's winner
-- (the fold leaves one mark per cell), in the source's own order (a record's changes lie
-- together there). A change two sources both hold is taken from the first; a row a
-- constraint refuses (no id, say) is left out here and refused by the check.
INSERT OR IGNORE INTO main.changes (
  id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev, winner
)
SELECT id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev, 1
FROM {changes};

-- name: ingest_parents
-- The further parents of the changes the source brought (rows after :lo).
INSERT OR IGNORE INTO main.change_parents (child, parent)
SELECT p.child, p.parent
FROM {parents} p
WHERE EXISTS (SELECT 1 FROM main.changes m WHERE m.id = p.child AND m.rowid > :lo);

-- name: tips_held
-- Does the log as it was before this merge (its rows up to :lo) hold the tip of every chain
-- the source holds? Then it holds all the source does (a change comes before a tip in its
-- chain, and a merge takes chains whole), and the source is not read for changes: the
-- check (source_tips_held) refuses a source that holds more than its tips say.
SELECT NOT EXISTS (
  SELECT 1 FROM {heads} h
  WHERE NOT EXISTS (SELECT 1 FROM main.changes m WHERE m.id = h.id AND m.rowid <= :lo)
);

-- name: holds
-- Does this log (the target's, a source's) hold a change with this id?
SELECT EXISTS (SELECT 1 FROM {changes} WHERE id = :id);

-- name: holds_link
-- Does this log hold the change before (:device, :seq), as :prev names it?
SELECT EXISTS (SELECT 1 FROM {changes} m
               WHERE m.id = :prev AND m.device_id = :device AND m.seq = :seq - 1);

-- name: log_size
-- The size of a source's log as read: read here and by the check, so that a source written
-- to during the merge is caught.
SELECT count(*) FROM {changes};

-- name: create_merge
-- Which rows of the log each source brought (lo < rowid <= hi), and the devices of each
-- source's new changes (for check_lineage).
CREATE TEMP TABLE IF NOT EXISTS merge_sources (src INTEGER PRIMARY KEY, lo INTEGER, hi INTEGER);
CREATE TEMP TABLE IF NOT EXISTS merge_devices (src INTEGER, device_id, PRIMARY KEY (src, device_id));
DELETE FROM temp.merge_sources;
DELETE FROM temp.merge_devices;

-- name: fold_from
SELECT lo FROM temp.fold_from;

-- name: last_row
SELECT coalesce(max(rowid), 0) FROM main.changes;

-- name: source_rows
INSERT INTO temp.merge_sources (src, lo, hi) VALUES (:src, :lo, :hi);

-- name: source_device
-- A device of the changes a source holds that the target did not (its check found them).
INSERT OR IGNORE INTO temp.merge_devices (src, device_id) VALUES (?, ?);

-- name: before_fold
-- What the target held before the fold, for the per-source counts: its conflicts.
CREATE TEMP TABLE IF NOT EXISTS merge_new_records (record_id TEXT PRIMARY KEY, src INTEGER);
CREATE TEMP TABLE IF NOT EXISTS merge_old_conflicts (change_id TEXT PRIMARY KEY);
DELETE FROM temp.merge_new_records;
DELETE FROM temp.merge_old_conflicts;
INSERT INTO temp.merge_old_conflicts (change_id) SELECT change_id FROM main.conflicts;

-- name: new_records
-- Run as the fold starts on records (touched_records known, no record rebuilt yet): the
-- records new to the target, each counted for the source that brought its first change.
INSERT INTO temp.merge_new_records (record_id, src)
SELECT t.record_id, s.src
FROM temp.touched_records t
JOIN temp.merge_sources s ON t.first > s.lo AND t.first <= s.hi
WHERE NOT EXISTS (SELECT 1 FROM main.records r WHERE r.record_id = t.record_id);

-- name: count_records
-- The new records a user will see (a record that came in deleted, a discarded draft, is
-- not counted: the total after the merge does not list it either).
SELECT n.src, count(*)
FROM temp.merge_new_records n
JOIN main.records r ON r.record_id = n.record_id
WHERE r.deleted = 0
GROUP BY n.src;

-- name: count_answers
-- Answers whose value this merge set: cells whose winner is now a new change, with a
-- value, other than the value the cell held (touched lists every cell that had a winner
-- before). Counted for the source that brought the winner. (`+`: SQLite would otherwise
-- build an index of the log's winners on the fly instead of reading each source's rows.)
SELECT s.src, count(*)
FROM temp.merge_sources s
CROSS JOIN main.changes c ON c.rowid > s.lo AND c.rowid <= s.hi
WHERE +c.winner = 1 AND +c.kind = 'answer' AND c.value IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM temp.touched t
    WHERE t.record_id = c.record_id AND t.kind = c.kind AND t.field = c.field
      AND t.rkey = c.rkey AND t.old_id IS NOT NULL AND t.old_value IS c.value
  )
GROUP BY s.src;

-- name: new_conflicts
-- The conflicts this merge made (ids as conflicts name them: 32 hex digits), for
-- merging._count_conflicts: one belongs to the source that brought its losing value, else
-- its winner (source_of).
SELECT f.change_id, f.winner_id
FROM main.conflicts f
WHERE NOT EXISTS (SELECT 1 FROM temp.merge_old_conflicts o WHERE o.change_id = f.change_id);

-- name: source_of
SELECT s.src
FROM main.changes c
JOIN temp.merge_sources s ON c.rowid > s.lo AND c.rowid <= s.hi
WHERE c.id = ?;

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

-- Checks of a source's log (fieldkit.sync.logchecks.check_source_log), on a connection of
-- its own: the source is `main` there and the target is attached as `target`. A source's
-- new changes are the ones the target does not hold.

-- name: old_scrub
-- A copy made by an older fieldkit's scrub: it says it was scrubbed, and holds changes, but
-- none of a renamed device ('<device>~<scrub>', as this fieldkit's scrub names them).
-- (CASE: the log is read only for a copy that says it was scrubbed)
SELECT CASE
  WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'scrubbed_from' AND coalesce(value, '') <> '')
  THEN EXISTS (SELECT 1 FROM changes)
   AND NOT EXISTS (SELECT 1 FROM changes WHERE instr(device_id, '~') > 0)
  ELSE 0
END;

-- name: source_changes
-- In one pass: the source's new changes, with the twelve values a change's id is the digest
-- of, in fieldkit.store.digest.change_id's order, then the id (further parents as
-- change_id takes them: upper-case hex in byte order, concatenated; few changes have any);
-- and any change the target holds that the source says differently (held = 1). Python reads
-- the columns by name (fieldkit.sync.logchecks.SOURCE_CHANGE).
SELECT s.device_id, s.seq, s.hlc, s.record_id, s.kind, s.field, s.rkey, s.value, s.author,
       s.parent,
       (SELECT group_concat(h, '') FROM (
          SELECT hex(p.parent) AS h FROM main.change_parents p
          WHERE p.child = s.id ORDER BY p.parent)) AS parents,
       s.prev, s.id, m.id IS NOT NULL AS held
FROM main.changes s
LEFT JOIN target.changes m ON m.id = s.id
WHERE m.id IS NULL
   OR NOT (s.device_id IS m.device_id AND s.seq IS m.seq AND s.hlc IS m.hlc
           AND s.record_id IS m.record_id AND s.kind IS m.kind AND s.field IS m.field
           AND s.rkey IS m.rkey AND s.value IS m.value AND s.author IS m.author
           AND s.parent IS m.parent AND s.prev IS m.prev);

-- name: source_tips_held
-- Does the target hold the tip of every chain the source holds (merge.sql tips_held, as the
-- target was before the merge: nothing else writes it during one)?
SELECT NOT EXISTS (
  SELECT 1 FROM main.chain_heads h
  WHERE NOT EXISTS (SELECT 1 FROM target.changes m WHERE m.id = h.id)
);

-- The queries that say what is wrong with a source's new changes, once the pass found one
-- malformed (check_source_log: the first of ids, clock types, columns, clocks that fails).

-- name: check_ids
SELECT count(*), max(s.id IS NULL), min(s.device_id)
FROM main.changes s
WHERE (typeof(s.id) <> 'blob' OR length(s.id) <> 16)
  AND NOT EXISTS (SELECT 1 FROM target.changes m WHERE m.id = s.id);

-- name: check_clock_types
SELECT s.device_id,
       CASE typeof(s.hlc) WHEN 'real' THEN 'a fraction (REAL)' WHEN 'text' THEN 'text'
                          WHEN 'null' THEN 'missing' ELSE typeof(s.hlc) END,
       count(*)
FROM main.changes s
WHERE typeof(s.hlc) <> 'integer'
  AND NOT EXISTS (SELECT 1 FROM target.changes m WHERE m.id = s.id)
GROUP BY s.device_id, typeof(s.hlc)
ORDER BY count(*) DESC
LIMIT 1;

-- name: check_columns
SELECT s.id, s.device_id, s.seq
FROM main.changes s
WHERE (typeof(s.seq) <> 'integer' OR s.seq < 1
       OR typeof(s.device_id) <> 'text' OR s.device_id = ''
       OR s.kind NOT IN ('record', 'answer', 'note', 'setting')
       OR typeof(s.record_id) <> 'text' OR typeof(s.field) <> 'text'
       OR typeof(s.rkey) <> 'text'
       OR (s.parent IS NOT NULL AND typeof(s.parent) <> 'blob')
       OR (s.prev IS NOT NULL AND typeof(s.prev) <> 'blob'))
  AND NOT EXISTS (SELECT 1 FROM target.changes m WHERE m.id = s.id)
LIMIT 1;

-- name: oversized_value
-- A new change whose value is longer than any way in allows (:limit characters of text,
-- or bytes of a blob): the first one, to name it.
SELECT s.id, s.device_id, s.seq, length(s.value), s.field
FROM main.changes s
WHERE length(s.value) > :limit
  AND NOT EXISTS (SELECT 1 FROM target.changes m WHERE m.id = s.id)
LIMIT 1;

-- name: check_clocks
-- The device whose changes are dated furthest beyond :limit (or before 1970).
SELECT s.device_id, count(*), max(s.hlc), min(s.hlc)
FROM main.changes s
WHERE (s.hlc > :limit OR s.hlc < 0)
  AND NOT EXISTS (SELECT 1 FROM target.changes m WHERE m.id = s.id)
GROUP BY s.device_id
ORDER BY max(s.hlc) DESC
LIMIT 1;

-- name: check_heads
-- A device's latest change the source's own record of its chain tips names, but which is
-- not in its log.
SELECT h.id FROM main.chain_heads h
WHERE NOT EXISTS (SELECT 1 FROM main.changes c WHERE c.id = h.id)
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

-- Signatures and keyring decisions (fieldkit.sync.sigchecks, on the check's connection).

-- name: source_signatures
-- The source's signatures the target does not hold, with the change each signs (NULL
-- device: a change the source does not hold).
SELECT s.change_id, s.public_key, s.signature, c.device_id, c.seq, c.hlc
FROM main.signatures s
LEFT JOIN main.changes c ON c.id = s.change_id
WHERE NOT EXISTS (
  SELECT 1 FROM target.signatures t
  WHERE t.change_id = s.change_id AND t.public_key = s.public_key
);

-- name: source_keyring
-- The source's keyring decisions the target does not hold.
SELECT k.fingerprint, k.decision, k.since, k.signer, k.signature
FROM main.keyring k
WHERE NOT EXISTS (
  SELECT 1 FROM target.keyring t
  WHERE t.fingerprint = k.fingerprint AND t.decision = k.decision AND t.since = k.since
    AND t.signer = k.signer
);

-- name: ingest_signatures
-- A source's signatures of changes the log holds (after its changes joined it).
INSERT OR IGNORE INTO main.signatures (change_id, public_key, signature)
SELECT s.change_id, s.public_key, s.signature
FROM {signatures} s
WHERE EXISTS (SELECT 1 FROM main.changes c WHERE c.id = s.change_id);

-- name: ingest_keyring
INSERT OR IGNORE INTO main.keyring (fingerprint, decision, since, signer, signature)
SELECT fingerprint, decision, since, signer, signature FROM {keyring};

-- name: ingest_row_signatures
-- A source's signatures of rows the target held none of before (the rows it brings:
-- fieldkit.sync.rowchecks checked each).
INSERT OR IGNORE INTO main.row_signatures (tbl, row_key, public_key, signed_ms, signature)
SELECT s.tbl, s.row_key, s.public_key, s.signed_ms, s.signature
FROM {row_signatures} s
WHERE NOT EXISTS (
  SELECT 1 FROM main.row_signatures m WHERE m.tbl = s.tbl AND m.row_key = s.row_key
);
