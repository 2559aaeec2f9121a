"""The hostile inputs of tests/test_hostile_inputs.py, built as an attacker would build them.

Run as a script to write every file into a folder and look at them:

    python tests/helpers/hostile_files.py OUTDIR

`zip_bomb` writes a real .xlsx zip bomb (about 2 MB inflating to 2 GiB) in a second or two:
a 1 MiB run of sheet rows is deflated once with a full flush (a self-contained run of
deflate blocks), and those bytes are repeated, so the archive is valid deflate and its CRC
and sizes are true; nothing is held in memory but the one run.
"""

from __future__ import annotations

import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script
    sys.path.insert(0, str(HERE.parent))

from helpers.xlsforms import row, small_form, write_form  # noqa: E402

GIB = 1 << 30
MIB = 1 << 20

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row><c t="inlineStr"><is><t>type</t></is></c>'
    b'<c t="inlineStr"><is><t>name</t></is></c><c t="inlineStr"><is><t>label</t></is></c></row>'
)
_SHEET_ROW = (
    b'<row><c t="inlineStr"><is><t>text</t></is></c><c t="inlineStr"><is><t>q</t></is></c>'
    b'<c t="inlineStr"><is><t>Question</t></is></c></row>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _write_zip(path: Path, entries: list[tuple[str, list[tuple[bytes, int]], int, int]]) -> None:
    """A zip of deflated entries given as (name, [(compressed bytes, repeat)], crc, size):
    written by hand because zipfile has no way to write compressed bytes as they are."""
    central = b""
    with path.open("wb") as out:
        for name, parts, crc, size in entries:
            offset = out.tell()
            packed = sum(len(b) * n for b, n in parts)
            fname = name.encode()
            header = struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed, size, len(fname), 0
            )
            out.write(header + fname)
            for block, times in parts:
                for _ in range(times):
                    out.write(block)
            central += (
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0,
                    8,
                    0,
                    0x21,
                    crc,
                    packed,
                    size,
                    len(fname),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + fname
            )
        start = out.tell()
        out.write(central)
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0
            )
        )


def _small_entry(name: str, text: str) -> tuple[str, list[tuple[bytes, int]], int, int]:
    data = text.encode()
    return name, [(_deflated(data), 1)], zlib.crc32(data), len(data)


