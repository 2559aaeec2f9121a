"""Reporting commands: report evidence / scales / coverage, targets, serve, export xlsx."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from fieldkit.cli.base import app, command, fail, out
from fieldkit.cli.failures import err
from fieldkit.cli.options import (
    ByOption,
    ChecklistOption,
    DbOption,
    ForceOption,
    OverwriteOption,
    open_store,
    row_per_force,
)
from fieldkit.cli.output import Table, emit_json, output_format, show
from fieldkit.errors import BadInput
from fieldkit.paths import resolve_db
from fieldkit.report.figures import (
    EVIDENCE,
    SCALES,
    Figure,
    csv_figures,
    shown_figures,
    with_names,
)
from fieldkit.report.render import Column, Frame
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

JsonOption = Annotated[bool, typer.Option("--json", help="JSON output (= --format json).")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="The figures as the change log stood at the end of DATE (UTC), e.g. 2015-06-30.",
        show_default=False,
    ),
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="table (the terminal), csv (every figure in its own column), markdown or json.",
    ),
]
IdsOption = Annotated[
    bool, typer.Option("--ids", help="Show each question's item id beside its text.")
]


def _titles(store: Store) -> dict[str, str]:
    from fieldkit.report.definitions import titles

    return titles(store.conn)


def _caption(store: Store, checklist: str | None) -> str:
    from fieldkit.report import not_counted

    left = not_counted(store.conn, checklist)
    return (
        "Final, non-deleted records, one per natural key. Not applicable left out of both "
        "counts; pooled across forces; rounded half up. Not counted: "
        f"{left['drafts']} draft(s), {left['duplicates']} duplicate(s)."
    )


def _figure_frames(
    spec: tuple[Figure, ...],
    rows: list[dict[str, Any]],
    titles: dict[str, str],
    title: Callable[[str, list[dict[str, Any]]], str],
    per_force: bool,
    ids: bool,
    caption: str = "",
) -> list[Frame]:
    """Evidence or scale rows as one frame per checklist, the columns as the figures'
    specification gives them (fieldkit/report/figures.py)."""
    frames = []
    for cid in dict.fromkeys(r["checklist_id"] for r in rows):
        part = [
            {**r, "question_shown": _question(r, ids)}
            for r in with_names(rows, titles)
            if r["checklist_id"] == cid
        ]
        frames.append(
            Frame(
                title(cid, part),
                _columns(shown_figures(spec, per_force=per_force), shown=True),
                part,
                caption=caption,
                data=_columns(csv_figures(spec, per_force=per_force, ids=ids), shown=False),
                group=None if per_force else "section",
            )
        )
    return frames


def _question(r: dict[str, Any], ids: bool) -> str:
    return f"{r['question']} [{r['item_id']}]" if ids else r["question"]


def _of_all(r: dict[str, Any]) -> str:
    if r["percent_of_base"] is None:
        return ""
    unit = "" if r["repeat"] is None else f"\n{r['base_unit']}"
    return f"{r['percent_of_base']}% of {r['base']}{unit}"


def _columns(figures: list[Figure], *, shown: bool) -> list[Column]:
    """Report columns from the figures' specification: the terminal's headings, or the
    CSV's names (the question shows as `question_shown`: with its id under --ids)."""
    if not shown:
        return [Column(f.key, f.name or f.key, f.numeric) for f in figures]
    return [
        Column("question_shown" if f.wrap else f.key, f.shown or f.key, f.numeric, f.wrap)
        for f in figures
    ]


OF_ALL_NOTE = (
    "% of all: completed over every record in scope (the 2014 report's denominator); for "
    "questions asked per agency or per case, over the rows answered."
)


@command("evidence", parent=report_app)
def report_evidence(
    db: DbOption = None,
    checklist: ChecklistOption = None,
    by: ByOption = None,
    force: ForceOption = None,
    as_of: AsOfOption = None,
    excluded: Annotated[
        bool,
        typer.Option(
            "--excluded",
            help="Records outside the checklist's scope (case files: burglary, not DA) instead.",
        ),
    ] = False,
    ids: IdsOption = False,
    fmt: FormatOption = "table",
    json_: JsonOption = False,
) -> None:
    """Every yes/no question: completed of applicable ("77% (305 of 395)"), by section."""
    _evidence(db, checklist, by, force, excluded, ids, output_format(fmt, json_), as_of)


