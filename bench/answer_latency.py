"""Time from a key to the screen saying the answer is saved, in a real terminal, as a
ratio to a minimal Textual app that shows each key it gets (needs tmux).

Both apps run in tmux at 80x24 on a tmux server of their own. The minimal app is a Static
that shows "Saved <n>: <key>" for each key. fieldkit is the `fieldkit` console script on a
new database: a whole call-listening record is typed (the tests' script,
tests/test_tui_form.py CALL); for every answer given by one key (y / n / a / a digit) the
time is taken from `tmux send-keys` to its "Saved <item>" line on screen (the pane is read
every 2 ms). The minimal app gets the same number of keys. Medians and the ratio are
printed; the 90th percentile and the worst are printed too.

    /tmp/venv/bin/python bench/answer_latency.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_tui_form import CALL  # noqa: E402

KEYS = {"minus": "-", "colon": ":", "space": " ", "full_stop": ".", "slash": "/"}

MINIMAL = """
from textual.app import App
from textual.widgets import Static

class Echo(App):
    n = 0
    def compose(self):
        yield Static("ready", id="status")
    def on_key(self, event):
        self.n += 1
        self.query_one("#status", Static).update(f"Saved {self.n}: {event.key}")

Echo().run()
"""


class Pane:
    def __init__(self, server: str, command: str, env: dict[str, str]) -> None:
        self.tmux = ["tmux", "-L", server]
        subprocess.run(self.tmux + ["kill-server"], capture_output=True)
        subprocess.run(
            self.tmux + ["new-session", "-d", "-x", "80", "-y", "24", command],
            env=env,
            check=True,
        )

    def text(self) -> str:
        return subprocess.run(
            self.tmux + ["capture-pane", "-p"], capture_output=True, text=True
        ).stdout

    def send(self, key: str, literal: bool = True) -> None:
        subprocess.run(self.tmux + ["send-keys"] + (["-l", key] if literal else [key]))

    def wait(self, ready: Callable[[str], bool], timeout: float = 15) -> str:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            text = self.text()
            if ready(text):
                return text
            time.sleep(0.002)
        raise TimeoutError(self.text())

    def close(self) -> None:
        subprocess.run(self.tmux + ["kill-server"], capture_output=True)


def saved(item: str, before: str) -> Callable[[str], bool]:
    """The status line has changed and names `item`."""

    def ready(screen: str) -> bool:
        line = screen.splitlines()[-2]
        return line != before and item in line

    return ready


def timed(pane: Pane, key: str, shown: Callable[[str], bool]) -> float:
    start = time.perf_counter()
    pane.send(key)
    pane.wait(shown)
    return time.perf_counter() - start


def fieldkit_run(work: Path, env: dict[str, str]) -> list[float]:
    config = work / "config" / "fieldkit"
    config.mkdir(parents=True)
    context = {
        "inspection": "PEEL 2015 DA",
        "force_code": "kent",
        "inspector": "A. Inspector",
        "observer_role": "hmic_staff",
    }
    (config / "context.json").write_text(json.dumps(context))
    fieldkit = Path(sys.executable).with_name("fieldkit")
    pane = Pane("fk-bench", str(fieldkit), dict(env, FIELDKIT_DB=str(work / "bench.db")))
    times: list[float] = []
    try:
        pane.wait(lambda s: "New record" in s)
        pane.send("1")
        pane.wait(lambda s: "New draft saved" in s)
        for item, keys, value in CALL:
            status = pane.text().splitlines()[-2]
            keys = [KEYS.get(k, k) for k in keys]
            if len(keys) == 1 and keys[0] in "yna123456789":
                times.append(timed(pane, keys[0], saved(item, status)))
                continue
            for k in keys:
                if k == "enter":
                    pane.send("Enter", literal=False)
                else:
                    pane.send(k)
            if value is not None:
                pane.wait(saved(item, status))
    finally:
        pane.close()
    return times


def minimal_run(n: int, env: dict[str, str]) -> list[float]:
    pane = Pane("fk-bench-min", f"{sys.executable} -c '{MINIMAL}'", env)
    times: list[float] = []
    try:
        pane.wait(lambda s: "ready" in s)
        for i in range(1, n + 1):
            times.append(timed(pane, "y", lambda s, i=i: f"Saved {i}:" in s))
    finally:
        pane.close()
    return times


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(len(ordered) * 0.9)]
    return (
        f"  {name:<22} median {statistics.median(ordered) * 1000:5.1f} ms, 90th "
        f"{p90 * 1000:5.1f} ms, worst {ordered[-1] * 1000:5.1f} ms ({len(ordered)} keys)"
    )


def main() -> None:
    """Key to 'saved' on screen in tmux: fieldkit's form against a minimal Textual app."""
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (apt-get install tmux)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(os.environ, XDG_CONFIG_HOME=str(work / "config"), HOME=str(work))
        env.pop("TMUX", None)
        ours = fieldkit_run(work, env)
        base = minimal_run(len(ours), env)
    print("key sent to its result on screen, tmux 80x24:")
    print(summary("minimal Textual app", base))
    print(summary("fieldkit form", ours))
    print(f"ratio of medians: {statistics.median(ours) / statistics.median(base):.2f}x")


if __name__ == "__main__":
    typer.run(main)
