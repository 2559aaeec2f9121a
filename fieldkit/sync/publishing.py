"""A merge's new target built beside its name and published once whole (merging): what a
merge killed half way left behind is removed by the next."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from fieldkit.errors import BadDatabase, BadInput


def remove_abandoned(into: Path) -> None:
    """What merges into `into` that were killed before it existed left beside it (their
    process is gone): copies of sensitive data nobody would think to look for."""
    for path in into.parent.glob(f".{into.name}.merging-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or _running(int(pid)):
            continue
        remove(path)


def _running(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours, or no way to tell: leave its file alone
        return True
    return True


def publish(building: Path, into: Path) -> None:
    """Give the finished new database its name, never over a file that appeared there in
    the meantime (a hard link where the file system has them, else a checked rename)."""
    if Path(f"{building}-wal").exists() and Path(f"{building}-wal").stat().st_size:
        raise BadDatabase(f"{building}: the merged database was not fully written; try again")
    try:
        os.link(building, into)
    except FileExistsError:
        raise BadInput(f"{into}: was created by something else during the merge") from None
    except OSError:  # no hard links here (e.g. a FAT-formatted USB stick)
        if into.exists():
            raise BadInput(f"{into}: was created by something else during the merge") from None
        os.replace(building, into)
    remove(building)


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(OSError):
            Path(f"{path}{suffix}").unlink()
