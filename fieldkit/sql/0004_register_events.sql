-- fieldkit schema, step 3: one identity per register event, withdrawals and corrections,
-- recommendations' full text (issue 16). Written only through fieldkit.register.
--
-- An event's identity is what it says, not how it arrived: (recommendation, date, kind,
-- status or comment) for rec_events; (plan, objective, kind, date, value, note) for
-- plan_events. Rows stay keyed by a digest of the whole row (fieldkit/register/ids.py), so a
-- merge is still a plain union; the views below show ONE row per identity (the one with the
-- smallest key), and an import skips an event whose identity is already held.
--
-- A withdrawal (or a correction: a withdrawal that names the event replacing it) is a new
-- row in register_withdrawals, never an update: append-only like every merged table. A
-- withdrawn identity stays in the history (withdrawn = 1) and leaves current statuses, RAG
-- ratings and exports.

ALTER TABLE recommendations ADD COLUMN full_text TEXT;      -- as printed (003 Annex A)
ALTER TABLE recommendations ADD COLUMN update_group INTEGER; -- shares a heading with this number

CREATE TABLE register_withdrawals (
  withdrawal_id TEXT PRIMARY KEY,     -- digest of the row
  target        TEXT NOT NULL CHECK (target IN ('rec_event', 'plan_event')),
  target_id     TEXT NOT NULL,        -- the event_id withdrawn
  replaced_by   TEXT,                 -- the event_id of its correction, if any
  reason        TEXT,
  author        TEXT,
  recorded_at   TEXT NOT NULL
);
CREATE INDEX register_withdrawals_target ON register_withdrawals (target, target_id);
CREATE INDEX rec_events_identity ON rec_events (rec_id, event_date, kind);

DROP VIEW IF EXISTS rec_timeline;
DROP VIEW IF EXISTS rec_status;
DROP VIEW IF EXISTS plan_rag_summary;
DROP VIEW IF EXISTS plans_by_force;
DROP VIEW IF EXISTS plan_timeline;

-- Every event identity once (the row with the smallest key), withdrawn or not.
CREATE VIEW rec_event_history AS
WITH ranked AS (
  SELECT e.*, coalesce(e.status_slug, e.comment_text) AS body_text,
         row_number() OVER (PARTITION BY e.rec_id, e.event_date, e.kind,
                                         coalesce(e.status_slug, e.comment_text)
                            ORDER BY e.event_id) AS rn
  FROM rec_events e
), gone AS (
  SELECT e.rec_id, e.event_date, e.kind, coalesce(e.status_slug, e.comment_text) AS body_text,
         min(w.recorded_at) AS withdrawn_at, max(w.replaced_by) AS replaced_by,
         max(w.reason) AS reason
  FROM register_withdrawals w JOIN rec_events e ON e.event_id = w.target_id
  WHERE w.target = 'rec_event'
  GROUP BY 1, 2, 3, 4
)
SELECT r.event_id, r.rec_id, r.reg_id, r.event_date, r.date_text, r.seq, r.kind,
       r.status_slug, r.comment_text, r.source, r.author, r.recorded_at,
       CASE WHEN g.rec_id IS NULL THEN 0 ELSE 1 END AS withdrawn,
       g.withdrawn_at, g.replaced_by, g.reason AS withdrawn_reason
FROM ranked r
LEFT JOIN gone g ON g.rec_id = r.rec_id AND g.event_date = r.event_date AND g.kind = r.kind
  AND g.body_text = r.body_text
WHERE r.rn = 1;

CREATE VIEW rec_events_current AS
SELECT * FROM rec_event_history WHERE withdrawn = 0;

