"""The capture app in a real terminal (tmux), killed with SIGKILL at random moments.

One call record is answered by keys in `fieldkit capture`, running in a detached tmux
session at 80x24 on a tmux server of its own. Several times the process is killed: after
some answers had settled, mid-way through typing a text answer, right after a key was sent
(before the screen could change), a few screen reads after a key. Each time the database
must pass `PRAGMA integrity_check` and hold every answer the screen had shown as saved
(the form's status line "✓ Saved <number> (<question>) = <value>" and the rows' "✓ saved" markers), with
the value shown. Then the app is started again, resumes the draft, and answering goes on.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import re
import shlex
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers.form import CALL

from fieldkit.checklists import NA, Item, get
from fieldkit.checklists.model import AnswerError
from fieldkit.context import InspectionContext, save
from fieldkit.store import Store
from fieldkit.tui.form_model import FormModel
from fieldkit.tui.widgets.item_row import NOW_KINDS, TEXT_KINDS, display, meta_text

pytestmark = pytest.mark.slow
TMUX = shutil.which("tmux")
CHECKLIST = get("call_listening")
BY_NUMBER = {e.number: e.item for e in FormModel(CHECKLIST).entries()}
KEY_CHARS = {
    "minus": "-",
    "colon": ":",
    "space": " ",
    "full_stop": ".",
    "slash": "/",
    "enter": "Enter",
}
NAMED_KEYS = ("Enter", "C-f")  # sent by name; everything else is typed literally
WAIT_SECONDS = 30  # the longest any screen state may take to appear
SEED = 7
# The script: every answer of the call record except the last (Enter on an empty optional
# item saves nothing), as tmux keys: characters typed literally, and "Enter".
SCRIPT = [(i, [KEY_CHARS.get(k, k) for k in keys]) for i, keys, _ in CALL[:-1]]
ANSWER = {i: v for i, _, v in CALL}


# ------------------------------------------------------------------------------ tmux
class Tmux:
    """A tmux server of our own (-L): never the user's. The app is the pane's process."""

    def __init__(self, socket: str, env: dict[str, str]) -> None:
        self.socket = socket
        self.env = env
        self.pid = 0

    def __call__(self, *args: str, check: bool = True) -> str:
        assert TMUX is not None
        proc = subprocess.run(
            [TMUX, "-u", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def start(self, *command: str) -> None:
        env = [f"{k}={v}" for k, v in self.env.items() if k in PASSED]
        self(
            "new-session",
            "-d",
            "-s",
            "fk",
            "-x",
            "80",
            "-y",
            "24",
            *(a for e in env for a in ("-e", e)),
            *command,
        )
        self.pid = int(self("list-panes", "-t", "fk", "-F", "#{pane_pid}").split()[0])
        cmdline = Path(f"/proc/{self.pid}/cmdline").read_bytes().split(b"\0")
        assert b"fieldkit" in cmdline, cmdline  # the pane's process is the app itself

    def screen(self) -> list[str]:
        return self("capture-pane", "-p", "-t", "fk").splitlines()

    def keys(self, keys: list[str]) -> None:
        """Send keys in one tmux command: runs of characters literally, Enter by name."""
        sends: list[list[str]] = []
        text = ""
        for k in keys:
            if k in NAMED_KEYS:
                if text:
                    sends.append(["-l", text])
                    text = ""
                sends.append([k])
            else:
                text += k
        if text:
            sends.append(["-l", text])
        args: list[str] = []
        for send in sends:
            args += [";"] if args else []
            args += ["send-keys", "-t", "fk", *send]
        self(*args)

    def has_session(self) -> bool:
        assert TMUX is not None
        args = [TMUX, "-L", self.socket, "-f", "/dev/null", "has-session", "-t", "fk"]
        return subprocess.run(args, capture_output=True, env=self.env).returncode == 0

    def kill_app(self) -> None:
        """SIGKILL the app: no clean shutdown, no flush. Returns once the process is gone
        (its files closed) and tmux has closed the pane."""
        os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + WAIT_SECONDS
        while (
            Path(f"/proc/{self.pid}/cmdline").exists()
            and b"fieldkit" in Path(f"/proc/{self.pid}/cmdline").read_bytes()
        ):  # a zombie's cmdline is empty: it has exited
            assert time.monotonic() < deadline, "the app did not die"
        while self.has_session():
            assert time.monotonic() < deadline, "tmux kept the dead app's session"

    def stop(self) -> None:
        self("kill-server", check=False)
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


PASSED = ("XDG_CONFIG_HOME", "HOME", "LANG", "LC_ALL", "TERM", "PYTHONUNBUFFERED")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    assert TMUX is not None, "tmux is needed for the real-terminal tests (.ci/run installs it)"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "PYTHONUNBUFFERED": "1",
    }
    # the server's socket in a directory of the test's own, removed afterwards
    sockets = tempfile.mkdtemp(prefix="fk-tmux-")
    env["TMUX_TMPDIR"] = sockets
    t = Tmux("fieldkit-test", env)
    try:
        yield t
    finally:
        t.stop()
        shutil.rmtree(sockets, ignore_errors=True)


# ---------------------------------------------------------------------- reading the screen
STATUS = re.compile(r"✓ .*?Saved (\d+)(?: \[\w*\])? \(.*?\) = (.*)$")
SAVED_ROW = re.compile(r"^[█▌▐│ ]*(\d+) · (.*?)\s*✓ saved")
AUTO_ROW = re.compile(r"^[█▌▐│ ]*(\d+) · n/a \(auto\) because ")


@dataclass
class Shown:
    """What the screen has shown as saved: item -> (value text, how much of the value it
    is: "exact", "prefix" (a status line cut short) or "part" (a text field scrolled))."""

    values: dict[str, tuple[str, str]] = field(default_factory=dict)
    auto: set[str] = field(default_factory=set)

    def read(self, lines: list[str]) -> None:
        for n, line in enumerate(lines):
            m = STATUS.search(line)
            if m:
                number, rest = m.groups()
                after = lines[n + 1] if n + 1 < len(lines) else ""
                if after.strip() and "Finalise" not in after:  # the status line wrapped
                    rest = f"{rest.rstrip()} {after.strip()}"
                item_id = BY_NUMBER[int(number)].id
                rest = rest.rstrip()
                how = "prefix" if rest.endswith("…") else "exact"  # … when cut short
                rest = rest.removesuffix("…")
                for more in ("; now n/a (auto): ", "; no longer n/a: "):
                    if more in rest:
                        rest, how = rest.partition(more)[0], "exact"
                self.values[item_id] = (cleared(rest.strip()), how)
                continue
            m = AUTO_ROW.match(line)
            if m and int(m.group(1)) in BY_NUMBER:
                self.auto.add(BY_NUMBER[int(m.group(1))].id)
                continue
            m = SAVED_ROW.match(line)
            if m and int(m.group(1)) in BY_NUMBER:
                item = BY_NUMBER[int(m.group(1))]
                rest = m.group(2)
                meta = meta_text(item)
                if not rest.startswith(meta):
                    continue  # wrapped or cut: not a whole row line
                value = rest[len(meta) :].strip().removeprefix("▸ ").strip()
                how = "part" if item.kind in TEXT_KINDS else "exact"  # a field scrolls
                self.values[item.id] = (cleared(value), how)


def cleared(text: str) -> str:
    """A saved answer shown as none ('— unanswered' on a row, '(cleared)' in the status)
    reads as ''."""
    return "" if text in ("— unanswered", "(cleared)") else text


def forms(item: Item, value: Any) -> set[str]:
    """How a stored value can read on screen (a choice row, a text field)."""
    return {display(item, value), str(value), "na" if value == NA else display(item, value)}


def matches(item: Item, value: Any, shown: tuple[str, str]) -> bool:
    """Does the stored value read as the screen showed it?"""
    text, how = shown
    if value is None or text == "":
        return value is None and text == "" and how == "exact"
    if how == "exact":
        return text in forms(item, value)
    if how == "prefix":
        return any(f.startswith(text) for f in forms(item, value))
    return any(text in f for f in forms(item, value))


def stored(db: Path) -> tuple[str, dict[str, Any]]:
    conn = sqlite3.connect(db)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute("SELECT field, value FROM cells WHERE kind = 'answer'").fetchall()
    finally:
        conn.close()
    return check, {f: v for f, v in rows if v is not None}


def progression(item_id: str, keys: list[str]) -> list[Any]:
    """The values the store may hold for an answer whose keys were (partly) sent: the
    saved states its keys pass through (a multi-choice toggled digit by digit, a text
    autosaved part-typed), and the whole answer."""
    item = CHECKLIST.item(item_id)
    out: list[Any] = []
    text = "".join(k for k in keys if k != "Enter")
    if item.kind == "multi":
        chosen: list[str] = []
        for k in text:
            code = item.choices[int(k) - 1].code
            chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
            out.append(item.parse(chosen))
    elif item.kind in TEXT_KINDS:
        for n in range(1, len(text) + 1):
            try:
                out.append(item.parse(text[:n]))
            except AnswerError:
                continue
    else:
        out.append(ANSWER[item_id])  # one key: y, n, a (n/a), a digit
    return out


def possible(item_id: str, keys: list[str], value: Any) -> bool:
    """Could the store hold `value` for an answer whose keys were (partly) sent?"""
    if keys == ["Enter"] and CHECKLIST.item(item_id).kind in NOW_KINDS:
        return value is not None  # Enter on an empty date: the time it was pressed
    return value in progression(item_id, keys)


def until(t: Tmux, shown: Shown, done: Callable[[list[str]], bool], what: str) -> list[str]:
    """Read the screen until `done(lines)`: bounded, no sleeping; every read is evidence."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        lines = t.screen()
        shown.read(lines)
        if done(lines):
            return lines
        if time.monotonic() > deadline:
            raise AssertionError(f"waited for {what}; the screen:\n" + "\n".join(lines))


