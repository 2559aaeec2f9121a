"""Benchmark: `report evidence --by force` drawn as a terminal table against the same
command writing CSV (issue 25 point 11: the table within 2x of the CSV).

Builds (or reuses) a demo database at --scale, then runs the command in this process, the
two formats alternating --repeat times, its output to /dev/null, and prints the median
wall-clock and CPU seconds of each and their ratio, with the load average.

    .venv/bin/python bench/report_table.py --workdir /tmp/fkt
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import typer
from demo_db import build_demo

from fieldkit.cli import main as cli_main


def run(db: Path, fmt: str) -> tuple[float, float]:
    """Seconds (wall, CPU) of one `report evidence --by force --format FMT`."""
    sys.argv = ["fieldkit", "report", "evidence", "--db", str(db), "--by", "force"]
    sys.argv += ["--format", fmt]
    wall, cpu = time.perf_counter(), time.process_time()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        try:
            cli_main()
        except SystemExit as done:
            if done.code:
                raise
    return time.perf_counter() - wall, time.process_time() - cpu


def main(
    scale: int = 1,
    repeat: int = typer.Option(3, help="runs of each format"),
    workdir: Path | None = typer.Option(None, help="keep (and reuse) the database here"),
) -> None:
    """Time the by-force evidence report as a table against the same report as CSV."""
    work = workdir or Path(tempfile.mkdtemp(prefix="fieldkit-bench-table-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"demo-scale{scale}.db"
    build_demo(db, scale=scale)
    times: dict[str, list[tuple[float, float]]] = {"table": [], "csv": []}
    for _ in range(repeat):
        for fmt in times:
            times[fmt].append(run(db, fmt))
    wall = {f: statistics.median(w for w, _ in t) for f, t in times.items()}
    cpu = {f: statistics.median(c for _, c in t) for f, t in times.items()}
    for fmt in times:
        print(f"  {fmt:6s} {wall[fmt]:6.2f} s wall, {cpu[fmt]:6.2f} s CPU (median of {repeat})")
    print(
        f"  ratio  {wall['table'] / wall['csv']:6.2f}x wall, {cpu['table'] / cpu['csv']:.2f}x CPU"
    )
    print(f"  (target: at most 2x); load average {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    typer.run(main)
