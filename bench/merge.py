"""Benchmark: merging ten inspectors' databases, against a plain copy of the same rows.

Builds N source databases with `fieldkit demo --seed S --scale K` (different seeds, so
different records and devices), then, in the same process:

  baseline  ATTACH each source and `INSERT OR IGNORE INTO main.t (cols) SELECT cols FROM
            src.t` for the tables a merge writes (changes, change_parents, chain_heads,
            conflicts, records), in one transaction, into a fresh fieldkit database;
  merge     fieldkit.sync.merge(sources, into=<another fresh database>), with every check
            of every source on (ids, clocks, digests, chains, lineage);
  again     the same merge once more (nothing new).

Prints the rows involved, the times, and the ratios merge/baseline (target: at most 2) and
again/merge (target: at most 0.2). Both run in this process, so their CPU (process) times
are printed too: on a machine others load, the CPU ratio moves less than the wall one.

Measured (ten sources, 2.4 million rows, machine idle, 26 November 2026, third session):
merge 15.5 and 15.8 s vs copy 9.0 and 8.6 s, 1.71x and 1.84x (CPU 3.03x, 3.33x: the checks
of the sources' logs run in threads); again 0.162 and 0.165. At the session's start: 3.72x
and 3.85x (the session before, 6.66x). Adding the changes to the log is most of what is
left (8.5 s), then the stored counts (3 s) and finding what changed (2 s).

    python bench/merge.py                       # ten sources at scale 1, in a temp dir
    python bench/merge.py --workdir /tmp/fkb    # keep (and reuse) the sources there
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import typer
from demo_db import inspectors

from fieldkit.store import Store, read_uri
from fieldkit.sync import merge
from fieldkit.sync.merging import open_target

# (cells is a view of the changes marked as their cell's winner since schema step 6: the
# marks come with the changes)
COPIED = ("changes", "change_parents", "chain_heads", "conflicts", "records", "signatures")


def rows(path: Path) -> int:
    conn = sqlite3.connect(read_uri(path), uri=True)
    try:
        return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COPIED)
    finally:
        conn.close()


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Store.create(path).close()
    return path


def baseline(sources: list[Path], into: Path) -> tuple[float, float]:
    """Plain ATTACH + INSERT OR IGNORE of the same tables, one transaction (as the merge):
    (wall, CPU) seconds."""
    conn = open_target(into)
    started, cpu = time.perf_counter(), time.process_time()
    # named columns: a generated one (records.keyed) is computed, never inserted
    columns = {
        t: ", ".join(r[1] for r in conn.execute(f"PRAGMA main.table_info({t})")) for t in COPIED
    }
    chunks = [sources[i : i + 10] for i in range(0, len(sources), 10)]  # SQLite attaches <= 10
    for chunk in chunks:
        for n, src in enumerate(chunk):
            conn.execute(f"ATTACH DATABASE ? AS src{n}", (read_uri(src),))
        conn.execute("BEGIN IMMEDIATE")
        for n in range(len(chunk)):
            for table in COPIED:
                cols = columns[table]
                conn.execute(
                    f"INSERT OR IGNORE INTO main.{table} ({cols}) SELECT {cols} FROM src{n}.{table}"
                )
        conn.execute("COMMIT")
        for n in range(len(chunk)):
            conn.execute(f"DETACH DATABASE src{n}")
    took = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return took


def count(path: Path, table: str) -> int:
    conn = sqlite3.connect(read_uri(path), uri=True)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def main(
    sources_n: int = typer.Option(10, "--sources", help="how many source databases"),
    scale: int = typer.Option(1, help="demo scale of each source"),
    jobs: int = typer.Option(2, help="demo databases built at once"),
    keep: Path | None = typer.Option(
        None, "--workdir", help="keep the sources here (reused if present)"
    ),
) -> None:
    """Time merging N inspectors' databases against a plain copy of the same rows."""
    started = time.perf_counter()
    sources = inspectors(sources_n, scale=scale, jobs=jobs, keep=keep, name="merge")
    workdir = sources[0].parent
    print(
        f"{len(sources)} sources (demo --scale {scale}) ready in "
        f"{time.perf_counter() - started:.1f}s"
    )
    total = sum(rows(s) for s in sources)
    print(f"rows in the sources ({', '.join(COPIED)}): {total:,}")

    try:
        base, base_cpu = baseline(sources, fresh(workdir / "baseline.db"))
        target = fresh(workdir / "team.db")
        t0, c0 = time.perf_counter(), time.process_time()
        summaries = merge(sources, target)
        first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        again_summaries = merge(sources, target)
        again = time.perf_counter() - t0

        for table in ("changes", "cells", "records"):
            a, b = count(workdir / "baseline.db", table), count(target, table)
            assert a == b, f"{table}: merge has {b:,} rows, the copy {a:,}"
        assert sum(s.new_changes for s in again_summaries) == 0
        print(
            f"new changes merged: {sum(s.new_changes for s in summaries):,}, "
            f"records: {sum(s.new_records for s in summaries):,}, "
            f"answers: {sum(s.new_answers for s in summaries):,}"
        )
        print(f"baseline copy   {base:7.2f}s  (CPU {base_cpu:.2f}s)")
        print(
            f"merge           {first:7.2f}s  (CPU {first_cpu:.2f}s)   merge / copy  = "
            f"{first / base:.2f}  (target <= 2; CPU {first_cpu / base_cpu:.2f})"
        )
        print(
            f"merge again     {again:7.2f}s   again / merge = {again / first:.3f} (target <= 0.2)"
        )
    finally:
        for name in ("baseline.db", "team.db"):
            for suffix in ("", "-wal", "-shm"):
                Path(workdir / f"{name}{suffix}").unlink(missing_ok=True)
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    typer.run(main)
