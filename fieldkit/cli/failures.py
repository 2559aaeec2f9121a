"""Errors as one clear line: which exceptions a user sees that way, with which exit code.

Kept apart from Typer so `fieldkit` alone (the capture app, see `fieldkit.cli.main`)
reports a bad database exactly as every command does without loading the Typer app."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.errors import MarkupError
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from fieldkit.errors import BUSY, FieldkitError
from fieldkit.safetext import safe_text, shown
from fieldkit.store import is_busy, one_line


def explain(e: BaseException) -> tuple[str, int] | None:
    """(message, exit code) for an error a user can act on; None for a bug, which should
    keep its traceback."""
    if isinstance(e, FieldkitError):
        return str(e), e.exit_code
    if isinstance(e, sqlite3.OperationalError):
        if is_busy(e):
            return f"{BUSY}; try again", 3
        return f"database error: {e}", 2
    if isinstance(e, (sqlite3.DatabaseError, UnicodeDecodeError)):
        return f"the database is damaged or not a fieldkit database ({e})", 2
    if isinstance(e, OSError):
        where = f"{e.filename}: " if e.filename else ""
        return f"{where}{e.strerror or e}", 2
    return None


class SafeConsole(Console):
    """A Rich console that prints no control character it was not asked to: every piece
    of text (table cells, stored values, file names, error lines, JSON) goes through
    `safe_text` on its way out, so a stored `ESC ]52` cannot reach the terminal. Rich's
    own styling and cursor control are kept (they are styles and control segments, not
    text). Strings are cleaned as they become Rich text (before Rich drops BEL and CR on
    its own, which would leave an escape sequence without its end), and every segment
    again as it is written.

    Stored text may also look like Rich markup: text whose brackets are not valid markup
    is shown as written (it raised MarkupError), and no hyperlink is ever written (fieldkit
    makes none; `[link=...]` in stored text would otherwise become an OSC 8 sequence)."""

    def render_str(self, text: str, **kw: Any) -> Text:
        text = safe_text(text)
        try:
            return super().render_str(text, **kw)
        except MarkupError:
            return super().render_str(text, **{**kw, "markup": False})

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            Segment(
                safe_text(text) if control is None else text,
                style.update_link(None) if style is not None and style.link else style,
                control,
            )
            for text, style, control in buffer
        )


err = SafeConsole(stderr=True, soft_wrap=True)


class SafeTable(Table):
    """A Rich table whose cells may hold whatever a merged database holds: a string cell is
    text, never markup (stored `[bold]` or `[/x]` neither styles nor crashes it), and a
    value that is not text (binary, a number where text belongs) is shown as text."""

    def add_row(self, *cells: Any, **kw: Any) -> None:
        super().add_row(*(_cell(c) for c in cells), **kw)


def _cell(value: Any) -> Any:
    if value is None or hasattr(value, "__rich_console__"):
        return value
    return plain(value if isinstance(value, str) else str(shown(value)))


def plain(text: str, **kw: Any) -> Text:
    """Stored text as a Rich Text: never markup, and filtered first (Rich drops BEL and CR
    itself, which would leave an escape sequence without its end)."""
    return Text(safe_text(text), **kw)


def say(message: str) -> None:
    """Print `fieldkit: message` as one line on stderr."""
    text = one_line(safe_text(message)).replace("[", "\\[")
    err.print(f"[bold red]fieldkit:[/] {text}", highlight=False, markup=True)
