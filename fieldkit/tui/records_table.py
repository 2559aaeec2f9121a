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
SCROLLBAR = 2
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
    """The columns for a screen `width` wide: Record takes what the others leave."""
    wide = width >= 110
    date_w = 16 if wide else 10
    fixed: list[Column] = []
    if checklist:
        fixed.append(Column("checklist", "Checklist", _fit(rows, "checklist", 8, 14)))
    if force:
        fixed.append(Column("force", "Force", _fit(rows, "force", 5, 18 if wide else 12)))
    fixed.append(Column("status", "Status", 7))
    fixed.append(Column("inspector", "Inspector", _fit(rows, "inspector", 9, 18 if wide else 12)))
    fixed.append(Column("observed", "Observed", date_w))
    cols = [Column("record", "Record", 0), *fixed]
    room = width - SCROLLBAR - PADDING * len(cols) - sum(c.width for c in fixed)
    # too narrow: the inspector column gives way first, then the force
    for key, least in (("inspector", 9), ("force", 8)):
        if room >= MIN_RECORD:
            break
        for i, c in enumerate(cols):
            if c.key == key and c.width > least:
                give = min(c.width - least, MIN_RECORD - room)
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
