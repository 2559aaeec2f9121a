"""`fieldkit capture --db PATH` opens the app without loading Typer or pydantic (issue 27,
point 11: the command line cost the first screen a third more than `fieldkit` alone)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fieldkit.cli import capture_args
from fieldkit.store import Store

PROBE = """
import sys
import fieldkit.cli.launch as launch
def opened(db):
    heavy = sorted(m for m in ("typer", "click", "pydantic") if m in sys.modules)
    print("db", db, "heavy", heavy)
    return 0
launch.open_capture = opened
from fieldkit.cli import main
sys.argv = ["fieldkit", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("how", [["--db", "{db}"], ["--db={db}"]])
def test_capture_with_a_database_opens_without_typer(tmp_path: Path, how: list[str]) -> None:
    db = tmp_path / "team.db"
    Store.create(db).close()
    args = [a.format(db=db) for a in how]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "capture", *args], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"db {db} heavy []"


def test_anything_else_is_left_to_the_command_line() -> None:
    assert capture_args([]) == (True, None)
    assert capture_args(["capture"]) == (True, None)
    assert capture_args(["capture", "--db", "x.db"]) == (True, "x.db")
    for other in (
        ["capture", "--help"],
        ["capture", "--db"],
        ["capture", "--db", "--help"],
        ["capture", "--db", "a", "b"],
        ["report"],
    ):
        assert capture_args(other) == (False, None), other
