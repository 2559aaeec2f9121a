"""Running a data collection end to end (issue 26): templates out, two returns filled in with
openpyxl (one inconsistent), read back, checked, queried, answered, re-sent and agreed, the
figure no longer provisional, every step a change in the log `fieldkit verify` checks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from openpyxl import load_workbook

from fieldkit.checklists import get

FORM = "force_data_return"
GOOD = {
    "dr_calls": 100_000,
    "dr_da_calls": 5_000,
    "dr_da_offences": 4_000,
    "dr_da_repeat_victims": 1_000,
    "dr_da_evidential_supports": 300,
    "dr_da_evidential_not_supports": 400,
    "dr_victims_female": 3_000,
    "dr_victims_male": 800,
    "dr_da_arrests": 2_600,
    "dr_da_charges": 900,
    "dr_da_cautions": 200,
    "dr_da_offences_2013": 3_000,
    "dr_da_arrests_2013": "unknown",
    "dr_training_staff": 1_000,
    "dr_training_trained": 800,
    "dr_cc_training": "yes",
    "dr_dvpo_applied": 50,
    "dr_dvpo_granted": 45,
    "dr_dvpo_breached": 9,
    "dr_marac_cases": 900,
    "dr_perpetrator_scheme": "no",
    "dr_risk_high": 200,
    "dr_risk_medium": 500,
    "dr_risk_standard": 1_300,
}


def fill(path: Path, figures: dict[str, Any]) -> None:
    """What a force's analyst does: type a figure beside each question."""
    wb = load_workbook(path)
    ws = wb["Return"]
    row = 8
    while ws[f"A{row}"].value:
        ws[f"C{row}"] = figures.get(ws[f"A{row}"].value, 100)
        row += 1
    wb.save(path)


