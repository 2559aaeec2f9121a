"""The small expression language of checklist definitions.

Used for a checklist's scope rule (`scope.when`), computed items (`formula`) and relevance
(`relevant`). One grammar, two back ends: `evaluate` (Python, on a record's answers: the
capture app) and `to_sql` (SQL over a record's cells: the reporting views), so the app and
the reports can never disagree.

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum
                    | ["not"] "in" "(" literal ("," literal)* ")")?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "div") unary)*
    unary   := "-" unary | atom
    atom    := number | 'text' | "text" | item_id | ${item_id} | "(" expr ")"
             | selected(item, 'code') | count_selected(item)
             | minutes_between(start_time, end_time) | round(expr, digits)
             | if(condition, then, else) | not(expr)

Values: an unanswered item, or one answered not applicable / unknown, is null. Comparisons
and arithmetic with null give null; `and` / `or` follow SQL's three-valued logic; division
by zero gives null. A rule "holds" only when it is true, and is "false" only when it is
false (never when null): relevance marks an item not applicable only once the answers it
reads are known.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# name -> (least, most) arguments (None: any number)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2),
    "count_selected": (1, 1),
    "selected_at": (2, 2),
    "jr:choice_name": (2, 2),
    "minutes_between": (2, 2),
    "round": (1, 2),
    "if": (3, 3),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "regex": (2, 2),
    "string_length": (1, 1),
    "concat": (0, None),
    "coalesce": (2, 2),
    "contains": (2, 2),
    "starts_with": (2, 2),
    "ends_with": (2, 2),
    "substr": (2, 3),
    "string": (1, 1),
    "normalize_space": (1, 1),
    "boolean_from_string": (1, 1),
    "today": (0, 0),
    "now": (0, 0),
    "date": (1, 1),
    "decimal_date_time": (1, 1),
    "int": (1, 1),
    "number": (1, 1),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "abs": (1, 1),
    "pow": (2, 2),
    "min": (1, None),
    "max": (1, None),
    "position": (1, 1),
    "sum": (1, 1),
    "count": (1, 1),
    "indexed_repeat": (3, 3),
    "once": (1, 1),
}
# functions whose value is true/false
BOOLEAN_FUNCTIONS = (
    "selected",
    "true",
    "false",
    "regex",
    "contains",
    "starts_with",
    "ends_with",
    "boolean_from_string",
)
COMPARE = ("=", "!=", "<>", "<", "<=", ">", ">=")
NULLS = ("na", "unknown")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{\s*[A-Za-z_][A-Za-z0-9_.\-/]*\s*\})
    | (?P<num>\d+(?:\.\d+)?|\.\d+)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op><=|>=|!=|<>|=|<|>|\+|-|\*|/|\(|\)|,|\.\.|\.)
    | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:::?[A-Za-z_][A-Za-z0-9_\-]*)?)
    )""",
    re.X,
)


class ExprError(ValueError):
    """An expression that is not in the supported subset."""


@dataclass(frozen=True)
class Node:
    op: str  # lit, ref, and, or, not, cmp:=, in, notin, +, -, *, /, neg, call:name
    args: tuple[Any, ...] = ()


