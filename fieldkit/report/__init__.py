"""Reports: the findings by the Table 2 rule (DOMAIN.md 4.3), read from the SQL views that
Datasette and the Excel export read too."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.report.findings import evidence, not_counted, scales
    from fieldkit.report.numbers import fraction, label, percent
    from fieldkit.report.sampling import coverage, strata, targets

# Each name from the module that defines it, loaded when first asked for: the capture
# app's dashboard needs only `coverage`, not the findings and their statistics.
_FROM = {
    "evidence": "findings",
    "not_counted": "findings",
    "scales": "findings",
    "fraction": "numbers",
    "label": "numbers",
    "percent": "numbers",
    "coverage": "sampling",
    "strata": "sampling",
    "targets": "sampling",
}


def __getattr__(name: str) -> Any:
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "coverage",
    "evidence",
    "fraction",
    "label",
    "not_counted",
    "percent",
    "scales",
    "strata",
    "targets",
]
