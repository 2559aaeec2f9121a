"""Files fieldkit writes beside the databases (workbooks, exports, briefings, forms, the
saved context): owner-only and atomic, and never over a file the user did not ask to
replace. A base module: it imports nothing of fieldkit's but its errors.

`replace_privately(path, write)` has `write` fill a temporary file beside `path` (0600 before
and after, since a library may recreate the file it saves), then renames it over `path`; on
any failure the temporary file is removed and `path` is as it was."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from fieldkit.errors import BadInput


def check_output(
    path: Path, suffixes: tuple[str, ...], *, overwrite: bool = False, sealed: bool = False
) -> None:
    """Refuse, in one line and before anything is read or written, an output file whose
    name does not end in one of `suffixes` (the first is the one named; a `sealed` file may
    add `.age`), or one that exists already unless `overwrite`."""
    name = path.with_suffix("") if sealed and path.suffix.lower() == ".age" else path
    if name.suffix.lower() not in suffixes:
        raise BadInput(f"{path}: the output file must end in {suffixes[0]}")
    if path.exists() and not overwrite:
        raise BadInput(f"{path}: already exists (use --overwrite to replace it)")


def replace_privately(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Make `path` (owner-only) from what `write(tmp)` puts in a temporary file beside it."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o600)
        write(tmp)
        os.chmod(tmp, 0o600)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_privately(path: Path | str, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to `path`, owner-only and atomically."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return replace_privately(path, lambda tmp: tmp.write_bytes(raw))
