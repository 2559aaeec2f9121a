"""`fieldkit capture`: open the capture app (also what `fieldkit` with no command does)."""

from __future__ import annotations

from typing import Annotated

import typer

from fieldkit.cli.base import command
from fieldkit.cli.database import Database
from fieldkit.cli.launch import open_capture


@command("capture", db="path")
def capture_cli(
    db: Database,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="Show questions and choices in this language where a checklist has it"
            " (an XLSForm's label::Language, e.g. 'Cymraeg (cy)').",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Capture fieldwork in the terminal app: dashboard, forms, records, conflicts."""
    code = open_capture(db.path, language=language)
    if code:
        raise typer.Exit(code)
