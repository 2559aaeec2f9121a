-- The reporting views. fieldkit.store.views.refresh() drops and recreates them (and one wide
-- view per checklist version, generated from the items table) after every migration, checklist
-- install and merge. `fieldkit report`, `fieldkit serve` (Datasette) and `fieldkit export xlsx`
-- all read these, so the three can never disagree.
--
-- The counting rule (DOMAIN.md 4.3, the report's Table 2):
--   * only final, non-deleted records count;
--   * one record per (checklist, natural key): when two inspectors recorded the same case file
--     (same force and crime reference), the earliest (created_hlc, then record_id) counts;
--   * applicable = answers yes or no (not applicable and unknown are left out of both counts),
--     completed = answers yes;
--   * national and team figures are pooled (sums of counts), never averages of percentages;
--   * percent = 100 * completed / applicable rounded half up, computed exactly in integers:
--     (200 * completed + applicable) / (2 * applicable) is floor(100 c / a + 1/2).
--   * a record counts towards the evidence summary only when its checklist's scope rule holds
--     (in_scope = 1; the case-file review's: DA-flagged and sampled under rape, serious
--     violence or ABH); the rest are reported separately (in_scope = 0). A checklist with
--     no scope rule has every record in scope.

-- name: record_scope
-- Each record's stratum (the answer to its checklist's `targets.stratify_by` item) and
-- whether it is in the scope of the evidence summary (its checklist's `scope.when` rule;
-- every record when there is none). The two placeholders in braces are filled in by
-- fieldkit.store.views from the checklist definitions stored in the database (a CASE arm per
-- checklist version with a rule). Read only by the fold that keeps record_agg
-- (fieldkit/sql/aggregates.sql), for the records a write touches.
CREATE VIEW record_scope AS
SELECT r.record_id, {stratum} AS stratum, {in_scope} AS in_scope
FROM records r;

-- name: record_facts
-- Every record with its stratum, whether it is in scope, and whether it is the one counted
-- copy of its natural key: stored in record_agg by the fold (fieldkit/sql/aggregates.sql),
-- which keeps it equal to the recomputation in fieldkit/sql/recompute.sql.
CREATE VIEW record_facts AS
SELECT
  r.record_id, r.checklist_id, r.checklist_version, r.inspection, r.force_code, r.inspector,
  r.observer_role, r.observed_at, r.subject_ref, r.status, r.deleted, r.created_hlc,
  r.updated_hlc, r.natural_key, f.stratum, f.in_scope, f.counted
FROM records r
JOIN record_agg f ON f.record_id = r.record_id;

-- name: counted_records
-- The counted set every figure reads: final, non-deleted, one per natural key.
CREATE VIEW counted_records AS
SELECT
  record_id, checklist_id, checklist_version, inspection, force_code, inspector, observer_role,
  observed_at, subject_ref, created_hlc, natural_key, stratum, in_scope
FROM record_facts
WHERE counted = 1;

