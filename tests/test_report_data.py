"""Helpers shared by the report, view, serve and export tests (records made through the
Store), and a check that they make what they say."""

from __future__ import annotations

from typing import Any

from fieldkit.store import Store

T2 = (
    "cf_t2_victim_statement_initial",
    "cf_t2_injury_photos",
    "cf_t2_house_to_house",
    "cf_t2_officer_statement",
    "cf_t2_bwv_used",
    "cf_t2_999_listened_exhibited",
    "cf_t2_safety_measures",
)


def case_file(
    store: Store,
    force: str,
    ref: str,
    *,
    category: str = "abh",
    da: str = "yes",
    injured: str = "yes",
    status: str = "final",
    answers: dict[str, Any] | None = None,
    **kw: Any,
) -> str:
    """A case file with the scope items set and any other answers given by item id."""
    values: dict[tuple[str, str], Any] = {
        ("cf_crime_ref", ""): ref,
        ("cf_offence_category", ""): category,
        ("cf_da_flag", ""): da,
        ("cf_victim_injured", ""): injured,
    }
    if injured == "no":
        values[("cf_t2_injury_photos", "")] = "na"
    for k, v in (answers or {}).items():
        values[(k, "")] = v
    return store.create_record(
        "case_file_review", force, status=status, subject_ref=ref, answers=values, **kw
    )


def call(store: Store, force: str, ref: str, *, status: str = "final", **answers: Any) -> str:
    values = {("cl_call_ref", ""): ref}
    values.update({(k, ""): v for k, v in answers.items()})
    return store.create_record("call_listening", force, status=status, answers=values)


def rows_by_item(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["item_id"]: r for r in rows}


def test_case_file_helper_sets_scope_and_relevance(store: Store) -> None:
    rid = case_file(store, "kent", "CR/1", injured="no", answers={"cf_t2_bwv_used": "yes"})
    answers = store.answers(rid)
    assert answers[("cf_t2_injury_photos", "")] == "na"
    assert answers[("cf_t2_bwv_used", "")] == "yes"
    assert store.record(rid)["status"] == "final"
    assert store.record(rid)["natural_key"] == "kent|cr/1"
