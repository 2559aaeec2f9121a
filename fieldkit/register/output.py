"""Writing a register file (an export, a progress update): owner-only, atomic, and never
over an existing file unless asked; and the text an export writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from pyrage import x25519

from fieldkit.errors import BadInput, FieldkitError
from fieldkit.sealing import write_sealed


def write_output(
    path: Path,
    data: str | bytes,
    *,
    overwrite: bool = False,
    to: Sequence[x25519.Recipient] = (),
) -> Path:
    """Write `data` to `path` through a temporary file renamed into place (0600), sealed
    for the recipients `to` if any (fieldkit.sealing).

    An existing file is refused unless `overwrite` (a database mistaken for the output
    stays as it was); a directory or a missing folder is refused in one line."""
    if path.is_dir():
        raise BadInput(f"{path}: is a directory; name a file to write")
    if path.exists() and not overwrite:
        raise BadInput(f"{path}: already exists; use --overwrite to replace it")
    if not path.parent.is_dir():
        raise BadInput(f"{path.parent}: no such folder")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    write_sealed(path, to, lambda plain: plain.write_bytes(raw))
    return path


def export_text(
    conn: sqlite3.Connection, refs: list[str] | None = None, *, include_withdrawn: bool = False
) -> str:
    """`register export`: the imported entries (of the recommendations `refs` names, else
    all) with their events in the register's format. Nothing to export is an error that
    says why (exit 1): no entry imported for those recommendations, or none at all."""
    from fieldkit.register.recs import export_entries, resolve_rec, short_ref

    ids = [resolve_rec(conn, r) for r in refs] if refs else None
    text = export_entries(conn, ids, include_withdrawn=include_withdrawn)
    if text:
        return text
    if ids:
        raise FieldkitError(
            f"nothing to export: no register entry is imported for "
            f"{', '.join(short_ref(i) for i in ids)} (export writes imported entries; "
            "`register show` prints any recommendation's events)"
        )
    raise FieldkitError(
        "nothing to export: no register entry is imported in this database "
        "(`register import FILE` first)"
    )
