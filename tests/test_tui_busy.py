"""Screens other than the form: a busy database is a message, never a crash."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.dashboard import DashboardScreen


async def test_new_record_and_delete_while_another_program_writes(db_path: Path) -> None:
    with Store.create(db_path, inspector="A. Inspector") as s:
        rid = s.create_record("call_listening", "kent", subject_ref="INC-7")
    ctx = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
    app = make_app(db_path, cursor_blink=False, ctx=ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        app.store.conn.execute("PRAGMA busy_timeout = 50")
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # a merge holding the write lock
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)  # no form opened, no crash
        notes = [n.message for n in app._notifications]
        assert any("database is busy" in m for m in notes)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert any(
            m.startswith("Delete: not done") for m in (n.message for n in app._notifications)
        )
        other.execute("ROLLBACK")
        other.close()
        await pilot.press("escape", "1")
        await pilot.pause()
        assert not isinstance(app.screen, DashboardScreen)  # free again: the form opens
    with Store.open(db_path, readonly=True) as s:
        assert s.record(rid)["deleted"] == 0
        assert len(s.records(checklist="call_listening")) == 2
