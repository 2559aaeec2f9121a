"""Writing a register file (an export, a progress update): owner-only, atomic, and never
over an existing file unless asked."""

from __future__ import annotations

from pathlib import Path

from fieldkit.errors import BadInput
from fieldkit.files import write_privately


def write_output(path: Path, data: str | bytes, *, overwrite: bool = False) -> Path:
    """Write `data` to `path` through a temporary file renamed into place (0600).

    An existing file is refused unless `overwrite` (a database mistaken for the output
    stays as it was); a directory or a missing folder is refused in one line."""
    if path.is_dir():
        raise BadInput(f"{path}: is a directory; name a file to write")
    if path.exists() and not overwrite:
        raise BadInput(f"{path}: already exists; use --overwrite to replace it")
    if not path.parent.is_dir():
        raise BadInput(f"{path.parent}: no such folder")
    write_privately(path, data)
    return path
