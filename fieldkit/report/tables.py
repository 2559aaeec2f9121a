"""The report commands' results as plain data: what `fieldkit report evidence | scales |
summary | coverage` print, decided here and drawn by the CLI (fieldkit/cli/output.py).

Each function returns a `Shown`: the rows `--json` prints, or the report's frames (a table
per checklist, the columns as the figures' specification gives them) for a terminal table,
CSV or Markdown; and the line to print instead when there are no rows. JSON asks only for
the data (the frames' titles and captions cost queries it does not need, and the log
digest costs a read of the whole log that the tables do not need).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldkit.report.figures import (
    EVIDENCE,
    SCALES,
    Figure,
    csv_figures,
    shown_figures,
    with_names,
)
from fieldkit.report.render import Column, Frame

if TYPE_CHECKING:
    import sqlite3

OF_ALL_NOTE = (
    "% of all: completed over every record in scope (the 2014 report's denominator); for "
    "questions asked per agency or per case, over the rows answered."
)


def _named(keys: str, numeric: str, **headings: str) -> list[Column]:
    """CSV columns headed by their keys unless `headings` renames one (`numeric`: the
    ones that are figures)."""
    return [Column(k, headings.get(k, k), k in numeric.split()) for k in keys.split()]


SUMMARY_DATA = _named(
    "item_id question applicable completed percent label not_applicable blank",
    numeric="applicable completed percent not_applicable blank",
    question="evidence",
)

COVERAGE_SHOWN = [
    Column("force", "Force"),
    Column("checklist", "Checklist"),
    Column("stratum_shown", "Stratum"),
    Column("final", "Final", True),
    Column("target_shown", "Target", True),
    Column("to_do", "To do", True),
    Column("drafts_shown", "Drafts", True),
]
COVERAGE_DATA = _named(
    "force_code force_name checklist_id stratum final target remaining drafts",
    numeric="final target remaining drafts",
)


@dataclass
class Shown:
    """A report as a command prints it: `data` for JSON; else `frames` (a table, CSV or
    Markdown), or the line `empty` when there are no frames to draw."""

    data: Any = None
    frames: list[Frame] = field(default_factory=list)
    empty: str = ""


def caption(conn: sqlite3.Connection, checklist: str | None, force: str | None = None) -> str:
    """What every findings table says it counts, with the records it left out: of its own
    checklist, and of its force when it is one force's table."""
    from fieldkit.report.findings import not_counted

    left = not_counted(conn, checklist, force)
    return (
        "Final, non-deleted records, one per natural key. Not applicable left out of both "
        "counts; pooled across forces; rounded half up. Not counted: "
        f"{left['drafts']} draft(s), {left['duplicates']} duplicate(s)."
    )


def question_shown(row: dict[str, Any], ids: bool) -> str:
    """The question as a table shows it: with its item id under --ids."""
    return f"{row['question']} [{row['item_id']}]" if ids else row["question"]


def of_all(row: dict[str, Any]) -> str:
    """The evidence figure over everything in scope: '35% of 120' (and the unit, for a
    question asked per agency or per case)."""
    if row["percent_of_base"] is None:
        return ""
    unit = "" if row["repeat"] is None else f"\n{row['base_unit']}"
    return f"{row['percent_of_base']}% of {row['base']}{unit}"


def figure_columns(figures: list[Figure], *, shown: bool) -> list[Column]:
    """Report columns from the figures' specification: the terminal's headings, or the
    CSV's names (the question shows as `question_shown`: with its id under --ids)."""
    if not shown:
        return [Column(f.key, f.name or f.key, f.numeric) for f in figures]
    return [
        Column("question_shown" if f.wrap else f.key, f.shown or f.key, f.numeric, f.wrap)
        for f in figures
    ]


