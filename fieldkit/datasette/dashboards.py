"""Dashboards for analysts (datasette-dashboards, which ships Vega locally, so they work
offline): per database, each named summary table (Table 2) as bars, the same items by
force, and coverage against the sample targets, all with a force filter.

Built from the database's own definitions (the summary tables its checklists declare);
every chart reads the same views as `fieldkit report`, and the bar lengths are the same
rounded-half-up percentages the report prints."""

from __future__ import annotations

from typing import Any

PERCENT = "((200 * sum(e.completed) + sum(e.applicable)) / (2 * sum(e.applicable)))"
LABEL = (
    f"CASE WHEN sum(e.applicable) > 0 THEN {PERCENT} || '% (' || sum(e.completed) || ' of ' "
    "|| sum(e.applicable) || ')' ELSE 'no applicable records' END"
)
ALL = "All forces"  # the force filter's default: every force pooled
FORCE = f"[[ AND (:force = '{ALL}' OR e.force_name = :force) ]]"


def _lit(text: str) -> str:
    """A value from a definition as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _vega(db: str, title: str, query: str, display: dict[str, Any]) -> dict[str, Any]:
    """A Vega-Lite chart of datasette-dashboards reading `query` from database `db`."""
    return {"title": title, "db": db, "query": query, "library": "vega-lite", "display": display}


def _tooltip(*fields: tuple[str, str]) -> list[dict[str, str]]:
    """A tooltip's lines: (column, title) each."""
    return [{"field": field, "title": title} for field, title in fields]


def slug(database: str, first: bool) -> str:
    return "findings" if first else f"findings-{database}"


def _summary_bars(db: str, checklist_id: str, summary_id: str, title: str) -> dict[str, Any]:
    query = (
        "SELECT s.position, e.item_id, e.question AS evidence, sum(e.applicable) AS applicable,"
        f" sum(e.completed) AS completed, {PERCENT} AS percent, {LABEL} AS label"
        " FROM summary_items s JOIN evidence_by_force e ON e.checklist_id = s.checklist_id"
        " AND e.item_id = s.item_id AND e.in_scope = 1"
        f" WHERE s.checklist_id = {_lit(checklist_id)} AND s.summary_id = {_lit(summary_id)}"
        f" {FORCE} GROUP BY s.position, e.item_id ORDER BY s.position"
    )
    return _vega(
        db,
        title,
        query,
        {
            "height": {"step": 34},
            "layer": [
                {"mark": {"type": "bar", "tooltip": True, "color": "#2f6f9f"}},
                {
                    "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
                    "encoding": {"text": {"field": "label", "type": "nominal"}},
                },
            ],
            "encoding": {
                "y": {
                    "field": "evidence",
                    "type": "nominal",
                    "sort": {"field": "position"},
                    "title": None,
                    "axis": {"labelLimit": 420, "labelFontSize": 11},
                },
                "x": {
                    "field": "percent",
                    "type": "quantitative",
                    "scale": {"domain": [0, 100]},
                    "title": "% of applicable files where activity completed",
                },
                "tooltip": _tooltip(("evidence", "Evidence"), ("label", "Completed of applicable")),
            },
        },
    )


def _shown(db: str, checklist_id: str, summary_id: str, title: str) -> dict[str, Any]:
    """What the summary chart under it shows: the force chosen (or all forces) and the
    number of files in scope it counts, e.g. "Table 2, Kent Police: 25 case files"."""
    name = title.split(":")[0]
    # pooled over forces, the files in scope are the sum of each force's
    query = (
        f"SELECT {_lit(name + ', ')} || coalesce(nullif(:force, ''), {_lit(ALL)}) || ': ' ||"
        " coalesce(sum(files), 0) || ' files in scope' AS shown FROM ("
        "SELECT e.force_code, max(e.files) AS files"
        " FROM summary_items s JOIN evidence_by_force e ON e.checklist_id = s.checklist_id"
        " AND e.item_id = s.item_id AND e.in_scope = 1"
        f" WHERE s.checklist_id = {_lit(checklist_id)} AND s.summary_id = {_lit(summary_id)}"
        f" AND (coalesce(:force, '') IN ('', {_lit(ALL)}) OR e.force_name = :force)"
        " GROUP BY e.force_code)"
    )
    return {
        "title": "Showing",
        "db": db,
        "query": query,
        "library": "metric",
        "display": {"field": "shown", "prefix": "", "suffix": ""},
    }


