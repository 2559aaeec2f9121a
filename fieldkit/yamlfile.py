"""Parsing the YAML files fieldkit ships (checklists, the register's reference data)."""

from __future__ import annotations

from typing import Any


def safe_load(text: str) -> Any:
    """`yaml.safe_load`, through libyaml's C parser when PyYAML was built with it (several
    times faster; the same safe constructors and resolver). Raises yaml.YAMLError."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
