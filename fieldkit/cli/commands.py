"""The Typer app with every command registered (importing a command module registers it).

`fieldkit.cli.main` imports just the module of the command being run (COMMAND_MODULES);
this module is for everything else: help, the version, a mistyped command, the tests."""

from __future__ import annotations

from fieldkit.cli import capture as _capture  # noqa: F401
from fieldkit.cli import (
    checklists,  # noqa: F401
    core,  # noqa: F401  (registers commands)
    keys,  # noqa: F401
    privacy,  # noqa: F401
    register,  # noqa: F401
    report,  # noqa: F401
    returns,  # noqa: F401
    root,  # noqa: F401
)
from fieldkit.cli import merge as _merge  # noqa: F401
from fieldkit.cli import seal as _seal  # noqa: F401
from fieldkit.cli import verify as _verify  # noqa: F401
from fieldkit.cli.base import app

__all__ = ["app"]