def figure_frames(
    spec: tuple[Figure, ...],
    rows: list[dict[str, Any]],
    titles: dict[str, str],
    title: Callable[[str, list[dict[str, Any]]], str],
    *,
    per_force: bool,
    ids: bool,
    caption: Callable[[str], str] | None = None,
) -> list[Frame]:
    """Evidence or scale rows as one frame per checklist (in the rows' order), titled by
    `title(checklist_id, its rows)`, the columns as the figures' specification gives them
    (fieldkit/report/figures.py); grouped by section unless a row per force; captioned
    by `caption(checklist_id)` when given."""
    frames = []
    for cid in dict.fromkeys(r["checklist_id"] for r in rows):
        part = [
            {**r, "question_shown": question_shown(r, ids)}
            for r in with_names(rows, titles)
            if r["checklist_id"] == cid
        ]
        frames.append(
            Frame(
                title(cid, part),
                figure_columns(shown_figures(spec, per_force=per_force), shown=True),
                part,
                caption=caption(cid) if caption else "",
                data=figure_columns(csv_figures(spec, per_force=per_force, ids=ids), shown=False),
                group="section",  # section headings, also in a row per force
            )
        )
    return frames


def evidence_report(
    conn: sqlite3.Connection,
    *,
    checklist: str | None = None,
    by_force: bool = False,
    force: str | None = None,
    in_scope: bool = True,
    ids: bool = False,
    as_data: bool = False,
) -> Shown:
    """`report evidence`: every yes/no question's figures, a table per checklist titled
    with the records it counts and its scope. As data, each row carries the log digest
    (the exact state the figures came from)."""
    from fieldkit.report.definitions import scope_labels, titles
    from fieldkit.report.findings import evidence
    from fieldkit.store import log_digest

    rows = evidence(conn, checklist=checklist, by_force=by_force, force=force, in_scope=in_scope)
    if as_data:
        digest = log_digest(conn)
        return Shown(data=[{**r, "log_digest": digest} for r in rows])
    if not rows:
        return Shown(data=rows, empty="No counted records yet.")
    names = titles(conn)
    scopes = scope_labels(conn)
    per_force = by_force or force is not None

    def title(cid: str, part: list[dict[str, Any]]) -> str:
        scope = scopes.get(cid, ("", ""))[0 if in_scope else 1]
        if per_force:
            return names.get(cid, cid) + (f": {scope}" if scope else "")
        files = max((r["files"] for r in part), default=0)
        return names.get(cid, cid) + f": {files} record(s)" + (f", {scope}" if scope else "")

    rows = [{**r, "of_all": of_all(r)} for r in rows]
    frames = figure_frames(
        EVIDENCE,
        rows,
        names,
        title,
        per_force=per_force,
        ids=ids,
        caption=lambda cid: caption(conn, cid, force),
    )
    frames[-1].notes = [OF_ALL_NOTE]
    return Shown(data=rows, frames=frames)


def scales_report(
    conn: sqlite3.Connection,
    *,
    checklist: str | None = None,
    by_force: bool = False,
    force: str | None = None,
    ids: bool = False,
    as_data: bool = False,
) -> Shown:
    """`report scales`: every 1-4 scale question's figures, a table per checklist."""
    from fieldkit.report.definitions import titles
    from fieldkit.report.findings import scales

    rows = scales(conn, checklist=checklist, by_force=by_force, force=force)
    if as_data or not rows:
        return Shown(data=rows, empty="No scored records yet.")
    names = titles(conn)

    def title(cid: str, part: list[dict[str, Any]]) -> str:
        return f"{names.get(cid, cid)}: scale questions (3 = adequate, 4 = good)"

    per_force = by_force or force is not None
    frames = figure_frames(SCALES, rows, names, title, per_force=per_force, ids=ids)
    return Shown(data=rows, frames=frames)


