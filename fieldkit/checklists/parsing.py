"""Typed or imported text turned into an item's stored value (Item.parse), or refused
with AnswerError naming the item. Pure: no SQLite, no Textual."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from fieldkit.checklists.geo import parse_geo
from fieldkit.checklists.kinds import (
    ATTACHMENT_KINDS,
    DIGEST_RE,
    GEO_KINDS,
    INTEGER_KINDS,
    NA,
    UNKNOWN,
    YESNO_KINDS,
    AnswerError,
)
from fieldkit.checklists.rank import rank_codes


def parse_answer(item: Any, raw: Any) -> Any:
    """Turn typed or imported text into the stored value of `item` (a model.Item, which
    calls this as Item.parse); raise AnswerError if it does not fit. Returns None for blank
    (unanswered)."""
    if raw is None:
        return None
    if isinstance(raw, list):
        raw = ";".join(str(p) for p in raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text == "":
            return None
    else:
        text = str(raw)
    low = text.lower()
    if low in ("na", "n/a", "not applicable"):
        if not item.na_allowed:
            raise AnswerError(f"{item.id}: not applicable is not allowed")
        return NA
    if low == UNKNOWN and item.unknown:
        return UNKNOWN
    k = item.kind
    if k == "derived":
        raise AnswerError(f"{item.id}: is computed, not answered")
    if k in YESNO_KINDS:
        if low in ("yes", "y", "true", "1"):
            return "yes"
        if low in ("no", "n", "false", "0"):
            return "no"
        raise AnswerError(f"{item.id}: expected yes/no, got {text!r}")
    if k in INTEGER_KINDS:
        try:
            n = int(text)
        except ValueError:
            raise AnswerError(f"{item.id}: expected a whole number, got {text!r}") from None
        if k == "q4" and not 1 <= n <= 4:
            raise AnswerError(f"{item.id}: expected a score from 1 to 4, got {n}")
        if n < 0:
            raise AnswerError(f"{item.id}: expected a number of 0 or more, got {n}")
        item._check_range(n)
        return n
    if k == "decimal":
        try:
            x = float(text)
        except ValueError:
            raise AnswerError(f"{item.id}: expected a number, got {text!r}") from None
        if x != x or x in (float("inf"), float("-inf")):
            raise AnswerError(f"{item.id}: expected a number, got {text!r}")
        item._check_range(x)
        return x
    if k == "note":
        raise AnswerError(f"{item.id}: is a note, not answered")
    if k == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise AnswerError(f"{item.id}: expected a date YYYY-MM-DD, got {text!r}") from None
    if k == "time":
        try:
            return time.fromisoformat(text).isoformat(timespec="minutes")
        except ValueError:
            raise AnswerError(f"{item.id}: expected a time HH:MM, got {text!r}") from None
    if k == "datetime":
        try:
            return datetime.fromisoformat(text).isoformat(timespec="minutes")
        except ValueError:
            raise AnswerError(
                f"{item.id}: expected a date and time YYYY-MM-DDTHH:MM, got {text!r}"
            ) from None
    return _parse_more(item, k, text, low)


def _parse_more(item: Any, k: str, text: str, low: str) -> Any:
    """Locations, attachments, choices and text."""
    if k in GEO_KINDS:
        try:
            return parse_geo(k, text)
        except ValueError as e:
            raise AnswerError(f"{item.id}: {e}") from None
    if k in ATTACHMENT_KINDS:
        digest = low.removeprefix("sha256:")
        if not DIGEST_RE.fullmatch(digest):
            raise AnswerError(
                f"{item.id}: expected a file (its path in the app, its name in an import)"
            )
        return digest
    if k in ("choice", "multi") and item.choice_file:
        return typed_codes(item, k, text)
    if k == "choice":
        c = item.choice_for(text)
        if c is None:
            raise AnswerError(f"{item.id}: {text!r} is not one of {item.codes_text()}")
        return c.code
    if k == "multi":
        # `;` between choices (fieldkit), or spaces (ODK and KoboToolbox exports)
        parts = text.split(";") if ";" in text or item.choice_for(text) else text.split()
        codes: list[str] = []
        for p in parts:
            if str(p).strip() == "":
                continue
            c = item.choice_for(str(p))
            if c is None:
                raise AnswerError(f"{item.id}: {p!r} is not one of {item.codes_text()}")
            if c.code not in codes:
                codes.append(c.code)
        alone = [c.label for c in item.choices if c.exclusive and c.code in codes]
        if alone and len(codes) > 1:
            raise AnswerError(f"{item.id}: {alone[0]!r} cannot be chosen with another answer")
        order = [c.code for c in item.choices]
        return json.dumps(sorted(codes, key=order.index))
    if k == "rank":
        return json.dumps(rank_codes(item, text))
    return text  # text


def typed_codes(item: Any, kind: str, text: str) -> str:
    """A choice code typed for a list still waiting for its file (XLSForm
    select_one_from_file F, F not imported yet): any code; a multi's separated by spaces
    (ODK and KoboToolbox) or `;`, stored as the other multis are."""
    if kind == "choice":
        return text
    parts = text.split(";") if ";" in text else text.split()
    codes = list(dict.fromkeys(p.strip() for p in parts if p.strip()))
    if not codes:
        raise AnswerError(f"{item.id}: expected one or more choice codes")
    return json.dumps(codes)
