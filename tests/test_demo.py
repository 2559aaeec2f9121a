"""Demo data: deterministic per seed, across the 43 forces and four instruments, report-like."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fieldkit.demo import write_demo
from fieldkit.store import Store

# What the demo wrote: its inspectors' changes (keys derived from the seed), not the key
# change of the machine that made the database (its own key, different on every machine).
CANONICAL = (
    "SELECT id, device_id, seq, hlc, record_id, kind, field, rkey, value, author FROM changes"
    " WHERE device_id LIKE 'demo%' ORDER BY id",
    "SELECT * FROM records ORDER BY record_id",
    "SELECT record_id, kind, field, rkey, value, change_id FROM cells"
    " WHERE NOT (record_id = 'device' AND rkey NOT LIKE 'demo%') ORDER BY 1, 2, 3, 4",
)


def dump(path: Path) -> list[list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return [conn.execute(q).fetchall() for q in CANONICAL]
    finally:
        conn.close()


@pytest.mark.slow
def test_same_seed_same_data_other_seed_other_data(demo_db: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    with Store.create(again, inspector="demo") as s:
        write_demo(s, seed=2015)
    assert dump(again) == dump(demo_db)
    other = tmp_path / "other.db"
    with Store.create(other) as s:
        write_demo(s, seed=7)
    assert dump(other)[1] != dump(demo_db)[1]


@pytest.mark.slow  # the demo database
def test_demo_covers_forces_instruments_and_inspectors(demo_db: Path) -> None:
    conn = sqlite3.connect(demo_db)
    q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
    per = dict(q("SELECT checklist_id, count(*) FROM records GROUP BY 1"))
    assert per["call_listening"] == 430  # ten calls per force
    assert per["marac_observation"] == 52
    assert 86 <= per["front_desk"] <= 172
    assert (
        q("SELECT count(DISTINCT force_code) FROM records WHERE checklist_id = 'call_listening'")[
            0
        ][0]
        == 43
    )
    assert (
        q(
            "SELECT count(DISTINCT force_code) FROM records WHERE checklist_id = 'marac_observation'"
        )[0][0]
        == 34
    )
    cats = dict(
        q("SELECT value, count(*) FROM cells WHERE field = 'cf_offence_category' GROUP BY 1")
    )
    assert set(cats) == {"rape", "serious_violence", "abh", "burglary"}
    assert q("SELECT count(DISTINCT device_id) FROM changes")[0][0] >= 4
    assert (
        q(
            "SELECT count(*) FROM cells WHERE kind = 'answer' AND field LIKE '%notes' AND value IS NOT NULL"
        )[0][0]
        > 20
    )
    statuses = dict(q("SELECT status, count(*) FROM records GROUP BY 1"))
    assert statuses["draft"] > 0 and statuses["final"] > 8 * statuses["draft"]


@pytest.mark.slow  # the demo database
def test_demo_rates_look_like_the_report(demo_db: Path) -> None:
    """DA share of files near 36% and BWV use near the report's 22% of applicable files."""
    conn = sqlite3.connect(demo_db)
    da, total = conn.execute(
        "SELECT sum(d.value = 'yes'), count(*) FROM cells c JOIN cells d"
        " ON d.record_id = c.record_id AND d.field = 'cf_da_flag'"
        " WHERE c.field = 'cf_offence_category' AND c.value IN ('rape', 'serious_violence', 'abh')"
    ).fetchone()
    assert 0.30 < da / total < 0.42
    yes, applicable = conn.execute(
        "SELECT sum(value = 'yes'), sum(value IN ('yes', 'no')) FROM cells WHERE field = 'cf_t2_bwv_used'"
    ).fetchone()
    assert 0.17 < yes / applicable < 0.27


@pytest.mark.slow
def test_demo_is_safe_to_repeat(demo_copy: Path, cli) -> None:
    """`fieldkit demo` again with the same seed (the demo fixture's) adds nothing."""
    with Store.open(demo_copy) as s:
        before = s.counts()
    again = cli("demo", "--db", demo_copy, "--seed", "2015")
    assert again.exit_code == 0
    assert "430 calls" in again.output
    with Store.open(demo_copy) as s:
        assert s.counts() == before


@pytest.mark.slow
def test_demo_scales(tmp_path: Path, cli) -> None:
    big = tmp_path / "big.db"
    made = cli("demo", "--db", big, "--seed", "3", "--scale", "2")
    assert made.exit_code == 0
    assert "860 calls" in made.output
