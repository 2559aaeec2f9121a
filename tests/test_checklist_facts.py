"""Per-checklist facts live in the definition (issue 12, point 1), the expression language
computes the same values in the app and in SQL, and the field-trial fixes (point 5)."""

from __future__ import annotations

import copy
import json
import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.checklists import AnswerError, ChecklistError, load_all, parse_checklist
from fieldkit.checklists.expr import ExprError, condition_sql, holds, parse
from fieldkit.store import Store


def _source(checklist_id: str) -> dict[str, Any]:
    return copy.deepcopy(dict(load_all()[checklist_id].source))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["targets"].update(stratify_by="cf_no_such_item"),
            "x.yaml: targets.stratify_by names missing item 'cf_no_such_item'",
        ),
        (
            lambda d: d["targets"].update(stratify_by="cf_da_flag"),
            "x.yaml: targets.stratify_by item 'cf_da_flag' is a yn item, not a choice",
        ),
        (
            lambda d: d["scope"].update(when="cf_gone = 'yes'"),
            "x.yaml: scope.when names missing item 'cf_gone'",
        ),
        (
            lambda d: d["summaries"][0]["items"].append("cf_t2_gone"),
            "x.yaml: summary table2 names missing item 'cf_t2_gone'",
        ),
        (
            lambda d: d["scope"].update(when="cf_da_flag = digest('a', 'MD5')"),
            "x.yaml: scope.when: function digest() is not supported",
        ),
        (lambda d: d.update(colour="red"), "x.yaml: unknown key 'colour'"),
        (lambda d: d["app"].update(order=0), "x.yaml: app.order must be a whole number of 1"),
    ],
)
def test_a_fact_naming_an_unknown_item_is_refused_in_one_line(change: Any, message: str) -> None:
    data = _source("case_file_review")
    change(data)
    with pytest.raises(ChecklistError) as e:
        parse_checklist(data, "x.yaml")
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)


def test_a_formula_naming_a_missing_item_or_itself_is_refused() -> None:
    data = _source("marac_observation")
    item = next(i for s in data["sections"] for i in s["items"] if i["kind"] == "derived")
    item["formula"] = "round(mo_nothing / 2, 1)"
    with pytest.raises(ChecklistError, match="formula names missing item 'mo_nothing'"):
        parse_checklist(data, "m.yaml")
    item["formula"] = f"{item['id']} + 1"
    with pytest.raises(ChecklistError, match="formula names the item itself"):
        parse_checklist(data, "m.yaml")


def test_installed_lists_every_checklist_in_dashboard_order(store: Store) -> None:
    got = store.installed_checklists()
    assert [c.app.order for c in got] == sorted(c.app.order for c in load_all().values())
    assert len(got) == len(load_all())
    assert all(c.label and c.noun for c in got)


def test_coverage_targets_and_strata_come_from_the_definitions(store: Store) -> None:
    from fieldkit.report import coverage, strata, targets

    by_default = {
        c.id: c.targets.default for c in load_all().values() if c.targets.default is not None
    }
    shown = {
        r["checklist_id"]: r["target"] for r in targets(store.conn) if r["source"] == "default"
    }
    assert shown == by_default
    for c in load_all().values():
        assert strata(store.conn, c.id) == [ch.code for ch in c.strata()]
    rows = coverage(store.conn, "kent")
    for c in load_all().values():
        got = {r["stratum"]: r["target"] for r in rows if r["checklist_id"] == c.id}
        if c.targets.default is None:
            assert got == {}
        else:
            want = [ch.code for ch in c.strata()] or [""]
            assert got == dict.fromkeys(want, c.targets.default)


# ------------------------------------------------------------------ expressions

VALUES = st.one_of(
    st.none(),
    st.sampled_from(["yes", "no", "na", "unknown", "a", "b", "1", "2.5", "3"]),
    st.integers(0, 9),
)
EXPRESSIONS = [
    "x = 'yes'",
    "x != 'a' and y = 'b'",
    "x = 'a' or y = 'b'",
    "not(x = 'yes')",
    "x in ('a', 'b') or not y in ('yes')",
    "x not in ('a', 'no')",
    "y > 3 and x = 'yes'",
    "round(x / y, 1) >= 1",
    "x + y * 2 = 7",
    "x = 1 or y >= 2.5",
    "if(x = 'yes', y, 3) > 2",
]


