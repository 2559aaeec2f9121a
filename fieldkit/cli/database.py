"""The database a command works on, and the one place a command opens it.

A command declares what it does with its database (`@command(..., db="read")`, see
fieldkit.cli.shared); this module turns --db into a path the same way for all of them
(--db, else $FIELDKIT_DB, else the per-user file) and opens it as declared."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from fieldkit.errors import BadInput

if TYPE_CHECKING:
    from fieldkit.store import Store

# What a command does with its database:
#   read      reads it (it must exist and be a fieldkit database this fieldkit can read)
#   write     writes to it (it must exist; an older one is migrated first)
#   create    writes to it, making it when there is no file
#   optional  reads it when the file exists, else works from what fieldkit ships (None)
#   path      hands the file to what opens it its own way (a copy, a pack, the app)
#   into      merge: the database merged into (--into/--db), read after the merge
#   many      serve: one database or more (--db repeated)
Mode = Literal["read", "write", "create", "optional", "path", "into", "many"]
MODES: tuple[Mode, ...] = ("read", "write", "create", "optional", "path", "into", "many")


def open_store(
    path: Path,
    *,
    write: bool = False,
    create: bool = False,
    as_of: str | None = None,
    inspector: str | None = None,
) -> Store:
    """The database at `path`, opened for reading unless the command writes (`write`) or
    may make it (`create`); what an upgrade on opening did is said on stderr."""
    from fieldkit.store import Store

    store = Store.open(
        path,
        readonly=not (write or create),
        create=create,
        as_of=as_of,
        inspector=inspector,
    )
    for note in store.told:  # (an upgrade: what it did, e.g. whose key vouched for the log)
        typer.echo(f"{store.path}: {note}", err=True)
    return store


@dataclass(frozen=True)
class Database:
    """The database --db names for one run of a command: its path, whether --db was given
    (rather than $FIELDKIT_DB or the default), the command's mode and --as-of, if the
    command takes it. A command that checks its input before touching the file (so that a
    refusal leaves it as it was) takes this and opens it when its checks are done."""

    path: Path
    given: bool
    mode: Mode
    as_of: str | None = None

    def open(self, *, inspector: str | None = None) -> Store:
        """The store, opened as the command declared (`inspector` names the inspector of
        a database this makes)."""
        return open_store(
            self.path,
            write=self.mode == "write",
            create=self.mode == "create",
            as_of=self.as_of,
            inspector=inspector,
        )

    @contextmanager
    def open_if_any(self, *, required: bool = False) -> Iterator[Store | None]:
        """The store, read, when its file exists; else None (for commands that work from
        what fieldkit ships too), or with `required` one line."""
        if not self.path.exists():
            if required:
                raise BadInput(f"{self.path}: no such database")
            yield None
            return
        with self.open() as store:
            yield store
