"""Text files people bring: read the way Excel and other tools write them. A base module
(imports only fieldkit.errors), shared by the CSV importer and the register reader."""

from __future__ import annotations

import codecs
import re

from fieldkit.errors import BadInput

# One character of UTF-8 beyond ASCII (two to four bytes). Text in Windows-1252 or Latin-1
# almost never holds one by chance: a file that does is UTF-8, and a byte that is not is
# a mistake to name, not a reason to read every other character of the file differently.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def decode(data: bytes, encoding: str | None = None, name: str = "") -> tuple[str, str]:
    """Text and the encoding it was read as. With `encoding`, that one (BadInput naming the
    line and column of the first byte it cannot read). Else: UTF-16 with a BOM; UTF-8 (with
    or without BOM), and any file holding UTF-8 beyond ASCII is UTF-8, a stray byte in it
    refused with its line and column; else Windows-1252 (what Excel on Windows writes),
    else Latin-1. `name` (the file's) starts a refusal: "in.csv:3: column 7: ..."."""
    if encoding is not None:
        return _decode_as(data, encoding, name), encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BadInput("the file says it is UTF-16 but is not valid UTF-16") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as e:
        if data.startswith(codecs.BOM_UTF8) or _UTF8_SEQUENCE.search(data):
            raise BadInput(
                f"{_where(data, e.start, name)}: byte 0x{data[e.start]:02X} is not UTF-8, and the "
                "rest of the file is; correct it, or say the file's encoding with --encoding"
            ) from None
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _decode_as(data: bytes, encoding: str, name: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise BadInput(f"--encoding {encoding!r}: not an encoding Python knows") from None
    try:
        text = data.decode(codec.name)
    except UnicodeDecodeError as e:
        raise BadInput(
            f"{_where(data, e.start, name)}: byte 0x{data[e.start]:02X} cannot be read as {encoding}"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _where(data: bytes, at: int, name: str) -> str:
    """'NAME:LINE: column M' of byte `at` (the column counted in characters, 1-based)."""
    line_start = data.rfind(b"\n", 0, at) + 1
    before = data[line_start:at].decode("utf-8", errors="replace")
    line = data.count(b"\n", 0, at) + 1
    return f"{name or 'line '}{':' if name else ''}{line}: column {len(before) + 1}"
