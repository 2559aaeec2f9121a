"""Where fieldkit keeps its per-user files, and which database a command works on."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    """The per-user fieldkit directory (`$XDG_CONFIG_HOME/fieldkit` on Linux; respects
    HOME), as Click's `get_app_dir` gives it: the same one `typer.get_app_dir` would."""
    from click import get_app_dir  # imported here: `fieldkit` alone never loads Typer

    return Path(get_app_dir("fieldkit"))


def default_db() -> Path:
    """The per-user database used when neither --db nor $FIELDKIT_DB says otherwise."""
    return config_dir() / "fieldkit.db"


def resolve_db(db: Path | None) -> Path:
    """--db, else $FIELDKIT_DB, else the per-user default file."""
    if db is not None:
        return db
    env = os.environ.get("FIELDKIT_DB")
    if env:
        return Path(env)
    return default_db()
