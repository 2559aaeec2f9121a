"""The Excel export: a workbook a report writer can use as it is.

Sheets: Summary (a title, the source and date, a table per instrument), one sheet per named
summary table in the report's shape ("Table 2", with its chart), Charts (a bar chart per
Summary table, a page each), By force, Scales, Scales by force, Coverage, Excluded case
files, one wide sheet per checklist (question text in the headers), Answers (long form),
Notes, Conflicts, the register's sheets and About (source, time, filters, redaction); the
report sheets are in fieldkit/export/report_sheets.py. Every sheet is set up to print: A4,
one page wide, header rows repeated, a print area and a footer with the source and page.

Everything is written in openpyxl's write-only mode, streaming rows from the views, so memory
stays flat as the database grows; a sheet that would pass Excel's 1,048,576-row limit goes on
in "<name> (2)", "<name> (3)" ... with the header repeated. Text that starts with = + - @ or a
tab or carriage return is stored as a plain string cell with Excel's quote prefix, never as
a formula. The file is written beside the target, owner-only (0600), and moved into place.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from fieldkit import __version__
from fieldkit.checklists import Checklist, Item
from fieldkit.checklists.model import NA, UNKNOWN
from fieldkit.report import evidence, fraction, scales
from fieldkit.report.sampling import coverage
from fieldkit.store import Store, resolve_force, views

EXCEL_MAX_ROWS = 1_048_576
RISKY_START = ("=", "+", "-", "@", "\t", "\r")
PERCENT = "0%"
MEAN = "0.0"
WIDTH_SAMPLE = 200
MAX_WIDTH = 60
REDACTED = "(redacted)"
TEXT_KINDS = ("text",)
BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="404040")
SECTION_FONT = Font(bold=True, size=12)
PROGRESS_EVERY = 5000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ID_FONT = Font(italic=True, color="808080")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
INDENT = Alignment(horizontal="left", vertical="top", indent=1)


@dataclass
class ChartSpec:
    """A horizontal bar chart of percentages, one bar per row, every bar labelled."""

    title: str
    first_row: int  # data rows, 1-based sheet rows
    last_row: int
    values_col: int  # 1-based
    labels_col: int
    source: str | None = None  # the sheet holding the data (default: the chart's own)
    anchor: str | None = None  # top-left cell (default: right of the table)
    label_lines: int = 1  # lines the longest bar label wraps to

    @property
    def bars(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def size(self) -> tuple[float, float]:
        return chart_size(self.bars, self.label_lines)


@dataclass(frozen=True)
class Heading:
    """A row that names the table under it (a checklist's block on the Summary)."""

    text: str


@dataclass
class Sheet:
    """One logical sheet: optional title lines, a header row, rows of plain values,
    formats by column; printed landscape, one page wide, the header repeated."""

    title: str
    header: list[str]
    rows: Iterable[Sequence[Any] | Heading]
    ids: list[str] | None = None  # a row of ids above the header (wide sheets)
    formats: dict[int, str] = field(default_factory=dict)  # 0-based column -> number format
    charts: list[ChartSpec] = field(default_factory=list)
    freeze_cols: int = 0
    filter: bool = True
    preamble: list[str] = field(default_factory=list)  # title lines above the header
    widths: dict[int, int] = field(default_factory=dict)  # 0-based column -> fixed width
    wrap: set[int] = field(default_factory=set)  # 0-based columns whose text wraps
    print_cols: int | None = None  # columns printed (default: all)
    portrait: bool = False
    page_break_rows: list[int] = field(default_factory=list)  # a new page starts after
    font_size: float | None = None  # a smaller type for a sheet meant to be printed


# --------------------------------------------------------------------------- values
def safe_text(ws: Any, value: str) -> Any:
    """A string as a cell that can never be read as a formula."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value[:1] in RISKY_START:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def converter(item: Item) -> Callable[[Any], Any]:
    """How a stored answer to `item` reads in the workbook (numbers stay numbers)."""
    if item.kind == "choice":
        labels = {c.code: c.label for c in item.choices}
        labels.update({NA: "n/a", UNKNOWN: "unknown"})
        return lambda v: labels.get(v, v) if isinstance(v, str) else v
    if item.kind == "multi":
        labels = {c.code: c.label for c in item.choices}

        def multi(v: Any) -> Any:
            if v == NA:
                return "n/a"
            try:
                codes = json.loads(v)
            except (TypeError, ValueError):
                return v
            if not isinstance(codes, list):
                return v
            return "; ".join(labels.get(c, str(c)) for c in codes)

        return multi
    if item.kind == "q4":
        # the score stays a number; only the non-scores read as words
        return lambda v: "n/a" if v == NA else v
    return lambda v: "n/a" if v == NA else v


def _open_repeat(conv: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read(v: Any) -> Any:
        if v is None:
            return None
        try:
            parts = json.loads(v)
        except (TypeError, ValueError):
            return v
        if not isinstance(parts, dict):
            return v
        out = []
        for k, x in parts.items():
            x = conv(json.dumps(x) if isinstance(x, list) else x)
            out.append(f"{k}: {x}")
        return " | ".join(out)

    return read


def _rows(conn: sqlite3.Connection, query: str, args: Sequence[Any] = ()) -> Iterator[tuple]:
    cur = conn.execute(query, tuple(args))
    while True:
        batch = cur.fetchmany(500)
        if not batch:
            return
        yield from batch


def _sheet_title(text: str, used: set[str]) -> str:
    base = BAD_TITLE.sub(" ", text).strip()[:31] or "Sheet"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


# --------------------------------------------------------------------------- sheets
EVIDENCE_HEADER = [
    "Checklist",
    "Item id",
    "Evidence",
    "Applicable",
    "Completed",
    "% completed (of applicable)",
    "Label",
    "Not applicable",
    "Unknown",
    "Blank (no answer)",
    "All in scope (base)",
    "Base counts",
    "% of all in scope (of the base)",
]


def _evidence_rows(rows: list[dict[str, Any]], titles: dict[str, str], by_force: bool) -> list:
    out = []
    for r in rows:
        row = [titles.get(r["checklist_id"], r["checklist_id"])]
        if by_force:
            row.append(r.get("force_name") or r.get("force"))
        row += [
            r["item_id"],
            r["question"],
            r["applicable"],
            r["completed"],
            fraction(r["completed"], r["applicable"]),
            r["label"],
            r["not_applicable"],
            r["unknown"],
            r["blank"],
            r["base"],
            r["base_unit"],
            fraction(r["completed"], r["base"]),
        ]
        out.append(row)
    return out


def by_force_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    rows = evidence(conn, by_force=True, force=force)
    header = EVIDENCE_HEADER[:1] + ["Force"] + EVIDENCE_HEADER[1:]
    return Sheet(
        "By force",
        header,
        _evidence_rows(rows, titles, by_force=True),
        formats={6: PERCENT, 13: PERCENT},
    )


def excluded_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    rows = evidence(conn, force=force, in_scope=False)
    return Sheet(
        "Excluded case files",
        EVIDENCE_HEADER,
        _evidence_rows(rows, titles, by_force=False),
        formats={5: PERCENT, 12: PERCENT},
    )


SCALE_HEADER = [
    "Checklist",
    "Item id",
    "Question",
    "Scored",
    "Mean (1-4)",
    "Scored 3 or more",
    "% scoring 3 or more",
    "Label",
    "Not applicable",
]


def scale_sheet(
    conn: sqlite3.Connection, titles: dict[str, str], force: str | None, by_force: bool
) -> Sheet:
    rows = scales(conn, force=force, by_force=by_force)
    data = []
    for r in rows:
        row = [titles.get(r["checklist_id"], r["checklist_id"])]
        if by_force:
            row.append(r.get("force_name") or r.get("force"))
        row += [
            r["item_id"],
            r["question"],
            r["scored"],
            float(r["mean"]) if r["mean"] else None,
            r["met"],
            fraction(r["met"], r["scored"]),
            r["label"],
            r["not_applicable"],
        ]
        data.append(row)
    header = SCALE_HEADER[:1] + (["Force"] if by_force else []) + SCALE_HEADER[1:]
    off = 1 if by_force else 0
    return Sheet(
        "Scales by force" if by_force else "Scales",
        header,
        data,
        formats={4 + off: MEAN, 6 + off: PERCENT},
    )


def coverage_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    data = [
        [
            r["force_name"] or r["force_code"],
            titles.get(r["checklist_id"], r["checklist_id"]),
            r["stratum"].replace("_", " "),
            r["target"] if r["target"] is not None else "as recorded",
            r["final"],
            r["remaining"],
            r["drafts"],
        ]
        for r in coverage(conn, force=force)
    ]
    return Sheet(
        "Coverage",
        ["Force", "Checklist", "Stratum", "Target", "Final (counted)", "Still to do", "Drafts"],
        data,
    )


WIDE_ENVELOPE = [
    ("record_id", "Record id"),
    ("force_code", "Force"),
    ("inspector", "Inspector"),
    ("observer_role", "Observer role"),
    ("observed_at", "Observed at"),
    ("subject_ref", "Subject reference"),
    ("status", "Status"),
    ("counted", "Counted (1 = in the figures)"),
    ("in_scope", "In scope (1 = in the evidence summary)"),
    ("checklist_version", "Checklist version"),
]


def wide_sheet(
    conn: sqlite3.Connection, view: str, checklist: Checklist, force: str | None, redact: bool
) -> Sheet:
    envelope = [(c, h) for c, h in WIDE_ENVELOPE if not (redact and c == "subject_ref")]
    if not checklist.scope.rule:  # every record in scope: the column says nothing
        envelope = [(c, h) for c, h in envelope if c != "in_scope"]
    cols = [
        wc for wc in views.wide_columns(checklist) if not (redact and wc.item.kind in TEXT_KINDS)
    ]
    names = [c for c, _ in envelope] + [wc.name for wc in cols]
    convs: list[Callable[[Any], Any] | None] = [None] * len(envelope)
    for wc in cols:
        conv = converter(wc.item)
        convs.append(_open_repeat(conv) if wc.rkey is None else conv)
    where, args = "", []
    if force:
        where, args = "WHERE force_code = ?", [force]
    query = (
        f"SELECT {', '.join(views._q(n) for n in names)} FROM {views._q(view)} {where}"
        " ORDER BY force_code, observed_at, record_id"
    )
    pairs = list(enumerate(convs))
    active = [(i, c) for i, c in pairs if c is not None]

    def rows() -> Iterator[list]:
        for raw in _rows(conn, query, args):
            row = list(raw)
            for i, conv in active:
                v = row[i]
                if v is not None:
                    row[i] = conv(v)
            yield row

    return Sheet(
        checklist.title,
        [h for _, h in envelope] + [wc.header for wc in cols],
        rows(),
        ids=names,
        freeze_cols=1,
    )


def answers_sheet(
    conn: sqlite3.Connection,
    titles: dict[str, str],
    items: dict[tuple[str, int, str], Item],
    force: str | None,
    redact: bool,
) -> Sheet:
    convs = {k: converter(i) for k, i in items.items()}
    skip = {k for k, i in items.items() if redact and i.kind in TEXT_KINDS}
    where, args = "", []
    if force:
        where, args = "WHERE force_code = ?", [force]
    query = (
        "SELECT record_id, checklist_id, checklist_version, force_code, status, item_id, rkey,"
        f" question, value FROM answers_long {where}"
    )

    def rows() -> Iterator[tuple]:
        for rid, cid, ver, fc, status, iid, rkey, question, value in _rows(conn, query, args):
            key = (cid, ver, iid)
            if key in skip:
                continue
            conv = convs.get(key)
            yield (
                rid,
                titles.get(cid, cid),
                fc,
                status,
                iid,
                rkey or None,
                question,
                conv(value) if conv else value,
            )

    return Sheet(
        "Answers",
        ["Record id", "Checklist", "Force", "Status", "Item id", "Instance", "Question", "Answer"],
        rows(),
    )


def notes_sheet(
    conn: sqlite3.Connection, titles: dict[str, str], force: str | None, redact: bool
) -> Sheet:
    header = ["Record id", "Checklist", "Force", "Item id", "Instance", "Question", "Note", "By"]
    if redact:
        return Sheet("Notes", header, [], filter=False)
    where, args = "", []
    if force:
        where, args = "AND r.force_code = ?", [force]
    query = (
        "SELECT n.record_id, r.checklist_id, r.force_code, n.field, n.rkey, i.prompt, n.value,"
        " n.author FROM cells n JOIN records r ON r.record_id = n.record_id"
        " LEFT JOIN items i ON i.checklist_id = r.checklist_id"
        "  AND i.checklist_version = r.checklist_version AND i.item_id = n.field"
        f" WHERE n.kind = 'note' AND n.value IS NOT NULL AND r.deleted = 0 {where}"
        " ORDER BY r.checklist_id, r.force_code, n.record_id, i.position"
    )
    rows = (
        (rid, titles.get(cid, cid), fc, f, rk or None, q, v, a)
        for rid, cid, fc, f, rk, q, v, a in _rows(conn, query, args)
    )
    return Sheet("Notes", header, rows)


def conflicts_sheet(
    conn: sqlite3.Connection,
    titles: dict[str, str],
    items: dict[tuple[str, int, str], Item],
    force: str | None,
    redact: bool,
) -> Sheet:
    text_items = {iid for (_, _, iid), i in items.items() if i.kind in TEXT_KINDS}
    where, args = "", []
    if force:
        where, args = "WHERE force_code = ?", [force]
    header = ["Change id", "Record id", "Checklist", "Force"]
    header += [] if redact else ["Record key"]
    header += ["Kind", "Field", "Instance", "Question", "Kept value", "Other value", "Other by"]
    query = (
        "SELECT change_id, record_id, checklist_id, force_code, natural_key, kind, field, rkey,"
        " question, kept_value, other_value, other_author FROM open_conflicts"
        f" {where} ORDER BY checklist_id, force_code, record_id, field"
    )

    def rows() -> Iterator[list]:
        for cid_, rid, cid, fc, key, kind, fld, rk, q, kept, other, by in _rows(conn, query, args):
            hide = redact and (
                kind == "note" or fld in text_items or (kind == "record" and fld == "subject_ref")
            )
            row = [cid_, rid, titles.get(cid, cid), fc]
            row += [] if redact else [key]
            row += [
                kind,
                fld,
                rk or None,
                q,
                REDACTED if hide and kept is not None else kept,
                REDACTED if hide and other is not None else other,
                by,
            ]
            yield row

    return Sheet("Conflicts", header, rows())


def about_sheet(store: Store, force: str | None, redact: bool, sheets: list[str]) -> Sheet:
    from fieldkit.report.definitions import scope_labels

    scopes = scope_labels(store.conn)
    titles = dict(store.conn.execute("SELECT id, title FROM checklists ORDER BY version"))
    rows: list[list[Any]] = [
        ["Source database", str(Path(store.path).resolve())],
        ["Database id", store.database_id],
        ["Log digest (see fieldkit verify)", store.log_digest()],
        ["Exported at (UTC)", datetime.now(UTC).isoformat(timespec="seconds")],
        ["fieldkit version", __version__],
        ["Force filter", force or "all forces"],
        [
            "Redaction",
            "on: free text (text answers, notes) and subject references left out"
            if redact
            else "off: free text and subject references included. Handle as OFFICIAL-SENSITIVE.",
        ],
        [
            "Counting rule",
            "Final, non-deleted records only, one per natural key (the earliest when two "
            "inspectors recorded the same case). Applicable = yes or no; not applicable and "
            "unknown are left out of both counts. Pooled across forces (sums of counts, never "
            "averages of percentages). Percentages are exact values formatted to whole "
            "percent; labels are rounded half up (docs/counting.md in fieldkit).",
        ],
        *(
            [
                titles.get(cid, cid),
                f"Summary counts only {inside}; the {outside} are on 'Excluded case files'.",
            ]
            for cid, (inside, outside) in scopes.items()
        ),
        ["Sheets", "; ".join(sheets)],
    ]
    return Sheet("About", ["Field", "Value"], rows, filter=False)


# ---------------------------------------------------------------------------- writer
def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return 8
    return len(str(value))


def _widths(header: list[str], sample: list[Sequence[Any]], ids: list[str] | None) -> list[int]:
    widths = []
    for i, h in enumerate(header):
        w = max([min(len(h), 40), len(ids[i]) if ids else 0] + [_width(r[i]) for r in sample])
        widths.append(max(8, min(MAX_WIDTH, w + 2)))
    return widths


class Writer:
    """Streams Sheets into a write-only workbook, splitting at the row limit, each sheet
    set up to print: landscape (or portrait), one page wide, the header rows repeated on
    every page, a print area, and a footer with the source and the page number."""

    def __init__(self, max_rows: int = EXCEL_MAX_ROWS, footer: str = ""):
        self.wb = Workbook(write_only=True)
        self.max_rows = max_rows
        self.footer = footer
        self.used: set[str] = set()
        self.written: dict[str, int] = {}
        self.unreadable: list[str] = []  # cells holding what a workbook cannot ("Answers!H5")
        self.worksheets: dict[str, Any] = {}
        self.progress: Callable[[str, int], None] | None = None

    def _head(self, spec: Sheet) -> int:
        """Rows above the first data row: title lines (and a blank), ids, the header."""
        pre = len(spec.preamble) + 1 if spec.preamble else 0
        return pre + (2 if spec.ids else 1)

    def _start(self, spec: Sheet, title: str, widths: list[int]) -> Any:
        ws = self.wb.create_sheet(title)
        self.worksheets[title] = ws
        # written with the first row, so set before it: fit the printout to the page width
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        head = self._head(spec)
        ws.freeze_panes = f"{get_column_letter(spec.freeze_cols + 1)}{head + 1}"
        # title lines span the printed columns, wrapped, so nothing runs off the page
        ncols = max(1, min(spec.print_cols or len(widths), len(widths)))
        span = sum(widths[:ncols])
        for n, line in enumerate(spec.preamble):
            font = TITLE_FONT if n == 0 else NOTE_FONT
            cell = self._styled(ws, line, font)
            cell.alignment = WRAP
            lines = _lines(line, span, 14 if n == 0 else 11)
            ws.row_dimensions[n + 1].height = lines * (19 if n == 0 else 15)
            if ncols > 1:
                ws.merged_cells.add(f"A{n + 1}:{get_column_letter(ncols)}{n + 1}")
            ws.append([cell])
        if spec.preamble:
            ws.append([])
        if spec.ids:
            ws.append([self._styled(ws, v, ID_FONT) for v in spec.ids])
        if spec.font_size and spec.header:  # a report sheet: room for two-line headings
            lines = max(_lines(h, widths[i], None) for i, h in enumerate(spec.header))
            ws.row_dimensions[head].height = 15 * lines
        ws.append([self._styled(ws, v, HEADER_FONT, fill=True) for v in spec.header])
        return ws

    @staticmethod
    def _styled(ws: Any, value: Any, font: Font, fill: bool = False) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value[:1] in RISKY_START:
            cell.data_type = "s"
            cell.quotePrefix = True
        cell.font = font
        if fill:
            cell.fill = HEADER_FILL
            cell.alignment = WRAP
        return cell

    def _print_setup(self, ws: Any, spec: Sheet, last_row: int) -> None:
        head = self._head(spec)
        ncols = spec.print_cols or len(spec.header)
        ws.page_setup.orientation = "portrait" if spec.portrait else "landscape"
        ws.page_setup.paperSize = 9  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as it takes
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.print_options.gridLines = False
        if spec.header:
            ws.print_title_rows = f"{head}:{head}" if not spec.ids else f"{head - 1}:{head}"
        ws.print_area = f"A1:{get_column_letter(max(ncols, 1))}{max(last_row, head)}"
        ws.oddFooter.left.text = self.footer.replace("&", "&&")
        ws.oddFooter.left.size = 8
        ws.oddFooter.right.text = f"{ws.title.replace('&', '&&')}, page &P of &N"
        ws.oddFooter.right.size = 8
        for row in spec.page_break_rows:
            ws.row_breaks.append(Break(id=row))

    def _finish(self, ws: Any, spec: Sheet, last_row: int) -> None:
        head = self._head(spec)
        for c in spec.charts:  # a chart placed under the table prints with it
            if c.anchor:
                top = int("".join(ch for ch in c.anchor if ch.isdigit()))
                height = c.size[1]
                last_row = max(last_row, top + int(height / 0.5) + 1)
        if spec.filter:
            ws.auto_filter.ref = (
                f"A{head}:{get_column_letter(len(spec.header))}{max(last_row, head)}"
            )
        self._print_setup(ws, spec, last_row)

    def _heading(self, ws: Any, row: Heading) -> list[Any]:
        return [self._styled(ws, row.text, SECTION_FONT)]

    def add(self, spec: Sheet) -> list[str]:
        """Write one logical sheet (as several if it is too long); returns the titles."""
        rows = iter(spec.rows)
        sample = list(islice(rows, WIDTH_SAMPLE))
        plain = [r for r in sample if not isinstance(r, Heading) and len(r) == len(spec.header)]
        widths = _widths(spec.header, plain, spec.ids)
        for i, w in sorted(spec.widths.items()):
            widths += [8] * (i + 1 - len(widths))
            widths[i] = w
        head = self._head(spec)
        fmt = sorted(spec.formats.items())
        wrap = sorted(spec.wrap)
        titles = [_sheet_title(spec.title, self.used)]
        ws = self._start(spec, titles[0], widths)
        n = head
        tick = self.progress
        for row in chain(sample, rows):
            if n >= self.max_rows:
                self._finish(ws, spec, n)
                self.written[titles[-1]] = n - head
                titles.append(_sheet_title(f"{spec.title} ({len(titles) + 1})", self.used))
                ws = self._start(spec, titles[-1], widths)
                n = head
            if isinstance(row, Heading) or not row:
                ws.append(self._heading(ws, row) if row else [])
                n += 1
                continue
            out = list(row)
            for i, v in enumerate(out):
                if type(v) is str and (v[:1] in RISKY_START or ILLEGAL_CHARACTERS_RE.search(v)):
                    out[i] = safe_text(ws, v)
                elif isinstance(v, bytes):  # merged content of the wrong type: say what it is
                    out[i] = f"<binary, {len(v)} bytes>"
                    self.unreadable.append(f"{titles[-1]}!{get_column_letter(i + 1)}{n + 1}")
            for i, f in fmt:
                v = out[i]
                if v is not None and not isinstance(v, Cell):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.number_format = f
                    out[i] = cell
            lines = 1
            for i in wrap:
                v = out[i]
                if v is not None:
                    cell = v if isinstance(v, Cell) else WriteOnlyCell(ws, value=v)
                    cell.alignment = WRAP
                    out[i] = cell
                    lines = max(lines, _lines(str(cell.value), widths[i], spec.font_size))
            if spec.font_size:
                for i, v in enumerate(out):
                    cell = v if isinstance(v, Cell) else WriteOnlyCell(ws, value=v)
                    cell.font = Font(size=spec.font_size)
                    cell.alignment = (
                        WRAP if i in spec.wrap else TOP if _numeric(cell.value) else INDENT
                    )
                    out[i] = cell
            if lines > 1 or spec.font_size:
                # LibreOffice keeps the stored height: give wrapped text its lines
                size = spec.font_size or 11
                ws.row_dimensions[n + 1].height = round(lines * size * 1.3, 1)
            ws.append(out)
            n += 1
            if tick is not None and n % PROGRESS_EVERY == 0:
                tick(titles[-1], PROGRESS_EVERY)
        if tick is not None:
            tick(titles[-1], (n - head) % PROGRESS_EVERY)
        self._finish(ws, spec, n)
        self.written[titles[-1]] = n - head
        for chart in spec.charts:
            self._chart(ws, chart, len(spec.header))
        return titles

    def _chart(self, ws: Any, c: ChartSpec, ncols: int) -> None:
        if c.last_row < c.first_row:
            return
        source = self.worksheets.get(c.source, ws) if c.source else ws
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = _title(c.title)
        chart.legend = None
        chart.y_axis.number_format = PERCENT
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.majorGridlines = None
        chart.x_axis.scaling.orientation = "maxMin"  # questionnaire order, top down
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        chart.x_axis.tickLblSkip = 1  # every bar labelled (else every other one)
        chart.x_axis.tickMarkSkip = 1
        bars = c.bars
        size = 700 if bars > 40 else 800  # hundredths of a point
        chart.x_axis.txPr = _font(size)
        chart.y_axis.txPr = _font(size)
        data = Reference(source, min_col=c.values_col, min_row=c.first_row, max_row=c.last_row)
        cats = Reference(source, min_col=c.labels_col, min_row=c.first_row, max_row=c.last_row)
        chart.add_data(data, titles_from_data=False)
        chart.set_categories(cats)
        chart.gapWidth = 40
        chart.width, chart.height = c.size
        ws.add_chart(chart, c.anchor or f"{get_column_letter(ncols + 2)}{c.first_row}")

    def save(self, path: Path) -> None:
        self.wb.save(str(path))


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lines(text: str, width: float, font_size: float | None) -> int:
    """Lines a wrapped cell takes: column width is in characters of the default 11 pt
    type; smaller type fits more."""
    per_line = max(1.0, (width - 1) * 1.15 * (11 / (font_size or 11)))
    return sum(max(1, -(-len(part) // int(per_line))) for part in text.splitlines() or [""])


def chart_size(bars: int, label_lines: int = 1) -> tuple[float, float]:
    """Width and height (cm) of a bar chart with room for every bar's label (LibreOffice
    drops every other label when they would touch): 0.45 cm a bar and line of label, 0.37
    over 40 bars (smaller type), so 63 one-line bars still fit one portrait page."""
    per = 0.37 if bars > 40 else 0.2 + 0.3 * label_lines
    return 18.0, max(5.0, per * bars + 2.2)


def _title(text: str) -> Any:
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import (
        CharacterProperties,
        Paragraph,
        ParagraphProperties,
        RegularTextRun,
    )

    props = CharacterProperties(sz=1100, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _font(size: int) -> Any:
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties

    props = CharacterProperties(sz=size)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def source_line(store: Store, force: str | None) -> str:
    """Where the figures come from and when: the line under every report sheet's title."""
    when = datetime.now(UTC).strftime("%d %B %Y %H:%M UTC")
    scope = f"force {force}" if force else "all forces"
    return (
        f"Source: {Path(store.path).name} (database {store.database_id}), {scope}; exported {when}"
    )


