"""The workbook's report-shaped sheets, the ones a report writer prints:

- Summary: a title, the source and date, then one table per instrument (question text,
  applicable, completed, the exact share as a percentage, "77% (305 of 395)", not
  applicable, blank, and the share of all in scope with its true base);
- one sheet per named summary table a checklist defines ("Table 2"), in the report's shape,
  with its chart under it;
- Charts: one bar chart per Summary table, a page each, every bar labelled.

The figures are fieldkit.report's, so the workbook, the terminal and Datasette agree."""

from __future__ import annotations

import sqlite3
from typing import Any

from fieldkit.export.workbook import PERCENT, ChartSpec, Heading, Sheet
from fieldkit.report import evidence, fraction
from fieldkit.report.definitions import scope_labels
from fieldkit.report.summary import summary, summary_tables

SUMMARY_HEADER = [
    "Question",
    "Applicable",
    "Completed",
    "% completed",
    "Figure",
    "N/A",
    "Blank",
    "Of all in scope",
    "Item id",
    "Chart label",
]
LABEL_CHARS = 64  # a chart label on one line (the table above has the whole question)


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


SUMMARY_PRINTED = 8  # the item id column is for machines: not printed
RULE = (
    "Final, non-deleted records, one per natural key. Applicable = yes or no: not "
    "applicable and unknown are left out of both counts. Pooled across forces, rounded half up.",
    "'Of all in scope' is out of every record in scope, or, for a question asked per agency "
    "or per case, out of the rows answered.",
)


def _preamble(title: str, source: str) -> list[str]:
    return [title, source, *RULE]


def summary_sheet(
    conn: sqlite3.Connection, titles: dict[str, str], force: str | None, source: str
) -> tuple[Sheet, list[ChartSpec]]:
    """The Summary sheet, and a chart per table on it (to go on the Charts sheet)."""
    rows = evidence(conn, force=force)
    scopes = scope_labels(conn)
    preamble = _preamble(
        "Inspection findings: evidence by instrument" + (f" ({force})" if force else ""), source
    )
    data: list[Any] = []
    charts: list[ChartSpec] = []
    row_no = len(preamble) + 2  # the header row
    for cid in dict.fromkeys(r["checklist_id"] for r in rows):
        part = [r for r in rows if r["checklist_id"] == cid]
        files = max(r["files"] for r in part)
        name = titles.get(cid, cid)
        scope = scopes.get(cid, ("", ""))[0]
        data.append(Heading(f"{name}: {files} record(s)" + (f", {scope}" if scope else "")))
        row_no += 1
        first = row_no + 1
        for r in part:
            data.append(
                [
                    r["question"],
                    r["applicable"],
                    r["completed"],
                    fraction(r["completed"], r["applicable"]),
                    r["label"],
                    r["not_applicable"],
                    r["blank"],
                    r["base_label"],
                    r["item_id"],
                    short(r["question"]),
                ]
            )
            row_no += 1
        charts.append(
            ChartSpec(
                f"{name}: % completed (of applicable)",
                first,
                row_no,
                4,
                10,
                texts=[r["label"] for r in part],
            )
        )
        data.append([])
        row_no += 1
    sheet = Sheet(
        "Summary",
        SUMMARY_HEADER,
        data,
        formats={3: PERCENT},
        filter=False,
        preamble=preamble,
        widths={0: 82, 1: 10, 2: 10, 3: 10, 4: 20, 5: 6, 6: 6, 7: 25, 8: 30, 9: 60},
        wrap={0},
        print_cols=SUMMARY_PRINTED,
        font_size=9,
    )
    return sheet, charts


def charts_sheet(charts: list[ChartSpec]) -> Sheet:
    """One chart per Summary table, each starting a new printed page."""
    placed = []
    breaks = []
    row = 3
    for c in charts:
        height = c.size[1]
        placed.append(
            ChartSpec(
                c.title,
                c.first_row,
                c.last_row,
                c.values_col,
                c.labels_col,
                source="Summary",
                anchor=f"A{row}",
                texts=c.texts,
            )
        )
        row += int(height / 0.53) + 2
        breaks.append(row - 1)
    return Sheet(
        "Charts",
        [],
        [],
        filter=False,
        preamble=["Charts: % completed (of applicable), one per Summary table"],
        charts=placed,
        portrait=True,
        page_break_rows=breaks[:-1],
        widths={i: 10 for i in range(12)},
        print_cols=8,
    )


def summary_table_sheets(conn: sqlite3.Connection, force: str | None, source: str) -> list[Sheet]:
    """A sheet per named summary table (Table 2) in the shape the report printed it."""
    sheets = []
    for table in summary_tables(conn):
        s = summary(conn, table, force=force)
        rows = s["rows"]
        preamble = _preamble(s["title"] + (f" ({force})" if force else ""), source)
        first = len(preamble) + 3
        last = first + len(rows) - 1
        sheets.append(
            Sheet(
                s["title"].split(":")[0].strip() or table.id,
                [
                    s["row_heading"],
                    f"Number of applicable cases (out of {s['files']})",
                    "% of applicable files where activity completed",
                    "Completed",
                    "Figure",
                    "Item id",
                ],
                [
                    [
                        r["question"],
                        r["applicable"],
                        fraction(r["completed"], r["applicable"]),
                        r["completed"],
                        r["label"],
                        r["item_id"],
                    ]
                    for r in rows
                ],
                formats={2: PERCENT},
                filter=False,
                preamble=preamble,
                widths={0: 62, 1: 16, 2: 18, 3: 11, 4: 21, 5: 30},
                wrap={0},
                font_size=10,
                print_cols=5,
                charts=[
                    ChartSpec(
                        f"{s['title'].split(':')[0]}: % of applicable files where activity "
                        "completed",
                        first,
                        last,
                        3,
                        1,
                        anchor=f"A{last + 3}",
                        label_lines=max((-(-len(r["question"]) // 48) for r in rows), default=1),
                        texts=[r["label"] for r in rows],
                    )
                ],
            )
        )
    return sheets
