"""Issue 12, done when: a new checklist written as an XLSForm is added to a database,
a record of it captured and finalised in the app by keys alone, merged into another
database, and found in every output there (report, Excel, Datasette), with no code
change for the new instrument."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
from helpers.form import typed
from helpers.suite_form import FORM_ID, TITLE, suite_check_form
from helpers.tui import key_of, screen_text
from typer.testing import Result

from fieldkit.context import InspectionContext
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import AddInstance, FormScreen

Cli = Callable[..., Result]
CTX = InspectionContext("Custody 2026", "kent", "A. Inspector", "hmic_staff")


async def capture_by_keys(db: Path) -> None:
    """One record of the new checklist, from the dashboard to final, by keys alone."""
    app = make_app(db, now=lambda: datetime(2026, 3, 2, 10, 0), cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        assert TITLE in screen_text(app)  # offered on the dashboard
        await pilot.press(key_of(app, FORM_ID))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        assert "Record what you saw; never names." in screen_text(app)  # the note
        await pilot.press(*typed("KEN-7"), "enter")  # suite reference
        await pilot.press("y")  # unannounced
        await pilot.press("6", "5", "enter")  # detainees: outside 0 to 40, refused
        await pilot.pause()
        assert "expected a number from 0 to 40, got 65" in screen_text(app)
        await pilot.press("backspace", "backspace", "6", "enter")
        await pilot.press(*typed("18.5"), "enter")  # cell temperature
        await pilot.press("1", "2", "3")  # mental health, child, then None clears both
        await pilot.press("1", "enter")  # mental health after all (None goes)
        await pilot.pause()
        assert screen._row_of(app.focused).entry.item.id == "mh_referral"
        await pilot.press("y")  # referral made; the calculate is skipped
        await pilot.pause()
        assert isinstance(app.focused, AddInstance)  # the staff repeat
        await pilot.press("enter")  # add a member of staff
        await pilot.press("n")  # not trained
        await pilot.pause()
        assert isinstance(app.focused, AddInstance)
        await pilot.press("down")  # comments (optional): left blank
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)  # final, back on the dashboard


async def test_a_new_xlsform_checklist_is_captured_merged_and_found_in_every_output(
    tmp_path: Path, cli: Cli, plugins: None
) -> None:
    field, team = tmp_path / "field.db", tmp_path / "team.db"
    form = suite_check_form(tmp_path / "suite.xlsx")
    result = cli("checklists", "import", form, "--db", field)
    assert result.exit_code == 0, result.output
    assert f"installed {FORM_ID} v1" in result.output

    await capture_by_keys(field)

    assert cli("init", "--db", team).exit_code == 0
    merged = cli("merge", field, "--into", team)
    assert merged.exit_code == 0, merged.output

    conn = sqlite3.connect(team)
    try:
        rec = conn.execute(
            "SELECT record_id, status, subject_ref, force_code FROM records WHERE checklist_id = ?",
            (FORM_ID,),
        ).fetchall()
    finally:
        conn.close()
    assert [r[1:] for r in rec] == [("final", "KEN-7", "kent")]
    record_id = rec[0][0]

    # the report
    report = cli("report", "evidence", "--db", team, "--checklist", FORM_ID, "--json")
    assert report.exit_code == 0, report.output
    rows = {r["item_id"]: r for r in json.loads(report.output)}
    assert rows["unannounced"]["label"] == "100% (1 of 1)"
    assert rows["mh_referral"]["label"] == "100% (1 of 1)"
    assert rows["trained"]["label"] == "0% (0 of 1)"

    # the Excel workbook: the checklist's wide sheet and the Summary
    out = tmp_path / "team.xlsx"
    exported = cli("export", "xlsx", "--db", team, "--out", out)
    assert exported.exit_code == 0, exported.output
    wb = openpyxl.load_workbook(out, read_only=True)
    sheet = next(n for n in wb.sheetnames if n.startswith(TITLE[:20]))
    table = [r for r in wb[sheet].iter_rows(values_only=True)]
    header = next(r for r in table if r and "suite_ref" in r)
    data = [dict(zip(header, r, strict=False)) for r in table if r and "KEN-7" in r]
    assert len(data) == 1
    assert data[0]["detainees"] == 6
    assert data[0]["cell_temp"] == 18.5
    assert data[0]["vuln_count"] == 1  # the calculate, computed for the workbook
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if "unannounced" in r]
    assert summary and "100% (1 of 1)" in summary[0]

    # Datasette: the checklist's wide view and the record's answers
    from fieldkit.datasette.serve import make_datasette

    ds = make_datasette([team])
    res = await ds.client.get(f"/team/wide_{FORM_ID}.json?_shape=array")
    assert res.status_code == 200, res.text
    (wide,) = res.json()
    assert wide["suite_ref"] == "KEN-7"
    assert wide["vuln"] == json.dumps(["mh"])
    res = await ds.client.get(f"/team/answers_long.json?_shape=array&record_id={record_id}")
    assert res.status_code == 200, res.text
    answers = {(r["item_id"], r["rkey"]): r["value"] for r in res.json()}
    assert answers == {
        ("suite_ref", ""): "KEN-7",
        ("unannounced", ""): "yes",
        ("detainees", ""): 6,
        ("cell_temp", ""): 18.5,
        ("vuln", ""): json.dumps(["mh"]),
        ("mh_referral", ""): "yes",
        ("trained", "1"): "no",
    }
    html = (await ds.client.get(f"/team/wide_{FORM_ID}")).text
    assert "Mental health referral made?" in html  # the question beside its column