EMPTY = Node("lit", ("",))


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            rest = text[pos:].strip()
            raise ExprError(f"cannot read {rest[:20]!r} in {text!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "ref":
            kind, value = "qname", value[2:-1].strip()
        elif kind == "name" and value.lower() in ("and", "or", "not", "in", "div", "mod"):
            kind, value = "kw", value.lower()
        elif kind == "name" and "-" in value:
            value = value.replace("-", "_")  # XLSForm's count-selected
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str, columns: bool = False) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.columns = columns  # a choice_filter: a bare name is a column of the choices

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            got = tok[1] or "the end"
            raise ExprError(f"expected {value!r}, found {got!r} in {self.text!r}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.or_()
        if self.peek()[0] != "end":
            raise ExprError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.peek() == ("kw", "or"):
            self.take()
            node = Node("or", (node, self.and_()))
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.peek() == ("kw", "and"):
            self.take()
            node = Node("and", (node, self.not_()))
        return node

    def not_(self) -> Node:
        if self.peek() == ("kw", "not") and self.toks[self.i + 1 : self.i + 2] != [("op", "(")]:
            self.take()
            return Node("not", (self.not_(),))
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        kind, value = self.peek()
        if kind == "op" and value in COMPARE:
            self.take()
            op = "!=" if value == "<>" else value
            return Node("cmp" + op, (left, self.sum()))
        negate = False
        if (kind, value) == ("kw", "not") and self.toks[self.i + 1 : self.i + 2] == [("kw", "in")]:
            self.take()
            negate = True
            kind, value = self.peek()
        if (kind, value) == ("kw", "in"):
            self.take()
            self.take("(")
            values = [self.literal()]
            while self.peek() == ("op", ","):
                self.take()
                values.append(self.literal())
            self.take(")")
            return Node("notin" if negate else "in", (left, tuple(values)))
        return left

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "str":
            return value[1:-1]
        if kind == "num":
            return _number(value)
        raise ExprError(f"expected a quoted value or a number, found {value!r} in {self.text!r}")

    def sum(self) -> Node:
        node = self.product()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            op = self.take()[1]
            node = Node(op, (node, self.product()))
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in (("op", "*"), ("op", "/"), ("kw", "div"), ("kw", "mod")):
            op = self.take()[1]
            op = {"div": "/", "mod": "%"}.get(op, op)
            node = Node(op, (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.take()
            return Node("neg", (self.unary(),))
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return Node("lit", (_number(value),))
        if kind == "str":
            return Node("lit", (value[1:-1],))
        if (kind, value) == ("op", "("):
            node = self.or_()
            self.take(")")
            return node
        if (kind, value) == ("op", "."):
            return Node("ref", (".",))  # the answer itself (in a constraint)
        if (kind, value) == ("op", ".."):
            return Node("lit", ("..",))  # position(..): the repeat instance
        if kind == "kw" and value == "not":
            kind = "name"
        if kind == "qname":
            return Node("ref", (value,))
        if kind == "name":
            if self.peek() == ("op", "("):
                return self.call(value)
            if self.columns:
                return Node("col", (value,))
            return Node("ref", (value,))
        raise ExprError(f"unexpected {value or 'end'!r} in {self.text!r}")

    def call(self, name: str) -> Node:
        name = name.replace("-", "_")  # XLSForm's count-selected, string-length
        if name not in FUNCTIONS:
            raise ExprError(f"function {name.replace('_', '-')}() is not supported")
        self.take("(")
        args: list[Any] = []
        if self.peek() != ("op", ")"):
            args.append(self.or_())
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.or_())
        self.take(")")
        least, most = FUNCTIONS[name]
        if len(args) < least or (most is not None and len(args) > most):
            many = (
                str(least)
                if least == most
                else f"{least} or more"
                if most is None
                else f"{least} to {most}"
            )
            raise ExprError(f"{name}() takes {many} argument(s) in {self.text!r}")
        if name == "not":
            return Node("not", (args[0],))
        if name == "once":
            return args[0]
        if name == "round" and len(args) == 1:
            args.append(Node("lit", (0,)))
        if name == "round" and not (args[1].op == "lit" and isinstance(args[1].args[0], int)):
            raise ExprError(f"round() needs a whole number of digits in {self.text!r}")
        if name == "position" and args[0] != Node("lit", ("..",)):
            raise ExprError(f"only position(..) is supported in {self.text!r}")
        if name in ("sum", "count", "indexed_repeat") and args[0].op != "ref":
            raise ExprError(f"{name}() needs a question as its first argument in {self.text!r}")
        if name == "jr:choice_name":
            q = args[1].args[0] if args[1].op == "lit" else ""
            m = re.match(r"^\$\{\s*([^}\s]+)\s*\}$", str(q))
            if not m:
                raise ExprError(
                    f"jr:choice-name() needs a quoted '${{question}}' second in {self.text!r}"
                )
            args[1] = Node("lit", (m.group(1),))
        return Node("call:" + name, tuple(args))


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def parse_filter(text: str) -> Expr:
    """A choice_filter: bare names are the choices' columns (`name`, `state`), ${x}
    are answers."""
    text = str(text).strip()
    if not text:
        raise ExprError("empty expression")
    return Expr(text=text, tree=_Parser(text, columns=True).parse())


@dataclass(frozen=True)
class Expr:
    """A parsed expression: its text, tree and the item ids it reads."""

    text: str
    tree: Node

    @property
    def refs(self) -> tuple[str, ...]:
        out: list[str] = []

        def walk(n: Any) -> None:
            if isinstance(n, Node):
                if n.op == "ref" and n.args[0] != "." and n.args[0] not in out:
                    out.append(n.args[0])
                for a in n.args:
                    walk(a)
            elif isinstance(n, tuple):
                for a in n:
                    walk(a)

        walk(self.tree)
        return tuple(out)

    @property
    def boolean(self) -> bool:
        """Whether the expression gives true/false (a rule) rather than a value."""
        op = self.tree.op
        return (
            op in ("and", "or", "not", "in", "notin")
            or op.startswith("cmp")
            or op[5:] in BOOLEAN_FUNCTIONS
        )

    def evaluate(self, value_of: Callable[[str], Any]) -> Any:
        """The value, reading each item's stored answer through `value_of`."""
        return _eval(self.tree, value_of)

    def to_sql(self, cell_sql: Callable[[str], str]) -> str:
        """SQL for the value; `cell_sql(item_id)` gives the SQL of an item's stored answer."""
        return _sql(self.tree, cell_sql)


def parse(text: str) -> Expr:
    """Parse an expression; ExprError (one line) when it is outside the subset."""
    text = str(text).strip()
    if not text:
        raise ExprError("empty expression")
    return Expr(text=text, tree=_Parser(text).parse())


# ------------------------------------------------------------------ Python evaluation


def _null(v: Any) -> Any:
    return None if v is None or v == "" or v in NULLS else v


def _num(v: Any) -> Any:
    """A value in arithmetic: a number, else null (text is null, as in the SQL)."""
    v = _null(v)
    return v if _is_number(v) else None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _cmp(op: str, a: Any, b: Any) -> bool | None:
    """Compare as SQLite does: numbers with numbers, text with text, and any number
    before any text; null with anything is null."""
    a, b = _null(a), _null(b)
    if a is None or b is None:
        return None
    if isinstance(a, bool):
        a = "yes" if a else "no"
    if isinstance(b, bool):
        b = "yes" if b else "no"
    if _is_number(a) != _is_number(b):
        a, b = (0, 1) if _is_number(a) else (1, 0)  # a number sorts before text
    elif not _is_number(a):
        a, b = str(a), str(b)
    return {
        "=": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


_NUMERIC_TEXT = re.compile(r"^[0-9][0-9]*\.?[0-9]*$")


def _numeric_only(v: Any) -> Any:
    """A value compared with a number literal: a number, or text that is one (a choice
    coded 1, 2, 3), else null (as the SQL does)."""
    v = _null(v)
    if _is_number(v):
        return v
    if isinstance(v, str) and _NUMERIC_TEXT.match(v):
        return float(v) if "." in v else int(v)
    return None


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


def _is_literal_number(n: Node) -> bool:
    return n.op == "lit" and _is_number(n.args[0])


def _eval(n: Node, val: Callable[[str], Any]) -> Any:
    op, args = n.op, n.args
    if op == "lit":
        return args[0]
    if op == "ref":
        return val(args[0])
    if op == "and":
        a, b = truth(_eval(args[0], val)), truth(_eval(args[1], val))
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    if op == "or":
        a, b = truth(_eval(args[0], val)), truth(_eval(args[1], val))
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    if op == "not":
        a = truth(_eval(args[0], val))
        return None if a is None else not a
    if op.startswith("cmp"):
        a, b = _eval(args[0], val), _eval(args[1], val)
        if args[1] == EMPTY or args[0] == EMPTY:  # `${x} != ''`: unanswered is ''
            return _cmp(op[3:], _text(a) or "\0", _text(b) or "\0")
        if _is_literal_number(args[1]):
            a = _numeric_only(a)
        if _is_literal_number(args[0]):
            b = _numeric_only(b)
        return _cmp(op[3:], a, b)
    if op in ("in", "notin"):
        v = _null(_eval(args[0], val))
        if v is None:
            return None
        hit = any(_cmp("=", v, x) for x in args[1])
        return hit if op == "in" else not hit
    if op in ("+", "-", "*", "/"):
        a, b = _num(_eval(args[0], val)), _num(_eval(args[1], val))
        if a is None or b is None:
            return None
        if op == "/":
            return None if b == 0 else a / b
        return a + b if op == "+" else a - b if op == "-" else a * b
    if op == "neg":
        a = _num(_eval(args[0], val))
        return None if a is None else -a
    if op == "col":
        return val(("col", args[0]))  # type: ignore[arg-type]
    if op == "%":
        a, b = _num(_eval(args[0], val)), _num(_eval(args[1], val))
        return None if a is None or b is None or b == 0 else math.fmod(a, b)
    if op.startswith("call:"):
        return _call(op[5:], args, val)
    raise ExprError(f"cannot evaluate {op}")  # pragma: no cover - the parser makes no other


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


def _call(name: str, args: tuple[Any, ...], val: Callable[[str], Any]) -> Any:
    def arg(i: int) -> Any:
        return _eval(args[i], val)

    if name in ("true", "false"):
        return name == "true"
    if name == "selected":
        codes = _codes(arg(0))
        return None if codes is None else _text(arg(1)) in codes
    if name == "count_selected":
        codes = _codes(arg(0))
        return 0 if codes is None else len(codes)
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
        return " ".join(_text(arg(0)).split())
    if name == "boolean_from_string":
        return _text(arg(0)) in ("true", "1")
    if name == "today":
        return date.today().isoformat()
    if name == "now":
        return datetime.now().isoformat(timespec="seconds")
    if name == "date":
        d = _days(arg(0))
        return None if d is None else (date(1970, 1, 1) + timedelta(days=math.floor(d))).isoformat()
    if name == "decimal_date_time":
        return _days(arg(0))
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
    if name == "indexed_repeat":
        n = _num(_to_number(arg(2)))
        if n is None:
            return None
        return val(("at", args[0].args[0], int(n)))  # type: ignore[arg-type]
    raise ExprError(f"cannot evaluate {name}()")  # pragma: no cover - the parser makes no other


def truth(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v == "yes"
    return bool(v)


def value_of(answers: Mapping[Any, Any], rkey: str = "") -> Callable[[str], Any]:
    """A reader for `evaluate` over a record's answers {(item_id, rkey): value}."""
    return lambda item_id: answers.get((item_id, rkey), answers.get((item_id, "")))


# ------------------------------------------------------------------ SQL


def _lit_sql(v: Any) -> str:
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(v)


def _nullable(sql: str) -> str:
    return f"nullif(nullif({sql}, 'na'), 'unknown')"


def _numeric(sql: str) -> str:
    return f"(CASE WHEN typeof({sql}) IN ('integer', 'real') THEN {sql} END)"


def _number_like(sql: str) -> str:
    """A value compared with a number literal: a number, or text that is one."""
    return (
        f"(CASE WHEN typeof({sql}) IN ('integer', 'real') THEN {sql}"
        f" WHEN typeof({sql}) = 'text' AND {sql} GLOB '[0-9]*' AND {sql} NOT GLOB '*[^0-9.]*'"
        f" AND {sql} NOT GLOB '*.*.*' THEN CAST({sql} AS REAL) END)"
    )


def _sql(n: Node, cell: Callable[[str], str]) -> str:
    op, args = n.op, n.args
    if op == "lit":
        return _lit_sql(args[0])
    if op == "ref":
        if args[0] == ".":
            raise ExprError("'.' is the answer itself: only in a constraint")
        return _nullable(cell(args[0]))
    if op == "col":
        raise ExprError(f"{args[0]} is a choice column: only in a choice_filter")
    if op == "%":
        return f"({_numeric(_sql(args[0], cell))} % nullif({_numeric(_sql(args[1], cell))}, 0))"
    if op in ("and", "or"):
        return f"({_bool_sql(args[0], cell)} {op.upper()} {_bool_sql(args[1], cell)})"
    if op == "not":
        return f"(NOT {_bool_sql(args[0], cell)})"
    if op.startswith("cmp"):
        a, b = args
        sym = op[3:]
        left, right = _sql(a, cell), _sql(b, cell)
        if a.op == "lit" and isinstance(a.args[0], int | float):
            right = _number_like(right)
        if b.op == "lit" and isinstance(b.args[0], int | float):
            left = _number_like(left)
        return f"({left} {sym} {right})"
    if op in ("in", "notin"):
        values = ", ".join(_lit_sql(v) for v in args[1])
        word = "IN" if op == "in" else "NOT IN"
        return f"({_sql(args[0], cell)} {word} ({values}))"
    if op in ("+", "-", "*"):
        return f"({_numeric(_sql(args[0], cell))} {op} {_numeric(_sql(args[1], cell))})"
    if op == "/":
        a, b = _numeric(_sql(args[0], cell)), _numeric(_sql(args[1], cell))
        return f"(CAST({a} AS REAL) / nullif({b}, 0))"
    if op == "neg":
        return f"(-{_numeric(_sql(args[0], cell))})"
    if op == "call:selected":
        if args[1].op != "lit":
            raise ExprError("selected() with a computed choice cannot be computed in reports")
        code = _lit_sql(str(args[1].args[0]))
        v = _sql(args[0], cell)
        return (
            f"(CASE WHEN {v} IS NULL THEN NULL WHEN json_valid({v}) AND json_type({v}) = 'array'"
            f" THEN EXISTS (SELECT 1 FROM json_each({v}) WHERE value = {code}) ELSE {v} = {code} END)"
        )
    if op == "call:count_selected":
        v = _sql(args[0], cell)
        return (
            f"(CASE WHEN {v} IS NULL THEN 0 WHEN json_valid({v}) AND json_type({v}) = 'array'"
            f" THEN json_array_length({v}) ELSE 1 END)"
        )
    if op == "call:minutes_between":
        a, b = _sql(args[0], cell), _sql(args[1], cell)

        def secs(x: str) -> str:
            return f"strftime('%s', '2000-01-01 ' || substr({x}, -5))"

        return f"((({secs(b)} - {secs(a)} + 86400) % 86400) / 60)"
    if op == "call:if":
        return (
            f"(CASE WHEN {_bool_sql(args[0], cell)} THEN {_sql(args[1], cell)}"
            f" ELSE {_sql(args[2], cell)} END)"
        )
    if op == "call:round":
        return f"round({_sql(args[0], cell)}, {int(args[1].args[0])})"
    if op in ("call:true", "call:false"):
        return "1" if op == "call:true" else "0"
    if op == "call:concat":
        return (
            "(" + " || ".join(f"coalesce({_text_sql(a, cell)}, '')" for a in args) + ")"
            if args
            else "''"
        )
    if op == "call:coalesce":
        return f"coalesce({_sql(args[0], cell)}, {_sql(args[1], cell)})"
    if op == "call:string_length":
        return f"length(coalesce({_text_sql(args[0], cell)}, ''))"
    if op == "call:string":
        return f"coalesce({_text_sql(args[0], cell)}, '')"
    if op == "call:contains":
        return f"(instr(coalesce({_sql(args[0], cell)}, ''), {_sql(args[1], cell)}) > 0)"
    if op == "call:starts_with":
        a, b = _sql(args[0], cell), _sql(args[1], cell)
        return f"(substr(coalesce({a}, ''), 1, length({b})) = {b})"
    if op in ("call:int", "call:number"):
        v = _sql(args[0], cell)
        cast = "INTEGER" if op == "call:int" else "REAL"
        return f"(CASE WHEN trim({v}) GLOB '*[0-9]*' THEN CAST({v} AS {cast}) END)"
    if op == "call:abs":
        return f"abs({_sql(args[0], cell)})"
    if op == "call:today":
        return "date('now', 'localtime')"
    if op == "call:now":
        return "strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')"
    if op == "call:date":
        return f"date({_sql(args[0], cell)})"
    if op == "call:decimal_date_time":
        return f"(julianday({_sql(args[0], cell)}) - 2440587.5)"
    if op in ("call:min", "call:max"):
        parts = ", ".join(_sql(a, cell) for a in args)
        return f"{op[5:]}({parts}{', NULL' if len(args) == 1 else ''})" if len(args) > 1 else parts
    raise ExprError(f"{op[5:].replace('_', '-')}() cannot be computed in reports")


def _text_sql(n: Node, cell: Callable[[str], str]) -> str:
    """A value as text in SQL (a whole-number real without its '.0')."""
    sql = _sql(n, cell)
    return (
        f"(CASE WHEN typeof({sql}) = 'real' AND {sql} = CAST({sql} AS INTEGER)"
        f" THEN CAST(CAST({sql} AS INTEGER) AS TEXT) ELSE {sql} END)"
    )


def _bool_sql(n: Node, cell: Callable[[str], str]) -> str:
    """A sub-expression used as a condition: a yes/no item reads as true/false."""
    sql = _sql(n, cell)
    if n.op == "ref":
        return f"({sql} = 'yes')"
    return sql


def condition_sql(expr: Expr, cell: Callable[[str], str]) -> str:
    """SQL that is true exactly when the expression holds."""
    return _bool_sql(expr.tree, cell)


def holds(expr: Expr, value_of: Callable[[str], Any]) -> bool:
    return truth(expr.evaluate(value_of)) is True


def fails(expr: Expr, value_of: Callable[[str], Any]) -> bool:
    return truth(expr.evaluate(value_of)) is False
