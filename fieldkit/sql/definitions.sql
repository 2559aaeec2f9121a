-- The checklist definitions a database stores.

-- name: latest_definitions
-- The latest stored version of every checklist: (id, version, definition as JSON).
SELECT c.id, c.version, c.definition FROM checklists c
WHERE c.version = (SELECT max(o.version) FROM checklists o WHERE o.id = c.id)
