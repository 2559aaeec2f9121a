-- The reporting figures as they were computed before they were stored (schema step 0005):
-- the same views, recomputed from every record and answer on each read. Kept as the oracle
-- the stored aggregates are tested against (tests/test_aggregates.py): fieldkit never reads
-- these. Created as TEMP views named recomputed_* by fieldkit.store.views.oracle_views.

-- name: recomputed_record_facts
-- Every record with its stratum (the answer to its checklist's `targets.stratify_by` item),
-- whether it is in the scope of the evidence summary (its checklist's `scope.when` rule;
-- every record when there is none), and whether it is the one counted copy of its natural
-- key. The two placeholders in braces are filled in by fieldkit.store.views from the
-- checklist definitions stored in the database (a CASE arm per checklist version with a rule).
-- A natural key starts with the force code, so partitioning by force as well changes nothing
-- but lets SQLite push a force filter (the dashboard's, Datasette's facets) into the scan.
CREATE VIEW recomputed_record_facts AS
SELECT
  r.record_id, r.checklist_id, r.checklist_version, r.inspection, r.force_code, r.inspector,
  r.observer_role, r.observed_at, r.subject_ref, r.status, r.deleted, r.created_hlc,
  r.updated_hlc, r.natural_key,
  {stratum} AS stratum,
  {in_scope} AS in_scope,
  CASE
    WHEN r.status = 'final' AND r.deleted = 0 AND row_number() OVER (
      PARTITION BY r.checklist_id, r.force_code, r.status = 'final' AND r.deleted = 0,
        CASE
          WHEN replace(substr(r.natural_key, instr(r.natural_key, '|') + 1), '|', '') = ''
            THEN r.record_id
          ELSE r.natural_key
        END
      ORDER BY r.created_hlc, r.record_id
    ) = 1 THEN 1
    ELSE 0
  END AS counted
FROM records r;

-- name: recomputed_counted_records
-- The counted set every figure reads: final, non-deleted, one per natural key.
CREATE VIEW recomputed_counted_records AS
SELECT
  record_id, checklist_id, checklist_version, inspection, force_code, inspector, observer_role,
  observed_at, subject_ref, created_hlc, natural_key, stratum, in_scope
FROM recomputed_record_facts
WHERE counted = 1;

-- name: recomputed_evidence_by_force
-- Every yes/no(/not applicable) item, per force: applicable, completed, percent. An item
-- renamed in a later version (`renamed_from`, the item_renames view) counts the answers
-- given under its old id too: its answers carry over.
-- `files` = counted records in scope that have the item; `blank` = those with no answer
-- (only possible for legacy imports; NULL for repeat groups, which count instances).
-- CROSS JOIN fixes the join order: each counted record, its items, then a seek per cell.
CREATE VIEW recomputed_evidence_by_force AS
WITH
base AS (
  SELECT checklist_id, checklist_version, in_scope, force_code, count(*) AS n
  FROM recomputed_counted_records
  GROUP BY checklist_id, checklist_version, in_scope, force_code
),
expected AS (
  SELECT b.checklist_id, b.in_scope, b.force_code, coalesce(rn.new_id, i.item_id) AS item_id,
    sum(b.n) AS files
  FROM base b
  JOIN items i ON i.checklist_id = b.checklist_id AND i.checklist_version = b.checklist_version
  LEFT JOIN item_renames rn ON rn.checklist_id = i.checklist_id AND rn.old_id = i.item_id
  WHERE i.kind IN ('yn', 'ynna')
  GROUP BY b.checklist_id, b.in_scope, b.force_code, coalesce(rn.new_id, i.item_id)
),
tally AS (
  SELECT r.checklist_id, r.in_scope, r.force_code, coalesce(rn.new_id, a.field) AS item_id,
    sum(a.value IN ('yes', 'no')) AS applicable,
    sum(a.value = 'yes') AS completed,
    sum(a.value = 'na') AS not_applicable,
    sum(a.value = 'unknown') AS unknown,
    count(*) AS answers
  FROM recomputed_counted_records r
  CROSS JOIN items i
    ON i.checklist_id = r.checklist_id AND i.checklist_version = r.checklist_version
  CROSS JOIN cells a ON a.record_id = r.record_id AND a.kind = 'answer' AND a.field = i.item_id
  LEFT JOIN item_renames rn ON rn.checklist_id = r.checklist_id AND rn.old_id = a.field
  WHERE i.kind IN ('yn', 'ynna') AND a.value IS NOT NULL
  GROUP BY r.checklist_id, r.in_scope, r.force_code, coalesce(rn.new_id, a.field)
)
SELECT
  e.checklist_id, e.in_scope, e.force_code, fo.name AS force_name, e.item_id,
  ii.prompt AS question, ii.position, ii.section_title,
  coalesce(t.applicable, 0) AS applicable,
  coalesce(t.completed, 0) AS completed,
  CASE WHEN t.applicable > 0 THEN (200 * t.completed + t.applicable) / (2 * t.applicable) END
    AS percent,
  CASE WHEN t.applicable > 0 THEN
    ((200 * t.completed + t.applicable) / (2 * t.applicable)) || '% (' || t.completed || ' of '
      || t.applicable || ')'
  ELSE 'no applicable records' END AS label,
  CASE WHEN t.applicable > 0 THEN CAST(t.completed AS REAL) / t.applicable END AS ratio,
  coalesce(t.not_applicable, 0) AS not_applicable,
  coalesce(t.unknown, 0) AS unknown,
  CASE WHEN ii.repeat_key IS NULL THEN e.files - coalesce(t.answers, 0) END AS blank,
  e.files
FROM expected e
LEFT JOIN tally t
  ON t.checklist_id = e.checklist_id AND t.in_scope = e.in_scope
 AND t.force_code = e.force_code AND t.item_id = e.item_id
JOIN item_info ii ON ii.checklist_id = e.checklist_id AND ii.item_id = e.item_id
LEFT JOIN forces fo ON fo.code = e.force_code;

-- name: recomputed_evidence_summary
-- The same, pooled across forces (sums of counts, never averages): the shape of Table 2.
-- percent_of_files is completed / all files in scope, the 2014 report's denominator (NULL for
-- items asked per agency or per case, whose base is the rows: see the `evidence` query).
CREATE VIEW recomputed_evidence_summary AS
WITH pooled AS (
  SELECT checklist_id, in_scope, item_id, question, position, section_title,
    sum(applicable) AS applicable, sum(completed) AS completed,
    sum(not_applicable) AS not_applicable, sum(unknown) AS unknown, sum(blank) AS blank,
    sum(files) AS files, count(*) AS forces
  FROM recomputed_evidence_by_force
  GROUP BY checklist_id, in_scope, item_id
)
SELECT
  checklist_id, in_scope, item_id, question, position, section_title, applicable, completed,
  CASE WHEN applicable > 0 THEN (200 * completed + applicable) / (2 * applicable) END AS percent,
  CASE WHEN applicable > 0 THEN
    ((200 * completed + applicable) / (2 * applicable)) || '% (' || completed || ' of '
      || applicable || ')'
  ELSE 'no applicable records' END AS label,
  CASE WHEN applicable > 0 THEN CAST(completed AS REAL) / applicable END AS ratio,
  not_applicable, unknown, blank, files,
  CASE WHEN files > 0 AND blank IS NOT NULL THEN (200 * completed + files) / (2 * files) END
    AS percent_of_files,
  forces
