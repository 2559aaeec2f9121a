"""XLSForm's functions (the ODK XForms specification's function list) for the Python
evaluator in expr.py: string, number, date, choice and repeat functions. A reference the
function needs beyond an answer (a repeat's every value, a choice's label, the instance's
position) is asked of the reader as a tuple: ("all", item), ("at", item, n),
("choice-name", item, code), ("position",), ("pulldata", file, column, key column, key)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fieldkit.checklists.expr_base import (
    ExprError,
    _codes,
    _is_number,
    _minutes,
    _null,
    _num,
    truth,
)


def _text(v: Any) -> str:
    """A value as XPath text: null is ''."""
    v = _null(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, str) and v.startswith("["):
        codes = _codes(v)
        return " ".join(codes) if codes is not None else v
    return str(v)


def _to_number(v: Any) -> Any:
    """number(): a number, text that reads as one, else null."""
    v = _null(v)
    if v is None or _is_number(v):
        return v
    if isinstance(v, bool):
        return 1 if v else 0
    try:
        x = float(str(v).strip())
    except ValueError:
        return None
    return x if x == x and abs(x) != float("inf") else None


def _days(v: Any) -> float | None:
    """A date or date-time as days since 1970-01-01 (XPath's date arithmetic)."""
    v = _null(v)
    if v is None:
        return None
    if _is_number(v):
        return float(v)
    text = str(v).strip()
    try:
        if len(text) <= 10:
            d = date.fromisoformat(text)
            return float((d - date(1970, 1, 1)).days)
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return (t - datetime(1970, 1, 1)).total_seconds() / 86400


_DATE_CODES = {"Y": "%Y", "y": "%y", "m": "%m", "b": "%b", "d": "%d", "H": "%H", "M": "%M",
               "S": "%S", "a": "%a"}  # fmt: skip


def _format_date(days: float | None, pattern: str) -> str | None:
    """XLSForm's format-date(): %Y %y %m %n %b %d %e %H %h %M %S %3 %a of a date."""
    if days is None:
        return None
    t = datetime(1970, 1, 1) + timedelta(days=days)
    out, i = [], 0
    while i < len(pattern):
        ch, code = pattern[i], pattern[i + 1 : i + 2]
        if ch != "%" or not code:
            out.append(ch)
            i += 1
            continue
        if code in _DATE_CODES:
            out.append(t.strftime(_DATE_CODES[code]))
        else:
            loose = {"n": t.month, "e": t.day, "h": t.hour, "3": f"{t.microsecond // 1000:03d}"}
            out.append(str(loose.get(code, "%" + code)))
        i += 2
    return "".join(out)


def call(
    name: str, args: tuple[Any, ...], val: Callable[[str], Any], _eval: Callable[..., Any]
) -> Any:
    """A function's value; `_eval` evaluates an argument's tree."""

    def arg(i: int) -> Any:
        return _eval(args[i], val)

    if name in ("true", "false"):
        return name == "true"
    if name == "selected":
        codes = _codes(arg(0))
        return None if codes is None else _text(arg(1)) in codes
    if name == "count_selected":
        codes = _codes(arg(0))  # unanswered: null, as every value that waits for answers
        return None if codes is None else len(codes)
    if name == "selected_at":
        codes, n = _codes(arg(0)) or [], _num(arg(1))
        return codes[int(n)] if n is not None and 0 <= int(n) < len(codes) else ""
    if name == "jr:choice_name":
        code = _text(arg(0))
        return val(("choice-name", args[1].args[0], code)) if code else ""  # type: ignore[arg-type]
    if name == "minutes_between":
        a, b = _minutes(arg(0)), _minutes(arg(1))
        return None if a is None or b is None else (b - a) % 1440
    if name == "if":
        return arg(1) if truth(arg(0)) is True else arg(2)
    if name == "round":
        v = _num(_to_number(arg(0)))
        if v is None:
            return None
        digits = int(args[1].args[0])
        r = Decimal(repr(float(v))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return float(r) if digits > 0 else int(r)
    if name in TEXT_FUNCTIONS:
        return _text_call(name, args, arg, val, _eval)
    if name == "today":
        return date.today().isoformat()
    if name == "now":
        return datetime.now().isoformat(timespec="seconds")
    if name == "date":
        d = _days(arg(0))
        return None if d is None else (date(1970, 1, 1) + timedelta(days=math.floor(d))).isoformat()
    if name == "decimal_date_time":
        return _days(arg(0))
    if name in ("format_date", "format_date_time"):
        return _format_date(_days(arg(0)), _text(arg(1)))
    if name in ("int", "floor", "ceiling", "abs", "number"):
        v = _to_number(arg(0))
        if v is None or name == "number":
            return v
        f = {"int": math.trunc, "floor": math.floor, "ceiling": math.ceil, "abs": abs}[name]
        return f(v)
    if name == "pow":
        a, b = _to_number(arg(0)), _to_number(arg(1))
        try:
            return None if a is None or b is None else float(a) ** float(b)
        except (OverflowError, ZeroDivisionError):
            return None
    if name in ("min", "max"):
        nums = [_to_number(_eval(a, val)) for a in args]
        if any(n is None for n in nums):
            return None
        return min(nums) if name == "min" else max(nums)
    if name == "position":
        return val(("position",))  # type: ignore[arg-type]
    if name in ("sum", "count"):
        values = val(("all", args[0].args[0]))  # type: ignore[arg-type]
        if name == "count":
            return len([v for v in values if _null(v) is not None])
        nums = [_to_number(v) for v in values if _null(v) is not None]
        return None if any(n is None for n in nums) else sum(nums)
    if name == "pulldata":  # a CSV the form carries (fieldkit.checklists.lookups)
        got = val(("pulldata", *(_text(arg(i)) for i in range(4))))  # type: ignore[arg-type]
        return "" if got is None else got
    if name == "indexed_repeat":
        n = _num(_to_number(arg(2)))
        if n is None:
            return None
        return val(("at", args[0].args[0], int(n)))  # type: ignore[arg-type]
    raise ExprError(f"cannot evaluate {name}()")  # pragma: no cover - the parser makes no other


TEXT_FUNCTIONS = (
    "regex",
    "string_length",
    "concat",
    "coalesce",
    "contains",
    "starts_with",
    "ends_with",
    "substr",
    "string",
    "normalize_space",
    "boolean_from_string",
)


def _text_call(
    name: str,
    args: tuple[Any, ...],
    arg: Callable[[int], Any],
    val: Callable[[str], Any],
    _eval: Callable[..., Any],
) -> Any:
    """The string functions."""
    if name == "regex":
        try:
            return re.search(_text(arg(1)), _text(arg(0))) is not None
        except re.error:
            return None
    if name == "string_length":
        return len(_text(arg(0)))
    if name == "concat":
        return "".join(_text(_eval(a, val)) for a in args)
    if name == "coalesce":
        a = _null(arg(0))
        return a if a is not None else arg(1)
    if name in ("contains", "starts_with", "ends_with"):
        a, b = _text(arg(0)), _text(arg(1))
        return (
            b in a
            if name == "contains"
            else a.startswith(b)
            if name == "starts_with"
            else a.endswith(b)
        )
    if name == "substr":
        t, start = _text(arg(0)), _num(_to_number(arg(1)))
        if start is None:
            return ""
        end = _num(_to_number(arg(2))) if len(args) == 3 else None
        return t[int(start) : None if end is None else int(end)]
    if name == "string":
        return _text(arg(0))
    if name == "normalize_space":
        return " ".join(p for p in re.split(r"[ \t\r\n]+", _text(arg(0))) if p)
    if name == "boolean_from_string":
        return _text(arg(0)) in ("true", "1")
    raise ExprError(f"cannot evaluate {name}()")  # pragma: no cover
