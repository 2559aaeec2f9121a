"""The options commands share are declared once (fieldkit/cli/options.py) and put in each
command's place by one mechanism (`@command(..., db=MODE)`, fieldkit/cli/shared.py), which
also opens the command's database: so every database command's --db is the same option,
and an option added there is on every one of them."""

from __future__ import annotations

import ast
import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner, Result

from fieldkit.cli import options, reference, shared
from fieldkit.cli.base import command
from fieldkit.cli.database import Database
from fieldkit.errors import BadInput
from fieldkit.store import Store

CLI = Path(__file__).resolve().parent.parent / "fieldkit" / "cli"
SHARED_FLAGS = ("--db", "--json", "--format", "--as-of", "--by")
# The one other option spelt like a shared one: the file format of an exported checklist.
OWN = {("fieldkit checklists export", "--format"), ("checklists.py", "--format")}


def _database_commands() -> list[tuple[str, Any, Any]]:
    """(path, Click command, context) of every command that declares a database."""
    return [
        (path, cmd, ctx)
        for path, cmd, ctx in reference.commands()
        if cmd.callback is not None and getattr(cmd.callback, "db_mode", None) is not None
    ]


def _option(cmd: Any, ctx: Any, flag: str) -> Any:
    found = [p for p in cmd.get_params(ctx) if flag in p.opts]
    return found[0] if found else None


def test_every_database_command_takes_the_one_db_option() -> None:
    declared = {
        "--db": options.DB_HELP,
        "--into": "The database to merge into (created if missing). Default: as for --db.",
    }
    found = _database_commands()
    assert len(found) >= 40  # init, capture, report ..., plans ..., returns ..., keys ...
    helps = set()
    for path, cmd, ctx in reference.commands():
        db = _option(cmd, ctx, "--db")
        mode = getattr(cmd.callback, "db_mode", None)
        # a command has --db exactly when it declared what it does with its database
        assert (db is not None) == (mode is not None), path
        if db is None:
            continue
        helps.add(db.help)
        if mode == "into":  # merge: --into, also spelt --db
            assert db.opts == ["--into", "--db"] and db.help == declared["--into"]
        elif mode == "many":  # serve: repeatable
            assert db.multiple and db.opts == ["--db"]
        else:
            assert db.opts == ["--db"] and db.help == declared["--db"], path
    assert len(helps) == 3  # one database, the one merged into, the ones served


def test_each_shared_option_has_one_help_wherever_it_appears() -> None:
    for flag in SHARED_FLAGS[1:]:
        helps = {
            path: p.help
            for path, cmd, ctx in reference.commands()
            if (p := _option(cmd, ctx, flag)) is not None and (path, flag) not in OWN
        }
        assert helps, flag
        assert len(set(helps.values())) == 1, (flag, helps)
    json_on = {path for path, cmd, ctx in reference.commands() if _option(cmd, ctx, "--json")}
    assert {"fieldkit targets list", "fieldkit report evidence", "fieldkit keys list"} <= json_on


def test_shared_options_are_declared_in_options_py_only() -> None:
    """No command module declares --db, --json, --format, --as-of or --by itself."""
    declaring: dict[str, set[str]] = {}
    for source in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Option":
                for arg in node.args:
                    if not isinstance(arg, ast.Constant) or (source.name, arg.value) in OWN:
                        continue
                    if arg.value in SHARED_FLAGS:
                        declaring.setdefault(arg.value, set()).add(source.name)
    assert declaring == {flag: {"options.py"} for flag in SHARED_FLAGS}


def _rebuilt(monkeypatch: pytest.MonkeyPatch, extra: shared.Declared) -> dict[str, Any]:
    """Every database command of the app registered again through the mechanism, with
    `extra` added to the options every database command takes: {path: Click command}."""
    plain = shared.database_options
    monkeypatch.setattr(shared, "database_options", lambda mode: (*plain(mode), extra))
    scratch = typer.Typer()
    names = {}
    for n, (path, cmd, _) in enumerate(_database_commands()):
        fn = inspect.unwrap(cmd.callback)
        command(f"c{n}", parent=scratch, db=cmd.callback.db_mode)(fn)
        names[f"c{n}"] = path
    group = typer.main.get_command(scratch)
    ctx = group.context_class(group, info_name="fieldkit")
    return {names[name]: group.get_command(ctx, name) for name in group.list_commands(ctx)}


