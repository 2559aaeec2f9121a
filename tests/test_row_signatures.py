"""Signed register rows and checklist definitions (issue 22, point 2): a register status or
a checklist definition added with plain sqlite3, without a device's private key, is named
by `verify` and refused by `merge`; an upgraded database is vouched for and still catches
them; a scrubbed copy is signed anew."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from helpers.hostile import edit, laptop, refused

from fieldkit.checklists import parse_stored
from fieldkit.register import add_event
from fieldkit.register.reference import event_row
from fieldkit.store import Store, keys, rowsigs
from fieldkit.store.schema import ITEM_COLUMNS, KEY_ITEM_COLUMNS, checklist_rows
from fieldkit.sync import merge


def typed(path: Path) -> Path:
    """amy's laptop: a case file and a register status typed through fieldkit."""
    laptop(path, "amy")
    with Store.open(path) as s:
        add_event(s, "eb2014:4", "2024-03-01", status="complete")
    return path


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """amy's laptop and a team database that holds it."""
    typed(tmp_path / "amy.db")
    team = tmp_path / "team.db"
    merge([tmp_path / "amy.db"], team)
    return team


def forge_status(path: Path) -> str:
    """A register status added with plain sqlite3 (its key made from it, as the writers
    make it): recommendation 8 'complete'. Returns its key."""
    row = event_row(
        rec="everyones_business_2014:8",
        reg_id=None,
        on="2024-04-01",
        date_text="1st April 2024",
        seq=0,
        kind="status",
        body="complete",
        source="manual",
    )
    cols = ", ".join(row)
    edit(
        path,
        (
            f"INSERT INTO rec_events ({cols}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        ),
    )
    return row["event_id"]


def forge_checklist(path: Path) -> None:
    """A new version of the case file review, one prompt changed, with its hash and its
    items as fieldkit derives them: added with plain sqlite3."""
    with closing(sqlite3.connect(path)) as conn:
        cid, version, title, definition = conn.execute(
            "SELECT id, version, title, definition FROM checklists WHERE id = 'case_file_review'"
            " ORDER BY version DESC LIMIT 1"
        ).fetchone()
    data = json.loads(definition)
    data["version"] = version + 1
    data["sections"][0]["items"][0]["prompt"] = "A prompt nobody signed"
    text = json.dumps(data)
    items, key_items = checklist_rows(parse_stored(text, "forged"))
    edit(
        path,
        (
            "INSERT INTO checklists (id, version, title, definition, hash) VALUES (?, ?, ?, ?, ?)",
            (cid, version + 1, title, text, hashlib.sha256(text.encode()).hexdigest()),
        ),
        *(
            (f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * 16)})", i)
            for i in items
        ),
        *(
            (
                f"INSERT INTO natural_key_items ({', '.join(KEY_ITEM_COLUMNS)}) VALUES (?, ?, ?, ?)",
                k,
            )
            for k in key_items
        ),
    )


def broken(cli, path: Path) -> str:
    result = cli("verify", "--db", path)
    assert result.exit_code == 1, result.output
    return result.output


def test_rows_written_through_fieldkit_are_signed_by_the_writing_device(cli, team: Path) -> None:
    amy = team.parent / "amy.db"
    with closing(sqlite3.connect(amy)) as conn:
        signed = conn.execute("SELECT tbl, public_key FROM row_signatures").fetchall()
    assert signed == [("rec_events", keys.signer().public)]
    for path in (amy, team):
        report = json.loads(cli("verify", "--db", path, "--json").output)
        assert report["ok"] is True, report["problems"]
        assert report["signed_rows"] > 20  # shipped ones need none; the typed one is signed


def test_a_forged_register_status_is_named_by_verify_and_refused_by_merge(cli, team: Path) -> None:
    forged = team.parent / "forged.db"
    shutil.copyfile(team.parent / "amy.db", forged)
    key = forge_status(forged)
    assert f"rec_events row '{key}' is not signed" in broken(cli, forged)
    line = refused(cli, team.parent, "merge", forged, "--into", team)
    assert f"rec_events row '{key}' is not signed" in line
    refused(cli, team.parent, "merge", forged, "--into", team.parent / "fresh.db")


