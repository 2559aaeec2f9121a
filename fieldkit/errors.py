"""Errors a user sees as one clear line."""

from __future__ import annotations


class FieldkitError(Exception):
    """A problem the user can act on; the CLI prints it as one line and exits non-zero."""

    exit_code = 1


class BadDatabase(FieldkitError):
    """A file that is not a usable fieldkit database (not SQLite, truncated, newer schema)."""

    exit_code = 2


class BadInput(FieldkitError):
    """Input that does not fit (a CSV row, a register entry, a spreadsheet)."""

    exit_code = 2


# How fieldkit says another program holds the database, wherever it says it: the CLI's
# one line, the capture app's notices and its form's status line.
BUSY = "the database is busy (another program is writing it)"


def busy(what: str) -> str:
    """'<what>: not done, the database is busy (...); try again in a moment.'"""
    return f"{what}: not done, {BUSY}; try again in a moment."
