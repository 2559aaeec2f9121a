"""Options several commands share, declared once (as sqlite-utils' cli.py does): the same
flag means the same thing, with the same help, wherever it appears.

The database's own options (--db in its three forms) and those that shape how a command
opens and answers (--json, --format, --by, --as-of) are put in a command's place by
fieldkit.cli.shared when its signature names them; the others here are annotations a
signature uses as they are (`force: ForceOption = None`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fieldkit.errors import BadInput

DB_HELP = "Database file. Default: $FIELDKIT_DB, else a per-user file (see `fieldkit where`)."
DbOption = Annotated[Path | None, typer.Option("--db", help=DB_HELP, show_default=False)]
IntoOption = Annotated[  # merge: the database merged into
    Path | None,
    typer.Option(
        "--into",
        "--db",
        help="The database to merge into (created if missing). Default: as for --db.",
        show_default=False,
    ),
]
DbsOption = Annotated[  # serve: one database or more
    list[Path] | None,
    typer.Option(
        "--db",
        help="Database file(s) to serve (repeatable). Default: as for other commands.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output.")]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="table (the terminal), csv (every figure in its own column), markdown or json.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="The figures as the change log stood at the end of DATE (UTC), e.g. 2015-06-30.",
        show_default=False,
    ),
]
BY_CHOICES = ("force",)
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="[" + "|".join(BY_CHOICES) + "]",
        help="'force': a row per force.",
        show_default=False,
    ),
]
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the output file if it exists.")
]
ToOption = Annotated[
    list[str] | None,
    typer.Option(
        "--to",
        metavar="RECIPIENT",
        help="Seal the file for this age recipient (age1…, or a file of them; repeatable): "
        "only its key (team.key) opens it, with fieldkit or `age -d -i`.",
        show_default=False,
    ),
]
ForceOption = Annotated[
    str | None,
    typer.Option("--force", "-f", help="Only this force (a code or name).", show_default=False),
]
ChecklistIdOption = Annotated[  # a command on one checklist
    str, typer.Option("--checklist", "-c", help="Checklist id.")
]
ChecklistOption = Annotated[
    str | None,
    typer.Option("--checklist", "-c", help="Only this checklist (its id).", show_default=False),
]


def row_per_force(by: str | None) -> bool:
    """What --by asks for: True for a row per force. Any other value is one clear line
    (exit 2), as every bad input is, rather than Click's usage box."""
    if by is None:
        return False
    if by not in BY_CHOICES:
        raise BadInput(f"--by takes {', '.join(repr(c) for c in BY_CHOICES)}, not {by!r}")
    return True


def output_format(fmt: str, json_: bool) -> str:
    """--format's value (--json is --format json); an unknown one is one clear line."""
    from fieldkit.report.render import FORMATS

    if json_:
        return "json"
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise BadInput(f"--format takes {', '.join(FORMATS)}, not {fmt!r}")
    return fmt
