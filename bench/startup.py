"""Time to first screen of the capture app, as a ratio to a minimal Textual app started
the same way (target: at most 1.3x); and time from a dashboard key to a new case-file
review's first question, against a minimal app's key to a screen of 100 rows (target: at
most 1.5x).

Each run is a fresh Python process, as a user starting fieldkit pays for it: the
interpreter, every import, the command line, opening the database, and the app up to its
first screen (the dashboard with its coverage and drafts). The fieldkit child calls the
`fieldkit` console script's own entry point (`fieldkit.cli.main`) with the arguments a
user types; the only change is that the app runs headless at 80x24 and, once its first
screen is up and the process idle, prints the wall clock and leaves at once (tearing down
is not counted). The minimal app (a Static and a Footer) is measured the same way, runs
alternating (the two fieldkit cases' order reversed each round); the ratio of the medians
is printed for the following (with, beside it, the ratio of the CPU time each whole child
used, which other work on a shared machine moves less than the wall clock):

  fieldkit                     how inspectors open it (the database from $FIELDKIT_DB)
  fieldkit capture --db PATH   the same through the Typer command line

    /tmp/venv/bin/python bench/startup.py [--runs 9] [--demo]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

MINIMAL = """
import os, time
from textual.app import App
from textual.widgets import Footer, Static

class Minimal(App):
    def compose(self):
        yield Static("hello")
        yield Footer()

async def first_screen(pilot):
    await pilot.pause()
    print(time.time(), flush=True)
    os._exit(0)

Minimal().run(headless=True, size=(80, 24), auto_pilot=first_screen)
"""

FIELDKIT = """
import os, sys, time
from textual.widgets import OptionList
from fieldkit.cli import main
from fieldkit.tui.app import FieldkitApp
from fieldkit.tui.screens.dashboard import DashboardScreen

async def first_screen(pilot):
    await pilot.pause()
    assert isinstance(pilot.app.screen, DashboardScreen), pilot.app.screen
    assert pilot.app.screen.query_one(OptionList).option_count > 0
    print(time.time(), flush=True)
    os._exit(0)

run = FieldkitApp.run
FieldkitApp.run = lambda self: run(self, headless=True, size=(80, 24), auto_pilot=first_screen)
sys.argv = ["fieldkit", *sys.argv[1:]]
main()
"""

# Opening a form: from the dashboard key to the new case-file review's first question,
# focused and painted; against a minimal app whose key pushes a screen of 100 rows (the
# review has about 100 questions). Each prints the seconds from the key to that screen, and
# the CPU seconds the process used meanwhile.
MINIMAL_FORM = """
import os, time
from textual.app import App
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

class Rows(Screen):
    def compose(self):
        with VerticalScroll():
            for n in range(100):
                yield Static(f"Question {n}\\n  {n} · yes / no · required   — unanswered")
        yield Footer()

class Minimal(App):
    def compose(self):
        yield Static("hello")
        yield Footer()
    def on_key(self, event):
        if event.key == "4":
            self.push_screen(Rows())

async def opened(pilot):
    await pilot.pause()
    start, cpu = time.time(), time.process_time()
    await pilot.press("4")
    while not isinstance(pilot.app.screen, Screen) or pilot.app.screen.__class__.__name__ != "Rows":
        await pilot.pause()
    await pilot.pause()
    print(time.time() - start, time.process_time() - cpu, flush=True)
    os._exit(0)

Minimal().run(headless=True, size=(80, 24), auto_pilot=opened)
"""

FIELDKIT_FORM = """
import os, sys, time
from fieldkit.cli import main
from fieldkit.tui.app import FieldkitApp

async def opened(pilot):
    from fieldkit.tui.screens.form import FormScreen
    await pilot.pause()
    key = next(i.key for i in pilot.app.instruments if i.id == "case_file_review")
    start, cpu = time.time(), time.process_time()
    await pilot.press(str(key))
    while not (isinstance(pilot.app.screen, FormScreen) and pilot.app.screen._ready):
        await pilot.pause()
    await pilot.pause()
    assert pilot.app.screen._row_of(pilot.app.focused) is not None
    print(time.time() - start, time.process_time() - cpu, flush=True)
    os._exit(0)

