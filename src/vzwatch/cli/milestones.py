"""`milestone add|done|edit|remove`: the steps an initiative is to reach, each in a quarter.

Each action parses its options, calls ``vzwatch.operations.milestones`` and prints
one line (or the milestone as JSON).
"""

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vzwatch.cli.app import (
    ChosenIdOption,
    JsonFlag,
    NoColorFlag,
    StoreOption,
    YesFlag,
    app,
    emit_json,
    locate,
)
from vzwatch.domain.errors import UsageError
from vzwatch.domain.text import visible

if TYPE_CHECKING:
    from collections.abc import Callable

    from vzwatch.domain.portfolio import Milestone, Portfolio
    from vzwatch.domain.quarters import Quarter
    from vzwatch.storage.store import StoreLocation


class MilestoneAction(StrEnum):
    add = "add"
    done = "done"
    edit = "edit"
    remove = "remove"


@app.command("milestone")
def milestone_command(
    action: Annotated[
        MilestoneAction,
        typer.Argument(
            help="add INITIATIVE TITLE --quarter Q; done ID [--date D]; "
            "edit ID [--title T] [--quarter Q] [--date D | --reopen]; remove ID [--yes]."
        ),
    ],
    initiative_or_milestone: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="add: the initiative; else the milestone (id or prefix)."
        ),
    ],
    title: Annotated[
        str | None, typer.Argument(metavar="[TITLE]", help="add: the milestone's title.")
    ] = None,
    quarter: Annotated[
        str | None,
        typer.Option("--quarter", "-Q", metavar="QUARTER", help="Its quarter: 'Q3 2024'…"),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--date", "-d", metavar="DATE", help="done: the day reached (default: today)."
        ),
    ] = None,
    new_title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="edit: a new title.")
    ] = None,
    reopen: Annotated[bool, typer.Option("--reopen", help="edit: mark it not done.")] = False,
    ident: ChosenIdOption = None,
    yes: YesFlag = False,
    file: StoreOption = None,
    json_output: JsonFlag = False,
    no_color: NoColorFlag = False,
) -> None:
    """Add a milestone to an initiative (prints its id), mark it done, edit or remove it.

    \b
    Examples:
      vzwatch milestone add election "Observer teams accredited" --quarter Q1-2025
      vzwatch milestone done observer-teams-accredited --date 2025-02-20
      vzwatch milestone edit observer --quarter Q2-2025
      vzwatch milestone remove observer-teams-accredited --yes
    """
    location = locate(file)
    if action is MilestoneAction.add:
        if title is None or quarter is None:
            raise UsageError("milestone add needs INITIATIVE, TITLE and --quarter QUARTER")
        _report(
            _add(location, initiative_or_milestone, title, quarter, ident),
            json_output,
            id_only=True,
        )
    elif action is MilestoneAction.remove:
        _remove(location, initiative_or_milestone, yes, json_output)
    else:
        if title is not None:
            raise UsageError(f"milestone {action.value} takes one ID (use --title to rename)")
        done = action is MilestoneAction.done
        _report(
            _edit(location, initiative_or_milestone, done, new_title, quarter, on, reopen),
            json_output,
        )


def _quarter_reader(text: str) -> "Callable[[Portfolio], Quarter]":
    """A quarter as the store's fiscal calendar reads it (known once the store is)."""
    from datetime import date

    from vzwatch.domain import userinput

    return lambda portfolio: userinput.quarter(text, date.today(), portfolio.fiscal)


def _add(
    location: "StoreLocation", initiative: str, title: str, quarter: str, ident: str | None
) -> "Milestone":
    from vzwatch.operations import milestones

    reader = _quarter_reader(quarter)
    return milestones.add_milestone(location, initiative, title, reader, ident=ident)


def _edit(
    location: "StoreLocation",
    target: str,
    done: bool,
    title: str | None,
    quarter: str | None,
    on: str | None,
    reopen: bool,
) -> "Milestone":
    from datetime import date

    from vzwatch.domain import userinput
    from vzwatch.operations import milestones

    day = None if on is None else userinput.date(on, "--date")
    if done:
        day = userinput.entry_date(day or date.today(), date.today())
        title = quarter = None
        reopen = False
    elif day is not None:
        userinput.entry_date(day, date.today())
    change = milestones.MilestoneEdit(
        title=title,
        quarter=None if quarter is None else _quarter_reader(quarter),
        done=day,
        reopen=reopen,
    )
    after = milestones.edit_milestone(location, target, change).after
    assert after is not None
    return after


def _remove(location: "StoreLocation", target: str, yes: bool, json_output: bool) -> None:
    from vzwatch.cli.updates import confirmed_removal
    from vzwatch.operations import milestones, reading

    if not yes:
        milestone = milestones.find_milestone(reading.open_portfolio(location), target)
        question = f"Remove milestone '{visible(milestone.title)}' ({milestone.id})?"
        if not confirmed_removal(milestone.id, question, what="milestone "):
            return
        target = milestone.id  # what was asked about, not what the prefix may match now
    removed = milestones.remove_milestone(location, target)
    if json_output:
        emit_json({"removed": removed.id, "initiative": removed.initiative})
    else:
        sys.stdout.write(f"Removed milestone {removed.id} of {removed.initiative}\n")


def _report(milestone: "Milestone", json_output: bool, *, id_only: bool = False) -> None:
    from vzwatch.formats.contract import milestone_dict

    if json_output:
        emit_json(milestone_dict(milestone))
    elif id_only:
        sys.stdout.write(f"{milestone.id}\n")
    else:
        sys.stdout.write(f"{_line(milestone)}\n")


def _line(milestone: "Milestone") -> str:
    state: Any = f"done {milestone.done}" if milestone.done else "open"
    return f"{milestone.id}: {visible(milestone.title)}, {milestone.quarter}, {state}"
