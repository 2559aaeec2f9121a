"""Shared fixtures: fresh databases, the demo database, and a CLI runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.examples import profile_for_environment
from helpers.once import built_once
from hypothesis import settings
from typer.testing import CliRunner, Result

from fieldkit.cli.commands import app
from fieldkit.demo import write_demo
from fieldkit.store import Store

# Hypothesis: every test's full example count in CI, a third in the everyday loop
# (tests/helpers/examples.py; --hypothesis-profile=ci or dev overrides).
settings.load_profile(profile_for_environment())


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test touches the real per-user database, config or device key. (The config
    folder, where a test's first write makes its device key, lies beside the test's
    directory, so that tests comparing every file in it see only their own.)"""
    monkeypatch.delenv("FIELDKIT_DB", raising=False)
    monkeypatch.setenv("FIELDKIT_KEY", "")  # (unset: `fieldkit --key-file` sets it in process)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path.parent / f"{tmp_path.name}.config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.create(db_path, inspector="tester")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_db(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo database (seed 2015), built once per run. Copy it before writing."""

    def build(path: Path) -> None:
        with Store.create(path, inspector="demo") as s:
            write_demo(s, seed=2015, scale=1)

    return built_once(pytestconfig, tmp_path_factory, "demo.db", build)


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database, safe to write."""
    target = tmp_path / "demo.db"
    with Store.open(demo_db, readonly=True) as s:
        import sqlite3

        dest = sqlite3.connect(target)
        s.conn.backup(dest)
        dest.close()
    target.chmod(0o600)
    return target


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run fieldkit's CLI in process: cli("report", "evidence", "--db", path)."""
    runner = CliRunner()

    def run(*args: object, input: str | None = None) -> Result:
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def plugins() -> Iterator[None]:
    """fieldkit's Datasette plugin for one test: Datasette skips entry-point plugins under
    tests, so it is registered here (as `fieldkit serve` does), and every plugin the test
    registered is unregistered after it."""
    from datasette.plugins import pm

    from fieldkit.datasette import plugin as datasette_plugin

    before = {name for name, _ in pm.list_name_plugin()}
    if pm.get_plugin("fieldkit") is None:
        pm.register(datasette_plugin, name="fieldkit")
    yield
    for name in ("fieldkit", "auth_passwords", "datasette_dashboards"):
        if name not in before and pm.get_plugin(name) is not None:
            pm.unregister(name=name)
