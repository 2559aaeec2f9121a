"""The Typer app with every command registered (importing a command module registers it)."""

from __future__ import annotations

from typing import Annotated

import typer

from fieldkit.cli import capture as _capture  # noqa: F401
from fieldkit.cli import (
    core,  # noqa: F401  (registers commands)
    privacy,  # noqa: F401
    register,  # noqa: F401
    report,  # noqa: F401
)
from fieldkit.cli import merge as _merge  # noqa: F401
from fieldkit.cli.base import DbOption, app, version_callback
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


__all__ = ["DbOption", "app"]
