-- Reads of a data collection (fieldkit.returns): the query log and the returns' answers.

-- name: query_log
-- The queries raised with forces (records of the query checklist the collection names), one
-- row per query with each part read from the item the checklist file says holds it.
SELECT r.record_id, r.force_code, fo.name AS force_name, r.created_hlc,
  (SELECT c.value FROM cells c WHERE c.record_id = r.record_id AND c.kind = 'answer'
     AND c.field = :ref AND c.rkey = '') AS ref,
  (SELECT c.value FROM cells c WHERE c.record_id = r.record_id AND c.kind = 'answer'
     AND c.field = :form AND c.rkey = '') AS form,
  (SELECT c.value FROM cells c WHERE c.record_id = r.record_id AND c.kind = 'answer'
     AND c.field = :period AND c.rkey = '') AS period,
  (SELECT c.value FROM cells c WHERE c.record_id = r.record_id AND c.kind = 'answer'
     AND c.field = :question AND c.rkey = '') AS question,
  (SELECT c.value FROM cells c WHERE c.record_id = r.record_id AND c.kind = 'answer'
     AND c.field = :text AND c.rkey = '') AS text,
  (SELECT c.value FROM cells c WHERE c.record_id = r.record_id AND c.kind = 'answer'
     AND c.field = :answer AND c.rkey = '') AS answer,
  (SELECT c.value FROM cells c WHERE c.record_id = r.record_id AND c.kind = 'answer'
     AND c.field = :status AND c.rkey = '') AS status
FROM records r
LEFT JOIN forces fo ON fo.code = r.force_code
WHERE r.checklist_id = :checklist AND r.deleted = 0
ORDER BY r.force_code, r.created_hlc;

-- name: counted_answers
-- Every answer of the counted records of one checklist (the returns `returns check` reads).
SELECT r.record_id, r.force_code, a.field, a.rkey, a.value
FROM counted_records r
JOIN cells a ON a.record_id = r.record_id AND a.kind = 'answer'
WHERE r.checklist_id = ?
ORDER BY r.force_code;

-- name: return_records
-- The live records of a data collection for one force and period (its natural key).
SELECT record_id, status FROM records
WHERE checklist_id = ? AND natural_key = ? AND deleted = 0
ORDER BY created_hlc, record_id;
