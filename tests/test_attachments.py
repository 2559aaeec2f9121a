"""Attachments (issue 24): image, audio, video, file and osm questions are answered with
a file, chosen by its path in the app (keys only, 80x24) or named in a CSV import; the file
is held once by its content's digest, which is the answer the change log holds; `verify`
checks the files against their digests; a merge brings the files the target lacks; the
workbook names them with their size and `export xlsx --attachments DIR` writes them out."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from helpers.form import cells, typed
from helpers.tui import key_of, screen_text
from helpers.xlsforms import write_form
from typer.testing import Result

from fieldkit.context import InspectionContext
from fieldkit.store import attachments
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.form import FormScreen

Cli = Callable[..., Result]
CTX = InspectionContext("Stations 2026", "kent", "A. Inspector", "hmic_staff")
PHOTO = bytes(range(256)) * 20  # 5,120 bytes
DIGEST = hashlib.sha256(PHOTO).hexdigest()


def desk_form(path: Path) -> Path:
    return write_form(
        path,
        [
            ["text", "site", "Site", "yes", "desk.png"],
            ["image", "photo", "Photo of the desk", "yes", ""],
            ["file", "doc", "A document", "no", ""],
            ["osm", "map", "The building", "no", ""],
        ],
        settings={
            "form_title": "Desk visit",
            "form_id": "desk",
            "version": "1",
            "fieldkit::app_order": 1,
        },
        header=["type", "name", "label", "required", "media::image"],
    )


@pytest.fixture
def desk(tmp_path: Path, cli: Cli) -> Path:
    db = tmp_path / "team.db"
    result = cli("checklists", "import", desk_form(tmp_path / "desk.xlsx"), "--db", db)
    assert result.exit_code == 0, result.output
    (tmp_path / "photo.jpg").write_bytes(PHOTO)
    return db


def _import(tmp_path: Path, cli: Cli, db: Path, rows: list[str], name: str = "a.csv") -> Result:
    csv = tmp_path / name
    csv.write_text("force,observed_at,status,site,photo,doc\n" + "\n".join(rows) + "\n")
    return cli("import", csv, "-c", "desk", "--db", db)


def test_a_csv_names_its_files_and_each_is_held_once_by_its_digest(
    tmp_path: Path, cli: Cli, desk: Path
) -> None:
    rows = [
        "Kent,2026-01-02,final,Front,photo.jpg,photo.jpg",
        "Kent,2026-01-03,final,Back,photo.jpg,",
    ]
    result = _import(tmp_path, cli, desk, rows)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(desk)
    held = conn.execute("SELECT digest, name, size FROM attachments").fetchall()
    answered = {v for (v,) in conn.execute("SELECT value FROM changes WHERE field = 'photo'")}
    conn.close()
    assert held == [(DIGEST, "photo.jpg", len(PHOTO))]  # three answers, one file
    assert answered == {DIGEST}  # the log holds the digest, not the file
    again = _import(tmp_path, cli, desk, rows)
    assert again.exit_code == 0 and "0 records imported, 2 already present" in again.output


def test_a_missing_or_too_large_file_is_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, cli: Cli, desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = desk.read_bytes()
    missing = _import(tmp_path, cli, desk, ["Kent,2026-01-02,final,Front,nowhere.jpg,"])
    assert missing.exit_code == 2
    assert "a.csv:2 column photo: no file " in missing.output
    assert f"{tmp_path / 'nowhere.jpg'}" in missing.output
    monkeypatch.setattr(attachments, "MAX_BYTES", 5000)
    big = _import(tmp_path, cli, desk, ["Kent,2026-01-02,draft,Front,photo.jpg,"])
    assert big.exit_code == 2
    line = big.output.strip()
    assert (
        len(line.splitlines()) == 1
        and "photo.jpg is 5.1 kB; an attached file holds at most 5.0 kB" in line
    )
    assert desk.read_bytes() == before


async def test_the_app_attaches_a_file_by_its_path_and_shows_its_name_and_size(
    tmp_path: Path, desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a path is read as typed: here, relative to the folder
    app = make_app(desk, now=lambda: datetime(2026, 3, 2, 9, 30), cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key_of(app, "desk"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        await pilot.press(*typed("Front"), "enter")
        await pilot.pause()
        assert "a photo's path" in screen_text(app)
        await pilot.press(*typed("none.jpg"), "enter")
        await pilot.pause()
        assert "no file" in screen_text(app)
        await pilot.press("ctrl+u", *typed("photo.jpg"), "enter")
        await pilot.pause()
        assert "= photo.jpg (attached)" in screen_text(app)
        await pilot.press("up")
        await pilot.pause()
        assert "photo.jpg (5.1 kB)" in screen_text(app)
        assert ".osm file" in screen_text(app)
        rid = screen.record_id
    assert cells(desk, rid)[("photo", "")] == DIGEST


def test_verify_checks_every_file_against_its_digest(tmp_path: Path, cli: Cli, desk: Path) -> None:
    assert _import(tmp_path, cli, desk, ["Kent,2026-01-02,final,Front,photo.jpg,"]).exit_code == 0
    good = cli("verify", "--db", desk)
    assert good.exit_code == 0 and "attached files: 1 checked against their digests" in good.output
    conn = sqlite3.connect(desk)
    conn.execute("UPDATE attachments SET content = ?", (b"not the photo",))
    conn.commit()
    edited = cli("verify", "--db", desk)
    assert edited.exit_code == 1
    assert f"attachment {DIGEST[:12]}: content does not match its digest (edited)" in edited.output
    conn.execute("DELETE FROM attachments")
    conn.commit()
    conn.close()
    gone = cli("verify", "--db", desk)
    assert gone.exit_code == 1 and "answered in the log but not held (missing)" in gone.output


def test_a_merge_brings_the_files_the_target_lacks(tmp_path: Path, cli: Cli, desk: Path) -> None:
    assert _import(tmp_path, cli, desk, ["Kent,2026-01-02,final,Front,photo.jpg,"]).exit_code == 0
    team = tmp_path / "merged.db"
    assert cli("merge", desk, "--into", team).exit_code == 0
    conn = sqlite3.connect(team)
    assert conn.execute("SELECT digest, size FROM attachments").fetchall() == [(DIGEST, len(PHOTO))]
    conn.close()
    assert cli("verify", "--db", team).exit_code == 0
    conn = sqlite3.connect(desk)  # a source whose file was edited after it was attached
    conn.execute("UPDATE attachments SET content = ?", (b"x" * len(PHOTO),))
    conn.commit()
    conn.close()
    fresh = tmp_path / "fresh.db"
    refused = cli("merge", desk, "--into", fresh)
    assert refused.exit_code == 2
    assert f"attachment {DIGEST[:12]} does not match its digest (edited): refused" in refused.output


def test_the_workbook_names_files_and_attachments_dir_writes_them_owner_only(
    tmp_path: Path, cli: Cli, desk: Path
) -> None:
    rows = ["Kent,2026-01-02,final,Front,photo.jpg,photo.jpg"]
    assert _import(tmp_path, cli, desk, rows).exit_code == 0
    out, folder = tmp_path / "o.xlsx", tmp_path / "files"
    result = cli("export", "xlsx", "--db", desk, "--out", out, "--attachments", folder)
    assert result.exit_code == 0, result.output
    assert "wrote 2 attached file(s)" in result.output
    sheet = openpyxl.load_workbook(out)["Desk visit"]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "photo.jpg (5.1 kB)" in values and DIGEST not in values
    written = sorted(folder.iterdir())
    assert [p.name.split("-")[-2:] for p in written] == [
        ["doc", "photo.jpg"],
        ["photo", "photo.jpg"],
    ]
    assert all(p.read_bytes() == PHOTO and p.stat().st_mode & 0o777 == 0o600 for p in written)
    redacted = cli("export", "xlsx", "--db", desk, "--out", tmp_path / "r.xlsx", "--redact",
                   "--attachments", folder)  # fmt: skip
    assert redacted.exit_code == 2 and "cannot be redacted" in redacted.output


def test_a_scrubbed_copy_holds_no_attached_file(tmp_path: Path, cli: Cli, desk: Path) -> None:
    assert _import(tmp_path, cli, desk, ["Kent,2026-01-02,final,Front,photo.jpg,"]).exit_code == 0
    copy = tmp_path / "shared.db"
    assert cli("scrub", "--db", desk, "--out", copy).exit_code == 0
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*) FROM attachments").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM changes WHERE value = ?", (DIGEST,)).fetchone() == (
        0,
    )
    conn.close()
    assert PHOTO[:64] not in copy.read_bytes()
    assert cli("verify", "--db", copy).exit_code == 0


def test_an_odk_central_export_brings_its_media_folder(
    tmp_path: Path, cli: Cli, desk: Path
) -> None:
    folder = tmp_path / "export"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "1712000000.jpg").write_bytes(PHOTO)  # as Central's zip holds them
    csv = folder / "desk.csv"
    csv.write_text(
        "SubmissionDate,start,site,photo,doc,meta-instanceID,KEY\n"
        "2026-03-02T11:04:19.602Z,2026-03-02T10:15:02.118+00:00,Front,1712000000.jpg,,"
        "uuid:6f1c2a5e,uuid:6f1c2a5e\n"
    )
    first = cli("import", csv, "-c", "desk", "--force", "kent", "--db", desk)
    assert first.exit_code == 0, first.output
    assert "1 records imported" in first.output
    again = cli("import", csv, "-c", "desk", "--force", "kent", "--db", desk)
    assert again.exit_code == 0 and "0 records imported, 1 already present" in again.output
    conn = sqlite3.connect(desk)
    assert conn.execute("SELECT digest, name FROM attachments").fetchall() == [
        (DIGEST, "1712000000.jpg")
    ]
    conn.close()
