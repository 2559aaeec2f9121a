"""Killing the app at any moment loses nothing the screen already showed as saved."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import os, signal, sys
from datetime import datetime
from pathlib import Path
from fieldkit.context import InspectionContext
from fieldkit.tui.app import make_app

async def work(pilot):
    app = pilot.app
    await pilot.press("1")
    await pilot.pause()
    await pilot.press("enter", "y", "n", "y", "2", "y")
    await pilot.pause()
    status = str(app.screen.query_one("#save-status").render())
    print("STATUS", status, flush=True)
    await pilot.press("3", "4")  # typed into the next question, not saved yet
    os.kill(os.getpid(), signal.SIGKILL)  # no clean shutdown, no flush

ctx = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
make_app(Path(sys.argv[1]), now=lambda: datetime(2015, 6, 1, 9, 30), ctx=ctx).run(
    headless=True, size=(80, 24), auto_pilot=work
)
"""


def test_kill_loses_nothing_shown_as_saved(db_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(db_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "Saved 7 (Can the room (handlers or…) = yes" in proc.stdout
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    answers = dict(conn.execute("SELECT field, value FROM cells WHERE kind = 'answer'").fetchall())
    conn.close()
    assert answers["cl_visit_datetime"] == "2015-06-01T09:30"
    assert answers["cl_visit_unannounced"] == "yes"
    assert answers["cl_ctx_thrive_adopted"] == "no"
    assert answers["cl_ctx_auto_repeat_id"] == "yes"
    assert answers["cl_ctx_intel_staff"] == "part_of_the_day"
    assert answers["cl_ctx_child_protection_access"] == "yes"
