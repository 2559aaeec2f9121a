"""Importing a force's action plan from an Excel sheet (openpyxl).

The sheet has a header row with the columns theme, objective, owner, due and status, and
optionally id (objective id, e.g. s03), evidence (a note), recommendations (e.g.
"eb2014:2; eb2014:3") and date (the date the row's status is as at). One row per objective.

A theme cell is a code (S), a code and title ("S - Safeguard people from domestic abuse"),
a title the plan already has, or a force's own name for a theme mapped with `themes`
(`--theme "Safeguarding=S"`; a new code makes a new theme with that title). A theme written
once over several rows (merged cells) holds for the rows below it until the next one.
Objectives without an id are matched to the plan's objectives by text, else numbered on from
the theme's last (s11, s12 ...).

The workbook is read in openpyxl's read-only, streaming mode, and a sheet whose dimensions
exceed MAX_ROWS x MAX_COLUMNS is refused before a row is read (a 5 KB file with one cell at
XFD3000 would otherwise expand to millions of cells).

All or nothing: the first bad row raises BadInput naming the file, sheet and row number,
and nothing is stored. Importing the same sheet again adds nothing: owner, due date and
status are recorded only when they differ from the objective's current ones."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fieldkit.errors import BadInput
from fieldkit.register import plans as P
from fieldkit.register import reference
from fieldkit.register.ids import iso_date, norm, now_iso, slug, today_iso
from fieldkit.register.recs import resolve_rec
from fieldkit.store import Store, resolve_force
from fieldkit.workbooks import check_workbook

REQUIRED = ("theme", "objective", "owner", "due", "status")
ALIASES = {
    "theme": ("theme", "letter", "strand", "theme_code"),
    "objective": ("objective", "objectives", "action"),
    "owner": ("owner", "lead", "responsible", "owner_lead"),
    "due": ("due", "due_date", "deadline", "target_date", "by"),
    "status": ("status", "rag", "rag_status"),
    "id": ("id", "objective_id", "ref", "reference"),
    "evidence": ("evidence", "evidence_notes", "notes", "note", "comments", "comment", "update"),
    "recommendations": (
        "recommendations",
        "recommendation",
        "recs",
        "links",
        "linked_recommendations",
    ),
    "date": ("date", "as_at", "status_date", "updated", "updated_on"),
}
THEME_WITH_TITLE = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,2})\s*[-:\u2013\u2014.)]\s+(\S.*)$", re.S)
MAX_ROWS = 10_000
MAX_COLUMNS = 64
Q_CURRENT_LINK = P.Q["current_link"]


@dataclass
class PlanImportResult:
    plan_id: str
    rows: int = 0
    new_objectives: int = 0
    new_events: int = 0
    new_links: int = 0
    warnings: list[str] = field(default_factory=list)
    plan_note: str = ""  # how the plan was chosen


def _header_key(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(value or "").strip().lower()).strip("_")


def _text(value: Any) -> str:
    """A cell as text, trimmed; numbers without a trailing .0; blank for None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _open(path: Path, sheet: str | None) -> tuple[Any, str]:
    from openpyxl import load_workbook

    if not path.exists():
        raise BadInput(f"{path}: no such file")
    check_workbook(path)  # sizes, zip bombs and real extent, before openpyxl reads it
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise BadInput(f"{path}: not an Excel .xlsx workbook ({e.__class__.__name__})") from None
    except Exception as e:  # openpyxl raises InvalidFileException and friends
        raise BadInput(f"{path}: cannot read the workbook ({e})") from None
    if sheet is None:
        ws = wb.worksheets[0]
    elif sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        raise BadInput(f"{path}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
    try:
        rows, cols = ws.max_row, ws.max_column
    except Exception:  # a malformed dimension tag: the streaming limits below still hold
        rows, cols = None, None
    if (rows or 0) > MAX_ROWS or (cols or 0) > MAX_COLUMNS:
        raise BadInput(
            f"{path.name}: sheet {ws.title!r} spans {rows} rows x {cols} columns "
            f"(at most {MAX_ROWS} x {MAX_COLUMNS}); is this an action plan? "
            "Delete the stray cells far from the table"
        )
    return ws, ws.title


@dataclass
class _Row:
    number: int
    theme: str
    theme_title: str | None
    objective: str
    owner: str
    due: str
    status: str
    obj_id: str | None
    evidence: str
    recs: list[str]
    on: str


def _header(cells: list[Any], where: str, number: int) -> dict[str, int] | None:
    """The column of each known name if this row is the header (it names theme and
    objective), else None. A header lacking a required column is refused."""
    columns: dict[str, int] = {}
    for i, v in enumerate(cells):
        key = _header_key(v)
        name = next((k for k, al in ALIASES.items() if key in al), None) if key else None
        if name is None:
            continue
        if name in columns:
            raise BadInput(f"{where} row {number}: two columns mean {name!r}")
        columns[name] = i
    if "theme" not in columns and "objective" not in columns:
        return None
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(_text(v) for v in cells if _text(v))
        raise BadInput(
            f"{where} row {number}: the header lacks column(s) {', '.join(missing)} "
            f"(found: {found}; need {', '.join(REQUIRED)})"
        )
    return columns


def _read_rows(path: Path, ws: Any, title: str, default_on: str) -> list[_Row]:
    where = f"{path.name}: sheet {title!r}"
    header_row = 0
    columns: dict[str, int] = {}
    rows: list[_Row] = []
    first_text: tuple[int, str] | None = None
    last_theme = ""
    rows_iter = ws.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    for number, values in enumerate(rows_iter, start=1):
        if number > MAX_ROWS:
            raise BadInput(f"{where}: more than {MAX_ROWS} rows; is this an action plan?")
        cells = list(values)
        if not any(_text(v) for v in cells):
            continue
        if not header_row:
            found = _header(cells, where, number)
            if found is None:
                if first_text is None:
                    first_text = (number, ", ".join(_text(v) for v in cells if _text(v)))
                continue  # a title above the header
            header_row, columns = number, found
            continue

        def cell(name: str, cells: list[Any] = cells, columns: dict[str, int] = columns) -> Any:
            i = columns.get(name)
            return cells[i] if i is not None and i < len(cells) else None

        at = f"{where} row {number}"
        theme_raw = _text(cell("theme")) or last_theme  # merged over several rows
        objective = _text(cell("objective"))
        if not theme_raw:
            raise BadInput(f"{at}: no theme")
        last_theme = theme_raw
        if not objective:
            raise BadInput(f"{at}: no objective")
        theme, theme_title = theme_raw, None
        m = THEME_WITH_TITLE.match(theme_raw)
        if m:
            theme, theme_title = m.group(1), m.group(2).strip()
        due_raw = cell("due")
        due = _text(due_raw)
        if due and not isinstance(due_raw, (date, datetime)):
            with contextlib.suppress(BadInput):  # "Ongoing", "Q3 2018": kept as written
                due = iso_date(due)
        on_raw = cell("date")
        on = default_on
        if _text(on_raw):
            try:
                on = iso_date(on_raw if isinstance(on_raw, (date, datetime)) else _text(on_raw))
            except BadInput as e:
                raise BadInput(f"{at}: {e}") from None
        obj_id = _text(cell("id")) or None
        if obj_id is not None:
            try:
                obj_id = P.check_objective_id(obj_id)
            except BadInput as e:
                raise BadInput(f"{at}: {e}") from None
        recs = [r for r in re.split(r"[;,\s]+", _text(cell("recommendations"))) if r]
        rows.append(
            _Row(
                number=number,
                theme=theme,
                theme_title=theme_title,
                objective=objective,
                owner=_text(cell("owner")),
                due=due,
                status=_text(cell("status")),
                obj_id=obj_id,
                evidence=_text(cell("evidence")),
                recs=recs,
                on=on,
            )
        )
    if not header_row:
        if first_text is None:
            raise BadInput(f"{where}: the sheet is empty")
        raise BadInput(
            f"{where}: no header row with the columns {', '.join(REQUIRED)} "
            f"(row {first_text[0]} has: {first_text[1][:80]})"
        )
    if not rows:
        raise BadInput(f"{where}: no objectives below the header (row {header_row})")
    return rows


def import_plan_xlsx(
    store: Store,
    path: Path | str,
    force: str,
    *,
    plan: str | None = None,
    sheet: str | None = None,
    on: str | None = None,
    themes: dict[str, str] | None = None,
    ask_theme: Callable[[str, list[str]], str] | None = None,
) -> PlanImportResult:
    """Import (or update) a force's plan from an Excel sheet. See the module docstring.

    Without `plan`, the force's only plan is updated, or a force without plans gets one
    named after the file; a force with several plans must name one. `themes` maps a force's
    own theme names to theme codes; `ask_theme(name, known)` is asked for a name it lacks
    (the CLI prompts on a terminal), else the import is refused naming every such name."""
    path = Path(path)
    code = resolve_force(force)
    default_on = iso_date(on) if on else today_iso()
    ws, title = _open(path, sheet)
    rows = _read_rows(path, ws, title, default_on)
    where = f"{path.name}: sheet {title!r}"
    pname, how = _plan_name(store.conn, code, plan, path)
    pid = P.plan_id(code, pname)
    result = PlanImportResult(plan_id=pid, rows=len(rows), plan_note=how)
    tpl_titles = {t.code: t.title for t in reference.template("stop-2018").themes}
    mapping = {norm(k): v.strip().upper() for k, v in (themes or {}).items()}
    with store.writing() as w:
        conn = w.conn  # the register's own tables, written by its helpers
        reference.install_reference(conn)
        P.insert_plan(conn, P.plan_row(code, pname))
        state = _PlanState.load(conn, pid, tpl_titles, mapping)
        _map_theme_names(rows, state.themes, tpl_titles, mapping, ask_theme, where)
        for row in rows:
            state.take(conn, row, f"{where} row {row.number}")
        P.insert_themes(conn, state.new_themes)
        result.new_objectives = P.insert_objectives(conn, state.new_objectives)
        result.new_events = P.insert_events(conn, state.events)
        result.new_links = P.insert_links(conn, state.links)
        new_rows = result.new_objectives + result.new_events + result.new_links
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        conn.execute(P.Q["record_plan_import"], (now_iso(), str(path), sha, len(rows), new_rows))
    return result


@dataclass
class _PlanState:
    """A plan as stored, and what the sheet's rows add to it (in the import's transaction)."""

    pid: str
    themes: dict[str, tuple[str, int]]  # code -> (title, position)
    objectives: dict[str, tuple[str, str]]  # id -> (theme, text)
    position: int  # of the last objective
    tpl_titles: dict[str, str]
    mapping: dict[str, str]  # a force's own theme name (normalised) -> theme code
    new_themes: list[dict[str, Any]] = field(default_factory=list)
    new_objectives: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    seen_ids: dict[str, int] = field(default_factory=dict)  # objective -> its sheet row

    @classmethod
    def load(
        cls, conn: sqlite3.Connection, pid: str, tpl_titles: dict[str, str], mapping: dict[str, str]
    ) -> _PlanState:
        themes = {r[0]: (r[1], r[2]) for r in conn.execute(P.Q["plan_themes"], (pid,))}
        objectives = {r[0]: (r[1], r[2]) for r in conn.execute(P.Q["plan_objectives"], (pid,))}
        position = conn.execute(P.Q["last_objective_position"], (pid,)).fetchone()[0]
        return cls(pid, themes, objectives, position, tpl_titles, mapping)

    def take(self, conn: sqlite3.Connection, row: _Row, at: str) -> None:
        """One sheet row: its theme, its objective, its events and its recommendations."""
        theme = self._theme(row, at)
        if row.obj_id is not None and row.obj_id in self.seen_ids:
            raise BadInput(
                f"{at}: objective {row.obj_id} is also on row {self.seen_ids[row.obj_id]}"
            )
        obj_id = _objective_id(row, theme, self.objectives, at)
        if obj_id in self.seen_ids:
            raise BadInput(f"{at}: objective {obj_id} is also on row {self.seen_ids[obj_id]}")
        self.seen_ids[obj_id] = row.number
        if obj_id not in self.objectives:
            self.position += 1
            self.new_objectives.append(
                P.objective_row(self.pid, obj_id, theme, row.objective, self.position)
            )
            self.objectives[obj_id] = (theme, row.objective)
        self.events += _row_events(conn, self.pid, obj_id, row, at)
        self._link(conn, row, obj_id, at)

    def _theme(self, row: _Row, at: str) -> str:
        themes = self.themes
        theme = _theme_code(row, themes, self.tpl_titles, at, self.mapping)
        if theme not in themes:
            own = row.theme if norm(row.theme) in self.mapping else None
            title = row.theme_title or self.tpl_titles.get(theme) or own or theme
            self.new_themes.append(P.theme_row(self.pid, theme, title, (), len(themes) + 1))
            themes[theme] = (title, len(themes) + 1)
        elif row.theme_title and not _same_title(row.theme_title, themes[theme][0]):
            raise BadInput(
                f"{at}: theme {theme} is {themes[theme][0]!r} in plan {self.pid}, "
                f"not {row.theme_title!r}"
            )
        return theme

    def _link(self, conn: sqlite3.Connection, row: _Row, obj_id: str, at: str) -> None:
        for name in row.recs:
            try:
                rid = resolve_rec(conn, name)
            except BadInput as e:
                raise BadInput(f"{at}: {e}") from None
            current = conn.execute(Q_CURRENT_LINK, (self.pid, obj_id, rid)).fetchone()
            if current and current[0] == 1:
                continue
            self.links.append(
                P.link_row(self.pid, obj_id, rid, 1, row.on, row.number, "xlsx", None, None)
            )


def _same_title(given: str, stored: str) -> bool:
    """A theme title as given in a sheet names the stored one (or shortens it)."""
    a, b = norm(given), norm(stored)
    return a == b or b.startswith(a) or a.startswith(b)


def _known_theme(
    raw: str, themes: dict[str, tuple[str, int]], tpl_titles: dict[str, str]
) -> str | None:
    if P.THEME_CODE_RE.match(raw):
        return raw.upper()
    n = norm(raw)
    for code, (title, _) in themes.items():
        if norm(title) == n:
            return code
    for code, title in tpl_titles.items():
        if norm(title) == n:
            return code
    return None


def _map_theme_names(
    rows: list[_Row],
    themes: dict[str, tuple[str, int]],
    tpl_titles: dict[str, str],
    mapping: dict[str, str],
    ask: Callable[[str, list[str]], str] | None,
    where: str,
) -> None:
    """Complete `mapping` for the sheet's own theme names (asking, when it can), or refuse
    the import naming every name that is not a theme."""
    unknown: dict[str, int] = {}
    for row in rows:
        if norm(row.theme) in mapping or _known_theme(row.theme, themes, tpl_titles):
            continue
        unknown.setdefault(row.theme, row.number)
    known = sorted(set(themes) | set(tpl_titles))
    for name in list(unknown):
        if ask is None:
            continue
        answer = ask(name, known).strip().upper()
        if not P.THEME_CODE_RE.match(answer):
            raise BadInput(f"{where}: {answer!r} is not a theme code (letters, like S)")
        mapping[norm(name)] = answer
        del unknown[name]
    for code in mapping.values():
        if not P.THEME_CODE_RE.match(code):
            raise BadInput(f"--theme: {code!r} is not a theme code (letters, like S)")
    if unknown:
        names = ", ".join(f"{n!r} (row {r})" for n, r in unknown.items())
        example = next(iter(unknown))
        raise BadInput(
            f"{where}: theme {names} is not a code (S, T, O, P), a code and title "
            f"('S - Safeguard people from domestic abuse') or a theme this plan has; map "
            f"a force's own theme names with --theme '{example}=S' (themes: "
            f"{', '.join(known)}; a new code makes a new theme)"
        )


def _theme_code(
    row: _Row,
    themes: dict[str, tuple[str, int]],
    tpl_titles: dict[str, str],
    at: str,
    mapping: dict[str, str],
) -> str:
    mapped = mapping.get(norm(row.theme))
    if mapped is not None:
        return mapped
    code = _known_theme(row.theme, themes, tpl_titles)
    if code is None:  # _map_theme_names has refused these already
        raise BadInput(f"{at}: theme {row.theme!r} is not a code")
    return code


def _plan_name(
    conn: sqlite3.Connection, code: str, plan: str | None, path: Path
) -> tuple[str, str]:
    """The plan a sheet updates, and how it was chosen (said to the user)."""
    if plan:
        name = P.check_plan_name(plan)
        exists = conn.execute(
            "SELECT 1 FROM plans WHERE plan_id = ?", (P.plan_id(code, name),)
        ).fetchone()
        return name, "named by --plan" + ("" if exists else ", new")
    have = [r[0] for r in conn.execute(
        "SELECT name FROM plans WHERE force_code = ? ORDER BY name", (code,)
    )]  # fmt: skip
    if len(have) == 1:
        return have[0], "the force's only plan (use --plan to make another)"
    if have:
        raise BadInput(f"{code} has {len(have)} plans ({', '.join(have)}): say which with --plan")
    name = P.check_plan_name(slug(path.stem) or "plan")
    return name, "new, named after the file (use --plan to choose the name)"


def _objective_id(row: _Row, theme: str, objectives: dict[str, tuple[str, str]], at: str) -> str:
    text = norm(row.objective)
    if row.obj_id is not None:
        have = objectives.get(row.obj_id)
        if have is not None:
            if have[0] != theme:
                raise BadInput(
                    f"{at}: objective {row.obj_id} is under theme {have[0]}, not {theme}"
                )
            if norm(have[1]) != text:
                raise BadInput(
                    f"{at}: objective {row.obj_id} is stored as {have[1]!r}; this row says "
                    f"{row.objective!r} (give the changed objective a new id)"
                )
        return row.obj_id
    for oid, (t, stored) in objectives.items():
        if t == theme and norm(stored) == text:
            return oid
    prefix = theme.lower()
    numbers = [
        int(oid[len(prefix) :])
        for oid, (t, _) in objectives.items()
        if oid.startswith(prefix) and oid[len(prefix) :].isdigit()
    ]
    return f"{prefix}{(max(numbers) if numbers else 0) + 1:02d}"


def _row_events(
    conn: sqlite3.Connection, pid: str, obj: str, row: _Row, at: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def current(kind: str) -> str | None:
        r = conn.execute(P.Q["current_plan_value"], (pid, obj, kind)).fetchone()
        return r[0] if r else None

    def add(kind: str, value: str) -> None:
        out.append(P.event_row(pid, obj, row.on, row.number, kind, value, None, "xlsx", None, None))

    if row.owner and row.owner != current("owner"):
        add("owner", row.owner)
    if row.due and row.due != current("due"):
        add("due", row.due)
    if row.status:
        try:
            value, _ = P.normal_rag(conn, row.status)
        except BadInput as e:
            raise BadInput(f"{at}: {e}") from None
        if value != current("rag"):
            add("rag", value)
    if row.evidence:
        exists = conn.execute(
            "SELECT 1 FROM plan_events WHERE plan_id = ? AND objective_id = ? AND kind = 'evidence'"
            " AND value = ?",
            (pid, obj, row.evidence),
        ).fetchone()
        if not exists:
            add("evidence", row.evidence)
    return out
