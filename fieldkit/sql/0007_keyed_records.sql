-- fieldkit schema, step 7: whether a record's natural key is a key, written once (issue 15
-- point 2, "collapse what repeats"). A natural key is the force code, then each key item's
-- answer ('kent|cr/15/1'); a record whose key items are all blank ('kent|', 'kent||') has no
-- key, so it is never a copy of another record: it counts on its own. The fold that keeps
-- the stored aggregates (fieldkit/sql/aggregates.sql), the duplicate_records view and the
-- merge's `duplicates` query all read `keyed` instead of spelling the test out.
-- (fieldkit/sql/recompute.sql, the tests' oracle, keeps its own spelling on purpose.)
--
-- keyed = 0 when every key item is blank; 1 otherwise, including a record with no natural key
-- at all (NULL: no force yet), which the counting rule groups with the other NULL keys.
-- A VIRTUAL generated column: computed when read, so it takes no space and can never
-- disagree with natural_key; nothing writes it (the fold names its columns).

ALTER TABLE records ADD COLUMN keyed INTEGER GENERATED ALWAYS AS (
  coalesce(replace(substr(natural_key, instr(natural_key, '|') + 1), '|', '') <> '', 1)
) VIRTUAL;
