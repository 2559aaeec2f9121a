"""The Typer app, the shared --db option, and turning errors into one clear line."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from fieldkit import __version__
from fieldkit.errors import FieldkitError
from fieldkit.store.connection import is_busy, one_line

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
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Database file. Default: $FIELDKIT_DB, else a per-user file (see `fieldkit where`).",
        show_default=False,
    ),
]


def default_db() -> Path:
    return Path(typer.get_app_dir("fieldkit")) / "fieldkit.db"


def resolve_db(db: Path | None) -> Path:
    """--db, else $FIELDKIT_DB, else the per-user default file."""
    if db is not None:
        return db
    env = os.environ.get("FIELDKIT_DB")
    if env:
        return Path(env)
    return default_db()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clean line on stderr; return the Exit to raise."""
    err.print(f"[bold red]fieldkit:[/] {_escape(one_line(message))}", highlight=False, markup=True)
    return typer.Exit(code)


def clean_errors(fn: F) -> F:
    """Turn fieldkit's errors (and SQLite's) into one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FieldkitError as e:
            raise fail(str(e), e.exit_code) from None
        except sqlite3.OperationalError as e:
            if is_busy(e):
                raise fail(
                    "the database is busy (another fieldkit is writing it); try again", 3
                ) from None
            raise fail(f"database error: {e}", 2) from None
        except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
            raise fail(f"the database is damaged or not a fieldkit database ({e})", 2) from None
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise fail(f"{where}{e.strerror or e}", 2) from None

    return wrapper  # type: ignore[return-value]


def command(
    name: str | None = None, *, parent: typer.Typer | None = None, **kw: Any
) -> Callable[[F], F]:
    """`@command("name")`: a Typer command whose errors come out as one clean line."""

    def deco(fn: F) -> F:
        (parent or app).command(name, **kw)(clean_errors(fn))
        return fn

    return deco


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


def version_callback(value: bool) -> None:
    if value:
        out.print(f"fieldkit {__version__}")
        raise typer.Exit()
