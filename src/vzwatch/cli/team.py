"""Commands for a store kept in git: validate, merge-driver, git-setup.

The work happens in ``vzwatch.operations.validation``, ``vzwatch.storage.merge`` and
``vzwatch.operations.git`` (imported inside the commands: this module loads on every
run); these commands turn flags into calls and results into lines.
"""

import sys
from pathlib import Path
from typing import Annotated

import typer

from vzwatch.cli.app import (
    JsonFlag,
    NoColorFlag,
    StoreOption,
    app,
    emit_json,
    locate,
    locate_all,
    today_from,
)
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.text import visible


def _warn(message: str) -> None:
    sys.stderr.write(f"vzwatch: warning: {visible(message)}\n")


@app.command("validate")
def validate_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[FILE]...",
            help="Store files to check (default: the store in use).",
            show_default=False,
        ),
    ] = None,
    file: StoreOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing when valid; no git warning.")
    ] = False,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Check a store and list every problem: syntax, records, ids, conflict markers.

    Exit code 0 when valid, 1 when problems are listed, 4 when a file cannot be read.

    \b
    Examples:
      vzwatch validate
      vzwatch validate --json data/initiatives.toml
    """
    from vzwatch.operations import git
    from vzwatch.operations.validation import check_files, problem_to_dict

    paths = [*(file or []), *(files or [])]
    locations = [locate([path]) for path in paths] if paths else locate_all(None)
    report = check_files(locations, today_from(None))  # the real today: nothing after it
    if json_output:
        emit_json([problem_to_dict(p) for p in report.problems])
    else:
        for problem in report.problems:
            sys.stdout.write(f"{visible(problem.text)}\n")
    for error in report.unreadable:
        sys.stderr.write(f"vzwatch: error: {visible(error.message)}\n")
    if not quiet:
        if report.clean and not json_output:
            for location in locations:
                sys.stdout.write(f"{visible(str(location.path))}: ok\n")
        for location in locations:
            warning = git.setup_warning(location.path)
            if warning:
                _warn(warning)
    if report.unreadable:
        raise typer.Exit(ExitCode.STORE)
    if report.problems:
        raise typer.Exit(ExitCode.FOUND)


@app.command("merge-driver")
def merge_driver_command(
    base: Annotated[Path, typer.Argument(help="The common ancestor (git's %O).")],
    ours: Annotated[Path, typer.Argument(help="Our version, replaced by the result (%A).")],
    theirs: Annotated[Path, typer.Argument(help="Their version (%B).")],
    path: Annotated[
        str | None, typer.Argument(help="The store's path in the repository (%P).")
    ] = None,
    no_color: NoColorFlag = False,
) -> None:
    """Merge two versions of a store by initiative and by field (git runs this).

    Exit code 0 when merged cleanly, 5 when conflicts were left between
    <<<<<<< and >>>>>>> markers, 4 when a version cannot be read.

    \b
    Example (what `vzwatch git-setup` puts in .git/config):
      vzwatch merge-driver %O %A %B %P
    """
    from vzwatch.cli.driver import report

    code = report(base, ours, theirs, path)
    if code != ExitCode.OK:
        raise typer.Exit(code)


@app.command("git-setup")
def git_setup_command(file: StoreOption = None, no_color: NoColorFlag = False) -> None:
    """Set up git to merge the store by initiative (once in every clone).

    Adds the store's line to .gitattributes (commit it), the merge driver to
    the clone's .git/config, and the store's lock file to .git/info/exclude.
    Running it again changes nothing.

    \b
    Example:
      vzwatch git-setup --file data/initiatives.toml
    """
    from vzwatch.operations.git import setup

    store_path = locate(file).path
    changes = setup(store_path)
    for change in changes or [f"already set up: git merges {store_path} with vzwatch"]:
        sys.stdout.write(f"{visible(change)}\n")
