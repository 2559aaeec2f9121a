"""The benches' shared demo databases: made once by the `fieldkit demo` command (the way a user
makes one) and reused while the file exists."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def build_demo(path: Path, *, scale: int = 1, seed: int | None = None, say: bool = True) -> None:
    """`fieldkit demo --db PATH --scale N [--seed S]`, unless PATH exists already."""
    if path.exists():
        return
    if say:
        print(f"building demo database at scale {scale} ({path}) ...", flush=True)
    args = ["demo", "--db", str(path), "--scale", str(scale)]
    if seed is not None:
        args += ["--seed", str(seed)]
    subprocess.run([sys.executable, "-m", "fieldkit", *args], check=True, stdout=subprocess.DEVNULL)


def inspectors(n: int, *, scale: int, jobs: int, keep: Path | None, name: str) -> list[Path]:
    """N inspectors' demo databases (seeds 1000, 1001, ...), built `jobs` at once in `keep`
    (reused if there) or a new temporary folder; the merging device's key is kept beside
    them ($FIELDKIT_KEY)."""
    workdir = keep or Path(tempfile.mkdtemp(prefix=f"fieldkit-bench-{name}-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["FIELDKIT_KEY"] = str(workdir / "bench.key")
    sources = [workdir / f"source{k:02d}.db" for k in range(n)]
    with ThreadPoolExecutor(jobs) as pool:
        list(
            pool.map(
                lambda k: build_demo(sources[k], seed=1000 + k, scale=scale, say=False),
                range(n),
            )
        )
    return sources
