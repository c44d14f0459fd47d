"""`vzwatch deps` and `vzwatch stale`: what blocks what, and what has gone quiet."""

import sys
from typing import Annotated

import typer

from vzwatch.cli.app import (
    JsonFlag,
    NoColorFlag,
    StoreOption,
    TodayOption,
    app,
    day_count,
    emit_json,
    locate,
    today_from,
)
from vzwatch.cli.filters import OwnerFilter
from vzwatch.domain.errors import ExitCode
from vzwatch.domain.text import is_utf8_stream


def _print(lines: list[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


@app.command("deps")
def deps_command(
    initiative_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Id or unambiguous prefix.")
    ] = None,
    critical: Annotated[
        bool, typer.Option("--critical", help="The longest chain of unfinished work, its slack.")
    ] = False,
    owner: OwnerFilter = None,
    today: TodayOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Print the dependency tree: what an initiative waits for, and what waits for it.

    Without ID, every tree (from the initiatives nothing waits for).

    \b
    Examples:
      vzwatch deps election
      vzwatch deps --critical --today 2025-02-14
    """
    from vzwatch.operations import watching

    now = today_from(today)
    as_of = None if today is None else now
    view = watching.dependencies(
        locate(file), initiative_id, today=now, critical=critical, owner=owner, as_of=as_of
    )
    if json_output:
        emit_json(view.json())
    else:
        _print(view.lines(not is_utf8_stream(sys.stdout)))


@app.command("stale")
def stale_command(
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            metavar="N",
            parser=day_count,
            show_default=False,
            help="Stale after N days (default: each one's cadence).",
        ),
    ] = None,
    owner: OwnerFilter = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Print nothing at all when nothing is stale.")
    ] = False,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when anything is listed, 0 when not.")
    ] = False,
    today: TodayOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """List unfinished initiatives not updated within their review cadence, oldest first.

    \b
    Examples:
      vzwatch stale --days 30 --owner "Election Desk"
      vzwatch stale --quiet --exit-code              # for cron
    """
    from vzwatch.operations import watching

    now = today_from(today)
    as_of = None if today is None else now
    view = watching.stale(locate(file), today=now, days=days, owner=owner, as_of=as_of)
    if json_output:
        emit_json(view.json())
    elif view.found:
        _print(view.lines(False))
    elif not quiet:
        sys.stdout.write("Nothing stale.\n")
    if exit_code and view.found:
        raise typer.Exit(ExitCode.FOUND)
