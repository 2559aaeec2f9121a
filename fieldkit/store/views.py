"""The reporting views: aggregation rules as SQL that every output reads.

`refresh(conn)` drops and recreates every fieldkit view in the database: the fixed ones in
`fieldkit/sql/views.sql` (counted_records, evidence_summary, coverage, ...) and one wide view
per checklist version, generated from the checklist definitions stored in the database itself
(so a merged database on other checklist versions gets views too). Nothing here knows a
checklist: the scope rules, strata, default targets, summary tables and computed items are
read from the definitions (checklist_info, summary_items, record_facts' generated parts). The store calls it after
migrating and after installing a new checklist version; the merge calls it after merging.

`ensure(conn)` is for readers: when the database's views are missing or were made by another
fieldkit version, it creates the current definitions as TEMP views on that connection only
(they shadow the stored ones), so reading never writes the file.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fieldkit import sql
from fieldkit.checklists import Checklist, ChecklistError, Item, expr, parse_stored
from fieldkit.checklists.computed_sql import computed_sql, stage_column, staged, stages
from fieldkit.errors import BadDatabase
from fieldkit.store import aggregates
from fieldkit.store.connection import transaction
from fieldkit.store.instance_views import computed_per_instance

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

GENERATED = (
    "checklist_info",
    "summary_items",
    "item_renames",
    "summary_parts",
    "checklist_returns",
)  # views made from the definitions alone


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
            elif section.repeat.fixed and section.repeat.parent is None:
                for inst in section.repeat.instances:
                    cols.append(WideColumn(f"{item.id}__{inst.code}", item, inst.code, inst.label))
            else:
                cols.append(WideColumn(item.id, item, None))
    return cols


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cell(item_id: str, rkey: str = "") -> str:
    return (
        "(SELECT a.value FROM cells a WHERE a.record_id = r.record_id AND a.kind = 'answer'"
        f" AND a.field = {_lit(item_id)} AND a.rkey = {_lit(rkey)})"
    )


def value_sql(checklist: Checklist, item_id: str, rkey: str = "") -> str:
    """SQL for an item's value in a record `r`: its stored answer, or for a computed item
    its formula compiled to SQL (fieldkit.checklists.computed_sql).
    `("all", item)`: the FROM clause of the item's answers in every repeat instance, one
    row `a.value` each (XLSForm's sum() and count() over a repeat)."""

    def answer(ref: Any) -> str:
        if ref == ("position",):  # position(..): the instance's number (as the app has it)
            return position_sql(checklist, rkey)
        if isinstance(ref, tuple):
            return (
                "FROM cells a WHERE a.record_id = r.record_id"
                f" AND a.kind = 'answer' AND a.field = {_lit(ref[1])}"
            )
        return _cell(ref, rkey)

    return computed_sql(checklist, item_id, answer)


def position_sql(checklist: Checklist, rkey: str) -> str:
    """position(..) for the instance `rkey`: its number, or its place among the codes of
    a fixed repeat (a loop over a list); NULL outside a repeat, as in the app."""
    if rkey.isdigit():
        return str(int(rkey))
    codes = [
        i.code
        for s in checklist.sections
        if s.repeat and s.repeat.fixed
        for i in s.repeat.instances
    ]
    return str(codes.index(rkey) + 1) if rkey in codes else "NULL"


def scope_sql(checklist: Checklist) -> str | None:
    """SQL that is true when a record `r` of the checklist is in scope (None: all are)."""
    if checklist.scope.when is None:
        return None
    return expr.condition_sql(checklist.scope.when, lambda ref: value_sql(checklist, ref))


def _column_sql(col: WideColumn, checklist: Checklist, carry: bool = False) -> str:
    """A wide view column. With `carry` (the view over every version), an item declared
    `renamed_from` another also shows the answers records of older versions gave under
    the old id: its answers carry over."""
    item = col.item
    if stored_answer(col, carry):
        return f"{_cell(item.id, col.rkey)} AS {quote(col.name)}"
    if item.kind == "derived" and col.rkey is None:  # in a repeat: per instance
        per_instance = computed_per_instance(checklist, item)
        if per_instance is not None:
            return f"{per_instance} AS {quote(col.name)}"
    if item.kind == "derived":
        if checklist.scope.rule == f"{item.id} = 'yes'" and item.computed and item.computed.boolean:
            # the item is the scope rule itself: read the record's in_scope, computed once
            return f"CASE WHEN r.in_scope = 1 THEN 'yes' ELSE 'no' END AS {quote(col.name)}"
        return f"{value_sql(checklist, item.id)} AS {quote(col.name)}"
    old = item.renamed_from if carry else ""
    if col.rkey is None:
        value = "o.value"
        if item.kind in ("multi", "rank"):
            value = "CASE WHEN json_valid(o.value) THEN json(o.value) ELSE o.value END"
        field = (
            f"o.field IN ({_lit(item.id)}, {_lit(old)})" if old else f"o.field = {_lit(item.id)}"
        )
        return (
            f"(SELECT nullif(json_group_object(o.rkey, {value}), '{{}}') FROM cells o"
            " WHERE o.record_id = r.record_id AND o.kind = 'answer'"
            f" AND {field} AND o.value IS NOT NULL) AS {quote(col.name)}"
        )
    # a fixed instance of an item renamed from `old`: its answer, else the old id's
    return f"coalesce({_cell(item.id, col.rkey)}, {_cell(old, col.rkey)}) AS {quote(col.name)}"


def stored_answer(col: WideColumn, carry: bool = False) -> bool:
    """The wide view's column is the record's stored answer itself (the cell of its item
    and instance): not computed, not an open repeat's JSON, not carried over from a
    renamed item (with `carry`: the view over every version)."""
    return (
        col.item.kind != "derived"
        and col.rkey is not None
        and not (carry and col.item.renamed_from)
    )


def wide_view_name(checklist_id: str, version: int | None = None) -> str:
    return f"wide_{checklist_id}" + (f"_v{version}" if version is not None else "")


def wide_view_sql(name: str, checklist: Checklist, version: int | None) -> str:
    """CREATE VIEW for a wide view: a row per non-deleted record of the checklist (of one
    version, or of every version when `version` is None), a column per item."""
    where = f"r.checklist_id = {_lit(checklist.id)} AND r.deleted = 0"
    if version is not None:
        where += f" AND r.checklist_version = {int(version)}"
    if staged(checklist):
        return _staged_view_sql(name, checklist, version, where)
    # the record (linked to its answers where shown), then the questions, then the rest of
    # the envelope: a reader sees the answers first
    cols = ",\n  ".join(
        [f"r.{ENVELOPE[0]}"]
        + [_column_sql(c, checklist, version is None) for c in wide_columns(checklist)]
        + [f"r.{c}" for c in ENVELOPE[1:]]
    )
    return f"CREATE VIEW {quote(name)} AS\nSELECT\n  {cols}\nFROM record_facts r\nWHERE {where}"


def _staged_view_sql(name: str, checklist: Checklist, version: int | None, where: str) -> str:
    """A wide view whose calculations read each other too deep to be written out in one
    SQL expression: computed in stages (a CTE each, materialized), each calculation reading
    the earlier ones' columns, as the app reads their values."""

    def answer(ref: Any) -> str:
        if ref == ("position",):
            return "NULL"  # (computed for the record, outside any repeat: as value_sql)
        if isinstance(ref, tuple):
            return (
                "FROM cells a WHERE a.record_id = r.record_id"
                f" AND a.kind = 'answer' AND a.field = {_lit(ref[1])}"
            )
        return _cell(ref)

    ctes = [f"s0 AS MATERIALIZED (SELECT r.* FROM record_facts r WHERE {where})"]
    for n, ids in enumerate(stages(checklist), 1):
        cols = ", ".join(
            f"{computed_sql(checklist, iid, answer, stage_column)} AS {stage_column(iid)[2:]}"
            for iid in ids
        )
        ctes.append(f"s{n} AS MATERIALIZED (SELECT r.*, {cols} FROM s{n - 1} r)")
    columns = [f"r.{ENVELOPE[0]}"]
    for c in wide_columns(checklist):
        if c.item.kind == "derived":
            columns.append(f"{stage_column(c.item.id)} AS {quote(c.name)}")
        else:
            columns.append(_column_sql(c, checklist, version is None))
    columns += [f"r.{c}" for c in ENVELOPE[1:]]
    body = ",\n  ".join(columns)
    return (
        f"CREATE VIEW {quote(name)} AS\nWITH {', '.join(ctes)}\n"
        f"SELECT\n  {body}\nFROM s{len(ctes) - 1} r"
    )


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


def wide_views(
    conn: sqlite3.Connection, stored: dict[str, dict[int, Checklist]] | None = None
) -> list[tuple[str, Checklist, int | None]]:
    """(view name, checklist, version or None for all versions) for every wide view."""
    out: list[tuple[str, Checklist, int | None]] = []
    for cid, versions in (stored if stored is not None else stored_checklists(conn)).items():
        latest = max(versions)
        out.append((wide_view_name(cid), versions[latest], None))
        if len(versions) > 1:
            for v, checklist in sorted(versions.items()):
                out.append((wide_view_name(cid, v), checklist, v))
    return out


def _version_arms(
    stored: dict[str, dict[int, Checklist]], sql_of: Callable[[Checklist], str | None]
) -> str:
    arms = []
    for cid, versions in stored.items():
        for v, checklist in sorted(versions.items()):
            got = sql_of(checklist)
            if got is not None:
                arms.append(
                    f"WHEN r.checklist_id = {_lit(cid)} AND r.checklist_version = {int(v)}"
                    f" THEN {got}"
                )
    return "\n    ".join(arms)


def record_facts_parts(stored: dict[str, dict[int, Checklist]]) -> dict[str, str]:
    """The generated parts of record_facts: the stratum and in_scope expressions."""

    def stratum(c: Checklist) -> str | None:
        by = c.targets.stratify_by
        return f"coalesce({_cell(by)}, '')" if by else None

    def in_scope(c: Checklist) -> str | None:
        cond = scope_sql(c)
        return f"CASE WHEN {cond} THEN 1 ELSE 0 END" if cond else None

    s_arms, i_arms = _version_arms(stored, stratum), _version_arms(stored, in_scope)
    return {
        "{stratum}": f"CASE {s_arms} ELSE '' END" if s_arms else "''",
        "{in_scope}": f"CASE {i_arms} ELSE 1 END" if i_arms else "1",
    }


def _select_rows(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    def lit(v: Any) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, int):
            return str(v)
        return _lit(str(v))

    if not rows:
        return "SELECT " + ", ".join(f"NULL AS {c}" for c in columns) + " WHERE 0"
    return "\nUNION ALL ".join(
        "SELECT " + ", ".join(f"{lit(v)} AS {c}" for v, c in zip(row, columns, strict=True))
        for row in rows
    )


def generated_views(stored: dict[str, dict[int, Checklist]]) -> list[tuple[str, str]]:
    """checklist_info (one row per checklist, its latest version's facts) and summary_items
    (the items of each named summary table, in printed order)."""
    info_cols = (
        "checklist_id",
        "version",
        "title",
        "label",
        "noun",
        "app_order",
        "default_target",
        "stratify_by",
        "scope_rule",
        "in_label",
        "out_label",
    )
    info, summary = [], []
    for cid, versions in stored.items():
        c = versions[max(versions)]
        info.append(
            (
                cid,
                c.version,
                c.title,
                c.label,
                c.noun,
                c.app.order,
                c.targets.default,
                c.targets.stratify_by,
                c.scope.rule or None,
                c.scope.in_label,
                c.scope.out_label,
            )
        )
        for s in c.summaries:
            if s.kind != "evidence":
                continue
            for n, iid in enumerate(s.items, 1):
                summary.append((cid, s.id, s.title, n, iid))
    sum_cols = ("checklist_id", "summary_id", "summary_title", "position", "item_id")
    rename_cols = ("checklist_id", "old_id", "new_id")
    renames = [
        (cid, old, new) for cid, versions in stored.items() for old, new in _renames(versions)
    ]
    return [
        ("checklist_info", f"CREATE VIEW checklist_info AS\n{_select_rows(info_cols, info)}"),
        ("summary_items", f"CREATE VIEW summary_items AS\n{_select_rows(sum_cols, summary)}"),
        ("item_renames", f"CREATE VIEW item_renames AS\n{_select_rows(rename_cols, renames)}"),
        *summary_part_views(stored),
    ]


def summary_part_views(stored: dict[str, dict[int, Checklist]]) -> list[tuple[str, str]]:
    """summary_parts (each item a `rates` or `shares` summary reads, with its column or
    group: fieldkit/sql/summaries.sql computes the figures) and checklist_returns (each data
    collection's period and sign-off items)."""
    parts, returns = [], []
    for cid, versions in stored.items():
        c = versions[max(versions)]
        for s in c.summaries:
            for n, col in enumerate(s.columns, 1):
                for role, ids in (("num", col.numerator), ("den", col.denominator)):
                    for m, iid in enumerate(ids, 1):
                        parts.append((cid, s.id, s.kind, col.id, n, col.label, role, iid, m))
                        parts[-1] += (col.per, None, None)
            for n, group in enumerate(s.groups, 1):
                for m, iid in enumerate(group.items, 1):
                    parts.append((cid, s.id, s.kind, group.id, n, group.label, "item", iid, m))
                    parts[-1] += (None, s.choice, s.top)
        if c.returns is not None:
            returns.append((cid, c.returns.period_item, c.returns.agreed_item))
    part_cols = (
        "checklist_id",
        "summary_id",
        "kind",
        "part_id",
        "part_position",
        "part_label",
        "role",
        "item_id",
        "item_position",
        "per",
        "choice",
        "top",
    )
    ret_cols = ("checklist_id", "period_item", "agreed_item")
    return [
        ("summary_parts", f"CREATE VIEW summary_parts AS\n{_select_rows(part_cols, parts)}"),
        (
            "checklist_returns",
            f"CREATE VIEW checklist_returns AS\n{_select_rows(ret_cols, returns)}",
        ),
    ]


def _renames(versions: dict[int, Checklist]) -> list[tuple[str, str]]:
    """(old id, id in the latest version) for every item a later version renamed
    (`renamed_from`), following chains of renames across versions."""
    to_new: dict[str, str] = {}
    for _, checklist in sorted(versions.items()):
        for item in checklist.items:
            if item.renamed_from and item.renamed_from != item.id:
                to_new[item.renamed_from] = item.id
    latest = versions[max(versions)].item_map
    out = []
    for old in to_new:
        new, seen = old, {old}
        while new in to_new and to_new[new] not in seen:
            new = to_new[new]
            seen.add(new)
        if new in latest and old not in latest:
            out.append((old, new))
    return sorted(out)


def statements(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(view name, CREATE VIEW statement) for every fieldkit view, in dependency order,
    ending with the stamp view that records which definitions these are."""
    stored = stored_checklists(conn)
    parts = record_facts_parts(stored)
    stmts = generated_views(stored)
    for name, text in [*sql.queries("views").items(), *sql.queries("summaries").items()]:
        for key, value in parts.items():
            text = text.replace(key, value)
        stmts.append((name, text))
    stmts += [(name, wide_view_sql(name, c, v)) for name, c, v in wide_views(conn, stored)]
    digest = hashlib.sha256("\n;\n".join(s for _, s in stmts).encode()).hexdigest()[:16]
    stmts.append((STAMP_VIEW, f"CREATE VIEW {STAMP_VIEW} AS SELECT {_lit(digest)} AS version"))
    return stmts


def _stamp(stmts: list[tuple[str, str]]) -> str:
    return stmts[-1][1].rsplit("'", 2)[1]


def _existing(conn: sqlite3.Connection, schema: str) -> list[str]:
    known = set(sql.queries("views")) | set(sql.queries("summaries")) | {STAMP_VIEW, *GENERATED}
    return [
        name
        for (name,) in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'view'")
        if name in known or name.startswith("wide_")
    ]


def _create(conn: sqlite3.Connection, stmts: list[tuple[str, str]], schema: str) -> None:
    for name in _existing(conn, schema):
        conn.execute(f"DROP VIEW IF EXISTS {schema}.{quote(name)}")
    for _, stmt in stmts:
        if schema == "temp":
            stmt = stmt.replace("CREATE VIEW", "CREATE TEMP VIEW", 1)
        conn.execute(stmt)


def refresh(conn: sqlite3.Connection, *, rebuild: bool = False) -> None:
    """Drop and recreate every fieldkit view in the database (inside the caller's
    transaction if there is one, else in its own). When the definitions change (or with
    `rebuild`), the stored aggregates are recomputed too."""
    stmts = statements(conn)
    if conn.in_transaction:
        _refresh(conn, stmts, rebuild)
    else:
        with transaction(conn):
            _refresh(conn, stmts, rebuild)


def _refresh(conn: sqlite3.Connection, stmts: list[tuple[str, str]], rebuild: bool) -> None:
    before = _version(conn, "main")
    _create(conn, stmts, "main")
    if rebuild or before != _stamp(stmts):
        # new definitions may mean new scope or stratum rules: recount everything
        aggregates.rebuild(conn)


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


def oracle_views(conn: sqlite3.Connection) -> list[str]:
    """Create the recomputing views as TEMP views on this connection; return their names."""
    parts = record_facts_parts(stored_checklists(conn))
    names = []
    for name, text in sql.queries("recompute").items():
        for key, value in parts.items():
            text = text.replace(key, value)
        conn.execute(f"DROP VIEW IF EXISTS temp.{name}")
        conn.execute(text.replace("CREATE VIEW", "CREATE TEMP VIEW", 1))
        names.append(name)
    return names
