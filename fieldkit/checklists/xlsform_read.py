"""Read an XLSForm workbook (survey, choices, settings) into a fieldkit checklist.

pyxform, the XLSForm reference implementation, reads the workbook and its tables say what
each type, column and setting means (xlsform_book, xlsform_types, xlsform_settings), and
its conversion first checks that the workbook is a valid XLSForm at all. This module maps
the survey and choices: names are kept exactly as written (a name used twice, or two names
differing only in case, are told apart by their group path: `household/name`), and what
fieldkit cannot honour is refused in one line naming the sheet, row and column. Nothing is
silently dropped: what only matters to a phone or a server (an `appearance`, media columns,
metadata questions such as `start` whose facts every fieldkit record carries anyway) is
accepted and reported in `Imported.notices`, one line per column or type.

See README "Designing an instrument" for the table of what maps to what.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit.checklists.computed_sql import too_deep
from fieldkit.checklists.expr import ExprError, parse_filter
from fieldkit.checklists.expr import parse as parse_expr
from fieldkit.checklists.loader import ID_RE, ChecklistError, parse_checklist
from fieldkit.checklists.model import Checklist, snake
from fieldkit.checklists.rule import rule_as_relevant
from fieldkit.checklists.xlsform_book import (
    FALSE,
    Row,
    XLSFormError,
    flag,
    languages,
    read_book,
    text,
    validate_with_pyxform,
)
from fieldkit.checklists.xlsform_files import file_choices
from fieldkit.checklists.xlsform_items import UNASKED, ItemReader
from fieldkit.checklists.xlsform_pulldata import attach_lookups
from fieldkit.checklists.xlsform_settings import INSTANCE_ID, settings_facts
from fieldkit.checklists.xlsform_types import TypeOf, type_of
from fieldkit.workbooks import check_workbook

__all__ = ["Imported", "XLSFormError", "read_xlsform", "rule_as_relevant"]

# a name written bare in an expression (else `${name}`)
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REF = re.compile(r"\$\{\s*([^}\s]+)\s*\}")
_BOOL = {"true": "true()", "false": "false()", "yes": "true()", "no": "false()"}
CHOICE_MEDIA = ("media", "image", "big-image", "audio", "video")
# survey columns fieldkit reads (the rest are reported as ignored)
SURVEY_READ = (
    "type",
    "name",
    "label",
    "hint",
    "guidance_hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "repeat_count",
    "default",
    "choice_filter",
    "parameters",
)
FK_ITEM = (
    "kind",
    "na",
    "na_when",
    "unknown",
    "basis",
    "source",
    "renamed_from",
    "path",
    "scope",
    "repeat_key",
    "instances",
)
IGNORED_WHY = {
    "appearance": "display only",
    "media": "pictures and sounds shown with the question",
    "read_only": "fieldkit shows every question; calculations are never typed over",
    "trigger": "fieldkit recomputes a calculation whenever its answers change",
    "instance": "extra XForm attributes for a server",
    "bind": "XForm bind attributes for a phone",
    "control": "XForm control attributes for a phone",
    "body": "XForm control attributes for a phone",
    "no_app_error_string": "a phone's message",
}
# A choice column other XLSForm tools keep as data (a `fieldkit::` column on the choices
# sheet would break pyxform's choice lists).
EXCLUSIVE = "fieldkit_exclusive"


@dataclass
class Imported:
    checklist: Checklist
    definition: dict[str, Any]
    language: str | None
    notices: list[str] = field(default_factory=list)


@dataclass
class _Group:
    kind: str  # group | repeat | loop
    name: str  # the section id
    title: str
    outer_title: str
    relevant: str
    scope: str = ""
    repeat: dict[str, Any] | None = None


class _Reader:
    def __init__(self, path: Path, language: str | None, media: Path | None = None) -> None:
        self.path = path
        self.media = media  # another folder a choice file may be in (--media DIR)
        self.book = read_book(path)
        self.notices: list[str] = []
        self.ignored: dict[tuple[str, str], str] = {}  # (sheet, header) -> why
        self._drop_bookkeeping()
        self.survey = self.book["survey"]
        self.choices_rows = self.book.get("choices", [])
        self.external_rows = self.book.get("external_choices", [])
        settings_rows = [r for r in self.book.get("settings", []) if r.cells]
        self.settings = settings_rows[0] if settings_rows else Row("settings", 2, {}, {})
        self.language = self._pick_language(language)
        self.others = [  # the other languages: stored as translations
            lang
            for lang in dict.fromkeys(
                languages(self.survey, "label")
                + languages(self.survey, "hint")
                + languages(self.choices_rows, "label")
            )
            if lang != self.language
        ]
        self.names: dict[str, str] = {}  # XLSForm name -> item id (names used once)
        self.row_ids: dict[int, str] = {}  # survey row -> item id

    def _drop_bookkeeping(self) -> None:
        """Columns named `$...` (`$kuid`, `$autoname`, `$xpath`: KoboToolbox's own ids for
        rows) say nothing about the questions: dropped, and reported once per sheet."""
        for sheet, rows in self.book.items():
            dropped: list[str] = []
            for row in rows:
                for key in [k for k in row.cells if k.startswith("$")]:
                    if row.cells.pop(key).strip() and key not in dropped:
                        dropped.append(key)
            if dropped:
                self.notices.append(
                    f"{sheet} sheet, column {', '.join(dropped)}: ignored"
                    " (KoboToolbox's row ids, not part of the form)"
                )

    def where(self, message: str) -> str:
        """A definition's refusal (`f.xlsx: item due: relevant names ...`) said at the
        sheet, row and column it comes from."""
        m = re.match(r"^[^:]+: item (\S+): (\w+)\b ?(.*)$", message)
        rows = {v: n for n, v in self.row_ids.items()}
        if not m or m.group(1) not in rows:
            return message
        row = next(r for r in self.survey if r.number == rows[m.group(1)])
        column = {
            "formula": "calculation",
            "min": "constraint",
            "max": "constraint",
            "required_when": "required",
        }.get(m.group(2), m.group(2))
        if column not in row.cells:
            return message
        return f"{row.at(column)}: {m.group(3) or message}"

    def ignore(self, row: Row, key: str, why: str) -> None:
        self.ignored.setdefault((row.sheet, row.headers.get(key, key)), why)

    def _pick_language(self, wanted: str | None) -> str | None:
        langs = list(
            dict.fromkeys(languages(self.survey, "label") + languages(self.choices_rows, "label"))
        )
        if wanted is not None:
            if wanted not in langs:
                known = ", ".join(langs) if langs else "none: the form has one plain label column"
                raise XLSFormError(
                    f"{self.path.name}: no labels in language {wanted!r} (known: {known})"
                )
            return wanted
        default = self.settings.get("default_language")
        if default and default in langs:
            return default
        if any(r.get("label") for r in self.survey):
            return None  # the plain label column is the default language
        return langs[0] if langs else None

    # ------------------------------------------------------------------ choices
    def choice_lists(self, external: bool = False) -> dict[str, list[dict[str, Any]]]:
        lists: dict[str, list[dict[str, Any]]] = {}
        for row in self.external_rows if external else self.choices_rows:
            if not any(v.strip() for v in row.cells.values()):
                continue
            filters: dict[str, str] = {}
            for key in row.cells:
                base = key.split("::", 1)[0]
                if base in ("list_name", "name", "label") or key == EXCLUSIVE or not row.get(key):
                    continue
                if base in CHOICE_MEDIA:
                    self.ignore(row, key, "pictures and sounds shown with the choice")
                elif base in ("fieldkit", "hint"):
                    self.ignore(row, key, "not used by fieldkit")
                else:
                    filters[key] = row.get(key)  # a column a choice_filter may read
            list_name, name = row.get("list_name"), row.get("name")
            if not list_name:
                continue
            label = text(row, "label", self.language) or name
            entry: dict[str, Any] = {"row": row, "code": name, "label": label}
            labels = {lang: row.get(f"label::{lang}") for lang in self.others}
            if any(labels.values()):
                entry["labels"] = {k: v for k, v in labels.items() if v}
            if row.get(EXCLUSIVE) and flag(row, EXCLUSIVE):
                entry["exclusive"] = True
            if filters:
                entry["filters"] = filters
            lists.setdefault(list_name, []).append(entry)
        return lists

    # ------------------------------------------------------------------ expressions
    def expression(
        self,
        source: str,
        row: Row,
        column: str,
        *,
        check_refs: bool = True,
        choice_filter: bool = False,
    ) -> str:
        """An XLSForm expression as fieldkit text (item ids; bare when they read as a
        word), refused in one line (naming sheet, row and column) outside the subset."""
        if source.strip().lower() in _BOOL:
            return _BOOL[source.strip().lower()]  # a Boolean cell: TRUE, FALSE

        def ref(m: re.Match[str]) -> str:
            name = m.group(1)
            iid = self.names.get(name)
            if iid is None:
                if name in self.row_ids.values() or any(
                    v.endswith("/" + name) for v in self.row_ids.values()
                ):
                    raise XLSFormError(
                        f"{row.at(column)}: ${{{name}}} is a name used more than once"
                        " (fieldkit cannot tell which question it means)"
                    )
                if check_refs:
                    raise XLSFormError(f"{row.at(column)}: ${{{name}}} names no question")
                iid = snake(name)
            return iid if _BARE.match(iid) and not choice_filter else "${" + iid + "}"

        try:
            converted = _REF.sub(ref, source)
            (parse_filter if choice_filter else parse_expr)(converted)
        except ExprError as e:
            why = str(e)
            if "cannot read" in why:  # the feature: what XPath is not
                why += " (not an XPath expression)"
            raise XLSFormError(f"{row.at(column)}: {why}") from None
        return converted

    def shown_refs(self, label: str) -> str:
        """A label's `${name}` (an answer shown in the text) names the question by id."""
        return _REF.sub(lambda m: "${" + self.names.get(m.group(1), m.group(1)) + "}", label)

    # ------------------------------------------------------------------ survey
    def _ids(self) -> None:
        """Every question's id first (relevance may name a later question): the name as
        written, or its group path when the name (in any case) is used more than once."""
        path: list[str] = []
        found: list[tuple[Row, str, tuple[str, ...]]] = []
        for row in self.survey:
            cell = " ".join(row.get("type").split())
            if not cell:
                continue
            t = type_of(cell)
            if t.what == "begin":
                path.append(row.get("name") or "?")
            elif t.what == "end":
                if path:
                    path.pop()
            elif t.what in ("select", "question"):
                name = row.get("name")
                if not name and t.kind == "note":
                    name = row.cells["name"] = f"note_row{row.number}"  # pyxform allows it
                if not name:
                    raise XLSFormError(f"{row.at('name')}: a question needs a name")
                written = row.get("fieldkit::path")  # as an export wrote it
                where = tuple(p for p in written.split("/") if p) if written else tuple(path)
                found.append((row, name, where))
        counts: dict[str, int] = {}
        for _, name, _ in found:
            counts[name.lower()] = counts.get(name.lower(), 0) + 1
        used: set[str] = set()
        for row, name, where in found:
            iid = name
            if counts[name.lower()] > 1:
                iid = "/".join((*where, name))
            else:
                self.names[name] = iid
            if iid.lower() in used or not re.match(r"^[A-Za-z_]", iid):
                raise XLSFormError(
                    f"{row.at('name')}: {name!r} cannot be told apart from another question"
                )
            used.add(iid.lower())
            self.row_ids[row.number] = iid

    def check_columns(self, row: Row) -> None:
        for key, value in row.cells.items():
            if not value.strip():
                continue
            base = key.split("::", 1)[0]
            if key.startswith("fieldkit::"):
                if key[10:] not in FK_ITEM:
                    raise XLSFormError(f"{row.at(key)}: unknown fieldkit column")
            elif base in SURVEY_READ:
                continue
            elif base in IGNORED_WHY:
                self.ignore(row, key, IGNORED_WHY[base])
            elif base.startswith("sms_"):
                self.ignore(row, key, "SMS submission")
            else:
                self.ignore(row, key, "not an XLSForm column fieldkit reads")

    def read(self) -> dict[str, Any]:
        definition = settings_facts(self.settings, self.path, self.notices, self.expression)
        if self.language is not None:
            definition["language"] = self.language
        self._ids()
        self._instance_name(definition)
        items = ItemReader(self)
        lists = self.choice_lists()
        external = self.choice_lists(external=True)
        duplicates = self.settings.get("allow_choice_duplicates").lower() in ("yes", "true")
        sections: list[dict[str, Any]] = []
        stack: list[_Group] = []
        current: dict[str, Any] | None = None
        used_ids: dict[str, int] = {}

        def section_for() -> dict[str, Any]:
            nonlocal current
            if current is not None:
                return current
            top = stack[-1] if stack else None
            base = top.name if top else "main"
            n = used_ids.get(base, 0) + 1
            used_ids[base] = n
            sid = base if n == 1 else f"{base}_{n}"
            title = top.title if top else definition["title"]
            if top and top.outer_title and top.kind == "group":
                title = f"{top.outer_title}: {title}"
            current = {"id": sid, "title": title, "items": []}
            repeat = next((g for g in reversed(stack) if g.repeat is not None), None)
            if repeat is not None:
                current["repeat"] = repeat.repeat
            for g in stack:
                if g.scope:
                    current["scope"] = g.scope
            sections.append(current)
            return current

        for row in self.survey:
            if not any(v.strip() for v in row.cells.values()):
                continue
            self.check_columns(row)
            cell = " ".join(row.get("type").split())
            if not cell:
                if row.get("name"):
                    raise XLSFormError(f"{row.at('type')}: a row with no type")
                continue  # a comment row (pyxform skips it too)
            t = type_of(cell)
            if t.what == "begin":
                current = None
                stack.append(self._open(row, t, stack, lists))
            elif t.what == "end":
                if not stack or _closes(stack[-1].kind) != _closes(t.kind):
                    raise XLSFormError(f"{row.at('type')}: {cell!r} closes nothing open")
                stack.pop()
                current = None
            elif t.what == "metadata":
                self.notices.append(
                    f"{row.at('type')}: {t.pyxform_type!r} ignored (every fieldkit record carries"
                    " its own time, device and inspector)"
                )
            elif t.what == "ignored":
                self.notices.append(f"{row.at('type')}: {t.pyxform_type!r} ignored (phone only)")
            elif t.what == "refused":
                raise XLSFormError(f"{row.at('type')}: {t.reason} are not supported by fieldkit")
            else:
                if t.kind == "osm" and t.list_name:
                    self.notices.append(
                        f"{row.at('type')}: the osm sheet's tags for {t.list_name!r} ignored"
                        " (fieldkit keeps the .osm file an answer attaches)"
                    )
                relevant = [g.relevant for g in stack if g.relevant]
                found = external if t.external else lists
                if t.from_file:  # (not there: choice_files.waiting_select)
                    read = file_choices(self.path, t.list_name, row, self.language, self.media)
                    found = {t.list_name: read} if read is not None else {}
                for item in items.item(row, t, found, relevant, duplicates):
                    section_for()["items"].append(item)
        if stack:
            raise XLSFormError(f"{self.path.name}: group {stack[-1].name!r} is never closed")
        for (sheet, header), why in self.ignored.items():
            self.notices.append(f"{sheet} sheet, column {header}: ignored ({why})")
        definition["sections"] = [s for s in sections if s["items"]]
        _notes_read_as_empty(definition)
        if not definition.get("natural_key"):
            _submission_id(definition)
        return definition

    def _instance_name(self, definition: dict[str, Any]) -> None:
        """A record's name (settings instance_name), read as any expression; one that is not
        an expression over the form's questions names nothing here, as on a server."""
        source = self.settings.get("instance_name")
        if not source:
            return
        why = ""
        try:
            text = self.expression(source, self.settings, "instance_name")
            unknown = sorted(set(parse_expr(text).refs) - set(self.row_ids.values()))
            if unknown:
                why = f"{self.settings.at('instance_name')}: {unknown[0]!r} is not a question"
        except (XLSFormError, ExprError) as e:
            why = str(e)
        if why:
            self.notices.append(f"{why}: ignored (records are named by their key instead)")
        else:
            definition["instance_name"] = text

    def _open(
        self, row: Row, t: TypeOf, stack: list[_Group], lists: dict[str, list[dict[str, Any]]]
    ) -> _Group:
        kind = t.kind
        name = row.get("name")
        if not name:
            raise XLSFormError(f"{row.at('name')}: a {kind} needs a name")
        sid = name if ID_RE.match(name) else snake(name)
        if not sid or not sid[0].isalpha():
            sid = "s_" + sid
        if sid != name and sid in {i.rsplit("/", 1)[-1].lower() for i in self.row_ids.values()}:
            sid += "_group"  # `Litter` beside a question `litter`: an export names both
        for column in ("required", "constraint"):
            if row.get(column).lower() not in FALSE:  # `required` = no says nothing
                self.notices.append(f"{row.at(column)}: ignored on a {kind} ({UNASKED})")
        if row.get("calculation"):
            raise XLSFormError(f"{row.at('calculation')}: not supported on a {kind}")
        group = _Group(
            kind=kind,
            name=sid,
            title=text(row, "label", self.language) or name,
            outer_title=stack[-1].title if stack else "",
            relevant="",
        )
        if row.get("relevant"):
            group.relevant = self.expression(row.get("relevant"), row, "relevant")
        scope = row.get("fieldkit::scope")
        if scope:
            if scope not in ("visit", "record"):
                raise XLSFormError(f"{row.at('fieldkit::scope')}: {scope!r} is not visit or record")
            if scope == "visit":
                group.scope = "visit"
        if kind == "loop":
            if t.list_name not in lists:
                raise XLSFormError(f"{row.at('type')}: no choice list {t.list_name!r} to loop over")
            group.repeat = {
                "key": row.get("fieldkit::repeat_key") or sid,
                "instances": [{"code": c["code"], "label": c["label"]} for c in lists[t.list_name]],
            }
        elif kind == "repeat":
            group.repeat = self._repeat(row, sid)
        elif row.get("repeat_count"):
            raise XLSFormError(f"{row.at('repeat_count')}: only a repeat has a repeat_count")
        outer = next((g.repeat for g in reversed(stack) if g.repeat is not None), None)
        if group.repeat is not None and outer is not None:
            group.repeat["parent"] = outer  # a repeat inside a repeat: keys `outer/inner`
        return group

    def _repeat(self, row: Row, sid: str) -> dict[str, Any]:
        repeat: dict[str, Any] = {"key": row.get("fieldkit::repeat_key") or sid}
        inst = row.get("fieldkit::instances")
        count = row.get("repeat_count")
        if inst:
            try:
                repeat["instances"] = json.loads(inst)
            except ValueError:
                raise XLSFormError(f"{row.at('fieldkit::instances')}: not valid JSON") from None
            if count and (not count.isdigit() or int(count) != len(repeat["instances"])):
                raise XLSFormError(
                    f"{row.at('repeat_count')}: {count!r} does not match the"
                    f" {len(repeat['instances'])} instances in fieldkit::instances"
                )
        elif count.isdigit() and int(count) >= 1:
            repeat["instances"] = [
                {"code": str(n), "label": str(n)} for n in range(1, int(count) + 1)
            ]
        elif count:  # from an earlier answer: that many instances, in the app and imports
            repeat["count"] = self.expression(count, row, "repeat_count")
        return repeat


