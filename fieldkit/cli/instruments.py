"""`fieldkit checklists import / export / diff`: instruments designed in a spreadsheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fieldkit.cli.base import DbOption, command, fail, out
from fieldkit.cli.core import checklists_app
from fieldkit.paths import resolve_db
from fieldkit.store import Store

LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="Which label::Language columns to use (default: the form's default_language, "
        "else the first).",
        show_default=False,
    ),
]


@command("import", parent=checklists_app)
def checklists_import(
    form: Annotated[Path, typer.Argument(metavar="FORM.xlsx", help="An XLSForm workbook.")],
    db: DbOption = None,
    language: LanguageOption = None,
    accept_breaking: Annotated[
        bool,
        typer.Option(
            "--accept-breaking",
            help="Install a version that removes answered items or choices, or changes a kind.",
        ),
    ] = False,
) -> None:
    """Install an XLSForm (survey, choices, settings sheets) into the database as a
    versioned checklist: a logged change that merges like any other. A breaking new
    version is refused unless --accept-breaking; old answers stay under their version."""
    from fieldkit.checklists.xlsform_read import read_xlsform
    from fieldkit.instruments import install

    imported = read_xlsform(form, language=language)  # refuse a bad form before any write
    path = resolve_db(db)
    with Store.open(path, create=True) as store:
        result = install(store, imported.checklist, accept_breaking=accept_breaking)
    c = result.checklist
    for notice in imported.notices:
        out.print(f"[dim]note: {escape(notice)}[/]", highlight=False)
    lang = f", labels in {imported.language}" if imported.language else ""
    if result.status == "already installed":
        out.print(f"{c.id} v{c.version} is already installed in {path}; nothing to do")
        return
    out.print(
        f"installed {c.id} v{c.version} ({escape(c.title)}): {len(c.sections)} sections, "
        f"{len(c.items)} items{lang} into {path}",
        highlight=False,
    )
    if result.previous is not None:
        out.print(f"changes from v{result.previous}:")
        for change in result.changes:
            out.print("  " + escape(change.line()), highlight=False)


@command("export", parent=checklists_app)
def checklists_export(
    checklist_id: Annotated[str, typer.Argument(metavar="ID", help="Checklist id (ID@VERSION).")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The .xlsx file to write.")],
    db: DbOption = None,
) -> None:
    """Write a checklist as an XLSForm workbook to edit in Excel and import again."""
    from fieldkit.checklists.xlsform_write import write_xlsform
    from fieldkit.instruments import resolve

    if out_path.suffix.lower() != ".xlsx":
        raise fail(f"{out_path}: the XLSForm must be an .xlsx file", 2)
    path = resolve_db(db)
    if path.exists():
        with Store.open(path, readonly=True) as store:
            checklist = resolve(checklist_id, store)
    else:
        checklist = resolve(checklist_id, None)
    write_xlsform(checklist, out_path)
    out.print(f"wrote {checklist.id} v{checklist.version} to {out_path}")


@command("diff", parent=checklists_app)
def checklists_diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="A file, or ID / ID@VERSION.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="A file, or ID / ID@VERSION.")],
    db: DbOption = None,
    language: LanguageOption = None,
    json_: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """What NEW changes from OLD: items added, removed and renamed, prompts, kinds,
    choices, rules; with --db, how many stored answers each change touches. Exits 1 when
    a change is breaking (a kind change, or a removed item or choice with answers)."""
    from fieldkit.instruments import compare, resolve

    store = None
    if db is not None:
        path = resolve_db(db)
        if not path.exists():
            raise fail(f"{path}: no such database", 2)
        store = Store.open(path, readonly=True)
    try:
        a = resolve(old, store, language=language)
        b = resolve(new, store, language=language)
        changes = compare(a, b, store)
    finally:
        if store is not None:
            store.close()
    broken = [c for c in changes if c.breaking]
    if json_:
        typer.echo(
            json.dumps(
                {
                    "old": {"id": a.id, "version": a.version},
                    "new": {"id": b.id, "version": b.version},
                    "breaking": bool(broken),
                    "changes": [c.as_dict() for c in changes],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        out.print(
            f"{a.id} v{a.version} -> {b.id} v{b.version}: {len(changes)} changes", highlight=False
        )
        for change in changes:
            out.print("  " + escape(change.line()), highlight=False)
        if broken:
            out.print(f"{len(broken)} breaking change{'s' if len(broken) != 1 else ''}")
    if broken:
        raise typer.Exit(1)
