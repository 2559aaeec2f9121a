"""The test suite's own rule: a test module imports no other test module. What tests share
lives in tests/conftest.py (fixtures) and the tests/helpers package (plain functions and data)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in the file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_test_modules_import_only_helpers_and_the_package() -> None:
    # Modules beside the tests (test_*.py, conftest.py, any loose helper): none is imported.
    beside = {p.stem for p in TESTS.glob("*.py")} | {"tests"}
    offenders = [
        f"{path.name}:{line} imports {module}"
        for path in sorted([*TESTS.glob("*.py"), *(TESTS / "helpers").glob("*.py")])
        for line, module in imported(path)
        if module.split(".")[0] in beside
    ]
    assert offenders == []


def test_only_tests_and_conftest_sit_beside_the_helpers() -> None:
    loose = [
        p.name
        for p in TESTS.glob("*.py")
        if p.name != "conftest.py" and not p.name.startswith("test_")
    ]
    assert loose == [], "shared helpers belong in tests/helpers/"
