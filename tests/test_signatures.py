"""Signed change logs (issue 22): device keys, verify checking signatures, the forgeries
an insider could make without a device's private key, trusted and revoked keys."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from helpers.forgery import append, fieldwork, resign, rewrite
from helpers.hostile import refused

from fieldkit.store import Store, keys
from fieldkit.sync import merge

OLD_SCHEMA = Path(__file__).parent / "fixtures" / "schema_v1.db"


def broken(cli, path: Path) -> str:
    """verify's output for a log that must not hold (exit 1)."""
    result = cli("verify", "--db", path)
    assert result.exit_code == 1, result.output
    assert "the log does NOT hold" in result.output
    return result.output


def first_change(path: Path, device_of_record: bool = True) -> tuple[bytes, str]:
    """The first change (seq 1) of the device that wrote the first record, and its device."""
    with closing(sqlite3.connect(path)) as conn:
        (device,) = conn.execute(
            "SELECT device_id FROM changes WHERE kind = 'record' ORDER BY hlc LIMIT 1"
        ).fetchone()
        (ident,) = conn.execute(
            "SELECT id FROM changes WHERE device_id = ? ORDER BY seq LIMIT 1", (device,)
        ).fetchone()
    return ident, device


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """amy's laptop, and a team database that holds (and so trusts) her work."""
    fieldwork(tmp_path / "amy.db", "amy")
    team = tmp_path / "team.db"
    merge([tmp_path / "amy.db"], team)
    return team


def test_a_device_signs_what_it_writes_and_verify_says_with_which_key(cli, team: Path) -> None:
    amy = team.parent / "amy.db"
    mine = keys.signer().fingerprint
    for path in (amy, team):
        report = json.loads(cli("verify", "--db", path, "--json").output)
        assert report["ok"] is True
        assert [d["key"] for d in report["devices"]] == [mine]
        assert [d["inspector"] for d in report["devices"]] == ["amy"]
    with closing(sqlite3.connect(amy)) as conn:
        assert conn.execute("SELECT count(*) FROM signatures").fetchone()[0] == 1  # the tip's
        first = conn.execute("SELECT record_id, field, value FROM changes WHERE seq = 1").fetchone()
    assert first == ("device", "key", keys.signer().public_hex)
    key = keys.key_path()
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_bytes() not in amy.read_bytes()


def test_the_append_forgery_is_caught(cli, team: Path) -> None:
    forged = team.parent / "forged.db"
    shutil.copyfile(team.parent / "amy.db", forged)
    first = append(forged, 40)
    out = broken(cli, forged)
    assert f"change {first.hex()}" in out and "not covered by a signature" in out
    assert "40 change(s)" in out
    line = refused(cli, team.parent, "merge", forged, "--into", team)
    assert f"change {first.hex()}" in line and "inspector amy" in line
    assert f"key {keys.signer().fingerprint}" in line and "not signed by its key" in line
    refused(cli, team.parent, "merge", forged, "--into", team.parent / "fresh.db")


def test_the_rewrite_forgery_is_caught(cli, team: Path) -> None:
    forged = team.parent / "forged.db"
    shutil.copyfile(team.parent / "amy.db", forged)
    rewrite(forged, 200)
    first, device = first_change(forged)
    out = broken(cli, forged)
    assert f"change {first.hex()} (device {device}, seq 1): not covered by a signature" in out
    line = refused(cli, team.parent, "merge", forged, "--into", team)
    assert device in line and "inspector amy" in line and "not signed by its key" in line
    refused(cli, team.parent, "merge", forged, "--into", team.parent / "fresh.db")
    with Store.open(team, readonly=True) as s:
        assert not s.conn.execute("SELECT 1 FROM cells WHERE value = 'forged'").fetchone()


