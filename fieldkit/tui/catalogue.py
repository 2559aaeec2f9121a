"""Which checklists the capture app offers: every checklist installed in the database,
in the order and with the label and noun its definition gives (no checklist is named in
code), keys 1-9 by position. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.checklists import Checklist, dashboard_order
from fieldkit.errors import FieldkitError
from fieldkit.store import Store

KEYS = "123456789"


@dataclass(frozen=True)
class Instrument:
    """One checklist as the dashboard lists it."""

    id: str
    version: int
    title: str
    label: str  # short: the dashboard line, the key bar
    noun: str  # what one record is called in messages
    key: str  # the dashboard key ("1".."9"), "" past the ninth


def installed(store: Store) -> tuple[list[Instrument], list[str]]:
    """The checklists installed in `store` (latest version of each) in dashboard order,
    and one line for each stored definition this fieldkit cannot read (merged from a
    newer one, or damaged): left out and named, never fatal."""
    readable: list[Checklist] = []
    problems: list[str] = []
    for cid, version in store.latest_versions().items():
        try:
            readable.append(store.checklist(str(cid), int(version)))
        except (FieldkitError, TypeError, ValueError) as e:
            problems.append(f"checklist {cid!s} version {version!s} cannot be read: {e}")
    out = [
        Instrument(c.id, c.version, c.title, c.label, c.noun, KEYS[n] if n < len(KEYS) else "")
        for n, c in enumerate(dashboard_order(readable))
    ]
    return out, problems
