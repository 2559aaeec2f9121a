"""Reference data files shipped with fieldkit (YAML): the national recommendations the
register follows (`recommendations.yaml`) and action-plan templates (`stop_2018.yaml`).

Read them through fieldkit.register.reference, which validates them and installs them
into a database."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def path(name: str) -> Path:
    """The path of a shipped reference file."""
    return HERE / name
