"""Where fieldkit keeps its per-user files, and which database a command works on."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def config_dir() -> Path:
    """The per-user fieldkit directory: `$XDG_CONFIG_HOME/fieldkit`, else
    `~/.config/fieldkit` on Linux (respects HOME); the Application Support folder on macOS
    and the roaming AppData folder on Windows. The same folder Click's `get_app_dir`
    gives (where earlier fieldkits kept keys and contexts), found through platformdirs,
    which Textual has already imported, rather than Click (about 20 ms at start-up)."""
    env = os.environ.get
    return _config_dir(env("XDG_CONFIG_HOME"), env("HOME"), env("APPDATA"))


@lru_cache(maxsize=8)
def _config_dir(_xdg: str | None, _home: str | None, _appdata: str | None) -> Path:
    """config_dir for these values of the variables it depends on (asked at every write,
    for the device key: worked out once)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("fieldkit", appauthor=False, roaming=True))


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
