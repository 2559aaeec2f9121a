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
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from helpers.records import case_file, marac

from fieldkit.report.summary import find_summary, summary
from fieldkit.store import Store


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
    page = await ds.client.get("/-/dashboards/findings")  # to the default: all forces
    assert page.status_code == 302 and page.headers["location"].endswith("force=All+forces")
    page = await ds.client.get(page.headers["location"])
    assert page.status_code == 200
    assert '<option value="All forces" selected>All forces</option>' in page.text
    assert '<option value="Kent Police" >Kent Police</option>' in page.text  # names, not codes
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
    assert {r["item_id"]: r["label"] for r in await rows("summary-0", force="Kent Police")} == kent
    assert {r["item_id"]: r["label"] for r in await rows("summary-0", force="All forces")} == want
    # above the chart: which force it shows, and how many files
    (shown,) = await rows("shown-0", force="Kent Police")
    assert shown["shown"] == "Table 2, Kent Police: 4 files in scope"
    (shown,) = await rows("shown-0", force="All forces")
    assert shown["shown"].startswith("Table 2, All forces: ")
    assert got["cf_t2_bwv_used"] == "75% (3 of 4)"
    forces = {r["force_code"] for r in await rows("by-force-0")}
    assert forces == {"kent", "essex"}
    coverage = await rows("coverage", force="Kent Police")
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


async def test_pages_open_on_findings_not_housekeeping(db_path: Path, plugins: None) -> None:
    """Canned queries open on their results (SQL folded), Table 2's title filled in;
    housekeeping tables hidden (still reachable); the wide view questions first, each
    record linked to its answers."""
    import re

    from fieldkit.datasette.serve import make_datasette

    ds = make_datasette([team(db_path)])
    t2 = (await ds.client.get("/test/summary_table?summary=table2&checklist=")).text
    assert "contained in {files}" not in t2  # the rows' title filled in
    assert "Review of evidence contained in 5 case files" in t2
    assert 'id="sql-editor"' not in t2 and "_show_sql" in t2  # results, SQL one click away
    answers = await ds.client.get("/test/record_answers?record_id=x")
    assert 'id="sql-editor"' not in answers.text and "_show_sql" in answers.text
    home = (await ds.client.get("/")).text
    database = (await ds.client.get("/test")).text
    for name in ("agg_answers", "changes", "chain_heads", "register_imports"):
        assert f">{name}<" not in home and f'/test/{name}"' not in database, name
        assert (await ds.client.get(f"/test/{name}")).status_code == 200  # still there
    editor = re.search(r'<textarea id="sql-editor"[^>]*>([^<]*)', database)
    assert editor and "agg_answers" not in editor.group(1)
    wide = (await ds.client.get("/test/wide_case_file_review")).text
    columns = re.findall(r'<th [^>]*data-column="([^"]+)"', wide)
    assert columns[:2] == ["record_id", "cf_crime_ref"]  # the questions first
    assert columns.index("force_code") > columns.index("cf_t2_bwv_used")
    assert "/test/record_answers?record_id=" in wide  # every record linked
    assert 'data-facet="force_code"' not in wide and "facet-results" not in wide