def summary_report(
    conn: sqlite3.Connection,
    name: str | None = None,
    *,
    force: str | None = None,
    ids: bool = False,
    as_data: bool = False,
    by_force: bool = False,
) -> Shown:
    """`report summary`: the summary table called `name` (else every one the database's
    checklists define) in the shape the report printed it. As data: the one table, or a
    list of them all. `by_force`: a row per item and force, with the force's interval
    and how it compares with the rest of England and Wales."""
    from fieldkit.errors import BadInput
    from fieldkit.report.summary import find_summary, summary, summary_tables
    from fieldkit.report.summary_frames import rates_frame, shares_frame

    tables = [find_summary(conn, name)] if name else summary_tables(conn, None)
    if not tables:
        raise BadInput("no checklist in this database defines a summary table")
    if by_force:
        return _summary_by_force(conn, tables, ids=ids, as_data=as_data)
    found = [summary(conn, t, force=force) for t in tables]
    if as_data:
        return Shown(data=found if name is None else found[0])
    frames = []
    for s in found:
        if s["kind"] != "evidence":
            frames.append(rates_frame(s) if s["kind"] == "rates" else shares_frame(s, ids))
            continue
        rows = [{**r, "question_shown": question_shown(r, ids)} for r in s["rows"]]
        frames.append(
            Frame(
                s["title"] + (f" ({rows[0]['force_name']})" if force and rows else ""),
                [
                    Column("question_shown", s["row_heading"], wrap=True),
                    Column("applicable", f"Number of applicable cases (out of {s['files']})", True),
                    Column("label", "% of applicable files where activity completed", True),
                ],
                rows,
                caption=caption(conn, s["checklist_id"], force),
                data=[c for c in SUMMARY_DATA if ids or c.key != "item_id"],
            )
        )
    return Shown(data=found, frames=frames)


SUMMARY_BY_FORCE = [  # grouped under each force's name
    Column("question_shown", "Evidence", wrap=True),
    Column("label", "% of applicable files where activity completed", True),
    Column("interval", "95% interval", True),
    Column("rest_label", "Rest of E&W", True),
    Column("difference", "Difference"),
]


def _summary_by_force(
    conn: sqlite3.Connection, tables: list[Any], *, ids: bool, as_data: bool
) -> Shown:
    """Each summary table with a row per force and item (forces in name order)."""
    from fieldkit.report.findings import evidence

    found = []
    for t in tables:
        rows = evidence(conn, checklist=t.checklist_id, by_force=True)
        order = {item: n for n, item in enumerate(t.items)}
        mine = sorted(
            (r for r in rows if r["item_id"] in order),
            key=lambda r: (r["force_name"] or r["force"], order[r["item_id"]]),
        )
        found.append((t, mine))
    if as_data:
        data = [{"summary": t.id, **r} for t, rows in found for r in rows]
        return Shown(data=data)
    frames = []
    for t, rows in found:
        shown = [
            {**r, "force": r["force_name"] or r["force"], "question_shown": question_shown(r, ids)}
            for r in rows
        ]
        data = [Column("force", "force"), *([Column("item_id", "item_id")] if ids else [])]
        data += _named(
            "question applicable completed percent label interval ci_low ci_high rest_applicable "
            "rest_completed rest_label gap test p_value difference",
            numeric="applicable completed percent ci_low ci_high rest_applicable "
            "rest_completed gap p_value",
            question="evidence",
        )
        frames.append(
            Frame(
                f"{t.title.split(':')[0]} by force",
                SUMMARY_BY_FORCE,
                shown,
                caption=caption(conn, t.checklist_id),
                data=data,
                group="force",
            )
        )
    return Shown(data=[r for _, rows in found for r in rows], frames=frames)


def coverage_report(
    conn: sqlite3.Connection,
    *,
    force: str | None = None,
    checklist: str | None = None,
    as_data: bool = False,
) -> Shown:
    """`report coverage`: records done per force, checklist and stratum against the
    sample targets ('-' as recorded, 'done' when met)."""
    from fieldkit.report.definitions import titles
    from fieldkit.report.findings import check_checklist
    from fieldkit.report.sampling import coverage

    check_checklist(conn, checklist)
    rows = [
        r for r in coverage(conn, force=force) if not checklist or r["checklist_id"] == checklist
    ]
    if as_data:
        return Shown(data=rows)
    names = titles(conn)
    shown = [
        {
            **r,
            "force": r["force_name"] or r["force_code"],
            "checklist": names.get(r["checklist_id"], r["checklist_id"]),
            "stratum_shown": r["stratum"].replace("_", " "),
            "target_shown": "-" if r["target"] is None else r["target"],
            "to_do": ""
            if r["remaining"] is None
            else ("done" if not r["remaining"] else r["remaining"]),
            "drafts_shown": r["drafts"] or "",
        }
        for r in rows
    ]
    frame = Frame(
        "Coverage: counted (final) records against targets",
        COVERAGE_SHOWN,
        shown,
        caption="Target '-' = as recorded. Drafts are not counted until final.",
        data=COVERAGE_DATA,
    )
    return Shown(data=rows, frames=[frame])
