"""The 43 Home Office police forces of England and Wales (DOMAIN.md 5.5).

Reference data only: the store copies it into the `forces` and `force_aliases` tables.
"""

from __future__ import annotations

import re

# (code, name, aliases seen in the report or in common use)
FORCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "avon_somerset",
        "Avon and Somerset Constabulary",
        ("Avon and Somerset Police", "Avon & Somerset"),
    ),
    ("bedfordshire", "Bedfordshire Police", ()),
    ("cambridgeshire", "Cambridgeshire Constabulary", ()),
    ("cheshire", "Cheshire Constabulary", ()),
    ("city_of_london", "City of London Police", ()),
    ("cleveland", "Cleveland Police", ()),
    ("cumbria", "Cumbria Constabulary", ()),
    ("derbyshire", "Derbyshire Constabulary", ("Derbyshire Police",)),
    ("devon_cornwall", "Devon and Cornwall Police", ("Devon & Cornwall",)),
    ("dorset", "Dorset Police", ()),
    ("durham", "Durham Constabulary", ()),
    ("dyfed_powys", "Dyfed-Powys Police", ()),
    ("essex", "Essex Police", ()),
    ("gloucestershire", "Gloucestershire Constabulary", ()),
    ("greater_manchester", "Greater Manchester Police", ("Greater Manchester", "GMP")),
    ("gwent", "Gwent Police", ("Gwent Constabulary",)),
    ("hampshire", "Hampshire Constabulary", ()),
    ("hertfordshire", "Hertfordshire Constabulary", ()),
    ("humberside", "Humberside Police", ()),
    ("kent", "Kent Police", ()),
    ("lancashire", "Lancashire Constabulary", ()),
    ("leicestershire", "Leicestershire Police", ()),
    ("lincolnshire", "Lincolnshire Police", ()),
    ("merseyside", "Merseyside Police", ()),
    ("metropolitan", "Metropolitan Police Service", ("MPS", "Met", "Metropolitan Police")),
    ("norfolk", "Norfolk Constabulary", ()),
    ("north_wales", "North Wales Police", ()),
    ("north_yorkshire", "North Yorkshire Police", ()),
    ("northamptonshire", "Northamptonshire Police", ()),
    ("northumbria", "Northumbria Police", ()),
    ("nottinghamshire", "Nottinghamshire Police", ()),
    ("south_wales", "South Wales Police", ()),
    ("south_yorkshire", "South Yorkshire Police", ()),
    ("staffordshire", "Staffordshire Police", ()),
    ("suffolk", "Suffolk Constabulary", ()),
    ("surrey", "Surrey Police", ()),
    ("sussex", "Sussex Police", ()),
    ("thames_valley", "Thames Valley Police", ()),
    ("warwickshire", "Warwickshire Police", ()),
    ("west_mercia", "West Mercia Police", ()),
    ("west_midlands", "West Midlands Police", ()),
    ("west_yorkshire", "West Yorkshire Police", ()),
    ("wiltshire", "Wiltshire Police", ()),
)

WELSH_FORCES = frozenset({"dyfed_powys", "gwent", "north_wales", "south_wales"})

_SUFFIX = re.compile(r"\b(police service|police|constabulary)$")


def _norm(name: str) -> str:
    n = name.lower().replace("&", "and").replace("-", " ")
    n = re.sub(r"[^a-z0-9 ]+", "", n)
    n = re.sub(r"\s+", " ", n).strip()
    return _SUFFIX.sub("", n).strip()


def alias_rows() -> list[tuple[str, str]]:
    """(normalised alias, code) pairs: codes, full names, names without the
    'Police'/'Constabulary' suffix, and the spellings the report uses."""
    rows: dict[str, str] = {}
    for code, name, aliases in FORCES:
        for a in (code, code.replace("_", " "), name, *aliases):
            rows.setdefault(_norm(a), code)
    return sorted(rows.items())


_ALIASES = dict(alias_rows())
NAMES = {code: name for code, name, _ in FORCES}


def resolve(text: str) -> str | None:
    """The force code for a code, name or name variant; None if it is not a force."""
    t = text.strip()
    if t in NAMES:
        return t
    return _ALIASES.get(_norm(t))
