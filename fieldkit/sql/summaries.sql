-- Summary tables beyond Table 2's shape, as the checklist files declare them (`summaries:` of
-- kind `rates` or `shares`; the generated summary_parts view lists each item a table reads,
-- with its column or group). Created with the other reporting views by
-- fieldkit.store.views.refresh(); `fieldkit report summary`, the workbook, Datasette and the
-- force briefing all read these. Counted records only (final, live, one per natural key).
-- Percentages and rates are rounded half up exactly in integers:
-- (2 * per * n + d) / (2 * d) is floor(per * n / d + 1/2).

-- name: summary_rate_records
-- Each counted record's part in each column of a rates summary: the sums of its numerator
-- and denominator items, and whether it answered every one of them with a whole number
-- (`complete`: an unknown or blank figure leaves the record out of that column). A record of
-- a data collection is provisional until its sign-off item (checklist_returns) says yes.
CREATE VIEW summary_rate_records AS
WITH parts AS (
  SELECT checklist_id, summary_id, part_id, part_position, part_label, role, item_id, per
  FROM summary_parts WHERE kind = 'rates'
),
needed AS (
  SELECT checklist_id, summary_id, part_id, count(*) AS n FROM parts
  GROUP BY checklist_id, summary_id, part_id
)
SELECT p.checklist_id, p.summary_id, p.part_id, max(p.part_position) AS part_position,
  max(p.part_label) AS part_label, max(p.per) AS per, r.force_code, r.record_id,
  sum(CASE WHEN p.role = 'num' THEN a.value END) AS num,
  sum(CASE WHEN p.role = 'den' THEN a.value END) AS den,
  count(a.value) = max(nd.n) AS complete,
  coalesce(max(x.agreed_item IS NOT NULL AND coalesce(g.value, '') <> 'yes'), 0) AS provisional
FROM parts p
JOIN needed nd
  ON nd.checklist_id = p.checklist_id AND nd.summary_id = p.summary_id
 AND nd.part_id = p.part_id
JOIN counted_records r ON r.checklist_id = p.checklist_id
LEFT JOIN cells a
  ON a.record_id = r.record_id AND a.kind = 'answer' AND a.field = p.item_id AND a.rkey = ''
 AND typeof(a.value) = 'integer'
LEFT JOIN checklist_returns x ON x.checklist_id = p.checklist_id
LEFT JOIN cells g
  ON g.record_id = r.record_id AND g.kind = 'answer' AND g.field = x.agreed_item AND g.rkey = ''
GROUP BY p.checklist_id, p.summary_id, p.part_id, r.record_id;

-- name: summary_rates
-- Every column of every rates summary per force (pooled = 0) and pooled across forces
-- (pooled = 1, force_code NULL: sums of the complete records' figures, never an average of
-- rates). `value` is the rate per `per` rounded half up (the plain sum when the column has
-- no denominator); NULL with label 'no data' when no record of the force answered every item
-- of the column. `ratio` is the unrounded rate (the outlier check reads it). `provisional`:
-- some record counted in the figure is a return not yet agreed.
CREATE VIEW summary_rates AS
WITH levels AS (
  SELECT 0 AS pooled, checklist_id, summary_id, part_id, part_position, part_label, per,
    force_code,
    sum(CASE WHEN complete THEN num END) AS numerator,
    sum(CASE WHEN complete THEN den END) AS denominator,
    sum(complete) AS records,
    max(CASE WHEN complete THEN provisional ELSE 0 END) AS provisional
  FROM summary_rate_records
  GROUP BY checklist_id, summary_id, part_id, force_code
  UNION ALL
  SELECT 1, checklist_id, summary_id, part_id, part_position, part_label, per, NULL,
    sum(CASE WHEN complete THEN num END),
    sum(CASE WHEN complete THEN den END),
    sum(complete),
    max(CASE WHEN complete THEN provisional ELSE 0 END)
  FROM summary_rate_records
  GROUP BY checklist_id, summary_id, part_id
),
figures AS (
  SELECT l.*,
    CASE
      WHEN l.records = 0 THEN NULL
      WHEN l.per IS NULL THEN l.numerator
      WHEN l.denominator > 0 THEN (2 * l.per * l.numerator + l.denominator) / (2 * l.denominator)
    END AS value,
    CASE WHEN l.records > 0 AND l.per IS NOT NULL AND l.denominator > 0
      THEN CAST(l.per * l.numerator AS REAL) / l.denominator END AS ratio
  FROM levels l
)
SELECT f.pooled, f.checklist_id, f.summary_id, f.part_id AS column_id,
  f.part_position AS column_position, f.part_label AS column_label, f.per, f.force_code,
  fo.name AS force_name, f.numerator, f.denominator, f.records, f.value, f.ratio,
  CASE
    WHEN f.value IS NULL THEN 'no data'
    WHEN f.per = 100 THEN f.value || '%'
    WHEN f.per IS NOT NULL THEN f.value || ' per ' || f.per
    ELSE CAST(f.value AS TEXT)
  END || CASE WHEN f.value IS NOT NULL AND f.provisional THEN ' (provisional)' ELSE '' END
    AS label,
  f.provisional
FROM figures f
LEFT JOIN forces fo ON fo.code = f.force_code;

-- name: summary_shares
-- Every item of every shares summary: of the counted records that answered it with one of
-- its choices (not applicable, unknown and blank left out), how many chose the summary's
-- choice, the share rounded half up, and its rank in its group (the exact share, highest
-- first; a tie in the order the group lists its items); `top`: how many the table lists.
CREATE VIEW summary_shares AS
WITH counts AS (
  SELECT p.checklist_id, p.summary_id, p.part_id, p.part_position, p.part_label, p.item_id,
    p.item_position, p.choice, p.top,
    count(a.value) AS answered,
    coalesce(sum(a.value = p.choice), 0) AS chosen
  FROM summary_parts p
  LEFT JOIN counted_records r ON r.checklist_id = p.checklist_id
  LEFT JOIN cells a
    ON a.record_id = r.record_id AND a.kind = 'answer' AND a.field = p.item_id AND a.rkey = ''
   AND a.value NOT IN ('na', 'unknown')
  WHERE p.kind = 'shares'
  GROUP BY p.checklist_id, p.summary_id, p.part_id, p.item_id
)
SELECT c.checklist_id, c.summary_id, c.part_id AS group_id, c.part_position AS group_position,
  c.part_label AS group_label, c.item_id, c.item_position, ii.prompt AS question, c.choice,
  c.answered, c.chosen,
  CASE WHEN c.answered > 0 THEN (200 * c.chosen + c.answered) / (2 * c.answered) END AS percent,
  CASE WHEN c.answered > 0 THEN
    ((200 * c.chosen + c.answered) / (2 * c.answered)) || '% (' || c.chosen || ' of '
      || c.answered || ')'
  ELSE 'no answers' END AS label,
  row_number() OVER (
    PARTITION BY c.checklist_id, c.summary_id, c.part_id
    ORDER BY c.answered = 0, CAST(c.chosen AS REAL) / nullif(c.answered, 0) DESC,
      c.item_position
  ) AS rank,
  c.top
FROM counts c
LEFT JOIN item_info ii ON ii.checklist_id = c.checklist_id AND ii.item_id = c.item_id;
