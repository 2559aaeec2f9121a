"""What an XLSForm `type` cell means, read from pyxform's own tables.

pyxform's patterns for selects and groups (`RE_SELECT`, `RE_BEGIN_CONTROL`,
`RE_END_CONTROL`), its type aliases (`aliases._type_alias_map`: `imei` is `deviceid`) and
its question type dictionary (`QUESTION_TYPE_DICT`: `gps` is a geopoint, `phone number` a
text, `get start time` the phone's start stamp) decide, so every spelling pyxform accepts
means the same here.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.checklists.stamps import STAMP_KINDS

# pyxform's bind type -> fieldkit answer kind
BIND_KINDS = {
    "string": "text",
    "int": "count",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "dateTime": "datetime",
    "geopoint": "geopoint",
    "geotrace": "geotrace",
    "geoshape": "geoshape",
    "barcode": "text",
}
MEDIA = {
    "image/*": "image",
    "audio/*": "audio",
    "video/*": "video",
    "application/*": "file",
    "osm/*": "osm",
}


@dataclass(frozen=True)
class TypeOf:
    """A type cell read: what the row is and the facts it carries."""

    what: str  # begin | end | select | question | metadata | ignored | refused
    kind: str = ""  # begin/end: group | repeat | loop; question: the fieldkit kind
    list_name: str = ""  # select / loop: the choice list
    multi: bool = False  # select: select_multiple
    other: bool = False  # select: or_other / or specify other
    external: bool = False  # select_one_external: the list is on external_choices
    from_file: bool = False  # select_one_from_file: list_name is the media file's name
    pyxform_type: str = ""  # the type pyxform reads (after its aliases)
    preload: str = ""  # metadata filled from the record's own stamps (fieldkit.checklists.stamps)
    reason: str = ""  # refused: the feature, in words


def type_of(cell: str) -> TypeOf:
    """Read a type cell (whitespace already collapsed)."""
    from pyxform import aliases, constants
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
    from pyxform.xls2json import RE_BEGIN_CONTROL, RE_END_CONTROL, RE_OSM, RE_SELECT

    for text in dict.fromkeys((cell, cell.lower())):
        m = RE_BEGIN_CONTROL.match(text)
        if m:
            kind = aliases.control[m.group("type")]
            return TypeOf("begin", kind, list_name=m.group("list_name") or "")
        m = RE_END_CONTROL.match(text)
        if m:
            return TypeOf("end", aliases.control[m.group("type")])
    m = RE_SELECT.match(cell) or RE_SELECT.match(_lower_command(cell))
    if m:
        command = aliases.select[m.group("select_command")]
        if command == constants.SELECT_ONE or command == constants.SELECT_ALL_THAT_APPLY:
            return TypeOf(
                "select",
                list_name=m.group("list_name"),
                multi=command == constants.SELECT_ALL_THAT_APPLY,
                other=bool(m.group("specify_other")),
                pyxform_type=command,
                # the choices are in a media file (xlsform_files)
                from_file=m.group("select_command") in aliases.select_from_file,
            )
        if command == constants.RANK:  # the choices put in order (checklists.parsing)
            return TypeOf("select", list_name=m.group("list_name"), pyxform_type=command)
        # select_one_external: its list is on the workbook's external_choices sheet
        return TypeOf(
            "select",
            list_name=m.group("list_name"),
            pyxform_type=command,
            external=True,
        )
    m = RE_OSM.match(cell)
    if m:  # OpenMapKit: the answer is an .osm file; its tag list (osm sheet) is ignored
        return TypeOf("question", "osm", list_name=m.group("list_name"), pyxform_type="osm")
    name = aliases._type_alias_map.get(cell, cell)
    facts = QUESTION_TYPE_DICT.get(name)
    if facts is None:
        lowered = {k.lower(): k for k in QUESTION_TYPE_DICT}
        name = lowered.get(cell.lower(), "")
        facts = QUESTION_TYPE_DICT.get(name)
    if facts is None:
        return TypeOf("refused", reason=f"questions of type {cell!r} (not an XLSForm type)")
    bind = facts.get("bind", {})
    control = facts.get("control", {})
    stamp = str(bind.get("jr:preloadParams", "")).removeprefix("uri:")
    if bind.get("jr:preload") and stamp in STAMP_KINDS:  # start, deviceid ...: the record's
        return TypeOf("question", STAMP_KINDS[stamp], pyxform_type=name, preload=stamp)
    if bind.get("jr:preload") or name in ("audit", "start-geopoint", "background-audio"):
        return TypeOf("metadata", pyxform_type=name)
    if name in constants.EXTERNAL_INSTANCE_TYPES or name == "background-geopoint":
        return TypeOf("ignored", pyxform_type=name)
    if control.get("tag") == "upload":
        media = MEDIA.get(control.get("mediatype", ""))
        if media is None:
            return TypeOf("refused", pyxform_type=name, reason=f"{name} questions (uploads)")
        return TypeOf("question", media, pyxform_type=name)  # an attachment
    if control.get("tag") == "trigger":
        return TypeOf("question", "acknowledge", pyxform_type=name)  # answered 'OK'
    if control.get("tag") == "odk:rank":
        return TypeOf("refused", pyxform_type=name, reason=f"{name} questions")
    if "control" not in facts and name in ("calculate", "q calculate", "add calculate prompt"):
        return TypeOf("question", "derived", pyxform_type="calculate")
    if name == "hidden":
        return TypeOf("question", "hidden", pyxform_type=name)
    if bind.get("readonly") == "true()":
        return TypeOf("question", "note", pyxform_type="note")
    kind = BIND_KINDS.get(bind.get("type", ""))
    if kind is None:
        return TypeOf("refused", pyxform_type=name, reason=f"{name} questions")
    return TypeOf("question", kind, pyxform_type=name)


def type_constraint(pyxform_type: str) -> str:
    """The constraint pyxform gives a type of its own (`phone number`: digits only)."""
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    return QUESTION_TYPE_DICT.get(pyxform_type, {}).get("bind", {}).get("constraint", "")


def _lower_command(cell: str) -> str:
    """`Select_One list`: the command in lower case, the list name as written."""
    head, _, rest = cell.partition(" ")
    if head.lower() in ("select_one", "select_multiple", "select1"):
        return head.lower() + (" " + rest if rest else "")
    return cell
