"""The figures of summary tables of kind `rates` (a row per force, a column per declared rate
or sum, the pooled national row) and `shares` (per group, each item's share of one choice,
ranked, the top N listed), read from the views in fieldkit/sql/summaries.sql. Every output
(`report summary`, the workbook, Datasette, the force briefing) shows these same numbers."""

from __future__ import annotations

import sqlite3
from typing import Any

from fieldkit import sql
from fieldkit.checklists import Summary
from fieldkit.store import views

NO_DATA = "no data"


def _sort_key(sort: str, row: dict[str, Any]) -> tuple[Any, ...]:
    col = sort.lstrip("-")
    value = row.get(f"{col}__ratio")
    if value is None:
        value = row.get(col)
    name = str(row.get("force_name") or row.get("force_code") or "")
    if value is None:
        return (1, 0.0, name)
    return (0, -value if sort.startswith("-") else value, name)


def rates(
    conn: sqlite3.Connection, checklist_id: str, table: Summary, *, force: str | None = None
) -> dict[str, Any]:
    """A rates summary: `columns` as declared, `rows` one per force with a counted record
    (each column's value, label, numerator, denominator and unrounded ratio under
    `<column>`, `<column>__label`, ...), sorted as declared; `national` the pooled row;
    `provisional` whether any figure counts a return not yet agreed."""
    views.ensure(conn)
    got = sql.rows(
        conn,
        "SELECT * FROM summary_rates WHERE checklist_id = ? AND summary_id = ?"
        " ORDER BY pooled, force_code, column_position",
        (checklist_id, table.id),
    )
    by_force: dict[str | None, dict[str, Any]] = {}
    for r in got:
        key = None if r["pooled"] else r["force_code"]
        row = by_force.setdefault(
            key,
            {
                "force_code": r["force_code"],
                "force_name": r["force_name"] or r["force_code"] or "National (pooled)",
                "provisional": False,
            },
        )
        col = r["column_id"]
        row[col] = r["value"]
        row[f"{col}__label"] = r["label"]
        row[f"{col}__numerator"] = r["numerator"]
        row[f"{col}__denominator"] = r["denominator"]
        row[f"{col}__ratio"] = r["ratio"]
        row["provisional"] = row["provisional"] or bool(r["provisional"] and r["value"] is not None)
    national = by_force.pop(None, None)
    rows = sorted(by_force.values(), key=lambda row: _sort_key(table.sort, row))
    if force is not None:
        rows = [r for r in rows if r["force_code"] == force]
    columns = [
        {"id": c.id, "label": c.label, "per": c.per, "items": list(c.numerator + c.denominator)}
        for c in table.columns
    ]
    for row in [*rows, *([national] if national else [])]:
        for c in table.columns:
            row.setdefault(c.id, None)
            row.setdefault(f"{c.id}__label", NO_DATA)
    return {
        "id": table.id,
        "checklist_id": checklist_id,
        "kind": "rates",
        "title": table.title,
        "columns": columns,
        "sort": table.sort,
        "rows": rows,
        "national": national,
        "provisional": any(r["provisional"] for r in rows)
        or bool(national and national["provisional"]),
        "force": force,
    }


def shares(conn: sqlite3.Connection, checklist_id: str, table: Summary) -> dict[str, Any]:
    """A shares summary: per group (as declared) every item's share of the summary's choice
    of those who answered it, ranked (`rank`, `in_top`); `rows` the top N of each group in
    order, as the report prints them."""
    views.ensure(conn)
    got = sql.rows(
        conn,
        "SELECT * FROM summary_shares WHERE checklist_id = ? AND summary_id = ?"
        " ORDER BY group_position, rank",
        (checklist_id, table.id),
    )
    top = table.top
    groups = []
    for g in table.groups:
        items = [
            {**r, "in_top": top is None or r["rank"] <= top} for r in got if r["group_id"] == g.id
        ]
        groups.append({"id": g.id, "label": g.label, "items": items})
    rows = [i for g in groups for i in g["items"] if i["in_top"]]
    (answered,) = conn.execute(
        "SELECT count(*) FROM counted_records WHERE checklist_id = ?", (checklist_id,)
    ).fetchone()
    return {
        "id": table.id,
        "checklist_id": checklist_id,
        "kind": "shares",
        "title": table.title,
        "choice": table.choice,
        "top": top,
        "groups": groups,
        "rows": rows,
        "responses": answered,
        "provisional": False,
    }
