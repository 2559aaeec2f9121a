"""`fieldkit register …` (the recommendations register) and `fieldkit plans …` (forces'
action plans): thin wrappers over fieldkit.register."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape

from fieldkit.cli.base import app, command, out
from fieldkit.cli.database import Database
from fieldkit.cli.options import ForceOption, OverwriteOption, ToOption
from fieldkit.cli.output import SafeTable, echo_text, emit_json, line, warn
from fieldkit.errors import BadInput
from fieldkit.register import display, recs
from fieldkit.register import plans as plans_mod
from fieldkit.register.output import export_text, write_output
from fieldkit.register.plan_xlsx import import_plan_xlsx
from fieldkit.register.recs import short_ref
from fieldkit.register.reference import TEMPLATE_FILES, load
from fieldkit.register.withdrawals import REASONS

if TYPE_CHECKING:
    from fieldkit.store import Store

register_app = typer.Typer(
    help="The recommendations register: dated statuses and comments per recommendation.\n\n"
    "A recommendation is named like eb2014:2 (everyones_business_2014:2, Recommendation 2 of "
    "Everyone's business) or by the register id of an imported entry (2321).",
    no_args_is_help=True,
)
plans_app = typer.Typer(
    help="Forces' action plans: themes, objectives, dated RAG statuses, evidence, links.\n\n"
    "An objective is named force:plan:id (kent:stop-2018:s03), force:id (kent:s03) when the "
    "force has one plan with it, or by its id with --force (and --plan).",
    no_args_is_help=True,
)
app.add_typer(register_app, name="register")
app.add_typer(plans_app, name="plans")

STATUSES = ", ".join(load().status_slugs)
RAGS = ", ".join(code for code, _, _ in load().rag_values)
AllowFuture = Annotated[
    bool,
    typer.Option("--allow-future", help="Accept a date after today (refused otherwise)."),
]
OnOption = Annotated[
    str,
    typer.Option("--on", help="Date: 2017-08-11 or 11th August 2017.", show_default=False),
]
RecArgument = Annotated[str, typer.Argument(metavar="ID", help="eb2014:2, or a register id.")]
EventArgument = Annotated[
    str, typer.Argument(metavar="EVENT", help="Event id (or its first 6+ characters).")
]
ObjectiveArgument = Annotated[str, typer.Argument(metavar="OBJECTIVE", help="kent:stop-2018:s03")]
PlanForceOption = Annotated[str, typer.Option("--force", "-f", help="Force code or name.")]
PlanOption = Annotated[
    str | None, typer.Option("--plan", "-p", help="Plan name (e.g. stop-2018).", show_default=False)
]


# ------------------------------------------------------------------------------ register
@command("import", parent=register_app, db="create")
def register_import(
    files: Annotated[
        list[Path],
        typer.Argument(help="Register files (the format of seed 000).", show_default=False),
    ],
    store: Store,
    rec: Annotated[
        str | None,
        typer.Option(
            "--rec",
            help="Which recommendation the (single) entry is, when its text does not say "
            "(e.g. eb2014:5).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import register entries: title with register id, the recommendation text, and dated
    \\[on]…\\[/on] status and comment events, all kept as written. All or nothing: a malformed
    entry is reported with its file, line and column and nothing is stored. Importing the
    same entries again adds nothing."""
    result = recs.import_register(store, files, rec=rec)
    warn(result.warnings)
    matched = ", ".join(f"{reg} → {rid}" for reg, rid in result.matched)
    line(
        f"{result.files} file(s), {result.entries} entr{'y' if result.entries == 1 else 'ies'} "
        f"({matched}); {result.new_entries} new entr{'y' if result.new_entries == 1 else 'ies'}, "
        f"{result.new_events} new of {result.events} events"
    )


