"""All of fieldkit's SQL, in .sql files beside this module.

Schema steps are `NNNN_name.sql`; the other files hold named statements, each introduced
by a line `-- name: <name>`, read with `queries("state")["recompute_cells"]`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
_NAME = re.compile(r"^--\s*name:\s*([a-z0-9_]+)\s*$", re.M)


def read(filename: str) -> str:
    return (HERE / filename).read_text(encoding="utf-8")


@cache
def queries(group: str) -> dict[str, str]:
    """The named statements in `<group>.sql`."""
    text = read(f"{group}.sql")
    parts = _NAME.split(text)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        out[name] = body.strip()
    return out


def schema_steps() -> list[tuple[str, str]]:
    """(name, sql) for every schema step, in order."""
    return [
        (p.stem, p.read_text(encoding="utf-8"))
        for p in sorted(HERE.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    ]
