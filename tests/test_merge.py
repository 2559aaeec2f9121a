"""Merging databases (issue 4): the laws over random edit histories, provenance, checklist
versions, append-only tables, and refusing bad sources with nothing written."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers.content import dump, dump_conn
from helpers.examples import examples
from helpers.hostile import edit as sqlite3_edit
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldkit.checklists import get, parse_checklist
from fieldkit.errors import BadInput
from fieldkit.privacy.database import scrub
from fieldkit.store import SCHEMA_VERSION, Store
from fieldkit.store.connection import read_uri
from fieldkit.store.log import recompute_all
from fieldkit.sync import APPEND_ONLY_TABLES, logchecks, merge
from fieldkit.sync import merging as merge_module

# ------------------------------------------------------------------ canonical content
# (dump and its queries: tests/helpers/content.py)


def recomputed(path: Path) -> dict[str, list[tuple]]:
    """The content of `path` with cells, conflicts, records and chain tips rebuilt from the
    whole log by the defining statements (state.sql recompute_*), in a copy held in memory."""
    src = sqlite3.connect(read_uri(path), uri=True)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    src.backup(conn)
    src.close()
    recompute_all(conn)  # state.sql recompute_*, over every cell and record
    # The chains' tips by their definition: the changes no other change names as previous.
    conn.execute("DELETE FROM chain_heads")
    conn.execute(
        "INSERT INTO chain_heads (id) SELECT c.id FROM changes c"
        " WHERE NOT EXISTS (SELECT 1 FROM changes n WHERE n.prev = c.id)"
    )
    out = dump_conn(conn)
    conn.close()
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fresh_merge(target: Path, *groups: list[Path]) -> Path:
    """Merge each group of sources into `target` (new), one merge command per group."""
    for group in groups:
        merge(group, target)
    return target


# -------------------------------------------------------------- random edit histories
ITEMS = {
    "cf_da_flag": ("yes", "no"),
    "cf_victim_injured": ("yes", "no"),  # its relevance rule also writes cf_t2_injury_photos
    "cf_crime_ref": ("CR/1", "cr/1 ", "CR/2"),
}
KEYS = ("CR/1", "CR/2", "")
FORCES = ("kent", "essex")

# Few devices, records and items, and histories in rounds (every device edits, then some
# merge), so that they often hold concurrent edits of one cell (conflicts), edits made
# after a merge, edits of a cell in conflict, and settlings.
device = st.integers(0, 3)
pick = st.integers(0, 1)
da_flag = st.tuples(st.just("answer"), device, pick, st.just("cf_da_flag"), st.integers(0, 1))
edit = st.one_of(
    st.tuples(st.just("answer"), device, pick, st.sampled_from(sorted(ITEMS)), st.integers(0, 2)),
    da_flag,
    da_flag,
    da_flag,
    st.tuples(st.just("create"), device, st.integers(0, len(KEYS) - 1), st.sampled_from(FORCES)),
    st.tuples(st.just("note"), device, pick, st.sampled_from(["seen", "checked", None])),
    st.tuples(st.just("delete"), device, pick),
    st.tuples(st.just("restore"), device, pick),
    st.tuples(st.just("settle"), device, pick, st.sampled_from(["winner", "other"])),
)
sync = st.one_of(
    st.tuples(st.just("merge"), device, device),
    st.tuples(st.just("merge"), device, device),
    st.tuples(st.just("merge"), device, device),
    # A database file copied over another (after taking in what that one held): both
    # then write as one device, counting the same sequence numbers.
    st.tuples(st.just("clone"), device, device),
    # A laptop backed up, and later restored in place from that backup (after its newer
    # work was merged into another): it writes the same sequence numbers again.
    st.tuples(st.just("backup"), device, device),
    st.tuples(st.just("restore"), device, device),
)


def _flatten(rounds: list[tuple[list[tuple], list[tuple]]]) -> list[tuple]:
    return [step for edits, merges in rounds for step in (*edits, *merges)]


history = st.lists(
    st.tuples(st.lists(edit, min_size=1, max_size=8), st.lists(sync, min_size=1, max_size=5)),
    min_size=2,
    max_size=4,
).map(_flatten)


def _record(store: Store, n: int) -> str | None:
    ids = sorted(r[0] for r in store.conn.execute("SELECT record_id FROM records"))
    return ids[n % len(ids)] if ids else None


def play(paths: list[Path], ops: list[tuple]) -> None:
    """Run a history: each device writes through the Store API and merges the others'."""
    stores = [Store.create(p, inspector=f"inspector {i}") for i, p in enumerate(paths)]
    backups: dict[int, Path] = {}
    try:
        # Everyone starts from the same two records (a case file with a key, one without).
        for key in ("CR/1", ""):
            rid = stores[0].create_record("case_file_review", "kent")
            if key:
                stores[0].set_answer(rid, "cf_crime_ref", key)
        for p in paths[1:]:
            merge([paths[0]], p)
        for step in ops:
            kind, dev = step[0], step[1] % len(paths)
            s = stores[dev]
            if kind == "create":
                rid = s.create_record("case_file_review", step[3])
                if KEYS[step[2]]:
                    s.set_answer(rid, "cf_crime_ref", KEYS[step[2]])
            elif kind == "merge":
                other = step[2] % len(paths)
                if other != dev:
                    merge([paths[dev]], paths[other])
            elif kind == "clone":
                other = step[2] % len(paths)
                if other != dev:
                    merge([paths[other]], paths[dev])
                    stores[other].close()
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{paths[other]}{suffix}").unlink(missing_ok=True)
                    copy_ = sqlite3.connect(paths[other])
                    s.conn.backup(copy_)
                    copy_.close()
                    stores[other] = Store.open(paths[other])
            elif kind == "backup":
                backups[dev] = paths[dev].with_name(f"{paths[dev].stem}.backup")
                backups[dev].unlink(missing_ok=True)
                copy_ = sqlite3.connect(backups[dev])
                s.conn.backup(copy_)
                copy_.close()
            elif kind == "restore" and dev in backups:
                merge([paths[dev]], paths[(dev + 1) % len(paths)])
                s.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{paths[dev]}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(backups[dev], paths[dev])
                stores[dev] = Store.open(paths[dev])
            elif kind == "settle":
                open_ = sorted(c["change_id"] for c in s.conflicts())
                if open_:
                    s.settle(open_[step[2] % len(open_)], keep=step[3])
            else:
                rid = _record(s, step[2])
                if rid is None:
                    continue
                if kind == "answer":
                    values = ITEMS[step[3]]
                    s.set_answer(rid, step[3], values[step[4] % len(values)])
                elif kind == "note":
                    s.set_note(rid, "cf_da_flag", step[3])
                elif kind == "delete":
                    s.delete(rid)
                else:
                    s.restore(rid)
    finally:
        for s in stores:
            s.close()


