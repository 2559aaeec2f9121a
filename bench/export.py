"""Benchmark: `fieldkit export xlsx` against writing the same cells with openpyxl directly.

Builds (or reuses) a demo database at --scale, then, in the same process:

  export    fieldkit.export.export_xlsx(store, out): SQL views, readable values, formula
            guard, styles, widths, charts, splitting, the whole thing;
  baseline  the same sheets' rows pulled from the same generators OUTSIDE the clock, then
            written with plain openpyxl write-only `ws.append` (timed), and saved (timed).

Prints both times (wall-clock and CPU) and the ratio export/baseline (target: at most 1.2):
the two run in turn, export-baseline-baseline-export (--repeat 2), each the best of its
runs, so that neither has the quieter machine (others share it) or the warmer process.
First it prints the whole workbook and `--force kent`'s with LibreOffice headless and counts
each sheet's pages (the data sheets print their heading only; target: the Summary on at
most 4 A4 pages). Then runs the export
alone in a fresh process per scale in --memory-scales and prints each one's peak resident
memory (ru_maxrss), which must stay flat as the database grows.

    /tmp/venv/bin/python bench/export.py --scale 10
    /tmp/venv/bin/python bench/export.py --scale 10 --workdir /tmp/fkx   # keep the databases
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import typer
from demo_db import build_demo
from openpyxl import Workbook

from fieldkit.export import printed
from fieldkit.export.workbook import Heading
from fieldkit.export.xlsx import build_sheets, export_xlsx
from fieldkit.store import Store

CHUNK = 20_000

CHILD = """
import resource, sys, time
from pathlib import Path
from fieldkit.export import export_xlsx
from fieldkit.store import Store
t = time.perf_counter()
with Store.open(Path(sys.argv[1]), readonly=True) as s:
    written = export_xlsx(s, Path(sys.argv[2]))
