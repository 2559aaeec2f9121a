"""Figures as the log stood at a date (issue 11, point 6): the same fold, stopped earlier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fieldkit.store import Store


def evidence(cli, db: Path, *extra: object) -> dict[str, dict]:
    result = cli("report", "evidence", "--db", db, "-c", "case_file_review", "--json", *extra)
    assert result.exit_code == 0, result.output
    return {r["item_id"]: r for r in json.loads(result.output)}


def _figures(rows: dict[str, dict]) -> dict[str, tuple]:
    return {k: (r["applicable"], r["completed"]) for k, r in rows.items()}


@pytest.mark.slow
def test_as_of_gives_the_figures_before_later_changes(cli, demo_copy: Path) -> None:
    before = evidence(cli, demo_copy)
    # Today (long after the demo's 2015 fieldwork) every counted case file's DA flag is
    # answered 'no' and a few files are reopened as drafts.
    with Store.open(demo_copy) as s:
        files = s.records(checklist="case_file_review", status="final")
        for r in files[:40]:
            s.set_answer(r["record_id"], "cf_t2_999_listened_exhibited", "no")
        for r in files[40:50]:
            s.reopen(r["record_id"])
    now = evidence(cli, demo_copy)
    assert _figures(now) != _figures(before)
    then = evidence(cli, demo_copy, "--as-of", "2020-01-01")
    assert _figures(then) == _figures(before)
    assert {r["log_digest"] for r in then.values()} != {r["log_digest"] for r in now.values()}

    # Early in the fieldwork fewer files had been reviewed than by its end.
    early = evidence(cli, demo_copy, "--as-of", "2015-03-01")
    assert sum(r["applicable"] for r in early.values()) < sum(
        r["applicable"] for r in before.values()
    )

    out = demo_copy.parent / "then.xlsx"
    result = cli("export", "xlsx", "--db", demo_copy, "--out", out, "--as-of", "2020-01-01")
    assert result.exit_code == 0, result.output
    book = load_workbook(out, read_only=True)
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Log digest (see fieldkit verify)"] == next(iter(then.values()))["log_digest"]
    assert not list(demo_copy.parent.glob("*.bak"))


def test_a_bad_as_of_date_is_one_line(cli, tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    Store.create(db, inspector="ann").close()
    result = cli("report", "evidence", "--db", db, "--as-of", "last tuesday")
    assert result.exit_code == 2 and "not a date" in result.stderr


def test_the_register_sheets_are_as_of_the_date_too(cli, tmp_path: Path) -> None:
    """Register and plan events carry the date they apply from: as of a date, those dated
    after it are left out of the workbook, and About says what the export shows."""
    from fieldkit.register import add_event, new_plan, set_rag

    db = tmp_path / "team.db"
    with Store.create(db, inspector="ann") as s:
        add_event(s, "eb2014:2", "2015-01-10", status="outstanding")
        add_event(s, "eb2014:2", "2016-03-01", status="complete")
        add_event(s, "eb2014:2", "2016-03-02", comment="Signed off at the board.")
        new_plan(s, "kent")
        set_rag(s, "kent:s01", "2015-05-01", "amber")
        set_rag(s, "kent:s01", "2016-04-01", "green")

    def sheets(*extra: object) -> dict[str, list[dict]]:
        out = tmp_path / f"export{len(extra)}.xlsx"
        result = cli("export", "xlsx", "--db", db, "--out", out, *extra)
        assert result.exit_code == 0, result.output
        book = load_workbook(out, read_only=True)
        got = {}
        for name in ("Recommendations", "Recommendation timeline", "Action plans", "About"):
            rows = list(book[name].iter_rows(values_only=True))
            head = next(i for i, r in enumerate(rows) if r[0] in ("Reference", "Force", "Field"))
            got[name] = [dict(zip(rows[head], r, strict=False)) for r in rows[head + 1 :]]
        return got

    def rec2(book: dict[str, list[dict]]) -> dict:
        (row,) = [r for r in book["Recommendations"] if r["Reference"] == "eb2014:2"]
        return row

    def s01(book: dict[str, list[dict]]) -> dict:
        (row,) = [r for r in book["Action plans"] if r["Objective id"] == "s01"]
        return row

    now, then = sheets(), sheets("--as-of", "2015-06-30")
    assert rec2(now)["Current status"] == "complete"
    assert rec2(then)["Current status"] == "outstanding"
    assert rec2(then)["Status since"] == "2015-01-10"
    dates = [r["Date"] for r in then["Recommendation timeline"] if r["Reference"] == "eb2014:2"]
    assert "2015-01-10" in dates and not {"2016-03-01", "2016-03-02"} & set(dates)
    assert "2016-03-02" in {r["Date"] for r in now["Recommendation timeline"]}
    assert (s01(now)["RAG status"], s01(then)["RAG status"]) == ("green", "amber")
    # Annex E progress (shipped, dated 2015-12-01) is not yet a status on 2015-06-30.
    assert all(r["Date"] <= "2015-06-30" for r in then["Recommendation timeline"])
    about_now = {r["Field"]: r["Value"] for r in now["About"]}
    about_then = {r["Field"]: r["Value"] for r in then["About"]}
    assert about_now["As of"].startswith("today")
    assert about_then["As of"].startswith("2015-06-30") and "register" in about_then["As of"]


@pytest.mark.slow
def test_report_summary_takes_as_of_and_by_force(cli, demo_copy: Path) -> None:
    def table2(*extra: object) -> dict:
        result = cli("report", "summary", "table2", "--db", demo_copy, "--json", *extra)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    before = table2()
    with Store.open(demo_copy) as s:
        for r in s.records(checklist="case_file_review", status="final")[:40]:
            s.set_answer(r["record_id"], "cf_t2_999_listened_exhibited", "no")
    assert table2() != before
    assert table2("--as-of", "2020-01-01")["rows"] == before["rows"]
    rows = table2("--by", "force")
    kent = [r for r in rows if r["force"] == "kent"]
    assert [r["item_id"] for r in kent] == [r["item_id"] for r in before["rows"]]
    assert {r["summary"] for r in rows} == {"table2"}
    assert all(
        r["rest_applicable"] + r["applicable"] == n["applicable"]
        for r in kent
        for n in table2()["rows"]
        if n["item_id"] == r["item_id"]
    )
    res = cli("report", "summary", "table2", "--db", demo_copy, "--by", "force", "--format", "csv")
    header = res.output.splitlines()[0].split(",")
    assert header[:2] == ["force", "evidence"] and "difference" in header
