"""The merge summary counts what the user will see (issue 27, point 10): drafts deleted
before the merge are not 'new records'."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from fieldkit.store import Store

Cli = Callable[..., Result]


def test_deleted_drafts_are_not_counted_as_new_records(tmp_path: Path, cli: Cli) -> None:
    laptop = tmp_path / "amy.db"
    with Store.create(laptop, inspector="Amy") as s:
        for n in range(6):
            rid = s.create_record("call_listening", "kent")
            s.set_answer(rid, "cl_call_ref", f"CR-{n}")
        for _ in range(4):  # empty drafts started by mistake and discarded
            s.delete(s.create_record("call_listening", "kent"))
    team = tmp_path / "team.db"
    result = cli("merge", laptop, "--into", team)
    assert result.exit_code == 0, result.output
    first, total = result.stdout.splitlines()[0], result.stdout.splitlines()[-1]
    assert " 6 new records," in first
    assert f"{team}: 6 records" in total
