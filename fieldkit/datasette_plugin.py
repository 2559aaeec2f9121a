"""fieldkit's Datasette plugin (registered through the `datasette` entry point, so plain
`datasette team.db` shows the same as `fieldkit serve`).

- get_metadata: titles and descriptions for every table, view and column, question text
  for item columns, canned queries and default facets, for every fieldkit database served;
- prepare_connection: the current view definitions (as TEMP views when the file's own are
  missing or stale, never writing the file), fieldkit_percent()/fieldkit_label() SQL
  functions (the same half-up rounding as the report), and query_only;
- render_cell: answers shown readably (n/a, choice labels, "3 Adequate").
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

from fieldkit.checklists.model import NA, UNKNOWN
from fieldkit.datasette import dashboards
from fieldkit.datasette.metadata import (
    INSTANCE,
    DatabaseInfo,
    database_info,
    findings_html,
    is_fieldkit,
)
from fieldkit.errors import FieldkitError
from fieldkit.report import numbers
from fieldkit.store import views

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], DatabaseInfo | None]] = {}
DEFAULT_TIME_LIMIT_MS = 1000
FIELDKIT_TIME_LIMIT_MS = 15000


def _signature(path: str) -> tuple[int, int]:
    def mtime(p: str) -> int:
        try:
            return os.stat(p).st_mtime_ns
        except OSError:
            return 0

    return mtime(path), mtime(path + "-wal")


def _info(path: str | None) -> DatabaseInfo | None:
    """fieldkit's metadata for a database file (None if it is not a fieldkit database),
    cached until the file changes."""
    if not path:
        return None
    sig = _signature(path)
    with _lock:
        hit = _cache.get(path)
        if hit and hit[0] == sig:
            return hit[1]
    info: DatabaseInfo | None = None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if is_fieldkit(conn):
                info = database_info(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        info = None
    with _lock:
        _cache[path] = (sig, info)
    return info


def _databases(datasette: Any) -> dict[str, DatabaseInfo]:
    out = {}
    for name, db in datasette.databases.items():
        info = _info(getattr(db, "path", None))
        if info is not None:
            out[name] = info
    return out


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict:
    dbs = _databases(datasette)
    if not dbs:
        return {}
    boards = {}
    databases = {}
    for n, (name, info) in enumerate(dbs.items()):
        slug = dashboards.slug(name, n == 0)
        boards[slug] = dashboards.dashboard(name, info.summaries)  # fresh: the plugin edits it
        databases[name] = {**info.metadata, "description_html": findings_html(name, info, slug)}
    first = dashboards.slug(next(iter(dbs)), True)
    return {
        "title": INSTANCE["title"],
        "description_html": (
            f"<p>{escape(INSTANCE['description'])}</p>"
            f'<p><strong><a href="/-/dashboards/{first}">Open the findings dashboard</a></strong>'
            " (Table 2 as bars, evidence by force, coverage against targets), or a database "
            "below for its findings and tables.</p>"
        ),
        "databases": databases,
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
    db = datasette.databases.get(database)
    info = _info(getattr(db, "path", None)) if db is not None else None
    headings = info.headings.get(table) if info is not None else None
    if not headings:
        return None
    return HEADINGS_JS.replace("__HEADINGS__", json.dumps(headings).replace("</", "<\\/"))


RECORD_TABLES = ("records", "record_facts", "counted_records")

HEADINGS_JS = """
(function () {
  var headings = __HEADINGS__;
  document.querySelectorAll("th[data-column]").forEach(function (th) {
    var name = th.getAttribute("data-column");
    var text = headings[name];
    if (!text) { return; }
    th.setAttribute("title", name);
    var target = th.querySelector("a") || th.querySelector("span") || th;
    target.textContent = text;
    th.style.minWidth = "12em";
    th.style.whiteSpace = "normal";
  });
  // the column glossary: folded away, one click to open
  var glossary = document.querySelector("dl.column-descriptions");
  if (glossary) {
    var details = document.createElement("details");
    details.className = "fieldkit-glossary";
    var summary = document.createElement("summary");
    summary.textContent = "Column glossary (" + glossary.querySelectorAll("dt").length + " columns)";
    details.appendChild(summary);
    glossary.parentNode.insertBefore(details, glossary);
    details.appendChild(glossary);
  }
})();
"""


def _percent(completed: Any, applicable: Any) -> int | None:
    if completed is None or applicable is None:
        return None
    return numbers.percent(int(completed), int(applicable))


def _label(completed: Any, applicable: Any) -> str | None:
    if completed is None or applicable is None:
        return None
    return numbers.label(int(completed), int(applicable))


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    conn.create_function("fieldkit_percent", 2, _percent, deterministic=True)
    conn.create_function("fieldkit_label", 2, _label, deterministic=True)
    if not is_fieldkit(conn):
        return
    # An unreadable definition: browse the tables as they are.
    with contextlib.suppress(sqlite3.DatabaseError, FieldkitError):
        views.ensure(conn)
    conn.execute("PRAGMA query_only = 1")


@hookimpl
def startup(datasette: Any) -> None:
    # The views aggregate every answer; Datasette's default one-second limit is too short
    # for a large merged database. Raise it only when nobody set it.
    if not _databases(datasette):
        return
    settings = getattr(datasette, "_settings", None)
    if isinstance(settings, dict) and settings.get("sql_time_limit_ms") == DEFAULT_TIME_LIMIT_MS:
        settings["sql_time_limit_ms"] = FIELDKIT_TIME_LIMIT_MS


def readable(item: Any, value: Any) -> str:
    if value == NA:
        return "n/a"
    if value == UNKNOWN:
        return "unknown"
    return item.display(value)


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    if value is None or table is None:
        return None
    db = datasette.databases.get(database)
    info = _info(getattr(db, "path", None)) if db is not None else None
    if info is not None and column == "record_id" and table in RECORD_TABLES:
        # a record's page (and every list of records) links to its answers, in order
        href = (
            datasette.urls.database(database)
            + "/record_answers?"
            + urlencode({"record_id": str(value)})
        )
        return Markup(f'{escape(str(value))} <a href="{escape(href)}">answers</a>')
    if info is None or table not in info.item_columns:
        return None
    item = info.item_columns[table].get(column)
    if item is None and column in ("value", "kept_value", "other_value", "winner_value"):
        keys = list(row.keys()) if hasattr(row, "keys") else []
        if "kind" in keys and row["kind"] != "answer":
            return None
        field = row["item_id"] if "item_id" in keys else row["field"] if "field" in keys else None
        item = info.items.get(field) if isinstance(field, str) else None
    if item is None:
        return None
    try:
        text = readable(item, value)
    except (TypeError, ValueError):
        return None
    if text == str(value):
        return None
    return Markup(f'<span title="stored as {escape(str(value))}">{escape(text)}</span>')
