"""The PCC checklist of Annex B as a fifth checklist: ten questions with their 62
sub-questions, the 8 dip-sample checks, the eight data items under the "Nine pieces of
data" heading, and captured like any other checklist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldkit.checklists import get, load_all
from fieldkit.store import IncompleteRecord, Store

SUBS = {1: 5, 2: 8, 3: 4, 4: 7, 5: 8, 6: 6, 7: 8, 8: 6, 9: 8, 10: 2}


def test_loads_as_the_fifth_checklist() -> None:
    all_ = load_all()
    assert "pcc_checklist" in all_ and len(all_) >= 5
    c = get("pcc_checklist")
    assert c.prefix == "pcc_" and all(i.id.startswith("pcc_") for i in c.items)
    assert c.natural_key == ("pcc_review_date", "pcc_review_ref")


def test_ten_questions_and_their_sub_questions() -> None:
    c = get("pcc_checklist")
    for n, count in SUBS.items():
        q = c.item(f"pcc_q{n:02d}")
        assert q.kind == "q4" and q.prompt.startswith(f"{n}. ")
        subs = [i for i in c.items if re.fullmatch(rf"pcc_q{n:02d}_[a-h]", i.id)]
        assert len(subs) == count, n
        assert all(i.kind == "ynna" for i in subs)
        assert c.item(f"pcc_q{n:02d}_evidence").kind == "text"
    assert sum(SUBS.values()) == 62
    dips = [i for i in c.items if re.fullmatch(r"pcc_q10_b\d", i.id)]
    assert len(dips) == 8
    # the question as printed, led by what its yes / no answers
    lead = "Did the force answer well, with evidence? "
    assert c.item("pcc_q05_f").prompt == (
        lead + "How successful is the force at bringing offenders to justice?"
    )
    assert c.item("pcc_q10_b").prompt == (
        lead + "Does the force check or dip sample any of the following:"
    )
    assert c.item("pcc_q04").prompt == "4. How effective is the force’s initial response?"


def test_eight_data_items_under_the_nine_heading() -> None:
    c = get("pcc_checklist")
    data = [i for i in c.items if re.fullmatch(r"pcc_d\d+", i.id)]
    assert [i.id for i in data] == [f"pcc_d{n}" for n in range(1, 9)]
    section = c.section_of("pcc_d1")
    assert "Nine pieces of data for routine monitoring" in section.title
    assert "only eight are listed" in section.title
    assert (
        c.item("pcc_d1").source == "003:L8731-8735" and c.item("pcc_d8").source == "003:L8758-8760"
    )
    assert [ch.code for ch in c.item("pcc_d3").choices] == [
        "provided",
        "partly",
        "could_not_provide",
    ]


def test_captured_like_any_other_checklist(store: Store) -> None:
    rid = store.create_record("pcc_checklist", "Northumbria Police", observed_at="2016-03-14")
    store.set_answer(rid, "pcc_review_date", "2016-03-14")
    store.set_answer(rid, "pcc_review_ref", "Scrutiny board, March 2016")
    store.set_answer(rid, "pcc_review_by", "Police and crime commissioner")
    written = store.set_answer(rid, "pcc_q10_b", "no")  # no dip sampling: the 8 checks are n/a
    assert {k for k, v in written.items() if v == "na"} == {
        (f"pcc_q10_b{n}", "") for n in range(1, 9)
    }
    with pytest.raises(IncompleteRecord):
        store.finalise(rid)
    c = store.checklist("pcc_checklist")
    for item in c.items:
        if not item.required or (item.id, "") in store.answers(rid):
            continue
        value = {"q4": "3", "ynna": "yes", "choice": "partly"}[item.kind]
        store.set_answer(rid, item.id, value)
    store.finalise(rid)
    rec = store.record(rid)
    assert rec["status"] == "final" and rec["force_code"] == "northumbria"
    assert rec["natural_key"] == "northumbria|2016-03-14|scrutiny board, march 2016"
    assert store.answers(rid)[("pcc_q03", "")] == 3


def test_installed_in_a_new_database(db_path: Path) -> None:
    with Store.create(db_path) as s:
        n = s.conn.execute(
            "SELECT count(*) FROM items WHERE checklist_id = 'pcc_checklist'"
        ).fetchone()[0]
    assert n == len(get("pcc_checklist").items)


def test_a_question_not_covered_makes_its_sub_questions_na(store: Store) -> None:
    """A review covering only question 1: the other nine answered n/a leave nothing of
    theirs unanswered (it used to report 65 unanswered required items)."""
    c = store.checklist("pcc_checklist")
    rid = store.create_record("pcc_checklist", "Kent Police", observed_at="2016-03-14")
    store.set_answer(rid, "pcc_review_date", "2016-03-14")
    store.set_answer(rid, "pcc_review_ref", "Scrutiny board, March 2016")
    store.set_answer(rid, "pcc_review_by", "Police and crime commissioner")
    for item in c.items:
        if re.fullmatch(r"pcc_q01(_[a-e])?", item.id):
            store.set_answer(rid, item.id, "3" if item.kind == "q4" else "yes")
    written: dict = {}
    for n in range(2, 11):
        written.update(store.set_answer(rid, f"pcc_q{n:02d}", "na"))
    subs = {i.id for i in c.items if re.fullmatch(r"pcc_q(0[2-9]|10)_[a-h]\d?", i.id)}
    assert len(subs) == sum(SUBS.values()) - SUBS[1] + 8
    assert {k for (k, _), v in written.items() if v == "na"} >= subs
    for d in range(1, 9):
        store.set_answer(rid, f"pcc_d{d}", "provided")
    store.finalise(rid)  # nothing required is left unanswered
    assert store.record(rid)["status"] == "final"
