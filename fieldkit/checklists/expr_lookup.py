"""XPath's look-up in one of the form's choice lists (ODK's secondary instances), as HOT's
map-feature forms read a chosen feature's tags:

    instance('buildings')/root/item[id = ${existing}]/building

is the `building` column of the choice whose `id` is the answer to `existing`, or '' when
no choice has it (XPath's empty string). The list is the one a select of the form reads
(a `select_one_from_file buildings.geojson`, or a choices sheet list named so): when the
checklist is built, fieldkit.checklists.choice_lookup puts the list's (key, value) pairs
into the tree, so the app (`lookup_value`) and the reports (`lookup_sql`: a CASE over
the pairs) read the same table. A list still waiting for its file has no pairs: ''.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldkit.checklists.expr_base import ExprError, Node

LOOKUP = "lookup"  # Node("lookup", (list, key column, key expression, column, pairs))
SHAPE = "instance('LIST')/root/item[COLUMN = value]/COLUMN"


def parse_lookup(p: Any) -> Node:
    """After the name `instance` (the parser's next token is `(`)."""

    def expect(kind: str, value: str | None = None) -> str:
        tok = p.take()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise ExprError(f"only {SHAPE} is supported in {p.text!r}")
        return str(tok[1])

    expect("op", "(")
    name = expect("str")[1:-1]
    expect("op", ")")
    for step in ("root", "item"):
        expect("op", "/")
        expect("name", step)
    expect("op", "[")
    key = expect("name")
    expect("op", "=")
    value = p.or_()
    expect("op", "]")
    expect("op", "/")
    column = expect("name")
    return Node(LOOKUP, (name, key, value, column, ()))


def lookup_value(args: tuple[Any, ...], val: Callable[[str], Any], ev: Any) -> Any:
    from fieldkit.checklists.expr_functions import _text

    key = ev(args[2], val)
    if key is None:
        return ""
    return dict(args[4]).get(_text(key), "")


def lookup_sql(args: tuple[Any, ...], key_sql: str, lit: Callable[[Any], str]) -> str:
    if not args[4]:
        return "''"
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in args[4])
    return f"(CASE CAST({key_sql} AS TEXT) {whens} ELSE '' END)"
