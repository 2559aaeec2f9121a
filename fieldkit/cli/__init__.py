"""fieldkit's command line: a thin Typer layer over plain functions (fieldkit.cli.commands).

`main()` is the `fieldkit` console script. `fieldkit` with no arguments, which is how an
inspector opens the capture app, has nothing to parse: it opens the app without loading
the Typer app and every command module first (Typer coerces options through pydantic,
which alone costs the first screen some 60 ms). Everything else goes through Typer.
"""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) <= 1:
        from fieldkit.cli.launch import open_capture

        raise SystemExit(open_capture(None))
    from fieldkit.cli.commands import app

    app()
