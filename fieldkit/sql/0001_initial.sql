-- fieldkit schema, step 1. Applied once, inside one transaction, by fieldkit.store.schema.
-- Every write goes through fieldkit.store; nothing else writes these tables.

-- Facts about this database file: app, database_id, device_id, created_at, inspector,
-- and the counters the change log needs (hlc = last hybrid logical clock issued, seq).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Checklist definitions, whole, so a merged database describes itself.
CREATE TABLE checklists (
  id         TEXT NOT NULL,
  version    INTEGER NOT NULL,
  title      TEXT NOT NULL,
  definition TEXT NOT NULL,   -- the YAML definition as JSON
  hash       TEXT NOT NULL,   -- sha256 of definition
  PRIMARY KEY (id, version)
);

-- One row per question per checklist version, for joins in Datasette and exports.
CREATE TABLE items (
  checklist_id      TEXT NOT NULL,
  checklist_version INTEGER NOT NULL,
  item_id           TEXT NOT NULL,
  position          INTEGER NOT NULL,
  section_id        TEXT NOT NULL,
  section_title     TEXT NOT NULL,
  repeat_key        TEXT,      -- what an instance is, for repeat groups (agency, case)
  prompt            TEXT NOT NULL,
  kind              TEXT NOT NULL,
  choices           TEXT,      -- JSON [{code, label}]
  na_allowed        TEXT,      -- when NA may be chosen by judgement
  na_when           TEXT,      -- the relevance rule, readable
  required          INTEGER NOT NULL,
  help              TEXT,
  basis             TEXT,
  source            TEXT,
  PRIMARY KEY (checklist_id, checklist_version, item_id)
);

CREATE TABLE natural_key_items (
  checklist_id      TEXT NOT NULL,
  checklist_version INTEGER NOT NULL,
  position          INTEGER NOT NULL,
  item_id           TEXT NOT NULL,
  PRIMARY KEY (checklist_id, checklist_version, position)
);

-- The 43 Home Office forces of England and Wales, and the names they go by.
CREATE TABLE forces (
  code  TEXT PRIMARY KEY,
  name  TEXT NOT NULL,
  welsh INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE force_aliases (
  alias TEXT PRIMARY KEY,
  code  TEXT NOT NULL REFERENCES forces(code)
);

-- The append-only change log: every value ever set, by which device, when.
-- A cell is (record_id, kind, field, rkey); kind is 'record' (an envelope field),
-- 'answer' (an item's value), 'note' (the note on an item) or 'setting' (team-wide
-- settings such as sample targets, record_id 'settings').
-- parent names the change this one replaced (the cell's winner when it was written);
-- change_parents holds further parents when the writer had seen a conflict.
CREATE TABLE changes (
  id        TEXT PRIMARY KEY,   -- device_id ':' zero-padded seq
  device_id TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  hlc       INTEGER NOT NULL,   -- hybrid logical clock: unix ms << 16 | counter
  record_id TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('record', 'answer', 'note', 'setting')),
  field     TEXT NOT NULL,
  rkey      TEXT NOT NULL DEFAULT '',
  value,
  author    TEXT,
  parent    TEXT
);
CREATE INDEX changes_cell ON changes (record_id, kind, field, rkey);
CREATE INDEX changes_parent ON changes (parent) WHERE parent IS NOT NULL;

CREATE TABLE change_parents (
  child  TEXT NOT NULL,
  parent TEXT NOT NULL,
  PRIMARY KEY (child, parent)
);
CREATE INDEX change_parents_parent ON change_parents (parent);

-- Current state, rebuilt from the change log for the cells a write or merge touches:
-- the winner of every cell (latest hlc, device id breaking ties).
CREATE TABLE cells (
  record_id TEXT NOT NULL,
  kind      TEXT NOT NULL,
  field     TEXT NOT NULL,
  rkey      TEXT NOT NULL DEFAULT '',
  value,
  change_id TEXT NOT NULL,
  hlc       INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  author    TEXT,
  PRIMARY KEY (record_id, kind, field, rkey)
);
CREATE INDEX cells_field ON cells (kind, field);

-- One row per record, pivoted from its 'record' cells.
CREATE TABLE records (
  record_id         TEXT PRIMARY KEY,
  checklist_id      TEXT,
  checklist_version INTEGER,
  inspection        TEXT,
  force_code        TEXT,
  inspector         TEXT,
  observer_role     TEXT,
  observed_at       TEXT,
  subject_ref       TEXT,
  status            TEXT,
  deleted           INTEGER NOT NULL DEFAULT 0,
  created_hlc       INTEGER,
  updated_hlc       INTEGER,
  natural_key       TEXT
);
CREATE INDEX records_checklist ON records (checklist_id, force_code, status);
CREATE INDEX records_natural_key ON records (checklist_id, natural_key);

-- Values that lost a concurrent edit (neither writer had seen the other), kept until
-- a later write that has seen them settles the cell.
CREATE TABLE conflicts (
  change_id    TEXT PRIMARY KEY,
  record_id    TEXT NOT NULL,
  kind         TEXT NOT NULL,
  field        TEXT NOT NULL,
  rkey         TEXT NOT NULL DEFAULT '',
  value,
  device_id    TEXT NOT NULL,
  author       TEXT,
  hlc          INTEGER NOT NULL,
  winner_id    TEXT NOT NULL,
  winner_value
);
CREATE INDEX conflicts_cell ON conflicts (record_id, kind, field, rkey);

-- Provenance: one row per source merged in.
CREATE TABLE merges (
  id            INTEGER PRIMARY KEY,
  merged_at     TEXT NOT NULL,
  source_file   TEXT NOT NULL,
  source_db_id  TEXT NOT NULL,
  new_changes   INTEGER NOT NULL,
  new_records   INTEGER NOT NULL,
  new_answers   INTEGER NOT NULL,
  new_conflicts INTEGER NOT NULL
);

-- Sample targets a team lead sets: 'setting' cells with record_id 'target', field the
-- checklist id and rkey '<stratum>@<force>' (stratum '' or e.g. an offence category; force
-- '*' for every force). They merge like answers.
CREATE VIEW targets AS
SELECT
  field AS checklist_id,
  substr(rkey, 1, instr(rkey, '@') - 1) AS stratum,
  substr(rkey, instr(rkey, '@') + 1) AS force_code,
  CAST(value AS INTEGER) AS target
FROM cells
WHERE kind = 'setting' AND record_id = 'target' AND value IS NOT NULL;
