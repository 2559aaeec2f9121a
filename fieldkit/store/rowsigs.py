"""Signed rows: the register's and the action plans' rows and the checklist definitions a
merge unions, each signed by the key of the device that writes it (schema step 0009).

A row's signature names its table, the row's key and when it was signed. A row's key is a
digest of its content (fieldkit.store.rowkeys; a plan's is its force and name; a checklist
definition's is the JSON array of its id, version, title and definition hash), so a row
edited after it was signed no longer matches its key (`fieldkit verify` checks both), and
a row added without fieldkit has no signature. What every fieldkit installs itself, its
shipped checklists and the register's reference events, needs none.

Rows are signed in the transaction that writes them: every `Store.writing()` block records
the rows it inserts (temporary triggers of its own connection: rows a plain SQLite tool
adds are not recorded) and signs them before it commits. A database upgraded from before
this step, and a scrubbed copy, are vouched for whole by the device that upgrades or
scrubs it (`sign_unsigned`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from fieldkit import sql
from fieldkit.store import keys, rowkeys
from fieldkit.store.connection import statements
from fieldkit.store.keys import Signer

ROW = b"fieldkit-row\x00"
# Every table whose rows are signed, in the order verify and a merge name them.
ROW_TABLES: tuple[str, ...] = ("checklists", *rowkeys.ROW_KEYS, "plans")


def key_sql(table: str, prefix: str = "") -> str:
    """The SQL expression of a row's key (`prefix`: 'NEW.' in a trigger, 'r.' ...)."""
    p = prefix
    if table == "checklists":
        return f"json_array({p}id, {p}version, {p}title, {p}hash)"
    return f'{p}"{rowkeys.key_columns(table)[0]}"'


def message(table: str, key: object, signed_ms: object) -> bytes:
    """What a row's signature signs (after the ROW context)."""
    return f"{table}\x00{key}\x00{signed_ms}".encode("utf-8", "surrogatepass")


def row_valid(table: str, key: object, public: object, signed_ms: object, sig: object) -> bool:
    return isinstance(signed_ms, int) and keys.valid(
        public, ROW, message(table, key, signed_ms), sig
    )


# ------------------------------------------------------------------------------ writing
def track(conn: sqlite3.Connection, sink: list[tuple[str, str]]) -> bool:
    """Have every row this connection inserts into a signed table appended to `sink` as
    (table, key): temporary triggers of this connection alone that call back into Python
    (a SELECT: they write nothing, so the counts of rows a statement changed stay as they
    were). Once per connection, in a write transaction; returns True."""
    conn.create_function("fk_row_written", 2, lambda t, k: sink.append((t, k)))
    held = {r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type='table'")}
    for table in ROW_TABLES:
        if table in held:
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS fk_rows_written_{table} AFTER INSERT ON "
                f"main.{table} BEGIN SELECT fk_row_written('{table}', "
                f"{key_sql(table, 'NEW.')}); END"
            )
    return True


def sign(conn: sqlite3.Connection, signer: Signer, rows: Iterable[tuple[str, str]]) -> int:
    """Sign rows (table, key) with `signer`, in the caller's transaction."""
    ms = int(time.time() * 1000)
    signed = [(t, k, signer.public, ms, signer.sign(ROW, message(t, k, ms))) for t, k in rows]
    conn.executemany(
        "INSERT OR IGNORE INTO main.row_signatures (tbl, row_key, public_key, signed_ms,"
        " signature) VALUES (?, ?, ?, ?, ?)",
        signed,
    )
    return len(signed)


def sign_unsigned(conn: sqlite3.Connection, signer: Signer, *, again: bool = False) -> int:
    """Vouch for every row no signature covers (`again`: drop every signature first, as a
    scrubbed copy does): an upgraded database, a scrubbed copy. Returns the rows signed."""
    if again:
        conn.execute("DELETE FROM main.row_signatures")
    todo = []
    for table in _held(conn, "main"):
        todo += [
            (table, k)
            for (k,) in conn.execute(
                f"SELECT {key_sql(table)} AS k FROM main.{table} WHERE NOT EXISTS (SELECT 1"
                f" FROM main.row_signatures s WHERE s.tbl = '{table}' AND s.row_key = k)"
            )
            if (table, k) not in shipped()
        ]
    return sign(conn, signer, todo)


