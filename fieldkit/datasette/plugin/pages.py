"""The pages' words: titles, descriptions, canned queries and facets for every fieldkit
database served (get_metadata, with the findings dashboard), and the questions as the wide
views' column headings (extra_body_script, headings.js)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from datasette import hookimpl
from markupsafe import escape

from fieldkit.datasette import dashboards
from fieldkit.datasette.metadata import INSTANCE, findings_html
from fieldkit.datasette.plugin import databases


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict:
    dbs = databases.served(datasette)
    if not dbs:
        return {}
    boards = {}
    described = {}
    for n, (name, info) in enumerate(dbs.items()):
        slug = dashboards.slug(name, n == 0)
        boards[slug] = dashboards.dashboard(
            name, info.summaries, info.other_summaries
        )  # fresh: the plugin edits it
        described[name] = {**info.metadata, "description_html": findings_html(name, info, slug)}
    first = dashboards.slug(next(iter(dbs)), True)
    return {
        "title": INSTANCE["title"],
        "description_html": (
            f"<p>{escape(INSTANCE['description'])}</p>"
            f'<p><strong><a href="/-/dashboards/{first}">Open the findings dashboard</a></strong>'
            " (Table 2 as bars, evidence by force, coverage against targets), or a database "
            "below for its findings and tables.</p>"
        ),
        "databases": described,
        "plugins": {"datasette-dashboards": boards},
    }


@hookimpl
def extra_body_script(
    template: str, database: str | None, table: str | None, datasette: Any
) -> str | None:
    """On a wide checklist view, the column headings become the questions (the item id
    stays as the tooltip), so no glossary is needed above the rows."""
    if not (database and table) or template != "table.html":
        return None
    info = databases.of(datasette, database)
    headings = info.headings.get(table) if info is not None else None
    if not headings:
        return None
    script = (resources.files(__package__) / "headings.js").read_text("utf-8")
    return script.replace("__HEADINGS__", json.dumps(headings).replace("</", "<\\/"))
