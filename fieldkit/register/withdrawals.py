"""Withdrawing and correcting register and plan events as logged changes (issue 16).

Nothing is updated or deleted: a withdrawal is a new row of `register_withdrawals` naming
the event it withdraws (and, for a correction, the event that replaces it). The views
`rec_event_history` and `plan_event_history` mark the withdrawn event identity; current
statuses, RAG ratings and exports leave it out. Merges union the rows like any other."""

from __future__ import annotations

import sqlite3
from typing import Any

from fieldkit import sql
from fieldkit.errors import BadInput
from fieldkit.register.ids import digest, now_iso

MIN_PREFIX = 6
# Why an event was withdrawn: a fixed list, not free text (free text here would escape
# `pii`, `scrub` and `--redact`, which read comments and notes only).
REASONS = ("typo", "wrong-date", "wrong-status", "wrong-recommendation", "personal-data",
           "duplicate", "other")  # fmt: skip


def check_reason(reason: str | None) -> str | None:
    """A withdrawal reason from REASONS (None when not given); BadInput naming them."""
    if reason is None or not reason.strip():
        return None
    r = reason.strip().lower().replace(" ", "-")
    if r not in REASONS:
        raise BadInput(f"unknown reason {reason!r} (known: {', '.join(REASONS)})")
    return r


TARGETS = {"rec_event": "rec_event_history", "plan_event": "plan_event_history"}


def find_event(conn: sqlite3.Connection, target: str, ref: str) -> dict[str, Any]:
    """The (not yet withdrawn) event a user names by its id or a unique prefix of it."""
    t = ref.strip().lower()
    if len(t) < MIN_PREFIX or not all(c in "0123456789abcdef" for c in t):
        raise BadInput(
            f"event {ref!r}: give its id (at least {MIN_PREFIX} hex characters, "
            "as `register show` / `plans show` print it)"
        )
    rows = sql.rows(
        conn,
        f"SELECT * FROM {TARGETS[target]} WHERE event_id >= ? AND event_id < ? LIMIT 3",
        (t, t + "g"),
    )
    if not rows:
        raise BadInput(f"no event {ref!r} (ids are printed by `register show` / `plans show`)")
    if len(rows) > 1:
        raise BadInput(f"event {ref!r} is ambiguous: give more of its id")
    row = rows[0]
    if row["withdrawn"]:
        raise BadInput(f"event {row['event_id']} was already withdrawn ({row['withdrawn_at']})")
    return row


def withdraw(
    conn: sqlite3.Connection,
    target: str,
    target_id: str,
    *,
    reason: str | None,
    replaced_by: str | None,
    author: str | None,
) -> None:
    """Record a withdrawal of `target_id` (a register_withdrawals row with its digest id),
    naming its correction if there is one. The caller holds the write transaction."""
    reason = check_reason(reason)
    recorded = now_iso()
    parts = (target, target_id, replaced_by, reason, author, recorded)
    row = {
        "withdrawal_id": digest("register_withdrawal", *parts),
        "target": target,
        "target_id": target_id,
        "replaced_by": replaced_by,
        "reason": reason,
        "author": author,
        "recorded_at": recorded,
    }
    cols = list(row)
    conn.execute(
        f"INSERT OR IGNORE INTO register_withdrawals ({', '.join(cols)})"
        f" VALUES ({', '.join(':' + c for c in cols)})",
        row,
    )
