"""A checklist file is the only place that knows a checklist (issue 12, point 1): no Python
or SQL file in fieldkit names a checklist id or an item id of a shipped checklist, outside
the checklist files themselves and the demo generator. The failure lists every offending
file:line, so what remains to move into the definitions is plain."""

from __future__ import annotations

import re
from pathlib import Path

from fieldkit.checklists import load_all

ROOT = Path(__file__).resolve().parents[1] / "fieldkit"
ALLOWED = {ROOT / "demo.py"}


def _ids() -> set[str]:
    ids: set[str] = set()
    for checklist in load_all().values():
        ids.add(checklist.id)
        ids.update(checklist.item_map)
    return ids


def offending_lines() -> list[str]:
    ids = _ids()
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])(" + "|".join(sorted(ids, key=len, reverse=True)) + r")(?![A-Za-z0-9_])"
    )
    out = []
    for path in sorted([*ROOT.rglob("*.py"), *ROOT.rglob("*.sql")]):
        if path in ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = sorted(set(pattern.findall(line)))
            if found:
                rel = path.relative_to(ROOT.parent)
                out.append(f"{rel}:{n}: {', '.join(found)}")
    return out


def test_the_grep_finds_an_id_where_one_is_written(tmp_path: Path) -> None:
    """The pattern is not vacuous: every shipped id is found in a line that names it."""
    ids = _ids()
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])(" + "|".join(sorted(ids, key=len, reverse=True)) + r")(?![A-Za-z0-9_])"
    )
    assert len(ids) > 300
    for i in ids:
        assert pattern.findall(f"x = '{i}'") == [i]
        assert pattern.findall(f"x = '{i}x'") == []


def test_no_checklist_or_item_id_in_python_or_sql() -> None:
    lines = offending_lines()
    assert not lines, (
        f"{len(lines)} line(s) name a checklist or item id outside the checklist files:\n"
        + "\n".join(lines)
    )
