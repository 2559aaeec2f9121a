"""Opening the capture app, for `fieldkit capture` and for `fieldkit` alone.

No Typer here: `fieldkit` with no arguments comes straight to `open_capture` (see
`fieldkit.cli.main`), so the app's first screen does not wait for the command line."""

from __future__ import annotations

from pathlib import Path

from fieldkit.cli.failures import explain, say
from fieldkit.paths import default_db, resolve_db


def open_capture(db: Path | None) -> int:
    """Run the capture app on `db` (default: $FIELDKIT_DB, else the per-user database,
    created if it does not exist yet). Returns the exit code: 0, or the code of the one
    clear line printed for a database that cannot be opened."""
    from fieldkit.tui.app import make_app

    path = resolve_db(db)
    try:
        if path == default_db():
            path.parent.mkdir(parents=True, exist_ok=True)
        make_app(path).run()
    except Exception as e:
        found = explain(e)
        if found is None:
            raise
        say(found[0])
        return found[1]
    return 0
