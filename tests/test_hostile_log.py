"""Hostile and careless sources (issue 11): each crafted with plain sqlite3, each ending in
a correct merge or in one line, exit 2, and every file byte for byte as it was."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from helpers.hostile import edit, forge, laptop, refused, rows, sign

from fieldkit.store import Store
from fieldkit.store.log import COUNTER_BITS, hlc_now
from fieldkit.sync import merge

NOW_MS = hlc_now(0) >> COUNTER_BITS
DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A team database that already holds bob's work; amy's laptop is merged next."""
    laptop(tmp_path / "amy.db", "amy")
    laptop(tmp_path / "bob.db", "bob", ref="CR/15/2")
    path = tmp_path / "team.db"
    merge([tmp_path / "bob.db"], path)
    return path


# ---------------------------------------------------------------------------- clocks
@pytest.mark.parametrize(
    ("clock", "said"),
    [
        ((1 << 63) - 1, "beyond any real date"),
        # (the column's INTEGER affinity stores whole numbers as integers whatever their
        # type: a clock that stays REAL or TEXT is a fraction or not a number at all)
        (NOW_MS / 1000 + 0.5, "a fraction (REAL)"),
        ("2015-06-30T10:00:00", "text"),
        ((4102444800000 << COUNTER_BITS), "years ahead of this machine's clock"),  # 2100
    ],
    ids=["2^63-1", "real", "text", "year-2100"],
)
def test_a_poisoned_clock_is_refused(cli, team: Path, clock: object, said: str) -> None:
    amy = team.parent / "amy.db"
    forge(amy, hlc=clock)
    line = refused(cli, team.parent, "merge", amy, "--into", team)
    assert said in line and "1 change(s) from device" in line and "amy.db" in line
    # a new team database is not made either
    refused(cli, team.parent, "merge", amy, "--into", team.parent / "new.db")


def test_a_laptop_clock_days_ahead_merges_only_when_allowed(cli, team: Path) -> None:
    amy = team.parent / "amy.db"
    for n in range(3):
        forge(amy, hlc=(NOW_MS + 3 * DAY_MS + n) << COUNTER_BITS, value=f"ahead {n}")
    sign(amy)  # written by the laptop itself, its clock wrong: signed with its own key
    line = refused(cli, team.parent, "merge", amy, "--into", team)
    assert "3 change(s) from device" in line
    # (3 days ahead of when this module was imported: a little less by now)
    assert ("up to 3 days" in line or "up to 2 days 23 hours" in line) and "allowed: 1 day" in line
    assert "--allow-clock-skew 4d" in line
    assert cli("merge", amy, "--into", team, "--allow-clock-skew", "4d").exit_code == 0
    with Store.open(team, readonly=True) as s:
        assert s.counts()["changes"] == len(rows(amy)) + len(rows(team.parent / "bob.db"))
    bad = cli("merge", amy, "--into", team, "--allow-clock-skew", "soon")
    assert bad.exit_code == 2 and "not a duration" in bad.stderr


def test_the_greatest_clock_cannot_be_let_in_even_with_skew_allowed(cli, team: Path) -> None:
    amy = team.parent / "amy.db"
    forge(amy, hlc=(1 << 63) - 1)
    line = refused(cli, team.parent, "merge", amy, "--into", team, "--allow-clock-skew", "9999y")
    assert "beyond any real date" in line


def test_a_local_write_after_a_poisoned_clock_does_not_overflow(tmp_path: Path) -> None:
    """A database poisoned before merges checked clocks still takes writes."""
    path = laptop(tmp_path / "old.db", "amy")
    edit(path, f"UPDATE meta SET value = '{(1 << 63) - 1}' WHERE key = 'hlc'")
    with Store.open(path) as s:
        rid = s.records()[0]["record_id"]
        s.set_answer(rid, "cf_da_flag", "no")
        s.set_answer(rid, "cf_da_flag", "yes")
        assert s.answers(rid)[("cf_da_flag", "")] == "yes"
        assert s.conn.execute("SELECT max(hlc) FROM changes").fetchone()[0] < (1 << 63)


# ---------------------------------------------------------------------- change ids
def test_same_id_different_content_is_refused_in_either_order(cli, tmp_path: Path) -> None:
    e1 = laptop(tmp_path / "e1.db", "amy")
    e2 = tmp_path / "e2.db"
    shutil.copyfile(e1, e2)
    edit(e2, "UPDATE changes SET value = 'no' WHERE field = 'cf_da_flag'")
    team = tmp_path / "team.db"
    for first, second in ((e1, e2), (e2, e1)):
        line = refused(cli, tmp_path, "merge", first, second, "--into", team)
        assert "e1.db" in line and "e2.db" in line and "cf_da_flag" not in line
        assert not team.exists()
    merge([e1], team)
    line = refused(cli, tmp_path, "merge", e2, "--into", team)
    assert "e2.db" in line and "team.db" in line
    with Store.open(team, readonly=True) as s:
        rid = s.records()[0]["record_id"]
        assert s.answers(rid)[("cf_da_flag", "")] == "yes"


