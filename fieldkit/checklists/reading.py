"""What XLSForm's functions read of a record beyond one answer (expr_functions asks,
the checklist answers): a choice's columns for a choice_filter, a choice's label for
jr:choice-name, a repeat instance's position, a repeat's values for sum and
indexed-repeat."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldkit.checklists import nesting


def read_special(
    checklist: Any,
    ref: tuple[Any, ...],
    answers: Mapping[tuple[str, str], Any],
    rkey: str,
    choice: Any,
    one: Any,
    instance_keys: Any,
) -> Any:
    """What an XLSForm function asks beyond one answer: a choice's column, a choice's
    label, the repeat instance's position, a repeat's every value or its n-th."""
    tag = ref[0]
    if tag == "col":
        if choice is None:
            return None
        if ref[1] == "name":
            return choice.code
        if ref[1] == "label" or ref[1].startswith("label::"):
            return dict(choice.labels).get(ref[1][7:], choice.label)
        return choice.filter_value(ref[1])
    if tag == "choice-name":
        item = checklist.item_map.get(ref[1])
        found = item.choice_for(str(ref[2])) if item is not None else None
        return found.label if found is not None else ref[2]
    if tag == "pulldata":
        from fieldkit.checklists.lookups import pull

        return pull(dict(checklist.lookups), *ref[1:])
    if tag == "position":
        own = nesting.last(rkey)
        if own.isdigit():
            return int(own)
        for s in checklist.sections:  # a fixed instance (begin loop): its place in the list
            codes = [c.code for c in s.repeat.instances] if s.repeat else []
            if own in codes and nesting.depth(s.repeat) == len(nesting.parts(rkey)):
                return codes.index(own) + 1
        section_keys = [
            k for s in checklist.sections if s.repeat for k in instance_keys(s, answers, checklist)
        ]
        return section_keys.index(rkey) + 1 if rkey in section_keys else None
    item_id = ref[1]
    section = checklist._section_by_item.get(item_id)
    keys = instance_keys(section, answers, checklist) if section is not None else [""]
    if section is not None and section.repeat is not None:
        keys = nesting.within(rkey, keys, section.repeat)
    if tag == "all":
        return [one(item_id, k) for k in keys]
    if tag == "at":
        n = int(ref[2])
        return one(item_id, keys[n - 1]) if 1 <= n <= len(keys) else None
    return None  # pragma: no cover - the evaluator asks nothing else
