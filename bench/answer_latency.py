"""Time from a key to the screen saying the answer is saved, in a real terminal, as a
ratio to a minimal Textual app that shows each key it gets (needs tmux).

Both apps run in tmux at 80x24 on a tmux server of their own. The minimal app is a Static
that shows "Saved <n>: <key>" for each key. fieldkit is the `fieldkit` console script on a
new database: a whole call-listening record is typed (the tests' script,
tests/test_tui_form.py CALL); for every answer given by one key (y / n / a / a digit) the
time is taken from `tmux send-keys` to its "Saved <number> (...)" line on screen (the pane
is read every 2 ms), and to its row marked "✓ saved" (drawn in the next frame, with the
move to the next question). The minimal app gets the same number of keys. Medians and the ratio
are printed; the 90th percentile and the worst are printed too (target: at most 1.2x).
So is the CPU time each program used per timed key (read from /proc, from the key sent to
50 ms after its result is on screen, when the work a key caused is done): it depends far
less than the wall clock on what else the machine runs. Last, counts: the same record
typed in the app run headless in this process, the median Python calls per one-key answer (the
store's write, the form's handling and Textual's work until the app is idle again) and
how often the stylesheet was re-applied to a widget per key.

Then, does an answer cost more far down a long form? A case-file review (about 100
questions) is opened twice: at item 5, and at item 95 (every question before it answered
through the store, the offence outcome a caution so item 95 applies). At each, `up` then
y / n alternately are sent (the form moves on after an answer; `up` comes back) and the
time from the y or n to its "Saved" line is taken. Medians at both places are printed
(target: equal within noise).

    .venv/bin/python bench/answer_latency.py [--repeats 30]
"""

from __future__ import annotations

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

from fieldkit.checklists import NA, get  # noqa: E402
from fieldkit.context import InspectionContext, save  # noqa: E402
from fieldkit.store import Store  # noqa: E402
from fieldkit.tui.form_model import FormModel  # noqa: E402

CTX = InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")

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
        self.pid: int | None = None
        self.cpu = 0.0  # CPU seconds the program used while handling the timed keys

    def process_cpu(self) -> float:
        """CPU seconds the pane's program has used so far (all its threads; Linux)."""
        if self.pid is None:
            out = subprocess.run(
                self.tmux + ["display-message", "-p", "#{pane_pid}"],
                capture_output=True,
                text=True,
            ).stdout
            self.pid = int(out.strip())
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


def status_of(screen: str) -> str:
    """The status line above the key bar: two lines when a message needs them (it starts
    with its mark, ✓ ✗ or ⚠; the line above a one-line status is the hint panel's, which
    changes with the focus and must not count)."""
    lines = screen.splitlines()
    two = len(lines) > 2 and lines[-3].lstrip().startswith(("✓", "✗", "⚠"))
    return "\n".join(lines[-3 if two else -2 : -1])


def saved(number: int, before: str) -> Callable[[str], bool]:
    """The status line has changed and says question `number` was saved."""

    def ready(screen: str) -> bool:
        line = status_of(screen)
        return line != before and f"Saved {number} (" in line

    return ready


def timed(
    pane: Pane,
    key: str,
    shown: Callable[[str], bool],
    then: Callable[[str], bool] | None = None,
    after: list[float] | None = None,
) -> float:
    """Time from sending `key` to `shown` on screen; with `then`, also to `then` (added
    to `after`)."""
    cpu = pane.process_cpu()
    start = time.perf_counter()
    pane.send(key)
    pane.wait(shown)
    took = time.perf_counter() - start
    if then is not None and after is not None:
        pane.wait(then)
        after.append(time.perf_counter() - start)
    time.sleep(0.05)  # what the key set off after its result was shown counts too
    pane.cpu += pane.process_cpu() - cpu
    return took


def row_marked(number: int) -> Callable[[str], bool]:
    """Question `number`'s row shows its answer saved (its mark, drawn with the move to
    the next question in the frame after the status line)."""

    def ready(screen: str) -> bool:
        return any(f" {number} · " in line and "✓ saved" in line for line in screen.splitlines())

    return ready


def new_database(work: Path, name: str) -> Path:
    """A database with the inspection context remembered for it."""
    db = work / name
    with Store.create(db) as store:
        save(CTX, work / "config" / "fieldkit" / "context.json", database_id=store.database_id)
    return db