def _submission_id(definition: dict[str, Any]) -> None:
    """A form that names no natural key is keyed by its submissions' ids (ODK's
    meta/instanceID, KoboToolbox's _uuid): an item the imports fill."""
    ids = {i["id"] for s in definition["sections"] for i in s["items"]}
    if INSTANCE_ID not in ids:
        definition["sections"].append(
            {
                "id": "submission",
                "title": "Submission",
                "items": [
                    {
                        "id": INSTANCE_ID,
                        "prompt": "Submission id (ODK meta/instanceID)",
                        "kind": "text",
                        "required": False,
                        "help": "Filled by an import of ODK or KoboToolbox data; a CSV row"
                        " without one is identified by a digest of the row.",
                    }
                ],
            }
        )
    definition["natural_key"] = [INSTANCE_ID]


def _notes_read_as_empty(definition: dict[str, Any]) -> None:
    """A note an expression reads has the value '' (as in ODK): a computed item."""
    items = [i for s in definition["sections"] for i in s["items"]]
    read: set[str] = set()
    for i in items:
        for key in ("relevant", "formula", "constraint", "required_when"):
            if i.get(key):
                read.update(parse_expr(i[key]).refs)
    for i in items:
        if i["kind"] == "note" and i["id"] in read:
            i["kind"], i["formula"] = "derived", "''"


def _closes(kind: str) -> str:
    return "repeat" if kind == "loop" else kind


def read_xlsform(path: Path, *, language: str | None = None, media: Path | None = None) -> Imported:
    """Read and map an XLSForm workbook; XLSFormError (one line) for anything refused.
    `media`: a folder its choice files may be in, besides its own and FORM-media/."""
    path = Path(path)
    if not path.exists():
        raise XLSFormError(f"{path}: no such file")
    check_workbook(path, stops_after_empty=60)  # sizes, bombs, extent, rows pyxform would drop
    reader = _Reader(path, language, media)
    validate_with_pyxform(path)
    definition = reader.read()
    reader.notices += attach_lookups(definition, path, reader.survey, media)
    try:
        checklist = parse_checklist(definition, path.name)
    except ChecklistError as e:
        raise XLSFormError(reader.where(str(e))) from None
    deep = too_deep(checklist)
    if deep is not None:
        raise XLSFormError(
            reader.where(
                f"{path.name}: item {deep}: formula too deeply nested for the reports to"
                " compute in SQL (SQLite's parser; calculations it reads are computed first)"
            )
        )
    return Imported(checklist, definition, reader.language, reader.notices)
