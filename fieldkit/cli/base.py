"""The Typer app, `@command` (a command whose shared options and database are put in for it,
see fieldkit.cli.shared), and turning errors into one clear line."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from fieldkit import __version__
from fieldkit.cli.database import Mode
from fieldkit.cli.failures import SafeConsole, explain, say
from fieldkit.cli.shared import with_shared

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="fieldkit",
    help="Terminal-first, SQLite-first toolkit for domestic-abuse inspection fieldwork.\n\n"
    "Run with no command to open the capture app.",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = SafeConsole(soft_wrap=True)  # every command prints through it (or `err`)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clean line on stderr; return the Exit to raise."""
    say(message)
    return typer.Exit(code)


def clean_errors(fn: F) -> F:
    """Turn fieldkit's errors (and SQLite's) into one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            found = explain(e)
            if found is None:
                raise
            raise fail(*found) from None

    return wrapper  # type: ignore[return-value]


def command(
    name: str | None = None,
    *,
    parent: typer.Typer | None = None,
    db: Mode | None = None,
    **kw: Any,
) -> Callable[[F], F]:
    """`@command("name", db="read")`: a Typer command that works on its database as `db`
    says (fieldkit.cli.database.Mode; None for a command without one), whose signature
    names the shared options it takes (fieldkit.cli.shared), and whose errors come out as
    one clean line."""

    def deco(fn: F) -> F:
        (parent or app).command(name, **kw)(clean_errors(with_shared(fn, db)))
        return fn

    return deco


def version_callback(value: bool) -> None:
    if value:
        out.print(f"fieldkit {__version__}")
        raise typer.Exit()
