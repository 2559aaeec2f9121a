"""The change log: stamping local changes and folding new changes into current state.

Both local writes and merges end in `fold_incoming`, so there is one definition of
"current state" (the winner per cell) and of a conflict.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fieldkit import sql
from fieldkit.store.connection import run_script

Q = sql.queries("state")
COUNTER_BITS = 16


def hlc_now(last: int, wall_ms: int | None = None) -> int:
    """The next hybrid logical clock value: wall-clock milliseconds in the high bits, a
    counter in the low 16, never going backwards from `last`."""
    ms = int(time.time() * 1000) if wall_ms is None else wall_ms
    candidate = ms << COUNTER_BITS
    return candidate if candidate > last else last + 1


def hlc_ms(hlc: int) -> int:
    return hlc >> COUNTER_BITS


def change_id(device_id: str, seq: int, salt: str = "") -> str:
    """`device:seq`, plus `.salt` for local writes: a database copied by hand, or restored
    from a backup, and then written again counts the same sequence numbers under the same
    device id, and without the salt its new changes would take ids its old ones already
    have elsewhere (a merge keeps the first change with an id and ignores the other)."""
    return f"{device_id}:{seq:012d}" + (f".{salt}" if salt else "")


@dataclass(frozen=True)
class Change:
    """One value set on one cell."""

    record_id: str
    kind: str  # record | answer | note | setting
    field: str
    value: Any
    rkey: str = ""


def _meta_int(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def _set_meta(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, str(value)),
    )


def begin_fold(conn: sqlite3.Connection) -> None:
    """Create (or empty) the temp tables a fold uses. Call inside the transaction."""
    run_script(conn, Q["create_temp"])


FOLD_STEPS = ("touch", "append", "fold_cells", "fold_conflicts", "fold_records")


def fold_incoming(conn: sqlite3.Connection, step: Callable[[str], None] | None = None) -> None:
    """Append temp.incoming to the log and rebuild the touched cells, conflicts and records,
    from the state before and the new changes (state.sql fold_*: a cell's history is read
    only when it may hold a conflict). `step` is told the name of each step as it starts."""
    if conn.execute("SELECT 1 FROM temp.incoming LIMIT 1").fetchone() is None:
        return
    for name in FOLD_STEPS:
        if step is not None:
            step(name)
        run_script(conn, Q[name])
    top = conn.execute("SELECT max(hlc) FROM temp.incoming").fetchone()[0]
    if top is not None and top > _meta_int(conn, "hlc"):
        _set_meta(conn, "hlc", top)


def write_local(
    conn: sqlite3.Connection,
    changes: Iterable[Change],
    *,
    author: str | None,
    wall_ms: int | None = None,
) -> int:
    """Stamp changes with this database's device id, sequence and clock, link each to what
    its writer had seen, and fold them in. The caller holds the write transaction.

    A batch that sets one cell twice keeps the last value. Returns the number written."""
    last: dict[tuple[str, str, str, str], Change] = {}
    for ch in changes:
        last[(ch.record_id, ch.kind, ch.field, ch.rkey)] = ch
    if not last:
        return 0
    device = conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
    salt = secrets.token_hex(4)  # one per write transaction: see change_id
    seq = _meta_int(conn, "seq")
    hlc = _meta_int(conn, "hlc")
    rows = []
    for ch in last.values():
        seq += 1
        hlc = hlc_now(hlc, wall_ms)
        rows.append(
            (
                change_id(device, seq, salt),
                device,
                seq,
                hlc,
                ch.record_id,
                ch.kind,
                ch.field,
                ch.rkey,
                ch.value,
                author,
            )
        )
    begin_fold(conn)
    conn.executemany(
        "INSERT INTO temp.incoming (id, device_id, seq, hlc, record_id, kind, field, rkey, value,"
        " author) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    run_script(conn, Q["link_local_parents"])
    fold_incoming(conn)
    _set_meta(conn, "seq", seq)
    _set_meta(conn, "hlc", hlc)
    return len(rows)


def write_stamped(conn: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> int:
    """Fold in changes already stamped elsewhere (another device's log, synthetic data):
    tuples (id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent).
    Changes the log already holds are skipped. The caller holds the write transaction.
    Returns the number of new changes."""
    begin_fold(conn)
    conn.executemany(
        "INSERT OR IGNORE INTO temp.incoming (id, device_id, seq, hlc, record_id, kind, field,"
        " rkey, value, author, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    run_script(conn, Q["drop_known"])
    n = conn.execute("SELECT count(*) FROM temp.incoming").fetchone()[0]
    fold_incoming(conn)
    return int(n)
