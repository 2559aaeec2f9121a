"""Helpers for crash tests: run fieldkit in a real process and SIGKILL it mid-flight."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def fieldkit_process(*args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fieldkit", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool]) -> bool:
    """SIGKILL the process as soon as `ready()` holds (polled without sleeping).
    Returns True if it was killed, False if it finished first."""
    while proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
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
