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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fieldkit.checklists.exprlimits import expression_problem, room_to_recurse

FUNCTIONS = {
    "selected": 2,
    "count_selected": 1,
    "minutes_between": 2,
    "round": 2,
    "if": 3,
    "not": 1,
}
COMPARE = ("=", "!=", "<>", "<", "<=", ">", ">=")
NULLS = ("na", "unknown")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\})
    | (?P<num>\d+(?:\.\d+)?)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op><=|>=|!=|<>|=|<|>|\+|-|\*|/|\(|\)|,)
    | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*)
    )""",
    re.X,
)


class ExprError(ValueError):
    """An expression that is not in the supported subset."""


@dataclass(frozen=True)
class Node:
    op: str  # lit, ref, and, or, not, cmp:=, in, notin, +, -, *, /, neg, call:name
    args: tuple[Any, ...] = ()


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
            kind, value = "name", value[2:-1].strip()
        elif kind == "name" and value.lower() in ("and", "or", "not", "in", "div"):
            kind, value = "kw", value.lower()
        elif kind == "name" and "-" in value:
            value = value.replace("-", "_")  # XLSForm's count-selected
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

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
        while self.peek() in (("op", "*"), ("op", "/"), ("kw", "div")):
            op = self.take()[1]
            node = Node("*" if op == "*" else "/", (node, self.unary()))
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
        if kind == "kw" and value == "not":
            kind = "name"
        if kind == "name":
            if self.peek() == ("op", "("):
                return self.call(value)
            return Node("ref", (value,))
        raise ExprError(f"unexpected {value or 'end'!r} in {self.text!r}")

    def call(self, name: str) -> Node:
        if name not in FUNCTIONS:
            raise ExprError(
                f"function {name}() is not supported (supported: {', '.join(FUNCTIONS)})"
            )
        self.take("(")
        args: list[Any] = []
        if self.peek() != ("op", ")"):
            args.append(self.or_())
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.or_())
        self.take(")")
        if len(args) != FUNCTIONS[name]:
            raise ExprError(f"{name}() takes {FUNCTIONS[name]} argument(s) in {self.text!r}")
        if name == "not":
            return Node("not", (args[0],))
        if name in ("selected", "count_selected") and args[0].op != "ref":
            raise ExprError(f"{name}() needs a question as its first argument in {self.text!r}")
        if name == "selected" and args[1].op != "lit":
            raise ExprError(
                f"selected() needs a quoted choice as its second argument in {self.text!r}"
            )
        if name == "round" and not (args[1].op == "lit" and isinstance(args[1].args[0], int)):
            raise ExprError(f"round() needs a whole number of digits in {self.text!r}")
        return Node("call:" + name, tuple(args))


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


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
                if n.op == "ref" and n.args[0] not in out:
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
        return self.tree.op in ("and", "or", "not", "in", "notin") or self.tree.op.startswith(
            ("cmp", "call:selected")
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
    if problem := expression_problem(text):  # bounded recursion and literals
        raise ExprError(problem)
    room_to_recurse()
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
    if op == "call:selected":
        codes = _codes(_eval(args[0], val))
        return None if codes is None else str(args[1].args[0]) in codes
    if op == "call:count_selected":
        codes = _codes(_eval(args[0], val))
        return None if codes is None else len(codes)
    if op == "call:minutes_between":
        a, b = _minutes(_eval(args[0], val)), _minutes(_eval(args[1], val))
        return None if a is None or b is None else (b - a) % 1440
    if op == "call:if":
        return _eval(args[1], val) if truth(_eval(args[0], val)) is True else _eval(args[2], val)
    if op == "call:round":
        v = _num(_eval(args[0], val))
        if v is None:
            return None
        digits = int(args[1].args[0])
        q = Decimal(1).scaleb(-digits)
        r = Decimal(repr(float(v))).quantize(q, rounding=ROUND_HALF_UP)
        return float(r) if digits > 0 else int(r)
    raise ExprError(f"cannot evaluate {op}")  # pragma: no cover - the parser makes no other


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


INLINE_SQL = 200  # characters of SQL repeated inline; longer, it is named once
# operations whose SQL gives an integer, a real or null (never text)
NUMERIC_OPS = frozenset(
    {"+", "-", "*", "/", "neg", "call:round", "call:count_selected", "call:minutes_between"}
)


def _lit_sql(v: Any) -> str:
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(v)


def _nullable(sql: str) -> str:
    return f"nullif(nullif({sql}, 'na'), 'unknown')"


def _once(sql: str, uses: Callable[[str], str]) -> str:
    """`uses(x)` names x several times: a long x is named once, in a subquery, so that
    nested arithmetic gives SQL of linear size (inlined, 16 terms made 50 MB)."""
    if len(sql) <= INLINE_SQL:
        return uses(sql)
    return f"(SELECT {uses('v')} FROM (SELECT {sql} AS v))"


def _numeric(sql: str) -> str:
    return _once(sql, lambda x: f"(CASE WHEN typeof({x}) IN ('integer', 'real') THEN {x} END)")


def _number_like(sql: str) -> str:
    """A value compared with a number literal: a number, or text that is one."""
    return _once(
        sql,
        lambda x: (
            f"(CASE WHEN typeof({x}) IN ('integer', 'real') THEN {x}"
            f" WHEN typeof({x}) = 'text' AND {x} GLOB '[0-9]*' AND {x} NOT GLOB '*[^0-9.]*'"
            f" AND {x} NOT GLOB '*.*.*' THEN CAST({x} AS REAL) END)"
        ),
    )


def _sql(n: Node, cell: Callable[[str], str]) -> str:
    op, args = n.op, n.args
    if op == "lit":
        return _lit_sql(args[0])
    if op == "ref":
        return _nullable(cell(args[0]))
    if op in ("and", "or"):
        return f"({_bool_sql(args[0], cell)} {op.upper()} {_bool_sql(args[1], cell)})"
    if op == "not":
        return f"(NOT {_bool_sql(args[0], cell)})"
    if op.startswith("cmp"):
        a, b = args
        sym = op[3:]
        left, right = _sql(a, cell), _sql(b, cell)
        if a.op == "lit" and isinstance(a.args[0], int | float) and b.op not in NUMERIC_OPS:
            right = _number_like(right)
        if b.op == "lit" and isinstance(b.args[0], int | float) and a.op not in NUMERIC_OPS:
            left = _number_like(left)
        return f"({left} {sym} {right})"
    if op in ("in", "notin"):
        values = ", ".join(_lit_sql(v) for v in args[1])
        word = "IN" if op == "in" else "NOT IN"
        return f"({_sql(args[0], cell)} {word} ({values}))"
    if op in ("+", "-", "*"):
        return f"({_numeric_sql(args[0], cell)} {op} {_numeric_sql(args[1], cell)})"
    if op == "/":
        a, b = _numeric_sql(args[0], cell), _numeric_sql(args[1], cell)
        return f"(CAST({a} AS REAL) / nullif({b}, 0))"
    if op == "neg":
        return f"(-{_numeric_sql(args[0], cell)})"
    if op == "call:selected":
        code = _lit_sql(str(args[1].args[0]))
        v = _sql(args[0], cell)
        return (
            f"(CASE WHEN {v} IS NULL THEN NULL WHEN json_valid({v}) AND json_type({v}) = 'array'"
            f" THEN EXISTS (SELECT 1 FROM json_each({v}) WHERE value = {code}) ELSE {v} = {code} END)"
        )
    if op == "call:count_selected":
        v = _sql(args[0], cell)
        return (
            f"(CASE WHEN {v} IS NULL THEN NULL WHEN json_valid({v}) AND json_type({v}) = 'array'"
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
    raise ExprError(f"cannot compile {op}")  # pragma: no cover


def _numeric_sql(n: Node, cell: Callable[[str], str]) -> str:
    """A number or null: arithmetic gives one already, so it is not wrapped again (each
    wrapping names its operand twice: a sum of 16 terms made 50 MB of SQL)."""
    sql = _sql(n, cell)
    return sql if n.op in NUMERIC_OPS else _numeric(sql)


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
