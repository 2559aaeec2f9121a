"""Datasette for analysts: the findings first, readable records, and dashboards (Table 2
as bars, evidence by force, coverage against targets, a force filter) that render in a
real browser without console errors."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from helpers.records import case_file, marac

from fieldkit.report.summary import find_summary, summary
from fieldkit.store import Store


@pytest.fixture
def plugins() -> Iterator[None]:
    from datasette.plugins import pm

    before = {name for name, _ in pm.list_name_plugin()}
    yield
    for name in ("fieldkit", "auth_passwords", "datasette_dashboards"):
        if name not in before and pm.get_plugin(name) is not None:
            pm.unregister(name=name)


def team(path: Path) -> Path:
    with Store.create(path, inspector="tester") as s:
        for i, v in enumerate(["yes", "yes", "no", "na"]):
            case_file(s, "kent", f"K/{i}", answers={"cf_t2_bwv_used": v})
        case_file(s, "essex", "E/1", answers={"cf_t2_bwv_used": "yes"})
        marac(s, "kent", "Maidstone", "2015-06-01", {"police": "yes", "idva": "no"})
    return path


async def test_home_and_database_pages_lead_with_the_findings(db_path: Path, plugins: None) -> None:
    from fieldkit.datasette.serve import make_datasette

    ds = make_datasette([team(db_path)])
    home = (await ds.client.get("/")).text
    assert "/-/dashboards/findings" in home and "Open the findings dashboard" in home
    page = (await ds.client.get("/test")).text
    first_link = page.index("/-/dashboards/findings")
    assert first_link < page.index('href="/test/records"')  # findings before the tables
    assert "summary_table?summary=table2" in page
    assert 'href="/test/change_parents"' not in page  # housekeeping hidden
    assert 'href="/test/meta"' not in page
    meta = (await ds.client.get("/-/metadata.json")).json()
    queries = list(meta["databases"]["test"]["queries"])
    assert queries[:2] == ["summary_table", "evidence"]


async def test_a_record_links_to_its_answers_in_order_with_labels(
    db_path: Path, plugins: None
) -> None:
    from fieldkit.datasette.serve import make_datasette

    ds = make_datasette([team(db_path)])
    with Store.open(db_path, readonly=True) as s:
        (rid,) = [r["record_id"] for r in s.records(search="K/3")]
    row = (await ds.client.get(f"/test/records/{rid}")).text
    assert f"/test/record_answers?record_id={rid}" in row
    res = await ds.client.get(
        "/test/record_answers.json?" + urlencode({"record_id": rid, "_shape": "array"})
    )
    answers = res.json()
    positions = [a["position"] for a in answers]
    assert positions == sorted(positions)  # questionnaire order, not alphabetical
    by_item = {a["item_id"]: a for a in answers}
    assert by_item["cf_offence_category"]["answer"] == "Actual bodily harm"  # a label
    assert by_item["cf_t2_bwv_used"]["answer"] == "n/a"
    assert by_item["cf_da_flag"]["answer"] == "Yes"
    wide = (await ds.client.get("/test/wide_case_file_review")).text
    # the script that heads each column with its question, for this view's columns
    script = wide[wide.index("var headings = ") :]
    headings = script[len("var headings = ") : script.index(";\n")]
    import json

    assert json.loads(headings)["cf_t2_bwv_used"].startswith("Body-worn video cameras used")
    assert "fieldkit-glossary" in wide  # the glossary folded away


async def test_dashboard_charts_read_the_reports_numbers(db_path: Path, plugins: None) -> None:
    from fieldkit.datasette.serve import make_datasette

    ds = make_datasette([team(db_path)])
    page = await ds.client.get("/-/dashboards/findings")
    assert page.status_code == 200
    board = (await ds.client.get("/-/metadata.json")).json()["plugins"]["datasette-dashboards"]
    charts = board["findings"]["charts"]
    assert {"summary-0", "by-force-0", "coverage"} <= set(charts)
    with Store.open(db_path, readonly=True) as s:
        table = find_summary(s.conn, "table2")
        want = {r["item_id"]: r["label"] for r in summary(s.conn, table)["rows"]}
        kent = {r["item_id"]: r["label"] for r in summary(s.conn, table, force="kent")["rows"]}

    async def rows(chart: str, **params: str) -> list[dict]:
        q = charts[chart]["query"]
        if params:
            q = q.replace("[[", "").replace("]]", "")
        else:
            import re

            q = re.sub(r"\[\[.*?\]\]", "", q)
        res = await ds.client.get(
            "/test.json?" + urlencode({"sql": q, "_shape": "array", **params})
        )
        assert res.status_code == 200, res.text
        return res.json()

    got = {r["item_id"]: r["label"] for r in await rows("summary-0")}
    assert got == want
    assert {r["item_id"]: r["label"] for r in await rows("summary-0", force="kent")} == kent
    assert got["cf_t2_bwv_used"] == "75% (3 of 4)"
    forces = {r["force_code"] for r in await rows("by-force-0")}
    assert forces == {"kent", "essex"}
    coverage = await rows("coverage", force="kent")
    assert coverage and {r["force"] for r in coverage} == {"Kent Police"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_dashboard_renders_in_a_real_browser(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed")
    db = team(tmp_path / "team.db")
    port = free_port()
    env = {**os.environ, "FIELDKIT_DB": str(db)}
    server = subprocess.Popen(
        [sys.executable, "-m", "fieldkit", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/-/dashboards/findings"
    try:
        for _ in range(200):  # wait for the server to answer (not a timing assertion)
            try:
                with urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        res = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=20000",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        wide = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={tmp_path / 'profile2'}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                f"http://127.0.0.1:{port}/team/wide_case_file_review",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    # the wide view as the browser shows it: headed by the questions, the glossary folded
    head = wide[wide.index('data-column="cf_t2_bwv_used"') :]
    assert head[: head.index("</th>")].count("Body-worn video cameras used") == 1
    assert '<details class="fieldkit-glossary">' in wide
    dom = res.stdout
    for chart in ("summary-0", "by-force-0", "coverage"):
        start = dom.index(f'id="chart-{chart}"')
        end = dom.find('class="dashboard-card"', start)
        assert "<svg" in dom[start : end if end > 0 else None], f"{chart} did not render"
    console = [ln for ln in res.stderr.splitlines() if "CONSOLE" in ln]
    errors = [ln for ln in console if "ERROR" in ln.split("CONSOLE")[0] or "Uncaught" in ln]
    assert not errors, "\n".join(errors)
    assert "Victim statement taken at time of initial police attendance" in dom
    assert "75% (3 of 4)" in dom  # Body-worn video: its bar's label, drawn by local Vega