def _evidence(
    db: Path | None,
    checklist: str | None,
    by: str | None,
    force: str | None,
    excluded: bool,
    ids: bool,
    fmt: str,
    as_of: str | None = None,
) -> None:
    from fieldkit.report import evidence
    from fieldkit.report.definitions import scope_labels

    by_force = row_per_force(by)
    per_force = by_force or force is not None
    with open_store(db, as_of=as_of) as store:
        rows = evidence(
            store.conn,
            checklist=checklist,
            by_force=by_force,
            force=force,
            in_scope=not excluded,
        )
        if fmt == "json":
            emit_json([{**r, "log_digest": d} for d in [store.log_digest()] for r in rows])
            return
        titles = _titles(store)
        caption = _caption(store, checklist)
        scopes = scope_labels(store.conn)
    if not rows:
        out.print("No counted records yet.")
        return

    def title(cid: str, part: list[dict[str, Any]]) -> str:
        scope = scopes.get(cid, ("", ""))[1 if excluded else 0]
        files = max((r["files"] for r in part), default=0)
        if not per_force:
            return titles.get(cid, cid) + f": {files} record(s)" + (f", {scope}" if scope else "")
        return titles.get(cid, cid) + (f": {scope}" if scope else "")

    rows = [{**r, "of_all": _of_all(r)} for r in rows]
    frames = _figure_frames(EVIDENCE, rows, titles, title, per_force, ids, caption)
    if fmt == "table" and frames:
        frames[-1].notes = [OF_ALL_NOTE]
    show(frames, fmt)


SUMMARY_DATA = [
    Column("item_id", "item_id"),
    Column("question", "evidence"),
    Column("applicable", "applicable", True),
    Column("completed", "completed", True),
    Column("percent", "percent", True),
    Column("label", "label"),
    Column("not_applicable", "not_applicable", True),
    Column("blank", "blank", True),
]


@command("summary", parent=report_app)
def report_summary(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAME]",
            help="A summary table a checklist defines (e.g. table2). Default: every one.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    force: ForceOption = None,
    ids: IdsOption = False,
    fmt: FormatOption = "table",
    json_: JsonOption = False,
) -> None:
    """A named summary table in the shape the report printed it (Table 2: evidence, number
    of applicable cases out of the files in scope, % of applicable files completed)."""
    _summary(db, name, force, ids, output_format(fmt, json_))


def _summary(db: Path | None, name: str | None, force: str | None, ids: bool, fmt: str) -> None:
    from fieldkit.report.summary import find_summary, summary, summary_tables

    with open_store(db) as store:
        tables = [find_summary(store.conn, name)] if name else summary_tables(store.conn)
        if not tables:
            raise BadInput("no checklist in this database defines a summary table")
        found = [summary(store.conn, t, force=force) for t in tables]
        captions = {t.checklist_id: _caption(store, t.checklist_id) for t in tables}
    if fmt == "json":
        emit_json(found if name is None else found[0])
        return
    frames = []
    for s in found:
        rows = [{**r, "question_shown": _question(r, ids)} for r in s["rows"]]
        title = s["title"] + (f" ({rows[0]['force_name']})" if force and rows else "")
        frames.append(
            Frame(
                title,
                [
                    Column("question_shown", s["row_heading"], wrap=True),
                    Column("applicable", f"Number of applicable cases (out of {s['files']})", True),
                    Column("label", "% of applicable files where activity completed", True),
                ],
                rows,
                caption=captions[s["checklist_id"]],
                data=[c for c in SUMMARY_DATA if ids or c.key != "item_id"],
            )
        )
    show(frames, fmt)


@command("force", parent=report_app)
def report_force(
    force: Annotated[str, typer.Argument(metavar="CODE", help="Force code or name.")],
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="The .html file to write.", show_default=False)
    ],
    db: DbOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """A force briefing: one self-contained printable HTML page (Table 2 against national,
    the other instruments' findings, coverage, open recommendations, action-plan RAG),
    charts inline, nothing fetched from the network."""
    from fieldkit.report.briefing import write_briefing

    if out_file.suffix.lower() not in (".html", ".htm"):
        raise BadInput(f"{out_file}: the output file must end in .html")
    if out_file.exists() and not overwrite:
        raise BadInput(f"{out_file}: already exists (use --overwrite to replace it)")
    path = resolve_db(db)
    with open_store(path) as store:
        write_briefing(store.conn, force, out_file, source=path.name)
    out.print(f"wrote {out_file}")


@command("scales", parent=report_app)
def report_scales(
    db: DbOption = None,
    checklist: ChecklistOption = None,
    by: ByOption = None,
    force: ForceOption = None,
    ids: IdsOption = False,
    fmt: FormatOption = "table",
    json_: JsonOption = False,
) -> None:
    """Every 1-4 scale question: how many scored, the mean, and the share scoring 3 or more."""
    _scales(db, checklist, by, force, ids, output_format(fmt, json_))


def _scales(
    db: Path | None, checklist: str | None, by: str | None, force: str | None, ids: bool, fmt: str
) -> None:
    from fieldkit.report import scales

    by_force = row_per_force(by)
    per_force = by_force or force is not None
    with open_store(db) as store:
        rows = scales(store.conn, checklist=checklist, by_force=by_force, force=force)
        titles = _titles(store)
    if fmt == "json":
        emit_json(rows)
        return
    if not rows:
        out.print("No scored records yet.")
        return

    def title(cid: str, part: list[dict[str, Any]]) -> str:
        return f"{titles.get(cid, cid)}: scale questions (3 = adequate, 4 = good)"

    show(_figure_frames(SCALES, rows, titles, title, per_force, ids), fmt)