def footer_text(store: Store) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"fieldkit, {Path(store.path).name}, {when}"


def build_sheets(
    store: Store, *, redact: bool = False, force: str | None = None
) -> tuple[list[Sheet], Callable[[list[str]], Sheet]]:
    """Every sheet of the export, rows still to be streamed; plus the About sheet's maker
    (it lists the sheet titles actually written)."""
    conn = store.conn
    views.ensure(conn)
    code = resolve_force(force) if force else None
    titles = dict(conn.execute("SELECT id, title FROM checklists ORDER BY version"))
    stored = views.stored_checklists(conn)
    items = {
        (cid, v, i.id): i for cid, vs in stored.items() for v, c in vs.items() for i in c.items
    }
    present = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT checklist_id FROM records WHERE deleted = 0"
            + (" AND force_code = ?" if code else ""),
            (code,) if code else (),
        )
    }
    from fieldkit.export.report_sheets import (  # they build on this module
        charts_sheet,
        summary_sheet,
        summary_table_sheets,
    )

    source = source_line(store, code)
    summary, charts = summary_sheet(conn, titles, code, source)
    sheets = [
        summary,
        *summary_table_sheets(conn, code, source),
        charts_sheet(charts),
        by_force_sheet(conn, titles, code),
        scale_sheet(conn, titles, code, by_force=False),
        scale_sheet(conn, titles, code, by_force=True),
        coverage_sheet(conn, titles, code),
        excluded_sheet(conn, titles, code),
    ]
    for name, checklist, version in views.wide_views(conn):
        if version is None and checklist.id in present:
            sheets.append(wide_sheet(conn, name, checklist, code, redact))
    sheets += [
        answers_sheet(conn, titles, items, code, redact),
        notes_sheet(conn, titles, code, redact),
        conflicts_sheet(conn, titles, items, code, redact),
    ]
    from fieldkit.export.register_sheets import register_sheets  # it builds on this module

    sheets += register_sheets(conn, redact=redact, force=code)
    return sheets, lambda written: about_sheet(store, code, redact, written)


