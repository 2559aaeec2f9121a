"""Checking what a source's change log brings before a merge writes anything.

Every new change must have a 16-byte id that is the digest of its content
(fieldkit.store.digest), a whole-number clock not more than a day (or the skew allowed)
ahead of this machine, and a place in its device's hash chain; a change the target holds
must say the same there (a change two sources say differently cannot match its id in
both, so the digest check refuses the edited one, naming the files that hold it as
written); and a scrubbed copy must not meet the changes it was made from
(check_lineage). Each failure is one line naming the file(s): BadInput, exit 2.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

from fieldkit import sql
from fieldkit.errors import BadDatabase, BadInput
from fieldkit.limits import MAX_TEXT
from fieldkit.store.fold import (
    COUNTER_BITS,
    HLC_LIMIT,
    ID_BYTES,
    attachment_problem,
    content_id,
    open_read_uri,
    quick_check,
    read_uri,
    show_change,
)
from fieldkit.sync import rowchecks, sigchecks

Q = sql.queries("merge")

# The columns of merge.sql source_changes, in its order: a change's twelve content values
# (digest.change_id's order), its id and whether the target holds it said differently.
# Rows are read by these names (a test holds them to the query's own column names).
SOURCE_CHANGE = (
    "device_id", "seq", "hlc", "record_id", "kind", "field", "rkey", "value", "author",
    "parent", "parents", "prev", "id", "held",
)  # fmt: skip
DEVICE, SEQ, HLC, RECORD, KIND, FIELD, RKEY, VALUE, AUTHOR, PARENT, PARENTS, PREV, ID, HELD = range(
    len(SOURCE_CHANGE)
)

DAY_MS = 24 * 3600 * 1000
# How far ahead of this machine's clock a source's changes may be dated, by default.
DEFAULT_CLOCK_SKEW_MS = DAY_MS


# ------------------------------------------------------------------------ clock skew
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(y|w|d|h|m|s)", re.I)
_UNIT_MS = {"y": 365 * DAY_MS, "w": 7 * DAY_MS, "d": DAY_MS, "h": 3600_000, "m": 60_000, "s": 1000}


def parse_duration(text: str) -> int:
    """'36h', '3d', '1d12h', '2w', '1y' as milliseconds; one clear error otherwise."""
    compact = text.strip().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not parts or "".join(a + u for a, u in parts).lower() != compact.lower():
        raise BadInput(f"{text!r}: not a duration (say e.g. 36h, 3d, 2w or 1y)")
    return int(sum(float(a) * _UNIT_MS[u.lower()] for a, u in parts))


def describe_duration(ms: int) -> str:
    """A duration as people say it: '3 days 4 hours', '2 hours 5 minutes', '5000 years'."""
    if ms >= 2 * _UNIT_MS["y"]:
        return f"{ms / _UNIT_MS['y']:,.0f} years"
    days, rest = divmod(max(ms, 0), DAY_MS)
    hours, rest = divmod(rest, 3600_000)
    minutes = rest // 60_000
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [f"{n} {u}{'s' if n != 1 else ''}" for n, u in parts if n][:2]
    return " ".join(shown) or "under a minute"


@dataclass(frozen=True)
class SourceLog:
    """What checking a source's log found, for the merge to use once it passed."""

    tips: frozenset[bytes]  # new changes no other new change of the source names as previous
    named: frozenset[bytes]  # what they name as previous that is not among them
    size: int  # changes in the source's log as it was read
    devices: frozenset[str]  # the devices of its changes the target did not hold
    keys: dict[bytes, sigchecks.KeyUse] = field(default_factory=dict)  # what signed them


_KINDS = frozenset({"record", "answer", "note", "setting"})


