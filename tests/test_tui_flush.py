"""When an answer reaches the disk: the capture app shows it saved once it is committed
(it survives the app being killed) and puts it on the disk right after that frame
(fdatasync of the write-ahead log); every other writer waits for the disk at each commit.
README "Reliability" says the same."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from helpers.form import CALL
from helpers.tui import new_record, screen_text

from fieldkit.context import InspectionContext
from fieldkit.store import Store, connection
from fieldkit.tui.app import make_app

CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
NOW = datetime(2015, 6, 1, 9, 30)


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files fdatasync was called on, in order."""
    calls: list[str] = []
    real = os.fdatasync

    def record(fd: int) -> None:
        calls.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(connection.os, "fdatasync", record)
    return calls


def synchronous(store: Store) -> int:
    return int(store.conn.execute("PRAGMA synchronous").fetchone()[0])


async def test_an_answer_shown_saved_is_on_the_disk_a_frame_later(
    db_path: Path, synced: list[str]
) -> None:
    app = make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX)
    async with app.run_test(size=(80, 24)) as pilot:
        await new_record(pilot, "call_listening")
        assert synchronous(app.store) == 1  # NORMAL: a commit does not wait for the disk
        answered = 0
        for _, keys, _ in CALL:
            synced.clear()
            await pilot.press(*keys)
            if len(keys) == 1 and keys[0] in "yn":
                assert "Saved" in screen_text(app)
                await pilot.pause()
                assert synced == [f"{db_path.resolve()}-wal"]  # the answer's log, on disk
                answered += 1
                if answered == 2:
                    break
        synced.clear()
        await pilot.pause()
        assert synced == []  # nothing written since: nothing to flush


def test_other_writers_wait_for_the_disk_at_each_commit(db_path: Path, synced: list[str]) -> None:
    """A command-line write (and any Store not told to flush later) commits with
    synchronous=FULL: SQLite syncs the log itself before the commit returns."""
    with Store.create(db_path, inspector="tester") as store:
        assert synchronous(store) == 2
        store.create_record("call_listening", "kent")
        assert synced == []  # (SQLite's own fsync, not fieldkit's flush)


def test_a_store_told_to_flush_later_flushes_once_per_batch_and_on_close(
    db_path: Path, synced: list[str]
) -> None:
    scheduled: list[object] = []
    store = Store.create(db_path, inspector="tester")
    store.flush_later(scheduled.append)
    rid = store.create_record("call_listening", "kent")
    store.set_field(rid, "subject_ref", "one")
    assert scheduled == [store.flush]  # one flush for both writes, not yet run
    assert synced == []
    store.flush()
    assert synced == [f"{db_path.resolve()}-wal"]
    store.set_field(rid, "subject_ref", "two")
    assert len(scheduled) == 2
    store.close()  # what is left is flushed before the file is closed
    assert len(synced) == 2
