"""A relevance rule of a checklist definition (`na_when`), and how a stored value reads
as text when compared with one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rule:
    """A relevance rule: the item is not applicable when `item` has an answer matching."""

    item: str
    op: str  # equals | not_equals | in | not_in
    values: tuple[str, ...]

    def holds(self, answer: Any) -> bool:
        if answer is None or answer == "":
            return False
        value = stored_text(answer)
        if self.op in ("equals", "in"):
            return value in self.values
        return value not in self.values

    def describe(self) -> str:
        vals = ", ".join(self.values)
        words = {"equals": "=", "not_equals": "≠", "in": "is one of", "not_in": "is not one of"}
        return f"{self.item} {words[self.op]} {vals}"


def stored_text(value: Any) -> str:
    """The text form of a stored value, used to compare with rule values."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def rule_as_relevant(rule: Any) -> str:
    """An na_when rule written as the XLSForm `relevant` that has the same effect (with
    bare ids: the caller adds ${...})."""
    if not isinstance(rule, dict) or "item" not in rule:
        return ""
    x = rule["item"]

    def q(v: Any) -> str:
        if isinstance(v, bool):
            v = "yes" if v else "no"
        return "'" + str(v).replace("'", "") + "'"

    if "equals" in rule:
        return f"{x} != {q(rule['equals'])}"
    if "not_equals" in rule:
        return f"{x} = {q(rule['not_equals'])}"
    if "in" in rule:
        return " and ".join(f"{x} != {q(v)}" for v in rule["in"])
    if "not_in" in rule:
        return " or ".join(f"{x} = {q(v)}" for v in rule["not_in"])
    return ""
