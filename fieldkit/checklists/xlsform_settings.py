"""An XLSForm's settings sheet as a checklist's top-level facts.

The columns are named as pyxform names them (`form_title` and `title`, `form_id` and
`id_string` are one column each). Settings that only matter to a server or a phone
(`submission_url`, `public_key`, `style`, `kobo--*`, ...) are accepted and
reported as ignored, one line each. Columns named `fieldkit::...` carry what XLSForm has no
setting for (a workbook written by `checklists export` imports to the same definition).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fieldkit.checklists.loader import ID_RE
from fieldkit.checklists.model import snake
from fieldkit.checklists.xlsform_book import Row, XLSFormError

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
INSTANCE_ID = "instanceID"  # ODK's meta/instanceID: every XForm submission has one
READ = ("id_string", "title", "version", "default_language", "allow_choice_duplicates")
# what fieldkit honours elsewhere, or that says nothing a record holds
SERVER_ONLY = {
    "submission_url": "where a phone sends its submissions",
    "public_key": "encryption on the phone",
    "auto_send": "a phone setting",
    "auto_delete": "a phone setting",
    "client_editable": "a server setting",
    "style": "display only",
    "name": "the XForm's root element name",
    "sms_keyword": "SMS submission",
    "namespaces": "XForm namespaces",
    "instance_xmlns": "XForm namespaces",
    "omit_instanceID": "a phone setting",
    "clean_text_values": "pyxform's own whitespace handling",
    "add_none_option": "a 'none' choice added by the server",
}


def settings_facts(
    s: Row, path: Path, notices: list[str], expression: Callable[..., str]
) -> dict[str, Any]:
    """The checklist's id, version, title and fieldkit facts from the settings row."""
    for key in s.cells:
        if key in READ or key == "instance_name" or not s.get(key):
            continue
        if key.startswith("fieldkit::"):
            if key[10:] not in FK_SETTINGS:
                raise XLSFormError(f"{s.at(key)}: unknown fieldkit setting")
            continue
        why = SERVER_ONLY.get(key, "not used by fieldkit")
        if key.startswith("kobo--"):
            why = "a KoboToolbox server setting"
        notices.append(f"{s.at(key)}: ignored ({why})")
    given = s.get("id_string") or path.stem
    form_id = given if ID_RE.match(given) else snake(given)
    if form_id and not form_id[0].isalpha():
        form_id = "form_" + form_id
    if not ID_RE.match(form_id):
        raise XLSFormError(
            f"{s.at('id_string')}: {given!r} cannot be a checklist id (it needs a letter)"
        )
    if form_id != given:
        notices.append(f"{s.at('id_string')}: {given!r} is installed as {form_id!r}")
    out: dict[str, Any] = {
        "id": form_id,
        "version": _version(s, notices),
        "title": s.get("title") or form_id,
    }
    fk = {k[10:]: s.get(k) for k in s.cells if k.startswith("fieldkit::") and s.get(k)}
    if fk.get("description"):
        out["description"] = fk["description"]
    out["prefix"] = fk.get("prefix", "")
    if fk.get("natural_key"):
        out["natural_key"] = fk["natural_key"].split()
    else:
        notices.append(
            f"{s.at('fieldkit::natural_key')}: none given, so a record is told apart by its"
            f" submission id ({INSTANCE_ID}, as ODK and KoboToolbox give each submission; a"
            " CSV row without one by a digest of the row); name the questions that identify"
            " a record instead, e.g. 'case_ref'"
        )
    out.update(_fk_facts(s, fk, expression))
    return out


def _version(s: Row, notices: list[str]) -> int:
    """A whole-number version as it is; another (`2024091201-3`, a date) is version 1 of
    the checklist, said in a notice (fieldkit numbers the versions it installs)."""
    text = s.get("version") or "1"
    if text.isdigit() and int(text) >= 1 and int(text) < 2**62:
        return int(text)
    digits = re.sub(r"\D", "", text)[:18]  # a date and time keeps its order
    if digits and int(digits) >= 1:
        notices.append(f"{s.at('version')}: {text!r} is installed as version {int(digits)}")
        return int(digits)
    raise XLSFormError(f"{s.at('version')}: {text!r} is not a version (a number such as 3)")


def _fk_facts(s: Row, fk: dict[str, str], expression: Callable[..., str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
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
            scope["when"] = expression(scope["when"], s, "fieldkit::scope_when", check_refs=False)
        out["scope"] = scope
    for key in ("summaries", "returns"):
        if fk.get(key):
            try:
                out[key] = json.loads(fk[key])
            except ValueError:
                raise XLSFormError(f"{s.at(f'fieldkit::{key}')}: not valid JSON") from None
    return out
