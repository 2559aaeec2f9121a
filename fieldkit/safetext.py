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
"""

from __future__ import annotations

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
