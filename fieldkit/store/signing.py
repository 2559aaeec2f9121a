"""Signed chains: signing a device's new chain tip as it writes, and finding which changes
a log's signatures cover (`fieldkit verify`, and the keys a merge must trust).

A signature on a change vouches for it and every change before it in its device's chain
(each id is a digest naming the one before). It counts for a change of device D when it
is by D's key: the key its first key change names (fieldkit.store.keys). For a device with
no key in the log (its changes were written by a fieldkit before signatures), a signature
by any key counts: the vouching of the device that upgraded the database, named where the
coverage is shown, and a key a merge must trust like any other.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldkit.store import digest, keys
from fieldkit.store.keys import Signer

KEY_CHANGES = (
    "SELECT device_id, seq, value, author, id, hlc FROM {changes}"
    " WHERE record_id = 'device' AND field = 'key' AND kind = 'setting' AND rkey = device_id"
)


def sign_tip(conn: sqlite3.Connection, signer: Signer, tip: bytes, before: bytes | None) -> None:
    """Sign this device's new chain tip (in the write's transaction) and drop its signature
    of the tip before (`before`, which the new one covers)."""
    conn.execute(
        "INSERT OR IGNORE INTO main.signatures (change_id, public_key, signature) VALUES (?, ?, ?)",
        (tip, signer.public, signer.sign(keys.TIP, tip)),
    )
    if before is not None and before != tip:
        conn.execute(
            "DELETE FROM main.signatures WHERE change_id = ? AND public_key = ?",
            (before, signer.public),
        )


def sign_heads(
    conn: sqlite3.Connection, signer: Signer, devices: Iterable[str] | None = None
) -> int:
    """Sign every chain tip the log records (of `devices` only, if given): the vouching of
    a database upgraded from before signatures, a scrubbed copy, the demo's inspectors.
    The caller holds the write transaction. Returns the number of tips signed."""
    tips = conn.execute(
        "SELECT h.id, c.device_id FROM main.chain_heads h JOIN main.changes c ON c.id = h.id"
    ).fetchall()
    wanted = None if devices is None else set(devices)
    rows = [
        (tip, signer.public, signer.sign(keys.TIP, tip))
        for tip, device in tips
        if wanted is None or device in wanted
    ]
    conn.executemany(
        "INSERT OR IGNORE INTO main.signatures (change_id, public_key, signature) VALUES (?, ?, ?)",
        rows,
    )
    return len(rows)


@dataclass
class DeviceKey:
    """A device's key as its log says it: the first key change of its chain."""

    device_id: str
    public: bytes | None
    inspector: str | None
    seq: int
    others: set[bytes] = field(default_factory=set)  # further keys it names (a forgery)

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.public) if self.public else "-"


def device_keys(conn: sqlite3.Connection, changes: str = "main.changes") -> dict[str, DeviceKey]:
    """Every device's key, from its key changes (the earliest in its chain counts)."""
    found: dict[str, DeviceKey] = {}
    rows = conn.execute(KEY_CHANGES.format(changes=changes)).fetchall()
    for device, seq, value, author, _ident, _hlc in sorted(rows, key=lambda r: (r[0], r[1])):
        public = keys.public_from_hex(value)
        held = found.get(device)
        if held is None:
            found[device] = DeviceKey(device, public, author, seq)
        elif public != held.public and public is not None:
            held.others.add(public)
    return found


@dataclass
class Coverage:
    """What a log's signatures cover."""

    covered: set[Any]  # the ids of the changes a valid signature covers
    uncovered: dict[
        str, list[tuple[int, Any]]
    ]  # device -> (seq, id) of changes no valid one covers
    vouched: dict[str, set[bytes]]  # keyless device -> keys that vouched for its changes
    bad: list[Any]  # signatures that do not verify (their change ids)


def coverage(
    changes: Mapping[Any, tuple[Any, ...]],
    signatures: Iterable[tuple[Any, Any, Any]],
    known: Mapping[str, DeviceKey],
    at: tuple[int, int, int] = (0, 1, 2),
) -> Coverage:
    """Which of `changes` (id -> a row holding its device, seq and prev at the places
    `at` says) the `signatures` (change id, public key, signature) cover, each valid
    signature checked once and its chain walked back until a change already covered."""
    dev_at, seq_at, prev_at = at
    covered: set[Any] = set()
    vouched: dict[str, set[bytes]] = defaultdict(set)
    bad = []
    for ident, public, signature in signatures:
        row = changes.get(ident)
        if row is None:
            continue
        device = row[dev_at]
        own = known.get(device)
        if own is not None and own.public is not None and public != own.public:
            continue  # a keyed device's changes count only under its own key
        if not keys.valid(public, keys.TIP, ident if isinstance(ident, bytes) else b"", signature):
            bad.append(ident)
            continue
        if own is None or own.public is None:
            vouched[str(device)].add(public)
        cur = ident
        while cur is not None and cur not in covered:
            step = changes.get(cur)
            if step is None or step[dev_at] != device:
                break
            covered.add(cur)
            cur = step[prev_at]
    uncovered: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for ident, row in changes.items():
        if ident not in covered:
            seq = row[seq_at]
            uncovered[str(row[dev_at])].append((seq if isinstance(seq, int) else 0, ident))
    for found in uncovered.values():
        found.sort(key=lambda s: (s[0], digest.show(s[1])))
    return Coverage(covered, dict(uncovered), dict(vouched), bad)


def signature_problems(
    conn: sqlite3.Connection, by_id: Mapping[Any, tuple[Any, ...]], schema: str = "main"
) -> tuple[Coverage, dict[str, DeviceKey], list[tuple[str, str]]]:
    """verify's signature check over a log already read (id -> its row: device, seq, hlc,
    ..., prev last): (coverage, device keys, [(device, problem)])."""
    known = device_keys(conn, f"{schema}.changes")
    tables = {r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master")}
    sigs = (
        conn.execute(f"SELECT change_id, public_key, signature FROM {schema}.signatures").fetchall()
        if "signatures" in tables
        else []
    )
    found = coverage(by_id, sigs, known, (1, 2, 11))
    problems: list[tuple[str, str]] = []
    for device, held in sorted(known.items()):
        for other in sorted(held.others):
            problems.append(
                (
                    device,
                    f"device {device} names a second key {keys.fingerprint(other)} (its key is "
                    f"{held.fingerprint}): a log re-signed by someone else",
                )
            )
    for device, missing in sorted(found.uncovered.items()):
        seq, ident = missing[0]
        problems.append(
            (
                device,
                f"change {digest.show(ident)} (device {device}, seq {seq}): not covered by a "
                f"signature of its device's key ({len(missing):,} change(s) of device {device} "
                "are not; added or rewritten without it?)",
            )
        )
    for ident in found.bad:
        row = by_id.get(ident)
        device = row[1] if row else "?"
        problems.append(
            (str(device), f"the signature on change {digest.show(ident)} does not verify (forged)")
        )
    return found, known, problems
