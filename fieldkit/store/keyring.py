"""The keyring: which device keys a (team) database trusts, and which it revoked.

Each decision is a row (key, 'trust' | 'revoke', since, the deciding database's key, its
signature), merged by plain union like the register's rows, so the team's keyring reaches
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


def message(public: bytes, decision: str, since: int) -> bytes:
    """What a keyring row's signature signs (after keys.KEYRING)."""
    return public + decision.encode() + struct.pack(">q", since)


def row_valid(public: Any, decision: Any, since: Any, signer: Any, signature: Any) -> bool:
    return (
        isinstance(public, bytes)
        and decision in DECISIONS
        and isinstance(since, int)
        and keys.valid(signer, keys.KEYRING, message(public, decision, since), signature)
    )


@dataclass
class Keyring:
    """A database's keyring as read."""

    trusted: set[bytes] = field(default_factory=set)
    revoked: dict[bytes, int] = field(default_factory=dict)  # key -> from (unix ms)

    @classmethod
    def read(cls, conn: sqlite3.Connection, schema: str = "main") -> Keyring:
        ring = cls()
        for public, decision, since in conn.execute(
            f"SELECT public_key, decision, since FROM {schema}.keyring"
        ):
            if decision == "trust":
                ring.trusted.add(public)
            elif decision == "revoke":
                ring.revoked[public] = min(since, ring.revoked.get(public, since))
        return ring

    def status(self, public: bytes | None, own: bytes | None = None) -> str:
        if public is None:
            return "no key (written before signatures)"
        if public in self.revoked:
            return f"revoked from {shown(self.revoked[public])}"
        if public == own:
            return "this device"
        return "trusted" if public in self.trusted else "not trusted"


def shown(ms: int) -> str:
    if ms <= 0:
        return "the start"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def decide(
    conn: sqlite3.Connection, signer: Signer, public: bytes, decision: str, since: int = 0
) -> bool:
    """Add one signed decision (the caller holds the write transaction), and the deciding
    key's trust in itself (so that databases this keyring merges into know who decided).
    False when the keyring already holds the decision."""
    if decision == "trust" and public != signer.public:
        decide(conn, signer, signer.public, "trust")
    cur = conn.execute(
        "INSERT OR IGNORE INTO main.keyring (public_key, decision, since, signer, signature)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            public,
            decision,
            since,
            signer.public,
            signer.sign(keys.KEYRING, message(public, decision, since)),
        ),
    )
    return cur.rowcount > 0


@dataclass(frozen=True)
class KnownKey:
    """A key a database knows: its devices' keys, the keys that vouched, the keyring's."""

    public: bytes
    devices: tuple[str, ...]
    inspectors: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.public)


def known_keys(conn: sqlite3.Connection) -> dict[bytes, KnownKey]:
    found: dict[bytes, tuple[set[str], set[str]]] = {}
    for dk in signing.device_keys(conn).values():
        if dk.public is not None:
            devices, names = found.setdefault(dk.public, (set(), set()))
            devices.add(dk.device_id)
            if dk.inspector:
                names.add(dk.inspector)
    for (public,) in conn.execute(
        "SELECT public_key FROM main.signatures UNION SELECT public_key FROM main.keyring"
        " UNION SELECT signer FROM main.keyring"
    ):
        if isinstance(public, bytes) and len(public) == 32:
            found.setdefault(public, (set(), set()))
    return {k: KnownKey(k, tuple(sorted(d)), tuple(sorted(n))) for k, (d, n) in found.items()}


def find(conn: sqlite3.Connection, fingerprint: str) -> KnownKey:
    """The key a database knows by this fingerprint (or a unique start of it, 8 hex
    digits at least), or one clear line."""
    text = fingerprint.strip().lower().replace(" ", "").replace(":", "")
    if len(text) < 8:
        raise BadInput(
            f"{fingerprint!r}: give the key's fingerprint (16 hex digits, see `keys list`)"
        )
    matches = [k for k in known_keys(conn).values() if k.fingerprint.startswith(text)]
    if not matches:
        raise BadInput(f"no key with fingerprint {fingerprint} in this database (see `keys list`)")
    if len(matches) > 1:
        raise BadInput(f"{fingerprint}: more than one key starts so; give all 16 digits")
    return matches[0]


def listing(conn: sqlite3.Connection, own: bytes | None = None) -> list[dict[str, Any]]:
    """Every device of a database's log with its key (`fieldkit keys list`): inspector,
    fingerprint, first and last change (ISO dates, UTC), changes, and its key's status
    here; then the keys that sign no device's changes (a team lead's keyring decisions, a
    vouching upgrade). `own`: this user's key, shown as 'this device'."""
    ring = Keyring.read(conn)
    device_keys = signing.device_keys(conn)
    vouchers: dict[str, set[bytes]] = {}
    for device, public in conn.execute(
        "SELECT c.device_id, s.public_key FROM main.signatures s"
        " JOIN main.changes c ON c.id = s.change_id"
    ):
        held = device_keys.get(device)
        if held is None or held.public is None:
            vouchers.setdefault(device, set()).add(public)
    out = []
    seen: set[bytes] = set()
    for device, n, first, last, author in conn.execute(
        "SELECT device_id, count(*), min(hlc), max(hlc), max(author) FROM main.changes"
        " GROUP BY device_id ORDER BY min(hlc)"
    ):
        held = device_keys.get(device)
        public = held.public if held else None
        if public is not None:
            seen.add(public)
        vouched = sorted(keys.fingerprint(k) for k in vouchers.get(device, ()))
        out.append(
            {
                "device": device,
                "inspector": (held.inspector if held else None) or author or "",
                "fingerprint": keys.fingerprint(public) if public else "",
                "first_change": _date(first),
                "last_change": _date(last),
                "changes": n,
                "status": ring.status(public, own)
                + (f", vouched for by {', '.join(vouched)}" if vouched else ""),
            }
        )
    others = set(ring.trusted) | set(ring.revoked) | set(known_keys(conn))
    for public in sorted(others - seen):
        out.append(
            {
                "device": "",
                "inspector": "",
                "fingerprint": keys.fingerprint(public),
                "first_change": "",
                "last_change": "",
                "changes": 0,
                "status": ring.status(public, own),
            }
        )
    return out


def _date(hlc: int | None) -> str:
    if not isinstance(hlc, int):
        return ""
    return datetime.fromtimestamp((hlc >> 16) / 1000, UTC).strftime("%Y-%m-%d %H:%M")
