"""Reporting commands: report evidence / scales / coverage, targets, serve, export xlsx."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fieldkit.cli.base import DbOption, app, command, fail, out
from fieldkit.errors import BadInput
from fieldkit.paths import resolve_db
from fieldkit.store import Store

report_app = typer.Typer(
    help="Findings by the Table 2 rule: final records only, NA left out, pooled, half up.",
    no_args_is_help=True,
)
targets_app = typer.Typer(help="Sample targets for the team (coverage).", no_args_is_help=True)
export_app = typer.Typer(help="Export the findings and the data.", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(targets_app, name="targets")
app.add_typer(export_app, name="export")

ChecklistOption = Annotated[
    str | None, typer.Option("--checklist", "-c", help="Only this checklist.", show_default=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output.")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="The figures as the change log stood at the end of DATE (UTC), e.g. 2015-06-30.",
        show_default=False,
    ),
]
ForceOption = Annotated[
    str | None, typer.Option("--force", "-f", help="Only this force.", show_default=False)
]

SCOPE_TITLES = {
    (True, "case_file_review"): "DA-flagged files in rape, serious violence and ABH",
    (False, "case_file_review"): "files outside the DA analysis (burglary, or not DA)",
}


def _emit_json(rows: Any) -> None:
    typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))


def _titles(store: Store) -> dict[str, str]:
    return dict(store.conn.execute("SELECT id, title FROM checklists ORDER BY version"))


def _caption(store: Store, checklist: str | None) -> str:
    from fieldkit.report import not_counted

    left = not_counted(store.conn, checklist)
    return (
        "Final, non-deleted records, one per natural key. Not applicable left out of both "
        "counts; pooled across forces; rounded half up. Not counted: "
        f"{left['drafts']} draft(s), {left['duplicates']} duplicate(s)."
    )


def _wide_enough() -> bool:
    """Room for the question text beside the numbers (else the item id alone)."""
    return out.width >= 110


def _by(by: str | None) -> bool:
    if by is None:
        return False
    if by != "force":
        raise BadInput(f"--by takes 'force', not {by!r}")
    return True


@command("evidence", parent=report_app)
def report_evidence(
    db: DbOption = None,
    checklist: ChecklistOption = None,
    by: Annotated[
        str | None, typer.Option("--by", help="'force': a row per force.", show_default=False)
    ] = None,
    force: ForceOption = None,
    as_of: AsOfOption = None,
    excluded: Annotated[
        bool,
        typer.Option(
            "--excluded",
            help="Case files outside the DA analysis (burglary, not DA) instead.",
        ),
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Every yes/no item: applicable, completed and percent ("77% (305 of 395)")."""
    _evidence(db, checklist, by, force, excluded, json_, as_of)


def _evidence(
    db: Path | None,
    checklist: str | None,
    by: str | None,
    force: str | None,
    excluded: bool,
    json_: bool,
    as_of: str | None = None,
) -> None:
    from fieldkit.report import evidence

    by_force = _by(by)
    with Store.open(resolve_db(db), readonly=True, as_of=as_of) as store:
        rows = evidence(
            store.conn,
            checklist=checklist,
            by_force=by_force,
            force=force,
            in_scope=not excluded,
        )
        if json_:
            _emit_json([{**r, "log_digest": d} for d in [store.log_digest()] for r in rows])
            return
        titles = _titles(store)
        caption = _caption(store, checklist)
    if not rows:
        out.print("No counted records yet.")
        return
    wide = _wide_enough()
    for cid in dict.fromkeys(r["checklist_id"] for r in rows):
        part = [r for r in rows if r["checklist_id"] == cid]
        scope = SCOPE_TITLES.get((not excluded, cid), "")
        files = max((r["files"] for r in part), default=0)
        title = f"{titles.get(cid, cid)}"
        if not (by_force or force):
            title += f": {files} record(s)" + (f", {scope}" if scope else "")
        elif scope:
            title += f": {scope}"
        t = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        if by_force or force:
            t.add_column("force", no_wrap=True)
        t.add_column("item", no_wrap=True, min_width=max(len(r["item_id"]) for r in part))
        if wide:
            t.add_column("question", ratio=1, min_width=10)
        for name, width in (
            ("applicable", 10),
            ("completed", 9),
            ("%", 18),
            ("n/a", 4),
            ("blank", 5),
        ):
            t.add_column(name, justify="right", no_wrap=True, min_width=width)
        for r in part:
            cells = [r["force"]] if (by_force or force) else []
            cells += [
                r["item_id"],
                *([r["question"]] if wide else []),
                str(r["applicable"]),
                str(r["completed"]),
                r["label"],
                str(r["not_applicable"]),
                "" if r["blank"] is None else str(r["blank"]),
            ]
            t.add_row(*cells)
        out.print(t)


