"""Opening the capture app, for `fieldkit capture` and for `fieldkit` alone.

No Typer here: `fieldkit` with no arguments comes straight to `open_capture` (see
`fieldkit.cli.main`), so the app's first screen does not wait for the command line."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from fieldkit.cli.failures import explain, say
from fieldkit.paths import default_db, resolve_db


def confirm_create(path: Path) -> bool:
    """Ask on the terminal before creating a database at `path` (a mistyped --db would
    otherwise open an empty one that looks as if the work were gone). No answer, or
    anything but y/yes, is no."""
    sys.stderr.write(
        f"fieldkit: there is no database at {path}.\nCreate a new, empty one there? [y/N] "
    )
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):  # no terminal to ask on: no
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def open_capture(db: Path | None, *, language: str | None = None) -> int:
    """Run the capture app on `db` (default: $FIELDKIT_DB, else the per-user database,
    created on first use). A database named that does not exist is created only when the
    user says so. Returns the exit code: 0, the code of the one clear line printed for
    a database that cannot be opened (2), or the app's own (1 when an exception ended it)."""
    from fieldkit.tui.app import make_app

    path = resolve_db(db)
    try:
        if path == default_db():
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists() and not confirm_create(path):
            say(f"{path}: no such database; not created (`fieldkit init --db PATH` makes one)")
            return 2
        # What is loaded before the app runs (the modules, then the database's checklists)
        # lives as long as the app: set it aside from the garbage collector, which would
        # otherwise walk it all again in each full collection while the checklists are
        # read and the first screen is built (40-100 ms).
        gc.freeze()
        app = make_app(path, language=language)
        gc.freeze()
        app.run()
    except Exception as e:
        found = explain(e)
        if found is None:
            raise
        say(found[0])
        return found[1]
    # an exception inside the app ends it with its traceback printed and a non-zero code
    return app.return_code or 0
