"""ODK Central and KoboToolbox CSV exports read as fieldkit's import rows.

Both tools export one CSV per form (and one per repeat) with the questions' group paths in
the headers: ODK Central joins them with `-` (`site-station`), KoboToolbox with `/`
(`site/station`; its CSV may use `;` between cells). A select_multiple answer is its codes
separated by spaces, with or without one 0/1 column per choice (`q/code`); ODK Central
splits a location into `q-Latitude`, `q-Longitude`, `q-Altitude`, `q-Accuracy`. A repeat's
rows sit in their own file, linked to their submission by `PARENT_KEY` (ODK Central: the
submission's `KEY`) or `_parent_index` (KoboToolbox: the submission's `_index`).

A submission's id (`meta-instanceID` or `KEY`, `_uuid`) is the record's identity, so the
same export imported again adds nothing. The tools' own columns (`SubmissionDate`,
`SubmitterName`, `_submission_time`, ...) are used (the time observed) or named as ignored,
one line each. The result is fieldkit's own CSV shape (`force`, `observed_at`, `status`,
`item`, `item[n]`), which the importer then checks like any other file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fieldkit.checklists.model import Checklist
from fieldkit.checklists.submission_repeats import Links, add_repeats
from fieldkit.checklists.xlsform_settings import INSTANCE_ID

CENTRAL_IDS = ("meta-instanceID", "KEY", "meta/instanceID", "instanceID")
KOBO_IDS = ("_uuid", "meta/instanceID")
WHEN = ("start", "SubmissionDate", "_submission_time", "today", "end")
GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
KNOWN_META = {
    "SubmissionDate": "when the server received it",
    "SubmitterID": "a server account",
    "SubmitterName": "a server account",
    "AttachmentsPresent": "a server's count of files",
    "AttachmentsExpected": "a server's count of files",
    "Status": "a server's state",
    "ReviewState": "a server's review state",
    "DeviceID": "the phone",
    "Edits": "a server's count of edits",
    "FormVersion": "the form version on the server",
    "KEY": "the submission id",
    "PARENT_KEY": "the link to the submission",
    "_id": "a server's row number",
    "_uuid": "the submission id",
    "_submission_time": "when the server received it",
    "_validation_status": "a server's review state",
    "_notes": "a server's notes",
    "_status": "a server's state",
    "_submitted_by": "a server account",
    "__version__": "the form version on the server",
    "_version_": "the form version on the server",
    "_tags": "a server's tags",
    "_index": "a row number in the export",
    "_parent_index": "the link to the submission",
    "_parent_table_name": "the link to the submission",
    "_submission__id": "the link to the submission",
    "_submission__uuid": "the link to the submission",
    "_submission__submission_time": "the link to the submission",
    "_submission__validation_status": "the link to the submission",
    "_submission__notes": "the link to the submission",
    "_submission__status": "the link to the submission",
    "_submission__submitted_by": "the link to the submission",
    "_submission___version__": "the link to the submission",
    "_submission__tags": "the link to the submission",
    "_xform_id_string": "the form id on the server",
    "_attachments": "a server's list of files",
    "_geolocation": "a server's copy of a location",
    "formhub/uuid": "the form's id on the server",
    "meta/rootUuid": "the first version's submission id",
    "meta/deprecatedID": "an edited submission's old id",
    "meta-deprecatedID": "an edited submission's old id",
    "meta-instanceName": "a server's name for a submission",
    "meta/instanceName": "a server's name for a submission",
    "meta-audit": "a phone's audit log",
    "start": "when the form was opened",
    "end": "when the form was saved",
    "today": "the day the form was filled",
    "deviceid": "the phone",
    "username": "the phone's user",
    "phonenumber": "the phone",
    "simserial": "the phone",
    "subscriberid": "the phone",
    "email": "the phone's user",
    "audit": "a phone's audit log",
}


class SubmissionsError(ValueError):
    """An export that cannot be read as the checklist's submissions (one line)."""


@dataclass
class Translated:
    tool: str  # "ODK Central" | "KoboToolbox"
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line in the submissions file, cells)
    notices: list[str] = field(default_factory=list)


def tool_of(header: list[str]) -> str | None:
    """Which tool wrote a CSV with this header (None: fieldkit's own shape)."""
    cols = set(header)
    if "force" in cols and "observed_at" in cols:
        return None
    if cols & {"meta-instanceID", "SubmissionDate", "PARENT_KEY"} or "KEY" in cols:
        return "ODK Central"
    if cols & {"_uuid", "_submission_time", "_parent_index", "_index"}:
        return "KoboToolbox"
    return None


