"""SIGKILL during `fieldkit merge`: the team database is exactly as before or fully merged."""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import pytest
from helpers.crash import (
    big_csv,
    canonical,
    fieldkit_process,
    integrity,
    kill_when,
    printed,
    wal_size,
)

from fieldkit.store import Store

# Each test runs fieldkit about ten times in a real process and kills it.
pytestmark = pytest.mark.slow


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_kill_during_merge_is_all_or_nothing(tmp_path: Path, cli) -> None:
    source = tmp_path / "laptop.db"
    assert (
        cli(
            "import",
            big_csv(tmp_path / "big.csv"),
            "--checklist",
            "case_file_review",
            "--db",
            source,
            "--partial",
        ).exit_code
        == 0
    )
    with Store.open(source) as s:
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    team = tmp_path / "team.db"
    with Store.create(team, inspector="lead") as s:
        rid = s.create_record("call_listening", "essex")
        s.set_answer(rid, "cl_call_ref", "INC-1")
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = canonical(team)
    source_hash = sha(source)

    full = tmp_path / "full.db"
    shutil.copyfile(team, full)
    proc = fieldkit_process("merge", source, "--into", full)
    assert proc.wait() == 0, proc.stderr.read()
    done = canonical(full)
    assert done != before
    grown = full.stat().st_size - team.stat().st_size
    assert grown > 100_000

    rng = random.Random(8)
    thresholds = [0, 1, *sorted(rng.randrange(1, grown) for _ in range(6)), grown, None]
    seen = {"before": 0, "after": 0}
    for n, threshold in enumerate(thresholds):
        db = tmp_path / f"kill{n}.db"
        shutil.copyfile(team, db)
        proc = fieldkit_process("merge", source, "--into", db)
        if threshold is None:  # after the summary is printed: committed, not yet exited
            kill_when(proc, lambda proc=proc: printed(proc))
        else:
            kill_when(proc, lambda db=db, t=threshold: wal_size(db) >= t)
        assert integrity(db) == "ok"
        state = canonical(db)
        if state == before:
            seen["before"] += 1
        else:
            assert state == done  # the same changes, cells, records and conflicts
            seen["after"] += 1
        assert sha(source) == source_hash  # the source is only ever read
    assert seen["before"] >= 1 and seen["after"] >= 1
