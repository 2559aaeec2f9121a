"""Read an XLSForm workbook (survey, choices, settings) into a fieldkit checklist.

pyxform, the XLSForm reference implementation, reads the workbook (`xlsx_to_dict`, keeping
row positions) and first checks that it is a valid XLSForm at all (`convert`). This module
then maps what fieldkit can honour and refuses, in one line naming the sheet, row and
column, anything it cannot: nothing is silently dropped. Display-only features (an
`appearance`, the `style` setting, metadata questions such as `start` whose facts every
fieldkit record carries anyway) are accepted and reported in `Imported.notices`.

Supported (see README "Designing an instrument"): select_one (a yes/no list gives a yes/no
item; with a not-applicable choice, yes/no/n.a.), select_multiple, integer, decimal, text,
date, time, dateTime, note, calculate, begin/end group (sections), begin/end repeat (repeat
groups; a literal repeat_count gives that many fixed instances), relevant, required,
constraint for number ranges, hint, label::Language / hint::Language columns, settings
form_id, form_title, version, default_language. Columns named `fieldkit::...` carry what
XLSForm has no column for (so a workbook written by `checklists export` imports again to
the same definition).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit.checklists.expr import ExprError
from fieldkit.checklists.expr import parse as parse_expr
from fieldkit.checklists.loader import ID_RE, ChecklistError, parse_checklist
from fieldkit.checklists.model import Checklist, snake

YES_CODES = ("yes",)
NO_CODES = ("no",)
NA_CODES = ("na", "n_a", "not_applicable", "notapplicable", "n/a")
ITEM_TYPES = {
    "integer": "count",
    "int": "count",
    "decimal": "decimal",
    "text": "text",
    "string": "text",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "note": "note",
    "calculate": "derived",
}
ENVELOPE_TYPES = ("start", "end", "today", "deviceid", "username")
DISPLAY_APPEARANCES = {
    "minimal",
    "compact",
    "horizontal",
    "horizontal-compact",
    "likert",
    "multiline",
    "field-list",
    "table-list",
    "label",
    "list",
    "list-nolabel",
    "quick",
    "quickcompact",
    "no-calendar",
    "month-year",
    "year",
    "numbers",
    "thousands-sep",
    "columns",
    "columns-pack",
    "columns-1",
    "columns-2",
    "columns-3",
    "columns-4",
    "columns-5",
    "autocomplete",
    "search",
}
SURVEY_ALIASES = {
    "relevance": "relevant",
    "caption": "label",
    "calculate": "calculation",
    "required message": "required_message",
    "constraint message": "constraint_message",
    "repeat count": "repeat_count",
    "jr:count": "repeat_count",
    "bind::relevant": "relevant",
    "bind::required": "required",
    "bind::constraint": "constraint",
    "bind::calculate": "calculation",
}
SURVEY_COLUMNS = (
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
    "appearance",
    "repeat_count",
)
FK_ITEM = (
    "kind",
    "na",
    "na_when",
    "unknown",
    "basis",
    "source",
    "renamed_from",
    "scope",
    "repeat_key",
    "instances",
)
FK_SETTINGS = (
    "description",
    "prefix",
    "natural_key",
    "app_order",
    "app_label",
    "app_noun",
    "target_default",
    "stratify_by",
    "scope_when",
    "scope_in_label",
    "scope_out_label",
    "summaries",
    "returns",
)
# A choice column other XLSForm tools keep as data (a `fieldkit::` column on the choices
# sheet would break pyxform's choice lists).
EXCLUSIVE = "fieldkit_exclusive"
SETTINGS_DISPLAY = ("style", "instance_name", "name")
SETTINGS_COLUMNS = ("form_id", "form_title", "version", "default_language")
TRUE = ("yes", "true", "true()", "1")
FALSE = ("no", "false", "false()", "0", "")
_RANGE = re.compile(r"^\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$")
_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")


# columns that take a language (`label::English (en)`, or `label:English`)
TEXT_COLUMNS = ("label", "hint", "guidance_hint", "constraint_message", "required_message")


class XLSFormError(ChecklistError):
    """A workbook that is not an XLSForm, or a feature fieldkit cannot honour."""


@dataclass
class Imported:
    checklist: Checklist
    definition: dict[str, Any]
    language: str | None
    notices: list[str] = field(default_factory=list)


@dataclass
class _Row:
    sheet: str
    number: int  # the spreadsheet row (1 = the header)
    cells: dict[str, str]  # normalised column -> text

    def at(self, column: str) -> str:
        return f"{self.sheet} sheet, row {self.number}, column {column}"

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def _norm(header: str, aliases: dict[str, str]) -> str:
    h = re.sub(r"\s+", " ", str(header).strip())
    base, colon, rest = h.partition(":")
    if colon and "::" not in h and base.strip().lower().replace(" ", "_") in TEXT_COLUMNS:
        h = f"{base}::{rest}"  # `label:Hindi` (SurveyCTO's spelling; pyxform reads it too)
    if "::" in h:
        base, _, rest = h.partition("::")
        base_l = base.strip().lower()
        if base_l in ("bind", "fieldkit"):
            full = f"{base_l}::{rest.strip().lower()}"
            return aliases.get(full, full)
        base_l = aliases.get(base_l, base_l).replace(" ", "_")
        return f"{base_l}::{rest.strip()}"
    low = h.lower()
    return aliases.get(low, low.replace(" ", "_"))


def _read_book(path: Path) -> dict[str, list[_Row]]:
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict

    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        raise XLSFormError(f"{path.name}: not an XLSForm workbook (.xlsx or .xls)")
    try:
        book = (xls_to_dict if suffix == ".xls" else xlsx_to_dict)(str(path))
    except (PyXFormError, OSError, ValueError) as e:
        raise XLSFormError(f"{path.name}: cannot read the workbook ({_one_line(e)})") from None
    out: dict[str, list[_Row]] = {}
    for sheet in ("survey", "choices", "settings"):
        rows = book.get(sheet)
        if rows is None:
            continue
        aliases = SURVEY_ALIASES if sheet == "survey" else {"list name": "list_name"}
        out[sheet] = [
            _Row(sheet, n + 2, {_norm(k, aliases): str(v) for k, v in row.items()})
            for n, row in enumerate(rows)
        ]
    if "survey" not in out:
        raise XLSFormError(f"{path.name}: not an XLSForm (no survey sheet)")
    return out


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:300]


def _validate_with_pyxform(path: Path) -> None:
    """pyxform's own conversion: the workbook must be a valid XLSForm at all."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        convert(str(path), warnings=[])
    except PyXFormError as e:
        raise XLSFormError(f"{path.name}: not a valid XLSForm: {_one_line(e)}") from None
    except Exception as e:  # pyxform raises plain errors for some malformed sheets
        raise XLSFormError(f"{path.name}: not a valid XLSForm: {_one_line(e)}") from None


