"""CSV import against hostile and awkward files: every case is a clean import with the
values stored exactly as given (less surrounding whitespace, which the importer trims),
or one error line naming the file's line, with nothing written. Derandomized hypothesis."""

from __future__ import annotations

import csv
import io
import itertools
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.examples import examples
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from fieldkit.store import Store

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=examples(80),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No shrinking: a failure is reported as found, so a failing run stays quick.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
)
HEADER = ["force", "observed_at", "status", "cl_call_ref", "cl_concerns", "note:cl_call_ref"]
NOT_APPLICABLE = ("na", "n/a", "not applicable")
_refs = itertools.count()


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database every example imports into (each row has its own reference)."""
    path = tmp_path_factory.mktemp("fuzzcsv") / "target.db"
    Store.create(path, inspector="fuzz").close()
    return path


def dump(db: Path) -> tuple[int, ...]:
    """What an import could change: counts of changes, cells, records, and the log's end."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM cells),"
            " (SELECT count(*) FROM records), (SELECT max(hlc) FROM changes)"
        ).fetchone()
    finally:
        conn.close()


def stored(db: Path, ref: str) -> tuple[object, object]:
    """(cl_concerns answer, cl_call_ref note) of the record with this call reference."""
    with Store.open(db, readonly=True) as s:
        [rec] = [r for r in s.records() if r["natural_key"] == f"kent|{ref.lower()}"]
        answers, notes = s.answers(rec["record_id"]), s.notes(rec["record_id"])
    return answers.get(("cl_concerns", "")), notes.get(("cl_call_ref", ""))


def to_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue()


def new_ref() -> str:
    return f"INC-FZ-{next(_refs):06d}"


def run_import(
    cli: Callable[..., Result], target: Path, data: bytes, name: str = "in.csv"
) -> Result:
    path = target.parent / name
    path.write_bytes(data)
    return cli("import", path, "--checklist", "call_listening", "--db", target)


def assert_refused(result: Result, before: tuple[int, ...], target: Path, line: bool) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    if line:
        assert re.search(r"\.csv:\d+", lines[0]), lines[0]
    assert dump(target) == before


def expect(text: str) -> str | None:
    return text.strip() or None


# ---------------------------------------------------------------- free text round trip


@settings(FUZZ, max_examples=examples(50))
@given(
    answer=st.text(max_size=60),
    note=st.text(max_size=60),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_text_round_trips(cli, target: Path, answer: str, note: str, encoding: str) -> None:
    """Quotes, commas, newlines, control characters, emoji, formula-like text: stored as
    given. NUL is refused (with its line), as is 'not applicable' for an item without it."""
    ref = new_ref()
    data = to_csv([["kent", "2015-06-01", "draft", ref, answer, note]]).encode(encoding)
    before = dump(target)
    result = run_import(cli, target, data)
    if "\x00" in answer + note or answer.strip().lower() in NOT_APPLICABLE:
        event("refused")
        assert_refused(result, before, target, line="\x00" not in answer + note)
        return
    event(f"imported ({encoding})")
    assert result.exit_code == 0, result.output
    assert stored(target, ref) == (expect(answer), expect(note))


LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:'\"-=+@()"
ACCENTED = "éèàçñöüßæøÉÀÖÜ"


@settings(FUZZ, max_examples=examples(30))
@given(
    head=st.text(alphabet=LATIN, max_size=20),
    accent=st.sampled_from(ACCENTED),
    tail=st.text(alphabet=LATIN + ACCENTED, max_size=20),
    encoding=st.sampled_from(["cp1252", "latin-1"]),
)
def test_windows_1252_and_latin1_text(
    cli, target: Path, head: str, accent: str, tail: str, encoding: str
) -> None:
    """Excel on Windows writes cp1252: accented letters come through as the same letters.
    (Letters whose cp1252 byte is 0xC0 or above: such text can never be valid UTF-8.)"""
    text = head + accent + tail
    ref = new_ref()
    data = to_csv([["kent", "2015-06-01", "draft", ref, text, text]]).encode(encoding)
    result = run_import(cli, target, data)
    assert result.exit_code == 0, result.output
    assert "windows-1252" in result.stdout
    assert stored(target, ref) == (expect(text), expect(text))


def test_smart_quotes_and_pound_sign_from_excel(cli, target: Path) -> None:
    ref = new_ref()
    text = "O’Brien said “call back” – cost £5 €3"
    data = to_csv([["kent", "2015-06-01", "draft", ref, text, text]]).encode("cp1252")
    result = run_import(cli, target, data)
    assert result.exit_code == 0, result.output
    assert stored(target, ref) == (text, text)


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+44 7700 900461",
        "-x",
        "@SUM(A1:A9)",
        '=HYPERLINK("http://example.com","click")',
        "=cmd|' /C calc'!A0",
        "\t=1+1",
        "'=quoted",
        '"=1+1"',
    ],
)
def test_formula_looking_values_are_stored_as_given(cli, target: Path, value: str) -> None:
    ref = new_ref()
    data = to_csv([["kent", "2015-06-01", "draft", ref, value, value]]).encode()
    result = run_import(cli, target, data)
    assert result.exit_code == 0, result.output
    assert stored(target, ref) == (value.strip(), value.strip())


