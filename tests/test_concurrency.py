"""Several writers on one database: a held lock, two capture apps, a merge under a form.

Nothing may be lost and nothing may crash with "database is locked": the form keeps an
answer it could not save yet on screen, says so, and saves it when the database is free.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import pytest
from helpers.form import CALL, cells, record_row
from textual.pilot import Pilot
from textual.widgets import Static

from fieldkit.checklists import NA, apply_rules, get
from fieldkit.context import InspectionContext
from fieldkit.store import Store
from fieldkit.tui import app as app_mod
from fieldkit.tui.screens.form import FormScreen
from fieldkit.tui.widgets.item_row import ChoiceRow
from fieldkit.tui.write_queue import Timings

NOW = datetime(2015, 6, 1, 9, 30)
CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
ANSWERS = 30  # the first questions of a call record (sections A and B), answered by keys


def expected_answers(n: int) -> dict[tuple[str, str], object]:
    """What the store holds after the first `n` answers of CALL: each answer, then what
    the relevance rules change."""
    checklist = get("call_listening")
    answers: dict[tuple[str, str], object] = {}
    for item_id, _, value in CALL[:n]:
        if value is not None:
            answers[(item_id, "")] = value
        for key, changed in apply_rules(checklist, answers).items():
            if changed is None:
                answers.pop(key, None)
            else:
                answers[key] = changed
    return answers


EXPECTED = expected_answers(ANSWERS)


@contextmanager
def write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """Hold the database's write lock from another connection (as a merge does)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def status_of(screen: FormScreen) -> str:
    return str(screen.query_one("#save-status").render())


def mark_of(screen: FormScreen, item_id: str) -> str:
    """A question's answer line as shown: the value and its saved / waiting mark."""
    row = screen.rows[(item_id, "")]
    if isinstance(row, ChoiceRow):
        return row.render().plain
    return row.input.value + " " + str(row.query_one(".mark", Static).render())


async def until(pilot: Pilot, done: Callable[[], bool], *, limit: int = 200) -> None:
    """Let the app run (its timers too) until `done()` holds; bounded."""
    for _ in range(limit):
        if done():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never got there")


# --------------------------------------------------------------- busy / cannot write
async def test_busy_database_keeps_answers_and_saves_them_when_free(
    db_path: Path,
) -> None:
    timings = Timings(save_wait=0.05, retry_every=0.05, retry_wait=0.01)
    app = app_mod.make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX, timings=timings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        rid = screen.record_id
        before = cells(db_path, rid)
        with write_lock(db_path):
            # visit time (Enter = now), unannounced yes, THRIVE no, repeat flagging yes
            await pilot.press("enter", "y", "n", "y")
            await pilot.pause()
            assert "database is busy" in status_of(screen)
            assert "4 answers waiting, saved when it is free" in status_of(screen)
            assert cells(db_path, rid) == before  # nothing written yet...
            assert "▸ no" in mark_of(screen, "cl_ctx_thrive_adopted")
            assert "… waiting" in mark_of(screen, "cl_ctx_thrive_adopted")
            assert "… waiting" in mark_of(screen, "cl_visit_datetime")
            # ...but the form goes on as if saved: 'yes' to automatic repeat flagging
            # makes the fallback question n/a, so the form skips it
            row = screen._row_of(app.focused)
            assert row is not None and row.entry.item.id == "cl_ctx_intel_staff"
            # leaving would drop the waiting answers: the form stays (Esc twice leaves)
            await pilot.press("escape")
            assert isinstance(app.screen, FormScreen)
            assert "4 changes NOT saved yet (database busy)" in status_of(screen)
            await pilot.press("2", "y")  # part of the day; child protection access yes
            assert screen.waiting == 6
            # an answer the store would refuse is refused at once, busy or not
            await pilot.press("x", "enter")
            assert "Not saved: " in status_of(screen)
            assert screen.waiting == 6
            await pilot.press("backspace", "3", "enter")
            assert screen.waiting == 7
            assert isinstance(app.screen, FormScreen)
        # the lock is gone: the retry timer saves everything, in order
        await until(pilot, lambda: screen.waiting == 0)
        assert "Database free again: saved 7 waiting changes" in status_of(screen)
        assert "✓ saved" in mark_of(screen, "cl_ctx_thrive_adopted")
    stored = cells(db_path, rid)
    assert stored[("cl_visit_datetime", "")] == "2015-06-01T09:30"
    assert stored[("cl_visit_unannounced", "")] == "yes"
    assert stored[("cl_ctx_thrive_adopted", "")] == "no"
    assert stored[("cl_ctx_auto_repeat_id", "")] == "yes"
    assert stored[("cl_ctx_repeat_id_fallback", "")] == NA  # the rule, applied on saving
    assert stored[("cl_ctx_intel_staff", "")] == "part_of_the_day"
    assert stored[("cl_ctx_child_protection_access", "")] == "yes"
    assert stored[("cl_ctx_systems_count", "")] == 3


