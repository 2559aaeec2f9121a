"""ODK Central and KoboToolbox data come in (issue 24): their CSV exports of one form
(a group, a repeat in its own file, a multiple choice, a location), as those tools write
them (tests/fixtures/odk), import, and importing them again adds nothing."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook
from typer.testing import Result

from fieldkit.store import Store

Cli = Callable[..., Result]
ODK = Path(__file__).parent / "fixtures" / "odk"


def station_visit(path: Path) -> Path:
    """The form both exports are of (no natural key: submissions are told apart by id)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in [
        ["type", "name", "label", "required", "calculation"],
        ["start", "start", "", ""],
        ["end", "end", "", ""],
        ["today", "today", "", ""],
        ["begin group", "site", "Site", ""],
        ["text", "station", "Station name", "yes"],
        ["select_one yesno", "open24", "Open 24 hours?", "yes"],
        ["select_multiple vuln", "vulnerabilities", "Vulnerabilities seen", ""],
        ["geopoint", "location", "Location", ""],
        ["end group", "", "", ""],
        ["begin repeat", "staff", "Staff spoken to", ""],
        ["text", "role", "Role", "yes"],
        ["integer", "years", "Years in post", ""],
        ["end repeat", "", "", ""],
        ["calculate", "service", "", "", "sum(${years})"],
    ]:
        ws.append(r)
    choices = wb.create_sheet("choices")
    for r in [
        ["list_name", "name", "label"],
        ["yesno", "yes", "Yes"],
        ["yesno", "no", "No"],
        ["vuln", "mental_health", "Mental health"],
        ["vuln", "child", "A child"],
        ["vuln", "none", "None"],
    ]:
        choices.append(r)
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["Station visit", "station_visit", "2024091201"])
    wb.save(path)
    return path


@pytest.fixture
def db(tmp_path: Path, cli: Cli) -> Path:
    path = tmp_path / "odk.db"
    result = cli("checklists", "import", station_visit(tmp_path / "f.xlsx"), "--db", path)
    assert result.exit_code == 0, result.output
    return path


def _records(db: Path) -> list[dict[tuple[str, str], object]]:
    with Store.open(db) as s:
        rids = [r for (r,) in s.conn.execute("SELECT record_id FROM records ORDER BY observed_at")]
        return [s.answers(r) for r in rids]


def test_an_odk_central_export_imports_with_its_repeat_and_again_adds_nothing(
    db: Path, cli: Cli
) -> None:
    args = ("import", ODK / "station_visit.csv", "--checklist", "station_visit", "--db", db,
            "--force", "kent", "--repeat", ODK / "station_visit-staff.csv")  # fmt: skip
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert "2 records imported" in result.output
    assert "column SubmitterName: ignored (a server account)" in result.output
    first, second = _records(db)
    assert first[("station", "")] == "Maidstone"
    assert json.loads(str(first[("vulnerabilities", "")])) == ["mental_health", "child"]
    assert first[("location", "")] == "51.2721 0.5229 42.1 4.8"
    assert first[("role", "1")] == "Custody sergeant" and first[("years", "2")] == 3
    assert first[("instanceID", "")] == "uuid:6f1c2a5e-8b9d-4c1e-a2f3-0d4e5b6c7a81"
    assert second[("location", "")] == "51.388 0.5445"
    assert second[("role", "1")] == "Nurse"
    with Store.open(db) as s:  # sum() over the repeat: the app's value is the reports'
        checklist = s.checklist("station_visit")
        rows = s.conn.execute("SELECT record_id, service FROM wide_station_visit").fetchall()
        for rid, in_view in rows:
            assert checklist.computed_value("service", s.answers(rid)) == in_view
        assert sorted(v for _, v in rows) == [7, 15]
    again = cli(*args)
    assert again.exit_code == 0, again.output
    assert "0 records imported, 2 already present" in again.output
    assert len(_records(db)) == 2


