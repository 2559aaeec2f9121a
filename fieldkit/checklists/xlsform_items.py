"""One survey row of an XLSForm as a fieldkit item (or two: a select with `or_other`
brings its "specify other" text question)."""

from __future__ import annotations

import json
import re
from typing import Any

from fieldkit.checklists.choice_files import (
    YES_NO,
    itself_calculated,
    named_list,
    own_group_rule,
    required_expression,
    waiting_select,
)
from fieldkit.checklists.kinds import NUMBER_KINDS, QUANTITY_KINDS
from fieldkit.checklists.rule import rule_as_relevant
from fieldkit.checklists.xlsform_book import Row, XLSFormError, flag, text
from fieldkit.checklists.xlsform_types import TypeOf, type_constraint

NA_CODES = ("na", "n_a", "not_applicable", "notapplicable", "n/a")
_RANGE = re.compile(r"^\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$")
_RANGE_FLIPPED = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(>=|<=|>|<)\s*\.$")
# ODK checks `required` and `constraint` only on what is asked (JavaRosa validates the
# questions a form shows): on a calculate, a note or a group they hold nothing back
UNASKED = "never asked, so never checked: ODK does the same"
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}


class ItemReader:
    def __init__(self, reader: Any) -> None:  # xlsform_read's reader
        self.r = reader

    def item(
        self,
        row: Row,
        t: TypeOf,
        lists: dict[str, list[dict[str, Any]]],
        group_relevant: list[str],
        duplicates: bool,
    ) -> list[dict[str, Any]]:
        r = self.r
        iid = r.row_ids[row.number]
        item: dict[str, Any] = {"id": iid}
        extra: list[dict[str, Any]] = []
        if t.what == "select":
            extra = self._select(row, t, item, lists, duplicates)
        else:
            self._question(row, t, item)
        kind = item["kind"]
        prompt = r.shown_refs(text(row, "label", r.language))
        item["prompt"] = prompt or row.get("name")
        if t.preload:
            item["preload"] = t.preload
        if not prompt and kind not in ("derived", "note") and not t.preload:
            column = "label" + (f"::{r.language}" if r.language else "")
            raise XLSFormError(f"{row.at(column)}: a question needs a label")
        self._help_and_flags(row, item, kind, t)
        self._translations(row, item)
        self._relevance(row, item, group_relevant)
        return [item, *extra]

    def _translations(self, row: Row, item: dict[str, Any]) -> None:
        """Every other language's label and hint, kept beside the chosen one."""
        out: dict[str, dict[str, str]] = {}
        for lang in self.r.others:
            prompt = self.r.shown_refs(row.get(f"label::{lang}"))
            parts = [
                row.get(f"{c}::{lang}")
                for c in ("hint", "guidance_hint", "required_message")
                if row.get(f"{c}::{lang}")
            ]
            if "min" in item or "max" in item:  # a range's message is shown as guidance
                parts += (
                    [row.get(f"constraint_message::{lang}")]
                    if row.get(f"constraint_message::{lang}")
                    else []
                )
            texts = {"prompt": prompt, "help": " ".join(parts)}
            if "min" not in item and "max" not in item and row.get("constraint"):
                texts["constraint_message"] = row.get(f"constraint_message::{lang}")
            texts = {k: v for k, v in texts.items() if v}
            if texts:
                out[lang] = texts
        if out:
            item["translations"] = out

    # ------------------------------------------------------------------ kinds
    def _select(
        self,
        row: Row,
        t: TypeOf,
        item: dict[str, Any],
        lists: dict[str, list[dict[str, Any]]],
        duplicates: bool,
    ) -> list[dict[str, Any]]:
        iid = item["id"]
        if t.from_file and t.list_name not in lists:
            return waiting_select(self.r, row, t, item)
        if t.list_name not in lists:
            raise XLSFormError(
                f"{row.at('type')}: no choice list {t.list_name!r} in the choices sheet"
            )
        choices = list(lists[t.list_name])
        extra: list[dict[str, Any]] = []
        if t.other:
            # XLSForm's `or_other`: an "Other" choice, and a text question after this one
            # (named NAME_other) to say what, asked only when Other is chosen
            other_id = f"{iid}_other"
            if other_id.lower() in (v.lower() for v in self.r.row_ids.values()):
                raise XLSFormError(
                    f"{row.at('type')}: or_other needs the name {other_id!r}, which another"
                    " question already has"
                )
            if not any(c["code"] == "other" for c in choices):
                choices.append({"row": row, "code": "other", "label": "Other"})
            extra.append(
                {
                    "id": other_id,
                    "prompt": "Specify other",
                    "kind": "text",
                    "required": False,
                    "relevant": f"selected({iid}, 'other')"
                    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", iid)
                    else f"selected(${{{iid}}}, 'other')",
                }
            )
        codes = [c["code"] for c in choices]
        fk_kind = row.get("fieldkit::kind")
        na = [c for c in choices if c["code"].lower() in NA_CODES]
        if not t.multi and sorted(codes) == ["no", "yes"] and fk_kind in ("", "yn"):
            item["kind"] = "yn"
        elif (
            not t.multi
            and len(codes) == 3
            and "yes" in codes
            and "no" in codes
            and len(na) == 1
            and fk_kind in ("", "ynna")
            and not row.get("choice_filter")
        ):
            item["kind"] = "ynna"
            # a fieldkit workbook says whether n/a may be chosen by judgement (and when)
            # in fieldkit::na; another tool's form lets it be chosen, as the list does
            reason = row.get("fieldkit::na") if fk_kind == "ynna" else na[0]["label"]
            if reason:
                item["na"] = reason
        else:
            if fk_kind not in ("", "choice", "multi", "rank"):
                raise XLSFormError(
                    f"{row.at('fieldkit::kind')}: {fk_kind!r} does not fit type {t.pyxform_type!r}"
                )
            item["kind"] = "multi" if t.multi else "rank" if t.pyxform_type == "rank" else "choice"
            out: list[dict[str, Any]] = []
            seen: dict[str, dict[str, Any]] = {}
            for c in choices:
                if c["code"] in seen:
                    first = seen[c["code"]]
                    if not (duplicates or t.external):  # pyxform refuses these itself
                        raise XLSFormError(
                            f"{c['row'].at('name')}: choice {c['code']!r} twice in list"
                            f" {t.list_name!r}"
                        )
                    # one answer (ODK stores the name), offered under each row's filter
                    # values; the first row's label stands
                    others = [first.get("filters", {}), *first.get("also", [])]
                    if c.get("filters", {}) not in others:
                        first["also"] = [*first.get("also", []), c.get("filters", {})]
                    continue
                entry = {k: v for k, v in c.items() if k != "row"}
                seen[c["code"]] = entry
                if entry.get("exclusive") and not t.multi:
                    raise XLSFormError(
                        f"{c['row'].at('fieldkit_exclusive')}: only a select_multiple choice"
                        " can be exclusive"
                    )
                out.append(entry)
            item["choices"] = out
            if row.get("choice_filter"):
                item["choice_filter"] = self.r.expression(
                    row.get("choice_filter"), row, "choice_filter", choice_filter=True
                )
        if row.get("choice_filter") and "choice_filter" not in item:
            raise XLSFormError(
                f"{row.at('choice_filter')}: a choice_filter on a yes/no list is not supported"
            )
        named_list(self.r, t, item)
        return extra

    def _question(self, row: Row, t: TypeOf, item: dict[str, Any]) -> None:
        kind = t.kind
        calc = row.get("calculation")
        if kind == "note" and calc:
            kind = "derived"  # a note showing a computed value
        fk_kind = row.get("fieldkit::kind")
        if fk_kind and kind != "derived":
            allowed = {"count": ("q4", "minutes", "count")}.get(kind, (kind,))
            if fk_kind not in allowed:
                raise XLSFormError(
                    f"{row.at('fieldkit::kind')}: {fk_kind!r} does not fit type {t.pyxform_type!r}"
                )
            kind = fk_kind
        if calc and calc.strip() == ".":
            kind, calc = "hidden", ""  # the value itself: nothing computes it
            itself_calculated(self.r, row)
        if kind == "hidden":
            # a value never asked: its calculation, or its default
            kind = "derived"
            if not calc:
                default = row.get("default")
                calc = "'" + default.replace("'", "") + "'" if default else "''"
                item["formula"] = calc
        if calc and kind not in ("derived", "note"):
            # ODK recomputes a question's calculation whenever what it reads changes, so
            # the answer is the calculation's: a computed item, shown with its prompt
            self.r.notices.append(
                f"{row.at('calculation')}: the {t.pyxform_type} is computed from it"
                " (ODK recomputes it over any typed answer)"
            )
            kind = "derived"
        if kind == "acknowledge":  # ODK's acknowledge: 'OK' or no answer
            kind = "choice"
            item["choices"] = [{"code": "OK", "label": "OK"}]
        item["kind"] = kind
        if kind == "derived":
            if not calc and "formula" not in item:
                raise XLSFormError(f"{row.at('calculation')}: a calculate needs a calculation")
            if "formula" not in item:
                item["formula"] = self.r.expression(calc, row, "calculation")
                self._check_reports(row, item["formula"])
        elif calc:
            raise XLSFormError(f"{row.at('calculation')}: only a calculate has a calculation")
        if t.pyxform_type == "range":
            self._range(row, item)
        elif row.get("parameters"):
            self.r.ignore(row, "parameters", "a phone's widget settings")

    def _check_reports(self, row: Row, formula: str) -> None:
        from fieldkit.checklists.expr import ExprError, parse

        try:
            parse(formula).to_sql(lambda ref: "NULL")
        except ExprError as e:
            raise XLSFormError(f"{row.at('calculation')}: {e}") from None

    def _range(self, row: Row, item: dict[str, Any]) -> None:
        from pyxform.errors import PyXFormError
        from pyxform.parsing.parameters import parse as parameters  # pyxform's own reading

        try:  # `start=0 end=10`, `start=0;end=10`, `start=0, end=10`
            params = parameters(row.get("parameters"), row.number)
        except PyXFormError:
            raise XLSFormError(f"{row.at('parameters')}: not key=value pairs") from None
        try:
            lo, hi = float(params.get("start", 1)), float(params.get("end", 10))
            step = float(params.get("step", 1))
        except ValueError:
            raise XLSFormError(
                f"{row.at('parameters')}: start, end and step must be numbers"
            ) from None
        whole = all(float(v).is_integer() for v in (lo, hi, step)) and lo >= 0
        item["kind"] = "count" if whole else "decimal"
        item["min"], item["max"] = (int(lo), int(hi)) if whole else (lo, hi)

    # ------------------------------------------------------------------ columns
    def _help_and_flags(self, row: Row, item: dict[str, Any], kind: str, t: TypeOf) -> None:
        r = self.r
        hint = text(row, "hint", r.language)
        extra = [text(row, "guidance_hint", r.language), text(row, "required_message", r.language)]
        message = text(row, "constraint_message", r.language)
        constraint = row.get("constraint")
        own = type_constraint(t.pyxform_type)
        if kind not in ("derived", "note"):
            required = row.get("required")
            if required and required.lower() not in YES_NO:
                required_expression(r, row, item)
            else:
                item["required"] = flag(row, "required")
        elif row.get("required") and flag(row, "required"):
            r.notices.append(f"{row.at('required')}: ignored ({UNASKED})")
        if constraint and kind in NUMBER_KINDS:
            bounds = self._bounds(constraint, kind != "decimal")
            if bounds is not None:
                lo, hi = bounds
                if kind == "q4" and (lo, hi) == (1, 4):
                    lo = hi = None
                if kind in QUANTITY_KINDS and lo == 0 and hi is None:
                    lo = None
                if lo is not None and lo < 0 and kind != "decimal":
                    item["constraint"] = r.expression(constraint, row, "constraint")
                else:
                    if lo is not None:
                        item["min"] = lo
                    if hi is not None:
                        item["max"] = hi
                    extra.append(message)  # shown with the range, as before
                    message = ""
                constraint = ""
        if constraint or own:
            if kind in ("derived", "note") and not own:
                r.notices.append(f"{row.at('constraint')}: ignored ({UNASKED})")
                constraint = ""
            elif kind in ("derived", "note"):
                raise XLSFormError(
                    f"{row.at('constraint')}: a {t.pyxform_type} has no answer to check"
                )
        if constraint or own:
            parts = [p for p in (own, constraint) if p]
            column = "constraint" if constraint else "type"
            converted = [r.expression(p, row, column) for p in parts]
            item["constraint"] = (
                converted[0] if len(converted) == 1 else " and ".join(f"({p})" for p in converted)
            )
            if message:
                item["constraint_message"] = message
        help_text = " ".join(p for p in [hint, *extra] if p)  # shown as written
        if help_text:
            item["help"] = help_text
        default = row.get("default")
        if default and t.kind != "hidden" and kind == "derived" and row.get("calculation"):
            r.notices.append(
                f"{row.at('default')}: ignored (the calculation gives the value: ODK computes"
                " it over the default)"
            )
        elif default and t.kind != "hidden":
            if kind in ("derived", "note"):
                raise XLSFormError(
                    f"{row.at('default')}: a {t.pyxform_type} has no answer to default"
                )
            item["default"] = default
        for key in ("basis", "source", "renamed_from"):
            if row.get(f"fieldkit::{key}"):
                item[key] = row.get(f"fieldkit::{key}")
        if row.get("fieldkit::unknown"):
            item["unknown"] = flag(row, "fieldkit::unknown")
        if row.get("fieldkit::na") and kind != "ynna":
            item["na"] = row.get("fieldkit::na")

    def _bounds(self, source: str, integer: bool) -> tuple[float | None, float | None] | None:
        """A number range (`. >= 0 and . <= 120`) as (min, max); None for anything else."""
        lo: float | None = None
        hi: float | None = None
        for part in re.split(r"\s+and\s+", source.strip().strip("()")):
            p = part.strip().strip("()").strip()
            m = _RANGE.match(p)
            if m:
                op, number = m.group(1), m.group(2)
            else:
                m = _RANGE_FLIPPED.match(p)
                if not m:
                    return None
                op, number = _FLIP[m.group(2)], m.group(1)
            num = float(number)
            if op in (">", "<"):
                if not integer:
                    return None
                num = num + 1 if op == ">" else num - 1
            value = int(num) if num.is_integer() else num
            if op in (">=", ">"):
                lo = value if lo is None else max(lo, value)
            else:
                hi = value if hi is None else min(hi, value)
        return lo, hi

    def _relevance(self, row: Row, item: dict[str, Any], group_relevant: list[str]) -> None:
        relevant = own_group_rule(self.r, row, item["id"], group_relevant)
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
            if own and self.r.expression(own, row, "relevant") != rule_as_relevant(rule):
                raise XLSFormError(
                    f"{row.at('relevant')}: disagrees with fieldkit::na_when; edit or clear one"
                )
            item["na_when"] = rule
        elif own:
            relevant.append(self.r.expression(own, row, "relevant"))
        if relevant:
            item["relevant"] = (
                relevant[0] if len(relevant) == 1 else " and ".join(f"({x})" for x in relevant)
            )
