"""A force against the rest of England and Wales (fieldkit/report/compare.py): the test,
the interval and the call, on hand-computed figures and on the worked example that
docs/counting.md prints; then the same columns in `report evidence --by force`."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from helpers.records import case_file
from typer.testing import Result

from fieldkit.report.compare import (
    FISHER,
    LOWER,
    SAME,
    TOO_SMALL,
    Z_TEST,
    compare,
    fisher_exact,
    interval_text,
    wilson,
    z_test,
)
from fieldkit.report.tables import evidence_report
from fieldkit.store import Store

Cli = Callable[..., Result]
DOCS = Path(__file__).parents[1] / "docs" / "counting.md"
ITEM = "cf_t2_bwv_used"


def test_a_force_clearly_worse_by_hand() -> None:
    # 20 of 40 against 300 of 400: pooled 320/440, se 0.07385, z -3.385
    pooled = 320 / 440
    se = math.sqrt(pooled * (1 - pooled) * (1 / 40 + 1 / 400))
    assert se == pytest.approx(0.07385, abs=1e-5)
    assert z_test(20, 40, 300, 400) == pytest.approx(0.000712, abs=1e-6)
    c = compare(20, 40, 300, 400)
    assert (c.test, c.call, c.gap) == (Z_TEST, LOWER, -25.0)
    assert c.interval == pytest.approx((0.35200, 0.64800), abs=1e-5)


def test_a_force_clearly_the_same_and_one_too_small() -> None:
    same = compare(30, 40, 300, 400)
    assert (same.test, same.call, same.p_value, same.gap) == (Z_TEST, SAME, 1.0, 0.0)
    small = compare(4, 6, 300, 400)  # a base of 6: never flagged, whatever the test says
    assert (small.test, small.call) == (FISHER, TOO_SMALL)
    assert compare(1, 8, 300, 400).call == TOO_SMALL  # 13% against 75%: still not called
    assert compare(1, 8, 300, 400, min_base=5).call == LOWER  # --min-base 5 calls it


def test_fisher_by_hand_and_the_interval_edges() -> None:
    # [[3, 0], [0, 3]]: the only tables as or less likely are it and its mirror, each
    # 1/C(6,3) = 1/20
    assert fisher_exact(3, 3, 0, 3) == pytest.approx(0.1)
    assert fisher_exact(2, 4, 2, 4) == pytest.approx(1.0)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert wilson(0, 0) is None
    assert interval_text(wilson(10, 10)) == "72-100%"  # 72.25% to 100%


def test_the_worked_example_in_the_docs_is_what_the_code_says() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| (\d+) of (\d+) \| (\d+) of (\d+) \| ([^|]+) \| ([\d.]+) \| (\S+) \| ([^|]+) \|$",
        text,
        re.M,
    )
    assert len(rows) == 3
    for k1, n1, k2, n2, test, p, interval, call in rows:
        c = compare(int(k1), int(n1), int(k2), int(n2))
        assert c.test == test.strip()
        assert c.p_value == pytest.approx(float(p), abs=0.5 * 10 ** -len(p.partition(".")[2]))
        assert interval_text(c.interval) == interval
        assert c.call == call.strip()
    assert "= 0.07385" in text and "z = (0.50 − 0.75) / 0.07385 = −3.385" in text


def team(path: Path) -> Path:
    """Kent clearly worse (10 of 20 against the rest's 154 of 206), Essex the same as the
    rest (75 of 100 against 89 of 126), Dorset a base of 6."""
    with Store.create(path, inspector="t") as s:
        for force, yes, n in (("kent", 10, 20), ("essex", 75, 100), ("surrey", 75, 100)):
            for i in range(n):
                case_file(s, force, f"{force}/{i}", answers={ITEM: "yes" if i < yes else "no"})
        for i in range(6):
            case_file(s, "dorset", f"d/{i}", answers={ITEM: "yes" if i < 4 else "no"})
    return path


def test_the_columns_in_report_evidence_by_force(cli: Cli, db_path: Path) -> None:
    team(db_path)
    res = cli("report", "evidence", "--by", "force", "--format", "csv", "--db", db_path, "--ids")
    rows = {r["force"]: r for r in csv.DictReader(io.StringIO(res.output)) if r["item_id"] == ITEM}
    kent, essex, dorset = rows["Kent Police"], rows["Essex Police"], rows["Dorset Police"]
    assert (kent["label"], kent["rest_label"]) == ("50% (10 of 20)", "75% (154 of 206)")
    assert (kent["interval_95"], kent["ci_low"], kent["ci_high"]) == ("29-71%", "29.9", "70.1")
    assert (kent["gap_points"], kent["p_value"], kent["test"], kent["difference"]) == (
        "-24.8",
        "0.0178",
        Z_TEST,
        LOWER,
    )
    assert (essex["rest_label"], essex["difference"]) == ("71% (89 of 126)", SAME)
    assert (dorset["label"], dorset["test"], dorset["difference"]) == (
        "67% (4 of 6)",
        FISHER,
        TOO_SMALL,
    )
    data = json.loads(cli("report", "evidence", "--by", "force", "--json", "--db", db_path).output)
    (k,) = [r for r in data if r["item_id"] == ITEM and r["force"] == "kent"]
    assert (k["ci_low"], k["ci_high"], k["difference"], k["rest_applicable"]) == (
        29.9,
        70.1,
        LOWER,
        206,
    )
    # the terminal table shows the interval and the call; the national table has neither
    with Store.open(db_path, readonly=True) as s:
        (frame,) = evidence_report(s.conn, checklist="case_file_review", by_force=True).frames
    headings = [c.heading for c in frame.columns]
    assert headings[3:6] == ["95% interval", "Rest of E&W", "Difference"]
    res = cli("report", "evidence", "--format", "csv", "--db", db_path)
    assert "difference" not in res.output.splitlines()[0]


def test_the_briefing_opens_with_the_difference(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    team(db_path)
    for force, expected in (("kent", True), ("essex", False), ("dorset", False)):
        out = tmp_path / f"{force}.html"
        assert cli("report", "force", force, "--out", out, "--db", db_path).exit_code == 0
        page = out.read_text(encoding="utf-8")
        text = " ".join(re.sub(r"<[^>]+>", " ", page[page.index("<body>") :]).split())
        first = text.index("differs from the rest of England and Wales")
        table2 = text.index("Table 2:")
        opening = text[first:table2]
        found = "Body-worn video cameras" in opening
        assert found == expected, (force, opening)
    assert "50% (10 of 20) 29-71% 75% (154 of 206) -25 lower" in " ".join(
        re.sub(r"<[^>]+>", " ", (tmp_path / "kent.html").read_text()).split()
    )
    dorset = (tmp_path / "dorset.html").read_text(encoding="utf-8")
    assert "Too small to call (base under 10), never flagged: Case-file review" in dorset


async def test_datasettes_by_force_query_has_the_same_columns(
    cli: Cli, db_path: Path, plugins: None
) -> None:
    from fieldkit.datasette.serve import make_datasette

    team(db_path)
    report = json.loads(
        cli("report", "evidence", "--by", "force", "--json", "--db", db_path).output
    )
    ds = make_datasette([db_path])
    q = urlencode({"checklist": "", "force": "", "min_base": "", "_shape": "array", "_size": "max"})
    res = await ds.client.get(f"/{db_path.stem}/evidence_per_force.json?{q}")
    assert res.status_code == 200, res.text
    served = {(r["force"], r["item_id"]): r for r in res.json()}
    keys = ("ci_low", "ci_high", "rest_applicable", "rest_completed", "rest_label")
    keys += ("p_value", "test", "difference")
    assert len(report) == len(served)
    for r in report:
        s = served[(r["force"], r["item_id"])]
        assert {k: s[k] for k in keys} == {k: r[k] for k in keys}, r["item_id"]
        assert s["gap_points"] == r["gap"]
    (dorset,) = [r for r in served.values() if r["force"] == "dorset" and r["item_id"] == ITEM]
    assert dorset["difference"] == TOO_SMALL
    q = urlencode({"checklist": "", "force": "dorset", "min_base": "5", "_shape": "array"})
    res = await ds.client.get(f"/{db_path.stem}/evidence_per_force.json?{q}&_size=max")
    (dorset,) = [r for r in res.json() if r["item_id"] == ITEM]
    assert dorset["difference"] == SAME  # 4 of 6 against 160 of 220: called, and the same


def test_the_workbooks_by_force_sheet_has_the_same_columns(db_path: Path, tmp_path: Path) -> None:
    from helpers.workbook import header_row
    from openpyxl import load_workbook

    from fieldkit.export import export_xlsx

    team(db_path)
    out = tmp_path / "team.xlsx"
    with Store.open(db_path, readonly=True) as s:
        export_xlsx(s, out, only=["By force"])
    ws = load_workbook(out)["By force"]
    at = header_row(ws, "Checklist")
    header = [c.value for c in ws[at]]
    rows = [dict(zip(header, (c.value for c in r), strict=False)) for r in ws.iter_rows(at + 1)]
    (kent,) = [r for r in rows if r["Item id"] == ITEM and r["Force"] == "Kent Police"]
    assert (kent["95% interval: low (%)"], kent["95% interval: high (%)"]) == (29.9, 70.1)
    assert (kent["Rest of E&W"], kent["Difference (95%)"], kent["Test"]) == (
        "75% (154 of 206)",
        LOWER,
        Z_TEST,
    )
    assert kent["Rest of E&W: %"] == pytest.approx(154 / 206)
