"""`fieldkit checklists ...`: the instruments. list and show (shipped, and installed in the
database), and import / export / diff for instruments designed in a spreadsheet (XLSForm)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from fieldkit.cli.base import app, command, fail, out
from fieldkit.cli.database import Database
from fieldkit.cli.output import SafeTable, emit_json, line

if TYPE_CHECKING:
    from fieldkit.checklists.diff import Change as DiffChange
    from fieldkit.store import Store

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


@command("list", parent=checklists_app, db="optional")
def checklists_list(store: Store | None, json_: bool) -> None:
    """List the checklists fieldkit ships and those installed in the database."""
    from fieldkit.checklists import dashboard_order
    from fieldkit.checklists.outline import sizes
    from fieldkit.instruments import known

    rows = [sizes(c) for c in dashboard_order(known(store).values())]
    if json_:
        emit_json(rows)
        return
    t = SafeTable("id", "version", "title", "sections", "items")
    for r in rows:
        t.add_row(r["id"], str(r["version"]), r["title"], str(r["sections"]), str(r["items"]))
    out.print(t)


@command("show", parent=checklists_app, db="optional")
def checklists_show(
    checklist_id: Annotated[str, typer.Argument(metavar="ID", help="Checklist id.")],
    store: Store | None,
    json_: bool,
) -> None:
    """Show one checklist's sections and items (as installed in the database, else as
    shipped)."""
    from fieldkit.checklists.outline import item_flags, kind_text, section_heading
    from fieldkit.instruments import known_checklist

    c = known_checklist(checklist_id, store)
    if json_:
        emit_json(c.source)
        return
    line(f"[bold]{escape(c.title)}[/] ({c.id} v{c.version})")
    line(escape(c.description))
    if c.scope.when is not None:
        line(f"[dim]in scope when {escape(c.scope.rule)}[/]")
    for s in c.sections:
        line(f"\n[bold underline]{escape(section_heading(s))}[/]")
        for i in s.items:
            line(f"[bold cyan]{i.id}[/]  [green]{escape(kind_text(i))}[/]")
            line(f"    {escape(i.prompt)}")
            for f in item_flags(i):
                line(f"    [dim]{escape(f)}[/]")


@command("import", parent=checklists_app, db="create")
def checklists_import(
    form: Annotated[Path, typer.Argument(metavar="FORM.xlsx", help="An XLSForm workbook.")],
    db: Database,
    language: LanguageOption = None,
    media: Annotated[
        Path | None,
        typer.Option(
            "--media",
            help="A folder its choice files (select_one_from_file) may be in, besides the"
            " form's own and FORM-media/.",
            show_default=False,
        ),
    ] = None,
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

    if media is not None and not media.is_dir():
        raise fail(f"--media {media}: not a folder", 2)
    imported = read_xlsform(form, language=language, media=media)  # refuse before any write
    path = db.path
    with db.open() as store:
        result = install(store, imported.checklist, accept_breaking=accept_breaking)
    c = result.checklist
    form_version = imported.checklist.version
    for notice in imported.notices:
        line(f"[dim]note: {escape(notice)}[/]")
    lang = f", labels in {imported.language}" if imported.language else ""
    if result.status == "already installed":
        out.print(f"{c.id} v{c.version} is already installed in {path}; nothing to do")
        return
    line(
        f"installed {c.id} v{c.version} ({escape(c.title)}): {len(c.sections)} sections, "
        f"{len(c.items)} items{lang} into {path}"
    )
    if result.files:
        line(
            f"the choices of {escape(', '.join(result.files))} came: v{form_version} is"
            f" installed again as v{c.version}"
        )
    if result.previous is not None:
        out.print(f"changes from v{result.previous}:")
        _changes(result.changes)


def _changes(changes: list[DiffChange]) -> None:
    for change in changes:
        line("  " + escape(change.line()))


@command("export", parent=checklists_app, db="optional")
def checklists_export(
    checklist_id: Annotated[str, typer.Argument(metavar="ID", help="Checklist id (ID@VERSION).")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    db: Database,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="xlsx (an XLSForm to edit in Excel) or xform (the XML ODK Collect and"
            " Enketo fill, made by pyxform).",
        ),
    ] = "xlsx",
) -> None:
    """Write a checklist as an XLSForm workbook to edit in Excel and import again, or as
    an XForm for ODK Collect or Enketo (their answers come back with `fieldkit import`)."""
    from fieldkit.checklists.xlsform_write import write_xform, write_xlsform
    from fieldkit.instruments import resolve

    if format_ not in ("xlsx", "xform"):
        raise fail(f"--format {format_!r}: use xlsx or xform", 2)
    suffix = ".xlsx" if format_ == "xlsx" else ".xml"
    if out_path.suffix.lower() != suffix:
        raise fail(f"{out_path}: the {format_} file must end in {suffix}", 2)
    with db.open_if_any() as store:
        checklist = resolve(checklist_id, store)
    (write_xlsform if format_ == "xlsx" else write_xform)(checklist, out_path)
    out.print(f"wrote {checklist.id} v{checklist.version} to {out_path}")


@command("diff", parent=checklists_app, db="optional")
def checklists_diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="A file, or ID / ID@VERSION.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="A file, or ID / ID@VERSION.")],
    db: Database,
    language: LanguageOption = None,
    *,
    json_: bool,
) -> None:
    """What NEW changes from OLD: items added, removed and renamed, prompts, kinds,
    choices, rules; with --db, how many stored answers each change touches. Exits 1 when
    a change is breaking (a kind change, or a removed item or choice with answers)."""
    from fieldkit.instruments import compare_refs

    with db.open_if_any(required=True) if db.given else nullcontext() as store:
        found = compare_refs(old, new, store, language=language)
    a, b, broken = found.old, found.new, found.breaking
    if json_:
        emit_json(found.as_dict())
    else:
        n = len(found.changes)
        line(f"{a.id} v{a.version} -> {b.id} v{b.version}: {n} change{'s' if n != 1 else ''}")
        _changes(found.changes)
        if broken:
            out.print(f"{len(broken)} breaking change{'s' if len(broken) != 1 else ''}")
    if broken:
        raise typer.Exit(1)
