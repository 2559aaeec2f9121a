"""`fieldkit capture`: open the capture app (also what `fieldkit` with no command does)."""

from __future__ import annotations

import typer

from fieldkit.cli.base import command
from fieldkit.cli.launch import open_capture
from fieldkit.cli.options import DbOption


@command("capture")
def capture_cli(db: DbOption = None) -> None:
    """Capture fieldwork in the terminal app: dashboard, forms, records, conflicts."""
    code = open_capture(db)
    if code:
        raise typer.Exit(code)
