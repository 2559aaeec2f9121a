"""Named summary tables (the report's Table 2) as the checklist definitions declare them:
which items, in which order, under which title. Read from the definitions stored in the
database, so a merged team database prints its own tables; the figures are the evidence
figures (fieldkit.report.findings), so every output shows the same numbers."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from fieldkit.checklists import Summary
from fieldkit.errors import BadInput
from fieldkit.report import summary_kinds
from fieldkit.report.definitions import latest, summaries_of
from fieldkit.report.findings import evidence

ROW_HEADING = "Evidence"


@dataclass(frozen=True)
class SummaryTable:
    """One named summary table of a checklist."""

    checklist_id: str
    id: str
    title: str
    items: tuple[str, ...]
    row_heading: str = ROW_HEADING
    definition: Summary | None = None  # as declared (kind, columns, groups)

    @property
    def kind(self) -> str:
        return self.definition.kind if self.definition is not None else "evidence"


def summary_tables(
    conn: sqlite3.Connection, kinds: tuple[str, ...] | None = ("evidence",)
) -> list[SummaryTable]:
    """The summary tables the database's checklists declare (latest version of each), in
    dashboard order: Table 2's kind unless `kinds` says otherwise (None: every kind)."""
    out: list[SummaryTable] = []
    for cid, checklist in latest(conn).items():
        for entry in summaries_of(checklist):
            if kinds is not None and entry.kind not in kinds:
                continue
            items = tuple(i for i in entry.items if i in checklist.item_map)
            out.append(
                SummaryTable(cid, entry.id, entry.title or entry.id, items, definition=entry)
            )
    return out


def find_summary(conn: sqlite3.Connection, name: str) -> SummaryTable:
    """The summary table called `name` (BadInput naming the known ones otherwise)."""
    tables = summary_tables(conn, None)
    for t in tables:
        if t.id == name:
            return t
    known = ", ".join(t.id for t in tables) or "none declared"
    raise BadInput(f"unknown summary table {name!r} (known: {known})")


def fill_title(title: str, files: int) -> str:
    """A title may say "{files}" where the number of records in scope goes (Table 2: "Review
    of evidence contained in 480 case files")."""
    return title.replace("{files}", f"{files:,}")


def summary(
    conn: sqlite3.Connection, table: SummaryTable, *, force: str | None = None
) -> dict[str, Any]:
    """The table's figures: title, the records in scope it is out of (`files`), and one
    row per item in the declared order with the evidence figures. A table of another kind
    has its own shape (fieldkit.report.summary_kinds)."""
    if table.definition is not None and table.kind == "rates":
        return summary_kinds.rates(conn, table.checklist_id, table.definition, force=force)
    if table.definition is not None and table.kind == "shares":
        return summary_kinds.shares(conn, table.checklist_id, table.definition)
    rows = {r["item_id"]: r for r in evidence(conn, checklist=table.checklist_id, force=force)}
    ordered = [rows[i] for i in table.items if i in rows]
    files = max((r["files"] for r in ordered), default=0)
    return {
        "id": table.id,
        "checklist_id": table.checklist_id,
        "kind": "evidence",
        "title": fill_title(table.title, files),
        "row_heading": table.row_heading,
        "files": files,
        "force": ordered[0].get("force") if force and ordered else None,
        "rows": ordered,
    }
