"""Checking a source's signatures before a merge writes anything (after logchecks has
checked its ids and chains), and letting in only keys the target trusts.

Every change the source brings must be covered by a valid signature of its device's key (a
signed change at or after it in its chain; for a device with no key in the log, a
signature that vouches for it); a device must sign with the key the target knows it by;
every signature and keyring decision the target does not hold must verify. Each signature
is checked once (a laptop holds about one per chain), then each chain is walked once.
What is found is the keys the merge must trust (trust.admit, at the commit).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.store import keys
from fieldkit.store.fold import COUNTER_BITS, DeviceKey, device_keys, keyring_row_valid, show_change

Q = sql.queries("merge")


@dataclass
class KeyUse:
    """A key a source brings signatures or keyring decisions of."""

    public: bytes
    devices: set[str] = field(default_factory=set)
    inspectors: set[str] = field(default_factory=set)
    latest_ms: int = -1  # the latest change it signs (unix ms); -1 for none
    keyring: bool = False  # it signed keyring decisions
    rows: int = 0  # register, plan and checklist rows it signs (fieldkit.sync.rowchecks)

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.public)

    def who(self) -> str:
        """As a refusal names it: device, inspector and key."""
        if not self.devices:
            return f"{self._what()} by key {self.fingerprint}"
        names = ", ".join(sorted(self.inspectors)) or "-"
        return (
            f"device {', '.join(sorted(self.devices))} (inspector {names}, key {self.fingerprint})"
        )

    def _what(self) -> str:
        if self.keyring:
            return "keyring decisions"
        return f"{self.rows:,} signed register row(s)" if self.rows else "signatures"

    def shown(self) -> str:
        """As a merge that trusts it names it: key, device and inspector."""
        if not self.devices:
            return f"{self.fingerprint} ({self._what()})"
        names = ", ".join(sorted(self.inspectors)) or "-"
        return f"{self.fingerprint} (device {', '.join(sorted(self.devices))}, inspector {names})"


def check_signatures(
    conn: sqlite3.Connection,
    path: Path,
    target: Path,
    new: dict[bytes, tuple[str, int]],
    links: list[tuple[bytes, str, int, bytes]],
) -> dict[bytes, KeyUse]:
    """The keys the source's new signatures and keyring decisions are made with, once every
    new change is covered (else one line, BadInput). `conn` is the check's connection (the
    source `main`, the target attached as `target`)."""
    theirs = device_keys(conn, "main.changes")
    ours = device_keys(conn, "target.changes")
    for device, held in sorted(theirs.items()):
        known = ours.get(device)
        if held.others or (known and known.public and held.public and known.public != held.public):
            first = known.public if known and known.public else held.public
            second = held.public if known and known.public != held.public else min(held.others)
            raise BadInput(
                f"{path}: device {device} (inspector {held.inspector or '-'}) signs with key "
                f"{keys.fingerprint(second or b'')}, but {target} knows it by key "
                f"{keys.fingerprint(first or b'')}: a log re-signed by someone else; refused"
            )
    uses: dict[bytes, KeyUse] = {}
    signed = []
    for ident, public, signature, device, seq, hlc in conn.execute(Q["source_signatures"]):
        if device is None:
            continue  # a signature of a change it does not hold: not taken in
        if not keys.valid(public, keys.TIP, ident, signature):
            raise BadInput(
                f"{path}: the signature on change {show_change(ident)} (device {device}, seq "
                f"{seq}) does not verify (forged?): refused"
            )
        use = uses.setdefault(public, KeyUse(public))
        use.devices.add(device)
        use.latest_ms = max(use.latest_ms, hlc >> COUNTER_BITS)
        own = ours.get(device) or theirs.get(device)
        if own is not None and own.inspector:
            use.inspectors.add(own.inspector)
        if own is None or own.public is None or own.public == public:
            signed.append(ident)
    _check_covered(path, new, links, signed, {**theirs, **ours})
    for row in conn.execute(Q["source_keyring"]):
        if not keyring_row_valid(*row):
            raise BadInput(
                f"{path}: a keyring decision on key {keys.fingerprint(row[0] or b'')} is not "
                "signed by the key it names (forged?): refused"
            )
        uses.setdefault(row[3], KeyUse(row[3])).keyring = True
    return uses


def _check_covered(
    path: Path,
    new: dict[bytes, tuple[str, int]],
    links: list[tuple[bytes, str, int, bytes]],
    signed: list[bytes],
    known: dict[str, DeviceKey],
) -> None:
    """Every new change at or before a signed one in its chain (each walked once)."""
    prev_of = {ident: prev for prev, _, _, ident in links}
    roots = {ident for ident in new if ident not in prev_of}
    for tip in signed:
        cur: bytes | None = tip
        while cur is not None:
            if cur in prev_of:
                cur = prev_of.pop(cur)
            else:
                roots.discard(cur)
                break
    if not prev_of and not roots:
        return
    left = [*prev_of, *roots]
    first = min(left, key=lambda i: (new[i][1], new[i][0], i))
    device, seq = new[first]
    count = sum(1 for i in left if new[i][0] == device)
    held = known.get(device)
    name = held.inspector if held and held.inspector else "-"
    fp = held.fingerprint if held else "-"
    raise BadInput(
        f"{path}: change {show_change(first)} (device {device}, inspector {name}, key {fp}, "
        f"seq {seq}) and {count - 1:,} more of that device are not signed by its key "
        "(added or rewritten without it?): refused"
    )
