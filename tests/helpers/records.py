"""Records made through the Store, shared by the report, view, serve and export tests."""

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


def marac(store: Store, force: str, area: str, day: str, agencies: dict[str, str]) -> str:
    """A final MARAC observation; `agencies` maps an agency code to its answer to the
    per-agency seniority question (the agency attended)."""
    answers: dict[tuple[str, str], Any] = {
        ("mo_marac_area", ""): area,
        ("mo_meeting_date", ""): day,
    }
    for code, v in agencies.items():
        answers[("mo_att_status", code)] = "attended"
        answers[("mo_att_seniority_ok", code)] = v
    return store.create_record("marac_observation", force, status="final", answers=answers)