class _Columns:
    """Which item (and which choice, or which part of a location) each column holds."""

    def __init__(self, checklist: Checklist, header: list[str], tool: str, name: str) -> None:
        self.checklist = checklist
        self.by_column: dict[int, tuple[str, str]] = {}  # column -> (item id, part)
        self.ignored: list[str] = []
        items = checklist.item_map
        lower = {i.lower(): i for i in items}
        for n, column in enumerate(header):
            found = self._match(column, tool, items, lower)
            if found is not None:
                self.by_column[n] = found
            elif column in KNOWN_META or column.startswith(("_", "meta")):
                why = KNOWN_META.get(column, "a server's own column")
                self.ignored.append(f"{name} column {column}: ignored ({why})")
            else:
                raise SubmissionsError(
                    f"{name}:1 column {column}: names no question of {checklist.id}"
                )

    def _match(
        self, column: str, tool: str, items: dict, lower: dict[str, str]
    ) -> tuple[str, str] | None:
        """The item a header names: its name, or its group path ending in its name
        (`site-station`, `site/station`); `q/code` a choice's 0/1 column, `q-Latitude` a
        location's part. The longest name that fits wins."""
        if column in KNOWN_META and column not in items:
            return None
        sep = "-" if tool == "ODK Central" else "/"
        for iid in sorted(items, key=len, reverse=True):
            item = items[iid]
            for name in dict.fromkeys((iid.replace("/", sep), iid)):
                if column == name:
                    return iid, ""
                if column.endswith(sep + name):
                    return iid, ""
                at = column.find(name + "/") if item.kind == "multi" else -1
                if at == 0 or (at > 0 and column[at - 1] == sep):
                    code = column[at + len(name) + 1 :]
                    if item.choice_for(code) is not None or item.choice_file:
                        return iid, "choice:" + code
                if item.kind == "geopoint":
                    for part in GEO_PARTS:
                        if column == f"{name}-{part}" or column.endswith(f"{sep}{name}-{part}"):
                            return iid, "geo:" + part
        if tool == "KoboToolbox" and column.startswith("_"):
            return None  # _q_latitude: Kobo's copy of a location's parts
        if column.lower() in lower and column not in KNOWN_META:
            return lower[column.lower()], ""
        return None


def _when(row: dict[str, str]) -> str:
    for key in WHEN:
        text = row.get(key, "").strip()
        if text:
            try:
                t = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return text  # the importer names it
            if t.tzinfo is not None:
                t = t.astimezone(UTC).replace(tzinfo=None)
            return t.isoformat(timespec="minutes")
    return ""


def _identity(row: dict[str, str], tool: str) -> str:
    for key in CENTRAL_IDS if tool == "ODK Central" else KOBO_IDS:
        if row.get(key, "").strip():
            value = row[key].strip()
            return value if value.startswith("uuid:") or tool != "KoboToolbox" else "uuid:" + value
    return ""


def _answers(cells: list[str], columns: _Columns) -> dict[tuple[str, str], str]:
    """{(item, part): text}; split choice columns only where the answer column is absent."""
    out: dict[tuple[str, str], str] = {}
    chosen: dict[str, list[str]] = {}
    geo: dict[str, dict[str, str]] = {}
    for n, (iid, part) in columns.by_column.items():
        value = cells[n].strip() if n < len(cells) else ""
        if part.startswith("choice:"):
            if value in ("1", "True", "true"):
                chosen.setdefault(iid, []).append(part[7:])
            else:
                chosen.setdefault(iid, [])
        elif part.startswith("geo:"):
            geo.setdefault(iid, {})[part[4:]] = value
        elif value or not out.get((iid, "")):  # an empty column never hides a full one
            out[(iid, "")] = value
    for iid, codes in chosen.items():
        if (iid, "") not in out:
            out[(iid, "")] = " ".join(codes)
    for iid, parts in geo.items():
        if (iid, "") not in out or not out[(iid, "")]:
            nums = [parts.get(p, "") for p in GEO_PARTS]
            out[(iid, "")] = " ".join(x for x in nums if x) if nums[0] and nums[1] else ""
    return out


def translate(
    checklist: Checklist,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    name: str,
    *,
    force: str | None,
    repeats: list[tuple[str, list[str], list[tuple[int, list[str]]]]] = (),  # type: ignore[assignment]
) -> Translated:
    """The submissions (and their repeats' files) as fieldkit import rows."""
    tool = tool_of(header)
    if tool is None:
        raise SubmissionsError(f"{name}: not an ODK Central or KoboToolbox export")
    columns = _Columns(checklist, header, tool, name)
    notices = list(columns.ignored)
    has_force = any(iid == "force" for iid, _ in columns.by_column.values())
    if force is None and not has_force:
        raise SubmissionsError(
            f"{name}: a {tool} export names no force: give it with --force (a code or name)"
        )
    records: list[dict[str, str]] = []
    links = Links()
    for _line, cells in rows:
        raw = dict(zip(header, cells, strict=False))
        answers = _answers(cells, columns)
        record = {"force": force or answers.get(("force", ""), ""), "status": "final"}
        record["observed_at"] = _when(raw)
        for (iid, _), value in answers.items():
            if iid != "force" or force is None:
                record[iid] = value
        ident = _identity(raw, tool)
        if ident and INSTANCE_ID in checklist.item_map and not record.get(INSTANCE_ID):
            record[INSTANCE_ID] = ident
        links.add_submission(raw, len(records))
        records.append(record)

    def reader(fname: str, fheader: list[str]) -> Any:
        columns = _Columns(checklist, fheader, tool, fname)
        return (lambda cells: _answers(cells, columns)), columns.ignored

    notices += add_repeats(checklist, records, links, list(repeats), reader, SubmissionsError)
    out_header = list(dict.fromkeys(k for r in records for k in r))
    out_rows = [
        (line, [r.get(k, "") for k in out_header])
        for (line, _), r in zip(rows, records, strict=True)
    ]
    return Translated(tool, out_header, out_rows, notices)
