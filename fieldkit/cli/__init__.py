"""fieldkit's command line: a thin Typer layer over plain functions (fieldkit.cli.commands).

`main()` is the `fieldkit` console script. `fieldkit` with no arguments, which is how an
inspector opens the capture app, has nothing to parse: it opens the app without loading
the Typer app first (Typer coerces options through pydantic, which alone costs the first
screen some 60 ms). A command loads only the module that defines it (COMMAND_MODULES;
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
    "pii": "privacy",
    "scrub": "privacy",
    "register": "register",
    "plans": "register",
    "report": "report",
    "targets": "report",
    "export": "report",
    "serve": "report",
    "returns": "returns",
}


def main() -> None:
    completing = "_FIELDKIT_COMPLETE" in os.environ  # the shell asking Typer for completions
    if len(sys.argv) <= 1 and not completing:
        from fieldkit.cli.launch import open_capture

        raise SystemExit(open_capture(None))
    module = None if completing else COMMAND_MODULES.get(sys.argv[1])
    if module is None:
        import_module("fieldkit.cli.commands")
    else:
        import_module("fieldkit.cli.root")
        import_module(f"fieldkit.cli.{module}")
    from fieldkit.cli.base import app

    app()