@command("list", parent=register_app, db="read")
def register_list(
    store: Store,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            "-s",
            help=f"Only this current status ({STATUSES}, or none).",
            show_default=False,
        ),
    ] = None,
    *,
    json_: bool,
) -> None:
    """Each recommendation with its current status (the latest status event) and dates."""
    rows = recs.list_recommendations(store.conn, status=status)
    if json_:
        emit_json(rows)
        return
    # Readable at 80 columns: ids, statuses and dates never wrap; the title takes what is
    # left; the register column only when some recommendation has register ids.
    with_register = any(r["register_ids"] for r in rows)
    t = SafeTable(box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("id", no_wrap=True)
    t.add_column("status", no_wrap=True)
    t.add_column("since", no_wrap=True)
    t.add_column("events", justify="right", no_wrap=True)
    t.add_column("title", ratio=1, min_width=16)
    t.add_column("lead", max_width=16)
    if with_register:
        t.add_column("register", no_wrap=True)
    for r in rows:
        cells = [
            r["ref"],
            display.current(r["current_status"], r["unknown_status"]),
            r["status_since"] or "",
            str(r["events"]),
            r["title"],
            r["lead_org"] or "",
        ]
        if with_register:
            cells.append(r["register_ids"] or "")
        t.add_row(*cells)
    out.print(t)
    line(f"{len(rows)} recommendation(s)")


@command("show", parent=register_app, db="read")
def register_show(rec: RecArgument, store: Store, json_: bool) -> None:
    """One recommendation: its text as written, its timeline and linked plan objectives."""
    data = recs.recommendation(store.conn, rec)
    if json_:
        emit_json(data)
        return
    line(
        f"[bold]{escape(str(data.get('ref') or data['rec_id']))}[/] ({escape(str(data['rec_id']))}) "
        + escape(str(data.get("title") or ""))
    )
    if data.get("lead_org"):
        line(f"Lead: {data['lead_org']}", markup=False)
    line(
        f"Current status: {data.get('current_status') or '-'}"
        + (f" since {data['status_since']}" if data.get("status_since") else ""),
        markup=False,
    )
    if data.get("annex_e"):
        line(f"Annex E (2015): {data['annex_e']}", markup=False)
    for e in data["entries"]:
        line(f"\nRegister entry {e['reg_id']}: {e['heading']}\n", markup=False)
        line(e["text"], markup=False)
    if not data["entries"] and data.get("full_text"):
        out.print("")
        line(data["full_text"], markup=False)
    if data["timeline"]:
        t = SafeTable(
            "date",
            "kind",
            "status / comment",
            "source",
            "event",
            title="Timeline",
            title_justify="left",
        )
        for ev in data["timeline"]:
            body = display.withdrawn(ev["body"], ev, reason=True)
            t.add_row(ev["event_date"], ev["kind"], body, ev["source"], ev["event_id"][:10])
        out.print(t)
    for o in data["objectives"]:
        line(f"Linked: {o['force_code']}:{o['plan']}:{o['objective_id']} (since {o['linked_on']})")


@command("add-event", parent=register_app, db="create")
def register_add_event(
    rec: RecArgument,
    on: OnOption,
    status: Annotated[
        str | None,
        typer.Option(help=f"A status slug, one of: {STATUSES}."),
    ] = None,
    comment: Annotated[str | None, typer.Option(help="A comment (free text).")] = None,
    allow_future: AllowFuture = False,
    *,
    store: Store,
) -> None:
    """Append a dated status or comment event to a recommendation (the latest status event
    is the current status). A mistake is put right with `register correct` or `register
    withdraw`, which keep the original in the history."""
    result = recs.add_event(
        store, rec, on, status=status, comment=comment, allow_future=allow_future
    )
    what = "added" if result.added else "already recorded"
    line(f"{result.rec_id}: event {what} ({result.event_id})")


ReasonOption = Annotated[
    str | None,
    typer.Option("--reason", help=f"Why: {', '.join(REASONS)}.", show_default=False),
]


@command("withdraw", parent=register_app, db="create")
def register_withdraw(event: EventArgument, reason: ReasonOption = None, *, store: Store) -> None:
    """Withdraw an event typed by mistake: it stays in the history, shown as withdrawn, and
    leaves the current status and exports (`register export --include-withdrawn` keeps it)."""
    result = recs.withdraw_event(store, event, reason=reason)
    line(f"{short_ref(result.rec_id)}: event {result.withdrawn} withdrawn")


@command("correct", parent=register_app, db="create")
def register_correct(
    event: EventArgument,
    on: Annotated[
        str | None, typer.Option("--on", help="The corrected date.", show_default=False)
    ] = None,
    status: Annotated[
        str | None, typer.Option(help=f"The corrected status ({STATUSES}).", show_default=False)
    ] = None,
    comment: Annotated[
        str | None, typer.Option(help="The corrected comment text.", show_default=False)
    ] = None,
    reason: ReasonOption = None,
    allow_future: AllowFuture = False,
    *,
    store: Store,
) -> None:
    """Correct an event's date, status or comment: a new event replaces it and the original
    stays in the history, shown as withdrawn in favour of the correction."""
    result = recs.correct_event(
        store,
        event,
        on=on,
        status=status,
        comment=comment,
        reason=reason,
        allow_future=allow_future,
    )
    line(f"{short_ref(result.rec_id)}: event {result.withdrawn} corrected by {result.replaced_by}")


@command("export", parent=register_app, db="read")
def register_export(
    recs_: Annotated[
        list[str] | None,
        typer.Argument(metavar="[ID]...", help="Only these recommendations.", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (default: stdout); owner-only, never over an existing "
            "file unless --overwrite.",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
    include_withdrawn: Annotated[
        bool, typer.Option("--include-withdrawn", help="Keep withdrawn events too.")
    ] = False,
    *,
    store: Store,
) -> None:
    """Write imported register entries, with their events, back in the register's format
    (importing the file again adds nothing). Withdrawn events are left out."""
    text = export_text(store.conn, recs_, include_withdrawn=include_withdrawn)
    if output is None:
        echo_text(text)
    else:
        write_output(output, text, overwrite=overwrite)
        line(f"wrote {output}")


@command("report", parent=register_app, db="read")
def register_report(
    since: Annotated[
        str,
        typer.Option("--since", help="First day of the period (2014-06-01).", show_default=False),
    ],
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Last day of the period (default: today).", show_default=False
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="update.md, update.html or update.docx (default: Markdown on stdout).",
            show_default=False,
        ),
    ] = None,
    overwrite: OverwriteOption = False,
    *,
    db: Database,
    to: ToOption = None,
) -> None:
    """The quarterly progress update in the National Oversight Group's structure (seed 001):
    each recommendation (2 and 3 together) with its full text, lead, status at the start and
    end of the period and how it changed, the period's comments and events in date order,
    linked action-plan RAG counts; a summary table; forces' RAG counts."""
    from fieldkit.register.update import build_update, render
    from fieldkit.sealing import plain_name, recipients

    if to and out_file is None:
        raise BadInput("--to seals a file: name it with --out")
    sealed_for = recipients(to or [])
    with db.open() as store:
        update = build_update(store.conn, since, until)
    if out_file is None:
        echo_text(render(update, ".md"), nl=False)
        return
    data = render(update, (plain_name(out_file) if to else out_file).suffix.lower())
    write_output(out_file, data, overwrite=overwrite, to=sealed_for)
    line(f"wrote {out_file} ({update.since} to {update.until}, {len(update.sections)} sections)")


# --------------------------------------------------------------------------------- plans
@command("new", parent=plans_app, db="create")
def plans_new(
    force: PlanForceOption,
    template: Annotated[
        str, typer.Option("--from", help=f"Template ({', '.join(sorted(TEMPLATE_FILES))}).")
    ] = "stop-2018",
    plan: PlanOption = None,
    *,
    store: Store,
) -> None:
    """Create a force's plan from a template (themes and objectives; no statuses yet).
    The plan is named after the template unless --plan says otherwise."""
    result = plans_mod.new_plan(store, force, template=template, name=plan)
    state = "created" if result.new_rows else "already exists"
    line(f"{result.plan_id}: {state} ({result.themes} themes, {result.objectives} objectives)")


@command("import", parent=plans_app, db="create")
def plans_import(
    file: Annotated[Path, typer.Argument(help="Excel workbook (.xlsx).", show_default=False)],
    force: PlanForceOption,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            "-p",
            help="Plan name. Default: the force's only plan; for a force without a plan, "
            "the file name (kent-da-plan).",
            show_default=False,
        ),
    ] = None,
    theme: Annotated[
        list[str] | None,
        typer.Option(
            "--theme",
            help="Map a force's own theme name to a theme code: --theme 'Safeguarding=S' "
            "(repeat for each; a new code makes a new theme). On a terminal, fieldkit asks "
            "for names it does not know.",
            show_default=False,
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Sheet name (default: the first).", show_default=False)
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on", help="Date the statuses are as at (default: today).", show_default=False
        ),
    ] = None,
    *,
    db: Database,
) -> None:
    """Import a force's plan from an Excel sheet with columns theme, objective, owner, due,
    status (optional: id, evidence, recommendations, date). All or nothing: a bad row is
    reported with its sheet row number and nothing is stored. Importing the same sheet again
    adds nothing; an updated sheet adds what changed."""
    themes = _theme_map(theme or [])
    ask = _ask_theme if sys.stdin.isatty() and sys.stdout.isatty() else None
    with db.open() as store:
        result = import_plan_xlsx(
            store, file, force, plan=plan, sheet=sheet, on=on, themes=themes, ask_theme=ask
        )
    warn(result.warnings)
    line(f"plan {result.plan_id}: {result.plan_note}", markup=False)
    line(
        f"{result.plan_id}: {result.rows} rows, {result.new_objectives} new objectives, "
        f"{result.new_events} new status/owner/due/evidence entries, {result.new_links} new links"
    )


