"""XLSForm workbooks written the way instrument designers write them (openpyxl), for the
checklists import / export / diff tests.

`custody_visit` is a bilingual (English / Cymraeg) form with groups, a repeat, relevance
with `selected()`, `and`, `or`, `not` and `!=`, select_multiple, number constraints, a
calculate, hints, a note and every supported question type. `refusal` writes a small
valid form with one unsupported feature added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

SURVEY_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::Cymraeg (cy)",
    "hint::English (en)",
    "hint::Cymraeg (cy)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "calculation",
    "appearance",
]


def _row(
    type_: str,
    name: str = "",
    en: str = "",
    cy: str = "",
    *,
    hint: str = "",
    hint_cy: str = "",
    required: str = "",
    relevant: str = "",
    constraint: str = "",
    message: str = "",
    calculation: str = "",
    appearance: str = "",
) -> list[Any]:
    return [
        type_,
        name,
        en,
        cy,
        hint,
        hint_cy,
        required,
        relevant,
        constraint,
        message,
        calculation,
        appearance,
    ]


def custody_survey(version: int = 1) -> list[list[Any]]:
    rows = [
        _row("start", "start"),
        _row("today", "today"),
        _row(
            "note",
            "intro",
            "Custody suite visit: record what you saw, not names.",
            "Ymweliad â'r ddalfa: cofnodwch yr hyn a welsoch, nid enwau.",
        ),
        _row("begin group", "visit", "Visit", "Ymweliad"),
        _row("text", "suite_ref", "Custody suite reference", "Cyfeirnod y ddalfa", required="yes"),
        _row("dateTime", "visit_start", "Visit started", "Dechreuodd yr ymweliad", required="yes"),
        _row("date", "last_inspected", "Date last inspected", "Dyddiad yr arolygiad diwethaf"),
        _row("time", "handover_time", "Shift handover time", "Amser trosglwyddo'r shifft"),
        _row(
            "select_one yn",
            "unannounced",
            "Was the visit unannounced?",
            "A oedd yr ymweliad yn ddirybudd?",
            required="yes",
            appearance="horizontal",
        ),
        _row("end group"),
        _row("begin group", "detainees", "Detainees", "Carcharorion"),
        _row(
            "integer",
            "detainees_held",
            "Detainees held at the time of the visit",
            "Carcharorion yn y ddalfa adeg yr ymweliad",
            required="yes",
            constraint=". >= 0 and . <= 60",
            message="Between 0 and 60",
        ),
        _row(
            "integer",
            "da_detainees",
            "Of those, detained for a domestic abuse offence",
            "O'r rheini, wedi'u cadw am drosedd cam-drin domestig",
            required="yes",
            constraint=". <= 60",
            relevant="${detainees_held} > 0",
        ),
        _row(
            "calculate",
            "da_share",
            "Share held for domestic abuse (computed)",
            "",
            calculation="round(${da_detainees} div ${detainees_held} * 100, 1)",
        ),
        _row(
            "decimal",
            "cell_temp",
            "Cell temperature (°C)",
            "Tymheredd y gell (°C)",
            constraint=". >= 5 and . <= 40",
        ),
        _row(
            "select_multiple vulnerabilities",
            "vulnerabilities",
            "Vulnerabilities identified at booking",
            "Bregusrwydd a nodwyd wrth gofrestru",
            hint="Choose all that apply",
            hint_cy="Dewiswch bob un sy'n berthnasol",
            required="yes",
        ),
        _row(
            "select_one yn_na",
            "mh_referral",
            "Was a mental health referral made?",
            "A wnaed atgyfeiriad iechyd meddwl?",
            required="yes",
            relevant="selected(${vulnerabilities}, 'mental_health')",
        ),
        _row(
            "select_one yn",
            "appropriate_adult",
            "Was an appropriate adult called?",
            "A alwyd oedolyn priodol?",
            required="yes",
            relevant="selected(${vulnerabilities}, 'child') or selected(${vulnerabilities}, 'learning_disability')",
        ),
        _row(
            "text",
            "why_no_adult",
            "Why was no appropriate adult called?",
            "Pam na alwyd oedolyn priodol?",
            relevant="${appropriate_adult} != 'yes' and not(${unannounced} = 'no')",
            appearance="multiline",
        ),
        _row("end group"),
        _row("begin repeat", "staff", "Staff spoken to", "Staff y siaradwyd â nhw"),
        _row(
            "select_one role",
            "staff_role",
            "Role",
            "Rôl",
            required="yes",
        ),
        _row(
            "select_one yn",
            "da_training",
            "Trained in domestic abuse in the last two years?",
            "Wedi'i hyfforddi mewn cam-drin domestig yn y ddwy flynedd diwethaf?",
            required="yes",
        ),
        _row("end repeat"),
        _row(
            "text",
            "comments",
            "Other observations",
            "Sylwadau eraill",
            hint="No names",
            hint_cy="Dim enwau",
        ),
    ]
    if version == 2:
        # v2: a question renamed (its answers carry over), a choice dropped, a new question
        for r in rows:
            if r[1] == "cell_temp":
                r[1] = "cell_temperature"
        rows.insert(
            -1,
            _row("select_one yn", "leaflets", "Were DA leaflets on display?", "", required="no"),
        )
    return rows


def custody_choices(version: int = 1) -> list[list[Any]]:
    rows = [
        ["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"],
        ["yn", "yes", "Yes", "Ie"],
        ["yn", "no", "No", "Na"],
        ["yn_na", "yes", "Yes", "Ie"],
        ["yn_na", "no", "No", "Na"],
        ["yn_na", "na", "Not applicable", "Amherthnasol"],
        ["vulnerabilities", "mental_health", "Mental health", "Iechyd meddwl"],
        ["vulnerabilities", "child", "Child or young person", "Plentyn neu berson ifanc"],
        ["vulnerabilities", "learning_disability", "Learning disability", "Anabledd dysgu"],
        ["vulnerabilities", "substance", "Drugs or alcohol", "Cyffuriau neu alcohol"],
        ["vulnerabilities", "none", "None", "Dim"],
        ["role", "sergeant", "Custody sergeant", "Rhingyll y ddalfa"],
        ["role", "dda", "Detention officer", "Swyddog cadw"],
        ["role", "nurse", "Healthcare professional", "Gweithiwr gofal iechyd"],
    ]
    if version == 2:
        rows = [r for r in rows if r[1] != "substance"]
    return rows


def write_form(
    path: Path,
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: dict[str, Any] | None = None,
    header: list[str] | None = None,
) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(header or SURVEY_HEADER)
    for r in survey:
        ws.append(r)
    if choices:
        c = wb.create_sheet("choices")
        for r in choices:
            c.append(r)
    if settings:
        s = wb.create_sheet("settings")
        s.append(list(settings))
        s.append(list(settings.values()))
    wb.save(path)
    return path


def custody_visit(path: Path, version: int = 1) -> Path:
    """The bilingual custody-visit form (version 1, or a version 2 with changes)."""
    settings = {
        "form_id": "custody_visit",
        "form_title": "Custody suite visit",
        "version": str(version),
        "default_language": "English (en)",
        "style": "pages",
        "fieldkit::natural_key": "suite_ref visit_start",
    }
    survey = custody_survey(version)
    header = list(SURVEY_HEADER)
    if version == 2:
        header.append("fieldkit::renamed_from")
        for r in survey:
            r.append("cell_temp" if r[1] == "cell_temperature" else "")
    return write_form(path, survey, custody_choices(version), settings, header)


def small_form(path: Path, extra_rows: list[list[Any]] | None = None, **settings: Any) -> Path:
    """A minimal valid form (one group, two questions) plus rows that test one feature."""
    survey = [
        _row("begin group", "g", "Questions", "Cwestiynau"),
        _row("select_one yn", "seen", "Seen?", "Gwelwyd?", required="yes"),
        _row("integer", "count", "How many?", "Sawl un?"),
        *(extra_rows or []),
        _row("end group"),
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Cymraeg (cy)"],
        ["yn", "yes", "Yes", "Ie"],
        ["yn", "no", "No", "Na"],
    ]
    return write_form(path, survey, choices, {"form_id": "small", "version": "1", **settings})


def row(*args: Any, **kw: Any) -> list[Any]:
    return _row(*args, **kw)
