"""What one answer costs, in counts that do not depend on the machine's load (the
companion of bench/answer_latency.py, whose milliseconds do).

A whole call-listening record is answered (the tests' script, tests/helpers/form.py CALL):

- through the store: SQL statements per Store.set_answer (sqlite3's trace callback) and
  Python function calls per Store.set_answer (cProfile);
- in the capture app at 80x24 on a real pseudo-terminal (the `fieldkit` console script,
  Textual's own driver): bytes written to the terminal for each one-key answer (y / n / a
  digit), and for each key sent to a minimal Textual app that shows it.

Run it from two checkouts (each with its own venv) to compare them:

    .venv/bin/python bench/answer_counts.py
"""

from __future__ import annotations

import cProfile
import fcntl
import json
import os
import pstats
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from answer_latency import CTX, MINIMAL  # noqa: E402
from helpers.form import CALL  # noqa: E402

from fieldkit.checklists import get  # noqa: E402
from fieldkit.context import save  # noqa: E402
from fieldkit.store import Store  # noqa: E402

KEYS = {"minus": b"-", "colon": b":", "space": b" ", "full_stop": b".", "slash": b"/"}
ONE_KEY = set("yna123456789")


def store_counts(work: Path) -> tuple[list[int], list[int]]:
    """SQL statements and Python calls of each Store.set_answer of the call record."""
    statements: list[str] = []
    sql: list[int] = []
    calls: list[int] = []
    with Store.create(work / "store.db") as store:
        rid = store.create_record("call_listening", "kent")
        store.conn.set_trace_callback(statements.append)
        for item, _, value in CALL:
            if value is None or item == "cl_call_datetime":  # Enter on empty: now
                continue
            raw = json.loads(value) if isinstance(value, str) and value[:1] == "[" else value
            statements.clear()
            profile = cProfile.Profile()
            profile.runcall(store.set_answer, rid, item, raw)
            sql.append(len(statements))
            calls.append(pstats.Stats(profile).total_calls)
        store.conn.set_trace_callback(None)
    return sql, calls


class Terminal:
    """A program on an 80x24 pseudo-terminal; `until` reads what it writes."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(
            command, stdin=child, stdout=child, stderr=child, env=env, start_new_session=True
        )
        os.close(child)

    def until(self, text: bytes | None, quiet: float = 0.3, limit: float = 20.0) -> bytes:
        """Everything written until `text` has been seen (if given) and nothing more came
        for `quiet` seconds."""
        out = b""
        start = last = time.monotonic()
        while time.monotonic() - start < limit:
            if select.select([self.fd], [], [], 0.05)[0]:
                out += os.read(self.fd, 65536)
                last = time.monotonic()
            elif (text is None or text in out) and time.monotonic() - last > quiet:
                break
        return out

    def send(self, key: bytes) -> None:
        os.write(self.fd, key)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        os.close(self.fd)


def app_bytes(work: Path, env: dict[str, str]) -> list[int]:
    """Bytes written to the terminal for each one-key answer of the call record."""
    db = work / "app.db"
    with Store.create(db) as store:
        save(CTX, work / "config" / "fieldkit" / "context.json", database_id=store.database_id)
    number = {i.id: i.position for i in get("call_listening").items}
    term = Terminal(
        [str(Path(sys.executable).with_name("fieldkit"))], dict(env, FIELDKIT_DB=str(db))
    )
    sizes: list[int] = []
    try:
        term.until(b"New record", quiet=1.0)
        term.send(b"1")
        term.until(b"New draft saved", quiet=0.5)
        for item, keys, _ in CALL:
            if len(keys) == 1 and keys[0] in ONE_KEY:
                term.send(keys[0].encode())
                sizes.append(len(term.until(f"Saved {number[item]} (".encode())))
                continue
            for k in keys:
                term.send(b"\r" if k == "enter" else KEYS.get(k, k.encode()))
            term.until(None, quiet=0.4)
    finally:
        term.close()
    return sizes


def minimal_bytes(n: int, env: dict[str, str]) -> list[int]:
    term = Terminal([sys.executable, "-c", MINIMAL], env)
    try:
        term.until(b"ready", quiet=1.0)
        sizes = []
        for i in range(1, n + 1):
            term.send(b"y")
            sizes.append(len(term.until(f"Saved {i}:".encode())))
    finally:
        term.close()
    return sizes


def line(name: str, values: list[int]) -> str:
    return (
        f"  {name}: median {statistics.median(values):,.0f}, "
        f"min {min(values):,}, max {max(values):,} ({len(values)} answers)"
    )


def main() -> None:
    """Per answer: SQL statements, Python calls, bytes to the terminal."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(
            os.environ, XDG_CONFIG_HOME=str(work / "config"), HOME=str(work), TERM="xterm-256color"
        )
        env.pop("TMUX", None)
        sql, calls = store_counts(work)
        ours = app_bytes(work, env)
        base = minimal_bytes(len(ours), env)
    print("one answer of a call record, counted (independent of the machine's load):")
    print(line("SQL statements per Store.set_answer", sql))
    print(line("Python calls per Store.set_answer", calls))
    print(line("bytes to an 80x24 terminal per one-key answer, fieldkit", ours))
    print(line("bytes to an 80x24 terminal per key, minimal Textual app", base))


if __name__ == "__main__":
    typer.run(main)
