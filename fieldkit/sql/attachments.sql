-- Attachments (schema step 0010): files held once by their content's digest.

-- name: add
-- A file attached (held already: nothing changes, the first name stays).
INSERT OR IGNORE INTO main.attachments (digest, name, size, content)
VALUES (:digest, :name, :size, :content);

-- name: describe
-- The name and size of each attachment named.
SELECT digest, name, size FROM main.attachments WHERE digest IN (SELECT value FROM json_each(:digests));

-- name: answered
-- Every attachment digest answered anywhere in the log (any version of a record's answer,
-- not only the current one: the log keeps every value), with the first change naming it.
SELECT DISTINCT lower(c.value) AS digest
FROM {schema}.changes c
JOIN {schema}.records r ON r.record_id = c.record_id
JOIN {schema}.items i ON i.checklist_id = r.checklist_id AND i.item_id = c.field
WHERE c.kind = 'answer' AND i.kind IN ('image', 'audio', 'video', 'file', 'osm')
  AND typeof(c.value) = 'text' AND length(c.value) = 64;

-- name: held
-- Every attachment held, its content to be checked against its digest.
SELECT digest, size, content FROM {schema}.attachments;

-- name: of_records
-- The attachments the current answers of some records name (an export's files), with the
-- record and item that name each.
SELECT c.record_id, c.field AS item_id, c.rkey, a.digest, a.name, a.size, a.content
FROM main.cells c
JOIN main.attachments a ON a.digest = c.value
WHERE c.kind = 'answer' AND c.record_id IN (SELECT value FROM json_each(:records))
ORDER BY c.record_id, c.field, c.rkey;

-- name: source_new
-- A merge source's attachments the target does not hold (checked before they are taken).
SELECT digest, size, content FROM main.attachments a
WHERE NOT EXISTS (SELECT 1 FROM target.attachments t WHERE t.digest = a.digest);
