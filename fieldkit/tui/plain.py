"""Stored text in the capture app: shown as written, never run.

Everything the app shows from a database (checklist titles, prompts, choices, answers,
notes, references, names) may hold what an attacker chose: terminal escape sequences
(`ESC ] 52` writes the clipboard, `ESC [ 2 J` blanks the screen) and Textual or Rich markup
(`[/x]` raised MarkupError on every launch; `[@click=app.quit]` would make an action). So:

- `SafeLines`, a line filter on every widget's output (the app adds it to Textual's line
  filters): the last step before the terminal, it removes every control character from
  text segments (fieldkit.safetext.without_controls). Only the characters go: Textual has
  already dropped some (BEL, CR) and cut text into segments, so a sequence's printable
  rest ("]52;c;...") stays visible rather than taking legitimate text with it; control
  characters take no cell, so the screen's geometry holds. The app's own escape sequences
  (styles, cursor moves) are styles and control segments, never text, so they are kept.
- markup is never parsed from a string: the app's `Static` and `Label` are these (markup
  off), its notifications are plain (fieldkit.tui.app), tables are `PlainTable` (a str cell
  is text, not Rich markup), and choice lists take `Content`.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from textual import widgets
from textual.color import Color
from textual.filter import LineFilter

from fieldkit.safetext import without_controls


class SafeLines(LineFilter):
    """No control character in any text segment a widget renders."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out = segments
        for n, (text, style, control) in enumerate(segments):
            if control is not None or not text:
                continue
            clean = without_controls(text)
            if clean is text:
                continue
            if out is segments:
                out = list(segments)
            pad = cell_len(text) - cell_len(clean)
            out[n] = Segment(clean + " " * max(0, pad), style)
        return out


class Static(widgets.Static):
    """Textual's Static with markup off: what it shows is text, as written."""

    def __init__(self, content: Any = "", *, markup: bool = False, **kw: Any) -> None:
        super().__init__(content, markup=markup, **kw)


class Label(widgets.Label):
    """Textual's Label with markup off: what it shows is text, as written."""

    def __init__(self, content: Any = "", *, markup: bool = False, **kw: Any) -> None:
        super().__init__(content, markup=markup, **kw)


def __getattr__(name: str) -> Any:
    """`PlainTable` (fieldkit.tui.plain_table), imported when a screen first asks for it:
    the first screen has no table, and Textual's DataTable costs its start some 10 ms."""
    if name == "PlainTable":
        from fieldkit.tui.plain_table import PlainTable

        return PlainTable
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
