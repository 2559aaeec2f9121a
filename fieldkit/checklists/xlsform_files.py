"""Choice lists a form reads from a file (`select_one_from_file F`,
`select_multiple_from_file F`): on a phone the file is one of the form's media, sent with
it; here it is found beside the workbook, or in its media folder (`FORM-media/`, as ODK
Central, Briefcase and KoboToolbox lay a form out). Read as ODK reads it:

- `.csv`: a row per choice, its code in the `name` column and its text in `label` (or
  `label::Language`); every other column is one a `choice_filter` may read;
- `.xml`: `<root><item><name>..</name><label>..</label>..</item></root>`, likewise;
- `.geojson`: a feature per choice, its code the feature's `id` (or its `id` property),
  its text the `title` property; the other properties are filter columns.

The question's `parameters` `value=` and `label=` name other columns, as in ODK. A file
that is there but not one of these (or too large, or unreadable) is refused in one line
naming it; one that is not there leaves the list waiting for it (choice_files).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from fieldkit.checklists.xlsform_book import Row, XLSFormError

MAX_BYTES = 20 * 1024 * 1024  # a media file larger than this is refused
SUFFIXES = (".csv", ".xml", ".geojson")


def media_path(form: Path, name: str, media: Path | None = None) -> Path | None:
    """The media file `name` of the form: in `media` (--media DIR), beside the form, or in
    its FORM-media/ folder, first found."""
    folders = [form.parent, form.parent / f"{form.stem}-media"]
    for folder in [media, *folders] if media is not None else folders:
        if (folder / name).is_file():
            return folder / name
    return None


def _records(path: Path, text: str) -> list[dict[str, str]]:
    """The file's rows as {column: text}."""
    if path.suffix.lower() == ".csv":
        return [
            {str(k).strip(): str(v or "").strip() for k, v in r.items() if k is not None}
            for r in csv.DictReader(io.StringIO(text))
        ]
    if path.suffix.lower() == ".xml":
        from defusedxml import ElementTree

        root = ElementTree.fromstring(text)
        return [
            {c.tag: (c.text or "").strip() for c in item}
            for item in root.iter("item")  # ODK's layout: root/item
        ]
    data = json.loads(text)
    out = []
    for feature in data.get("features", []) if isinstance(data, dict) else []:
        props = feature.get("properties") or {}
        record = {str(k): "" if v is None else str(v) for k, v in props.items()}
        if feature.get("id") is not None:
            record.setdefault("id", str(feature["id"]))
        out.append(record)
    return out


def file_choices(
    form: Path, name: str, row: Row, language: str | None, media: Path | None = None
) -> list[dict[str, Any]] | None:
    """The choices in the file `name` a survey row's select reads (entries as the choices
    sheet gives them: code, label, filters); None when the file is not there (the list
    waits for it: fieldkit.checklists.choice_files)."""
    from pyxform.errors import PyXFormError
    from pyxform.parsing.parameters import parse as parameters

    where = row.at("type")
    if Path(name).suffix.lower() not in SUFFIXES:
        raise XLSFormError(f"{where}: {name!r} is not a .csv, .xml or .geojson choice file")
    if Path(name).name != name or name.startswith("."):  # never a path out of the folders
        raise XLSFormError(
            f"{where}: the choices are in {name!r}, not a file name (a phone gets the form's"
            " media files by name)"
        )
    path = media_path(form, name, media)
    if path is None:
        return None
    if path.stat().st_size > MAX_BYTES:
        raise XLSFormError(f"{where}: {name!r} is larger than {MAX_BYTES // 2**20} MiB")
    try:
        params = parameters(row.get("parameters"), row.number)
        records = _records(path, path.read_text(encoding="utf-8-sig"))
    except PyXFormError:
        raise XLSFormError(f"{row.at('parameters')}: not key=value pairs") from None
    except (UnicodeDecodeError, ValueError, csv.Error, SyntaxError) as e:
        raise XLSFormError(f"{where}: {name!r} cannot be read ({type(e).__name__})") from None
    geo = path.suffix.lower() == ".geojson"
    value = params.get("value") or ("id" if geo else "name")
    label = params.get("label") or ("title" if geo else "label")
    out: list[dict[str, Any]] = []
    for n, record in enumerate(records, start=1):
        code = record.get(value, "")
        if not code:
            raise XLSFormError(f"{where}: {name!r} choice {n} has no {value!r}")
        text = (record.get(f"{label}::{language}") if language else "") or record.get(label)
        filters = {
            k: v for k, v in record.items() if v and k not in (value, label) and "::" not in k
        }
        entry: dict[str, Any] = {"row": row, "code": code, "label": text or code}
        if filters:
            entry["filters"] = filters
        out.append(entry)
    if not out:
        raise XLSFormError(f"{where}: {name!r} holds no choices")
    return out
