"""Benchmark: bytes per answer of a demo database (target: at most 300).

Builds `fieldkit demo` (default seed and scale) into a temporary file, or measures the
database given with --db, and prints its size, its answers, bytes per answer, and the
largest tables and indexes (SQLite's dbstat). Run it before and after a schema change.

Figures (seed 2015, scale 1: 216,304 answers, 240,824 changes): 582 bytes per answer at
schema step 5 (changes 167, cells 142 and its key index 91, changes_cell 91, cells_field
43, the change ids' index 32); 297 from step 6, where current state is a winner mark on
the log and `cells` a view of it (changes 169, changes_cell on (record_id, field) 81, the
change ids' index 32, the stored aggregates and records about 15).

    python bench/size.py                  # a fresh demo database
    python bench/size.py --db /tmp/x.db   # an existing one
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

import typer

from fieldkit.demo import write_demo
from fieldkit.store import Store, read_uri

TARGET = 300


def main(
    db: Path | None = typer.Option(None, "--db", help="measure this database instead"),
    scale: int = typer.Option(1, help="demo scale (when building one)"),
) -> None:
    """Bytes per answer of a fieldkit database."""
    with tempfile.TemporaryDirectory(prefix="fieldkit-bench-size-") as tmp:
        path = db
        if path is None:
            path = Path(tmp) / "demo.db"
            started = time.perf_counter()
            with Store.create(path, inspector="demo") as s:
                write_demo(s, seed=2015, scale=scale)
                s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"demo --scale {scale} built in {time.perf_counter() - started:.1f}s")
        conn = sqlite3.connect(read_uri(path), uri=True)
        try:
            answers = conn.execute("SELECT count(*) FROM cells WHERE kind = 'answer'").fetchone()[0]
            changes = conn.execute("SELECT count(*) FROM changes").fetchone()[0]
            parts = conn.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8"
            ).fetchall()
        finally:
            conn.close()
        size = path.stat().st_size
        print(f"{path}: {size:,} bytes, {answers:,} answers, {changes:,} changes")
        for name, n in parts:
            print(f"  {name:28s} {n:>13,} bytes  {n / max(answers, 1):6.0f} per answer")
        print(f"bytes per answer: {size / max(answers, 1):.0f}  (target <= {TARGET})")


if __name__ == "__main__":
    typer.run(main)
