"""The one table of answer kinds (fieldkit.checklists.kinds.TABLE): what each accepts, how
it is keyed, shown, stored and exported; every layer reads its groups from it."""

from __future__ import annotations

import pytest

from fieldkit.checklists import kinds
from fieldkit.checklists.kinds import KIND, TABLE
from fieldkit.checklists.xlsform_types import type_of


def test_every_kind_is_in_the_table_once_with_its_words() -> None:
    assert len({k.name for k in TABLE}) == len(TABLE) == len(kinds.KINDS)
    for k in TABLE:
        assert k.label, k.name
        assert k.keyed in ("keys", "field", "path", "none"), k.name
        assert k.stored in ("text", "integer", "real", "json"), k.name
        assert k.accepts or k.name == "note", k.name  # the help says how to answer it
    assert "ynna" not in {k.label for k in TABLE}  # shown in words, never the id


def test_the_groups_the_layers_read_are_the_tables_columns() -> None:
    assert kinds.YESNO_KINDS == ("yn", "ynna")
    assert set(kinds.NUMBER_KINDS) == {"q4", "count", "minutes", "decimal"}
    assert set(kinds.INTEGER_KINDS) == {"q4", "count", "minutes"}
    assert set(kinds.QUANTITY_KINDS) == {"count", "minutes"}
    assert set(kinds.UNANSWERED_KINDS) == {"note", "derived"}
    # what --redact leaves out, pii lists and scrub rewrites: typed text and files
    assert set(kinds.FREE_TEXT_KINDS) == {"text", *kinds.ATTACHMENT_KINDS}
    # a list is keyed, but a rank is typed: the choices' numbers in order
    assert set(kinds.TYPED_KINDS) & set(kinds.YESNO_KINDS + kinds.CHOICE_KINDS) == {"rank"}


@pytest.mark.parametrize("kind", [k for k in TABLE if k.xlsform and k.family != "yesno"])
def test_the_xlsform_type_written_reads_back_as_the_same_family(kind: kinds.Kind) -> None:
    """`checklists export` writes k.xlsform; pyxform's tables (through fieldkit's reader)
    read it back as the kind (q4 and minutes as integers: the export adds fieldkit::kind)."""
    read = type_of(kind.xlsform)
    assert read.what == "question", kind.name
    back = KIND[read.kind]
    assert (back.name, back.stored) == (kind.name, kind.stored) or (
        kind.name in ("q4", "minutes") and back.name == "count"
    )


def test_a_questions_help_starts_with_what_its_kind_accepts() -> None:
    from fieldkit.checklists import load_all
    from fieldkit.checklists.words import question_guide

    checklist = load_all()["case_file_review"]
    typed = next(i for i in checklist.items if i.kind == "count")
    keyed = next(i for i in checklist.items if i.kind == "ynna")
    kind_words, keys = question_guide(checklist, typed)[0]
    assert kind_words == "number" and keys.startswith(KIND["count"].accepts)
    kind_words, keys = question_guide(checklist, keyed)[0]
    assert kind_words == "yes / no / n.a." and keys.startswith("y ")


def test_docs_kinds_md_is_the_table() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "kinds.md"
    assert path.read_text(encoding="utf-8") == kinds.markdown(), (
        "docs/kinds.md is stale: python -c 'import fieldkit.checklists.kinds as k;"
        ' print(k.markdown(), end="")\' > docs/kinds.md'
    )