def zip_bomb(path: Path, inflated: int = 2 * GIB) -> Path:
    """An .xlsx whose one sheet (an XLSForm survey of the same text question, repeated)
    inflates to `inflated` bytes (about 1,000 times the file)."""
    run = _SHEET_ROW * (MIB // len(_SHEET_ROW))
    times = max(1, (inflated - len(_SHEET_HEAD) - len(_SHEET_TAIL)) // len(run))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(_SHEET_HEAD) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(run) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(_SHEET_TAIL) + c.flush()
    crc = zlib.crc32(_SHEET_HEAD)
    for _ in range(times):
        crc = zlib.crc32(run, crc)
    crc = zlib.crc32(_SHEET_TAIL, crc)
    size = len(_SHEET_HEAD) + len(run) * times + len(_SHEET_TAIL)
    sheet = ("xl/worksheets/sheet1.xml", [(head, 1), (body, times), (tail, 1)], crc, size)
    _write_zip(
        path,
        [
            _small_entry("[Content_Types].xml", _CONTENT_TYPES),
            _small_entry("_rels/.rels", _RELS),
            _small_entry("xl/workbook.xml", _WORKBOOK),
            _small_entry("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            sheet,
        ],
    )
    return path


def _rewrite_sheet(path: Path, sheet: str, change: Any) -> Path:
    """Rewrite one part of a workbook (`change(xml) -> xml`), the rest copied as it is."""
    source = path.with_suffix(".orig.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == sheet:
                data = change(data.decode()).encode()
            zout.writestr(info, data)
    source.unlink()
    return path


def dimension_lie(path: Path) -> Path:
    """A form of four questions whose survey sheet says (`<dimension>`) it has two."""
    survey = [row("text", f"q{n}", f"Question {n}", f"Cwestiwn {n}") for n in range(1, 5)]
    write_form(path, survey, settings={"form_id": "lie", "version": "1"})
    return _rewrite_sheet(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:L3"/>', xml),
    )


def far_cell(path: Path) -> Path:
    """A small form with one value in the survey sheet's last column (XFD), row 5."""
    small_form(path)
    cell = '<c r="XFD5" t="inlineStr"><is><t>x</t></is></c>'
    return _rewrite_sheet(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace('<c r="A5"', cell + '<c r="A5"', 1),
    )


def after_empty_rows(path: Path, empty: int) -> Path:
    """Two questions, `empty` empty rows, then two more questions."""
    from openpyxl import load_workbook

    survey = [row("text", f"q{n}", f"Question {n}", f"Cwestiwn {n}") for n in (1, 2)]
    write_form(path, survey, settings={"form_id": "gappy", "version": "1"})
    wb = load_workbook(path)
    ws = wb["survey"]
    for n, r in enumerate([row("text", f"q{n}", f"Question {n}", f"Cwestiwn {n}") for n in (3, 4)]):
        for col, value in enumerate(r, start=1):
            if value:
                ws.cell(row=4 + empty + n, column=col, value=value)
    wb.save(path)
    return path


def deep_relevant(path: Path, relevant: str) -> Path:
    """A small form with one more question whose `relevant` is `relevant`."""
    return small_form(path, [row("text", "extra", "Extra", "Ychwanegol", relevant=relevant)])


def nested(depth: int, opener: str = "(") -> str:
    return opener * depth + "${count} > 1" + ")" * depth


def versioned(path: Path, version: str) -> Path:
    return small_form(path, version=version)


def choices_form(path: Path, n: int) -> Path:
    """A form with one select_one of `n` choices."""
    survey = [row("select_one big", "pick", "Pick one", "Dewiswch un")]
    choices = [["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"]]
    choices += [["big", f"c{i}", f"Choice {i}", f"Dewis {i}"] for i in range(n)]
    return write_form(path, survey, choices, {"form_id": "big", "version": "1"})


def stray_byte_csv(path: Path, lines: list[str], bad_line: int, bad_after: str) -> Path:
    """A UTF-8 CSV of `lines` with one byte 0xE9 (é in Windows-1252) after `bad_after` in
    line `bad_line` (1-based)."""
    out = []
    for n, text in enumerate(lines, start=1):
        data = text.encode()
        if n == bad_line:
            at = data.index(bad_after.encode()) + len(bad_after.encode())
            data = data[:at] + b"\xe9" + data[at:]
        out.append(data)
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


def write_all(folder: Path) -> list[Path]:
    """Every workbook of the suite (the bomb at 64 MiB: pass --full for 2 GiB)."""
    folder.mkdir(parents=True, exist_ok=True)
    full = "--full" in sys.argv
    made = [
        zip_bomb(folder / "bomb.xlsx", 2 * GIB if full else 64 * MIB),
        dimension_lie(folder / "dimension_lie.xlsx"),
        far_cell(folder / "far_cell.xlsx"),
        after_empty_rows(folder / "after_61_empty_rows.xlsx", 61),
        deep_relevant(folder / "parens_200.xlsx", nested(200)),
        deep_relevant(folder / "parens_120.xlsx", nested(120)),
        deep_relevant(folder / "not_5000.xlsx", nested(5000, "not(")),
        deep_relevant(folder / "digits_5000.xlsx", "${count} > " + "9" * 5000),
        versioned(folder / "version_1e30.xlsx", str(10**30)),
        versioned(folder / "version_2p63.xlsx", str(2**63)),
        choices_form(folder / "choices_20000.xlsx", 20_000),
    ]
    return made


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tests/helpers/hostile_files.py OUTDIR [--full]")
    for p in write_all(Path(sys.argv[1])):
        print(p, p.stat().st_size)
