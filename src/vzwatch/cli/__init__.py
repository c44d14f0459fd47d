"""The command line: a thin Typer layer over vzwatch's core.

Importing this package registers every command on ``app``. Command modules
keep their module-level imports light (Rich and heavy helpers are imported
inside the functions that print), because all of them load on every run.
"""

from __future__ import annotations

from collections.abc import Sequence

import typer

from vzwatch.cli import core as _core  # noqa: F401  (registers the commands)
from vzwatch.cli import progress as _progress  # noqa: F401  (progress, edit, remove)
from vzwatch.cli import report as _report  # noqa: F401
from vzwatch.cli import team as _team  # noqa: F401  (validate, merge-driver, git-setup)
from vzwatch.cli import timeline as _timeline  # noqa: F401
from vzwatch.cli import transfer as _transfer  # noqa: F401
from vzwatch.cli.app import PROG, app

__all__ = ["app", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    command = typer.main.get_command(app)
    result: int = command.main(args=argv, prog_name=PROG, standalone_mode=False)
    return result
