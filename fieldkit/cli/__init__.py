"""fieldkit's command line: a Typer app (fieldkit.cli.base) whose modules each register commands.

`main()` is the `fieldkit` console script. `fieldkit` with no arguments, which is how an
inspector opens the capture app, and `fieldkit capture --db PATH` have nothing else to
parse: they open the app without loading the Typer app first (Typer coerces options
through pydantic, which alone costs the first screen some 60 ms). A command loads only the module that defines it (COMMAND_MODULES;
tests/test_docs.py keeps the table in step); help, --version and anything unknown load
them all.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

# Top-level command -> the module of fieldkit.cli that registers it.
COMMAND_MODULES = {
    "capture": "capture",
    "init": "core",
    "where": "core",
    "import": "core",
    "demo": "core",
    "checklists": "checklists",
    "merge": "merge",
    "conflicts": "merge",
    "settle": "merge",
    "verify": "verify",
    "keys": "keys",
    "pii": "privacy",
    "scrub": "privacy",
    "register": "register",
    "plans": "register",
    "report": "report",
    "targets": "report",
    "export": "report",
    "serve": "report",
    "pack": "seal",
    "returns": "returns",
}


def capture_args(args: list[str]) -> tuple[bool, str | None]:
    """(True, db) when `args` (after `fieldkit`) only open the capture app: nothing, or
    `capture` with at most `--db PATH` / `--db=PATH`. Anything else (help, a mistake) goes
    to Typer, which says what is wrong."""
    if not args:
        return True, None
    if args[0] != "capture":
        return False, None
    rest = args[1:]
    if not rest:
        return True, None
    if len(rest) == 2 and rest[0] == "--db":
        db = rest[1]
    elif len(rest) == 1 and rest[0].startswith("--db="):
        db = rest[0][len("--db=") :]
    else:
        return False, None
    return (True, db) if db and not db.startswith("-") else (False, None)


def main() -> None:
    completing = "_FIELDKIT_COMPLETE" in os.environ  # the shell asking Typer for completions
    direct, db = capture_args(sys.argv[1:])
    if direct and not completing:
        # the capture app's first screen does not wait for Typer (and pydantic) to load
        from pathlib import Path

        from fieldkit.cli.launch import open_capture

        raise SystemExit(open_capture(Path(db) if db is not None else None))
    module = None if completing else COMMAND_MODULES.get(sys.argv[1])
    if module is None:
        import_module("fieldkit.cli.commands")
    else:
        import_module("fieldkit.cli.root")
        import_module(f"fieldkit.cli.{module}")
    from fieldkit.cli.base import app

    app()
