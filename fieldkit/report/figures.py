"""The evidence and scale figures as every output shows them: one specification.

A `Figure` is one column of the rows `findings.evidence()` and `findings.scales()` give
(which read the views `<kind>_summary` / `<kind>_by_force`): its name in CSV, its heading
on the workbook's sheet (and how the sheet writes it), its heading in the terminal, and
what it means (Datasette's column description). `fieldkit report evidence|scales`, the
workbook's By force / Excluded case files / Scales sheets and Datasette's view metadata all
read `EVIDENCE` and `SCALES`, so a column added, renamed or described here changes in
every output together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldkit.report.numbers import fraction


@dataclass(frozen=True)
class Figure:
    key: str  # the key in a findings row (a column of the view where it is one)
    name: str | None  # its CSV (and `--format csv`) column; None: the terminal's only
    sheet: str | None = None  # its heading on the workbook sheet; None: not on the sheet
    shown: str | None = None  # its heading in the terminal table; None: not shown there
    numeric: bool = False  # right-aligned where shown
    wrap: bool = False  # the long text (the question): wrapped in the terminal
    of: tuple[str, str] | None = None  # on the sheet: numerator ÷ denominator, as a percentage
    mean: bool = False  # on the sheet: the mean as a number with one decimal
    description: str = ""  # what it means (Datasette's column description)
    per_force: bool = False  # only in a row per force (the comparison with the rest)


_WHERE = (
    Figure("checklist", "checklist", "Checklist"),
    Figure("force", "force", "Force", "Force"),
    Figure("section", "section"),
    Figure("item_id", "item_id", "Item id", description="The question's id in its checklist."),
)

# A force's figure against the rest of England and Wales (fieldkit/report/compare.py).
COMPARISON = (
    Figure("interval", "interval_95", None, "95% interval", numeric=True, per_force=True),
    Figure("ci_low", "ci_low", "95% interval: low (%)", numeric=True, per_force=True,
           description="The force's Wilson 95% interval, lower end, in percent."),
    Figure("ci_high", "ci_high", "95% interval: high (%)", numeric=True, per_force=True,
           description="The force's Wilson 95% interval, upper end, in percent."),
    Figure("rest_applicable", "rest_applicable", "Rest of E&W: applicable", numeric=True,
           per_force=True, description="Applicable records in every other force, pooled."),
    Figure("rest_completed", "rest_completed", "Rest of E&W: completed", numeric=True,
           per_force=True, description="Completed records in every other force, pooled."),
    Figure("rest_percent", "rest_percent", "Rest of E&W: %", numeric=True, per_force=True,
           of=("rest_completed", "rest_applicable"),
           description="The rest of England and Wales's percentage, rounded half up."),
    Figure("rest_label", "rest_label", "Rest of E&W", "Rest of E&W", numeric=True,
           per_force=True, description="The rest of England and Wales as quoted."),
    Figure("gap", "gap_points", "Gap (points)", numeric=True, per_force=True,
           description="The force's % less the rest's, in percentage points."),
    Figure("p_value", "p_value", "p (two-sided)", numeric=True, per_force=True,
           description="Two-sided p-value of the test named."),
    Figure("test", "test", "Test", per_force=True,
           description="Two-proportion z-test, or Fisher's exact test when a cell expects "
           "fewer than 5."),
    Figure("difference", "difference", "Difference (95%)", "Difference", per_force=True,
           description="higher / lower than the rest beyond chance (p < 0.05), no clear "
           "difference, or too small to call (a base under 10)."),
)  # fmt: skip

EVIDENCE: tuple[Figure, ...] = (
    *_WHERE,
    Figure("question", "question", "Evidence", "Question", wrap=True,
           description="The question as asked."),
    Figure("applicable", "applicable", "Applicable", numeric=True,
           description="Counted records answering yes or no (not applicable and unknown "
           "left out)."),
    Figure("completed", "completed", "Completed", numeric=True,
           description="Counted records answering yes."),
    Figure("percent", "percent", "% completed (of applicable)", numeric=True,
           of=("completed", "applicable"),
           description="100 × completed ÷ applicable, rounded half up to a whole percent."),
    Figure("label", "label", "Label", "Completed of applicable", numeric=True,
           description="The figure as it should be quoted: '77% (305 of 395)'."),
    *COMPARISON,
    Figure("not_applicable", "not_applicable", "Not applicable", "N/A", numeric=True,
           description="Answers 'not applicable' (left out of both counts)."),
    Figure("unknown", "unknown", "Unknown", numeric=True,
           description="Answers 'unknown' (left out of both counts)."),
    Figure("blank", "blank", "Blank (no answer)", "Blank", numeric=True,
           description="Counted records with no answer (legacy imports only): shown beside "
           "every figure."),
    Figure("base", "base", "All in scope (base)", numeric=True,
           description="What '% of all' is out of: the records in scope, or for a question "
           "asked per agency or per case, the rows answered."),
    Figure("base_unit", "base_unit", "Base counts",
           description="What the base counts: records, agency rows, case rows."),
    Figure("percent_of_base", "percent_of_base", "% of all in scope (of the base)",
           numeric=True, of=("completed", "base"),
           description="100 × completed ÷ base, rounded half up: never above 100."),
    Figure("of_all", None, shown="% of all", numeric=True),
)  # fmt: skip

SCALES: tuple[Figure, ...] = (
    *_WHERE,
    Figure("question", "question", "Question", "Question", wrap=True,
           description="The question as asked."),
    Figure("scored", "scored", "Scored", "Scored", numeric=True,
           description="Counted records with a score (1-4); not applicable left out."),
    Figure("mean", "mean", "Mean (1-4)", "Mean", numeric=True, mean=True,
           description="Mean score (1 poor, 2 weak, 3 adequate, 4 good)."),
    Figure("met", "scored_3_or_more", "Scored 3 or more", numeric=True,
           description="Scores of 3 (adequate) or more: meeting the standard."),
    Figure("percent_met", "percent_3_or_more", "% scoring 3 or more", numeric=True,
           of=("met", "scored"), description="100 × met ÷ scored, rounded half up."),
    Figure("label", "label", "Label", "Scoring 3 or more", numeric=True,
           description="The figure as it should be quoted: '83% (327 of 392)'."),
    Figure("not_applicable", "not_applicable", "Not applicable", "N/A", numeric=True,
           description="Answers 'not applicable' (left out of both counts)."),
)  # fmt: skip


def _kept(spec: tuple[Figure, ...], per_force: bool, ids: bool = True) -> list[Figure]:
    return [
        f
        for f in spec
        if (per_force or (f.key != "force" and not f.per_force)) and (ids or f.key != "item_id")
    ]


def csv_figures(spec: tuple[Figure, ...], *, per_force: bool, ids: bool) -> list[Figure]:
    """The columns of `--format csv`: every figure separately."""
    return [f for f in _kept(spec, per_force, ids) if f.name is not None]


def shown_figures(spec: tuple[Figure, ...], *, per_force: bool) -> list[Figure]:
    """The columns of the terminal table (and Markdown)."""
    return [f for f in _kept(spec, per_force) if f.shown is not None]


def sheet_figures(spec: tuple[Figure, ...], *, per_force: bool) -> list[Figure]:
    """The columns of a workbook sheet."""
    return [f for f in _kept(spec, per_force) if f.sheet is not None]


def sheet_formats(figures: list[Figure], *, percent: str, mean: str) -> dict[int, str]:
    """Column index -> the sheet's number format (`percent` or `mean`) where it has one."""
    return {i: percent if f.of else mean for i, f in enumerate(figures) if f.of or f.mean}


def sheet_value(figure: Figure, row: dict[str, Any]) -> Any:
    """A figure as the workbook writes it: percentages as exact fractions, the mean as
    a number, everything else as the row has it."""
    if figure.of:
        return fraction(row[figure.of[0]], row[figure.of[1]])
    if figure.mean:
        return float(row[figure.key]) if row[figure.key] else None
    return row[figure.key]


def with_names(rows: list[dict[str, Any]], titles: dict[str, str]) -> list[dict[str, Any]]:
    """Findings rows with the checklist's title and the force's name, as every output
    names them."""
    return [
        {
            **r,
            "checklist": titles.get(r["checklist_id"], r["checklist_id"]),
            "force": r.get("force_name") or r.get("force"),
        }
        for r in rows
    ]


def descriptions(spec: tuple[Figure, ...]) -> dict[str, str]:
    """Column descriptions for the views a spec's figures come from (Datasette)."""
    return {f.key: f.description for f in spec if f.description}
