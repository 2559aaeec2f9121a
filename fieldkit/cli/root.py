"""The root of the command line: `--version`, and `fieldkit` with no command opening the
capture app (when the Typer app is run that way, e.g. by tests; the console script goes
straight to the app, see fieldkit.cli.main)."""

from __future__ import annotations

from typing import Annotated

import typer

from fieldkit.cli.base import app, version_callback
from fieldkit.cli.launch import open_capture


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Terminal-first, SQLite-first toolkit for domestic-abuse inspection fieldwork.

    Run with no command to open the capture app on the default database."""
    if ctx.invoked_subcommand is None:
        code = open_capture(None)
        if code:
            raise typer.Exit(code)
