"""XLSForm's metadata questions (`start`, `end`, `today`, `deviceid`, `username`, ...)
filled from the record's own stamps: when it was started (observed_at), on which device,
by which inspector, and when it was made final. A value an import brings (an ODK or
KoboToolbox export's `start`, `deviceid` columns) is kept as the phone wrote it; what a
terminal does not have (a phone number, a SIM serial) stays blank. Pure: the store passes
the stamps in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fieldkit.checklists.model import AnswerError, Checklist

# pyxform's metadata type -> the answer kind it is kept as
STAMP_KINDS = {
    "start": "datetime",
    "end": "datetime",
    "today": "date",
    "deviceid": "text",
    "username": "text",
    "email": "text",
    "phonenumber": "text",
    "simserial": "text",
    "subscriberid": "text",
}


def stamp_answers(
    checklist: Checklist,
    answers: Mapping[tuple[str, str], Any],
    observed_at: str | None,
    device: str,
    inspector: str | None,
) -> dict[tuple[str, str], Any]:
    """The metadata answers a new record gets from its stamps (those not given already)."""
    stamps = {
        "start": observed_at,
        "today": (observed_at or "")[:10] or None,
        "deviceid": device,
        "username": inspector,
        "email": inspector if inspector and "@" in inspector else None,
    }
    return _filled(checklist, answers, stamps)


def end_answers(
    checklist: Checklist, answers: Mapping[tuple[str, str], Any], when: str = ""
) -> dict[tuple[str, str], Any]:
    """`end`: when the record is made final, now unless `when` (unless one is given)."""
    return _filled(
        checklist, answers, {"end": when or datetime.now().isoformat(timespec="minutes")}
    )


def _filled(
    checklist: Checklist, answers: Mapping[tuple[str, str], Any], stamps: Mapping[str, Any]
) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for item in checklist.items:
        raw = stamps.get(item.preload) if item.preload else None
        if raw is None or answers.get((item.id, "")) is not None:
            continue
        try:
            value = item.parse(raw)
        except AnswerError:
            continue  # a stamp that does not fit (an observed_at left blank): not filled
        if value is not None:
            out[(item.id, "")] = value
    return out
