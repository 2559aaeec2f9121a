-- Datasette canned queries (fieldkit serve, and plain `datasette team.db` with the plugin).
-- Titles and descriptions are in fieldkit/datasette/metadata.py. Every one reads the views
-- in views.sql, so the numbers are the ones `fieldkit report` and the Excel export show.
-- A parameter left empty means "all".

-- name: evidence
-- "% of all" has a true base: the records in scope, or for a question asked per agency or
-- per case the rows answered (never the records, which gave figures above 100%). The base
-- is the view's (evidence_figures in views.sql), the one `fieldkit report` shows.
SELECT checklist_id, item_id, question, applicable, completed, percent, label,
       not_applicable, blank, base, base_unit, percent_of_base
FROM evidence_summary
WHERE in_scope = 1 AND (:checklist = '' OR checklist_id = :checklist)
ORDER BY checklist_id, position;

-- name: summary_table
-- A checklist's named summary table (its `summaries` key: Table 2), items in printed order,
-- over the records in scope; the title with its number of files filled in.
SELECT s.checklist_id, s.summary_id,
       replace(s.summary_title, '{files}', printf('%,d', e.files)) AS summary_title,
       s.item_id, e.question AS evidence,
       e.applicable, e.completed, e.percent, e.label, e.not_applicable, e.files
FROM summary_items s
JOIN evidence_summary e
  ON e.checklist_id = s.checklist_id AND e.item_id = s.item_id AND e.in_scope = 1
WHERE (:summary = '' OR s.summary_id = :summary)
  AND (:checklist = '' OR s.checklist_id = :checklist)
ORDER BY s.checklist_id, s.summary_id, s.position;

-- name: summary_rates
-- A checklist's summary tables of rates by force (Figure 6, the DVPO figures, Figure 7): one
-- row per force and column, the pooled national row first; 'no data' where a force gave no
-- figure, '(provisional)' where its return is not yet agreed.
SELECT summary_id, column_label AS figure,
       CASE WHEN pooled = 1 THEN 'National (pooled)' ELSE coalesce(force_name, force_code) END
         AS force,
       value, label, numerator, denominator, provisional
FROM summary_rates
WHERE (:summary = '' OR summary_id = :summary)
  AND (:force = '' OR force_code = :force OR pooled = 1)
ORDER BY checklist_id, summary_id, column_position, pooled DESC, value DESC;

-- name: summary_shares
-- A checklist's summary tables of shares (Table 1): per group, the top items in order.
SELECT summary_id, group_label AS "group", rank, question, percent, label, chosen, answered
FROM summary_shares
WHERE (:summary = '' OR summary_id = :summary) AND (top IS NULL OR rank <= top)
ORDER BY checklist_id, summary_id, group_position, rank;

