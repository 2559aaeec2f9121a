"""docs/cli.md is the command line's reference: generated from the Typer app, never stale."""

from __future__ import annotations

import re
from pathlib import Path

from fieldkit.cli import reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_docs_cli_md_is_what_the_app_generates() -> None:
    # Stale after adding or changing a command or option: regenerate with
    # `python -m fieldkit.cli.reference > docs/cli.md`.
    assert DOC.read_text(encoding="utf-8") == reference.render()


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## `([^`]+)`$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_option_of_every_command_is_in_its_own_section() -> None:
    sections = _sections(DOC.read_text(encoding="utf-8"))
    found = reference.commands()
    assert len(found) > 40  # every command and sub-command, not only the top level
    missing = []
    for path, command, ctx in found:
        assert path in sections, f"{path} has no section in docs/cli.md"
        for param in command.get_params(ctx):
            if param.name in ("help", "install_completion", "show_completion"):
                continue
            if param.param_type_name == "option":
                missing += [f"{path} {n}" for n in param.opts if n not in sections[path]]
            else:  # an argument, under the name its usage line gives it
                record = param.get_help_record(ctx)
                shown = record[0].split()[0] if record else param.name.upper()
                if f"`{shown}" not in sections[path]:
                    missing.append(f"{path} {shown}")
    assert missing == []


def test_options_the_old_hand_written_table_missed_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = _sections(text)
    assert "--due" in sections["fieldkit plans assign"] or "--due" in text
    for option in ("--owner", "--unlink", "--sheet", "--create", "--rec"):
        assert option in text, option
