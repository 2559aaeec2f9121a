"""The Writer: one write transaction on a Store, and the named ways to write inside it.

`with store.writing() as w:` yields a Writer (the model: sqlite-utils' Database, whose
callers never reach SQLite's connection for a write it has a method for). Everything it
writes is in one transaction, committed when the block ends and rolled back if it raises;
the rows it inserts into signed tables are signed in that same transaction
(fieldkit.store.rowsigs). The change log is appended to (`append`, `append_stamped`),
checklists installed (`install`), files attached (`attach`), keys trusted or revoked
(`trust`, `revoke`), chain tips signed (`sign_heads`) and the state rebuilt (`rebuild`)
only through it (and the meta values set with `set_meta`). The modules that own tables
of their own (the register and plans, scrub's rewrite of its copy) run their statements
with `execute` / `executemany` / `run_script`, or hand `conn` to their helpers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from fieldkit.store import attachments, connection, keyring, keys, log, rowsigs, schema, signing

if TYPE_CHECKING:
    from fieldkit.checklists import Checklist


class _Database(Protocol):
    """What a Writer reads of the Store that made it."""

    @property
    def inspector(self) -> str: ...


class Writer:
    """One write transaction on a Store (see the module docstring)."""

    def __init__(self, store: _Database, conn: sqlite3.Connection):
        self.store = store
        self.conn = conn  # for modules that own tables of their own (the register, scrub)

    # ------------------------------------------------------------- the change log
    def append(self, changes: Iterable[log.Change], *, author: str | None = None) -> int:
        """Append changes to the log as this database's device, its chain tip signed with
        the user's key, and fold them in. `author`: the inspector who made them (the
        database's inspector if not given). Returns the number written."""
        return log.write_local(self.conn, changes, author=author or self.store.inspector or None)

    def append_stamped(self, rows: Iterable[log.LogRow]) -> int:
        """Fold in changes stamped elsewhere (synthetic data, another log's rows), each a
        LogRow (fieldkit.store.log); the log's own are skipped. Returns the new changes."""
        return log.write_stamped(self.conn, rows)

    def rebuild(self) -> None:
        """Rebuild current state (cells, conflicts, records, the stored counts) from the
        whole log: after a rewrite of the log (scrub)."""
        log.recompute_all(self.conn)

    def rekey_log(self, signer: keys.Signer) -> None:
        """Give the log's changes the ids their content has now (after scrub rewrote their
        values), the signed ones signed anew by `signer` (fieldkit.store.chain)."""
        from fieldkit.store.chain import rekey_signed

        rekey_signed(self.conn, signer)

    # ----------------------------------------------------------------- definitions
    def install(self, checklist: Checklist) -> None:
        """Store a checklist definition and its items (nothing if that version is held),
        and rebuild the views that read it."""
        schema.install_checklist(self.conn, checklist)

    def attach(self, attachment: attachments.Attachment | None) -> None:
        """Store an answered file (None: nothing)."""
        attachments.add(self.conn, attachment)

    def set_meta(self, items: Iterable[tuple[str, Any]]) -> None:
        """Set the database's meta values (key, value)."""
        log.set_meta(self.conn, items)

    # ------------------------------------------------------------------- signing
    def trust(self, fingerprint: str) -> tuple[keyring.KnownKey, bool]:
        """Trust the key this database knows by `fingerprint` (or a unique start of it), a
        decision signed with the user's key. (the key, False if it was trusted already)."""
        found = keyring.find(self.conn, fingerprint)
        return found, keyring.decide(self.conn, keys.signer(), found.fingerprint, "trust")

    def revoke(self, fingerprint: str, since_ms: int) -> keyring.KnownKey:
        """Revoke the key known by `fingerprint` from `since_ms` on (signed with the user's
        key): its changes dated from then are refused."""
        found = keyring.find(self.conn, fingerprint)
        keyring.decide(self.conn, keys.signer(), found.fingerprint, "revoke", since_ms)
        return found

    def sign_heads(self, signer: keys.Signer, devices: Iterable[str] | None = None) -> int:
        """Sign the log's chain tips (of `devices` only, if given) with `signer`."""
        return signing.sign_heads(self.conn, signer, devices)

    def sign_unsigned(self, signer: keys.Signer, *, again: bool = False) -> int:
        """Vouch with `signer` for every row no signature covers (`again`: every row)."""
        return rowsigs.sign_unsigned(self.conn, signer, again=again)

    # ------------------------------------------------------- tables of their own
    def execute(
        self, statement: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> sqlite3.Cursor:
        """Run one statement in this transaction (the register's and scrub's own SQL)."""
        return self.conn.execute(statement, params)

    def executemany(self, statement: str, rows: Iterable[Any]) -> sqlite3.Cursor:
        return self.conn.executemany(statement, rows)

    def run_script(self, script: str) -> None:
        """Run a script of statements in this transaction (not executescript's COMMIT)."""
        connection.run_script(self.conn, script)
