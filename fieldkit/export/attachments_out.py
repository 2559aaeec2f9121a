"""`export xlsx --attachments DIR`: the files the exported records' answers name, written
out beside the workbook (fieldkit.store.attachments holds them by digest)."""

from __future__ import annotations

from pathlib import Path

from fieldkit.errors import BadInput
from fieldkit.store import Store, attachments, resolve_force


def write_attachments(store: Store, folder: Path, force: str | None = None) -> int:
    """Write every attachment the current answers of the records exported (not deleted; of
    `force` when given) name into `folder` (owner-only files); the number written."""
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"--attachments {folder}: not a folder")
    code = resolve_force(force) if force else None
    ids = [
        r[0]
        for r in store.conn.execute(
            "SELECT record_id FROM records WHERE deleted = 0 AND (? IS NULL OR force_code = ?)",
            (code, code),
        )
    ]
    return attachments.write_files(store.conn, ids, folder)
