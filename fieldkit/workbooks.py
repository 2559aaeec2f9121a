"""Workbooks from outside, checked before any library reads them.

An .xlsx is a zip archive of XML: 2 MB on disk can declare, and inflate to, gigabytes (a
zip bomb), and a sheet can place one cell a million rows or sixteen thousand columns away.
`check_workbook` reads only the archive's directory and then streams each sheet's XML
(bounded by the sizes the directory declares: Python's zipfile stops inflating an entry at
its declared size) counting the cells that hold a value, and refuses in one line past the
limits below. Only then may openpyxl or pyxform read it. An .xls (BIFF, not compressed)
is refused past a file size.

A sheet's `<dimension>` element is what the file says about its own extent, and openpyxl's
read-only mode (which pyxform uses) stops at it: rows past a too-small dimension would be
silently dropped. `check_workbook` also makes openpyxl's read-only sheets ignore the
declared dimension and read every row there is (openpyxl is pinned; see `_read_all_rows`).
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from fieldkit.errors import BadInput

MAX_FILE_BYTES = 50 * 1024 * 1024  # the file on disk (.xlsx or .xls)
MAX_ENTRIES = 1_000  # files inside the archive
MAX_INFLATED_BYTES = 100 * 1024 * 1024  # all entries together, as the archive declares them
MAX_RATIO = 100  # inflated / compressed, for an entry over RATIO_FROM bytes inflated
RATIO_FROM = 1024 * 1024
MAX_ROWS = 100_000  # the last row holding a value, per sheet
MAX_COLUMNS = 1_000  # the last column holding a value, per sheet
MAX_CELLS = 1_000_000  # cells holding a value, all sheets together

XLSFORM_SHEETS = frozenset({"survey", "choices", "settings", "external_choices", "entities", "osm"})
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class WorkbookRefused(BadInput):
    """A workbook past the limits fieldkit reads (or not a workbook at all)."""


@dataclass
class Extent:
    """What a sheet really holds: its last row and column with a value, and its cells."""

    rows: int = 0
    columns: int = 0
    cells: int = 0


def check_workbook(path: Path, *, stops_after_empty: int | None = None) -> None:
    """Refuse (WorkbookRefused, one line) a workbook too big to read safely; else return.

    `stops_after_empty`: the reader (pyxform: 60) stops at that many empty rows in a row on
    the XLSForm sheets: a value below such a run would be silently lost, so it is refused."""
    path = Path(path)
    _read_all_rows()
    try:
        size = path.stat().st_size
    except OSError as e:
        raise WorkbookRefused(f"{path}: cannot read ({e.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise WorkbookRefused(
            f"{path.name}: {_mib(size)} on disk; fieldkit reads workbooks of at most "
            f"{_mib(MAX_FILE_BYTES)}"
        )
    if path.suffix.lower() == ".xls":
        return  # BIFF is not compressed: its size on disk is what a reader holds
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(path, archive)
            total = Extent()
            names = _sheet_names(archive) if stops_after_empty is not None else {}
            for info in archive.infolist():
                if _SHEET.match(info.filename):
                    gap = None
                    if names.get(info.filename, "").lower() in XLSFORM_SHEETS or len(names) == 1:
                        gap = stops_after_empty
                    _check_sheet(path, archive, info, total, gap, names.get(info.filename))
    except zipfile.BadZipFile as e:
        raise WorkbookRefused(f"{path.name}: not an Excel .xlsx workbook ({e})") from None
    except (OSError, EOFError, RuntimeError, NotImplementedError) as e:
        raise WorkbookRefused(f"{path.name}: cannot read the workbook ({e})") from None


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MiB"


def _check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise WorkbookRefused(
            f"{path.name}: {len(infos):,} files in the archive (a workbook holds at most "
            f"{MAX_ENTRIES:,}); not read"
        )
    inflated = 0
    for info in infos:
        inflated += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise WorkbookRefused(
                f"{path.name}: {info.filename} inflates {ratio:,.0f} times "
                f"({_mib(info.compress_size)} to {_mib(info.file_size)}; at most "
                f"{MAX_RATIO} times): a zip bomb? not read"
            )
    if inflated > MAX_INFLATED_BYTES:
        raise WorkbookRefused(
            f"{path.name}: inflates to {_mib(inflated)} (at most {_mib(MAX_INFLATED_BYTES)}); "
            "not read"
        )


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's part name -> its sheet name (from xl/workbook.xml and its rels)."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, target = re.search(r'\bId="([^"]*)"', rel), re.search(r'\bTarget="([^"]*)"', rel)
        if rid and target:
            t = target[1].lstrip("/")
            targets[rid[1]] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for sheet in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name, rid = re.search(r'\bname="([^"]*)"', sheet), re.search(r'\b\w*:?id="([^"]*)"', sheet)
        if name and rid and rid[1] in targets:
            out[targets[rid[1]]] = html.unescape(name[1])
    return out


def _check_sheet(
    path: Path,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    total: Extent,
    stops_after_empty: int | None = None,
    name: str | None = None,
) -> None:
    """Stream the sheet's XML once, keeping a few numbers: constant memory."""
    sheet = Extent()
    state = {"row": 0, "col": 0, "valued": False, "in_cell": False}
    shown = f"sheet {name!r}" if name else info.filename

    def refuse(what: str) -> None:
        raise WorkbookRefused(f"{path.name}: {shown} {what}; not read")

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "row":
            r = attrs.get("r", "")
            state["row"] = int(r) if r.isdigit() and len(r) <= 7 else state["row"] + 1
            state["col"] = 0
        elif local == "c":
            m = _REF.match(attrs.get("r", ""))
            if m:
                state["col"] = _column_number(m.group(1))
                state["row"] = int(m.group(2))
            else:
                state["col"] += 1
            state["in_cell"] = True
            state["valued"] = attrs.get("t") == "inlineStr"
        elif state["in_cell"] and local in ("v", "is", "f"):
            state["valued"] = True

    def end(name: str) -> None:
        if name.rsplit(" ", 1)[-1] != "c":
            return
        state["in_cell"] = False
        if not state["valued"]:
            return
        sheet.cells += 1
        total.cells += 1
        if (
            stops_after_empty is not None
            and sheet.rows
            and state["row"] - sheet.rows - 1 > stops_after_empty
        ):
            refuse(
                f"has values in row {state['row']:,} after {state['row'] - sheet.rows - 1:,} "
                f"empty rows; XLSForm readers stop after {stops_after_empty}, so they would be "
                "lost: delete the empty rows"
            )
        sheet.rows = max(sheet.rows, state["row"])
        sheet.columns = max(sheet.columns, state["col"])
        if sheet.rows > MAX_ROWS:
            refuse(f"has a value in row {sheet.rows:,} (at most {MAX_ROWS:,} rows)")
        if sheet.columns > MAX_COLUMNS:
            refuse(f"has a value in column {sheet.columns:,} (at most {MAX_COLUMNS:,} columns)")
        if total.cells > MAX_CELLS:
            refuse(f"brings the workbook past {MAX_CELLS:,} cells holding a value")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as e:
        refuse(f"is not well-formed XML ({expat.errors.messages.get(e.code, e)})")


_patched: list[bool] = []


def _read_all_rows() -> None:
    """openpyxl's ReadOnlyWorksheet takes its size from the sheet's `<dimension>` and
    stops reading rows there. Left unsized (as a sheet without the element is), it reads
    every row the XML holds. `check_workbook` has bounded what that can be."""
    if _patched:
        return
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    def _unsized(self: ReadOnlyWorksheet) -> None:
        self._min_column = self._min_row = 1
        self._max_column = self._max_row = None

    ReadOnlyWorksheet._get_size = _unsized  # type: ignore[method-assign]
    _patched.append(True)
