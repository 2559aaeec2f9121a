"""The reporting views: aggregation rules as SQL that every output reads.

`refresh(conn)` drops and recreates every fieldkit view in the database: the fixed ones in
`fieldkit/sql/views.sql` (counted_records, evidence_summary, coverage, ...) and one wide view
per checklist version, generated from the checklist definitions stored in the database itself
(so a merged database on other checklist versions gets views too). The store calls it after
migrating and after installing a new checklist version; the merge calls it after merging.

`ensure(conn)` is for readers: when the database's views are missing or were made by another
fieldkit version, it creates the current definitions as TEMP views on that connection only
(they shadow the stored ones), so reading never writes the file.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from fieldkit import sql
from fieldkit.checklists import Checklist, ChecklistError, Item, parse_stored
from fieldkit.errors import BadDatabase
from fieldkit.store.connection import transaction

STAMP_VIEW = "fieldkit_views"
ENVELOPE = (
    "record_id",
    "checklist_version",
    "force_code",
    "inspection",
    "inspector",
    "observer_role",
    "observed_at",
    "subject_ref",
    "status",
    "counted",
    "in_scope",
)

# Computed ("derived") items: their value in the wide views, as SQL over the record's other
# columns. `{name}` stands for the SQL of another item's value in the same record.
DERIVED = {
    "cf_in_da_analysis": "CASE WHEN r.in_scope = 1 THEN 'yes' ELSE 'no' END",
    "mo_minutes_per_case": (
        "CASE WHEN typeof({mo_cases_heard}) = 'integer' AND {mo_cases_heard} > 0"
        " AND {mo_start_time} IS NOT NULL AND {mo_end_time} IS NOT NULL"
        " AND {mo_start_time} <> 'na' AND {mo_end_time} <> 'na' THEN round(("
        "(strftime('%s', '2000-01-01 ' || {mo_end_time})"
        " - strftime('%s', '2000-01-01 ' || {mo_start_time}) + 86400) % 86400)"
        " / 60.0 / {mo_cases_heard}, 1) END"
    ),
}


@dataclass(frozen=True)
class WideColumn:
    """One column of a wide view: an item, for one fixed repeat instance or for all."""

    name: str
    item: Item
    rkey: str | None  # '' for plain items, the instance code, or None for open repeats
    instance_label: str = ""

    @property
    def header(self) -> str:
        """The question text, with the repeat instance when there is one."""
        if self.instance_label:
            return f"{self.item.prompt} [{self.instance_label}]"
        if self.rkey is None:
            return f"{self.item.prompt} (per instance, as JSON)"
        return self.item.prompt


def wide_columns(checklist: Checklist) -> list[WideColumn]:
    """The item columns of a checklist's wide view, in questionnaire order."""
    cols: list[WideColumn] = []
    for section in checklist.sections:
        for item in section.items:
            if section.repeat is None:
                cols.append(WideColumn(item.id, item, ""))
            elif section.repeat.fixed:
                for inst in section.repeat.instances:
                    cols.append(WideColumn(f"{item.id}__{inst.code}", item, inst.code, inst.label))
            else:
                cols.append(WideColumn(item.id, item, None))
    return cols


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cell(item_id: str, rkey: str = "") -> str:
    return (
        "(SELECT a.value FROM cells a WHERE a.record_id = r.record_id AND a.kind = 'answer'"
        f" AND a.field = {_lit(item_id)} AND a.rkey = {_lit(rkey)})"
    )


def _column_sql(col: WideColumn) -> str:
    item = col.item
    if item.kind == "derived":
        formula = DERIVED.get(item.id)
        if formula is None:
            return f"NULL AS {_q(col.name)}"
        names = {part.split("}")[0] for part in formula.split("{")[1:] if not part.startswith("{")}
        return f"{formula.format(**{n: _cell(n) for n in names})} AS {_q(col.name)}"
    if col.rkey is None:
        value = "o.value"
        if item.kind == "multi":
            value = "CASE WHEN json_valid(o.value) THEN json(o.value) ELSE o.value END"
        return (
            f"(SELECT nullif(json_group_object(o.rkey, {value}), '{{}}') FROM cells o"
            " WHERE o.record_id = r.record_id AND o.kind = 'answer'"
            f" AND o.field = {_lit(item.id)} AND o.value IS NOT NULL) AS {_q(col.name)}"
        )
    return f"{_cell(item.id, col.rkey)} AS {_q(col.name)}"


def wide_view_name(checklist_id: str, version: int | None = None) -> str:
    return f"wide_{checklist_id}" + (f"_v{version}" if version is not None else "")


