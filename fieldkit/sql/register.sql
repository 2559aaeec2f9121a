-- Named statements for the recommendations register and action plans (fieldkit.register).
-- The views they read are created by schema step 0002_register.sql.

-- name: list_recommendations
SELECT rec_id, ref, source_report, rec_number, register_ids, title, lead_org, current_status,
       status_label, unknown_status, status_since, events, comments, first_event, last_event,
       annex_e_status, origin
FROM rec_status
ORDER BY source_report IS NULL, source_report, rec_number IS NULL, rec_number, rec_id;

-- name: timeline
SELECT position, event_date, date_text, kind, body, status_slug, comment_text, source, author,
       reg_id, event_id
FROM rec_timeline
WHERE rec_id = ?
ORDER BY position;

-- name: same_event
-- An event already recorded with the same recommendation, date, kind and text.
SELECT event_id FROM rec_events
WHERE rec_id = ? AND event_date = ? AND kind = ?
  AND (status_slug = ? OR comment_text = ?)
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
       rag, rag_since, rag_note, evidence_notes, last_evidence, recommendations
FROM plans_by_force
ORDER BY force_code, plan, position, objective_id;

-- name: list_objectives
SELECT force_code, force_name, plan, theme, theme_title, objective_id, position, objective,
       owner, due, rag, rag_since, rag_note, unknown_rag, evidence_notes, last_evidence,
       recommendations, plan_id, objective_ref
FROM plans_by_force
ORDER BY force_code, plan, position, objective_id;

-- name: plan_history
SELECT position, event_date, kind, value, note, source, author, event_id
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
