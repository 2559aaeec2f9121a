"""The inspection context remembered between runs of the capture app.

One small JSON file in the per-user config directory (the same directory as the default
database: `$XDG_CONFIG_HOME/fieldkit` on Linux). It holds who is observing what: the
inspection's name, the force being inspected, the inspector and their observer role,
remembered per database (by its database id, so a copy of the file is the same database
and another database is asked for its own); the last one given (offered, never used
unasked, for a database not seen before); and the display theme. No Textual here: the
CLI and tests read it too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from fieldkit import forces
from fieldkit.files import write_privately
from fieldkit.paths import config_dir

FILENAME = "context.json"
DATABASES = "databases"  # database id -> the context given for that database
ROLE_LABELS = {
    "hmic_staff": "HMIC staff",
    "force_peer_specialist": "Peer specialist from another force",
    "voluntary_sector_expert": "Voluntary-sector expert",
    "other": "Other",
}


@dataclass(frozen=True)
class InspectionContext:
    inspection: str = ""
    force_code: str = ""
    inspector: str = ""
    observer_role: str = "hmic_staff"
    theme: str = ""

    @property
    def complete(self) -> bool:
        """Enough to create records: an inspection, a known force and an inspector."""
        return bool(self.inspection.strip() and self.inspector.strip()) and (
            self.force_code in forces.NAMES
        )

    @property
    def force_name(self) -> str:
        return forces.NAMES.get(self.force_code, self.force_code)

    def problems(self) -> list[str]:
        """What is missing or wrong, one short phrase each (empty when complete)."""
        out = []
        if not self.inspection.strip():
            out.append("an inspection name")
        if self.force_code not in forces.NAMES:
            out.append("a force (one of the 43)")
        if not self.inspector.strip():
            out.append("your name as inspector")
        if self.observer_role not in ROLE_LABELS:
            out.append("an observer role")
        return out

    def with_(self, **changes: Any) -> InspectionContext:
        return replace(self, **changes)


def default_path() -> Path:
    return config_dir() / FILENAME


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load(path: Path | None = None) -> InspectionContext:
    """The last context given (for any database), or an empty one when there is none (or
    the file is unreadable)."""
    return _parse(_read(path or default_path()))


def load_for(database_id: str, path: Path | None = None) -> InspectionContext | None:
    """The context remembered for the database `database_id` (with the current theme), or
    None when this database has not been given one yet."""
    data = _read(path or default_path())
    per_db = data.get(DATABASES)
    entry = per_db.get(database_id) if isinstance(per_db, dict) and database_id else None
    if not isinstance(entry, dict):
        return None
    return _parse({**entry, "theme": data.get("theme", "")})


def for_database(
    database_id: str, inspector: str = "", path: Path | None = None
) -> tuple[InspectionContext, bool]:
    """The context to start a database with, and whether it was remembered for it. A
    database not seen before gets the last context given as a suggestion to confirm,
    with the inspector stored by `fieldkit init --inspector` when there is one."""
    known = load_for(database_id, path)
    if known is not None:
        return known, True
    last = load(path)
    return last.with_(inspector=inspector or last.inspector), False


def _parse(data: dict[str, Any]) -> InspectionContext:
    known = {f.name for f in fields(InspectionContext)}
    clean = {k: str(v) for k, v in data.items() if k in known and v is not None}
    ctx = InspectionContext(**clean)
    if ctx.force_code and ctx.force_code not in forces.NAMES:
        ctx = ctx.with_(force_code=forces.resolve(ctx.force_code) or "")
    return ctx


def save(ctx: InspectionContext, path: Path | None = None, *, database_id: str = "") -> Path:
    """Write the context as the last one given (and, with `database_id`, as that
    database's), keeping the other databases' contexts; atomically (a temporary file
    renamed over the old one), owner-only."""
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old = _read(path)
    per_db = old.get(DATABASES)
    per_db = dict(per_db) if isinstance(per_db, dict) else {}
    if database_id:
        entry = asdict(ctx)
        entry.pop("theme")
        per_db[database_id] = entry
    data: dict[str, Any] = {**asdict(ctx), DATABASES: per_db}
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    write_privately(path, text)
    return path
