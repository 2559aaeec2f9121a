"""What a team lead moderates after merging: value conflicts and duplicate records."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from fieldkit import sql
from fieldkit.store.log import hlc_ms

Q = sql.queries("merge")


def when(hlc: int | None) -> str | None:
    """A hybrid logical clock as an ISO time (UTC, seconds)."""
    if hlc is None:
        return None
    return datetime.fromtimestamp(hlc_ms(int(hlc)) / 1000, UTC).isoformat(timespec="seconds")


def value_conflicts(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Open conflicts: the value that lost (`value`, `author`, `at`) beside the one kept
    (`winner_value`, `winner_author`, `winner_at`). Settle one with
    Store.settle(change_id, keep='winner' | 'other')."""
    out = sql.rows(conn, Q["value_conflicts"])
    for row in out:
        row["at"] = when(row["hlc"])
        row["winner_at"] = when(row["winner_hlc"])
    return out


def duplicates(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Natural keys recorded more than once (records of one checklist with the same key
    under different record ids, not deleted): one entry per key with its `records`, the
    copy reports count (`counted`) first when one is final."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sql.rows(conn, Q["duplicates"]):
        key = (row["checklist_id"], row["natural_key"])
        group = groups.setdefault(
            key, {"checklist_id": key[0], "natural_key": key[1], "records": []}
        )
        row["created_at"] = when(row["created_hlc"])
        group["records"].append(row)
    for group in groups.values():
        group["records"].sort(key=lambda r: (-r["counted"], r["created_hlc"], r["record_id"]))
    return list(groups.values())
