"""One identity per register event however it arrived (issue 16): export -> import ->
export is byte-identical after typed events, corrections and withdrawals; a withdrawn or
corrected event stays in the history but leaves the current status and the export; dates
after today are refused unless asked for."""

from __future__ import annotations

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

from helpers.shared_files import shared_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.errors import BadInput
from fieldkit.register import (
    add_event,
    correct_event,
    export_entries,
    import_register,
    list_recommendations,
    timeline,
    withdraw_event,
)
from fieldkit.register.reference import load
from fieldkit.store import Store

SEED_000 = shared_file("seeds/000_df0ad699e43dac57.txt")
SEED_TEXT = SEED_000.read_text(encoding="utf-8")
REC2 = "everyones_business_2014:2"


def test_export_then_import_adds_nothing_after_typed_events(cli, db_path: Path, tmp_path: Path):
    cli("register", "import", SEED_000, "--db", db_path)
    for args in (
        ("--on", "2018-01-01", "--comment", "Checked again."),
        ("--on", "2018-02-01", "--status", "in-progress"),
        ("--on", "2018-03-01", "--comment", "Reviewed at the NOG."),
    ):
        assert cli("register", "add-event", "2321", *args, "--db", db_path).exit_code == 0
    out = tmp_path / "out.txt"
    assert cli("register", "export", "-o", out, "--db", db_path).exit_code == 0
    r = cli("register", "import", out, "--db", db_path)
    assert r.exit_code == 0 and "0 new entries, 0 new of 6 events" in r.stdout
    show = json.loads(cli("register", "show", "2321", "--json", "--db", db_path).stdout)
    bodies = [e["body"] for e in show["timeline"]]
    assert len(bodies) == len(set(bodies))  # each typed event once
    again = tmp_path / "again.txt"
    cli("register", "export", "-o", again, "--db", db_path)
    assert again.read_bytes() == out.read_bytes()


def test_export_refuses_an_existing_file_and_writes_owner_only(
    cli, db_path: Path, tmp_path: Path
) -> None:
    cli("register", "import", SEED_000, "--db", db_path)
    team = tmp_path / "team.db"
    cli("init", "--db", team)
    before = team.read_bytes()
    r = cli("register", "export", "--output", team, "--db", db_path)
    assert r.exit_code == 2 and "already exists; use --overwrite" in r.stderr
    assert team.read_bytes() == before
    out = tmp_path / "out.txt"
    assert cli("register", "export", "-o", out, "--db", db_path).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert cli("register", "export", "-o", out, "--overwrite", "--db", db_path).exit_code == 0
    assert out.read_text(encoding="utf-8") == SEED_TEXT


def test_export_of_a_recommendation_without_an_entry_says_why(cli, db_path: Path) -> None:
    cli("init", "--db", db_path)
    r = cli("register", "export", "eb2014:1", "--db", db_path)
    assert r.exit_code == 1 and r.stdout == ""
    assert "nothing to export: no register entry is imported for eb2014:1" in r.stderr


def test_future_date_refused_unless_allowed_and_a_mistake_corrected(cli, db_path: Path) -> None:
    cli("register", "import", SEED_000, "--db", db_path)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    r = cli("register", "add-event", "eb2014:3", "--on", "2081-01-01", "--status", "complete",
            "--db", db_path)  # fmt: skip
    assert r.exit_code == 2 and "2081-01-01 is in the future" in r.stderr
    r = cli("register", "add-event", "eb2014:3", "--on", tomorrow, "--status", "complete",
            "--allow-future", "--db", db_path)  # fmt: skip
    assert r.exit_code == 0
    event_id = r.stdout.strip().rsplit("(", 1)[1].rstrip(")")
    cli("register", "add-event", "eb2014:3", "--on", "2016-01-01", "--status", "outstanding",
        "--db", db_path)  # fmt: skip
    rows = {
        r["ref"]: r for r in json.loads(cli("register", "list", "--json", "--db", db_path).stdout)
    }
    assert rows["eb2014:3"]["status_since"] == tomorrow  # the mistake wins until put right
    r = cli("register", "correct", event_id[:8], "--on", "2016-02-01", "--reason", "typo",
            "--db", db_path)  # fmt: skip
    assert r.exit_code == 0 and "corrected by" in r.stdout
    rows = {
        r["ref"]: r for r in json.loads(cli("register", "list", "--json", "--db", db_path).stdout)
    }
    assert (rows["eb2014:3"]["current_status"], rows["eb2014:3"]["status_since"]) == (
        "complete",
        "2016-02-01",
    )
    show = json.loads(cli("register", "show", "eb2014:3", "--json", "--db", db_path).stdout)
    [gone] = [e for e in show["timeline"] if e["withdrawn"]]
    assert (gone["event_date"], gone["withdrawn_reason"]) == (tomorrow, "typo")
    assert gone["replaced_by"] is not None
    assert "[withdrawn]" in cli("register", "show", "eb2014:3", "--db", db_path).stdout


