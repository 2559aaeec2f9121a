"""Everything a command prints its results with: one JSON emitter, the Rich table class,
and report frames drawn as a table, CSV or Markdown. Commands print through these (and
`base.out` / `failures.err` for lines), so a JSON result and a table read the same
everywhere."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from fieldkit.cli.base import out
from fieldkit.cli.boxtable import BoxColumn, draw, fit
from fieldkit.cli.failures import SafeTable, err, plain
from fieldkit.report.render import Frame, cell, to_csv, to_markdown
from fieldkit.safetext import json_text, safe_text

if TYPE_CHECKING:
    from fieldkit.report.tables import Shown

__all__ = [
    "SafeTable",
    "emit_json",
    "echo_text",
    "export_progress",
    "line",
    "present",
    "show",
    "warn",
]


def emit_json(data: Any) -> None:
    """A command's result as JSON on stdout: indented, non-ASCII kept, control characters
    escaped, binary values shown as "<binary, N bytes>"."""
    typer.echo(json_text(data, indent=2))


def echo_text(text: str, *, nl: bool = True) -> None:
    """A document (an export, an update) on stdout as it is, but for control characters:
    a terminal gets none of the escape sequences stored text may carry."""
    typer.echo(safe_text(text), nl=nl)


def line(text: str, *, markup: bool = True) -> None:
    """One line of a command's text on stdout, nothing highlighted (`markup`: Rich markup
    in `text` styles it; stored text is shown as written either way)."""
    out.print(text, highlight=False, markup=markup)


def warn(warnings: Iterable[str]) -> None:
    """Each warning as a line `warning: ...` on stderr."""
    for w in warnings:
        err.print(f"warning: {w}", highlight=False, markup=False)


def present(shown: Shown, fmt: str) -> None:
    """A report command's result (fieldkit.report.tables) in the chosen format: its data
    as JSON, else its tables, else the line saying there is nothing to show."""
    if fmt == "json":
        emit_json(shown.data)
    elif not shown.frames and shown.empty:
        out.print(shown.empty)
    else:
        show(shown.frames, fmt)


@contextlib.contextmanager
def export_progress() -> Iterator[Callable[[str, int, int, int], None]]:
    """A progress bar on stderr (sheets done of all; the sheet and its rows so far)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fieldkit.cli.failures import SafeConsole

    console = SafeConsole(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        # a sheet is named after a checklist: stored text, never markup
        TextColumn("sheets · {task.fields[sheet]}: {task.fields[rows]:,} rows", markup=False),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Exporting", total=None, sheet="", rows=0)
        state = {"sheet": "", "rows": 0}

        def tick(sheet: str, done: int, total: int, rows: int) -> None:
            if sheet != state["sheet"]:
                state.update(sheet=sheet, rows=0)
            state["rows"] += rows
            bar.update(  # total 0: not known yet
                task, total=total or None, completed=done, sheet=sheet, rows=state["rows"]
            )

        yield tick
        bar.update(task, completed=bar.tasks[0].total or 0)


def _emit(text: str, style: str | None) -> None:
    """Lines of a drawn table: plain runs written as they are (the cells were filtered),
    the head and section rows styled on a terminal."""
    if style is None:
        out.file.write(text + "\n")
    else:
        out.print(Text(text, style=style), highlight=False, crop=False)


def show(frames: list[Frame], fmt: str) -> None:
    """Print report tables in the chosen format (never json: the caller emits its data)."""
    if fmt == "csv":
        typer.echo(to_csv(frames), nl=False)
        return
    if fmt == "markdown":
        typer.echo(to_markdown(frames), nl=False)
        return
    for f in frames:
        out.print(plain(f.title, style="bold"))  # stored text (a checklist's title)
        # every column's width fixed from the data: headings wrap, figures do not
        fixed: dict[str, int] = {}
        for c in f.columns:
            if c.wrap:
                continue
            cells = [len(x) for r in f.rows for x in cell(r.get(c.key)).splitlines()]
            words = [len(w) for w in c.heading.split()]
            widest = max(cells, default=0)  # a frame may have no rows
            fixed[c.key] = (
                max([widest, *words, 1]) if c.numeric else max(min(widest, 14), *words, 1)
            )
        wraps = [c for c in f.columns if c.wrap]
        borders = 3 * len(f.columns) + 1
        rest = max(20 * len(wraps), out.width - sum(fixed.values()) - borders)
        columns = [
            BoxColumn(c.heading, rest // len(wraps), fold=True)
            if c.wrap
            else BoxColumn(c.heading, fixed[c.key], c.numeric)
            for c in f.columns
        ]
        if not wraps:
            columns = fit(columns, out.width)
        rows: list[list[str] | str] = []
        group = None
        for r in f.rows:
            if f.group and r.get(f.group) != group:
                group = r.get(f.group)
                rows.append(cell(group))
            rows.append([cell(r.get(c.key)) for c in f.columns])
        draw(columns, rows, _emit)
        if f.caption:
            out.print(plain(f.caption))
        for n in f.notes:
            out.print(n)
