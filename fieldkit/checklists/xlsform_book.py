"""Read an XLSForm workbook's sheets as rows, with every column header spelled the way
pyxform (the XLSForm reference implementation) reads it.

pyxform's own backends read the cells (`xlsx_to_dict`, `xls_to_dict`) and its own header
table (`pyxform.aliases`, `process_header`) says what a header means, so `relevance`,
`bind::relevant` and `bind:relevant` are all `relevant`, `form_title` is `title`,
`label:Hindi` is `label::Hindi`. Warnings the spreadsheet libraries print (openpyxl's
"data validation extension is not supported") never reach the terminal: they say
nothing about the form.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldkit.checklists.loader import ChecklistError, refuse_controls

SHEETS = ("survey", "choices", "settings", "external_choices")
# pyxform's grouped headers (bind::x, control::x) as the column fieldkit reads
BIND = {
    "relevant": "relevant",
    "required": "required",
    "constraint": "constraint",
    "calculate": "calculation",
    "jr:constraintMsg": "constraint_message",
    "jr:requiredMsg": "required_message",
    "readonly": "read_only",
    "jr:noAppErrorString": "no_app_error_string",
}
CONTROL = {"appearance": "appearance", "jr:count": "repeat_count"}
# the columns holding an expression (their quotes are XPath's)
EXPRESSIONS = ("relevant", "constraint", "calculation", "choice_filter", "repeat_count")
EXPRESSIONS += ("default", "required", "instance_name", "trigger", "parameters")
TEXT_COLUMNS = ("label", "hint", "guidance_hint", "constraint_message", "required_message")
TRUE = ("yes", "true", "true()", "1")
FALSE = ("no", "false", "false()", "0", "")


class XLSFormError(ChecklistError):
    """A workbook that is not an XLSForm, or a feature fieldkit cannot honour."""


@dataclass
class Row:
    sheet: str
    number: int  # the spreadsheet row (1 = the header)
    cells: dict[str, str]  # column as fieldkit reads it -> text
    headers: dict[str, str]  # column as fieldkit reads it -> the header as written

    def at(self, column: str) -> str:
        return f"{self.sheet} sheet, row {self.number}, column {self.headers.get(column, column)}"

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def one_line(e: BaseException | str) -> str:
    return " ".join(str(e).split())[:300]


@contextlib.contextmanager
def quiet() -> Any:
    """Run a spreadsheet library without its warnings or prints reaching the terminal."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stderr(io.StringIO()),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


def column_key(header: str, sheet: str) -> str:
    """The column a header names, as pyxform reads it (`relevance` -> `relevant`,
    `label::English (en)` -> `label::English (en)`, `form_id` -> `id_string`)."""
    from pyxform import aliases
    from pyxform.parsing.sheet_headers import process_header
    from pyxform.question import MultipleChoiceQuestion, Option
    from pyxform.survey import Survey

    text = " ".join(str(header).split())
    if text.startswith("$"):
        return text  # KoboToolbox's row ids ($kuid, $autoname)
    table: dict[str, Any]
    if sheet == "survey":
        table, known = aliases.survey_header, set(MultipleChoiceQuestion.get_slot_names())
    elif sheet in ("choices", "external_choices"):
        table, known = aliases.list_header, set(Option.get_slot_names())
    else:
        table, known = aliases.settings_header, set(Survey.get_slot_names())
    _, tokens = process_header(text, False, table, known)
    head, rest = tokens[0], list(tokens[1:])
    if head == "bind" and rest and rest[0] in BIND:
        head, rest = BIND[rest[0]], rest[1:]
    elif head == "control" and rest and rest[0] in CONTROL:
        head, rest = CONTROL[rest[0]], rest[1:]
    elif head == "list name":
        head = "list_name"
    elif head.lower() in ("fieldkit", "bind", "instance", "body", "control", "media"):
        head = head.lower()
    return "::".join((head, *rest))


def read_book(path: Path) -> dict[str, list[Row]]:
    """The survey, choices and settings sheets as rows."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict

    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        raise XLSFormError(f"{path.name}: not an XLSForm workbook (.xlsx or .xls)")
    try:
        with quiet():
            book = (xls_to_dict if suffix == ".xls" else xlsx_to_dict)(str(path))
    except (PyXFormError, OSError, ValueError) as e:
        raise XLSFormError(f"{path.name}: cannot read the workbook ({one_line(e)})") from None
    out: dict[str, list[Row]] = {}
    collapse = _collapses_spaces(book.get("settings") or [])
    for sheet in SHEETS:
        rows = book.get(sheet)
        if rows is None:
            continue
        headers = [h for row in rows for h in row]
        keys = {h: column_key(h, sheet) for h in dict.fromkeys(headers)}
        shown = {k: h for h, k in keys.items()}
        spaces = collapse and sheet == "survey"
        out[sheet] = [
            Row(
                sheet, n + 2, {keys[k]: _cleaned(keys[k], v, spaces) for k, v in row.items()}, shown
            )
            for n, row in enumerate(rows)
        ]
    if "survey" not in out:
        raise XLSFormError(f"{path.name}: not an XLSForm (no survey sheet)")
    for r in (r for rows in out.values() for r in rows):  # no control characters (texts.py)
        refuse_controls({r.at(c): v for c, v in r.cells.items()}, path.name)
    return out


def _collapses_spaces(settings: list[dict[str, Any]]) -> bool:
    """pyxform's `clean_text_values` setting (yes unless the form says no)."""
    from pyxform import aliases

    for key, value in (settings[0] if settings else {}).items():
        if column_key(key, "settings") == "clean_text_values":
            return bool(aliases.yes_no.get(str(value).strip().lower(), True))
    return True


def _cleaned(column: str, value: Any, spaces: bool) -> str:
    """An expression as pyxform reads it: curly quotes are plain quotes (`${a} = ’no’` is
    `${a} = 'no'`), and on the survey sheet runs of spaces are one (`clean_text_values`).
    Texts (labels, hints) are kept exactly as written: there the quotes are the wording."""
    from pyxform.parsing.sheet_headers import clean_text_values

    if column.split("::", 1)[0] not in EXPRESSIONS:
        return str(value)
    return str(clean_text_values(str(value), strip_whitespace=spaces))


def validate_with_pyxform(path: Path) -> None:
    """pyxform's own conversion: the workbook must be a valid XLSForm at all."""
    from pyxform.xls2xform import convert

    try:
        with quiet():
            convert(str(path), warnings=[])
    except Exception as e:  # pyxform raises plain errors for some malformed sheets
        raise XLSFormError(f"{path.name}: not a valid XLSForm: {one_line(e)}") from None


def languages(rows: list[Row], column: str) -> list[str]:
    langs: list[str] = []
    for row in rows:
        for key in row.cells:
            if key.startswith(column + "::") and row.get(key):
                lang = key.split("::", 1)[1]
                if lang not in langs:
                    langs.append(lang)
    return langs


def text(row: Row, column: str, language: str | None) -> str:
    if language is not None:
        value = row.get(f"{column}::{language}")
        if value:
            return value
    return row.get(column)


def flag(row: Row, column: str) -> bool:
    value = row.get(column).lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise XLSFormError(f"{row.at(column)}: {value!r} is not supported (only yes or no)")
