"""What real forms from other projects needed (issue 24; bench/xlsform_corpus.py runs a
folder of them): each case below stopped or damaged a form pyxform accepts.

- curly quotes in an expression are plain quotes, as pyxform reads them;
- `range` parameters separated by `;` (pyxform's own parameter reader);
- `required` or `constraint` on a group or a calculate: ODK never checks them, so they
  are noted as ignored, not refused;
- a question with a `calculation` is computed (ODK recomputes it over a typed answer);
- `normalize-space()` computes in the reports' SQL as in the app;
- the export of a form with three languages, cascading choices with two filter
  columns, a name used in nested groups, or a group named like a question, imports
  back to the same definition, also when read from the database (stored keys sorted).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.xlsforms import write_form
from typer.testing import Result

from fieldkit.checklists.expr import parse
from fieldkit.checklists.xlsform_read import XLSFormError, read_xlsform
from fieldkit.store import Store

Cli = Callable[..., Result]
HEADER = ["type", "name", "label", "relevant", "required", "constraint", "calculation"]
HEADER += ["parameters"]


def _form(path: Path, rows: list[list[Any]], choices: list[list[Any]] | None = None) -> Path:
    survey = [r + [""] * (len(HEADER) - len(r)) for r in rows]
    return write_form(path, survey, choices, {"form_id": "f", "version": "1"}, HEADER)


def _installed_export_reads_back(form: Path, tmp_path: Path, cli: Cli) -> None:
    """import, export from the database, read back: the same definition, 0 changes."""
    original = read_xlsform(form).checklist
    db, out = tmp_path / "t.db", tmp_path / "out.xlsx"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    assert cli("checklists", "export", original.id, "--db", db, "--out", out).exit_code == 0
    assert read_xlsform(out).checklist == original
    assert ": 0 changes" in cli("checklists", "diff", form, out).output.splitlines()[0]


def test_curly_quotes_in_an_expression_are_plain_quotes_as_pyxform_reads_them(
    tmp_path: Path,
) -> None:
    form = _form(
        tmp_path / "q.xlsx",
        [
            ["select_one yn", "seen", "Seen?"],
            ["text", "why", "Why not?", "${seen} = ’no’"],
            ["text", "who", "Who?", "${seen}!=“no”"],
        ],
        [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
    )
    items = read_xlsform(form).checklist.item_map
    assert items["why"].relevant.evaluate({"seen": "no"}.get) is True
    assert items["why"].relevant.evaluate({"seen": "yes"}.get) is False
    assert items["who"].relevant.evaluate({"seen": "yes"}.get) is True


def test_range_parameters_separated_by_semicolons(tmp_path: Path) -> None:
    form = _form(
        tmp_path / "r.xlsx", [["range", "cover", "Cover %", *[""] * 4, "start=0;end=100;step=5"]]
    )
    item = read_xlsform(form).checklist.item_map["cover"]
    assert (item.minimum, item.maximum) == (0, 100)


def test_required_on_a_group_or_a_calculate_is_noted_as_ignored_as_odk_does(
    tmp_path: Path, cli: Cli
) -> None:
    form = _form(
        tmp_path / "g.xlsx",
        [
            ["begin group", "flight", "Flight", "", "yes"],
            ["integer", "minutes", "Minutes flown"],
            ["calculate", "hours", "", "", "yes", ". < 10", "${minutes} div 60"],
            ["end group"],
        ],
    )
    imported = read_xlsform(form)
    assert "hours" in imported.checklist.item_map
    noted = "\n".join(imported.notices)
    assert "survey sheet, row 2, column required: ignored on a group" in noted
    assert "row 4, column required: ignored" in noted
    assert "row 4, column constraint: ignored" in noted
    result = cli("checklists", "import", form, "--db", tmp_path / "t.db")
    assert result.exit_code == 0, result.output


def test_a_question_with_a_calculation_is_computed_as_odk_recomputes_it(tmp_path: Path) -> None:
    form = _form(
        tmp_path / "c.xlsx",
        [
            ["integer", "boys", "Boys"],
            ["integer", "girls", "Girls"],
            ["integer", "total", "Total", "", "", "", "${boys} + ${girls}"],
        ],
    )
    imported = read_xlsform(form)
    total = imported.checklist.item_map["total"]
    assert total.computed is not None and total.prompt == "Total"
    assert total.computed.evaluate({"boys": 2, "girls": 3}.get) == 5
    assert any("row 4, column calculation: the integer is computed" in n for n in imported.notices)


def test_normalize_space_computes_in_the_reports_sql_as_in_the_app() -> None:
    e = parse("normalize-space(concat('  a \t b', ${x}, ' '))")
    for value in (" c   d", "\n", ""):
        sql = e.to_sql(lambda ref, v=value: "'" + v + "'")
        in_sql = sqlite3.connect(":memory:").execute("SELECT " + sql).fetchone()[0]
        assert in_sql == e.evaluate({"x": value}.get)
    assert e.evaluate({"x": " c   d"}.get) == "a b c d"


def test_three_languages_and_two_filter_columns_come_back_from_the_database(
    tmp_path: Path, cli: Cli
) -> None:
    header = ["type", "name", "label::English", "label::Swahili", "label::French"]
    header += ["choice_filter"]
    survey = [
        ["select_one prov", "prov", "Province", "Mkoa", "Province"],
        ["select_one dist", "dist", "District", "Wilaya", "District", "prov=${prov}"],
    ]
    choices = [
        ["list_name", "name", "label::English", "label::Swahili", "label::French", "zone", "prov"],
        ["prov", "p1", "North", "Kaskazini", "Nord", "", ""],
        ["prov", "p2", "South", "Kusini", "Sud", "", ""],
        ["dist", "d1", "Lake", "Ziwa", "Lac", "z1", "p1"],
        ["dist", "d2", "Hill", "Kilima", "Colline", "z2", "p2"],
    ]
    settings = {"form_id": "langs", "version": "1", "default_language": "English"}
    form = write_form(tmp_path / "l.xlsx", survey, choices, settings, header)
    _installed_export_reads_back(form, tmp_path, cli)


def test_names_used_in_nested_groups_and_a_group_named_like_a_question_come_back(
    tmp_path: Path, cli: Cli
) -> None:
    form = _form(
        tmp_path / "n.xlsx",
        [
            ["text", "price", "Price anywhere"],
            ["begin group", "Maize", "Maize"],
            ["begin group", "I_maize", "Brand I"],
            ["decimal", "price", "Price"],
            ["end group"],
            ["end group"],
            ["begin group", "Litter", "Litter"],
            ["select_one yn", "litter", "Litter seen?"],
            ["end group"],
        ],
        [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
    )
    ids = set(read_xlsform(form).checklist.item_map)
    assert {"price", "Maize/I_maize/price", "litter"} <= ids
    _installed_export_reads_back(form, tmp_path, cli)


def test_select_one_from_file_reads_the_csv_beside_the_form_and_filters_by_its_columns(
    tmp_path: Path, cli: Cli
) -> None:
    (tmp_path / "towns.csv").write_text(
        "name,label,district\nkil,Kilifi,coast\nmal,Malindi,coast\nthi,Thika,central\n",
        encoding="utf-8",
    )
    header = ["type", "name", "label", "choice_filter"]
    survey = [
        ["select_one dist", "district", "District", ""],
        ["select_one_from_file towns.csv", "town", "Town", "district=${district}"],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["dist", "coast", "Coast"],
        ["dist", "central", "Central"],
    ]
    form = write_form(tmp_path / "towns_form.xlsx", survey, choices, {"form_id": "t"}, header)
    town = read_xlsform(form).checklist.item_map["town"]
    assert [(c.code, c.label, dict(c.filters)) for c in town.choices] == [
        ("kil", "Kilifi", {"district": "coast"}),
        ("mal", "Malindi", {"district": "coast"}),
        ("thi", "Thika", {"district": "central"}),
    ]
    assert town.choice_filter is not None
    _installed_export_reads_back(form, tmp_path, cli)
    # a CSV answer outside the filtered list is refused, naming the row
    db = tmp_path / "t.db"
    data = tmp_path / "answers.csv"
    data.write_text(
        "force,observed_at,status,district,town\ngwent,2026-03-02,final,coast,thi\n",
        encoding="utf-8",
    )
    result = cli("import", data, "--checklist", "t", "--db", db, "--partial")
    assert result.exit_code == 2 and "town" in result.stderr, result.output


def test_select_from_file_reads_geojson_and_xml_in_the_media_folder(tmp_path: Path) -> None:
    media = tmp_path / "sites-media"
    media.mkdir()
    features = [
        {"type": "Feature", "id": 7, "properties": {"title": "Pump A", "kind": "well"}},
        {"type": "Feature", "properties": {"id": "b9", "title": "Pump B", "ref": "x"}},
    ]
    (media / "pumps.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    (media / "roads.xml").write_text(
        "<root><item><code>r1</code><name>A1</name></item>"
        "<item><code>r2</code><name>B2</name></item></root>",
        encoding="utf-8",
    )
    form = _form(
        tmp_path / "sites.xlsx",
        [
            ["select_one_from_file pumps.geojson", "pump", "Pump"],
            ["select_multiple_from_file roads.xml", "roads", "Roads", *[""] * 4,
             "value=code label=name"],
        ],
    )  # fmt: skip
    items = read_xlsform(form).checklist.item_map
    assert [(c.code, c.label) for c in items["pump"].choices] == [("7", "Pump A"), ("b9", "Pump B")]
    assert items["roads"].kind == "multi"
    assert [(c.code, c.label) for c in items["roads"].choices] == [("r1", "A1"), ("r2", "B2")]


def test_calculation_chains_too_deep_for_one_sql_expression_are_computed_in_stages(
    tmp_path: Path, cli: Cli
) -> None:
    """A calculation reading a calculation reading ... is computed in the reports' view in
    stages (each reading the earlier ones' columns), equal to the app's value; only one
    formula nested too deep by itself is refused, in one line."""

    def chain(levels: int, formula: str) -> list[list[Any]]:
        rows = [["integer", "c0", "Start"]]
        for n in range(1, levels + 1):
            rows.append(["calculate", f"c{n}", "", "", "", "", formula.format(f"${{c{n - 1}}}")])
        return rows

    for name, formula, want in (
        ("sums", "{} + 1", 32),  # arithmetic over arithmetic: one expression
        ("texts", "concat({}, 'x')", "2" + "x" * 30),  # text over text: thirty stages
        ("spaces", "normalize-space(concat(' ', {}, '  x'))", "2" + " x" * 30),
    ):
        form = _form(tmp_path / f"{name}.xlsx", chain(30, formula))
        db = tmp_path / f"{name}.db"
        assert cli("checklists", "import", form, "--db", db).exit_code == 0
        with Store.open(db) as s:
            rid = s.create_record("f", "kent")
            s.set_answer(rid, "c0", "2")
            app = s.checklist("f").computed_value("c30", s.answers(rid))
            sql = "SELECT c15, c30 FROM wide_f WHERE record_id = ?"
            middle, view = s.conn.execute(sql, (rid,)).fetchone()
            assert middle == s.checklist("f").computed_value("c15", s.answers(rid))
        assert app == view == want, name
    nested = "${c0}"
    for _ in range(12):
        nested = f"concat({nested}, 'x')"
    deep = _form(
        tmp_path / "deep.xlsx", [*chain(1, "{}"), ["calculate", "d", "", "", "", "", nested]]
    )
    result = cli("checklists", "import", deep, "--db", tmp_path / "t.db")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "row 4, column calculation: too deeply nested for the reports" in line, line
    assert not (tmp_path / "t.db").exists()


def test_a_name_under_two_filter_values_is_one_choice_offered_under_both(
    tmp_path: Path, cli: Cli
) -> None:
    """allow_choice_duplicates (or an external_choices list, which pyxform never checks):
    one answer, ODK's, offered under each row's filter values; none dropped."""
    header = ["type", "name", "label", "choice_filter"]
    survey = [
        ["select_one d", "district", "District", ""],
        ["select_one v", "village", "Village", "d=${district}"],
    ]
    choices = [
        ["list_name", "name", "label", "d"],
        ["d", "a", "A", ""],
        ["d", "b", "B", ""],
        ["v", "x", "X", "a"],
        ["v", "outro", "Other", "a"],
        ["v", "outro", "Other (again)", "a"],
        ["v", "outro", "Other", "b"],
    ]
    settings = {"form_id": "dup", "allow_choice_duplicates": "yes"}
    form = write_form(tmp_path / "dup.xlsx", survey, choices, settings, header)
    c = read_xlsform(form).checklist
    village = c.item_map["village"]
    assert [(ch.code, ch.label) for ch in village.choices] == [("x", "X"), ("outro", "Other")]
    offered = {
        d: [ch.code for ch in c.choices_offered(village, {("district", ""): d})] for d in "ab"
    }
    assert offered == {"a": ["x", "outro"], "b": ["outro"]}
    _installed_export_reads_back(form, tmp_path, cli)
    # without allow_choice_duplicates pyxform refuses the list, and so fieldkit, in a line
    del settings["allow_choice_duplicates"]
    form = write_form(tmp_path / "dup2.xlsx", survey, choices, settings, header)
    try:
        read_xlsform(form)
    except XLSFormError as e:
        assert "allow_choice_duplicates" in str(e) and "\n" not in str(e), str(e)
    else:
        raise AssertionError("a duplicate name was read without allow_choice_duplicates")


def test_selected_at_in_a_calculation_is_computed_in_the_reports_view(
    tmp_path: Path, cli: Cli
) -> None:
    form = _form(
        tmp_path / "s.xlsx",
        [
            ["select_multiple fruit", "fruits", "Fruits"],
            ["calculate", "first", "", "", "", "", "selected-at(${fruits}, 0)"],
            ["calculate", "second", "", "", "", "", "selected-at(${fruits}, 1)"],
            ["calculate", "third", "", "", "", "", "selected-at(${fruits}, 2)"],
        ],
        [["list_name", "name", "label"], ["fruit", "apple", "Apple"], ["fruit", "pear", "Pear"]],
    )
    db = tmp_path / "s.db"
    assert cli("checklists", "import", form, "--db", db).exit_code == 0
    with Store.open(db) as s:
        rid = s.create_record("f", "kent")
        s.set_answer(rid, "fruits", json.dumps(["pear", "apple"]))
        sql = "SELECT first, second, third FROM wide_f WHERE record_id = ?"
        view = s.conn.execute(sql, (rid,)).fetchone()
        checklist, answers = s.checklist("f"), s.answers(rid)
        app = tuple(checklist.computed_value(i, answers) for i in ("first", "second", "third"))
    assert view == app == ("apple", "pear", "")  # (a multi's codes are stored in list order)
