"""The choice lists an expression looks up (`instance('L')/root/item[K = v]/C`,
fieldkit.checklists.expr_lookup), filled in when a checklist is built: the select whose
list is L (its `list` in the definition) gives, for each choice, its K and its C."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fieldkit.checklists.errors import ChecklistError
from fieldkit.checklists.expr import Expr
from fieldkit.checklists.expr_base import Node
from fieldkit.checklists.expr_lookup import LOOKUP
from fieldkit.checklists.model import Checklist, Choice, Item

RULES = ("relevant", "computed", "constraint", "choice_filter", "required_when")
WHERE = {"computed": "formula"}


def column(choice: Choice, name: str) -> str:
    """A choice's column as ODK's secondary instance has it: its own columns, `name` (or
    a GeoJSON feature's `id`) its code, `label` (or `title`) its label; else ''."""
    own = choice.filter_value(name)
    if own is not None:
        return own
    if name in ("name", "id"):
        return choice.code
    if name in ("label", "title"):
        return choice.label
    if name.startswith("label::"):
        return dict(choice.labels).get(name[7:], choice.label)
    return ""


def _pairs(item: Item, key: str, col: str) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for choice in item.choices:
        for variant in choice.variants():
            out.setdefault(column(variant, key), column(variant, col))
    out.pop("", None)
    return tuple(out.items())


def _has_lookup(n: Any) -> bool:
    if isinstance(n, Node):
        return n.op == LOOKUP or any(_has_lookup(a) for a in n.args)
    return isinstance(n, tuple) and any(_has_lookup(a) for a in n)


def resolve_lookups(checklist: Checklist, origin: str) -> Checklist:
    """The checklist with every look-up's pairs read from its list (unchanged when no
    expression looks anything up); ChecklistError when a list is not the form's."""
    lists: dict[str, Item] = {}
    for item in checklist.items:
        if item.list_name:
            lists.setdefault(item.list_name, item)

    def fill(n: Any, where: str) -> Any:
        if isinstance(n, tuple):
            return tuple(fill(a, where) for a in n)
        if not isinstance(n, Node):
            return n
        if n.op != LOOKUP:
            return Node(n.op, tuple(fill(a, where) for a in n.args))
        name, key, value, col, _ = n.args
        source = lists.get(name)
        if source is None:
            raise ChecklistError(
                f"{where} names instance({name!r}), not a choice list a question here uses"
            )
        return Node(LOOKUP, (name, key, fill(value, where), col, _pairs(source, key, col)))

    changed = False
    sections = []
    for section in checklist.sections:
        items = []
        for item in section.items:
            new = {}
            for attr in RULES:
                e = getattr(item, attr)
                if e is not None and _has_lookup(e.tree):
                    where = f"{origin}: item {item.id}: {WHERE.get(attr, attr)}"
                    new[attr] = Expr(text=e.text, tree=fill(e.tree, where))
            if new:
                changed = True
                item = replace(item, **new)
            items.append(item)
        sections.append(replace(section, items=tuple(items)))
    return replace(checklist, sections=tuple(sections)) if changed else checklist
