"""Time to first screen of the capture app, as a ratio to a minimal Textual app started
the same way (target: at most 1.5x).

Each run is a fresh Python process (imports included, as a user starting `fieldkit`
would pay them) that runs the app headless; the time is taken from just before the
process is started to the moment the app's first screen is up (the child prints the
wall clock then and leaves at once, so tearing down is not counted). Both apps are
measured alternately, several times; the ratio of the medians is printed.

    /tmp/venv/bin/python bench/startup.py [--runs 7] [--demo]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
from pathlib import Path
from textual.widgets import OptionList
from fieldkit.tui.app import make_app
from fieldkit.tui.screens.dashboard import DashboardScreen

async def first_screen(pilot):
    await pilot.pause()
    assert isinstance(pilot.app.screen, DashboardScreen), pilot.app.screen
    assert pilot.app.screen.query_one(OptionList).option_count > 0
    print(time.time(), flush=True)
    os._exit(0)

make_app(Path(sys.argv[1])).run(headless=True, size=(80, 24), auto_pilot=first_screen)
"""


def prepare(workdir: Path, demo: bool) -> tuple[Path, dict[str, str]]:
    """A database and a saved inspection context, so the app opens on its dashboard."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(workdir / "config"), HOME=str(workdir))
    env.pop("FIELDKIT_DB", None)
    db = workdir / "bench.db"
    setup = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fieldkit.context import InspectionContext, save\n"
        "from fieldkit.store import Store\n"
        "save(InspectionContext('PEEL 2015 DA', 'kent', 'A. Inspector', 'hmic_staff'))\n"
        "with Store.create(Path(sys.argv[1]), inspector='A. Inspector') as s:\n"
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


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.time()
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1]) - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--demo", action="store_true", help="use the full demo database")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, env = prepare(Path(tmp), opts.demo)
        minimal = [sys.executable, "-c", MINIMAL]
        fieldkit = [sys.executable, "-c", FIELDKIT, str(db)]
        timed(minimal, env)  # warm the file cache for both
        timed(fieldkit, env)
        base: list[float] = []
        ours: list[float] = []
        for _ in range(opts.runs):
            base.append(timed(minimal, env))
            ours.append(timed(fieldkit, env))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"minimal Textual app: median {b * 1000:.0f} ms to first screen ({opts.runs} runs)")
    print(f"fieldkit capture:    median {o * 1000:.0f} ms to first screen ({opts.runs} runs)")
    print(f"ratio: {o / b:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
