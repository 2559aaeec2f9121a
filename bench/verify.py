"""Benchmark: `fieldkit verify` of the ten-source team database (2.4 million changes):
time and peak memory, against reading the same log into Python.

Builds (or reuses, with --workdir) the ten demo sources bench/merge.py builds (`fieldkit
demo --seed 1000+n`, each inspector's device signing with its own key), merges them into
a team database, then runs, each in a fresh child process (so that its peak memory is its
own):

  read    every change of the team's log read into a Python list (the floor: verify reads
          every change once);
  verify  fieldkit.store.chain.verify: every change's digest, every chain, every register
          row's key and signature, and every change covered by a signature of its device's
          key, the log read as one stream SQLite orders (memory flat).

Prints wall time, CPU time and peak resident memory of each, and the ratios.

    python bench/verify.py                      # ten sources at scale 1, in a temp dir
    python bench/verify.py --workdir /tmp/fkb   # keep (and reuse) the sources and team
"""

from __future__ import annotations

import multiprocessing
import resource
import sqlite3
import time
from pathlib import Path

import typer
from demo_db import inspectors

from fieldkit.store import read_uri, verify
from fieldkit.sync import merge


def _read(path: str, out: multiprocessing.Queue) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(read_uri(Path(path)), uri=True)
    rows = conn.execute("SELECT * FROM changes").fetchall()
    took = time.perf_counter() - started, time.process_time() - cpu
    out.put((*took, len(rows), True, _peak()))


def _verify(path: str, out: multiprocessing.Queue) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(read_uri(Path(path)), uri=True)
    result = verify(conn)
    took = time.perf_counter() - started, time.process_time() - cpu
    out.put((*took, result.changes, result.ok, _peak()))


def _peak() -> float:
    """This process's own peak resident memory, MiB (a child's: the parent's is not in it)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(target: object, path: Path) -> tuple[float, float, int, bool, float]:
    """(wall s, CPU s, changes, ok, peak MiB) of `target` in a child process."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.get_context("fork").Process(target=target, args=(str(path), queue))
    child.start()
    wall, cpu, n, ok, peak = queue.get()
    child.join()
    return wall, cpu, n, ok, peak


def main(
    sources_n: int = typer.Option(10, "--sources", help="how many source databases"),
    scale: int = typer.Option(1, help="demo scale of each source"),
    jobs: int = typer.Option(2, help="demo databases built at once"),
    keep: Path | None = typer.Option(
        None, "--workdir", help="keep the sources and the team here (reused if present)"
    ),
) -> None:
    """Time `verify` of a merged team database against reading its log."""
    team = (keep or Path()) / "team.db"  # (bench/merge.py leaves its merged team here)
    if keep is None or not team.exists():
        sources = inspectors(sources_n, scale=scale, jobs=jobs, keep=keep, name="verify")
        team = sources[0].parent / "team.db"
        started = time.perf_counter()
        merge(sources, team)
        print(
            f"team database merged from {sources_n} sources in {time.perf_counter() - started:.1f}s"
        )
    read = run(_read, team)
    checked = run(_verify, team)
    print(f"{team}: {checked[2]:,} changes, the log {'holds' if checked[3] else 'does NOT hold'}")
    for name, (wall, cpu, _, _, peak) in (("read the log", read), ("verify", checked)):
        print(f"  {name:14s} {wall:7.2f}s  (CPU {cpu:6.2f}s)  peak {peak:7.0f} MiB")
    print(
        f"verify / read: {checked[0] / read[0]:.2f}x the time, "
        f"{checked[4] / max(read[4], 1):.2f}x the peak memory"
    )
    if keep is None:
        import shutil

        shutil.rmtree(team.parent, ignore_errors=True)


if __name__ == "__main__":
    typer.run(main)
