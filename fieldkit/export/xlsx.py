"""The Excel export: a workbook a report writer can use as it is.

Sheets: Summary (Table 2's shape: counts, and percentages as numbers in % format, with a bar
chart per checklist), By force, Scales, Scales by force, Coverage, Excluded case files, one
wide sheet per checklist (question text in the headers), Answers (long form), Notes,
Conflicts and About (source, time, filters, redaction).

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
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ID_FONT = Font(italic=True, color="808080")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass
class ChartSpec:
    title: str
    first_row: int  # data rows, 1-based sheet rows
    last_row: int
    values_col: int  # 1-based
    labels_col: int


@dataclass
class Sheet:
    """One logical sheet: a header row, rows of plain values, formats by column."""

    title: str
    header: list[str]
    rows: Iterable[Sequence[Any]]
    ids: list[str] | None = None  # a row of ids above the header (wide sheets)
    formats: dict[int, str] = field(default_factory=dict)  # 0-based column -> number format
    charts: list[ChartSpec] = field(default_factory=list)
    freeze_cols: int = 0
    filter: bool = True


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
    "Files in scope",
    "% of all files in scope",
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
            r["files"],
            fraction(r["completed"], r["files"]),
        ]
        out.append(row)
    return out


def summary_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    rows = evidence(conn, force=force)
    data = _evidence_rows(rows, titles, by_force=False)
    charts = []
    start = 2
    for cid in dict.fromkeys(r["checklist_id"] for r in rows):
        n = sum(1 for r in rows if r["checklist_id"] == cid)
        charts.append(ChartSpec(f"{titles.get(cid, cid)}: % completed", start, start + n - 1, 6, 3))
        start += n
    return Sheet("Summary", EVIDENCE_HEADER, data, formats={5: PERCENT, 11: PERCENT}, charts=charts)


def by_force_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    rows = evidence(conn, by_force=True, force=force)
    header = EVIDENCE_HEADER[:1] + ["Force"] + EVIDENCE_HEADER[1:]
    return Sheet(
        "By force",
        header,
        _evidence_rows(rows, titles, by_force=True),
        formats={6: PERCENT, 12: PERCENT},
    )


def excluded_sheet(conn: sqlite3.Connection, titles: dict[str, str], force: str | None) -> Sheet:
    rows = evidence(conn, force=force, in_scope=False)
    return Sheet(
        "Excluded case files",
        EVIDENCE_HEADER,
        _evidence_rows(rows, titles, by_force=False),
        formats={5: PERCENT, 11: PERCENT},
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
    if checklist.id != "case_file_review":
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
            "percent; labels are rounded half up (DOMAIN.md 4.3).",
        ],
        [
            "Case files",
            "Summary counts only DA-flagged files in rape, serious violence and ABH; the "
            "rest (burglary, not DA) are on 'Excluded case files'.",
        ],
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
    """Streams Sheets into a write-only workbook, splitting at the row limit."""

    def __init__(self, max_rows: int = EXCEL_MAX_ROWS):
        self.wb = Workbook(write_only=True)
        self.max_rows = max_rows
        self.used: set[str] = set()
        self.written: dict[str, int] = {}

    def _start(self, spec: Sheet, title: str, widths: list[int]) -> Any:
        ws = self.wb.create_sheet(title)
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        head = 2 if spec.ids else 1
        ws.freeze_panes = f"{get_column_letter(spec.freeze_cols + 1)}{head + 1}"
        if spec.ids:
            ws.append([self._styled(ws, v, ID_FONT) for v in spec.ids])
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

    def _finish(self, ws: Any, spec: Sheet, last_row: int) -> None:
        head = 2 if spec.ids else 1
        if spec.filter:
            ws.auto_filter.ref = (
                f"A{head}:{get_column_letter(len(spec.header))}{max(last_row, head)}"
            )

    def add(self, spec: Sheet) -> list[str]:
        """Write one logical sheet (as several if it is too long); returns the titles."""
        rows = iter(spec.rows)
        sample = list(islice(rows, WIDTH_SAMPLE))
        widths = _widths(spec.header, sample, spec.ids)
        head = 2 if spec.ids else 1
        fmt = sorted(spec.formats.items())
        titles = [_sheet_title(spec.title, self.used)]
        ws = self._start(spec, titles[0], widths)
        n = head
        for row in chain(sample, rows):
            if n >= self.max_rows:
                self._finish(ws, spec, n)
                self.written[titles[-1]] = n - head
                titles.append(_sheet_title(f"{spec.title} ({len(titles) + 1})", self.used))
                ws = self._start(spec, titles[-1], widths)
                n = head
            out = list(row)
            for i, v in enumerate(out):
                if type(v) is str and (v[:1] in RISKY_START or ILLEGAL_CHARACTERS_RE.search(v)):
                    out[i] = safe_text(ws, v)
            for i, f in fmt:
                v = out[i]
                if v is not None and not isinstance(v, Cell):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.number_format = f
                    out[i] = cell
            ws.append(out)
            n += 1
        self._finish(ws, spec, n)
        self.written[titles[-1]] = n - head
        for chart in spec.charts:
            self._chart(ws, chart, len(spec.header), spec)
        return titles

    def _chart(self, ws: Any, c: ChartSpec, ncols: int, spec: Sheet) -> None:
        if c.last_row < c.first_row:
            return
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = c.title
        chart.legend = None
        chart.y_axis.number_format = PERCENT
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.majorGridlines = None
        chart.x_axis.scaling.orientation = "maxMin"  # questionnaire order, top down
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        data = Reference(ws, min_col=c.values_col, min_row=c.first_row, max_row=c.last_row)
        cats = Reference(ws, min_col=c.labels_col, min_row=c.first_row, max_row=c.last_row)
        chart.add_data(data, titles_from_data=False)
        chart.set_categories(cats)
        bars = c.last_row - c.first_row + 1
        chart.width = 24
        chart.height = max(6.0, 0.55 * bars + 2.5)
        ws.add_chart(chart, f"{get_column_letter(ncols + 2)}{c.first_row}")

    def save(self, path: Path) -> None:
        self.wb.save(str(path))


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
    sheets = [
        summary_sheet(conn, titles, code),
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
) -> dict[str, int]:
    """Write the workbook to `out` (owner-only, replaced atomically); returns the data rows
    written per sheet."""
    out = Path(out)
    sheets, about = build_sheets(store, redact=redact, force=force)
    writer = Writer(max_rows=max_rows)
    names: list[str] = []
    for spec in sheets:
        names += writer.add(spec)
    writer.add(about(names + ["About"]))
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
