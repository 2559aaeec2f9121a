"""The team lead's path of issue 22, end to end through the command line: two laptops
(`init --inspector`, each with a key of its own), records captured, a sealed pack from
each, both packs merged into a new team database, `keys list` naming both inspectors, and
a third, unknown laptop's pack refused, then taken with `--trust-new`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.hostile import refused

from fieldkit.store import Store, keys


def recipient(key: Path) -> str:
    return next(ln.split(": ", 1)[1] for ln in key.read_text().splitlines() if "public key" in ln)


@pytest.mark.slow  # (three laptops, three packs and three merges through the command line)
def test_two_laptops_packs_merged_by_the_lead_and_an_unknown_third_waits_for_trust(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team_key = tmp_path / "team.key"
    assert cli("keys", "team-key", "--out", team_key).exit_code == 0
    to = recipient(team_key)
    fingerprints = {}
    for n, name in enumerate(("ann", "ben", "cal")):
        key, db = tmp_path / f"{name}.key", tmp_path / f"{name}.db"
        assert cli("--key-file", key, "init", "--db", db, "--inspector", name).exit_code == 0
        monkeypatch.setenv("FIELDKIT_KEY", str(key))  # (the laptop's own key)
        with Store.open(db) as s:
            rid = s.create_record("case_file_review", "kent")
            s.set_answer(rid, "cf_crime_ref", f"CR/15/{n}")
        result = cli("pack", "--db", db, "--to", to, "--out", tmp_path / f"{name}.pack")
        assert result.exit_code == 0, result.output
        fingerprints[name] = keys.signer(key).fingerprint
    monkeypatch.setenv("FIELDKIT_KEY", "")  # the lead's machine, its own key
    team = tmp_path / "team.db"
    packs = [tmp_path / "ann.pack", tmp_path / "ben.pack"]
    result = cli("merge", *packs, "--into", team, "--identity", team_key)
    assert result.exit_code == 0, result.output
    assert fingerprints["ann"] in result.output and fingerprints["ben"] in result.output
    listed = json.loads(cli("keys", "list", "--db", team, "--json").output)
    shown = {d["inspector"]: d["fingerprint"] for d in listed["devices"] if d["device"]}
    assert shown == {"ann": fingerprints["ann"], "ben": fingerprints["ben"]}
    cal = tmp_path / "cal.pack"
    line = refused(cli, tmp_path, "merge", cal, "--into", team, "--identity", team_key)
    assert fingerprints["cal"] in line and "inspector cal" in line and "not trusted" in line
    result = cli("merge", cal, "--into", team, "--identity", team_key, "--trust-new")
    assert result.exit_code == 0, result.output
    assert f"trusted key {fingerprints['cal']}" in result.output
    assert json.loads(cli("verify", "--db", team, "--json").output)["ok"] is True
