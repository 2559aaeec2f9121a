"""A force against the rest of England and Wales: is the difference beyond chance?

For one yes/no item, the force's figure (completed of applicable) is compared with the
rest of England and Wales: every other force's counts pooled (the national counts less the
force's own), so the force is never compared with itself. docs/counting.md states the rule
with a worked example (tests/test_compare.py checks it).

- **The force's 95% interval** is Wilson's score interval: honest at small bases and near
  0% or 100%, where the textbook p ± 1.96·se interval is not.
- **The test** is two-sided at 95% (p < 0.05): the two-proportion z-test (pooled), or
  Fisher's exact test when any of the four cells of the 2×2 table would expect fewer than
  5 records, where the z-test's normal approximation fails. Each row names its test.
- **Too small to call**: when the force's base (or the rest's) is under `min_base`
  (default 10), nothing is flagged whatever the test says; the row says so.

Only the standard library (math, statistics).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from fieldkit.report.numbers import label, percent

MIN_BASE = 10  # below this many applicable records a difference is too small to call
LEVEL = 0.95
Z = NormalDist().inv_cdf(1 - (1 - LEVEL) / 2)  # 1.959963984540054
Z_TEST = "two-proportion z-test"
FISHER = "Fisher's exact test"
HIGHER, LOWER, SAME, TOO_SMALL = "higher", "lower", "no clear difference", "too small to call"


def wilson(completed: int, applicable: int, z: float = Z) -> tuple[float, float] | None:
    """Wilson's score interval for completed ÷ applicable, as fractions (None when
    nothing is applicable)."""
    if applicable <= 0:
        return None
    n, p = applicable, completed / applicable
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if completed == 0 else max(0.0, centre - half)
    return low, 1.0 if completed == n else min(1.0, centre + half)


def expected_small(k1: int, n1: int, k2: int, n2: int) -> bool:
    """Whether a cell of the 2×2 table expects fewer than 5 (Cochran's rule)."""
    total, yes = n1 + n2, k1 + k2
    no = total - yes
    return min(n1 * yes, n1 * no, n2 * yes, n2 * no) < 5 * total


def z_test(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0  # every record the same answer on both sides: no difference
    z = (k1 / n1 - k2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def fisher_exact(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test: the probability, with the margins fixed,
    of a table no more likely than the one observed."""
    total, yes = n1 + n2, k1 + k2

    def log_p(x: int) -> float:  # hypergeometric: x of the force's n1 records "yes"
        return _log_comb(yes, x) + _log_comb(total - yes, n1 - x) - _log_comb(total, n1)

    observed = log_p(k1)
    low, high = max(0, n1 - (total - yes)), min(n1, yes)
    p = sum(math.exp(lp) for x in range(low, high + 1) if (lp := log_p(x)) <= observed + 1e-7)
    return min(1.0, p)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


@dataclass(frozen=True)
class Comparison:
    """One item: the force (k1 of n1) against the rest of England and Wales (k2 of n2)."""

    interval: tuple[float, float] | None  # the force's Wilson 95% interval (fractions)
    gap: float | None  # the force's % less the rest's %, in percentage points
    test: str  # which test decided ("" when there is nothing to test)
    p_value: float | None
    call: str  # higher | lower | no clear difference | too small to call


def compare(k1: int, n1: int, k2: int, n2: int, min_base: int = MIN_BASE) -> Comparison:
    """The force's figure against the rest's: interval, gap, test, p-value and the call."""
    interval = wilson(k1, n1)
    if n1 <= 0 or n2 <= 0:
        return Comparison(interval, None, "", None, TOO_SMALL if n1 < min_base else "")
    gap = 100 * (k1 / n1 - k2 / n2)
    small = expected_small(k1, n1, k2, n2)
    test = FISHER if small else Z_TEST
    p = fisher_exact(k1, n1, k2, n2) if small else z_test(k1, n1, k2, n2)
    if n1 < min_base or n2 < min_base:
        call = TOO_SMALL
    elif p < 1 - LEVEL:
        call = HIGHER if gap > 0 else LOWER
    else:
        call = SAME
    return Comparison(interval, gap, test, p, call)


def interval_text(interval: tuple[float, float] | None) -> str:
    """'73-81%': the interval in whole percentages (low rounded down, high up, so the
    printed range always contains the exact one)."""
    if interval is None:
        return ""
    low, high = interval
    return f"{math.floor(100 * low + 1e-9)}-{math.ceil(100 * high - 1e-9)}%"


def with_rest(
    row: dict[str, Any], national: dict[str, Any], min_base: int = MIN_BASE
) -> dict[str, Any]:
    """A force's findings row (fieldkit.report.findings.evidence, per force) with the rest
    of England and Wales beside it (the national row's counts less the force's) and the
    comparison's columns."""
    k1, n1 = row["completed"], row["applicable"]
    n2 = national["applicable"] - n1
    k2 = national["completed"] - k1
    c = compare(k1, n1, k2, n2, min_base)
    return {
        **row,
        "ci_low": None if c.interval is None else round(100 * c.interval[0], 1),
        "ci_high": None if c.interval is None else round(100 * c.interval[1], 1),
        "interval": interval_text(c.interval),
        "rest_applicable": n2,
        "rest_completed": k2,
        "rest_percent": percent(k2, n2),
        "rest_label": label(k2, n2),
        "gap": None if c.gap is None else round(c.gap, 1),
        "test": c.test,
        "p_value": None if c.p_value is None else float(f"{c.p_value:.3g}"),
        "difference": c.call,
    }


@lru_cache(maxsize=4096)
def _cached(k1: int, n1: int, k2: int, n2: int, min_base: int) -> Comparison:
    return compare(k1, n1, k2, n2, min_base)


def sql_functions() -> dict[str, tuple[int, Callable[..., Any]]]:
    """The comparison as SQLite functions (name -> number of arguments, function), for a
    query that has the force's counts and the national ones (Datasette's by-force query):
    fieldkit_ci_low/high(completed, applicable) in percent to one decimal;
    fieldkit_p_value / fieldkit_test / fieldkit_difference(k1, n1, k2, n2, min_base),
    where k2 of n2 is the rest of England and Wales."""

    def ends(k: Any, n: Any, end: int) -> float | None:
        interval = None if k is None or n is None else wilson(int(k), int(n))
        return None if interval is None else round(100 * interval[end], 1)

    def field(name: str) -> Callable[..., Any]:
        def read(k1: Any, n1: Any, k2: Any, n2: Any, min_base: Any) -> Any:
            if None in (k1, n1, k2, n2):
                return None
            base = MIN_BASE if min_base in (None, "") else int(min_base)
            value = getattr(_cached(int(k1), int(n1), int(k2), int(n2), base), name)
            if name == "p_value" and value is not None:
                return float(f"{value:.3g}")
            return value

        return read

    return {
        "fieldkit_ci_low": (2, lambda k, n: ends(k, n, 0)),
        "fieldkit_ci_high": (2, lambda k, n: ends(k, n, 1)),
        "fieldkit_p_value": (5, field("p_value")),
        "fieldkit_test": (5, field("test")),
        "fieldkit_difference": (5, field("call")),
    }