def fieldkit_run(work: Path, env: dict[str, str], marked: list[float]) -> tuple[list[float], float]:
    db = new_database(work, "bench.db")
    number = {i.id: i.position for i in get("call_listening").items}
    fieldkit = Path(sys.executable).with_name("fieldkit")
    pane = Pane("fk-bench", str(fieldkit), dict(env, FIELDKIT_DB=str(db)))
    times: list[float] = []
    try:
        pane.wait(lambda s: "New record" in s)
        pane.send("1")
        pane.wait(lambda s: "New draft saved" in s)
        for item, keys, value in CALL:
            status = status_of(pane.text())
            keys = [KEYS.get(k, k) for k in keys]
            if len(keys) == 1 and keys[0] in "yna123456789":
                n = number[item]
                times.append(timed(pane, keys[0], saved(n, status), row_marked(n), marked))
                continue
            for k in keys:
                if k == "enter":
                    pane.send("Enter", literal=False)
                else:
                    pane.send(k)
            if value is not None:
                pane.wait(saved(number[item], status))
    finally:
        pane.close()
    return times, pane.cpu


def answers_before(position: int) -> dict[tuple[str, str], object]:
    """Answers to every required question of a case-file review before `position`, a
    caution as the outcome (so the caution question applies): what a reviewer would
    have entered by then."""
    checklist = get("case_file_review")
    model = FormModel(checklist)
    for entry in model.entries():
        item = entry.item
        if item.position >= position:
            break
        if not item.answerable or not item.required or model.auto_na(entry):
            continue
        if item.kind in ("yn", "ynna"):
            value: object = "yes"
        elif item.kind == "q4":
            value = 3
        elif item.kind == "choice":
            caution = [c.code for c in item.choices if "caution" in c.label.lower()]
            value = caution[0] if caution else item.choices[0].code
        elif item.kind == "multi":
            value = [item.choices[0].code]
        elif item.kind in ("count", "minutes", "decimal"):
            value = 1
        elif item.kind == "date":
            value = "2015-05-02"
        elif item.kind == "time":
            value = "10:00"
        elif item.kind == "datetime":
            value = "2015-05-02T10:00"
        else:
            value = "CF-0001"
        model.answers[entry.key] = value
    return {k: v for k, v in model.answers.items() if v != NA}


def focused_on(number: int) -> Callable[[str], bool]:
    """The question `number` is the focused one (its row has the thick left bar)."""

    def ready(screen: str) -> bool:
        return any(line.startswith("█") and f" {number} · " in line for line in screen.splitlines())

    return ready


def case_file_run(
    work: Path, env: dict[str, str], position: int, repeats: int
) -> tuple[int, list[float], float]:
    """Answer the question at `position` of a case-file review again and again."""
    checklist = get("case_file_review")
    # the yes/no question nearest `position` that applies once the form is filled in
    model = FormModel(checklist, dict(answers_before(10_000)))
    target = min(
        (
            e.item
            for e in model.entries()
            if e.item.kind in ("yn", "ynna") and e.item.required and model.navigable(e)
        ),
        key=lambda i: abs(i.position - position),
    )
    db = new_database(work, f"case-{position}.db")
    with Store.open(db) as store:
        rid = store.create_record("case_file_review", "kent", subject_ref=f"CF-{position}")
        for (item_id, rkey), value in answers_before(target.position).items():
            store.set_answer(rid, item_id, value, rkey)
    fieldkit = Path(sys.executable).with_name("fieldkit")
    pane = Pane(f"fk-bench-{position}", str(fieldkit), dict(env, FIELDKIT_DB=str(db)))
    times: list[float] = []
    try:
        pane.wait(lambda s: "Drafts waiting" in s)
        pane.send("Enter", literal=False)  # resume the draft: it opens at the question
        pane.wait(lambda s: f"{target.position} · " in s)
        for n in range(repeats):
            status = status_of(pane.text())
            if n:
                pane.send("Up", literal=False)
                pane.wait(focused_on(target.position))
            times.append(timed(pane, "yn"[n % 2], saved(target.position, status)))
    finally:
        pane.close()
    return target.position, times, pane.cpu


def minimal_run(n: int, env: dict[str, str]) -> tuple[list[float], float]:
    pane = Pane("fk-bench-min", f"{sys.executable} -c '{MINIMAL}'", env)
    times: list[float] = []
    try:
        pane.wait(lambda s: "ready" in s)
        for i in range(1, n + 1):
            times.append(timed(pane, "y", lambda s, i=i: f"Saved {i}:" in s))
    finally:
        pane.close()
    return times, pane.cpu


