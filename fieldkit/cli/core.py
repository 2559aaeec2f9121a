"""Foundation commands: init, import, demo, where."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from fieldkit.checklists import get as get_checklist
from fieldkit.cli.base import command, fail, out
from fieldkit.cli.database import Database
from fieldkit.cli.launch import confirm_create
from fieldkit.cli.options import ChecklistIdOption


@command("init", db="create")
def init_cli(
    db: Database,
    inspector: Annotated[str, typer.Option(help="Your name as it appears on records.")] = "",
) -> None:
    """Create a new fieldkit database (owner-only, WAL mode), or check an existing one
    (migrating it, and updating its views, if an older fieldkit made them)."""
    path = db.path
    if path.exists():
        with db.open() as store:
            out.print(
                f"{path}: fieldkit database {store.database_id} (inspector {store.inspector or '-'})"
            )
            if store.update_views():
                out.print("views updated to this fieldkit's definitions")
            if not store.readonly:
                from fieldkit.instruments import install_shipped_updates

                for line in install_shipped_updates(store):
                    out.print(line)
        return
    with db.open(inspector=inspector or None) as store:
        out.print(f"created {path} (database {store.database_id}, device {store.device_id})")


@command("where", db="path")
def where_cli(db: Database) -> None:
    """Show which database file commands use."""
    out.print(str(db.path))


@command("import", db="path")
def import_cli(
    file: Annotated[Path, typer.Argument(help="CSV file, one row per record.", show_default=False)],
    checklist: ChecklistIdOption,
    db: Database,
    inspector: Annotated[
        str | None, typer.Option(help="Inspector to record on imported rows.")
    ] = None,
    partial: Annotated[
        bool, typer.Option(help="Legacy data: accept final rows with unanswered items.")
    ] = False,
    create: Annotated[bool, typer.Option(help="Create the database if it is missing.")] = True,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="Apply a corrected file: records already stored take the file's values "
            "(as logged changes). Without it they are left as they are, and counted.",
        ),
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="The file's encoding (e.g. windows-1252), when it is not UTF-8. Without it, "
            "a file holding UTF-8 is read as UTF-8 and a byte that is not stops the import.",
        ),
    ] = None,
    force: Annotated[
        str | None,
        typer.Option("--force", help="ODK / KoboToolbox export: the force its records are for."),
    ] = None,
    repeat: Annotated[
        list[Path] | None,
        typer.Option("--repeat", help="ODK / KoboToolbox export: a repeat's own CSV file."),
    ] = None,
) -> None:
    """Import records from a CSV: columns force, observed_at, status, optional subject_ref,
    then one column per item id (`item[KEY]` for repeat groups, `note:item` for notes).
    An ODK Central or KoboToolbox CSV export is read as it is written (group paths in the
    headers, its repeats' files with --repeat, the force with --force). All or nothing;
    importing the same file again adds nothing. Rows for records already stored that say
    something else are reported (exit status 1); `--update` applies them."""
    from fieldkit.importer import import_into

    path = db.path
    if not path.exists():
        if not create or (sys.stdin.isatty() and not confirm_create(path)):
            raise fail(f"{path}: no such database", 2)
        get_checklist(checklist)  # refuse an unknown checklist before creating anything
    result = import_into(
        path,
        file,
        checklist,
        create=create,
        inspector=inspector,
        partial=partial,
        update=update,
        encoding=encoding,
        force=force,
        repeats=tuple(repeat or ()),
    )
    for notice in result.notices:
        out.print(notice)
    out.print(
        f"{file.name}: {result.rows} rows, {result.created} records imported, "
        f"{result.already_present} already present"
        + (f" (read as {result.encoding})" if result.encoding != "utf-8" else "")
    )
    if result.differing:
        from fieldkit.cli.imports import report_differences

        report_differences(result)
        if not result.updated:
            raise typer.Exit(1)  # a script can tell that the file and the records differ


@command("demo", db="create")
def demo_cli(
    db: Database,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same data.")
    ] = 2015,
    scale: Annotated[int, typer.Option(min=1, help="Multiply the amount of fieldwork.")] = 1,
) -> None:
    """Write realistic synthetic fieldwork (several inspectors, 43 forces) into a database,
    creating it if needed: the four fieldwork instruments (call listening, front desk, MARAC,
    case files), a data return from every force (one inconsistent, one outlier, one open
    query) and 460 practitioner survey responses. It writes no PCC checklist reviews."""
    from fieldkit.demo import write_demo

    path = db.path
    started = time.perf_counter()
    with db.open(inspector="demo") as store:
        summary = write_demo(store, seed=seed, scale=scale)
        counts = store.counts()
    took = time.perf_counter() - started
    parts = ", ".join(f"{n} {k}" for k, n in summary.items())
    out.print(
        f"{path}: {parts}; {counts['records']} records, {counts['answers']} answers "
        f"in the database ({took:.1f}s)"
    )
