"""Errors as one clear line: which exceptions a user sees that way, with which exit code.

Kept apart from Typer so `fieldkit` alone (the capture app, see `fieldkit.cli.main`)
reports a bad database exactly as every command does without loading the Typer app."""

from __future__ import annotations

import sqlite3

from rich.console import Console

from fieldkit.errors import FieldkitError
from fieldkit.store.connection import is_busy, one_line


def explain(e: BaseException) -> tuple[str, int] | None:
    """(message, exit code) for an error a user can act on; None for a bug, which should
    keep its traceback."""
    if isinstance(e, FieldkitError):
        return str(e), e.exit_code
    if isinstance(e, sqlite3.OperationalError):
        if is_busy(e):
            return "the database is busy (another fieldkit is writing it); try again", 3
        return f"database error: {e}", 2
    if isinstance(e, (sqlite3.DatabaseError, UnicodeDecodeError)):
        return f"the database is damaged or not a fieldkit database ({e})", 2
    if isinstance(e, OSError):
        where = f"{e.filename}: " if e.filename else ""
        return f"{where}{e.strerror or e}", 2
    return None


err = Console(stderr=True, soft_wrap=True)


def say(message: str) -> None:
    """Print `fieldkit: message` as one line on stderr."""
    text = one_line(message).replace("[", "\\[")
    err.print(f"[bold red]fieldkit:[/] {text}", highlight=False, markup=True)