def python_calls(work: Path) -> tuple[float, float, int]:
    """Python calls, and stylesheet applications, per one-key answer of the call record in
    the app run headless in this process at 80x24 (each key posted as the terminal would,
    then 0.1 s for everything it sets off): counts, which the machine's load does not move."""
    import asyncio
    import cProfile
    import pstats

    from textual import events
    from textual.css.stylesheet import Stylesheet

    from fieldkit.tui.app import make_app
    from fieldkit.tui.screens.form import FormScreen

    db = new_database(work, "calls.db")
    applied = [0]
    apply = Stylesheet.apply

    def counted(self: Stylesheet, *args: object, **kw: object) -> None:
        applied[0] += 1
        apply(self, *args, **kw)  # type: ignore[arg-type]

    async def run() -> list[int]:
        app = make_app(db, context_path=work / "config" / "fieldkit" / "context.json")
        app.cursor_blink = False
        per_answer: list[int] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("1")
            while not isinstance(app.screen, FormScreen):
                await pilot.pause()
            await pilot.pause()
            Stylesheet.apply = counted  # type: ignore[method-assign]
            for _, keys, _ in CALL:
                one = len(keys) == 1 and keys[0] in "yna123456789"
                for name in keys:
                    char = "\r" if name == "enter" else KEYS.get(name, name)
                    profile = cProfile.Profile()
                    if one:
                        profile.enable()
                    app.post_message(events.Key(name, char if len(char) == 1 else None))
                    await asyncio.sleep(0.1)
                    if one:
                        profile.disable()
                        per_answer.append(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]
            Stylesheet.apply = apply  # type: ignore[method-assign]
        return per_answer

    applied[0] = 0
    per_answer = asyncio.run(run())
    keys = len([k for _, ks, _ in CALL for k in ks])
    return statistics.median(per_answer), applied[0] / keys, len(per_answer)


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(len(ordered) * 0.9)]
    return (
        f"  {name:<22} median {statistics.median(ordered) * 1000:5.1f} ms, 90th "
        f"{p90 * 1000:5.1f} ms, worst {ordered[-1] * 1000:5.1f} ms ({len(ordered)} keys)"
    )


def main(
    repeats: int = typer.Option(30, help="answers timed at each place in the long form"),
) -> None:
    """Key to 'saved' on screen in tmux: fieldkit's form against a minimal Textual app,
    and at item 5 against item 95 of a case-file review."""
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed (apt-get install tmux)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(os.environ, XDG_CONFIG_HOME=str(work / "config"), HOME=str(work))
        env.pop("TMUX", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # run from compiled bytecode, as installed
        (work / "config" / "fieldkit").mkdir(parents=True)
        marked: list[float] = []
        ours, ours_cpu = fieldkit_run(work, env, marked)
        base, base_cpu = minimal_run(len(ours), env)
        early = case_file_run(work, env, 5, repeats)
        late = case_file_run(work, env, 95, repeats)
        calls, styled, answers = python_calls(work)
    print("key sent to its result on screen, tmux 80x24:")
    print(summary("minimal Textual app", base))
    print(summary("fieldkit form", ours))
    print(
        f"ratio of medians: {statistics.median(ours) / statistics.median(base):.2f}x"
        " (target <= 1.2x)"
    )
    print(summary("fieldkit, row marked", marked) + " (the frame after: the answer's row")
    print("  marked saved and the focus on the next question)")
    # CPU time depends far less on other programs than the wall clock does
    mine, theirs = ours_cpu * 1000 / len(ours), base_cpu * 1000 / len(base)
    print(
        f"CPU the program used per timed key: fieldkit {mine:.1f} ms, minimal app "
        f"{theirs:.1f} ms ({mine / theirs:.2f}x)"
    )
    print(
        f"in the app, headless: median {calls:,.0f} Python calls per one-key answer "
        f"({answers} answers), {styled:.2f} stylesheet applications per key"
    )
    print("case-file review (about 100 questions), the same answer again and again:")
    print(summary(f"at item {early[0]}", early[1]) + f", CPU {early[2] * 1000 / repeats:.1f} ms")
    print(summary(f"at item {late[0]}", late[1]) + f", CPU {late[2] * 1000 / repeats:.1f} ms")
    print(
        f"item {late[0]} / item {early[0]}: "
        f"{statistics.median(late[1]) / statistics.median(early[1]):.2f}x"
        " (target: equal within noise)"
    )


if __name__ == "__main__":
    typer.run(main)
