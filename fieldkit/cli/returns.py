"""`fieldkit returns ...`: running a data collection (template, import, check, queries,
query, answer, agree)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fieldkit.cli.base import app, command, out
from fieldkit.cli.options import OverwriteOption
from fieldkit.cli.output import SafeTable, emit_json

if TYPE_CHECKING:
    from fieldkit.store import Store

returns_app = typer.Typer(
    help="Run a data collection: return workbooks out to forces and back in, checks, "
    "queries and each force's sign-off.",
    no_args_is_help=True,
)
app.add_typer(returns_app, name="returns")

FormOption = Annotated[
    str | None,
    typer.Option("--form", help="The data return form (its checklist id).", show_default=False),
]
PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period", help="The collection period. Default: the form's.", show_default=False
    ),
]
ForceArg = Annotated[str, typer.Argument(metavar="FORCE", help="Force code or name.")]


@command("template", parent=returns_app)
def returns_template(
    form: Annotated[str, typer.Argument(metavar="FORM", help="The data return form's id.")],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for the workbooks.", show_default=False)
    ],
    period: PeriodOption = None,
    force: Annotated[
        list[str] | None,
        typer.Option(
            "--force", "-f", help="Only this force (repeat for more).", show_default=False
        ),
    ] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """One workbook per force, its name and the period filled in, each question with its
    guidance, and the figure cells checked by Excel (whole numbers, or unknown)."""
    from fieldkit.checklists import get
    from fieldkit.returns.template import write_templates

    paths = write_templates(get(form), out_dir, period=period, only=force, overwrite=overwrite)
    out.print(f"wrote {len(paths)} return workbook(s) to {out_dir}")


@command("import", parent=returns_app, db="create")
def returns_import(
    files: Annotated[list[Path], typer.Argument(help="Filled-in return workbooks (.xlsx).")],
    store: Store,
) -> None:
    """Read filled-in returns back, all or nothing. A re-sent return updates the force's
    record as logged changes, says what changed, and is no longer agreed."""
    from fieldkit.returns.intake import import_returns

    got = import_returns(store, files)
    out.print(
        f"{len(got.returns)} return(s): {got.created} new, {got.unchanged} unchanged, "
        f"{len({f for f, *_ in got.changes})} updated"
    )
    for force, question, old, new in got.changes:
        out.print(f"  {force}: {question} {old} -> {new}")
    for force in got.unagreed:
        out.print(f"  {force}: the return changed, so it is no longer agreed")


@command("check", parent=returns_app, db="read")
def returns_check(store: Store, form: FormOption = None, *, json_: bool) -> None:
    """Returns that break their form's own rules (granted more than applied, ...), and
    rates more than 3 median absolute deviations from the median of the forces'."""
    from fieldkit.returns.checks import MADS, check
    from fieldkit.returns.queries import collection

    c = collection(store, form)
    found = check(store, c.id)
    if json_:
        emit_json(found)
        return
    if not found:
        out.print(f"{c.title}: no inconsistencies, no figure beyond {MADS} MADs.")
        return
    table = SafeTable(title=f"{c.title}: checks")
    for heading in ("Check", "Force", "Question", "What", "Value"):
        table.add_column(heading)
    for f in found:
        what = f["message"] if f["check"] == "inconsistent" else f["label"]
        table.add_row(f["check"], f["force_name"], ", ".join(f["questions"]), what, f["shown"])
    out.print(table)


@command("queries", parent=returns_app, db="read")
def returns_queries(
    force: Annotated[str | None, typer.Argument(metavar="[FORCE]", help="Only this force.")] = None,
    *,
    store: Store,
    form: FormOption = None,
    json_: bool,
) -> None:
    """The query log: every query raised with forces, open or answered."""
    from fieldkit.returns.queries import collection, query_log
    from fieldkit.store import resolve_force

    c = collection(store, form)
    rows = query_log(store, c, resolve_force(force) if force else None)
    if json_:
        emit_json(rows)
        return
    table = SafeTable(title=f"{c.title}: queries")
    for heading in ("Force", "Ref", "Question", "Asked", "Answer", "Status"):
        table.add_column(heading)
    for q in rows:
        table.add_row(
            q["force_name"] or q["force_code"],
            q["ref"],
            q["question"],
            q["text"],
            q["answer"] or "",
            q["status"],
        )
    out.print(table)


@command("query", parent=returns_app, db="write")
def returns_query(
    force: ForceArg,
    question: Annotated[str, typer.Option("--question", "-q", help="The question's item id.")],
    text: Annotated[str, typer.Option("--text", "-t", help="What to ask the force.")],
    store: Store,
    period: PeriodOption = None,
) -> None:
    """Raise a query with a force about one figure of its return."""
    from fieldkit.returns.queries import raise_query

    ref = raise_query(store, force, question, text, period=period)
    out.print(f"query {ref} raised with {force} about {question}")


@command("answer", parent=returns_app, db="write")
def returns_answer(
    force: ForceArg,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The query's reference (Q1, ...).")],
    text: Annotated[str, typer.Option("--text", "-t", help="The force's answer.")],
    store: Store,
    form: FormOption = None,
) -> None:
    """Record a force's answer to a query."""
    from fieldkit.returns.queries import answer_query

    answer_query(store, force, ref, text, form=form)
    out.print(f"query {ref} of {force} answered")


@command("agree", parent=returns_app, db="write")
def returns_agree(
    force: ForceArg, store: Store, form: FormOption = None, period: PeriodOption = None
) -> None:
    """Record that a force has checked and agreed its return's final figures: reports no
    longer mark them provisional. Refused while a query is open."""
    from fieldkit.returns.queries import agree

    agree(store, force, form=form, period=period)
    out.print(f"{force}: return agreed")