def test_a_log_re_signed_with_a_new_key_is_refused_by_a_team_that_knows_the_device(
    cli, team: Path
) -> None:
    forged = team.parent / "forged.db"
    shutil.copyfile(team.parent / "amy.db", forged)
    thief = keys.from_seed(b"someone else's key")
    resign(forged, thief)
    _, device = first_change(forged)
    line = refused(cli, team.parent, "merge", forged, "--into", team)
    assert f"device {device} (inspector amy)" in line
    assert thief.fingerprint in line and keys.signer().fingerprint in line
    assert "re-signed" in line
    # even with --trust-new: the team knows the device by its own key
    refused(cli, team.parent, "merge", forged, "--into", team, "--trust-new")


def test_an_unknown_key_is_refused_then_trusted(cli, team: Path) -> None:
    directory = team.parent
    for name in ("bob", "carol"):
        key = directory / "keys" / f"{name}.key"
        assert cli("--key-file", key, "init", "--db", directory / f"{name}.db", "--inspector", name)
        fieldwork_as(cli, directory / f"{name}.db", key)
    bob = keys.signer(directory / "keys" / "bob.key").fingerprint
    carol = keys.signer(directory / "keys" / "carol.key").fingerprint
    line = refused(cli, directory, "merge", directory / "bob.db", "--into", team)
    assert "inspector bob" in line and bob in line and "is not trusted by team.db" in line
    assert f"keys trust {bob}" in line and "--trust-new" in line
    listed = json.loads(cli("keys", "list", "--db", directory / "bob.db", "--json").output)
    assert [d["fingerprint"] for d in listed["devices"]] == [bob]
    assert cli("keys", "trust", bob[:12], "--db", team).exit_code == 2  # not met: whole one
    result = cli("keys", "trust", bob, "--db", team)
    assert result.exit_code == 0 and f"trusted: key {bob}" in result.output
    result = cli("merge", directory / "bob.db", "--into", team)
    assert result.exit_code == 0, result.output
    refused(cli, directory, "merge", directory / "carol.db", "--into", team)
    result = cli("merge", directory / "carol.db", "--into", team, "--trust-new")
    assert result.exit_code == 0, result.output
    assert f"trusted key {carol}" in result.output
    listed = json.loads(cli("keys", "list", "--db", team, "--json").output)
    status = {d["inspector"]: d["status"] for d in listed["devices"] if d["device"]}
    assert status == {"amy": "this device", "bob": "trusted", "carol": "trusted"}


def fieldwork_as(cli, path: Path, key: Path) -> None:
    """Write a record to a database with another device key (as the CLI would)."""
    import os

    os.environ["FIELDKIT_KEY"] = str(key)
    try:
        with Store.open(path) as s:
            rid = s.create_record("case_file_review", "kent")
            s.set_answer(rid, "cf_crime_ref", f"CR/{path.stem}/1")
    finally:
        os.environ["FIELDKIT_KEY"] = ""