def test_withdrawn_comment_leaves_the_export_but_stays_in_the_history(store: Store) -> None:
    import_register(store, [SEED_000])
    added = add_event(store, "2321", "2018-01-01", comment="Spoke to Jane Doe at home.")
    assert "Jane Doe" in export_entries(store.conn)
    withdraw_event(store, added.event_id, reason="personal-data")
    assert "Jane Doe" not in export_entries(store.conn)
    assert "Jane Doe" in export_entries(store.conn, include_withdrawn=True)
    history = [e for e in timeline(store.conn, REC2) if e["source"] == "manual"]
    assert [(e["body"], e["withdrawn"]) for e in history] == [("Spoke to Jane Doe at home.", 1)]
    assert export_entries(store.conn) == SEED_TEXT


# ------------------------------------------------------------- random event histories
STATUSES = list(load().status_slugs)
DAY = st.dates(min_value=date(2014, 1, 1), max_value=date(2020, 12, 31)).map(date.isoformat)
TEXT = st.text(alphabet="abcdefghij ABC.,\n", min_size=1, max_size=20).filter(lambda t: t.strip())
OP = st.one_of(
    st.tuples(st.just("status"), DAY, st.sampled_from(STATUSES)),
    st.tuples(st.just("comment"), DAY, TEXT),
    st.tuples(st.just("withdraw"), st.integers(0, 50), st.none()),
    st.tuples(st.just("correct"), st.integers(0, 50), DAY),
)


def _apply(store: Store, ops: list[tuple]) -> None:
    for kind, a, b in ops:
        try:
            if kind in ("status", "comment"):
                add_event(store, "2321", a, **{kind: b})
                continue
            live = [e for e in timeline(store.conn, REC2) if not e["withdrawn"]]
            if not live:
                continue
            target = live[a % len(live)]["event_id"]
            if kind == "withdraw":
                withdraw_event(store, target)
            else:
                correct_event(store, target, on=b)
        except BadInput:
            continue  # a repeat of a withdrawn event, or a correction that changes nothing


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(OP, max_size=12))
def test_round_trip_is_byte_identical_after_any_history(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with Store.open(tmp / "a.db", create=True) as a:
            import_register(a, [SEED_000])
            _apply(a, ops)
            first = export_entries(a.conn)
            status = {r["rec_id"]: r["current_status"] for r in list_recommendations(a.conn)}
            (tmp / "out.txt").write_text(first, encoding="utf-8")
            again = import_register(a, [tmp / "out.txt"])
            assert (again.new_entries, again.new_events) == (0, 0)
            assert export_entries(a.conn) == first
            assert {
                r["rec_id"]: r["current_status"] for r in list_recommendations(a.conn)
            } == status
        with Store.open(tmp / "b.db", create=True) as b:
            import_register(b, [tmp / "out.txt"])
            assert export_entries(b.conn) == first


def test_withdrawal_reason_is_from_a_list_not_free_text(cli, db_path: Path) -> None:
    cli("register", "import", SEED_000, "--db", db_path)
    r = cli(
        "register", "add-event", "2321", "--on", "2018-01-01", "--comment", "x", "--db", db_path
    )
    event_id = r.stdout.strip().rsplit("(", 1)[1].rstrip(")")
    r = cli("register", "withdraw", event_id, "--reason", "Jane Doe asked", "--db", db_path)
    assert r.exit_code == 2 and "unknown reason 'Jane Doe asked' (known: typo" in r.stderr
    r = cli("register", "withdraw", event_id, "--reason", "personal data", "--db", db_path)
    assert r.exit_code == 0 and "withdrawn" in r.stdout
