"""Content-derived change identity: a change's id is a digest of what it says.

A change's id is a 16-byte BLAKE2b digest over its device, sequence number, clock, cell
(record, kind, field, repeat key), value, author, parents and the id of its device's
previous change (`prev`, the hash chain). Two changes with the same id say the same thing;
a change edited after it was written no longer matches its id; a deleted one leaves the
next change of its device pointing at nothing. SQL reaches the digest as the function
`fk_change_id(...)` (registered on every connection that writes or checks the log).
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

ID_BYTES = 16
# The largest clock fieldkit accepts from anywhere: far beyond any real date (unix ms
# 2^46 is the year 4199), with room below SQLite's 2^63 so that the clock of a local write
# can always go up without overflowing.
HLC_LIMIT = 1 << 62


def change_id(
    device_id: Any,
    seq: Any,
    hlc: Any,
    record_id: Any,
    kind: Any,
    field: Any,
    rkey: Any,
    value: Any,
    author: Any,
    parent: Any,
    parents: Any,
    prev: Any,
) -> bytes:
    """The id of a change with this content. `parents` is the further parents' ids as
    upper-case hex, in byte order, concatenated (SQL: group_concat(hex(parent), '')), or
    None when there are none.

    The digest is over the UTF-8 of the repr() of the tuple of the twelve values as SQLite
    hands them to Python (None, int, float, str, bytes): typed (1, 1.0, '1' and b'1'
    differ), unambiguous, and computed in C (a local write or a demo of 250,000 changes
    spends about 3 microseconds a change on it)."""
    content = (
        device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent,
        parents or None, prev,
    )  # fmt: skip
    return content_id(content)


_PERSON = b"fieldkit-change"
_HASH = hashlib.blake2b(digest_size=ID_BYTES, person=_PERSON)  # copied per change


def content_id(content: tuple[Any, ...]) -> bytes:
    """change_id() of a change's twelve values already in one tuple, in change_id()'s order
    (`parents` None, not '', when there are none): what a merge's check calls once per
    incoming row, as SQLite hands the row over (fieldkit.sync.logchecks)."""
    h = _HASH.copy()
    h.update(repr(content).encode("utf-8", "surrogatepass"))
    return h.digest()


def parents_text(parents: list[bytes]) -> str | None:
    """Further parents as change_id() takes them."""
    return "".join(p.hex().upper() for p in sorted(parents)) or None


def register(conn: sqlite3.Connection) -> None:
    """Make `fk_change_id(...)` available to SQL on this connection."""
    conn.create_function("fk_change_id", 12, change_id, deterministic=True)


def show(change: Any) -> str:
    """A change id as people read and type it: 32 hex digits (text ids, from older
    databases or crafted files, as they are)."""
    if isinstance(change, bytes):
        return change.hex()
    return str(change)