def export_xlsx(
    store: Store,
    out: Path | str,
    *,
    redact: bool = False,
    force: str | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
    progress: Callable[[str, int, int, int], None] | None = None,
    only: Iterable[str] | None = None,
    unreadable: list[str] | None = None,
) -> dict[str, int]:
    """Write the workbook to `out` (owner-only, replaced atomically); returns the data rows
    written per sheet. `progress(sheet, sheets_done, sheets_total, rows)` is called as each
    sheet starts (rows 0) and as its rows are written (rows: how many more). `only`: just
    the sheets with these titles (and About), e.g. the report sheets to print. Values a
    workbook cannot hold (binary) are written as "<binary, N bytes>" and their cells
    ("Answers!H5") added to `unreadable` when given."""
    out = Path(out)
    sheets, about = build_sheets(store, redact=redact, force=force)
    if only is not None:
        keep = set(only)
        sheets = [s for s in sheets if s.title in keep]
    writer = Writer(max_rows=max_rows, footer=footer_text(store))
    names: list[str] = []
    total = len(sheets) + 1
    for done, spec in enumerate(sheets):
        if progress is not None:
            progress(spec.title, done, total, 0)
            writer.progress = lambda title, rows, done=done: progress(title, done, total, rows)
        names += writer.add(spec)
    if progress is not None:
        progress("About", total - 1, total, 0)
        writer.progress = lambda title, rows: progress(title, total - 1, total, rows)
    writer.add(about(names + ["About"]))
    if unreadable is not None:
        unreadable += writer.unreadable
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o600)
        writer.save(Path(tmp))
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return writer.written
