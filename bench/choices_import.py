"""`fieldkit checklists import` of an XLSForm with one select_one of N choices (5,000,
10,000 and 20,000 by default): seconds, seconds per 1,000 choices, and the ratio of the
largest form's cost per choice to the smallest's (1.0 when import is linear; it was 2.0
when choice codes were checked against every earlier one). Also the time pyxform alone
takes to convert each form (`pyxform.xls2xform.convert`), the floor fieldkit adds to.

Each import is a fresh process (`python -m fieldkit`), into a fresh database.

    python bench/choices_import.py [--sizes 5000,10000,20000]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.hostile_files import choices_form  # noqa: E402


def _seconds(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fieldkit", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main(sizes: str = typer.Option("5000,10000,20000", help="Numbers of choices.")) -> None:
    from pyxform.xls2xform import convert

    ns = [int(n) for n in sizes.split(",")]
    per: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in ns:
            form = choices_form(Path(tmp) / f"choices_{n}.xlsx", n)
            db = Path(tmp) / f"{n}.db"
            subprocess.run(
                [sys.executable, "-m", "fieldkit", "init", "--db", str(db)],
                check=True,
                capture_output=True,
            )
            start = time.perf_counter()
            convert(str(form), warnings=[])
            floor = time.perf_counter() - start
            took = _seconds("checklists", "import", str(form), "--db", str(db))
            per[n] = took / n * 1000
            print(
                f"{n:>7,} choices: {took:6.1f} s ({per[n]:.2f} s per 1,000; pyxform {floor:.1f} s)"
            )
    if len(ns) > 1:
        print(f"cost per choice, {ns[-1]:,} vs {ns[0]:,}: {per[ns[-1]] / per[ns[0]]:.2f}x")


if __name__ == "__main__":
    typer.run(main)
