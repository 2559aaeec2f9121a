"""The README cannot drift: every command is in its CLI reference, and the set-up commands
are the ones CI runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from fieldkit.cli.commands import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(cmd: Any, prefix: list[str]) -> Iterator[str]:
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(None):
            yield from commands(cmd.get_command(None, name), [*prefix, name])
    else:
        yield " ".join(prefix)


def test_every_command_is_in_the_readme_with_help() -> None:
    found = list(commands(typer.main.get_command(app), []))
    assert len(found) > 25
    missing = [c for c in found if f"`fieldkit {c}" not in README]
    assert missing == []


def test_every_command_has_help(cli) -> None:
    for c in commands(typer.main.get_command(app), []):
        result = cli(*c.split(), "--help")
        assert result.exit_code == 0, c
        assert "Usage: fieldkit" in result.output, c


def test_readme_set_up_commands_match_ci() -> None:
    install_and_run = "pip install . && .venv/bin/fieldkit demo --db db/demo.db"
    tests = '.venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest'
    assert install_and_run in README
    assert tests in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert '.venv/bin/pip install -q -e ".[test]"' in ci
    assert ".venv/bin/python -m pytest" in ci