def focused_on(item_id: str) -> Callable[[list[str]], bool]:
    prompt = CHECKLIST.item(item_id).prompt[:30]
    return lambda lines: any(ln.startswith("█") and prompt in ln for ln in lines)


# ----------------------------------------------------------------------------- the test
@dataclass
class KillPoint:
    index: int  # the answer (in SCRIPT) being given when the app is killed
    how: str  # settled | in_flight | mid_typing | after_reads


def kill_points(rng: random.Random, n: int = 10) -> list[KillPoint]:
    """`n` moments spread over the record: two mid-way through typing a text answer, the
    others after a random number of answers, dying in a random one of the other ways."""
    typed = [i for i, (item_id, _) in enumerate(SCRIPT) if i and _is_typed(item_id)]
    points = [KillPoint(i, "mid_typing") for i in rng.sample(typed, 2)]
    others = [i for i in range(1, len(SCRIPT)) if i not in typed]
    step = len(others) // (n - 2)
    for k in range(n - 2):
        index = others[k * step + rng.randrange(step)]
        points.append(KillPoint(index, rng.choice(["settled", "in_flight", "after_reads"])))
    return sorted(points, key=lambda p: p.index)


def _is_typed(item_id: str) -> bool:
    _, keys = SCRIPT[[i for i, _ in SCRIPT].index(item_id)]
    return CHECKLIST.item(item_id).kind in TEXT_KINDS and len(keys) > 2


