"""Conflicts and duplicates after merging (issue 4): concurrent edits give one deterministic
winner and keep the other value; an edit made after seeing the other is no conflict;
settling is a logged change that merges; the same case recorded twice is listed."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest
from helpers.content import dump
from helpers.examples import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.store import Change, Store
from fieldkit.store.log import COUNTER_BITS, write_local
from fieldkit.sync import duplicates, merge, value_conflicts


def pair(tmp_path: Path) -> tuple[Path, Path, str]:
    """Amy's and Bob's laptops, both holding one case file Amy created."""
    a, b = tmp_path / "amy.db", tmp_path / "bob.db"
    with Store.create(a, inspector="amy") as s:
        rid = s.create_record("case_file_review", "kent")
        s.set_answer(rid, "cf_crime_ref", "CR/15/1")
    Store.create(b, inspector="bob").close()
    merge([a], b)
    return a, b, rid


def write_at(path: Path, rid: str, value: str, wall_ms: int) -> None:
    """An answer written with the device's wall clock reading `wall_ms`."""
    with Store.open(path) as s, s.writing() as w:
        write_local(
            w.conn,
            [Change(rid, "answer", "cf_da_flag", value)],
            author=s.inspector,
            wall_ms=wall_ms,
        )


def both_ways(a: Path, b: Path) -> None:
    merge([a], b)
    merge([b], a)


def test_concurrent_edits_later_clock_wins_and_the_other_is_kept(tmp_path: Path) -> None:
    a, b, rid = pair(tmp_path)
    now = int(time.time() * 1000)
    write_at(a, rid, "yes", now + 5_000)  # Amy's edit is later...
    write_at(b, rid, "no", now)  # ...than Bob's, and neither saw the other's
    both_ways(a, b)
    assert dump(a) == dump(b)
    for p in (a, b):
        with Store.open(p, readonly=True) as s:
            assert s.answers(rid)[("cf_da_flag", "")] == "yes"
            (c,) = value_conflicts(s.conn)
            assert (c["field"], c["value"], c["author"], c["winner_value"]) == (
                "cf_da_flag",
                "no",
                "bob",
                "yes",
            )
            assert c["winner_author"] == "amy"
            assert c["at"] is not None and c["hlc"] >> COUNTER_BITS == now