def _held(conn: sqlite3.Connection, schema: str) -> list[str]:
    held = {r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master")}
    return [t for t in ROW_TABLES if t in held] if "row_signatures" in held else []


# ------------------------------------------------------------------------------ shipped
@cache
def shipped() -> frozenset[tuple[str, str]]:
    """The rows every fieldkit installs itself (table, key): its shipped checklists and the
    register's reference events (the schema steps' reference data)."""
    from fieldkit.checklists import load_all

    mem = sqlite3.connect(":memory:")
    try:
        out = {
            ("checklists", mem.execute("SELECT json_array(?, ?, ?, ?)", row).fetchone()[0])
            for row in (
                (c.id, c.version, c.title, hashlib.sha256(c.definition_json().encode()).hexdigest())
                for c in load_all().values()
            )
        }
        for _, text in sql.schema_steps():
            for stmt in statements(text):
                stmt = "\n".join(ln for ln in stmt.splitlines() if not ln.startswith("--"))
                if stmt.startswith(("CREATE TABLE rec_events", "INSERT OR IGNORE INTO rec_e")):
                    mem.execute(stmt)
        out |= {("rec_events", k) for (k,) in mem.execute("SELECT event_id FROM rec_events")}
    finally:
        mem.close()
    return frozenset(out)


# ------------------------------------------------------------------------------- verify
@dataclass
class RowReport:
    """What verify found in the signed tables."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    signers: Counter[bytes] = field(default_factory=Counter)  # key -> rows it covers


def known_keys(conn: sqlite3.Connection, schema: str = "main") -> set[str]:
    """Fingerprints of the keys this database knows: its devices' (their key changes), the
    keys signing its chains, and those of its keyring."""
    found: set[str] = set()
    for (value,) in conn.execute(
        f"SELECT value FROM {schema}.changes WHERE record_id = ? AND kind = 'setting'"
        " AND field = ?",
        (keys.KEY_RECORD, keys.KEY_FIELD),
    ):
        public = keys.public_from_hex(value)
        if public:
            found.add(keys.fingerprint(public))
    for (public,) in conn.execute(
        f"SELECT public_key FROM {schema}.signatures UNION SELECT signer FROM {schema}.keyring"
    ):
        if isinstance(public, bytes):
            found.add(keys.fingerprint(public))
    found |= {r[0] for r in conn.execute(f"SELECT fingerprint FROM {schema}.keyring")}
    return found


def check(conn: sqlite3.Connection, schema: str = "main") -> RowReport:
    """Every row of a signed table covered by a valid signature of a key this database
    knows (or installed by fieldkit itself), every signature valid, every checklist
    definition matching its hash and its `items`. Reads only."""
    report = RowReport()
    tables = _held(conn, schema)
    if not tables:
        return report
    known = known_keys(conn, schema)
    for table in tables:
        rows = conn.execute(
            f"SELECT r.k, s.public_key, s.signed_ms, s.signature FROM (SELECT {key_sql(table)}"
            f" AS k FROM {schema}.{table}) r LEFT JOIN {schema}.row_signatures s"
            " ON s.tbl = ? AND s.row_key = r.k ORDER BY r.k",
            (table,),
        )
        _check_table(table, rows, known, report)
    if "checklists" in tables:
        report.problems += definition_problems(conn, schema)
    return report


def _check_table(table: str, rows: Iterable[tuple], known: set[str], report: RowReport) -> None:
    """Rows (key, public key, signed_ms, signature) in key order, one per signature."""
    by_key: dict[object, list[tuple]] = {}
    for key, public, ms, sig in rows:
        sigs = by_key.get(key)
        if sigs is None:
            if by_key:
                _close(table, *by_key.popitem(), known, report)
            sigs = by_key[key] = []
        if public is not None:
            sigs.append((public, ms, sig))
    if by_key:
        _close(table, *by_key.popitem(), known, report)


def _close(table: str, key: object, sigs: list[tuple], known: set[str], report: RowReport) -> None:
    report.checked += 1
    covered, unknown = False, None
    for public, ms, sig in sigs:
        if not row_valid(table, key, public, ms, sig):
            report.problems.append(
                f"the signature on {table} row {_short(key)} does not verify (forged)"
            )
        elif keys.fingerprint(public) in known:
            covered = True
            report.signers[public] += 1
        else:
            unknown = public
    if covered or (table, key) in shipped():
        return
    if unknown is not None:
        report.problems.append(
            f"{table} row {_short(key)} is signed only by key {keys.fingerprint(unknown)}, "
            "which no device or keyring of this database knows"
        )
    else:
        report.problems.append(
            f"{table} row {_short(key)} is not signed (added or edited without fieldkit?)"
        )


def definition_problems(conn: sqlite3.Connection, schema: str = "main") -> list[str]:
    """Each checklist definition's hash, and its `items` and `natural_key_items` rows as
    the definition derives them (fieldkit.store.schema.checklist_rows)."""
    from fieldkit.checklists import ChecklistError, parse_stored
    from fieldkit.store.definitions import ITEM_COLUMNS, KEY_ITEM_COLUMNS, checklist_rows

    problems, want_items, want_keys = [], Counter(), Counter()
    for cid, version, definition, stored in conn.execute(
        f"SELECT id, version, definition, hash FROM {schema}.checklists ORDER BY id, version"
    ):
        what = f"checklist {cid} version {version}"
        text = definition if isinstance(definition, str) else ""
        if stored != hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest():
            problems.append(f"{what}: its definition does not match its hash (edited)")
            continue
        try:
            items, key_items = checklist_rows(parse_stored(text, what))
        except (ChecklistError, TypeError, ValueError, AttributeError, KeyError):
            problems.append(f"{what}: its definition does not validate")
            continue
        want_items.update(items)
        want_keys.update(key_items)
    for table, columns, want in (
        ("items", ITEM_COLUMNS, want_items),
        ("natural_key_items", KEY_ITEM_COLUMNS, want_keys),
    ):
        have = Counter(
            tuple(r) for r in conn.execute(f"SELECT {', '.join(columns)} FROM {schema}.{table}")
        )
        if have != want:
            odd = sorted(((have - want) + (want - have)).keys(), key=repr)[0]
            problems.append(
                f"{table}: the row of checklist {odd[0]} version {odd[1]} ({odd[2]}) is not what "
                "its definition makes (edited)"
            )
    return problems


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def sign_written(
    conn: sqlite3.Connection, written: list[tuple[str, str]], signer: Signer | None = None
) -> int:
    """Sign the rows this transaction wrote (`written`, as track collects them; emptied)
    with `signer` (else the user's key), first writing the key into the log as its
    device's key change if this database knows it from nowhere else (fieldkit.store.log).
    The caller holds the write transaction."""
    if not written:
        return 0
    rows = sorted(set(written))
    written.clear()
    signer = signer or keys.signer()
    if signer.fingerprint not in known_keys(conn):
        from fieldkit.store.log import write_local

        found = conn.execute("SELECT value FROM meta WHERE key = 'inspector'").fetchone()
        author = found[0] if found and found[0] else None
        write_local(conn, [], author=author, signer=signer, introduce=True)
    return sign(conn, signer, rows)
