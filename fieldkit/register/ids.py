"""Deterministic row ids, dates and small text helpers shared by the register and plans.

Keys (what a merge unions on). Every row of a merged register table is keyed by a digest of
its whole content: `digest(tag, *columns)` is the first 24 hex characters of the sha256 of
the compact JSON array `[tag, col1, col2, ...]` (UTF-8, `ensure_ascii=False`, separators
`,` and `:`), with the tag and columns listed in ROW_KEYS below (plans are keyed by
`<force_code>:<name>`). So two databases holding the same key hold the same row, a merge is a
plain union (INSERT OR IGNORE), and `row_key(table, row)` recomputes the key a row claims,
for a check that a row has not been edited. Every table is append-only: a withdrawal or a
correction is a new row (`register_withdrawals`), never an update.

Identity (what a user sees as "one event"). A key also covers how an event arrived (source,
author, when it was typed, its position in a file), so the same event typed on a laptop and
imported from an exported register file has two keys. What makes it ONE event is its content:
(recommendation, date, kind, status slug or comment text) for `rec_events`, and (plan,
objective, kind, date, value, note) for `plan_events`. The views `rec_event_history` and
`plan_event_history` (schema step 0004) show each identity once (the row with the smallest
key); `register import` skips an event whose identity is already held; a withdrawal withdraws
the identity, whichever of its rows it names."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from fieldkit.errors import BadInput
from fieldkit.register.parse import parse_date

DIGEST_CHARS = 24  # 96 bits of sha256, as hex
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
UK_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # day/month/year, as UK sheets write


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


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def today_iso() -> str:
    return date.today().isoformat()


def iso_date(text: str | date | datetime, what: str = "date") -> str:
    """A date typed or imported (2014-03-27, 27th March 2014, 27 Mar 2014, a datetime) as ISO;
    BadInput with a clear reason otherwise."""
    if isinstance(text, datetime):
        return text.date().isoformat()
    if isinstance(text, date):
        return text.isoformat()
    t = str(text).strip()
    m = UK_DATE_RE.match(t)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        return parse_date(t)
    except ValueError as e:
        if m:
            raise BadInput(f"bad {what}: {t!r} is not a real date (day/month/year)") from None
        raise BadInput(f"bad {what}: {e}") from None


def norm(text: str) -> str:
    """Text for matching: straight quotes, no markdown bold, case-folded, single spaces."""
    t = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    t = t.replace("\u201d", '"').replace("*", "").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(t.casefold().split()).strip(" .:;")


def slug(text: str) -> str:
    """A lower-case name with hyphens: 'Kent DA plan 2018' -> 'kent-da-plan-2018'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
