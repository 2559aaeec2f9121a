"""The forgeries of issue 22, made as an insider would, WITHOUT the device's private key:
plain sqlite3 and fieldkit's own digest and re-keying code."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from fieldkit.checklists import get
from fieldkit.store import Store
from fieldkit.store.chain import rekey
from fieldkit.store.digest import change_id, register
from fieldkit.store.keys import Signer
from fieldkit.store.signing import sign_heads


def fieldwork(path: Path, inspector: str, records: int = 8, ref: str = "CR/15") -> Path:
    """An inspector's laptop: `records` case-file reviews, 40 answers each, written
    (and signed) through the Store."""
    checklist = get("case_file_review")
    items = [i for s in checklist.sections if not s.repeat for i in s.items][:40]
    with Store.create(path, inspector=inspector) as s:
        for n in range(records):
            answers = {(i.id, ""): (i.choices[0].code if i.choices else "x") for i in items}
            answers[("cf_crime_ref", "")] = f"{ref}/{n}"
            _, changes = s.record_changes(checklist, "kent", answers=answers)
            s.write(changes)
    return path


def append(path: Path, n: int = 40) -> bytes:
    """`n` changes posing as the device of the database's first record: valid content ids,
    prev links and chain_heads, built with fieldkit.store.digest.change_id. Returns the
    id of the first."""
    with closing(sqlite3.connect(path)) as conn, conn:
        (device,) = conn.execute(
            "SELECT device_id FROM changes WHERE kind = 'record' ORDER BY hlc LIMIT 1"
        ).fetchone()
        prev, seq, hlc, author = conn.execute(
            "SELECT c.id, c.seq, c.hlc, c.author FROM chain_heads h JOIN changes c ON c.id = h.id"
            " WHERE c.device_id = ? ORDER BY c.seq DESC LIMIT 1",
            (device,),
        ).fetchone()
        records = [r for (r,) in conn.execute("SELECT record_id FROM records ORDER BY 1")]
        first = None
        for k in range(n):
            seq, hlc = seq + 1, hlc + 1
            content = (device, seq, hlc, records[k % len(records)], "answer", "cf_da_flag", "")
            content += ("no", author, None)
            ident = change_id(*content, None, prev)
            conn.execute(
                "INSERT INTO changes (id, device_id, seq, hlc, record_id, kind, field, rkey,"
                " value, author, parent, prev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ident, *content, prev),
            )
            conn.execute("DELETE FROM chain_heads WHERE id = ?", (prev,))
            conn.execute("INSERT INTO chain_heads (id) VALUES (?)", (ident,))
            first = first or ident
            prev = ident
    assert first is not None
    return first


def rewrite(path: Path, n: int = 200) -> None:
    """`n` old answers edited, and every id re-derived with fieldkit's own re-keying code
    (fieldkit.store.chain.rekey, as scrub uses it): a log consistent with itself."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        register(conn)
        conn.execute("BEGIN")
        old = [
            r
            for (r,) in conn.execute(
                "SELECT id FROM changes WHERE kind = 'answer' ORDER BY hlc LIMIT ?", (n,)
            )
        ]
        assert len(old) == n
        conn.executemany("UPDATE changes SET value = 'forged' WHERE id = ?", ((i,) for i in old))
        rekey(conn)
        conn.execute("COMMIT")


def resign(path: Path, key: Signer) -> None:
    """The whole log re-signed with another key under the same device names: each key
    change names `key`, every id re-derived, every tip signed with it."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        register(conn)
        conn.execute("BEGIN")
        conn.execute(
            "UPDATE changes SET value = ? WHERE record_id = 'device' AND field = 'key'",
            (key.public_hex,),
        )
        rekey(conn)
        conn.execute("DELETE FROM signatures")
        sign_heads(conn, key)
        conn.execute("COMMIT")
