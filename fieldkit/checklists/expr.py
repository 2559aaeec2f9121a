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

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fieldkit.checklists.expr_base import (
    EMPTY,
    ExprError,
    Node,
    _is_number,
    _null,
    _num,
    truth,
)
from fieldkit.checklists.expr_functions import _text, call
from fieldkit.checklists.expr_lookup import LOOKUP, lookup_value, parse_lookup
from fieldkit.checklists.expr_sql import bool_sql, to_sql
from fieldkit.checklists.exprlimits import expression_problem, room_to_recurse

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
    "format_date": (2, 2),
    "format_date_time": (2, 2),
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
    "pulldata": (4, 4),
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

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{\s*[A-Za-z_][A-Za-z0-9_.\-/]*\s*\})
    | (?P<num>\d+(?:\.\d+)?|\.\d+)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op><=|>=|!=|<>|=|<|>|\+|-|\*|/|\(|\)|\[|\]|,|\.\.|\.)
    | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:::?[A-Za-z_][A-Za-z0-9_\-]*)?)
    )""",
    re.X,
)


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
            if value == "instance" and self.peek() == ("op", "("):
                return parse_lookup(self)  # a choice list's column (expr_lookup)
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
    if problem := expression_problem(text):  # bounded recursion and literals
        raise ExprError(problem)
    room_to_recurse()
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
        return to_sql(self.tree, cell_sql)


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
        return call(op[5:], args, val, _eval)
    if op == LOOKUP:
        return lookup_value(args, val, _eval)
    raise ExprError(f"cannot evaluate {op}")  # pragma: no cover - the parser makes no other


def value_of(answers: Mapping[Any, Any], rkey: str = "") -> Callable[[str], Any]:
    """A reader for `evaluate` over a record's answers {(item_id, rkey): value}: the
    answer in instance `rkey`, else in its enclosing instances (`2/3`, then `2`), else
    the record's."""
    if "/" not in rkey:
        return lambda item_id: answers.get((item_id, rkey), answers.get((item_id, "")))
    keys = [rkey.rsplit("/", n)[0] for n in range(rkey.count("/") + 1)] + [""]

    def read(item_id: str) -> Any:
        for k in keys:
            if (item_id, k) in answers:
                return answers[(item_id, k)]
        return None

    return read


def holds(expr: Expr, value_of: Callable[[str], Any]) -> bool:
    return truth(expr.evaluate(value_of)) is True


def fails(expr: Expr, value_of: Callable[[str], Any]) -> bool:
    return truth(expr.evaluate(value_of)) is False


def condition_sql(expr: Expr, cell: Callable[[str], str]) -> str:
    """SQL that is true exactly when the expression holds."""
    return bool_sql(expr.tree, cell)
