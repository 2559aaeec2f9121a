-- fieldkit schema, step 9: signed register rows and checklist definitions (issue 22).
--
-- The rows a merge unions besides the change log (the register's and the action plans'
-- tables, keyed by a digest of their content; checklist definitions) are each signed by
-- the key of the device that writes them, in the write's transaction
-- (fieldkit.store.rowsigs). A signature names its table, the row's key and when it was
-- made: the key is a digest of the row's content (fieldkit.store.rowkeys; a checklist
-- definition's is the JSON array of its id, version, title and the sha256 of its
-- definition), so a row edited after it was signed no longer matches its key, and a row
-- added without fieldkit has no signature. What every fieldkit installs itself (its
-- shipped checklists, the register's reference events) needs none. Merged by plain
-- union, like `signatures`.
--
-- A database made by an earlier fieldkit is vouched for once when it is upgraded: the
-- upgrading device signs every row it holds.
CREATE TABLE row_signatures (
  tbl        TEXT NOT NULL,     -- the table: 'checklists', 'rec_events', 'plans', ...
  row_key    TEXT NOT NULL,     -- the row's key (fieldkit.store.rowsigs.ROW_KEY_SQL)
  public_key BLOB NOT NULL,     -- the signer's Ed25519 public key (32 bytes)
  signed_ms  INTEGER NOT NULL,  -- when it was signed (unix ms): what a revocation dates
  signature  BLOB NOT NULL,     -- Ed25519 over 'fieldkit-row\0' || tbl || '\0' || row_key
                                --   || '\0' || signed_ms (decimal)
  PRIMARY KEY (tbl, row_key, public_key)
) WITHOUT ROWID;