@command("scales", parent=report_app)
def report_scales(
    db: DbOption = None,
    checklist: ChecklistOption = None,
    by: Annotated[
        str | None, typer.Option("--by", help="'force': a row per force.", show_default=False)
    ] = None,
    force: ForceOption = None,
    json_: JsonOption = False,
) -> None:
    """Every 1-4 scale item: how many scored, the mean, and the share scoring 3 or more."""
    _scales(db, checklist, by, force, json_)


def _scales(
    db: Path | None, checklist: str | None, by: str | None, force: str | None, json_: bool
) -> None:
    from fieldkit.report import scales

    by_force = _by(by)
    with Store.open(resolve_db(db), readonly=True) as store:
        rows = scales(store.conn, checklist=checklist, by_force=by_force, force=force)
        titles = _titles(store)
    if json_:
        _emit_json(rows)
        return
    if not rows:
        out.print("No scored records yet.")
        return
    wide = _wide_enough()
    for cid in dict.fromkeys(r["checklist_id"] for r in rows):
        t = Table(
            title=f"{titles.get(cid, cid)}: scale items (3 = adequate, 4 = good)",
            title_justify="left",
        )
        part = [r for r in rows if r["checklist_id"] == cid]
        if by_force or force:
            t.add_column("force", no_wrap=True)
        t.add_column("item", no_wrap=True, min_width=max(len(r["item_id"]) for r in part))
        if wide:
            t.add_column("question", ratio=1, min_width=10)
        for name, width in (("scored", 6), ("mean", 4), ("3 or more", 18), ("n/a", 4)):
            t.add_column(name, justify="right", no_wrap=True, min_width=width)
        for r in part:
            cells = [r["force"]] if (by_force or force) else []
            cells += [
                r["item_id"],
                *([r["question"]] if wide else []),
                str(r["scored"]),
                r["mean"],
                r["label"],
                str(r["not_applicable"]),
            ]
            t.add_row(*cells)
        out.print(t)


@command("coverage", parent=report_app)
def report_coverage(
    db: DbOption = None,
    force: ForceOption = None,
    checklist: ChecklistOption = None,
    json_: JsonOption = False,
) -> None:
    """Records done per force, checklist and stratum against the sample targets."""
    _coverage(db, force, checklist, json_)


def _coverage(db: Path | None, force: str | None, checklist: str | None, json_: bool) -> None:
    from fieldkit.report import coverage
    from fieldkit.report.findings import check_checklist

    with Store.open(resolve_db(db), readonly=True) as store:
        check_checklist(store.conn, checklist)
        rows = [
            r
            for r in coverage(store.conn, force=force)
            if not checklist or r["checklist_id"] == checklist
        ]
        titles = _titles(store)
    if json_:
        _emit_json(rows)
        return
    t = Table(
        title="Coverage: counted (final) records against targets",
        title_justify="left",
        caption="Target '-' = as recorded. Drafts are not counted until final.",
        caption_justify="left",
    )
    for name in ("force", "checklist", "stratum"):
        t.add_column(name, overflow="ellipsis")
    for name in ("final", "target", "to do", "drafts"):
        t.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        short = r["remaining"]
        t.add_row(
            r["force_name"] or r["force_code"],
            titles.get(r["checklist_id"], r["checklist_id"]),
            r["stratum"].replace("_", " "),
            str(r["final"]),
            "-" if r["target"] is None else str(r["target"]),
            "" if short is None else ("[green]done[/]" if short == 0 else str(short)),
            str(r["drafts"]) if r["drafts"] else "",
        )
    out.print(t)


# ------------------------------------------------------------------------------ targets
@command("set", parent=targets_app)
def targets_set(
    checklist: Annotated[str, typer.Argument(metavar="CHECKLIST", help="Checklist id.")],
    n: Annotated[int, typer.Argument(metavar="N", help="Target number of final records.")],
    stratum: Annotated[
        str,
        typer.Option(help="Stratum, e.g. an offence category for case files (default: each)."),
    ] = "",
    force: Annotated[str, typer.Option(help="Force code or name; '*' = every force.")] = "*",
    db: DbOption = None,
) -> None:
    """Set a sample target. A force-specific target wins over '*' (every force)."""
    _targets_set(checklist, n, stratum, force, db)


def _targets_set(checklist: str, n: int, stratum: str, force: str, db: Path | None) -> None:
    from fieldkit.report.sampling import check_target

    if n < 0:
        raise BadInput("a target is a number of 0 or more")
    with Store.open(resolve_db(db)) as store:
        check_target(store.conn, checklist, stratum)
        store.set_target(checklist, n, stratum=stratum, force=force)
    where = "every force" if force == "*" else force
    what = f"{stratum.replace('_', ' ')} " if stratum else ""
    out.print(f"target set: {n} {what}{checklist} record(s) for {where}")


