"""Benchmark: `register import` of N generated entries, and a title line that used to
backtrack.

Generates register files in the format of seed 000 (a title with its register id, two
paragraphs of text, a status, a comment and a second status per entry), imports each into a
fresh database (fieldkit.register.import_register: parse, then bulk SQL), then imports the
same file again (nothing new). Prints the times, entries per second, and the ratio of the
per-entry time at the largest N to that at the smallest (1.0 is linear; the target is that
the largest import stays under 30 s). Also times parsing a 40,000-character title line
that is not a title ("x" then spaces).

    python bench/register_import.py                    # N = 5000, 20000, 100000
    python bench/register_import.py --sizes 5000,20000
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

import typer

from fieldkit.errors import BadInput
from fieldkit.register import import_register
from fieldkit.register.parse import format_date, parse_text
from fieldkit.store import Store

STATUSES = ("awaiting-review", "in-progress", "outstanding", "complete")


def entry(n: int) -> str:
    y = 2014 + n % 5
    d1, d2, d3 = f"{y}-03-{1 + n % 28:02d}", f"{y + 1}-07-17", f"{y + 2}-08-11"
    return (
        f"Generated report {n % 97} (1{n:07d})\n\n"
        f"Recommendation {n}: every force should do thing {n} by a date.\n\n"
        f"  • first point of {n};\n  • second point of {n}.\n\n"
        f"[on]{format_date(d1)} [status]{STATUSES[n % 4]}[/status][/on]"
        f"[on]{format_date(d2)} [comment]\n\nProgress note {n}.\n\n[/comment][/on]"
        f"[on]{format_date(d3)} [status]{STATUSES[(n + 1) % 4]}[/status][/on]"
    )


def run(n: int, work: Path) -> tuple[float, float]:
    src = work / f"register-{n}.txt"
    src.write_text("\n\n".join(entry(i) for i in range(n)), encoding="utf-8")
    db = work / f"register-{n}.db"
    with Store.open(db, create=True) as store:
        t0 = time.perf_counter()
        result = import_register(store, [src])
        first = time.perf_counter() - t0
        assert result.new_entries == n and result.new_events == 3 * n, result
        t0 = time.perf_counter()
        again = import_register(store, [src])
        second = time.perf_counter() - t0
        assert again.new_entries == 0 and again.new_events == 0
    return first, second


def main(
    sizes: str = typer.Option("5000,20000,100000", help="Comma-separated entry counts."),
) -> None:
    ns = [int(s) for s in sizes.split(",")]
    per_entry: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as d:
        for n in ns:
            first, second = run(n, Path(d))
            per_entry[n] = first / n
            print(
                f"{n:>7} entries: import {first:6.2f} s ({n / first:,.0f} entries/s), "
                f"again {second:6.2f} s"
            )
    lo, hi = min(ns), max(ns)
    if lo != hi:
        print(f"per-entry time at {hi} / at {lo}: {per_entry[hi] / per_entry[lo]:.2f}x")
    line = "x" + " " * 40_000
    t0 = time.perf_counter()
    with contextlib.suppress(BadInput):
        parse_text(line + "\n\ntext\n", "spaces.txt")
    print(f"title line of 40,000 spaces: {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    typer.run(main)