def test_of_two_bad_sources_the_first_is_named_whatever_check_finds_it(cli, tmp_path: Path) -> None:
    """Digests are checked beside the reading of the next source: an edited first source is
    still the one named when the second has a poisoned clock (same files, same line)."""
    first = laptop(tmp_path / "first.db", "amy")
    edit(first, "UPDATE changes SET value = 'no' WHERE field = 'cf_da_flag'")
    second = laptop(tmp_path / "second.db", "bob", ref="CR/15/2")
    forge(second, hlc=(1 << 63) - 1)
    for _ in range(3):
        line = refused(cli, tmp_path, "merge", first, second, "--into", tmp_path / "team.db")
        assert f"{first}: change " in line and "does not match its content" in line
    line = refused(cli, tmp_path, "merge", second, first, "--into", tmp_path / "team.db")
    assert f"{second}: 1 change(s)" in line and "beyond any real date" in line


def test_a_null_change_id_is_refused(cli, team: Path) -> None:
    amy = team.parent / "amy.db"
    [last] = rows(amy, "id IN (SELECT id FROM chain_heads)")
    edit(  # the log's table made again without its constraints, then one id blanked
        amy,
        "PRAGMA legacy_alter_table = ON",  # the views over the log are not checked mid-way
        "CREATE TABLE loose AS SELECT * FROM changes",
        "DROP TABLE changes",
        "ALTER TABLE loose RENAME TO changes",
        ("UPDATE changes SET id = NULL WHERE id = ?", (last[0],)),
    )
    for _ in range(2):  # refused every time, not added once per merge
        line = refused(cli, team.parent, "merge", amy, "--into", team)
        assert "1 change(s) with no id" in line


# ------------------------------------------------------------------ chains, verify
def _edited(path: Path) -> bytes:
    [r] = rows(path, "field = 'cf_da_flag'")
    edit(path, ("UPDATE changes SET value = 'no' WHERE id = ?", (r[0],)))
    return r[0]


def _deleted_middle(path: Path) -> bytes:
    r = rows(path)[2]
    edit(path, ("DELETE FROM changes WHERE id = ?", (r[0],)))
    return r[0]


def _deleted_last(path: Path) -> bytes:
    r = rows(path)[-1]
    edit(path, ("DELETE FROM changes WHERE id = ?", (r[0],)))
    return r[0]


def _reordered(path: Path) -> bytes:
    """Two changes swap places in the device's sequence."""
    a, b = rows(path)[1:3]
    edit(
        path,
        ("UPDATE changes SET seq = -1 WHERE id = ?", (a[0],)),
        ("UPDATE changes SET seq = ? WHERE id = ?", (a[2], b[0])),
        ("UPDATE changes SET seq = ? WHERE id = ?", (b[2], a[0])),
    )
    return a[0]


