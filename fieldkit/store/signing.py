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
from collections.abc import Iterable
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
class Walk:
    """What a log's signatures cover, found walking its changes one at a time, each
    device's from its latest back (verify's stream): a change is covered when a valid
    signature that counts for its device signs it, or a covered change names it as prev.
    Memory holds the signatures and, per device, the few changes a covered one names."""

    known: dict[str, DeviceKey]
    signed: set[Any]  # changes a valid signature that counts for their device signs
    vouched: dict[str, set[bytes]]  # keyless device -> keys that vouched for its changes
    bad: list[tuple[Any, Any]]  # (change id, device) of signatures that do not verify
    # device -> (count, (seq, shown id, id) of the first) of the changes not covered
    uncovered: dict[str, tuple[int, tuple[int, str, Any]]] = field(default_factory=dict)
    _device: Any = None
    _named: set[Any] = field(default_factory=set)  # ids the covered changes name as prev

    @classmethod
    def start(cls, conn: sqlite3.Connection, schema: str, stream: str) -> Walk:
        """Read the device keys and check every signature once (`stream`: verify's
        `signatures` statement)."""
        known = device_keys(conn, f"{schema}.changes")
        signed: set[Any] = set()
        vouched: dict[str, set[bytes]] = defaultdict(set)
        bad = []
        tables = {r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master")}
        rows = conn.execute(stream) if "signatures" in tables else []
        for ident, public, signature, device in rows:
            if device is None:
                continue
            own = known.get(device)
            if own is not None and own.public is not None and public != own.public:
                continue  # a keyed device's changes count only under its own key
            message = ident if isinstance(ident, bytes) else b""
            if not keys.valid(public, keys.TIP, message, signature):
                bad.append((ident, device))
                continue
            if own is None or own.public is None:
                vouched[str(device)].add(public)
            signed.add(ident)
        return cls(known, signed, dict(vouched), bad)

    def step(self, device: Any, seq: Any, ident: Any, prev: Any) -> None:
        """The next change, in (device, seq descending) order."""
        if device != self._device:
            self._device, self._named = device, set()
        if ident in self.signed or ident in self._named:
            self._named.discard(ident)
            if prev is not None:
                self._named.add(prev)
            return
        name = str(device)
        first = (seq if isinstance(seq, int) else 0, digest.show(ident), ident)
        count, held = self.uncovered.get(name, (0, first))
        self.uncovered[name] = (count + 1, min(held, first, key=lambda t: t[:2]))

    def problems(self) -> list[tuple[str, str]]:
        """[(device, problem)]: keys a log names twice, changes not covered, signatures
        that do not verify."""
        found: list[tuple[str, str]] = []
        for device, held in sorted(self.known.items()):
            for other in sorted(held.others):
                found.append(
                    (
                        device,
                        f"device {device} names a second key {keys.fingerprint(other)} (its "
                        f"key is {held.fingerprint}): a log re-signed by someone else",
                    )
                )
        for device, (count, (seq, shown, _)) in sorted(self.uncovered.items()):
            found.append(
                (
                    device,
                    f"change {shown} (device {device}, seq {seq}): not covered by a "
                    f"signature of its device's key ({count:,} change(s) of device {device} "
                    "are not; added or rewritten without it?)",
                )
            )
        for ident, device in self.bad:
            found.append(
                (
                    str(device),
                    f"the signature on change {digest.show(ident)} does not verify (forged)",
                )
            )
        return found