run = FieldkitApp.run
FieldkitApp.run = lambda self: run(self, headless=True, size=(80, 24), auto_pilot=opened)
sys.argv = ["fieldkit", *sys.argv[1:]]
main()
"""


def prepare(workdir: Path, demo: bool) -> tuple[Path, dict[str, str]]:
    """A database and a saved inspection context, so the app opens on its dashboard."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(workdir / "config"), HOME=str(workdir))
    env.pop("FIELDKIT_DB", None)
    # An installed fieldkit runs from compiled bytecode, as Textual does from its wheel:
    # with PYTHONDONTWRITEBYTECODE set, fieldkit alone would be compiled from source on
    # every run (about 25 ms more). The warm-up run writes the caches.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    db = workdir / "bench.db"
    setup = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fieldkit.context import InspectionContext, save\n"
        "from fieldkit.store import Store\n"
        "ctx = InspectionContext('PEEL 2015 DA', 'kent', 'A. Inspector', 'hmic_staff')\n"
        "with Store.create(Path(sys.argv[1]), inspector='A. Inspector') as s:\n"
        "    save(ctx, database_id=s.database_id)  # remembered for this database\n"
        "    if sys.argv[2] == '1':\n"
        "        from fieldkit.demo import write_demo\n"
        "        write_demo(s, seed=2015, scale=1)\n"
        "    else:\n"
        "        for n in range(12):\n"
        "            s.create_record('call_listening', 'kent', subject_ref=f'CR-{n}')\n"
    )
    subprocess.run(
        [sys.executable, "-c", setup, str(db), "1" if demo else "0"], env=env, check=True
    )
    return db, env


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the first screen (wall clock), and the CPU seconds the whole child used
    (user + system: less moved by other work on a shared machine than the wall clock)."""
    start = time.time()
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    out = child.stdout.read().decode()
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, args)
    return float(out.strip().splitlines()[-1]) - start, usage.ru_utime + usage.ru_stime


def reported(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """The seconds the child itself printed (a key to the screen it opens), wall clock and
    CPU."""
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    wall, used = out.strip().splitlines()[-1].split()
    return float(wall), float(used)


def main(
    runs: int = typer.Option(9, help="runs of each app (medians are compared)"),
    demo: bool = typer.Option(False, help="use the full demo database (2,452 records)"),
) -> None:
    """Time to first screen of the capture app against a minimal Textual app."""
    with tempfile.TemporaryDirectory() as tmp:
        db, env = prepare(Path(tmp), demo)
        with_env = dict(env, FIELDKIT_DB=str(db))
        cases = {
            "minimal Textual app": ([sys.executable, "-c", MINIMAL], env),
            "fieldkit": ([sys.executable, "-c", FIELDKIT], with_env),
            "fieldkit capture --db PATH": (
                [sys.executable, "-c", FIELDKIT, "capture", "--db", str(db)],
                env,
            ),
        }
        for args, case_env in cases.values():
            timed(args, case_env)  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        first, *rest = list(cases)
        for n in range(runs):
            # alternating, the fieldkit cases in turn reversed (A B C, A C B, A B C, ...):
            # a process started straight after the minimal app was measured slower (up to
            # 50 ms, whichever fieldkit case followed it), so each case follows each other
            # one as often
            for name in [first, *(rest if n % 2 == 0 else rest[::-1])]:
                args, case_env = cases[name]
                wall, used = timed(args, case_env)
                times[name].append(wall)
                cpu[name].append(used)
        forms = {
            "minimal: key to 100 rows": ([sys.executable, "-c", MINIMAL_FORM], env),
            "fieldkit: key to case file": ([sys.executable, "-c", FIELDKIT_FORM], with_env),
        }
        opened: dict[str, list[float]] = {name: [] for name in forms}
        opened_cpu: dict[str, list[float]] = {name: [] for name in forms}
        for _ in range(runs):
            for name, (args, case_env) in forms.items():
                wall, used = reported(args, case_env)
                opened[name].append(wall)
                opened_cpu[name].append(used)
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["minimal Textual app"]
    cpus = {name: statistics.median(t) for name, t in cpu.items()}
    cbase = cpus["minimal Textual app"]
    print(f"median time to first screen, {runs} runs each, 80x24, headless (and CPU used):")
    for name, m in medians.items():
        c = cpus[name]
        print(
            f"  {name:<28} {m * 1000:5.0f} ms  {m / base:.2f}x   cpu {c * 1000:4.0f} ms  {c / cbase:.2f}x"
        )
    print(f"ratio: {medians['fieldkit'] / base:.2f}x for `fieldkit` (target <= 1.3x)")
    print(
        f"ratio: {medians['fieldkit capture --db PATH'] / base:.2f}x for "
        "`fieldkit capture --db PATH` (target <= 1.3x)"
    )
    form = {name: statistics.median(t) for name, t in opened.items()}
    fbase = form["minimal: key to 100 rows"]
    fcpu = {name: statistics.median(t) for name, t in opened_cpu.items()}
    fcbase = fcpu["minimal: key to 100 rows"]
    print(f"median time from a dashboard key to its screen, {runs} runs each (and CPU used):")
    for name, m in form.items():
        c = fcpu[name]
        print(
            f"  {name:<28} {m * 1000:5.0f} ms  {m / fbase:.2f}x   cpu {c * 1000:4.0f} ms  {c / fcbase:.2f}x"
        )
    print(
        f"ratio: {form['fieldkit: key to case file'] / fbase:.2f}x for a new case-file "
        "review's first question (target <= 1.5x)"
    )


if __name__ == "__main__":
    typer.run(main)
