"""What a team lead moderates after merging: value conflicts and duplicate records."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.store import hlc_ms

if TYPE_CHECKING:
    from fieldkit.store import Store

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


def field_name(conflict: dict[str, Any]) -> str:
    """The answer a conflict is about: its item id, with the repeat key in brackets."""
    return conflict["field"] + (f"[{conflict['rkey']}]" if conflict["rkey"] else "")


def outstanding(store: Store) -> dict[str, int]:
    """What is left to moderate in a (team) database: its live records, open conflicts
    and natural keys recorded more than once."""
    counts = store.counts()
    return {
        "records": counts["records"],
        "conflicts": counts["conflicts"],
        "duplicate_keys": len(duplicates(store.conn)),
    }


def settle(store: Store, change_id: str, keep: str) -> dict[str, Any]:
    """Settle the open conflict `change_id`, keeping the winning value ('winner') or the
    other one ('other'): a logged change that merges like any other. Returns the
    conflict as it stood, with the value `kept`."""
    row = next((c for c in value_conflicts(store.conn) if c["change_id"] == change_id), None)
    if row is None:
        raise BadInput(f"no open conflict {change_id!r} (see `fieldkit conflicts`)")
    store.settle(change_id, keep=keep)
    return {**row, "kept": row["winner_value"] if keep == "winner" else row["value"]}