-- name: evidence_per_force
-- Each force against the rest of England and Wales (every other force's counts pooled):
-- the force's Wilson 95% interval, the rest's figure, the gap, the two-sided test at 95%
-- and its call (fieldkit/report/compare.py, as `fieldkit report evidence --by force`); a
-- base under :min_base (default 10) is too small to call.
WITH f AS (
  SELECT *,
         sum(applicable) OVER (PARTITION BY checklist_id, item_id) - applicable AS rest_n,
         sum(completed) OVER (PARTITION BY checklist_id, item_id) - completed AS rest_k
  FROM evidence_by_force
  WHERE in_scope = 1 AND (:checklist = '' OR checklist_id = :checklist)
)
SELECT force_code AS force, force_name, checklist_id, item_id, question, applicable,
       completed, percent, label,
       fieldkit_ci_low(completed, applicable) AS ci_low,
       fieldkit_ci_high(completed, applicable) AS ci_high,
       rest_n AS rest_applicable, rest_k AS rest_completed,
       fieldkit_percent(rest_k, rest_n) AS rest_percent,
       fieldkit_label(rest_k, rest_n) AS rest_label,
       CASE WHEN applicable > 0 AND rest_n > 0
         THEN round(100.0 * completed / applicable - 100.0 * rest_k / rest_n, 1) END
         AS gap_points,
       fieldkit_p_value(completed, applicable, rest_k, rest_n, :min_base) AS p_value,
       fieldkit_test(completed, applicable, rest_k, rest_n, :min_base) AS test,
       fieldkit_difference(completed, applicable, rest_k, rest_n, :min_base) AS difference,
       not_applicable, blank
FROM f
WHERE (:force = '' OR force_code = :force)
ORDER BY checklist_id, position, force_code;

-- name: out_of_scope
-- Records outside their checklist's scope rule: sampled, but reported separately.
SELECT checklist_id, item_id, question, applicable, completed, percent, label,
       not_applicable, files
FROM evidence_summary
WHERE in_scope = 0 AND (:checklist = '' OR checklist_id = :checklist)
ORDER BY checklist_id, position;

-- name: coverage_against_targets
SELECT force_code AS force, force_name, checklist_id, stratum, target, final, remaining,
       drafts
FROM coverage
WHERE (:force = '' OR force_code = :force)
ORDER BY checklist_id, force_code, stratum;

-- name: conflicts_to_settle
SELECT change_id, record_id, checklist_id, force_code AS force, natural_key, field, rkey,
       question, kept_value, other_value, other_author
FROM open_conflicts
ORDER BY checklist_id, force_code, record_id, field;

-- name: scores_by_force
SELECT force_code AS force, force_name, checklist_id, item_id, question, scored,
       round(mean, 1) AS mean, met AS scored_3_or_more, percent_met, not_applicable
FROM scale_by_force
WHERE in_scope = 1 AND (:checklist = '' OR checklist_id = :checklist)
  AND (:force = '' OR force_code = :force)
ORDER BY checklist_id, position, force_code;

-- name: duplicate_case_files
SELECT checklist_id, natural_key, record_id, force_code AS force, inspector, counted
FROM duplicate_records
ORDER BY checklist_id, natural_key, counted DESC, created_hlc;

-- name: recommendation_timeline
SELECT ref, title, lead_org, position, event_date, date_text, kind, status_slug,
       comment_text, source, current_status
FROM rec_timeline
WHERE (:recommendation = '' OR ref = :recommendation OR rec_id = :recommendation
       OR reg_id = :recommendation)
ORDER BY rec_id, position;

-- name: action_plans_by_force_and_status
SELECT force_code AS force, force_name, plan, theme, objective_id, objective, owner, due,
       rag, rag_since, rag_note, evidence_notes, recommendations
FROM plans_by_force
WHERE (:force = '' OR force_code = :force) AND (:rag = '' OR rag = :rag)
ORDER BY force_code, plan, position;

-- name: record_answers
-- One record's answers in questionnaire order, with the question and the answer as read
-- (choice labels, Yes/No, n/a), not the stored codes.
SELECT i.position, i.section_title AS section, i.prompt AS question,
       nullif(a.rkey, '') AS instance,
       CASE
         WHEN a.value = 'na' THEN 'n/a'
         WHEN a.value = 'unknown' THEN 'unknown'
         WHEN i.kind IN ('yn', 'ynna') THEN
           CASE a.value WHEN 'yes' THEN 'Yes' WHEN 'no' THEN 'No' ELSE a.value END
         WHEN i.kind = 'choice' THEN coalesce((
           SELECT json_extract(j.value, '$.label') FROM json_each(i.choices) j
           WHERE json_extract(j.value, '$.code') = a.value), a.value)
         WHEN i.kind = 'multi' AND json_valid(a.value) THEN (
           SELECT group_concat(coalesce((
             SELECT json_extract(c.value, '$.label') FROM json_each(i.choices) c
             WHERE json_extract(c.value, '$.code') = m.value), m.value), '; ')
           FROM json_each(a.value) m)
         ELSE a.value
       END AS answer,
       a.value AS stored, i.item_id
FROM records r
JOIN items i ON i.checklist_id = r.checklist_id AND i.checklist_version = r.checklist_version
JOIN cells a ON a.record_id = r.record_id AND a.kind = 'answer' AND a.field = i.item_id
WHERE r.record_id = :record_id AND a.value IS NOT NULL
ORDER BY i.position, a.rkey;