def next_index(answers: dict[str, Any]) -> int:
    """Where the reopened form starts: its first unanswered required question."""
    model = FormModel(CHECKLIST, {(k, ""): v for k, v in answers.items()})
    entries = model.entries()
    item_id = entries[model.first_unanswered(entries)].item.id
    return [i for i, _ in SCRIPT].index(item_id)


def test_sigkill_in_a_real_terminal_loses_nothing_shown_as_saved(
    tmux: Tmux, tmp_path: Path
) -> None:
    db = tmp_path / "capture.db"
    with Store.create(db) as store:  # `capture` asks before creating a database
        save(
            InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff"),
            Path(tmux.env["XDG_CONFIG_HOME"]) / "fieldkit" / "context.json",
            database_id=store.database_id,
        )
    rng = random.Random(SEED)
    points = kill_points(rng)
    confirmed: dict[str, Any] = {}  # answers checked in the database after a kill
    checks = 0
    start = 0
    outcomes: list[str] = []
    for session, point in enumerate(points):
        shown = Shown()
        open_form(tmux, shown, db, SCRIPT[start][0], new=session == 0)
        target = max(point.index, start)
        # answer up to the kill point, each answer settling on screen
        for item_id, keys in SCRIPT[start:target]:
            answer(tmux, shown, item_id, keys)
        item_id, keys = SCRIPT[target]
        if point.how == "mid_typing" and _is_typed(item_id):
            typed = "".join(k for k in keys if k != "Enter")
            part = typed[: max(1, len(typed) // 2)]
            tmux.keys([part])
            until(tmux, shown, typing_shown(shown, item_id), f"{part!r} typed into {item_id}")
        elif point.how == "settled":
            answer(tmux, shown, item_id, keys)
        else:
            tmux.keys(keys)
            if point.how == "after_reads":
                for _ in range(rng.randrange(1, 6)):
                    shown.read(tmux.screen())
        tmux.kill_app()

        check, answers = stored(db)
        assert check == "ok"
        for other, value in confirmed.items():
            assert answers.get(other) == value, f"{other} was saved, now lost (kill {session})"
        for shown_id, text in shown.values.items():
            item = CHECKLIST.item(shown_id)
            value = answers.get(shown_id)
            if shown_id == item_id:
                # the answer being given when the app died: what was shown, or a later
                # state of the same keys
                assert matches(item, value, text) or possible(item_id, keys, value), (
                    shown_id,
                    text,
                    value,
                )
            else:
                assert matches(item, value, text), (shown_id, text, value)
            checks += 1
        for auto_id in shown.auto:
            assert answers.get(auto_id) == NA, auto_id
            checks += 1
        if item_id not in shown.values:
            value = answers.get(item_id)
            assert value is None or possible(item_id, keys, value), (item_id, value)
        outcomes.append(
            f"{point.how} at {item_id}: "
            + ("shown saved, " if item_id in shown.values else "not shown, ")
            + ("stored" if answers.get(item_id) is not None else "not stored")
        )
        confirmed = {k: answers[k] for k in {*confirmed, *shown.values, *shown.auto}}
        start = next_index(answers)
    assert len(confirmed) >= len(SCRIPT) // 2  # the screen showed most answers as saved

    # Once more: the rest of the record, finalised, and a clean quit.
    shown = Shown()
    open_form(tmux, shown, db, SCRIPT[start][0], new=False)
    for item_id, keys in SCRIPT[start:]:
        answer(tmux, shown, item_id, keys)
    tmux.keys(["C-f"])
    until(tmux, shown, on_screen("No drafts waiting at this force"), "the record to be final")
    tmux.keys(["q"])
    deadline = time.monotonic() + WAIT_SECONDS
    while tmux.has_session():
        assert time.monotonic() < deadline, "the app did not quit"
    check, answers = stored(db)
    assert check == "ok"
    for other, value in confirmed.items():
        assert answers.get(other) == value, f"{other} was saved, now lost"
    for shown_id, text in shown.values.items():
        assert matches(CHECKLIST.item(shown_id), answers.get(shown_id), text), shown_id
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM records").fetchall() == [("final",)]
    conn.close()
    print(f"{len(points)} kills, {checks} shown-as-saved checks, {len(confirmed)} answers kept")
    print("\n".join(outcomes))


def on_screen(text: str) -> Callable[[list[str]], bool]:
    return lambda lines: any(text in ln for ln in lines)


def open_form(t: Tmux, shown: Shown, db: Path, first: str, *, new: bool) -> None:
    """Start the app; begin a new call record, or resume the draft from the dashboard.
    The form opens at `first` (the first unanswered required question)."""
    t.start(sys.executable, "-m", "fieldkit", "capture", "--db", str(db))
    if new:
        until(t, shown, on_screen("New record: press 1-"), "the dashboard")
        t.keys(["1"])
    else:
        until(t, shown, on_screen("Drafts waiting at this force: 1"), "the draft")
        t.keys(["Enter"])  # resume it
    until(t, shown, focused_on(first), f"the form, at {first}")


def answer(t: Tmux, shown: Shown, item_id: str, keys: list[str]) -> None:
    """Give one answer and wait until the screen shows it saved, with its whole value (a
    multi-choice shows a save per digit: the last)."""
    item = CHECKLIST.item(item_id)
    final = progression(item_id, keys)[-1] if item.kind == "multi" else None

    def settled(_: list[str]) -> bool:
        if item_id not in shown.values:
            return False
        return final is None or matches(item, final, shown.values[item_id])

    t.keys(keys)
    until(t, shown, settled, f"{item_id} to show as saved")


def typing_shown(shown: Shown, item_id: str) -> Callable[[list[str]], bool]:
    """The focused question shows typed text not saved yet (the text itself may not be
    visible: a long description leaves the field only a few columns at 80 wide), or
    already saved (autosaved after a second's pause)."""
    return lambda lines: (
        item_id in shown.values
        or any(ln.startswith("█") and "● not saved yet" in ln for ln in lines)
    )


# ------------------------------------------------- stored escape sequences, real terminal
# A merged database whose case-file definition (title, sections, prompts, help, choices)
# and answers hold OSC 52 (clipboard := "PWNED"), CSI 2J, 8-bit C1, DEL and Rich markup
# (tests/helpers/hostile_text.py). The capture app and every report format run on a real
# pseudo-terminal; the raw bytes written to it must hold none of the payloads' sequences.


def hold_then_run(t: Tmux, raw: Path, *command: str) -> None:
    """Start `command` in a tmux pane whose every output byte goes to `raw`: the pane's
    shell waits for a line before it execs the command, so the pipe is on first. The
    server takes OSC 52 (set-clipboard on): a raw one from the pane becomes a paste buffer
    (a printf of one does), so `list-buffers` tells whether any got through."""
    env = [f"{k}={v}" for k, v in t.env.items() if k in PASSED]
    line = " ".join(shlex.quote(c) for c in command)
    t("new-session", "-d", "-s", "keep", "cat")  # keeps the server (and its buffers) up
    t("set-option", "-s", "set-clipboard", "on")  # OSC 52 from a pane is taken as a buffer
    t(
        "new-session", "-d", "-s", "fk", "-x", "100", "-y", "30",
        *(a for e in env for a in ("-e", e)),
        "sh", "-c", f"read go; exec {line}",
    )  # fmt: skip
    t("pipe-pane", "-O", "-t", "fk", f"cat >> {shlex.quote(str(raw))}")
    t.keys(["Enter"])


def test_stored_escape_sequences_never_reach_the_terminal(tmux: Tmux, tmp_path: Path) -> None:
    from helpers.hostile_text import hostile_db, leaked

    team = hostile_db(tmp_path)
    with Store.open(team) as store:
        save(
            InspectionContext("PEEL [/x] 2015", "kent", "A. [bold]Inspector", "hmic_staff"),
            Path(tmux.env["XDG_CONFIG_HOME"]) / "fieldkit" / "context.json",
            database_id=store.database_id,
        )
    raw = tmp_path / "terminal.bin"
    shown = Shown()
    hold_then_run(tmux, raw, sys.executable, "-m", "fieldkit", "capture", "--db", str(team))
    until(tmux, shown, on_screen("Drafts waiting at this force: 1"), "the dashboard")
    tmux.keys(["Enter"])  # the draft whose checklist title, prompts and answers are hostile
    until(tmux, shown, on_screen("▕█ Offence category"), "the form, at its first question")
    tmux("send-keys", "-t", "fk", "PageDown")  # the next section: more prompts and help
    until(tmux, shown, on_screen("▸  B. Evidence"), "the next section")
    tmux("send-keys", "-t", "fk", "Escape")
    until(tmux, shown, on_screen("New record: press 1-"), "the dashboard again")
    tmux.keys(["r"])
    until(tmux, shown, on_screen("Records: filter"), "the records")
    tmux("send-keys", "-t", "fk", "Escape")
    until(tmux, shown, on_screen("New record: press 1-"), "the dashboard again")
    tmux.keys(["q"])
    deadline = time.monotonic() + WAIT_SECONDS
    while tmux.has_session():
        assert time.monotonic() < deadline, "the app did not quit"
    written = raw.read_bytes()
    assert b"PWNED" in written  # the hostile text was drawn...
    assert leaked(written) == []  # ...and none of its sequences reached the terminal
    assert tmux("list-buffers") == ""  # nothing was put on the clipboard

    reports = [
        ("report", cmd, "--format", fmt)
        for cmd in ("evidence", "coverage", "scales", "summary")
        for fmt in ("table", "csv", "markdown", "json")
    ] + [
        ("report", "evidence", "--by", "force"),
        ("checklists", "show", "case_file_review"),
        ("checklists", "list"),
        ("register", "show", "eb2014:7"),
        ("register", "report", "--since", "2015-01-01"),
        ("conflicts",),
        ("export", "xlsx", "--out", str(tmp_path / "out.xlsx")),
    ]
    for args in reports:
        out, code = through_a_pty(
            [sys.executable, "-m", "fieldkit", *args, "--db", str(team)], tmux.env
        )
        assert code == 0, (args, out[-500:])
        assert leaked(out) == [], (args, leaked(out))


def through_a_pty(command: list[str], env: dict[str, str]) -> tuple[bytes, int]:
    """Run `command` on a pseudo-terminal of its own (100x30; it sees a terminal, so
    Rich draws colours and the progress bar): every byte it wrote there, and its exit."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the command has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return b"".join(chunks), proc.wait(timeout=WAIT_SECONDS)
