"""A checklist in words, as `fieldkit checklists list` and `show` give it: its size, each
section's heading, each item's kind and what else holds for it (optional, when it may be
or is made not applicable, computed, its range)."""

from __future__ import annotations

from typing import Any

from fieldkit.checklists.model import KIND_LABELS, Checklist, Item, Section
from fieldkit.checklists.words import na_condition


def sizes(checklist: Checklist) -> dict[str, Any]:
    """id, version, title and how many sections and items: a row of `checklists list`."""
    return {
        "id": checklist.id,
        "version": checklist.version,
        "title": checklist.title,
        "sections": len(checklist.sections),
        "items": len(checklist.items),
    }


def section_heading(section: Section) -> str:
    """The section's title, saying when it repeats (per agency, per case) or is asked
    once per visit."""
    extra = f" (repeats per {section.repeat.key})" if section.repeat else ""
    if section.repeat is not None and section.repeat.parent is not None:
        extra = f" (repeats per {section.repeat.key}, in each {section.repeat.parent.key})"
    extra += " (once per visit)" if section.scope == "visit" else ""
    return section.title + extra


def kind_text(item: Item) -> str:
    """The item's kind in words, with its choices' codes: 'one of: a, b, c'."""
    kind = KIND_LABELS[item.kind]
    if item.choices:
        kind += ": " + ", ".join(ch.code for ch in item.choices)
    elif item.choice_file:
        kind += f": waiting for its file {item.choice_file} (a typed code until it comes)"
    return kind


def _bound(n: float | None) -> str:
    return "…" if n is None else str(n)


def item_flags(item: Item) -> list[str]:
    """What else holds for the item, a phrase each: optional, not applicable by judgement
    or by rule, computed, its range."""
    flags = []
    if item.required_when is not None:
        flags.append(f"required when {item.required_when.text}")
    elif not item.required and item.answerable:
        flags.append("optional")
    if item.na:
        cond = na_condition(item)
        flags.append(f"n/a when: {cond}" if cond else "n/a allowed")
    if item.has_rule:
        flags.append(f"auto n/a when {item.rule_text()}")
    if item.formula:
        flags.append(f"computed: {item.formula}")
    if item.minimum is not None or item.maximum is not None:
        flags.append(f"range {_bound(item.minimum)} to {_bound(item.maximum)}")
    return flags
