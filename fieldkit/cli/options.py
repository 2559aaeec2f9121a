"""Options several commands share, written once (as sqlite-utils' cli.py does): the same
flag means the same thing, with the same help, wherever it appears."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fieldkit.errors import BadInput
from fieldkit.paths import resolve_db

if TYPE_CHECKING:
    from fieldkit.store import Store

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
ChecklistOption = Annotated[
    str | None,
    typer.Option("--checklist", "-c", help="Only this checklist (its id).", show_default=False),
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


def row_per_force(by: str | None) -> bool:
    """What --by asks for: True for a row per force. Any other value is one clear line
    (exit 2), as every bad input is, rather than Click's usage box."""
    if by is None:
        return False
    if by not in BY_CHOICES:
        raise BadInput(f"--by takes {', '.join(repr(c) for c in BY_CHOICES)}, not {by!r}")
    return True


def open_store(
    db: Path | None,
    *,
    write: bool = False,
    create: bool = False,
    as_of: str | None = None,
    inspector: str | None = None,
) -> Store:
    """The database --db names (else $FIELDKIT_DB, else the per-user file), opened for
    reading unless the command writes (`write`) or may make it (`create`); every command
    opens its store here."""
    from fieldkit.store import Store

    store = Store.open(
        resolve_db(db),
        readonly=not (write or create),
        create=create,
        as_of=as_of,
        inspector=inspector,
    )
    for note in store.told:  # (an upgrade: what it did, e.g. whose key vouched for the log)
        typer.echo(f"{store.path}: {note}", err=True)
    return store


@contextmanager
def store_if_any(db: Path | None, *, required: bool = False) -> Iterator[Store | None]:
    """The database --db names, opened for reading when its file exists; else None (for
    commands that work from what fieldkit ships too), or with `required` one line."""
    path = resolve_db(db)
    if not path.exists():
        if required:
            raise BadInput(f"{path}: no such database")
        yield None
        return
    with open_store(path) as store:
        yield store
