"""Helpers for crash tests: run fieldkit in a real process and SIGKILL it mid-flight, and a
big CSV to give it something to do."""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def fieldkit_process(*args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fieldkit", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


# Between polls: short next to a run (about a second), so kill points still land all through
# it, and long enough that the poller leaves the CPU to the process it watches.
POLL_SECONDS = 0.002


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool]) -> bool:
    """SIGKILL the process as soon as `ready()` holds (polled every POLL_SECONDS).
    Returns True if it was killed, False if it finished first."""
    while proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(POLL_SECONDS)
    return False


def wal_size(db: Path) -> int:
    try:
        return os.stat(f"{db}-wal").st_size
    except FileNotFoundError:
        return 0


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def canonical(db: Path) -> tuple[list[tuple], ...]:
    """Everything a user could see: the log, the current cells, records and conflicts."""
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(q).fetchall()
            for q in (
                "SELECT id, hlc, record_id, kind, field, rkey, value FROM changes ORDER BY id",
                "SELECT record_id, kind, field, rkey, value FROM cells ORDER BY 1, 2, 3, 4",
                "SELECT * FROM records ORDER BY record_id",
                "SELECT change_id, value FROM conflicts ORDER BY change_id",
            )
        )
    finally:
        conn.close()


def printed(proc: subprocess.Popen[bytes]) -> bool:
    """Has the process written anything to stdout yet? (Non-blocking.)"""
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    chunk = proc.stdout.read(1)
    return bool(chunk)


ROWS = 2500


def big_csv(path: Path) -> Path:
    """ROWS final Kent case files (fixed seed): about a second of work for an import or merge."""
    rng = random.Random(11)
    header = [
        "force",
        "observed_at",
        "status",
        "cf_crime_ref",
        "cf_offence_category",
        "cf_da_flag",
        "cf_victim_injured",
        "cf_t2_bwv_used",
        "cf_notes",
    ]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for n in range(ROWS):
            w.writerow(
                [
                    "Kent",
                    "2015-06-01",
                    "final",
                    f"CR/{n:05d}",
                    "abh",
                    "yes",
                    rng.choice(["yes", "no"]),
                    rng.choice(["yes", "no", "na"]),
                    "file reviewed in full " * 5,
                ]
            )
    return path
