"""A custody-suite check written as an instrument designer would, in an XLSForm workbook
(openpyxl), for the capture-app and end-to-end tests of a new instrument: every kind an
XLSForm gives (note, text, yes/no, yes/no/n.a., integer and decimal with ranges, any-of
with an exclusive "None", a calculate, a relevance rule, a repeat), labels in English and
Welsh."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

FORM_ID = "suite_check"
TITLE = "Custody suite check"

HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::Cymraeg (cy)",
    "hint::English (en)",
    "required",
    "relevant",
    "constraint",
    "calculation",
    "fieldkit::unknown",
]

SURVEY = [
    ["note", "intro", "Record what you saw; never names.", "Cofnodwch yr hyn a welsoch."],
    ["begin group", "visit", "Visit", "Ymweliad"],
    ["text", "suite_ref", "Suite reference", "Cyfeirnod y ddalfa", "", "yes"],
    ["select_one yn", "unannounced", "Visit unannounced?", "Ymweliad dirybudd?", "", "yes"],
    ["integer", "detainees", "Detainees held", "Carcharorion", "", "yes", "", ". >= 0 and . <= 40"],
    [
        "decimal",
        "cell_temp",
        "Cell temperature (C)",
        "Tymheredd y gell",
        "",
        "yes",
        "",
        ". >= 5 and . <= 40",
        "",
        "yes",
    ],
    ["select_multiple vuln", "vuln", "Vulnerabilities", "Bregusrwydd", "All that apply", "yes"],
    [
        "select_one yn_na",
        "mh_referral",
        "Mental health referral made?",
        "Atgyfeiriad iechyd meddwl?",
        "",
        "yes",
        "selected(${vuln}, 'mh')",
    ],
    [
        "calculate",
        "vuln_count",
        "Vulnerabilities noted",
        "",
        "",
        "",
        "",
        "",
        "count-selected(${vuln})",
    ],
    ["end group"],
    ["begin repeat", "staff", "Staff spoken to", "Staff"],
    ["select_one yn", "trained", "Trained in DA?", "Wedi'i hyfforddi?", "", "yes"],
    ["end repeat"],
    ["text", "comments", "Other observations", "Sylwadau eraill", "No names", "no"],
]

CHOICES = [
    ["list_name", "name", "label::English (en)", "label::Cymraeg (cy)", "fieldkit_exclusive"],
    ["yn", "yes", "Yes", "Ie"],
    ["yn", "no", "No", "Na"],
    ["yn_na", "yes", "Yes", "Ie"],
    ["yn_na", "no", "No", "Na"],
    ["yn_na", "na", "Not applicable", "Amherthnasol"],
    ["vuln", "mh", "Mental health", "Iechyd meddwl"],
    ["vuln", "child", "Child", "Plentyn"],
    ["vuln", "none", "None", "Dim", "yes"],
]

SETTINGS = {
    "form_id": FORM_ID,
    "form_title": TITLE,
    "version": "1",
    "default_language": "English (en)",
    "fieldkit::natural_key": "suite_ref",
}


def suite_check_form(path: Path) -> Path:
    """Write the custody-suite check workbook to `path`."""
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(HEADER)
    for r in SURVEY:
        ws.append(r)
    choices = wb.create_sheet("choices")
    for r in CHOICES:
        choices.append(r)
    settings = wb.create_sheet("settings")
    settings.append(list(SETTINGS))
    settings.append(list(SETTINGS.values()))
    wb.save(path)
    return path
