"""Reports: the findings by the Table 2 rule (DOMAIN.md 4.3), read from the SQL views that
Datasette and the Excel export read too."""

from fieldkit.report.findings import evidence, not_counted, scales
from fieldkit.report.numbers import fraction, label, percent
from fieldkit.report.sampling import coverage, strata, targets

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