def check_source_log(
    path: Path,
    reading: Path,
    target: Path,
    others: list[tuple[Path, Path]],
    clock_skew_ms: int = DEFAULT_CLOCK_SKEW_MS,
) -> SourceLog:
    """Check the log of a source (`path`, read from `reading`) against the target: that
    SQLite finds the file undamaged (connection.quick_check), then one pass over the
    changes the target does not hold, and any it holds that the source says differently
    (refused: one of the two files was edited). Each new change must have a
    16-byte id that is the digest of its content, a whole-number clock at most
    `clock_skew_ms` ahead of this machine, well-formed columns, and a place in its device's
    hash chain: the change it names as `prev` has its device and the sequence number before
    (the first names none), among them, in the target or in another source (`others`:
    name, file to read). The source's record of its chains' tips must name changes it holds,
    and not leave out changes the target lacks. One clear line (BadInput) for the first
    that fails, in that order.

    It opens its own read-only connections (the target's as it was before the merge, which
    holds its write lock), so a merge runs it in a thread beside its own work: the digests
    are Python, the merge SQLite, which lets go of the GIL."""
    try:
        return _check_source_log(path, reading, target, others, clock_skew_ms)
    except sqlite3.DatabaseError as e:
        raise BadDatabase(f"{path}: unreadable ({e})") from None


def _check_source_log(
    path: Path,
    reading: Path,
    target: Path,
    others: list[tuple[Path, Path]],
    clock_skew_ms: int,
) -> SourceLog:
    now_ms = int(time.time() * 1000)
    limit = min((now_ms + clock_skew_ms) << COUNTER_BITS, HLC_LIMIT)
    with closing(sqlite3.connect(read_uri(reading), uri=True)) as conn:
        conn.execute("ATTACH DATABASE ? AS target", (open_read_uri(target),))
        quick_check(conn, path)
        conn.execute("BEGIN")  # one snapshot of both
        _refuse_oversized(conn, path)
        size = conn.execute(_on(Q["log_size"], "main.changes")).fetchone()[0]
        found = _pass(conn, limit)
        if found.held is not None:
            ident, device, seq = found.held
            raise BadInput(
                f"{path}: change {show_change(ident)} (device {device}, seq {seq}) says "
                f"something else in {target}; one of the two files was edited: refused"
            )
        if found.malformed:
            _refuse_malformed(conn, path, now_ms, limit, clock_skew_ms)
        row = conn.execute(Q["check_heads"]).fetchone()
        if row is not None:
            raise BadInput(
                f"{path}: change {show_change(row[0])}, the latest of a device, is missing "
                "(deleted?): refused"
            )
        if found.edited is not None:
            edited = found.edited
            _refuse_edited(conn, path, target, edited[ID], edited[DEVICE], edited[SEQ], others)
        if found.first is not None:
            _refuse_break(path, *found.first)
        new, named, outside = found.new, set(), set()
        for prev, device, seq, ident in found.links:
            named.add(prev)
            before = new.get(prev)
            if before is not None and before[0] == device and before[1] == seq - 1:
                continue
            if before is None and _held(conn, others, prev, device, seq):
                outside.add(prev)
                continue
            _refuse_break(path, ident, device, seq, prev)
        if new and conn.execute(Q["source_tips_held"]).fetchone()[0]:
            raise BadInput(
                f"{path}: holds {len(new):,} change(s) its record of each device's latest "
                "change leaves out (edited?): refused"
            )
        tips = frozenset(ident for ident in new if ident not in named)
        devices = frozenset(device for device, _ in new.values())
        uses = sigchecks.check_signatures(conn, path, target, new, found.links)
        bad_file = attachment_problem(conn)
        if bad_file is not None:
            raise BadInput(f"{path}: {bad_file}: refused")
        rowchecks.check_rows(conn, path, uses)
        return SourceLog(
            tips=tips, named=frozenset(outside), size=int(size), devices=devices, keys=uses
        )


@dataclass
class _Found:
    new: dict[bytes, tuple[str, int]] = field(default_factory=dict)  # id -> (device, seq)
    links: list[tuple[bytes, str, int, bytes]] = field(default_factory=list)  # prev, dev, seq, id
    first: tuple[bytes, str, int, None] | None = None  # no prev, and a seq other than 1
    edited: tuple[object, ...] | None = None  # the first whose id does not match its content
    held: tuple[object, object, object] | None = None  # held by the target, said differently
    malformed: bool = False


