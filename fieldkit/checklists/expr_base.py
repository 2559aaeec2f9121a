"""The values of the expression language (expr.py): its tree nodes, errors, and how an
answer reads as null, a number, a list of chosen codes, a time or a truth value."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

NULLS = ("na", "unknown")


class ExprError(ValueError):
    """An expression that is not in the supported subset."""


@dataclass(frozen=True)
class Node:
    op: str  # lit, ref, and, or, not, cmp:=, in, notin, +, -, *, /, neg, call:name
    args: tuple[Any, ...] = ()


EMPTY = Node("lit", ("",))


def _null(v: Any) -> Any:
    return None if v is None or v == "" or v in NULLS else v


def _num(v: Any) -> Any:
    """A value in arithmetic: a number, else null (text is null, as in the SQL)."""
    v = _null(v)
    return v if _is_number(v) else None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _codes(v: Any) -> list[str] | None:
    v = _null(v)
    if v is None:
        return None
    if isinstance(v, list):
        return [str(x) for x in v]
    try:
        parsed = json.loads(v)
    except (TypeError, ValueError):
        return [str(v)]
    return [str(x) for x in parsed] if isinstance(parsed, list) else [str(parsed)]


def _minutes(t: Any) -> int | None:
    t = _null(t)
    if t is None:
        return None
    m = re.match(r"^(?:\d{4}-\d\d-\d\d[T ])?(\d\d):(\d\d)", str(t))
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def truth(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v == "yes"
    return bool(v)
