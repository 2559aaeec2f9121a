-- Statements the Excel export runs (fieldkit/export/xlsx.py) that are too long to read
-- inline. A parameter left empty means "all".

-- name: notes_sheet
-- Every note on a record not deleted, with its question's text, for the Notes sheet;
-- one force's when :force is given. In checklist, force, record and form order.
SELECT n.record_id, r.checklist_id, r.force_code, n.field, n.rkey, i.prompt, n.value, n.author
FROM cells n
JOIN records r ON r.record_id = n.record_id
LEFT JOIN items i
  ON i.checklist_id = r.checklist_id AND i.checklist_version = r.checklist_version
  AND i.item_id = n.field
WHERE n.kind = 'note' AND n.value IS NOT NULL AND r.deleted = 0
  AND (:force = '' OR r.force_code = :force)
ORDER BY r.checklist_id, r.force_code, n.record_id, i.position;

-- name: records_csv_records
-- A checklist's live records for `fieldkit export csv` (fieldkit/export/records_csv.py), one
-- force's when :force is given; `copy` numbers the records of one natural key in the order
-- the importer matches them (1: the earliest, the one the figures count).
SELECT record_id, force_code, observed_at, status, subject_ref, inspection, observer_role,
       keyed,
       row_number() OVER (PARTITION BY natural_key ORDER BY created_hlc, record_id) AS copy
FROM records
WHERE checklist_id = :checklist AND deleted = 0 AND (:force = '' OR force_code = :force)
ORDER BY observed_at, record_id;

-- name: records_csv_cells
-- Their answers and notes (not blank).
SELECT c.record_id, c.kind, c.field, c.rkey, c.value
FROM cells c
JOIN records r ON r.record_id = c.record_id
WHERE r.checklist_id = :checklist AND r.deleted = 0 AND (:force = '' OR r.force_code = :force)
  AND c.kind IN ('answer', 'note') AND c.value IS NOT NULL;

-- name: wide_record_answers
-- A wide sheet's answer columns in one read per record (the wide view looks each column
-- up on its own: 110 index searches a case file): a JSON object of the record's answers,
-- keyed item id, char(31), instance. A real number as {"r": quote(it)} (JSON text keeps 15
-- digits; quote() as many as read back the same number) and a blob as {"b": its hex} (JSON
-- holds none), so each reads back exactly as the view gives it.
-- An expression over the wide view `v`, placed in the export's SELECT.
(SELECT json_group_object(
          a.field || char(31) || a.rkey,
          CASE typeof(a.value)
            WHEN 'real' THEN json_object('r', quote(a.value))
            WHEN 'blob' THEN json_object('b', hex(a.value))
            ELSE a.value END)
 FROM cells a WHERE a.record_id = v.record_id AND a.kind = 'answer')
