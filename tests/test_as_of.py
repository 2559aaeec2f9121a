"""Figures as the log stood at a date (issue 11, point 6): the same fold, stopped earlier."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from fieldkit.store import Store


def evidence(cli, db: Path, *extra: object) -> dict[str, dict]:
    result = cli("report", "evidence", "--db", db, "-c", "case_file_review", "--json", *extra)
    assert result.exit_code == 0, result.output
    return {r["item_id"]: r for r in json.loads(result.output)}


def _figures(rows: dict[str, dict]) -> dict[str, tuple]:
    return {k: (r["applicable"], r["completed"]) for k, r in rows.items()}


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


def test_a_bad_as_of_date_is_one_line(cli, demo_copy: Path) -> None:
    result = cli("report", "evidence", "--db", demo_copy, "--as-of", "last tuesday")
    assert result.exit_code == 2 and "not a date" in result.stderr
