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