def _pass(conn: sqlite3.Connection, limit: int) -> _Found:
    """The source's new changes (merge.sql source_changes), each checked for its form and
    clock; its digest is checked until one does not match (a malformed change found after
    it is still the one reported: _refuse_malformed says which)."""
    digest_of = content_id  # (a local: read per change)
    found = _Found()
    new, links = found.new, found.links
    with closing(conn.execute(Q["source_changes"])) as cur:
        cur.row_factory = None
        for row in cur:
            if row[HELD]:
                found.held = (row[ID], row[DEVICE], row[SEQ])
                return found
            device, seq, hlc, ident, prev = row[DEVICE], row[SEQ], row[HLC], row[ID], row[PREV]
            if not (
                type(ident) is bytes
                and len(ident) == ID_BYTES
                and type(hlc) is int
                and 0 <= hlc <= limit
                and type(seq) is int
                and seq >= 1
                and type(device) is str
                and device
                and row[KIND] in _KINDS
                and type(row[RECORD]) is str
                and type(row[FIELD]) is str
                and type(row[RKEY]) is str
                and (row[PARENT] is None or type(row[PARENT]) is bytes)
                and (prev is None or type(prev) is bytes)
            ):
                found.malformed = True  # (said after the pass: a held one comes first)
                continue
            if found.edited is not None or found.malformed:
                continue
            content = row[:ID]
            if content[PARENTS] == "":  # further parents whose hex is empty: as change_id() says
                content = (*content[:PARENTS], None, content[PREV])
            if digest_of(content) != ident:
                found.edited = row
                continue
            new[ident] = (device, seq)
            if prev is not None:
                links.append((prev, device, seq, ident))
            elif seq != 1 and found.first is None:
                found.first = (ident, device, seq, None)
    return found


def _refuse_malformed(
    conn: sqlite3.Connection, path: Path, now_ms: int, limit: int, clock_skew_ms: int
) -> None:
    """Say what is wrong with the source's new changes: ids, clock types, columns, clocks."""
    row = conn.execute(Q["check_ids"]).fetchone()
    if row[0]:
        raise BadInput(
            f"{path}: {row[0]:,} change(s) with {'no id' if row[1] else 'a malformed id'} "
            f"(device {row[2]}); not a log fieldkit wrote: refused"
        )
    row = conn.execute(Q["check_clock_types"]).fetchone()
    if row is not None:
        raise BadInput(
            f"{path}: {row[2]:,} change(s) from device {row[0]} have a clock that is {row[1]}, "
            "not a whole number: refused"
        )
    row = conn.execute(Q["check_columns"]).fetchone()
    if row is not None:
        raise BadInput(
            f"{path}: change {show_change(row[0])} (device {row[1]}, seq {row[2]}) has a "
            "malformed sequence number, kind or cell: refused"
        )
    row = conn.execute(Q["check_clocks"], {"limit": limit}).fetchone()
    if row is not None:
        device, count, top, low = row
        if low < 0:
            raise BadInput(
                f"{path}: {count:,} change(s) from device {device} are dated before 1970: refused"
            )
        if top > HLC_LIMIT:
            raise BadInput(
                f"{path}: {count:,} change(s) from device {device} have a clock beyond any "
                f"real date ({top}): refused"
            )
        ahead = (top >> COUNTER_BITS) - now_ms
        raise BadInput(
            f"{path}: {count:,} change(s) from device {device} are dated up to "
            f"{describe_duration(ahead)} ahead of this machine's clock (allowed: "
            f"{describe_duration(clock_skew_ms)}); if that laptop's clock is known to be "
            f"wrong, merge with --allow-clock-skew {_round_up_days(ahead)}"
        )
    raise BadInput(f"{path}: a change in its log is malformed: refused")


def _refuse_oversized(conn: sqlite3.Connection, path: Path) -> None:
    """A value longer than any way in allows (fieldkit.limits), refused before the log is
    read into memory (a 400 MB answer merged at a 2.9 GB peak)."""
    row = conn.execute(Q["oversized_value"], {"limit": MAX_TEXT}).fetchone()
    if row is not None:
        raise BadInput(
            f"{path}: change {show_change(row[0])} (device {row[1]}, seq {row[2]}) holds a "
            f"value of {row[3]:,} characters or bytes in {row[4]!r} (at most {MAX_TEXT:,}): "
            "refused"
        )


