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
from collections.abc import Sequence
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


def key_columns(table: str) -> tuple[str, tuple[str, ...]]:
    """(the key column, the columns it follows from) of a merged table, `plans` included."""
    if table == "plans":
        return "plan_id", ("force_code", "name")
    key, _, columns = ROW_KEYS[table]
    return key, columns


BINARY = "holds a binary value"  # key_problem's answer for a row no writer could make


def key_problem(table: str, key: Any, parts: Sequence[Any]) -> str | None:
    """Why a row of a merged table does not hold under its key (`parts`: the values of
    key_columns(table)[1]), or None when it does: what a merge checks in every source and
    `fieldkit verify` in a database."""
    if any(isinstance(v, bytes) for v in (key, *parts)):
        return BINARY
    expected = f"{parts[0]}:{parts[1]}" if table == "plans" else digest(ROW_KEYS[table][1], *parts)
    if key != expected:
        return "does not match its content (its key is made from the row)"
    return None


def edited_rows(conn: sqlite3.Connection, schema: str = "main") -> tuple[int, list[str]]:
    """(rows checked, one line per row of a merged table that does not hold under its key)
    in a database: a register or plan row edited after it was written."""
    held = {r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master")}
    checked, problems = 0, []
    for table in (*ROW_KEYS, "plans"):
        if table not in held:
            continue
        key, parts = key_columns(table)
        cols = ", ".join(f'"{c}"' for c in (key, *parts))
        for ident, *values in conn.execute(f'SELECT {cols} FROM {schema}."{table}"'):
            checked += 1
            if (why := key_problem(table, ident, values)) is not None:
                problems.append(f"{table} row {ident!r} {why} (edited)")
    return checked, problems


def register_sql(conn: sqlite3.Connection) -> None:
    """Give `conn` the SQL function `fieldkit_row_key(table, col1, col2, ...)`: the key a row
    of `table` has, from the columns ROW_KEYS digests, in that order."""

    def row_key_sql(table: str, *parts: Any) -> str:
        return digest(ROW_KEYS[table][1], *parts)

    conn.create_function("fieldkit_row_key", -1, row_key_sql, deterministic=True)
