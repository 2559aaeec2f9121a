"""The SQL back end of the expression language (expr.py): the reporting views compute
computed items and scope rules in SQL from the same parsed tree the capture app
evaluates, so the two cannot disagree. What has no SQL form is refused when the
definition is read (loader), never computed differently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldkit.checklists.expr_base import ExprError, Node
from fieldkit.checklists.expr_lookup import LOOKUP, lookup_sql


def _lit_sql(v: Any) -> str:
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(v)


# The SQL of a calculation another reads, when it is arithmetic (a number or null, never
# the text 'na' or 'unknown'): read as it is, not wrapped again. Each wrapping nests the
# calculation a few calls deeper, and SQLite's parser stops near a hundred levels: a
# chain of five calculations over one another was as deep as the reports could go.
NUMBER = "/*number*/"


def _nullable(sql: str) -> str:
    if sql.startswith(NUMBER):
        return sql
    return f"nullif(nullif({sql}, 'na'), 'unknown')"


INLINE_SQL = 200  # characters of SQL repeated inline; longer, it is named once
# operations whose SQL gives an integer, a real or null (never text)
NUMERIC_OPS = frozenset(
    {"+", "-", "*", "/", "%", "neg", "call:round", "call:count_selected", "call:minutes_between"}
)


def _once(sql: str, uses: Callable[[str], str]) -> str:
    """`uses(x)` names x several times: a long x is named once, in a subquery, so that
    nested arithmetic gives SQL of linear size (inlined, 16 terms made 50 MB)."""
    if len(sql) <= INLINE_SQL:
        return uses(sql)
    return f"(SELECT {uses('v')} FROM (SELECT {sql} AS v))"


def _numeric(sql: str) -> str:
    if sql.startswith(NUMBER):
        return sql
    return _once(sql, lambda x: f"(CASE WHEN typeof({x}) IN ('integer', 'real') THEN {x} END)")


def _number_like(sql: str) -> str:
    """A value compared with a number literal: a number, or text that is one."""
    if sql.startswith(NUMBER):
        return sql
    return _once(
        sql,
        lambda x: (
            f"(CASE WHEN typeof({x}) IN ('integer', 'real') THEN {x}"
            f" WHEN typeof({x}) = 'text' AND {x} GLOB '[0-9]*' AND {x} NOT GLOB '*[^0-9.]*'"
            f" AND {x} NOT GLOB '*.*.*' THEN CAST({x} AS REAL) END)"
        ),
    )


def _numeric_sql(n: Node, cell: Callable[[str], str]) -> str:
    """A number or null: arithmetic gives one already, so it is not wrapped again (each
    wrapping names its operand twice: a sum of 16 terms made 50 MB of SQL)."""
    sql = to_sql(n, cell)
    return sql if n.op in NUMERIC_OPS else _numeric(sql)


def to_sql(n: Node, cell: Callable[[str], str]) -> str:
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
        return f"({_numeric_sql(args[0], cell)} % nullif({_numeric_sql(args[1], cell)}, 0))"
    if op in ("and", "or"):
        return f"({bool_sql(args[0], cell)} {op.upper()} {bool_sql(args[1], cell)})"
    if op == "not":
        return f"(NOT {bool_sql(args[0], cell)})"
    if op.startswith("cmp"):
        a, b = args
        sym = op[3:]
        left, right = to_sql(a, cell), to_sql(b, cell)
        if a.op == "lit" and isinstance(a.args[0], int | float) and b.op not in NUMERIC_OPS:
            right = _number_like(right)
        if b.op == "lit" and isinstance(b.args[0], int | float) and a.op not in NUMERIC_OPS:
            left = _number_like(left)
        return f"({left} {sym} {right})"
    if op in ("in", "notin"):
        values = ", ".join(_lit_sql(v) for v in args[1])
        word = "IN" if op == "in" else "NOT IN"
        return f"({to_sql(args[0], cell)} {word} ({values}))"
    if op in ("+", "-", "*"):
        return f"({_numeric_sql(args[0], cell)} {op} {_numeric_sql(args[1], cell)})"
    if op == "/":
        a, b = _numeric_sql(args[0], cell), _numeric_sql(args[1], cell)
        return f"(CAST({a} AS REAL) / nullif({b}, 0))"
    if op == "neg":
        return f"(-{_numeric_sql(args[0], cell)})"
    if op.startswith("call:"):
        return _call_sql(op, args, cell)
    if op == LOOKUP:  # a choice list's column: a CASE over its pairs
        return lookup_sql(args, to_sql(args[2], cell), _lit_sql)
    raise ExprError(f"cannot compile {op}")  # pragma: no cover - the parser makes no other


def _call_sql(op: str, args: tuple[Any, ...], cell: Callable[[str], str]) -> str:
    """A function's SQL (refused when the reports cannot compute it)."""
    if op in ("call:selected_at", "call:position", "call:pulldata"):
        return _list_and_lookup_sql(op, args, cell)
    if op in ("call:sum", "call:count"):
        # cell(("all", item)): the FROM clause of every instance's answer, one `a.value` a row
        source = cell(("all", args[0].args[0]))  # type: ignore[arg-type]
        value = "nullif(nullif(a.value, 'na'), 'unknown')"
        if op == "call:count":
            return f"(SELECT count({value}) {source})"
        return f"(SELECT total(CAST({value} AS REAL)) {source})"  # none: 0, as XPath's sum
    if op == "call:selected":
        if args[1].op != "lit":
            raise ExprError("selected() with a computed choice cannot be computed in reports")
        code = _lit_sql(str(args[1].args[0]))
        v = to_sql(args[0], cell)
        return (
            f"(CASE WHEN {v} IS NULL THEN NULL WHEN json_valid({v}) AND json_type({v}) = 'array'"
            f" THEN EXISTS (SELECT 1 FROM json_each({v}) WHERE value = {code}) ELSE {v} = {code} END)"
        )
    if op == "call:count_selected":
        v = to_sql(args[0], cell)
        return (
            f"(CASE WHEN {v} IS NULL THEN NULL WHEN json_valid({v}) AND json_type({v}) = 'array'"
            f" THEN json_array_length({v}) ELSE 1 END)"
        )
    if op == "call:minutes_between":
        a, b = to_sql(args[0], cell), to_sql(args[1], cell)

        def secs(x: str) -> str:
            return f"strftime('%s', '2000-01-01 ' || substr({x}, -5))"

        return f"((({secs(b)} - {secs(a)} + 86400) % 86400) / 60)"
    if op == "call:if":
        return (
            f"(CASE WHEN {bool_sql(args[0], cell)} THEN {to_sql(args[1], cell)}"
            f" ELSE {to_sql(args[2], cell)} END)"
        )
    if op == "call:round":
        return f"round({to_sql(args[0], cell)}, {int(args[1].args[0])})"
    if op in ("call:true", "call:false"):
        return "1" if op == "call:true" else "0"
    if op == "call:concat":
        return (
            "(" + " || ".join(f"coalesce({_text_sql(a, cell)}, '')" for a in args) + ")"
            if args
            else "''"
        )
    if op == "call:coalesce":
        return f"coalesce({to_sql(args[0], cell)}, {to_sql(args[1], cell)})"
    if op == "call:string_length":
        return f"length(coalesce({_text_sql(args[0], cell)}, ''))"
    if op == "call:normalize_space":  # XPath's: runs of space, tab, CR, LF are one space
        # the text is bound once (json_each of a one-item array) and the replaces run on
        # that value: a deep argument is not nested seven calls deeper (SQLite's parser)
        v = "value"
        for ws in ("char(9)", "char(10)", "char(13)"):
            v = f"replace({v}, {ws}, ' ')"
        a, b = "char(1)", "char(2)"  # never in a text (fieldkit.safetext refuses them)
        v = f"trim(replace(replace(replace({v}, ' ', {a}||{b}), {b}||{a}, ''), {a}||{b}, ' '))"
        arg = f"coalesce({_text_sql(args[0], cell)}, '')"
        return f"(SELECT {v} FROM json_each(json_array({arg})))"
    if op == "call:string":
        return f"coalesce({_text_sql(args[0], cell)}, '')"
    if op == "call:contains":
        return f"(instr(coalesce({to_sql(args[0], cell)}, ''), {to_sql(args[1], cell)}) > 0)"
    if op == "call:starts_with":
        a, b = to_sql(args[0], cell), to_sql(args[1], cell)
        return f"(substr(coalesce({a}, ''), 1, length({b})) = {b})"
    if op in ("call:int", "call:number"):
        v = to_sql(args[0], cell)
        cast = "INTEGER" if op == "call:int" else "REAL"
        return f"(CASE WHEN trim({v}) GLOB '*[0-9]*' THEN CAST({v} AS {cast}) END)"
    if op == "call:abs":
        return f"abs({to_sql(args[0], cell)})"
    if op == "call:today":
        return "date('now', 'localtime')"
    if op == "call:now":
        return "strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')"
    if op == "call:date":  # a number is days since 1970-01-01, as decimal-date-time gives
        v = to_sql(args[0], cell)
        return (
            f"(CASE WHEN typeof({v}) IN ('integer', 'real') THEN date({v} + 2440587.5)"
            f" ELSE date({v}) END)"
        )
    if op == "call:decimal_date_time":
        return f"(julianday({to_sql(args[0], cell)}) - 2440587.5)"
    if op in ("call:min", "call:max"):
        parts = ", ".join(to_sql(a, cell) for a in args)
        return f"{op[5:]}({parts}{', NULL' if len(args) == 1 else ''})" if len(args) > 1 else parts
    raise ExprError(f"{op[5:].replace('_', '-')}() cannot be computed in reports")