def changes(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    finally:
        conn.close()


def verified(cli: Callable[..., Result], db: Path) -> dict[str, Any]:
    result = cli("verify", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["ok"] and got["changes"] == changes(db)
    return got


def figure6(cli: Callable[..., Result], db: Path) -> dict[str, Any]:
    result = cli("report", "summary", "figure6", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    return {r["force_code"]: r for r in json.loads(result.output)["rows"]}


def test_the_template_is_a_workbook_per_force_with_checked_cells(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    out = tmp_path / "out"
    result = cli("returns", "template", FORM, "--out", out)
    assert result.exit_code == 0, result.output
    books = sorted(out.glob("*.xlsx"))
    assert len(books) == 43 and all(p.stat().st_mode & 0o077 == 0 for p in books)
    wb = load_workbook(out / "kent.xlsx")
    ws = wb["Return"]
    assert ws["B3"].value == "Kent Police" and ws["B4"].value == "2015"
    ids = [ws[f"A{r}"].value for r in range(8, ws.max_row + 1)]
    form = get(FORM)
    assert "dr_da_offences" in ids and form.returns is not None
    assert form.returns.agreed_item not in ids and form.returns.period_item not in ids
    row = 8 + ids.index("dr_dvpo_granted")
    assert "more than applied" in ws[f"D{row}"].value  # the guidance
    rules = {str(c): dv for dv in ws.data_validations.dataValidation for c in dv.sqref.ranges}
    dv = rules[f"C{row}"]
    assert dv.type == "custom" and "INT(C" in dv.formula1 and '"unknown"' in dv.formula1
    assert ws.protection.sheet and not ws[f"C{row}"].protection.locked
    again = cli("returns", "template", FORM, "--out", out)
    assert again.exit_code == 2 and "already exists" in again.output


def test_a_collection_from_templates_to_agreed_figures(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    db, out = tmp_path / "team.db", tmp_path / "out"
    assert (
        cli("returns", "template", FORM, "--out", out, "-f", "kent", "-f", "dorset").exit_code == 0
    )
    fill(out / "kent.xlsx", GOOD)
    fill(out / "dorset.xlsx", {**GOOD, "dr_dvpo_granted": 60, "dr_da_arrests": 1_600})
    result = cli("returns", "import", out / "kent.xlsx", out / "dorset.xlsx", "--db", db)
    assert result.exit_code == 0, result.output
    assert "2 return(s): 2 new" in result.output
    before = verified(cli, db)["changes"]

    result = cli("returns", "check", "--db", db, "--json")
    found = json.loads(result.output)
    assert [(f["check"], f["force_code"], f["rule"]) for f in found] == [
        ("inconsistent", "dorset", "granted_within_applied")
    ]
    assert found[0]["values"] == {"dr_dvpo_granted": 60, "dr_dvpo_applied": 50}

    rows = figure6(cli, db)
    assert rows["dorset"]["rate_2015"] == 40 and rows["dorset"]["provisional"]
    assert rows["kent"]["rate_2015__label"] == "65% (provisional)"
    assert rows["kent"]["rate_2013__label"] == "no data"

    asked = cli(
        "returns", "query", "dorset", "--question", "dr_dvpo_granted", "--text", "Check", "--db", db
    )
    assert asked.exit_code == 0 and "Q1" in asked.output
    refused = cli("returns", "agree", "dorset", "--db", db)
    assert refused.exit_code == 2 and "still open" in refused.output
    answered = cli("returns", "answer", "dorset", "Q1", "--text", "A typo: 45", "--db", db)
    assert answered.exit_code == 0
    log = json.loads(cli("returns", "queries", "--db", db, "--json").output)
    assert [(q["ref"], q["status"], q["answer"]) for q in log] == [("Q1", "answered", "A typo: 45")]

    fill(out / "dorset.xlsx", {**GOOD, "dr_da_arrests": 1_600})  # the corrected return
    resent = cli("returns", "import", out / "dorset.xlsx", "--db", db)
    assert resent.exit_code == 0, resent.output
    assert "dorset: dr_dvpo_granted 60 -> 45" in resent.output
    assert json.loads(cli("returns", "check", "--db", db, "--json").output) == []

    for force in ("dorset", "kent"):
        assert cli("returns", "agree", force, "--db", db).exit_code == 0
    rows = figure6(cli, db)
    assert not rows["dorset"]["provisional"] and rows["dorset"]["rate_2015__label"] == "40%"
    assert not rows["kent"]["provisional"]

    # every step went into the log: the query, its answer, the re-sent figure, two sign-offs
    after = verified(cli, db)["changes"]
    conn = sqlite3.connect(db)
    logged = conn.execute(
        "SELECT field, value FROM changes WHERE field IN ('dr_dvpo_granted', 'dr_agreed',"
        " 'rq_answer', 'rq_status') ORDER BY hlc"
    ).fetchall()
    assert ("dr_dvpo_granted", 45) in logged and ("rq_answer", "A typo: 45") in logged
    assert logged.count(("dr_agreed", "yes")) == 2 and ("rq_status", "answered") in logged
    assert after > before


def test_a_resent_changed_return_is_no_longer_agreed(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    db, out = tmp_path / "team.db", tmp_path / "out"
    cli("returns", "template", FORM, "--out", out, "-f", "essex")
    fill(out / "essex.xlsx", GOOD)
    assert cli("returns", "import", out / "essex.xlsx", "--db", db).exit_code == 0
    assert cli("returns", "agree", "essex", "--db", db).exit_code == 0
    same = cli("returns", "import", out / "essex.xlsx", "--db", db)
    assert "1 unchanged" in same.output and not figure6(cli, db)["essex"]["provisional"]
    fill(out / "essex.xlsx", {**GOOD, "dr_da_arrests": 3_000})
    changed = cli("returns", "import", out / "essex.xlsx", "--db", db)
    assert "no longer agreed" in changed.output
    row = figure6(cli, db)["essex"]
    assert row["rate_2015"] == 75 and row["provisional"]


def test_a_bad_cell_is_one_line_and_nothing_is_written(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    db, out = tmp_path / "team.db", tmp_path / "out"
    cli("returns", "template", FORM, "--out", out, "-f", "kent", "-f", "essex")
    fill(out / "kent.xlsx", GOOD)
    fill(out / "essex.xlsx", {**GOOD, "dr_dvpo_applied": 12.5})
    assert cli("init", "--db", db).exit_code == 0
    before = db.read_bytes()
    result = cli("returns", "import", out / "kent.xlsx", out / "essex.xlsx", "--db", db)
    assert result.exit_code == 2
    assert "essex.xlsx: cell C" in result.output and "(dr_dvpo_applied)" in result.output
    assert "whole number" in result.output and len(result.output.strip().splitlines()) == 1
    assert db.read_bytes() == before


def test_returns_come_in_through_the_csv_import_too(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    db, csv = tmp_path / "team.db", tmp_path / "returns.csv"
    items = list(GOOD)
    csv.write_text(
        "force,observed_at,status,dr_period," + ",".join(items) + "\n"
        "Lincolnshire,2015-05-01,final,2015," + ",".join(str(GOOD[i]) for i in items) + "\n",
        encoding="utf-8",
    )
    result = cli("import", csv, "--checklist", FORM, "--db", db)
    assert result.exit_code == 0, result.output
    assert figure6(cli, db)["lincolnshire"]["rate_2015__label"] == "65% (provisional)"
