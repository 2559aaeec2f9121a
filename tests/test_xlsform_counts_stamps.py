"""A repeat counted by an earlier answer (XLSForm repeat_count = ${q}) has that many
instances, in the app and in imports; XLSForm's metadata questions (start, today, end,
deviceid, username) are filled from the record's own stamps (issue 24)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers.form import cells, typed
from helpers.tui import key_of, screen_text
from helpers.xlsforms import write_form
from typer.testing import Result

from fieldkit.checklists.model import check_consistency, instance_keys, missing_required
from fieldkit.checklists.xlsform_read import read_xlsform
from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen

Cli = Callable[..., Result]


def household(path: Path) -> Path:
    return write_form(
        path,
        [
            ["start", "start", "", "", ""],
            ["today", "today", "", "", ""],
            ["deviceid", "device", "", "", ""],
            ["username", "who", "", "", ""],
            ["end", "end", "", "", ""],
            ["text", "ref", "Reference", "yes", ""],
            ["integer", "people", "How many people?", "yes", ""],
            ["begin repeat", "person", "Person", "", "${people}"],
            ["text", "pname", "Name", "yes", ""],
            ["end repeat", "", "", "", ""],
        ],
        settings={"form_id": "household", "fieldkit::natural_key": "ref", "fieldkit::app_order": 1},
        header=["type", "name", "label", "required", "repeat_count"],
    )


def test_the_count_gives_the_instances_and_refuses_one_beyond(tmp_path: Path) -> None:
    c = read_xlsform(household(tmp_path / "h.xlsx")).checklist
    section = c.section_of("pname")
    answers = {("ref", ""): "A1", ("people", ""): 2, ("pname", "1"): "Ann"}
    assert instance_keys(section, answers) == ["1", "2"]
    assert ("pname", "2") in missing_required(c, answers)  # the second person is asked for
    over = {**answers, ("pname", "3"): "Cy"}
    assert check_consistency(c, over) == [
        (("pname", "3"), "instance 3 is beyond the 2 the count gives")
    ]


def test_an_import_is_held_to_the_count(tmp_path: Path, cli: Cli) -> None:
    db = tmp_path / "h.db"
    assert cli("checklists", "import", household(tmp_path / "h.xlsx"), "--db", db).exit_code == 0
    csv = tmp_path / "a.csv"
    head = "force,observed_at,status,ref,people,pname[1],pname[2],pname[3]\n"
    csv.write_text(head + "Kent,2026-01-02,final,A1,2,Ann,Bob,Cy\n")
    over = cli("import", csv, "-c", "household", "--db", db)
    assert over.exit_code == 2
    assert "a.csv:2 column pname[3]: instance 3 is beyond the 2 the count gives" in over.output
    csv.write_text(head + "Kent,2026-01-02,final,A1,2,Ann,,\n")
    short = cli("import", csv, "-c", "household", "--db", db)
    assert short.exit_code == 2 and "pname[2]" in short.output
    csv.write_text(head + "Kent,2026-01-02T10:15,final,A1,2,Ann,Bob,\n")
    assert cli("import", csv, "-c", "household", "--db", db).exit_code == 0
    with Store.open(db) as store:
        rid = store.records()[0]["record_id"]
        got = store.answers(rid)
        assert got[("start", "")] == "2026-01-02T10:15" and got[("today", "")] == "2026-01-02"
        assert got[("device", "")] == store.device_id


def test_metadata_comes_from_the_record_s_stamps(tmp_path: Path, cli: Cli) -> None:
    inspector = "A. Inspector"
    db = tmp_path / "h.db"
    assert cli("checklists", "import", household(tmp_path / "h.xlsx"), "--db", db).exit_code == 0
    with Store.open(db) as store:
        rid = store.create_record(
            "household", "kent", observed_at="2026-03-02T09:30", inspector=inspector
        )
        got = store.answers(rid)
        assert got[("start", "")] == "2026-03-02T09:30" and got[("today", "")] == "2026-03-02"
        assert got[("who", "")] == inspector and got[("device", "")] == store.device_id
        assert ("end", "") not in got
        for item, value in (("ref", "B2"), ("people", "1")):
            store.set_answer(rid, item, value)
        store.set_answer(rid, "pname", "Ann", "1")
        store.finalise(rid)
        assert store.answers(rid).get(("end", "")) is not None  # when it was made final


async def test_the_app_shows_as_many_instances_as_the_count_at_80x24(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "h.db"
    assert cli("checklists", "import", household(tmp_path / "h.xlsx"), "--db", db).exit_code == 0
    ctx = InspectionContext("Visits 2026", "kent", "A. Inspector", "hmic_staff")
    app = make_app(db, cursor_blink=False, ctx=ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "household"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        assert "deviceid" not in screen_text(app) and "start" not in screen_text(app)
        await pilot.press(*typed("A1"), "enter", "2", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "person 1" in text and "person 2" in text and "add person" not in text
        await pilot.press(*typed("Ann"), "enter", *typed("Bob"), "enter")
        await pilot.pause()
        rid = screen.record_id
    saved = cells(db, rid)
    assert saved[("pname", "1")] == "Ann" and saved[("pname", "2")] == "Bob"
    assert saved[("who", "")] == "A. Inspector"  # the stamps, filled as the record began
