"""`fieldkit serve` and the Datasette plugin: descriptions, canned queries, facets, readable
answers, read-only, loopback by default, passwords through datasette-auth-passwords, and
one real server over HTTP."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from helpers.records import call, case_file
from typer.testing import Result

from fieldkit import report
from fieldkit.datasette.serve import is_loopback, make_datasette
from fieldkit.store import Store

Cli = Callable[..., Result]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small(path: Path) -> Path:
    with Store.create(path, inspector="tester") as s:
        case_file(s, "kent", "CR/1", answers={"cf_t2_bwv_used": "na", "cf_offence_detail": "=1+2"})
        case_file(s, "essex", "CR/2", category="rape", answers={"cf_t2_bwv_used": "yes"})
        call(s, "kent", "INC-1", cl_calm_reassuring=3, cl_safety_advice="no")
        s.create_record(
            "marac_observation",
            "kent",
            status="final",
            answers={("mo_marac_area", ""): "Kent West", ("mo_att_status", "health"): "attended"},
        )
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


async def test_every_table_and_column_has_a_title_and_description(
    db_path: Path, plugins: None
) -> None:
    from datasette.app import Datasette

    small(db_path)
    ds = Datasette([str(db_path)])  # plain `datasette test.db`: the plugin does it all
    meta = (await ds.client.get("/-/metadata.json")).json()
    assert meta["title"] == "fieldkit"
    tables = meta["databases"]["test"]["tables"]
    with Store.open(db_path, readonly=True) as s:
        objects = [
            r[0]
            for r in s.conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            )
        ]
        for name in objects:
            assert tables[name]["title"] and tables[name]["description"], name
            cols = [r[1] for r in s.conn.execute(f'PRAGMA table_xinfo("{name}")')]
            assert set(cols) <= set(tables[name]["columns"]), name
            assert all(tables[name]["columns"][c] for c in cols), name
    wide = tables["wide_case_file_review"]["columns"]
    assert wide["cf_t2_bwv_used"].startswith("Body-worn video cameras used")
    assert "[Health]" in tables["wide_marac_observation"]["columns"]["mo_att_status__health"]
    html = (await ds.client.get("/test/wide_case_file_review")).text
    assert "Body-worn video cameras used" in html  # question text beside the item id


@pytest.mark.slow  # the demo database
async def test_canned_queries_read_the_same_numbers_as_the_report(
    demo_db: Path, plugins: None
) -> None:
    ds = make_datasette([demo_db])
    queries = (await ds.client.get("/-/metadata.json")).json()["databases"]["demo"]["queries"]
    assert {
        "evidence",
        "evidence_per_force",
        "coverage_against_targets",
        "conflicts_to_settle",
        "scores_by_force",
        "summary_table",
    } <= set(queries)
    for name in queries:
        res = await ds.client.get(f"/demo/{name}.json?_shape=array")
        assert res.status_code == 200, (name, res.text[:300])
    served = (await ds.client.get("/demo/evidence.json?_shape=array&_size=max")).json()
    per_force = (
        await ds.client.get("/demo/evidence_per_force.json?_shape=array&_size=max&force=kent")
    ).json()
    coverage = (
        await ds.client.get("/demo/coverage_against_targets.json?_shape=array&_size=max")
    ).json()
    with Store.open(demo_db, readonly=True) as s:
        mine = report.evidence(s.conn)
        kent = report.evidence(s.conn, force="kent")
        cov = report.coverage(s.conn)
    fields = ("checklist_id", "item_id", "applicable", "completed", "percent", "label")
    assert [tuple(r[f] for f in fields) for r in served] == [
        tuple(r[f] for f in fields) for r in mine
    ]
    key = lambda r: (r["checklist_id"], r["item_id"])  # noqa: E731
    assert sorted((key(r), r["label"]) for r in per_force) == sorted(
        (key(r), r["label"]) for r in kent
    )
    assert len(coverage) == len(cov)
    assert sorted((r["force"], r["checklist_id"], r["stratum"], r["final"]) for r in coverage) == (
        sorted((r["force_code"], r["checklist_id"], r["stratum"], r["final"]) for r in cov)
    )


async def test_default_facets_and_readable_answers(db_path: Path, plugins: None) -> None:
    small(db_path)
    ds = make_datasette([db_path])
    data = (await ds.client.get("/test/records.json")).json()
    assert {"checklist_id", "force_code", "status"} <= set(data["facet_results"])
    html = (await ds.client.get("/test/wide_case_file_review")).text
    assert '<span title="stored as na">n/a</span>' in html
    assert '<span title="stored as abh">Actual bodily harm</span>' in html
    html = (await ds.client.get("/test/wide_call_listening")).text
    assert "3 Adequate" in html
    # JSON keeps the stored values
    rows = (await ds.client.get("/test/wide_case_file_review.json?_shape=array")).json()
    assert {r["cf_offence_category"] for r in rows} == {"abh", "rape"}


async def test_current_values_page_shows_each_winner(db_path: Path, plugins: None) -> None:
    """cells is a view of the change log (schema step 6): its page lists the current values
    with the id of the change that set each (32 hex digits)."""
    small(db_path)
    ds = make_datasette([db_path])
    res = await ds.client.get("/test/cells?kind=answer&field=cf_crime_ref")
    assert res.status_code == 200
    assert "CR/1" in res.text and "CR/2" in res.text
    # each winner's change id as 32 hex digits, as on the changes table's page
    ids = re.findall(r'<span class="fieldkit-id">([0-9a-f]{32})</span>', res.text)
    assert len(ids) == 2
    assert "Binary" not in res.text
    rows = (await ds.client.get("/test/cells.json?_shape=array&kind=answer")).json()
    assert {r["value"] for r in rows if r["field"] == "cf_crime_ref"} == {"CR/1", "CR/2"}


async def test_serving_never_writes_the_database(db_path: Path, plugins: None) -> None:
    small(db_path)
    with Store.open(db_path) as s:  # views made by an older fieldkit: stale
        s.conn.execute("DROP VIEW fieldkit_views")
        s.conn.execute("DROP VIEW evidence_summary")
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = sha(db_path)
    ds = make_datasette([db_path])
    res = await ds.client.get("/test/evidence.json?_shape=array&checklist=case_file_review")
    assert res.status_code == 200
    assert {r["item_id"]: r["label"] for r in res.json()}["cf_t2_bwv_used"] == "100% (1 of 1)"
    res = await ds.client.get("/test.json?sql=select+fieldkit_label(305,+395)+as+x&_shape=array")
    assert res.json() == [{"x": "77% (305 of 395)"}]
    res = await ds.client.get("/test.json?sql=delete+from+records")
    assert res.status_code >= 400
    assert sha(db_path) == before


def test_loopback_only_unless_public_with_a_password(cli: Cli, db_path: Path) -> None:
    small(db_path)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    res = cli("serve", "--db", db_path, "--host", "0.0.0.0")
    assert res.exit_code == 2 and "refusing to serve on 0.0.0.0" in res.output
    res = cli("serve", "--db", db_path, "--host", "0.0.0.0", "--public")
    assert res.exit_code == 2 and "needs a password" in res.output
    res = cli("serve", "--db", db_path.with_name("nope.db"))
    assert res.exit_code == 2 and "no such database" in res.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_real_server_answers_a_canned_query_over_http(db_path: Path, tmp_path: Path) -> None:
    small(db_path)
    port = _free_port()
    env = dict(os.environ)
    env.pop("FIELDKIT_SERVE_PASSWORD", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "fieldkit", "serve", "--db", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    try:
        url = f"http://127.0.0.1:{port}/test/summary_table.json?_shape=array"
        rows = None
        for _ in range(300):
            if proc.poll() is not None:
                break
            try:
                res = httpx.get(url, timeout=5)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            assert res.status_code == 200, res.text
            rows = res.json()
            break
        assert rows is not None, proc.stdout.read().decode() if proc.poll() is not None else ""
        assert {r["item_id"]: r["label"] for r in rows}["cf_t2_bwv_used"] == "100% (1 of 1)"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()


async def test_change_ids_show_as_hex_under_a_base_url(db_path: Path, plugins: None) -> None:
    """Served under a prefix (behind a proxy: `--setting base_url /fieldkit/`), the change
    log's key column is still hex, linking to the table filtered to that change."""
    from datasette.app import Datasette

    small(db_path)
    with Store.open(db_path, readonly=True) as s:
        ids = {r[0].hex() for r in s.conn.execute("SELECT id FROM changes")}
    ds = Datasette([str(db_path)], settings={"base_url": "/fieldkit/"})
    res = await ds.client.get("/test/changes?_size=5")
    assert res.status_code == 200 and res.url.path.startswith("/fieldkit/")
    shown = set(re.findall(r'<span class="fieldkit-id">([0-9a-f]{32})</span>', res.text))
    keys = re.findall(r'type-pk"><a href="[^"]+"><span class="fieldkit-id">', res.text)
    assert len(keys) == 5 and shown <= ids
    href = re.search(r'type-pk"><a href="([^"]+)"', res.text)
    assert href is not None and href[1].startswith("/fieldkit/test/changes?")
    assert "b&#39;" not in res.text


