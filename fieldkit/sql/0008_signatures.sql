-- fieldkit schema, step 8: signed chains and a keyring (issue 22).
--
-- Each device signs its chain's new tip in every write transaction with its Ed25519 key
-- (fieldkit.store.keys; the private key never enters a database). Its public key and the
-- inspector's name are a change of its own chain, the first it writes: the setting cell
-- ('device', 'key', rkey = device id). A signature on a tip vouches for the tip and every
-- change before it in its chain (each change's id is a digest that names the one before).
-- Signatures merge by plain union: Ed25519 signatures are deterministic, so two databases
-- holding a (tip, key) hold the same row. A device's own older signatures are dropped
-- when it signs a newer tip of the same chain (the newer covers them).
--
-- A database made by an earlier fieldkit is vouched for once when it is upgraded: the
-- upgrading device signs every chain tip (signatures of a key that is not the device's
-- own count only for a device that has no key in the log).
CREATE TABLE signatures (
  change_id  BLOB NOT NULL,  -- the chain tip signed (16 bytes)
  public_key BLOB NOT NULL,  -- the signer's Ed25519 public key (32 bytes)
  signature  BLOB NOT NULL,  -- Ed25519 over 'fieldkit-tip\0' || change_id (64 bytes)
  PRIMARY KEY (change_id, public_key)
) WITHOUT ROWID;

-- The keyring: which device keys a (team) database trusts, and which it revoked, by their
-- fingerprints (so a key can be trusted before it is met), each decision signed by the key
-- of the database that made it. Merged by plain union; a key is
-- trusted when a 'trust' row names it, and its signatures dated from the earliest 'revoke'
-- row's `since` on are refused.
CREATE TABLE keyring (
  fingerprint TEXT NOT NULL,   -- the key decided on (fieldkit.store.keys.fingerprint)
  decision    TEXT NOT NULL CHECK (decision IN ('trust', 'revoke')),
  since       INTEGER NOT NULL DEFAULT 0,  -- revoke: unix ms from which it is refused
  signer      BLOB NOT NULL,   -- the deciding database's key (32 bytes)
  signature   BLOB NOT NULL,   -- signer's Ed25519 over 'fieldkit-keyring\0' || the row
  PRIMARY KEY (fingerprint, decision, since, signer)
) WITHOUT ROWID;
