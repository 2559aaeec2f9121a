-- Personal data in free text: listing it (fieldkit pii) and scrubbing it (fieldkit scrub).
--
-- What counts as free text is written once, in the TEMP views of `free_text` below,
-- which every other statement here reads:
--   - free_text_cells: the cells holding free text: notes, answers to items of the free-text
--     kinds (fieldkit.checklists.kinds: text and the attachments, put in the hole
--     {free_text_kinds} by fieldkit.privacy.database), and subject references. A change is free text when its cell is one (same record, kind,
--     field and rkey), so the log's earlier values are found through this view too.
--   - scrubbed_changes: the changes scrub rewrites (free text but a text item's na/unknown).
--   - register_free_text: the register's and action plans' free text: comments on
--     recommendations, the notes and evidence on plan objectives, and their owners (staff
--     names): what `fieldkit export xlsx --redact` leaves out; typed or imported
--     (source 'manual' or 'register' for a comment; a plan row not from a template). Rows
--     shipped with fieldkit (comments from a published report, a plan template's rows) are
--     public and held by every database that installs them: they stay as they are.
-- Scrub rewrites all of it (except a text item's literal 'na' / 'unknown'), in the change
-- log first; text items that are part of a natural key become pseudonyms
-- (fieldkit_pseudonym), so duplicates are still recognised; register and plan text becomes
-- '(scrubbed ref-…)', so different texts stay different events. pii lists all of it but the
-- plans' owners (staff names, expected there).

-- name: free_text
CREATE TEMP VIEW IF NOT EXISTS free_text_cells AS
SELECT c.record_id, c.kind, c.field, c.rkey, c.value, c.change_id
FROM main.cells c
WHERE c.kind = 'note'
   OR (c.kind = 'record' AND c.field = 'subject_ref')
   OR (c.kind = 'answer' AND c.field IN (SELECT item_id FROM main.items
                                         WHERE kind IN ({free_text_kinds})));

CREATE TEMP VIEW IF NOT EXISTS register_free_text AS
SELECT 'rec_events' AS tbl, e.event_id AS row_key, 'comment_text' AS col, e.rec_id AS owner,
       NULL AS force_code, 'register comment' AS what, e.event_date AS at,
       e.comment_text AS text, e.source
FROM main.rec_events e
WHERE e.kind = 'comment' AND e.source IN ('manual', 'register')
UNION ALL
SELECT 'plan_events', e.event_id, 'value', e.plan_id, p.force_code, 'plan ' || e.kind,
       e.objective_id, e.value, e.source
FROM main.plan_events e
JOIN main.plans p ON p.plan_id = e.plan_id
WHERE e.kind IN ('evidence', 'owner') AND e.source <> 'template'
UNION ALL
SELECT 'plan_events', e.event_id, 'note', e.plan_id, p.force_code, 'plan note',
       e.objective_id, e.note, e.source
FROM main.plan_events e
JOIN main.plans p ON p.plan_id = e.plan_id
WHERE e.note IS NOT NULL AND e.source <> 'template';

-- What scrub rewrites in the log: every free-text change but a text item's 'na'/'unknown'.
CREATE TEMP VIEW IF NOT EXISTS scrubbed_changes AS
SELECT c.id, c.record_id, c.kind, c.field, c.rkey, c.value
FROM temp.free_text_cells f
JOIN main.changes c
  ON c.record_id = f.record_id AND c.kind = f.kind AND c.field = f.field AND c.rkey = f.rkey
WHERE c.value IS NOT NULL AND NOT (c.kind = 'answer' AND c.value IN ('na', 'unknown'));

-- name: pii_candidates
-- Current values, and earlier values the change log still holds.
SELECT 'current' AS source, f.record_id, r.checklist_id, r.force_code, f.kind AS "where",
       f.field, f.rkey, f.value
FROM temp.free_text_cells f
LEFT JOIN main.records r ON r.record_id = f.record_id
WHERE typeof(f.value) = 'text'

UNION ALL
SELECT 'earlier', c.record_id, r.checklist_id, r.force_code, c.kind, c.field, c.rkey, c.value
FROM temp.free_text_cells f
JOIN main.changes c
  ON c.record_id = f.record_id AND c.kind = f.kind AND c.field = f.field AND c.rkey = f.rkey
LEFT JOIN main.records r ON r.record_id = c.record_id
WHERE typeof(c.value) = 'text' AND c.id <> f.change_id

UNION ALL
SELECT 'current', t.owner, NULL, t.force_code, t.what, t.at, '', t.text
FROM temp.register_free_text t
WHERE typeof(t.text) = 'text' AND t.what <> 'plan owner'
ORDER BY 2, 5, 6, 7, 1;

-- name: count_scrubbed_changes
SELECT count(*) AS n FROM temp.scrubbed_changes;

-- name: count_scrubbed_cells
SELECT count(*) AS n FROM temp.free_text_cells
WHERE value IS NOT NULL AND NOT (kind = 'answer' AND value IN ('na', 'unknown'));

-- name: count_scrubbed_register
SELECT count(*) AS n FROM temp.register_free_text;

-- name: scrub
-- Rewrites the log's free text; current state is rebuilt from it afterwards.
UPDATE main.changes SET value = CASE
  WHEN kind = 'answer' AND field IN
  (SELECT k.item_id FROM main.natural_key_items k
   JOIN main.items i ON i.checklist_id = k.checklist_id
     AND i.checklist_version = k.checklist_version AND i.item_id = k.item_id
   WHERE i.kind = 'text')
    THEN fieldkit_pseudonym(lower(trim(value)))
  ELSE NULL
END
WHERE id IN (SELECT id FROM temp.scrubbed_changes);

-- name: scrub_attachments
-- Attached files (photos, recordings) go with the answers that named them.
DELETE FROM main.attachments;

-- name: scrub_register
-- The register's and plans' free text. Each row's key is a digest of its content, so the
-- rows blanked here are listed in temp.scrub_rekey first: scrub then gives them (and every
-- row naming them) the keys their new content has (fieldkit.privacy.database).
CREATE TEMP TABLE IF NOT EXISTS scrub_rekey (
  tbl TEXT NOT NULL,
  old TEXT NOT NULL,
  new TEXT,
  PRIMARY KEY (tbl, old)
);
DELETE FROM temp.scrub_rekey;
INSERT OR IGNORE INTO temp.scrub_rekey (tbl, old) SELECT tbl, row_key FROM temp.register_free_text;
-- Each text becomes '(scrubbed ref-…)', a pseudonym of it: two different comments stay two
-- events (an event's identity is its content), the same comment stays one.
UPDATE main.rec_events SET comment_text = '(scrubbed ' || fieldkit_pseudonym(comment_text) || ')'
WHERE event_id IN (SELECT row_key FROM temp.register_free_text WHERE col = 'comment_text');
UPDATE main.plan_events SET note = '(scrubbed ' || fieldkit_pseudonym(note) || ')'
WHERE event_id IN (SELECT row_key FROM temp.register_free_text WHERE col = 'note');
UPDATE main.plan_events SET value = '(scrubbed ' || fieldkit_pseudonym(value) || ')'
WHERE event_id IN (SELECT row_key FROM temp.register_free_text WHERE col = 'value');
-- Withdrawals name events by key: those naming a blanked event are re-keyed after it.
INSERT OR IGNORE INTO temp.scrub_rekey (tbl, old)
SELECT 'register_withdrawals', w.withdrawal_id
FROM main.register_withdrawals w
WHERE w.target_id IN (SELECT old FROM temp.scrub_rekey)
   OR w.replaced_by IN (SELECT old FROM temp.scrub_rekey);

-- name: carry_rekey
-- Every reference to a re-keyed event follows it.
UPDATE main.register_withdrawals
SET target_id = coalesce(
      (SELECT k.new FROM temp.scrub_rekey k
       WHERE k.old = target_id AND k.tbl <> 'register_withdrawals'), target_id),
    replaced_by = coalesce(
      (SELECT k.new FROM temp.scrub_rekey k
       WHERE k.old = replaced_by AND k.tbl <> 'register_withdrawals'), replaced_by)
WHERE withdrawal_id IN (SELECT old FROM temp.scrub_rekey WHERE tbl = 'register_withdrawals');

-- name: scrub_devices
-- A scrubbed copy's changes are not its source's: each device is renamed
-- '<device>~<lineage>' (merging refuses a device beside its scrubbed self).
UPDATE main.changes SET device_id = device_id || '~' || :lineage;

-- name: scrub_keys
-- A scrubbed copy is signed by whoever scrubs it: each renamed device's key change names
-- the scrubber's key (:key, 64 hex digits) and its own new name (then
-- fieldkit.privacy.database._rekey_signed signs what the original's signatures signed).
UPDATE main.changes SET rkey = device_id, value = :key
WHERE record_id = 'device' AND kind = 'setting' AND field = 'key';
