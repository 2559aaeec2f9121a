"""Text files people bring: read the way Excel and other tools write them. A base module
(imports only fieldkit.errors), shared by the CSV importer and the register reader."""

from __future__ import annotations

from fieldkit.errors import BadInput


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read as: UTF-8 (with or without BOM), UTF-16 with a
    BOM, else Windows-1252 (what Excel on Windows writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BadInput("the file says it is UTF-16 but is not valid UTF-16") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"