async def test_a_database_that_refuses_writes_says_so_and_keeps_the_answer(
    db_path: Path,
) -> None:
    timings = Timings(retry_every=0.05)
    app = app_mod.make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX, timings=timings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        rid = screen.record_id
        app.store.conn.execute("PRAGMA query_only = ON")  # SQLite now refuses every write
        await pilot.press("enter")
        status = status_of(screen)
        assert "NOT saved (attempt to write a readonly database): 1 answer kept" in status
        assert "not saved" in mark_of(screen, "cl_visit_datetime")
        assert screen.rows[("cl_visit_datetime", "")].input.value == "2015-06-01T09:30"
        row = screen._row_of(app.focused)
        assert row is not None and row.entry.item.id == "cl_visit_datetime"  # stays here
        await pilot.press("ctrl+f")  # cannot finalise over an unsaved answer
        assert "Not finalised" in status_of(screen)
        app.store.conn.execute("PRAGMA query_only = OFF")  # e.g. the disk is back
        await until(pilot, lambda: screen.waiting == 0)
        assert "Saved 1 (Date and time the visit…) = 2015-06-01T09:30" in status_of(screen)
    assert cells(db_path, rid)[("cl_visit_datetime", "")] == "2015-06-01T09:30"


async def test_leaving_by_the_palette_while_busy_says_what_was_not_saved(
    db_path: Path,
) -> None:
    """The palette's Dashboard leaves a form without asking: waiting answers get one last,
    longer try; if the database is still busy the user is told they were not saved."""
    timings = Timings(save_wait=0.01, last_try=0.05)
    app = app_mod.make_app(db_path, now=lambda: NOW, cursor_blink=False, ctx=CTX, timings=timings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        with write_lock(db_path):
            await pilot.press("enter", "y")
            assert screen.waiting == 2
            app.action_dashboard()
            await pilot.pause()
            assert not isinstance(app.screen, FormScreen)
            messages = [n.message for n in app._notifications]
            assert "2 changes could not be saved (database busy)." in messages
        # with the database free, leaving the same way saves them
        await pilot.press("enter")  # resume the draft
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FormScreen)
        with write_lock(db_path) as lock:
            await pilot.press("enter", "y")
            assert screen.waiting == 2
            lock.execute("ROLLBACK")
            app.action_dashboard()
            await pilot.pause()
        rid = screen.record_id
    stored = cells(db_path, rid)
    assert stored[("cl_visit_datetime", "")] == "2015-06-01T09:30"
    assert stored[("cl_visit_unannounced", "")] == "yes"


