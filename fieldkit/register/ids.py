"""Deterministic row ids, dates and small text helpers shared by the register and plans.

Keys (what a merge unions on): every row of a merged register table is keyed by a digest of
its whole content. The rule (`digest`, `ROW_KEYS`, `row_key`, `row_columns`) is the store's
(fieldkit/store/rowkeys.py: merge and scrub derive keys the same way) and is re-exported here.

Identity (what a user sees as "one event"). A key also covers how an event arrived (source,
author, when it was typed, its position in a file), so the same event typed on a laptop and
imported from an exported register file has two keys. What makes it ONE event is its content:
(recommendation, date, kind, status slug or comment text) for `rec_events`, and (plan,
objective, kind, date, value, note) for `plan_events`. The views `rec_event_history` and
`plan_event_history` (schema step 0004) show each identity once (the row with the smallest
key); `register import` skips an event whose identity is already held; a withdrawal withdraws
the identity, whichever of its rows it names."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from fieldkit.errors import BadInput
from fieldkit.register.parse import parse_date
from fieldkit.store.rowkeys import DIGEST_CHARS as DIGEST_CHARS
from fieldkit.store.rowkeys import ROW_KEYS as ROW_KEYS
from fieldkit.store.rowkeys import digest as digest
from fieldkit.store.rowkeys import row_columns as row_columns
from fieldkit.store.rowkeys import row_key as row_key

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
UK_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # day/month/year, as UK sheets write


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
