"""Merging inspectors' databases into a team database (and back), and what a team lead
then moderates: value conflicts and duplicate records."""

from fieldkit.sync.conflicts import duplicates, value_conflicts
from fieldkit.sync.merging import (
    APPEND_ONLY_TABLES,
    DEFINITION_TABLES,
    MergeSummary,
    Progress,
    merge,
)

__all__ = [
    "APPEND_ONLY_TABLES",
    "DEFINITION_TABLES",
    "MergeSummary",
    "Progress",
    "duplicates",
    "merge",
    "value_conflicts",
]
