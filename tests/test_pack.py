"""Sealed transfers (issue 22, point 4): the team lead's key, packs for the stick, merging
packs, and workbooks and progress updates sealed with --to. The standard `age` command line
(Debian's `age`) must read what fieldkit seals; those tests skip without it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
from helpers.content import dump
from openpyxl import load_workbook
from pyrage import x25519
from typer.testing import Result

from fieldkit.store import Store
from fieldkit.store.connection import read_uri
from fieldkit.sync import merge
from fieldkit.sync import merging as merge_module

AGE = shutil.which("age")
needs_age = pytest.mark.skipif(AGE is None, reason="needs the `age` program (Debian: age)")

CRIME_REFS = ("CR/15/KEN4471093", "CR/15/ESX2208516")
SUBJECTS = ("SUBJ-ROWENA-PARRISH", "SUBJ-DEVLIN-OKAFOR")
Cli = Callable[..., Result]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def laptop(path: Path, inspector: str, refs: tuple[str, ...], subjects: tuple[str, ...]) -> Path:
    """An inspector's database with a few case-file reviews captured through the Store."""
    with Store.create(path, inspector=inspector) as s:
        for ref, subject in zip(refs, subjects, strict=True):
            rid = s.create_record("case_file_review", "kent", subject_ref=subject)
            s.set_answer(rid, "cf_crime_ref", ref)
            s.set_answer(rid, "cf_da_flag", "yes")
    return path


