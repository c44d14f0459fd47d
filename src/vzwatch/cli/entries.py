"""Commands that correct the log: amend and retract one progress or history entry."""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from vzwatch.cli.app import (
    EntryTodayOption,
    IdArgument,
    JsonFlag,
    NoColorFlag,
    StoreOption,
    app,
    emit_stored,
    entry_day_from,
    locate,
)

if TYPE_CHECKING:
    from vzwatch.operations.writing import EntryCorrected

EntryArgument = Annotated[
    str,
    typer.Argument(
        metavar="ENTRY", help="Entry id as `show` prints it (p3fa2, h1b2c), or the entry's date."
    ),
]


def _said(corrected: "EntryCorrected") -> str:
    from vzwatch.domain.entries import describe, entry_id
    from vzwatch.domain.text import visible

    before = corrected.before
    ident = corrected.initiative.id
    if corrected.after is None:
        return f"{ident}: removed {entry_id(before)} ({visible(describe(before))})\n"
    after = corrected.after
    return (
        f"{ident}: {entry_id(before)} ({visible(describe(before))}) is now "
        f"{entry_id(after)} ({visible(describe(after))})\n"
    )


@app.command("amend")
def amend_command(
    initiative_id: IdArgument,
    entry: EntryArgument,
    on: Annotated[
        str | None, typer.Option("--date", "-d", metavar="DATE", help="The entry's new date.")
    ] = None,
    percent: Annotated[
        str | None, typer.Option("--percent", metavar="PERCENT", help="Progress: 0 to 100.")
    ] = None,
    note: Annotated[
        str | None,
        typer.Option("--note", "-m", metavar="TEXT", help="Progress: the note ('' removes it)."),
    ] = None,
    old: Annotated[
        str | None, typer.Option("--from", metavar="STATUS", help="History: changed from.")
    ] = None,
    new: Annotated[
        str | None, typer.Option("--to", metavar="STATUS", help="History: changed to.")
    ] = None,
    today: EntryTodayOption = None,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Correct one progress or history entry in place; the rest of the store stays as it is.

    \b
    Examples:
      vzwatch amend election 2025-02-20 --percent 45 --note "Teams deployed"
      vzwatch amend election p3fa2 --date 2025-02-21
      vzwatch amend hum h1b2c --to paused
    """
    from vzwatch.domain import userinput
    from vzwatch.operations import writing

    change = writing.EntryChange(
        on=userinput.date(on, "--date") if on is not None else None,
        percent=userinput.percent(percent) if percent is not None else None,
        note=note,
        old=old,
        new=new,
    )
    location = locate(file)
    day = entry_day_from(today)
    corrected = writing.correct_entry(location, initiative_id, entry, change, today=day)
    if json_output:
        emit_stored(location, corrected.initiative, entry_day_from(None))
    else:
        sys.stdout.write(_said(corrected))


@app.command("retract")
def retract_command(
    initiative_id: IdArgument,
    entry: EntryArgument,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Remove one mistaken progress or history entry; everything else stays as it is.

    \b
    Examples:
      vzwatch retract election 2030-06-01
      vzwatch retract election p3fa2
    """
    from vzwatch.operations import writing

    location = locate(file)
    corrected = writing.correct_entry(
        location, initiative_id, entry, None, today=entry_day_from(None)
    )
    if json_output:
        emit_stored(location, corrected.initiative, entry_day_from(None))
    else:
        sys.stdout.write(_said(corrected))
