"""Personal data in a database: listing what `scan` flags in stored free text (`find_pii`)
and writing a copy of a database without any free text (`scrub`).

How this module reaches a database: it reads through `fieldkit.sql.rows` / `row`, and
writes only inside `Store.writing()` (scrub's copy is made with SQLite's backup API, then
opened as a Store and rewritten in one such transaction). Its SQL is in
fieldkit/sql/privacy.sql, where what counts as free text is written once (the TEMP views
of `free_text`, which pii and scrub both read)."""

from __future__ import annotations

import hmac
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from fieldkit import sql
from fieldkit.checklists.kinds import FREE_TEXT_KINDS
from fieldkit.errors import BadInput
from fieldkit.privacy.scan import scan
from fieldkit.store import Store, create_file, keys, new_id, rowkeys, run_script

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
    change log still holds) that `scan` flags. Reads only (`conn` may be query_only)."""
    _free_text_views(conn)
    hits: list[PiiHit] = []
    for row in sql.rows(conn, PRIVACY["pii_candidates"]):
        where = "subject_ref" if row["where"] == "record" else row["where"]
        for f in scan(row["value"]):
            hits.append(
                PiiHit(
                    row["record_id"],
                    row["checklist_id"],
                    row["force_code"],
                    row["field"],
                    row["rkey"],
                    where,
                    row["source"],
                    f.kind,
                    f.text,
                )
            )
    return hits


def _free_text_views(conn: sqlite3.Connection) -> None:
    """Create this connection's TEMP views of free text (privacy.sql `free_text`). They live
    in the connection's own temporary schema, not in the file, so a query_only reader's
    setting is lifted just while they are made."""
    query_only = conn.execute("PRAGMA query_only").fetchone()[0]
    if query_only:
        conn.execute("PRAGMA query_only = OFF")
    try:
        kinds = ", ".join(f"'{k}'" for k in FREE_TEXT_KINDS)
        run_script(conn, PRIVACY["free_text"].replace("{free_text_kinds}", kinds))
    finally:
        if query_only:
            conn.execute("PRAGMA query_only = ON")


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


def scrub(
    src: Path | str,
    dst: Path | str,
    *,
    key: bytes | None = None,
    signer: keys.Signer | None = None,
) -> dict[str, int]:
    """Write a copy of `src` to the new file `dst` (owner-only) without notes, answers to
    text items, attached files (photos, recordings: their answers too) or subject references: not in current values, not in conflicts, not in the
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
    blanked too, each to '(scrubbed ref-…)' with a pseudonym of its text (two different
    comments stay two events), and the rows get the keys their new content has, as do the
    withdrawals naming them: the copy passes the merge's register check like any database.
    The recommendations, statuses, objectives and RAG ratings stay, and so do the rows
    shipped with fieldkit (published comments, a plan template's rows).

    The copy is signed by whoever scrubs (`signer`, else the user's device key): every
    renamed device's key change names that key, every chain tip is signed with it, and
    meta 'scrubbed_from_key' names the original device's key (its fingerprint).

    Returns {'changes': values rewritten in the log, 'cells': current values rewritten,
    'register': register and plan values blanked}."""
    src, dst = Path(src), Path(dst)
    if dst.exists() or dst.is_symlink():
        raise BadInput(f"{dst}: already exists; scrub writes a new file")
    signer = signer or keys.signer()
    with Store.open(src, readonly=True) as source:
        source_id = source.database_id
        original = keys.public_from_hex(source.meta("device_key"))
        create_file(dst)
        try:
            conn = sqlite3.connect(str(dst), isolation_level=None)
            try:
                source.conn.backup(conn)  # a page-for-page copy, scrubbed below
            finally:
                conn.close()
            with Store.open(dst) as copy:
                copy.signer = signer  # (the rows it writes: signed by whoever scrubs)
                counts = _scrub_copy(copy, source_id, key, signer)
                with copy.writing() as w:
                    w.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('scrubbed_from_key', ?)",
                        (keys.fingerprint(original) if original else "",),
                    )
        except BaseException:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{dst}{suffix}").unlink(missing_ok=True)
            raise
    os.chmod(dst, 0o600)
    return counts


def _count(conn: sqlite3.Connection, what: str) -> int:
    row = sql.row(conn, PRIVACY[f"count_scrubbed_{what}"])
    return int(row["n"]) if row else 0


def _scrub_copy(
    copy: Store, source_id: str, key: bytes | None, signer: keys.Signer
) -> dict[str, int]:
    """Blank the free text of a fresh copy in one transaction (the change log first, with
    its devices renamed and its ids re-derived, then current state rebuilt from it; the
    register's blanked rows re-keyed), then VACUUM it out of the free pages."""
    # Without a team key, forgotten when the scrub ends: pseudonyms stay opaque.
    secret = key if key is not None else secrets.token_bytes(32)
    lineage = hmac.new(secret, b"fieldkit scrub lineage", "sha256").hexdigest()[:10]

    def pseudonym(value: object) -> str | None:
        if value is None:
            return None
        digest = hmac.new(secret, str(value).encode("utf-8", "surrogatepass"), "sha256")
        return f"ref-{digest.hexdigest()[:20]}"

    conn = copy.conn
    conn.create_function("fieldkit_pseudonym", 1, pseudonym, deterministic=True)
    rowkeys.register_sql(conn)
    conn.execute("PRAGMA journal_mode = DELETE")  # no WAL file to hold old pages
    conn.execute("PRAGMA secure_delete = ON")
    _free_text_views(conn)
    counts = {
        "changes": _count(conn, "changes"),
        "cells": _count(conn, "cells"),
        "register": _count(conn, "register"),
    }
    with copy.writing() as w:
        w.run_script(PRIVACY["scrub"])
        w.execute(PRIVACY["scrub_attachments"])
        w.run_script(PRIVACY["scrub_register"])
        _rekey_register(w.conn)
        w.execute(PRIVACY["scrub_devices"], {"lineage": lineage})
        w.execute(PRIVACY["scrub_keys"], {"key": signer.public_hex})
        w.rekey_log(signer)
        w.sign_unsigned(signer, again=True)  # its rows, re-keyed: signed anew
        w.rebuild()
        w.set_meta(
            [
                ("scrubbed_from", source_id),
                ("database_id", new_id()),
                ("device_id", new_id().replace("-", "")[-12:]),
                ("seq", "0"),
                ("head", ""),
                ("device_key", ""),
            ]
        )
    conn.execute("VACUUM")
    conn.execute("PRAGMA journal_mode = WAL")
    return counts


def _rekey_register(conn: sqlite3.Connection) -> None:
    """Give every register row scrub blanked (listed in temp.scrub_rekey) the key its new
    content has (fieldkit.store.rowkeys), so a scrubbed copy passes the same check as any
    database; then carry the new keys into the withdrawals that name those events, and
    re-key those withdrawals in turn. Should two rows come out identical, they become one."""
    for table in ("rec_events", "plan_events"):
        _rekey_rows(conn, table)
    run_script(conn, PRIVACY["carry_rekey"])
    _rekey_rows(conn, "register_withdrawals")


def _rekey_rows(conn: sqlite3.Connection, table: str) -> None:
    key, _, columns = rowkeys.ROW_KEYS[table]
    parts = ", ".join(f't."{c}"' for c in columns)
    conn.execute(
        f"UPDATE temp.scrub_rekey SET new = (SELECT fieldkit_row_key(:table, {parts}) "
        f'FROM main."{table}" t WHERE t."{key}" = scrub_rekey.old) WHERE tbl = :table',
        {"table": table},
    )
    moved = "SELECT old FROM temp.scrub_rekey WHERE tbl = :table AND new <> old"
    conn.execute(
        f'UPDATE OR IGNORE main."{table}" SET "{key}" = (SELECT k.new FROM temp.scrub_rekey k '
        f'WHERE k.tbl = :table AND k.old = "{key}") WHERE "{key}" IN ({moved})',
        {"table": table},
    )
    # Left under an old key: rows whose new key another (identical) row already has.
    conn.execute(f'DELETE FROM main."{table}" WHERE "{key}" IN ({moved})', {"table": table})
