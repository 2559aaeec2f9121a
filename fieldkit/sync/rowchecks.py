"""Checking a source's signed rows before a merge writes anything: every register, plan
and checklist row the target does not hold must be covered by a valid signature
(fieldkit.store.rowsigs; what fieldkit ships needs none), and every row signature the
target does not hold must verify. What is found is the keys the merge must trust
(trust.admit at the commit), as for the change log's signatures (sigchecks).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fieldkit.errors import BadInput
from fieldkit.store.fold import ROW_TABLES, device_keys, key_sql, row_signature_valid, shipped
from fieldkit.sync.sigchecks import KeyUse


def check_rows(
    conn: sqlite3.Connection, path: Path, uses: dict[bytes, KeyUse]
) -> dict[bytes, KeyUse]:
    """Add to `uses` the keys the source's new rows are signed with, once every new row is
    covered (else one line, BadInput). `conn` is the check's connection (the source
    `main`, the target attached as `target`)."""
    theirs, ours = set(_tables(conn, "main")), set(_tables(conn, "target"))
    signed = "row_signatures" in theirs and "row_signatures" in ours
    tables = theirs & ours if signed else set()  # (no signatures: each new row is refused)
    owners = {
        k.public: k
        for k in (
            *device_keys(conn, "target.changes").values(),
            *device_keys(conn, "main.changes").values(),
        )
        if k.public
    }
    for table in ROW_TABLES:
        if table not in theirs:
            continue
        key = key_sql(table)
        new = f"SELECT {key} AS k FROM main.{table} EXCEPT SELECT {key} FROM target.{table}"
        if table not in tables:
            for (k,) in conn.execute(new):
                if (table, k) not in shipped():
                    _unsigned(path, table, k)
            continue
        rows = conn.execute(
            f"SELECT n.k, s.public_key, s.signed_ms, s.signature FROM ({new}) n"
            " LEFT JOIN main.row_signatures s ON s.tbl = ? AND s.row_key = n.k ORDER BY n.k",
            (table,),
        )
        covered: dict[object, bool] = {}
        for k, public, ms, sig in rows:
            covered.setdefault(k, False)
            if public is not None:
                _valid(path, table, k, public, ms, sig)
                covered[k] = True
        for k, ok in covered.items():
            if not ok and (table, k) not in shipped():
                _unsigned(path, table, k)
    if signed:  # every signature the target does not hold is checked, and its key let in
        for table, k, public, ms, sig in conn.execute(
            "SELECT s.tbl, s.row_key, s.public_key, s.signed_ms, s.signature"
            " FROM main.row_signatures s WHERE NOT EXISTS (SELECT 1 FROM target.row_signatures"
            " t WHERE t.tbl = s.tbl AND t.row_key = s.row_key)"
        ):
            _valid(path, str(table), k, public, ms, sig)
            use = uses.setdefault(public, KeyUse(public))
            use.rows += 1
            use.latest_ms = max(use.latest_ms, ms)
            owner = owners.get(public)
            if owner is not None:
                use.devices.add(owner.device_id)
                if owner.inspector:
                    use.inspectors.add(owner.inspector)
    return uses


def _valid(path: Path, table: str, key: object, public: object, ms: object, sig: object) -> None:
    if not row_signature_valid(table, key, public, ms, sig):
        raise BadInput(
            f"{path}: the signature on {table} row {_short(key)} does not verify (forged?): refused"
        )


def _unsigned(path: Path, table: str, key: object) -> None:
    raise BadInput(
        f"{path}: {table} row {_short(key)} is not signed by any key (added or edited "
        "without fieldkit?): refused"
    )


def _tables(conn: sqlite3.Connection, schema: str) -> list[str]:
    return [r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master")]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