def test_a_kobotoolbox_export_imports_with_its_repeat_and_again_adds_nothing(
    db: Path, cli: Cli
) -> None:
    args = ("import", ODK / "kobo_station_visit.csv", "--checklist", "station_visit",
            "--db", db, "--force", "Kent Police",
            "--repeat", ODK / "kobo_station_visit-staff.csv")  # fmt: skip
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert "column _submission_time: ignored" in result.output
    first, second = _records(db)
    assert first[("station", "")] == "Ashford"
    assert first[("location", "")] == "51.1465 0.875 35 5"
    assert json.loads(str(second[("vulnerabilities", "")])) == ["mental_health", "none"]
    assert [second[("role", k)] for k in ("1", "2")] == ["Detention officer", "Inspector"]
    assert first[("instanceID", "")] == "uuid:4d1f0e2a-6b7c-4a8d-9e1f-2a3b4c5d6e7f"
    assert "0 records imported, 2 already present" in cli(*args).output


def test_an_export_without_a_force_is_refused_in_one_line(db: Path, cli: Cli) -> None:
    result = cli("import", ODK / "station_visit.csv", "--checklist", "station_visit", "--db", db)
    assert result.exit_code == 2
    text = (result.stderr or result.output).strip()
    assert text.splitlines() == [text] and "--force" in text


def test_a_repeat_row_for_no_submission_is_refused_naming_its_line(
    db: Path, cli: Cli, tmp_path: Path
) -> None:
    staff = tmp_path / "staff.csv"
    rows = list(csv.reader((ODK / "station_visit-staff.csv").open()))
    rows[2][2] = "uuid:00000000-0000-0000-0000-000000000000"
    with staff.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    result = cli("import", ODK / "station_visit.csv", "--checklist", "station_visit",
                 "--db", db, "--force", "kent", "--repeat", staff)  # fmt: skip
    assert result.exit_code == 2
    assert "staff.csv:3 column PARENT_KEY" in (result.stderr or result.output)
    assert _records(db) == []


def test_a_plain_csv_without_any_identity_again_adds_nothing(
    db: Path, cli: Cli, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.csv"
    with plain.open("w", newline="") as f:
        csv.writer(f).writerows(
            [
                ["force", "observed_at", "status", "station", "open24", "role[1]"],
                ["kent", "2026-03-02", "final", "Maidstone", "yes", "Sergeant"],
                ["kent", "2026-03-03", "final", "Medway", "no", "Nurse"],
            ]  # fmt: skip
        )
    first = cli("import", plain, "--checklist", "station_visit", "--db", db)
    assert "2 records imported" in first.output, first.output
    assert (
        "0 records imported, 2 already present"
        in cli("import", plain, "--checklist", "station_visit", "--db", db).output
    )


@pytest.mark.parametrize("checklist_id", ["station_visit", "front_desk", "pcc_checklist"])
def test_checklists_export_writes_an_xform_through_pyxform(
    db: Path, cli: Cli, tmp_path: Path, checklist_id: str
) -> None:
    out = tmp_path / "form.xml"
    result = cli(
        "checklists", "export", checklist_id, "--db", db, "--format", "xform", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    root = ElementTree.parse(out).getroot()
    xf = "{http://www.w3.org/2002/xforms}"
    binds = {b.get("nodeset", "").rsplit("/", 1)[-1] for b in root.iter(f"{xf}bind")}
    with Store.open(db) as s:
        checklist = s.checklist(checklist_id)
    assert {i.id.rsplit("/", 1)[-1] for i in checklist.items} <= binds
    assert "instanceID" in binds  # pyxform's meta/instanceID: the answers' identity


def test_an_export_with_a_wrong_suffix_or_format_is_refused(
    db: Path, cli: Cli, tmp_path: Path
) -> None:
    for args in (("--format", "xform", "--out", tmp_path / "f.xlsx"),
                 ("--format", "pdf", "--out", tmp_path / "f.pdf")):  # fmt: skip
        result = cli("checklists", "export", "station_visit", "--db", db, *args)
        assert result.exit_code == 2
        assert len((result.stderr or result.output).strip().splitlines()) == 1
