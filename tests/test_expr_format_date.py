"""XLSForm's format-date() in relevance and constraints (a real form's constraint:
`int(format-date(., '%Y%m%d')) > 20151231`); in a calculation it is refused, since the
reports could not compute it."""

from __future__ import annotations

import pytest

from fieldkit.checklists.expr import ExprError, parse


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("format-date(., '%Y%m%d')", "2016-03-05", "20160305"),
        ("format-date(., '%e/%n/%y')", "2016-03-05", "5/3/16"),
        ("format-date(., '%d %b %Y, %a')", "2016-03-05", "05 Mar 2016, Sat"),
        ("format-date-time(., '%H:%M:%S.%3')", "2016-03-05T07:08:09", "07:08:09.000"),
        ("int(format-date(., '%Y%m%d')) > 20151231", "2016-01-01", True),
        ("int(format-date(., '%Y%m%d')) > 20151231", "2015-12-31", False),
        ("format-date(., '%Y')", "", None),
    ],
)
def test_format_date(text: str, value: str, expected: object) -> None:
    assert parse(text).evaluate(lambda ref: value) == expected


def test_format_date_is_not_computed_in_reports() -> None:
    with pytest.raises(ExprError, match="format-date"):
        parse("format-date(${d}, '%Y')").to_sql(lambda ref: "x")
