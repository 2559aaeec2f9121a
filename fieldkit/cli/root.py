"""The root of the command line: `--version`, and `fieldkit` with no command opening the
capture app (when the Typer app is run that way, e.g. by tests; the console script goes
straight to the app, see fieldkit.cli.main)."""

from __future__ import annotations

import os
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
    key_file: Annotated[
        str | None,
        typer.Option(
            "--key-file",
            metavar="PATH",
            help="Sign with this device key instead of the one in your config folder "
            "(as $FIELDKIT_KEY; made there if missing).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Terminal-first, SQLite-first toolkit for domestic-abuse inspection fieldwork.

    Run with no command to open the capture app on the default database."""
    if key_file:
        os.environ["FIELDKIT_KEY"] = key_file  # (read where a key signs: fieldkit.store.keys)
    if ctx.invoked_subcommand is None:
        code = open_capture(None)
        if code:
            raise typer.Exit(code)