async def test_change_ids_show_as_hex_not_binary(db_path: Path, plugins: None) -> None:
    """changes.id, parent, prev, cells.change_id and chain_heads are 16-byte digests: shown as
    the 32 hex digits `fieldkit verify` prints, never as binary download links."""
    small(db_path)
    with Store.open(db_path) as s:
        (rid,) = s.conn.execute(
            "SELECT record_id FROM records WHERE checklist_id = 'case_file_review' LIMIT 1"
        ).fetchone()
        s.set_answer(rid, "cf_t2_bwv_used", "no")  # a change with a parent
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        ids = {r[0].hex() for r in s.conn.execute("SELECT id FROM changes")}
        parents = {
            r[0].hex()
            for r in s.conn.execute("SELECT parent FROM changes WHERE parent IS NOT NULL")
        }
        heads = {r[0].hex() for r in s.conn.execute("SELECT id FROM chain_heads")}
    assert parents
    ds = make_datasette([db_path])
    for page, expected in (
        ("/test/changes?_size=max", ids | parents),
        ("/test/cells?_size=max", set()),
        ("/test/chain_heads", heads),
        ("/test?sql=select+id,+parent,+prev+from+changes", ids | parents),
    ):
        html = (await ds.client.get(page)).text
        shown = set(re.findall(r'<span class="fieldkit-id">([0-9a-f]{32})</span>', html))
        assert shown and expected <= shown, page
        assert shown <= ids, page  # every digest shown is a change's id
        assert "Binary" not in html and "b&#39;" not in html, page
    # The key links to the table filtered to that change.
    html = (await ds.client.get("/test/changes?_size=1")).text
    href = re.search(r'type-pk"><a href="([^"]+)"', html)
    assert href is not None
    one = (await ds.client.get(href[1].replace("&amp;", "&"))).text
    assert len(re.findall(r'type-pk"><a href=', one)) == 1
