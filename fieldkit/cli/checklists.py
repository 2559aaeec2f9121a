"""`fieldkit checklists ...`: the instruments. list and show (shipped, and installed in the
database), and import / export / diff for instruments designed in a spreadsheet (XLSForm)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from fieldkit.checklists import Checklist, dashboard_order, load_all
from fieldkit.checklists.model import KIND_LABELS
from fieldkit.cli.base import app, command, fail, out
from fieldkit.cli.options import DbOption, JsonOption, open_store
from fieldkit.cli.output import Table, emit_json
from fieldkit.paths import resolve_db

checklists_app = typer.Typer(help="The checklist definitions (instruments).", no_args_is_help=True)
app.add_typer(checklists_app, name="checklists")

LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="Which label::Language columns to use (default: the form's default_language, "
        "else the first).",
        show_default=False,
    ),
]


def _known_checklists(db: Path | None) -> dict[str, Checklist]:
    """The shipped checklists, and (when the database exists) the ones installed in it,
    which win: the latest installed version of each."""
    from fieldkit.checklists import installed

    known = dict(load_all())
    path = resolve_db(db)
    if path.exists():
        with open_store(path) as store:
            for c in installed(store.conn):
                known[c.id] = c
    return known


@command("list", parent=checklists_app)
def checklists_list(
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """List the checklists fieldkit ships and those installed in the database."""
    rows = [
        {
            "id": c.id,
            "version": c.version,
            "title": c.title,
            "sections": len(c.sections),
            "items": len(c.items),
        }
        for c in dashboard_order(_known_checklists(db).values())
    ]
    if json_:
        emit_json(rows)
        return
    t = Table("id", "version", "title", "sections", "items")
    for r in rows:
        t.add_row(r["id"], str(r["version"]), r["title"], str(r["sections"]), str(r["items"]))
    out.print(t)


@command("show", parent=checklists_app)
def checklists_show(
    checklist_id: Annotated[str, typer.Argument(metavar="ID", help="Checklist id.")],
    db: DbOption = None,
    json_: JsonOption = False,
) -> None:
    """Show one checklist's sections and items (as installed in the database, else as
    shipped)."""
    all_ = _known_checklists(db)
    if checklist_id not in all_:
        raise fail(f"unknown checklist {checklist_id!r} (known: {', '.join(sorted(all_))})", 2)
    c = all_[checklist_id]
    if json_:
        emit_json(c.source)
        return
    out.print(f"[bold]{escape(c.title)}[/] ({c.id} v{c.version})", highlight=False)
    out.print(escape(c.description), highlight=False)
    if c.scope.when is not None:
        out.print(f"[dim]in scope when {escape(c.scope.rule)}[/]", highlight=False)
    for s in c.sections:
        extra = f" (repeats per {s.repeat.key})" if s.repeat else ""
        extra += " (once per visit)" if s.scope == "visit" else ""
        out.print(f"\n[bold underline]{escape(s.title + extra)}[/]", highlight=False)
        for i in s.items:
            kind = KIND_LABELS[i.kind]
            if i.choices:
                kind += ": " + ", ".join(ch.code for ch in i.choices)
            flags = []
            if not i.required and i.answerable:
                flags.append("optional")
            if i.na:
                flags.append(f"n/a when: {i.na}")
            if i.has_rule:
                flags.append(f"auto n/a when {i.rule_text()}")
            if i.formula:
                flags.append(f"computed: {i.formula}")
            if i.minimum is not None or i.maximum is not None:
                flags.append(
                    f"range {i.minimum if i.minimum is not None else '…'} to "
                    f"{i.maximum if i.maximum is not None else '…'}"
                )
            out.print(f"[bold cyan]{i.id}[/]  [green]{escape(kind)}[/]", highlight=False)
            out.print(f"    {escape(i.prompt)}", highlight=False)
            for f in flags:
                out.print(f"    [dim]{escape(f)}[/]", highlight=False)


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
    with open_store(path, create=True) as store:
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
        with open_store(path) as store:
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
    json_: JsonOption = False,
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
        store = open_store(path)
    try:
        a = resolve(old, store, language=language)
        b = resolve(new, store, language=language)
        changes = compare(a, b, store)
    finally:
        if store is not None:
            store.close()
    broken = [c for c in changes if c.breaking]
    if json_:
        emit_json(
            {
                "old": {"id": a.id, "version": a.version},
                "new": {"id": b.id, "version": b.version},
                "breaking": bool(broken),
                "changes": [c.as_dict() for c in changes],
            }
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
