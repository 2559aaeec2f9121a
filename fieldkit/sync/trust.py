"""Letting keys into a merge: what the target's keyring trusts, and trust on first use.

At the commit of a merge, every key a source's new signatures or keyring decisions are
made with (sigchecks.KeyUse) must be trusted by the target as it was before the merge, or
be the merging device's own; a revoked key may sign only changes dated before its
revocation. A target that trusts no key yet (none in its keyring) takes the keys it meets,
its own among them (trust on first use),
as does a merge with `trust_new`: each is written to its keyring, signed by the merging
device, and named to the user.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from fieldkit.errors import BadInput
from fieldkit.store.fold import Keyring, decide_key, keyring_time
from fieldkit.store.keys import Signer
from fieldkit.sync.sigchecks import KeyUse


@dataclass(frozen=True)
class Policy:
    """How a merge lets keys in: the merging device's key, and whether to take new ones."""

    signer: Signer
    trust_new: bool


@dataclass
class Admission:
    """The keys one merge lets in."""

    signer: Signer
    ring: Keyring
    trust_new: bool
    first_use: bool  # the target trusted no key before this merge (trust on first use)
    added: list[KeyUse] = field(default_factory=list)

    @classmethod
    def start(cls, conn: sqlite3.Connection, signer: Signer, trust_new: bool) -> Admission:
        ring = Keyring.read(conn)
        return cls(signer, ring, trust_new, first_use=not ring.trusted)

    def admit(
        self, conn: sqlite3.Connection, path: Path, target: Path, uses: dict[bytes, KeyUse]
    ) -> list[KeyUse]:
        """Check one source's keys (in the merge's transaction); returns those it added."""
        added = []
        own = self.signer.fingerprint
        for fp, use in sorted((u.fingerprint, u) for u in uses.values()):
            since = self.ring.revoked.get(fp)
            if since is not None and use.latest_ms >= since:
                raise BadInput(
                    f"{path}: {use.who()} was revoked from {keyring_time(since)} and signs "
                    f"changes dated after that: refused"
                )
            if fp in self.ring.trusted:
                continue
            if fp == own and not self.first_use:
                continue  # its own key: trusted by the database it signs for
            if since is not None:
                continue  # revoked, and signing only what came before
            if not (self.first_use or self.trust_new or fp == own):
                raise BadInput(
                    f"{path}: {use.who()} is not trusted by {target.name}: refused (`fieldkit "
                    f"keys trust {fp}`, or merge with --trust-new)"
                )
            decide_key(conn, self.signer, fp, "trust")
            self.ring.trusted.add(fp)
            if fp != own:  # (its own key, written to the keyring on first use: not news)
                added.append(use)
        self.added += added
        return added
