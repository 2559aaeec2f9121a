-- fieldkit schema, step 10: attachments (issue 24): the files image, audio, video, file
-- and osm questions are answered with, each held once by its content's digest.
--
-- An attachment answer's value in the change log is the file's SHA-256 (64 hex digits), so
-- the log's digests and signatures cover the file's content through it; this table holds
-- the content. A row never changes once written and its key is a digest of its content, so
-- a merge takes a source's rows by plain union (fieldkit.store.schema.UNION_TABLES);
-- `fieldkit verify` checks every row against its digest and that every digest answered in
-- the log is held (fieldkit.store.attachments, the queries in attachments.sql).
CREATE TABLE attachments (
  digest  TEXT PRIMARY KEY,  -- sha256 of content, 64 lower-case hex digits
  name    TEXT NOT NULL,     -- the file's name when it was first attached (no folder)
  size    INTEGER NOT NULL,  -- bytes
  content BLOB NOT NULL
);