def _theme_map(options: list[str]) -> dict[str, str]:
    """--theme 'Safeguarding=S' options as {force's theme name: theme code}."""
    mapping: dict[str, str] = {}
    for item in options:
        name, sep, code = item.rpartition("=")
        if not sep or not name.strip() or not code.strip():
            raise BadInput(f"--theme {item!r}: write it as 'Theme name=S'")
        mapping[name.strip()] = code.strip()
    return mapping


def _ask_theme(name: str, known: list[str]) -> str:
    return str(
        typer.prompt(
            f"Theme {name!r} is which theme? ({', '.join(known)}, or a new code)", err=True
        )
    )


@command("list", parent=plans_app, db="read")
def plans_list(
    force: ForceOption = None,
    plan: PlanOption = None,
    status: Annotated[
        str | None,
        typer.Option("--status", "-s", help=f"Only this current RAG status ({RAGS}, or none)."),
    ] = None,
    *,
    json_: bool,
    store: Store,
) -> None:
    """Objectives with their current RAG status, owner, due date, evidence and links."""
    rows = plans_mod.list_objectives(store.conn, force=force, plan=plan, rag=status)
    if json_:
        emit_json(rows)
        return
    t = SafeTable("objective", "theme", "RAG", "since", "owner", "due", "recs", "objective text")
    t.columns[0].no_wrap = True
    for r in rows:
        t.add_row(
            r["objective_ref"],
            r["theme"],
            display.current(r["rag"], r["unknown_rag"]),
            r["rag_since"] or "",
            r["owner"] or "",
            r["due"] or "",
            display.links(r["recommendations"]),
            r["objective"],
        )
    out.print(t)
    for code, title in display.themes(rows):
        line(f"theme {code} {title}", markup=False)
    line(f"{len(rows)} objective(s)")