TAMPERING = {
    "edited": _edited,
    "deleted": _deleted_middle,
    "deleted-last": _deleted_last,
    "reordered": _reordered,
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_verify_names_the_change_a_plain_sqlite3_edit_broke(cli, team: Path, how: str) -> None:
    amy = team.parent / "amy.db"
    assert cli("verify", "--db", amy).exit_code == 0
    broken = TAMPERING[how](amy).hex()
    result = cli("verify", "--db", amy)
    assert result.exit_code == 1
    assert broken in result.output and "BROKEN" in result.output
    report = json.loads(cli("verify", "--db", amy, "--json").output)
    assert report["ok"] is False and any(broken in p for p in report["problems"])
    line = refused(cli, team.parent, "merge", amy, "--into", team)
    assert "amy.db" in line and "refused" in line


@pytest.mark.slow
def test_verify_names_a_register_row_edited_with_sqlite3(cli, demo_copy: Path) -> None:
    """Register and plan rows are keyed by their content: one edited in place no longer
    matches its key, and verify says which (the log itself still holds)."""
    report = json.loads(cli("verify", "--db", demo_copy, "--json").output)
    assert report["ok"] is True and report["register_rows"] > 0
    with closing(sqlite3.connect(demo_copy)) as conn, conn:
        event = conn.execute(
            "SELECT event_id FROM rec_events WHERE kind = 'status' LIMIT 1"
        ).fetchone()[0]
        conn.execute("UPDATE rec_events SET status_slug = 'achieved' WHERE event_id = ?", (event,))
    result = cli("verify", "--db", demo_copy)
    assert result.exit_code == 1
    assert f"rec_events row '{event}' does not match its content" in result.output
    report = json.loads(cli("verify", "--db", demo_copy, "--json").output)
    assert report["ok"] is False and [p for p in report["problems"] if event in p]


@pytest.mark.slow
def test_verify_passes_on_what_fieldkit_makes(cli, tmp_path: Path, demo_copy: Path) -> None:
    a = laptop(tmp_path / "a.db", "amy")
    b = laptop(tmp_path / "b.db", "bob")
    team = tmp_path / "team.db"
    merge([a, b], team)
    with Store.open(a) as s:  # edits after a merge: parents from another device
        rid = s.records()[0]["record_id"]
        s.set_answer(rid, "cf_da_flag", "no")
    merge([a], team)
    copy = tmp_path / "copy.db"
    shutil.copyfile(a, copy)  # a copy written on two machines: a fork, both kept
    for p, value in ((a, "yes"), (copy, "no")):
        with Store.open(p) as s:
            s.set_answer(rid, "cf_da_flag", value)
    merge([a, copy], team)
    for path in (a, b, team, copy, demo_copy):
        result = cli("verify", "--db", path, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["ok"] is True
    report = json.loads(cli("verify", "--db", team, "--json").output)
    assert sum(d["forks"] for d in report["devices"]) == 1
    with Store.open(team, readonly=True) as s:
        values = {v for (v,) in s.conn.execute("SELECT value FROM conflicts")}
        values |= {s.answers(rid)[("cf_da_flag", "")]}
    assert values == {"yes", "no"}  # neither copy's write is lost: one wins, one conflicts


@pytest.mark.slow
def test_the_log_digest_ties_a_figure_to_the_log(cli, demo_copy: Path) -> None:
    a = demo_copy
    digest = json.loads(cli("verify", "--db", a, "--json").output)["log_digest"]
    rows_ = json.loads(cli("report", "evidence", "--db", a, "--json").output)
    assert rows_ and {r["log_digest"] for r in rows_} == {digest}
    with Store.open(a) as s:
        front_desk = next(r for r in s.records() if r["checklist_id"] == "front_desk")
        s.set_note(front_desk["record_id"], "fd_open_at_visit", "seen again")
    assert json.loads(cli("verify", "--db", a, "--json").output)["log_digest"] != digest


# ------------------------------------------------------------------ scrubbed copies
def test_a_scrubbed_copy_and_its_original_are_refused_together(cli, tmp_path: Path) -> None:
    original = laptop(tmp_path / "original.db", "amy")
    shared = tmp_path / "shared.db"
    assert cli("scrub", "--db", original, "--out", shared).exit_code == 0
    assert cli("verify", "--db", shared).exit_code == 0
    team = tmp_path / "team.db"
    merge([shared], team)
    line = refused(cli, tmp_path, "merge", original, "--into", team)
    assert "original.db" in line and "scrubbed copy" in line
    team2 = tmp_path / "team2.db"
    merge([original], team2)
    line = refused(cli, tmp_path, "merge", shared, "--into", team2)
    assert "shared.db: is a scrubbed copy" in line
    refused(cli, tmp_path, "merge", original, shared, "--into", tmp_path / "team3.db")


OLD_SCHEMA = Path(__file__).parent / "fixtures" / "schema_v1.db"


@pytest.mark.parametrize("made", ["schema 1, never opened since", "opened by this fieldkit"])
def test_a_copy_an_older_scrub_made_is_refused_as_source_and_target(
    cli, tmp_path: Path, made: str
) -> None:
    """The first scrub kept its original's devices (and before schema 3, its change ids):
    such a copy beside its original would set blanked values beside the real ones, and
    nothing in its log tells them apart. It is refused whichever side of a merge it is on."""
    old = tmp_path / "old-shared.db"
    if made.startswith("schema 1"):
        shutil.copyfile(OLD_SCHEMA, old)
    else:
        laptop(old, "amy")
    old.chmod(0o600)
    with closing(sqlite3.connect(old)) as conn, conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('scrubbed_from', 'some-database')")
    other = laptop(tmp_path / "bob.db", "bob", ref="CR/15/2")
    line = refused(cli, tmp_path, "merge", old, "--into", tmp_path / "team.db")
    assert "old-shared.db: a copy scrubbed by an older fieldkit" in line
    assert "scrub the original again" in line
    refused(cli, tmp_path, "merge", other, "--into", old)


def test_copies_scrubbed_apart_are_refused_and_with_one_key_merge(cli, tmp_path: Path) -> None:
    original = laptop(tmp_path / "original.db", "amy")
    key = tmp_path / "team.key"
    key.write_text("correct horse battery staple\n")
    for name, extra in (
        ("s1", []),
        ("s2", []),
        ("k1", ["--key-file", key]),
        ("k2", ["--key-file", key]),
    ):
        assert (
            cli("scrub", "--db", original, "--out", tmp_path / f"{name}.db", *extra).exit_code == 0
        )
    line = refused(
        cli, tmp_path, "merge", tmp_path / "s1.db", tmp_path / "s2.db", "--into", tmp_path / "t.db"
    )
    assert "scrubbed apart" in line and "--key-file" in line
    team = tmp_path / "team.db"
    merge([tmp_path / "k1.db"], team)
    [again] = merge([tmp_path / "k2.db"], team)
    assert again.new_changes == 0  # one database scrubbed twice with one key: one log
    short = tmp_path / "short.key"
    short.write_text("tiny")
    bad = cli("scrub", "--db", original, "--out", tmp_path / "x.db", "--key-file", short)
    assert bad.exit_code == 2 and "at least 16 bytes" in bad.stderr


def test_one_case_on_two_laptops_scrubbed_with_one_key_is_still_one_case(
    cli, tmp_path: Path
) -> None:
    amy = laptop(tmp_path / "amy.db", "amy", ref="CR/15/77")
    bob = laptop(tmp_path / "bob.db", "bob", ref="cr/15/77 ")
    key = tmp_path / "team.key"
    key.write_bytes(b"0123456789abcdef-team-key")
    for p in (amy, bob):
        out = tmp_path / f"{p.stem}-shared.db"
        assert cli("scrub", "--db", p, "--out", out, "--key-file", key).exit_code == 0
    team = tmp_path / "team.db"
    merge([tmp_path / "amy-shared.db", tmp_path / "bob-shared.db"], team)
    result = json.loads(cli("conflicts", "--db", team, "--json").output)
    assert len(result["duplicates"]) == 1
    with closing(sqlite3.connect(team)) as conn:
        refs = {v for (v,) in conn.execute("SELECT value FROM cells WHERE field = 'cf_crime_ref'")}
    assert len(refs) == 1 and "77" not in refs.pop()


# ---------------------------------------------------------------- the chains' tips
def test_a_source_whose_record_of_its_tips_leaves_out_changes_is_refused(cli, team: Path) -> None:
    """A source whose every chain tip the team holds brings nothing and is not read for
    changes; one that holds more than its tips say (its chain_heads edited back) is
    refused, not merged short."""
    bob = team.parent / "bob.db"
    [old_tip] = rows(bob, "id IN (SELECT id FROM chain_heads)")
    with Store.open(bob) as s:  # bob goes on working after the merge ...
        s.set_answer(s.records()[0]["record_id"], "cf_da_flag", "no")
    [new_tip] = rows(bob, "id IN (SELECT id FROM chain_heads)")
    edit(  # ... and his record of his latest change is set back to before it
        bob,
        ("DELETE FROM chain_heads WHERE id = ?", (new_tip[0],)),
        ("INSERT INTO chain_heads (id) VALUES (?)", (old_tip[0],)),
    )
    line = refused(cli, team.parent, "merge", bob, "--into", team)
    assert "bob.db: holds 1 change(s)" in line and "leaves out" in line
    edit(bob, "DELETE FROM chain_heads", ("INSERT INTO chain_heads (id) VALUES (?)", (new_tip[0],)))
    assert cli("merge", bob, "--into", team).exit_code == 0
    with Store.open(team, readonly=True) as s:
        assert s.answers(s.records()[0]["record_id"])[("cf_da_flag", "")] == "no"


def test_a_source_without_its_record_of_tips_is_refused_in_its_turn(cli, tmp_path: Path) -> None:
    """The merge asks each source for its chains' tips before reading it; one that cannot
    answer (its chain_heads table dropped) is refused in its turn, so an edited source
    before it is still the one named."""
    first = laptop(tmp_path / "first.db", "amy")
    edit(first, "UPDATE changes SET value = 'no' WHERE field = 'cf_da_flag'")
    second = laptop(tmp_path / "second.db", "bob", ref="CR/15/2")
    edit(second, "DROP TABLE chain_heads")
    line = refused(cli, tmp_path, "merge", first, second, "--into", tmp_path / "team.db")
    assert f"{first}: change " in line and "does not match its content" in line
    line = refused(cli, tmp_path, "merge", second, first, "--into", tmp_path / "team.db")
    assert f"{second}: unreadable" in line and "chain_heads" in line