@settings(max_examples=150, deadline=None)
@given(x=VALUES, y=VALUES, text=st.sampled_from(EXPRESSIONS))
def test_an_expression_holds_in_python_exactly_when_its_sql_does(x: Any, y: Any, text: str) -> None:
    e = parse(text)
    values = {"x": x, "y": y}
    conn = sqlite3.connect(":memory:")
    try:
        sql = condition_sql(e, lambda ref: f"(SELECT v FROM t WHERE k = '{ref}')")
        conn.execute("CREATE TABLE t (k TEXT, v)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", list(values.items()))
        (got,) = conn.execute(f"SELECT CASE WHEN {sql} THEN 1 ELSE 0 END").fetchone()
    finally:
        conn.close()
    assert bool(got) == holds(e, values.get)


@pytest.mark.parametrize(
    "text",
    [
        "x = ",
        "pulldata('f', 'a')",
        "x = 'a' and",
        "${x} > now(1)",
        ". >> 3",
        "x in (y)",
        "sum(3)",
        "position(x)",
    ],  # fmt: skip
)
def test_an_expression_outside_the_subset_is_refused(text: str) -> None:
    with pytest.raises(ExprError):
        parse(text)


def test_minutes_per_case_runs_past_midnight_and_is_blank_with_no_cases(store: Store) -> None:
    rid = store.create_record("marac_observation", "kent")
    store.set_answer(rid, "mo_start_time", "23:30")
    store.set_answer(rid, "mo_end_time", "01:00")
    store.set_answer(rid, "mo_cases_heard", "4")
    c = store.checklist("marac_observation")
    (sql_value,) = store.conn.execute(
        "SELECT mo_minutes_per_case FROM wide_marac_observation WHERE record_id = ?", (rid,)
    ).fetchone()
    assert c.computed_value("mo_minutes_per_case", store.answers(rid)) == sql_value == 22.5
    store.set_answer(rid, "mo_cases_heard", "0")
    (sql_value,) = store.conn.execute(
        "SELECT mo_minutes_per_case FROM wide_marac_observation WHERE record_id = ?", (rid,)
    ).fetchone()
    assert c.computed_value("mo_minutes_per_case", store.answers(rid)) is None
    assert sql_value is None


# ------------------------------------------------------------------ field-trial fixes


def test_markers_applied_has_a_none_choice_that_cannot_go_with_a_marker() -> None:
    item = load_all()["call_listening"].item("cl_vulnerability_markers")
    none = [c for c in item.choices if c.exclusive]
    assert [c.code for c in none] == ["none"]
    assert item.parse("none") == json.dumps(["none"])
    with pytest.raises(AnswerError, match="cannot be chosen with another answer"):
        item.parse("none;repeat_victim")


def test_the_nfa_explained_question_comes_after_the_outcome_that_decides_it() -> None:
    c = load_all()["case_file_review"]
    nfa = c.item("cf_nfa_communicated")
    assert nfa.na_when is not None
    assert nfa.position > c.item(nfa.na_when.item).position


def test_the_in_scope_item_has_a_value_as_soon_as_its_answers_are_known(store: Store) -> None:
    """The app reads computed values from Checklist.computed_value (there is no stored
    answer for a computed item): it agrees with the record's in_scope in the views."""
    c = store.checklist("case_file_review")
    (derived,) = [i for i in c.items if i.kind == "derived"]
    for category, flag, want in [
        ("rape", "yes", "yes"),
        ("burglary", "yes", "no"),
        ("abh", "no", "no"),
    ]:
        rid = store.create_record("case_file_review", "kent")
        store.set_answer(rid, c.targets.stratify_by, category)
        store.set_answer(rid, "cf_da_flag", flag)
        answers = store.answers(rid)
        assert c.computed_value(derived.id, answers) == want
        assert c.in_scope(answers) is (want == "yes")
        (in_scope, shown) = store.conn.execute(
            f'SELECT in_scope, "{derived.id}" FROM wide_case_file_review WHERE record_id = ?',
            (rid,),
        ).fetchone()
        assert (in_scope, shown) == (int(want == "yes"), want)
