"""Writing a register file (an export, a progress update): owner-only, atomic, and never
over an existing file unless asked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fieldkit.errors import BadInput


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
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
