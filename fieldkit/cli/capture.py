"""`fieldkit capture`: open the capture app (also what `fieldkit` with no command does)."""

from __future__ import annotations

from pathlib import Path

from fieldkit.cli.base import DbOption, clean_errors, command, default_db, resolve_db


def capture(db: Path | None) -> None:
    """Open the capture app on `db` (default: $FIELDKIT_DB, else the per-user database),
    creating the database if it does not exist yet."""
    from fieldkit.tui.app import make_app

    path = resolve_db(db)
    if path == default_db():
        path.parent.mkdir(parents=True, exist_ok=True)
    clean_errors(lambda: make_app(path).run())()


@command("capture")
def capture_cli(db: DbOption = None) -> None:
    """Capture fieldwork in the terminal app: dashboard, forms, records, conflicts."""
    capture(db)
