"""Tables keyed by a digest (`changes`, `chain_heads`): Datasette draws a table's primary key
itself, as a link to the row's page, writing a binary key as Python's bytes repr, and that
page cannot find a binary key. fieldkit's `_table.html` (Datasette's, with one branch) asks
`fieldkit_digest_key` (prepare_jinja2_environment) for each key cell: on these tables of a
fieldkit database, the key is the 32 hex digits `verify` prints, linking to the table
filtered to that row."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl

from fieldkit.datasette.plugin import databases
from fieldkit.datasette.plugin.cells import hex_id

DIGEST_KEYED = frozenset({"changes", "chain_heads"})


@dataclass(frozen=True)
class DigestKey:
    text: str  # 32 hex digits
    href: str  # the table filtered to this row


def digest_key(datasette: Any, database: Any, table: Any, cell: Any) -> DigestKey | None:
    """A key cell of a digest-keyed fieldkit table, as hex with its link; None otherwise."""
    if table not in DIGEST_KEYED or cell.get("value_type") != "pk":
        return None
    raw = str(cell.get("raw", ""))
    if not raw.startswith(("b'", 'b"')) or databases.of(datasette, database) is None:
        return None
    try:
        text = hex_id(ast.literal_eval(raw))  # Datasette wrote the key as str(bytes)
    except (ValueError, SyntaxError):
        return None
    if text is None:
        return None
    where = f"{cell['column']} = X'{text}'"
    return DigestKey(
        text, f"{datasette.urls.table(database, table)}?{urlencode({'_where': where})}"
    )


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    env.globals["fieldkit_digest_key"] = lambda database, table, cell: digest_key(
        datasette, database, table, cell
    )
