"""The terminal report in every format (--format table|csv|markdown|json), the named
summary table (`report summary table2`) and true bases for repeat-group items."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from helpers.records import case_file, marac
from typer.testing import Result

from fieldkit.report import evidence
from fieldkit.report.summary import summary_tables
from fieldkit.store import Store

Cli = Callable[..., Result]


def small_db(path: Path) -> Path:
    with Store.create(path, inspector="tester") as s:
        for i, v in enumerate(["yes", "yes", "yes", "no", "na"]):
            case_file(s, "kent", f"K{i}", answers={"cf_t2_999_listened_exhibited": v})
        case_file(s, "essex", "E1", answers={"cf_t2_999_listened_exhibited": "no"})
        case_file(s, "essex", "B1", category="burglary", answers={"cf_t2_bwv_used": "yes"})
    return path


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").replace("┃", " ").split())


def test_summary_table2_prints_the_published_shape(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli("report", "summary", "table2", "--db", db_path)
    assert res.exit_code == 0, res.output
    words = flat(res.output)
    assert words.startswith("Table 2: Review of evidence contained in 6 case files")
    header = res.output.split("┡")[0]
    for word in ("Evidence", "Number", "applicable", "of 6)", "activity", "completed"):
        assert word in header
    (line,) = [ln for ln in res.output.splitlines() if "Was the 999 call" in ln]
    assert flat(line).endswith("5 60% (3 of 5)")
    # the seven rows in the definition's order, and nothing else
    order = [
        "Victim statement",
        "Photographs of injuries",
        "House-to-house",
        "Police officer statement",
        "Body-worn video",
        "Was the 999 call",
        "Safety measures",
    ]
    assert [words.index(q) for q in order] == sorted(words.index(q) for q in order)
    body = res.output.split("┡")[1].split("└")[0]
    assert body.count("%") + body.count("no applicable records") == 7


def test_summary_with_no_name_prints_every_declared_table(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    with Store.open(db_path, readonly=True) as s:
        names = [t.id for t in summary_tables(s.conn, None)]  # every kind
    assert names  # the shipped case-file review declares its Table 2
    res = cli("report", "summary", "--db", db_path, "--json")
    assert [t["id"] for t in json.loads(res.output)] == names


def test_summary_formats_agree(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    name = "table2"
    data = json.loads(cli("report", "summary", name, "--db", db_path, "--format", "json").output)
    assert data["files"] == 6 and len(data["rows"]) == 7
    res = cli("report", "summary", name, "--db", db_path, "--format", "csv", "--ids")
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [r["item_id"] for r in rows] == [r["item_id"] for r in data["rows"]]
    got = {r["item_id"]: (int(r["applicable"]), int(r["completed"]), r["label"]) for r in rows}
    want = {r["item_id"]: (r["applicable"], r["completed"], r["label"]) for r in data["rows"]}
    assert got == want
    md = cli("report", "summary", name, "--db", db_path, "--format", "markdown").output
    assert md.startswith("### Table 2: Review of evidence contained in 6 case files")
    assert "| Evidence | Number of applicable cases (out of 6) |" in md
    assert "| Was the 999 call recording listened to and exhibited | 5 | 60% (3 of 5) |" in md


def test_evidence_csv_and_markdown(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli("report", "evidence", "--db", db_path, "-c", "case_file_review", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = {r["question"]: r for r in csv.DictReader(io.StringIO(res.output))}
    r = rows["Was the 999 call recording listened to and exhibited"]
    assert (r["applicable"], r["completed"], r["percent"]) == ("5", "3", "60")
    assert "item_id" not in r  # only with --ids
    md = cli(
        "report", "evidence", "--db", db_path, "-c", "case_file_review", "--format", "markdown"
    ).output
    assert "### Case-file review: 6 record(s), DA-flagged files in rape" in md
    assert "| **B. Evidence at the scene: the seven Table 2 items** |" in md


def test_bad_format_and_unknown_summary_are_one_line(cli: Cli, db_path: Path) -> None:
    small_db(db_path)
    res = cli("report", "evidence", "--db", db_path, "--format", "pdf")
    assert res.exit_code == 2 and "--format takes table, csv, markdown, json" in res.output
    res = cli("report", "summary", "nope", "--db", db_path)
    assert (
        res.exit_code == 2
        and "unknown summary table 'nope' (known: table2, figure6, dvpo, figure7, table1)"
        in res.output
    )
    assert "Traceback" not in res.output


def test_repeat_items_take_the_repeat_rows_as_their_base(store: Store, cli: Cli) -> None:
    """Per-agency answers: three agencies at one meeting, two at another. "% of all" is
    over the five agency rows, labelled so, never over the two meetings (which gave 250%)."""
    marac(
        store,
        "kent",
        "Maidstone",
        "2015-06-01",
        {"police": "yes", "probation": "yes", "idva": "yes"},
    )
    marac(store, "kent", "Ashford", "2015-06-02", {"police": "yes", "probation": "na"})
    rows = {r["item_id"]: r for r in evidence(store.conn, checklist="marac_observation")}
    r = rows["mo_att_seniority_ok"]
    assert (r["applicable"], r["completed"], r["files"]) == (4, 4, 2)
    assert (r["repeat"], r["base"], r["base_unit"]) == ("agency", 5, "agency rows")
    assert r["percent_of_base"] == 80
    assert r["base_label"] == "80% (4 of 5 agency rows)"
    everything = evidence(store.conn) + evidence(store.conn, by_force=True)
    assert all((x["percent_of_base"] or 0) <= 100 for x in everything)
    assert all((x["percent"] or 0) <= 100 for x in everything)
    store.close()
    res = cli("report", "evidence", "--db", store.path, "-c", "marac_observation")
    (line,) = [ln for ln in res.output.splitlines() if "80% of 5" in ln]
    after = res.output.split(line)[1].splitlines()[1]
    assert "agency rows" in after  # the unit right under the figure
    md = cli(
        "report", "evidence", "--db", store.path, "-c", "marac_observation", "--format", "markdown"
    )
    assert "| 100% (4 of 4) | 1 |  | 80% of 5 agency rows |" in md.output


async def test_no_percentage_above_100_in_datasette(db_path: Path) -> None:
    from datasette.plugins import pm

    from fieldkit.datasette.serve import make_datasette

    with Store.create(db_path, inspector="tester") as s:
        for day in ("2015-06-01", "2015-06-02"):
            marac(s, "kent", "Maidstone", day, {c: "yes" for c in ("police", "probation", "idva")})
    before = {name for name, _ in pm.list_name_plugin()}
    try:
        ds = make_datasette([db_path])
        res = await ds.client.get("/test/evidence.json?_shape=array&checklist=")
        rows = {r["item_id"]: r for r in res.json()}
        r = rows["mo_att_seniority_ok"]
        assert (r["base"], r["base_unit"], r["percent_of_base"]) == (6, "agency rows", 100)
        assert all((x["percent_of_base"] or 0) <= 100 for x in rows.values())
        res = await ds.client.get("/test/evidence_summary.json?_shape=array&_size=max")
        assert all((x["percent_of_files"] or 0) <= 100 for x in res.json())
    finally:
        for name in ("fieldkit", "auth_passwords"):
            if name not in before and pm.get_plugin(name) is not None:
                pm.unregister(name=name)


async def test_the_evidence_query_and_the_report_share_one_base(cli: Cli, db_path: Path) -> None:
    """ "% of all" is defined once (the evidence views): the terminal report (CSV), the
    findings rows and Datasette's `evidence` query give the same base, unit and percentage
    for an item asked per agency (its agency rows) and for ordinary items (the records in
    scope, blanks, not applicable and unknown answers included)."""
    from datasette.plugins import pm

    from fieldkit.datasette.serve import make_datasette

    with Store.create(db_path, inspector="tester") as s:
        marac(s, "kent", "Maidstone", "2015-06-01", {"police": "yes", "probation": "no"})
        marac(s, "essex", "Basildon", "2015-06-02", {"police": "yes", "idva": "na"})
        for i, v in enumerate(["yes", "no", "na", "unknown", None]):
            answers = {} if v is None else {"cf_t2_bwv_used": v}
            case_file(s, "kent" if i % 2 else "gwent", f"CR/{i}", answers=answers)
        found = {r["item_id"]: r for r in evidence(s.conn)}
    picked = ("mo_att_seniority_ok", "cf_t2_bwv_used", "cf_t2_house_to_house")
    wanted = [("agency rows", 4, 2, 50), ("records", 5, 1, 20), ("records", 5, 0, 0)]
    for item, (unit, base, completed, of_base) in zip(picked, wanted, strict=True):
        r = found[item]
        assert (r["base_unit"], r["base"], r["completed"], r["percent_of_base"]) == (
            unit,
            base,
            completed,
            of_base,
        ), item

    def figures(rows: list[dict]) -> dict[str, tuple]:
        return {r["item_id"]: (int(r["base"]), r["base_unit"], r["percent_of_base"]) for r in rows}

    res = cli("report", "evidence", "--db", db_path, "--format", "csv", "--ids")
    terminal = figures(
        [
            {**r, "percent_of_base": int(r["percent_of_base"]) if r["percent_of_base"] else None}
            for r in csv.DictReader(io.StringIO(res.output))
        ]
    )
    before = {name for name, _ in pm.list_name_plugin()}
    try:
        ds = make_datasette([db_path])
        res = await ds.client.get("/test/evidence.json?_shape=array&_size=max&checklist=")
        datasette = figures(res.json())
    finally:
        for name in ("fieldkit", "auth_passwords"):
            if name not in before and pm.get_plugin(name) is not None:
                pm.unregister(name=name)
    assert terminal == datasette == figures(list(found.values()))
    assert all(item in terminal for item in picked)