# ------------------------------------------------------------------ broken structure


def _base(ref: str) -> str:
    rows = [
        ["kent", "2015-06-01", "draft", f"{ref}-a", 'He said "no", twice', "line one\nline two"],
        ["gwent", "2015-06-02", "draft", f"{ref}-b", "", ""],
        ["essex", "2015-06-03", "draft", f"{ref}-c", "plain", 'a "quoted" word'],
    ]
    return to_csv(rows)


@settings(FUZZ, max_examples=examples(60))
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.sampled_from(['"', '""', ",", "\n", "\r", "", "x", '\\"', "\x00", "\ufeff"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_broken_quoting(cli, target: Path, edits: list[tuple[int, str, bool]]) -> None:
    """A valid file with stray quotes, separators and line breaks put in (or characters
    cut out): a clean import, or one error naming a line, and nothing written."""
    text = _base(new_ref())
    for pos, piece, replace in edits:
        at = pos % (len(text) + 1)
        text = text[:at] + piece + text[at + (1 if replace else 0) :]
    before = dump(target)
    result = run_import(cli, target, text.encode())
    if result.exit_code == 0:
        event("imported")
        counts = re.search(r"(\d+) records imported, (\d+) already present", result.stdout)
        assert counts, result.stdout
        created = int(counts.group(1))
        assert dump(target)[2] == before[2] + created
    else:
        event(f"refused: {_gist(result.stderr)}")
        assert_refused(result, before, target, line="\x00" not in text)


def _gist(message: str) -> str:
    text = message.split(": ", 2)[-1] if message else ""
    return re.sub(r"\d+", "N", text.split("(")[0].strip())[:50]


@settings(FUZZ, max_examples=examples(60))
@given(data=st.binary(max_size=3000))
def test_random_bytes(cli, target: Path, data: bytes) -> None:
    """Refused in one line; a line number unless the file is blank, has NUL bytes (see
    test_nul_byte_error_names_its_line) or is not the UTF-16 its byte-order mark says."""
    before = dump(target)
    result = run_import(cli, target, data)
    event(f"exit {result.exit_code}: {_gist(result.stderr)}")
    line = (
        bool(data.strip(b" \t\r\n"))
        and b"\x00" not in data
        and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    )
    assert_refused(result, before, target, line=line)


@pytest.mark.parametrize(
    "header", ['"bad\ncolumn"', '"bad\rcolumn"', "bad\x1ccolumn", "\x1b[31mred\x1b[0m"]
)
def test_error_about_a_strange_column_is_one_clean_line(cli, target: Path, header: str) -> None:
    """The column name goes into the message escaped: no line break, no terminal escape."""
    data = f"{header},force,observed_at,status\nkent,2015-06-01,draft,x\n".encode()
    before = dump(target)
    result = run_import(cli, target, data)
    assert_refused(result, before, target, line=True)
    assert "\x1b" not in result.stderr


def test_nul_byte_error_names_its_line(cli, target: Path) -> None:
    """A NUL byte (a binary file, or a CSV saved wrongly): the error says which line."""
    text = _base(new_ref()).replace("plain", "pl\x00ain")
    before = dump(target)
    result = run_import(cli, target, text.encode())
    assert_refused(result, before, target, line=True)


# --------------------------------------------------------------------- huge fields


def test_field_over_one_megabyte_is_refused_with_its_line(cli, target: Path) -> None:
    ref = new_ref()
    rows = [
        ["kent", "2015-06-01", "draft", f"{ref}-ok", "fine", ""],
        ["kent", "2015-06-01", "draft", ref, "x" * 1_000_001, ""],
    ]
    before = dump(target)
    result = run_import(cli, target, to_csv(rows).encode())
    assert_refused(result, before, target, line=True)
    assert ":3" in result.stderr  # the header is line 1, the huge row line 3


def test_two_megabyte_note_is_refused(cli, target: Path) -> None:
    ref = new_ref()
    rows = [["kent", "2015-06-01", "draft", ref, "", "é" * 2_000_000]]
    before = dump(target)
    result = run_import(cli, target, to_csv(rows).encode())
    assert_refused(result, before, target, line=True)


def test_field_just_under_the_limit_is_stored_whole(cli, target: Path) -> None:
    ref = new_ref()
    big = "Long note. " * 90_000  # 990,000 characters
    rows = [["kent", "2015-06-01", "draft", ref, big, big]]
    result = run_import(cli, target, to_csv(rows).encode())
    assert result.exit_code == 0, result.stderr
    assert stored(target, ref) == (big.strip(), big.strip())
