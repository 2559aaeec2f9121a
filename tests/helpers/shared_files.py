"""The domain document and seed texts the tests read.

They live in ../shared beside the checkout; tests/fixtures/shared holds the project's own
copies of the few files the tests need, used when a checkout has no ../shared beside it
(a bare clone in CI). test_shared_copies_match_the_originals keeps the copies honest.
"""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
COPIES = Path(__file__).resolve().parents[1] / "fixtures" / "shared"


def shared_file(relative: str) -> Path:
    """../shared/RELATIVE when it is there, else the copy in tests/fixtures/shared."""
    original = SHARED / relative
    return original if original.exists() else COPIES / relative


def copied_files() -> list[str]:
    return sorted(str(p.relative_to(COPIES)) for p in COPIES.rglob("*") if p.is_file())
