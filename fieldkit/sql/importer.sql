-- The importer's reads (fieldkit/importer.py).

-- name: records_by_key
-- A checklist's live records by natural key, latest first (the caller keeps the last row
-- per key read: the earliest record of a key, the one the figures count).
SELECT natural_key, record_id FROM records WHERE checklist_id = ? AND deleted = 0
ORDER BY created_hlc DESC, record_id DESC;