@command("show", parent=plans_app, db="read")
def plans_show(
    objective: ObjectiveArgument,
    force: ForceOption = None,
    plan: PlanOption = None,
    *,
    json_: bool,
    store: Store,
) -> None:
    """One objective: current values and its dated history."""
    data = plans_mod.objective(store.conn, objective, force=force, plan=plan)
    if json_:
        emit_json(data)
        return
    line(
        f"[bold]{escape(str(data['objective_ref']))}[/] ({escape(str(data['theme']))}) "
        + escape(str(data["objective"] or ""))
    )
    line(
        f"RAG: {data['rag'] or '-'}  owner: {data['owner'] or '-'}  due: {data['due'] or '-'}  "
        f"recommendations: {data['recommendations'] or '-'}",
        markup=False,
    )
    if data.get("theme_includes"):
        line("This includes:")
        for included in data["theme_includes"].splitlines():
            line(f"  • {included}", markup=False)
    t = SafeTable(
        "date", "kind", "value", "note", "source", "event", title="History", title_justify="left"
    )
    for h in data["history"]:
        t.add_row(
            h["event_date"],
            h["kind"],
            display.withdrawn(h["value"], h),
            h["note"] or "",
            h["source"],
            h["event_id"][:10],
        )
    out.print(t)


@command("withdraw", parent=plans_app, db="create")
def plans_withdraw(
    event: Annotated[
        str, typer.Argument(metavar="EVENT", help="Event id from `plans show` (6+ characters).")
    ],
    rag: Annotated[
        str | None,
        typer.Option("--rag", help=f"Correct it to this RAG status ({RAGS}).", show_default=False),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="Correct it to this date.", show_default=False)
    ] = None,
    reason: ReasonOption = None,
    allow_future: AllowFuture = False,
    *,
    store: Store,
) -> None:
    """Withdraw an objective's RAG rating (or evidence, owner, due entry) recorded by
    mistake; with --rag or --on, replace it by a corrected one. The original stays in the
    history, shown as withdrawn, and no longer counts as the current rating."""
    gone, new = plans_mod.withdraw_plan_event(
        store, event, reason=reason, correct_rag=rag, on=on, allow_future=allow_future
    )
    if new:
        line(f"event {gone} corrected by {new}")
    else:
        line(f"event {gone} withdrawn")