# ------------------------------------------------------- capture apps in real processes
DRIVER = r"""
import json, sqlite3, sys
from datetime import datetime
from pathlib import Path
from fieldkit.context import InspectionContext
from fieldkit.tui.app import make_app
from fieldkit.tui.write_queue import Timings

db, plan = Path(sys.argv[1]), json.loads(sys.argv[2])
timings = Timings(plan["save_wait"], plan["retry_every"], plan["retry_wait"])
ctx = InspectionContext(**plan["ctx"])


probe = sqlite3.connect(db, timeout=0, isolation_level=None)


def locked():  # does another program hold the write lock right now? (no waiting)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    probe.execute("ROLLBACK")
    return False


async def until(pilot, done, what):
    for _ in range(6000):  # 2 minutes at most
        if done():
            return
        await pilot.pause(0.02)
    raise SystemExit(f"timed out waiting for {what}")


async def work(pilot):
    app = pilot.app
    await pilot.press("1")
    await pilot.pause()
    screen = app.screen
    print("RECORD", screen.record_id, flush=True)
    print("READY", flush=True)
    await until(pilot, lambda: Path(plan["go"]).exists(), "go")
    if plan.get("hold"):
        # start answering once another program holds the write lock (or has finished)
        await until(pilot, lambda: locked() or Path(plan["done"]).exists(), "the merge")
        print("STARTED WHILE", "LOCKED" if not Path(plan["done"]).exists() else "DONE")
    for item_id, keys in plan["answers"]:
        row = screen._row_of(app.focused)
        if row is None or row.entry.item.id != item_id:
            raise SystemExit(f"expected {item_id}, focus on {row and row.entry.item.id}")
        await pilot.press(*keys)
        print("STATUS", screen.query_one("#save-status").render(), flush=True)
    await until(pilot, lambda: screen.waiting == 0, "the waiting answers")
    await pilot.press("escape")  # leaves only when nothing is waiting
    await pilot.pause()
    print("LEFT TO", type(app.screen).__name__, flush=True)
    app.exit()


make_app(
    db, now=lambda: datetime(2015, 6, 1, 9, 30), cursor_blink=False, ctx=ctx, timings=timings
).run(
    headless=True, size=(80, 24), auto_pilot=work
)
print("DONE", flush=True)
"""


def capture_process(
    db: Path, home: Path, inspector: str, go: Path, **plan: object
) -> subprocess.Popen[str]:
    """A capture app in its own process, answering the first questions of a call record by
    keys once `go` exists (headless: the terminal is not what is tested here)."""
    full = {
        "ctx": asdict(CTX.with_(inspector=inspector)),
        "answers": [(i, k) for i, k, _ in CALL[:ANSWERS]],
        "go": str(go),
        "done": str(go) + ".done",
        "save_wait": Timings.save_wait,
        "retry_every": Timings.retry_every,
        "retry_wait": Timings.retry_wait,
        **plan,
    }
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(db), json.dumps(full)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "XDG_CONFIG_HOME": str(home), "PYTHONUNBUFFERED": "1"},
    )


def ready(proc: subprocess.Popen[str]) -> str:
    """Block until the app printed READY; return its record id."""
    assert proc.stdout is not None
    rid = ""
    for line in proc.stdout:
        if line.startswith("RECORD "):
            rid = line.split()[1]
        if line.startswith("READY"):
            return rid
    raise AssertionError(f"the app ended before its form opened: {proc.stderr.read()}")