def _by_force(db: str, checklist_id: str, summary_id: str, title: str) -> dict[str, Any]:
    query = (
        "SELECT s.position, e.force_code, coalesce(e.force_name, e.force_code) AS force,"
        f" e.question AS evidence, {PERCENT} AS percent, {LABEL} AS label"
        " FROM summary_items s JOIN evidence_by_force e ON e.checklist_id = s.checklist_id"
        " AND e.item_id = s.item_id AND e.in_scope = 1"
        f" WHERE s.checklist_id = {_lit(checklist_id)} AND s.summary_id = {_lit(summary_id)}"
        f" AND e.applicable > 0 {FORCE}"
        " GROUP BY s.position, e.item_id, e.force_code ORDER BY e.force_code, s.position"
    )
    return _vega(
        db,
        f"{title.split(':')[0]} by force",
        query,
        {
            "mark": {"type": "rect", "tooltip": True},
            "height": {"step": 26},
            "encoding": {
                "x": {"field": "force", "type": "nominal", "title": None},
                "y": {
                    "field": "evidence",
                    "type": "nominal",
                    "sort": {"field": "position"},
                    "title": None,
                    "axis": {"labelLimit": 300},
                },
                "color": {
                    "field": "percent",
                    "type": "quantitative",
                    "scale": {"domain": [0, 100], "scheme": "blues"},
                    "title": "%",
                },
                "tooltip": _tooltip(
                    ("force", "Force"),
                    ("evidence", "Evidence"),
                    ("label", "Completed of applicable"),
                ),
            },
        },
    )


def _rates(db: str, checklist_id: str, summary_id: str, title: str) -> dict[str, Any]:
    """A rates summary's rate columns (those with a denominator) as bars per force."""
    query = (
        "SELECT coalesce(force_name, force_code) AS force, column_label AS figure,"
        " column_position, value, label FROM summary_rates"
        f" WHERE checklist_id = {_lit(checklist_id)} AND summary_id = {_lit(summary_id)}"
        " AND pooled = 0 AND per IS NOT NULL AND value IS NOT NULL"
        " [[ AND force_code = :force ]] ORDER BY column_position, value"
    )
    return _vega(
        db,
        title,
        query,
        {
            "mark": {"type": "bar", "tooltip": True},
            "height": {"step": 12},
            "encoding": {
                "y": {"field": "force", "type": "nominal", "title": None, "sort": "x"},
                "yOffset": {"field": "figure"},
                "x": {"field": "value", "type": "quantitative", "title": None},
                "color": {"field": "figure", "type": "nominal", "title": None},
                "tooltip": _tooltip(("force", "Force"), ("figure", "Figure"), ("label", "Value")),
            },
        },
    )


def _shares(db: str, checklist_id: str, summary_id: str, title: str) -> dict[str, Any]:
    """A shares summary's top items per group as bars."""
    query = (
        "SELECT group_label AS grp, rank, question, percent, label FROM summary_shares"
        f" WHERE checklist_id = {_lit(checklist_id)} AND summary_id = {_lit(summary_id)}"
        " AND (top IS NULL OR rank <= top) ORDER BY group_position, rank"
    )
    return _vega(
        db,
        title,
        query,
        {
            "mark": {"type": "bar", "tooltip": True},
            "height": {"step": 22},
            "encoding": {
                "y": {
                    "field": "question",
                    "type": "nominal",
                    "title": None,
                    "sort": None,
                    "axis": {"labelLimit": 420},
                },
                "yOffset": {"field": "grp"},
                "x": {"field": "percent", "type": "quantitative", "title": "%"},
                "color": {"field": "grp", "type": "nominal", "title": None},
                "tooltip": _tooltip(("grp", "Group"), ("question", "Item"), ("label", "Share")),
            },
        },
    )