-- name: duplicate_records
-- Final records that share a natural key with another final record (two inspectors on the
-- same case file): only the one with counted = 1 is in the figures. A key has copies exactly
-- when one of its final, live records is not counted (record_agg's index finds those).
CREATE VIEW duplicate_records AS
WITH dup_keys AS (
  SELECT DISTINCT r.checklist_id, r.natural_key
  FROM record_agg g
  JOIN records r ON r.record_id = g.record_id
  WHERE g.counted = 0 AND r.status = 'final' AND r.deleted = 0
    AND r.keyed = 1
)
SELECT f.checklist_id, f.natural_key, f.record_id, f.force_code, f.inspector, f.created_hlc,
       f.counted
FROM dup_keys k
JOIN record_facts f ON f.checklist_id = k.checklist_id AND f.natural_key = k.natural_key
WHERE f.status = 'final' AND f.deleted = 0;

-- name: item_info
-- One row per item id (the latest checklist version that has it): question text and order.
CREATE VIEW item_info AS
SELECT checklist_id, item_id, max(checklist_version) AS checklist_version, position,
       section_id, section_title, repeat_key, prompt, kind
FROM items
GROUP BY checklist_id, item_id;

-- name: evidence_expected
-- The evidence figures (every yes/no(/not applicable) item), read from the stored counts
-- (agg_records, agg_answers) the fold keeps, in three steps written once each: the inputs
-- (evidence_expected, evidence_answered: one row per stored count, per force), the figures at
-- both levels (evidence_figures: per force, and pooled across forces as sums of counts, never
-- averages), and the two views every output reads (evidence_by_force, evidence_summary), each
-- one level of evidence_figures. An item renamed in a later version (`renamed_from`, the
-- item_renames view) counts the answers given under its old id too: its answers carry over.
--
-- The counted records that have each yes/no item: per checklist version, scope and force,
-- the item (under its current id) and how many counted records of that version there are.
CREATE VIEW evidence_expected AS
WITH counted AS (
  SELECT checklist_id, checklist_version, in_scope, force_code, sum(final) AS n
  FROM agg_records
  WHERE final > 0
  GROUP BY checklist_id, checklist_version, in_scope, force_code
)
SELECT c.checklist_id, c.in_scope, c.force_code, coalesce(rn.new_id, i.item_id) AS item_id,
  c.n AS files
FROM counted c
JOIN items i ON i.checklist_id = c.checklist_id AND i.checklist_version = c.checklist_version
LEFT JOIN item_renames rn ON rn.checklist_id = i.checklist_id AND rn.old_id = i.item_id
WHERE i.kind IN ('yn', 'ynna');

-- name: evidence_answered
-- The counted records' answers to each yes/no item (under its current id), per checklist
-- version, scope and force: one row per stored count.
CREATE VIEW evidence_answered AS
SELECT g.checklist_id, g.in_scope, g.force_code, coalesce(rn.new_id, g.item_id) AS item_id,
  g.applicable, g.completed, g.not_applicable, g.unknown, g.answers
FROM agg_answers g
JOIN items i ON i.checklist_id = g.checklist_id AND i.checklist_version = g.checklist_version
  AND i.item_id = g.item_id
LEFT JOIN item_renames rn ON rn.checklist_id = g.checklist_id AND rn.old_id = g.item_id
WHERE i.kind IN ('yn', 'ynna');

-- name: evidence_figures
-- Every yes/no item per force (pooled = 0) and pooled across forces (pooled = 1, force_code
-- NULL): applicable, completed, percent (of the applicable: Table 2's figure), label.
-- `files` = counted records in scope that have the item; `blank` = those with no answer
-- (only possible for legacy imports; NULL for repeat groups, which count instances);
-- `forces` = the forces with files.
-- `base` = what "% of all" is out of (the 2014 report's "of all files"): the files for an
-- ordinary item; for an item asked once per agency or per case (`repeat_key`), the repeat
-- rows answered, never the records (which gave figures above 100%). `base_unit` says which,
-- percent_of_base is completed of the base: never above 100.
-- A query asking for one level reads only that level's arm (the other's WHERE is false);
-- CROSS JOIN keeps the levels the outer loop, so they are never copied to a temp table.
CREATE VIEW evidence_figures AS
WITH
levels AS (
  SELECT 0 AS pooled, e.checklist_id, e.in_scope, e.force_code, e.item_id, e.files,
    1 AS forces, t.applicable, t.completed, t.not_applicable, t.unknown, t.answers
  FROM (
    SELECT checklist_id, in_scope, force_code, item_id, sum(files) AS files
    FROM evidence_expected
    GROUP BY checklist_id, in_scope, force_code, item_id
  ) e
  LEFT JOIN (
    SELECT checklist_id, in_scope, force_code, item_id, sum(applicable) AS applicable,
      sum(completed) AS completed, sum(not_applicable) AS not_applicable,
      sum(unknown) AS unknown, sum(answers) AS answers
    FROM evidence_answered
    GROUP BY checklist_id, in_scope, force_code, item_id
  ) t
    ON t.checklist_id = e.checklist_id AND t.in_scope = e.in_scope
   AND t.force_code = e.force_code AND t.item_id = e.item_id
  UNION ALL
  SELECT 1, e.checklist_id, e.in_scope, NULL, e.item_id, e.files, e.forces,
    t.applicable, t.completed, t.not_applicable, t.unknown, t.answers
  FROM (
    SELECT checklist_id, in_scope, item_id, sum(files) AS files,
      count(DISTINCT coalesce(force_code, char(0))) AS forces
    FROM evidence_expected
    GROUP BY checklist_id, in_scope, item_id
  ) e
  LEFT JOIN (
    SELECT checklist_id, in_scope, item_id, sum(applicable) AS applicable,
      sum(completed) AS completed, sum(not_applicable) AS not_applicable,
      sum(unknown) AS unknown, sum(answers) AS answers
    FROM evidence_answered
    GROUP BY checklist_id, in_scope, item_id
  ) t
    ON t.checklist_id = e.checklist_id AND t.in_scope = e.in_scope AND t.item_id = e.item_id
),
counts AS (
  SELECT l.pooled, l.checklist_id, l.in_scope, l.force_code, l.item_id, ii.prompt AS question,
    ii.position, ii.section_title, ii.repeat_key,
    coalesce(l.applicable, 0) AS applicable, coalesce(l.completed, 0) AS completed,
    coalesce(l.not_applicable, 0) AS not_applicable, coalesce(l.unknown, 0) AS unknown,
    CASE WHEN ii.repeat_key IS NULL THEN l.files - coalesce(l.answers, 0) END AS blank,
    l.files, l.forces,
    CASE WHEN ii.repeat_key IS NULL THEN l.files
      ELSE coalesce(l.applicable + l.not_applicable + l.unknown, 0) END AS base,
    CASE WHEN ii.repeat_key IS NULL THEN 'records' ELSE ii.repeat_key || ' rows' END AS base_unit
  FROM levels l
  CROSS JOIN item_info ii ON ii.checklist_id = l.checklist_id AND ii.item_id = l.item_id
)
SELECT
  pooled, checklist_id, in_scope, force_code, item_id, question, position, section_title,
  applicable, completed,
  CASE WHEN applicable > 0 THEN (200 * completed + applicable) / (2 * applicable) END AS percent,
  CASE WHEN applicable > 0 THEN
    ((200 * completed + applicable) / (2 * applicable)) || '% (' || completed || ' of '
      || applicable || ')'
  ELSE 'no applicable records' END AS label,
  CASE WHEN applicable > 0 THEN CAST(completed AS REAL) / applicable END AS ratio,
  not_applicable, unknown, blank, files, forces, repeat_key, base, base_unit,
  CASE WHEN base > 0 THEN (200 * completed + base) / (2 * base) END AS percent_of_base
FROM counts;

-- name: evidence_by_force
-- Every yes/no item, per force (evidence_figures' per-force level), with the force's name.
CREATE VIEW evidence_by_force AS
SELECT
  e.checklist_id, e.in_scope, e.force_code, fo.name AS force_name, e.item_id, e.question,
  e.position, e.section_title, e.applicable, e.completed, e.percent, e.label, e.ratio,
  e.not_applicable, e.unknown, e.blank, e.files, e.repeat_key, e.base, e.base_unit,
  e.percent_of_base
FROM evidence_figures e
LEFT JOIN forces fo ON fo.code = e.force_code
WHERE e.pooled = 0;

-- name: evidence_summary
-- Every yes/no item pooled across forces (evidence_figures' pooled level): the shape of
-- Table 2. percent_of_files is percent_of_base where the base is the files in scope, the
-- 2014 report's denominator (NULL for items asked per agency or per case, whose base is the
-- rows).
CREATE VIEW evidence_summary AS
SELECT
  checklist_id, in_scope, item_id, question, position, section_title, applicable, completed,
  percent, label, ratio, not_applicable, unknown, blank, files,
  CASE WHEN repeat_key IS NULL THEN percent_of_base END AS percent_of_files,
  forces, repeat_key, base, base_unit, percent_of_base
FROM evidence_figures
WHERE pooled = 1;

-- name: scale_by_force
-- Scale (1-4) items per force: how many scored, the mean, and the share meeting the standard
-- (a score of 3, adequate, or more). Not applicable is left out. From the stored counts.
CREATE VIEW scale_by_force AS
WITH s AS (
  SELECT g.checklist_id, g.in_scope, g.force_code, g.item_id,
    sum(g.scored) AS scored, sum(g.total) AS total, sum(g.met) AS met,
    sum(g.not_applicable) AS not_applicable
  FROM agg_answers g
  JOIN items i ON i.checklist_id = g.checklist_id AND i.checklist_version = g.checklist_version
    AND i.item_id = g.item_id
  WHERE i.kind = 'q4'
  GROUP BY g.checklist_id, g.in_scope, g.force_code, g.item_id
)
SELECT
  s.checklist_id, s.in_scope, s.force_code, fo.name AS force_name, s.item_id,
  ii.prompt AS question, ii.position, ii.section_title,
  s.scored,
  CASE WHEN s.scored > 0 THEN s.total END AS total,
  CAST(CASE WHEN s.scored > 0 THEN s.total END AS REAL) / nullif(s.scored, 0) AS mean,
  s.met,
  CASE WHEN s.scored > 0 THEN (200 * s.met + s.scored) / (2 * s.scored) END AS percent_met,
  s.not_applicable
FROM s
JOIN item_info ii ON ii.checklist_id = s.checklist_id AND ii.item_id = s.item_id
LEFT JOIN forces fo ON fo.code = s.force_code;

-- name: scale_summary
CREATE VIEW scale_summary AS
SELECT
  checklist_id, in_scope, item_id, question, position, section_title,
  sum(scored) AS scored, sum(total) AS total,
  CAST(sum(total) AS REAL) / nullif(sum(scored), 0) AS mean,
  sum(met) AS met,
  CASE WHEN sum(scored) > 0 THEN (200 * sum(met) + sum(scored)) / (2 * sum(scored)) END
    AS percent_met,
  CASE WHEN sum(scored) > 0 THEN
    ((200 * sum(met) + sum(scored)) / (2 * sum(scored))) || '% (' || sum(met) || ' of '
      || sum(scored) || ')'
  ELSE 'no scored records' END AS label,
  sum(not_applicable) AS not_applicable,
  count(*) AS forces
FROM scale_by_force
GROUP BY checklist_id, in_scope, item_id;

-- name: coverage
-- Records done against the sample targets, per checklist, stratum and force. A team lead's
-- target (the `targets` view) wins over the default; a force-specific target wins over one
-- for every force ('*'), and one for the stratum over one for the whole checklist ('').
-- Defaults and strata come from each checklist's `targets` (default per force, per stratum
-- when stratified by a choice item; none = as recorded, target NULL), via checklist_info.
-- The keys with a target and the stored counts of counted and draft records (agg_records)
-- are stacked and summed per key.
CREATE VIEW coverage AS
WITH
stratifier AS (
  SELECT checklist_id, stratify_by AS item_id FROM checklist_info WHERE stratify_by IS NOT NULL
),
default_targets AS (
  SELECT checklist_id, default_target AS target FROM checklist_info
  WHERE default_target IS NOT NULL
),
strata AS (
  SELECT DISTINCT c.id AS checklist_id, coalesce(json_extract(j.value, '$.code'), '') AS stratum
  FROM checklists c
  LEFT JOIN stratifier s ON s.checklist_id = c.id
  LEFT JOIN items i
    ON i.checklist_id = c.id AND i.checklist_version = c.version AND i.item_id = s.item_id
  LEFT JOIN json_each(i.choices) j
),
planned AS (
  SELECT s.checklist_id, s.stratum, f.code AS force_code,
    coalesce(
      (SELECT t.target FROM targets t WHERE t.checklist_id = s.checklist_id
         AND t.stratum = s.stratum AND t.force_code = f.code),
      (SELECT t.target FROM targets t WHERE t.checklist_id = s.checklist_id
         AND t.stratum = '' AND t.force_code = f.code),
      (SELECT t.target FROM targets t WHERE t.checklist_id = s.checklist_id
         AND t.stratum = s.stratum AND t.force_code = '*'),
      (SELECT t.target FROM targets t WHERE t.checklist_id = s.checklist_id
         AND t.stratum = '' AND t.force_code = '*'),
      d.target
    ) AS target
  FROM strata s
  CROSS JOIN forces f
  LEFT JOIN default_targets d ON d.checklist_id = s.checklist_id
),
facts AS (
  SELECT checklist_id, stratum, force_code, target, 0 AS final, 0 AS drafts, 0 AS in_scope
  FROM planned WHERE target IS NOT NULL
  UNION ALL
  SELECT checklist_id, stratum, force_code, NULL, final, drafts, final * in_scope
  FROM agg_records
),
totals AS (
  SELECT checklist_id, stratum, force_code, max(target) AS target, sum(final) AS final,
    sum(drafts) AS drafts, sum(in_scope) AS in_scope
  FROM facts
  GROUP BY checklist_id, stratum, force_code
)
SELECT
  t.checklist_id, t.stratum, t.force_code, fo.name AS force_name, t.target, t.final, t.drafts,
  CASE WHEN t.target IS NOT NULL THEN max(t.target - t.final, 0) END AS remaining, t.in_scope
FROM totals t
LEFT JOIN forces fo ON fo.code = t.force_code;

-- name: open_conflicts
-- Values that lost a concurrent edit, with the record and question they belong to.
CREATE VIEW open_conflicts AS
SELECT
  f.change_id, f.record_id, r.checklist_id, r.force_code, r.natural_key, f.kind, f.field,
  f.rkey, ii.prompt AS question, f.winner_value AS kept_value, f.value AS other_value,
  f.author AS other_author, f.device_id AS other_device, f.hlc
FROM conflicts f
LEFT JOIN records r ON r.record_id = f.record_id
LEFT JOIN item_info ii ON ii.checklist_id = r.checklist_id AND ii.item_id = f.field
  AND f.kind IN ('answer', 'note');

-- name: answers_long
-- Every answer of every non-deleted record, one row per answer, with its question.
CREATE VIEW answers_long AS
SELECT
  r.record_id, r.checklist_id, r.checklist_version, r.force_code, r.status, a.field AS item_id,
  a.rkey, i.prompt AS question, i.kind, a.value
FROM records r
JOIN cells a ON a.record_id = r.record_id AND a.kind = 'answer'
LEFT JOIN items i
  ON i.checklist_id = r.checklist_id AND i.checklist_version = r.checklist_version
 AND i.item_id = a.field
WHERE r.deleted = 0 AND a.value IS NOT NULL;
