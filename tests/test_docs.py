"""The README cannot drift: every command is in its CLI reference, and the set-up commands
are the ones CI runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
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


@pytest.mark.slow  # a fieldkit process per command
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


def test_the_console_script_loads_each_command_from_its_own_module() -> None:
    """fieldkit.cli.main imports only the module of the command being run: the table it
    uses must name, for every top-level command, the module that defines it."""
    from fieldkit.cli import COMMAND_MODULES

    defined: dict[str, str] = {}
    for info in app.registered_commands:
        defined[info.name or ""] = info.callback.__module__
    for group in app.registered_groups:
        typer_app = group.typer_instance
        modules = {c.callback.__module__ for c in typer_app.registered_commands}
        assert len(modules) == 1, group.name
        defined[group.name or ""] = modules.pop()
    assert {k: f"fieldkit.cli.{v}" for k, v in COMMAND_MODULES.items()} == defined


@pytest.mark.slow  # a fieldkit process per command
def test_each_command_runs_with_only_its_own_module_loaded() -> None:
    """What a user runs: the console script in a fresh process, one command each."""
    import subprocess
    import sys

    from fieldkit.cli import COMMAND_MODULES

    script = "import sys; from fieldkit.cli import main; sys.argv[0] = 'fieldkit'; main()"
    for name in COMMAND_MODULES:
        done = subprocess.run(
            [sys.executable, "-c", script, name, "--help"], capture_output=True, text=True
        )
        assert done.returncode == 0, (name, done.stderr)
        assert f"Usage: fieldkit {name}" in done.stdout, name


def test_shell_completion_goes_to_typer_not_to_the_app() -> None:
    """The shell runs `fieldkit` with no arguments to ask for completions: that must not
    open the capture app."""
    import os
    import subprocess
    import sys

    script = "import sys; from fieldkit.cli import main; sys.argv[0] = 'fieldkit'; main()"
    env = dict(os.environ, _FIELDKIT_COMPLETE="complete_bash", COMP_WORDS="fieldkit me")
    env["COMP_CWORD"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["merge"]
