"""The Records list's columns, fitted to the screen: each record by what identifies it (its
natural key's answers), the status and date never cut, a column the filters already settle
(one checklist, one force) left out so the others get its room. No Textual here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fieldkit import forces
from fieldkit.tui.form_status import short

PADDING = 2  # a DataTable cell's padding, left and right
SCROLLBAR = 1  # the table's scrollbar is one column wide (app.tcss)
MIN_RECORD = 18
_SUFFIX = re.compile(r"\s+(Police Service|Constabulary|Police)$")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int


def force_short(code: str | None) -> str:
    """'Surrey', 'Avon and Somerset': a force's name without 'Police' or 'Constabulary'."""
    name = forces.NAMES.get(code or "", code or "")
    return _SUFFIX.sub("", name)


def columns(
    width: int, rows: list[dict[str, Any]], *, checklist: bool, force: bool
) -> list[Column]:
    """The columns for a screen `width` wide. Record gets the room its longest name needs
    (the others give way: inspector, then checklist, down to a least width); a force
    column is left out when every record listed is of one force."""
    wide = width >= 110
    fixed: list[Column] = []
    if checklist:
        fixed.append(Column("checklist", "Checklist", _fit(rows, "checklist", 9, 14)))
    if force and len({r.get("force") for r in rows}) > 1:
        fixed.append(Column("force", "Force", _fit(rows, "force", 5, 18 if wide else 12)))
    fixed.append(Column("status", "Status", 7))
    fixed.append(Column("inspector", "Inspector", _fit(rows, "inspector", 9, 20 if wide else 14)))
    fixed.append(Column("observed", "Observed", 16 if wide else 10))
    cols = [Column("record", "Record", 0), *fixed]
    room = width - SCROLLBAR - PADDING * len(cols) - sum(c.width for c in fixed)
    need = max(MIN_RECORD, _fit(rows, "record", MIN_RECORD, 48))
    for key, least in (("inspector", 9), ("force", 8), ("checklist", 9)):
        for i, c in enumerate(cols):
            if room < need and c.key == key and c.width > least:
                give = min(c.width - least, need - room)
                cols[i] = Column(c.key, c.title, c.width - give)
                room += give
    cols[0] = Column("record", "Record", max(room, MIN_RECORD))
    return cols


def _fit(rows: list[dict[str, Any]], key: str, least: int, most: int) -> int:
    longest = max((len(r.get(key) or "") for r in rows), default=0)
    return max(least, min(longest, most))


def cells(row: dict[str, Any], cols: list[Column]) -> list[str]:
    """A row's cells for `cols` (each cut at a word to its column's width)."""
    out = []
    for c in cols:
        text = str(row.get(c.key) or "")
        if c.key == "observed":
            text = text.replace("T", " ")[: c.width]
        out.append(short(text, c.width) if c.key != "observed" else text)
    return out
