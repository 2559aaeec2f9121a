"""Summaries beyond Table 2 (issue 26): Table 1 (shares) and Figure 6 (rates), recomputed
here from the raw records by this file's own arithmetic, never the views, and compared with
`report summary --format json`; the demo draws the report's published figures."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from fieldkit.checklists import get
from fieldkit.demo import write_demo
from fieldkit.store import Store

# Table 1 as the 2015 report prints it (003:L2932-3014): each group's top five, in order.
TABLE1 = {
    "frontline": [
        ("dynamics", 46),
        ("safety_planning", 32),
        ("social_media", 30),
        ("questioning", 29),
        ("evidence_in_court", 28),
    ],
    "specialist": [
        ("dynamics", 16),
        ("social_media", 13),
        ("interpreters", 13),
        ("computer_evidence", 12),
        ("safety_planning", 12),
    ],
}


def half_up(n: int, d: int, per: int = 100) -> int:
    """per * n / d rounded half up, exactly (the report's rule)."""
    q, r = divmod(per * n, d)
    return q + (1 if 2 * r >= d else 0)


def counted(conn: sqlite3.Connection, checklist_id: str) -> dict[str, dict[str, Any]]:
    """record id -> {force, answers}: final, live, and one per natural key (the earliest
    created copy), read from the records and cells tables."""
    recs = conn.execute(
        "SELECT record_id, force_code, natural_key, keyed, created_hlc FROM records"
        " WHERE checklist_id = ? AND status = 'final' AND deleted = 0",
        (checklist_id,),
    ).fetchall()
    first: dict[Any, tuple[Any, str]] = {}
    for rid, force, key, keyed, hlc in recs:
        k = (force, key) if keyed else rid
        if k not in first or (hlc, rid) < first[k]:
            first[k] = (hlc, rid)
    keep = {rid for _, rid in first.values()}
    out: dict[str, dict[str, Any]] = {
        rid: {"force": force, "answers": {}} for rid, force, *_ in recs if rid in keep
    }
    for rid, field, value in conn.execute(
        "SELECT c.record_id, c.field, c.value FROM cells c JOIN records r USING (record_id)"
        " WHERE r.checklist_id = ? AND c.kind = 'answer' AND c.rkey = ''",
        (checklist_id,),
    ):
        if rid in out:
            out[rid]["answers"][field] = value
    return out


def own_table1(conn: sqlite3.Connection) -> dict[str, list[tuple[str, int]]]:
    records = counted(conn, "practitioner_survey").values()
    table = get("practitioner_survey").summary("table1")
    out = {}
    for group in table.groups:
        shares = []
        for pos, item in enumerate(group.items):
            answers = [r["answers"].get(item) for r in records]
            answered = [a for a in answers if a in ("a_lot", "some", "a_little", "none")]
            chosen = sum(1 for a in answered if a == "a_lot")
            shares.append((-chosen / len(answered), pos, item, half_up(chosen, len(answered))))
        shares.sort()
        out[group.id] = [(item, pct) for _, _, item, pct in shares[: table.top]]
    return out


def own_figure6(conn: sqlite3.Connection) -> dict[str, Any]:
    """force -> (2015 rate, 2013 rate) with None for no data, and the pooled rates."""
    records = counted(conn, "force_data_return").values()
    pairs = {
        "rate_2015": ("dr_da_arrests", "dr_da_offences"),
        "rate_2013": ("dr_da_arrests_2013", "dr_da_offences_2013"),
    }
    sums: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    forces = set()
    for r in records:
        forces.add(r["force"])
        for col, (num, den) in pairs.items():
            n, d = r["answers"].get(num), r["answers"].get(den)
            if isinstance(n, int) and isinstance(d, int):
                for who in (r["force"], None):
                    got = sums[(who, col)]
                    got[0] += n
                    got[1] += d
                    got[2] += 1

    def rate(who: str | None, col: str) -> int | None:
        n, d, k = sums[(who, col)]
        return half_up(n, d) if k and d else None

    return {
        "forces": {f: (rate(f, "rate_2015"), rate(f, "rate_2013")) for f in forces},
        "national": (rate(None, "rate_2015"), rate(None, "rate_2013")),
    }


def reported(cli: Callable[..., Result], db: Path, name: str) -> dict[str, Any]:
    result = cli("report", "summary", name, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def as_table1(got: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    return {
        g["id"]: [(i["item_id"], i["percent"]) for i in g["items"] if i["in_top"]]
        for g in got["groups"]
    }


@pytest.mark.slow  # the demo database
def test_the_demo_draws_table1_as_the_report_prints_it(
    demo_db: Path, cli: Callable[..., Result]
) -> None:
    got = as_table1(reported(cli, demo_db, "table1"))
    want = {g: [(f"ps_{g}_{c}", pct) for c, pct in rows] for g, rows in TABLE1.items()}
    assert got == want
    assert [r["percent"] for r in reported(cli, demo_db, "table1")["rows"]] == [
        46,
        32,
        30,
        29,
        28,
        16,
        13,
        13,
        12,
        12,
    ]


@pytest.mark.slow  # the demo database
def test_the_demo_draws_figure6s_ranges(demo_db: Path, cli: Callable[..., Result]) -> None:
    got = reported(cli, demo_db, "figure6")
    r2015 = {r["force_code"]: r["rate_2015"] for r in got["rows"] if r["rate_2015"] is not None}
    r2013 = {r["force_code"]: r["rate_2013"] for r in got["rows"] if r["rate_2013"] is not None}
    assert min(r2015.values()) == 43 and max(r2015.values()) == 93
    assert {f for f, v in r2015.items() if v == 43} == {"humberside", "leicestershire"}
    assert [f for f, v in r2015.items() if v == 93] == ["lincolnshire"]
    assert min(r2013.values()) == 43 and max(r2013.values()) == 96
    assert [f for f, v in r2013.items() if v == 43] == ["northamptonshire"]
    assert [f for f, v in r2013.items() if v == 96] == ["south_wales"]
    # sorted by the 2015 rate, forces without one last and shown as "no data"
    values = [r["rate_2015"] for r in got["rows"]]
    shown = [v for v in values if v is not None]
    assert shown == sorted(shown) and values[len(shown) :] == [None] * (len(values) - len(shown))
    assert all(r["rate_2015__label"] == "no data" for r in got["rows"][len(shown) :])


@pytest.mark.slow  # the demo database
def test_table1_and_figure6_recomputed_from_the_records(
    demo_db: Path, cli: Callable[..., Result]
) -> None:
    conn = sqlite3.connect(demo_db)
    assert as_table1(reported(cli, demo_db, "table1")) == own_table1(conn)
    got = reported(cli, demo_db, "figure6")
    mine = own_figure6(conn)
    assert {r["force_code"]: (r["rate_2015"], r["rate_2013"]) for r in got["rows"]} == mine[
        "forces"
    ]
    assert (got["national"]["rate_2015"], got["national"]["rate_2013"]) == mine["national"]


@pytest.mark.slow
def test_table1_and_figure6_over_a_merged_database(
    demo_copy: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    """Two demo databases merged: the counted copy of each return and response is the
    earliest, and the figures are recomputed here from the merged records."""
    other = tmp_path / "other.db"
    with Store.create(other, inspector="demo") as s:
        write_demo(s, seed=7)
    result = cli("merge", other, "--db", demo_copy)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(demo_copy)
    (responses,) = conn.execute(
        "SELECT count(*) FROM records WHERE checklist_id = 'practitioner_survey'"
    ).fetchone()
    assert responses == 920  # both demos' responses are in
    table1 = own_table1(conn)
    assert as_table1(reported(cli, demo_copy, "table1")) == table1
    got = reported(cli, demo_copy, "figure6")
    mine = own_figure6(conn)
    assert {r["force_code"]: (r["rate_2015"], r["rate_2013"]) for r in got["rows"]} == mine[
        "forces"
    ]
    assert (got["national"]["rate_2015"], got["national"]["rate_2013"]) == mine["national"]


@pytest.mark.slow  # the demo database
def test_the_demo_has_one_inconsistent_return_and_one_outlier(
    demo_db: Path, cli: Callable[..., Result]
) -> None:
    result = cli("returns", "check", "--db", demo_db, "--json")
    assert result.exit_code == 0, result.output
    found = [
        (f["check"], f["force_code"], tuple(f["questions"])) for f in json.loads(result.output)
    ]
    assert found == [
        ("inconsistent", "dorset", ("dr_dvpo_granted", "dr_dvpo_applied")),
        ("outlier", "cumbria", ("dr_dvpo_breached",)),
    ]
    queries = json.loads(cli("returns", "queries", "--db", demo_db, "--json").output)
    assert [(q["force_code"], q["question"], q["status"]) for q in queries] == [
        ("dorset", "dr_dvpo_granted", "open")
    ]
