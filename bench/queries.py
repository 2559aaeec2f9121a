"""Benchmark: how long every canned query and report command takes, at demo --scale 1 and
--scale 10, and the ratio between the two (issue 13 point 1: the target is at most 1.5x from
scale 1 to 10, and Table 2 under 50 ms at scale 10 on an idle machine).

Builds (or reuses, with --workdir) the two demo databases, then for each runs every canned
query (fieldkit/sql/canned.sql, parameters left empty = all; a record's answers for one
record) and every report function the CLI calls (`report summary`, `report evidence`,
`report evidence --by force`, `report scales`, `report coverage`) --repeat times on a fresh
read-only connection, and prints the median of each.

    .venv/bin/python bench/queries.py --workdir /tmp/fkq      # building scale 10: ~70 s CPU, ~1.3 GB

The figures read stored aggregates (schema step 0005): a database in --workdir made by a
fieldkit before that step is refused as older; delete it to have it rebuilt.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from demo_db import build_demo

from fieldkit import sql
from fieldkit.report import coverage, evidence, scales
from fieldkit.report.summary import summary, summary_tables
from fieldkit.store import Store, views


def tasks(store: Store) -> dict[str, Callable[[], Any]]:
    """Every canned query and report command, as something to call."""
    conn = store.conn
    views.ensure(conn)  # the current views (as TEMP views when the file's are older)
    rid = conn.execute("SELECT record_id FROM records LIMIT 1").fetchone()[0]
    out: dict[str, Callable[[], Any]] = {}
    for name, text in sql.queries("canned").items():
        params = {p: "" for p in sql_params(text)}
        if "record_id" in params:
            params["record_id"] = rid
        out[f"canned {name}"] = lambda text=text, params=params: conn.execute(
            text, params
        ).fetchall()
    for table in summary_tables(conn):
        out[f"report summary {table.id}"] = lambda table=table: summary(conn, table)
    out["report evidence"] = lambda: evidence(conn)
    out["report evidence --by force"] = lambda: evidence(conn, by_force=True)
    out["report scales"] = lambda: scales(conn)
    out["report coverage"] = lambda: coverage(conn)
    return out


def sql_params(text: str) -> list[str]:
    import re

    return sorted(set(re.findall(r":([a-z_]+)", text)))


def medians(db: Path, repeat: int) -> dict[str, float]:
    """Median milliseconds per task (each run on the same warmed connection)."""
    out = {}
    with Store.open(db, readonly=True) as store:
        for name, run in tasks(store).items():
            run()  # warm the page cache and the views once
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                run()
                times.append((time.perf_counter() - t) * 1000)
            out[name] = statistics.median(times)
    return out


def main(
    workdir: Path | None = typer.Option(None, help="keep (and reuse) the databases here"),
    repeat: int = typer.Option(5, help="runs per task; the median is printed"),
    small: int = typer.Option(1, help="the smaller scale"),
    large: int = typer.Option(10, help="the larger scale"),
) -> None:
    """Median time of every canned query and report command at two scales, and the ratio."""
    work = workdir or Path(tempfile.mkdtemp(prefix="fieldkit-bench-queries-"))
    work.mkdir(parents=True, exist_ok=True)
    dbs = {n: work / f"demo-scale{n}.db" for n in (small, large)}
    for n, path in dbs.items():
        build_demo(path, scale=n)
    a, b = medians(dbs[small], repeat), medians(dbs[large], repeat)
    width = max(len(k) for k in a)
    print(f"{'task':<{width}}  {'scale ' + str(small):>10}  {'scale ' + str(large):>10}  ratio")
    for name in a:
        ratio = b[name] / a[name] if a[name] else float("nan")
        print(f"{name:<{width}}  {a[name]:8.1f} ms  {b[name]:8.1f} ms  {ratio:5.1f}x")
    worst = max(a, key=lambda k: b[k] / a[k] if a[k] else 0)
    t2 = [k for k in b if k.startswith("report summary")]
    print(f"worst ratio: {worst} {b[worst] / a[worst]:.1f}x (target: at most 1.5x)")
    for k in t2:
        print(f"{k} at scale {large}: {b[k]:.1f} ms (target: under 50 ms)")


if __name__ == "__main__":
    typer.run(main)
