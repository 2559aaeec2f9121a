"""Reporting commands: report evidence / scales / coverage, targets, serve, export xlsx."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fieldkit.cli.base import app, command, fail, out
from fieldkit.cli.database import Database
from fieldkit.cli.options import (
    ChecklistIdOption,
    ChecklistOption,
    ForceOption,
    OverwriteOption,
    ToOption,
)
from fieldkit.cli.output import SafeTable, emit_json, export_progress, present, warn
from fieldkit.errors import BadInput
from fieldkit.files import check_output

if TYPE_CHECKING:
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

MinBaseOption = Annotated[
    int,
    typer.Option(
        "--min-base",
        min=1,
        help="A force's item with fewer applicable records is too small to call (never flagged).",
    ),
]
ChecklistArg = Annotated[str, typer.Argument(metavar="CHECKLIST", help="Checklist id.")]
TargetForceOption = Annotated[str, typer.Option(help="Force code or name; '*' = every force.")]
IdsOption = Annotated[
    bool, typer.Option("--ids", help="Show each question's item id beside its text.")
]


@command("evidence", parent=report_app, db="read")
def report_evidence(
    store: Store,
    checklist: ChecklistOption = None,
    *,
    by_force: bool,
    force: ForceOption = None,
    as_of: str | None,
    excluded: Annotated[
        bool,
        typer.Option(
            "--excluded",
            help="Records outside the checklist's scope (case files: burglary, not DA) instead.",
        ),
    ] = False,
    ids: IdsOption = False,
    fmt: str,
) -> None:
    """Every yes/no question: completed of applicable ("77% (305 of 395)"), by section."""
    from fieldkit.report.tables import evidence_report

    shown = evidence_report(
        store.conn,
        checklist=checklist,
        by_force=by_force,
        force=force,
        in_scope=not excluded,
        ids=ids,
        as_data=fmt == "json",
    )
    present(shown, fmt)


@command("summary", parent=report_app, db="read")
def report_summary(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAME]",
            help="A summary table a checklist defines (e.g. table2). Default: every one.",
            show_default=False,
        ),
    ] = None,
    *,
    store: Store,
    force: ForceOption = None,
    by_force: bool,
    as_of: str | None,
    ids: IdsOption = False,
    fmt: str,
) -> None:
    """A named summary table in the shape the report printed it (Table 2: evidence, number
    of applicable cases out of the files in scope, % of applicable files completed);
    `--by force`: a row per force and item, against the rest of England and Wales."""
    from fieldkit.report.tables import summary_report

    shown = summary_report(
        store.conn, name, force=force, ids=ids, as_data=fmt == "json", by_force=by_force
    )
    present(shown, fmt)


@command("force", parent=report_app, db="read")
def report_force(
    force: Annotated[str, typer.Argument(metavar="CODE", help="Force code or name.")],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The .html file to write.", show_default=False)
    ],
    db: Database,
    overwrite: OverwriteOption = False,
    full: Annotated[
        bool, typer.Option("--full", help="Add every item's table as an appendix.")
    ] = False,
    min_base: MinBaseOption = 10,
) -> None:
    """A force briefing: one self-contained printable HTML page (A4, four pages at most
    without --full): where the force differs from the rest of England and Wales beyond
    chance, Table 2 against the rest, coverage, open recommendations, action-plan RAG;
    charts inline, nothing fetched from the network."""
    from fieldkit.report.briefing import write_briefing

    check_output(out_file, (".html", ".htm"), overwrite=overwrite)
    with db.open() as store:
        write_briefing(
            store.conn, force, out_file, source=db.path.name, full=full, min_base=min_base
        )
    out.print(f"wrote {out_file}")


@command("scales", parent=report_app, db="read")
def report_scales(
    store: Store,
    checklist: ChecklistOption = None,
    *,
    by_force: bool,
    force: ForceOption = None,
    ids: IdsOption = False,
    fmt: str,
) -> None:
    """Every 1-4 scale question: how many scored, the mean, and the share scoring 3 or more."""
    from fieldkit.report.tables import scales_report

    shown = scales_report(
        store.conn,
        checklist=checklist,
        by_force=by_force,
        force=force,
        ids=ids,
        as_data=fmt == "json",
    )
    present(shown, fmt)


@command("coverage", parent=report_app, db="read")
def report_coverage(
    store: Store,
    force: ForceOption = None,
    checklist: ChecklistOption = None,
    *,
    fmt: str,
) -> None:
    """Records done per force, checklist and stratum against the sample targets."""
    from fieldkit.report.tables import coverage_report

    shown = coverage_report(store.conn, force=force, checklist=checklist, as_data=fmt == "json")
    present(shown, fmt)


# ------------------------------------------------------------------------------ targets
@command("set", parent=targets_app, db="write")
def targets_set(
    checklist: ChecklistArg,
    n: Annotated[int, typer.Argument(metavar="N", help="Target number of final records.")],
    stratum: Annotated[
        str,
        typer.Option(help="Stratum, e.g. an offence category for case files (default: each)."),
    ] = "",
    force: TargetForceOption = "*",
    *,
    db: Database,
) -> None:
    """Set a sample target. A force-specific target wins over '*' (every force)."""
    from fieldkit.report.sampling import set_target

    if n < 0:
        raise BadInput("a target is a number of 0 or more")
    with db.open() as store:
        set_target(store, checklist, n, stratum=stratum, force=force)
    out.print(f"target set: {n} {_target(checklist, stratum)} record(s) for {_where(force)}")


@command("clear", parent=targets_app, db="write")
def targets_clear(
    checklist: ChecklistArg,
    stratum: Annotated[str, typer.Option(help="Stratum the target was set for.")] = "",
    force: TargetForceOption = "*",
    *,
    store: Store,
) -> None:
    """Take a target back out: the broader target, else the default, applies again."""
    from fieldkit.report.sampling import clear_target

    cleared = clear_target(store, checklist, stratum=stratum, force=force)
    if not cleared:
        raise fail(f"no target is set for {_target(checklist, stratum)} at {_where(force)}", 1)
    out.print(f"target cleared: {_target(checklist, stratum)} for {_where(force)}")


def _target(checklist: str, stratum: str) -> str:
    return f"{stratum.replace('_', ' ')} {checklist}" if stratum else checklist


def _where(force: str) -> str:
    return "every force" if force == "*" else force


@command("list", parent=targets_app, db="read")
def targets_list(store: Store, json_: bool) -> None:
    """The targets set, and the defaults where none is set."""
    from fieldkit.report import targets

    rows = targets(store.conn)
    if json_:
        emit_json(rows)
        return
    t = SafeTable("checklist", "stratum", "force", "target", "source", title="Sample targets")
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
@command("serve", db="many")
def serve_cli(
    db: list[Path],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8001,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Allow a non-loopback --host. Needs a password of 12 characters or more: "
            "$FIELDKIT_SERVE_PASSWORD or a prompt. Everyone must then log in (/-/login), "
            "on any host (127.0.0.1 too, e.g. behind a reverse proxy).",
        ),
    ] = False,
) -> None:
    """Browse the databases in Datasette (read-only), with fieldkit's descriptions, canned
    queries and facets."""
    from fieldkit.datasette import serve

    paths = db
    # a password given (--public, or $FIELDKIT_SERVE_PASSWORD) means a login, whatever the
    # host: behind a reverse proxy on this machine, 127.0.0.1 is the whole network
    given = public or bool(os.environ.get("FIELDKIT_SERVE_PASSWORD"))
    password = _password(host, public) if given or not serve.is_loopback(host) else None
    ds = serve.make_datasette(paths, password=password)
    sock = serve.bind(host, port)  # a busy port is one line, before anything is printed
    out.print(
        f"serving {', '.join(str(p) for p in paths)} read-only at {serve.url(sock)} "
        "(Ctrl+C stops)" + ("; log in at /-/login" if password else ""),
        markup=False,
    )
    serve.run(ds, sock)


def _password(host: str, public: bool) -> str:
    """The password `serve --public` needs on a non-loopback host (refused without
    --public, or when none is given): $FIELDKIT_SERVE_PASSWORD, else a prompt on a
    terminal; checked before anything is served."""
    from fieldkit.datasette import serve

    if not public and not serve.is_loopback(host):
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
        raise fail("--public needs a password: set FIELDKIT_SERVE_PASSWORD or run interactively", 2)
    serve.check_password(password)
    return password


# ------------------------------------------------------------------------------- export
@command("xlsx", parent=export_app, db="read")
def export_xlsx_cli(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The .xlsx file to write.", show_default=False)
    ],
    db: Database,
    redact: Annotated[
        bool, typer.Option(help="Leave out free text, notes and subject references.")
    ] = False,
    force: ForceOption = None,
    overwrite: OverwriteOption = False,
    *,
    as_of: str | None,
    to: ToOption = None,
    data_file: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Put the data sheets (By force, a wide sheet per checklist, Answers, Notes, "
            "Conflicts) in this second .xlsx, so that printing --out prints the report only.",
            show_default=False,
        ),
    ] = None,
    attachments_dir: Annotated[
        Path | None,
        typer.Option(
            "--attachments",
            help="Also write the files the records' photo, audio, video and file answers "
            "hold into this folder (owner-only; one file per answer, named record-item-name).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """A workbook a report writer can print as it is: Summary (a table per instrument),
    Table 2 (the report's shape), Charts, By force, one wide sheet per checklist, Answers,
    Notes, Conflicts and About. A progress bar on stderr."""
    from fieldkit.export import export_xlsx
    from fieldkit.export.attachments_out import write_attachments

    if attachments_dir is not None and redact:
        raise BadInput("--attachments with --redact: attached files cannot be redacted")
    if attachments_dir is not None and attachments_dir.exists() and not attachments_dir.is_dir():
        raise BadInput(f"--attachments {attachments_dir}: not a folder")
    from fieldkit.sealing import recipients, write_sealed

    check_output(out_file, (".xlsx",), overwrite=overwrite, sealed=bool(to))
    sealed_for = recipients(to or [])
    if data_file is not None:
        check_output(data_file, (".xlsx",), overwrite=overwrite)
        if data_file.resolve() == out_file.resolve():
            raise BadInput("--data must name another file than --out")
    unreadable: list[str] = []
    summary: dict[str, int] = {}
    with export_progress() as progress:
        if as_of:  # the log folded as of the day first: the bar runs meanwhile
            progress(f"the log as of {as_of}", 0, 0, 0)
        store = db.open()

        def write(path: Path) -> None:
            summary.update(
                export_xlsx(
                    store,
                    path,
                    redact=redact,
                    force=force,
                    progress=progress,
                    unreadable=unreadable,
                    data_out=data_file,
                )
            )

        with store:
            if sealed_for:
                write_sealed(out_file, sealed_for, write)
            else:
                write(out_file)
            files = (
                None
                if attachments_dir is None
                else write_attachments(store, attachments_dir, force)
            )
    out.print(f"wrote {out_file}: {', '.join(f'{name} ({n})' for name, n in summary.items())}")
    if files is not None:
        out.print(f"wrote {files} attached file(s) into {attachments_dir}", markup=False)
    if data_file is not None:
        out.print(f"the data sheets are in {data_file}", markup=False)
    if unreadable:
        shown = ", ".join(unreadable[:10]) + (", ..." if len(unreadable) > 10 else "")
        warn(
            [
                f"{len(unreadable)} binary value(s) the database holds where text or a number "
                f"belongs, written as '<binary, N bytes>': {shown}"
            ]
        )


@command("csv", parent=export_app, db="read")
def export_csv_cli(
    checklist: ChecklistIdOption,
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The .csv file to write.", show_default=False)
    ],
    db: Database,
    force: ForceOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """A checklist's records as the CSV `fieldkit import` reads (one row per record, one
    column per question, codes not labels), to correct in a spreadsheet and import back
    with --update. Not redacted: it holds what the import needs; written owner-only."""
    from fieldkit.export.records_csv import export_records_csv

    check_output(out_file, (".csv",), overwrite=overwrite)
    with db.open() as store:
        done = export_records_csv(store, checklist, out_file, force=force)
    left = [
        f"{done.copies} second cop{'y' if done.copies == 1 else 'ies'} of a record (the "
        "counted one written)"
    ] * bool(done.copies) + [f"{done.unkeyed} record(s) with no key to match them"] * bool(
        done.unkeyed
    )
    out.print(
        f"wrote {out_file}: {done.rows} record(s)"
        + (f"; left out {', '.join(left)}" if left else ""),
        markup=False,
    )