def _on(query: str, changes: str) -> str:
    """A merge.sql query asked of one log: `changes` in its hole (the source's own tables
    are `main` on its connection, the target's `target`)."""
    return query.replace("{changes}", changes)


def _holders(
    conn: sqlite3.Connection, target: Path, ident: object, others: list[tuple[Path, Path]]
) -> list[str]:
    """Which of the target (attached to `conn` as `target`) and the other sources hold a
    change with this id (to name them when a source says it differently)."""
    found = []
    if conn.execute(_on(Q["holds"], "target.changes"), {"id": ident}).fetchone()[0]:
        found.append(str(target))
    found += _sources_holding(others, _on(Q["holds"], "main.changes"), {"id": ident})
    return found


def _sources_holding(
    others: list[tuple[Path, Path]], query: str, args: dict[str, object]
) -> Iterator[str]:
    """The other sources (name, file to read) for which `query` (one row, one truth value)
    holds, each opened read-only in turn as it is asked for."""
    for name, reading in others:
        with (
            suppress(sqlite3.DatabaseError),
            closing(sqlite3.connect(read_uri(reading), uri=True)) as other,
        ):
            if other.execute(query, args).fetchone()[0]:
                yield str(name)


def _held(
    conn: sqlite3.Connection, others: list[tuple[Path, Path]], prev: bytes, device: str, seq: int
) -> bool:
    """Is `prev` the change before (device, seq) in the target or in another source?"""
    args = {"prev": prev, "device": device, "seq": seq}
    if conn.execute(_on(Q["holds_link"], "target.changes"), args).fetchone()[0]:
        return True
    return any(_sources_holding(others, _on(Q["holds_link"], "main.changes"), args))


def _refuse_edited(
    conn: sqlite3.Connection,
    path: Path,
    target: Path,
    ident: object,
    device: object,
    seq: object,
    others: list[tuple[Path, Path]],
) -> None:
    held = _holders(conn, target, ident, others)
    also = f"; {' and '.join(held)} hold(s) it as written" if held else ""
    raise BadInput(
        f"{path}: change {show_change(ident)} (device {device}, seq {seq}) does not "
        f"match its content (edited after it was written){also}: refused"
    )


def _refuse_break(path: Path, ident: object, device: object, seq: object, prev: object) -> None:
    if prev is None:
        what = "names no previous change"
    else:
        what = (
            f"names a previous change {show_change(prev)} that is missing (deleted?) "
            "or out of order"
        )
    raise BadInput(
        f"{path}: the chain of device {device} breaks at change {show_change(ident)} "
        f"(seq {seq}): it {what}; refused"
    )


def _target_name(conn: sqlite3.Connection) -> str:
    return next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")


def check_lineage(conn: sqlite3.Connection, path: Path, n: int, sources: list[Path]) -> None:
    """A scrubbed copy's devices are its source's renamed `<device>~<scrub>`: one beside
    the device it was made from (or beside another scrubbing of it) would set blanked
    values beside the real ones, or two pseudonyms beside each other."""
    row = conn.execute(Q["check_lineage"], {"src": n}).fetchone()
    if row is None:
        return
    theirs, ours, where = row
    other = _target_name(conn) if where is None else str(sources[where])
    pair = f"device {theirs} beside {ours}"
    if "~" in theirs and "~" in ours:
        raise BadInput(
            f"{path} and {other} are copies of one database scrubbed apart ({pair}); scrub "
            "both with one --key-file, or merge the originals: refused"
        )
    what = (
        f"is a scrubbed copy of changes {other} holds as written"
        if "~" in theirs
        else f"holds as written the changes {other} holds a scrubbed copy of"
    )
    raise BadInput(
        f"{path}: {what} ({pair}); merging them would set blanked values beside the real "
        "ones: refused"
    )


def _round_up_days(ms: int) -> str:
    return f"{max(1, -(-ms // DAY_MS) + 1)}d"
