"""Personal data in a database: listing what `scan` flags in stored free text (`find_pii`)
and writing a copy of a database without any free text (`scrub`). The SQL (what counts as free
text, what scrub rewrites) is in fieldkit/sql/privacy.sql."""

from __future__ import annotations

import hmac
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.privacy.scan import scan
from fieldkit.store import Store, connection
from fieldkit.store.chain import rekey
from fieldkit.store.log import begin_fold, recompute_all
from fieldkit.store.store import new_id

# ------------------------------------------------------------------ the database
# The SQL (what counts as free text, what scrub rewrites) is in fieldkit/sql/privacy.sql.
PRIVACY = sql.queries("privacy")


@dataclass(frozen=True)
class PiiHit:
    """One finding in one stored value."""

    record_id: str
    checklist_id: str | None
    force_code: str | None
    item_id: str  # the item, 'subject_ref', a comment's date or a plan's objective
    rkey: str
    where: str  # 'answer' | 'note' | 'subject_ref' | 'register comment' | 'plan evidence' | ...
    source: str  # 'current' | 'earlier' (a value since replaced, still in the change log)
    kind: str
    text: str


def find_pii(conn: sqlite3.Connection) -> list[PiiHit]:
    """Everything in the free text of a database (current values, and earlier values the
    change log still holds) that `scan` flags."""
    hits: list[PiiHit] = []
    for source, rid, checklist, force, kind, field, rkey, value in conn.execute(
        PRIVACY["pii_candidates"]
    ):
        where = "subject_ref" if kind == "record" else kind
        for f in scan(value):
            hits.append(PiiHit(rid, checklist, force, field, rkey, where, source, f.kind, f.text))
    return hits


def read_key(path: Path | str) -> bytes:
    """A team's scrub key: the bytes of a file (surrounding whitespace dropped), at least
    16 of them. Copies scrubbed with one key pseudonymise a reference identically."""
    path = Path(path)
    try:
        key = path.read_bytes().strip()
    except OSError as e:
        raise BadInput(f"{path}: cannot read the key file ({e.strerror})") from None
    if len(key) < 16:
        raise BadInput(f"{path}: a scrub key needs at least 16 bytes (it has {len(key)})")
    return key


def scrub(src: Path | str, dst: Path | str, *, key: bytes | None = None) -> dict[str, int]:
    """Write a copy of `src` to the new file `dst` (owner-only) without notes, answers to
    text items or subject references: not in current values, not in conflicts, not in the
    change log, not in free pages. `src` is only read.

    Text items that identify a record (its natural key: crime reference, station name, ...)
    get an opaque pseudonym instead of NULL, the same for the same original, so duplicate
    records are still recognised and the copy's figures match the source's. A text item's
    literal 'na' / 'unknown' is kept. The copy is a fieldkit database of its own (new
    database and device ids, so writing to it never reuses the source's change ids) with
    meta 'scrubbed_from' naming the source. Its changes are the source's rewritten, so they
    are not the source's: each device's changes are renamed `<device>~<scrub>` and given the
    ids and chains their new content has, and a merge refuses to put a scrubbed copy beside
    the changes it was made from (fieldkit.sync.merging: blanked values would stand beside
    the real ones).

    With `key` (a team's key, read_key), pseudonyms and the `~<scrub>` names are HMACs
    with the key: copies scrubbed with one key pseudonymise a reference identically (a case
    file reviewed on two laptops is still found twice), and one database scrubbed twice
    gives the same log. Without it, a secret forgotten when the scrub ends.

    The register's comments and the plans' notes, evidence and owners (staff names) are
    blanked too; the recommendations, statuses, objectives and RAG ratings stay.

    Returns {'changes': values rewritten in the log, 'cells': current values rewritten,
    'register': register and plan values blanked}."""
    src, dst = Path(src), Path(dst)
    if dst.exists() or dst.is_symlink():
        raise BadInput(f"{dst}: already exists; scrub writes a new file")
    with Store.open(src, readonly=True) as source:
        source_id = source.database_id
        connection.create_file(dst)
        try:
            conn = sqlite3.connect(str(dst), isolation_level=None)
            try:
                source.conn.backup(conn)
                counts = _scrub_copy(conn, source_id, key)
            finally:
                conn.close()
        except BaseException:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{dst}{suffix}").unlink(missing_ok=True)
            raise
    os.chmod(dst, 0o600)
    return counts


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(PRIVACY[f"count_scrubbed_{table}"]).fetchone()[0])


def _scrub_copy(conn: sqlite3.Connection, source_id: str, key: bytes | None) -> dict[str, int]:
    """Blank the free text of a fresh copy in one transaction (the change log first, with
    its devices renamed and its ids re-derived, then current state rebuilt from it), then
    VACUUM it out of the free pages."""
    # Without a team key, forgotten when the scrub ends: pseudonyms stay opaque.
    secret = key if key is not None else secrets.token_bytes(32)
    lineage = hmac.new(secret, b"fieldkit scrub lineage", "sha256").hexdigest()[:10]

    def pseudonym(value: object) -> str | None:
        if value is None:
            return None
        digest = hmac.new(secret, str(value).encode("utf-8", "surrogatepass"), "sha256")
        return f"ref-{digest.hexdigest()[:20]}"

    conn.create_function("fieldkit_pseudonym", 1, pseudonym, deterministic=True)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA secure_delete = ON")
    counts = {
        "changes": _count(conn, "changes"),
        "cells": _count(conn, "cells"),
        "register": _count(conn, "register"),
    }
    with connection.transaction(conn):
        begin_fold(conn)  # scrub's statements stage what they rewrite in the fold's tables
        connection.run_script(conn, PRIVACY["scrub"])
        connection.run_script(conn, PRIVACY["scrub_register"])
        conn.execute(PRIVACY["scrub_devices"], {"lineage": lineage})
        rekey(conn)
        recompute_all(conn)
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [
                ("scrubbed_from", source_id),
                ("database_id", new_id()),
                ("device_id", new_id().replace("-", "")[-12:]),
                ("seq", "0"),
                ("head", ""),
            ],
        )
    conn.execute("VACUUM")
    conn.execute("PRAGMA journal_mode = WAL")
    return counts