def test_a_forged_checklist_definition_is_named_by_verify_and_refused_by_merge(
    cli, team: Path
) -> None:
    forged = team.parent / "forged.db"
    shutil.copyfile(team.parent / "amy.db", forged)
    forge_checklist(forged)
    out = broken(cli, forged)
    assert 'checklists row \'["case_file_review"' in out and "is not signed" in out
    line = refused(cli, team.parent, "merge", forged, "--into", team, "--trust-new")
    assert "checklists row" in line and "is not signed" in line


def test_a_signature_copied_onto_another_row_does_not_verify(cli, team: Path) -> None:
    forged = team.parent / "forged.db"
    shutil.copyfile(team.parent / "amy.db", forged)
    key = forge_status(forged)
    edit(forged, ("UPDATE row_signatures SET row_key = ?", (key,)))
    assert f"the signature on rec_events row '{key}' does not verify" in broken(cli, forged)
    line = refused(cli, team.parent, "merge", forged, "--into", team)
    assert "does not verify" in line


@pytest.mark.slow  # (about 3 s: a laptop made, a register event typed, three merges)
def test_rows_signed_by_an_unknown_key_wait_for_trust(
    cli, team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = team.parent / "bob.db"
    bob_key = team.parent / "bob.key"
    assert cli("--key-file", bob_key, "init", "--db", bob, "--inspector", "bob").exit_code == 0
    result = cli(
        "--key-file", bob_key, "register", "add-event", "eb2014:6", "--on", "2024-05-01",
        "--status", "complete", "--db", bob,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("FIELDKIT_KEY", "")  # (--key-file sets it in process)
    assert json.loads(cli("verify", "--db", bob, "--json").output)["ok"] is True
    line = refused(cli, team.parent, "merge", bob, "--into", team)
    assert keys.signer(bob_key).fingerprint in line and "not trusted" in line
    result = cli("merge", bob, "--into", team, "--trust-new")
    assert result.exit_code == 0, result.output
    assert json.loads(cli("verify", "--db", team, "--json").output)["ok"] is True


def downgrade_to_8(path: Path) -> None:
    """As a fieldkit before signed rows left it (schema 8)."""
    edit(
        path,
        "DROP TABLE row_signatures",
        "DELETE FROM _sqlite_migrations WHERE name = '0009_row_signatures'",
        "PRAGMA user_version = 8",
    )


@pytest.mark.slow  # (about 4 s: an upgrade, a merge, two forgeries verified and refused)
def test_an_upgraded_database_is_vouched_for_and_row_forgeries_are_still_caught(
    cli, tmp_path: Path
) -> None:
    old = typed(tmp_path / "old.db")
    downgrade_to_8(old)
    result = cli("init", "--db", old)
    assert result.exit_code == 0, result.output
    fp = keys.signer().fingerprint
    assert f"1 register, plan and checklist row(s) are vouched for by this device's key {fp}" in (
        result.stderr
    )
    assert json.loads(cli("verify", "--db", old, "--json").output)["ok"] is True
    team = tmp_path / "team.db"
    assert cli("merge", old, "--into", team).exit_code == 0
    for name, forge in (("status", forge_status), ("checklist", forge_checklist)):
        forged = tmp_path / f"{name}.db"
        shutil.copyfile(old, forged)
        forge(forged)
        assert "is not signed" in broken(cli, forged)
        assert "is not signed" in refused(cli, tmp_path, "merge", forged, "--into", team)


def test_a_scrubbed_copy_signs_its_rows_anew(cli, tmp_path: Path) -> None:
    amy = typed(tmp_path / "amy.db")
    scrubber = keys.from_seed(b"the scrubbing lead")
    from fieldkit.privacy.database import scrub

    shared = tmp_path / "shared.db"
    scrub(amy, shared, signer=scrubber)
    with closing(sqlite3.connect(shared)) as conn:
        signers = {r[0] for r in conn.execute("SELECT public_key FROM row_signatures")}
    assert signers == {scrubber.public}
    report = json.loads(cli("verify", "--db", shared, "--json").output)
    assert report["ok"] is True, report["problems"]


def test_shipped_rows_need_no_signature() -> None:
    shipped = rowsigs.shipped()
    assert {t for t, _ in shipped} == {"checklists", "rec_events"}
    assert sum(1 for t, _ in shipped if t == "rec_events") >= 20
