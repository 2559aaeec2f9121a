"""Text that is safe to print on a terminal.

Stored text comes from other people's databases (a merge takes in whatever a source holds),
so it may carry terminal escape sequences: `ESC ] 52 ; c ; ...` writes the clipboard, others
retitle the window, move the cursor, hide what follows or answer back on stdin. Everything
fieldkit prints passes through `safe_text` (the CLI's consoles do it for every segment of
text they write, fieldkit/cli/failures.py), which removes:

- whole escape sequences: CSI (`ESC [` ... final byte), OSC, DCS, SOS, PM and APC strings
  (up to BEL or ST), and two-byte `ESC x` sequences; and their 8-bit C1 forms;
- every other C0 control character except newline and tab, DEL, and every C1 control.

`json_text` writes JSON whose strings hold the same data with every control character
escaped (`\\u001b`, `\\u009b`), so piped JSON keeps the data and a terminal shows no control.

This module is the one filter on every way out and the one check on the way in:

- in: `control_problem` says where a text holds a control character; definitions refuse
  them (fieldkit/checklists/texts.py), naming the sheet, row and column or the item;
- out: the terminal (`safe_text`, through the CLI's consoles and the capture app's line
  filter), JSON (`json_text`), CSV (`csv_cell`: filtered, and a cell a spreadsheet would run
  neutralised), Markdown and Word (`safe_data` over what is rendered), HTML and SVG
  (`html_text`), xlsx (`safe_text` and `formula_like`, fieldkit/export/workbook.py). A new
  output adds a call to one of these, nothing more.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

# 7-bit and 8-bit forms: ESC [ or CSI (0x9b) ... final byte; ESC ] / P / X / ^ / _ or
# OSC (0x9d), DCS (0x90), SOS (0x98), PM (0x9e), APC (0x9f) ... BEL or ST (ESC \ or 0x9c),
# or to the end of the text when unterminated; ESC and one more character.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x7e]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_JSON_CONTROLS = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def safe_text(text: str, *, multiline: bool = True) -> str:
    """`text` without escape sequences or control characters. Newlines and tabs are kept
    when `multiline` (a field printed as several lines on purpose), else removed too."""
    if not text or (_CONTROLS_ONE_LINE.search(text) is None):
        return text
    text = _SEQUENCES.sub("", text)
    return (_CONTROLS if multiline else _CONTROLS_ONE_LINE).sub("", text)


def without_controls(text: str) -> str:
    """`text` with every control character (newline and tab too) removed, and nothing else:
    for text already cut into pieces (a screen's line segments), where an escape sequence
    may have lost its end and only the characters themselves can be trusted to go."""
    return _CONTROLS_ONE_LINE.sub("", text) if _CONTROLS_ONE_LINE.search(text) else text


def shown(value: Any) -> Any:
    """A stored value as something a terminal table or JSON can show: binary as
    "<binary, N bytes>" (merged content may hold it where text belongs); text and Rich
    renderables as they are; anything else as its text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<binary, {len(bytes(value))} bytes>"
    if value is None or isinstance(value, str) or hasattr(value, "__rich_console__"):
        return value
    return str(value)


def json_text(data: Any, **kw: Any) -> str:
    """json.dumps (non-ASCII kept) with DEL and C1 controls escaped as well as C0, and
    binary values shown as "<binary, N bytes>"."""
    text = json.dumps(data, ensure_ascii=False, default=shown, **kw)
    return _JSON_CONTROLS.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def control_problem(text: str) -> str | None:
    """Which control character `text` holds first and where ("holds a control character
    (U+001B) at character 3"), or None. Tab and newline are text; every other C0 control,
    DEL and the C1 controls are not."""
    m = _CONTROLS.search(text)
    if m is None:
        return None
    return f"holds a control character (U+{ord(m[0]):04X}) at character {m.start() + 1}"


# A cell starting with one of these is run by a spreadsheet (a formula, or DDE: `=cmd|...`).
RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this text cell as a formula? It starts with `=`, `+`, `-`,
    `@`, tab or CR, and is not a plain number: "-3", "+44" or "-0.5e3" read as the number
    they are, run nothing, and are left as written (a negative figure stays a figure)."""
    return text[:1] in RISKY_START and _NUMBER.fullmatch(text) is None


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text filtered (`safe_text`) and, when a spreadsheet would run
    it, prefixed with an apostrophe (the OWASP advice; Excel and LibreOffice then show it
    as text). Numbers and None are returned as they are."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return shown(value)
    if not isinstance(value, str):
        return value
    text = safe_text(value)
    return "'" + text if formula_like(text) else text


def html_text(value: Any) -> str:
    """A value as HTML or SVG text: filtered, then escaped (quotes too, so it is safe in an
    attribute); None is ''."""
    import html  # (with its table of entities, not needed to open the capture app)

    if value is None:
        return ""
    return html.escape(safe_text(str(shown(value))), quote=True)


def safe_data(value: Any) -> Any:
    """`value` with every string in it filtered (`safe_text`): through dicts, lists, tuples
    and dataclasses, so a document is rendered from clean text whatever its format."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        items = {safe_data(k): safe_data(v) for k, v in value.items()}
        try:
            return type(value)(items)  # a Counter stays a Counter
        except TypeError:
            return items
    if isinstance(value, (list, tuple)):
        cleaned = [safe_data(v) for v in value]
        return type(value)(cleaned) if not hasattr(value, "_fields") else type(value)(*cleaned)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f.name for f in dataclasses.fields(value) if f.init]
        return dataclasses.replace(value, **{n: safe_data(getattr(value, n)) for n in fields})
    return value