@settings(max_examples=examples(12, dev=2), deadline=None)
@given(n=st.integers(2, 4), ops=history)
def test_merge_laws_over_random_histories(n: int, ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        devices = [d / f"device{i}.db" for i in range(n)]
        play(devices, ops)
        for p in devices:  # every database's state is what its log defines
            assert dump(p) == recomputed(p)

        # Idempotent: merging the same sources again changes nothing.
        team = fresh_merge(d / "team.db", devices)
        once = dump(team)
        merge(devices, team)
        merge([devices[0]], team)
        assert dump(team) == once
        assert once == recomputed(team)

        # Commutative: any order, one command or one source at a time.
        backwards = fresh_merge(d / "backwards.db", *[[p] for p in reversed(devices)])
        assert dump(backwards) == once

        # Associative: ((d0 + d1) + d2) + ... equals d0 + (d1 + (d2 + ...)).
        right = fresh_merge(d / "right0.db", [devices[-1]])
        for i, p in enumerate(reversed(devices[:-1])):
            nxt = d / f"right{i + 1}.db"
            fresh_merge(nxt, [p], [right])
            right = nxt
        assert dump(right) == once

        # Scrubbing with a team key is a function of each change alone: the scrubbed team
        # database is the merge of the scrubbed laptops, in any order; and a scrubbed copy
        # never meets the changes it was made from.
        key = b"team key for the merge-law test"
        scrubbed = [d / f"scrubbed{i}.db" for i in range(n)]
        for p, out in zip(devices, scrubbed, strict=True):
            scrub(p, out, key=key)
        scrub(team, d / "team-scrubbed.db", key=key)
        scrubbed_team = fresh_merge(d / "scrubbed-team.db", scrubbed)
        assert dump(scrubbed_team) == dump(d / "team-scrubbed.db")
        assert dump(
            fresh_merge(d / "scrubbed-back.db", *[[p] for p in reversed(scrubbed)])
        ) == dump(scrubbed_team)
        with pytest.raises(BadInput, match="scrubbed"):
            merge([scrubbed[0]], team)

        # Convergent: after every pair has merged both ways, all hold the same content.
        for i in range(n):
            for j in range(i + 1, n):
                merge([devices[i]], devices[j])
                merge([devices[j]], devices[i])
        for p in devices:
            assert dump(p) == once


# ----------------------------------------------------------------- provenance, summary
def two_inspectors(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "amy.db", tmp_path / "bob.db"
    with Store.create(a, inspector="amy") as s:
        r = s.create_record("case_file_review", "kent")
        s.set_answer(r, "cf_crime_ref", "CR/15/1")
        s.set_answer(r, "cf_da_flag", "yes")
        s.create_record("call_listening", "essex")
    with Store.create(b, inspector="bob") as s:
        r = s.create_record("front_desk", "dorset")
        s.set_answer(r, "fd_open_at_visit", "yes")
    return a, b


def test_merge_creates_the_team_database_and_records_provenance(tmp_path: Path) -> None:
    a, b = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    seen: list[tuple[int, int, str]] = []
    summaries = merge([a, b], team, progress=lambda d, t, w: seen.append((d, t, w)))
    answers = []
    for p in (a, b):
        with Store.open(p, readonly=True) as s:
            answers.append(s.counts()["answers"])
    assert answers[0] == 2  # the crime reference and the DA flag
    assert [(s.source_file, s.new_records, s.new_answers, s.new_conflicts) for s in summaries] == [
        (str(a), 2, 2, 0),
        (str(b), 1, answers[1], 0),
    ]
    with Store.open(a, readonly=True) as s:
        assert summaries[0].source_db_id == s.database_id
        assert summaries[0].new_changes == s.counts()["changes"]
    with Store.open(team, readonly=True) as s:
        assert s.counts()["records"] == 3
        rows = s.conn.execute(
            "SELECT source_file, source_db_id, new_changes, new_records, new_answers,"
            " new_conflicts FROM merges ORDER BY id"
        ).fetchall()
    assert rows == [
        (str(x.resolve()), m.source_db_id, m.new_changes, m.new_records, m.new_answers, 0)
        for x, m in zip((a, b), summaries, strict=True)
    ]
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and seen[-1][0] == seen[-1][1]
    assert any("reading amy.db" in w for _, _, w in seen)

    again = merge([a, b], team)
    assert [(s.new_changes, s.new_records, s.new_answers) for s in again] == [(0, 0, 0)] * 2


def test_a_merge_that_makes_a_conflict_says_so_in_its_summary(tmp_path: Path) -> None:
    a, team = tmp_path / "amy.db", tmp_path / "team.db"
    with Store.create(a, inspector="amy") as s:
        rid = s.create_record("case_file_review", "kent")
        s.set_answer(rid, "cf_da_flag", "yes")
    merge([a], team)
    with Store.open(a) as s:  # amy changes her answer on her laptop ...
        s.set_answer(rid, "cf_da_flag", "no")
    with Store.open(team) as s:  # ... while the team database is edited too
        s.set_answer(rid, "cf_da_flag", "no")
        s.set_answer(rid, "cf_da_flag", "yes")
    [summary] = merge([a], team)
    with Store.open(team, readonly=True) as s:
        held = s.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0]
        logged = s.conn.execute("SELECT new_conflicts FROM merges ORDER BY id DESC").fetchone()
    assert held == 1 and summary.new_conflicts == 1 and logged == (1,)
    assert merge([a], team)[0].new_conflicts == 0  # the same conflict is not new again


def test_team_database_merged_back_gives_the_inspector_the_team_picture(
    tmp_path: Path,
) -> None:
    a, b = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    merge([a, b], team)
    summary = merge([team], a)[0]
    with Store.open(b, readonly=True) as s:
        assert (summary.new_records, summary.new_answers) == (1, s.counts()["answers"])
    assert dump(a) == dump(team)
    with Store.open(a, readonly=True) as s:
        assert {r["checklist_id"] for r in s.records()} == {
            "case_file_review",
            "call_listening",
            "front_desk",
        }


def test_sources_are_only_read(tmp_path: Path) -> None:
    a, b = two_inspectors(tmp_path)
    folder = sorted(p.name for p in tmp_path.iterdir())
    before = (sha(a), sha(b))
    merge([a, b], tmp_path / "team.db")
    assert (sha(a), sha(b)) == before
    assert sorted(p.name for p in tmp_path.iterdir() if "team" not in p.name) == folder


def test_deleted_record_does_not_come_back_from_an_old_copy(tmp_path: Path) -> None:
    a, _ = two_inspectors(tmp_path)
    old = tmp_path / "old-copy.db"
    merge([a], old)
    with Store.open(a) as s:
        rid = s.records(checklist="case_file_review")[0]["record_id"]
        s.delete(rid)
    merge([old], a)
    merge([a], old)
    for p in (a, old):
        with Store.open(p, readonly=True) as s:
            assert s.record(rid)["deleted"] == 1
            assert rid not in {r["record_id"] for r in s.records()}


# ----------------------------------------------------------------- checklist versions
def test_databases_on_two_checklist_versions_keep_both(tmp_path: Path) -> None:
    data = copy.deepcopy(dict(get("front_desk").source))
    data["version"] = 2
    data["sections"] = copy.deepcopy(list(data["sections"]))
    data["sections"][0] = dict(data["sections"][0])
    data["sections"][0]["items"] = [
        *data["sections"][0]["items"],
        {"id": "fd_queue_length", "prompt": "People waiting", "kind": "count"},
    ]
    v2 = parse_checklist(data, "front_desk v2 (test)")
    a, b = tmp_path / "new.db", tmp_path / "old.db"
    with Store.create(a) as s:
        with s.writing() as w:
            w.install(v2)
        new = s.create_record("front_desk", "kent")
        s.set_answer(new, "fd_queue_length", "4")
    with Store.create(b) as s:
        old = s.create_record("front_desk", "kent")
        s.set_answer(old, "fd_open_at_visit", "yes")
    team = tmp_path / "team.db"
    merge([b], team)
    merge([a], team)
    with Store.open(team, readonly=True) as s:
        versions = [
            r[0]
            for r in s.conn.execute("SELECT version FROM checklists WHERE id = ?", ("front_desk",))
        ]
        assert sorted(versions) == [1, 2]
        assert s.record(new)["checklist_version"] == 2
        assert s.record(old)["checklist_version"] == 1
        assert s.answers(new) == {("fd_queue_length", ""): 4}
        assert s.checklist("front_desk", 2).item("fd_queue_length").kind == "count"
        views = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    assert {"wide_front_desk_v1", "wide_front_desk_v2"} <= views
    merge([team], b)
    assert dump(b) == dump(team)


# -------------------------------------------------------------------- append-only tables
def test_register_tables_are_merged_by_union() -> None:
    from fieldkit.register import APPEND_ONLY_TABLES as REGISTER_TABLES

    assert set(REGISTER_TABLES) <= set(APPEND_ONLY_TABLES)


def test_append_only_tables_are_unioned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(merge_module, "APPEND_ONLY_TABLES", ("extra_events",))
    paths = [tmp_path / f"{n}.db" for n in ("a", "b", "c")]
    for n, p in enumerate(paths):
        with Store.create(p) as s, s.writing() as w:
            w.execute("CREATE TABLE extra_events (id TEXT PRIMARY KEY, what TEXT)")
            w.executemany(
                "INSERT INTO extra_events VALUES (?, ?)", [("shared", "same row"), (f"e{n}", "own")]
            )
    with Store.create(paths[2].with_name("no-table.db")):
        pass
    merge([paths[0], paths[1], paths[2].with_name("no-table.db")], paths[2])
    merge([paths[2]], paths[0])
    for p in (paths[0], paths[2]):
        conn = sqlite3.connect(p)
        rows = conn.execute("SELECT * FROM extra_events ORDER BY id").fetchall()
        conn.close()
        assert rows == [("e0", "own"), ("e1", "own"), ("e2", "own"), ("shared", "same row")]


# ------------------------------------------------------------------------ bad sources
def _bad_source(kind: str, tmp_path: Path, team: Path) -> Path:
    path = tmp_path / f"{kind}.db"
    if kind == "text":
        path.write_text("force,observed_at\nkent,2015-06-01\n" * 20)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "plain-sqlite":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    elif kind == "newer":
        Store.create(path).close()
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.close()
    elif kind == "corrupt":
        with Store.create(path) as s:
            for n in range(30):
                s.create_record("call_listening", "kent", subject_ref="x" * 200 + str(n))
            s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn = sqlite3.connect(path)
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'changes'").fetchone()
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
        data = bytearray(path.read_bytes())
        start = (root[0] - 1) * page + 8
        data[start : start + page - 108] = b"\xab" * (page - 108)
        path.write_bytes(bytes(data))
    elif kind == "itself":
        return team
    elif kind == "missing":
        pass
    return path


BAD = ["text", "empty", "plain-sqlite", "newer", "corrupt", "itself", "missing"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_source_one_line_exit_2_nothing_written(cli, tmp_path: Path, kind: str) -> None:
    good, _ = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    merge([good], team)
    with Store.open(team) as s:
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    bad = _bad_source(kind, tmp_path, team)
    before = {p.name: sha(p) for p in tmp_path.iterdir()}
    result = cli("merge", good, bad, "--into", team)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert bad.name in result.stderr and "Traceback" not in result.stderr
    assert {p.name: sha(p) for p in tmp_path.iterdir()} == before

    if kind != "itself":
        new_team = tmp_path / "new-team.db"
        assert cli("merge", good, bad, "--into", new_team).exit_code == 2
        assert not new_team.exists()


def test_a_failure_mid_merge_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    a, b = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    merge([a], team)
    before = dump(team)

    def fail(done: int, total: int, what: str) -> None:
        if what == "updating records":
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        merge([b], team, progress=fail)
    assert dump(team) == before
    with pytest.raises(OSError):
        merge([b], tmp_path / "fresh.db", progress=fail)
    assert not (tmp_path / "fresh.db").exists()


KILL = """
import os, signal, sys
from pathlib import Path
from fieldkit.sync import merge

def die(done, total, what):
    if what == "updating records":
        os.kill(os.getpid(), signal.SIGKILL)

merge([Path(sys.argv[1])], Path(sys.argv[2]), progress=die)
"""


def test_a_kill_mid_merge_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    a, b = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    merge([a], team)
    before = dump(team)
    proc = subprocess.run([sys.executable, "-c", KILL, str(b), str(team)], check=False)
    assert proc.returncode == -9
    assert dump(team) == before
    with Store.open(team) as s:
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    merge([b], team)
    assert len(dump(team)["records"]) == 3


def test_a_kill_mid_merge_into_a_new_target_leaves_no_team_database(tmp_path: Path) -> None:
    """The new team database is built beside its name and appears whole or not at all."""
    a, b = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    for at in ("reading amy.db", "updating records", "saving"):
        kill = KILL.replace('"updating records"', repr(at))
        proc = subprocess.run([sys.executable, "-c", kill, str(a), str(team)], check=False)
        assert proc.returncode == -9
        assert not team.exists(), at
    assert list(tmp_path.glob(".team.db.merging-*"))  # what the killed runs left
    merge([a, b], team)  # a later run is not put off by it, and clears it away
    assert len(dump(team)["records"]) == 3
    assert not list(tmp_path.glob(".team.db.merging-*"))
    with Store.open(team) as s:
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert stat.S_IMODE(team.stat().st_mode) == 0o600


# -------------------------------------------------------------------------------- CLI
def test_cli_merge_prints_the_summary(cli, tmp_path: Path) -> None:
    a, b = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    result = cli("merge", a, b, "--into", team)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("amy.db (database ")
    assert "2 new records, 2 new or changed answers, 0 new conflicts" in lines[0]
    assert "1 new records" in lines[1] and "bob.db" in lines[1]
    assert f"{team}: 3 records, 0 open conflicts" in lines[2]
    again = json.loads(cli("merge", a, b, "--into", team, "--json").stdout)
    assert [s["new_changes"] for s in again["sources"]] == [0, 0]
    assert again["records"] == 3


def test_cli_merge_into_defaults_to_the_users_database(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = two_inspectors(tmp_path)
    mine = tmp_path / "mine.db"
    monkeypatch.setenv("FIELDKIT_DB", str(mine))
    assert cli("merge", a).exit_code == 0
    # (the same content; the new database's keyring records the key it trusted first)
    assert {**dump(mine), "keyring": []} == dump(a)


def test_merge_needs_a_source(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="nothing to merge"):
        merge([], tmp_path / "team.db")
    assert not (tmp_path / "team.db").exists()


def _answers(path: Path) -> dict[tuple[str, str], object]:
    with Store.open(path, readonly=True) as s:
        return {
            (r, f): v
            for r, f, v in s.conn.execute(
                "SELECT record_id, field, value FROM cells WHERE kind = 'answer'"
            )
        }


def test_a_database_copied_by_hand_and_written_on_both_loses_nothing(tmp_path: Path) -> None:
    """The team lead hands out copies of team.db instead of merging it back: both copies
    carry one device id and count the same sequence numbers from there."""
    team, amy, bob = tmp_path / "team.db", tmp_path / "amy.db", tmp_path / "bob.db"
    with Store.create(team, inspector="lead") as s:
        shared = s.create_record("call_listening", "kent", subject_ref="CALL-1")
    shutil.copy(team, amy)
    shutil.copy(team, bob)
    with Store.open(amy, inspector="amy") as s:
        s.set_answer(shared, "cl_visit_unannounced", "yes")
        mine = s.create_record("front_desk", "kent")
        s.set_answer(mine, "fd_open_at_visit", "yes")
    with Store.open(bob, inspector="bob") as s:
        s.set_answer(shared, "cl_visit_unannounced", "no")
        theirs = s.create_record("front_desk", "essex")
        s.set_answer(theirs, "fd_open_at_visit", "no")
    merge([amy, bob], team)
    got = _answers(team)
    assert got[(mine, "fd_open_at_visit")] == "yes"
    assert got[(theirs, "fd_open_at_visit")] == "no"
    kept = got[(shared, "cl_visit_unannounced")]
    assert kept in ("yes", "no")
    with Store.open(team, readonly=True) as s:  # the two edits clashed: one kept, one listed
        assert [(c["field"], c["value"]) for c in s.conflicts()] == [
            ("cl_visit_unannounced", {"yes": "no", "no": "yes"}[kept])
        ]
        assert {r["record_id"] for r in s.records()} == {shared, mine, theirs}


def test_a_laptop_restored_from_a_backup_and_written_again_loses_nothing(
    tmp_path: Path,
) -> None:
    laptop, backup, team = tmp_path / "laptop.db", tmp_path / "backup.db", tmp_path / "team.db"
    with Store.create(laptop, inspector="amy") as s:
        first = s.create_record("front_desk", "kent")
    shutil.copy(laptop, backup)
    with Store.open(laptop) as s:
        s.set_answer(first, "fd_open_at_visit", "yes")
    merge([laptop], team)
    shutil.copy(backup, laptop)  # in place: the same file, its counters back where they were
    with Store.open(laptop) as s:
        again = s.create_record("front_desk", "essex")
        s.set_answer(again, "fd_open_at_visit", "no")
    merge([laptop], team)
    got = _answers(team)
    assert got[(first, "fd_open_at_visit")] == "yes"
    assert got[(again, "fd_open_at_visit")] == "no"


def test_an_unchanged_copy_of_the_target_brings_nothing(tmp_path: Path) -> None:
    a, b = two_inspectors(tmp_path)
    team, copy_ = tmp_path / "team.db", tmp_path / "team-copy.db"
    merge([a, b], team)
    shutil.copy(team, copy_)
    before = dump(team)
    summary = merge([copy_], team)[0]
    assert (summary.new_changes, summary.new_records, summary.new_answers) == (0, 0, 0)
    assert dump(team) == before


# ------------------------------------------------------- many sources, changing sources
@pytest.mark.slow
def test_more_sources_than_sqlite_attaches_merge_as_in_two_goes(tmp_path: Path) -> None:
    """SQLite attaches at most ten files: a merge of twelve reads the ones beyond into
    temp tables first. The team database is the one two merges of six make, a change two
    sources hold (one attached, one staged) is taken once, and a bad source among the
    staged ones is still refused."""
    paths = [tmp_path / f"inspector{n:02d}.db" for n in range(12)]
    for n, p in enumerate(paths):
        with Store.create(p, inspector=f"inspector {n}") as s:
            rid = s.create_record("case_file_review", "kent")
            s.set_answer(rid, "cf_crime_ref", f"CR/15/{n}")
            s.set_answer(rid, "cf_da_flag", "yes" if n % 2 else "no")
    with Store.open(paths[0], readonly=True) as s:
        first = s.records()[0]["record_id"]
    merge([paths[0]], paths[11])  # the last laptop holds the first's case file, and edits it
    with Store.open(paths[11]) as s:
        s.set_answer(first, "cf_da_flag", "yes")
    team = tmp_path / "team.db"
    summaries = merge(paths, team)
    in_two = tmp_path / "in-two.db"
    merge(paths[:6], in_two)
    merge(paths[6:], in_two)
    assert dump(team) == dump(in_two) == recomputed(team)
    with Store.open(team, readonly=True) as s:
        assert sum(m.new_changes for m in summaries) == s.counts()["changes"]
        assert s.answers(first)[("cf_da_flag", "")] == "yes"
        assert len(s.records()) == 12

    bad = tmp_path / "bad.db"
    shutil.copyfile(paths[11], bad)
    sqlite3_edit(
        bad, "UPDATE changes SET value = 'no' WHERE field = 'cf_da_flag' AND value = 'yes'"
    )
    with pytest.raises(BadInput, match=r"bad\.db: change .* does not match its content"):
        merge([*paths[:11], bad], tmp_path / "refused.db")
    assert not (tmp_path / "refused.db").exists()


def test_a_source_that_changes_while_it_is_merged_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merge reads a source beside the check of its log; if the file is written to in
    between (an inspector's app still open on it), the two saw different logs: refused,
    nothing written. (The check is given the file as written to after the merge read it.)"""
    a, b = two_inspectors(tmp_path)
    later = tmp_path / "amy-later.db"
    shutil.copyfile(a, later)
    with Store.open(later) as s:
        s.create_record("front_desk", "kent")
    real = logchecks.check_source_log

    def check_later(path: Path, reading: Path, *args: object) -> logchecks.SourceLog:
        return real(path, later if path == a else reading, *args)

    monkeypatch.setattr(logchecks, "check_source_log", check_later)
    team = tmp_path / "team.db"
    with pytest.raises(BadInput, match=r"amy\.db: was written to during the merge"):
        merge([a, b], team)
    assert not team.exists()


def test_a_full_disk_is_the_target_s_not_a_source_s(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge adds each source's changes straight to the target: when that fails for the
    target's sake (no room left), the line says so, not that the source is unreadable."""
    a, b = two_inspectors(tmp_path)
    team = tmp_path / "team.db"
    merge([a], team)
    real = merge_module.open_target

    def no_room(path: Path) -> sqlite3.Connection:
        conn = real(path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # as a full disk would
        return conn

    monkeypatch.setattr(merge_module, "open_target", no_room)
    before = sha(team)
    result = cli("merge", b, "--into", team)
    assert result.exit_code == 2, result.output
    assert "full" in result.stderr and "unreadable" not in result.stderr
    assert sha(team) == before


def test_the_merge_opens_its_target_as_a_store_does(tmp_path: Path) -> None:
    """One opener (fieldkit.store.connection.connect): the merge's target connection has a
    Store's settings, foreign keys included, plus the file's cache for its temp tables,
    and attaches a source read-only."""
    from fieldkit.store.connection import connect

    team, source = tmp_path / "team.db", tmp_path / "a.db"
    Store.create(team).close()
    Store.create(source).close()
    settings = ("foreign_keys", "journal_mode", "synchronous", "busy_timeout", "cache_size")
    plain, target = connect(team), merge_module.open_target(team)
    try:
        for name in settings:
            want = plain.execute(f"PRAGMA {name}").fetchone()
            assert target.execute(f"PRAGMA {name}").fetchone() == want, name
        assert target.execute("PRAGMA foreign_keys").fetchone() == (1,)
        cache = target.execute("PRAGMA cache_size").fetchone()
        assert target.execute("PRAGMA temp.cache_size").fetchone() == cache
        target.execute("ATTACH DATABASE ? AS src", (read_uri(source),))
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            target.execute("INSERT INTO src.meta (key, value) VALUES ('x', 'y')")
    finally:
        plain.close()
        target.close()