def wide_view_sql(name: str, checklist: Checklist, version: int | None) -> str:
    """CREATE VIEW for a wide view: a row per non-deleted record of the checklist (of one
    version, or of every version when `version` is None), a column per item."""
    where = f"r.checklist_id = {_lit(checklist.id)} AND r.deleted = 0"
    if version is not None:
        where += f" AND r.checklist_version = {int(version)}"
    cols = ",\n  ".join(
        [f"r.{c}" for c in ENVELOPE] + [_column_sql(c) for c in wide_columns(checklist)]
    )
    return f"CREATE VIEW {_q(name)} AS\nSELECT\n  {cols}\nFROM record_facts r\nWHERE {where}"


def stored_checklists(conn: sqlite3.Connection) -> dict[str, dict[int, Checklist]]:
    """Every checklist definition stored in the database: {id: {version: Checklist}}."""
    out: dict[str, dict[int, Checklist]] = {}
    for cid, version, definition in conn.execute(
        "SELECT id, version, definition FROM main.checklists ORDER BY id, version"
    ):
        try:
            checklist = parse_stored(definition, f"{cid} v{version}")
        except (ValueError, TypeError, ChecklistError) as e:
            problem = " ".join(str(e).split())[:200]
            raise BadDatabase(
                f"the stored definition of checklist {cid} v{version} is damaged ({problem}); "
                "restore the database from a copy"
            ) from None
        out.setdefault(cid, {})[int(version)] = checklist
    return out


def wide_views(conn: sqlite3.Connection) -> list[tuple[str, Checklist, int | None]]:
    """(view name, checklist, version or None for all versions) for every wide view."""
    out: list[tuple[str, Checklist, int | None]] = []
    for cid, versions in stored_checklists(conn).items():
        latest = max(versions)
        out.append((wide_view_name(cid), versions[latest], None))
        if len(versions) > 1:
            for v, checklist in sorted(versions.items()):
                out.append((wide_view_name(cid, v), checklist, v))
    return out


def statements(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(view name, CREATE VIEW statement) for every fieldkit view, in dependency order,
    ending with the stamp view that records which definitions these are."""
    stmts = list(sql.queries("views").items())
    stmts += [(name, wide_view_sql(name, c, v)) for name, c, v in wide_views(conn)]
    digest = hashlib.sha256("\n;\n".join(s for _, s in stmts).encode()).hexdigest()[:16]
    stmts.append((STAMP_VIEW, f"CREATE VIEW {STAMP_VIEW} AS SELECT {_lit(digest)} AS version"))
    return stmts


def _stamp(stmts: list[tuple[str, str]]) -> str:
    return stmts[-1][1].rsplit("'", 2)[1]


def _existing(conn: sqlite3.Connection, schema: str) -> list[str]:
    known = set(sql.queries("views")) | {STAMP_VIEW}
    return [
        name
        for (name,) in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'view'")
        if name in known or name.startswith("wide_")
    ]


def _create(conn: sqlite3.Connection, stmts: list[tuple[str, str]], schema: str) -> None:
    for name in _existing(conn, schema):
        conn.execute(f"DROP VIEW IF EXISTS {schema}.{_q(name)}")
    for _, stmt in stmts:
        if schema == "temp":
            stmt = stmt.replace("CREATE VIEW", "CREATE TEMP VIEW", 1)
        conn.execute(stmt)


def refresh(conn: sqlite3.Connection) -> None:
    """Drop and recreate every fieldkit view in the database (inside the caller's
    transaction if there is one, else in its own)."""
    stmts = statements(conn)
    if conn.in_transaction:
        _create(conn, stmts, "main")
    else:
        with transaction(conn):
            _create(conn, stmts, "main")


def _version(conn: sqlite3.Connection, schema: str) -> str | None:
    try:
        row = conn.execute(f"SELECT version FROM {schema}.{STAMP_VIEW}").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def current(conn: sqlite3.Connection) -> bool:
    """Whether the database's stored views are the definitions this fieldkit would make."""
    return _version(conn, "main") == _stamp(statements(conn))


def ensure(conn: sqlite3.Connection) -> None:
    """Make the current view definitions visible on this connection without writing the
    file: when the stored views are missing or stale, create them as TEMP views."""
    stmts = statements(conn)
    want = _stamp(stmts)
    if _version(conn, "main") == want:
        if _existing(conn, "temp"):
            _temp(conn, [])  # drop the stand-ins: the file's own views are current
        return
    if _version(conn, "temp") == want:
        return
    _temp(conn, stmts)


def _temp(conn: sqlite3.Connection, stmts: list[tuple[str, str]]) -> None:
    """Replace this connection's TEMP fieldkit views. A reader's connection may be
    query_only; TEMP views live in the connection's own temporary schema, not in the file,
    so that is lifted just while they are made."""
    query_only = conn.execute("PRAGMA query_only").fetchone()[0]
    if query_only:
        conn.execute("PRAGMA query_only = OFF")
    try:
        _create(conn, stmts, "temp")
    finally:
        if query_only:
            conn.execute("PRAGMA query_only = ON")
