-- Personal data in free text: listing it (fieldkit pii) and scrubbing it (fieldkit scrub).
-- Free text is notes, answers to 'text' items, and subject references; scrub rewrites it
-- (except a text item's literal 'na' / 'unknown'), in the change log first, and text items
-- that are part of a natural key become pseudonyms (fieldkit_pseudonym), so duplicates are
-- still recognised. In the register and action plans, free text is the comments on
-- recommendations, the notes and evidence on plan objectives, and their owners (staff
-- names): what `fieldkit export xlsx --redact` leaves out. Comments and evidence typed or
-- imported from a force's spreadsheet are listed by pii; scrub blanks all of it.

-- name: pii_candidates
-- Current values, and earlier values the change log still holds.
SELECT 'current' AS source, c.record_id, r.checklist_id, r.force_code, c.kind, c.field, c.rkey,
       c.value
FROM main.cells c
LEFT JOIN main.records r ON r.record_id = c.record_id
WHERE typeof(c.value) = 'text' AND
  (c.kind = 'note'
   OR (c.kind = 'record' AND c.field = 'subject_ref')
   OR (c.kind = 'answer'
       AND c.field IN (SELECT item_id FROM main.items WHERE kind = 'text')))

UNION ALL
SELECT 'earlier' AS source, c.record_id, r.checklist_id, r.force_code, c.kind, c.field, c.rkey,
       c.value
FROM main.changes c
JOIN main.cells w
  ON w.record_id = c.record_id AND w.kind = c.kind AND w.field = c.field AND w.rkey = c.rkey
LEFT JOIN main.records r ON r.record_id = c.record_id
WHERE typeof(c.value) = 'text' AND
  (c.kind = 'note'
   OR (c.kind = 'record' AND c.field = 'subject_ref')
   OR (c.kind = 'answer'
       AND c.field IN (SELECT item_id FROM main.items WHERE kind = 'text')))
 AND w.change_id <> c.id

UNION ALL
SELECT 'current', e.rec_id, NULL, NULL, 'register comment', e.event_date, '', e.comment_text
FROM main.rec_events e
WHERE e.kind = 'comment' AND e.source = 'manual'

UNION ALL
SELECT 'current', p.plan_id, NULL, p.force_code, 'plan ' || e.kind, e.objective_id, '', e.value
FROM main.plan_events e
JOIN main.plans p ON p.plan_id = e.plan_id
WHERE e.kind = 'evidence' AND e.source <> 'template'

UNION ALL
SELECT 'current', p.plan_id, NULL, p.force_code, 'plan note', e.objective_id, '', e.note
FROM main.plan_events e
JOIN main.plans p ON p.plan_id = e.plan_id
WHERE e.note IS NOT NULL AND e.source <> 'template'
ORDER BY 2, 5, 6, 7, 1;

-- name: count_scrubbed_changes
SELECT count(*) FROM main.changes WHERE changes.value IS NOT NULL AND
(changes.kind = 'note'
 OR (changes.kind = 'record' AND changes.field = 'subject_ref')
 OR (changes.kind = 'answer'
     AND changes.field IN (SELECT item_id FROM main.items WHERE kind = 'text')))

AND NOT (changes.kind = 'answer' AND changes.value IN ('na', 'unknown'));

-- name: count_scrubbed_cells
SELECT count(*) FROM main.cells WHERE cells.value IS NOT NULL AND
(cells.kind = 'note'
 OR (cells.kind = 'record' AND cells.field = 'subject_ref')
 OR (cells.kind = 'answer'
     AND cells.field IN (SELECT item_id FROM main.items WHERE kind = 'text')))

AND NOT (cells.kind = 'answer' AND cells.value IN ('na', 'unknown'));

-- name: scrub
-- Marks what the rewrite touches (for the state rebuild), then rewrites the log.
INSERT OR IGNORE INTO temp.touched (record_id, kind, field, rkey)
SELECT DISTINCT record_id, kind, field, rkey FROM main.changes c
WHERE
  c.value IS NOT NULL AND
  (c.kind = 'note'
   OR (c.kind = 'record' AND c.field = 'subject_ref')
   OR (c.kind = 'answer'
       AND c.field IN (SELECT item_id FROM main.items WHERE kind = 'text')))

  AND NOT (c.kind = 'answer' AND c.value IN ('na', 'unknown'))
;
INSERT OR IGNORE INTO temp.touched_records (record_id)
SELECT DISTINCT record_id FROM temp.touched WHERE kind IN ('record', 'answer');
UPDATE main.changes SET value = CASE
  WHEN kind = 'answer' AND field IN
  (SELECT k.item_id FROM main.natural_key_items k
   JOIN main.items i ON i.checklist_id = k.checklist_id
     AND i.checklist_version = k.checklist_version AND i.item_id = k.item_id
   WHERE i.kind = 'text')

    THEN fieldkit_pseudonym(lower(trim(value)))
  ELSE NULL
END
WHERE
  changes.value IS NOT NULL AND
  (changes.kind = 'note'
   OR (changes.kind = 'record' AND changes.field = 'subject_ref')
   OR (changes.kind = 'answer'
       AND changes.field IN (SELECT item_id FROM main.items WHERE kind = 'text')))

  AND NOT (changes.kind = 'answer' AND changes.value IN ('na', 'unknown'))
;

-- name: count_scrubbed_register
SELECT
  (SELECT count(*) FROM main.rec_events WHERE kind = 'comment')
  + (SELECT count(*) FROM main.plan_events WHERE note IS NOT NULL)
  + (SELECT count(*) FROM main.plan_events WHERE kind IN ('evidence', 'owner'));

-- name: scrub_register
-- The register's and plans' free text (rows keep their ids: a scrubbed copy still merges).
UPDATE main.rec_events SET comment_text = '(scrubbed)' WHERE kind = 'comment';
UPDATE main.plan_events SET note = NULL WHERE note IS NOT NULL;
UPDATE main.plan_events SET value = '(scrubbed)' WHERE kind IN ('evidence', 'owner');

-- name: scrub_devices
-- A scrubbed copy's changes are not its source's: each device is renamed
-- '<device>~<lineage>' (merging refuses a device beside its scrubbed self).
UPDATE main.changes SET device_id = device_id || '~' || :lineage;
