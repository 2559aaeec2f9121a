"""Locations as ODK writes them (geopoint, geotrace, geoshape answers)."""

from __future__ import annotations


def _text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def parse_geo(kind: str, text: str) -> str:
    """A location as ODK writes it: `lat lon [altitude [accuracy]]`, points of a line or
    area separated by `;` (an area closes on its first point). Checked for range; stored
    as written, one space between numbers."""
    points: list[list[float]] = []
    for part in [p for p in text.split(";") if p.strip()]:
        nums = part.replace(",", " ").split()
        try:
            values = [float(n) for n in nums]
        except ValueError:
            values = []
        if not 2 <= len(values) <= 4 or any(v != v for v in values):
            raise ValueError(
                f"expected a location 'latitude longitude [altitude accuracy]',"
                f" got {part.strip()!r}"
            )
        if not -90 <= values[0] <= 90 or not -180 <= values[1] <= 180:
            raise ValueError(
                f"latitude must be -90 to 90 and longitude -180 to 180, got {part.strip()!r}"
            )
        if len(values) == 4 and values[3] < 0:
            raise ValueError(f"accuracy cannot be negative, got {part.strip()!r}")
        points.append(values)
    least = {"geopoint": 1, "geotrace": 2, "geoshape": 4}[kind]
    if len(points) < least or (kind == "geopoint" and len(points) != 1):
        what = {"geopoint": "one point", "geotrace": "2 points or more"}.get(
            kind, "4 points or more, the last the same as the first"
        )
        raise ValueError(f"expected {what}, got {len(points)}")
    if kind == "geoshape" and points[0][:2] != points[-1][:2]:
        raise ValueError("an area must end on its first point")
    return ";".join(" ".join(_text(v) for v in p) for p in points)
