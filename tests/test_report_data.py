"""Checks that the shared record helpers (tests/helpers/records.py) make what they say."""

from __future__ import annotations

from helpers.records import case_file

from fieldkit.store import Store


def test_case_file_helper_sets_scope_and_relevance(store: Store) -> None:
    rid = case_file(store, "kent", "CR/1", injured="no", answers={"cf_t2_bwv_used": "yes"})
    answers = store.answers(rid)
    assert answers[("cf_t2_injury_photos", "")] == "na"
    assert answers[("cf_t2_bwv_used", "")] == "yes"
    assert store.record(rid)["status"] == "final"
    assert store.record(rid)["natural_key"] == "kent|cr/1"
