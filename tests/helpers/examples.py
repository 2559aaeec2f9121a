"""How many examples a hypothesis test tries.

Two profiles, chosen in tests/conftest.py: `ci` (with --hypothesis-profile=ci, as .ci/run
passes, or when the CI environment variable is set) runs every test's full count; `dev`, the
everyday loop, runs a fifth of it (or the `dev` count a test names). A test says its full count:
@settings(max_examples=examples(60)).
Neither profile has a deadline: a loaded machine is slow, not wrong.
"""

from __future__ import annotations

import math
import os

from hypothesis import settings

SHARE_IN_DEV = 5

settings.register_profile("ci", deadline=None)
settings.register_profile("dev", deadline=None, max_examples=math.ceil(100 / SHARE_IN_DEV))


def profile_for_environment() -> str:
    """`ci` when CI is set to anything but empty, 0 or false; else `dev`."""
    return "ci" if os.environ.get("CI", "").lower() not in ("", "0", "false") else "dev"


def examples(full: int, *, dev: int | None = None) -> int:
    """`full` under the ci profile; otherwise a fifth of it (at least 2), or `dev` for a
    test whose every example builds and folds whole databases (the everyday loop's time)."""
    if settings.get_current_profile_name() == "ci":
        return full
    return dev if dev is not None else max(2, math.ceil(full / SHARE_IN_DEV))
