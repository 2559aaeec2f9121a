-- fieldkit schema, step 5: stored aggregates (issue 13 point 1). The fold that keeps current
-- values keeps these too (fieldkit/sql/aggregates.sql), so the evidence, scale and coverage
-- views read a few thousand counts instead of every answer. They are filled by
-- fieldkit.store.aggregates.rebuild, which the view refresh after this step runs.

-- One row per record: what record_facts used to compute on every read (its stratum, whether it
-- is in scope, whether it is the counted copy of its natural key, whether it is a live draft).
CREATE TABLE record_agg (
  record_id TEXT PRIMARY KEY,
  checklist_id TEXT,
  checklist_version INTEGER,
  force_code TEXT,
  stratum TEXT,
  in_scope INTEGER,
  counted INTEGER NOT NULL,
  draft INTEGER NOT NULL
);
CREATE INDEX record_agg_counted ON record_agg (counted, checklist_id);

-- Counted and draft records per (checklist, version, force, stratum, in scope).
CREATE TABLE agg_records (
  checklist_id TEXT, checklist_version INTEGER, force_code TEXT, stratum TEXT,
  in_scope INTEGER, final INTEGER NOT NULL, drafts INTEGER NOT NULL
);
CREATE INDEX agg_records_key ON agg_records (checklist_id, checklist_version, force_code, stratum, in_scope);

-- The answers of counted records to yes/no and scale items, per (checklist, version,
-- in scope, force, item as answered).
CREATE TABLE agg_answers (
  checklist_id TEXT, checklist_version INTEGER, in_scope INTEGER, force_code TEXT,
  item_id TEXT,
  answers INTEGER NOT NULL, applicable INTEGER NOT NULL, completed INTEGER NOT NULL,
  not_applicable INTEGER NOT NULL, unknown INTEGER NOT NULL,
  scored INTEGER NOT NULL, total INTEGER NOT NULL, met INTEGER NOT NULL
);
CREATE INDEX agg_answers_key ON agg_answers (checklist_id, checklist_version, in_scope, force_code, item_id);
