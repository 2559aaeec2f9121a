"""The keyring: which device keys a (team) database trusts, and which it revoked.

Each decision is a row (a key's fingerprint, 'trust' | 'revoke', since, the deciding
database's key, its signature), merged by plain union like the register's rows, so the team's keyring reaches
every laptop a team database is merged back into. A key is trusted when a 'trust' row names
it; from the earliest 'revoke' row's `since` (unix ms) on, its signatures are refused.
The database's own device key is trusted by it without a row.
"""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fieldkit.errors import BadInput
from fieldkit.store import keys, signing
from fieldkit.store.keys import Signer

DECISIONS = ("trust", "revoke")


def message(fingerprint: str, decision: str, since: int) -> bytes:
    """What a keyring row's signature signs (after keys.KEYRING)."""
    return f"{fingerprint}\0{decision}\0".encode() + struct.pack(">q", since)


def row_valid(fingerprint: Any, decision: Any, since: Any, signer: Any, signature: Any) -> bool:
    return (
        isinstance(fingerprint, str)
        and decision in DECISIONS
        and isinstance(since, int)
        and keys.valid(signer, keys.KEYRING, message(fingerprint, decision, since), signature)
    )


@dataclass
class Keyring:
    """A database's keyring as read."""

    trusted: set[str] = field(default_factory=set)  # fingerprints
    revoked: dict[str, int] = field(default_factory=dict)  # fingerprint -> from (unix ms)

    @classmethod
    def read(cls, conn: sqlite3.Connection, schema: str = "main") -> Keyring:
        ring = cls()
        for fp, decision, since in conn.execute(
            f"SELECT fingerprint, decision, since FROM {schema}.keyring"
        ):
            if decision == "trust":
                ring.trusted.add(fp)
            elif decision == "revoke":
                ring.revoked[fp] = min(since, ring.revoked.get(fp, since))
        return ring

    def status(self, fp: str | None, own: str | None = None) -> str:
        if not fp:
            return "no key (written before signatures)"
        if fp in self.revoked:
            return f"revoked from {shown(self.revoked[fp])}"
        if fp == own:
            return "this device"
        return "trusted" if fp in self.trusted else "not trusted"


def shown(ms: int) -> str:
    if ms <= 0:
        return "the start"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def decide(
    conn: sqlite3.Connection, signer: Signer, fp: str, decision: str, since: int = 0
) -> bool:
    """Add one signed decision (the caller holds the write transaction), and the deciding
    key's trust in itself (so that databases this keyring merges into know who decided).
    False when the keyring already holds the decision."""
    if decision == "trust" and fp != signer.fingerprint:
        decide(conn, signer, signer.fingerprint, "trust")
    cur = conn.execute(
        "INSERT OR IGNORE INTO main.keyring (fingerprint, decision, since, signer, signature)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            fp,
            decision,
            since,
            signer.public,
            signer.sign(keys.KEYRING, message(fp, decision, since)),
        ),
    )
    return cur.rowcount > 0


@dataclass(frozen=True)
class KnownKey:
    """A key a database knows (its devices' keys, the keys that vouched or decided, the
    keyring's), or one named by its whole fingerprint."""

    fingerprint: str
    devices: tuple[str, ...] = ()
    inspectors: tuple[str, ...] = ()


def known_keys(conn: sqlite3.Connection) -> dict[str, KnownKey]:
    found: dict[str, tuple[set[str], set[str]]] = {}
    for dk in signing.device_keys(conn).values():
        if dk.public is not None:
            devices, names = found.setdefault(dk.fingerprint, (set(), set()))
            devices.add(dk.device_id)
            if dk.inspector:
                names.add(dk.inspector)
    for (public,) in conn.execute(
        "SELECT public_key FROM main.signatures UNION SELECT signer FROM main.keyring"
    ):
        if isinstance(public, bytes) and len(public) == 32:
            found.setdefault(keys.fingerprint(public), (set(), set()))
    for (fp,) in conn.execute("SELECT fingerprint FROM main.keyring"):
        found.setdefault(fp, (set(), set()))
    return {fp: KnownKey(fp, tuple(sorted(d)), tuple(sorted(n))) for fp, (d, n) in found.items()}


def find(conn: sqlite3.Connection, fingerprint: str) -> KnownKey:
    """The key a database knows by this fingerprint (or a unique start of it, 8 hex digits
    at least); a whole fingerprint (32 hex digits) names a key not met yet too. Else one
    clear line."""
    text = fingerprint.strip().lower().replace(" ", "").replace(":", "")
    if len(text) < 8 or any(c not in "0123456789abcdef" for c in text):
        raise BadInput(
            f"{fingerprint!r}: give the key's fingerprint (32 hex digits, see `keys list`)"
        )
    matches = [k for fp, k in known_keys(conn).items() if fp.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise BadInput(f"{fingerprint}: more than one key starts so; give all 32 digits")
    if len(text) == 32:
        return KnownKey(text)
    raise BadInput(
        f"no key starting {fingerprint} in this database: give its whole fingerprint "
        "(32 hex digits, `fieldkit keys list --db` on its device's database shows it)"
    )


def listing(conn: sqlite3.Connection, own: str | None = None) -> list[dict[str, Any]]:
    """Every device of a database's log with its key (`fieldkit keys list`): inspector,
    fingerprint, first and last change (ISO dates, UTC), changes, and its key's status
    here; then the keys that sign no device's changes (a team lead's keyring decisions, a
    vouching upgrade). `own`: this user's key, shown as 'this device'."""
    ring = Keyring.read(conn)
    device_keys = signing.device_keys(conn)
    vouchers: dict[str, set[str]] = {}
    for device, public in conn.execute(
        "SELECT c.device_id, s.public_key FROM main.signatures s"
        " JOIN main.changes c ON c.id = s.change_id"
    ):
        held = device_keys.get(device)
        if held is None or held.public is None:
            vouchers.setdefault(device, set()).add(keys.fingerprint(public))
    out = []
    seen: set[str] = set()
    for device, n, first, last, author in conn.execute(
        "SELECT device_id, count(*), min(hlc), max(hlc), max(author) FROM main.changes"
        " GROUP BY device_id ORDER BY min(hlc)"
    ):
        held = device_keys.get(device)
        fp = held.fingerprint if held and held.public else ""
        seen.add(fp)
        vouched = sorted(vouchers.get(device, ()))
        out.append(
            {
                "device": device,
                "inspector": (held.inspector if held else None) or author or "",
                "fingerprint": fp,
                "first_change": _date(first),
                "last_change": _date(last),
                "changes": n,
                "status": ring.status(fp, own)
                + (f", vouched for by {', '.join(vouched)}" if vouched else ""),
            }
        )
    others = set(ring.trusted) | set(ring.revoked) | set(known_keys(conn))
    for fp in sorted(others - seen):
        out.append(
            {
                "device": "",
                "inspector": "",
                "fingerprint": fp,
                "first_change": "",
                "last_change": "",
                "changes": 0,
                "status": ring.status(fp, own),
            }
        )
    return out


def _date(hlc: int | None) -> str:
    if not isinstance(hlc, int):
        return ""
    return datetime.fromtimestamp((hlc >> 16) / 1000, UTC).strftime("%Y-%m-%d %H:%M")
