"""A form whose choice file is not published with it (issue 24: HOT's map-feature lists,
made per mapping project) imports as ODK Central takes it, the attachment missing: the
question keeps its name and type and takes a typed code until the form is imported again
with the file; and `required` as an expression, required when it holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from helpers.xlsforms import write_form
from openpyxl import load_workbook
from typer.testing import Result

from fieldkit.checklists.model import missing_required
from fieldkit.checklists.xlsform_read import read_xlsform
from fieldkit.store import Store
from fieldkit.store.store import IncompleteRecord

Cli = Callable[..., Result]
HEADER = ["type", "name", "label", "required", "choice_filter", "calculation"]


def water(folder: Path, version: int = 3) -> Path:
    """A form reading two choice files and a required expression."""
    survey = [
        ["text", "site", "Site", "yes"],
        ["select_one_from_file features.csv", "feature", "Which feature?", "yes"],
        ["select_multiple_from_file tags.csv", "tags", "Tags", "no"],
        ["select_one_from_file towns.csv", "town", "Town", "no", "district=${site}"],
        ["integer", "pumps", "Pumps working", "${site} = 'well'"],
    ]
    settings = {"form_id": "water", "version": version}
    return write_form(folder / "water.xlsx", survey, None, settings, HEADER)


def test_a_missing_choice_file_imports_with_one_notice_and_takes_typed_codes(
    tmp_path: Path, cli: Cli
) -> None:
    form = water(tmp_path)
    db = tmp_path / "t.db"
    result = cli("checklists", "import", form, "--db", db)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert (
        "survey sheet, row 3, column type: the choices are in 'features.csv', which is neither"
        " beside water.xlsx nor in water-media/: question 'feature' takes a typed choice code until the"
        " form is imported again with the file there" in out
    )
    assert "question 'tags' takes typed choice codes (separated by spaces)" in out
    assert "row 5, column type: the choices are in 'towns.csv'" in out
    assert "a choice_filter has nothing to narrow until then" in out
    shown = cli("checklists", "show", "water", "--db", db).output
    assert "feature  one of: waiting for its file features.csv" in shown
    assert "required when site = 'well'" in shown
    # exported as the same types: 0 changes, and it reads back to the same definition
    export = tmp_path / "out.xlsx"
    assert cli("checklists", "export", "water", "--db", db, "--out", export).exit_code == 0
    types = [r[0] for r in load_workbook(export)["survey"].iter_rows(values_only=True)]
    assert "select_one_from_file features.csv" in types
    assert "select_multiple_from_file tags.csv" in types
    assert ": 0 changes" in cli("checklists", "diff", form, export).output.splitlines()[0]
    assert read_xlsform(export).checklist == read_xlsform(form).checklist
    # a CSV answer: any code; a select_multiple's codes separated by spaces, as ODK writes
    data = tmp_path / "answers.csv"
    data.write_text(
        "force,observed_at,status,site,feature,tags,town,pumps\n"
        "gwent,2026-03-02,final,well,way/123,a b a,kil,2\n",
        encoding="utf-8",
    )
    assert cli("init", "--db", db, "--inspector", "ann").exit_code == 0
    result = cli("import", data, "--checklist", "water", "--db", db)
    assert result.exit_code == 0, result.output
    with Store.open(db) as s:
        (rid,) = [r["record_id"] for r in s.records(checklist="water")]
        answers = s.answers(rid)
    assert answers[("feature", "")] == "way/123" and answers[("town", "")] == "kil"
    assert json.loads(answers[("tags", "")]) == ["a", "b"]


def test_imported_again_with_the_file_the_choices_come_as_a_new_version(
    tmp_path: Path, cli: Cli
) -> None:
    form = water(tmp_path)
    db = tmp_path / "t.db"
    assert cli("init", "--db", db, "--inspector", "ann").exit_code == 0
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    data = tmp_path / "answers.csv"
    data.write_text(
        "force,observed_at,status,site,feature\ngwent,2026-03-02,draft,dam,node/9\n",
        encoding="utf-8",
    )
    assert cli("import", data, "--checklist", "water", "--db", db).exit_code == 0
    media = tmp_path / "elsewhere"
    media.mkdir()
    (media / "features.csv").write_text("name,label\n101,North pump\n102,South pump\n")
    result = cli("checklists", "import", form, "--db", db, "--media", media)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "installed water v4" in out
    assert "the choices of features.csv came: v3 is installed again as v4" in out
    assert "choice added    feature: 101 (North pump)" in out
    assert "read from 'features.csv' (2 choices) (1 answer)" in out
    # the same again adds nothing; diff of the two versions says what changed
    again = cli("checklists", "import", form, "--db", db, "--media", media)
    assert "water v4 is already installed" in again.output
    diff = cli("checklists", "diff", "water@3", "water@4", "--db", db).output
    assert diff.splitlines()[0] == "water v3 -> water v4: 3 changes"
    with Store.open(db) as s:
        assert [c.code for c in s.checklist("water", 4).item("feature").choices] == ["101", "102"]
        (rid,) = [r["record_id"] for r in s.records(checklist="water")]
        assert s.answers(rid)[("feature", "")] == "node/9"  # typed before: still there
    # a file that is there but is not a choice file is refused, as before
    (media / "tags.csv").write_bytes(b"\xff\xfe\x00bad")
    bad = cli("checklists", "import", form, "--db", db, "--media", media)
    assert bad.exit_code == 2 and "'tags.csv' cannot be read" in bad.stderr


def test_a_required_expression_is_enforced_at_finalise_and_in_a_csv_import(
    tmp_path: Path, cli: Cli
) -> None:
    form = water(tmp_path)
    checklist = read_xlsform(form).checklist
    pumps = checklist.item("pumps")
    assert not pumps.required and pumps.required_when is not None
    assert ("pumps", "") in missing_required(checklist, {("site", ""): "well"})
    assert ("pumps", "") not in missing_required(checklist, {("site", ""): "dam"})
    db = tmp_path / "t.db"
    assert cli("init", "--db", db, "--inspector", "ann").exit_code == 0
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    data = tmp_path / "answers.csv"
    data.write_text(
        "force,observed_at,status,site,feature,pumps\ngwent,2026-03-02,final,well,w1,\n",
        encoding="utf-8",
    )
    result = cli("import", data, "--checklist", "water", "--db", db)
    assert result.exit_code == 2
    assert "final record with 1 unanswered required item(s): pumps" in result.stderr
    with Store.open(db) as s:
        rid = s.create_record("water", "kent")
        s.set_answer(rid, "site", "dam")
        s.set_answer(rid, "feature", "w1")
        s.finalise(rid)  # a dam: pumps not required
        rid = s.create_record("water", "kent")
        s.set_answer(rid, "site", "well")
        s.set_answer(rid, "feature", "w1")
        try:
            s.finalise(rid)
        except IncompleteRecord as e:
            assert "pumps" in str(e)
        else:
            raise AssertionError("finalised without the required answer")
        s.set_answer(rid, "pumps", "2")
        s.finalise(rid)


def test_a_bare_word_as_required_is_an_empty_path_and_a_dot_calculation_stays_blank(
    tmp_path: Path,
) -> None:
    form = write_form(
        tmp_path / "w.xlsx",
        [
            ["select_one m", "model", "Model", "basic"],
            ["calculate", "created_by", "", "", "", "."],
        ],
        [["list_name", "name", "label"], ["m", "a", "A"], ["m", "b", "B"]],
        {"form_id": "w"},
        HEADER,
    )
    imported = read_xlsform(form)
    assert not imported.checklist.item("model").required
    assert imported.checklist.item("created_by").formula == "''"
    notes = " ".join(imported.notices)
    assert "row 2, column required: 'basic' is neither yes/no nor an expression" in notes
    assert "row 3, column calculation: '.' is the value itself" in notes


def test_a_choice_file_named_by_a_path_is_still_refused(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "towns.csv").write_text("name,label\nkil,Kilifi\n", encoding="utf-8")
    folder = tmp_path / "forms"
    folder.mkdir()
    form = write_form(
        folder / "f.xlsx", [["select_one_from_file ../towns.csv", "t", "Town"]], header=HEADER
    )
    result = cli("checklists", "import", form, "--db", tmp_path / "t.db")
    assert result.exit_code == 2
    assert (
        "survey sheet, row 2, column type: the choices are in '../towns.csv', not a file name"
        in result.stderr
    )
    assert not (tmp_path / "t.db").exists()


def test_a_look_up_in_a_choice_file_gives_the_chosen_features_column(
    tmp_path: Path, cli: Cli
) -> None:
    """HOT's forms read the chosen map feature's tags: instance('L')/root/item[id=..]/C,
    the same in the app and in the reports' SQL; '' while the file is not there."""
    survey = [
        ["select_one_from_file pumps.geojson", "existing", "Which pump?", "yes"],
        ["calculate", "xkind", "", "", "", "instance('pumps')/root/item[id=${existing}]/kind"],
        ["calculate", "xtitle", "", "", "", "instance(“pumps”)/root/item[id=${existing}]/title"],
    ]
    form = write_form(tmp_path / "pumps.xlsx", survey, None, {"form_id": "pumps"}, HEADER)
    db = tmp_path / "t.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0  # waiting: ''
    with Store.open(db) as s:
        assert s.checklist("pumps").computed_value("xkind", {("existing", ""): "7"}) == ""
    features = [
        {"type": "Feature", "id": 7, "properties": {"title": "Pump A", "kind": "well"}},
        {"type": "Feature", "id": 9, "properties": {"title": "Pump B", "kind": "bore"}},
    ]
    (tmp_path / "pumps.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    assert "installed pumps v2" in cli("checklists", "import", form, "--db", db).output
    with Store.open(db) as s:
        rid = s.create_record("pumps", "kent")
        s.set_answer(rid, "existing", "9")
        app = s.checklist("pumps").computed_values(s.answers(rid))
        view = s.conn.execute(
            "SELECT xkind, xtitle FROM wide_pumps WHERE record_id = ?", (rid,)
        ).fetchone()
    assert (app[("xkind", "")], app[("xtitle", "")]) == tuple(view) == ("bore", "Pump B")
    # exported with its list's name, so the look-up reads the same list back
    out = tmp_path / "out.xlsx"
    assert cli("checklists", "export", "pumps", "--db", db, "--out", out).exit_code == 0
    assert ": 0 changes" in cli("checklists", "diff", form, out).output.splitlines()[0]
    rows = list(load_workbook(out)["survey"].iter_rows(values_only=True))
    assert ("select_one pumps", "existing") in [r[:2] for r in rows]


def test_a_group_relevant_reading_its_own_question_applies_to_the_rest_of_the_group(
    tmp_path: Path,
) -> None:
    """CHT's forms: an `inputs` group relevant when its own `source` is 'user'."""
    form = write_form(
        tmp_path / "cht.xlsx",
        [
            ["begin group", "inputs", "Inputs", "", "", "", "${source} = 'user'"],
            ["text", "source", "Source", "no"],
            ["text", "contact", "Contact", "no"],
            ["end group"],
        ],
        None,
        {"form_id": "cht"},
        [*HEADER, "relevant"],
    )
    imported = read_xlsform(form)
    items = imported.checklist.item_map
    assert items["source"].relevant is None
    assert items["contact"].relevant is not None and items["contact"].relevant.refs == ("source",)
    assert any(
        "row 3, column name: the group's relevant (source = 'user') reads this question" in n
        for n in imported.notices
    )


def test_two_questions_reading_one_missing_file_make_one_notice(tmp_path: Path) -> None:
    form = write_form(
        tmp_path / "f.xlsx",
        [
            ["select_one_from_file sites.csv", "first", "First site", "yes"],
            ["text", "why", "Why?", "no"],
            ["select_multiple_from_file sites.csv", "others", "Other sites", "no"],
        ],
        None,
        {"form_id": "f"},
        HEADER,
    )
    notes = [n for n in read_xlsform(form).notices if "sites.csv" in n]
    assert notes == [
        "survey sheet, row 2, column type (and row 4): the choices are in 'sites.csv', which is"
        " neither beside f.xlsx nor in f-media/: question 'first' takes a typed choice code; question 'others' takes"
        " typed choice codes (separated by spaces) until the form is imported again with the"
        " file there"
    ]


def test_an_odk_central_export_of_a_waiting_multiple_choice_imports_its_split_columns(
    tmp_path: Path, cli: Cli
) -> None:
    db = tmp_path / "t.db"
    assert cli("checklists", "import", water(tmp_path), "--db", db).exit_code == 0
    data = tmp_path / "central.csv"
    data.write_text(
        "SubmissionDate,site,feature,tags/water,tags/tap,meta-instanceID\n"
        "2026-03-02T10:00:00.000Z,dam,w1,1,0,uuid:1\n",
        encoding="utf-8",
    )
    result = cli("import", data, "--checklist", "water", "--db", db, "--force", "kent")
    assert result.exit_code == 0, result.output
    with Store.open(db) as s:
        (rid,) = [r["record_id"] for r in s.records(checklist="water")]
        assert json.loads(s.answers(rid)[("tags", "")]) == ["water"]
