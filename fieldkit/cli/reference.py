"""The CLI reference (docs/cli.md), generated from the Typer app itself.

Every command and sub-command with its usage, its help text, and a table of every argument and
option (names, type, default, help), read through Click's own objects, which is what `--help`
prints from: so the reference cannot name an option the app lacks or miss one it has.
`python -m fieldkit.cli.reference > docs/cli.md` writes it; tests/test_cli_reference.py fails
when the file is stale.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import typer.main

HEADER = """# fieldkit command-line reference

Generated from the command line itself by `python -m fieldkit.cli.reference > docs/cli.md`
(a test fails when this file and the commands differ). Every command also takes `--help`.
Commands that read or write a database take `--db PATH`, else `$FIELDKIT_DB`, else a per-user
file (`fieldkit where` says which). Bad input gets one line on stderr and a non-zero exit (2),
and leaves every file as it was.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _is_group(command: Any) -> bool:
    return hasattr(command, "list_commands")


def _context(command: Any, name: str, parent: Any) -> Any:
    return command.context_class(command, info_name=name, parent=parent)


def _rows(command: Any, ctx: Any) -> list[str]:
    """One row per argument and option, as `--help` words them (names, metavar, help, default)."""
    rows = []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False) or param.name in _ROOT_ONLY:
            continue
        record = param.get_help_record(ctx)
        if record is None:  # a plain argument: its name and whether it is required
            names = param.name.upper()
            text = "required" if param.required else ""
        else:
            names, text = record
        envvar = getattr(param, "envvar", None)
        if envvar and "$" not in text:
            envvars = [envvar] if isinstance(envvar, str) else list(envvar)
            text = f"{text} (env: {', '.join('$' + v for v in envvars)})"
        rows.append(f"| `{_cell(names)}` | {_cell(text)} |")
    return rows


# Typer's completion options (root command only) and `--help` (every command; the header
# says so): not rows of their own.
_ROOT_ONLY = {"install_completion", "show_completion", "help"}


def _section(path: list[str], command: Any, ctx: Any) -> list[str]:
    lines = [f"## `{' '.join(path)}`", ""]
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines += ["```", f"{' '.join(path)} {usage}".rstrip(), "```", ""]
    doc = inspect.cleandoc(command.help or "")
    if doc:
        lines += [doc, ""]
    rows = _rows(command, ctx)
    if rows:
        lines += ["| argument or option | what it does |", "|---|---|", *rows, ""]
    return lines


def _walk(path: list[str], command: Any, parent: Any) -> list[str]:
    ctx = _context(command, path[-1], parent)
    lines = _section(path, command, ctx)
    if _is_group(command):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                lines += _walk([*path, name], sub, ctx)
    return lines


def render() -> str:
    """The whole reference, as Markdown."""
    from fieldkit.cli.commands import app

    command = typer.main.get_command(app)
    lines = [HEADER, *_walk(["fieldkit"], command, None)]
    return "\n".join(lines).rstrip() + "\n"


def commands() -> list[tuple[str, Any, Any]]:
    """Every command: its path ("fieldkit report evidence"), its Click command and context."""
    from fieldkit.cli.commands import app

    found: list[tuple[str, Any, Any]] = []

    def walk(path: list[str], command: Any, parent: Any) -> None:
        ctx = _context(command, path[-1], parent)
        found.append((" ".join(path), command, ctx))
        if _is_group(command):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk([*path, name], sub, ctx)

    walk(["fieldkit"], typer.main.get_command(app), None)
    return found


if __name__ == "__main__":
    sys.stdout.write(render())
