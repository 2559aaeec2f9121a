"""Build a costly file once per test run, shared by pytest-xdist's workers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # not POSIX: every worker builds its own copy
    fcntl = None  # type: ignore[assignment]


def built_once(
    config: pytest.Config,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    build: Callable[[Path], None],
) -> Path:
    """The file `name`, made by `build(path)` once for this run: under xdist, the first worker
    to ask builds it in the run's shared temporary directory while the others wait on a lock;
    alone, it is built in the session's own. Treat it as read-only: copy it before writing."""
    base = tmp_path_factory.getbasetemp()
    if not hasattr(config, "workerinput") or fcntl is None:
        path = base / "once" / name
        path.parent.mkdir(exist_ok=True)
        build(path)
        return path
    # base is <run>/popen-gwN: <run> belongs to this run only, shared by its workers.
    shared = base.parent / "once"
    shared.mkdir(exist_ok=True)
    path, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            build(path)
            done.touch()
    return path
