"""Evidence figures (every yes/no item) and scale figures (every 1-4 item), read from the
views so that the terminal, Datasette and Excel show the same numbers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.report import numbers
from fieldkit.report.compare import MIN_BASE, with_rest
from fieldkit.store import resolve_force, views


def check_checklist(conn: sqlite3.Connection, checklist: str | None) -> None:
    if checklist is None:
        return
    known = [r[0] for r in conn.execute("SELECT DISTINCT id FROM checklists ORDER BY id")]
    if checklist not in known:
        raise BadInput(f"unknown checklist {checklist!r} (known: {', '.join(known)})")


def _item_rows(
    conn: sqlite3.Connection,
    kind: str,
    checklist: str | None,
    by_force: bool,
    force: str | None,
    in_scope: bool,
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Rows of the `<kind>_summary` view (or `<kind>_by_force`), filtered, in form order,
    each with the start of its output row: checklist, force when per force, item."""
    views.ensure(conn)
    check_checklist(conn, checklist)
    where, args = sql.where(
        {
            "in_scope": 1 if in_scope else 0,
            "checklist_id": checklist,
            "force_code": resolve_force(force) if force else None,
        }
    )
    per_force = by_force or force is not None
    source = f"{kind}_by_force" if per_force else f"{kind}_summary"
    order = "checklist_id, force_code, position" if per_force else "checklist_id, position"
    for r in sql.rows(conn, f"SELECT * FROM {source} {where} ORDER BY {order}", args):
        row: dict[str, Any] = {"checklist_id": r["checklist_id"]}
        if per_force:
            row["force"] = r["force_code"]
            row["force_name"] = r["force_name"]
        row.update(item_id=r["item_id"], question=r["question"], section=r["section_title"])
        yield r, row


def evidence(
    conn: sqlite3.Connection,
    *,
    checklist: str | None = None,
    by_force: bool = False,
    force: str | None = None,
    in_scope: bool = True,
    min_base: int = MIN_BASE,
) -> list[dict[str, Any]]:
    """Every yes/no(/not applicable) item: applicable, completed, percent and label, pooled
    over forces (or one row per force with `by_force`), by the Table 2 rule.

    A force's row also carries the rest of England and Wales (every other force pooled),
    the force's Wilson 95% interval and whether it differs beyond chance (the columns of
    fieldkit.report.compare.with_rest; a base under `min_base` is too small to call).

    Beside the Table 2 figure, `percent_of_base` is completed over every counted instance
    (the 2014 report's "of all files"): `base` is the records in scope for an ordinary item
    and the repeat rows answered for an item asked per agency or per case (`repeat` names
    which, `base_unit` says it), so it never exceeds 100. The views define the base
    (evidence_figures in fieldkit/sql/views.sql), so Datasette's `evidence` query shows the
    same one.

    `in_scope=False` gives the case files outside the DA analysis (burglary, not DA)."""
    out = []
    for r, row in _item_rows(conn, "evidence", checklist, by_force, force, in_scope):
        base, unit = r["base"], r["base_unit"]
        row.update(
            applicable=r["applicable"],
            completed=r["completed"],
            percent=r["percent"],  # the Table 2 rule, as the views write it
            label=r["label"],
            not_applicable=r["not_applicable"],
            unknown=r["unknown"],
            blank=r["blank"],
            files=r["files"],
            repeat=r["repeat_key"],
            base=base,
            base_unit=unit,
            percent_of_base=r["percent_of_base"],
            base_label=numbers.label(r["completed"], base, unit=unit),
        )
        out.append(row)
    if out and (by_force or force is not None):
        national = {
            (r["checklist_id"], r["item_id"]): r
            for r in sql.rows(
                conn,
                "SELECT checklist_id, item_id, applicable, completed FROM evidence_summary"
                " WHERE in_scope = ?",
                (1 if in_scope else 0,),
            )
        }
        out = [with_rest(r, national[(r["checklist_id"], r["item_id"])], min_base) for r in out]
    return out


def scales(
    conn: sqlite3.Connection,
    *,
    checklist: str | None = None,
    by_force: bool = False,
    force: str | None = None,
    in_scope: bool = True,
) -> list[dict[str, Any]]:
    """Every 1-4 scale item: how many scored, the mean, and the share scoring 3 or more."""
    out = []
    for r, row in _item_rows(conn, "scale", checklist, by_force, force, in_scope):
        row.update(
            scored=r["scored"],
            mean=numbers.mean_text(r["total"], r["scored"]),
            met=r["met"],
            percent_met=numbers.percent(r["met"], r["scored"]),
            label=numbers.label(r["met"], r["scored"], empty="no scored records"),
            not_applicable=r["not_applicable"],
        )
        out.append(row)
    return out


def not_counted(
    conn: sqlite3.Connection, checklist: str | None = None, force: str | None = None
) -> dict[str, int]:
    """Records left out of every figure: drafts, and final duplicates of a counted record;
    of one checklist and one force when given (else of all of them)."""
    views.ensure(conn)
    where, args = sql.where(
        {
            "deleted": 0,
            "checklist_id": checklist,
            "force_code": resolve_force(force) if force else None,
        }
    )
    drafts, dups = conn.execute(
        "SELECT coalesce(sum(status = 'draft'), 0),"
        f" coalesce(sum(status = 'final' AND counted = 0), 0) FROM record_facts {where}",
        args,
    ).fetchone()
    return {"drafts": drafts, "duplicates": dups}
