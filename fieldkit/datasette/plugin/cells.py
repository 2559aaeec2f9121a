"""How a cell reads (render_cell): answers as words (n/a, choice labels, "3 Adequate", the
stored value as the tooltip), change ids and every other 16-byte digest as the 32 hex digits
`verify` prints, a view's blob without a link to a row page it lacks, and a record's id linked
to its answers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

from fieldkit.checklists.model import NA, UNKNOWN
from fieldkit.datasette.plugin import databases
from fieldkit.store import ID_BYTES

RECORD_TABLES = ("records", "record_facts", "counted_records")


def readable(item: Any, value: Any) -> str:
    if value == NA:
        return "n/a"
    if value == UNKNOWN:
        return "unknown"
    return item.display(value)


def hex_id(value: Any) -> str | None:
    """A change id or another 16-byte digest as fieldkit prints it (32 hex digits), or None
    for any other value."""
    if isinstance(value, bytes) and len(value) == ID_BYTES:
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
    info = databases.of(datasette, database)
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
