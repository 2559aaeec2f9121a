"""Options several commands share, written once (as sqlite-utils' cli.py does): the same
flag means the same thing, with the same help, wherever it appears."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Database file. Default: $FIELDKIT_DB, else a per-user file (see `fieldkit where`).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output.")]
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the output file if it exists.")
]
