"""The log's hash chains: checking them (`fieldkit verify`), the log's digest, and giving
the changes of a database made before change ids were digests their new ids.

Every change's id is the digest of its content and of its device's previous change
(fieldkit.store.digest). So:
  - a change edited after it was written no longer matches its id;
  - a change deleted from the middle of a device's history leaves the next one naming a
    change that is not there, and one deleted from the end leaves chain_heads naming it;
  - a missing sequence number is a gap.
A database copied by hand and written on two machines makes two lines from one change (a
fork): both hold their writer's work, and verify reports them without failing.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fieldkit import sql
from fieldkit.store import attachments, digest, keys, rowkeys, rowsigs, signing

VERIFY = sql.queries("verify")
CHANGE_COLUMNS = (
    "id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent, prev"
)


def log_digest(conn: sqlite3.Connection, schema: str = "main") -> str:
    """One digest of the whole log (32 hex digits): the same for two databases exactly when
    they hold the same changes, since each change's id is the digest of its content."""
    h = hashlib.blake2b(digest_size=digest.ID_BYTES, person=b"fieldkit-log")
    for (ident,) in conn.execute(f"SELECT id FROM {schema}.changes ORDER BY id"):
        h.update(ident if isinstance(ident, bytes) else str(ident).encode())
    return h.hexdigest()


# ------------------------------------------------------------------------------ verify
@dataclass
class DeviceReport:
    device_id: str
    changes: int = 0
    last_seq: int = 0
    forks: int = 0  # sequence numbers held twice: a copied database written on two machines
    problems: list[str] = field(default_factory=list)
    key: str = ""  # the fingerprint of its key ("" for a device from before signatures)
    inspector: str = ""
    vouched_by: list[str] = field(default_factory=list)  # keys vouching for a keyless device


@dataclass
class Verification:
    log_digest: str
    changes: int
    devices: list[DeviceReport]
    problems: list[str]  # every problem, one line each, devices' and register rows' included
    register_rows: int = 0  # register and plan rows checked against their keys
    attachments: int = 0  # attached files checked against their digests
    signed_rows: int = 0  # register, plan and checklist rows checked for a signature

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "log_digest": self.log_digest,
            "changes": self.changes,
            "devices": [d.__dict__ for d in self.devices],
            "register_rows": self.register_rows,
            "attachments": self.attachments,
            "signed_rows": self.signed_rows,
            "problems": self.problems,
        }


def _name(device: Any, seq: Any, ident: Any) -> str:
    return f"change {digest.show(ident)} (device {device}, seq {seq})"


def verify(conn: sqlite3.Connection, schema: str = "main") -> Verification:
    """Check every change's id against its content, every device's chain, sequence numbers
    and chain tips, every change's signature coverage, and every register, plan and
    checklist row against its key and signature (fieldkit.store.rowkeys, .rowsigs). Reads
    only.

    The log is read once, as a stream SQLite orders (fieldkit/sql/verify.sql: each
    device's changes from its latest back), and never held whole: memory stays flat
    whatever its size (what is held is per device: the changes its changes met so far name
    as their previous one, a handful)."""
    q = {name: text.replace("{schema}", schema) for name, text in VERIFY.items()}
    heads = {r[0] for r in conn.execute(f"SELECT id FROM {schema}.chain_heads")}
    walk = signing.Walk.start(conn, schema, q["signatures"])
    stream = _Stream(heads)
    for r in conn.execute(q["stream"]):
        stream.change(r)
        walk.step(r[1], r[2], r[0], r[12])
    stream.finish(conn, schema)
    for device, text in walk.problems():
        stream.problem(device, text)
    for device, report in stream.devices.items():
        if device in walk.known:
            report.key = walk.known[device].fingerprint
            report.inspector = walk.known[device].inspector or ""
        report.vouched_by = sorted(keys.fingerprint(k) for k in walk.vouched.get(device, ()))
    register_rows, edited = rowkeys.edited_rows(conn, schema)
    files, bad_files = attachments.problems(conn, schema)
    signed = rowsigs.check(conn, schema)
    return Verification(
        log_digest=log_digest(conn, schema),
        changes=stream.total,
        devices=sorted(stream.devices.values(), key=lambda d: d.device_id),
        problems=stream.problems + edited + bad_files + signed.problems,
        register_rows=register_rows,
        attachments=files,
        signed_rows=signed.checked,
    )


