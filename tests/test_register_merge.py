"""Merge laws for the register and action plans: every merged table is append-only with a
content-digest key, so a plain union (INSERT OR IGNORE) is idempotent, commutative and
associative, and the current statuses agree whatever the order."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import date
from pathlib import Path

from helpers.examples import examples
from helpers.shared_files import shared_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.register import (
    APPEND_ONLY_TABLES,
    add_event,
    import_register,
    link,
    list_objectives,
    list_recommendations,
    new_plan,
    set_rag,
)
from fieldkit.store import Store

SEED_000 = shared_file("seeds/000_df0ad699e43dac57.txt")


def union(target: Path, source: Path) -> None:
    """What a merge does with the register tables: ATTACH, INSERT OR IGNORE, one transaction."""
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        conn.execute("BEGIN IMMEDIATE")
        for table in APPEND_ONLY_TABLES:
            conn.execute(f"INSERT OR IGNORE INTO main.{table} SELECT * FROM src.{table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    finally:
        conn.close()


def content(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        out = {
            t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in APPEND_ONLY_TABLES
        }
        with Store.open(path, readonly=True) as s:
            out["status"] = [
                (r["rec_id"], r["current_status"]) for r in list_recommendations(s.conn)
            ]
            out["rag"] = [
                (r["objective_ref"], r["rag"], r["recommendations"])
                for r in list_objectives(s.conn)
            ]
        return out
    finally:
        conn.close()


def copy(src: Path, dst: Path) -> Path:
    with Store.open(src, readonly=True) as s:
        d = sqlite3.connect(dst)
        s.conn.backup(d)
        d.close()
    return dst


def three_devices(tmp: Path) -> list[Path]:
    a, b, c = (tmp / "a.db", tmp / "b.db", tmp / "c.db")
    with Store.create(a, inspector="ann") as s:
        import_register(s, [SEED_000])
        new_plan(s, "kent")
        set_rag(s, "kent:s01", "2018-06-01", "amber")
    with Store.create(b, inspector="bob") as s:
        import_register(s, [SEED_000])  # the same import on another laptop
        add_event(s, "eb2014:2", "2018-02-01", status="outstanding")
        new_plan(s, "kent")  # the same plan from the same template
        set_rag(s, "kent:s01", "2018-07-01", "green")
        link(s, "kent:s01", ["eb2014:2"], on="2018-07-01")
    with Store.create(c, inspector="cat") as s:
        add_event(s, "eb2014:2", "2018-03-01", status="complete")
        add_event(s, "eb2014:7", "2015-10-01", comment="Pay link not taken forward.")
        new_plan(s, "essex")
        set_rag(s, "essex:t05", "2018-05-01", "red")
    return [a, b, c]


def test_union_is_idempotent_commutative_and_associative(tmp_path: Path) -> None:
    devices = three_devices(tmp_path)
    results = []
    for n, order in enumerate(itertools.permutations(devices)):
        target = copy(order[0], tmp_path / f"merged{n}.db")
        for src in order[1:]:
            union(target, src)
        results.append(content(target))
        union(target, order[1])  # again: nothing changes
        assert content(target) == results[-1]
    assert all(r == results[0] for r in results)
    merged = results[0]
    assert dict(merged["status"])["everyones_business_2014:2"] == "complete"  # 2018-03-01, latest
    rag = {ref: (value, recs) for ref, value, recs in merged["rag"]}
    assert rag["kent:stop-2018:s01"] == ("green", "everyones_business_2014:2")
    assert rag["essex:stop-2018:t05"] == ("red", None)
    assert len(merged["register_entries"]) == 1  # both laptops imported the same entry
    assert len(merged["plan_objectives"]) == 82  # two forces' plans, no duplicates


def test_merging_a_merge_into_a_device_converges(tmp_path: Path) -> None:
    a, b, c = three_devices(tmp_path)
    team = copy(a, tmp_path / "team.db")
    union(team, b)
    union(team, c)
    union(a, team)  # the team database back into Ann's laptop
    assert content(a) == content(team)


EVENT = st.tuples(
    st.integers(1, 11),
    st.dates(min_value=date(2014, 3, 1), max_value=date(2018, 12, 31)),
    st.sampled_from(["awaiting-review", "outstanding", "complete", "limited-progress", None]),
)


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.lists(EVENT, max_size=6), min_size=2, max_size=3))
def test_random_events_merge_to_the_same_statuses(tmp_path_factory, devices_events) -> None:
    tmp = tmp_path_factory.mktemp("merge")
    paths = []
    for i, events in enumerate(devices_events):
        path = tmp / f"d{i}.db"
        with Store.create(path, inspector=f"i{i}") as s:
            for rec, day, status in events:
                if status is None:
                    add_event(s, f"eb2014:{rec}", day.isoformat(), comment=f"note {i}")
                else:
                    add_event(s, f"eb2014:{rec}", day.isoformat(), status=status)
        paths.append(path)
    forward = copy(paths[0], tmp / "fwd.db")
    for p in paths[1:]:
        union(forward, p)
    backward = copy(paths[-1], tmp / "bwd.db")
    for p in reversed(paths[:-1]):
        union(backward, p)
    assert content(forward) == content(backward)
    with Store.open(forward, readonly=True) as s:
        shipped = set(
            s.conn.execute(
                "SELECT rec_id, event_date, status_slug FROM rec_events"
                " WHERE source <> 'manual' AND kind = 'status'"
            ).fetchall()
        )
    # a status typed exactly as the published register has it is that event, not a new one
    total = sum(
        len(
            {
                (r, d, st_)
                for r, d, st_ in ev
                if (f"everyones_business_2014:{r}", d.isoformat(), st_) not in shipped
            }
        )
        for ev in devices_events
    )
    with Store.open(forward, readonly=True) as s:
        typed = s.conn.execute(
            "SELECT count(*) FROM rec_events WHERE source = 'manual'"
        ).fetchone()[0]
    assert typed == total


def test_fieldkit_merge_unions_the_register_in_any_order(cli, tmp_path: Path) -> None:
    a, b, c = three_devices(tmp_path)
    one, two = tmp_path / "team1.db", tmp_path / "team2.db"
    assert cli("merge", a, b, c, "--db", one).exit_code == 0
    assert cli("merge", c, b, "--db", two).exit_code == 0
    assert cli("merge", a, "--db", two).exit_code == 0
    assert cli("merge", b, "--db", two).exit_code == 0  # again: nothing new
    assert content(one) == content(two)
    assert dict(content(one)["status"])["everyones_business_2014:2"] == "complete"


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(st.lists(EVENT, min_size=1, max_size=5), st.lists(st.integers(0, 9), max_size=2)),
        min_size=2,
        max_size=3,
    )
)
def test_withdrawals_merge_in_any_order(tmp_path_factory, devices) -> None:
    """Devices type events and withdraw some (one of theirs, or a shipped one); merged in
    any order the statuses agree, and a withdrawn event is withdrawn everywhere, even
    where the same event also arrived from another device."""
    from fieldkit.register import timeline, withdraw_event

    tmp = tmp_path_factory.mktemp("withdraw")
    paths, gone = [], set()
    for i, (events, picks) in enumerate(devices):
        path = tmp / f"d{i}.db"
        with Store.create(path, inspector=f"i{i}") as s:
            for rec, day, status in events:
                kind = {"status": status} if status else {"comment": "note"}
                add_event(s, f"eb2014:{rec}", day.isoformat(), **kind)
            rec_id = f"everyones_business_2014:{events[0][0]}"
            for k in picks:
                live = [e for e in timeline(s.conn, rec_id) if not e["withdrawn"]]
                if live:
                    e = live[k % len(live)]
                    withdraw_event(s, e["event_id"])
                    gone.add((rec_id, e["event_date"], e["kind"], e["body"]))
        paths.append(path)
    forward = copy(paths[0], tmp / "fwd.db")
    for p in paths[1:]:
        union(forward, p)
    backward = copy(paths[-1], tmp / "bwd.db")
    for p in reversed(paths[:-1]):
        union(backward, p)
    assert content(forward) == content(backward)
    with Store.open(forward, readonly=True) as s:
        rows = s.conn.execute(
            "SELECT rec_id, event_date, kind, trim(coalesce(status_slug, comment_text))"
            " FROM rec_events_current"
        ).fetchall()
    assert not gone & set(rows)


def test_every_register_row_has_the_key_its_content_gives(tmp_path: Path) -> None:
    """The key derivation documented in fieldkit/register/ids.py holds for every row the
    register and plans write (imports, typed events, corrections, withdrawals, links)."""
    from fieldkit.register import correct_event, withdraw_event
    from fieldkit.register.ids import ROW_KEYS, row_key

    a, b, c = three_devices(tmp_path)
    with Store.open(a) as s:
        first = add_event(s, "eb2014:6", "2016-01-01", status="outstanding")
        correct_event(s, first.event_id, on="2016-01-02", reason="wrong-date")
        other = add_event(s, "eb2014:6", "2016-02-01", comment="A note.")
        withdraw_event(s, other.event_id)
    for p in (b, c):
        union(a, p)
    conn = sqlite3.connect(a)
    conn.row_factory = sqlite3.Row
    try:
        for table in [*ROW_KEYS, "plans"]:
            key = ROW_KEYS[table][0] if table in ROW_KEYS else "plan_id"
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            assert rows, table
            assert all(r[key] == row_key(table, r) for r in rows), table
    finally:
        conn.close()