def test_a_team_trusts_the_first_keys_it_meets_and_the_keyring_merges_back(
    cli, tmp_path: Path
) -> None:
    laptops = []
    for name in ("amy", "bob"):
        key = tmp_path / f"{name}.key"
        assert cli("--key-file", key, "init", "--db", tmp_path / f"{name}.db", "--inspector", name)
        fieldwork_as(cli, tmp_path / f"{name}.db", key)
        laptops.append(tmp_path / f"{name}.db")
    lead = tmp_path / "lead.key"
    result = cli("--key-file", lead, "merge", *laptops, "--into", tmp_path / "team.db")
    assert result.exit_code == 0, result.output
    for name in ("amy", "bob"):
        fp = keys.signer(tmp_path / f"{name}.key").fingerprint
        assert (
            f"trusted key {fp} (device " in result.output and f"inspector {name})" in result.output
        )
    # back to amy's laptop: the team's keyring comes with it, and bob's work
    result = cli(
        "--key-file", tmp_path / "amy.key", "merge", tmp_path / "team.db", "--into", laptops[0]
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(
        cli("--key-file", tmp_path / "amy.key", "keys", "list", "--db", laptops[0], "--json").output
    )
    status = {r["fingerprint"]: r["status"] for r in listed["devices"]}
    assert status[keys.signer(tmp_path / "amy.key").fingerprint] == "this device"
    assert status[keys.signer(tmp_path / "bob.key").fingerprint] == "trusted"
    assert status[keys.signer(lead).fingerprint] == "trusted"  # the lead who decided


def test_a_revoked_key_signs_nothing_new(cli, tmp_path: Path) -> None:
    key = tmp_path / "bob.key"
    bob = tmp_path / "bob.db"
    assert cli("--key-file", key, "init", "--db", bob, "--inspector", "bob")
    fieldwork_as(cli, bob, key)
    team = tmp_path / "team.db"
    assert cli("merge", bob, "--into", team).exit_code == 0
    fp = keys.signer(key).fingerprint
    result = cli("keys", "revoke", fp, "--db", team, "--from", "2020-01-01")
    assert result.exit_code == 0 and "revoked" in result.output
    fieldwork_as(cli, bob, key)  # the laptop, stolen, goes on writing
    line = refused(cli, tmp_path, "merge", bob, "--into", team)
    assert fp in line and "revoked from 2020-01-01" in line and "inspector bob" in line
    listed = json.loads(cli("keys", "list", "--db", team, "--json").output)
    assert any(r["status"].startswith("revoked from 2020-01-01") for r in listed["devices"])
    assert cli("keys", "revoke", fp, "--db", team, "--from", "soon").exit_code == 2
    assert cli("keys", "trust", "0000000000000000", "--db", team).exit_code == 2


def test_an_upgraded_database_is_vouched_for_and_the_forgeries_are_still_caught(
    cli, tmp_path: Path
) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(OLD_SCHEMA, old)
    old.chmod(0o600)
    result = cli("init", "--db", old)
    assert result.exit_code == 0, result.output
    assert f"vouched for by this device's key {keys.signer().fingerprint}" in result.stderr
    report = json.loads(cli("verify", "--db", old, "--json").output)
    assert report["ok"] is True
    assert report["devices"][0]["vouched_by"] == [keys.signer().fingerprint]
    team = tmp_path / "team.db"
    assert cli("merge", old, "--into", team).exit_code == 0
    for name, forge in (("append", lambda p: append(p, 40)), ("rewrite", lambda p: rewrite(p, 8))):
        forged = tmp_path / f"{name}.db"
        shutil.copyfile(old, forged)
        forge(forged)
        assert "not covered by a signature" in broken(cli, forged)
        line = refused(cli, tmp_path, "merge", forged, "--into", team)
        assert "not signed by its key" in line


def test_a_scrubbed_copy_is_signed_by_whoever_scrubs_it(cli, tmp_path: Path) -> None:
    amy_key = tmp_path / "amy.key"
    amy = tmp_path / "amy.db"
    assert cli("--key-file", amy_key, "init", "--db", amy, "--inspector", "amy")
    fieldwork_as(cli, amy, amy_key)
    shared = tmp_path / "shared.db"
    assert cli("scrub", "--db", amy, "--out", shared).exit_code == 0
    report = json.loads(cli("verify", "--db", shared, "--json").output)
    assert report["ok"] is True
    assert {d["key"] for d in report["devices"]} == {keys.signer().fingerprint}
    with closing(sqlite3.connect(shared)) as conn:
        named = conn.execute("SELECT value FROM meta WHERE key = 'scrubbed_from_key'").fetchone()
    assert named == (keys.signer(amy_key).fingerprint,)
    assert cli("merge", shared, "--into", tmp_path / "team.db").exit_code == 0


def test_a_database_copied_to_a_machine_with_another_key_writes_as_a_new_device(
    cli, tmp_path: Path
) -> None:
    amy = fieldwork(tmp_path / "amy.db", "amy", records=1)
    fieldwork_as(cli, amy, tmp_path / "other-machine.key")
    report = json.loads(cli("verify", "--db", amy, "--json").output)
    assert report["ok"] is True and len(report["devices"]) == 2
    assert {d["key"] for d in report["devices"]} == {
        keys.signer().fingerprint,
        keys.signer(tmp_path / "other-machine.key").fingerprint,
    }