FROM pooled;

-- name: recomputed_scale_by_force
-- Scale (1-4) items per force: how many scored, the mean, and the share meeting the standard
-- (a score of 3, adequate, or more). Not applicable is left out.
CREATE VIEW recomputed_scale_by_force AS
SELECT
  r.checklist_id, r.in_scope, r.force_code, fo.name AS force_name, a.field AS item_id,
  ii.prompt AS question, ii.position, ii.section_title,
  sum(typeof(a.value) = 'integer') AS scored,
  sum(CASE WHEN typeof(a.value) = 'integer' THEN a.value END) AS total,
  CAST(sum(CASE WHEN typeof(a.value) = 'integer' THEN a.value END) AS REAL)
    / nullif(sum(typeof(a.value) = 'integer'), 0) AS mean,
  sum(typeof(a.value) = 'integer' AND a.value >= 3) AS met,
  CASE WHEN sum(typeof(a.value) = 'integer') > 0 THEN
    (200 * sum(typeof(a.value) = 'integer' AND a.value >= 3) + sum(typeof(a.value) = 'integer'))
      / (2 * sum(typeof(a.value) = 'integer'))
  END AS percent_met,
  sum(a.value = 'na') AS not_applicable
FROM recomputed_counted_records r
CROSS JOIN items i
  ON i.checklist_id = r.checklist_id AND i.checklist_version = r.checklist_version
CROSS JOIN cells a ON a.record_id = r.record_id AND a.kind = 'answer' AND a.field = i.item_id
JOIN item_info ii ON ii.checklist_id = r.checklist_id AND ii.item_id = a.field
LEFT JOIN forces fo ON fo.code = r.force_code
WHERE i.kind = 'q4' AND a.value IS NOT NULL
GROUP BY r.checklist_id, r.in_scope, r.force_code, a.field;

-- name: recomputed_scale_summary
CREATE VIEW recomputed_scale_summary AS
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
FROM recomputed_scale_by_force
GROUP BY checklist_id, in_scope, item_id;

-- name: recomputed_coverage
-- Records done against the sample targets, per checklist, stratum and force. A team lead's
-- target (the `targets` view) wins over the default; a force-specific target wins over one
-- for every force ('*'), and one for the stratum over one for the whole checklist ('').
-- Defaults and strata come from each checklist's `targets` (default per force, per stratum
-- when stratified by a choice item; none = as recorded, target NULL), via checklist_info.
-- One pass over recomputed_record_facts: the keys with a target and the counted and draft records are
-- stacked and summed per key.
CREATE VIEW recomputed_coverage AS
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
  SELECT checklist_id, stratum, force_code, NULL, counted, status = 'draft' AND deleted = 0,
    counted * in_scope
  FROM recomputed_record_facts
  WHERE counted = 1 OR (status = 'draft' AND deleted = 0)
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

-- name: recomputed_duplicate_records
-- Final records that share a natural key with another final record (two inspectors on the
-- same case file): only the one with counted = 1 is in the figures.
CREATE VIEW recomputed_duplicate_records AS
SELECT f.checklist_id, f.natural_key, f.record_id, f.force_code, f.inspector, f.created_hlc,
       f.counted
FROM recomputed_record_facts f
WHERE f.status = 'final' AND f.deleted = 0
  AND replace(substr(f.natural_key, instr(f.natural_key, '|') + 1), '|', '') <> ''
  AND EXISTS (
    SELECT 1 FROM records o
    WHERE o.checklist_id = f.checklist_id AND o.natural_key = f.natural_key
      AND o.record_id <> f.record_id AND o.status = 'final' AND o.deleted = 0
  );

