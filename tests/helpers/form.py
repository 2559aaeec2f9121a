"""A call record typed key by key in the capture app, and reading back what SQLite holds
(shared by the form, concurrency and real-terminal tests)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from fieldkit.checklists import NA


def typed(text: str) -> list[str]:
    """Key names that type `text` (pilot.press takes key names, not characters)."""
    names = {" ": "space", "-": "minus", ":": "colon", ".": "full_stop", "/": "slash"}
    return [names.get(ch, ch) for ch in text]


def cells(db: Path, record_id: str, kind: str = "answer") -> dict[tuple[str, str], object]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT field, rkey, value FROM cells WHERE record_id = ? AND kind = ?",
            (record_id, kind),
        ).fetchall()
    finally:
        conn.close()
    return {(f, k): v for f, k, v in rows if v is not None}


def record_row(db: Path, record_id: str) -> dict[str, object]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return dict(
            conn.execute("SELECT * FROM records WHERE record_id = ?", (record_id,)).fetchone()
        )
    finally:
        conn.close()


# One call, question by question: the keys pressed and the value SQLite must then hold.
CALL: list[tuple[str, list[str], object]] = [
    # A. control-room context
    ("cl_visit_datetime", [*typed("2015-06-01T09:15"), "enter"], "2015-06-01T09:15"),
    ("cl_visit_unannounced", ["y"], "yes"),
    ("cl_ctx_thrive_adopted", ["y"], "yes"),
    ("cl_ctx_auto_repeat_id", ["n"], "no"),
    (
        "cl_ctx_repeat_id_fallback",
        ["1", "2", "enter"],
        json.dumps(["handler_asks_caller", "manual_check_on_caller_and_address"]),
    ),
    ("cl_ctx_intel_staff", ["2"], "part_of_the_day"),
    ("cl_ctx_child_protection_access", ["y"], "yes"),
    ("cl_ctx_systems_count", ["3", "enter"], 3),
    ("cl_ctx_scripts_available", ["1"], "built_in_drop_down_prompts"),
    ("cl_ctx_scripts_accessible", ["y"], "yes"),
    ("cl_ctx_dip_sampling", ["y"], "yes"),
    ("cl_ctx_live_monitoring", ["n"], "no"),
    ("cl_ctx_individual_feedback", ["y"], "yes"),
    ("cl_ctx_vulnerable_log_screening", ["n"], "no"),
    ("cl_ctx_escalation_procedure", ["y"], "yes"),
    ("cl_ctx_phone_dash", ["n"], "no"),
    ("cl_ctx_handler_da_training", ["2"], "most"),
    ("cl_ctx_training_mode", ["3"], "blended"),
    ("cl_ctx_coercive_control_training", ["1"], "yes_college_package"),
    ("cl_ctx_knows_definitions", ["3"], 3),
    ("cl_ctx_notes", [*typed("Two handlers on shift"), "enter"], "Two handlers on shift"),
    # B. call details
    ("cl_call_ref", [*typed("CR-0001"), "enter"], "CR-0001"),
    ("cl_call_datetime", ["enter"], "2015-06-01T09:30"),  # Enter on empty = now
    ("cl_call_channel", ["1"], "999"),
    ("cl_listen_mode", ["1"], "recording"),
    ("cl_caller_type", ["1"], "victim"),
    ("cl_call_duration", [*typed("240"), "enter"], 240),
    ("cl_language_need", ["1"], "none_needed"),
    ("cl_perpetrator_present", ["2"], "no"),
    # C. manner
    ("cl_calm_reassuring", ["4"], 4),
    ("cl_professional", ["4"], 4),
    ("cl_empathy", ["3"], 3),
    ("cl_non_judgemental", ["y"], "yes"),
    ("cl_took_seriously", ["y"], "yes"),
    ("cl_no_burden_on_victim", ["y"], "yes"),
    ("cl_explained_questions", ["y"], "yes"),
    # D. recognition
    ("cl_identified_as_da", ["y"], "yes"),
    ("cl_da_marker_applied", ["y"], "yes"),
    ("cl_incident_category", ["1"], "domestic_abuse"),
    ("cl_classification_correct", ["y"], "yes"),
    ("cl_crime_recorded_correctly", ["a"], NA),
    ("cl_nonphysical_recognised", ["a"], NA),
    ("cl_hbv_fgm_fm_recognised", ["a"], NA),
    # E. repeat and history (cl_repeat_flag_shown is n/a by rule and skipped)
    ("cl_asked_called_before", ["y"], "yes"),
    ("cl_history_checked", ["y"], "yes"),
    ("cl_suspect_history_checked", ["y"], "yes"),
    ("cl_orders_checked", ["n"], "no"),
    ("cl_previous_risk_checked", ["a"], NA),
    ("cl_repeat_victim_identified", ["a"], NA),
    ("cl_vulnerable_identified", ["y"], "yes"),
    ("cl_vulnerability_markers", ["2", "enter"], json.dumps(["repeat_victim"])),
    ("cl_history_passed_to_officers", ["y"], "yes"),
    # F. risk and THRIVE
    ("cl_script_used", ["y"], "yes"),
    ("cl_risk_questions_asked", ["y"], "yes"),
    ("cl_children_asked", ["y"], "yes"),
    ("cl_children_present", ["2"], "no"),
    ("cl_weapons_asked", ["y"], "yes"),
    ("cl_injuries_asked", ["y"], "yes"),
    ("cl_safe_to_talk_asked", ["y"], "yes"),
    ("cl_thrive_applied", ["y"], "yes"),
    ("cl_thrive_elements", ["1", "2", "3", "enter"], json.dumps(["threat", "harm", "risk"])),
    ("cl_phone_dash", ["n"], "no"),
    # G. advice
    ("cl_safety_advice", ["4"], 4),
    ("cl_safeguarding_focus", ["y"], "yes"),
    ("cl_evidence_advice", ["3"], 3),
    ("cl_support_info", ["y"], "yes"),
    ("cl_kept_on_line", ["a"], NA),
    # H. grading
    ("cl_response_grade", ["1"], "immediate_emergency"),
    ("cl_grade_appropriate", ["y"], "yes"),
    ("cl_rationing_concern", ["n"], "no"),
    ("cl_scheduled_appointment", ["1"], "not_offered"),
    ("cl_time_call_to_dispatch", ["2", "enter"], 2),
    ("cl_time_call_to_arrival", ["1", "2", "enter"], 12),
    ("cl_supervisor_involved", ["n"], "no"),
    ("cl_mash_or_partner_alerted", ["a"], NA),
    # I. overall
    ("cl_overall_quality", ["4"], 4),
    ("cl_notable_practice", [*typed("Calm and clear"), "enter"], "Calm and clear"),
    ("cl_concerns", ["enter"], None),  # optional: Enter on empty moves on
]