def everything(path: Path) -> dict[str, object]:
    """Every row of every table, and the header fields a fieldkit database is known by."""
    conn = sqlite3.connect(read_uri(path), uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found: dict[str, object] = {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }
        found["application_id"] = conn.execute("PRAGMA application_id").fetchone()[0]
        found["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        return found
    finally:
        conn.close()


def public_key(key: Path) -> str:
    return next(
        line.split(": ", 1)[1]
        for line in key.read_text().splitlines()
        if line.startswith("# public key: ")
    )


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where Python's tempfile puts temporary folders during the test (so a test can see
    that a decrypted copy is gone)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def team_key(tmp_path: Path, cli: Cli) -> Path:
    key = tmp_path / "team.key"
    result = cli("keys", "team-key", "--out", key)
    assert result.exit_code == 0, result.output
    return key


@pytest.fixture
def ann(tmp_path: Path) -> Path:
    return laptop(tmp_path / "ann.db", "Ann Smith", CRIME_REFS[:1], SUBJECTS[:1])


@pytest.fixture
def ben(tmp_path: Path) -> Path:
    return laptop(tmp_path / "ben.db", "Ben Jones", CRIME_REFS[1:], SUBJECTS[1:])


def pack(cli: Cli, db: Path, key: Path, out: Path) -> Path:
    result = cli("pack", "--db", db, "--to", public_key(key), "--out", out)
    assert result.exit_code == 0, result.output
    return out


# ------------------------------------------------------------------------- the team key
def test_team_key_is_owner_only_prints_its_recipient_and_is_never_replaced(
    tmp_path: Path, cli: Cli
) -> None:
    key = tmp_path / "team.key"
    result = cli("keys", "team-key", "--out", key)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    recipient = result.stdout.strip().splitlines()[0]
    assert recipient.startswith("age1") and recipient == public_key(key)
    secret = [line for line in key.read_text().splitlines() if not line.startswith("#")]
    assert str(x25519.Identity.from_str(secret[0]).to_public()) == recipient
    before = sha(key)
    again = cli("keys", "team-key", "--out", key)
    assert again.exit_code == 2
    assert "already exists" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert sha(key) == before


# -------------------------------------------------------------------------------- packs
def test_a_pack_holds_no_plaintext_and_is_owner_only(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path
) -> None:
    plain = ann.read_bytes()
    assert CRIME_REFS[0].encode() in plain and SUBJECTS[0].encode() in plain  # (the test bites)
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")
    sealed = out.read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1\n")
    for secret in (CRIME_REFS[0], SUBJECTS[0], "Ann Smith", "case_file_review", "SQLite format"):
        assert secret.encode() not in sealed
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.slow  # (seals the 64 MB demo database)
def test_a_pack_of_the_demo_names_none_of_its_crime_references(
    tmp_path: Path, cli: Cli, team_key: Path, demo_copy: Path
) -> None:
    conn = sqlite3.connect(read_uri(demo_copy), uri=True)
    refs = [r[0] for r in conn.execute("SELECT value FROM cells WHERE field = 'cf_crime_ref'")]
    conn.close()
    # Every reference begins "CR/15/": where none of those six bytes stand, none does.
    assert len(refs) > 1000 and all(ref.startswith("CR/15/") for ref in refs)
    assert demo_copy.read_bytes().count(b"CR/15/") >= len(refs)
    sealed = pack(cli, demo_copy, team_key, tmp_path / "demo.pack").read_bytes()
    assert b"CR/15/" not in sealed


@needs_age
def test_the_age_command_line_opens_a_pack_into_the_same_database(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path
) -> None:
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")
    opened = tmp_path / "opened.db"
    subprocess.run(
        [AGE, "--decrypt", "--identity", str(team_key), "--output", str(opened), str(out)],
        check=True,
        capture_output=True,
    )
    assert everything(opened) == everything(ann)


def test_a_pack_is_for_each_recipient_named_and_no_other(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path
) -> None:
    deputy = tmp_path / "deputy.key"
    assert cli("keys", "team-key", "--out", deputy).exit_code == 0
    outsider = x25519.Identity.generate()
    listed = tmp_path / "recipients.txt"
    listed.write_text(f"# the team\n{public_key(team_key)}\n")
    out = tmp_path / "ann.pack"
    result = cli("pack", "--db", ann, "--to", listed, "--to", deputy, "--out", out)
    assert result.exit_code == 0, result.output
    assert "sealed for 2 recipient(s)" in result.stdout
    sealed = out.read_bytes()
    for key in (team_key, deputy):
        identity = x25519.Identity.from_str(key.read_text().splitlines()[-1])
        assert pyrage.decrypt(sealed, [identity]) == _vacuumed(ann, tmp_path)
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(sealed, [outsider])


def _vacuumed(db: Path, tmp_path: Path) -> bytes:
    copy = tmp_path / f"vacuumed-{db.name}"
    copy.unlink(missing_ok=True)
    conn = sqlite3.connect(read_uri(db), uri=True)
    conn.execute("VACUUM INTO ?", (str(copy),))
    conn.close()
    return copy.read_bytes()


@pytest.mark.parametrize(
    ("to", "says"),
    [
        ("age1notakey", "not a valid age recipient"),
        ("nowhere.txt", "neither an age recipient"),
    ],
)
def test_pack_refuses_a_bad_recipient_writing_nothing(
    tmp_path: Path, cli: Cli, ann: Path, to: str, says: str
) -> None:
    before = sha(ann)
    out = tmp_path / "ann.pack"
    result = cli("pack", "--db", ann, "--to", to, "--out", out)
    assert result.exit_code == 2
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and sha(ann) == before


def test_pack_refuses_an_existing_output_and_a_file_that_is_not_a_database(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path
) -> None:
    out = tmp_path / "ann.pack"
    out.write_bytes(b"yesterday's pack")
    result = cli("pack", "--db", ann, "--to", team_key, "--out", out)
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert out.read_bytes() == b"yesterday's pack"
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")
    result = cli("pack", "--db", notes, "--to", team_key, "--out", tmp_path / "notes.pack")
    assert result.exit_code == 2 and "not a SQLite database" in result.stderr
    assert not (tmp_path / "notes.pack").exists()


def test_a_pack_that_fails_while_sealing_leaves_no_output_and_no_copy(
    tmp_path: Path,
    cli: Cli,
    team_key: Path,
    ann: Path,
    private_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fieldkit.sealing

    def fail_half_way(plain: str, sealed: str, to: object) -> None:
        Path(sealed).write_bytes(b"age-encryption.org/v1\n" + b"x" * 100)
        raise OSError(28, "No space left on device", sealed)

    monkeypatch.setattr(fieldkit.sealing.pyrage, "encrypt_file", fail_half_way)
    result = cli("pack", "--db", ann, "--to", team_key, "--out", tmp_path / "stick" / "ann.pack")
    assert result.exit_code == 2  # (no such folder: refused before anything is read)
    (tmp_path / "stick").mkdir()
    result = cli("pack", "--db", ann, "--to", team_key, "--out", tmp_path / "stick" / "ann.pack")
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert list((tmp_path / "stick").iterdir()) == []
    assert list(private_tmp.iterdir()) == []


# ------------------------------------------------------------------------ merging packs
def test_a_pack_without_its_identity_or_with_another_is_refused_leaving_every_file(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path, ben: Path, private_tmp: Path
) -> None:
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")
    team = tmp_path / "team.db"
    assert cli("merge", ben, "--into", team).exit_code == 0
    other = tmp_path / "other.key"
    assert cli("keys", "team-key", "--out", other).exit_code == 0
    files = (team, out, ben, team_key, other)
    before = [sha(p) for p in files]
    for args, says in (
        ((), "a sealed pack; name the key that opens it with --identity"),
        (("--identity", other), "sealed for another key"),
    ):
        result = cli("merge", out, "--into", team, *args)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(out) in lines[0] and says in lines[0]
        assert [sha(p) for p in files] == before
    # Nor is a team database made from it.
    result = cli("merge", out, "--into", tmp_path / "new-team.db")
    assert result.exit_code == 2 and not (tmp_path / "new-team.db").exists()
    assert list(private_tmp.iterdir()) == []


def test_merging_packs_gives_the_team_what_merging_the_databases_gives(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path, ben: Path, private_tmp: Path
) -> None:
    ann_pack = pack(cli, ann, team_key, tmp_path / "ann.pack")
    ben_pack = pack(cli, ben, team_key, tmp_path / "ben.pack")
    plain, packed, mixed = (tmp_path / f"{n}.db" for n in ("plain", "packed", "mixed"))
    assert cli("merge", ann, ben, "--into", plain).exit_code == 0
    result = cli("merge", ann_pack, ben_pack, "--into", packed, "--identity", team_key)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ann.pack (database ")
    assert cli("merge", ann_pack, ben, "--into", mixed, "-i", team_key).exit_code == 0
    assert dump(packed) == dump(plain) == dump(mixed)
    conn = sqlite3.connect(read_uri(packed), uri=True)
    merged_from = [r[0] for r in conn.execute("SELECT source_file FROM merges ORDER BY rowid")]
    conn.close()
    assert merged_from == [str(ann_pack.resolve()), str(ben_pack.resolve())]
    assert list(private_tmp.iterdir()) == []
    # Merged again, the packs bring nothing.
    again = cli("merge", ann_pack, ben_pack, "--into", packed, "--identity", team_key)
    assert again.exit_code == 0 and "0 new changes" in again.stdout


def _watch_copies(monkeypatch: pytest.MonkeyPatch, then: BaseException | None) -> list[Path]:
    """Have the merge note the files it reads (each pack's decrypted copy: owner-only in
    an owner-only folder, there while the merge runs), then raise `then` if given."""
    seen: list[Path] = []
    original = merge_module._merge_files

    def watched(sources: list[Path], *args: object, **kw: object) -> object:
        for path in sources:
            if "fieldkit-packs-" in str(path):
                assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
                assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
                seen.append(path)
        if then is not None:
            raise then
        return original(sources, *args, **kw)

    monkeypatch.setattr(merge_module, "_merge_files", watched)
    return seen


def test_a_packs_decrypted_copy_is_gone_after_a_merge(
    tmp_path: Path,
    cli: Cli,
    team_key: Path,
    ann: Path,
    private_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")
    seen = _watch_copies(monkeypatch, None)
    merge([out], tmp_path / "team.db", identity=team_key)
    assert len(seen) == 1 and not seen[0].exists()
    assert list(private_tmp.iterdir()) == []


def test_a_packs_decrypted_copy_is_gone_after_ctrl_c(
    tmp_path: Path,
    team_key: Path,
    cli: Cli,
    ann: Path,
    private_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")
    seen = _watch_copies(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        merge([out], tmp_path / "team.db", identity=team_key)
    assert len(seen) == 1 and not seen[0].exists()
    assert list(private_tmp.iterdir()) == []
    assert not (tmp_path / "team.db").exists()


def test_a_packs_decrypted_copy_is_gone_after_ctrl_c_inside_the_merge(
    tmp_path: Path,
    team_key: Path,
    cli: Cli,
    ann: Path,
    ben: Path,
    private_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Interrupted in the middle of the transaction (the fold), with the copy attached."""
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")
    team = tmp_path / "team.db"
    assert cli("merge", ben, "--into", team).exit_code == 0
    before = sha(team)

    def interrupted(*args: object, **kw: object) -> None:
        assert len([p for p in private_tmp.rglob("*") if p.is_file()]) == 1
        raise KeyboardInterrupt

    monkeypatch.setattr(merge_module, "fold_after", interrupted)
    with pytest.raises(KeyboardInterrupt):
        merge([out], team, identity=team_key)
    assert list(private_tmp.iterdir()) == []
    assert sha(team) == before


def test_an_error_names_the_pack_and_leaves_no_decrypted_copy(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path, private_tmp: Path
) -> None:
    # A pack of a file that is not a fieldkit database: the merge refuses it by the pack's
    # name; and a good pack beside a bad plain source.
    notes = tmp_path / "notes.db"
    sqlite3.connect(notes).execute("CREATE TABLE notes (x)").connection.close()
    bad_pack = tmp_path / "notes.pack"
    recipient = x25519.Recipient.from_str(public_key(team_key))
    bad_pack.write_bytes(pyrage.encrypt(notes.read_bytes(), [recipient]))
    good = pack(cli, ann, team_key, tmp_path / "ann.pack")
    team = tmp_path / "team.db"
    for sources, named in (([bad_pack], bad_pack), ([good, notes], notes)):
        result = cli("merge", *sources, "--into", team, "--identity", team_key)
        assert result.exit_code == 2
        line = result.stderr.strip()
        assert len(line.splitlines()) == 1 and line.startswith(f"fieldkit: {named}: ")
        assert "fieldkit-packs-" not in line
        assert not team.exists()
        assert list(private_tmp.iterdir()) == []


def test_a_damaged_pack_is_refused_in_one_line(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path, private_tmp: Path
) -> None:
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")
    out.write_bytes(out.read_bytes()[:-1000])
    result = cli("merge", out, "--into", tmp_path / "team.db", "--identity", team_key)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"fieldkit: {out}: a damaged sealed file (decryption error)"
    assert not (tmp_path / "team.db").exists()
    assert list(private_tmp.iterdir()) == []


# ------------------------------------------------------------ exports sealed with --to
@needs_age
def test_export_xlsx_to_a_recipient_is_a_workbook_only_its_key_opens(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path, private_tmp: Path
) -> None:
    out = tmp_path / "findings.xlsx"
    result = cli("export", "xlsx", "--db", ann, "--out", out, "--to", public_key(team_key))
    assert result.exit_code == 0, result.output
    sealed = out.read_bytes()
    # an age file, not a workbook: no zip reader opens it (the header's random base64 may
    # hold "PK" by chance, so the test asks the zip module rather than looking for bytes)
    assert sealed.startswith(b"age-encryption.org/v1\n") and not zipfile.is_zipfile(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    opened = tmp_path / "opened.xlsx"
    subprocess.run(
        [AGE, "-d", "-i", str(team_key), "-o", str(opened), str(out)],
        check=True,
        capture_output=True,
    )
    wb = load_workbook(opened, read_only=True)
    assert "Table 2" in wb.sheetnames and "Case-file review" in wb.sheetnames
    refs = [c for row in wb["Case-file review"].iter_rows(values_only=True) for c in row]
    assert CRIME_REFS[0] in refs
    wb.close()
    assert list(private_tmp.iterdir()) == []
    # `.age` may end the name; a wrong name is refused before anything is written.
    named = tmp_path / "findings.xlsx.age"
    assert cli("export", "xlsx", "--db", ann, "-o", named, "--to", team_key).exit_code == 0
    assert named.read_bytes().startswith(b"age-encryption.org/v1\n")
    wrong = cli("export", "xlsx", "--db", ann, "-o", tmp_path / "f.age", "--to", team_key)
    assert wrong.exit_code == 2 and "must end in .xlsx" in wrong.stderr


def test_register_report_to_a_recipient_is_sealed(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path
) -> None:
    out = tmp_path / "update.md.age"
    args = ("register", "report", "--db", ann, "--since", "2014-06-01")
    result = cli(*args, "--out", out, "--to", team_key)
    assert result.exit_code == 0, result.output
    identity = x25519.Identity.from_str(team_key.read_text().splitlines()[-1])
    text = pyrage.decrypt(out.read_bytes(), [identity]).decode()
    assert text.startswith("# National Oversight Group update report")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    refused = cli(*args, "--to", team_key)
    assert refused.exit_code == 2 and "--to seals a file: name it with --out" in refused.stderr


def test_what_a_killed_merge_left_is_removed_by_the_next_one(
    tmp_path: Path, cli: Cli, team_key: Path, ann: Path, private_tmp: Path
) -> None:
    """A merge killed outright (SIGKILL, a power cut) cannot remove its decrypted copies: the
    next fieldkit that opens or seals something removes them (their process is gone)."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    left = private_tmp / f"fieldkit-packs-{ended.pid}-abcd1234"
    (left / "0").mkdir(parents=True)
    (left / "0" / "ann.pack").write_bytes(ann.read_bytes())
    running = private_tmp / f"fieldkit-packs-{os.getpid()}-efgh5678"  # (a merge under way)
    running.mkdir()
    out = pack(cli, ann, team_key, tmp_path / "ann.pack")  # (seals: removes it already)
    assert sorted(private_tmp.iterdir()) == [running]
    (left / "0").mkdir(parents=True)
    assert cli("merge", out, "--into", tmp_path / "team.db", "-i", team_key).exit_code == 0
    assert sorted(private_tmp.iterdir()) == [running]