@settings(max_examples=examples(10), deadline=None)
@given(edits=st.lists(st.lists(st.sampled_from(["yes", "no"]), max_size=3), min_size=2, max_size=4))
@pytest.mark.slow
def test_concurrent_edits_on_many_devices(edits: list[list[str]]) -> None:
    """Each device edits one answer a few times without seeing the others: the winner is
    the latest last edit (clock, then device id), every other device's last edit with a
    different value is a conflict, and one settling clears them all everywhere."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"device{n}.db" for n in range(len(edits))]
        with Store.create(paths[0]) as s:
            rid = s.create_record("case_file_review", "kent")
        for p in paths[1:]:
            Store.create(p).close()
            merge([paths[0]], p)
        last = []  # (hlc, device id, change id, value) of each device's last edit
        for p, values in zip(paths, edits, strict=True):
            with Store.open(p) as s:
                for v in values:
                    s.set_answer(rid, "cf_da_flag", v)
                row = s.conn.execute(
                    "SELECT hlc, device_id, lower(hex(id)), value FROM changes WHERE field = 'cf_da_flag'"
                    " AND device_id = ? ORDER BY seq DESC LIMIT 1",
                    (s.device_id,),
                ).fetchone()
                if row:
                    last.append(row)
        team = Path(tmp) / "team.db"
        merge(paths, team)
        with Store.open(team) as s:
            if not last:
                assert ("cf_da_flag", "") not in s.answers(rid)
                return
            winner = max(last)
            assert s.answers(rid)[("cf_da_flag", "")] == winner[3]
            expected = sorted(c for _, _, c, v in last if v != winner[3])
            assert sorted(c["change_id"] for c in s.conflicts()) == expected
            assert all(c["winner_id"] == winner[2] for c in s.conflicts())
            if expected:
                s.settle(expected[0], keep="other")
                assert s.conflicts() == []
        for p in paths:
            merge([team], p)
            with Store.open(p, readonly=True) as s:
                assert s.conflicts() == []


def test_a_tie_on_the_clock_is_broken_by_device_id(tmp_path: Path) -> None:
    a, b, rid = pair(tmp_path)
    now = int(time.time() * 1000) + 60_000  # ahead of every clock used so far
    write_at(a, rid, "yes", now)
    write_at(b, rid, "no", now)
    both_ways(a, b)
    devices = {}
    for p, value in ((a, "yes"), (b, "no")):
        with Store.open(p, readonly=True) as s:
            devices[s.device_id] = value
    winner = devices[max(devices)]
    for p in (a, b):
        with Store.open(p, readonly=True) as s:
            assert s.answers(rid)[("cf_da_flag", "")] == winner
            assert [c["value"] for c in s.conflicts()] == [devices[min(devices)]]


def test_an_edit_made_after_seeing_the_other_is_not_a_conflict(tmp_path: Path) -> None:
    a, b, rid = pair(tmp_path)
    # Amy's clock runs an hour fast; Bob edits after merging her value, on a slow clock.
    write_at(a, rid, "yes", int(time.time() * 1000) + 3_600_000)
    merge([a], b)
    write_at(b, rid, "no", int(time.time() * 1000))
    both_ways(a, b)
    for p in (a, b):
        with Store.open(p, readonly=True) as s:
            assert s.answers(rid)[("cf_da_flag", "")] == "no"
            assert s.conflicts() == []


def test_settling_is_a_logged_change_that_clears_the_conflict_everywhere(
    tmp_path: Path,
) -> None:
    a, b, rid = pair(tmp_path)
    with Store.open(a) as s:
        s.set_answer(rid, "cf_da_flag", "yes")
    with Store.open(b) as s:
        s.set_answer(rid, "cf_da_flag", "no")
    team = tmp_path / "team.db"
    merge([a, b], team)
    with Store.open(team) as s:
        (c,) = s.conflicts()
        other = c["value"]
        before = s.counts()["changes"]
        s.settle(c["change_id"], keep="other")
        # the settling, after the team device's key (its first write: issue 22)
        assert s.counts()["changes"] == before + 2
        assert s.conflicts() == []
        assert s.answers(rid)[("cf_da_flag", "")] == other
    # The team lead's decision reaches both laptops, and merging them again undoes nothing.
    merge([team], a)
    merge([team], b)
    merge([a, b], team)
    for p in (a, b, team):
        with Store.open(p, readonly=True) as s:
            assert s.conflicts() == []
            assert s.answers(rid)[("cf_da_flag", "")] == other
    assert dump(a) == dump(b) == dump(team)


def test_delete_and_a_concurrent_edit_keep_the_record_deleted(tmp_path: Path) -> None:
    a, b, rid = pair(tmp_path)
    with Store.open(a) as s:
        s.delete(rid)
    with Store.open(b) as s:
        s.set_answer(rid, "cf_da_flag", "yes")
    both_ways(a, b)
    for p in (a, b):
        with Store.open(p, readonly=True) as s:
            assert s.record(rid)["deleted"] == 1
            assert s.records() == []
            assert s.answers(rid)[("cf_da_flag", "")] == "yes"  # nothing typed is lost
            assert s.conflicts() == []


# --------------------------------------------------------------------------- duplicates
def same_case_twice(tmp_path: Path) -> tuple[Path, list[str]]:
    """Two inspectors reviewed the same case file (same force and crime reference)."""
    a, b = tmp_path / "amy.db", tmp_path / "bob.db"
    ids = []
    for path, name, ref in ((a, "amy", "CR/15/777"), (b, "bob", " cr/15/777")):
        with Store.create(path, inspector=name) as s:
            rid = s.create_record("case_file_review", "Kent Police")
            s.set_answer(rid, "cf_crime_ref", ref)
            s.set_field(rid, "status", "final")
            ids.append(rid)
            other = s.create_record("case_file_review", "kent")  # no reference: no key
            s.set_answer(other, "cf_da_flag", "yes")
    team = tmp_path / "team.db"
    merge([a, b], team)
    return team, ids


def test_the_same_case_from_two_databases_is_listed_as_a_duplicate(tmp_path: Path) -> None:
    team, ids = same_case_twice(tmp_path)
    with Store.open(team, readonly=True) as s:
        assert s.counts()["records"] == 4
        (group,) = duplicates(s.conn)
        assert group["checklist_id"] == "case_file_review"
        assert group["natural_key"] == "kent|cr/15/777"
        assert sorted(r["record_id"] for r in group["records"]) == sorted(ids)
        assert [r["counted"] for r in group["records"]] == [1, 0]  # reports count one copy
        assert group["records"][0]["record_id"] == ids[0]  # the first one recorded


def test_a_deleted_copy_is_no_longer_a_duplicate(tmp_path: Path) -> None:
    team, ids = same_case_twice(tmp_path)
    with Store.open(team) as s:
        s.delete(ids[1])
        assert duplicates(s.conn) == []


# ---------------------------------------------------------------------------------- CLI
def test_cli_conflicts_lists_conflicts_and_duplicates(cli, tmp_path: Path) -> None:
    a, b, rid = pair(tmp_path)
    with Store.open(a) as s:
        s.set_answer(rid, "cf_da_flag", "yes")
    with Store.open(b) as s:
        s.set_answer(rid, "cf_da_flag", "no")
        twin = s.create_record("case_file_review", "kent")
        s.set_answer(twin, "cf_crime_ref", "CR/15/1")
    merge([a], b)

    data = json.loads(cli("conflicts", "--db", b, "--json").stdout)
    (c,) = data["conflicts"]
    assert c["record_id"] == rid and c["field"] == "cf_da_flag"
    assert {c["value"], c["winner_value"]} == {"yes", "no"}
    assert {c["author"], c["winner_author"]} == {"amy", "bob"}
    (group,) = data["duplicates"]
    assert {r["record_id"] for r in group["records"]} == {rid, twin}

    text = cli("conflicts", "--db", b).stdout
    assert "1 value conflict(s)" in text and c["change_id"] in text
    assert "1 case(s) recorded more than once" in text and twin in text

    result = cli("settle", c["change_id"], "--keep", "other", "--db", b)
    assert result.exit_code == 0, result.output
    assert f"kept {c['value']!r}" in result.stdout
    assert json.loads(cli("conflicts", "--db", b, "--json").stdout)["conflicts"] == []


def test_cli_settle_unknown_conflict_is_one_line_exit_2(cli, tmp_path: Path) -> None:
    a, _, _ = pair(tmp_path)
    result = cli("settle", "nope:000000000001", "--keep", "winner", "--db", a)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no open conflict" in result.stderr


def test_cli_conflicts_when_there_are_none(cli, tmp_path: Path) -> None:
    a, _, _ = pair(tmp_path)
    assert cli("conflicts", "--db", a).stdout.strip() == "no conflicts and no duplicate records"