@command("coverage", parent=report_app)
def report_coverage(
    db: DbOption = None,
    force: ForceOption = None,
    checklist: ChecklistOption = None,
    fmt: FormatOption = "table",
    json_: JsonOption = False,
) -> None:
    """Records done per force, checklist and stratum against the sample targets."""
    _coverage(db, force, checklist, output_format(fmt, json_))


def _coverage(db: Path | None, force: str | None, checklist: str | None, fmt: str) -> None:
    from fieldkit.report import coverage
    from fieldkit.report.findings import check_checklist

    with open_store(db) as store:
        check_checklist(store.conn, checklist)
        rows = [
            r
            for r in coverage(store.conn, force=force)
            if not checklist or r["checklist_id"] == checklist
        ]
        titles = _titles(store)
    if fmt == "json":
        emit_json(rows)
        return
    shown = [
        {
            **r,
            "force": r["force_name"] or r["force_code"],
            "checklist": titles.get(r["checklist_id"], r["checklist_id"]),
            "stratum_shown": r["stratum"].replace("_", " "),
            "target_shown": "-" if r["target"] is None else r["target"],
            "to_do": ""
            if r["remaining"] is None
            else ("done" if not r["remaining"] else r["remaining"]),
            "drafts_shown": r["drafts"] or "",
        }
        for r in rows
    ]
    show(
        [
            Frame(
                "Coverage: counted (final) records against targets",
                [
                    Column("force", "Force"),
                    Column("checklist", "Checklist"),
                    Column("stratum_shown", "Stratum"),
                    Column("final", "Final", True),
                    Column("target_shown", "Target", True),
                    Column("to_do", "To do", True),
                    Column("drafts_shown", "Drafts", True),
                ],
                shown,
                caption="Target '-' = as recorded. Drafts are not counted until final.",
                data=[
                    Column("force_code", "force_code"),
                    Column("force_name", "force_name"),
                    Column("checklist_id", "checklist_id"),
                    Column("stratum", "stratum"),
                    Column("final", "final", True),
                    Column("target", "target", True),
                    Column("remaining", "remaining", True),
                    Column("drafts", "drafts", True),
                ],
            )
        ],
        fmt,
    )


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
    with open_store(db, write=True) as store:
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

    with open_store(db, write=True) as store:
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

    with open_store(db) as store:
        rows = targets(store.conn)
    if json_:
        emit_json(rows)
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
            help="Allow a non-loopback --host. Needs a password of 12 characters or more: "
            "$FIELDKIT_SERVE_PASSWORD or a prompt. Everyone must then log in (/-/login).",
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
        serve.check_password(password)
    ds = serve.make_datasette(paths, password=password)
    sock = serve.bind(host, port)  # a busy port is one line, before anything is printed
    out.print(
        f"serving {', '.join(str(p) for p in paths)} read-only at {serve.url(sock)} "
        "(Ctrl+C stops)" + ("; log in at /-/login" if password else ""),
        markup=False,
    )
    serve.run(ds, sock)


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
    overwrite: OverwriteOption = False,
    as_of: AsOfOption = None,
) -> None:
    """A workbook a report writer can print as it is: Summary (a table per instrument),
    Table 2 (the report's shape), Charts, By force, one wide sheet per checklist, Answers,
    Notes, Conflicts and About. A progress bar on stderr."""
    _export_xlsx(out_file, db, redact, force, overwrite, as_of)


@contextlib.contextmanager
def export_progress() -> Iterator[Callable[[str, int, int, int], None]]:
    """A progress bar on stderr (sheets done of all; the sheet and its rows so far)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sheets · {task.fields[sheet]}: {task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Exporting", total=None, sheet="", rows=0)
        state = {"sheet": "", "rows": 0}

        def tick(sheet: str, done: int, total: int, rows: int) -> None:
            if sheet != state["sheet"]:
                state.update(sheet=sheet, rows=0)
            state["rows"] += rows
            bar.update(task, total=total, completed=done, sheet=sheet, rows=state["rows"])

        yield tick
        bar.update(task, completed=bar.tasks[0].total or 0)


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
    unreadable: list[str] = []
    with open_store(path, as_of=as_of) as store, export_progress() as progress:
        summary = export_xlsx(
            store, out_file, redact=redact, force=force, progress=progress, unreadable=unreadable
        )
    sheets = ", ".join(f"{name} ({n})" for name, n in summary.items())
    out.print(f"wrote {out_file}: {sheets}")
    if unreadable:
        shown = ", ".join(unreadable[:10]) + (", ..." if len(unreadable) > 10 else "")
        err.print(
            f"warning: {len(unreadable)} binary value(s) the database holds where text or a "
            f"number belongs, written as '<binary, N bytes>': {shown}",
            highlight=False,
            markup=False,
        )
