-- fieldkit schema, step 2: the recommendations register and forces' action plans
-- (issue 6; DOMAIN.md 5.1, 5.2 and 5.4). Written only through fieldkit.register.
--
-- Merge laws. Every table a merge unions (register_entries, rec_events, plans, plan_themes,
-- plan_objectives, plan_events, plan_links) is append-only, and its primary key is a
-- digest of the whole row (or, for plans, the row is its key). Two databases holding the
-- same key hold the same row, so merging is a plain union (INSERT OR IGNORE): idempotent,
-- commutative and associative. Current values (a recommendation's status, an objective's
-- RAG rating, owner, due date, links) are the latest event by date, then seq, then id.
-- Reference tables (rec_reports, rec_statuses, recommendations, plan_rag_values) are
-- installed from fieldkit/reference by every fieldkit and are not merged.

-- Reports whose recommendations the register follows (reference).
CREATE TABLE rec_reports (
  source_report TEXT PRIMARY KEY,   -- everyones_business_2014
  short         TEXT NOT NULL UNIQUE,   -- eb2014: `eb2014:2` names Recommendation 2
  title         TEXT NOT NULL,
  published     TEXT,
  source        TEXT
);

-- The status vocabulary (reference). Open: unknown slugs are kept, with a warning.
CREATE TABLE rec_statuses (
  slug     TEXT PRIMARY KEY,
  label    TEXT NOT NULL,
  position INTEGER NOT NULL
);

-- The national recommendations (reference): the 11 of Everyone's business (2014).
CREATE TABLE recommendations (
  rec_id         TEXT PRIMARY KEY,   -- '<source_report>:<rec_number>'
  source_report  TEXT NOT NULL,
  rec_number     INTEGER NOT NULL,
  title_short    TEXT NOT NULL,
  gist           TEXT NOT NULL,
  lead_org       TEXT NOT NULL,
  annex_e_status TEXT,               -- progress at late 2015 (Annex E of the 2015 report)
  annex_e        TEXT,
  source         TEXT,
  UNIQUE (source_report, rec_number)
);

-- Register entries as imported: the text exactly as written. entry_id is a digest of the
-- row. rec_id is the recommendation it was matched to, or 'register:<reg_id>' if none.
CREATE TABLE register_entries (
  entry_id      TEXT PRIMARY KEY,
  reg_id        TEXT NOT NULL,       -- the register's own id (2321), not a rec number
  rec_id        TEXT NOT NULL,
  source_report TEXT,
  rec_number    INTEGER,
  heading       TEXT NOT NULL,       -- the report title as written
  title_line    TEXT NOT NULL,       -- the first line as written
  text          TEXT NOT NULL
);
CREATE INDEX register_entries_reg ON register_entries (reg_id);
CREATE INDEX register_entries_rec ON register_entries (rec_id);

