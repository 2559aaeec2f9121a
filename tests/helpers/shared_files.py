"""The domain document and seed texts the tests read.

They live in ../shared beside the checkout; tests/fixtures/shared holds the project's own
copies of the few files the tests need, used when a checkout has no ../shared beside it
(a bare clone in CI). SHA256SUMS records each original's digest when it was copied:
test_shared_copies_match_the_originals checks every copy against it, and the originals too
when ../shared is there, so a copy and its original cannot drift apart unseen.
"""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
COPIES = Path(__file__).resolve().parents[1] / "fixtures" / "shared"


def shared_file(relative: str) -> Path:
    """../shared/RELATIVE when it is there, else the copy in tests/fixtures/shared."""
    original = SHARED / relative
    return original if original.exists() else COPIES / relative


MANIFEST = COPIES / "SHA256SUMS"


def copied_files() -> list[str]:
    return sorted(
        str(p.relative_to(COPIES)) for p in COPIES.rglob("*") if p.is_file() and p != MANIFEST
    )


def recorded_digests() -> dict[str, str]:
    """The sha256 of each original as it was when copied (`sha256sum` format)."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in lines)}
