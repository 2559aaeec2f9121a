"""`fieldkit capture`: open the capture app (also what `fieldkit` with no command does)."""

from __future__ import annotations

from typing import Annotated

import typer

from fieldkit.cli.base import command
from fieldkit.cli.launch import open_capture
from fieldkit.cli.options import DbOption


@command("capture")
def capture_cli(
    db: DbOption = None,
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
    code = open_capture(db, language=language)
    if code:
        raise typer.Exit(code)
