"""Limits on an expression's size, checked before it is parsed.

Definitions travel between laptops, so a `relevant` or `formula` may have been written by
an attacker. The parser and the evaluators recurse once per level of nesting and once per
operator of a chain: unbounded, `not(` written 5,000 times or a thousand `+` exhaust
Python's stack (RecursionError), and a 5,000-digit number passes Python's limit on
converting digits to an int (ValueError). `expression_problem` says, in one line, which
limit a text passes; the parser's entry refuses it with that line (and the callers add the
sheet, row and column). Within the limits, `room_to_recurse` makes sure the interpreter
allows the depth they imply, with room for the caller's own frames.
"""

from __future__ import annotations

import re
import sys

MAX_LENGTH = 4_000  # characters
MAX_DEPTH = 128  # parentheses and prefix operators (`not`, `-`) open at once
MAX_OPERATORS = 500  # operators, calls and parentheses in all: the tree's depth at most
MAX_NUMBER = 30  # characters of a number literal
FRAMES_PER_LEVEL = 10  # the parser's frames per level of nesting (or:and:not:...:atom)
_RECURSION = MAX_DEPTH * FRAMES_PER_LEVEL + 2 * MAX_OPERATORS + 1_000

_SCAN = re.compile(
    r"""(?P<str>'[^']*'|"[^"]*")
    | (?P<ref>\$\{[^}]*\})
    | (?P<num>[0-9][0-9.]*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<op><=|>=|!=|<>|[=<>+\-*/,])
    | (?P<other>\S)""",
    re.X,
)
_OPERATOR_WORDS = {"and", "or", "not", "in", "div", "mod"}


def expression_problem(text: str) -> str | None:
    """Why `text` is too big to parse safely (one line), or None."""
    if len(text) > MAX_LENGTH:
        return f"an expression of {len(text):,} characters (at most {MAX_LENGTH:,})"
    depth = prefix = held = operators = 0  # held: prefix operators of outer levels
    outer: list[int] = []
    operand_before = False
    for m in _SCAN.finditer(text):
        kind, value = m.lastgroup, m.group()
        if kind == "num" and len(value) > MAX_NUMBER:
            return f"a number of {len(value):,} characters (at most {MAX_NUMBER})"
        if kind == "open":
            depth, operators, operand_before = depth + 1, operators + 1, False
            outer.append(prefix)
            held, prefix = held + prefix, 0
        elif kind == "close":
            depth = max(depth - 1, 0)
            held -= outer.pop() if outer else 0
            prefix, operand_before = 0, True
        elif kind == "op" or (kind == "word" and value.lower() in _OPERATOR_WORDS):
            operators += 1
            if (value == "-" or value.lower() == "not") and not operand_before:
                prefix += 1
            operand_before = False
        elif kind != "other":
            prefix, operand_before = 0, True
        if depth + prefix + held > MAX_DEPTH:
            return f"an expression nested more than {MAX_DEPTH} deep"
        if operators > MAX_OPERATORS:
            return f"an expression of more than {MAX_OPERATORS} operators"
    return None


def room_to_recurse() -> None:
    """Make sure the interpreter allows the recursion an expression within the limits
    needs (the parser's and the evaluators'); never lowers the limit."""
    if sys.getrecursionlimit() < _RECURSION:
        sys.setrecursionlimit(_RECURSION)