def _languages(rows: list[_Row], column: str) -> list[str]:
    langs: list[str] = []
    for row in rows:
        for key in row.cells:
            if key.startswith(column + "::"):
                lang = key.split("::", 1)[1]
                if lang not in langs:
                    langs.append(lang)
    return langs


def _text(row: _Row, column: str, language: str | None) -> str:
    if language is not None:
        value = row.get(f"{column}::{language}")
        if value:
            return value
    return row.get(column)


def _flag(row: _Row, column: str) -> bool:
    value = row.get(column).lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise XLSFormError(f"{row.at(column)}: {value!r} is not supported (only yes or no)")


class _Reader:
    def __init__(self, path: Path, language: str | None) -> None:
        self.path = path
        self.book = _read_book(path)
        self.notices: list[str] = []
        self._drop_bookkeeping()
        self.survey = self.book["survey"]
        self.choices_rows = self.book.get("choices", [])
        settings_rows = [r for r in self.book.get("settings", []) if r.cells]
        self.settings = settings_rows[0] if settings_rows else _Row("settings", 2, {})
        self.language = self._pick_language(language)
        self.names: dict[str, str] = {}  # XLSForm name -> fieldkit id

    def _drop_bookkeeping(self) -> None:
        """Columns named `$...` (`$kuid`, `$autoname`, `$xpath`: KoboToolbox's own ids for
        rows, written into every form it exports) say nothing about the questions: they
        are dropped, and reported once per sheet."""
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

    # ------------------------------------------------------------------ settings
    def _pick_language(self, wanted: str | None) -> str | None:
        langs = _languages(self.survey, "label") + [
            lang for lang in _languages(self.choices_rows, "label")
        ]
        langs = list(dict.fromkeys(langs))
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

    def settings_facts(self) -> dict[str, Any]:
        s = self.settings
        for key in s.cells:
            if key in SETTINGS_COLUMNS or not s.get(key):
                continue
            if key.startswith("fieldkit::") and key[10:] in FK_SETTINGS:
                continue
            if key in SETTINGS_DISPLAY:
                self.notices.append(f"{s.at(key)}: ignored (display only)")
                continue
            raise XLSFormError(f"{s.at(key)}: setting {key!r} is not supported by fieldkit")
        given = s.get("form_id") or self.path.stem
        form_id = given if ID_RE.match(given) else snake(given)
        if not ID_RE.match(form_id):
            raise XLSFormError(
                f"{s.at('form_id')}: {given!r} cannot be a checklist id (it needs a letter first)"
            )
        if form_id != given:
            self.notices.append(f"{s.at('form_id')}: {given!r} is installed as {form_id!r}")
        version_text = s.get("version") or "1"
        if not version_text.isdigit() or int(version_text) < 1:
            raise XLSFormError(
                f"{s.at('version')}: {version_text!r} is not a whole number of 1 or more"
            )
        out: dict[str, Any] = {
            "id": form_id,
            "version": int(version_text),
            "title": s.get("form_title") or form_id,
        }
        fk = {k[10:]: s.get(k) for k in s.cells if k.startswith("fieldkit::") and s.get(k)}
        if fk.get("description"):
            out["description"] = fk["description"]
        out["prefix"] = fk.get("prefix", "")
        if fk.get("natural_key"):
            out["natural_key"] = fk["natural_key"].split()
        else:
            self.notices.append(
                f"{s.at('fieldkit::natural_key')}: none given, so records are told apart only"
                " by force (a CSV import takes one record per force); name the questions that"
                " identify a record, e.g. 'case_ref'"
            )
        app: dict[str, Any] = {}
        if fk.get("app_order"):
            if not fk["app_order"].isdigit():
                raise XLSFormError(f"{s.at('fieldkit::app_order')}: not a whole number")
            app["order"] = int(fk["app_order"])
        if fk.get("app_label"):
            app["label"] = fk["app_label"]
        if fk.get("app_noun"):
            app["noun"] = fk["app_noun"]
        if app:
            out["app"] = app
        targets: dict[str, Any] = {}
        if fk.get("target_default"):
            if not fk["target_default"].isdigit():
                raise XLSFormError(f"{s.at('fieldkit::target_default')}: not a whole number")
            targets["default"] = int(fk["target_default"])
        if fk.get("stratify_by"):
            targets["stratify_by"] = fk["stratify_by"]
        if targets:
            out["targets"] = targets
        scope: dict[str, Any] = {}
        for key in ("when", "in_label", "out_label"):
            if fk.get(f"scope_{key}"):
                scope[key] = fk[f"scope_{key}"]
        if scope:
            if "when" in scope:
                scope["when"] = self.expression(
                    scope["when"], s, "fieldkit::scope_when", check_refs=False
                )
            out["scope"] = scope
        for key in ("summaries", "returns"):
            if fk.get(key):
                try:
                    out[key] = json.loads(fk[key])
                except ValueError:
                    raise XLSFormError(f"{s.at(f'fieldkit::{key}')}: not valid JSON") from None
        return out

    # ------------------------------------------------------------------ choices
    def choice_lists(self) -> dict[str, list[tuple[_Row, str, str, bool]]]:
        lists: dict[str, list[tuple[_Row, str, str, bool]]] = {}
        for row in self.choices_rows:
            if not row.cells or not any(row.cells.values()):
                continue
            for key in row.cells:
                base = key.split("::", 1)[0]
                if base in ("list_name", "name", "label") or key == EXCLUSIVE:
                    continue
                if row.get(key):
                    raise XLSFormError(
                        f"{row.at(key)}: column {key!r} is not supported by fieldkit"
                        " (choice filters and media are not)"
                    )
            list_name, name = row.get("list_name"), row.get("name")
            if not list_name:
                continue
            label = _text(row, "label", self.language) or name
            exclusive = _flag(row, EXCLUSIVE) if row.get(EXCLUSIVE) else False
            lists.setdefault(list_name, []).append((row, name, label, exclusive))
        return lists

    # ------------------------------------------------------------------ expressions
    def expression(self, text: str, row: _Row, column: str, *, check_refs: bool = True) -> str:
        """An XLSForm expression as fieldkit text (bare item ids), refused in one line
        (naming the sheet, row and column) when it is outside the supported subset."""

        def ref(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in self.names:
                if check_refs:
                    raise XLSFormError(f"{row.at(column)}: ${{{name}}} names no question")
                return snake(name)
            return self.names[name]

        try:
            converted = _REF.sub(ref, text)
            parse_expr(converted)
        except ExprError as e:
            raise XLSFormError(f"{row.at(column)}: {e}") from None
        return converted

    def constraint(self, text: str, row: _Row, integer: bool) -> tuple[float | None, float | None]:
        lo: float | None = None
        hi: float | None = None
        parts = re.split(r"\s+and\s+", text.strip().strip("()"))
        for part in parts:
            m = _RANGE.match(part.strip().strip("()").strip())
            if not m:
                raise XLSFormError(
                    f"{row.at('constraint')}: {text!r} is not supported (only number ranges like"
                    " '. >= 0 and . <= 120')"
                )
            op, num = m.group(1), float(m.group(2))
            if op in (">", "<"):
                if not integer:
                    raise XLSFormError(
                        f"{row.at('constraint')}: a strict bound ({op}) on a decimal is not"
                        " supported (use >= or <=)"
                    )
                num = num + 1 if op == ">" else num - 1
            value = int(num) if num.is_integer() else num
            if op in (">=", ">"):
                lo = value if lo is None else max(lo, value)
            else:
                hi = value if hi is None else min(hi, value)
        return lo, hi

    # ------------------------------------------------------------------ survey
    def _shown_refs(self, text: str) -> str:
        """A label's `${name}` (an answer shown in the text; the app fills it in) names
        the question by its fieldkit id."""

        def ref(m: re.Match[str]) -> str:
            return "${" + self.names.get(m.group(1), m.group(1)) + "}"

        return _REF.sub(ref, text)

    def item_id(self, row: _Row) -> str:
        name = row.get("name")
        if not name:
            raise XLSFormError(f"{row.at('name')}: a question needs a name")
        iid = name if ID_RE.match(name) else snake(name)
        if not iid or not iid[0].isalpha():
            iid = "q_" + iid
        if iid in self.names.values():
            raise XLSFormError(f"{row.at('name')}: {name!r} is a second question named {iid!r}")
        self.names[name] = iid
        return iid

    def check_columns(self, row: _Row) -> None:
        for key, value in row.cells.items():
            if not value.strip():
                continue
            base = key.split("::", 1)[0]
            if key.startswith("fieldkit::"):
                if key[10:] not in FK_ITEM:
                    raise XLSFormError(f"{row.at(key)}: unknown fieldkit column")
                continue
            if base not in SURVEY_COLUMNS:
                raise XLSFormError(f"{row.at(key)}: column {key!r} is not supported by fieldkit")
            if base == "appearance":
                words = value.split()
                odd = [
                    w for w in words if w not in DISPLAY_APPEARANCES and not re.match(r"^w\d+$", w)
                ]
                if odd:
                    raise XLSFormError(f"{row.at(key)}: appearance {odd[0]!r} is not supported")
                self.notices.append(f"{row.at(key)}: {value!r} ignored (display only)")

    def read(self) -> dict[str, Any]:
        definition = self.settings_facts()
        if self.language is not None:
            definition["language"] = self.language
        lists = self.choice_lists()
        sections: list[dict[str, Any]] = []
        # a stack of open groups: (kind, name, title, relevant, section extras)
        stack: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        used_ids: dict[str, int] = {}

        def section_for() -> dict[str, Any]:
            nonlocal current
            if current is not None:
                return current
            top = stack[-1] if stack else None
            base = top["name"] if top else "main"
            n = used_ids.get(base, 0) + 1
            used_ids[base] = n
            sid = base if n == 1 else f"{base}_{n}"
            title = top["title"] if top else definition["title"]
            if top and top.get("outer_title") and top["kind"] == "group":
                title = f"{top['outer_title']}: {title}"
            current = {"id": sid, "title": title, "items": []}
            repeat = next((g for g in reversed(stack) if g["kind"] == "repeat"), None)
            if repeat is not None:
                current["repeat"] = repeat["repeat"]
            for g in stack:
                if g.get("scope"):
                    current["scope"] = g["scope"]
            sections.append(current)
            return current

        # every question's id first: relevance and calculations may name a later question
        for row in self.survey:
            head = row.get("type").lower().split(" ")[0] if row.get("type") else ""
            if head and not head.startswith(("begin", "end")) and head not in ENVELOPE_TYPES:
                self.item_id(row)
        for row in self.survey:
            if not any(v.strip() for v in row.cells.values()):
                continue
            self.check_columns(row)
            type_text = re.sub(r"\s+", " ", row.get("type")).strip()
            if not type_text:
                raise XLSFormError(f"{row.at('type')}: a row with no type")
            words = type_text.split(" ")
            head = words[0].lower()
            if (
                head in ("begin", "end")
                and len(words) >= 2
                or head
                in (
                    "begin_group",
                    "end_group",
                    "begin_repeat",
                    "end_repeat",
                )
            ):
                kind = words[1].lower() if len(words) >= 2 else head.split("_")[1]
                opening = head.startswith("begin")
                if kind not in ("group", "repeat"):
                    raise XLSFormError(f"{row.at('type')}: {type_text!r} is not supported")
                if opening:
                    current = None
                    self._open(row, kind, stack, definition)
                else:
                    if not stack or stack[-1]["kind"] != kind:
                        raise XLSFormError(f"{row.at('type')}: {type_text!r} closes nothing open")
                    stack.pop()
                    current = None
                continue
            if head in ENVELOPE_TYPES:
                self.notices.append(
                    f"{row.at('type')}: {head!r} ignored (every fieldkit record carries its"
                    " time, device and inspector)"
                )
                continue
            item = self._item(row, head, words, lists, stack)
            other = item.pop("_other", None)
            section_for()["items"].append(item)
            if other is not None:
                section_for()["items"].append(other)
        if stack:
            raise XLSFormError(f"{self.path.name}: group {stack[-1]['name']!r} is never closed")
        definition["sections"] = [s for s in sections if s["items"]]
        return definition

    def _open(
        self, row: _Row, kind: str, stack: list[dict[str, Any]], definition: dict[str, Any]
    ) -> None:
        name = row.get("name")
        if not name:
            raise XLSFormError(f"{row.at('name')}: a {kind} needs a name")
        sid = name if ID_RE.match(name) else snake(name)
        if not sid or not sid[0].isalpha():
            sid = "s_" + sid
        for column in ("required", "constraint", "calculation"):
            if row.get(column):
                raise XLSFormError(f"{row.at(column)}: not supported on a {kind}")
        if kind == "repeat" and any(g["kind"] == "repeat" for g in stack):
            raise XLSFormError(f"{row.at('type')}: a repeat inside a repeat is not supported")
        group: dict[str, Any] = {
            "kind": kind,
            "name": sid,
            "title": _text(row, "label", self.language) or name,
            "outer_title": stack[-1]["title"] if stack else "",
            "relevant": "",
        }
        if row.get("relevant"):
            group["relevant"] = self.expression(row.get("relevant"), row, "relevant")
        scope = row.get("fieldkit::scope")
        if scope:
            if scope not in ("visit", "record"):
                raise XLSFormError(f"{row.at('fieldkit::scope')}: {scope!r} is not visit or record")
            if scope == "visit":
                group["scope"] = "visit"
        if kind == "repeat":
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
            elif count:
                if not count.isdigit() or int(count) < 1:
                    raise XLSFormError(
                        f"{row.at('repeat_count')}: {count!r} is not supported (only a fixed"
                        " number of instances, such as 3)"
                    )
                repeat["instances"] = [
                    {"code": str(n), "label": str(n)} for n in range(1, int(count) + 1)
                ]
            group["repeat"] = repeat
        elif row.get("repeat_count"):
            raise XLSFormError(f"{row.at('repeat_count')}: only a repeat has a repeat_count")
        stack.append(group)

    def _item(
        self,
        row: _Row,
        head: str,
        words: list[str],
        lists: dict[str, list[tuple[_Row, str, str, bool]]],
        stack: list[dict[str, Any]],
    ) -> dict[str, Any]:
        iid = self.names[row.get("name")]
        prompt = self._shown_refs(_text(row, "label", self.language))
        item: dict[str, Any] = {"id": iid}
        fk_kind = row.get("fieldkit::kind")
        if head in ("select_one", "select_multiple", "select1", "select_all_that_apply"):
            or_other = len(words) == 3 and words[2].lower() == "or_other"
            if or_other:
                words = words[:2]
            if len(words) != 2:
                raise XLSFormError(f"{row.at('type')}: {' '.join(words)!r} is not supported")
            list_name = words[1]
            if list_name not in lists:
                raise XLSFormError(
                    f"{row.at('type')}: no choice list {list_name!r} in the choices sheet"
                )
            choices = lists[list_name]
            codes = [
                name if re.match(r"^[a-z0-9_]+$", name) else snake(name)
                for _, name, _, _ in choices
            ]
            lowered = [c.lower() for c in codes]
            multi = head in ("select_multiple", "select_all_that_apply")
            na = [c for c in choices if c[1].lower() in NA_CODES]
            if or_other:
                # XLSForm's `or_other`: an "Other" choice, and a text question after this
                # one (named NAME_other) to say what, asked only when Other is chosen
                other_id = f"{iid}_other"
                if other_id in self.names.values():
                    raise XLSFormError(
                        f"{row.at('type')}: or_other needs the name {other_id!r}, which another"
                        " question already has"
                    )
                self.names[other_id] = other_id
                if "other" not in lowered:
                    choices = [*choices, (row, "other", "Other", False)]
                    codes = [*codes, "other"]
                    lowered = [*lowered, "other"]
                item["_other"] = {
                    "id": other_id,
                    "prompt": "Specify other",
                    "kind": "text",
                    "required": False,
                    "relevant": f"selected({iid}, 'other')",
                }
            if not multi and sorted(lowered) == ["no", "yes"] and fk_kind in ("", "yn"):
                item["kind"] = "yn"
            elif (
                not multi
                and len(lowered) == 3
                and "yes" in lowered
                and "no" in lowered
                and len(na) == 1
                and fk_kind in ("", "ynna")
            ):
                item["kind"] = "ynna"
                # a fieldkit workbook says whether n/a may be chosen by judgement (and when)
                # in fieldkit::na; another tool's form lets it be chosen, as the list does
                reason = row.get("fieldkit::na") if fk_kind == "ynna" else na[0][2]
                if reason:
                    item["na"] = reason
            else:
                if fk_kind not in ("", "choice", "multi"):
                    raise XLSFormError(
                        f"{row.at('fieldkit::kind')}: {fk_kind!r} does not fit type {head!r}"
                    )
                item["kind"] = "multi" if multi else "choice"
                out = []
                for (crow, _name, label, exclusive), code in zip(choices, codes, strict=True):
                    entry: dict[str, Any] = {"code": code, "label": label}
                    if exclusive:
                        if not multi:
                            raise XLSFormError(
                                f"{crow.at(EXCLUSIVE)}: only a select_multiple choice can be exclusive"
                            )
                        entry["exclusive"] = True
                    out.append(entry)
                item["choices"] = out
        elif head in ITEM_TYPES or head == "datetime" or words[0] == "dateTime":
            if len(words) != 1:
                raise XLSFormError(f"{row.at('type')}: {' '.join(words)!r} is not supported")
            item["kind"] = ITEM_TYPES.get(head, "datetime")
            if fk_kind:
                allowed = {"count": ("q4", "minutes", "count")}.get(item["kind"], (item["kind"],))
                if fk_kind not in allowed:
                    raise XLSFormError(
                        f"{row.at('fieldkit::kind')}: {fk_kind!r} does not fit type {head!r}"
                    )
                item["kind"] = fk_kind
        else:
            raise XLSFormError(
                f"{row.at('type')}: type {' '.join(words)!r} is not supported by fieldkit"
                " (supported: select_one, select_multiple, integer, decimal, text, date, time,"
                " dateTime, note, calculate, begin/end group, begin/end repeat)"
            )
        kind = item["kind"]
        if kind == "derived":
            calc = row.get("calculation")
            if not calc:
                raise XLSFormError(f"{row.at('calculation')}: a calculate needs a calculation")
            item["formula"] = self.expression(calc, row, "calculation")
        elif row.get("calculation"):
            raise XLSFormError(f"{row.at('calculation')}: only a calculate has a calculation")
        item["prompt"] = prompt or row.get("name")
        if not prompt and kind not in ("derived",):
            raise XLSFormError(
                f"{row.at('label' + (f'::{self.language}' if self.language else ''))}: a question needs a label"
            )
        hint = _text(row, "hint", self.language)
        extra = [
            _text(row, "guidance_hint", self.language),
            _text(row, "constraint_message", self.language),
            _text(row, "required_message", self.language),
        ]
        help_text = " ".join(p for p in [hint, *extra] if p)  # shown as written
        if help_text:
            item["help"] = help_text
        if kind not in ("derived", "note"):
            item["required"] = _flag(row, "required")
        elif row.get("required") and _flag(row, "required"):
            raise XLSFormError(f"{row.at('required')}: a {head} cannot be required")
        if row.get("constraint"):
            if kind in ("count", "minutes", "q4", "decimal"):
                lo, hi = self.constraint(row.get("constraint"), row, kind != "decimal")
                if kind == "q4" and (lo, hi) == (1, 4):
                    lo = hi = None
                if kind in ("count", "minutes") and lo == 0 and hi is None:
                    lo = None
                if lo is not None and lo < 0 and kind != "decimal":
                    raise XLSFormError(
                        f"{row.at('constraint')}: a whole-number answer is 0 or more in fieldkit"
                        " (use decimal for negative numbers)"
                    )
                if lo is not None:
                    item["min"] = lo
                if hi is not None:
                    item["max"] = hi
            else:
                raise XLSFormError(
                    f"{row.at('constraint')}: a constraint is supported on number questions only"
                )
        for key in ("basis", "source", "renamed_from"):
            if row.get(f"fieldkit::{key}"):
                item[key] = row.get(f"fieldkit::{key}")
        if row.get("fieldkit::unknown"):
            item["unknown"] = _flag(row, "fieldkit::unknown")
        if row.get("fieldkit::na") and kind != "ynna":
            item["na"] = row.get("fieldkit::na")
        relevant = [g["relevant"] for g in stack if g["relevant"]]
        own = row.get("relevant")
        na_when = row.get("fieldkit::na_when")
        if na_when:
            try:
                rule = json.loads(na_when)
            except ValueError:
                raise XLSFormError(f"{row.at('fieldkit::na_when')}: not valid JSON") from None
            if relevant:
                raise XLSFormError(
                    f"{row.at('fieldkit::na_when')}: cannot be combined with a group's relevant"
                )
            if own and _REF.sub(
                lambda m: self.names.get(m.group(1), m.group(1)), own
            ) != rule_as_relevant(rule):
                raise XLSFormError(
                    f"{row.at('relevant')}: disagrees with fieldkit::na_when; edit or clear one"
                )
            item["na_when"] = rule
        elif own:
            relevant.append(self.expression(own, row, "relevant"))
        if relevant:
            item["relevant"] = (
                relevant[0] if len(relevant) == 1 else " and ".join(f"({r})" for r in relevant)
            )
        return item


def rule_as_relevant(rule: Any) -> str:
    """An na_when rule written as the XLSForm `relevant` that has the same effect (with
    bare ids: the caller adds ${...})."""
    if not isinstance(rule, dict) or "item" not in rule:
        return ""
    x = rule["item"]

    def q(v: Any) -> str:
        if isinstance(v, bool):
            v = "yes" if v else "no"
        return "'" + str(v).replace("'", "") + "'"

    if "equals" in rule:
        return f"{x} != {q(rule['equals'])}"
    if "not_equals" in rule:
        return f"{x} = {q(rule['not_equals'])}"
    if "in" in rule:
        return " and ".join(f"{x} != {q(v)}" for v in rule["in"])
    if "not_in" in rule:
        return " or ".join(f"{x} = {q(v)}" for v in rule["not_in"])
    return ""


def read_xlsform(path: Path, *, language: str | None = None) -> Imported:
    """Read and map an XLSForm workbook; XLSFormError (one line) for anything refused."""
    path = Path(path)
    if not path.exists():
        raise XLSFormError(f"{path}: no such file")
    reader = _Reader(path, language)
    _validate_with_pyxform(path)
    definition = reader.read()
    try:
        checklist = parse_checklist(definition, path.name)
    except ChecklistError as e:
        raise XLSFormError(str(e)) from None
    return Imported(checklist, definition, reader.language, reader.notices)
