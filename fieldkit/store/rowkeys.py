"""The keys of the rows a merge unions (fieldkit.store.schema.UNION_TABLES: the register's
and the action plans' tables): the store owns them, since a merge, a scrub and the register's
writers must all derive a row's key the same way.

Every row of a merged register table is keyed by a digest of its whole content:
`digest(tag, *columns)` is the first 24 hex characters of the sha256 of the compact JSON
array `[tag, col1, col2, ...]` (UTF-8, `ensure_ascii=False`, separators `,` and `:`), with
the tag and columns listed in ROW_KEYS below (plans are keyed by `<force_code>:<name>`). So
two databases holding the same key hold the same row, a merge is a plain union (INSERT OR
IGNORE), and `row_key(table, row)` recomputes the key a row claims, for a check that a row
has not been edited. Every table is append-only: a withdrawal or a correction is a new row
(`register_withdrawals`), never an update."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

DIGEST_CHARS = 24  # 96 bits of sha256, as hex


def digest(*parts: Any) -> str:
    """A stable id for a row: sha256 of the JSON of its parts (None-safe, order-sensitive)."""
    data = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


ROW_KEYS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # table: (key column, tag, columns digested in this order)
    "register_entries": (
        "entry_id",
        "register_entry",
        ("reg_id", "rec_id", "source_report", "rec_number", "heading", "title_line", "text"),
    ),
    "rec_events": (
        "event_id",
        "rec_event",
        (
            "rec_id",
            "reg_id",
            "event_date",
            "date_text",
            "seq",
            "kind",
            "status_slug",
            "comment_text",
            "source",
            "author",
            "recorded_at",
        ),
    ),  # fmt: skip
    "plan_themes": ("row_id", "plan_theme", ("plan_id", "code", "title", "includes", "position")),
    "plan_objectives": (
        "row_id",
        "plan_objective",
        ("plan_id", "objective_id", "theme_code", "text", "position"),
    ),
    "plan_events": (
        "event_id",
        "plan_event",
        (
            "plan_id",
            "objective_id",
            "event_date",
            "seq",
            "kind",
            "value",
            "note",
            "source",
            "author",
            "recorded_at",
        ),
    ),  # fmt: skip
    "plan_links": (
        "link_id",
        "plan_link",
        (
            "plan_id",
            "objective_id",
            "rec_id",
            "linked",
            "event_date",
            "seq",
            "source",
            "author",
            "recorded_at",
        ),
    ),  # fmt: skip
    "register_withdrawals": (
        "withdrawal_id",
        "register_withdrawal",
        ("target", "target_id", "replaced_by", "reason", "author", "recorded_at"),
    ),
}


def row_columns(table: str) -> tuple[str, ...]:
    """The columns a row of `table` is written with: its key, then the columns the key is a
    digest of (the writers insert in this order)."""
    key, _, columns = ROW_KEYS[table]
    return (key, *columns)


def row_key(table: str, row: Any) -> str:
    """The key a row of a merged register table must have, from its other columns
    (`row` maps column names to values, e.g. a sqlite3.Row)."""
    if table == "plans":
        return f"{row['force_code']}:{row['name']}"
    _, tag, columns = ROW_KEYS[table]
    return digest(tag, *(row[c] for c in columns))


def register_sql(conn: sqlite3.Connection) -> None:
    """Give `conn` the SQL function `fieldkit_row_key(table, col1, col2, ...)`: the key a row
    of `table` has, from the columns ROW_KEYS digests, in that order."""

    def row_key_sql(table: str, *parts: Any) -> str:
        return digest(ROW_KEYS[table][1], *parts)

    conn.create_function("fieldkit_row_key", -1, row_key_sql, deterministic=True)
