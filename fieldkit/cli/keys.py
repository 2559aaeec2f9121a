"""`fieldkit keys`: the keys a team works with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fieldkit.cli.base import app, command

keys_app = typer.Typer(help="The keys a team works with.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@command("team-key", parent=keys_app)
def keys_team_key(
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The key file to write (never over an existing one).",
            show_default=False,
        ),
    ],
) -> None:
    """Make the team lead's key (an `age` identity, as `age-keygen` writes it) and print its
    public recipient (age1…): inspectors seal their packs for it (`fieldkit pack --to`);
    only this key opens them (`fieldkit merge PACK --identity team.key`, or `age -d -i`).
    The file is owner-only: keep it off the sticks, and keep a copy somewhere safe."""
    from fieldkit.cli.seal import make_team_key

    make_team_key(out_file)
