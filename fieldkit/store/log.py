"""The change log: stamping local changes and folding new changes into current state.

Both local writes and merges end in `fold_after` (a local write after appending the batch
it staged, as `fold_incoming` does for changes stamped elsewhere), so there is one
definition of "current state" (the winner per cell) and of a conflict.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from fieldkit import sql
from fieldkit.store import aggregates, connection, digest, keys
from fieldkit.store.connection import run_script
from fieldkit.store.identity import new_id
from fieldkit.store.signing import sign_tip

Q = sql.queries("state")
COUNTER_BITS = 16


def hlc_now(last: int, wall_ms: int | None = None) -> int:
    """The next hybrid logical clock value: wall-clock milliseconds in the high bits, a
    counter in the low 16, never going backwards from `last`. It cannot overflow: a clock
    poisoned near SQLite's largest integer (taken in before merges checked clocks) is read
    as digest.HLC_LIMIT, so later writes still count up from there, far below 2^63."""
    if last >= _NEAR_OVERFLOW:
        last = digest.HLC_LIMIT
    ms = int(time.time() * 1000) if wall_ms is None else wall_ms
    candidate = ms << COUNTER_BITS
    return candidate if candidate > last else last + 1


_NEAR_OVERFLOW = (1 << 63) - (1 << 40)


def hlc_ms(hlc: int) -> int:
    return hlc >> COUNTER_BITS


@dataclass(frozen=True)
class Change:
    """One value set on one cell."""

    record_id: str
    kind: str  # record | answer | note | setting
    field: str
    value: Any
    rkey: str = ""


class LogRow(NamedTuple):
    """One change as the log stores it, written elsewhere (another device's log, the
    demo's synthetic data) and folded in by write_stamped: `id` None for a change to be
    given its content-derived id (and `prev`, its link to its device's previous change)."""

    id: bytes | None
    device_id: str
    seq: int
    hlc: int
    record_id: str
    kind: str
    field: str
    rkey: str
    value: Any
    author: str | None
    parent: bytes | None
    prev: bytes | None = None


LOG_COLUMNS = ", ".join(LogRow._fields)  # the log's columns in LogRow's order


def _meta_int(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def set_meta(conn: sqlite3.Connection, items: Iterable[tuple[str, Any]]) -> None:
    """Set meta values (key, value; stored as text) in one statement."""
    pairs = [(key, str(value)) for key, value in items]
    if pairs:
        conn.execute(_set_meta_sql(len(pairs)), [x for pair in pairs for x in pair])


@functools.cache
def _set_meta_sql(n: int) -> str:
    return (
        "INSERT INTO meta (key, value) VALUES "
        + ", ".join(["(?, ?)"] * n)
        + " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
    )


def begin_fold(conn: sqlite3.Connection) -> None:
    """Empty the temp tables a fold uses (made first if this connection has none yet: TEMP
    tables last as long as the connection). Call inside the transaction."""
    connection.clear_temp(conn, Q["create_temp"], Q["clear_temp"])


# (records: fold_records, the one builder of a record's row, reads the whole log for a
# record with no row, and recompute_all empties the table first)
RECOMPUTE_STEPS = ("recompute_cells", "recompute_conflicts", "fold_records")


def recompute_all(conn: sqlite3.Connection) -> None:
    """Rebuild current state (cells, conflicts, records, and the stored counts) from the whole change log, each cell
    from its full history: what scrub runs after re-deriving a log, and the oracle the
    incremental fold (`fold_incoming`) is tested against. The caller holds the write
    transaction."""
    begin_fold(conn)
    for table in ("conflicts", "records"):  # cells: recompute_cells resets every mark
        conn.execute(f"DELETE FROM main.{table}")
    run_script(conn, Q["touch_all"])
    for step in RECOMPUTE_STEPS:
        run_script(conn, Q[step])
    aggregates.rebuild(conn)  # the stored counts, from the rebuilt records and answers


FOLD_STEPS = (
    "touch",
    "touch_cells",
    "aggregates_out",
    "fold_cells",
    "fold_conflicts",
    "fold_records",
    "aggregates_in",
)
# The log's (record, field) pairs state.sql touch_cells reads: record by touched record, or
# (new changes most of the log) the whole cell index in one pass.
_BY_RECORD = """FROM temp.touched_records t
    CROSS JOIN main.changes c INDEXED BY changes_cell ON c.record_id = t.record_id
    GROUP BY t.record_id, c.field"""
_WHOLE_LOG = """FROM main.changes c INDEXED BY changes_cell
    GROUP BY c.record_id, c.field"""


def _touch_cells(conn: sqlite3.Connection) -> None:
    lo, top = conn.execute(
        "SELECT lo, (SELECT coalesce(max(rowid), 0) FROM main.changes) FROM temp.fold_from"
    ).fetchone()
    groups = _WHOLE_LOG if (top - lo) * 2 >= top else _BY_RECORD
    run_script(conn, Q["touch_cells"].replace("{groups}", groups))


# steps run in Python, not as a state.sql script as they are
_PY_STEPS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "touch_cells": _touch_cells,
    "aggregates_out": aggregates.take_out,
    "aggregates_in": aggregates.put_in,
}


def fold_incoming(conn: sqlite3.Connection) -> None:
    """Append the batch staged in temp.incoming to the log (state.sql append) and fold it
    in (fold_after), its chains' new tips with it."""
    if conn.execute("SELECT 1 FROM temp.incoming LIMIT 1").fetchone() is None:
        return
    run_script(conn, Q["append"])
    run_script(conn, Q["append_heads"])
    fold_after(conn)
    run_script(conn, Q["heads"])


def fold_after(
    conn: sqlite3.Connection, step: Callable[[str], None] | None = None, *, clock: bool = True
) -> None:
    """Rebuild the cells, conflicts and records the log's new rows (after temp.fold_from.lo,
    set by begin_fold) touch, from the state before and the new changes (state.sql fold_*:
    a cell's history is read only when it may hold a conflict), and the stored aggregates
    (fieldkit.store.aggregates). The chains' tips are the caller's (close_chains). `step`
    is told the name of each step as it starts. `clock`: move the database's clock (meta
    hlc) up to the new changes' latest (a local write sets it itself)."""
    new = "SELECT 1 FROM main.changes WHERE rowid > (SELECT lo FROM temp.fold_from) LIMIT 1"
    if conn.execute(new).fetchone() is None:
        return
    for name in FOLD_STEPS:
        if step is not None:
            step(name)
        if name in _PY_STEPS:
            _PY_STEPS[name](conn)
        else:
            run_script(conn, Q[name])
    if not clock:
        return
    top = conn.execute("SELECT max(hi) FROM temp.touched_records").fetchone()[0]
    if isinstance(top, int) and top > _meta_int(conn, "hlc"):
        set_meta(conn, [("hlc", top)])


def close_chains(conn: sqlite3.Connection, tips: Iterable[bytes], named: Iterable[bytes]) -> None:
    """The chains' tips after new changes joined the log straight from elsewhere (a merge):
    `tips` (new changes no other new change names as previous) join chain_heads, and the
    changes the new ones name as previous that are not among them (`named`) leave it
    (state.sql heads)."""
    conn.executemany(Q["head_candidate"], ((t,) for t in tips))
    conn.executemany(Q["head_named"], ((t,) for t in named))
    run_script(conn, Q["heads"])


def write_local(
    conn: sqlite3.Connection,
    changes: Iterable[Change],
    *,
    author: str | None,
    wall_ms: int | None = None,
    signer: keys.Signer | None = None,
    introduce: bool = False,
) -> int:
    """Stamp changes with this database's device id, sequence and clock, link each to what
    its writer had seen and to this device's previous change, give each its content-derived
    id (fieldkit.store.digest), fold them in, and sign the device's new chain tip with its
    key (`signer`, else the user's: fieldkit.store.keys). The caller holds the write
    transaction.

    A device's first write (or its first with a key: an upgraded database) begins with its
    key change: its public key, written by `author`. A database whose device signs with
    another key (the file copied to another machine) writes as a new device from then on.
    With `introduce`, the key change alone is written if the device has none yet (`init`).

    A batch that sets one cell twice keeps the last value. Returns the number written."""
    last: dict[tuple[str, str, str, str], Change] = {}
    for ch in changes:
        last[(ch.record_id, ch.kind, ch.field, ch.rkey)] = ch
    if not last and not introduce:
        return 0
    signer = signer or keys.signer()
    meta = dict(conn.execute(_LOCAL_META).fetchall())
    device = _key_device(conn, signer, last, meta)
    if not last:
        return 0
    seq = int(meta.get("seq") or 0)
    hlc = int(meta.get("hlc") or 0)
    rows = []
    for n, ch in enumerate(last.values()):
        seq += 1
        hlc = hlc_now(hlc, wall_ms)
        rows.append(
            (
                f"new{n}",
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
    extra: dict[str, list[bytes]] = {}
    for child, parent in conn.execute("SELECT child, parent FROM temp.incoming_parents"):
        extra.setdefault(child, []).append(parent)
    parents = dict(conn.execute("SELECT id, parent FROM temp.incoming"))
    head_hex = meta.get("head") or None
    prev = bytes.fromhex(head_hex) if head_hex else None
    for row in rows:
        new = digest.change_id(
            *row[1:], parents[row[0]], digest.parents_text(extra.get(row[0], [])), prev
        )
        conn.execute("UPDATE temp.incoming SET id = ?, prev = ? WHERE id = ?", (new, prev, row[0]))
        if row[0] in extra:
            conn.execute(
                "UPDATE temp.incoming_parents SET child = ? WHERE child = ?", (new, row[0])
            )
        prev = new
    # (fold_incoming's steps; the batch's one chain tip is its last change, and the tip
    # it follows, the device's head before it, leaves: state.sql heads, without the scan)
    run_script(conn, Q["append"])
    fold_after(conn, clock=False)  # (the clock: set below, to the batch's latest)
    assert prev is not None
    conn.execute("INSERT OR IGNORE INTO main.chain_heads (id) VALUES (?)", (prev,))
    if head_hex:
        conn.execute("DELETE FROM main.chain_heads WHERE id = ?", (bytes.fromhex(head_hex),))
    sign_tip(conn, signer, prev, bytes.fromhex(head_hex) if head_hex else None)
    set_meta(conn, [("seq", seq), ("hlc", hlc), ("head", prev.hex())])
    return len(rows)


# The meta values a local write reads, in one statement, and the ones it sets at its end.
_LOCAL_META = (
    "SELECT key, value FROM meta WHERE key IN ('device_id', 'device_key', 'seq', 'hlc', 'head')"
)


def _key_device(
    conn: sqlite3.Connection,
    signer: keys.Signer,
    batch: dict[tuple[str, str, str, str], Change],
    meta: dict[str, Any],
) -> str:
    """This database's device id for a write signed by `signer`; the device's key change
    put first in `batch` when its chain does not have it yet. `meta`: the values read by
    write_local (_LOCAL_META), updated as they are set here."""
    device = str(meta["device_id"])
    held = meta.get("device_key")
    held = str(held) if held is not None else None
    if held == signer.public_hex:
        return device
    if held:  # written elsewhere with another key: a device of its own from here on
        device = new_id().replace("-", "")[-12:]
        fresh = {"device_id": device, "seq": "0", "head": ""}
        set_meta(conn, fresh.items())
        meta.update(fresh)
    change = Change(keys.KEY_RECORD, "setting", keys.KEY_FIELD, signer.public_hex, device)
    items = list(batch.items())
    batch.clear()
    batch[(change.record_id, change.kind, change.field, change.rkey)] = change
    batch.update(items)
    set_meta(conn, [("device_key", signer.public_hex)])
    return device


def stamp(conn: sqlite3.Connection, rows: Iterable[LogRow]) -> list[tuple[Any, ...]]:
    """Give changes written elsewhere (synthetic data, a test's copy of another log) their
    chain link and content-derived id: each comes back as a plain tuple of its columns in
    LogRow's order, id and prev filled in (what executemany takes, built at a tuple's
    cost). A row with an id keeps it (and its prev); one with id None links to its
    device's previous change in the batch, else to the log's change of that device with
    the sequence number before."""
    heads: dict[str, bytes | None] = {}
    out = []
    for row in rows:
        ident, device, prev = row.id, row.device_id, row.prev
        if ident is None:
            if device in heads:
                prev = heads[device]
            else:
                found = conn.execute(
                    "SELECT id FROM main.changes WHERE device_id = ? AND seq = ?"
                    " ORDER BY hlc DESC, id DESC LIMIT 1",
                    (device, row.seq - 1),
                ).fetchone()
                prev = found[0] if found else None
            ident = digest.change_id(*row[1:11], None, prev)
        heads[device] = ident
        out.append((ident, *row[1:11], prev))
    return out


def write_stamped(conn: sqlite3.Connection, rows: Iterable[LogRow]) -> int:
    """Fold in changes already stamped elsewhere (another device's log, synthetic data),
    id None for changes to be given theirs (see stamp). Changes the log already holds are
    skipped. The caller holds the write transaction. Returns the number of new
    changes."""
    begin_fold(conn)
    conn.executemany(
        f"INSERT OR IGNORE INTO temp.incoming ({LOG_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        # in id order: the log's index on ids then grows at its end, not at random places
        sorted(stamp(conn, rows), key=lambda r: r[0]),  # (r[0]: its id)
    )
    run_script(conn, Q["drop_known"])
    n = conn.execute("SELECT count(*) FROM temp.incoming").fetchone()[0]
    fold_incoming(conn)
    return int(n)