-- Dated events on a recommendation: a status slug or a comment, as written. Append-only;
-- event_id is a digest of the row. seq orders events of one recommendation on one date
-- (an imported event's position in its entry; a typed one goes after those already there).
CREATE TABLE rec_events (
  event_id     TEXT PRIMARY KEY,
  rec_id       TEXT NOT NULL,
  reg_id       TEXT,                 -- the register entry it came from, if any
  event_date   TEXT NOT NULL,        -- ISO yyyy-mm-dd
  date_text    TEXT NOT NULL,        -- as written ("27th March 2014")
  seq          INTEGER NOT NULL DEFAULT 0,
  kind         TEXT NOT NULL CHECK (kind IN ('status', 'comment')),
  status_slug  TEXT,
  comment_text TEXT,                 -- as written, blank lines included
  source       TEXT NOT NULL,        -- 'register' (imported), 'manual', '001' (seed 001)
  author       TEXT,
  recorded_at  TEXT,                 -- when a typed event was added (imported: NULL)
  CHECK ((kind = 'status' AND status_slug IS NOT NULL AND comment_text IS NULL)
      OR (kind = 'comment' AND comment_text IS NOT NULL AND status_slug IS NULL))
);
CREATE INDEX rec_events_rec ON rec_events (rec_id, event_date, seq);

-- Provenance of imports into this file (local: not merged).
CREATE TABLE register_imports (
  id          INTEGER PRIMARY KEY,
  imported_at TEXT NOT NULL,
  kind        TEXT NOT NULL,         -- 'register' | 'plan'
  file        TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  rows        INTEGER NOT NULL,      -- entries or spreadsheet rows read
  new_rows    INTEGER NOT NULL       -- rows added to the merged tables
);

-- RAG values for action-plan objectives (reference). Open, like statuses.
CREATE TABLE plan_rag_values (
  code     TEXT PRIMARY KEY,
  label    TEXT NOT NULL,
  position INTEGER NOT NULL
);

-- A force's action plan: '<force_code>:<name>'.
CREATE TABLE plans (
  plan_id    TEXT PRIMARY KEY,
  force_code TEXT NOT NULL,
  name       TEXT NOT NULL,
  UNIQUE (force_code, name)
);

-- Themes (S, T, O, P for the STOP plan) and objectives (s01 ...). row_id is a digest of
-- the row; (plan_id, code) and (plan_id, objective_id) are what users name.
CREATE TABLE plan_themes (
  row_id   TEXT PRIMARY KEY,
  plan_id  TEXT NOT NULL,
  code     TEXT NOT NULL,
  title    TEXT NOT NULL,
  includes TEXT,                     -- "This includes" bullets, one per line
  position INTEGER NOT NULL
);
CREATE INDEX plan_themes_plan ON plan_themes (plan_id, code);

CREATE TABLE plan_objectives (
  row_id       TEXT PRIMARY KEY,
  plan_id      TEXT NOT NULL,
  objective_id TEXT NOT NULL,
  theme_code   TEXT NOT NULL,
  text         TEXT NOT NULL,        -- as written
  position     INTEGER NOT NULL
);
CREATE INDEX plan_objectives_plan ON plan_objectives (plan_id, objective_id);

-- Dated facts about an objective: its RAG status (value + optional note), an evidence
-- note, its owner, its due date. Append-only; the latest of each kind is current.
CREATE TABLE plan_events (
  event_id     TEXT PRIMARY KEY,
  plan_id      TEXT NOT NULL,
  objective_id TEXT NOT NULL,
  event_date   TEXT NOT NULL,
  seq          INTEGER NOT NULL DEFAULT 0,
  kind         TEXT NOT NULL CHECK (kind IN ('rag', 'evidence', 'owner', 'due')),
  value        TEXT NOT NULL,
  note         TEXT,
  source       TEXT NOT NULL,        -- 'manual' | 'template' | 'xlsx'
  author       TEXT,
  recorded_at  TEXT
);
CREATE INDEX plan_events_objective ON plan_events (plan_id, objective_id, kind, event_date);

-- Links between objectives and recommendations: linked 1 adds, 0 removes; the latest wins.
CREATE TABLE plan_links (
  link_id      TEXT PRIMARY KEY,
  plan_id      TEXT NOT NULL,
  objective_id TEXT NOT NULL,
  rec_id       TEXT NOT NULL,
  linked       INTEGER NOT NULL CHECK (linked IN (0, 1)),
  event_date   TEXT NOT NULL,
  seq          INTEGER NOT NULL DEFAULT 0,
  source       TEXT NOT NULL,
  author       TEXT,
  recorded_at  TEXT
);
CREATE INDEX plan_links_objective ON plan_links (plan_id, objective_id, rec_id);
CREATE INDEX plan_links_rec ON plan_links (rec_id);

-- ---------------------------------------------------------------------------- views

-- Every recommendation the register knows: the shipped ones, and imported entries that
-- match none (one row each, whatever the number of text versions).
CREATE VIEW rec_catalogue AS
SELECT r.rec_id, r.source_report, r.rec_number, r.title_short AS title, r.gist, r.lead_org,
       r.annex_e_status, r.annex_e, 'reference' AS origin
FROM recommendations r
UNION ALL
SELECT e.rec_id, e.source_report, e.rec_number, e.heading, substr(e.text, 1, 200), NULL,
       NULL, NULL, 'register'
FROM register_entries e
WHERE e.entry_id = (SELECT min(e2.entry_id) FROM register_entries e2 WHERE e2.rec_id = e.rec_id)
  AND e.rec_id NOT IN (SELECT rec_id FROM recommendations);

-- One row per recommendation with its current status (the latest status event).
CREATE VIEW rec_status AS
WITH st AS (
  SELECT rec_id, status_slug, event_date,
         row_number() OVER (PARTITION BY rec_id ORDER BY event_date DESC, seq DESC, event_id DESC) AS rn
  FROM rec_events WHERE kind = 'status'
), agg AS (
  SELECT rec_id, count(*) AS events, sum(kind = 'comment') AS comments,
         min(event_date) AS first_event, max(event_date) AS last_event
  FROM rec_events GROUP BY rec_id
), regs AS (
  SELECT rec_id, group_concat(reg_id, ', ') AS register_ids
  FROM (SELECT DISTINCT rec_id, reg_id FROM register_entries ORDER BY rec_id, reg_id)
  GROUP BY rec_id
)
SELECT c.rec_id,
       coalesce(rep.short || ':' || c.rec_number, c.rec_id) AS ref,
       c.source_report, c.rec_number, regs.register_ids, c.title, c.lead_org,
       st.status_slug AS current_status, s.label AS status_label,
       CASE WHEN st.status_slug IS NOT NULL AND s.slug IS NULL THEN 1 ELSE 0 END AS unknown_status,
       st.event_date AS status_since,
       coalesce(agg.events, 0) AS events, coalesce(agg.comments, 0) AS comments,
       agg.first_event, agg.last_event, c.annex_e_status, c.annex_e, c.gist, c.origin
FROM rec_catalogue c
LEFT JOIN st ON st.rec_id = c.rec_id AND st.rn = 1
LEFT JOIN rec_statuses s ON s.slug = st.status_slug
LEFT JOIN agg ON agg.rec_id = c.rec_id
LEFT JOIN regs ON regs.rec_id = c.rec_id
LEFT JOIN rec_reports rep ON rep.source_report = c.source_report;

-- The timeline: one row per event, with its recommendation and that one's current status.
CREATE VIEW rec_timeline AS
SELECT e.rec_id, s.ref, s.source_report, s.rec_number, s.title, s.lead_org, s.current_status,
       row_number() OVER (PARTITION BY e.rec_id ORDER BY e.event_date, e.seq, e.event_id) AS position,
       e.event_date, e.date_text, e.kind,
       coalesce(e.status_slug, trim(e.comment_text, char(10) || char(13) || ' ')) AS body,
       e.status_slug, e.comment_text, e.source, e.author, e.reg_id, e.event_id
FROM rec_events e
LEFT JOIN rec_status s ON s.rec_id = e.rec_id;

-- Objectives with their current RAG status, owner, due date, evidence and links, by force.
CREATE VIEW plans_by_force AS
WITH latest AS (
  SELECT plan_id, objective_id, kind, value, note, event_date,
         row_number() OVER (PARTITION BY plan_id, objective_id, kind
                            ORDER BY event_date DESC, seq DESC, event_id DESC) AS rn
  FROM plan_events WHERE kind IN ('rag', 'owner', 'due')
), ev AS (
  SELECT plan_id, objective_id, count(*) AS evidence_notes, max(event_date) AS last_evidence
  FROM plan_events WHERE kind = 'evidence' GROUP BY plan_id, objective_id
), lk AS (
  SELECT plan_id, objective_id, rec_id, linked,
         row_number() OVER (PARTITION BY plan_id, objective_id, rec_id
                            ORDER BY event_date DESC, seq DESC, link_id DESC) AS rn
  FROM plan_links
), links AS (
  SELECT plan_id, objective_id, group_concat(rec_id, '; ') AS recommendations
  FROM (SELECT * FROM lk WHERE rn = 1 AND linked = 1 ORDER BY rec_id)
  GROUP BY plan_id, objective_id
)
SELECT p.force_code, f.name AS force_name, p.name AS plan, o.theme_code AS theme,
       t.title AS theme_title, o.objective_id, o.position, o.text AS objective,
       own.value AS owner, due.value AS due, rag.value AS rag, rag.event_date AS rag_since,
       rag.note AS rag_note,
       CASE WHEN rag.value IS NOT NULL AND rv.code IS NULL THEN 1 ELSE 0 END AS unknown_rag,
       coalesce(ev.evidence_notes, 0) AS evidence_notes, ev.last_evidence,
       links.recommendations, p.plan_id,
       p.plan_id || ':' || o.objective_id AS objective_ref
FROM plan_objectives o
JOIN plans p ON p.plan_id = o.plan_id
LEFT JOIN forces f ON f.code = p.force_code
LEFT JOIN plan_themes t ON t.plan_id = o.plan_id AND t.code = o.theme_code
LEFT JOIN latest rag ON rag.plan_id = o.plan_id AND rag.objective_id = o.objective_id
  AND rag.kind = 'rag' AND rag.rn = 1
LEFT JOIN plan_rag_values rv ON rv.code = rag.value
LEFT JOIN latest own ON own.plan_id = o.plan_id AND own.objective_id = o.objective_id
  AND own.kind = 'owner' AND own.rn = 1
LEFT JOIN latest due ON due.plan_id = o.plan_id AND due.objective_id = o.objective_id
  AND due.kind = 'due' AND due.rn = 1
LEFT JOIN ev ON ev.plan_id = o.plan_id AND ev.objective_id = o.objective_id
LEFT JOIN links ON links.plan_id = o.plan_id AND links.objective_id = o.objective_id;

-- Objectives per force, plan and current RAG status (unrated objectives as 'unrated').
CREATE VIEW plan_rag_summary AS
SELECT force_code, force_name, plan, coalesce(rag, 'unrated') AS rag, count(*) AS objectives
FROM plans_by_force
GROUP BY force_code, force_name, plan, coalesce(rag, 'unrated');

-- Every dated fact about every objective, oldest first per objective.
CREATE VIEW plan_timeline AS
SELECT p.force_code, p.name AS plan, e.objective_id,
       (SELECT o.text FROM plan_objectives o WHERE o.plan_id = e.plan_id
         AND o.objective_id = e.objective_id ORDER BY o.row_id LIMIT 1) AS objective,
       row_number() OVER (PARTITION BY e.plan_id, e.objective_id
                          ORDER BY e.event_date, e.seq, e.event_id) AS position,
       e.event_date, e.kind, e.value, e.note, e.source, e.author, e.plan_id, e.event_id
FROM plan_events e
JOIN plans p ON p.plan_id = e.plan_id;

-- Objectives linked to each recommendation (the current links).
CREATE VIEW rec_plan_links AS
WITH lk AS (
  SELECT plan_id, objective_id, rec_id, linked, event_date,
         row_number() OVER (PARTITION BY plan_id, objective_id, rec_id
                            ORDER BY event_date DESC, seq DESC, link_id DESC) AS rn
  FROM plan_links
)
SELECT lk.rec_id, p.force_code, p.name AS plan, lk.objective_id, lk.event_date AS linked_on,
       lk.plan_id
FROM lk JOIN plans p ON p.plan_id = lk.plan_id
WHERE lk.rn = 1 AND lk.linked = 1;

-- ---------------------------------------------------------------- reference data
-- Generated from fieldkit/reference/recommendations.yaml by
-- fieldkit.register.reference.reference_sql(); tests/test_register.py checks they agree.
-- BEGIN reference
INSERT OR REPLACE INTO rec_reports (source_report, short, title, published, source) VALUES ('everyones_business_2014', 'eb2014', 'Everyone''s business: Improving the police response to domestic abuse', '2014-03', '003:L13-17, L264');
INSERT OR REPLACE INTO rec_reports (source_report, short, title, published, source) VALUES ('increasingly_everyones_business_2015', 'ieb2015', 'Increasingly everyone''s business: A progress report on the police response to domestic abuse', '2015-12', '003 (21 months after March 2014, 003:L13-23); named in seed 000');
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('awaiting-review', 'Awaiting review', 1);
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('in-progress', 'In progress', 2);
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('outstanding', 'Outstanding', 3);
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('partly-complete', 'Partly complete', 4);
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('limited-progress', 'Limited progress', 5);
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('complete', 'Complete', 6);
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('not-taken-forward', 'Not taken forward', 7);
INSERT OR REPLACE INTO rec_statuses (slug, label, position) VALUES ('no-further-action-needed', 'No further action needed', 8);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:1', 'everyones_business_2014', 1, 'National oversight group', 'Renew the national effort. Set up an oversight and monitoring group that reports publicly every quarter. Full review after 12 months.', 'Home Office', 'in-progress', 'NOG set up and has met 5 times. Membership and terms of reference to be reviewed.', '001:L34-54; 003:L8025-8053; Annex E 003:L8909-8936');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:2', 'everyones_business_2014', 2, 'Force DA action plans', 'Every force to publish a detailed action plan by September 2014, developed with PCCs, support services and victims. Chief officer personally responsible. PCCs hold forces to account.', 'HMIC', 'complete', 'Complete: 43 plans received, 4 panels in November 2014, feedback in January 2015.', '001:L56-66; 003:L8055-8102; Annex E 003:L9120-9181; register entry: seed 000');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:3', 'everyones_business_2014', 3, 'Chief constables'' review of the stated priority', 'Review culture, performance framework, reward, promotion, leadership messages, development, and how domestic abuse involving employees is handled.', 'HMIC', 'complete', 'Complete, together with Recommendation 2.', '001:L56; 003:L8104-8148; Annex E 003:L9181');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:4', 'everyones_business_2014', 4, 'National data standards and victims'' views', 'Home Office data standards, including a "repeat victim" definition, reported through the annual data return. Victims'' views built into monitoring by 2015/16.', 'Home Office', 'outstanding', 'Outstanding: guidance and evaluation due January 2016. Annex E has no ''update on progress'' part for it.', '001:L68-71; 003:L8149-8177; Annex E 003:L8938-8968');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:5', 'everyones_business_2014', 5, 'APP update with minimum standards', 'College of Policing to update authorised professional practice with principles and minimum standards in ten areas, from repeat and vulnerable victims to MARAC and MASH.', 'College of Policing / NPCC', 'complete', 'Complete: APP issued 21 September 2015. Definitions of ''repeat'' victim and perpetrator deliberately not adopted.', '001:L73-75; 003:L8179-8226; Annex E 003:L9268-9313');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:6', 'everyones_business_2014', 6, 'Risk assessment review (DASH)', 'Review the evidence base and tools for risk assessment, with a task and finish group. Keep using DASH as intended meanwhile.', 'College of Policing / NPCC', 'outstanding', 'Outstanding: Cardiff research due in the second quarter of 2016.', '001:L77-80; 003:L8228-8268; Annex E 003:L9349-9434');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:7', 'everyones_business_2014', 7, 'Training review and pay-progression thresholds', 'Fundamental review of domestic abuse training, coercive control, face-to-face training, domestic abuse standards in the skills-threshold tests.', 'College of Policing / NPCC', 'partly-complete', 'Partly complete: products reviewed and updated. The link to pay scales was not taken forward.', '001:L82-85; 003:L8270-8315; Annex E 003:L9481-9580');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:8', 'everyones_business_2014', 8, 'Targeting perpetrators', 'Share examples of targeting serial and repeat perpetrators. What Works evidence on perpetrator programmes.', 'College of Policing / NPCC', 'outstanding', 'Outstanding: research due by the end of 2015.', '001:L87-89; 003:L8317-8337; Annex E 003:L9601-9631');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:9', 'everyones_business_2014', 9, 'Domestic homicide reviews', 'Reconsider the domestic homicide review process and the sharing of lessons. PCCs track the implementation of review recommendations.', 'Home Office', 'outstanding', 'Outstanding: dip-sample learning January 2016, statutory guidance April 2016.', '001:L91-94; 003:L8339-8355; Annex E 003:L8985-9033');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:10', 'everyones_business_2014', 10, 'PCC commissioning', 'PCCs to use the findings when commissioning victim services and to value independent domestic violence advisers.', 'APCC', NULL, 'No update: the APCC heading in Annex E runs straight into Annex F.', '001:L96-99; 003:L8356-8366; Annex E 003:L9632-9633');
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source) VALUES ('everyones_business_2014:11', 'everyones_business_2014', 11, 'Further multi-agency inspection', 'Joint inspection of health, local authorities, CPS, probation and voluntary services.', 'HMIC', 'limited-progress', 'Limited progress: to be discussed at the expanded National Oversight Group.', '001:L101-104; 003:L8368-8386; Annex E 003:L9200-9218');
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('red', 'Red', 1);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('amber', 'Amber', 2);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('green', 'Green', 3);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('complete', 'Complete', 4);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('not-started', 'Not started', 5);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('d945b2ec9901d076818cc893', 'everyones_business_2014:1', NULL, '2014-06-10', '10th June 2014', 0, 'comment', NULL, 'The National Oversight Group met for the first time and agreed its terms of reference.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('4eba0343d2b65e54adf261b6', 'everyones_business_2014:1', NULL, '2014-09-04', '4th September 2014', 0, 'comment', NULL, 'Second meeting of the National Oversight Group, focused on reviewing developing force plans.', '001', NULL, NULL);
-- END reference