class _Stream:
    """verify's checks of the log's changes, met one at a time in (device, seq descending)
    order: ids, links to the previous change, tips, forks and gaps."""

    def __init__(self, heads: set[Any]) -> None:
        self.heads = heads
        self.held: set[Any] = set()  # the heads met
        self.devices: dict[str, DeviceReport] = {}
        self.problems: list[str] = []
        self.total = 0
        # prev id -> the changes naming it, not met yet: (device, seq, id)
        self.pending: dict[Any, list[tuple[Any, Any, Any]]] = {}
        self.unnamed: list[tuple[Any, Any, Any]] = []  # met, not named by what came before
        self.gaps: dict[str, list[tuple[int, int]]] = {}
        self._device: Any = object()
        self._seq: Any = None  # the lowest whole sequence number >= 1 of this device met
        self._forked = False

    def problem(self, device: Any, text: str) -> None:
        report = self.devices.setdefault(str(device), DeviceReport(str(device)))
        report.problems.append(text)
        self.problems.append(text)

    def change(self, r: tuple[Any, ...]) -> None:
        ident, device, seq, hlc, prev = r[0], r[1], r[2], r[3], r[12]
        self.total += 1
        if device != self._device:
            self._end_device()
            self._device, self._seq, self._forked = device, None, False
        report = self.devices.setdefault(str(device), DeviceReport(str(device)))
        report.changes += 1
        if isinstance(seq, int) and seq >= 1:
            self._sequence(report, seq)
        namers = self.pending.pop(ident, None)
        if namers is not None:
            for n_device, n_seq, n_ident in namers:
                if n_device != device or not (isinstance(n_seq, int) and seq == n_seq - 1):
                    self._out_of_order(n_device, n_seq, n_ident, device, seq, ident)
        if ident in self.heads:
            self.held.add(ident)
        elif namers is None:
            self.unnamed.append((device, seq, ident))
        if not isinstance(ident, bytes) or len(ident) != digest.ID_BYTES:
            self.problem(device, f"{_name(device, seq, ident)}: not a change id (edited)")
            return
        if not isinstance(hlc, int) or not isinstance(seq, int):
            self.problem(
                device, f"{_name(device, seq, ident)}: its clock or sequence is not a number"
            )
        if digest.change_id(*r[1:13]) != ident:
            self.problem(
                device, f"{_name(device, seq, ident)}: content does not match its id (edited)"
            )
        if prev is None:
            if seq != 1:
                self.problem(device, f"{_name(device, seq, ident)}: names no previous change")
        else:
            self.pending.setdefault(prev, []).append((device, seq, ident))

    def _sequence(self, report: DeviceReport, seq: int) -> None:
        """Forks (a sequence number held twice: a copied file written on) and gaps."""
        report.last_seq = max(report.last_seq, seq)
        if seq == self._seq:
            report.forks += 0 if self._forked else 1
            self._forked = True
            return
        if self._seq is not None and seq < self._seq - 1:
            self.gaps.setdefault(str(self._device), []).append((seq + 1, self._seq - 1))
        self._seq, self._forked = seq, False

    def _end_device(self) -> None:
        if self._seq is not None and self._seq > 1:
            self.gaps.setdefault(str(self._device), []).append((1, self._seq - 1))

    def _out_of_order(
        self, device: Any, seq: Any, ident: Any, p_dev: Any, p_seq: Any, prev: Any
    ) -> None:
        self.problem(
            device,
            f"{_name(device, seq, ident)}: names {_name(p_dev, p_seq, prev)} as its previous "
            "change (out of order)",
        )

    def finish(self, conn: sqlite3.Connection, schema: str) -> None:
        """What the stream could not settle alone: changes named by a change met after
        them (another device's, or a lower sequence number), or not there at all."""
        self._end_device()
        for prev, namers in self.pending.items():
            found = conn.execute(
                f"SELECT device_id, seq FROM {schema}.changes WHERE id = ?", (prev,)
            ).fetchone()
            for device, seq, ident in namers:
                if found is None:
                    self.problem(
                        device,
                        f"change {digest.show(prev)} (device {device}, seq "
                        f"{seq - 1 if isinstance(seq, int) else '?'}) is missing (deleted): "
                        f"{_name(device, seq, ident)} names it",
                    )
                else:
                    self._out_of_order(device, seq, ident, found[0], found[1], prev)
        for device, seq, ident in self.unnamed:
            if ident not in self.pending:
                self.problem(
                    device,
                    f"{_name(device, seq, ident)}: not recorded as a device's latest (added?)",
                )
        for head in self.heads - self.held:
            self.problems.append(
                f"change {digest.show(head)} (the latest of a device) is missing (deleted)"
            )
        for device, ranges in sorted(self.gaps.items()):
            ranges.sort()
            missing = sum(last - first + 1 for first, last in ranges)
            shown = ", ".join(
                str(first) if first == last else f"{first}-{last}" for first, last in ranges[:5]
            ) + (" …" if len(ranges) > 5 else "")
            self.problem(
                device, f"device {device}: gap, {missing:,} change(s) missing (seq {shown})"
            )