took = time.perf_counter() - t
# VmHWM: this process's own peak (ru_maxrss on Linux carries the parent's peak across exec)
kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(kb, sum(written.values()), round(took, 1))
"""


def clock() -> tuple[float, float]:
    """Now, as (wall-clock, this process's CPU) seconds: on a machine shared with other work
    the CPU seconds are the steadier figure (wall-clock waits for a core)."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def baseline(store: Store, out: Path) -> tuple[tuple[float, float], int]:
    """Seconds (wall, CPU) spent in openpyxl writing the export's cells, and the number of
    cells."""
    sheets, about = build_sheets(store)
    wb = Workbook(write_only=True)
    spent = [0.0, 0.0]
    cells = 0
    for spec in sheets + [about([s.title for s in sheets])]:
        ws = wb.create_sheet()
        n = 0
        rows = iter(spec.rows)
        head = ([spec.ids] if spec.ids else []) + [spec.header]
        t = clock()
        for row in head:
            ws.append(row)
        add(spent, since(t))
        while True:
            chunk = [  # produced outside the clock
                [r.text] if isinstance(r, Heading) else list(r) for r in islice(rows, CHUNK)
            ]
            if not chunk:
                break
            t = clock()
            for row in chunk:
                if n >= 1_048_575 - len(head):
                    ws = wb.create_sheet()
                    n = 0
                ws.append(row)
                n += 1
            add(spent, since(t))
            cells += sum(len(r) for r in chunk)
    t = clock()
    wb.save(str(out))
    add(spent, since(t))
    return (spent[0], spent[1]), cells


def add(total: list[float], part: tuple[float, float]) -> None:
    total[0] += part[0]
    total[1] += part[1]


def peak(db: Path, out: Path) -> tuple[int, int, float]:
    res = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    kb, rows, took = res.stdout.split()
    return int(kb), int(rows), float(took)


def main(
    scale: int = 10,
    memory_scales: str = typer.Option("1,{scale}", help="comma-separated scales"),
    workdir: Path | None = typer.Option(None, help="keep (and reuse) the databases here"),
    memory_only: bool = typer.Option(False, help="skip the timing comparison"),
    pages: bool = typer.Option(True, help="print the workbooks with LibreOffice"),
    repeat: int = typer.Option(2, help="runs of the export and of the baseline, alternating"),
) -> None:
    """Time `fieldkit export xlsx` against openpyxl writing the same cells; count the pages
    the report sheets print on (LibreOffice headless)."""
    work = workdir or Path(tempfile.mkdtemp(prefix="fieldkit-bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"demo-scale{scale}.db"
    build_demo(db, scale=scale)

    if pages:
        print_pages(db, work, scale)
    if not memory_only:
        compare(db, work, scale, max(1, repeat))

    scales = sorted({int(s) for s in memory_scales.format(scale=scale).split(",")})
    print("peak memory of the export alone (fresh process each):")
    for n in scales:
        path = work / f"demo-scale{n}.db"
        build_demo(path, scale=n)
        kb, rows, took = peak(path, work / f"peak{n}.xlsx")
        print(f"  scale {n:3d}: {kb / 1024:7.1f} MiB peak RSS, {rows:,} rows, {took:.1f} s")


def print_pages(db: Path, work: Path, scale: int) -> None:
    """The whole workbook, and one force's, as LibreOffice prints them (A4): the report
    sheets in full, each data sheet one page (its heading)."""
    if not printed.available():
        print("pages: skipped (needs soffice and pdftotext)")
        return
    for force in (None, "kent"):
        out = work / f"print-scale{scale}-{force or 'all'}.xlsx"
        with Store.open(db, readonly=True) as store:
            export_xlsx(store, out, force=force)
        t = time.perf_counter()
        pdf = printed.to_pdf(out, work)
        took = time.perf_counter() - t
        counts = printed.pages_per_sheet(pdf)
        shown = ", ".join(f"{name} {n}" for name, n in counts.items())
        print(f"scale {scale}, {force or 'all forces'}: {sum(counts.values())} printed pages")
        print(f"  (LibreOffice, {took:.1f} s): {shown}")
        print(f"  Summary  {counts['Summary']:8d} pages  (target: at most 4)")


def compare(db: Path, work: Path, scale: int, repeat: int) -> None:
    """The export and the baseline in turn, export-baseline-baseline-export... (`repeat`
    times each, so neither has the quieter or the warmer machine to itself), each figure the
    best of its runs (by CPU)."""
    runs: dict[str, list[tuple[float, float]]] = {"export": [], "baseline": []}
    order = [("export", "baseline"), ("baseline", "export")]
    with Store.open(db, readonly=True) as store:
        for n in range(repeat):
            for which in order[n % 2]:
                if which == "export":
                    t = clock()
                    written = export_xlsx(store, work / "export.xlsx")
                    runs["export"].append(since(t))
                else:
                    t_base, cells = baseline(store, work / "baseline.xlsx")
                    runs["baseline"].append(t_base)
    t_export = min(runs["export"], key=lambda t: t[1])
    t_base = min(runs["baseline"], key=lambda t: t[1])
    print(
        f"scale {scale}: {sum(written.values()):,} rows, {cells:,} cells in {len(written)} sheets"
        f" (best of {repeat} runs each, alternating)"
    )
    print(f"  export   {t_export[0]:8.1f} s wall, {t_export[1]:6.1f} s CPU")
    print(f"  baseline {t_base[0]:8.1f} s wall, {t_base[1]:6.1f} s CPU (openpyxl, same cells)")
    print(
        f"  ratio    {t_export[0] / t_base[0]:8.2f}x wall, {t_export[1] / t_base[1]:6.2f}x CPU"
        "  (target: at most 1.2x)"
    )
    for which, times in runs.items():
        shown = ", ".join(f"{cpu:.1f}" for _, cpu in times)
        print(f"  {which:8s} every run, s CPU: {shown}")
    print(f"  load average {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    typer.run(main)
