"""Display rounding, in one place: whole percentages rounded half up, and the
"77% (305 of 395)" label (DOMAIN.md 4.3).

The SQL views compute the same integer exactly as (200 c + a) div (2 a), which is
floor(100 c / a + 1/2); a test checks the two agree for every c <= a <= 1000. Excel stores
the exact fraction with a "0%" number format.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(completed: int, applicable: int) -> int | None:
    """100 * completed / applicable rounded half up to a whole number (None when there is
    nothing applicable). Python's round() rounds halves to even, so never use it here."""
    if not applicable:
        return None
    exact = Decimal(100 * int(completed)) / Decimal(int(applicable))
    return int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fraction(completed: int, applicable: int) -> float | None:
    """The exact share, for spreadsheets (formatted there as a percentage)."""
    if not applicable:
        return None
    return int(completed) / int(applicable)


def label(
    completed: int, applicable: int, empty: str = "no applicable records", unit: str = ""
) -> str:
    """'77% (305 of 395)': the percentage with both counts, never just '77% (n)'. With a
    unit, what the base counts: '70% (272 of 388 agency rows)'."""
    p = percent(completed, applicable)
    if p is None:
        return f"no {unit}" if unit else empty
    return f"{p}% ({completed} of {applicable}{' ' + unit if unit else ''})"


def mean_text(total: int | None, count: int | None) -> str:
    """A mean score to one decimal place, rounded half up ('' when nothing was scored)."""
    if not count or total is None:
        return ""
    exact = Decimal(int(total)) / Decimal(int(count))
    return str(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
