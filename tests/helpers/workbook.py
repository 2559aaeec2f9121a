"""Reading the workbook's report sheets back (Summary, Table 2) as a reader would."""

from __future__ import annotations

from typing import Any


def header_row(ws: Any, first: str) -> int:
    """The row number of the table header (the row whose first cell is `first`)."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no header row starting {first!r} on {ws.title}")


def table(ws: Any, first: str, key: str) -> dict[str, dict[str, Any]]:
    """Rows under the header, by the value in column `key`; each row as {heading: cell}.
    Rows without a key (a checklist's heading, a blank) are skipped."""
    at = header_row(ws, first)
    header = [c.value for c in ws[at]]
    out = {}
    for row in ws.iter_rows(min_row=at + 1):
        cells = dict(zip(header, row, strict=False))
        k = cells[key].value if key in cells else None
        if k:
            out[k] = cells
    return out
