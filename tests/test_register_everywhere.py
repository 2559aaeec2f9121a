"""The register everywhere: Datasette timeline and plans, Excel sheets, the TUI screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from helpers.shared_files import shared_file
from textual.widgets import DataTable

from fieldkit.context import InspectionContext
from fieldkit.export.xlsx import export_xlsx
from fieldkit.register.plans import new_plan, set_rag
from fieldkit.register.recs import import_register, timeline
from fieldkit.store import Store
from fieldkit.tui.app import make_app

SEED = shared_file("seeds/000_df0ad699e43dac57.txt")


@pytest.fixture
def register_db(db_path: Path) -> Path:
    with Store.create(db_path, inspector="lee") as s:
        import_register(s, [SEED])
        new_plan(s, force="kent")
        set_rag(s, "kent:s03", "2018-06-01", "red")
        set_rag(s, "kent:s03", "2018-09-01", "amber", note="training half done")
    return db_path


async def test_datasette_shows_a_timeline_per_recommendation_and_plans(
    register_db: Path, plugins: None
) -> None:
    from datasette.app import Datasette

    ds = Datasette([str(register_db)])
    rows = (
        await ds.client.get("/test/recommendation_timeline.json?_shape=array&recommendation=2321")
    ).json()
    assert [(r["event_date"], r["kind"]) for r in rows] == [
        ("2014-03-27", "status"),
        ("2017-07-17", "comment"),
        ("2017-08-11", "status"),
    ]
    assert {r["current_status"] for r in rows} == {"no-further-action-needed"}
    plans = (
        await ds.client.get(
            "/test/action_plans_by_force_and_status.json?_shape=array&force=kent&rag=amber"
        )
    ).json()
    assert [(p["objective_id"], p["rag"]) for p in plans] == [("s03", "amber")]
    meta = (await ds.client.get("/-/metadata.json")).json()["databases"]["test"]["tables"]
    assert "rag" in meta["plans_by_force"]["facets"]


def test_excel_gains_recommendations_and_action_plans(register_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    with Store.open(register_db, readonly=True) as s:
        export_xlsx(s, out)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert {"Recommendations", "Recommendation timeline", "Action plans"} <= set(wb.sheetnames)
    recs = list(wb["Recommendations"].values)
    header = recs[0]
    row = next(r for r in recs[1:] if r[header.index("Reference")] == "eb2014:2")
    assert row[header.index("Current status")] == "no-further-action-needed"
    assert row[header.index("Lead organisation")] == "HMIC"
    assert len(recs) - 1 == 11
    plans = list(wb["Action plans"].values)
    ph = plans[0]
    s03 = next(r for r in plans[1:] if r[ph.index("Objective id")] == "s03")
    assert s03[ph.index("RAG status")] == "amber"
    assert s03[ph.index("Status note")] == "training half done"
    # the RAG history, not only a count of evidence notes
    assert s03[ph.index("RAG history (date status; oldest first)")] == (
        "2018-06-01 red; 2018-09-01 amber"
    )
    # redacted: comments and notes go, statuses stay
    red = tmp_path / "red.xlsx"
    with Store.open(register_db, readonly=True) as s:
        export_xlsx(s, red, redact=True)
    wb = openpyxl.load_workbook(red, read_only=True)
    text = " ".join(str(c) for row in wb["Recommendation timeline"].values for c in row)
    assert "inspected each year" not in text and "no-further-action-needed" in text
    plans = list(wb["Action plans"].values)
    assert "training half done" not in " ".join(str(c) for r in plans for c in r)


async def test_tui_browses_recommendations_and_adds_an_event(
    register_db: Path, tmp_path: Path
) -> None:
    ctx = InspectionContext("DA", "kent", "lee", "hmic_staff")
    app = make_app(register_db, context_path=tmp_path / "ctx.json", cursor_blink=False, ctx=ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("g")
        table = app.screen.query_one("#recs-table", DataTable)
        assert table.row_count == 11
        await pilot.press("down")  # eb2014:2
        assert (
            app.screen.query_one("#recs-timeline", DataTable).row_count == 5
        )  # seed 000 + seed 001 update + Annex E
        await pilot.press("e")
        await pilot.press(*"in-progress", "enter")
        await pilot.pause()
        assert app.screen.query_one("#recs-timeline", DataTable).row_count == 6
    with Store.open(register_db, readonly=True) as s:
        events = timeline(s.conn, "everyones_business_2014:2")
    assert events[-1]["status_slug"] == "in-progress"
    assert events[-1]["event_date"] == date.today().isoformat()