# ------------------------------------------------- giving a log content-derived ids again
def prepare_rekey(conn: sqlite3.Connection) -> None:
    """Fill temp.rekey (old id -> new id, its prev's new id, whether it is a chain tip)
    with the ids the log's changes have by their content now: for the schema step
    0003_verifiable_log (text ids, prev found by sequence number) and after `scrub`
    rewrites values and device names (prev as stored). A change's new id needs its
    parents' and prev's new ids first, so they are computed in that order. The same log
    gets the same ids in any database, so copies migrated apart still merge as one."""
    conn.execute("DROP TABLE IF EXISTS temp.rekey")
    conn.execute("CREATE TEMP TABLE rekey (old PRIMARY KEY, id BLOB, prev BLOB, head INTEGER)")
    has_prev = "prev" in {r[1] for r in conn.execute("PRAGMA main.table_info(changes)")}
    rows = conn.execute(
        "SELECT id, device_id, seq, hlc, record_id, kind, field, rkey, value, author, parent"
        + (", prev" if has_prev else "")
        + " FROM main.changes"
    ).fetchall()
    extra: dict[Any, list[Any]] = defaultdict(list)
    for child, parent in conn.execute("SELECT child, parent FROM main.change_parents"):
        extra[child].append(parent)
    by_old = {r[0]: r for r in rows}
    if has_prev:
        prev_old = {r[0]: r[11] for r in rows}
    else:
        latest: dict[tuple[Any, Any], Any] = {}  # (device, seq) -> the latest id at that seq
        for r in rows:
            key = (r[1], r[2])
            held = latest.get(key)
            if held is None or (r[3], r[0]) > (by_old[held][3], held):
                latest[key] = r[0]
        prev_old = {
            r[0]: latest.get((r[1], r[2] - 1)) if isinstance(r[2], int) else None for r in rows
        }
    new: dict[Any, bytes] = {}

    def unknown(old: Any) -> bytes:  # a change named that the log does not hold
        return hashlib.blake2b(f"unknown change {old!r}".encode(), digest_size=16).digest()

    def ref(d: Any) -> bytes | None:
        return None if d is None else new.get(d) or unknown(d)

    on_path: set[Any] = set()  # being computed: met again, a cycle (only in a damaged log)
    for start in by_old:
        stack: list[tuple[Any, bool]] = [(start, False)]
        while stack:
            old, expanded = stack.pop()
            if old in new:
                continue
            r = by_old[old]
            deps = (r[10], *extra.get(old, ()), prev_old[old])
            if not expanded:
                on_path.add(old)
                stack.append((old, True))
                stack.extend(
                    (d, False) for d in deps if d in by_old and d not in new and d not in on_path
                )
                continue
            parents = digest.parents_text([ref(p) or b"" for p in extra.get(old, ())])
            new[old] = digest.change_id(*r[1:10], ref(r[10]), parents, ref(prev_old[old]))
            on_path.discard(old)
    named = {p for p in prev_old.values() if p is not None}
    refs = {r[10] for r in rows if r[10] is not None and r[10] not in by_old}
    refs |= {p for ps in extra.values() for p in ps if p not in by_old}
    conn.executemany(
        "INSERT INTO temp.rekey (old, id, prev, head) VALUES (?, ?, ?, ?)",
        [(old, new[old], ref(prev_old[old]), int(old not in named)) for old in by_old]
        + [(old, unknown(old), None, 0) for old in refs],
    )


def rekey(conn: sqlite3.Connection) -> None:
    """Give every change of a log whose content was rewritten (scrub) the id its content
    has now, and carry the new ids into parents, chains, current state and conflicts. The
    caller holds the write transaction."""
    prepare_rekey(conn)
    from fieldkit import sql
    from fieldkit.store.connection import run_script

    run_script(conn, sql.queries("state")["apply_rekey"])


def rekey_signed(conn: sqlite3.Connection, signer: keys.Signer) -> None:
    """Give the log the ids its rewritten content has (as rekey does, for scrub), and
    sign, with the scrubber's key, the changes the original's signatures signed, under
    their new ids (and no others: so a scrubbed team database holds the signatures its
    scrubbed laptops' merge would). The caller holds the write transaction."""
    prepare_rekey(conn)
    signed = [
        ident
        for (ident,) in conn.execute(
            "SELECT DISTINCT k.id FROM main.signatures s JOIN temp.rekey k ON k.old = s.change_id"
        )
    ]
    from fieldkit.store.connection import run_script

    run_script(conn, sql.queries("state")["apply_rekey"])
    conn.execute("DELETE FROM main.signatures")
    conn.executemany(
        "INSERT INTO main.signatures (change_id, public_key, signature) VALUES (?, ?, ?)",
        ((i, signer.public, signer.sign(keys.TIP, i)) for i in signed),
    )