CREATE VIEW rec_status AS
WITH st AS (
  SELECT rec_id, status_slug, event_date,
         row_number() OVER (PARTITION BY rec_id ORDER BY event_date DESC, seq DESC, event_id DESC) AS rn
  FROM rec_events_current WHERE kind = 'status'
), agg AS (
  SELECT rec_id, count(*) AS events, sum(kind = 'comment') AS comments,
         min(event_date) AS first_event, max(event_date) AS last_event
  FROM rec_events_current GROUP BY rec_id
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
       agg.first_event, agg.last_event, c.annex_e_status, c.annex_e, c.gist, c.origin,
       r.full_text, r.update_group
FROM rec_catalogue c
LEFT JOIN recommendations r ON r.rec_id = c.rec_id
LEFT JOIN st ON st.rec_id = c.rec_id AND st.rn = 1
LEFT JOIN rec_statuses s ON s.slug = st.status_slug
LEFT JOIN agg ON agg.rec_id = c.rec_id
LEFT JOIN regs ON regs.rec_id = c.rec_id
LEFT JOIN rec_reports rep ON rep.source_report = c.source_report;

-- The timeline of current (not withdrawn) events.
CREATE VIEW rec_timeline AS
SELECT e.rec_id, s.ref, s.source_report, s.rec_number, s.title, s.lead_org, s.current_status,
       row_number() OVER (PARTITION BY e.rec_id ORDER BY e.event_date, e.seq, e.event_id) AS position,
       e.event_date, e.date_text, e.kind,
       coalesce(e.status_slug, trim(e.comment_text, char(10) || char(13) || ' ')) AS body,
       e.status_slug, e.comment_text, e.source, e.author, e.reg_id, e.event_id
FROM rec_events_current e
LEFT JOIN rec_status s ON s.rec_id = e.rec_id;

-- Every plan event identity once, withdrawn or not.
CREATE VIEW plan_event_history AS
WITH ranked AS (
  SELECT e.*,
         row_number() OVER (PARTITION BY e.plan_id, e.objective_id, e.kind, e.event_date,
                                         e.value, coalesce(e.note, '')
                            ORDER BY e.event_id) AS rn
  FROM plan_events e
), gone AS (
  SELECT e.plan_id, e.objective_id, e.kind, e.event_date, e.value, coalesce(e.note, '') AS note,
         min(w.recorded_at) AS withdrawn_at, max(w.replaced_by) AS replaced_by,
         max(w.reason) AS reason
  FROM register_withdrawals w JOIN plan_events e ON e.event_id = w.target_id
  WHERE w.target = 'plan_event'
  GROUP BY 1, 2, 3, 4, 5, 6
)
SELECT r.event_id, r.plan_id, r.objective_id, r.event_date, r.seq, r.kind, r.value, r.note,
       r.source, r.author, r.recorded_at,
       CASE WHEN g.plan_id IS NULL THEN 0 ELSE 1 END AS withdrawn,
       g.withdrawn_at, g.replaced_by, g.reason AS withdrawn_reason
FROM ranked r
LEFT JOIN gone g ON g.plan_id = r.plan_id AND g.objective_id = r.objective_id
  AND g.kind = r.kind AND g.event_date = r.event_date AND g.value = r.value
  AND g.note = coalesce(r.note, '')
WHERE r.rn = 1;

CREATE VIEW plan_events_current AS
SELECT * FROM plan_event_history WHERE withdrawn = 0;

CREATE VIEW plans_by_force AS
WITH latest AS (
  SELECT plan_id, objective_id, kind, value, note, event_date,
         row_number() OVER (PARTITION BY plan_id, objective_id, kind
                            ORDER BY event_date DESC, seq DESC, event_id DESC) AS rn
  FROM plan_events_current WHERE kind IN ('rag', 'owner', 'due')
), ev AS (
  SELECT plan_id, objective_id, count(*) AS evidence_notes, max(event_date) AS last_evidence
  FROM plan_events_current WHERE kind = 'evidence' GROUP BY plan_id, objective_id
), hist AS (
  SELECT plan_id, objective_id, group_concat(event_date || ' ' || value, '; ') AS rag_history
  FROM (SELECT * FROM plan_events_current WHERE kind = 'rag'
        ORDER BY plan_id, objective_id, event_date, seq, event_id)
  GROUP BY plan_id, objective_id
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
       p.plan_id || ':' || o.objective_id AS objective_ref, hist.rag_history
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
LEFT JOIN hist ON hist.plan_id = o.plan_id AND hist.objective_id = o.objective_id
LEFT JOIN links ON links.plan_id = o.plan_id AND links.objective_id = o.objective_id;

CREATE VIEW plan_rag_summary AS
SELECT force_code, force_name, plan, coalesce(rag, 'unrated') AS rag, count(*) AS objectives
FROM plans_by_force
GROUP BY force_code, force_name, plan, coalesce(rag, 'unrated');

-- Every dated fact about every objective, oldest first, withdrawn ones marked.
CREATE VIEW plan_timeline AS
SELECT p.force_code, p.name AS plan, e.objective_id,
       (SELECT o.text FROM plan_objectives o WHERE o.plan_id = e.plan_id
         AND o.objective_id = e.objective_id ORDER BY o.row_id LIMIT 1) AS objective,
       row_number() OVER (PARTITION BY e.plan_id, e.objective_id
                          ORDER BY e.event_date, e.seq, e.event_id) AS position,
       e.event_date, e.kind, e.value, e.note, e.source, e.author, e.plan_id, e.event_id,
       e.withdrawn, e.withdrawn_at, e.replaced_by, e.withdrawn_reason
FROM plan_event_history e
JOIN plans p ON p.plan_id = e.plan_id;

-- ---------------------------------------------------------------- reference data
-- Generated from fieldkit/reference/*.yaml by fieldkit.register.reference.reference_sql();
-- tests/test_register.py checks the last step's block agrees with it.
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
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:1', 'everyones_business_2014', 1, 'National oversight group', 'Renew the national effort. Set up an oversight and monitoring group that reports publicly every quarter. Full review after 12 months.', 'Home Office', 'in-progress', 'NOG set up and has met 5 times. Membership and terms of reference to be reviewed.', '001:L34-54; 003:L8025-8053; Annex E 003:L8909-8936', 'There should be a renewed national effort to tackle domestic abuse. The Home Office, working with the College of Policing, chief constables and police and crime commissioners, needs to inject urgency and energy into solving the material problems identified in this report.

A national oversight and monitoring group should be established and convened immediately to monitor and report on the progress made in implementing these recommendations. This group should have a wide membership (including non-government domestic abuse organisations), be chaired at a senior level, and be able to influence government departments and other national and local bodies where multi-agency issues are raised about domestic abuse.

The group should report publicly on progress every quarter. There should be a full review of the police service''s progress in relation to all recommendations in 12 months’ time.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:2', 'everyones_business_2014', 2, 'Force DA action plans', 'Every force to publish a detailed action plan by September 2014, developed with PCCs, support services and victims. Chief officer personally responsible. PCCs hold forces to account.', 'HMIC', 'complete', 'Complete: 43 plans received, 4 panels in November 2014, feedback in January 2015.', '001:L56-66; 003:L8055-8102; Annex E 003:L9120-9181; register entry: seed 000', 'By September 2014, every police force in England and Wales should establish and publish an action plan that specifies in detail what steps it will take to improve its approach to domestic abuse. This action plan should be developed:
  • in consultation with police and crime commissioners, domestic abuse support organisations and victims'' representatives;
  • after close consideration of all the recommendations in this report;
  • with reference to all relevant domestic homicide reviews and IPCC findings, whether in connection with the force in question or another force; and
  • drawing on relevant knowledge acquired or available from other sources such as CPS scrutiny panels and MARAC self assessments.

The action plan should be established on the basis of best practice, based on revised relevant guidance from the College of Policing. To ensure consistency, the College and the national policing lead on domestic abuse have agreed to provide advice on the areas that each plan should cover by the end of April 2014.

Chief officers in each police force should oversee and ensure full implementation of these action plans. This should be a personal responsibility in each case. Police and crime commissioners should hold forces to account in this respect. HMIC will inspect forces'' progress on domestic abuse as part of its new annual all-force inspection programme. Police and crime commissioners and chief constables should be called upon to report publicly on progress, as well as to the national oversight and monitoring group.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:3', 'everyones_business_2014', 3, 'Chief constables'' review of the stated priority', 'Review culture, performance framework, reward, promotion, leadership messages, development, and how domestic abuse involving employees is handled.', 'HMIC', 'complete', 'Complete, together with Recommendation 2.', '001:L56; 003:L8104-8148; Annex E 003:L9181', 'To inform the action plan specified in Recommendation 2, chief constables should review how they, and their senior officers, give full effect to their forces'' stated priority on domestic abuse. This should consider how action to tackle domestic abuse is prioritised and valued, and how staff are given the appropriate level of professional and conspicuous support and encouragement. This should be done through a clear and specific assessment of the following issues in respect of domestic abuse:
  • the force’s culture and values;
  • the force’s performance management framework;
  • the reward and recognition policy in the force and the roles and behaviours that this rewards currently;
  • the selection and promotion arrangements in the force;
  • the messages and communications sent by the senior leadership team to the rest of the force about tackling domestic abuse;
  • the development opportunities for officers and staff in the force; and
  • force policy on how perpetrators and victims of domestic abuse in the force are managed.

Where the review identifies shortcomings, the chief constable should ensure the implementation of prompt, adequate and effective remedial action. Those remedial steps should be incorporated into the action plan specified in Recommendation 2. HMIC should be provided with a copy of each review and the action plan.', 2);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:4', 'everyones_business_2014', 4, 'National data standards and victims'' views', 'Home Office data standards, including a "repeat victim" definition, reported through the annual data return. Victims'' views built into monitoring by 2015/16.', 'Home Office', 'outstanding', 'Outstanding: guidance and evaluation due January 2016. Annex E has no ''update on progress'' part for it.', '001:L68-71; 003:L8149-8177; Annex E 003:L8938-8968', 'Data collected on domestic abuse needs to be consistent, comparable, accessible and accurate so that it can be used to monitor progress. This requires the Home Office to develop national data standards in relation to domestic abuse data. The data should be collected by police forces and provided to the Home Office, for example as part of the annual data return.

These should include data standards for both crimes and incidents, and clear and unambiguous definitions of important terms such as ''repeat victim'', to ensure like-for-like comparisons can be made.

In addition, the views of victims are an essential element in monitoring police effectiveness. The Home Office should ensure that the views of victims of domestic abuse are incorporated routinely and consistently into national monitoring arrangements.

The new national arrangements for collecting data and capturing the views of victims should be in place by the start of the 2015/16 financial year.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:5', 'everyones_business_2014', 5, 'APP update with minimum standards', 'College of Policing to update authorised professional practice with principles and minimum standards in ten areas, from repeat and vulnerable victims to MARAC and MASH.', 'College of Policing / NPCC', 'complete', 'Complete: APP issued 21 September 2015. Definitions of ''repeat'' victim and perpetrator deliberately not adopted.', '001:L73-75; 003:L8179-8226; Annex E 003:L9268-9313', 'The College of Policing is updating authorised professional practice for officers on domestic abuse alongside other areas such as investigation and public protection. This update should be informed by the conclusions of and recommendations in this report, together with existing reviews of domestic abuse best practice, and should be developed with contributions from a wide set of interested parties.

The authorised professional practice update should reiterate and clearly set out principles and minimum standards in the following areas:
  • approaches to identifying repeat and vulnerable victims;
  • information that responding officers must have available to them on or before arrival;
  • victim care and safety planning;
  • evidence-gathering to support domestic abuse investigations (in the context of professional police investigation) and evidence-led prosecutions;
  • positive action and arrest in cases of domestic abuse;
  • risk assessment;
  • standards of supervision;
  • effective targeting of domestic abuse perpetrators, including covert tactics and the definition of serial and/or persistent perpetrators;
  • use of different criminal justice disposals, in particular simple cautions and restorative justice; and
  • the principal components of multi-agency arrangements (such as the MARAC and MASH) to tackle domestic abuse.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:6', 'everyones_business_2014', 6, 'Risk assessment review (DASH)', 'Review the evidence base and tools for risk assessment, with a task and finish group. Keep using DASH as intended meanwhile.', 'College of Policing / NPCC', 'outstanding', 'Outstanding: Cardiff research due in the second quarter of 2016.', '001:L77-80; 003:L8228-8268; Annex E 003:L9349-9434', 'The College of Policing is reviewing the evidence base for risk assessment in cases of domestic abuse. The College should urgently consider the current approach to risk assessment with others, such as practitioners in forces, academic experts and organisations supporting practitioners and victims. It should make an assessment of the sufficiency of the tools that frontline officers are given to assess risk, and of the training they receive in connection with risk assessment.

This approach should:
  • in the immediate term, examine whether the approach to identifying the risk of domestic abuse can be made more efficient and assess how forces can be assisted to improve awareness and training to ensure that risk assessments link directly to risk management and safety planning actions; and
  • in the medium term, establish a ‘task and finish group’ (a specific action-orientated group with a set deadline) to consider, over the next six months, the evidence base that underpins identification of risk and determine whether more fundamental changes are needed to the current approach.

Meanwhile, forces should ensure that they continue to use the DASH risk assessment tool in the way that it was originally intended.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:7', 'everyones_business_2014', 7, 'Training review and pay-progression thresholds', 'Fundamental review of domestic abuse training, coercive control, face-to-face training, domestic abuse standards in the skills-threshold tests.', 'College of Policing / NPCC', 'partly-complete', 'Partly complete: products reviewed and updated. The link to pay scales was not taken forward.', '001:L82-85; 003:L8270-8315; Annex E 003:L9481-9580', 'The College of Policing should conduct a thorough and fundamental review of the sufficiency and effect of training and development on forces’ response to domestic abuse. Training for officers and staff should reflect the fact that tackling domestic abuse is core policing business; all relevant officers and staff should be trained to understand the dynamics of different types of domestic abuse, particularly coercive control.

Domestic abuse training should link to:
  • other relevant areas of training and development, for example investigative practice, working with vulnerable people, and developing communication skills, including a specific focus on empathy with victims;
  • the College of Policing''s revised guidance and professional practice, and the developing evidence based on effective ways to tackle domestic abuse.

The College of Policing should include successful attainment of professional standards in domestic abuse in the foundation skills threshold and specialist skills threshold tests which police officers have to pass to progress up their pay scales, so as to ensure that a sound professional understanding of domestic abuse becomes part of officers'' continuing professional development and is embedded throughout the careers of all serving officers.

Police forces should ensure that their approach to domestic abuse training is evidence-based. Training should tackle the specific problems of lack of knowledge and poor attitudes to domestic abuse which exist in forces. It should be face-to-face training rather than provided through e-learning.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:8', 'everyones_business_2014', 8, 'Targeting perpetrators', 'Share examples of targeting serial and repeat perpetrators. What Works evidence on perpetrator programmes.', 'College of Policing / NPCC', 'outstanding', 'Outstanding: research due by the end of 2015.', '001:L87-89; 003:L8317-8337; Annex E 003:L9601-9631', 'Forces need support in how they target and manage perpetrators of domestic abuse. The College of Policing, through the national policing lead for domestic abuse, should disseminate to forces examples of how forces are targeting serial and repeat domestic abuse perpetrators in order to prevent future offending. The College’s What Works Centre for Crime Reduction should provide to forces evidence about how effective programmes of managing perpetrators achieve reductions in domestic abuse. They should work with departments such as the Ministry of Justice and the Home Office, academic institutions and organisations working with perpetrators to build a strong evidence base in this area.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:9', 'everyones_business_2014', 9, 'Domestic homicide reviews', 'Reconsider the domestic homicide review process and the sharing of lessons. PCCs track the implementation of review recommendations.', 'Home Office', 'outstanding', 'Outstanding: dip-sample learning January 2016, statutory guidance April 2016.', '001:L91-94; 003:L8339-8355; Annex E 003:L8985-9033', 'The Home Office should reconsider its approach to domestic homicide reviews. It needs to re-assess whether the current process, guidance and quality assurance arrangements provide the best opportunities for the improvement of forces'' knowledge of and approach to domestic abuse cases.

It should consider whether there is a better way of communicating the contents and conclusions of reviews and the lessons learned. Police and crime commissioners should track how and when recommendations from domestic homicide reviews are implemented.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:10', 'everyones_business_2014', 10, 'PCC commissioning', 'PCCs to use the findings when commissioning victim services and to value independent domestic violence advisers.', 'APCC', NULL, 'No update: the APCC heading in Annex E runs straight into Annex F.', '001:L96-99; 003:L8356-8366; Annex E 003:L9632-9633', 'Police and crime commissioners should consider the findings and recommendations of this report when commissioning services for victims of domestic abuse. In particular, they should take note of the strong value placed on the role of independent domestic violence advisers by the victims, police and other criminal justice agencies.', NULL);
INSERT OR REPLACE INTO recommendations (rec_id, source_report, rec_number, title_short, gist, lead_org, annex_e_status, annex_e, source, full_text, update_group) VALUES ('everyones_business_2014:11', 'everyones_business_2014', 11, 'Further multi-agency inspection', 'Joint inspection of health, local authorities, CPS, probation and voluntary services.', 'HMIC', 'limited-progress', 'Limited progress: to be discussed at the expanded National Oversight Group.', '001:L101-104; 003:L8368-8386; Annex E 003:L9200-9218', 'Tackling domestic abuse requires a number of organisations in both the statutory services (including health, local authorities, the Crown Prosecution Service and probation) and voluntary and community services to work together. Following HMIC’s inspection, there should be a further multi-agency inspection of these services. This should consider how local services provide advice, assistance and support to victims of domestic abuse. The inspection should not only consider how individual services contribute to keeping victims safe, but also the quality of the partnerships and the ways in which joint working is scrutinised.', NULL);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('red', 'Red', 1);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('amber', 'Amber', 2);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('green', 'Green', 3);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('complete', 'Complete', 4);
INSERT OR REPLACE INTO plan_rag_values (code, label, position) VALUES ('not-started', 'Not started', 5);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('b05225d868b33f67ba335849', 'everyones_business_2014:1', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'in-progress', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('a04d90f8b5150501e36a2261', 'everyones_business_2014:2', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'complete', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('cf5b690de1c8dbffa2883360', 'everyones_business_2014:3', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'complete', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('c8f90fe6595db044464478bc', 'everyones_business_2014:4', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'outstanding', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('cb874596288c30de4707fb9a', 'everyones_business_2014:5', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'complete', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('3ac2cf3af68541565962399b', 'everyones_business_2014:6', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'outstanding', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('9b96a538367839bb8a7f505b', 'everyones_business_2014:7', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'partly-complete', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('12a69675300d636222c9f49a', 'everyones_business_2014:8', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'outstanding', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('82eaf497c7545e7ed0d86222', 'everyones_business_2014:9', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'outstanding', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('cc51a500ea41f3ecdddcc2c8', 'everyones_business_2014:11', NULL, '2015-12-01', '1st December 2015', 0, 'status', 'limited-progress', NULL, '003 Annex E', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('d945b2ec9901d076818cc893', 'everyones_business_2014:1', NULL, '2014-06-10', '10th June 2014', 0, 'comment', NULL, 'The National Oversight Group met for the first time and agreed its terms of reference.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('4eba0343d2b65e54adf261b6', 'everyones_business_2014:1', NULL, '2014-09-04', '4th September 2014', 0, 'comment', NULL, 'Second meeting of the National Oversight Group, focused on reviewing developing force plans.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('44396ae0d5fec745e39e7d5e', 'everyones_business_2014:1', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- A National Oversight Group, chaired by Home Secretary, has been established to monitor and report on progress made in implementing HMIC''s recommendations. Membership draws on expertise and leadership on domestic abuse across statutory and voluntary sectors. (Its members are listed in the update itself.)
- The first meeting, held in June, agreed Terms of Reference.
- The second meeting in September focused on reviewing developing force plans.
- Two further meetings will be convened in December and March to review progress. Further updates will be published following future meetings.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('b693ffd360f0463ce01ab4fe', 'everyones_business_2014:2', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- The national policing lead has established working-level groups that are led by police officers, and include academics, voluntary sector groups, representative from the College of Policing, and Home Office and CPS officials. There is a group focused on each of the following areas:
 - Initial Investigation.
 - Performance.
 - Risk Assessment.
 - Victim Safety Planning.
 - Victim and Perpetrator Management.
- The work of these groups has informed the development of individual force action plans.
- All 43 forces have provided an action plan to HMIC. A paper review of the quality will be carried out in the next two months, by members of statutory and voluntary sectors. Initial high level assessment of forces'' policing plans by the national policing lead demonstrates that forces are developing actions covering the right areas.
- Plans will need to be refreshed as other HMIC recommendations are delivered. Scrutiny and assessment of force plans will continue to be monitored by future meetings of the National Oversight Group.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('eda422a72aacef8f2f9ebc37', 'everyones_business_2014:3', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- The national policing lead has established working-level groups that are led by police officers, and include academics, voluntary sector groups, representative from the College of Policing, and Home Office and CPS officials. There is a group focused on each of the following areas:
 - Initial Investigation.
 - Performance.
 - Risk Assessment.
 - Victim Safety Planning.
 - Victim and Perpetrator Management.
- The work of these groups has informed the development of individual force action plans.
- All 43 forces have provided an action plan to HMIC. A paper review of the quality will be carried out in the next two months, by members of statutory and voluntary sectors. Initial high level assessment of forces'' policing plans by the national policing lead demonstrates that forces are developing actions covering the right areas.
- Plans will need to be refreshed as other HMIC recommendations are delivered. Scrutiny and assessment of force plans will continue to be monitored by future meetings of the National Oversight Group.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('ff0fb269492c2fb3a0d60c8c', 'everyones_business_2014:4', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- The Home Office has begun work to make collection of data against a national standard on domestic abuse mandatory for all forces from April 2015.
- The Home Office is also working on establishing a reliable and safe model for surveying the views of domestic abuse victims. The model will be agreed by the National Oversight Group and piloted in a small number of police forces. An evaluation will be carried out before national roll-out.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('92fa4f477c6582e65df6b803', 'everyones_business_2014:5', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- The College of Policing is updating existing guidance on Domestic Abuse, to become Authorised Professional Practice (APP). The refreshed draft will be subject to extensive public consultation during the late autumn.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('03cfecec1b877eb81d25338d', 'everyones_business_2014:6', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- The College of Policing has set up a group to consider current risk assessment techniques and provide practical advice on how to get the best from them. This group includes academics, and voluntary sector representatives. The first meeting was held in July.
- The findings of this group will inform the College''s longer term work to evaluate risk assessment models for domestic abuse. This longer term piece of work is expected to take 12-18 months.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('0597cfda41f443a4706856fb', 'everyones_business_2014:7', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- Collaboration has begun between the College and Coordinated Action Against Domestic Abuse (CAADA). A member of the CAADA team joined the College on 1st September to embed a victim perspective in a new review of domestic abuse-related learning programmes.
- The review will report in the autumn with recommendations for any further development.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('fc7b2549dcb928f24a68bd47', 'everyones_business_2014:8', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- The College''s What Works Centre for Crime Reduction is undertaking a review of the evidence base on the effectiveness of criminal justice interventions in reducing domestic abuse, including perpetrator programmes. The review will be published in 2015.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('caa2325c6ee7d60825253442', 'everyones_business_2014:9', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- An independent internal review of the domestic homicide review process has been completed, and its recommendations regarding systems and resource are being implemented.
- The Home Office has held a workshop for experts to review the current process for providing feedback to local areas. Findings from this workshop, and evidence from a review of domestic homicide reviews quality assured to date, will inform a guidance document that will be released in coming months.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('3dbf62d432aad8daac7dd660', 'everyones_business_2014:10', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- The Home Office is delivering a series of regional commissioning road-shows for all local commissioners to support effective service provision for victims of domestic and sexual violence at a local level. The events, which began in September, bring together commissioners, service providers and survivors to share best practice, consider challenges and identify ways to work together locally to ensure survivors have the support that they need.
- The road-shows will be supported by practical and accessible resources for commissioners, which will be available as an interactive webpage on the you.GOV website. The resources will include good practice case studies.', '001', NULL, NULL);
INSERT OR IGNORE INTO rec_events (event_id, rec_id, reg_id, event_date, date_text, seq, kind, status_slug, comment_text, source, author, recorded_at) VALUES ('90c4c69b77447b960ba15bd5', 'everyones_business_2014:11', NULL, '2014-12-01', '1st December 2014', 0, 'comment', NULL, '- At the June meeting of the Inter-Ministerial Group on Violence Against Women and Girls (VAWG IMG), the Home Secretary tasked other Government Departments to consider their position on a further multi-agency inspection on domestic abuse.
- Ministers will provide updates on their position through the VAWG IMG.', '001', NULL, NULL);
-- END reference
