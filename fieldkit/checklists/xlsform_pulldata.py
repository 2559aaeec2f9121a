"""The CSV files a form's `pulldata()` calls read, found as its choice files are
(xlsform_files: beside the workbook or in `FORM-media/`) and held in the definition's
`lookups` (fieldkit.checklists.lookups computes the values).

A file named in the call (`pulldata('people', ...)`) is read when it is there. A file
named by an answer (`pulldata(${district}, ...)`) may be any of the form's media: every
CSV in `FORM-media/` is held. A file that is not published with the form is not a
refusal: the form imports, a notice names the sheet, row, column and file, and the value
is empty ('' as on a phone without the file) until the form is imported again with it.

`write_media` writes the held files back beside an exported workbook, so the export
reads back to the same definition.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from fieldkit.checklists.lookups import NAME_RE, Lookup, file_key
from fieldkit.checklists.xlsform_book import Row, XLSFormError
from fieldkit.checklists.xlsform_files import MAX_BYTES, media_path

# pulldata( then its first argument: a quoted name, or anything else up to the comma
_CALL = re.compile(r"""pulldata\s*\(\s*(?:'([^']*)'|"([^"]*)"|([^,)]*))""")
COLUMNS = ("calculation", "relevant", "constraint", "default", "choice_filter", "repeat_count")
EMPTY = "its value is empty until the form is imported again with the file (a new version)"


def _read(path: Path, where: str, notices: list[str]) -> Lookup:
    if path.stat().st_size > MAX_BYTES:
        raise XLSFormError(f"{where}: {path.name!r} is larger than {MAX_BYTES // 2**20} MiB")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # a file Excel saved on Windows
        text = data.decode("cp1252", errors="replace")
        notices.append(f"{where}: {path.name} is not UTF-8; read as Windows-1252")
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:
        raise XLSFormError(f"{where}: {path.name!r} cannot be read ({e})") from None
    table = [r for r in table if any(v.strip() for v in r)]
    if not table:
        raise XLSFormError(f"{where}: {path.name!r} has no header row")
    columns = tuple(c.strip() for c in table[0])
    if len(set(columns)) != len(columns) or "" in columns:
        raise XLSFormError(f"{where}: {path.name!r} has an empty or repeated column name")
    width = len(columns)
    rows = tuple(tuple((list(v.strip() for v in r) + [""] * width)[:width]) for r in table[1:])
    return Lookup(columns, rows)


def attach_lookups(
    definition: dict[str, Any], form: Path, survey: list[Row], extra: Path | None = None
) -> list[str]:
    """Hold in `definition["lookups"]` every CSV the survey's pulldata() calls read (found
    as choice files are: in `extra`, the --media folder, beside the form or in its
    FORM-media/); the notices (one line each) for files not published with the form."""
    notices: list[str] = []
    held: dict[str, Lookup] = {}
    media = extra if extra is not None else form.parent / f"{form.stem}-media"
    for row in survey:
        for column in COLUMNS:
            source = row.get(column)
            if "pulldata" not in source:
                continue
            for m in _CALL.finditer(source):
                quoted = m.group(1) if m.group(1) is not None else m.group(2)
                where = row.at(column)
                if quoted is None:  # a file named by an answer: every CSV of the media
                    found = sorted(media.glob("*.csv")) if media.is_dir() else []
                    for path in found:
                        if NAME_RE.match(file_key(path.name)):
                            held.setdefault(file_key(path.name), _read(path, where, notices))
                    if not found:
                        notices.append(
                            f"{where}: pulldata() reads the file {m.group(3).strip()} names,"
                            f" and {form.stem}-media/ holds no CSV: {EMPTY}"
                        )
                    continue
                name = file_key(quoted)
                if name in held or not NAME_RE.match(name):
                    continue
                path = media_path(form, name + ".csv", extra)
                if path is None:
                    notices.append(
                        f"{where}: pulldata() reads {name}.csv, which is neither beside the"
                        f" form nor in {form.stem}-media/: {EMPTY}"
                    )
                    continue
                held[name] = _read(path, where, notices)
    if held:
        definition["lookups"] = {k: held[k].as_data() for k in sorted(held)}
    return list(dict.fromkeys(notices))


def write_media(lookups: tuple[tuple[str, Lookup], ...], out: Path) -> list[Path]:
    """Write each held CSV to `OUT-media/` beside the exported workbook (owner-only)."""
    from fieldkit.files import write_privately

    if not lookups:
        return []
    folder = out.parent / f"{out.stem}-media"
    folder.mkdir(mode=0o700, exist_ok=True)
    written = []
    for name, table in lookups:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        written.append(write_privately(folder / f"{name}.csv", buffer.getvalue()))
    return written
