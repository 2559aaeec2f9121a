-- `fieldkit verify` (fieldkit.store.chain.verify): the log read once, as a stream, in the
-- order the signatures' coverage is walked (each device's chain from its latest change
-- back), SQLite doing the ordering and the joins so that memory stays flat. {schema} is
-- the database checked.

-- name: stream
-- Every change with what its id is a digest of (its further parents as change_id takes
-- them: upper-case hex in byte order, concatenated).
SELECT c.id, c.device_id, c.seq, c.hlc, c.record_id, c.kind, c.field, c.rkey, c.value,
       c.author, c.parent,
       (SELECT group_concat(hex(x.parent), '')
          FROM (SELECT parent FROM {schema}.change_parents WHERE child = c.id ORDER BY parent) x
       ) AS parents,
       c.prev
FROM {schema}.changes c
ORDER BY c.device_id, c.seq DESC, c.id;

-- name: signatures
-- Every signature, with the device of the change it signs (NULL: a change not held).
SELECT s.change_id, s.public_key, s.signature, c.device_id
FROM {schema}.signatures s
LEFT JOIN {schema}.changes c ON c.id = s.change_id;
