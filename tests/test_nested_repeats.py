"""A repeat inside a repeat (a household with its members), end to end: the XLSForm
imports and round-trips, the app captures members inside their household at 80x24 by
keys, an ODK Central or KoboToolbox export with one CSV per repeat brings the members in
(and again adds nothing), references read their own instance, and the workbook shows
every member."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from helpers.form import cells, typed
from helpers.tui import key_of, screen_text
from openpyxl import Workbook, load_workbook
from typer.testing import Result

from fieldkit.checklists import NA
from fieldkit.checklists.model import apply_rules, check_consistency, instance_keys
from fieldkit.checklists.xlsform_read import read_xlsform
from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen
from fieldkit.tui.widgets.add_instance import AddInstance

Cli = Callable[..., Result]
CTX = InspectionContext("Households 2026", "kent", "A. Inspector", "hmic_staff")
UUID1 = "uuid:0f0e1d2c-3b4a-4596-8877-665544332211"
UUID2 = "uuid:9a8b7c6d-5e4f-4321-8fed-cba987654321"


def household_form(path: Path, *, counted: bool = False) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    count = "${size}" if counted else ""
    for r in [
        ["type", "name", "label", "required", "relevant", "calculation", "repeat_count"],
        ["text", "village", "Village", "yes", "", "", ""],
        ["begin repeat", "household", "Household", "", "", "", ""],
        ["text", "head", "Head of household", "yes", "", "", ""],
        ["integer", "size", "People living here", "no", "", "", ""],
        ["begin repeat", "member", "Member", "", "", "", count],
        ["text", "mname", "Member name", "yes", "", "", ""],
        ["integer", "age", "Age", "no", "", "", ""],
        ["select_one yn", "school", "In school?", "no", "${age} < 18", "", ""],
        [
            "select_one yn",
            "answered",
            "Answered for the household?",
            "no",
            "position(..) = 1",
            "",
            "",
        ],
        ["calculate", "living", "", "", "", "${size}", ""],
        ["calculate", "place", "", "", "", "position(..)", ""],
        ["end repeat", "", "", "", "", "", ""],
        ["calculate", "members", "", "", "", "count(${mname})", ""],
        ["end repeat", "", "", "", "", "", ""],
        ["calculate", "people", "", "", "", "count(${mname})", ""],
    ]:
        ws.append(r)
    choices = wb.create_sheet("choices")
    for r in [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]:
        choices.append(r)
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "fieldkit::app_order"])
    settings.append(["Household visit", "household_visit", "1", 1])
    wb.save(path)
    return path


def test_a_nested_repeat_imports_round_trips_and_reads_its_own_instance(
    tmp_path: Path, cli: Cli
) -> None:
    form = household_form(tmp_path / "h.xlsx")
    checklist = read_xlsform(form).checklist
    member = checklist.section_of("mname")
    assert member.repeat is not None and member.repeat.parent is not None
    assert member.repeat.parent.key == "household"
    assert {"village", "head", "size", "mname", "age", "school"} <= set(checklist.item_map)
    db = tmp_path / "t.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    out = tmp_path / "export.xlsx"
    assert cli("checklists", "export", "household_visit", "--db", db, "--out", out).exit_code == 0
    diff = cli("checklists", "diff", form, out)
    assert ": 0 changes" in diff.output.splitlines()[0], diff.output
    assert read_xlsform(out).checklist == checklist

    answers = {
        ("village", ""): "Ashford",
        ("head", "1"): "Ann",
        ("mname", "1/1"): "Ann",
        ("age", "1/1"): 40,
        ("mname", "1/2"): "Ben",
        ("age", "1/2"): 9,
        ("head", "2"): "Cy",
        ("mname", "2/1"): "Cy",
        ("age", "2/1"): 30,
    }
    assert instance_keys(checklist.section_of("head"), answers, checklist) == ["1", "2"]
    assert instance_keys(member, answers, checklist) == ["1/1", "1/2", "2/1"]
    computed = checklist.computed_values(answers)
    assert computed[("members", "1")] == 2 and computed[("members", "2")] == 1
    assert computed[("people", "")] == 3  # outside every household: all members
    # `${age} < 18` reads the member's own age: only Ben's school is asked; position(..)
    # is the member's number within the household: only each first member answered
    assert apply_rules(checklist, answers) == {
        ("school", "1/1"): NA,
        ("school", "2/1"): NA,
        ("answered", "1/2"): NA,
    }
    # a member of a household the answers never name still makes that household
    more = {**answers, ("mname", "3/1"): "Dee"}
    assert instance_keys(checklist.section_of("head"), more, checklist) == ["1", "2", "3"]


def test_a_nested_repeat_count_reads_its_own_household(tmp_path: Path) -> None:
    checklist = read_xlsform(household_form(tmp_path / "c.xlsx", counted=True)).checklist
    member = checklist.section_of("mname")
    answers = {("head", "1"): "Ann", ("size", "1"): 2, ("head", "2"): "Cy", ("size", "2"): 1}
    assert instance_keys(member, answers, checklist) == ["1/1", "1/2", "2/1"]
    beyond = {**answers, ("mname", "2/2"): "Extra"}
    assert any("beyond the 1" in why for _, why in check_consistency(checklist, beyond))
    flat = check_consistency(checklist, {("mname", "1"): "No household"})
    assert flat == [(("mname", "1"), "'1' is not a member key: it repeats 2 deep, name it [N/N]")]


async def test_two_households_with_their_members_captured_by_keys_at_80x24(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "team.db"
    assert (
        cli("checklists", "import", household_form(tmp_path / "h.xlsx"), "--db", db).exit_code == 0
    )
    app = make_app(db, now=lambda: datetime(2026, 3, 2, 9, 30), cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "household_visit"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)

        async def add(outer: str) -> None:
            line = next(
                w
                for w in screen.query(AddInstance)
                if w.outer == outer and w.label == ("member" if outer else "household")
            )
            line.focus()
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()

        async def answer(text: str) -> None:
            await pilot.press(*typed(text), "enter")
            await pilot.pause()

        for household, members in (("1", ["Ann", "Ben"]), ("2", ["Cy"])):
            await add("")  # the household's first question is focused: its members next
            assert screen._row_of(app.focused).entry.key == ("head", household)
            for name in members:
                await add(household)
                await answer(name)
        text = screen_text(app)
        lines = {str(w.render()) for w in screen.query(AddInstance)}
        assert "+ add member in household 2 (Enter)" in lines
        assert "Member: household 2 › member 1" in text
        # Ben (member 2 of household 1) removed again: ctrl+d twice
        screen._focus_index([e.key for e in screen.entries].index(("mname", "1/2")))
        await pilot.pause()
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert "Press ctrl+d again" in screen_text(app)
        assert screen.model.answers[("mname", "1/2")] == "Ben"
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert ("mname", "1/2") not in screen.rows
        assert ("mname", "1/1") in screen.rows
    with Store.open(db) as s:
        (rid,) = [r for (r,) in s.conn.execute("SELECT record_id FROM records")]
    got = cells(db, rid)
    assert {k: v for k, v in got.items() if k[0] == "mname"} == {
        ("mname", "1/1"): "Ann",
        ("mname", "2/1"): "Cy",
    }  # Ben's answer cleared (a logged change: the log still holds it)


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def central_export(folder: Path) -> tuple[Path, Path, Path]:
    """ODK Central's CSVs: the submissions, the households, the members (each row's
    PARENT_KEY the KEY of its household)."""
    main = _write(folder / "household_visit.csv", [
        ["SubmissionDate", "village", "meta-instanceID", "KEY"],
        ["2026-03-02T11:04:19.602Z", "Ashford", UUID1, UUID1],
        ["2026-03-03T09:31:50.027Z", "Dover", UUID2, UUID2],
    ])  # fmt: skip
    households = _write(folder / "household_visit-household.csv", [
        ["head", "size", "PARENT_KEY", "KEY"],
        ["Ann", "2", UUID1, f"{UUID1}/household[1]"],
        ["Cy", "1", UUID1, f"{UUID1}/household[2]"],
        ["Dee", "1", UUID2, f"{UUID2}/household[1]"],
    ])  # fmt: skip
    members = _write(folder / "household_visit-member.csv", [
        ["mname", "age", "school", "PARENT_KEY", "KEY"],
        ["Ann", "40", "", f"{UUID1}/household[1]", f"{UUID1}/household[1]/member[1]"],
        ["Ben", "9", "yes", f"{UUID1}/household[1]", f"{UUID1}/household[1]/member[2]"],
        ["Cy", "30", "", f"{UUID1}/household[2]", f"{UUID1}/household[2]/member[1]"],
        ["Dee", "71", "", f"{UUID2}/household[1]", f"{UUID2}/household[1]/member[1]"],
    ])  # fmt: skip
    return main, households, members


@pytest.fixture
def db(tmp_path: Path, cli: Cli) -> Path:
    path = tmp_path / "h.db"
    assert (
        cli("checklists", "import", household_form(tmp_path / "h.xlsx"), "--db", path).exit_code
        == 0
    )
    return path


def _members(db: Path) -> dict[str, dict[str, object]]:
    with Store.open(db) as s:
        out = {}
        for (rid,) in s.conn.execute("SELECT record_id FROM records"):
            answers = s.answers(rid)
            out[str(answers[("village", "")])] = {
                k: v for (iid, k), v in answers.items() if iid == "mname"
            }
        return out


def test_an_odk_central_export_with_a_nested_repeat_imports_and_again_adds_nothing(
    db: Path, cli: Cli, tmp_path: Path
) -> None:
    main, households, members = central_export(tmp_path)
    # the members' file first: it waits for the households it names
    args = ("import", main, "--checklist", "household_visit", "--db", db, "--force", "kent",
            "--repeat", members, "--repeat", households)  # fmt: skip
    first = cli(*args)
    assert first.exit_code == 0, first.output
    assert "2 records imported" in first.output
    assert _members(db) == {
        "Ashford": {"1/1": "Ann", "1/2": "Ben", "2/1": "Cy"},
        "Dover": {"1/1": "Dee"},
    }
    with Store.open(db) as s:
        rows = s.conn.execute("SELECT village, people, members FROM wide_household_visit")
        shown = {v: (people, json.loads(members)) for v, people, members in rows}
    # count() outside the households: every member; inside one: its own members
    assert shown == {"Ashford": (3, {"1": 2, "2": 1}), "Dover": (1, {"1": 1})}
    with Store.open(db) as s:  # a member's calculation reads its own household's answer
        (living,) = s.conn.execute(
            "SELECT living FROM wide_household_visit WHERE village = 'Ashford'"
        ).fetchone()
        rid = s.conn.execute("SELECT record_id FROM records ORDER BY observed_at").fetchone()[0]
        app = s.checklist("household_visit").computed_values(s.answers(rid))
        (place,) = s.conn.execute(  # position(..): the member's number in its household
            "SELECT place FROM wide_household_visit WHERE village = 'Ashford'"
        ).fetchone()
    assert {k: int(v) for k, v in json.loads(living).items()} == {"1/1": 2, "1/2": 2, "2/1": 1}
    assert {k: app[("living", k)] for k in ("1/1", "1/2", "2/1")} == {"1/1": 2, "1/2": 2, "2/1": 1}
    assert json.loads(place) == {"1/1": 1, "1/2": 2, "2/1": 1}
    assert {k: int(app[("place", k)]) for k in ("1/1", "1/2", "2/1")} == json.loads(place)
    again = cli(*args)
    assert "0 records imported, 2 already present" in again.output, again.output
    assert len(_members(db)) == 2

    out = tmp_path / "all.xlsx"
    assert cli("export", "xlsx", "--out", out, "--db", db).exit_code == 0
    book = load_workbook(out, read_only=True)
    answers = [r for r in book["Answers"].iter_rows(values_only=True) if r[4] == "mname"]
    assert sorted((r[5], r[7]) for r in answers) == [
        ("1/1", "Ann"), ("1/1", "Dee"), ("1/2", "Ben"), ("2/1", "Cy")
    ]  # fmt: skip
    sheet = next(book[n] for n in book.sheetnames if n.startswith("Household visit"))
    shown = "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "1/2: Ben" in shown and "2/1: Cy" in shown


def test_a_member_whose_household_file_is_missing_is_refused_in_one_line(
    db: Path, cli: Cli, tmp_path: Path
) -> None:
    main, _households, members = central_export(tmp_path)
    result = cli("import", main, "--checklist", "household_visit", "--db", db,
                 "--force", "kent", "--repeat", members)  # fmt: skip
    assert result.exit_code == 2
    text = (result.stderr or result.output).strip()
    assert text.splitlines() == [text]
    assert "household_visit-member.csv:2 column PARENT_KEY" in text
    assert _members(db) == {}


def test_a_kobotoolbox_export_with_a_nested_repeat_imports(
    db: Path, cli: Cli, tmp_path: Path
) -> None:
    main = _write(tmp_path / "k.csv", [
        ["village", "_uuid", "_submission_time", "_index"],
        ["Ashford", UUID1[5:], "2026-03-04T14:50:02", "1"],
    ], ";")  # fmt: skip
    households = _write(tmp_path / "k-household.csv", [
        ["household/head", "_index", "_parent_table_name", "_parent_index"],
        ["Ann", "1", "household_visit", "1"],
        ["Cy", "2", "household_visit", "1"],
    ], ";")  # fmt: skip
    members = _write(tmp_path / "k-member.csv", [
        ["household/member/mname", "_index", "_parent_table_name", "_parent_index"],
        ["Ann", "1", "household", "1"],
        ["Ben", "2", "household", "1"],
        ["Cy", "3", "household", "2"],
    ], ";")  # fmt: skip
    args = ("import", main, "--checklist", "household_visit", "--db", db, "--force", "kent",
            "--repeat", households, "--repeat", members)  # fmt: skip
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert _members(db) == {"Ashford": {"1/1": "Ann", "1/2": "Ben", "2/1": "Cy"}}
    assert "0 records imported, 1 already present" in cli(*args).output


def test_members_added_on_two_laptops_merge_into_their_households(tmp_path: Path) -> None:
    from fieldkit.sync import merge

    checklist = read_xlsform(household_form(tmp_path / "h.xlsx")).checklist
    amy, bob, team = tmp_path / "amy.db", tmp_path / "bob.db", tmp_path / "team.db"
    for db, who in ((amy, "amy"), (bob, "bob")):
        with Store.create(db, inspector=who) as s, s.writing() as w:
            w.install(checklist)
    with Store.open(amy) as s:
        rid = s.create_record("household_visit", "kent")
        s.set_answer(rid, "head", "Ann", "1")
        s.set_answer(rid, "mname", "Ann", "1/1")
    merge([amy], bob)
    with Store.open(bob) as s:
        s.set_answer(rid, "mname", "Ben", "1/2")
        s.set_answer(rid, "mname", "Anne", "1/1")
    with Store.open(amy) as s:
        s.set_answer(rid, "mname", "Cy", "2/1")
        s.set_answer(rid, "mname", "Annie", "1/1")  # while Bob wrote Anne
    merge([amy, bob], team)
    with Store.open(team) as s:
        answers = s.answers(rid)
        conflicts = s.conflicts()
    members = {k: v for (iid, k), v in answers.items() if iid == "mname"}
    assert set(members) == {"1/1", "1/2", "2/1"}
    assert members["1/2"] == "Ben" and members["2/1"] == "Cy"
    assert [(c["field"], c["rkey"]) for c in conflicts] == [("mname", "1/1")]


def test_a_loop_inside_a_repeat_has_its_instances_in_each_outer_one(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in [
        ["type", "name", "label", "relevant"],
        ["begin repeat", "cell", "Custody cell", ""],
        ["text", "cell_no", "Cell number", ""],
        ["begin loop over checks", "check", "Check", ""],
        ["select_one yn", "ok", "Satisfactory?", ""],
        ["text", "why", "Why not first?", "position(..) = 1"],
        ["end loop", "", "", ""],
        ["end repeat", "", "", ""],
    ]:
        ws.append(r)
    choices = wb.create_sheet("choices")
    for r in [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"],
              ["checks", "light", "Light"], ["checks", "bell", "Call bell"]]:  # fmt: skip
        choices.append(r)
    wb.save(tmp_path / "loop.xlsx")
    checklist = read_xlsform(tmp_path / "loop.xlsx").checklist
    answers = {("cell_no", "1"): "C1", ("cell_no", "2"): "C2"}
    section = checklist.section_of("ok")
    assert instance_keys(section, answers, checklist) == ["1/light", "1/bell", "2/light", "2/bell"]
    assert apply_rules(checklist, answers) == {("why", "1/bell"): NA, ("why", "2/bell"): NA}


def test_repeats_nested_too_deep_are_refused_in_one_line() -> None:
    from fieldkit.checklists.loader import ChecklistError, parse_checklist

    repeat: dict[str, object] = {"key": "k0"}
    for n in range(1, 40):
        repeat = {"key": f"k{n}", "parent": repeat}
    section = {"id": "s", "repeat": repeat, "items": [{"id": "q", "prompt": "Q", "kind": "text"}]}
    with pytest.raises(ChecklistError, match="repeats nested more than 32 deep"):
        parse_checklist({"id": "x", "version": 1, "title": "X", "sections": [section]}, "x.yaml")
