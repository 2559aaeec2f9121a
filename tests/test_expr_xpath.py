"""The XLSForm functions real forms use, from the ODK XForms specification's function list
(https://getodk.github.io/xforms-spec/#xpath-functions), through fieldkit's one evaluator:
each row is what the specification says the function gives. Where the reports compute it
too (SQL), the SQL gives the same."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from fieldkit.checklists import expr
from fieldkit.checklists.expr import ExprError
from fieldkit.checklists.lookups import Lookup, lookup_sql, pull

ANSWERS: dict[Any, Any] = {
    "name": "Ada Lovelace",
    "ref": "KEN-0042",
    "n": 7,
    "x": 2.5,
    "fruits": '["apple", "pear"]',
    "none": None,
    "when": "2026-03-02",
    "stamp": "2026-03-02T12:00",
    ("all", "staff_years"): [3, 12, None],
    ("at", "staff_years", 2): 12,
    ("position",): 2,
    ("choice-name", "fruits", "pear"): "Pear",
}


# pulldata()'s CSV files (fieldkit.checklists.lookups): a key column, a name column
LOOKUPS = {"people": Lookup(("key", "name"), (("7", "Juan"), ("8", "Ana"), ("7", "second")))}


def read(ref: Any) -> Any:
    if isinstance(ref, tuple) and ref[0] == "pulldata":
        return pull(LOOKUPS, *ref[1:])
    return ANSWERS.get(ref)


SPEC = [
    # strings
    ("string-length(${name})", 12),
    ("string-length(${none})", 0),
    ("concat(${name}, ' / ', ${ref})", "Ada Lovelace / KEN-0042"),
    ("concat(${none}, 'x')", "x"),
    ("contains(${ref}, 'KEN')", True),
    ("starts-with(${ref}, 'KEN')", True),
    ("ends-with(${ref}, '42')", True),
    ("substr(${ref}, 0, 3)", "KEN"),
    ("normalize-space('  a   b ')", "a b"),
    ("string(${n})", "7"),
    ("regex(${ref}, '^[A-Z]{3}-[0-9]{4}$')", True),
    ("regex(${ref}, '^[0-9]+$')", False),
    ("coalesce(${none}, 'fallback')", "fallback"),
    ("coalesce(${name}, 'fallback')", "Ada Lovelace"),
    # choices
    ("selected(${fruits}, 'pear')", True),
    ("selected(${fruits}, 'plum')", False),
    ("count-selected(${fruits})", 2),
    ("count-selected(${none})", None),  # fieldkit: a value waits for its answers
    ("selected-at(${fruits}, 0)", "apple"),
    ("selected-at(${fruits}, 5)", ""),
    ("jr:choice-name('pear', '${fruits}')", "Pear"),
    # numbers
    ("int(${x})", 2),
    ("int(-2.5)", -2),
    ("number('12.5')", 12.5),
    ("number('twelve')", None),
    ("round(${x})", 3),
    ("round(2.345, 2)", 2.35),
    ("floor(${x})", 2),
    ("ceiling(${x})", 3),
    ("abs(-4)", 4),
    ("pow(2, 10)", 1024.0),
    ("min(3, ${n}, 5)", 3),
    ("max(3, ${n}, 5)", 7),
    ("10 mod 4", 2.0),
    ("${n} div 2", 3.5),
    # logic
    ("if(${n} > 5, 'big', 'small')", "big"),
    ("true() and not(false())", True),
    ("boolean-from-string('true')", True),
    ("${none} != ''", False),
    ("${name} != ''", True),
    # dates
    ("date('2026-03-02')", "2026-03-02"),
    ("decimal-date-time('1970-01-02')", 1.0),
    ("decimal-date-time('1970-01-01T12:00')", 0.5),
    ("date(decimal-date-time(${when}) + 1)", "2026-03-03"),
    # repeats
    ("position(..)", 2),
    ("sum(${staff_years})", 15),
    ("count(${staff_years})", 2),
    ("indexed-repeat(${staff_years}, ${staff}, 2)", 12),
    ("once(${n})", 7),
    # a CSV the form carries (pulldata: the first row whose key column holds the key)
    ("pulldata('people', 'name', 'key', ${n})", "Juan"),
    ("pulldata('people.csv', 'name', 'key', 8)", "Ana"),
    ("pulldata('people', 'name', 'key', 9)", ""),
    ("pulldata('people', 'name', 'key', ${none})", ""),
    ("pulldata('elsewhere', 'name', 'key', ${n})", ""),
    ("pulldata(concat('peo', 'ple'), 'name', 'key', ${n})", "Juan"),
    ("selected-at(${fruits}, ${n} - 6)", "pear"),
    ("selected-at(${fruits}, -1)", ""),
    ("selected-at(${name}, 0)", "Ada Lovelace"),
    ("selected-at(${fruits}, position(..) - 1)", "pear"),
]


@pytest.mark.parametrize(("text", "expected"), SPEC, ids=[t for t, _ in SPEC])
def test_each_function_gives_what_the_specification_says(text: str, expected: Any) -> None:
    assert expr.parse(text).evaluate(read) == expected


def _sql_value(text: str) -> Any:
    def cell(item_id: Any) -> str:
        if item_id == ("position",):
            return str(ANSWERS[item_id])
        if isinstance(item_id, tuple) and item_id[0] == "pulldata":
            return lookup_sql(LOOKUPS, item_id)
        if isinstance(item_id, tuple):  # every instance's answer, as the views give it
            rows = " UNION ALL ".join(
                f"SELECT {'NULL' if v is None else v} AS value" for v in ANSWERS[item_id]
            )
            return f"FROM ({rows}) a"
        value = ANSWERS.get(item_id)
        if value is None:
            return "NULL"
        return repr(value) if isinstance(value, int | float) else "'" + value + "'"

    tree = expr.parse(text)
    sql = expr.condition_sql(tree, cell) if tree.boolean else tree.to_sql(cell)
    (value,) = sqlite3.connect(":memory:").execute(f"SELECT {sql}").fetchone()
    return value


@pytest.mark.parametrize(("text", "expected"), SPEC, ids=[t for t, _ in SPEC])
def test_the_reports_sql_agrees_where_it_computes_the_function(text: str, expected: Any) -> None:
    try:
        value = _sql_value(text)
    except ExprError:
        pytest.skip("not computed in the reports: refused in a calculation when imported")
    if isinstance(expected, bool):
        assert bool(value) is expected
    elif isinstance(expected, float):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


def test_today_and_now_are_today_and_now() -> None:
    from datetime import date, datetime

    assert expr.parse("today()").evaluate(read) == date.today().isoformat()
    assert expr.parse("now()").evaluate(read)[:10] == datetime.now().date().isoformat()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("pulldata('f', 'a', 'b')", "pulldata() takes 4 argument(s)"),
        ("pulldata2('f', 'a', 'b', 'c')", "function pulldata2() is not supported"),
        ("position(${n})", "only position(..)"),
        ("sum(2)", "needs a question"),
        ("round(${x}, ${n})", "whole number of digits"),
        ("jr:choice-name(${fruits}, 'fruits')", "quoted '${question}'"),
    ],
)
def test_what_is_outside_the_list_is_refused_in_one_line(text: str, why: str) -> None:
    with pytest.raises(
        ExprError, match=why.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")
    ):
        expr.parse(text)
