"""Deterministic row ids, dates and small text helpers shared by the register and plans.

Every merged register row is keyed by a digest of its whole content, so two databases that
hold the same key hold the same row and a merge is a plain union."""

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
