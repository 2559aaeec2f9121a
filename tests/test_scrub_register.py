"""`fieldkit scrub` and the register: the rows scrub blanks get the keys their new content
has (and every row naming them follows), so a scrubbed copy passes the same merge check as
any database, and a row edited after the scrub is refused like anywhere else."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from fieldkit.privacy.database import scrub
from fieldkit.register import (
    add_event,
    add_evidence,
    assign,
    correct_event,
    new_plan,
    set_rag,
    withdraw_event,
)
from fieldkit.store import Store
from fieldkit.store.rowkeys import ROW_KEYS, row_key

Cli = Callable[..., Result]
KEY = b"one team key, shared by every laptop"


def files(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def register_rows(path: Path) -> dict[str, list[dict]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
            for table in ROW_KEYS
        }
    finally:
        conn.close()


def laptop(path: Path, comment: str, note: str) -> Path:
    """A database whose register and plan rows hold free text scrub blanks: a comment, a
    withdrawn comment, a RAG rating with a note, evidence and an owner."""
    with Store.create(path, inspector="ann") as s:
        add_event(s, "eb2014:2", "2018-02-01", status="outstanding")
        add_event(s, "eb2014:7", "2015-10-01", comment=comment)
        slip = add_event(s, "eb2014:7", "2015-11-02", comment="Ask Jane Smith on 07700 900123")
        withdraw_event(s, slip.event_id, reason="personal-data")
        add_event(s, "eb2014:8", "2015-12-05", comment="Board met.")
        typo = add_event(s, "eb2014:8", "2015-12-05", comment="Plan singed off.")
        correct_event(s, typo.event_id, comment="Plan signed off.", reason="typo")
        new_plan(s, "kent")
        set_rag(s, "kent:s01", "2018-06-01", "amber", note=note)
        add_evidence(s, "kent:s01", "2018-06-02", "Minutes of the board, J. Bloggs")
        assign(s, "kent:s01", "2018-06-03", owner="DCI Jane Smith")
    return path


@pytest.fixture
def scrubbed(tmp_path: Path) -> tuple[Path, Path]:
    src = laptop(tmp_path / "src.db", "Pay link not taken forward.", "Slipped: sickness")
    dst = tmp_path / "share" / "scrubbed.db"
    scrub(src, dst)
    return src, dst


def test_every_blanked_row_has_the_key_of_its_content(scrubbed: tuple[Path, Path]) -> None:
    src, dst = scrubbed
    before, after = register_rows(src), register_rows(dst)
    for table, (key, _, _) in ROW_KEYS.items():
        assert len(after[table]) == len(before[table]), table
        for row in after[table]:
            assert row[key] == row_key(table, row), (table, row)
    comments = [
        e for e in after["rec_events"] if e["source"] == "manual" and e["kind"] == "comment"
    ]
    assert len(comments) == 5
    assert all(e["comment_text"].startswith("(scrubbed ref-") for e in comments)
    # Different comments stay different (an event is its content); none keeps its old key.
    assert len({e["comment_text"] for e in comments}) == 5
    assert not {e["event_id"] for e in comments} & {e["event_id"] for e in before["rec_events"]}
    # Comments shipped with fieldkit (from the published reports) are public: kept as they are.
    shipped = [e for e in before["rec_events"] if e["source"] not in ("manual", "register")]
    assert shipped and all(e in after["rec_events"] for e in shipped)
    held = {e["event_id"] for e in after["rec_events"]}
    assert len(after["register_withdrawals"]) == 2
    for withdrawal in after["register_withdrawals"]:  # they follow the events they name
        assert withdrawal["target_id"] in held
        assert withdrawal["replaced_by"] in held | {None}
    plan_text = {(e["kind"], e["value"][:14], (e["note"] or "")[:14]) for e in after["plan_events"]}
    assert ("evidence", "(scrubbed ref-", "") in plan_text
    assert ("owner", "(scrubbed ref-", "") in plan_text
    assert ("rag", "amber", "(scrubbed ref-") in plan_text
    data = dst.read_bytes()
    for text in (b"Pay link", b"Jane Smith", b"sickness", b"Bloggs", b"singed", b"Board met"):
        assert text not in data


def test_a_scrubbed_copy_verifies_and_merges_into_an_empty_team(
    cli: Cli, scrubbed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, dst = scrubbed
    assert cli("verify", "--db", dst).exit_code == 0
    team = tmp_path / "team.db"
    result = cli("merge", dst, "--into", team)
    assert result.exit_code == 0, result.output
    assert cli("verify", "--db", team).exit_code == 0
    assert register_rows(team) == register_rows(dst)
    with Store.open(team, readonly=True) as t:
        history = t.conn.execute(
            "SELECT event_date, withdrawn FROM rec_event_history WHERE kind = 'comment' "
            "AND source = 'manual' ORDER BY event_date, withdrawn"
        ).fetchall()
        status = t.conn.execute(
            "SELECT current_status FROM rec_status WHERE ref = 'eb2014:2'"
        ).fetchone()
    # The withdrawn slip and the corrected typo are still withdrawn in the team's history;
    # the other comments, the correction among them, are not.
    assert history == [
        ("2015-10-01", 0),
        ("2015-11-02", 1),
        ("2015-12-05", 0),
        ("2015-12-05", 0),
        ("2015-12-05", 1),
    ]
    assert status == ("outstanding",)


FORGED = {
    # What scrub wrote before it re-keyed: the blanked comment under the original's key.
    "comment blanked under its old key": (
        "rec_events",
        "UPDATE rec_events SET event_id = (SELECT event_id FROM src.rec_events "
        "WHERE kind = 'comment' AND event_date = '2015-10-01') "
        "WHERE kind = 'comment' AND event_date = '2015-10-01'",
    ),
    "comment text edited after the scrub": (
        "rec_events",
        "UPDATE rec_events SET comment_text = 'Pay link taken forward.' "
        "WHERE kind = 'comment' AND event_date = '2015-10-01'",
    ),
    "plan note put back under the scrubbed key": (
        "plan_events",
        "UPDATE plan_events SET note = 'Slipped' WHERE kind = 'rag'",
    ),
    "withdrawal moved to the other comment": (
        "register_withdrawals",
        "UPDATE register_withdrawals SET target_id = (SELECT event_id FROM rec_events "
        "WHERE kind = 'comment' AND event_date = '2015-10-01') WHERE reason = 'personal-data'",
    ),
}


@pytest.mark.parametrize("case", list(FORGED))
def test_a_scrubbed_copy_edited_afterwards_is_refused(
    cli: Cli, scrubbed: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    """A scrubbed copy gets no exception: a row that does not match its key is refused in
    one line, exit 2, every file as it was (a new team file is not made)."""
    src, dst = scrubbed
    table, statement = FORGED[case]
    conn = sqlite3.connect(dst)
    conn.execute("ATTACH DATABASE ? AS src", (str(src),))
    assert conn.execute(statement).rowcount == 1
    conn.commit()
    conn.execute("DETACH DATABASE src")
    conn.close()
    folder = dst.parent
    before = files(folder)
    result = cli("merge", dst, "--into", folder / "team.db")
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "scrubbed.db" in line and f"{table} row" in line and "does not match" in line
    assert files(folder) == before


def test_copies_scrubbed_with_one_key_merge_as_their_team_would(cli: Cli, tmp_path: Path) -> None:
    """Scrubbing with a team key commutes with merging, register rows included: the scrubbed
    laptops merged hold the rows of the scrubbed team database."""
    one = laptop(tmp_path / "one.db", "First laptop's comment.", "Note one")
    two = laptop(tmp_path / "two.db", "Second laptop's comment.", "Note two")
    team = tmp_path / "team.db"
    assert cli("merge", one, two, "--into", team).exit_code == 0
    key_file = tmp_path / "team.key"
    key_file.write_bytes(KEY)
    for path in (one, two, team):
        out = path.with_suffix(".scrubbed")
        assert cli("scrub", "--db", path, "--out", out, "--key-file", key_file).exit_code == 0
    merged = tmp_path / "merged.db"
    result = cli(
        "merge", one.with_suffix(".scrubbed"), two.with_suffix(".scrubbed"), "--into", merged
    )
    assert result.exit_code == 0, result.output
    assert register_rows(merged) == register_rows(team.with_suffix(".scrubbed"))
