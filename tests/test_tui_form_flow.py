"""The form's flows without the app (fieldkit.tui.form_flow): an answer checked the way
the store checks it, saved or kept while another program writes, finalising and its
second ask, reopening, leaving with changes not saved. Against a real store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fieldkit.checklists import AnswerError, apply_rules, get, validate_answer
from fieldkit.errors import BadInput
from fieldkit.store import Store
from fieldkit.tui.form_flow import FormFlow
from fieldkit.tui.write_queue import Timings

QUICK = Timings(save_wait=0.05, retry_every=0.05, retry_wait=0.01, last_try=0.05)


@contextmanager
def held(db: Path) -> Iterator[None]:
    """Another program holding the database's write lock."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def new_flow(store: Store, checklist: str = "call_listening", **kw: object) -> FormFlow:
    rid = store.create_record(checklist, "kent", subject_ref="CR-1")
    return FormFlow(store, rid, timings=QUICK, **kw)  # type: ignore[arg-type]


def test_one_check_for_the_app_and_the_store(store: Store) -> None:
    """validate_answer refuses what Store.set_answer refuses, in the same words."""
    checklist = get("case_file_review")
    flow = new_flow(store, "case_file_review")
    injured = ("cf_victim_injured", "")
    photos = next(iter(apply_rules(checklist, {injured: "no"})))[0]  # n/a once it is no
    assert validate_answer(checklist, {}, injured, "n") == "no"
    answers = {injured: "no"}
    with pytest.raises(AnswerError, match=f"^{photos}: must be na when"):
        validate_answer(checklist, answers, (photos, ""), "yes")
    with pytest.raises(AnswerError, match="^cf_victim_injured: expected yes/no"):
        validate_answer(checklist, {}, injured, "maybe")
    store.set_answer(flow.record_id, injured[0], "no")
    flow.reread()
    said = flow.problem((photos, ""), "yes")
    with pytest.raises(BadInput) as refused:
        store.set_answer(flow.record_id, photos, "yes")
    assert said and str(refused.value) == f"{photos}: {said}"
    assert flow.problem((photos, ""), "na") == ""


def test_an_answer_is_saved_and_said_by_its_number(store: Store) -> None:
    flow = new_flow(store)
    op = ("answer", "cl_visit_unannounced", "")
    flushed = flow.put(op, "y")
    assert flushed.show and not flushed.reread and not flushed.retry
    assert ("cl_visit_unannounced", "") in flushed.changed
    assert flushed.said == ("Saved 2 (Was the visit unannounced?) = yes", "saved")
    assert flow.saved_state(op)
    assert flow.row_states(flushed.outcome) == {("cl_visit_unannounced", ""): ("saved", "", False)}
    assert store.answers(flow.record_id)[("cl_visit_unannounced", "")] == "yes"
    assert not flow.untouched_new


def test_a_busy_database_keeps_the_answer_and_leaving_asks_twice(
    store: Store, db_path: Path
) -> None:
    flow = new_flow(store, new=True)
    op = ("answer", "cl_visit_unannounced", "")
    with held(db_path):
        flushed = flow.put(op, "n")
        assert flushed.retry and flushed.reread
        assert flushed.said is not None and "the database is busy" in flushed.said[0]
        assert flow.saved_state(op)  # kept, as good as saved for the user
        assert flow.row_states(flushed.outcome)[op[1:]] == ("waiting", "", True)
        assert flow.model.answers[op[1:]] == "no"  # shown from the queue
        said = flow.leave("Esc", saved_all=False)
        assert said is not None and said.bell
        assert said.text.startswith("1 change NOT saved yet (database busy). Esc again")
        flow.key_pressed("y", None)  # any other key: the next Esc asks again
        assert flow.leave("Esc", saved_all=False) is not None
    flushed = flow.flush(QUICK.retry_wait)
    assert not flushed.retry and flushed.said is not None
    assert flushed.said[0].startswith("Database free again: Saved 2")
    assert store.answers(flow.record_id)[op[1:]] == "no"
    assert flow.leave("Esc", saved_all=True) is None


def test_leaving_twice_drops_what_waits(store: Store, db_path: Path) -> None:
    flow = new_flow(store)
    with held(db_path):
        flow.put(("answer", "cl_visit_unannounced", ""), "n")
        assert flow.leave("Esc", saved_all=False) is not None
        assert flow.leave("Esc", saved_all=False) is None
    assert not flow.queue and ("cl_visit_unannounced", "") not in store.answers(flow.record_id)


def test_finalise_asks_over_personal_text_and_names_what_is_missing(store: Store) -> None:
    flow = new_flow(store, "case_file_review")
    text_item = next(i for i in flow.checklist.items if i.kind == "text")
    flow.put(("answer", text_item.id, ""), "Call Jane Smith on 07700 900123")
    said = flow.finalise(saved_all=True)
    assert said.level == "warning" and said.focus == (text_item.id, "") and not said.done
    said = flow.finalise(saved_all=True)  # the second ctrl+f goes on: items are missing
    assert said.level == "error" and said.focus is not None and not said.done
    assert said.text.startswith("Cannot finalise: ")
    assert store.record(flow.record_id)["status"] == "draft"


def test_finalise_and_reopen(store: Store) -> None:
    flow = new_flow(store, "front_desk")
    from fieldkit.tui.form_model import FormModel

    model = FormModel(flow.checklist)
    for entry in model.entries():
        item = entry.item
        if item.required and item.answerable and not model.auto_na(entry):
            value = {"yn": "yes", "ynna": "yes", "q4": 3}.get(item.kind)
            if value is None and item.choices:
                value = item.choices[0].code
            if value is None:
                value = {"date": "2015-06-01", "time": "09:30"}.get(item.kind, "1")
            if item.kind == "datetime":
                value = "2015-06-01T09:30"
            flow.put(("answer", item.id, entry.rkey), value)
    assert flow.finalise(saved_all=False).text.startswith("Not finalised: answers still wait")
    said = flow.finalise(saved_all=True)
    assert said.done and said.text.endswith("is final.") and flow.final
    assert flow.finalise(saved_all=True).text == "Already final. ctrl+r reopens it."
    said = flow.reopen()
    assert said.level == "saved" and not flow.final
    assert store.record(flow.record_id)["status"] == "draft"
    assert flow.reopen().text == "This record is a draft already."


def test_the_last_try_says_what_was_lost(store: Store, db_path: Path) -> None:
    flow = new_flow(store)
    assert flow.last_try() is None
    with held(db_path):
        flow.put(("answer", "cl_visit_unannounced", ""), "n")
        flow.put(("answer", "cl_visit_unannounced", ""), "y")
        assert flow.last_try() == "1 change could not be saved (database busy)."


def test_a_busy_database_is_said_one_way_everywhere(store: Store, db_path: Path) -> None:
    """The CLI's line, the form's status and a refused finalise use the same words."""
    from fieldkit.cli.failures import explain
    from fieldkit.errors import BUSY
    from fieldkit.tui.form_flow import write_failed

    locked = sqlite3.OperationalError("database is locked")
    found = explain(locked)
    assert found is not None and BUSY in found[0] and found[1] == 3
    assert BUSY in write_failed(locked, "Not reopened").text
    flow = new_flow(store)
    with held(db_path):
        flushed = flow.put(("answer", "cl_visit_unannounced", ""), "y")
    assert flushed.said is not None and BUSY in flushed.said[0]


def test_the_flow_runs_without_textual() -> None:
    """The form's flow, its queue and what it says load without Textual (tested here
    without the app, as the core is)."""
    import subprocess
    import sys

    code = (
        "import sys, fieldkit.tui.form_flow\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
