"""Shared options put in a command's place, and its database opened for it, in one place.

`@command("list", parent=keys_app, db="read")` (fieldkit.cli.base) declares what the
command does with its database (fieldkit.cli.database.Mode); its signature names what it
needs and declares no option for it:

    def list_cli(store: Store, json_: bool) -> None: ...

- `store`: the database, opened as declared (None with "optional" when there is no file),
  and closed when the command ends. Its option is --db (`--into/--db` for "into", --db
  repeated for "many"), declared once in fieldkit.cli.options.
- `db`: the same option, as a `Database` (its path, and `open()`), for a command that checks
  its input before it opens the file, or hands the path to what opens it; with "many", the
  list of paths.
- `json_`: --json. `fmt`: --format and --json (--json is --format json), the format checked.
- `by_force`: --by, checked (True for a row per force). `as_of`: --as-of, which `store` (and
  `Database.open`) is opened as of.

Each option takes the place in --help where the signature names it; a shared name after a
parameter with a default stands behind `*`. Every shared option is checked before the
database is opened, so a refused command has not touched the file.

Typer reads a command's options from `inspect.signature`, which honours `__signature__`
(PEP 362): the registered function is a wrapper whose signature is the command's with
these names replaced by their declarations, and which calls the command with the values.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, NamedTuple

from fieldkit.cli import options
from fieldkit.cli.database import MODES, Database, Mode
from fieldkit.paths import resolve_db


class Declared(NamedTuple):
    """One option as it goes in a signature: its parameter name, annotation, default."""

    name: str
    annotation: Any
    default: Any


JSON = Declared("json_", options.JsonOption, False)

# A name a command's signature may use -> the options that take its place.
SHARED: dict[str, tuple[Declared, ...]] = {
    "json_": (JSON,),
    "fmt": (Declared("fmt", options.FormatOption, "table"), JSON),
    "by_force": (Declared("by", options.ByOption, None),),
    "as_of": (Declared("as_of", options.AsOfOption, None),),
}
DATABASE_NAMES = ("store", "db")  # what a command names its database by


def database_options(mode: Mode) -> tuple[Declared, ...]:
    """The options in the place a database command names its database: every database
    command takes these (an option added here is on all of them)."""
    if mode == "into":
        return (Declared("db", options.IntoOption, None),)
    if mode == "many":
        return (Declared("db", options.DbsOption, None),)
    return (Declared("db", options.DbOption, None),)


def with_shared(fn: Callable[..., Any], db: Mode | None) -> Callable[..., Any]:
    """`fn` as Typer should see it: the shared names in its signature replaced by their
    options, and its database opened for it as `db` declares."""
    declared = inspect.signature(fn)
    names = list(declared.parameters)
    database = [n for n in names if n in DATABASE_NAMES]
    if db is not None and db not in MODES:
        raise ValueError(f"{fn.__name__}: db={db!r} is not one of {MODES}")
    if (db is None) != (not database) or len(database) > 1:
        raise TypeError(
            f"{fn.__name__}: name the database once (store or db) exactly when the "
            "command declares db=MODE"
        )
    if "fmt" in names and "json_" in names:
        raise TypeError(f"{fn.__name__}: fmt brings --json with it; do not name json_ too")
    if db == "many" and "store" in names:
        raise TypeError(f"{fn.__name__}: a command on many databases takes them as db")
    own = _own_annotations(fn, [n for n in names if n not in SHARED and n not in database])
    params: list[inspect.Parameter] = []
    for p in declared.parameters.values():
        if p.name in DATABASE_NAMES:
            replaced = database_options(db)  # type: ignore[arg-type]
        elif p.name in SHARED:
            replaced = SHARED[p.name]
        else:
            params.append(p.replace(annotation=own[p.name]))
            continue
        params += [
            inspect.Parameter(o.name, p.kind, default=o.default, annotation=o.annotation)
            for o in replaced
        ]
    takes_store = "store" in names

    @functools.wraps(fn)
    def run(**values: Any) -> Any:
        # the database's options: --db, and any other every database command takes (a
        # field of Database of the same name, which `open` uses)
        chosen = {o.name: values.pop(o.name) for o in database_options(db)} if db else {}
        given = chosen.pop("db", None)
        if "fmt" in names:
            values["fmt"] = options.output_format(values["fmt"], values.pop("json_"))
        if "by_force" in names:
            values["by_force"] = options.row_per_force(values.pop("by"))
        if db is None:
            return fn(**values)
        if db == "many":
            return fn(db=given or [resolve_db(None)], **values)
        found = Database(resolve_db(given), given is not None, db, values.get("as_of"), **chosen)
        if not takes_store:
            return fn(db=found, **values)
        if db == "optional":
            with found.open_if_any() as store:
                return fn(store=store, **values)
        with found.open() as store:
            return fn(store=store, **values)

    run.__signature__ = declared.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=inspect.Signature.empty
    )
    run.__annotations__ = {p.name: p.annotation for p in params}
    run.db_mode = db  # type: ignore[attr-defined]  (what the command declared, for tests)
    return run


def _own_annotations(fn: Callable[..., Any], names: list[str]) -> dict[str, Any]:
    """The annotations of the command's own parameters, evaluated (commands are written with
    `from __future__ import annotations`); the shared names' are not read, so their types
    (Store) may be imported for type checking only."""
    texts = SimpleNamespace(__annotations__={n: fn.__annotations__[n] for n in names})
    return typing.get_type_hints(texts, globalns=fn.__globals__, include_extras=True)
