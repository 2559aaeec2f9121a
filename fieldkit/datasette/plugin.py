"""fieldkit's Datasette plugin (registered through the `datasette` entry point, so plain
`datasette team.db` shows the same as `fieldkit serve`).

- get_metadata: titles and descriptions for every table, view and column, question text
  for item columns, canned queries and default facets, for every fieldkit database served;
- prepare_connection: the current view definitions (as TEMP views when the file's own are
  missing or stale, never writing the file), fieldkit_percent()/fieldkit_label() SQL
  functions (the same half-up rounding as the report), and query_only;
- render_cell: answers shown readably (n/a, choice labels, "3 Adequate"); change ids and
  every other 16-byte digest (parent, prev, cells.change_id, chain_heads, in tables, views
  and queries) as 32 hex digits, not binary download links;
- asgi_wrapper: the same for the first column of a table whose primary key is such a digest
  (changes, chain_heads), which Datasette draws itself as a link to a row page it cannot
  find for a binary key: the hex, linking to the table filtered to that row;
- register_routes, forbidden: when `fieldkit serve --public` set a password, the `/-/login`
  page checks it once (in a worker thread, one check at a time, so guesses never hold up
  other requests) and sets Datasette's signed `ds_actor` cookie for SESSION_HOURS; a
  visitor without it is sent there; wrong passwords are throttled per address, and
  /-/allow-debug asks the same permission as every page (fieldkit/datasette/guard.py);
- prepare_connection also installs guard's SQLite authorizer (no fts3_tokenizer, no
  pragma_database_list) and value size limit.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import html
import json
import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils import baseconv
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from fieldkit.checklists.model import NA, UNKNOWN
from fieldkit.datasette import dashboards, guard
from fieldkit.datasette.metadata import (
    INSTANCE,
    DatabaseInfo,
    database_info,
    findings_html,
    is_fieldkit,
)
from fieldkit.errors import FieldkitError
from fieldkit.report import compare, numbers
from fieldkit.store import connection, digest, views

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
        conn = sqlite3.connect(connection.read_uri(Path(path)), uri=True)
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
        boards[slug] = dashboards.dashboard(
            name, info.summaries, info.other_summaries
        )  # fresh: the plugin edits it
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
    guard.limit_connection(conn)  # no pointer- or path-leaking SQL, no gigabyte values
    conn.create_function("fieldkit_percent", 2, _percent, deterministic=True)
    conn.create_function("fieldkit_label", 2, _label, deterministic=True)
    for name, (arity, fn) in compare.sql_functions().items():
        conn.create_function(name, arity, fn, deterministic=True)
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


def hex_id(value: Any) -> str | None:
    """A change id or another 16-byte digest as fieldkit prints it (32 hex digits), or None
    for any other value."""
    if isinstance(value, bytes) and len(value) == digest.ID_BYTES:
        return value.hex()
    return None


# Views whose columns can hold blobs: cells (a view of the change log since schema step 6)
# names each winner's 16-byte change id.
BLOB_VIEWS = frozenset({"cells"})


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    if value is None:
        return None
    db = datasette.databases.get(database)
    info = _info(getattr(db, "path", None)) if db is not None else None
    if info is not None and hex_id(value) is not None:
        return Markup(f'<span class="fieldkit-id">{hex_id(value)}</span>')
    if isinstance(value, bytes) and table in BLOB_VIEWS:
        # Datasette links a stored blob to its row's page, which a view's rows lack (its
        # page failed): the same words, without the link
        n = len(value)
        return Markup(f"&lt;Binary:&nbsp;{n:,}&nbsp;byte{'' if n == 1 else 's'}&gt;")
    if table is None:
        return None
    if (
        info is not None
        and column == "record_id"
        and (
            table in RECORD_TABLES or table in info.headings  # the wide views
        )
    ):
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


# --------------------------------------------------------------------------- logging in
_verifying = threading.Lock()  # one password check at a time, whatever the guessing


def _login_config(datasette: Any) -> dict[str, Any] | None:
    config = datasette.plugin_config("fieldkit") or {}
    return config if config.get("password_hash") else None


def _check(password: str, stored: str) -> bool:
    from datasette_auth_passwords.utils import verify_password

    with _verifying:
        return bool(verify_password(password, stored))


def _next_path(value: Any) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    text = str(value or "/")
    return text if text.startswith("/") and not text.startswith("//") else "/"


def _login_page(request: Any, error: str | None, next_path: str) -> str:
    token = request.scope["csrftoken"]() if "csrftoken" in request.scope else ""
    message = f'<p class="message-error">{escape(error)}</p>' if error else ""
    return (
        "<!DOCTYPE html><html><head><title>fieldkit: log in</title></head><body>"
        "<h1>Log in</h1>"
        f"{message}"
        f'<form action="login" method="post">'
        f'<input type="hidden" name="csrftoken" value="{escape(token)}">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<p><label>Password <input type="password" name="password" autofocus></label></p>'
        '<p><input type="submit" value="Log in"></p>'
        "</form></body></html>"
    )


async def login(request: Any, datasette: Any) -> Response:
    config = _login_config(datasette)
    if config is None:
        return Response.text("Not found", status=404)
    error = None
    next_path = _next_path(request.args.get("next"))
    if request.method == "POST":
        form = await request.post_vars()
        next_path = _next_path(form.get("next"))
        password = str(form.get("password") or "")
        throttle, client = guard.throttle_for(datasette), guard.client_of(request)
        wait = throttle.begin(client)
        if wait:
            error = f"Too many wrong passwords: try again in {max(1, round(wait))} s."
            return Response.html(_login_page(request, error, next_path), status=429)
        if await asyncio.to_thread(_check, password, config["password_hash"]):
            throttle.passed(client)
            hours = float(config.get("session_hours") or 12)
            expires = baseconv.base62.encode(int(time.time() + hours * 3600))
            actor = {"a": {"id": config.get("account") or "fieldkit"}, "e": expires}
            response = Response.redirect(datasette.urls.path(next_path))
            response.set_cookie(
                "ds_actor", datasette.sign(actor, "actor"), httponly=True, samesite="lax"
            )
            return response
        throttle.failed(client)
        error = "Wrong password."
    html = _login_page(request, error, next_path)
    return Response.html(html, status=401 if error else 200)


async def allow_debug(request: Any, datasette: Any) -> Response:
    """Datasette's /-/allow-debug, which asks no permission, behind the same one as every
    other page (a visitor who has not logged in is sent to log in)."""
    from datasette.views.special import AllowDebugView

    await datasette.ensure_permissions(request.actor, ["view-instance"])
    return await AllowDebugView(datasette).get(request)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/login$", login), (r"^/-/allow-debug$", allow_debug)]


@hookimpl
def forbidden(datasette: Any, request: Any, message: str) -> Any:
    """A visitor who has not logged in is sent to the login page (and back after)."""
    if _login_config(datasette) is None or request.actor:
        return None
    back = quote(request.full_path, safe="/")
    return Response.redirect(datasette.urls.path("/-/login") + f"?next={back}")


# ------------------------------------------------------- digest primary keys (changes)
# Datasette draws a table's primary key itself (no render_cell) as a link to the row's page,
# writing a binary key as Python's bytes repr; that page cannot find a binary key. On the
# tables keyed by a digest, the key is shown as hex and links to the table filtered to it.
DIGEST_KEYED = ("changes", "chain_heads")
_PAGE = re.compile(rf"^/[^/]+/(?:{'|'.join(DIGEST_KEYED)})$")
_PK_CELL = re.compile(
    r'<td class="col-(?P<col>[\w-]+) type-pk"><a href="(?P<href>[^"]*)">'
    r"(?P<repr>b(?:&#39;|&#34;).*?(?:&#39;|&#34;))</a></td>"
)


def _hex_key_cell(match: re.Match[str]) -> str:
    try:
        value = ast.literal_eval(html.unescape(match["repr"]))
    except (ValueError, SyntaxError):
        return match[0]
    text = hex_id(value)
    if text is None:
        return match[0]
    table = html.unescape(match["href"]).rsplit("/", 1)[0]
    where = f"{match['col']} = X'{text}'"
    href = f"{table}?{urlencode({'_where': where})}"
    return (
        f'<td class="col-{match["col"]} type-pk"><a href="{escape(href)}">'
        f'<span class="fieldkit-id">{text}</span></a></td>'
    )


def _page_path(datasette: Any, scope: dict) -> str:
    """The request's path as Datasette routes it: without the `base_url` prefix it is
    served under (behind a proxy)."""
    path = str(scope.get("path", ""))
    base = str(datasette.setting("base_url") or "/")
    if base != "/" and path.startswith(base):
        return "/" + path[len(base) :]
    return path


def hex_keys(page: str) -> str:
    """A table page of `changes` or `chain_heads` with its key column as hex."""
    return _PK_CELL.sub(_hex_key_cell, page)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def wrapped(scope: dict, receive: Any, send: Any) -> None:
            if scope.get("type") != "http" or not _PAGE.match(_page_path(datasette, scope)):
                await app(scope, receive, send)
                return
            start: dict[str, Any] = {}
            body: list[bytes] = []

            async def capture(message: dict) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                    return
                if message["type"] != "http.response.body":
                    await send(message)
                    return
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                data = b"".join(body)
                headers = [
                    (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
                ]
                kind = dict(headers).get(b"content-type", b"")
                if kind.startswith(b"text/html") and _databases(datasette):
                    data = hex_keys(data.decode("utf-8")).encode("utf-8")
                headers.append((b"content-length", str(len(data)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": data})

            await app(scope, receive, capture)

        return wrapped

    return wrap
