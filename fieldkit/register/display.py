"""The register and the action plans as a reader sees them: plain functions the commands
(and anything else that shows these rows) use to write a value as it is shown. A
withdrawn event is marked and names its correction, a status or RAG rating outside the
vocabulary is marked with '(?)', links name recommendations by their short names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fieldkit.register.recs import short_ref


def current(value: str | None, unknown: bool) -> str:
    """A current status or RAG rating: '-' when there is none, '(?)' after a value the
    vocabulary does not know (typed on another laptop by another fieldkit)."""
    return (value or "-") + (" (?)" if unknown else "")


def withdrawn(text: str, event: dict[str, Any], *, reason: bool = False) -> str:
    """An event's text as its history shows it: '[withdrawn] text (corrected by 1a2b3c4d5e)'
    once withdrawn (and ': why' with `reason`); as it is otherwise."""
    if not event["withdrawn"]:
        return text
    by = event["replaced_by"]
    text = f"[withdrawn] {text}" + (f" (corrected by {by[:10]})" if by else "")
    if reason and event.get("withdrawn_reason"):
        text += f": {event['withdrawn_reason']}"
    return text


def links(recommendations: str | None) -> str:
    """An objective's linked recommendations ('a; b', as listed) by their short names."""
    return "; ".join(short_ref(x) for x in (recommendations or "").split("; ") if x)


def themes(rows: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """The themes the objectives listed belong to, (code, title) in code order: the legend
    under a list of objectives."""
    return sorted({(r["theme"], r["theme_title"] or "") for r in rows})