def test_an_option_added_in_one_place_is_on_every_database_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = typer.Option("--example", help="An option every database command takes.")
    extra = shared.Declared("example", Annotated[str | None, example], None)
    rebuilt = _rebuilt(monkeypatch, extra)
    assert len(rebuilt) == len(_database_commands())
    for path, cmd in rebuilt.items():
        ctx = cmd.context_class(cmd, info_name=path)
        names = [p.name for p in cmd.get_params(ctx)]
        assert "example" in names, path
        # it comes right after the database's own option, wherever the command names it
        assert names[names.index("example") - 1] == "db", path
        assert _option(cmd, ctx, "--example").help == "An option every database command takes."


def test_the_value_of_an_option_every_database_command_takes_reaches_its_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    @dataclass(frozen=True)
    class WithExample(Database):
        example: str | None = None

    example = typer.Option("--example", help="An option every database command takes.")
    plain = shared.database_options
    extra = shared.Declared("example", Annotated[str | None, example], None)
    monkeypatch.setattr(shared, "database_options", lambda mode: (*plain(mode), extra))
    monkeypatch.setattr(shared, "Database", WithExample)
    scratch, seen = typer.Typer(), []

    @command("probe", parent=scratch, db="path")
    def probe(db: WithExample, json_: bool) -> None:
        seen.append((db.path, db.example, json_))

    result = CliRunner().invoke(scratch, ["--db", str(tmp_path / "x.db"), "--example", "v"])
    assert result.exit_code == 0, result.output
    assert seen == [(tmp_path / "x.db", "v", False)]


# ------------------------------------------------------------- the store, opened for it


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_shared_options_are_checked_before_the_database_is_opened(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.db"
    result = cli("report", "evidence", "--db", missing, "--by", "checklist")
    assert result.exit_code == 2
    assert result.stderr.strip() == "fieldkit: --by takes 'force', not 'checklist'"
    result = cli("report", "coverage", "--db", missing, "--format", "yaml")
    assert result.exit_code == 2 and "--format" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not missing.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "list"),  # read
        ("targets", "clear", "call_listening"),  # write
        ("register", "withdraw", "abcdef"),  # create
        ("checklists", "list"),  # optional
        ("report", "force", "kent", "--out", "{tmp}/k.html"),  # read, after its checks
    ],
)
def test_a_file_that_is_not_a_database_is_one_line_and_left_as_it_was(
    cli: Callable[..., Result], tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "notes.db"
    db.write_text("force,observed_at\nkent,2015-06-01\n" * 40)
    before = sha(db)
    result = cli(*(a.format(tmp=tmp_path) for a in args), "--db", db)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert result.stderr.strip().endswith("notes.db: not a SQLite database")
    assert sha(db) == before and sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_a_missing_database_is_not_made_by_a_reading_or_writing_command(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    missing = tmp_path / "typo.db"
    for args in (("verify",), ("targets", "set", "call_listening", "5")):
        result = cli(*args, "--db", missing)
        assert result.exit_code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1
    assert not missing.exists()


def test_the_default_database_comes_from_the_environment(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("FIELDKIT_DB", str(db))
    assert cli("where").stdout.strip() == str(db)
    assert cli("where", "--db", tmp_path / "other.db").stdout.strip() == str(tmp_path / "other.db")
    result = cli("targets", "list", "--json")  # reads $FIELDKIT_DB: there is none yet
    assert result.exit_code == 2 and not db.exists()
    assert cli("init").exit_code == 0 and db.exists()
    assert cli("targets", "list", "--json").exit_code == 0


def test_open_if_any_opens_only_a_file_that_exists(tmp_path: Path, db_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with Database(missing, True, "optional").open_if_any() as store:
        assert store is None
    assert not missing.exists()
    with (
        pytest.raises(BadInput, match="missing.db: no such database"),
        Database(missing, True, "optional").open_if_any(required=True),
    ):
        pass
    Store.create(db_path).close()
    with Database(db_path, True, "optional").open_if_any() as store:
        assert store is not None and store.readonly


def test_a_command_must_say_what_it_does_with_the_database_it_names() -> None:
    scratch = typer.Typer()

    def names_a_store(store: Store) -> None:
        pass

    def names_none(json_: bool) -> None:
        pass

    with pytest.raises(TypeError, match="names_a_store"):
        command("x", parent=scratch)(names_a_store)
    with pytest.raises(TypeError, match="names_none"):
        command("y", parent=scratch, db="read")(names_none)
    with pytest.raises(ValueError, match="db='reed'"):
        command("z", parent=scratch, db="reed")(names_a_store)  # type: ignore[arg-type]
