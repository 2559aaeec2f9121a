"""The per-user folder is the one Click's get_app_dir gave earlier fieldkits, so keys and
contexts saved before are still found."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pytest

from fieldkit import context, paths
from fieldkit.store.keys import key_path

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the XDG layout is Linux's")


def test_config_dir_follows_xdg_config_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert paths.config_dir() == tmp_path / "xdg" / "fieldkit"
    assert paths.config_dir() == Path(click.get_app_dir("fieldkit"))


def test_config_dir_without_xdg_is_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.config_dir() == tmp_path / "home" / ".config" / "fieldkit"
    assert paths.config_dir() == Path(click.get_app_dir("fieldkit"))


def test_files_saved_where_click_put_them_are_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("FIELDKIT_KEY", raising=False)
    monkeypatch.delenv("FIELDKIT_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    old = Path(click.get_app_dir("fieldkit"))
    ctx = context.InspectionContext("PEEL 2015 DA", "kent", "A. Inspector", "hmic_staff")
    context.save(ctx, old / context.FILENAME)  # as an earlier fieldkit saved it
    assert context.load() == ctx
    assert key_path() == old / "device.key"
    assert paths.default_db() == old / "fieldkit.db"
