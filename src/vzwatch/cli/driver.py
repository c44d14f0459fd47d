"""The merge driver as git runs it: ``vzwatch merge-driver %O %A %B %P``, without Typer.

git runs the driver on every merge that touches the store, so it must start
fast: ``vzwatch.cli.main`` hands a plain call (three or four file arguments,
no option) to ``run`` before it imports Typer or Rich; anything else
(``--help``, a missing argument) goes through Typer and reads as every other
command's help and usage errors. ``report`` is shared with the Typer command,
so both print the same lines.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from vzwatch.cli.edge import PROG, exit_code, prepare_streams
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.text import visible


def plain_call(args: Sequence[str]) -> bool:
    """Whether ``args`` (after ``merge-driver``) are just the files git passes."""
    return len(args) in (3, 4) and not any(arg.startswith("-") for arg in args)


def report(base: Path, ours: Path, theirs: Path, path: str | None) -> ExitCode:
    """Merge the three files into ``ours`` and say what happened on stderr."""
    from vzwatch.storage.merge import merge_files

    name = path or str(ours)
    result = merge_files(base, ours, theirs, name)
    lines = [f"{PROG}: {visible(name)}: {visible(note)}\n" for note in result.notes]
    lines += [
        f"{PROG}: {visible(name)}: conflict: {visible(conflict.text)}\n"
        for conflict in result.conflicts
    ]
    if result.conflicts:
        count = len(result.conflicts)
        lines.append(
            f"{PROG}: {visible(name)}: {count} conflict{'s' * (count != 1)} to resolve: "
            "edit the file (see the <<<<<<< markers), run `vzwatch validate`, then `git add` it\n"
        )
    sys.stderr.write("".join(lines))
    return ExitCode.CONFLICT if result.conflicts else ExitCode.OK


def run(args: Sequence[str]) -> int:
    """Run a plain call; errors become one line and their exit code, as in the Typer app."""
    prepare_streams()
    base, ours, theirs, *rest = args
    try:
        return int(report(Path(base), Path(ours), Path(theirs), rest[0] if rest else None))
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the edge (cli.edge)
        return int(exit_code(error))
