"""XLSForm's `pulldata('file', 'column', 'key column', key)`: a value looked up in a CSV
the form carries with it (on a phone, one of the form's media files).

The table is held in the checklist definition itself (`lookups`: {file: {columns, rows}},
the file's name without `.csv`), so a database that holds the form computes the same
values anywhere, and `checklists export` writes the file back beside the workbook
(`FORM-media/file.csv`). One reading, two back ends, as every expression:

- `pull` (Python: the capture app, the import's checks), asked through the evaluator's
  reader as ("pulldata", file, column, key column, key);
- `lookup_sql` (the reports' views): the table's key -> value pairs as a JSON object in
  the SQL, read with `json_each`.

As in ODK: the first row whose key column holds the key (compared as text) gives the
value; no such row, no such file or column: '' (empty text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldkit.checklists.errors import ChecklistError

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,99}$")  # a file name, never a path


@dataclass(frozen=True)
class Lookup:
    """One CSV file: its header and its rows (text, as written)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def pairs(self, column: str, key_column: str) -> dict[str, str]:
        """{key: value} for the first row of each key (an empty key finds nothing)."""
        if column not in self.columns or key_column not in self.columns:
            return {}
        c, k = self.columns.index(column), self.columns.index(key_column)
        out: dict[str, str] = {}
        for row in self.rows:
            if row[k] != "":
                out.setdefault(row[k], row[c])
        return out

    def as_data(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [list(r) for r in self.rows]}


def file_key(name: str) -> str:
    """The table a pulldata() first argument names: `people` and `people.csv` alike."""
    name = str(name).strip()
    return name[:-4] if name.lower().endswith(".csv") else name


def parse_lookups(raw: Any, origin: str) -> dict[str, Lookup]:
    """A definition's `lookups`, checked: each a header of distinct names and rows of
    text as long as it."""
    if raw in (None, {}):
        return {}
    if not isinstance(raw, Mapping):
        raise ChecklistError(f"{origin}: lookups must be a mapping of file name to table")
    out: dict[str, Lookup] = {}
    for name, table in raw.items():
        where = f"{origin}: lookups {name!r}"
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ChecklistError(f"{where}: not a plain file name")
        if not isinstance(table, Mapping) or set(table) != {"columns", "rows"}:
            raise ChecklistError(f"{where}: needs exactly columns and rows")
        columns, rows = table["columns"], table["rows"]
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ChecklistError(f"{where}: columns must be a list of names")
        if len(set(columns)) != len(columns):
            raise ChecklistError(f"{where}: a column name is used twice")
        if not isinstance(rows, list):
            raise ChecklistError(f"{where}: rows must be a list")
        for n, row in enumerate(rows, 1):
            if (
                not isinstance(row, list)
                or len(row) != len(columns)
                or not all(isinstance(v, str) for v in row)
            ):
                raise ChecklistError(f"{where}: row {n} is not {len(columns)} texts")
        out[str(name)] = Lookup(tuple(columns), tuple(tuple(r) for r in rows))
    return out


def pull(lookups: Mapping[str, Lookup], file: str, column: str, key_column: str, key: str) -> str:
    """pulldata()'s value (Python)."""
    table = lookups.get(file_key(file))
    if table is None or key == "":
        return ""
    return table.pairs(column, key_column).get(key, "")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def lookup_sql(lookups: Mapping[str, Lookup], ref: tuple[Any, ...]) -> str:
    """pulldata()'s SQL. `ref` is ("pulldata", file, column, key column, key SQL), each of
    the first three ("lit", text) when written as a literal, else ("sql", its SQL): a file
    named by an answer is a CASE over the tables held; the column and key column must be
    written out (the reports pick the pairs when the views are made)."""
    from fieldkit.checklists.expr_base import ExprError

    _, file, column, key_column, key = ref
    if column[0] != "lit" or key_column[0] != "lit":
        raise ExprError("pulldata() with a computed column name cannot be computed in reports")

    def one(table: Lookup) -> str:
        pairs = json.dumps(table.pairs(column[1], key_column[1]), ensure_ascii=False)
        return f"(SELECT value FROM json_each({_lit(pairs)}) WHERE key = {key})"

    if file[0] == "lit":
        table = lookups.get(file_key(file[1]))
        return f"coalesce({one(table)}, '')" if table is not None else "''"
    arms = " ".join(
        f"WHEN {_lit(name)} THEN {one(table)}" for name, table in sorted(lookups.items())
    )
    if not arms:
        return "''"
    f = f"trim({file[1]})"
    name = f"(CASE WHEN lower({f}) LIKE '%.csv' THEN substr({f}, 1, length({f}) - 4) ELSE {f} END)"
    return f"coalesce(CASE {name} {arms} END, '')"