@command("status", parent=plans_app, db="create")
def plans_status(
    objective: ObjectiveArgument,
    on: OnOption,
    rag: Annotated[str, typer.Option("--rag", help=f"One of: {RAGS}.")],
    note: Annotated[str | None, typer.Option(help="A note on the rating.")] = None,
    force: ForceOption = None,
    plan: PlanOption = None,
    allow_future: AllowFuture = False,
    *,
    store: Store,
) -> None:
    """Record an objective's RAG status as at a date (`plans withdraw` puts a mistake
    right)."""
    result = plans_mod.set_rag(
        store,
        objective,
        on,
        rag,
        note=note,
        force=force,
        plan=plan,
        allow_future=allow_future,
    )
    warn(result.warnings)
    _recorded(result)


@command("evidence", parent=plans_app, db="create")
def plans_evidence(
    objective: ObjectiveArgument,
    on: OnOption,
    note: Annotated[str, typer.Option("--note", help="The evidence seen.")],
    force: ForceOption = None,
    plan: PlanOption = None,
    *,
    store: Store,
) -> None:
    """Add a dated evidence note to an objective."""
    result = plans_mod.add_evidence(store, objective, on, note, force=force, plan=plan)
    _recorded(result)


def _recorded(result: plans_mod.PlanEventResult) -> None:
    line(f"{result.objective_ref}: {'recorded' if result.added else 'already recorded'}")


@command("assign", parent=plans_app, db="create")
def plans_assign(
    objective: ObjectiveArgument,
    on: OnOption,
    owner: Annotated[str | None, typer.Option(help="Who owns the objective.")] = None,
    due: Annotated[str | None, typer.Option(help="Due date.")] = None,
    force: ForceOption = None,
    plan: PlanOption = None,
    *,
    store: Store,
) -> None:
    """Set an objective's owner and/or due date, from a date on."""
    results = plans_mod.assign(store, objective, on, owner=owner, due=due, force=force, plan=plan)
    added = sum(r.added for r in results)
    line(f"{results[0].objective_ref}: {added} change(s) recorded")


@command("link", parent=plans_app, db="create")
def plans_link(
    objective: ObjectiveArgument,
    rec_ids: Annotated[
        list[str], typer.Argument(metavar="REC...", help="Recommendations: eb2014:2 ...")
    ],
    on: Annotated[
        str | None, typer.Option("--on", help="Date (default: today).", show_default=False)
    ] = None,
    unlink: Annotated[bool, typer.Option("--unlink", help="Remove the links instead.")] = False,
    force: ForceOption = None,
    plan: PlanOption = None,
    *,
    store: Store,
) -> None:
    """Link an objective to recommendations (or unlink it with --unlink)."""
    from fieldkit.register.ids import today_iso

    changed = plans_mod.link(
        store, objective, rec_ids, on=on or today_iso(), unlink=unlink, force=force, plan=plan
    )
    verb = "unlinked" if unlink else "linked"
    for rid, did in changed:
        line(f"{rid}: {verb if did else 'no change'}")
