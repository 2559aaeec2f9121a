"""The workbook's sheets for summary tables of kind `rates` (Figure 6, the DVPO figures,
Figure 7: a row per force, the pooled national row last, "no data" where a force gave no
figure, a chart of the first rate) and `shares` (Table 1: each group's top N in order).
The figures are fieldkit.report's, as `report summary` prints them."""

from __future__ import annotations

import sqlite3
from typing import Any

from fieldkit.export.workbook import PERCENT, ChartSpec, Sheet
from fieldkit.report.summary import summary, summary_tables
from fieldkit.report.summary_kinds import NO_DATA


def _cell(row: dict[str, Any], col: dict[str, Any]) -> Any:
    value = row.get(col["id"])
    if value is None:
        return NO_DATA
    if col["per"] == 100:
        return row[f"{col['id']}__numerator"] / row[f"{col['id']}__denominator"]
    return value


def _sheet_name(s: dict[str, Any]) -> str:
    head = s["title"].split(":")[0].strip()
    return head if ":" in s["title"] and len(head) <= 31 else s["id"]


RATES_RULE = (
    "Final returns, one per force and period. A rate counts a force's return only when it "
    "gave every figure the rate needs ('no data' otherwise). National: the sums of the "
    "forces' figures, never an average of rates. 'provisional': not yet agreed by the force."
)
SHARES_RULE = (
    "Final responses. Each share is of those who answered the question (not applicable, "
    "unknown and blank left out); ties in the order the checklist lists the items."
)


def rates_sheet(s: dict[str, Any], source: str) -> Sheet:
    cols = s["columns"]
    rows = [*s["rows"], *([s["national"]] if s.get("national") else [])]
    title = s["title"] + (f" ({s['force']})" if s.get("force") else "")
    preamble = [title, source, RATES_RULE]
    first = len(preamble) + 2
    body = [
        [r["force_name"], *(_cell(r, c) for c in cols), "provisional" if r["provisional"] else ""]
        for r in rows
    ]
    rate = next((n for n, c in enumerate(cols) if c["per"] == 100), None)
    charts = []
    if rate is not None and s["rows"]:
        last = first + len(s["rows"]) - 1
        charts.append(
            ChartSpec(cols[rate]["label"], first, last, rate + 2, 1, anchor=f"A{last + 4}")
        )
    return Sheet(
        _sheet_name(s),
        ["Force", *(c["label"] for c in cols), "Provisional"],
        body,
        formats={n + 1: PERCENT for n, c in enumerate(cols) if c["per"] == 100},
        filter=False,
        preamble=preamble,
        widths={0: 32, **{n + 1: 18 for n in range(len(cols))}},
        charts=charts,
    )


def shares_sheet(s: dict[str, Any], source: str) -> Sheet:
    body = [
        [r["group_label"], r["rank"], r["question"], r["chosen"] / r["answered"], r["label"]]
        for r in s["rows"]
        if r["answered"]
    ]
    return Sheet(
        _sheet_name(s),
        ["Group", "Rank", "Competency", f"% {s['choice'].replace('_', ' ')}", "Figure"],
        body,
        formats={3: PERCENT},
        filter=False,
        preamble=[s["title"], source, SHARES_RULE],
        widths={0: 30, 1: 6, 2: 62, 3: 12, 4: 20},
        wrap={2},
    )


def summary_kind_sheets(conn: sqlite3.Connection, force: str | None, source: str) -> list[Sheet]:
    """A sheet per rates or shares summary the database's checklists declare."""
    sheets = []
    for table in summary_tables(conn, ("rates", "shares")):
        s = summary(conn, table, force=force)
        sheets.append(rates_sheet(s, source) if s["kind"] == "rates" else shares_sheet(s, source))
    return sheets