def _coverage(db: str) -> dict[str, Any]:
    query = (
        "SELECT coalesce(c.force_name, c.force_code) AS force, coalesce(i.label, i.title,"
        " c.checklist_id) AS checklist, sum(c.final) AS final, sum(c.target) AS target,"
        " sum(c.final) || ' of ' || sum(c.target) AS label"
        " FROM coverage c LEFT JOIN checklist_info i ON i.checklist_id = c.checklist_id"
        f" WHERE c.target IS NOT NULL [[ AND (:force = '{ALL}' OR c.force_name = :force) ]]"
        " GROUP BY c.force_code, c.checklist_id ORDER BY c.force_code, checklist"
    )
    return _vega(
        db,
        "Coverage: counted records against the sample targets",
        query,
        {
            "height": {"step": 9},
            "encoding": {
                "y": {"field": "force", "type": "nominal", "title": None},
                "yOffset": {"field": "checklist"},
                "tooltip": _tooltip(
                    ("force", "Force"), ("checklist", "Checklist"), ("label", "Final of target")
                ),
            },
            "layer": [
                {
                    "mark": {"type": "bar", "tooltip": True},
                    "encoding": {
                        "x": {"field": "final", "type": "quantitative", "title": "Final records"},
                        "color": {"field": "checklist", "type": "nominal", "title": "Checklist"},
                    },
                },
                {
                    "mark": {"type": "tick", "color": "#222", "thickness": 2},
                    "encoding": {"x": {"field": "target", "type": "quantitative"}},
                },
            ],
        },
    )


def _intro(summaries: list[tuple[str, str, str]]) -> dict[str, Any]:
    names = ", ".join(title.split(":")[0] for _, _, title in summaries) or "the findings"
    return {
        "library": "markdown",
        "display": (
            f"**{names}**, evidence by force and coverage. Final, non-deleted records, one "
            "per case; not applicable left out of both counts; pooled across forces; "
            "rounded half up. Choose a force above to see one force's figures."
        ),
    }


def dashboard(
    db: str,
    summaries: list[tuple[str, str, str]],
    others: list[tuple[str, str, str, str]] | None = None,
) -> dict[str, Any]:
    """One database's dashboard; `summaries`: (checklist id, summary id, title) of Table 2's
    kind; `others`: (checklist id, summary id, title, kind) of the rates and shares kinds."""
    charts: dict[str, Any] = {"intro": _intro(summaries)}
    layout: list[list[str]] = [["intro"]]
    for n, (cid, sid, title) in enumerate(summaries):
        charts[f"shown-{n}"] = _shown(db, cid, sid, title)
        charts[f"summary-{n}"] = _summary_bars(db, cid, sid, title)
        charts[f"by-force-{n}"] = _by_force(db, cid, sid, title)
        layout += [[f"shown-{n}"], [f"summary-{n}"], [f"by-force-{n}"]]
    for n, (cid, sid, title, kind) in enumerate(others or []):
        make = _rates if kind == "rates" else _shares
        charts[f"{kind}-{n}"] = make(db, cid, sid, title)
        layout.append([f"{kind}-{n}"])
    charts["coverage"] = _coverage(db)
    layout.append(["coverage"])
    return {
        "title": f"Findings: {db}",
        "description": "Table 2 as bars, evidence by force, coverage against targets.",
        "layout": layout,
        "filters": {
            "force": {
                "name": "Force",
                "type": "select",
                "db": db,
                "query": f"SELECT {_lit(ALL)} AS name UNION ALL"
                " SELECT * FROM (SELECT name FROM forces ORDER BY name)",
                "default": ALL,
            }
        },
        "charts": charts,
    }