def _list_and_lookup_sql(op: str, args: tuple[Any, ...], cell: Callable[[str], str]) -> str:
    """selected-at(), position(..) and pulldata(): a list's n-th code, the repeat
    instance's number, a value from a CSV the form carries."""
    if op == "call:selected_at":  # the n-th code (from 0) of a multi's list, else ''
        v, n = to_sql(args[0], cell), _numeric_sql(args[1], cell)
        return (
            "(SELECT CASE WHEN v IS NULL OR n IS NULL OR n < 0 THEN ''"
            " WHEN json_valid(v) AND json_type(v) = 'array' THEN CASE"
            " WHEN n < json_array_length(v) THEN CAST(json_extract(v, '$[' || n || ']') AS TEXT)"
            " ELSE '' END WHEN n = 0 THEN CAST(v AS TEXT) ELSE '' END"
            f" FROM (SELECT {v} AS v, CAST({n} AS INTEGER) AS n))"
        )
    if op == "call:position":  # the repeat instance's number, as the views know it
        return cell(("position",))  # type: ignore[arg-type]
    if op == "call:pulldata":  # the SQL of the lookup comes from the checklist's tables

        def part(a: Node) -> tuple[str, str]:
            return ("lit", str(a.args[0])) if a.op == "lit" else ("sql", _text_sql(a, cell))

        if args[1].op != "lit" or args[2].op != "lit":  # the pairs are picked when compiled
            raise ExprError("pulldata() with a computed column name cannot be computed in reports")
        key = _text_sql(args[3], cell)
        return cell(("pulldata", part(args[0]), part(args[1]), part(args[2]), key))  # type: ignore[arg-type]
    raise ExprError(f"cannot compile {op}")  # pragma: no cover - called for these only


def _text_sql(n: Node, cell: Callable[[str], str]) -> str:
    """A value as text in SQL (a whole-number real without its '.0')."""
    return _once(  # (named once: nested, each level would repeat its argument 4 times)
        to_sql(n, cell),
        lambda x: (
            f"(CASE WHEN typeof({x}) = 'real' AND {x} = CAST({x} AS INTEGER)"
            f" THEN CAST(CAST({x} AS INTEGER) AS TEXT) ELSE CAST({x} AS TEXT) END)"
        ),
    )


def bool_sql(n: Node, cell: Callable[[str], str]) -> str:
    """A sub-expression used as a condition: a yes/no item reads as true/false."""
    sql = to_sql(n, cell)
    if n.op == "ref":
        return f"({sql} = 'yes')"
    return sql
