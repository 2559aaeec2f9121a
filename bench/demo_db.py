"""The benches' shared demo databases: made once by the `fieldkit demo` command (the way a user
makes one) and reused while the file exists."""

from __future__ import annotations

import subprocess
import sys
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
