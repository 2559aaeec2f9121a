"""SIGKILL during `fieldkit import`: the database is exactly as before or fully imported."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from helpers.crash import (
    ROWS,
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


def test_kill_during_import_is_all_or_nothing(tmp_path: Path) -> None:
    base = tmp_path / "base.db"
    with Store.create(base, inspector="kim") as s:
        rid = s.create_record("case_file_review", "kent")
        s.set_answer(rid, "cf_crime_ref", "CR/EXISTING")
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src = big_csv(tmp_path / "big.csv")
    before = canonical(base)

    # A full run, to know what "fully imported" looks like and how far the WAL grows.
    full = tmp_path / "full.db"
    shutil.copyfile(base, full)
    proc = fieldkit_process(
        "import", src, "--checklist", "case_file_review", "--db", full, "--partial"
    )
    assert proc.wait() == 0, proc.stderr.read()
    done = canonical(full)
    assert len(done[2]) == len(before[2]) + ROWS
    # the WAL grows to about the size the database grew by (it is removed on a clean exit)
    final_wal = full.stat().st_size - base.stat().st_size
    assert final_wal > 100_000

    rng = random.Random(5)
    thresholds = [0, 1] + sorted(rng.randrange(1, final_wal) for _ in range(6)) + [final_wal]
    outcomes = {"before": 0, "after": 0}
    # kill points: as the WAL passes each threshold, and once the summary line is printed
    # (after the commit, before the process exits)
    for n, threshold in enumerate([*thresholds, None]):
        db = tmp_path / f"kill{n}.db"
        shutil.copyfile(base, db)
        proc = fieldkit_process(
            "import", src, "--checklist", "case_file_review", "--db", db, "--partial"
        )
        if threshold is None:
            kill_when(proc, lambda proc=proc: printed(proc))
        else:
            kill_when(proc, lambda db=db, t=threshold: wal_size(db) >= t)
        assert integrity(db) == "ok"
        state = canonical(db)
        if state[2] == before[2]:
            assert state == before
            outcomes["before"] += 1
        else:
            # fully imported (record ids are new per run, so compare what they hold)
            assert len(state[2]) == len(done[2])
            assert len(state[0]) == len(done[0]) and len(state[1]) == len(done[1])
            outcomes["after"] += 1
    assert outcomes["before"] >= 1 and outcomes["after"] >= 1
