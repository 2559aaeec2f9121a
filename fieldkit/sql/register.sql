-- Named statements for the recommendations register and action plans (fieldkit.register).
-- The views they read are created by schema step 0002_register.sql.

-- name: list_recommendations
SELECT rec_id, ref, source_report, rec_number, register_ids, title, lead_org, current_status,
       status_label, unknown_status, status_since, events, comments, first_event, last_event,
       annex_e_status, origin
FROM rec_status
ORDER BY source_report IS NULL, source_report, rec_number IS NULL, rec_number, rec_id;

-- name: timeline
SELECT row_number() OVER (ORDER BY event_date, seq, event_id) AS position, event_date,
       date_text, kind,
       coalesce(status_slug, trim(comment_text, char(10) || char(13) || ' ')) AS body,
       status_slug, comment_text, source, author, reg_id, event_id, withdrawn, withdrawn_at,
       replaced_by, withdrawn_reason
FROM rec_event_history
WHERE rec_id = ?
ORDER BY event_date, seq, event_id;

-- name: same_event
-- An event already recorded with the same recommendation, date, kind and text (its
-- identity), and whether that identity was withdrawn.
SELECT event_id, withdrawn FROM rec_event_history
WHERE rec_id = ?1 AND event_date = ?2 AND kind = ?3
  AND coalesce(status_slug, comment_text) = CASE WHEN ?3 = 'status' THEN ?4 ELSE ?5 END
LIMIT 1;

-- name: next_event_seq
SELECT coalesce(max(seq), 0) + 1 FROM rec_events WHERE rec_id = ? AND event_date = ?;

-- name: recommendation_rows
SELECT rec_id AS recommendation, ref, source_report AS report, rec_number AS number,
       register_ids, title, lead_org, current_status, status_since, events, comments,
       last_event, annex_e_status, annex_e, gist
FROM rec_status
ORDER BY source_report IS NULL, source_report, rec_number IS NULL, rec_number, rec_id;

-- name: rec_event_rows
SELECT rec_id AS recommendation, ref, title, position, event_date, kind, body, source, author,
       reg_id AS register_id, current_status
FROM rec_timeline
ORDER BY rec_id, position;

-- name: plan_rows
SELECT force_code, force_name, plan, theme, theme_title, objective_id, objective, owner, due,
       rag, rag_since, rag_note, rag_history, evidence_notes, last_evidence, recommendations
FROM plans_by_force
ORDER BY force_code, plan, position, objective_id;

-- name: list_objectives
SELECT force_code, force_name, plan, theme, theme_title, objective_id, position, objective,
       owner, due, rag, rag_since, rag_note, unknown_rag, evidence_notes, last_evidence,
       recommendations, plan_id, objective_ref
FROM plans_by_force
ORDER BY force_code, plan, position, objective_id;

-- name: plan_history
SELECT position, event_date, kind, value, note, source, author, event_id, withdrawn,
       withdrawn_at, replaced_by, withdrawn_reason
FROM plan_timeline
WHERE plan_id = ? AND objective_id = ?
ORDER BY position;

-- name: current_plan_value
-- The latest value of one kind of fact (rag, owner, due) about an objective.
SELECT value FROM plan_events
WHERE plan_id = ? AND objective_id = ? AND kind = ?
ORDER BY event_date DESC, seq DESC, event_id DESC
LIMIT 1;

-- name: next_plan_seq
SELECT coalesce(max(seq), 0) + 1 FROM plan_events
WHERE plan_id = ? AND objective_id = ? AND kind = ? AND event_date = ?;

-- name: current_link
SELECT linked FROM plan_links
WHERE plan_id = ? AND objective_id = ? AND rec_id = ?
ORDER BY event_date DESC, seq DESC, link_id DESC
LIMIT 1;

-- name: next_link_seq
SELECT coalesce(max(seq), 0) + 1 FROM plan_links
WHERE plan_id = ? AND objective_id = ? AND rec_id = ? AND event_date = ?;

-- name: entry_clash
-- An entry being imported whose register id is stored only with other content.
SELECT i.reg_id, (SELECT rec_id FROM register_entries e WHERE e.reg_id = i.reg_id LIMIT 1)
FROM temp.import_entry_ids i
WHERE EXISTS (SELECT 1 FROM register_entries e WHERE e.reg_id = i.reg_id)
  AND NOT EXISTS (SELECT 1 FROM register_entries e WHERE e.entry_id = i.entry_id)
LIMIT 1;

-- name: insert_new_entries
INSERT OR IGNORE INTO register_entries SELECT * FROM temp.import_entries;

-- name: insert_new_events
-- Events whose identity (recommendation, date, kind, text) this database does not hold yet.
INSERT OR IGNORE INTO rec_events
SELECT i.* FROM temp.import_events i
WHERE NOT EXISTS (
  SELECT 1 FROM rec_events e
  WHERE e.rec_id = i.rec_id AND e.event_date = i.event_date AND e.kind = i.kind
    AND coalesce(e.status_slug, e.comment_text) = coalesce(i.status_slug, i.comment_text)
);

-- name: export_events
-- One row per event identity, in timeline order; withdrawn ones only when ?1 = 1.
SELECT rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source
FROM rec_event_history
WHERE withdrawn = 0 OR ?1 = 1
ORDER BY rec_id, event_date, seq, event_id;

-- name: plan_themes
-- A plan's themes in order: code, title, position.
SELECT code, title, position FROM plan_themes WHERE plan_id = ? ORDER BY position;

-- name: plan_objectives
-- A plan's objectives in order: id, theme, text.
SELECT objective_id, theme_code, text FROM plan_objectives WHERE plan_id = ? ORDER BY position;

-- name: last_objective_position
SELECT coalesce(max(position), 0) FROM plan_objectives WHERE plan_id = ?;

-- name: record_plan_import
INSERT INTO register_imports (imported_at, kind, file, sha256, rows, new_rows)
VALUES (?, 'plan', ?, ?, ?, ?);
