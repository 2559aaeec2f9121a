"""The checklists package's own error (a base module of the package: no imports of it)."""

from __future__ import annotations

from fieldkit.errors import FieldkitError


class ChecklistError(FieldkitError):
    """An unknown checklist, or a definition that does not validate."""

    exit_code = 2