@command("clear", parent=targets_app)
def targets_clear(
    checklist: Annotated[str, typer.Argument(metavar="CHECKLIST", help="Checklist id.")],
    stratum: Annotated[str, typer.Option(help="Stratum the target was set for.")] = "",
    force: Annotated[str, typer.Option(help="Force code or name; '*' = every force.")] = "*",
    db: DbOption = None,
) -> None:
    """Take a target back out: the broader target, else the default, applies again."""
    from fieldkit.report.sampling import check_target

    with Store.open(resolve_db(db)) as store:
        check_target(store.conn, checklist, stratum)
        cleared = store.clear_target(checklist, stratum=stratum, force=force)
    where = "every force" if force == "*" else force
    what = f"{stratum.replace('_', ' ')} " if stratum else ""
    if not cleared:
        raise fail(f"no target is set for {what}{checklist} at {where}", 1)
    out.print(f"target cleared: {what}{checklist} for {where}")


@command("list", parent=targets_app)
def targets_list(db: DbOption = None, json_: JsonOption = False) -> None:
    """The targets set, and the defaults where none is set."""
    _targets_list(db, json_)


def _targets_list(db: Path | None, json_: bool) -> None:
    from fieldkit.report import targets

    with Store.open(resolve_db(db), readonly=True) as store:
        rows = targets(store.conn)
    if json_:
        _emit_json(rows)
        return
    t = Table("checklist", "stratum", "force", "target", "source", title="Sample targets")
    for r in rows:
        t.add_row(
            r["checklist_id"],
            r["stratum"] or "(all)",
            r["force_code"],
            str(r["target"]),
            r["source"],
        )
    out.print(t)


# -------------------------------------------------------------------------------- serve
@command("serve")
def serve_cli(
    db: Annotated[
        list[Path] | None,
        typer.Option(
            "--db",
            help="Database file(s) to serve (repeatable). Default: as for other commands.",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8001,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Allow a non-loopback --host. Needs a password: $FIELDKIT_SERVE_PASSWORD "
            "or a prompt. Everyone must then log in.",
        ),
    ] = False,
) -> None:
    """Browse the databases in Datasette (read-only), with fieldkit's descriptions, canned
    queries and facets."""
    from fieldkit.datasette import serve

    paths = db or [resolve_db(None)]
    password = None
    if not serve.is_loopback(host):
        if not public:
            raise fail(
                f"refusing to serve on {host}: that is reachable from other machines. "
                "Use --public (with a password) if you mean it, or leave --host out.",
                2,
            )
        password = os.environ.get("FIELDKIT_SERVE_PASSWORD") or None
        if password is None and sys.stdin.isatty():
            password = typer.prompt(
                "Password for the 'fieldkit' account", hide_input=True, confirmation_prompt=True
            )
        if not password:
            raise fail(
                "--public needs a password: set FIELDKIT_SERVE_PASSWORD or run interactively", 2
            )
        if len(password) < 10:
            raise fail("the password must be at least 10 characters", 2)
    ds = serve.make_datasette(paths, password=password)
    out.print(
        f"serving {', '.join(str(p) for p in paths)} read-only at "
        f"http://{host}:{port}/ (Ctrl+C stops)" + ("; log in as 'fieldkit'" if password else "")
    )
    serve.run(ds, host=host, port=port)


# ------------------------------------------------------------------------------- export
@command("xlsx", parent=export_app)
def export_xlsx_cli(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The .xlsx file to write.", show_default=False)
    ],
    db: DbOption = None,
    redact: Annotated[
        bool, typer.Option(help="Leave out free text, notes and subject references.")
    ] = False,
    force: ForceOption = None,
    overwrite: Annotated[bool, typer.Option(help="Replace the file if it exists.")] = False,
    as_of: AsOfOption = None,
) -> None:
    """A workbook a report writer can use as it is: Summary (Table 2 shape), By force, one
    wide sheet per checklist, Answers, Notes, Conflicts and About."""
    _export_xlsx(out_file, db, redact, force, overwrite, as_of)


def _export_xlsx(
    out_file: Path,
    db: Path | None,
    redact: bool,
    force: str | None,
    overwrite: bool,
    as_of: str | None = None,
) -> None:
    from fieldkit.export import export_xlsx

    if out_file.suffix.lower() != ".xlsx":
        raise BadInput(f"{out_file}: the output file must end in .xlsx")
    if out_file.exists() and not overwrite:
        raise BadInput(f"{out_file}: already exists (use --overwrite to replace it)")
    path = resolve_db(db)
    with Store.open(path, readonly=True, as_of=as_of) as store:
        summary = export_xlsx(store, out_file, redact=redact, force=force)
    sheets = ", ".join(f"{name} ({n})" for name, n in summary.items())
    out.print(f"wrote {out_file}: {sheets}")
