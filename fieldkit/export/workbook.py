"""The workbook writer: how a sheet is described (Sheet, Heading, ChartSpec), streamed into a
write-only openpyxl workbook (Writer: split at the row limit, set up to print, charts sized so
every bar is labelled) and kept safe: every text written (cells, headings, sheet and chart
titles, footers) goes through `_text` (fieldkit.safetext: no control character, which
openpyxl refuses and a reader never sees) and a cell a spreadsheet would run stays text
(`formula_like`; a number held as text, "-3", is left as written). The sheet builders
(fieldkit/export/xlsx.py, report_sheets.py, register_sheets.py) all build on it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabel, DataLabelList
from openpyxl.chart.text import Text
from openpyxl.descriptors import Typed
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from fieldkit.safetext import RISKY_START, formula_like, has_controls, safe_text

EXCEL_MAX_ROWS = 1_048_576
PERCENT = "0%"
MEAN = "0.0"
WIDTH_SAMPLE = 200
MAX_WIDTH = 60
REDACTED = "(redacted)"
BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="404040")
SECTION_FONT = Font(bold=True, size=12)
CHUNK_ROWS = 256  # rows checked and written together
PROGRESS_CELLS = 5000  # the progress is told every this many cells (a wide row: ~150)
DATA_PRINT_COLS = 8  # a data sheet prints its heading over this many columns at most
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
    texts: list[str] = field(default_factory=list)  # each bar's own label, "77% (305 of 395)"

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
    data: bool = False  # a data sheet (a row per record or answer): for filtering, not print


# --------------------------------------------------------------------------- values
def _text(value: Any) -> Any:
    """Text as a workbook may hold it: without control characters (fieldkit.safetext)."""
    return safe_text(value) if isinstance(value, str) else value


def text_cell(ws: Any, value: str) -> Any:
    """A string as a cell: filtered, and one a spreadsheet would run kept as text."""
    value = _text(value)
    if formula_like(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def _sheet_title(text: str, used: set[str]) -> str:
    """A sheet name Excel takes (31 characters, none of []:*?/\\), cut at a word, single
    spaces; a number added when the name is taken."""
    base = " ".join(BAD_TITLE.sub(" ", safe_text(text, multiline=False)).split()) or "Sheet"
    title, n = _words_to(base, 31), 1
    while title.lower() in used:
        n += 1
        suffix = f" ({n})"
        title = _words_to(base, 31 - len(suffix)) + suffix
    used.add(title.lower())
    return title


def _words_to(text: str, width: int) -> str:
    """`text` cut to `width` characters at a word boundary (mid-word only for one long word)."""
    if len(text) <= width:
        return text
    cut = text[: width + 1].rsplit(" ", 1)[0].rstrip(" ,;-(")
    return cut if 0 < len(cut) <= width else text[:width]


# --------------------------------------------------------------------------- sheets
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


class TextLabel(DataLabel):
    """A bar's data label with its own text (c:dLbl/c:tx, which openpyxl's DataLabel
    leaves out; Excel and LibreOffice both read it)."""

    tagname = "dLbl"
    idx = DataLabel.idx
    tx = Typed(expected_type=Text, allow_none=True)
    dLblPos = DataLabel.dLblPos
    showLegendKey = DataLabel.showLegendKey
    showVal = DataLabel.showVal
    showCatName = DataLabel.showCatName
    showSerName = DataLabel.showSerName
    showPercent = DataLabel.showPercent
    showBubbleSize = DataLabel.showBubbleSize
    __elements__ = (
        "idx",
        "tx",
        "dLblPos",
        "showLegendKey",
        "showVal",
        "showCatName",
        "showSerName",
        "showPercent",
        "showBubbleSize",
    )


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
        self.written_rows = 0  # the data rows of the sheet being finished

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
        value = text_cell(ws, value) if isinstance(value, str) else value
        cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value=value)
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
        if spec.data:  # for filtering and sorting: only its heading prints (one page)
            ncols, last_row = min(ncols, DATA_PRINT_COLS), head
            ws.oddHeader.left.text = _data_note(ws.title, self.written_rows).replace("&", "&&")
            ws.oddHeader.left.size = 9
        elif spec.header:
            ws.print_title_rows = f"{head}:{head}" if not spec.ids else f"{head - 1}:{head}"
        ws.print_area = f"A1:{get_column_letter(max(ncols, 1))}{max(last_row, head)}"
        ws.oddFooter.left.text = _text(self.footer).replace("&", "&&")
        ws.oddFooter.left.size = 8
        # each sheet counts its own pages: both Excel and LibreOffice honour the first page
        # number. No total: neither has a field for a sheet's own page count (&N is the
        # print job's, LibreOffice 7.4 printing the workbook gives "Table 2, page 1 of 49"),
        # and a count of our own would only guess how each program lays out the rows
        ws.page_setup.firstPageNumber = 1
        ws.page_setup.useFirstPageNumber = True
        ws.oddFooter.right.text = page_footer(ws.title)
        ws.oddFooter.right.size = 8
        for row in spec.page_break_rows:
            ws.row_breaks.append(Break(id=row))

    def _finish(self, ws: Any, spec: Sheet, last_row: int) -> None:
        head = self._head(spec)
        self.written_rows = last_row - head
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
        every = max(1, PROGRESS_CELLS // max(1, len(spec.header)))
        plain_rows = not (fmt or wrap or spec.font_size)
        stream = chain(sample, rows)
        while chunk := list(islice(stream, CHUNK_ROWS)):
            # most rows of a data sheet go in as they are, checked a chunk at a time
            if plain_rows and n + len(chunk) < self.max_rows and _plain_rows(chunk):
                append = ws.append
                for row in chunk:
                    append(row)
                before, n = n - head, n + len(chunk)
                if tick is not None:
                    for _ in range((n - head) // every - before // every):
                        tick(titles[-1], every)
                continue
            for row in chunk:
                if n >= self.max_rows:
                    self._finish(ws, spec, n)
                    self.written[titles[-1]] = n - head
                    titles.append(_sheet_title(f"{spec.title} ({len(titles) + 1})", self.used))
                    ws = self._start(spec, titles[-1], widths)
                    n = head
                self._row(ws, spec, row, n, titles[-1], widths, fmt, wrap)
                n += 1
                if tick is not None and (n - head) % every == 0:
                    tick(titles[-1], every)
        if tick is not None:
            tick(titles[-1], (n - head) % every)
        self._finish(ws, spec, n)
        # a sheet of charts only counts its charts
        self.written[titles[-1]] = n - head if spec.header else len(spec.charts)
        for chart in spec.charts:
            self._chart(ws, chart, len(spec.header))
        return titles

    def _row(
        self,
        ws: Any,
        spec: Sheet,
        row: Sequence[Any] | Heading,
        n: int,
        title: str,
        widths: list[int],
        fmt: list[tuple[int, str]],
        wrap: list[int],
    ) -> None:
        """One row as sheet row n + 1: a heading, or values made safe (formula guard,
        binary), formatted, wrapped and sized."""
        if isinstance(row, Heading) or not row:
            ws.append(self._heading(ws, row) if row else [])
            return
        out = list(row)
        for i, v in enumerate(out):
            if type(v) is str and (v[:1] in RISKY_START or has_controls(v)):
                out[i] = text_cell(ws, v)
            elif isinstance(v, bytes):  # merged content of the wrong type: say what it is
                out[i] = f"<binary, {len(v)} bytes>"
                self.unreadable.append(f"{title}!{get_column_letter(i + 1)}{n + 1}")
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
            font = _font_of(spec.font_size)
            for i, v in enumerate(out):
                cell = v if isinstance(v, Cell) else WriteOnlyCell(ws, value=v)
                cell.font = font
                cell.alignment = WRAP if i in spec.wrap else TOP if _numeric(cell.value) else INDENT
                out[i] = cell
        if lines > 1 or spec.font_size:
            # LibreOffice keeps the stored height: give wrapped text its lines
            size = spec.font_size or 11
            ws.row_dimensions[n + 1].height = round(lines * size * 1.3, 1)
        ws.append(out)

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
        if c.texts:
            chart.series[0].dLbls = bar_labels(c.texts, size)
        chart.gapWidth = 40
        chart.width, chart.height = c.size
        ws.add_chart(chart, c.anchor or f"{get_column_letter(ncols + 2)}{c.first_row}")

    def save(self, path: Path) -> None:
        self.wb.save(str(path))


# A row's values, each after a newline: one that starts like a formula (after a line break
# inside a value too: a false alarm only costs the cell by cell check) or holds a control
# character. The character class first: a regex alternation led by `^|\n` is twice as slow.
_ATTENTION = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]|\n[=+\-@\t\r]")
_PLAIN_TYPES = {str, int, float, type(None)}
_ROW_TYPES = {list, tuple}


def _plain_rows(rows: list[Any]) -> bool:
    """Can `rows` go into the sheet as they are? Rows (lists or tuples, none empty) of only
    numbers, empty cells and text with no control character and nothing a spreadsheet would
    run: checked in C-level passes over a chunk of rows rather than cell by cell or row by
    row (Answers: 226,000 rows at demo scale 1)."""
    if not (_ROW_TYPES.issuperset(map(type, rows)) and all(rows)):
        return False
    cells = chain.from_iterable(rows)
    if not _PLAIN_TYPES.issuperset(map(type, cells)):
        return False
    return _ATTENTION.search("\n" + "\n".join(map(str, chain.from_iterable(rows)))) is None


@lru_cache(maxsize=8)
def _font_of(size: float) -> Font:
    """One Font per type size, shared by every cell that uses it."""
    return Font(size=size)


def page_footer(title: str) -> str:
    """A sheet's page footer, "Table 2 · page 3": the page within the sheet (&P; & doubled
    in the title, where it would start a code)."""
    return f"{title.replace('&', '&&')} · page &P"


def _data_note(title: str, rows: int) -> str:
    """The heading a data sheet prints instead of its rows (Excel takes 255 characters)."""
    return _text(
        f"{title}: {rows:,} row(s) for filtering and sorting, not printed: only this heading "
        "is in the print area. To print the rows, clear it: Page Layout > Print Area > Clear "
        "Print Area (Excel); Format > Print Ranges > Clear (LibreOffice)."
    )


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


def bar_labels(texts: list[str], size: int) -> Any:
    """Each bar's label as its own text ("77% (305 of 395)"), written at the bar's end:
    the percentage alone would hide the counts a reader needs to judge it."""
    from openpyxl.chart.text import RichText, Text
    from openpyxl.drawing.text import (
        CharacterProperties,
        Paragraph,
        ParagraphProperties,
        RegularTextRun,
    )

    props = CharacterProperties(sz=size)
    labels = []
    for idx, text in enumerate(texts):
        para = Paragraph(
            pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)]
        )
        label = TextLabel(idx=idx, showVal=True, showCatName=False, showSerName=False)
        label.showLegendKey, label.showPercent, label.showBubbleSize = False, False, False
        label.tx = Text(rich=RichText(p=[para]))
        label.dLblPos = "outEnd"
        labels.append(label)
    return DataLabelList(dLbl=labels, showVal=True, dLblPos="outEnd")


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
    run = RegularTextRun(rPr=props, t=_text(text))
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[run])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _font(size: int) -> Any:
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties

    props = CharacterProperties(sz=size)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])
