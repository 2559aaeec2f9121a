"""Sealed transfers: `fieldkit pack` (a database sealed for the stick) and what `keys
team-key` does (the team lead's key; the command is registered in fieldkit.cli.keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fieldkit.cli.base import command, out
from fieldkit.cli.database import Database
from fieldkit.cli.failures import err
from fieldkit.cli.options import OverwriteOption


def make_team_key(out_file: Path) -> None:
    """Write the team lead's identity to `out_file` and print its public recipient."""
    from fieldkit.sealing import make_identity

    public = make_identity(out_file)
    out.print(public, markup=False, highlight=False)
    err.print(
        f"wrote {out_file} (owner-only): keep it off the sticks and back it up; give "
        "inspectors the public recipient above for `fieldkit pack --to`",
        markup=False,
        highlight=False,
    )


@command("pack", db="path")
def pack_cli(
    to: Annotated[
        list[str],
        typer.Option(
            "--to",
            metavar="RECIPIENT",
            help="Whom to seal it for: an age recipient (age1…, the team lead's public key), "
            "or a file of them (repeatable).",
            show_default=False,
        ),
    ],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The pack file to write.", show_default=False)
    ],
    db: Database,
    overwrite: OverwriteOption = False,
) -> None:
    """A sealed copy of the database for the stick: a consistent copy of all of it (its
    log, signatures and all), encrypted in the `age` format for each recipient. Only their
    key opens it: `fieldkit merge PACK --identity team.key`, or `age -d -i team.key`.
    The database is only read; it may be in use while it is packed."""
    from fieldkit.sealing import recipients
    from fieldkit.sync.packs import write_pack

    path = db.path
    done = write_pack(path, out_file, recipients(to), overwrite=overwrite)
    out.print(
        f"wrote {out_file}: {done.changes:,} changes of {path.name}, sealed for "
        f"{done.recipients} recipient(s) ({done.size:,} bytes)",
        markup=False,
        highlight=False,
    )