def finished(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "LEFT TO DashboardScreen" in out and "DONE" in out, out + err
    print(out)
    assert "Traceback" not in err and "locked" not in err, err
    return out


@pytest.mark.slow
def test_two_capture_apps_on_one_file(tmp_path: Path) -> None:
    """Two inspectors' capture apps write the same file at the same moments. With no
    patience at all for the other writer (a busy database queues the answer at once),
    every answer of both records still ends up saved."""
    db = tmp_path / "team.db"
    Store.create(db, inspector="").close()
    go = tmp_path / "go"
    apps = [
        capture_process(
            db,
            tmp_path / f"home{n}",
            name,
            go,
            save_wait=0.0,
            retry_every=0.05,
            retry_wait=0.0,
        )
        for n, name in enumerate(("A. Inspector", "B. Inspector"))
    ]
    try:
        rids = [ready(p) for p in apps]
        go.touch()  # both forms are open: answer at the same time
        outs = [finished(p) for p in apps]
    finally:
        for p in apps:
            if p.poll() is None:
                p.kill()
    assert integrity_ok(db)
    for rid, out in zip(rids, outs, strict=True):
        assert cells(db, rid) == EXPECTED, out
        assert record_row(db, rid)["inspector"] in ("A. Inspector", "B. Inspector")
    assert len(set(rids)) == 2


WRITER = r"""
import sys
from pathlib import Path
from fieldkit.store import Store

db, tag, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = Store.open(db)
rid = store.create_record("case_file_review", "kent", subject_ref=tag)
print(rid, flush=True)
sys.stdin.readline()  # go
for i in range(n):
    store.set_answer(rid, "cf_crime_ref", f"{tag}-{i:05d}")
    store.set_answer(rid, "cf_victim_injured", "yes" if i % 2 else "no")
store.close()
"""


def integrity_ok(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


@pytest.mark.slow
def test_two_processes_writing_as_fast_as_they_can(tmp_path: Path) -> None:
    """The store under two writers in a tight loop (one device: a shared sequence): the
    default busy timeout carries them; no write lost, no duplicate change id."""
    db = tmp_path / "team.db"
    Store.create(db, inspector="").close()
    n = 600
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), tag, str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("P", "Q")
    ]
    try:
        rids = [p.stdout.readline().strip() for p in procs]  # type: ignore[union-attr]
        for p in procs:  # both are ready: go
            p.stdin.write("go\n")  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert integrity_ok(db)
    conn = sqlite3.connect(db)
    try:
        for rid, tag in zip(rids, ("P", "Q"), strict=True):
            refs = [
                v
                for (v,) in conn.execute(
                    "SELECT value FROM changes WHERE record_id = ? AND field = 'cf_crime_ref'"
                    " ORDER BY seq",
                    (rid,),
                )
            ]
            assert refs == [f"{tag}-{i:05d}" for i in range(n)]  # every write, in order
        seqs = [s for (s,) in conn.execute("SELECT seq FROM changes ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))  # one device, no gap, no double
        writers = [r for (r,) in conn.execute("SELECT record_id FROM changes ORDER BY seq")]
        turns = sum(1 for a, b in zip(writers, writers[1:], strict=False) if a != b)
        print(f"the two writers took turns {turns} times")
    finally:
        conn.close()
    assert cells(db, rids[0])[("cf_crime_ref", "")] == f"P-{n - 1:05d}"
    assert cells(db, rids[1])[("cf_crime_ref", "")] == f"Q-{n - 1:05d}"


@pytest.mark.slow
def test_merge_into_a_database_while_a_form_is_answered(tmp_path: Path, demo_db: Path) -> None:
    """`fieldkit merge` writes the whole demo (2,447 records, 216k answers) into the file a
    capture app is answering a call in. The app keeps going while the merge holds the
    database (answers wait on screen), the merge completes, and both are all there."""
    db = tmp_path / "team.db"
    Store.create(db, inspector="").close()
    go = tmp_path / "go"
    app = capture_process(
        db,
        tmp_path / "home",
        "A. Inspector",
        go,
        save_wait=0.1,
        retry_every=0.1,
        retry_wait=0.02,
        hold=True,
    )
    merge = None
    try:
        rid = ready(app)
        go.touch()
        merge = subprocess.run(
            [sys.executable, "-m", "fieldkit", "merge", str(demo_db), "--into", str(db)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        Path(str(go) + ".done").touch()
        out = finished(app)
    finally:
        if app.poll() is None:
            app.kill()
    assert merge.returncode == 0, merge.stderr
    assert integrity_ok(db)
    # the form's record: every answer, given while the merge held the database
    assert "STARTED WHILE LOCKED" in out
    assert cells(db, rid) == EXPECTED, out
    # the merge: every change and every current value of the demo
    conn = sqlite3.connect(db)
    try:
        conn.execute("ATTACH DATABASE ? AS src", (f"file:{demo_db}?mode=ro",))
        missing_changes = conn.execute(
            "SELECT count(*) FROM (SELECT id FROM src.changes EXCEPT SELECT id FROM changes)"
        ).fetchone()[0]
        missing_cells = conn.execute(
            "SELECT count(*) FROM (SELECT record_id, kind, field, rkey, value FROM src.cells"
            " EXCEPT SELECT record_id, kind, field, rkey, value FROM cells)"
        ).fetchone()[0]
        records = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        demo_records = conn.execute("SELECT count(*) FROM src.records").fetchone()[0]
    finally:
        conn.close()
    assert f"{demo_records:,} new records" in merge.stdout
    assert (missing_changes, missing_cells) == (0, 0)
    assert records == demo_records + 1
